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

from scs.survey.design import Design, interval, p_value


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


class _Data:
    """One fit's data sorted by response category (sums over a category are sums over a slice), with X
    centred at ``mu`` and a column of ones appended (so one matrix product gives the sums of a set of
    vectors and their X-weighted sums). ``rows``: the rows of X in the fit (default: all)."""

    def __init__(self, X, yk, w, K1, mu, rows=None):
        order = np.argsort(yk, kind="stable")
        self.order = order
        idx = order if rows is None else np.asarray(rows)[order]
        p = X.shape[1]
        self.X1 = np.empty((len(order), p + 1))
        np.take(X, idx, axis=0, out=self.X1[:, :p])
        self.X1[:, :p] -= mu
        self.X1[:, p] = 1.0
        self.yk = yk[order]
        self.w = w[order]
        self.K1 = K1
        counts = np.bincount(self.yk, minlength=K1 + 1)
        self.edges = np.concatenate([[0], np.cumsum(counts)])

    @property
    def X(self) -> np.ndarray:
        return self.X1[:, :-1]

    def seg_products(self, V: np.ndarray) -> np.ndarray:
        """V (m x n) times [X 1] within each category: (K1 + 1) x m x (p + 1)."""
        e = self.edges
        return np.stack([V[:, e[k]:e[k + 1]] @ self.X1[e[k]:e[k + 1]] for k in range(self.K1 + 1)])


def _parts(X, yk, beta, zeta):
    """P(Y = k) = F(a) - F(b) with a = zeta_k - eta, b = zeta_{k-1} - eta; the outer cut points are
    -inf and +inf, where F and its density f are 0 or 1 and 0 (so no case distinctions)."""
    eta = X @ beta
    zpad = np.concatenate([[-np.inf], zeta, [np.inf]])
    a = zpad[yk + 1] - eta
    b = zpad[yk] - eta
    Fa, Fb = special.expit(a), special.expit(b)
    fa = Fa * (1 - Fa)
    fb = Fb * (1 - Fb)
    P = Fa - Fb
    return P, Fa, Fb, fa, fb


def scores(X, yk, beta, zeta) -> np.ndarray:
    """Per-observation gradient of log P(Y = y_i) with respect to (beta, zeta)."""
    P, _, _, fa, fb = _parts(X, yk, beta, zeta)
    n, p = X.shape
    K1 = len(zeta)
    S = np.zeros((n, p + K1))
    S[:, :p] = -X * ((fa - fb) / P)[:, None]
    rows = np.arange(n)
    up, lo = yk < K1, yk > 0
    S[rows[up], p + yk[up]] += fa[up] / P[up]
    S[rows[lo], p + yk[lo] - 1] -= fb[lo] / P[lo]
    return S


def _state(D: _Data, theta) -> tuple[float, tuple | None]:
    """Log-likelihood at theta and the parts the gradient and Hessian reuse (None where it is -inf)."""
    p = D.X1.shape[1] - 1
    beta, zeta = theta[:p], theta[p:]
    if np.any(np.diff(zeta) <= 0):
        return -np.inf, None
    parts = _parts(D.X, D.yk, beta, zeta)
    if np.any(parts[0] <= 0):
        return -np.inf, None
    return float(D.w @ np.log(parts[0])), parts


def _grad_hess(D: _Data, parts):
    """Weighted gradient and Hessian of the log-likelihood (analytic), on category-sorted data.

    With u = f(a)/P, l = f(b)/P, d = u - l, A = 1 - 2F(a), B = 1 - 2F(b), the second derivatives of
    log P are: eta-eta u A - l B - d^2 (<= 0: concave), eta-zeta_up u (d - A), eta-zeta_low l (B - d),
    zeta_up-zeta_up u (A - u), zeta_low-zeta_low -l (B + l), zeta_up-zeta_low u l. Every sum over a
    category, plain or X-weighted, comes from one product per category; the beta-beta block from one more.
    """
    X, w, K1 = D.X, D.w, D.K1
    p = X.shape[1]
    P, Fa, Fb, fa, fb = parts
    u = fa / P
    lo = fb / P
    d = u - lo
    A = 1 - 2 * Fa
    B = 1 - 2 * Fb
    wu, wl = w * u, w * lo
    V = np.empty((8, len(w)))
    np.subtract(wu, wl, out=V[0])                   # w d: gradient in eta
    np.multiply(wu, d - A, out=V[1])                # eta, zeta_up
    np.multiply(wl, B - d, out=V[2])                # eta, zeta_low
    V[3], V[4] = wu, wl                             # gradient in zeta (up, low)
    np.multiply(wu, A - u, out=V[5])                # zeta_up, zeta_up
    np.multiply(-wl, B + lo, out=V[6])              # zeta_low, zeta_low
    np.multiply(wu, lo, out=V[7])                   # zeta_up, zeta_low
    seg = D.seg_products(V)                         # (K1 + 1) x 8 x (p + 1)
    g = np.empty(p + K1)
    g[:p] = -seg[:, 0, :p].sum(axis=0)
    g[p:] = seg[:K1, 3, p] - seg[1:, 4, p]
    H = np.empty((p + K1, p + K1))
    hee = w * (d * d - u * A + lo * B)              # -w * (second derivative eta-eta) >= 0
    Xs = X * np.sqrt(np.clip(hee, 0, None))[:, None]
    H[:p, :p] = -(Xs.T @ Xs)                        # d eta / d beta = x
    cross = seg[:K1, 1, :p].T + seg[1:, 2, :p].T
    H[:p, p:] = cross
    H[p:, :p] = cross.T
    Z = np.diag(seg[:K1, 5, p] + seg[1:, 6, p])
    ul = seg[1:K1, 7, p]                            # category k: zeta_k (up) with zeta_{k-1} (low)
    Z[np.arange(1, K1), np.arange(K1 - 1)] += ul
    Z[np.arange(K1 - 1), np.arange(1, K1)] += ul
    H[p:, p:] = Z
    return g, H


def hessian(X, yk, w, beta, zeta) -> np.ndarray:
    """Weighted Hessian of the log-likelihood (analytic)."""
    X = np.asarray(X, dtype=float)
    D = _Data(X, np.asarray(yk), np.asarray(w, dtype=float), len(zeta), np.zeros(X.shape[1]))
    return _grad_hess(D, _parts(D.X, D.yk, beta, zeta))[1]


STEP_TOL = 1e-6         # a full Newton step below this ends the iterations (the next would be ~1e-12)
WARM_START_ROWS = 20000  # above twice this many rows, Newton starts from a fit to an evenly spaced subsample


def _newton(D: _Data, theta, tol, max_iter):
    ll, parts = _state(D, theta)
    converged = False
    it = 0
    while it < max_iter:
        it += 1
        g, H = _grad_hess(D, parts)
        step = np.linalg.solve(H, -g)
        t = 1.0
        while True:
            cand = theta + t * step
            ll_new, parts_new = _state(D, cand)
            if ll_new >= ll - 1e-12 * abs(ll) or t < 1e-10:
                break
            t /= 2
        if parts_new is None:
            break
        theta, ll, parts = cand, ll_new, parts_new
        size = np.max(np.abs(t * step))
        # converged: a negligible step, or a full Newton step so small that the next one (quadratic
        # convergence: about its square) would change nothing that is reported
        if (np.max(np.abs(g)) / D.w.sum() < tol and size < 1e-8) or (t == 1.0 and size < STEP_TOL):
            converged = True
            break
    if converged:  # one more full step: the estimates end at rounding error, not at ~1e-12 (machine-dependent digits)
        g, H = _grad_hess(D, parts)
        cand = theta + np.linalg.solve(H, -g)
        ll_new, parts_new = _state(D, cand)
        if parts_new is not None and ll_new >= ll:
            theta = cand
    return theta, converged, it


@dataclass
class _Fitted:
    beta: np.ndarray
    zeta: np.ndarray
    levels: np.ndarray
    converged: bool
    iterations: int
    influence: np.ndarray   # n_out x (p + K1): w_i s_i (-H)^-1 of (beta, zeta); 0 outside the fit


def _fit(y, X, w, rows=None, n_out=None, tol=1e-10, max_iter=100) -> _Fitted:
    """Fit to the rows ``rows`` of X (default: all) with answers ``y`` and weights ``w`` of those rows;
    the influence values are returned for ``n_out`` rows (default: the fitted ones), 0 outside the fit."""
    y = np.asarray(y)
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    rows = np.arange(len(y)) if rows is None else np.asarray(rows)
    n_out = len(y) if n_out is None else n_out
    levels = np.unique(y)
    yk = np.searchsorted(levels, y)
    K1 = len(levels) - 1
    p = X.shape[1]
    # centre X for the optimizer: zeta_c = zeta - mu'beta (the cut points shift back below)
    mu = (w @ X[rows]) / w.sum()  # (rows outside the fit may hold NaN)
    cum = np.cumsum(np.bincount(yk, weights=w, minlength=K1 + 1))[:-1] / w.sum()
    theta = np.concatenate([np.zeros(p), special.logit(np.clip(cum, 1e-8, 1 - 1e-8))])
    n = len(y)
    if n > 2 * WARM_START_ROWS:
        sub = np.arange(0, n, n // WARM_START_ROWS)
        if len(np.unique(yk[sub])) == K1 + 1:
            start, ok, _ = _newton(_Data(X, yk[sub], w[sub], K1, mu, rows[sub]), theta, 1e-6, max_iter)
            if ok:
                theta = start
    D = _Data(X, yk, w, K1, mu, rows)
    theta, converged, it = _newton(D, theta, tol, max_iter)
    # influence values of the centred parameters (scores times the inverse information), then of the
    # reported ones through the linear map A: (beta, zeta) = A (beta, zeta_c)
    parts = _parts(D.X, D.yk, theta[:p], theta[p:])
    _, H = _grad_hess(D, parts)
    P, _, _, fa, fb = parts
    S = np.zeros((n, p + K1))
    np.multiply(D.X, (-D.w * (fa - fb) / P)[:, None], out=S[:, :p])
    for k in range(K1 + 1):
        lo_, hi_ = D.edges[k], D.edges[k + 1]
        if k < K1:
            S[lo_:hi_, p + k] = D.w[lo_:hi_] * fa[lo_:hi_] / P[lo_:hi_]
        if k > 0:
            S[lo_:hi_, p + k - 1] -= D.w[lo_:hi_] * fb[lo_:hi_] / P[lo_:hi_]
    A = np.eye(p + K1)
    A[p:, :p] = mu[None, :]
    infl = np.zeros((n_out, p + K1))
    infl[rows[D.order]] = S @ (np.linalg.inv(-H) @ A.T)
    beta = theta[:p]
    zeta = theta[p:] + mu @ beta
    return _Fitted(beta=beta, zeta=zeta, levels=levels, converged=converged, iterations=it, influence=infl)


def ordered_logit(design: Design, y: np.ndarray, X: np.ndarray, *, df: float | None = None) -> OrderedLogit:
    """Ordered logit of ``y`` (NaN = out of the estimation sample) on ``X`` with design-based covariance."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    ok = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    rows = np.flatnonzero(ok)
    f = _fit(y[rows].astype(int), X, design.weight[rows], rows=rows, n_out=design.n)
    cov = design.vcov(f.influence)
    dfree = design.df_in(ok) - len(f.beta) if df is None else df
    return OrderedLogit(beta=f.beta, zeta=f.zeta, cov=cov, n=int(ok.sum()), levels=f.levels, converged=f.converged,
                        iterations=f.iterations, df=dfree)


def ordered_logit_fixed(y, X, w=None) -> OrderedLogit:
    """The same fit with the sandwich that treats the weights as fixed: H^-1 (n/(n-1) sum w^2 s s') H^-1."""
    y = np.asarray(y)
    X = np.asarray(X, dtype=float)
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    f = _fit(y, X, w)
    n = len(y)
    cov = f.influence.T @ f.influence * n / (n - 1)
    return OrderedLogit(beta=f.beta, zeta=f.zeta, cov=cov, n=n, levels=f.levels, converged=f.converged,
                        iterations=f.iterations)
