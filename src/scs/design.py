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
from scipy import stats


@dataclass
class Design:
    weight: np.ndarray                      # final weights
    base: np.ndarray | None = None          # prior weights d (None: all 1)
    calib: np.ndarray | None = None         # n x K calibration model matrix (None: no calibration)
    replicates: np.ndarray | None = None    # n x R replicate weights
    rep_scale: float = 1.0
    rep_mse: bool = False
    label: str = ""
    _q: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        self.weight = np.asarray(self.weight, dtype=float)
        self.base = np.ones(len(self.weight)) if self.base is None else np.asarray(self.base, dtype=float)

    @property
    def n(self) -> int:
        return len(self.weight)

    @property
    def df(self) -> int:
        """Design degrees of freedom: PSUs minus strata (R's ``degf``)."""
        return self.n - 1

    @property
    def n_replicates(self) -> int:
        return 0 if self.replicates is None else self.replicates.shape[1]

    # ------------------------------------------------------------------ linearization
    def _basis(self) -> np.ndarray:
        if self._q is None:
            X = self.calib * np.sqrt(self.base)[:, None]
            q, r = np.linalg.qr(X)
            keep = np.abs(np.diag(r)) > 1e-10 * np.abs(np.diag(r)).max()  # rank, as R's qr
            self._q = q[:, keep]
        return self._q

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """R's calibration step of ``svyrecvar``: qr.resid(qr(M sqrt(d)), x / (g sqrt(d))) * g sqrt(d)."""
        if self.calib is None:
            return x
        s = self.weight / np.sqrt(self.base)  # g * sqrt(d) with g = w / d
        q = self._basis()
        z = x / s[:, None]
        z = z - q @ (q.T @ z)
        return z * s[:, None]

    def vcov(self, infl: np.ndarray) -> np.ndarray:
        """Linearization covariance of estimators with influence values ``infl`` (n x k, weighted)."""
        x = self.residualize(np.asarray(infl, dtype=float).reshape(self.n, -1))
        x = x - x.mean(axis=0)
        return self.n / (self.n - 1) * (x.T @ x)

    # ------------------------------------------------------------------ replicates
    def replicate_vcov(self, theta: np.ndarray, theta_reps: np.ndarray) -> np.ndarray:
        """Replicate covariance from the full-sample estimates ``theta`` (k) and replicates (R x k)."""
        reps = np.asarray(theta_reps, dtype=float).reshape(self.n_replicates, -1)
        centre = np.asarray(theta, dtype=float).reshape(1, -1) if self.rep_mse else reps.mean(axis=0, keepdims=True)
        dev = reps - centre
        return self.rep_scale * (dev.T @ dev)

    def replicate_weights(self, dtype=float) -> np.ndarray:
        return np.asarray(self.replicates, dtype=dtype)


def rao_wu_multipliers(n: int, n_reps: int, seed: int) -> np.ndarray:
    """Rao-Wu rescaled bootstrap for one stratum of n PSUs: draw n-1 with replacement, multiplier
    n/(n-1) * count (R's ``subbootweights``). Returns an n x R float64 matrix; each column sums to n."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n - 1, np.full(n, 1.0 / n), size=n_reps).T
    return counts * (n / (n - 1))


BOOTSTRAP_SCALE = "1/(R-1)"


def bootstrap_scale(n_reps: int) -> float:
    """R's svrepdesign(type = "bootstrap"): scale 1/(R-1), replicates centred at their mean."""
    return 1.0 / (n_reps - 1)


def t_quantile(ci_level: float, df: float) -> float:
    return float(stats.t.ppf(0.5 + ci_level / 2, df))


def interval(est, se, ci_level: float, df: float):
    q = t_quantile(ci_level, df)
    est = np.asarray(est, dtype=float)
    se = np.asarray(se, dtype=float)
    return est - q * se, est + q * se


def p_value(est, se, df: float):
    est = np.asarray(est, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 2 * stats.t.sf(np.abs(est / se), df)
