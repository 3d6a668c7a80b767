"""Weighting: calibrate the cleaned sample to census margins, once, and store the design.

The ``weights`` rule is the only place that calibrates. It writes the final weight, the
unbounded raking weight (for the robustness table), the replicate weights (each one the result
of the same weighting procedure applied to a bootstrap resample) and ``design.json`` (what the
later stages need to rebuild the design: margins, categories, bounds, replicate variance
conventions). Later stages call :func:`load_design` and never calibrate again.

Methods (``weighting.method``):

* ``bounded_raking`` (default): logit calibration with bounds on the adjustment factor
  g = weight / prior weight (R: ``calibrate(calfun = "logit", bounds = c(L, U))``);
* ``raking``: unbounded raking (R: ``calfun = "raking"``);
* ``trim_rake``: svy's rake-trim-rake loop, bounds on the weight relative to its mean
  (comparable with ipfraking-style weights; R has no equivalent).

Prior weights are 1 (or ``weighting.base_weight``) scaled to mean 1 and the totals are n times
the target shares, so every weight has mean 1 and the bounds are relative to the mean weight.

When the sample cannot reach a target within the bounds (an online panel that under-covers a
group), ``weighting.infeasible`` says what to do: collapse the category with an adjacent one
(for margins listed as collapsible), widen the bounds, or stop. Every adjustment is recorded
and printed in the diagnostics; nothing changes silently.
"""

from __future__ import annotations

import copy
import logging

import numpy as np
import pandas as pd

from scs import settings
from scs.errors import PipelineError
from scs.settings import SampleDesign, Settings, Weighting
from scs.stages import stored_design, weight_diagnostics
from scs.stages.result import StageResult
from scs.stages.weight_plan import (
    CALFUN,
    Plan,
    SampleUnits,
    WeightingResult,
    collapse,
    extremeness,
    plan_columns,
    plan_matrix,
)
from scs.survey import calibration as cal
from scs.survey.design import rao_wu_multipliers

log = logging.getLogger(__name__)



# --------------------------------------------------------------------------- targets
def load_targets(path) -> pd.DataFrame:
    try:
        t = pd.read_csv(path, dtype={"variable": str, "category": str, "status": str, "source": str})
    except FileNotFoundError:
        raise PipelineError("targets file not found", file=path) from None
    except Exception as exc:
        raise PipelineError(f"cannot read the targets file ({exc})", file=path) from None
    need = {"variable", "category", "share"}
    if not need <= set(t.columns):
        raise PipelineError(f"targets file lacks column(s) {sorted(need - set(t.columns))}", file=path,
                            row=1, expected="columns variable, category, share, status, source")
    share = pd.to_numeric(t["share"], errors="coerce")
    bad = share.isna() | (share <= 0) | (share >= 1)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise PipelineError("share is not a proportion", file=path, row=i + 2, column="share",
                            got=t["share"].iloc[i], expected="a number strictly between 0 and 1")
    t["share"] = share
    for var, grp in t.groupby("variable", sort=False):
        total = float(grp["share"].sum())
        if abs(total - 1.0) > 1e-6:
            raise PipelineError(f"shares of {var!r} sum to {total:.6f}", file=path, column="share",
                                expected="shares that sum to 1 within each variable (tolerance 1e-6)")
        if grp["category"].duplicated().any():
            raise PipelineError(f"a category of {var!r} is listed twice", file=path, column="category")
    for col in ("status", "source"):
        if col not in t:
            t[col] = ""
    t[["status", "source"]] = t[["status", "source"]].fillna("")
    return t


def target_levels(targets: pd.DataFrame, variables) -> dict[str, list[str]]:
    return {v: list(targets.loc[targets.variable == v, "category"]) for v in variables}


def target_shares(targets: pd.DataFrame, variables) -> dict[str, dict[str, float]]:
    return {v: dict(zip(targets.loc[targets.variable == v, "category"],
                        targets.loc[targets.variable == v, "share"].astype(float)))
            for v in variables}


def check_sample(frame: pd.DataFrame, targets: pd.DataFrame, variables, *, file="targets", config_file="config.yaml",
                 data_file="the cleaned data") -> None:
    """Every weighting variable present and complete; every sample category has a target."""
    for v in variables:
        if v not in set(targets["variable"]):
            raise PipelineError(f"weighting variable {v!r} has no targets", file=file,
                                expected=f"rows with variable = {v}")
        if v not in frame.columns:
            raise PipelineError(f"weighting variable {v!r} is not in the cleaned data", file=config_file,
                                column=v, expected="an analysis variable from the codebook")
        col = frame[v]
        if col.isna().any():
            n = int(col.isna().sum())
            ids = frame.loc[col.isna(), frame.columns[0]].astype(str).head(3).tolist()  # (the key comes first)
            raise PipelineError(f"{n} respondent(s) have no value for weighting variable {v!r} (e.g. {ids})",
                                column=v, file=data_file,
                                expected="complete weighting variables (fix the codes or add an exclusion rule)")
        cats = set(targets.loc[targets.variable == v, "category"])
        seen = {str(x) for x in pd.unique(col.to_numpy(dtype=object))}
        unknown = sorted(seen - cats)
        if unknown:
            raise PipelineError(f"sample category {unknown} of {v!r} has no target", file=file, column=v,
                                expected=f"one of {sorted(cats)}")


# --------------------------------------------------------------------------- the sampling design
def unit_codes(col: pd.Series) -> np.ndarray:
    """A stratum or PSU variable as text (whole numbers without a decimal point), as weights.parquet stores it."""
    x = pd.Series(col).reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
        v = x.to_numpy(dtype=float)
        if np.all(v == np.round(v)):
            return np.array([str(int(t)) for t in v], dtype=object)
    return x.astype(str).to_numpy(dtype=object)


def sample_units(frame: pd.DataFrame, ds: SampleDesign | None, *, config_file: str = "config.yaml",
                 data_file: str = "the cleaned data") -> SampleUnits | None:
    """Each respondent's stratum and PSU from the variables the ``design`` section names, checked: present and
    complete, PSUs nested in strata when ``nest`` is false says their codes are unique, and a stratum with one
    PSU only when ``lonely_psu`` allows it. None for today's design (no strata, each respondent its own PSU)."""
    if ds is None or not ds.clustered:
        return None
    codes = {}
    for what in ("strata", "psu"):
        var = getattr(ds, what)
        if var is None:
            codes[what] = None
            continue
        if var not in frame.columns:
            raise PipelineError(f"the design variable {var!r} (design.{what}) is not in the cleaned data", file=config_file,
                                column=var, expected="an analysis variable from the codebook")
        col = frame[var]
        missing = col.isna().to_numpy()
        if missing.any():
            first = int(np.flatnonzero(missing)[0])
            raise PipelineError(f"the design variable {var!r} (design.{what}) is missing for {int(missing.sum())} "
                                f"respondent(s), the first in row {first + 1} of the cleaned data", file=data_file,
                                column=var, expected="a stratum and a PSU for every respondent (fix the codes or add an "
                                                     "exclusion rule)")
        codes[what] = unit_codes(col)
    units = SampleUnits(settings=ds, strata=codes["strata"], psu=codes["psu"])
    if codes["strata"] is not None and codes["psu"] is not None and not ds.nest:
        pairs = pd.DataFrame({"h": codes["strata"], "p": codes["psu"]}).drop_duplicates()
        crossed = pairs[pairs["p"].duplicated(keep=False)]
        if len(crossed):
            p = crossed["p"].iloc[0]
            hs = sorted(crossed.loc[crossed["p"] == p, "h"])[:2]
            raise PipelineError(f"PSU {p!r} of {ds.psu!r} (design.psu) lies in strata {hs[0]!r} and {hs[1]!r} of "
                                f"{ds.strata!r}, and design.nest is false (PSU codes unique across strata)",
                                file=config_file, column=ds.psu,
                                expected="design.nest: true when PSUs are numbered within their stratum (R: nest = TRUE)")
    clusters = units.clusters()
    if ds.lonely_psu == "fail" and (clusters.n_h == 1).any():
        lonely = clusters.singletons()
        what = f"PSU ({ds.psu})" if ds.psu else "respondent"
        raise PipelineError(f"stratum {lonely[0]!r} of {ds.strata!r} (design.strata) has a single {what}"
                            + (f", and so do {len(lonely) - 1} more" if len(lonely) > 1 else "")
                            + "; its variance cannot be estimated", file=config_file, column=ds.strata,
                            expected="strata with two or more PSUs (merge strata in the codebook), or "
                                     "design.lonely_psu: certainty or adjust (R's options(survey.lonely.psu))")
    return units


def check_categories_present(frame: pd.DataFrame, targets: pd.DataFrame, ws: Weighting, *, file="targets",
                             data_file="the cleaned data") -> None:
    """One clear line for a target category that no respondent of the sample is in, unless the policy may
    collapse it with a neighbour (``weighting.infeasible``: then the collapse is recorded in the diagnostics):
    no weighting can give an empty category its share."""
    collapse_ok = "collapse" in ws.infeasible.policy
    for v in ws.variables:
        if collapse_ok and v in ws.infeasible.collapsible:
            continue
        seen = {str(x) for x in pd.unique(frame[v].to_numpy(dtype=object))}
        rows = targets[targets.variable == v]
        for i, r in rows[~rows.category.isin(seen)].iterrows():
            raise PipelineError(
                f"no respondent of the analytic sample ({len(frame):,} in {data_file}) is in {v} = {r.category!r}, "
                f"which has a target share of {float(r.share):g}", file=file, row=int(i) + 2, column="category",
                expected=f"categories the sample has: merge {r.category!r} with a neighbouring category of {v} in "
                         f"{file} (and in the codebook's derived variable), or let the weighting collapse it "
                         f"(weighting.infeasible: collapse in policy, {v} in collapsible)")


# --------------------------------------------------------------------------- the weighting procedure
def _run(columns, plan: Plan, d, ws):
    """One weighting run with a fixed plan: the weights (their total is the prior weights' total, so
    totals are that total times the shares), or None when the targets cannot be met."""
    cols = plan_columns(columns, plan)
    method = ws.method
    if method == "trim_rake":
        try:
            return cal.trim_rake(cols, plan.shares, d, lower=plan.lower, upper=plan.upper, tol=ws.tol,
                                 max_iter=ws.max_iter, cycles=ws.trim_cycles)
        except RuntimeError as exc:
            return None, {"message": str(exc)}
    M = plan_matrix(columns, plan)
    T = cal.margin_totals(plan.shares, plan.levels, float(d.sum()))
    kw = {"lower": plan.lower, "upper": plan.upper} if method == "bounded_raking" else {}
    res = cal.calibrate(M, d, T, calfun="logit" if method == "bounded_raking" else "raking", tol=ws.tol,
                        max_iter=ws.max_iter, **kw)
    info = {"iterations": res.iterations, "max_rel_misfit": res.max_rel_misfit}
    return (d * res.g if res.converged else None), info


def _out_of_reach(need: dict, plan: Plan, bounded: bool) -> dict:
    """Categories no calibration can bring to their target: an empty category, or (bounded methods) one whose
    target share over its sample share lies outside the bounds (a necessary condition of any solution)."""
    return {k: r for k, r in need.items()
            if not np.isfinite(r) or (bounded and not plan.lower < r < plan.upper)}


def weight_once(columns: dict[str, np.ndarray], levels, shares, d: np.ndarray, ws: Weighting, *, where: str = "sample",
                file: str = "data/targets.csv") -> tuple[np.ndarray, Plan, dict]:
    """The whole weighting procedure for prior weights ``d``: calibrate to the configured margins; only when
    that fails, adjust as ``weighting.infeasible`` allows (collapse a category with a neighbour, widen the
    bounds), one step at a time, and calibrate again.

    Returns (weights, whose total is that of ``d``; the plan used, with every adjustment recorded; run
    info). Raises PipelineError when the targets cannot be met and the policy allows no further step.
    """
    b = ws.bounds
    plan = Plan(levels=copy.deepcopy(levels), shares=copy.deepcopy(shares), lower=b.lower, upper=b.upper)
    inf = ws.infeasible
    policy = list(inf.policy)
    collapsible = set(inf.collapsible)
    headroom = inf.headroom
    max_steps = inf.max_steps
    bounded = ws.method != "raking"
    for step in range(max_steps + 1):
        need = cal.needed_factors(plan_columns(columns, plan), plan.levels, plan.shares, d)
        beyond = _out_of_reach(need, plan, bounded)
        if beyond:  # certain to fail: not attempted
            worst = max(beyond, key=lambda k: extremeness(need[k], plan.lower, plan.upper))
            why = (f"category {worst[1]!r} has no respondent" if not np.isfinite(need[worst]) else
                   f"category {worst[1]!r} needs {need[worst]:.2f} times its sample share, outside the bounds "
                   f"[{plan.lower:g}, {plan.upper:g}]")
        else:
            w, info = _run(columns, plan, d, ws)
            if w is not None:
                return w, plan, info
            worst = max(need, key=lambda k: extremeness(need[k], plan.lower, plan.upper))
            why = info.get("message") or (f"calibration within the bounds [{plan.lower:g}, {plan.upper:g}] did not "
                                          f"converge in {info.get('iterations')} Newton steps")
        if not policy or step == max_steps:
            raise PipelineError(
                f"weighting of the {where} failed: the targets cannot be met within the bounds "
                f"[{plan.lower:g}, {plan.upper:g}] ({why}); the hardest category is {worst[0]} = {worst[1]!r}, which "
                f"needs {need[worst]:.2f} times its sample share",
                file=file, expected="bounds that allow the targets (weighting.bounds), or weighting.infeasible.policy "
                                    "[collapse, widen] with the margin in weighting.infeasible.collapsible")
        var, c = worst
        r = need[worst]
        merged = collapse(plan, var, c, need) if ("collapse" in policy and var in collapsible) else None
        if merged:
            plan.adjustments.append(f"collapsed {var}: {merged!r} ({why})")
        elif "widen" in policy and np.isfinite(r) and r > 0:
            if r > 1:
                new = max(plan.upper, r) / headroom
                plan.adjustments.append(f"widened the upper bound {plan.upper:g} -> {new:.4g} ({why})")
                plan.upper = float(new)
            else:
                new = min(plan.lower, r) * headroom
                plan.adjustments.append(f"widened the lower bound {plan.lower:g} -> {new:.4g} ({why})")
                plan.lower = float(new)
        else:
            policy = []  # nothing allowed for this category: the next pass reports it
    raise AssertionError("unreachable")




def _eta(M, d, T, plan, method, ws, eta0=None):
    kw = {"lower": plan.lower, "upper": plan.upper} if method == "bounded_raking" else {}
    return cal.calibrate(M, d, T, calfun=CALFUN[method], tol=ws.tol, max_iter=ws.max_iter, eta0=eta0, **kw)


def jackknife_multipliers(columns, plan: Plan, base: np.ndarray, method: str, ws: Weighting, *, file: str,
                          progress=None, units: SampleUnits | None = None) -> np.ndarray:
    """The jackknife, each replicate calibrated again to the same margins within the same bounds. Without
    strata and PSUs the delete-one jackknife (JK1): replicate r drops respondent r and gives the others n/(n-1)
    times their prior weight. With them (``units``) the cluster jackknife (JKn; JK1 of the PSUs with one
    stratum): replicate r drops PSU r and gives the other PSUs of its stratum n_h/(n_h-1) times their prior
    weight (:meth:`Clusters.jackknife`). Returns each replicate's Lagrange multipliers (R x K): its weights are
    d_r * F(M eta_r) (R: as.svrepdesign(type = "JK1" or "JKn") then calibrate)."""
    M = plan_matrix(columns, plan)
    n = len(base)
    T = cal.margin_totals(plan.shares, plan.levels, float(base.sum()))
    main = _eta(M, base, T, plan, method, ws)
    kw = {"lower": plan.lower, "upper": plan.upper} if method == "bounded_raking" else {}
    if units is not None:
        clusters = units.clusters()
        left, psu_mult, _ = clusters.jackknife(units.settings.lonely_psu)
        R = len(left)
    else:
        R = n
    out = np.empty((R, M.shape[1]))
    chunk = max(1, min(R, JK_CHUNK_CELLS // n))
    for s in range(0, R, chunk):  # a block of replicates at a time, calibrated together
        idx = np.arange(s, min(R, s + chunk))
        if units is None:
            D = np.repeat((base * (n / (n - 1)))[:, None], len(idx), axis=1)
            D[idx, np.arange(len(idx))] = 0.0
        else:
            D = base[:, None] * psu_mult[:, idx][clusters.psu]
        E, _, converged = cal.calibrate_many(M, D, T, calfun=CALFUN[method], tol=ws.tol, max_iter=ws.max_iter,
                                             eta0=main.eta, **kw)
        if not converged.all():
            r = int(idx[np.flatnonzero(~converged)[0]])
            if units is None:
                which = f"respondent {r + 1}"
            else:
                j = left[r]
                which = f"PSU {clusters.psu_labels[j]!r}" + (
                    f" of stratum {clusters.stratum_labels[clusters.psu_stratum[j]]!r}" if units.strata is not None else "")
            raise PipelineError(f"the jackknife replicate that leaves out {which} cannot be weighted to the "
                                f"targets within the bounds [{plan.lower:g}, {plan.upper:g}]", file=file,
                                expected="a category with more respondents (collapse it: weighting.infeasible), or "
                                         "estimates.variance: linearization")
        out[idx] = E.T
        if progress:
            progress(f"jackknife replicate ({method})", int(idx[-1]) + 1, R)
    return out


JK_CHUNK_CELLS = 2_000_000  # respondents x replicates calibrated together (memory: a few such n x chunk arrays)


def replicate_plan(n: int, ws: Weighting, clustered: bool = False) -> tuple[bool, int]:
    """Whether the jackknife is made, and how many bootstrap replicates, for n respondents
    (``weighting.jackknife.max_rows``, ``weighting.replicates.n`` and ``.max_rows``). The delete-one jackknife
    is made for the calibrating methods; the cluster jackknife of a design with strata or PSUs (``clustered``)
    also without calibration (``none``)."""
    jk_methods = (*CALFUN, "none") if clustered else tuple(CALFUN)
    use_jk = ws.method in jk_methods and bool(ws.jackknife.max_rows) and n <= ws.jackknife.max_rows
    reps_settings = ws.replicates
    R = reps_settings.n
    if R and reps_settings.max_rows is not None and n > reps_settings.max_rows:
        R = 0
    return use_jk, R


def variance_note(n: int, ws: Weighting, ds: SampleDesign | None = None) -> str:
    """What the weights rule makes for the variances, in words (printed when it starts)."""
    clustered = ds is not None and ds.clustered
    use_jk, R = replicate_plan(n, ws, clustered)
    parts = []
    if use_jk and clustered:
        again = ", each calibrated again" if ws.method in CALFUN else ""
        parts.append(f"cluster jackknife replicates (one per PSU){again}")
    elif use_jk:
        parts.append(f"{n} delete-one jackknife replicates, each calibrated again")
    if R:
        parts.append(f"{R} re-weighted bootstrap replicates")
    if not parts:
        why = []
        if ws.method in CALFUN and ws.jackknife.max_rows and n > ws.jackknife.max_rows:
            why.append("more respondents than weighting.jackknife.max_rows")
        if ws.replicates.n and ws.replicates.max_rows is not None and n > ws.replicates.max_rows:
            why.append("more respondents than weighting.replicates.max_rows")
        return "linearization SEs only" + (f" ({'; '.join(why)})" if why else " (no replicates configured)")
    return "linearization SEs and " + " and ".join(parts)


def bootstrap_multipliers(n: int, R: int, seed: int, units: SampleUnits | None = None) -> np.ndarray:
    """The Rao-Wu multipliers of the bootstrap replicates (n x R): of the respondents, or with strata and PSUs
    (``units``) of the PSUs within strata (:meth:`Clusters.rao_wu`)."""
    return rao_wu_multipliers(n, R, seed) if units is None else units.clusters().rao_wu(R, seed)


def _uncalibrated(base: np.ndarray, ws: Weighting, units: SampleUnits | None = None) -> WeightingResult:
    """``weighting.method: none``: the prior (design) weights as they are, scaled to mean 1; no margins, so
    the linearization needs no calibration step; the bootstrap replicates are the prior weights times the
    Rao-Wu multipliers (nothing to re-weight). No delete-one jackknife is stored (its replicates are the
    prior weights with one respondent left out, which the linearization already matches); with strata or PSUs
    the cluster jackknife is (its replicates are the prior weights times the multipliers of
    :meth:`Clusters.jackknife`, rebuilt from the stored strata and PSUs: nothing to store but which PSU each
    leaves out)."""
    n = len(base)
    plan = Plan(levels={}, shares={}, lower=ws.bounds.lower, upper=ws.bounds.upper)
    use_jk, R = replicate_plan(n, ws, units is not None)
    reps = None
    if R:
        dtype = np.float32 if ws.replicates.dtype == "float32" else np.float64
        reps = (base[:, None] * bootstrap_multipliers(n, R, ws.replicates.seed, units)).astype(dtype)
    jk = {"none": np.empty((len(units.clusters().jackknife(units.settings.lonely_psu)[0]), 0))} if use_jk else None
    return WeightingResult(weight=base.copy(), unbounded=base.copy(), base=base, plan=plan,
                           info={"iterations": 0, "max_rel_misfit": 0.0}, replicates=reps,
                           replicate_plans=[plan.to_json()] if R else [], replicate_plan_index=[0] * R, jackknife=jk,
                           design=units)


def make_weights(frame: pd.DataFrame, targets: pd.DataFrame, ws: Weighting, *, file: str = "data/targets.csv",
                 config_file: str = "config.yaml", progress=None, jackknife_methods=None,
                 design: SampleDesign | None = None, data_file: str = "the cleaned data") -> WeightingResult:
    """Weights, unbounded raking weights and re-weighted bootstrap replicates of the cleaned sample, and the
    jackknife; ``design``: its strata and PSUs (None: one stratum, each respondent its own PSU)."""
    units = sample_units(frame, design, config_file=config_file, data_file=data_file)
    variables = list(ws.variables)
    check_sample(frame, targets, variables, file=file, config_file=config_file, data_file=data_file)
    check_categories_present(frame, targets, ws, file=file, data_file=data_file)
    columns = {v: frame[v] for v in variables}
    levels, shares = target_levels(targets, variables), target_shares(targets, variables)
    n = len(frame)
    bw = ws.base_weight
    if bw:
        if bw not in frame.columns:
            raise PipelineError(f"weighting.base_weight {bw!r} is not in the cleaned data", file=config_file)
        base = pd.to_numeric(frame[bw], errors="coerce").astype(float).to_numpy()
        bad = ~np.isfinite(base) | (base <= 0)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise PipelineError(f"the design weight {bw!r} (weighting.base_weight) is missing, zero or negative for "
                                f"{int(bad.sum())} respondent(s), the first in row {first + 1} of the cleaned data",
                                file=config_file, column=bw, got=frame[bw].iloc[first],
                                expected="a positive weight for every respondent (or an exclusion rule that removes "
                                         "those without one)")
        base = base / base.mean()
    else:
        base = np.ones(n)
    if ws.method == "none":
        return _uncalibrated(base, ws, units)
    weight, plan, info = weight_once(columns, levels, shares, base, ws, file=file)
    # the robustness variant: the same margins (after any collapsing), no bounds
    unbounded, _ = _run(columns, plan, base, settings.replace(ws, method="raking"))
    if unbounded is None:
        raise PipelineError("unbounded raking of the sample did not converge (for the robustness table)", file=file,
                            expected="margins that raking can meet (see the weighting diagnostics)")
    jk = None
    use_jk, R = replicate_plan(n, ws, units is not None)
    if use_jk:
        jk = {m: jackknife_multipliers(columns, plan, base, m, ws, file=file, progress=progress, units=units)
              for m in (jackknife_methods or (ws.method, "raking"))}
    reps_settings = ws.replicates
    reps, plans, index = None, [], []
    if R:
        mult = bootstrap_multipliers(n, R, reps_settings.seed, units)
        dtype = np.float32 if reps_settings.dtype == "float32" else np.float64
        reps = np.empty((n, R), dtype=dtype)
        keys = {}
        for r in range(R):
            d_r = base * mult[:, r]
            w_r, plan_r, _ = weight_once(columns, levels, shares, d_r, ws, where=f"bootstrap replicate {r + 1}",
                                         file=file)
            reps[:, r] = w_r
            key = repr(plan_r.to_json())
            if key not in keys:
                keys[key] = len(plans)
                plans.append(plan_r.to_json())
            index.append(keys[key])
            if progress and (r + 1) % max(1, R // 10) == 0:
                progress("bootstrap replicate", r + 1, R)
    return WeightingResult(weight=weight, unbounded=unbounded, base=base, plan=plan, info=info, replicates=reps,
                           replicate_plans=plans, replicate_plan_index=index, jackknife=jk, design=units)


# --------------------------------------------------------------------------- the stage
def run(frame: pd.DataFrame, targets: pd.DataFrame, s: Settings, *, key: str, file: str = "data/targets.csv",
        progress=None, jackknife_methods=None, data_file: str = "the cleaned data") -> StageResult:
    """The weighting stage on a cleaned sample: plan -> calibrate -> replicate (:func:`make_weights`), then
    what is stored (the design) and its diagnostics.

    Tables: ``weights`` (key, final, prior and unbounded weights, bootstrap replicates), ``jackknife`` (the
    delete-one replicates' multipliers), ``margins`` (weighted and unweighted shares against the targets).
    Numbers: those of the diagnostics table (``diagnostics``). Diagnostics: ``record`` (design.json),
    ``summary`` (the weights' summary), ``weighting`` (the :class:`WeightingResult`)."""
    result = make_weights(frame, targets, s.weighting, file=file, config_file=s.file, progress=progress,
                          jackknife_methods=jackknife_methods, design=s.design, data_file=data_file)
    record = stored_design.design_record(result, s.weighting, key)
    margins = weight_diagnostics.margins_table(frame, result.weight, result.plan, targets)
    reps = None
    if result.replicates is not None and result.plan.levels:
        mult = bootstrap_multipliers(len(result.base), result.replicates.shape[1], record["replicates"]["seed"],
                                     result.design)
        reps = weight_diagnostics.replicate_check(result.replicates, result.base, frame, record, multipliers=mult)
    summary = weight_diagnostics.weight_summary(result.weight, result.base, margins, record, reps)
    return StageResult(
        tables={"weights": stored_design.weights_frame(frame[key], result),
                "jackknife": stored_design.jackknife_frame(result), "margins": margins},
        numbers={"diagnostics": weight_diagnostics.weight_numbers(margins, summary, s.disclosure.min_cell)},
        diagnostics={"record": record, "summary": summary, "weighting": result})
