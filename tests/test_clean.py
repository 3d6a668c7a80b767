"""Every exclusion rule on tiny fixtures, and the flow on the shipped file."""

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_frame

from scs.errors import PipelineError
from scs.settings import Rule, from_config
from scs.stages import clean


def mini_cfg(rules, cfg):
    c = copy.deepcopy(cfg)
    c["cleaning"]["rules"] = rules
    return from_config(c)


def test_keep_values_removes_other_codes_and_missing(cfg):
    f = tiny_frame(status=pd.array([0, 1, 0, None, 8], dtype="Int64"))
    rules = [{"name": "preview", "kind": "keep_values", "var": "status", "values": [0]}]
    kept, flow, log = clean.apply_exclusions(f, mini_cfg(rules, cfg), key="response_id")
    assert list(kept.response_id) == ["R_0", "R_2"]
    assert list(log.response_id) == ["R_1", "R_3", "R_4"]
    assert flow.removed.tolist() == [0, 3] and flow.remaining.tolist() == [5, 2]


def test_keep_at_least_is_inclusive_and_drops_missing(cfg):
    f = tiny_frame(age_years=pd.array([17, 18, 19, None], dtype="Int64"))
    rules = [{"name": "under_18", "kind": "keep_at_least", "var": "age_years", "min": 18}]
    kept, _, _ = clean.apply_exclusions(f, mini_cfg(rules, cfg), key="response_id")
    assert list(kept.age_years) == [18, 19]


def test_straightline_needs_every_grid_constant(cfg):
    s_items = [it["var"] for it in cfg["scales"]["surveillance"]["items"]]
    p_items = [it["var"] for it in cfg["scales"]["punishment"]["items"]]
    rows = {
        "all_fours": ([4] * 8, [4] * 7),
        "grid1_only": ([4] * 8, [4, 4, 4, 4, 4, 4, 3]),
        "with_dk": ([5] * 7 + [None], [5] * 7),  # "don't know" is missing: still a straight-liner
        "varied": ([1, 2, 3, 4, 5, 1, 2, 3], [1, 2, 3, 4, 5, 1, 2]),
        "diff_constants": ([2] * 8, [4] * 7),  # constant within each grid: flagged
    }
    data = {v: [] for v in s_items + p_items}
    for s_vals, p_vals in rows.values():
        for v, x in zip(s_items, s_vals):
            data[v].append(x)
        for v, x in zip(p_items, p_vals):
            data[v].append(x)
    f = tiny_frame(**{k: pd.array(v, dtype="Int64") for k, v in data.items()})
    rule = Rule(name="sl", kind="straightline", grids=("surveillance", "punishment"))
    fails = clean.RULES["straightline"](f, rule, from_config(cfg))
    assert fails.tolist() == [True, False, True, False, True]


def test_duplicate_keeps_earliest_and_ignores_missing_ids(cfg):
    f = tiny_frame(
        panel_id=pd.array(["A", "B", "A", None, None, "B"], dtype="string"),
        start_date=pd.to_datetime(["2020-02-01", "2020-01-05", "2020-01-10", "2020-01-01", "2020-01-02",
                                   "2020-03-01"]),
    )
    rules = [{"name": "dup", "kind": "duplicate", "by": ["panel_id"], "order_by": "start_date"}]
    kept, _, log = clean.apply_exclusions(f, mini_cfg(rules, cfg), key="response_id")
    # A: R_2 (Jan 10) is earlier than R_0 (Feb 1), so R_0 goes; B: R_1 kept, R_5 goes
    assert sorted(log.response_id) == ["R_0", "R_5"]
    assert sorted(kept.response_id) == ["R_1", "R_2", "R_3", "R_4"]


def test_rules_apply_in_order_and_count_only_remaining(cfg):
    f = tiny_frame(status=pd.array([1, 1, 0, 0], dtype="Int64"), consent=pd.array([2, 1, 2, 1], dtype="Int64"))
    rules = [{"name": "preview", "kind": "keep_values", "var": "status", "values": [0]},
             {"name": "consent", "kind": "keep_values", "var": "consent", "values": [1]}]
    _, flow, log = clean.apply_exclusions(f, mini_cfg(rules, cfg), key="response_id")
    assert flow.removed.tolist() == [0, 2, 1]
    assert dict(zip(log.response_id, log.rule)) == {"R_0": "preview", "R_1": "preview", "R_2": "consent"}


def test_rule_with_unknown_variable_is_a_clear_error(cfg):
    f = tiny_frame(status=pd.array([0], dtype="Int64"))
    rules = [{"name": "oops", "kind": "keep_values", "var": "no_such_var", "values": [0]}]
    with pytest.raises(PipelineError, match="no_such_var"):
        clean.apply_exclusions(f, mini_cfg(rules, cfg), key="response_id")


def test_no_survivor_is_a_clear_error(cfg, codebook, shipped_frame):
    c = copy.deepcopy(cfg)
    c["cleaning"]["rules"].append({"name": "nobody", "kind": "keep_at_least", "var": "age_years", "min": 1000})
    with pytest.raises(PipelineError, match="no respondent survives"):
        clean.clean(shipped_frame, codebook, from_config(c))


def test_shipped_file_flow_ends_at_1173_with_every_rule_biting(cfg, codebook, shipped_frame):
    cleaned, flow, log = clean.clean(shipped_frame, codebook, from_config(cfg))
    assert len(cleaned) == 1173
    assert flow.remaining.iloc[-1] == 1173
    assert flow.remaining.iloc[0] == len(shipped_frame)
    assert (flow.removed.iloc[1:] > 0).all(), flow
    assert flow.removed.sum() == len(log) == len(shipped_frame) - 1173
    assert list(flow.rule.iloc[1:]) == [r["name"] for r in cfg["cleaning"]["rules"]]
    # nothing identifying leaves the cleaning stage
    for col in ["ip_address", "latitude", "longitude", "panel_id", "comments", "recipient_email", "start_date"]:
        assert col not in cleaned.columns
    assert cleaned.response_id.is_unique
    assert np.all(cleaned.age_years >= 18)


def test_a_scale_nobody_answered_substantively_stops_with_one_line(cfg, codebook, shipped_frame):
    """Every surveillance answer "don't know" (a missing code): nobody has the index, so cleaning stops and names
    the scale, its columns and the rule it needs, rather than a model failing later for want of respondents."""
    frame = shipped_frame.copy()
    for it in cfg["scales"]["surveillance"]["items"]:
        frame[it["var"]] = pd.array([pd.NA] * len(frame), dtype="Int64")
    # (1,211: without answers the straight-liners are no longer found)
    with pytest.raises(PipelineError, match=r"^raw.csv: nobody in the analytic sample \(1,211\) gave a substantive "
                                            r"answer to any of the 8 surveillance items \(columns Q17_1, Q17_2, .*Q17_8\): "
                                            r"every answer is a missing code .*; expected at least 6 substantive answers "
                                            r"\(scales.surveillance.min_answered in config.yaml\)"):
        clean.run(frame, codebook, from_config(cfg), file="raw.csv")
    # some answers, but nobody reaches min_answered: said with the most anyone gave
    frame["s_jobs"] = shipped_frame["s_jobs"]
    with pytest.raises(PipelineError, match=r"nobody in the analytic sample \(1,211\) answered 6 of the 8 surveillance "
                                            r"items \(columns .*\) substantively \(at most 1\)"):
        clean.run(frame, codebook, from_config(cfg), file="raw.csv")
    assert len(clean.run(shipped_frame, codebook, from_config(cfg), file="raw.csv")["data"]) == 1173
