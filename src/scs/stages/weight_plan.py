"""The plan of one weighting run: the margins (categories after any collapsing, with their shares) and
bounds, and the planner that adjusts it one step at a time when the targets cannot be met (collapse a
category with a neighbour); the record a weighting run leaves (:class:`WeightingResult`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scs.errors import PipelineError
from scs.settings import SampleDesign
from scs.survey import calibration as cal
from scs.survey.design import Clusters

log = logging.getLogger(__name__)

INTERCEPT = "(Intercept)"

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


def extremeness(r: float, lower: float, upper: float) -> float:
    return max(r / upper, lower / r if r > 0 else np.inf)


def collapse(plan: Plan, var: str, cat: str, need: dict) -> str | None:
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
    jackknife: dict | None = None      # calfun -> R x K Lagrange multipliers of the jackknife replicates
    design: SampleUnits | None = None  # the strata and PSUs (None: one stratum, each respondent its own PSU)


@dataclass
class SampleUnits:
    """The sampling design of a weighting run: the design settings and each respondent's stratum and PSU as text
    (None where the design names none), as stored in weights.parquet."""

    settings: SampleDesign
    strata: np.ndarray | None
    psu: np.ndarray | None

    def clusters(self) -> Clusters:
        return Clusters.of(self.strata, self.psu, len(self.strata if self.strata is not None else self.psu))


CALFUN = {"bounded_raking": "logit", "raking": "raking"}
