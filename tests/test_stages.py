"""The contract of a stage: run(inputs, settings) -> StageResult (tables, the numbers each table prints,
diagnostics); the adapters write the registry from the result; the in-memory path gives the numbers the
rules wrote."""

import ast
import inspect
import json
import re

import pytest
from conftest import ROOT

from scs.numbers import StatedNumbers
from scs.report.registry import Numbers
from scs.stages import clean, descriptives, indices, items, models, multiverse, reproduction, weights
from scs.stages.result import StageResult

STAGE_RUNS = [clean.run, weights.run, indices.run, items.run, descriptives.run, models.run_regressions,
              models.run_robustness, models.run_ordered, multiverse.run, reproduction.run]


@pytest.mark.parametrize("fn", STAGE_RUNS, ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_every_stage_function_returns_a_stage_result_and_takes_settings(fn):
    sig = inspect.signature(fn)
    assert sig.return_annotation in ("StageResult", StageResult)
    assert "s" in sig.parameters and sig.parameters["s"].annotation in ("Settings", "Settings")


def test_adapters_write_the_registry_from_a_stage_result():
    """No adapter builds registry entries itself: each passes a stage result and the file of each of its
    tables (scripts/_common.write_numbers)."""
    for p in sorted((ROOT / "scripts").glob("*.py")):
        text = p.read_text(encoding="utf-8")
        if p.name == "_common.py":
            continue
        tree = ast.parse(text)
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        assert not [c for c in calls if c.func.id == "Numbers"], p.name
        for c in calls:
            if c.func.id == "write_numbers":
                rule = c.args[1].value
                assert re.search(rf'rule {rule}:', "".join(f.read_text() for f in (ROOT / "workflow" / "rules").glob(
                    "*.smk"))), (p.name, rule)


def test_a_table_whose_numbers_have_no_file_is_an_error():
    nums = StatedNumbers()
    nums.add("x.mean", 1.0, "mean")
    result = StageResult(tables={}, numbers={"table": nums})
    with pytest.raises(ValueError, match=r"no file given for the numbers of table\(s\) \['table'\]"):
        Numbers("rule").take_result(result, {"other": "out.md"})
    assert Numbers("rule").take_result(result, {"table": "out.md"}).entries["x.mean"]["file"] == "out.md"


def committed_keys(rule: str) -> set[str]:
    return set(json.loads((ROOT / "results" / "numbers" / f"{rule}.json").read_text())["numbers"])


def test_in_memory_stages_state_the_numbers_the_rules_wrote(stand_in, settings):
    """The stage functions that the tests, benchmarks and multiverse call in memory are the ones the rules
    call: on the shipped file they state exactly the registry keys the committed fragments hold."""
    w = stand_in.design().weight
    got = {
        "indices": indices.run(stand_in.frame, w, settings),
        "item_estimates": items.run(stand_in.design(variance="jackknife"), stand_in.frame, settings),
        "descriptives": descriptives.run(stand_in.frame, w, settings),
        "regressions": models.run_regressions(stand_in.design(variance="jackknife"), stand_in.frame, settings),
    }
    for rule, result in got.items():
        keys = set(result.numbers_frame()["key"])
        assert keys == committed_keys(rule), rule
    est = got["item_estimates"]
    stored = json.loads((ROOT / "results" / "numbers" / "item_estimates.json").read_text())["numbers"]
    assert est.numbers["estimates"]["items.surveillance.mean"].value == pytest.approx(
        stored["items.surveillance.mean"]["value"], rel=1e-6)
