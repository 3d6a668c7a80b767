"""Survey-weighted least squares with design-based SEs (R: ``svyglm`` with the gaussian family).

The coefficients are weighted least squares. The linearization SEs use the influence values
w_i e_i x_i' (X'WX)^-1 (R: ``estfun %*% Ainv``) residualized on the calibration margins, so they
account for the calibration; the replicate SEs refit the model with every replicate weight.
Rows with a missing outcome or covariate are out of the estimation sample (weight 0, as R's
``svyglm`` does through subsetting a calibrated design).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .design import Design, interval, p_value
from .formula import INTERCEPT


@dataclass
class RegressionFit:
    terms: list[str]
    coef: np.ndarray
    vcov: np.ndarray
    vcov_rep: np.ndarray | None
    n: int
    r2: float
    df: int                      # residual degrees of freedom: design df - p + 1 (R's svyglm)
    used: np.ndarray             # estimation-sample mask
    infl: np.ndarray             # influence values (n x p)

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.vcov), 0, None))

    @property
    def se_rep(self) -> np.ndarray | None:
        return None if self.vcov_rep is None else np.sqrt(np.clip(np.diag(self.vcov_rep), 0, None))

    def table(self, ci_level: float) -> pd.DataFrame:
        se = self.se
        lo, hi = interval(self.coef, se, ci_level, self.df)
        out = pd.DataFrame({"term": self.terms, "coef": self.coef, "se": se, "ci_low": lo, "ci_high": hi,
                            "t": self.coef / se, "p": p_value(self.coef, se, self.df)})
        if self.vcov_rep is not None:
            out["se_boot"] = self.se_rep
            out["ci_low_boot"], out["ci_high_boot"] = interval(self.coef, self.se_rep, ci_level, self.df)
        out["n"] = self.n
        out["r2"] = self.r2
        out["df"] = self.df
        return out


def complete_rows(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    return ~np.isnan(y) & ~np.isnan(X).any(axis=1)


def fit_wls(design: Design, y: np.ndarray, X: np.ndarray, terms: list[str], *, used: np.ndarray | None = None,
            replicates: bool = True) -> RegressionFit:
    """WLS of ``y`` on ``X`` (no intercept column: one is added first) over the rows ``used``
    (default: complete rows), with linearization and (optionally) replicate covariances."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    ok = complete_rows(y, X) if used is None else (np.asarray(used, bool) & complete_rows(y, X))
    Z = np.column_stack([np.ones(len(y)), np.where(ok[:, None], X, 0.0)])
    yz = np.where(ok, y, 0.0)
    w = design.weight * ok
    A = (Z * w[:, None]).T @ Z
    Ainv = np.linalg.inv(A)
    beta = Ainv @ ((Z * w[:, None]).T @ yz)
    e = np.where(ok, yz - Z @ beta, 0.0)
    infl = (Z * (w * e)[:, None]) @ Ainv
    V = design.vcov(infl)
    ybar = (w @ yz) / w.sum()
    r2 = 1.0 - (w @ e ** 2) / (w @ np.where(ok, (yz - ybar) ** 2, 0.0))
    Vrep = None
    if replicates and design.n_replicates:
        Vrep = design.replicate_vcov(beta, replicate_coefs(design.replicates, Z, yz, ok))
    p = Z.shape[1]
    return RegressionFit(terms=[INTERCEPT] + list(terms), coef=beta, vcov=V, vcov_rep=Vrep, n=int(ok.sum()), r2=float(r2),
                         df=design.df - p + 1, used=ok, infl=infl)


def replicate_coefs(Rw: np.ndarray, Z: np.ndarray, y: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """WLS coefficients under every replicate weight (R x p), solved in one batch."""
    W = np.asarray(Rw, dtype=float) * ok[:, None]
    A = np.einsum("nr,nj,nk->rjk", W, Z, Z, optimize=True)
    b = (W * y[:, None]).T @ Z
    return np.linalg.solve(A, b[:, :, None])[:, :, 0]


def predictive_margins(design: Design, fit: RegressionFit, X: np.ndarray, column: int, levels, *,
                       replicates: bool = True, y: np.ndarray | None = None):
    """Mean prediction over the estimation sample with covariate ``column`` of X set to each level
    (every respondent at that level, the others as observed), with design SEs (delta method)."""
    X = np.asarray(X, dtype=float)
    ok = fit.used
    w = design.weight * ok
    tot = w.sum()
    rows = []
    for lv in levels:
        Xl = np.where(ok[:, None], X, 0.0).copy()
        Xl[:, column] = lv
        Z = np.column_stack([np.ones(len(Xl)), Xl])
        pred = Z @ fit.coef
        est = (w @ pred) / tot
        zbar = (w @ Z) / tot
        infl = w * (pred - est) / tot + fit.infl @ zbar
        se = float(np.sqrt(design.vcov(infl[:, None])[0, 0]))
        row = {"level": lv, "predicted": est, "se": se}
        if replicates and design.n_replicates and y is not None:
            Zo = np.column_stack([np.ones(len(X)), np.where(ok[:, None], X, 0.0)])
            B = replicate_coefs(design.replicates, Zo, np.where(ok, y, 0.0), ok)
            Wr = np.asarray(design.replicates, dtype=float) * ok[:, None]
            er = np.einsum("nr,nr->r", Wr, (Z @ B.T)) / Wr.sum(axis=0)
            row["se_boot"] = float(np.sqrt(design.replicate_vcov(np.array([est]), er[:, None])[0, 0]))
        rows.append(row)
    out = pd.DataFrame(rows)
    return out
