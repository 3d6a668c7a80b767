"""Weighted proportional-odds (ordered) logit with design-based SEs (R: ``svyolr``).

Parametrization as R's ``polr``/``svyolr``: logit P(Y <= k) = zeta_k - x'beta. Fitted by weighted
pseudo-likelihood with Newton's method (analytic gradient and Hessian; the log-likelihood is
concave in (beta, zeta)), with step halving that keeps the cut points ordered. Written here
because statsmodels' ``OrderedModel`` silently ignores weights.

Covariance: the influence values w_i s_i H^-1 (scores times the inverse information, as
``svyolr``'s ``inffun``) go through the design's linearization, so the SEs account for the
calibration like every other estimate; ``ordered_logit_fixed`` gives the sandwich that treats
the weights as fixed (used by tests against statsmodels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from .design import Design, interval, p_value


@dataclass
class OrderedLogit:
    beta: np.ndarray    # slopes
    zeta: np.ndarray    # K-1 cut points
    cov: np.ndarray     # covariance of (beta, zeta)
    n: int
    levels: np.ndarray
    converged: bool
    iterations: int
    df: float = np.inf

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.cov), 0, None))

    def table(self, names: list[str], ci_level: float) -> pd.DataFrame:
        est = np.concatenate([self.beta, self.zeta])
        se = self.se
        lo, hi = interval(est, se, ci_level, self.df)
        terms = list(names) + [f"cut{self.levels[j]}|{self.levels[j + 1]}" for j in range(len(self.zeta))]
        p = p_value(est, se, self.df)
        p[len(names):] = np.nan
        return pd.DataFrame({"term": terms, "coef": est, "se": se, "ci_low": lo, "ci_high": hi, "p": p})


def _parts(X, yk, beta, zeta):
    """a = zeta_k - eta, b = zeta_{k-1} - eta with F(a) - F(b) = P(Y = k)."""
    eta = X @ beta
    K1 = len(zeta)
    up = yk < K1
    lo = yk > 0
    a = np.where(up, zeta[np.minimum(yk, K1 - 1)] - eta, np.inf)
    b = np.where(lo, zeta[np.maximum(yk - 1, 0)] - eta, -np.inf)
    Fa, Fb = special.expit(a), special.expit(b)
    fa = np.where(up, Fa * (1 - Fa), 0.0)
    fb = np.where(lo, Fb * (1 - Fb), 0.0)
    dfa = np.where(up, fa * (1 - 2 * Fa), 0.0)
    dfb = np.where(lo, fb * (1 - 2 * Fb), 0.0)
    P = Fa - Fb
    return P, fa, fb, dfa, dfb, up, lo


def loglik(X, yk, w, beta, zeta) -> float:
    if np.any(np.diff(zeta) <= 0):
        return -np.inf
    P = _parts(X, yk, beta, zeta)[0]
    if np.any(P <= 0):
        return -np.inf
    return float(w @ np.log(P))


def scores(X, yk, beta, zeta) -> np.ndarray:
    """Per-observation gradient of log P(Y = y_i) with respect to (beta, zeta)."""
    P, fa, fb, _, _, up, lo = _parts(X, yk, beta, zeta)
    n, p = X.shape
    K1 = len(zeta)
    S = np.zeros((n, p + K1))
    S[:, :p] = -X * ((fa - fb) / P)[:, None]
    rows = np.arange(n)
    S[rows[up], p + yk[up]] += fa[up] / P[up]
    S[rows[lo], p + yk[lo] - 1] -= fb[lo] / P[lo]
    return S


def hessian(X, yk, w, beta, zeta) -> np.ndarray:
    """Weighted Hessian of the log-likelihood (analytic)."""
    P, fa, fb, dfa, dfb, up, lo = _parts(X, yk, beta, zeta)
    n, p = X.shape
    K1 = len(zeta)
    d = fa - fb
    h_ee = (dfa - dfb) / P - d ** 2 / P ** 2
    h_eu = -dfa / P + fa * d / P ** 2          # d2/(d eta d zeta_up)
    h_el = dfb / P - fb * d / P ** 2           # d2/(d eta d zeta_low)
    h_uu = dfa / P - fa ** 2 / P ** 2
    h_ll = -dfb / P - fb ** 2 / P ** 2
    h_ul = fa * fb / P ** 2
    Uo = np.zeros((n, K1))
    Lo = np.zeros((n, K1))
    rows = np.arange(n)
    Uo[rows[up], yk[up]] = 1.0
    Lo[rows[lo], yk[lo] - 1] = 1.0
    H = np.zeros((p + K1, p + K1))
    H[:p, :p] = (X * (w * h_ee)[:, None]).T @ X           # d eta / d beta = x
    cross = (X * (w * h_eu)[:, None]).T @ Uo + (X * (w * h_el)[:, None]).T @ Lo
    H[:p, p:] = cross
    H[p:, :p] = cross.T
    H[p:, p:] = (Uo * (w * h_uu)[:, None]).T @ Uo + (Lo * (w * h_ll)[:, None]).T @ Lo
    UL = (Uo * (w * h_ul)[:, None]).T @ Lo
    H[p:, p:] += UL + UL.T
    return H


def _fit(y, X, w, tol=1e-10, max_iter=100):
    y = np.asarray(y)
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    levels = np.unique(y)
    yk = np.searchsorted(levels, y)
    K1 = len(levels) - 1
    p = X.shape[1]
    # centre X for the optimizer (cut points shift back below)
    mu = (w @ X) / w.sum()
    Xc = X - mu
    cum = np.cumsum(np.bincount(yk, weights=w, minlength=K1 + 1))[:-1] / w.sum()
    theta = np.concatenate([np.zeros(p), special.logit(np.clip(cum, 1e-8, 1 - 1e-8))])
    ll = loglik(Xc, yk, w, theta[:p], theta[p:])
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        g = w @ scores(Xc, yk, theta[:p], theta[p:])
        H = hessian(Xc, yk, w, theta[:p], theta[p:])
        step = np.linalg.solve(H, -g)
        t = 1.0
        while True:
            cand = theta + t * step
            ll_new = loglik(Xc, yk, w, cand[:p], cand[p:])
            if ll_new >= ll - 1e-12 * abs(ll) or t < 1e-10:
                break
            t /= 2
        theta, ll = cand, ll_new
        if np.max(np.abs(g)) / w.sum() < tol and np.max(np.abs(t * step)) < 1e-8:
            converged = True
            break
    beta = theta[:p]
    zeta = theta[p:] + mu @ beta  # x'b - zeta with x centred: zeta_c = zeta - mu'b
    return beta, zeta, yk, levels, converged, it


def ordered_logit(design: Design, y: np.ndarray, X: np.ndarray, *, df: float | None = None) -> OrderedLogit:
    """Ordered logit of ``y`` (NaN = out of the estimation sample) on ``X`` with design-based covariance."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    ok = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    w = design.weight
    beta, zeta, yk, levels, converged, it = _fit(y[ok].astype(int), X[ok], w[ok])
    S = scores(X[ok], yk, beta, zeta)
    H = hessian(X[ok], yk, w[ok], beta, zeta)
    Hinv = np.linalg.inv(-H)
    infl = np.zeros((design.n, S.shape[1]))
    infl[ok] = (S * w[ok][:, None]) @ Hinv
    cov = design.vcov(infl)
    dfree = design.df_in(ok) - len(beta) if df is None else df
    return OrderedLogit(beta=beta, zeta=zeta, cov=cov, n=int(ok.sum()), levels=levels, converged=converged,
                        iterations=it, df=dfree)


def ordered_logit_fixed(y, X, w=None) -> OrderedLogit:
    """The same fit with the sandwich that treats the weights as fixed: H^-1 (n/(n-1) sum w^2 s s') H^-1."""
    y = np.asarray(y)
    X = np.asarray(X, dtype=float)
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    beta, zeta, yk, levels, converged, it = _fit(y, X, w)
    S = scores(X, yk, beta, zeta) * w[:, None]
    n = len(y)
    Hinv = np.linalg.inv(-hessian(X, yk, w, beta, zeta))
    cov = Hinv @ (S.T @ S * n / (n - 1)) @ Hinv
    return OrderedLogit(beta=beta, zeta=zeta, cov=cov, n=n, levels=levels, converged=converged, iterations=it)
