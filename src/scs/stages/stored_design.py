"""The stored design: what the weights rule writes (weights.parquet, jackknife.parquet, design.json) and how
later stages rebuild the design from it, checked, without calibrating again."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scs.errors import PipelineError
from scs.precision import noise_bound
from scs.settings import Weighting
from scs.stages.weight_plan import CALFUN, Plan, WeightingResult
from scs.survey import calibration as cal
from scs.survey.design import Clusters, Design, bootstrap_scale

WEIGHT = "weight"
BASE = "base_weight"
UNBOUNDED = "weight_unbounded"
REP_PREFIX = "rep_"
STRATUM = "design_stratum"    # weights.parquet: each respondent's stratum (text), with strata only
PSU = "design_psu"            # ... and PSU (text), with PSUs only
LEFT_STRATUM = "left_out_stratum"  # jackknife.parquet of a cluster jackknife: the stratum and PSU each replicate
LEFT_PSU = "left_out_psu"          # leaves out (one row per replicate)


def jackknife_weights(M: np.ndarray, base: np.ndarray, etas: np.ndarray, method: str, plan: Plan,
                      columns: slice | None = None) -> np.ndarray:
    """The JK1 replicate weights (n x R, R = n or the slice ``columns``) from their multipliers."""
    n = len(base)
    idx = np.arange(n)[columns] if columns is not None else np.arange(n)
    kw = {"lower": plan.lower, "upper": plan.upper} if method == "bounded_raking" else {}
    g = cal.factors(M, etas[idx].T, calfun=CALFUN[method], **kw)
    d = np.repeat((base * (n / (n - 1)))[:, None], len(idx), axis=1)
    d[idx, np.arange(len(idx))] = 0.0
    return d * g


def cluster_jackknife_weights(clusters: Clusters, base: np.ndarray, lonely_psu: str, M: np.ndarray | None = None,
                              etas: np.ndarray | None = None, method: str = "none", plan: Plan | None = None
                              ) -> tuple[np.ndarray, np.ndarray]:
    """The cluster jackknife's replicate weights (n x R) and rscales (R): the prior weights times the
    multipliers of :meth:`Clusters.jackknife`, times F(M eta_r) when calibrated (``etas``: R x K)."""
    _, psu_mult, rscales = clusters.jackknife(lonely_psu)
    d = base[:, None] * psu_mult[clusters.psu]
    if etas is not None:
        kw = {"lower": plan.lower, "upper": plan.upper} if method == "bounded_raking" else {}
        d = d * cal.factors(M, etas.T, calfun=CALFUN[method], **kw)
    return d, rscales


def design_columns(record: dict) -> list[str]:
    """The columns of weights.parquet that hold the strata and PSUs of the design that ``record`` describes."""
    d = record.get("design") or {}
    return [c for c, v in ((STRATUM, d.get("strata")), (PSU, d.get("psu"))) if v is not None]


def weights_frame(ids: pd.Series, result: WeightingResult) -> pd.DataFrame:
    """What the weights rule stores: the respondents' key (named and typed as in the data: integer or text
    ids stay as they are), final, prior and unbounded weights, each respondent's stratum and PSU (only for a
    design with strata or PSUs), then the replicates."""
    if not ids.name:
        raise ValueError("weights_frame needs the key column (a named Series)")
    cols = {ids.name: ids.reset_index(drop=True), WEIGHT: result.weight, BASE: result.base,
            UNBOUNDED: result.unbounded}
    if result.design is not None:
        for c, v in ((STRATUM, result.design.strata), (PSU, result.design.psu)):
            if v is not None:
                cols[c] = v
    out = pd.DataFrame(cols)
    if result.replicates is not None:
        reps = pd.DataFrame(result.replicates, columns=[f"{REP_PREFIX}{r + 1}" for r in range(result.replicates.shape[1])])
        out = pd.concat([out, reps], axis=1)
    return out


def _replicates_record(result: WeightingResult, reps_settings, kind: str) -> dict:
    """design.json's record of the bootstrap replicates (R, kind, seed, R's svrepdesign scale, their plans)."""
    R = 0 if result.replicates is None else result.replicates.shape[1]
    return {
        "n": R,
        "kind": kind if R else None,
        "seed": reps_settings.seed if R else None,
        "scale": bootstrap_scale(R) if R > 1 else None,
        "mse": False,
        "dtype": reps_settings.dtype,
        "plans": result.replicate_plans,
        "plan_index": result.replicate_plan_index,
    }


def design_record(result: WeightingResult, ws: Weighting, key: str) -> dict:
    """design.json: everything a later stage needs to rebuild the design from the stored weights (``key``:
    the column of the respondents' key in the data and in weights.parquet)."""
    R = 0 if result.replicates is None else result.replicates.shape[1]
    reps_settings = ws.replicates
    if result.design is not None:
        return _clustered_record(result, ws, key, R)
    return {
        "key": key,
        "method": ws.method,
        "variables": list(ws.variables),
        "base_weight": ws.base_weight,
        "plan": result.plan.to_json(),
        "info": {k: (noise_bound(float(v)) if k == "max_rel_misfit" else float(v) if isinstance(v, (float, np.floating))
                     else v) for k, v in result.info.items()},
        "linearization": ("influence values residualized on the calibration margins (R's greg_calibration), "
                          "with-replacement single-stage variance, n/(n-1)"),
        "jackknife": ({"kind": "JK1: delete one respondent, the others n/(n-1) times their prior weight, calibrated again",
                       "n": int(len(result.weight)), "scale": (len(result.weight) - 1) / len(result.weight), "mse": False,
                       "stored": ("jackknife.parquet: each replicate's Lagrange multipliers, one column per method and "
                                  "margin term (<method>:<variable>=<category>); weights = d_r F(M eta_r)"),
                       "calfuns": sorted(result.jackknife)} if result.jackknife else None),
        "replicates": _replicates_record(result, reps_settings,
                                         "Rao-Wu rescaled bootstrap, each replicate re-weighted by the whole procedure"),
    }


def _clustered_record(result: WeightingResult, ws: Weighting, key: str, R: int) -> dict:
    """design.json of a design with strata or PSUs: as :func:`design_record`, with the design (its variables, the
    numbers of strata and PSUs, the degrees of freedom) and the cluster jackknife and bootstrap described."""
    units = result.design
    ds = units.settings
    clusters = units.clusters()
    reps_settings = ws.replicates
    jk = None
    if result.jackknife:
        left, _, _ = clusters.jackknife(ds.lonely_psu)
        calibrated = sorted(m for m in result.jackknife if m in CALFUN)
        jk = {"kind": ("JKn: replicate r leaves out PSU r (weight 0), the other PSUs of its stratum n_h/(n_h-1) times "
                       "their prior weight" + (", calibrated again" if calibrated else "")),
              "type": "JKn" if units.strata is not None else "JK1",
              "n": int(len(left)), "scale": 1.0, "rscales": "(n_h-1)/n_h of the stratum of the PSU left out",
              "mse": False,
              "stored": ("jackknife.parquet: the stratum and PSU each replicate leaves out (left_out_stratum, "
                         "left_out_psu)" + ("; each replicate's Lagrange multipliers, one column per method and "
                                            "margin term (<method>:<variable>=<category>); weights = d_r F(M eta_r)"
                                            if calibrated else "")),
              "calfuns": calibrated}
    return {
        "key": key,
        "method": ws.method,
        "variables": list(ws.variables),
        "base_weight": ws.base_weight,
        "design": {"strata": ds.strata, "psu": ds.psu, "nest": ds.nest, "lonely_psu": ds.lonely_psu,
                   "n_strata": clusters.n_strata, "n_psu": clusters.n_psu,
                   "single_psu_strata": [str(h) for h in clusters.singletons()],
                   "df": clusters.n_psu - clusters.n_strata,
                   "columns": {"strata": STRATUM if units.strata is not None else None,
                               "psu": PSU if units.psu is not None else None},
                   "r": ("svydesign(ids = " + (f"~{ds.psu}" if ds.psu else "~1")
                         + (f", strata = ~{ds.strata}" if ds.strata else "") + ", weights = ~w, nest = TRUE)")},
        "plan": result.plan.to_json(),
        "info": {k: (noise_bound(float(v)) if k == "max_rel_misfit" else float(v) if isinstance(v, (float, np.floating))
                     else v) for k, v in result.info.items()},
        "linearization": ("influence values residualized on the calibration margins (R's greg_calibration), "
                          "summed within PSUs; with-replacement (ultimate cluster) variance of the PSU totals within "
                          "strata, n_h/(n_h-1) (R's svyrecvar without fpc)"),
        "jackknife": jk,
        "replicates": _replicates_record(result, reps_settings,
                                         "Rao-Wu rescaled bootstrap of the PSUs within strata, each replicate "
                                         "re-weighted by the whole procedure"),
    }


def jackknife_frame(result: WeightingResult) -> pd.DataFrame:
    """jackknife.parquet: the multipliers of every delete-one replicate (row r: respondent r left out), one
    column per calibration method and margin term, named ``<method>:<term>`` (``bounded_raking:sex=Male``).
    A cluster jackknife (a design with strata or PSUs): one row per replicate, first the stratum and PSU it
    leaves out (``left_out_stratum``, ``left_out_psu``), then the multipliers (none without calibration)."""
    terms = result.plan.terms()
    cols = {}
    if result.design is not None and result.jackknife:
        clusters = result.design.clusters()
        left, _, _ = clusters.jackknife(result.design.settings.lonely_psu)
        cols[LEFT_STRATUM] = [str(clusters.stratum_labels[clusters.psu_stratum[j]]) for j in left]
        cols[LEFT_PSU] = [str(clusters.psu_labels[j]) for j in left]
    for method, etas in sorted((result.jackknife or {}).items()):
        if method not in CALFUN:
            continue
        for k, t in enumerate(terms):
            cols[f"{method}:{t}"] = etas[:, k]
    return pd.DataFrame(cols)


def stored_multipliers(jackknife: pd.DataFrame, method: str, plan: Plan) -> np.ndarray | None:
    """The stored multipliers of ``method`` in the column order of ``plan``'s margin matrix (None when that
    method was not stored); they are looked up by name, never by position."""
    prefix = f"{method}:"
    have = [c for c in jackknife.columns if c.startswith(prefix)]
    if not have:
        return None
    want = [prefix + t for t in plan.terms()]
    if sorted(have) != sorted(want):
        raise PipelineError(f"jackknife.parquet holds the {method} multipliers of other margins than design.json "
                            f"({sorted(set(have) ^ set(want))[:4]}); rerun the weights rule", file="jackknife.parquet")
    return jackknife[want].to_numpy(float)


_CALIB: list = []  # the last calibration matrix: designs of the same data and plan share it


def calibration_matrix(frame: pd.DataFrame, plan: Plan) -> np.ndarray:
    for f, key, M in _CALIB:
        if f is frame and key == plan.key():
            return M
    columns = plan.columns({v: frame[v] for v in plan.levels})
    M, _ = cal.margin_matrix(columns, plan.levels)
    _CALIB[:] = [(frame, plan.key(), M)]
    return M


def margin_misfit(W: np.ndarray, M: np.ndarray, shares: np.ndarray) -> tuple[float, int, int]:
    """How far weights miss their margins: the largest |weighted share - target share| over the columns of
    ``W`` (n x R) and the margin terms of ``M`` (with its target shares; intercept share 1), and where
    (replicate, term)."""
    W = np.asarray(W, dtype=float).reshape(len(M), -1)
    achieved = (W.T @ M) / W.sum(axis=0)[:, None]
    err = np.abs(achieved - shares[None, :])
    r, k = np.unravel_index(int(np.argmax(err)), err.shape)
    return float(err[r, k]), int(r), int(k)


STORED_TOL = {"float64": 1e-7, "float32": 1e-4}  # largest share misfit a stored design may show


def check_stored_design(design: Design, plan: Plan, record: dict, frame: pd.DataFrame, *, method: str,
                        weight: str) -> None:
    """Every weight set of a design rebuilt from the stored files must reproduce the margins it was calibrated
    to: the weight itself, every delete-one replicate and every bootstrap replicate (against the margins of
    its own plan). A miss means the stored files do not belong together (or were read in another order):
    one clear error instead of wrong SEs."""
    if not plan.levels:  # uncalibrated (method none): no margins to reproduce
        return
    tol = STORED_TOL["float64"]
    shares = np.array([1.0] + [plan.shares[v][c] for v, lev in plan.levels.items() for c in lev[1:]])
    M = design.calib
    terms = plan.terms()
    sets = [(weight, design.weight[:, None], M, shares, tol, None)]
    if design.jackknife is not None:
        sets.append((f"jackknife ({method})", design.jackknife, M, shares, tol, None))
    if design.replicates is not None:
        rinfo = record.get("replicates") or {}
        plans = [Plan.from_json(p) for p in rinfo.get("plans", [])]
        index = np.asarray(rinfo.get("plan_index") or [0] * design.replicates.shape[1])
        rtol = STORED_TOL.get(str(rinfo.get("dtype", "float64")), tol)
        for i, p in enumerate(plans or [plan]):
            cols = np.flatnonzero(index == i)
            if len(cols) == 0:
                continue
            Mi = M if p.key() == plan.key() else calibration_matrix(frame, p)
            si = np.array([1.0] + [p.shares[v][c] for v, lev in p.levels.items() for c in lev[1:]])
            sets.append(("bootstrap", design.replicates[:, cols], Mi, si, rtol, (cols, p.terms())))
    for what, W, Mi, si, t, where in sets:
        err, r, k = margin_misfit(W, Mi, si)
        if err > t:
            rep, term = (where[0][r] if where else r), (where[1][k] if where else terms[k])
            which = f"{what} replicate {rep + 1}" if W.shape[1] > 1 else f"the stored weight {what!r}"
            raise PipelineError(
                f"the stored design does not reproduce its own margins: {which} misses {term} by {err:.3g} "
                f"(weighted share; tolerance {t:g}); weights.parquet, jackknife.parquet and design.json must come "
                f"from one run of the weights rule: rerun it", file="design.json")


def same_respondents(a: pd.Series, b: pd.Series) -> bool:
    """The same respondents in the same order (keys compared as text: a Parquet round trip may change an
    integer key's dtype, never its values)."""
    return len(a) == len(b) and bool((a.astype(str).to_numpy() == b.astype(str).to_numpy()).all())


def _stored_cluster_jackknife(clusters: Clusters, dinfo: dict, jackknife: pd.DataFrame, base: np.ndarray,
                              M: np.ndarray | None, method: str, plan: Plan):
    """The cluster jackknife from jackknife.parquet: its replicates must leave out the PSUs that the stored strata
    and PSUs give, in that order; calibrated ones with the stored multipliers of ``method``. (None, None) when
    ``method`` has no stored multipliers (the replicates of another calibration)."""
    left, _, _ = clusters.jackknife(dinfo["lonely_psu"])
    want = ([str(clusters.stratum_labels[clusters.psu_stratum[j]]) for j in left],
            [str(clusters.psu_labels[j]) for j in left])
    have = (jackknife.get(LEFT_STRATUM, pd.Series(dtype=str)).astype(str).tolist(),
            jackknife.get(LEFT_PSU, pd.Series(dtype=str)).astype(str).tolist())
    if have != want:
        raise PipelineError("jackknife.parquet lists other PSUs than the stored strata and PSUs give; rerun the weights "
                            "rule", file="jackknife.parquet")
    if M is None:  # not calibrated (method none)
        return cluster_jackknife_weights(clusters, base, dinfo["lonely_psu"])
    etas = stored_multipliers(jackknife, method, plan)
    if etas is None:
        return None, None
    return cluster_jackknife_weights(clusters, base, dinfo["lonely_psu"], M, etas, method, plan)


def load_design(frame: pd.DataFrame, weights: pd.DataFrame, record: dict, *, weight: str = WEIGHT,
                replicates: bool = True, label: str = "", jackknife: pd.DataFrame | None = None,
                variance: str = "linearization", check: bool = True) -> Design:
    """The design of the estimates, rebuilt from the stored weights and design.json (no calibration).

    ``frame`` holds the respondents in the order of ``weights`` (checked) and the margin variables.
    ``weight`` picks the stored weight (the final one, or ``weight_unbounded`` for the robustness
    variant); ``replicates=False`` skips the bootstrap columns; ``jackknife`` (jackknife.parquet) adds
    the delete-one replicates; ``variance`` is the method of the reported SEs. Every weight set is
    checked against its margins (:func:`check_stored_design`) unless ``check=False``.
    """
    key = record.get("key")
    if key not in frame.columns or key not in weights.columns:
        raise PipelineError(f"the stored design names the key column {key!r}, which the data or the stored weights "
                            "lack; rerun the weights rule", file="design.json")
    if not same_respondents(frame[key], weights[key]):
        raise PipelineError("the stored weights are for other respondents than the analysis data; rerun the weights rule",
                            file="weights.parquet")
    plan = Plan.from_json(record["plan"])
    dinfo = record.get("design")
    strata = psu = clusters = None
    if dinfo:
        missing = [c for c in design_columns(record) if c not in weights.columns]
        if missing:
            raise PipelineError(f"design.json names strata or PSUs, and the stored weights lack their column(s) "
                                f"{missing}; rerun the weights rule", file="weights.parquet")
        strata = weights[STRATUM].astype(str).to_numpy(dtype=object) if dinfo.get("strata") else None
        psu = weights[PSU].astype(str).to_numpy(dtype=object) if dinfo.get("psu") else None
        clusters = Clusters.of(strata, psu, len(weights))
        if (clusters.n_strata, clusters.n_psu) != (dinfo["n_strata"], dinfo["n_psu"]):
            raise PipelineError(f"the stored strata and PSUs ({clusters.n_strata} and {clusters.n_psu}) are not those of "
                                f"design.json ({dinfo['n_strata']} and {dinfo['n_psu']}); rerun the weights rule",
                                file="design.json")
    reps = None
    rep_cols = [c for c in weights.columns if c.startswith(REP_PREFIX)]
    if replicates and rep_cols and weight == WEIGHT:  # the bootstrap re-weights with the final procedure only
        reps = weights[rep_cols].to_numpy()
    M = calibration_matrix(frame, plan) if plan.levels else None  # method none: no calibration
    rinfo = record.get("replicates") or {}
    base = weights[BASE].to_numpy(dtype=float)
    jk = rscales = None
    method = record["method"] if weight == WEIGHT else "raking"
    if clusters is not None and jackknife is not None and record.get("jackknife"):
        jk, rscales = _stored_cluster_jackknife(clusters, dinfo, jackknife, base, M, method, plan)
    elif jackknife is not None and not jackknife.empty:
        etas = stored_multipliers(jackknife, method, plan)
        if etas is not None:
            jk = jackknife_weights(M, base, etas, method, plan)
    design = Design(weight=weights[weight].to_numpy(dtype=float), base=base, calib=M, replicates=reps,
                    rep_scale=rinfo.get("scale") or 1.0, rep_mse=bool(rinfo.get("mse")), label=label, jackknife=jk,
                    variance=variance, strata=strata, psu=psu, jk_rscales=rscales,
                    lonely_psu=dinfo["lonely_psu"] if dinfo else "fail")
    if check:
        check_stored_design(design, plan, record, frame, method=method, weight=weight)
    return design


def reported_variance(setting: str, record: dict) -> str:
    """The SE the estimates report (estimates.variance): ``auto`` is the jackknife when the weights rule stored
    it (design.json), linearization otherwise."""
    if setting == "auto":
        return "jackknife" if record.get("jackknife") else "linearization"
    return setting
