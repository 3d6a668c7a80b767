"""Survey-weighted least squares with design-based SEs (R: ``svyglm`` with the gaussian family).

The coefficients are weighted least squares. Three SEs, one of them reported (``design.variance``):

* linearization: the influence values w_i e_i x_i' (X'WX)^-1 (R: ``estfun %*% Ainv``) residualized
  on the calibration margins, so that they account for the calibration;
* jackknife (JK1): the model refitted with every delete-one replicate weight, each replicate
  calibrated again (R: ``svyglm`` on ``calibrate(as.svrepdesign(type = "JK1"))``);
* bootstrap: refitted with every re-weighted bootstrap replicate.

Rows with a missing outcome or covariate are out of the estimation sample (weight 0, as R's
``svyglm`` does through subsetting a calibrated design).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scs.survey.design import Design, interval, p_value
from scs.survey.formula import INTERCEPT

REP_CHUNK = 512  # replicates solved per batch (memory: chunk x p x p, and n x chunk of weights)


@dataclass
class RegressionFit:
    terms: list[str]
    coef: np.ndarray
    vcov_lin: np.ndarray
    n: int
    r2: float
    df: int                      # residual degrees of freedom: the sample's design df - p + 1 (R's svyglm)
    used: np.ndarray             # estimation-sample mask
    infl: np.ndarray             # influence values (n x p)
    vcov_reps: dict = field(default_factory=dict)   # kind -> covariance (jackknife, bootstrap)
    method: str = "linearization"
    rep_coefs: dict = field(default_factory=dict, repr=False)  # kind -> coefficients under each replicate (R x p)

    @property
    def vcov(self) -> np.ndarray:
        return self.vcov_reps.get(self.method, self.vcov_lin)

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.vcov), 0, None))

    def se_of(self, kind: str):
        V = self.vcov_lin if kind == "linearization" else self.vcov_reps.get(kind)
        return None if V is None else np.sqrt(np.clip(np.diag(V), 0, None))

    @property
    def se_rep(self):
        return self.se_of("bootstrap")

    def table(self, ci_level: float) -> pd.DataFrame:
        se = self.se
        lo, hi = interval(self.coef, se, ci_level, self.df)
        out = pd.DataFrame({"term": self.terms, "coef": self.coef, "se": se, "ci_low": lo, "ci_high": hi,
                            "t": self.coef / se, "p": p_value(self.coef, se, self.df), "variance": self.method})
        for kind in ("linearization", "jackknife", "bootstrap"):
            s = self.se_of(kind)
            if s is not None:
                out[f"se_{kind}"] = s
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
    ybar = (w @ yz) / w.sum()
    r2 = 1.0 - (w @ e ** 2) / (w @ np.where(ok, (yz - ybar) ** 2, 0.0))
    reps, rep_coefs = {}, {}
    if replicates:
        for kind, (Rw, _, _) in design.replicate_sets().items():
            rep_coefs[kind] = replicate_coefs(Rw, Z, yz, ok)
            reps[kind] = design.replicate_vcov(beta, rep_coefs[kind], kind)
    p = Z.shape[1]
    return RegressionFit(terms=[INTERCEPT] + list(terms), coef=beta, vcov_lin=design.vcov(infl), vcov_reps=reps,
                         n=int(ok.sum()), r2=float(r2), df=design.df_in(ok) - p + 1, used=ok, infl=infl,
                         method=design.method, rep_coefs=rep_coefs)


def replicate_coefs(Rw: np.ndarray, Z: np.ndarray, y: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """WLS coefficients under every replicate weight (R x p): each replicate's Z'WZ and Z'Wy as one matrix
    product of the replicate weights with the rows' cross-products, solved in batches of replicates."""
    R = Rw.shape[1]
    p = Z.shape[1]
    rows = np.flatnonzero(ok)
    Zo = Z[rows]
    ZZ = (Zo[:, :, None] * Zo[:, None, :]).reshape(len(rows), p * p)
    Zy = Zo * y[rows][:, None]
    out = np.empty((R, p))
    for s in range(0, R, REP_CHUNK):
        W = np.asarray(Rw[rows, s:s + REP_CHUNK], dtype=float)
        A = (W.T @ ZZ).reshape(-1, p, p)
        out[s:s + W.shape[1]] = np.linalg.solve(A, (W.T @ Zy)[:, :, None])[:, :, 0]
    return out


def predictive_margins(design: Design, fit: RegressionFit, X: np.ndarray, column: int, levels, *,
                       replicates: bool = True, y: np.ndarray | None = None) -> pd.DataFrame:
    """Mean prediction over the estimation sample with covariate ``column`` of X set to each level
    (every respondent at that level, the others as observed), with design SEs (delta method for the
    linearization; refits for the replicates); and the difference of each level's margin from the first
    level's, with its own SEs (the two margins come from the same respondents, so the SE of their
    difference is not a function of their SEs)."""
    X = np.asarray(X, dtype=float)
    ok = fit.used
    w = design.weight * ok
    tot = w.sum()
    Zo = np.column_stack([np.ones(len(X)), np.where(ok[:, None], X, 0.0)])
    rep_betas = {}
    if replicates and y is not None:
        for kind, (Rw, _, _) in design.replicate_sets().items():  # the fit's own refits when it kept them
            B = fit.rep_coefs.get(kind)
            rep_betas[kind] = (Rw, B if B is not None else replicate_coefs(Rw, Zo, np.where(ok, y, 0.0), ok))
    est, infl, rep_est = [], [], {kind: [] for kind in rep_betas}
    for lv in levels:
        Z = Zo.copy()
        Z[:, column + 1] = lv
        pred = Z @ fit.coef
        e = (w @ pred) / tot
        est.append(e)
        infl.append(w * (pred - e) / tot + fit.infl @ ((w @ Z) / tot))
        for kind, (Rw, B) in rep_betas.items():
            Wr = np.asarray(Rw, dtype=float) * ok[:, None]
            rep_est[kind].append(np.einsum("nr,nr->r", Wr, Z @ B.T) / Wr.sum(axis=0))
    L = len(levels)
    # the margins, then each margin minus the first: one linear map of the margins
    A = np.hstack([np.eye(L), np.eye(L) - np.eye(L)[:, [0]]])
    theta = np.asarray(est) @ A
    se = {"linearization": np.sqrt(np.clip(design.variances(np.column_stack(infl) @ A), 0, None))}
    for kind, r in rep_est.items():
        reps = np.column_stack(r) @ A
        se[kind] = np.sqrt(np.clip(np.diag(design.replicate_vcov(theta, reps, kind)), 0, None))
    method = design.method if design.method in se else "linearization"
    rows = []
    for j, lv in enumerate(levels):
        row = {"level": lv, "predicted": theta[j]}
        row.update({f"se_{kind}": s[j] for kind, s in se.items()})
        row["se"] = se[method][j]
        row["variance"] = method
        d = L + j
        row["difference"] = theta[d] if j else np.nan
        row.update({f"difference_se_{kind}": (s[d] if j else np.nan) for kind, s in se.items()})
        row["difference_se"] = se[method][d] if j else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
