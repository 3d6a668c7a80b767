"""Diagnostics of the weights: margins against targets, the replicates' check, the summary, and the numbers
the weighting diagnostics table states (under their registry keys)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scs.numbers import StatedNumbers, small_cell
from scs.precision import noise_bound
from scs.stages.weight_plan import Plan
from scs.survey.design import rao_wu_multipliers


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
    out = pd.DataFrame(rows, columns=["variable", "category", "target", "unweighted", "weighted", "n", "status"])
    # a difference of two shares that calibration makes equal: below 1e-12 it is floating-point noise
    out["error"] = np.round(out["weighted"] - out["target"], 12) + 0.0
    return out


def replicate_check(reps: np.ndarray, base: np.ndarray, frame: pd.DataFrame, record: dict, *,
                    multipliers: np.ndarray | None = None) -> dict:
    """Every stored replicate against its own weighting plan: largest margin error (share of the
    replicate's total) and whether it meets the bounds of that plan (bounded raking: the factor
    w_r / d_r on resampled units; trim-rake: the weight over the mean of the positive weights).
    ``multipliers``: the replicates' Rao-Wu multipliers (default: those of the respondents with the stored seed)."""
    seed = record["replicates"]["seed"]
    R = reps.shape[1]
    mult = rao_wu_multipliers(len(base), R, int(seed)) if multipliers is None else multipliers
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
    if record["method"] in BOUNDED:
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


BOUNDED = ("trim_rake", "bounded_raking")  # the methods that hold the weights within weighting.bounds
NOT_CALIBRATED = "none"  # the design weights as supplied (weighting.method: none)
# statistics of the summary that only a calibration has, and those that only a method with bounds has
CALIBRATION_STATISTICS = ("factor_min", "factor_max", "max_abs_margin_error", "iterations", "adjustments",
                          "replicate_max_abs_margin_error", "replicates_with_own_plan")
BOUND_STATISTICS = ("bound_lower", "bound_upper", "replicate_max_bound_excess")


def applies(statistic: str, method: str) -> bool:
    """Whether a statistic of :func:`weight_summary` says anything about weights made by ``method``: the bounds
    only for a method that has them (:data:`BOUNDED`), the adjustment factors, iterations and margin errors only
    for a calibration (not weighting.method none, whose weights are the design weights as supplied)."""
    if statistic in BOUND_STATISTICS:
        return method in BOUNDED
    if statistic in CALIBRATION_STATISTICS:
        return method != NOT_CALIBRATED
    return True


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
        "max_abs_margin_error": float(margins["error"].abs().max()) if len(margins) else 0.0,
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
        small = small_cell(r.n, min_cell)  # the unweighted share and n would reveal a small cell
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
