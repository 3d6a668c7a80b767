"""The reproduction report's judgement of each published number, from the registry the build wrote."""

import json

import pandas as pd
import yaml
from conftest import ROOT

from scs.stages import reproduction


def test_every_published_number_is_computed_by_the_shipped_build(settings):
    """The shipped configuration states every registry key that data/published.yaml names (a key it does not
    state would be reported as not computed, which this build must never need)."""
    numbers = json.loads((ROOT / "results" / "numbers.json").read_text())["numbers"]
    contrasts = pd.read_csv(ROOT / "results" / "items" / "contrasts.csv")
    checks = yaml.safe_load((ROOT / "data" / "published.yaml").read_text())["checks"]
    rows = reproduction.evaluate(checks, numbers, contrasts, settings)
    assert len(rows) == len(checks) > 10
    assert not [r["id"] for r in rows if r["status"] == reproduction.NOT_COMPUTED]


def test_a_variant_without_a_published_term_reports_it_as_not_computed(settings, caplog):
    """A variant that drops a model term, an item or a scale which a published number refers to: that check
    reads "not computed by this configuration" (with a warning), the others are judged as usual."""
    numbers = json.loads((ROOT / "results" / "numbers.json").read_text())["numbers"]
    contrasts = pd.read_csv(ROOT / "results" / "items" / "contrasts.csv")
    checks = yaml.safe_load((ROOT / "data" / "published.yaml").read_text())["checks"]
    keyed = [c for c in checks if "key" in c]
    dropped = keyed[0]["key"]
    less = {k: v for k, v in numbers.items() if k != dropped}
    rows = reproduction.evaluate(checks, less, contrasts.iloc[:0], settings)
    by_id = {r["id"]: r for r in rows}
    assert by_id[keyed[0]["id"]]["status"] == reproduction.NOT_COMPUTED
    assert dropped in by_id[keyed[0]["id"]]["criterion"] and dropped in caplog.text
    assert all(by_id[c["id"]]["status"] == reproduction.NOT_COMPUTED for c in checks if c["kind"] == "greater")
    assert any(r["status"] == reproduction.AGREES for r in rows)


def test_the_report_says_a_number_is_not_in_the_configuration(settings):
    """The row of a published number this configuration does not compute says so in its computed column."""
    from scs.report.registry import Printed
    from scs.report.reproduction_tables import report_markdown
    from scs.stages.reproduction import reproduction_numbers

    numbers = json.loads((ROOT / "results" / "numbers.json").read_text())["numbers"]
    contrasts = pd.read_csv(ROOT / "results" / "items" / "contrasts.csv")
    checks = yaml.safe_load((ROOT / "data" / "published.yaml").read_text())["checks"]
    dropped = next(c for c in checks if "key" in c)
    rows = reproduction.evaluate(checks, {k: v for k, v in numbers.items() if k != dropped["key"]}, contrasts,
                                 settings)
    md = report_markdown(rows, settings, {}, Printed(reproduction_numbers(rows)))
    line = next(x for x in md.splitlines() if x.startswith(f"| {dropped['fact']} |"))
    assert "| not in this configuration |" in line and line.endswith("| not computed by this configuration |")
