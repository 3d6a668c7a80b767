"""Design-based means, proportions and contrasts of means (R: ``svymean``, ``svycontrast``).

Each column is a domain estimator over the respondents who answered (missing values are
out of the domain): the ratio sum(w y) / sum(w) with influence values w (y - mean) / sum(w) on
the domain and 0 elsewhere, so the linearization keeps every respondent, as R does for a
calibrated design (``[.survey.design2`` sets the weights of dropped rows to zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .design import Design, interval

CHUNK = 64  # columns per block, to bound memory on large files


@dataclass
class MeanEstimates:
    names: list[str]
    est: np.ndarray
    se: np.ndarray
    se_rep: np.ndarray | None
    n: np.ndarray            # respondents in each domain
    df: int

    def ci(self, ci_level: float):
        return interval(self.est, self.se, ci_level, self.df)

    def ci_rep(self, ci_level: float):
        return interval(self.est, self.se_rep, ci_level, self.df) if self.se_rep is not None else (None, None)


def _influence(w, Y, mask, est, tot):
    return w[:, None] * mask * (np.where(mask, Y, 0.0) - est) / tot


def means(design: Design, Y: np.ndarray, names: list[str], *, replicates: bool = True) -> MeanEstimates:
    """Weighted means of the columns of ``Y`` (n x k, NaN = not in the domain) with their SEs."""
    Y = np.asarray(Y, dtype=float).reshape(design.n, -1)
    k = Y.shape[1]
    w = design.weight
    est = np.full(k, np.nan)
    se = np.full(k, np.nan)
    se_rep = np.full(k, np.nan) if (replicates and design.n_replicates) else None
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
        V = design.vcov(_influence(w, Yc, mask, e, tot))
        se[cols] = np.sqrt(np.clip(np.diag(V), 0, None))
        if se_rep is not None:
            Rw = design.replicates
            with np.errstate(invalid="ignore", divide="ignore"):
                er = (Rw.T @ Yz) / (Rw.T @ mask.astype(Rw.dtype))
            se_rep[cols] = np.sqrt(np.diag(design.replicate_vcov(e, er)))
    return MeanEstimates(names=list(names), est=est, se=se, se_rep=se_rep, n=n, df=design.df)


def contrasts(design: Design, Y: np.ndarray, pairs: list[tuple[int, int]], names: list[str], *,
              replicates: bool = True) -> MeanEstimates:
    """Differences of domain means, mean(Y[:, a]) - mean(Y[:, b]) for each pair (a, b), with design SEs
    that account for their covariance (both means come from the same respondents)."""
    Y = np.asarray(Y, dtype=float).reshape(design.n, -1)
    w = design.weight
    mask = ~np.isnan(Y)
    Yz = np.where(mask, Y, 0.0)
    tot = w @ mask
    e = (w @ Yz) / tot
    infl = _influence(w, Y, mask, e, tot)
    A = np.zeros((Y.shape[1], len(pairs)))
    for j, (a, b) in enumerate(pairs):
        A[a, j], A[b, j] = 1.0, -1.0
    est = e @ A
    se = np.sqrt(np.clip(np.diag(design.vcov(infl @ A)), 0, None))
    se_rep = None
    if replicates and design.n_replicates:
        Rw = design.replicates
        er = (Rw.T @ Yz) / (Rw.T @ mask.astype(Rw.dtype))
        se_rep = np.sqrt(np.diag(design.replicate_vcov(est, er @ A)))
    n = np.array([int((mask[:, a] & mask[:, b]).sum()) for a, b in pairs])
    return MeanEstimates(names=list(names), est=est, se=se, se_rep=se_rep, n=n, df=design.df)
