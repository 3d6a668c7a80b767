"""The survey design of the estimates: weights, calibration, replicates, and variances.

A :class:`Design` is rebuilt by every estimation stage from what the ``weights`` rule stored
(the weights, the replicate weights and ``design.json``); nothing here re-solves the calibration.

Variances follow R's survey package (Lumley) for a single-stage with-replacement design with
each respondent its own PSU:

* linearization: an estimator's influence values (already multiplied by the weights, as R passes
  them to ``svyrecvar``) are residualized on the calibration model (R's ``greg_calibration``
  step: a regression with the prior weights, rescaled by g * sqrt(d)), centred, and
  V = n/(n-1) * sum of their cross-products;
* replicates: V = scale * sum_r (theta_r - centre)^2, with R's ``svrepdesign`` conventions
  (bootstrap: scale 1/(R-1), centred at the mean of the replicates unless ``mse``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special


@dataclass
class Design:
    weight: np.ndarray                      # final weights
    base: np.ndarray | None = None          # prior weights d (None: all 1)
    calib: np.ndarray | None = None         # n x K calibration model matrix (None: no calibration)
    replicates: np.ndarray | None = None    # n x R replicate weights
    rep_scale: float = 1.0
    rep_mse: bool = False
    label: str = ""
    strata: np.ndarray | None = None        # stratum of each unit (None: one stratum)
    psu: np.ndarray | None = None           # first-stage cluster of each unit (None: each unit its own PSU)
    jackknife: np.ndarray | None = None     # n x n delete-one (JK1) replicate weights
    variance: str = "linearization"         # the SE reported: linearization | jackknife | bootstrap
    _q: tuple | None = field(default=None, repr=False)
    _gram: tuple | None = field(default=None, repr=False)

    def __post_init__(self):
        self.weight = np.asarray(self.weight, dtype=float)
        self.base = np.ones(len(self.weight)) if self.base is None else np.asarray(self.base, dtype=float)

    @property
    def n(self) -> int:
        return len(self.weight)

    @property
    def df(self) -> int:
        """Design degrees of freedom: PSUs minus strata (R's ``degf``)."""
        return self.df_in(None)

    def df_in(self, mask) -> int:
        """Degrees of freedom of a domain (the units with ``mask`` true): its PSUs minus its strata, as R's
        ``degf`` of a subset of a calibrated design."""
        m = np.ones(self.n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        if self.psu is None and self.strata is None:
            return int(m.sum()) - 1
        strata = (np.zeros(self.n) if self.strata is None else self.strata)[m]
        psu = (np.arange(self.n) if self.psu is None else self.psu)[m]
        return len(set(zip(strata.tolist(), psu.tolist()))) - len(np.unique(strata))

    @property
    def n_replicates(self) -> int:
        return 0 if self.replicates is None else self.replicates.shape[1]

    # ------------------------------------------------------------------ linearization
    def _basis(self) -> tuple[np.ndarray, np.ndarray]:
        """Q, an orthonormal basis of the calibration model M sqrt(d) (rank as R's qr), premultiplied
        by s and by 1/s, s = g sqrt(d) = w / sqrt(d): the residualization is then two products."""
        if self._q is None:
            q = _orthonormal(self.calib, self.base)
            s = (self.weight / np.sqrt(self.base))[:, None]
            self._q = (q * s, q / s)
        return self._q

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """R's calibration step of ``svyrecvar``: qr.resid(qr(M sqrt(d)), x / (g sqrt(d))) * g sqrt(d)
        = x - (sQ) (Q/s)' x."""
        if self.calib is None:
            return x
        qs, qi = self._basis()
        return x - qs @ (qi.T @ x)

    def _totals(self, infl: np.ndarray) -> np.ndarray:
        """Residualized influence values, centred (one stratum, each unit its own PSU)."""
        x = np.asarray(infl, dtype=float).reshape(self.n, -1)
        x = self.residualize(x) if self.calib is not None else x.copy()
        x -= x.mean(axis=0)
        return x

    def vcov(self, infl: np.ndarray) -> np.ndarray:
        """Linearization covariance of estimators with influence values ``infl`` (n x k, weighted):
        with-replacement (ultimate cluster) variance of the PSU totals within strata, as R's ``svyrecvar``
        without finite population corrections."""
        if self.psu is None and self.strata is None:
            x = np.asarray(infl, dtype=float).reshape(self.n, -1)
            if self.calib is not None:
                V = self._vcov_products(x)
                if V is not None:
                    return V
            x = self._totals(x)
            return self.n / (self.n - 1) * (x.T @ x)
        x = self.residualize(np.asarray(infl, dtype=float).reshape(self.n, -1))
        strata = np.zeros(self.n, dtype=int) if self.strata is None else np.unique(self.strata, return_inverse=True)[1]
        psu = np.arange(self.n) if self.psu is None else np.unique(self.psu, return_inverse=True)[1]
        V = np.zeros((x.shape[1], x.shape[1]))
        for h in np.unique(strata):
            m = strata == h
            ids, inv = np.unique(psu[m], return_inverse=True)
            tot = np.zeros((len(ids), x.shape[1]))
            np.add.at(tot, inv, x[m])
            if len(ids) < 2:
                continue
            tot = tot - tot.mean(axis=0)
            V += len(ids) / (len(ids) - 1) * (tot.T @ tot)
        return V

    def _products(self, x: np.ndarray):
        """C = (Q/s)'x, B = (sQ)'x, G = (sQ)'(sQ) and 1'(sQ): what the residual sums of squares and sums
        of a calibrated design need (e = x - (sQ) C), with the K calibration columns only."""
        qs, qi = self._basis()
        if self._gram is None:
            self._gram = (qs.T @ qs, qs.sum(axis=0))
        G, qsum = self._gram
        return qi.T @ x, qs.T @ x, G, qsum

    def _vcov_products(self, x: np.ndarray) -> np.ndarray | None:
        """:meth:`vcov` of a calibrated design without forming the residuals (as :meth:`variances`, the
        whole matrix): e'e = x'x - B'C - C'B + C'GC, 1'e = 1'x - 1'(sQ) C. None when a diagonal element
        is nearly cancelled (then the residuals are formed)."""
        C, B, G, qsum = self._products(x)
        xx = x.T @ x
        BC = B.T @ C
        ss = xx - BC - BC.T + C.T @ (G @ C)
        se = x.sum(axis=0) - qsum @ C
        V = ss - np.outer(se, se) / self.n
        if not np.all(np.diag(V) > 1e-6 * np.diag(xx)):
            return None
        return self.n / (self.n - 1) * V

    def variances(self, infl: np.ndarray) -> np.ndarray:
        """The diagonal of :meth:`vcov`, without forming the residuals: with C = (Q/s)'x and B = (sQ)'x,
        sum of e^2 = x'x - 2 B'C + C'(sQ)'(sQ)C and sum of e = 1'x - 1'(sQ) C (a few products with the
        K calibration columns instead of passes over an n x k array). A column whose residuals are
        nearly zero (a calibration variable itself), where these differences lose digits, is computed
        from its residuals as :meth:`vcov` does."""
        x = np.asarray(infl, dtype=float).reshape(self.n, -1)
        if self.psu is not None or self.strata is not None:
            return np.diag(self.vcov(x))
        if self.calib is None:
            xc = x - x.mean(axis=0)
            return self.n / (self.n - 1) * np.einsum("ij,ij->j", xc, xc)
        C, B, G, qsum = self._products(x)
        sq = np.einsum("ij,ij->j", x, x)
        ss = sq - 2 * np.einsum("kj,kj->j", B, C) + np.einsum("kj,kl,lj->j", C, G, C)
        se = x.sum(axis=0) - qsum @ C
        v = ss - se * se / self.n
        exact = ~(v > 1e-6 * sq)
        if exact.any():
            e = self._totals(x[:, exact])
            v[exact] = np.einsum("ij,ij->j", e, e)
        return self.n / (self.n - 1) * v

    # ------------------------------------------------------------------ replicates
    def replicate_sets(self) -> dict:
        """Replicate weight sets available: kind -> (n x R weights, variance scale, mse)."""
        out = {}
        if self.jackknife is not None:
            out["jackknife"] = (self.jackknife, (self.n - 1) / self.n, False)
        if self.replicates is not None:
            out["bootstrap"] = (self.replicates, self.rep_scale, self.rep_mse)
        return out

    def replicate_vcov(self, theta: np.ndarray, theta_reps: np.ndarray, kind: str = "bootstrap") -> np.ndarray:
        """Replicate covariance from the full-sample estimates ``theta`` (k) and replicates (R x k), with
        R's svrepdesign conventions (bootstrap: 1/(R-1); JK1: (n-1)/n; centred at the replicates' mean)."""
        _, scale, mse = self.replicate_sets()[kind]
        reps = np.asarray(theta_reps, dtype=float)
        reps = reps.reshape(reps.shape[0], -1)
        centre = np.asarray(theta, dtype=float).reshape(1, -1) if mse else reps.mean(axis=0, keepdims=True)
        dev = reps - centre
        return scale * (dev.T @ dev)

    @property
    def method(self) -> str:
        """The variance method of the reported SEs: the configured one when its replicates exist."""
        return self.variance if self.variance in self.replicate_sets() else "linearization"


_ORTH: list = []  # the last basis: designs that share the calibration model and prior weights share it


def _orthonormal(calib: np.ndarray, base: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the columns of M sqrt(d), keeping the rank as R's qr does."""
    for M, d, q in _ORTH:
        if M is calib and np.array_equal(d, base):
            return q
    q, r = np.linalg.qr(calib * np.sqrt(base)[:, None])
    keep = np.abs(np.diag(r)) > 1e-10 * np.abs(np.diag(r)).max()  # rank, as R's qr
    q = q[:, keep]
    _ORTH[:] = [(calib, base, q)]
    return q


def unweighted(n: int, *, variance: str = "linearization") -> Design:
    """Equal weights, no calibration (a simple random sample with replacement); with the jackknife
    (JK1: delete one, the others n/(n-1)) when the reported SEs are jackknife SEs."""
    jk = None
    if variance == "jackknife":
        jk = np.full((n, n), n / (n - 1))
        np.fill_diagonal(jk, 0.0)
    return Design(weight=np.ones(n), jackknife=jk, variance=variance)


def rao_wu_multipliers(n: int, n_reps: int, seed: int) -> np.ndarray:
    """Rao-Wu rescaled bootstrap for one stratum of n PSUs: draw n-1 with replacement, multiplier
    n/(n-1) * count (R's ``subbootweights``). Returns an n x R float64 matrix; each column sums to n."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n - 1, np.full(n, 1.0 / n), size=n_reps).T
    return counts * (n / (n - 1))




def bootstrap_scale(n_reps: int) -> float:
    """R's svrepdesign(type = "bootstrap"): scale 1/(R-1), replicates centred at their mean."""
    return 1.0 / (n_reps - 1)


def t_quantile(ci_level: float, df) -> float:
    """The t quantile of a two-sided interval (scipy.special: scipy.stats costs seconds to import)."""
    return special.stdtrit(np.asarray(df, dtype=float), 0.5 + ci_level / 2)


def interval(est, se, ci_level: float, df):
    q = t_quantile(ci_level, df)
    est = np.asarray(est, dtype=float)
    se = np.asarray(se, dtype=float)
    return est - q * se, est + q * se


def p_value(est, se, df: float):
    est = np.asarray(est, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 2 * special.stdtr(np.asarray(df, dtype=float), -np.abs(est / se))
