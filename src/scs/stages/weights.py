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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scs import settings
from scs.errors import PipelineError
from scs.numbers import StatedNumbers
from scs.precision import noise_bound
from scs.settings import Weighting
from scs.survey import calibration as cal
from scs.survey.design import Design, bootstrap_scale, rao_wu_multipliers

log = logging.getLogger(__name__)

WEIGHT = "weight"
BASE = "base_weight"
UNBOUNDED = "weight_unbounded"
REP_PREFIX = "rep_"
INTERCEPT = "(Intercept)"


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
                 data_file="results/clean/clean.parquet") -> None:
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


# --------------------------------------------------------------------------- the weighting procedure
@dataclass
class Plan:
    """Margins (categories after any collapsing, with their shares) and bounds of one weighting run."""

    levels: dict[str, list[str]]                       # margin -> categories (collapsed ones joined by " + ")
    shares: dict[str, dict[str, float]]
    lower: float
    upper: float
    members: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # margin -> category -> original ones
    adjustments: list[str] = field(default_factory=list)

    def columns(self, raw: dict) -> dict[str, pd.Categorical]:
        """The margin variables (arrays or pandas columns) recoded to this plan's (possibly collapsed)
        categories, as categoricals: every distinct value is hashed and mapped once."""
        out = {}
        for v, x in raw.items():
            mapping = {orig: cat for cat, origs in self.members.get(v, {}).items() for orig in origs}
            x = x if isinstance(x, (pd.Series, pd.Categorical)) else np.asarray(x, dtype=object)
            codes, uniques = pd.factorize(x, use_na_sentinel=False)
            mapped = [mapping.get(t, t) for t in (str(u) for u in uniques)]
            cats = list(dict.fromkeys(mapped))
            lut = np.array([cats.index(m) for m in mapped], dtype=np.int64)
            out[v] = pd.Categorical.from_codes(lut[codes], categories=cats)
        return out

    def key(self) -> str:
        return repr((self.levels, self.members))


    def terms(self) -> list[str]:
        """Names of the columns of the margin model matrix, in its order: the intercept, then
        ``variable=category`` of every category but the first of each margin."""
        return [INTERCEPT] + [f"{v}={c}" for v, lev in self.levels.items() for c in lev[1:]]

    def to_json(self) -> dict:
        """The plan as JSON. Margins are a list, so that their order (which fixes the columns of the margin
        model matrix) survives any JSON writer, sorted keys included."""
        return {"margins": [{"variable": v, "categories": list(lev), "shares": [self.shares[v][c] for c in lev],
                             "members": self.members.get(v, {})} for v, lev in self.levels.items()],
                "lower": self.lower, "upper": self.upper, "adjustments": self.adjustments}

    @classmethod
    def from_json(cls, d: dict) -> Plan:
        if "margins" not in d:
            raise PipelineError("design.json was written by an older version of the pipeline (no ordered list of "
                                "margins); rerun the weights rule", file="design.json")
        levels = {m["variable"]: list(m["categories"]) for m in d["margins"]}
        shares = {m["variable"]: dict(zip(m["categories"], m["shares"])) for m in d["margins"]}
        members = {m["variable"]: m["members"] for m in d["margins"] if m.get("members")}
        return cls(levels=levels, shares=shares, lower=d["lower"], upper=d["upper"], members=members,
                   adjustments=d.get("adjustments", []))


_MATRIX_CACHE: dict = {}
_COLUMNS_CACHE: dict = {}


def plan_columns(columns: dict, plan: Plan) -> dict[str, pd.Categorical]:
    """``plan.columns(columns)``, cached: the replicates of one sample recode the same margins again and again."""
    key = (id(columns), plan.key())
    if key not in _COLUMNS_CACHE:
        if len(_COLUMNS_CACHE) > 8:
            _COLUMNS_CACHE.clear()
        _COLUMNS_CACHE[key] = (columns, plan.columns(columns))  # (columns kept alive: its id stays its own)
    return _COLUMNS_CACHE[key][1]


def plan_matrix(columns: dict, plan: Plan) -> np.ndarray:
    """The margin model matrix of ``plan`` for these respondents (cached: replicates share it)."""
    key = (id(columns), plan.key())
    if key not in _MATRIX_CACHE:
        if len(_MATRIX_CACHE) > 8:
            _MATRIX_CACHE.clear()
        _MATRIX_CACHE[key] = (columns, cal.margin_matrix(plan_columns(columns, plan), plan.levels)[0])
    return _MATRIX_CACHE[key][1]


def _extremeness(r: float, lower: float, upper: float) -> float:
    return max(r / upper, lower / r if r > 0 else np.inf)


def _collapse(plan: Plan, var: str, cat: str, need: dict) -> str | None:
    """Merge ``cat`` of ``var`` with the adjacent category that leaves the merged need closest to 1."""
    lev = plan.levels[var]
    if len(lev) <= 2:
        return None
    i = lev.index(cat)
    best = None
    for j in (i - 1, i + 1):
        if 0 <= j < len(lev):
            other = lev[j]
            t = plan.shares[var][cat] + plan.shares[var][other]
            s = plan.shares[var][cat] / need[(var, cat)] + plan.shares[var][other] / need[(var, other)]
            score = abs(np.log(t / s)) if s > 0 else np.inf
            if best is None or score < best[0]:
                best = (score, j, other)
    _, j, other = best
    a, b = (cat, other) if i < j else (other, cat)
    merged = f"{a} + {b}"
    members = plan.members.setdefault(var, {})
    members[merged] = members.pop(a, [a]) + members.pop(b, [b])
    shares = plan.shares[var]
    shares[merged] = shares.pop(a) + shares.pop(b)
    k = min(i, j)
    plan.levels[var] = lev[:k] + [merged] + lev[k + 2:]
    plan.shares[var] = {c: shares[c] for c in plan.levels[var]}
    return merged


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
            worst = max(beyond, key=lambda k: _extremeness(need[k], plan.lower, plan.upper))
            why = (f"category {worst[1]!r} needs {need[worst]:.2f} times its sample share, outside the bounds "
                   f"[{plan.lower:g}, {plan.upper:g}]")
        else:
            w, info = _run(columns, plan, d, ws)
            if w is not None:
                return w, plan, info
            worst = max(need, key=lambda k: _extremeness(need[k], plan.lower, plan.upper))
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
        merged = _collapse(plan, var, c, need) if ("collapse" in policy and var in collapsible) else None
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


@dataclass
class WeightingResult:
    weight: np.ndarray
    unbounded: np.ndarray
    base: np.ndarray
    plan: Plan
    info: dict
    replicates: np.ndarray | None
    replicate_plans: list[dict]
    replicate_plan_index: list[int]
    jackknife: dict | None = None      # calfun -> n x K Lagrange multipliers of the delete-one replicates


CALFUN = {"bounded_raking": "logit", "raking": "raking"}


def _eta(M, d, T, plan, method, ws, eta0=None):
    kw = {"lower": plan.lower, "upper": plan.upper} if method == "bounded_raking" else {}
    return cal.calibrate(M, d, T, calfun=CALFUN[method], tol=ws.tol, max_iter=ws.max_iter, eta0=eta0, **kw)


def jackknife_multipliers(columns, plan: Plan, base: np.ndarray, method: str, ws: Weighting, *, file: str,
                          progress=None) -> np.ndarray:
    """The delete-one jackknife (JK1): replicate r drops respondent r, gives the others n/(n-1) times
    their prior weight, and is calibrated again to the same margins within the same bounds. Returns
    each replicate's Lagrange multipliers (n x K): its weights are d_r * F(M eta_r) (R: as.svrepdesign(
    type = "JK1") then calibrate)."""
    M = plan_matrix(columns, plan)
    n = len(base)
    T = cal.margin_totals(plan.shares, plan.levels, float(base.sum()))
    main = _eta(M, base, T, plan, method, ws)
    kw = {"lower": plan.lower, "upper": plan.upper} if method == "bounded_raking" else {}
    out = np.empty((n, M.shape[1]))
    chunk = max(1, min(n, JK_CHUNK_CELLS // n))
    for s in range(0, n, chunk):  # a block of replicates at a time, calibrated together
        idx = np.arange(s, min(n, s + chunk))
        D = np.repeat((base * (n / (n - 1)))[:, None], len(idx), axis=1)
        D[idx, np.arange(len(idx))] = 0.0
        E, _, converged = cal.calibrate_many(M, D, T, calfun=CALFUN[method], tol=ws.tol, max_iter=ws.max_iter,
                                             eta0=main.eta, **kw)
        if not converged.all():
            r = int(idx[np.flatnonzero(~converged)[0]])
            raise PipelineError(f"the jackknife replicate that leaves out respondent {r + 1} cannot be weighted to the "
                                f"targets within the bounds [{plan.lower:g}, {plan.upper:g}]", file=file,
                                expected="a category with more respondents (collapse it: weighting.infeasible), or "
                                         "estimates.variance: linearization")
        out[idx] = E.T
        if progress:
            progress(f"jackknife replicate ({method})", int(idx[-1]) + 1, n)
    return out


JK_CHUNK_CELLS = 2_000_000  # respondents x replicates calibrated together (memory: a few such n x chunk arrays)


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


def replicate_plan(n: int, ws: Weighting) -> tuple[bool, int]:
    """Whether the delete-one jackknife is made, and how many bootstrap replicates, for n respondents
    (``weighting.jackknife.max_rows``, ``weighting.replicates.n`` and ``.max_rows``)."""
    use_jk = ws.method in CALFUN and bool(ws.jackknife.max_rows) and n <= ws.jackknife.max_rows
    reps_settings = ws.replicates
    R = reps_settings.n
    if R and reps_settings.max_rows is not None and n > reps_settings.max_rows:
        R = 0
    return use_jk, R


def variance_note(n: int, ws: Weighting) -> str:
    """What the weights rule makes for the variances, in words (printed when it starts)."""
    use_jk, R = replicate_plan(n, ws)
    parts = []
    if use_jk:
        parts.append(f"{n} delete-one jackknife replicates, each calibrated again")
    if R:
        parts.append(f"{R} re-weighted bootstrap replicates")
    if not parts:
        return ("linearization SEs only (more respondents than weighting.jackknife.max_rows and "
                "weighting.replicates.max_rows)")
    return "linearization SEs and " + " and ".join(parts)


def make_weights(frame: pd.DataFrame, targets: pd.DataFrame, ws: Weighting, *, file: str = "data/targets.csv",
                 config_file: str = "config.yaml", progress=None, jackknife_methods=None) -> WeightingResult:
    """Weights, unbounded raking weights and re-weighted bootstrap replicates of the cleaned sample."""
    variables = list(ws.variables)
    check_sample(frame, targets, variables, file=file, config_file=config_file)
    columns = {v: frame[v] for v in variables}
    levels, shares = target_levels(targets, variables), target_shares(targets, variables)
    n = len(frame)
    bw = ws.base_weight
    if bw:
        if bw not in frame.columns:
            raise PipelineError(f"weighting.base_weight {bw!r} is not in the cleaned data", file=config_file)
        base = frame[bw].astype(float).to_numpy()
        if np.any(~np.isfinite(base)) or np.any(base <= 0):
            raise PipelineError(f"prior weights {bw!r} must be positive numbers", file=config_file, column=bw)
        base = base / base.mean()
    else:
        base = np.ones(n)
    weight, plan, info = weight_once(columns, levels, shares, base, ws, file=file)
    # the robustness variant: the same margins (after any collapsing), no bounds
    unbounded, _ = _run(columns, plan, base, settings.replace(ws, method="raking"))
    if unbounded is None:
        raise PipelineError("unbounded raking of the sample did not converge (for the robustness table)", file=file,
                            expected="margins that raking can meet (see the weighting diagnostics)")
    jk = None
    use_jk, R = replicate_plan(n, ws)
    if use_jk:
        jk = {m: jackknife_multipliers(columns, plan, base, m, ws, file=file, progress=progress)
              for m in (jackknife_methods or (ws.method, "raking"))}
    reps_settings = ws.replicates
    reps, plans, index = None, [], []
    if R:
        mult = rao_wu_multipliers(n, R, reps_settings.seed)
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
                           replicate_plans=plans, replicate_plan_index=index, jackknife=jk)


# --------------------------------------------------------------------------- the stored design
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
    M = calibration_matrix(frame, plan)
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


# --------------------------------------------------------------------------- diagnostics
def kish_deff(w: np.ndarray) -> float:
    w = np.asarray(w, dtype=float)
    return float(len(w) * np.sum(w ** 2) / np.sum(w) ** 2)


def margins_table(frame: pd.DataFrame, weights: np.ndarray, plan: Plan, targets: pd.DataFrame) -> pd.DataFrame:
    """Target, unweighted and weighted share of every margin category as weighted (after any collapsing)."""
    rows = []
    w = np.asarray(weights, dtype=float)
    cols = plan.columns({v: frame[v] for v in plan.levels})
    status = {(r.variable, r.category): r.status for r in targets.itertuples()}
    for v, lev in plan.levels.items():
        for c in lev:
            m = cols[v] == c
            origs = plan.members.get(v, {}).get(c, [c])
            rows.append({"variable": v, "category": c, "target": float(plan.shares[v][c]),
                         "unweighted": float(m.mean()), "weighted": float(w[m].sum() / w.sum()), "n": int(m.sum()),
                         "status": "/".join(dict.fromkeys(str(status.get((v, o), "")) for o in origs))})
    out = pd.DataFrame(rows)
    # a difference of two shares that calibration makes equal: below 1e-12 it is floating-point noise
    out["error"] = np.round(out["weighted"] - out["target"], 12) + 0.0
    return out


def replicate_check(reps: np.ndarray, base: np.ndarray, frame: pd.DataFrame, record: dict) -> dict:
    """Every stored replicate against its own weighting plan: largest margin error (share of the
    replicate's total) and whether it meets the bounds of that plan (bounded raking: the factor
    w_r / d_r on resampled units; trim-rake: the weight over the mean of the positive weights)."""
    seed = record["replicates"]["seed"]
    R = reps.shape[1]
    mult = rao_wu_multipliers(len(base), R, int(seed))
    plans = [Plan.from_json(p) for p in record["replicates"]["plans"]]
    index = record["replicates"]["plan_index"]
    raw = {v: frame[v] for v in record["variables"]}
    reps = np.asarray(reps, dtype=float)
    index = np.asarray(index if len(index) else [0] * R)
    worst_margin = 0.0
    for i, plan in enumerate(plans):  # the replicates of one plan together: their shares of every category
        cols = np.flatnonzero(index == i)
        if not len(cols):
            continue
        coded = plan.columns(raw)
        onehot = np.column_stack([np.asarray(coded[v] == c, dtype=float) for v, lev in plan.levels.items() for c in lev])
        target = np.array([plan.shares[v][c] for v, lev in plan.levels.items() for c in lev])
        W = reps[:, cols]
        achieved = (W.T @ onehot) / W.sum(axis=0)[:, None]
        worst_margin = max(worst_margin, float(np.max(np.abs(achieved - target[None, :]))))
    D = base[:, None] * mult
    pos = D > 0
    outside = int(np.any((reps != 0) & ~pos, axis=0).sum())
    worst_bound = 0.0
    if record["method"] in ("trim_rake", "bounded_raking"):
        lower = np.array([plans[i].lower for i in index])
        upper = np.array([plans[i].upper for i in index])
        with np.errstate(divide="ignore", invalid="ignore"):
            if record["method"] == "trim_rake":
                ratio = reps / (np.where(pos, reps, 0).sum(axis=0) / pos.sum(axis=0))
            else:
                ratio = reps / D
        hi = np.where(pos, ratio, -np.inf).max(axis=0) - upper
        lo = lower - np.where(pos, ratio, np.inf).min(axis=0)
        worst_bound = max(0.0, float(np.max(hi)), float(np.max(lo)))
    return {"replicates": R, "max_abs_margin_error": worst_margin, "max_bound_excess": worst_bound,
            "nonzero_weights_outside_resample": outside,
            "replicates_with_own_plan": int(np.sum(index != index[0])) if len(index) else 0}


def weight_summary(w: np.ndarray, base: np.ndarray, margins: pd.DataFrame, record: dict, reps: dict | None) -> dict:
    w = np.asarray(w, dtype=float)
    g = w / base
    deff = kish_deff(w)
    plan = record["plan"]
    out = {
        "n": int(len(w)),
        "weight_min": float(w.min()),
        "weight_max": float(w.max()),
        "weight_mean": float(w.mean()),
        "weight_cv": float(w.std(ddof=0) / w.mean()),
        "factor_min": float(g.min()),
        "factor_max": float(g.max()),
        "bound_lower": float(plan["lower"]),
        "bound_upper": float(plan["upper"]),
        "kish_deff": deff,
        "effective_n": float(len(w) / deff),
        "max_abs_margin_error": float(margins["error"].abs().max()),
        "iterations": int(record["info"].get("iterations") or record["info"].get("cycles") or 0),
        "adjustments": len(plan.get("adjustments", [])),
        "replicates": int(record["replicates"]["n"]),
    }
    if reps:
        # noise-sized diagnostics: reported as the power of ten above them (scs.precision)
        out["replicate_max_abs_margin_error"] = noise_bound(reps["max_abs_margin_error"])
        out["replicate_max_bound_excess"] = noise_bound(reps["max_bound_excess"])
        out["replicates_with_own_plan"] = reps["replicates_with_own_plan"]
    return out


# --------------------------------------------------------------------------- the numbers the outputs state
SUMMARY_KINDS = {"n": "count", "replicates": "count", "iterations": "count", "adjustments": "count",
                 "replicates_with_own_plan": "count", "max_abs_margin_error": "small",
                 "replicate_max_abs_margin_error": "small", "replicate_max_bound_excess": "small", "effective_n": "count",
                 "kish_deff": "ratio", "weight_min": "weight", "weight_max": "weight", "weight_mean": "weight",
                 "weight_cv": "ratio", "factor_min": "weight", "factor_max": "weight", "bound_lower": "weight",
                 "bound_upper": "weight"}


def margin_key(variable: str, category: str, stat: str) -> str:
    return f"weights.margin.{variable}.{category}.{stat}"


def summary_key(statistic: str) -> str:
    return f"weights.{statistic}"


def weight_numbers(margins: pd.DataFrame, summary: dict, min_cell: int) -> StatedNumbers:
    """The margins (target, unweighted and weighted shares, n; a cell of fewer than ``min_cell`` respondents
    withheld) and the summary of the weights."""
    nums = StatedNumbers()
    for r in margins.itertuples():
        small = r.n < min_cell  # the unweighted share and n would reveal a small cell
        nums.add(margin_key(r.variable, r.category, "target"), r.target, "share", unit="share")
        if small:
            nums.suppress(margin_key(r.variable, r.category, "unweighted"))
        else:
            nums.add(margin_key(r.variable, r.category, "unweighted"), r.unweighted, "share", unit="share")
        nums.add(margin_key(r.variable, r.category, "weighted"), r.weighted, "share", unit="share")
        if small:
            nums.suppress(margin_key(r.variable, r.category, "n"))
        else:
            nums.add(margin_key(r.variable, r.category, "n"), r.n, "count", unit="respondents")
    for k, v in summary.items():
        nums.add(summary_key(k), v, SUMMARY_KINDS[k])
    return nums
