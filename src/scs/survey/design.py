"""The survey design of the estimates: weights, calibration, replicates, and variances.

A :class:`Design` is rebuilt by every estimation stage from what the ``weights`` rule stored
(the weights, the replicate weights and ``design.json``); nothing here re-solves the calibration.

Variances follow R's survey package (Lumley) for a with-replacement (ultimate cluster) design:
``svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE)``, by default (no strata, no
PSUs) ``ids = ~1``, each respondent its own PSU in one stratum:

* linearization: an estimator's influence values (already multiplied by the weights, as R passes
  them to ``svyrecvar``) are residualized on the calibration model (R's ``greg_calibration``
  step: a regression with the prior weights, rescaled by g * sqrt(d)), summed within PSUs, and
  V = sum over strata of n_h/(n_h-1) * sum of the cross-products of the PSU totals minus their
  stratum mean (R's ``onestage``; without strata and PSUs n/(n-1) times the centred values'
  cross-products). A stratum with a single PSU follows ``lonely_psu`` (R's
  ``options(survey.lonely.psu)``): ``fail`` (an error), ``certainty`` (it adds nothing) or
  ``adjust`` (its PSU total deviates from 0, the population mean of the influence values);
* replicates: V = scale * sum_r rscale_r (theta_r - centre)^2, with R's ``svrepdesign`` conventions
  (bootstrap: scale 1/(R-1); delete-one jackknife JK1: (n-1)/n; cluster jackknife JKn: rscale
  (n_h-1)/n_h of the replicate's stratum; centred at the mean of the replicates unless ``mse``).

Degrees of freedom of t intervals: PSUs minus strata (R's ``degf``), n - 1 without PSUs and strata.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
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
    jackknife: np.ndarray | None = None     # n x R jackknife replicate weights (JK1: R = n; JKn: one per PSU)
    variance: str = "linearization"         # the SE reported: linearization | jackknife | bootstrap
    jk_rscales: np.ndarray | None = None    # per-replicate scale of the jackknife (JKn: (n_h-1)/n_h); None: JK1
    lonely_psu: str = "fail"                # a stratum with one PSU: fail | certainty | adjust (R's survey.lonely.psu)
    _q: tuple | None = field(default=None, repr=False)
    _gram: tuple | None = field(default=None, repr=False)
    _clusters: Clusters | None = field(default=None, repr=False)

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
        return self.clusters.vcov(x, self.lonely_psu)

    @property
    def clusters(self) -> Clusters:
        """The strata and PSUs of the units (:class:`Clusters`), made once."""
        if self._clusters is None:
            self._clusters = Clusters.of(self.strata, self.psu, self.n)
        return self._clusters

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
            scale = (self.n - 1) / self.n if self.jk_rscales is None else np.asarray(self.jk_rscales, dtype=float)
            out["jackknife"] = (self.jackknife, scale, False)
        if self.replicates is not None:
            out["bootstrap"] = (self.replicates, self.rep_scale, self.rep_mse)
        return out

    def replicate_vcov(self, theta: np.ndarray, theta_reps: np.ndarray, kind: str = "bootstrap") -> np.ndarray:
        """Replicate covariance from the full-sample estimates ``theta`` (k) and replicates (R x k), with
        R's svrepdesign conventions (bootstrap: 1/(R-1); JK1: (n-1)/n; JKn: (n_h-1)/n_h of each replicate's
        stratum; centred at the replicates' mean)."""
        _, scale, mse = self.replicate_sets()[kind]
        reps = np.asarray(theta_reps, dtype=float)
        reps = reps.reshape(reps.shape[0], -1)
        centre = np.asarray(theta, dtype=float).reshape(1, -1) if mse else reps.mean(axis=0, keepdims=True)
        dev = reps - centre
        if np.ndim(scale):  # one scale per replicate (R's rscales)
            return (dev * scale[:, None]).T @ dev
        return scale * (dev.T @ dev)

    @property
    def method(self) -> str:
        """The variance method of the reported SEs: the configured one when its replicates exist."""
        return self.variance if self.variance in self.replicate_sets() else "linearization"


LONELY_PSU = ("fail", "certainty", "adjust")


class LonelyPSU(ValueError):
    """A stratum with a single PSU where ``lonely_psu`` is ``fail`` (R: "Stratum (h) has only one PSU")."""

    def __init__(self, stratum):
        self.stratum = stratum
        super().__init__(f"stratum {stratum!r} has only one PSU")


@dataclass
class Clusters:
    """The strata and first-stage clusters (PSUs) of n units, as indices: ``stratum`` (n: 0..H-1),
    ``psu`` (n: 0..N-1, numbered across strata, nested in them as R's ``nest = TRUE``), ``psu_stratum``
    (N: the stratum of each PSU) and ``n_h`` (H: PSUs per stratum). Strata and PSUs are numbered in the
    order they first appear (R's ``unique``); ``stratum_labels`` and ``psu_labels`` hold their values."""

    stratum: np.ndarray
    psu: np.ndarray
    psu_stratum: np.ndarray
    n_h: np.ndarray
    stratum_labels: list
    psu_labels: list

    @classmethod
    def of(cls, strata, psu, n: int) -> Clusters:
        """From the stratum and PSU of each unit (None: one stratum; each unit its own PSU)."""
        s_codes, s_lab = _first_appearance(np.zeros(n, dtype=int) if strata is None else strata)
        if psu is None:
            p_codes, pairs = np.arange(n), [(int(s), i) for i, s in enumerate(s_codes)]
            p_lab = list(range(1, n + 1))
        else:
            raw_codes, raw_lab = _first_appearance(psu)
            p_codes, pair_index = _first_appearance(s_codes.astype(np.int64) * (len(raw_lab) + 1) + raw_codes)
            pairs = [(int(k) // (len(raw_lab) + 1), int(k) % (len(raw_lab) + 1)) for k in pair_index]
            p_lab = [raw_lab[j] for _, j in pairs]
        psu_stratum = np.array([h for h, _ in pairs], dtype=np.int64)
        return cls(stratum=s_codes, psu=p_codes, psu_stratum=psu_stratum,
                   n_h=np.bincount(psu_stratum, minlength=len(s_lab)), stratum_labels=s_lab, psu_labels=p_lab)

    @property
    def n_psu(self) -> int:
        return len(self.psu_stratum)

    @property
    def n_strata(self) -> int:
        return len(self.n_h)

    def singletons(self) -> list:
        """The strata with a single PSU (their labels)."""
        return [self.stratum_labels[h] for h in np.flatnonzero(self.n_h == 1)]

    def check_lonely(self, lonely_psu: str) -> None:
        if lonely_psu not in LONELY_PSU:
            raise ValueError(f"lonely_psu must be one of {LONELY_PSU}, not {lonely_psu!r}")
        if lonely_psu == "fail" and (self.n_h == 1).any():
            raise LonelyPSU(self.singletons()[0])

    def totals(self, x: np.ndarray) -> np.ndarray:
        """PSU totals of the rows of ``x`` (n x k -> N x k)."""
        out = np.zeros((self.n_psu, x.shape[1]))
        np.add.at(out, self.psu, x)
        return out

    def vcov(self, x: np.ndarray, lonely_psu: str = "fail") -> np.ndarray:
        """sum_h n_h/(n_h-1) sum_j (t_hj - mean_h t)(t_hj - mean_h t)' of the PSU totals t of ``x`` (R's
        ``onestage`` without fpc); a stratum with one PSU by ``lonely_psu``."""
        self.check_lonely(lonely_psu)
        t = self.totals(np.asarray(x, dtype=float).reshape(len(self.psu), -1))
        sums = np.zeros((self.n_strata, t.shape[1]))
        np.add.at(sums, self.psu_stratum, t)
        nh = self.n_h[self.psu_stratum]
        single = nh == 1
        centred = t - sums[self.psu_stratum] / nh[:, None]
        scale = np.where(single, 0.0, nh / np.maximum(nh - 1, 1))
        if lonely_psu == "adjust":  # R: the lonely PSU's total is not centred, scale 1
            centred[single] = t[single]
            scale[single] = 1.0
        return (centred * scale[:, None]).T @ centred

    def jackknife(self, lonely_psu: str = "fail") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The cluster jackknife (R's ``jknweights``; with one stratum ``jk1weights`` of the PSUs): replicate r
        leaves out PSU r and multiplies the other PSUs of its stratum by n_h/(n_h-1). A stratum with one PSU:
        no replicate (``certainty``), or (``adjust``) one that leaves out the stratum and multiplies every
        other PSU by H/(H-1). Returns (the PSU each replicate leaves out (R), the multiplier of every PSU in
        every replicate (N x R), each replicate's rscale (R))."""
        self.check_lonely(lonely_psu)
        H = self.n_strata
        left, cols, rscales = [], [], []
        for j in range(self.n_psu):
            h = self.psu_stratum[j]
            nh = self.n_h[h]
            if nh > 1:
                m = np.where(self.psu_stratum == h, nh / (nh - 1), 1.0)
                rs = (nh - 1) / nh
            elif lonely_psu == "adjust" and H > 1:
                m = np.full(self.n_psu, H / (H - 1))
                rs = (H - 1) / H
            else:
                continue
            m[j] = 0.0
            left.append(j)
            cols.append(m)
            rscales.append(rs)
        return (np.asarray(left, dtype=np.int64), np.column_stack(cols) if cols else np.ones((self.n_psu, 0)),
                np.asarray(rscales, dtype=float))

    def rao_wu(self, n_reps: int, seed: int) -> np.ndarray:
        """Rao-Wu rescaled bootstrap of the PSUs within strata (R's ``subbootweights``): in each stratum
        n_h - 1 PSUs drawn with replacement, multiplier n_h/(n_h-1) * count; a stratum with one PSU keeps
        multiplier 1. Returns the multiplier of every unit (n x R). One stratum of n single-unit PSUs gives
        :func:`rao_wu_multipliers` with the same seed."""
        rng = np.random.default_rng(seed)
        out = np.ones((self.n_psu, n_reps))
        for h in range(self.n_strata):
            members = np.flatnonzero(self.psu_stratum == h)
            nh = len(members)
            if nh < 2:
                continue
            counts = rng.multinomial(nh - 1, np.full(nh, 1.0 / nh), size=n_reps).T
            out[members] = counts * (nh / (nh - 1))
        return out[self.psu]


def _first_appearance(values) -> tuple[np.ndarray, list]:
    """Codes 0, 1, ... of ``values`` in the order of first appearance, and the distinct values."""
    codes, uniques = pd.factorize(pd.Series(np.asarray(values, dtype=object)), use_na_sentinel=False)
    return codes.astype(np.int64), list(uniques)


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


def unweighted(n: int, *, variance: str = "linearization", strata=None, psu=None, lonely_psu: str = "fail") -> Design:
    """Equal weights, no calibration (a simple random sample with replacement); with the jackknife
    (JK1: delete one, the others n/(n-1)) when the reported SEs are jackknife SEs. With ``strata`` or ``psu``
    (each unit's): the same design's strata and PSUs, and the cluster jackknife (:meth:`Clusters.jackknife`)."""
    if strata is not None or psu is not None:
        des = Design(weight=np.ones(n), strata=strata, psu=psu, lonely_psu=lonely_psu, variance=variance)
        if variance == "jackknife":
            _, mult, des.jk_rscales = des.clusters.jackknife(lonely_psu)
            des.jackknife = mult[des.clusters.psu]
        return des
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
