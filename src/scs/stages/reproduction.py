"""The reproduction report: each published number or pattern beside the computed one, judged with its CI.

Every claim is judged with the interval of the computed quantity, never by its point estimate alone:

* a direction or an ordering agrees only when the interval lies on the claimed side; a right point
  estimate whose interval covers the boundary gets its own status;
* a published value (``value``) agrees when the computed one is within the tolerance (the rounding of
  the publication); a point outside it whose interval still covers the published value is reported as
  such, and only an interval that excludes it DIFFERS;
* "near" a value (``near``: "mixed feelings", "limited association") is an equivalence claim: it agrees
  when the whole interval lies within the tolerance band (two one-sided tests), DIFFERS when the
  interval lies wholly outside the band, and is "not established" when the interval crosses an edge of the band.

Orderings of items are judged with design-based paired contrasts (difference of the two means, its SE
and CI), never by comparing two point estimates.
"""

from __future__ import annotations

import logging

import pandas as pd

from scs.numbers import StatedNumbers
from scs.settings import Settings
from scs.stages.result import StageResult

NO_ESTIMATE = "no estimate (no answers)"
NOT_COMPUTED = "not computed by this configuration"
AGREES = "agrees"
NOT_SIGNIFICANT = "direction only, not significant"
WITHIN_CI = "point differs, published value within the CI"
NOT_ESTABLISHED = "not established (the CI crosses the edge of the band)"
DIFFERS = "DIFFERS"
STATUSES = (AGREES, NOT_SIGNIFICANT, WITHIN_CI, NOT_ESTABLISHED, DIFFERS, NO_ESTIMATE, NOT_COMPUTED)


class NotComputed(Exception):
    """A published number whose registry key this configuration's build does not state (a variant without
    the model term, the item or the scale it refers to)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _num(numbers: dict, key: str) -> dict:
    if key not in numbers:
        stem = key.rsplit(".", 1)[0]
        if numbers.get(f"{stem}.n", {}).get("value") == 0:  # an item nobody answered: no estimate
            return {"value": None, "ci_low": None, "ci_high": None}
        raise NotComputed(key)
    e = numbers[key]
    ci = e.get("ci") or [None, None]
    return {"value": e["value"], "ci_low": ci[0], "ci_high": ci[1]}


def _contrast(con: pd.DataFrame, a: str, b: str) -> dict:
    """a - b from the pairwise contrasts (either order)."""
    r = con[(con["first"] == a) & (con["second"] == b)]
    sign = 1.0
    if r.empty:
        r = con[(con["first"] == b) & (con["second"] == a)]
        sign = -1.0
    if r.empty:
        raise NotComputed(f"contrast {a} - {b}")
    r = r.iloc[0]
    lo, hi = sorted((sign * r["ci_low"], sign * r["ci_high"]))
    return {"value": sign * r["difference"], "se": r["se"], "ci_low": lo, "ci_high": hi}


def _side(x: dict, bound: float, above: bool) -> str:
    """agrees when the interval lies on the claimed side of ``bound``; point only: its own status."""
    v, lo, hi = x["value"], x["ci_low"], x["ci_high"]
    if v is None or v != v:
        return NO_ESTIMATE
    point = v > bound if above else v < bound
    if not point:
        return DIFFERS
    if lo is None or hi is None:
        return NOT_SIGNIFICANT
    return AGREES if ((lo > bound) if above else (hi < bound)) else NOT_SIGNIFICANT


def _value(x: dict, published: float, tol: float) -> str:
    """A published value: within the tolerance; else whether the interval still covers it."""
    v, lo, hi = x["value"], x["ci_low"], x["ci_high"]
    if v is None or v != v:
        return NO_ESTIMATE
    if abs(v - published) <= tol + 1e-12:
        return AGREES
    if lo is not None and hi is not None and lo - tol <= published <= hi + tol:
        return WITHIN_CI
    return DIFFERS


def _near(x: dict, published: float, tol: float) -> str:
    """Equivalence: the interval within [published - tol, published + tol] (two one-sided tests at the
    level of the interval's two tails); wholly outside: differs; else not established."""
    v, lo, hi = x["value"], x["ci_low"], x["ci_high"]
    if v is None or v != v:
        return NO_ESTIMATE
    band_lo, band_hi = published - tol, published + tol
    if lo is None or hi is None:
        return NOT_ESTABLISHED if band_lo <= v <= band_hi else DIFFERS
    if band_lo <= lo and hi <= band_hi:
        return AGREES
    if hi < band_lo or lo > band_hi:
        return DIFFERS
    return NOT_ESTABLISHED


def _worst(statuses: list[str]) -> str:
    for s in (DIFFERS, NO_ESTIMATE, NOT_ESTABLISHED, WITHIN_CI, NOT_SIGNIFICANT):
        if s in statuses:
            return s
    return AGREES


def evaluate(checks: list[dict], numbers: dict, contrasts: pd.DataFrame, s: Settings) -> list[dict]:
    """One row per check: the computed quantity with its CI, the criterion and a status."""
    rows = []
    for c in checks:
        row = {"id": c["id"], "fact": c["fact"], "source": c["source"], "published": c.get("published"),
               "kind": c["kind"], "format": c.get("format", "mean")}
        try:
            _evaluate_one(c, row, numbers, contrasts, s)
        except NotComputed as e:
            logging.warning("WARNING: published number %r: this configuration states no %s; not compared",
                            c["id"], e.key)
            row.update(computed={"value": None, "ci_low": None, "ci_high": None},
                       criterion=f"the build states no number {e.key}", status=NOT_COMPUTED)
        rows.append(row)
    return rows


def _name(s: Settings, var: str) -> str:
    """What a reader knows a scale or an item by: its configured label (the variable's name if it has none)."""
    if var in s.scales:
        return s.scales[var].label or var
    return next((it.label for sc in s.scales.values() for it in sc.items if it.var == var and it.label), var)


def _evaluate_one(c: dict, row: dict, numbers: dict, contrasts: pd.DataFrame, s: Settings) -> None:
    """The computed quantity, criterion and status of one check (into ``row``)."""
    kind = c["kind"]
    if kind == "value":
        x = _num(numbers, c["key"])
        row.update(computed=x, difference=None if x["value"] is None else x["value"] - c["published"],
                   criterion=(f"computed within {c['tolerance']:g} of the published value"
                              + (" (or the published value within the CI)" if x["ci_low"] is not None else "")),
                   status=_value(x, c["published"], c["tolerance"]))
    elif kind == "near":
        x = _num(numbers, c["key"])
        pub, tol = c["published"], c["tolerance"]
        row.update(computed=x, difference=None if x["value"] is None else x["value"] - pub,
                   criterion=f"equivalence: the CI within [{pub - tol:g}, {pub + tol:g}]",
                   status=_near(x, pub, tol))
    elif kind == "above":
        x = _num(numbers, c["key"])
        row.update(computed=x, criterion=f"CI above {c['published']:g}", status=_side(x, c["published"], True))
    elif kind in ("negative", "positive"):
        x = _num(numbers, c["key"])
        row.update(computed=x, criterion=f"CI {'below' if kind == 'negative' else 'above'} 0",
                   status=_side(x, 0.0, kind == "positive"))
    elif kind == "greater":
        d = _contrast(contrasts, c["item"], c["than"])
        row.update(computed=d, compared="difference",
                   criterion=f"{_name(s, c['item'])} minus {_name(s, c['than'])}: CI above 0",
                   status=_side(d, 0.0, True))
    elif kind in ("highest", "lowest"):
        if c["scale"] not in s.scales:
            raise NotComputed(f"scale {c['scale']}")
        items = [v for v in s.scales[c["scale"]].vars if v != c["item"]]
        diffs = {o: _contrast(contrasts, c["item"], o) for o in items}
        statuses = [_side(d, 0.0, kind == "highest") for d in diffs.values()]
        known = [o for o in diffs if diffs[o]["value"] == diffs[o]["value"]] or list(diffs)
        closest = min(known, key=lambda o: abs(diffs[o]["value"]))
        row.update(computed=diffs[closest], compared="difference",
                   criterion=(f"{_name(s, c['item'])} minus every other item of the {_name(s, c['scale'])}: every CI "
                              f"{'above' if kind == 'highest' else 'below'} 0 (shown: the closest, {_name(s, closest)})"),
                   status=_worst(statuses))
    elif kind == "only_below":
        if c["scale"] not in s.scales:
            raise NotComputed(f"scale {c['scale']}")
        items = s.scales[c["scale"]].vars
        vals = {i: _num(numbers, f"items.{i}.mean") for i in items}
        statuses = [_side(vals[i], c["published"], i != c["item"]) for i in items
                    if vals[i]["value"] is not None or i == c["item"]]
        others = [i for i in items if i != c["item"] and vals[i]["value"] is not None]
        closest = min(others, key=lambda i: abs(vals[i]["value"] - c["published"]))
        row.update(computed=vals[c["item"]],
                   criterion=(f"the CI of {_name(s, c['item'])} below {c['published']:g} and of every other item "
                              "above it "
                              f"(closest other: {_name(s, closest)}, {vals[closest]['value']:.2f} "
                              f"[{vals[closest]['ci_low']:.2f}, {vals[closest]['ci_high']:.2f}])"),
                   status=_worst(statuses))
    else:
        raise ValueError(f"unknown check kind {kind!r} in published.yaml")


def should_compare(s: Settings) -> bool:
    setting = s.reproduction.compare
    return s.data.source == "synthetic" if setting == "auto" else bool(setting)


# the statuses the report counts, under their registry keys (reproduction.<key>)
COUNTED = ((NOT_SIGNIFICANT, "not_significant"), (WITHIN_CI, "within_ci"), (NOT_ESTABLISHED, "not_established"),
           (DIFFERS, "differ"))


def reproduction_key(stat: str, check: str | None = None) -> str:
    return f"reproduction.{stat}" if check is None else f"reproduction.{check}.{stat}"


def compared_kind(row: dict) -> str:
    """The kind of the computed number of a check (a difference is a coefficient)."""
    return "coef" if row.get("compared") == "difference" else row["format"]


def reproduction_numbers(rows: list[dict] | None) -> StatedNumbers:
    """How many checks agree (and fall in each other status), and each check's published and computed
    number with the computed one's interval."""
    nums = StatedNumbers()
    if rows is None:
        return nums
    counts = {s: sum(r["status"] == s for r in rows) for s in STATUSES}
    for status, key in COUNTED:
        nums.add(reproduction_key(key), counts[status], "count")
    nums.add(reproduction_key("agree"), counts[AGREES], "count")
    nums.add(reproduction_key("checks"), len(rows), "count")
    for r in rows:
        x, kind = r["computed"], compared_kind(r)
        if r["published"] is not None:
            nums.add(reproduction_key("published", r["id"]), r["published"], r["format"])
        if x["value"] is not None:
            nums.add(reproduction_key("computed", r["id"]), x["value"], kind)
        if x["ci_low"] is not None:
            nums.add(reproduction_key("ci_low", r["id"]), x["ci_low"], kind)
            nums.add(reproduction_key("ci_high", r["id"]), x["ci_high"], kind)
    return nums


def run(checks: list[dict], numbers: dict, contrasts: pd.DataFrame, s: Settings) -> StageResult:
    """The reproduction stage: each published check beside the computed number, when the configuration
    compares (:func:`should_compare`). Table and numbers: ``report`` (no rows: no comparison made);
    diagnostics: ``rows`` (the checks as dicts, None when no comparison was made)."""
    rows = evaluate(checks, numbers, contrasts, s) if should_compare(s) else None
    return StageResult(tables={"report": pd.DataFrame(rows or [])}, numbers={"report": reproduction_numbers(rows)},
                       diagnostics={"rows": rows})
