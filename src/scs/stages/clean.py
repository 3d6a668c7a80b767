"""Cleaning: exclusion rules from config applied in a fixed order.

Each rule is a pure function of the remaining respondents that returns a mask
of those who FAIL it. The flow table counts, per rule, how many it removed
from those still remaining; the log names each removed respondent's rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scs.errors import PipelineError
from scs.io import ingest
from scs.io.codebook import DK_SUFFIX, Codebook
from scs.numbers import StatedNumbers
from scs.settings import Rule, Settings
from scs.stages.result import StageResult


def _fails_keep_values(frame, rule: Rule, s: Settings):
    return ~frame[rule.var].isin(list(rule.values)).fillna(False).astype(bool)


def _fails_keep_at_least(frame, rule: Rule, s: Settings):
    v = frame[rule.var]
    return ~(v >= rule.min).fillna(False).astype(bool)


def _fails_straightline(frame, rule: Rule, s: Settings):
    """Same answer to every answered item in each of the named grids (at least 2 answered per grid)."""
    flags = None
    for grid in rule.grids:
        items = s.scales[grid].vars
        block = frame[items].astype("Float64")
        answered = block.notna().sum(axis=1)
        constant = (block.max(axis=1) == block.min(axis=1)).fillna(False) & (answered >= 2)
        flags = constant if flags is None else flags & constant
    return flags.astype(bool)


def _fails_duplicate(frame, rule: Rule, s: Settings):
    by = list(rule.by)
    order = frame.sort_values(rule.order_by, kind="stable") if rule.order_by else frame
    keyed = order[by].notna().all(axis=1)
    dup = order[by].duplicated(keep="first") & keyed
    return dup.reindex(frame.index).astype(bool)


RULES = {
    "keep_values": _fails_keep_values,
    "keep_at_least": _fails_keep_at_least,
    "straightline": _fails_straightline,
    "duplicate": _fails_duplicate,
}


def rule_variables(rule: Rule, s: Settings) -> list[str]:
    if rule.kind in ("keep_values", "keep_at_least"):
        return [rule.var]
    if rule.kind == "straightline":
        return [v for g in rule.grids for v in s.scales[g].vars]
    if rule.kind == "duplicate":
        return list(rule.by) + ([rule.order_by] if rule.order_by else [])
    return []


def exclusion_steps(frame: pd.DataFrame, s: Settings) -> tuple[np.ndarray, pd.DataFrame]:
    """Apply the exclusion rules (``s.cleaning.rules``) in order without copying the data.

    Returns ``(removed_by, flow)``: for each row of ``frame`` the number of the rule that removed it
    (1, 2, ...; 0 = in the analytic sample) and the flow table (step, rule, description, removed,
    remaining). Row-wise rules are evaluated on the whole frame and counted among the remaining rows;
    the duplicate rule looks only at the remaining rows, as the order of the rules requires.
    """
    rules = s.cleaning.rules
    n = len(frame)
    removed_by = np.zeros(n, dtype=np.int32)
    alive = np.ones(n, dtype=bool)
    flow = [{"step": 0, "rule": "raw_export", "description": "Responses in the raw export", "removed": 0,
             "remaining": n}]
    for step, rule in enumerate(rules, 1):
        fn = RULES.get(rule.kind)
        if fn is None:
            raise PipelineError(f"unknown exclusion rule kind {rule.kind!r} in rule {rule.name!r}",
                                file=s.file, expected=f"one of {sorted(RULES)}")
        need = rule_variables(rule, s)
        missing = [v for v in need if v not in frame.columns]
        if missing:
            raise PipelineError(f"exclusion rule {rule.name!r} uses variable(s) {missing} that the codebook "
                                "does not define", file=s.file, expected="analysis variable names from the codebook")
        if rule.kind == "duplicate":
            pos = np.flatnonzero(alive)
            sub = frame[need].iloc[pos].reset_index(drop=True)
            fails = np.zeros(n, dtype=bool)
            fails[pos[np.asarray(fn(sub, rule, s), dtype=bool)]] = True
        else:
            fails = np.asarray(fn(frame[need], rule, s), dtype=bool) & alive
        removed_by[fails] = step
        alive &= ~fails
        flow.append({"step": step, "rule": rule.name, "description": rule.description or "",
                     "removed": int(fails.sum()), "remaining": int(alive.sum())})
    return removed_by, pd.DataFrame(flow)


def exclusion_log(frame: pd.DataFrame, removed_by: np.ndarray, rules: tuple[Rule, ...], key: str) -> pd.DataFrame:
    """One row per removed respondent (key, rule), in the order of the rules."""
    names = np.array([""] + [r.name for r in rules], dtype=object)
    order = np.flatnonzero(removed_by > 0)
    order = order[np.argsort(removed_by[order], kind="stable")]
    return pd.DataFrame({key: frame[key].iloc[order].reset_index(drop=True), "rule": names[removed_by[order]]})


def apply_exclusions(frame: pd.DataFrame, s: Settings, key: str):
    """Apply the exclusion rules (``s.cleaning.rules``) in order.

    Returns ``(kept, flow, exclusion_log)``: the remaining respondents, a table
    (step, rule, description, removed, remaining) and one row per removed
    respondent (key, rule).
    """
    removed_by, flow = exclusion_steps(frame, s)
    kept = frame.iloc[np.flatnonzero(removed_by == 0)].reset_index(drop=True)
    return kept, flow, exclusion_log(frame, removed_by, s.cleaning.rules, key)


def key_order(key: pd.Series) -> np.ndarray:
    """The order of the cleaned data: by the key, numerically for a numeric key, else as text."""
    if pd.api.types.is_integer_dtype(key) and not key.isna().any():
        values = key.to_numpy(dtype=np.int64)  # (exact beyond 2**53)
    elif pd.api.types.is_numeric_dtype(key):
        values = key.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = key.astype(str).to_numpy()
    return np.argsort(values, kind="stable")


def analysis_columns(codebook: Codebook, frame: pd.DataFrame) -> list[str]:
    """Columns written to the cleaned data: the key, analysis and screener variables (analysis ones
    with their "don't know" flags), and the derived variables.

    Identifying, free-text, metadata and attention columns stay behind.
    """
    keep = [codebook.key_var]
    for c in codebook.columns:
        if c["role"] in ("analysis", "screener"):
            keep.append(c["var"])
            if c["var"] + DK_SUFFIX in frame.columns:
                keep.append(c["var"] + DK_SUFFIX)
    keep += list(codebook.derived)
    return [c for c in dict.fromkeys(keep) if c in frame.columns]


def clean(frame: pd.DataFrame, codebook: Codebook, s: Settings, *, positions: bool = False):
    """The cleaned data (analysis columns, sorted by the key), the exclusion flow and log; with
    ``positions=True`` also the exclusion step of every row of ``frame`` (0 = kept)."""
    key = codebook.key_var
    removed_by, flow = exclusion_steps(frame, s)
    kept = np.flatnonzero(removed_by == 0)
    if len(kept) == 0:
        raise PipelineError("no respondent survives the exclusion rules", file=s.file,
                            expected="at least one respondent after cleaning (see the exclusion flow)")
    cols = analysis_columns(codebook, frame)
    cleaned = frame[cols].iloc[kept]
    order = key_order(cleaned[key])
    cleaned = cleaned.iloc[order].reset_index(drop=True)
    log_df = exclusion_log(frame, removed_by, s.cleaning.rules, key)
    return (cleaned, flow, log_df, removed_by) if positions else (cleaned, flow, log_df)


def flow_numbers(flow: pd.DataFrame) -> StatedNumbers:
    """The numbers of the exclusion flow: removed and remaining by rule, the analytic sample size."""
    nums = StatedNumbers()
    for r in flow.itertuples():
        if r.step != 0:
            nums.add(flow_key(r.rule, "removed"), r.removed, "count", unit="respondents")
        nums.add(flow_key(r.rule, "remaining"), r.remaining, "count", unit="respondents")
    nums.add(ANALYTIC_N, flow["remaining"].iloc[-1], "count", unit="respondents", label="analytic sample size")
    return nums


def flow_key(rule: str, stat: str) -> str:
    return f"clean.flow.{rule}.{stat}"


ANALYTIC_N = "clean.analytic_n"


def exclusion_profile(frame: pd.DataFrame, removed_by: np.ndarray, rules: tuple[Rule, ...], characteristics) -> pd.DataFrame:
    """Who each rule removed: counts of the removed (and of the analytic sample) by each characteristic
    (missing answers as "unknown"). Aggregates only; small cells are withheld when released.
    ``removed_by``: the exclusion step of every row (0 = analytic sample), from :func:`exclusion_steps`."""
    names = np.array(["analytic sample"] + [r.name for r in rules], dtype=object)
    rows = []
    for var in characteristics:
        if var not in frame.columns:
            continue
        values = frame[var].astype("string").fillna("unknown")
        codes, cats = pd.factorize(values, sort=False)
        counts = np.bincount(removed_by.astype(np.int64) * len(cats) + codes,
                             minlength=len(names) * len(cats)).reshape(len(names), len(cats))
        present = np.flatnonzero(counts.sum(axis=1) > 0)
        # the layout of pd.crosstab: statuses and categories in sorted order
        for i in sorted(present, key=lambda i: names[i]):
            for j in np.argsort(np.asarray(cats, dtype=str), kind="stable"):
                rows.append({"rule": names[i], "variable": var, "category": str(cats[j]), "n": int(counts[i, j])})
    return pd.DataFrame(rows, columns=["rule", "variable", "category", "n"])


def check_scales_answered(frame: pd.DataFrame, codebook: Codebook, s: Settings, *, file: str) -> None:
    """One clear line when nobody in ``frame`` (the analytic sample) has a scale's index: no respondent gave
    ``min_answered`` substantive answers to its items (a missing code such as "don't know" and a blank are
    not), so that every table and model of the scale would be empty. ``file``: the raw export."""
    n = len(frame)
    for name, sc in s.scales.items():
        items = [v for v in sc.vars if v in frame.columns]  # (an unknown item is reported where it is used)
        if not items:
            continue
        answered = frame[items].notna().sum(axis=1).to_numpy()
        need = min(sc.min_answered, len(items))
        if (answered >= need).any():
            continue
        cols = ", ".join(str(codebook.by_var[v]["id"]) if v in codebook.by_var else v for v in items)
        most = int(answered.max()) if n else 0
        what = (f"gave a substantive answer to any of the {len(items)} {name} items (columns {cols}): every answer "
                "is a missing code (such as \"don't know\") or blank" if most == 0 else
                f"answered {need} of the {len(items)} {name} items (columns {cols}) substantively (at most {most})")
        raise PipelineError(f"nobody in the analytic sample ({n:,}) {what}, so nobody has the {name} index",
                            file=file, expected=f"at least {need} substantive answers (scales.{name}.min_answered in "
                            f"{s.file}) from some respondents: check these columns and their missing codes in the "
                            "codebook")


def run(frame: pd.DataFrame, codebook: Codebook, s: Settings, *, file: str) -> StageResult:
    """The cleaning stage on a checked export (:func:`scs.io.ingest.checked_export`, or the frame that
    :func:`scs.io.ingest.ingest` returns): the exclusion rules in order, then the check that every kept
    respondent answered each grid of a straight-lining rule (``file``: the raw export, named in errors).

    Tables: ``data`` (analysis columns of the kept respondents, sorted by the key), ``flow`` (step, rule,
    description, removed, remaining), ``excluded`` (one row per removed respondent: key, rule), ``profile``
    (who each rule removed, by the weighting variables: counts). Numbers: those of ``flow``. Diagnostics:
    ``removed_by``, the exclusion step of every row of the export (0 = kept). Stops when nobody in the
    analytic sample has a scale's index (:func:`check_scales_answered`)."""
    cleaned, flow, excluded, removed_by = clean(frame, codebook, s, positions=True)
    kept = np.flatnonzero(removed_by == 0)
    check_scales_answered(cleaned, codebook, s, file=file)
    grids = {g: s.scales[g] for rule in s.cleaning.rules for g in rule.grids}
    items = [v for g in grids.values() for v in g.vars]
    blank = ingest.blank_in_frame(frame, items).iloc[kept].reset_index(drop=True)
    rows = ingest.row_labels(frame.iloc[kept])
    ingest.check_answered(frame.iloc[kept][[codebook.key_var]].reset_index(drop=True), blank, file, rows,
                          {g: sc.vars for g, sc in grids.items()}, codebook.key_var)
    profile = exclusion_profile(frame, removed_by, s.cleaning.rules, s.weighting.variables)
    return StageResult(tables={"data": cleaned, "flow": flow, "excluded": excluded, "profile": profile},
                       numbers={"flow": flow_numbers(flow)}, diagnostics={"removed_by": removed_by})
