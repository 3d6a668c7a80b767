"""Weighted two-way tables and the Rao-Scott test of independence (R: ``svytable``, ``svychisq``).

The cells of a table of two categorical variables are the domain means of the cells' 0/1 indicators
over the respondents who have both variables (a domain of the full design, as R's ``svymean(mm, design,
na.rm = TRUE)``); their covariance is the design's linearization, with the calibration step for a
calibrated design (:meth:`scs.survey.design.Design.vcov`, R's ``svyrecvar`` with ``postStrata``).

The test is R's ``svychisq(~a + b, design, statistic = "F")`` (Rao and Scott 1984; Thomas and Rao 1987):
Pearson's X^2 of the weighted table is divided by the trace of the generalized design effect matrix
Delta = (C' D^-1 C / N)^-1 (C' D^-1 V D^-1 C), where C spans the interaction contrasts orthogonal to the
main effects, D = diag(cell proportions), V their design covariance; F = X^2 / tr(Delta) is referred to an F
distribution with d = tr(Delta)^2 / tr(Delta^2) and d * nu degrees of freedom, nu the design's degrees of
freedom (PSUs minus strata of the whole design). Both X^2 and Delta scale with N, so F, d and p do not depend
on it; N here is the number of respondents in the table (R uses every row of the design, which differs only
when a variable is missing for some: the statistic ``chisq`` and ``deff`` reported here are then the ones of
the respondents in the table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from scs.survey.design import Design


@dataclass(frozen=True)
class RaoScott:
    n: int           # respondents with both variables
    rows: int        # levels of the row variable
    cols: int        # levels of the column variable
    chisq: float     # Pearson's X^2 of the weighted table scaled to n
    F: float         # X^2 / trace(Delta): the second-order corrected statistic
    ndf: float       # trace(Delta)^2 / trace(Delta^2)
    ddf: float       # ndf * the design's degrees of freedom
    p: float
    deff: float      # the mean generalized design effect, trace(Delta) / ((rows - 1)(cols - 1))


def cell_indicators(a: np.ndarray, b: np.ndarray, nr: int, nc: int) -> np.ndarray:
    """n x (nr * nc): each respondent's cell of the table, 0/1, the row level varying fastest (R's
    ``interaction(a, b)``); NaN for a respondent without both variables (outside the table's domain).
    ``a`` and ``b``: level indices, -1 where missing."""
    a, b = np.asarray(a), np.asarray(b)
    ok = (a >= 0) & (b >= 0)
    out = np.full((len(a), nr * nc), np.nan)
    out[ok] = 0.0
    rows = np.flatnonzero(ok)
    out[rows, a[ok] + nr * b[ok]] = 1.0
    return out


def _contrasts(nr: int, nc: int) -> np.ndarray:
    """The interaction columns of the saturated model of an nr x nc table, residualized on the main
    effects (R: qr.resid(qr(X1), X12[, -(1:(nr + nc - 1))]))."""
    r = np.tile(np.arange(nr), nc)
    c = np.repeat(np.arange(nc), nr)
    X1 = np.column_stack([np.ones(nr * nc), *[(r == i).astype(float) for i in range(1, nr)],
                          *[(c == j).astype(float) for j in range(1, nc)]])
    X12 = np.column_stack([((r == i) & (c == j)).astype(float) for j in range(1, nc) for i in range(1, nr)])
    q, _ = np.linalg.qr(X1)
    return X12 - q @ (q.T @ X12)


def rao_scott(design: Design, a: np.ndarray, b: np.ndarray, nr: int, nc: int) -> RaoScott:
    """The Rao-Scott second-order corrected test of independence of two categorical variables (level
    indices ``a`` and ``b``, -1 where missing) with the design's linearization covariance of the cells."""
    Y = cell_indicators(a, b, nr, nc)
    mask = ~np.isnan(Y[:, 0])
    n = int(mask.sum())
    nan = float("nan")
    if nr < 2 or nc < 2 or n < 2:
        return RaoScott(n, nr, nc, nan, nan, nan, nan, nan, nan)
    w = design.weight
    Yz = np.where(mask[:, None], Y, 0.0)
    wm = w * mask
    tot = wm.sum()
    p = (wm @ Yz) / tot
    infl = (Yz - p) * (wm / tot)[:, None]
    V = design.vcov(infl)
    N = float(n)
    with np.errstate(divide="ignore"):
        inv = np.where(p > 0, 1.0 / p, 0.0)
    C = _contrasts(nr, nc)
    DC = inv[:, None] * C
    denom = C.T @ DC / N
    numr = DC.T @ V @ DC
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    d0 = tr * tr / float(np.trace(delta @ delta))
    table = N * p.reshape(nc, nr).T
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        chisq = float(np.sum((table - expected) ** 2 / expected))
    F = chisq / tr
    ddf = d0 * design.df
    return RaoScott(n=n, rows=nr, cols=nc, chisq=chisq, F=F, ndf=d0, ddf=ddf, p=float(special.fdtrc(d0, ddf, F)),
                    deff=tr / ((nr - 1) * (nc - 1)))
