"""Cleaning: exclusion rules from config applied in a fixed order.

Each rule is a pure function of the remaining respondents that returns a mask
of those who FAIL it. The flow table counts, per rule, how many it removed
from those still remaining; the log names each removed respondent's rule.
"""

from __future__ import annotations

import pandas as pd

from .errors import PipelineError
from .codebook import Codebook
from .ingest import DK_SUFFIX


def _fails_keep_values(frame, rule, cfg):
    return ~frame[rule["var"]].isin(rule["values"]).fillna(False).astype(bool)


def _fails_keep_at_least(frame, rule, cfg):
    v = frame[rule["var"]]
    return ~(v >= rule["min"]).fillna(False).astype(bool)


def _fails_straightline(frame, rule, cfg):
    """Same answer to every answered item in each of the named grids (at least 2 answered per grid)."""
    flags = None
    for grid in rule["grids"]:
        items = [it["var"] for it in cfg["scales"][grid]["items"]]
        block = frame[items].astype("Float64")
        answered = block.notna().sum(axis=1)
        constant = (block.max(axis=1) == block.min(axis=1)).fillna(False) & (answered >= 2)
        flags = constant if flags is None else flags & constant
    return flags.astype(bool)


def _fails_duplicate(frame, rule, cfg):
    by = rule["by"]
    order = frame.sort_values(rule["order_by"], kind="stable") if rule.get("order_by") else frame
    keyed = order[by].notna().all(axis=1)
    dup = order[by].duplicated(keep="first") & keyed
    return dup.reindex(frame.index).astype(bool)


RULES = {
    "keep_values": _fails_keep_values,
    "keep_at_least": _fails_keep_at_least,
    "straightline": _fails_straightline,
    "duplicate": _fails_duplicate,
}


def rule_variables(rule: dict, cfg: dict) -> list[str]:
    if rule["kind"] in ("keep_values", "keep_at_least"):
        return [rule["var"]]
    if rule["kind"] == "straightline":
        return [it["var"] for g in rule["grids"] for it in cfg["scales"][g]["items"]]
    if rule["kind"] == "duplicate":
        return list(rule["by"]) + ([rule["order_by"]] if rule.get("order_by") else [])
    return []


def apply_exclusions(frame: pd.DataFrame, cfg: dict, key: str = "response_id"):
    """Apply ``cfg['cleaning']['rules']`` in order.

    Returns ``(kept, flow, exclusion_log)``: the remaining respondents, a table
    (step, rule, description, removed, remaining) and one row per removed
    respondent (key, rule).
    """
    rules = cfg["cleaning"]["rules"]
    remaining = frame
    flow = [{"step": 0, "rule": "raw_export", "description": "Responses in the raw export", "removed": 0,
             "remaining": len(frame)}]
    removed_log = []
    for step, rule in enumerate(rules, 1):
        fn = RULES.get(rule["kind"])
        if fn is None:
            raise PipelineError(f"unknown exclusion rule kind {rule['kind']!r} in rule {rule['name']!r}",
                                file="config.yaml", expected=f"one of {sorted(RULES)}")
        missing = [v for v in rule_variables(rule, cfg) if v not in remaining.columns]
        if missing:
            raise PipelineError(f"exclusion rule {rule['name']!r} uses variable(s) {missing} that the codebook does not define",
                                file="config.yaml", expected="analysis variable names from the codebook")
        fails = fn(remaining, rule, cfg)
        removed_log.append(pd.DataFrame({key: remaining.loc[fails, key].astype(str).to_numpy(), "rule": rule["name"]}))
        remaining = remaining.loc[~fails]
        flow.append({"step": step, "rule": rule["name"], "description": rule.get("description", ""),
                     "removed": int(fails.sum()), "remaining": len(remaining)})
    log_df = pd.concat(removed_log, ignore_index=True) if removed_log else pd.DataFrame(columns=[key, "rule"])
    return remaining.reset_index(drop=True), pd.DataFrame(flow), log_df


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


def clean(frame: pd.DataFrame, codebook: Codebook, cfg: dict):
    key = codebook.key_var
    kept, flow, log_df = apply_exclusions(frame, cfg, key=key)
    if len(kept) == 0:
        raise PipelineError("no respondent survives the exclusion rules", file="config.yaml",
                            expected="at least one respondent after cleaning (see the exclusion flow)")
    cleaned = kept[analysis_columns(codebook, kept)].sort_values(key, kind="stable").reset_index(drop=True)
    return cleaned, flow, log_df


def flow_markdown(flow: pd.DataFrame, source_label: str, nums, file: str) -> str:
    """The exclusion flow as Markdown; every number goes through the registry collector ``nums``."""
    lines = [
        "# Exclusion flow",
        "",
        f"Data: {source_label}",
        "",
        "Rules are applied in this order; each removes respondents from those still remaining.",
        "",
        "| rule | description | removed | remaining |",
        "|---|---|---:|---:|",
    ]
    for r in flow.itertuples():
        key = f"clean.flow.{r.rule}"
        removed = "" if r.step == 0 else nums.add(f"{key}.removed", r.removed, "count", file=file,
                                                    unit="respondents")
        remaining = nums.add(f"{key}.remaining", r.remaining, "count", file=file, unit="respondents")
        lines.append(f"| {r.rule} | {r.description} | {removed} | {remaining} |")
    n = nums.add("clean.analytic_n", flow["remaining"].iloc[-1], "count", file=file, unit="respondents",
                 label="analytic sample size")
    lines += ["", f"Analytic sample: {n} respondents."]
    return "\n".join(lines) + "\n"


def exclusion_profile(frame: pd.DataFrame, log_df: pd.DataFrame, key: str, characteristics) -> pd.DataFrame:
    """Who each rule removed: counts of the removed (and of the analytic sample) by each characteristic
    (missing answers as "unknown"). Aggregates only; small cells are withheld when released."""
    rule_of = dict(zip(log_df[key].astype(str), log_df["rule"]))
    status = frame[key].astype(str).map(rule_of).fillna("analytic sample")
    rows = []
    for var in characteristics:
        if var not in frame.columns:
            continue
        values = frame[var].astype("string").fillna("unknown")
        counts = pd.crosstab(status, values)
        for rule, row in counts.iterrows():
            for cat, n in row.items():
                rows.append({"rule": rule, "variable": var, "category": str(cat), "n": int(n)})
    return pd.DataFrame(rows, columns=["rule", "variable", "category", "n"])
