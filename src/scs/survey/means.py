"""Design-based means, proportions and contrasts of means (R: ``svymean``, ``svycontrast``).

Each column is a domain estimator over the respondents who answered (missing values are
out of the domain): the ratio sum(w y) / sum(w) with influence values w (y - mean) / sum(w) on
the domain and 0 elsewhere, so the linearization keeps every respondent, as R does for a
calibrated design (``[.survey.design2`` sets the weights of dropped rows to zero). Replicate SEs
(jackknife, bootstrap) recompute the ratio with every replicate weight.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scs.survey.design import Design, interval

CHUNK = 24  # columns per block, to bound memory on large files


@dataclass
class MeanEstimates:
    names: list[str]
    est: np.ndarray
    se_lin: np.ndarray
    se_reps: dict = field(default_factory=dict)   # kind -> SEs (jackknife, bootstrap)
    n: np.ndarray = None                          # respondents in each domain
    df: np.ndarray = None                         # degrees of freedom of each domain (R's degf of the subset)
    method: str = "linearization"                 # the method of ``se``

    @property
    def se(self) -> np.ndarray:
        return self.se_reps.get(self.method, self.se_lin)

    @property
    def se_rep(self):
        return self.se_reps.get("bootstrap")

    def ci(self, ci_level: float):
        return interval(self.est, self.se, ci_level, self.df)

    def ci_rep(self, ci_level: float, kind: str = "bootstrap"):
        s = self.se_reps.get(kind)
        return interval(self.est, s, ci_level, self.df) if s is not None else (None, None)


def stack(cols) -> np.ndarray:
    """Columns side by side in column-major order (each filled and each chunk of columns read
    contiguously; np.column_stack makes a row-major array and strides through it)."""
    cols = list(cols)
    out = np.empty((len(cols[0]), len(cols)), order="F")
    for j, c in enumerate(cols):
        out[:, j] = c
    return out


def _influence(w, Yz, mask, est, tot):
    """w (y - mean) / sum(w) on the domain, 0 elsewhere (Yz: y with 0 outside the domain)."""
    out = Yz - est
    out *= mask
    out *= w[:, None]
    out /= tot
    return out


def _ratio(Rw, Yz, mask):
    with np.errstate(invalid="ignore", divide="ignore"):
        return (Rw.T @ Yz) / (Rw.T @ mask.astype(Rw.dtype))


def means(design: Design, Y: np.ndarray, names: list[str], *, replicates: bool = True) -> MeanEstimates:
    """Weighted means of the columns of ``Y`` (n x k, NaN = not in the domain) with their SEs."""
    Y = np.asarray(Y, dtype=float).reshape(design.n, -1)
    k = Y.shape[1]
    w = design.weight
    est, se = np.full(k, np.nan), np.full(k, np.nan)
    sets = design.replicate_sets() if replicates else {}
    se_reps = {kind: np.full(k, np.nan) for kind in sets}
    n = np.zeros(k, dtype=int)
    for s in range(0, k, CHUNK):
        cols = slice(s, min(k, s + CHUNK))
        Yc = Y[:, cols]
        mask = ~np.isnan(Yc)
        Yz = np.where(mask, Yc, 0.0)
        tot = w @ mask
        with np.errstate(invalid="ignore", divide="ignore"):
            e = (w @ Yz) / tot
        est[cols], n[cols] = e, mask.sum(axis=0)
        se[cols] = np.sqrt(np.clip(design.variances(_influence(w, Yz, mask, e, tot)), 0, None))
        for kind, (Rw, _, _) in sets.items():
            se_reps[kind][cols] = np.sqrt(np.diag(design.replicate_vcov(e, _ratio(Rw, Yz, mask), kind)))
    if design.psu is None and design.strata is None:  # each respondent its own PSU, one stratum: n - 1
        df = n - 1
    else:
        df = np.array([design.df_in(~np.isnan(Y[:, j])) for j in range(k)])
    return MeanEstimates(names=list(names), est=est, se_lin=se, se_reps=se_reps, n=n, df=df, method=design.method)


def contrasts(design: Design, Y: np.ndarray, pairs: list[tuple[int, int]], names: list[str], *,
              replicates: bool = True) -> MeanEstimates:
    """Differences of means, mean(Y[:, a]) - mean(Y[:, b]) for each pair (a, b), each mean over the respondents
    who answered its column (a ratio of totals), with design SEs that account for their covariance (R:
    svycontrast of the two ratios); n counts the respondents who answered both."""
    Y = np.asarray(Y, dtype=float).reshape(design.n, -1)
    w = design.weight
    mask = ~np.isnan(Y)
    Yz = np.where(mask, Y, 0.0)
    tot = w @ mask
    e = (w @ Yz) / tot
    A = np.zeros((Y.shape[1], len(pairs)))
    for j, (a, b) in enumerate(pairs):
        A[a, j], A[b, j] = 1.0, -1.0
    est = e @ A
    se = np.sqrt(np.clip(design.variances(_influence(w, Yz, mask, e, tot) @ A), 0, None))
    se_reps = {}
    for kind, (Rw, _, _) in (design.replicate_sets() if replicates else {}).items():
        se_reps[kind] = np.sqrt(np.diag(design.replicate_vcov(est, _ratio(Rw, Yz, mask) @ A, kind)))
    either = [mask[:, a] | mask[:, b] for a, b in pairs]
    n = np.array([int((mask[:, a] & mask[:, b]).sum()) for a, b in pairs])
    return MeanEstimates(names=list(names), est=est, se_lin=se, se_reps=se_reps, n=n,
                         df=np.array([design.df_in(m) for m in either]), method=design.method)
