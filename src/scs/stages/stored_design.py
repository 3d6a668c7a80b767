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
from scs.survey.design import Design, bootstrap_scale

WEIGHT = "weight"
BASE = "base_weight"
UNBOUNDED = "weight_unbounded"
REP_PREFIX = "rep_"


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


def weights_frame(ids: pd.Series, result: WeightingResult) -> pd.DataFrame:
    """What the weights rule stores: the respondents' key (named and typed as in the data: integer or text
    ids stay as they are), final, prior and unbounded weights, then the replicates."""
    if not ids.name:
        raise ValueError("weights_frame needs the key column (a named Series)")
    cols = {ids.name: ids.reset_index(drop=True), WEIGHT: result.weight, BASE: result.base,
            UNBOUNDED: result.unbounded}
    out = pd.DataFrame(cols)
    if result.replicates is not None:
        reps = pd.DataFrame(result.replicates, columns=[f"{REP_PREFIX}{r + 1}" for r in range(result.replicates.shape[1])])
        out = pd.concat([out, reps], axis=1)
    return out


def design_record(result: WeightingResult, ws: Weighting, key: str) -> dict:
    """design.json: everything a later stage needs to rebuild the design from the stored weights (``key``:
    the column of the respondents' key in the data and in weights.parquet)."""
    R = 0 if result.replicates is None else result.replicates.shape[1]
    reps_settings = ws.replicates
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
        "replicates": {
            "n": R,
            "kind": "Rao-Wu rescaled bootstrap, each replicate re-weighted by the whole procedure" if R else None,
            "seed": reps_settings.seed if R else None,
            "scale": bootstrap_scale(R) if R > 1 else None,
            "mse": False,
            "dtype": reps_settings.dtype,
            "plans": result.replicate_plans,
            "plan_index": result.replicate_plan_index,
        },
    }


def jackknife_frame(result: WeightingResult) -> pd.DataFrame:
    """jackknife.parquet: the multipliers of every delete-one replicate (row r: respondent r left out), one
    column per calibration method and margin term, named ``<method>:<term>`` (``bounded_raking:sex=Male``)."""
    terms = result.plan.terms()
    cols = {}
    for method, etas in sorted((result.jackknife or {}).items()):
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
    reps = None
    rep_cols = [c for c in weights.columns if c.startswith(REP_PREFIX)]
    if replicates and rep_cols and weight == WEIGHT:  # the bootstrap re-weights with the final procedure only
        reps = weights[rep_cols].to_numpy()
    M = calibration_matrix(frame, plan) if plan.levels else None  # method none: no calibration
    rinfo = record.get("replicates") or {}
    base = weights[BASE].to_numpy(dtype=float)
    jk = None
    method = record["method"] if weight == WEIGHT else "raking"
    if jackknife is not None and not jackknife.empty:
        etas = stored_multipliers(jackknife, method, plan)
        if etas is not None:
            jk = jackknife_weights(M, base, etas, method, plan)
    design = Design(weight=weights[weight].to_numpy(dtype=float), base=base, calib=M, replicates=reps,
                    rep_scale=rinfo.get("scale") or 1.0, rep_mse=bool(rinfo.get("mse")), label=label, jackknife=jk,
                    variance=variance)
    if check:
        check_stored_design(design, plan, record, frame, method=method, weight=weight)
    return design
