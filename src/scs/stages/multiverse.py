"""The multiverse: every combination of the analyst's choices declared in ``config.yaml`` (section
``multiverse``), fitted with design-based SEs, and the joint test of Simonsohn, Simmons and Nelson
(2020, Nature Human Behaviour).

A specification is one option of every dimension:

* ``exclusions``: named dimensions that change the cleaning rules of ``cleaning.rules`` (an option maps
  a rule name to the keys it changes, or to null to drop the rule);
* ``weights``: null (no weights) or changes to ``weighting`` (e.g. ``{method: raking}`` or other bounds);
* ``index``: how the outcome index is built: ``min_answered`` (a number, ``all`` or ``half``), ``drop:
  assumed`` (without the items listed in ``multiverse.assumed_items``) or ``drop: each`` (one option per
  item, leaving it out);
* ``political_capital``: the political-capital terms of the formula and the focal term(s) reported;
* ``controls``: names of ``models.formulas``; a specification's formula is its political-capital terms
  plus that formula's terms other than ``models.political_capital``;
* ``outcome``: each of ``multiverse.outcomes``.

``constraints`` drop combinations: a specification matching every ``when`` entry must match every
``only`` entry (``"!name"`` matches any option but ``name``).

Every stage is the pipeline's own: :func:`scs.stages.clean.clean`, :func:`scs.stages.weights.make_weights` through
:class:`scs.stages.pipeline.Weighted`, :func:`scs.stages.indices.scale_index`, :func:`scs.stages.models.samples` and
:func:`scs.survey.regression.fit_wls`; the SEs are the raking-aware linearization SEs of ``fit_wls`` (for every
specification alike, whatever ``estimates.variance`` picks for the main tables).

The joint test: the null is imposed on each specification by subtracting its estimate times the focal
regressor from the outcome, which makes the refitted coefficient in a draw b_r - b (the regressor is a
column of the design matrix); the draws re-weight the respondents with Rao-Wu bootstrap multipliers
(one set for the whole export, so a draw resamples the same respondents in every specification),
applied to each specification's final weights. A draw counts a specification as significant when
|b_r - b| / SE exceeds the t quantile, SE being the specification's design SE (kept fixed across
draws). p-values are (1 + draws at least as extreme) / (1 + draws).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scs import settings
from scs.errors import PipelineError
from scs.numbers import StatedNumbers
from scs.settings import Settings
from scs.stages import clean as clean_mod
from scs.stages import models, pipeline, stored_design
from scs.stages.indices import add_indices, code_range, scale_index
from scs.stages.multiverse_grid import Option, Universe, default_spec, multiverse_settings, shard_groups, universe  # noqa: F401 (the API)
from scs.stages.result import StageResult
from scs.survey import formula as fml
from scs.survey import regression
from scs.survey.design import interval, p_value, rao_wu_multipliers, t_quantile


# --------------------------------------------------------------------------- applying the options
def cleaning_settings(s: Settings, u: Universe, row) -> Settings:
    """``s`` with the cleaning rules as the exclusion options of ``row`` set them."""
    m = multiverse_settings(s)
    rules = list(s.cleaning.rules)
    names = {r.name for r in rules}
    for dim in m.exclusions:
        opt = next(o for o in u.options[dim] if o.name == row[dim])
        for rule_name, change in (opt.change or {}).items():
            if rule_name not in names:
                raise PipelineError(f"multiverse.exclusions.{dim} changes rule {rule_name!r}, not in cleaning.rules",
                                    file=s.file)
            if change is None:
                rules = [r for r in rules if r.name != rule_name]
            else:
                rules = [settings.replace(r, change) if r.name == rule_name else r for r in rules]
    return settings.replace(s, cleaning=settings.replace(s.cleaning, rules=tuple(rules)))


def _min_answered(value, n_items: int, configured: int) -> int:
    if value is None:
        return min(configured, n_items)
    if value == "all":
        return n_items
    if value == "half":
        return math.ceil(n_items / 2)
    return min(int(value), n_items)


def index_values(frame: pd.DataFrame, s: Settings, outcome: str, option: Option) -> np.ndarray:
    """The outcome index under an index option (the pipeline's :func:`scale_index`)."""
    sc = s.scales[outcome]
    change = option.change or {}
    drop = set(change.get("drop", []))
    items = tuple(it for it in sc.items if it.var not in drop)
    k = _min_answered(change.get("min_answered"), len(items), sc.min_answered)
    return scale_index(frame, items, k, code_range(s.response_scale_of(outcome)), file=s.file).astype(float).to_numpy()


def spec_formulas(s: Settings, coding: Option) -> dict[str, str]:
    """models.formulas with the political-capital terms replaced by the coding's."""
    pc = set(s.models.political_capital)
    out = {}
    for name, rhs in s.models.formulas.items():
        rest = [t.strip() for t in rhs.split("+") if fml.parse_formula(t.strip(), where=s.file)[0].var not in pc]
        out[name] = " + ".join([coding.change["terms"], *rest])
    return out


@dataclass
class Variant:
    """One exclusion x weights group: the analysis data, the export rows they are, and the design."""
    frame: pd.DataFrame
    rows: np.ndarray
    design: object
    adjustments: tuple[str, ...] = ()   # what the weighting changed because the margins could not be met


def group_variant(export: pd.DataFrame, codebook, targets: pd.DataFrame, s: Settings, u: Universe, row) -> Variant:
    result = clean_mod.run(export, codebook, cleaning_settings(s, u, row), file=s.data.raw)
    cleaned, removed_by = result["data"], result["removed_by"]
    key = codebook.key_var
    rows = np.flatnonzero(removed_by == 0)
    rows = rows[clean_mod.key_order(export[key].iloc[rows])]  # the cleaned data's order
    if not (export[key].to_numpy(dtype=object)[rows] == cleaned[key].to_numpy(dtype=object)).all():
        raise PipelineError("cleaned rows are not the export's kept rows in order", file="multiverse")
    opt = next(o for o in u.options["weights"] if o.name == row["weights"])
    if opt.change is None:
        return Variant(add_indices(cleaned, s), rows, pipeline.unweighted(cleaned, s))
    change = dict(opt.change)
    which = stored_design.WEIGHT
    if change.get("method") == "raking":  # the unbounded raking weights that make_weights also makes
        change.pop("method")
        which = "weight_unbounded"
    weighting = settings.replace(s.weighting, {**change, "jackknife": {"max_rows": 0}, "replicates": {"n": 0}})
    wt = pipeline.weight_and_index(cleaned, targets, settings.replace(s, weighting=weighting), key=key,
                                   jackknife=False, file=s.data.targets)
    return Variant(wt.frame, rows, wt.design(which=which, replicates=False, variance="linearization"),
                   tuple(wt.result.plan.adjustments))


# --------------------------------------------------------------------------- fitting
def fit_group(var: Variant, s: Settings, u: Universe, specs: pd.DataFrame, mult: np.ndarray, ci_level: float):
    """Every specification of one exclusion x weights group: tidy rows (one per focal term) and the
    null draws b_r - b of those rows (rows x R)."""
    frame, design = var.frame, var.design
    w = np.asarray(design.weight, dtype=float)
    M = mult[var.rows]                     # n x R multipliers of these respondents
    out, draws = [], []
    codings = {o.name: o for o in u.options["political_capital"]}
    for coding_name, block in specs.groupby("political_capital", sort=False):
        coding = codings[coding_name]
        f_s = settings.replace(s, models=settings.replace(s.models, formulas=spec_formulas(s, coding)))
        mats = models.matrices(frame, f_s)
        for (y, ix_name), sub in block.groupby(["outcome", "index"], sort=False):
            ix = next(o for o in u.index_options[y] if o.name == ix_name)
            yv = index_values(frame, s, y, ix)
            fy = frame.copy(deep=False)
            fy[y] = yv
            masks = models.samples(fy, settings.replace(f_s, models=settings.replace(f_s.models, outcomes=(y,))),
                                   mats)
            # the specifications of one sample share the draws' cross-products: computed once for the union of
            # their regressors, each specification solving its own block (nested models: M1 within M3)
            shared = None
            used = [masks[(y, c)] for c in sub["controls"]]
            if all(np.array_equal(used[0], m) for m in used[1:]):
                names = list(dict.fromkeys(c for ctrl in sub["controls"] for c in mats[ctrl].columns))
                union = pd.concat([mats[ctrl] for ctrl in dict.fromkeys(sub["controls"])], axis=1)
                union = union.loc[:, ~union.columns.duplicated()][names]
                shared = (names, draw_products(w, M, yv, union.to_numpy(float), used[0]))
            for spec in sub.itertuples(index=False):
                X = mats[spec.controls]
                fit = regression.fit_wls(design, yv, X.to_numpy(float), list(X.columns),
                                         used=masks[(y, spec.controls)], replicates=False)
                focal = [fit.terms.index(t) for t in coding.change["focal"]]
                se = fit.se_of("linearization")
                lo, hi = interval(fit.coef[focal], se[focal], ci_level, fit.df)
                for k, j in enumerate(focal):
                    out.append({**{d: getattr(spec, d) for d in ["spec_id", *u.dims]}, "term": fit.terms[j],
                                "primary": k == 0, "coef": fit.coef[j], "se": se[j], "ci_low": lo[k],
                                "ci_high": hi[k], "p": float(p_value(fit.coef[j], se[j], fit.df)), "n": fit.n,
                                "df": fit.df, "weighting_adjustments": "; ".join(var.adjustments)})
                if shared is not None:
                    cols = [0] + [1 + shared[0].index(c) for c in X.columns]
                    draws.append(draws_from_products(fit, shared[1], cols, focal))
                else:
                    draws.append(null_draws(fit, w, M, yv, X.to_numpy(float), focal))
    return out, draws


def draw_products(w: np.ndarray, M: np.ndarray, y: np.ndarray, X: np.ndarray, ok: np.ndarray):
    """For every bootstrap draw r (weights w * M[:, r] on the rows ``ok``): Z'W_rZ (R x p x p) and Z'W_ry
    (R x p), Z the intercept and X."""
    Z = np.column_stack([np.ones(len(y)), np.where(ok[:, None], X, 0.0)])[ok]
    Wr = M[ok] * w[ok][:, None]                        # n_ok x R
    p = Z.shape[1]
    ZZ = (Z[:, :, None] * Z[:, None, :]).reshape(len(Z), p * p)
    return (Wr.T @ ZZ).reshape(-1, p, p), Wr.T @ (Z * y[ok][:, None])


def draws_from_products(fit, products, cols: list[int], focal: list[int]) -> np.ndarray:
    """b_r - b of the focal coefficients from the draws' cross-products of a set of columns holding the fit's
    (``cols``: their positions, intercept first)."""
    A, b = products
    idx = np.asarray(cols)
    coef = np.linalg.solve(A[:, idx[:, None], idx[None, :]], b[:, idx, None])[:, :, 0]  # R x p
    return (coef[:, focal] - fit.coef[focal]).T


def null_draws(fit, w: np.ndarray, M: np.ndarray, y: np.ndarray, X: np.ndarray, focal: list[int]) -> np.ndarray:
    """b_r - b for the focal coefficients under every bootstrap draw (len(focal) x R): the coefficients of
    the outcome with the null imposed, y - b x (x a column of the design matrix)."""
    products = draw_products(w, M, y, X, fit.used)
    return draws_from_products(fit, products, list(range(X.shape[1] + 1)), focal)


def run_groups(export: pd.DataFrame, codebook, targets: pd.DataFrame, s: Settings, groups, *, progress=None):
    """Fit the specifications of the given groups: (tidy table, draws array aligned with its rows)."""
    m = multiverse_settings(s)
    u = universe(s)
    ci = s.estimates.ci_level
    mult = rao_wu_multipliers(len(export), m.null_draws, m.seed)
    rows, draws = [], []
    done = 0
    for g in groups:
        specs = u.specs[u.specs["group"] == g]
        if specs.empty:
            continue
        var = group_variant(export, codebook, targets, s, u, specs.iloc[0])
        r, d = fit_group(var, s, u, specs, mult, ci)
        rows += r
        draws += d
        done += len(specs)
        if progress:
            progress(done)
    table = pd.DataFrame(rows)
    arr = np.vstack(draws) if draws else np.empty((0, m.null_draws))
    return order_rows(table, arr) if not table.empty else (table, arr)


# --------------------------------------------------------------------------- the joint test
def claimed_sign(s: Settings) -> float:
    """-1 when the claimed effect is negative (multiverse.direction), +1 when positive."""
    return -1.0 if multiverse_settings(s).direction == "negative" else 1.0


def significant(coef, se, df, s: Settings) -> np.ndarray:
    """Significant in the claimed direction: t beyond the two-sided quantile of estimates.ci_level, on the
    claimed side (coef and se may be specs x draws, with se and df per spec)."""
    coef, se = np.asarray(coef, dtype=float), np.asarray(se, dtype=float)
    crit = t_quantile(float(s.estimates.ci_level), np.asarray(df, dtype=float))
    if coef.ndim == 2:
        se, crit = se[:, None], crit[:, None]
    return (claimed_sign(s) * coef / se) > crit


def order_rows(table: pd.DataFrame, draws: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows (and their draws) by specification, the primary focal term first: the order of every output."""
    order = np.lexsort((~table["primary"].to_numpy(), table["spec_id"].to_numpy()))
    return table.iloc[order].reset_index(drop=True), draws[order]


def merge(parts) -> tuple[pd.DataFrame, np.ndarray]:
    """The (table, draws) of several shards as one, in :func:`order_rows` order."""
    parts = list(parts)
    return order_rows(pd.concat([t for t, _ in parts], ignore_index=True), np.vstack([d for _, d in parts]))


def joint_test(table: pd.DataFrame, draws: np.ndarray, s: Settings) -> pd.DataFrame:
    """Per outcome, over the primary focal term of every specification: the median estimate, the share
    significant in the claimed direction, and their p-values under the null draws."""
    sign = claimed_sign(s)
    rows = []
    for y, t in table[table["primary"]].groupby("outcome", sort=False):
        idx = t.index.to_numpy()
        b, se, df = t["coef"].to_numpy(), t["se"].to_numpy(), t["df"].to_numpy()
        d = draws[idx]                                   # specs x R
        obs_sig = significant(b, se, df, s)
        null_sig = significant(d, se, df, s).mean(axis=0)
        obs_med = float(np.median(b))
        null_med = np.median(d, axis=0)
        R = d.shape[1]
        p_med = (1 + np.sum(sign * null_med >= sign * obs_med)) / (1 + R)
        p_share = (1 + np.sum(null_sig >= obs_sig.mean())) / (1 + R)
        rows.append({"outcome": y, "specifications": len(t), "median": obs_med, "min": float(b.min()),
                     "max": float(b.max()), "share_same_sign": float(np.mean(sign * b > 0)),
                     "share_significant": float(obs_sig.mean()), "n_significant": int(obs_sig.sum()),
                     "p_median": float(p_med), "p_share": float(p_share), "null_draws": R,
                     "direction": "negative" if sign < 0 else "positive"})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- reporting
def curve(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The primary focal estimates of an outcome sorted by size (the specification curve's order)."""
    t = table[table["primary"] & (table["outcome"] == outcome)]
    return t.sort_values(["coef", "spec_id"], kind="stable").reset_index(drop=True)


def by_option(table: pd.DataFrame, u: Universe, s: Settings) -> pd.DataFrame:
    """Per outcome, dimension and option: the number of specifications, their median estimate and the
    share significant in the claimed direction."""
    prim = table[table["primary"]].copy()
    prim["sig"] = significant(prim["coef"], prim["se"], prim["df"], s)
    rows = []
    for y, t in prim.groupby("outcome", sort=False):
        for d in u.dims:
            if d == "outcome":
                continue
            for opt, g in t.groupby(d, sort=False):
                rows.append({"outcome": y, "dimension": d, "option": opt, "configured": opt == u.defaults.get(d),
                             "specifications": len(g), "median": float(g["coef"].median()),
                             "share_significant": float(g["sig"].mean())})
    return pd.DataFrame(rows)


def multiverse_key(outcome: str | None, stat: str) -> str:
    return f"multiverse.{stat}" if outcome is None else f"multiverse.{outcome}.{stat}"


def adjusted_specifications(table: pd.DataFrame) -> int:
    """How many specifications were weighted after an adjustment of weighting.infeasible."""
    return int(table.loc[table["weighting_adjustments"].fillna("") != "", "spec_id"].nunique())


def multiverse_numbers(jt: pd.DataFrame, table: pd.DataFrame, u: Universe) -> StatedNumbers:
    """The joint test of each outcome (specifications, median and range, shares, p-values), the configured
    specification's estimate as the multiverse computes it, the number of null draws and of adjusted
    specifications."""
    nums = StatedNumbers()
    for r in jt.itertuples():
        def add(stat, value, kind, outcome=r.outcome, **kw):
            nums.add(multiverse_key(outcome, stat), value, kind, **kw)

        add("specifications", r.specifications, "count")
        add("median", r.median, "coef")
        add("min", r.min, "coef")
        add("max", r.max, "coef")
        add("share_same_sign", 100 * r.share_same_sign, "pct", unit="%")
        add("share_significant", 100 * r.share_significant, "pct", unit="%")
        add("n_significant", r.n_significant, "count")
        add("p_median", r.p_median, "p", floor=1 / (r.null_draws + 1))
        add("p_share", r.p_share, "p", floor=1 / (r.null_draws + 1))
        d = table[(table["spec_id"] == default_spec(u, r.outcome)) & table["primary"]].iloc[0]
        add("configured.coef", d.coef, "coef", se=d.se, ci=(d.ci_low, d.ci_high), n=d.n)
    nums.add(multiverse_key(None, "null_draws"), int(jt["null_draws"].iloc[0]), "count")
    nums.add(multiverse_key(None, "adjusted_specifications"), adjusted_specifications(table), "count")
    return nums


# --------------------------------------------------------------------------- the stage
def run(parts, s: Settings) -> StageResult:
    """The multiverse stage on its shards' results (``parts``: (table, draws) pairs): every specification,
    the joint test of each outcome, the estimates by option. Tables: ``specifications``, ``joint_test``,
    ``by_option``. Numbers: those of the ``summary``. Diagnostics: ``universe``."""
    u = universe(s)
    table, arr = merge(parts)
    missing = sorted(set(u.specs["spec_id"]) - set(table["spec_id"]))
    if missing:
        raise PipelineError(f"{len(missing)} specifications are missing from the shards (first: {missing[:5]})",
                            expected="every shard of the multiverse rerun with the same configuration")
    jt = joint_test(table, arr, s)
    return StageResult(tables={"specifications": table, "joint_test": jt, "by_option": by_option(table, u, s)},
                       numbers={"summary": multiverse_numbers(jt, table, u)}, diagnostics={"universe": u})
