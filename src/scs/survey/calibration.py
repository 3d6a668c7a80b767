"""Calibration of weights to population margins (the estimator family of R's ``survey::calibrate``).

``calibrate`` solves the calibration equations  sum_i d_i g_i m_i = T  for the adjustment
factors g_i = F(m_i' eta), by Newton's method exactly as R's ``grake`` does:

* ``calfun="logit"``: bounded raking (Deville and Sarndal 1992, "logit" distance): every g_i
  lies strictly between ``lower`` and ``upper``; R: ``calibrate(..., calfun = "logit", bounds = c(L, U))``.
  ``lower`` and ``upper`` may be numbers or one bound per unit (R: ``bounds = list(lower=, upper=)``).
* ``calfun="raking"``: unbounded raking, g_i = exp(m_i' eta); R: ``calfun = "raking"``.

The solution of the calibration equations is unique, so any solver that converges to the same
tolerance gives R's weights. ``m_i`` is the row of the margin model matrix (intercept plus
treatment dummies of every margin: R's ``model.matrix(~ sex + age + ...)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

EPS = np.finfo(float).eps


@dataclass
class CalibrationResult:
    g: np.ndarray            # adjustment factors (final weight = d * g)
    eta: np.ndarray          # Lagrange multipliers
    iterations: int
    converged: bool
    max_rel_misfit: float    # max |T - sum d g m| / (1 + |T|), R's convergence criterion


def _logit_parts(lower, upper):
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    if np.any(~np.isfinite(lower)) or np.any(~np.isfinite(upper)):
        raise ValueError("logit calibration needs finite bounds")
    if np.any(lower >= 1) or np.any(upper <= 1) or np.any(lower < 0):
        raise ValueError("logit calibration needs 0 <= lower < 1 < upper")
    A = (upper - lower) / ((1 - lower) * (upper - 1))
    c = np.log((1 - lower) / (upper - 1))
    return lower, upper, A, c


def _gfun(u, calfun, parts):
    """g = 1 + F^{-1}(u) and dg/du for R's calibration functions (logit written stably)."""
    if calfun == "raking":
        with np.errstate(over="ignore"):
            g = np.exp(u)
        return g, g
    if calfun == "linear":
        return 1.0 + u, np.ones_like(u)
    lower, upper, A, c = parts
    s = expit(A * u + c)
    g = lower + (upper - lower) * s
    return g, (upper - lower) * A * s * (1 - s)


def calibrate(M: np.ndarray, d: np.ndarray, totals: np.ndarray, *, calfun: str = "logit", lower=None,
              upper=None, tol: float = 1e-10, max_iter: int = 100, eta0: np.ndarray | None = None
              ) -> CalibrationResult:
    """Calibrate prior weights ``d`` (n) so that ``(d * g) @ M == totals`` (R's ``grake``).

    Returns the factors ``g``; a result with ``converged=False`` means the equations could not be
    solved within ``max_iter`` Newton steps (for bounded raking: the bounds cannot meet the totals).
    """
    M = np.asarray(M, dtype=float)
    d = np.asarray(d, dtype=float)
    totals = np.asarray(totals, dtype=float)
    if calfun not in ("logit", "raking", "linear"):
        raise ValueError(f"unknown calibration function {calfun!r}")
    parts = _logit_parts(lower, upper) if calfun == "logit" else None
    eta = np.zeros(M.shape[1]) if eta0 is None else np.asarray(eta0, dtype=float).copy()
    scale = 1.0 + np.abs(totals)

    def state(e):
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging step: caught by the checks below
            g, dg = _gfun(M @ e, calfun, parts)
            return g, dg, totals - (d * g) @ M

    def newton_step(dg, misfit):
        T = (M * (d * dg)[:, None]).T @ M
        try:
            return np.linalg.solve(T, misfit)
        except np.linalg.LinAlgError:  # a margin with no weight left: R's generalized inverse
            return np.linalg.pinv(T, rcond=256 * EPS) @ misfit

    g, dg, misfit = state(eta)
    it = 0
    while True:
        achieved = float(np.max(np.abs(misfit) / scale))
        if np.all(np.isfinite(g)) and achieved < tol:
            # one more Newton step: near the solution it converges quadratically, so the weights end at
            # rounding error rather than anywhere below tol (which would leave machine-dependent digits)
            cand = eta + newton_step(dg, misfit)
            g2, dg2, misfit2 = state(cand)
            after = float(np.max(np.abs(misfit2) / scale))
            if np.all(np.isfinite(g2)) and after <= achieved:
                eta, g, achieved = cand, g2, after
            return CalibrationResult(g, eta, it, True, achieved)
        if it >= max_iter:
            return CalibrationResult(g, eta, it, False, achieved)
        it += 1
        step = newton_step(dg, misfit)
        before = np.max(np.abs(misfit) / scale)
        for _ in range(40):
            # step halving: when the factors overflow (as R does) and, unlike R, when the misfit grows,
            # which keeps Newton from running away near the bounds; the solution is the same
            cand = eta + step
            g, dg, misfit = state(cand)
            ok = np.all(np.isfinite(g)) and np.all(np.isfinite(dg))
            if ok and np.max(np.abs(misfit) / scale) <= before:
                break
            step = step / 2
        eta = cand


def calibrate_many(M: np.ndarray, D: np.ndarray, totals: np.ndarray, *, calfun: str = "logit", lower=None,
                   upper=None, tol: float = 1e-10, max_iter: int = 100, eta0: np.ndarray | None = None):
    """:func:`calibrate` for many prior weights at once (the columns of ``D``, n x R), by the same Newton
    iterations with the same step halving and the same final step, every column on its own but the matrix
    work done for all columns together (replicate weights: the delete-one jackknife). Returns the multipliers
    (K x R), the number of iterations of each column and whether each converged."""
    M = np.asarray(M, dtype=float)
    D = np.asarray(D, dtype=float)
    totals = np.asarray(totals, dtype=float)
    n, K = M.shape
    R = D.shape[1]
    parts = _logit_parts(lower, upper) if calfun == "logit" else None
    E = np.zeros((K, R)) if eta0 is None else np.repeat(np.asarray(eta0, dtype=float).reshape(K, 1), R, axis=1)
    scale = (1.0 + np.abs(totals))[:, None]
    MM = (M[:, :, None] * M[:, None, :]).reshape(n, K * K)

    def state(E, D):
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging column: caught by the checks below
            g, dg = _gfun(M @ E, calfun, parts)
            misfit = totals[:, None] - M.T @ (D * g)
            achieved = np.max(np.abs(misfit) / scale, axis=0)
        finite = np.all(np.isfinite(g), axis=0) & np.all(np.isfinite(dg), axis=0)
        return dg, misfit, np.where(finite, achieved, np.inf), finite

    def newton_steps(D, dg, misfit):
        H = ((D * dg).T @ MM).reshape(-1, K, K)
        try:
            return np.linalg.solve(H, misfit.T[:, :, None])[:, :, 0].T
        except np.linalg.LinAlgError:  # a margin with no weight left: R's generalized inverse, column by column
            return np.column_stack([np.linalg.pinv(h, rcond=256 * EPS) @ m for h, m in zip(H, misfit.T)])

    dg, misfit, achieved, finite = state(E, D)
    iterations = np.zeros(R, dtype=int)
    done = finite & (achieved < tol)
    for _ in range(max_iter):
        a = np.flatnonzero(~done)
        if len(a) == 0:
            break
        iterations[a] += 1
        step = newton_steps(D[:, a], dg[:, a], misfit[:, a])
        before = achieved[a]
        todo = np.arange(len(a))  # columns of `a` still halving their step
        cand = E[:, a] + step
        new = state(cand, D[:, a])
        for _ in range(40):  # step halving, column by column, as calibrate does
            bad = todo[~(new[3][todo] & (new[2][todo] <= before[todo]))]
            if len(bad) == 0:
                break
            step[:, bad] /= 2
            cand[:, bad] = E[:, a[bad]] + step[:, bad]
            sub = state(cand[:, bad], D[:, a[bad]])
            for arr, part in zip(new, sub):
                arr[..., bad] = part
            todo = bad
        E[:, a] = cand
        dg[:, a], misfit[:, a], achieved[a], finite[a] = new
        done[a] = finite[a] & (achieved[a] < tol)
    # one more Newton step for every converged column (see calibrate), kept where the misfit does not grow
    c = np.flatnonzero(done)
    if len(c):
        cand = E[:, c] + newton_steps(D[:, c], dg[:, c], misfit[:, c])
        _, _, after, fin = state(cand, D[:, c])
        keep = fin & (after <= achieved[c])
        E[:, c[keep]] = cand[:, keep]
    return E, iterations, done


def factors(M: np.ndarray, eta: np.ndarray, *, calfun: str = "logit", lower=None, upper=None) -> np.ndarray:
    """Adjustment factors g = F(M eta) for one or many multipliers (eta: K, or K x R -> n x R)."""
    parts = _logit_parts(lower, upper) if calfun == "logit" else None
    return _gfun(M @ eta, calfun, parts)[0]


# --------------------------------------------------------------------------- margins
def level_codes(x, levels) -> tuple[np.ndarray, list[str]]:
    """The position of each value of ``x`` (compared as text) among ``levels``, -1 for other values;
    and the other values seen. Hashes each distinct value once (fast on large files)."""
    if isinstance(x, pd.Categorical):  # the codes are already there
        codes, text = x.codes, [str(c) for c in x.categories]
        if (codes < 0).any():
            codes, text = np.where(codes < 0, len(text), codes), [*text, "nan"]
    else:
        codes, uniques = pd.factorize(np.asarray(x, dtype=object), use_na_sentinel=False)
        text = [str(u) for u in uniques]
    pos = {str(c): i for i, c in enumerate(levels)}
    lut = np.array([pos.get(t, -1) for t in text], dtype=np.int64)
    return lut[codes], sorted(t for t in text if t not in pos)


def margin_matrix(columns: dict[str, np.ndarray], levels: dict[str, list[str]]) -> tuple[np.ndarray, list[str]]:
    """Intercept plus treatment dummies (first level the reference) of each margin, as R's model.matrix.

    ``columns`` maps a margin variable to its values (compared as text); ``levels`` to its categories in
    order. A value outside ``levels`` raises ValueError.
    """
    n = len(next(iter(columns.values())))
    K = 1 + sum(len(lev) - 1 for lev in levels.values())
    M = np.zeros((n, K))
    M[:, 0] = 1.0
    names = ["(Intercept)"]
    j = 1
    for var, lev in levels.items():
        codes, unknown = level_codes(columns[var], lev)
        if unknown:
            raise ValueError(f"{var}: categories {unknown} have no target")
        for k, cat in enumerate(lev[1:], 1):
            M[codes == k, j] = 1.0
            names.append(f"{var}{cat}")
            j += 1
    return M, names


def margin_totals(shares: dict[str, dict[str, float]], levels: dict[str, list[str]], total: float) -> np.ndarray:
    """Population totals for :func:`margin_matrix`: ``total`` and total * share of every non-reference level."""
    out = [total]
    for var, lev in levels.items():
        out += [total * shares[var][c] for c in lev[1:]]
    return np.asarray(out)


def needed_factors(columns: dict[str, np.ndarray], levels: dict[str, list[str]], shares: dict, d: np.ndarray) -> dict:
    """For each margin category: target share / share of the prior weights. A bound below the largest
    (or above the smallest) of these cannot be met by any calibration (a necessary condition)."""
    d = np.asarray(d, dtype=float)
    tot = d.sum()
    out = {}
    for var, lev in levels.items():
        codes, _ = level_codes(columns[var], lev)
        sums = np.bincount(codes[codes >= 0], weights=d[codes >= 0], minlength=len(lev))
        for i, c in enumerate(lev):
            s = sums[i] / tot
            out[(var, c)] = (shares[var][c] / s) if s > 0 else np.inf
    return out


# --------------------------------------------------------------------------- trim-rake (svy)
def trim_rake(columns: dict[str, np.ndarray], shares: dict, d: np.ndarray, *, lower: float, upper: float,
              tol: float, max_iter: int, cycles: int) -> tuple[np.ndarray, dict]:
    """svy's trim-rake: rake, trim to [lower, upper] times the mean weight, rake again, until both hold.

    Kept for comparability with ipfraking-style weights; bounded raking (:func:`calibrate`) is the
    default because R reproduces it exactly. Units with zero prior weight keep weight 0. Returns
    the weights (scaled to the prior weights' total) and svy's report; raises ``RuntimeError``
    with svy's message when the bounds cannot be met.
    """
    import contextlib
    import io
    import re
    import warnings

    import polars as pl
    import svy

    d = np.asarray(d, dtype=float)
    keep = d > 0
    data = pl.DataFrame({"_d": d[keep], **{v: np.asarray(x).astype(str)[keep] for v, x in columns.items()}})
    sample = svy.Sample(data, svy.Design(wgt="_d"))
    trimming = svy.TrimConfig(upper=svy.Threshold("mean") * float(upper), lower=svy.Threshold("mean") * float(lower),
                              max_iter=int(cycles))
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raked = sample.weighting.rake(shares={v: dict(shares[v]) for v in columns}, wgt_name="_w", tol=float(tol),
                                          max_iter=int(max_iter), trimming=trimming, display_iter=True)
    except Exception as exc:  # svy's WeightingError
        raise RuntimeError(" ".join(str(exc).split())[:600]) from None
    w = np.zeros(len(d))
    w[keep] = raked.data["_w"].to_numpy()
    return w, {"cycles": len(re.findall(r"^Cycle", buf.getvalue(), flags=re.M))}
