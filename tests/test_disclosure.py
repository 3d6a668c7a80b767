"""Small-cell suppression in released tables and in the registry."""

import pandas as pd

from scs.report import item_tables, registry, weight_tables
from scs.report.registry import Numbers, Printed
from scs.settings import Verify, from_config
from scs.stages import items, weight_diagnostics

CFG = from_config({"data": {"label": "label", "source": "synthetic"}, "disclosure": {"min_cell": 10},
                   "weighting": {"method": "raking"}, "design": {},
                   "estimates": {"ci_level": 0.95}, "response_scale": {"support": [4, 5], "oppose": [1, 2]},
                   "scales": {"surveillance": {"label": "Surveillance index"}}})
DATA = CFG.data
RECORD = {"method": "bounded_raking", "plan": {"lower": 0.2, "upper": 5.0, "adjustments": [], "margins": [
    {"variable": "region", "categories": ["East", "Northeast"], "shares": [0.9, 0.1], "members": {}}]},
          "replicates": {"n": 0}}


def test_small_margin_cells_are_suppressed_and_reported():
    margins = pd.DataFrame({"variable": ["region", "region"], "category": ["East", "Northeast"],
                            "target": [0.9, 0.1], "unweighted": [0.995, 0.005], "weighted": [0.9, 0.1],
                            "n": [995, 5], "status": ["U", "U"], "error": [0.0, 0.0]})
    stated = weight_diagnostics.weight_numbers(margins, {"n": 1000}, min_cell=10)
    md = weight_tables.diagnostics_markdown(margins, {"n": 1000}, RECORD, CFG, Printed(stated, min_cell=10))
    nums = Numbers("weights").take(stated, file="results/weights/diagnostics.md", min_cell=10)
    row = next(l for l in md.splitlines() if "| Northeast |" in l)
    assert row == "| region | Northeast | 0.100 | <10 | 0.100 | <10 | U |"
    assert "0.005" not in md and "| 5 |" not in md
    e = nums.entries["weights.margin.region.Northeast.n"]
    assert e["value"] is None and e["formatted"] == "<10" and e["suppressed"]
    assert nums.entries["weights.margin.region.East.n"]["value"] == 995
    reg = registry.merge([nums.fragment(inputs={}, data=DATA, config_sha256="0" * 64)], DATA, "0" * 64)
    report = registry.disclosure_markdown(reg, 10)
    assert "2 cell(s) suppressed" in report and "weights.margin.region.Northeast.n" in report


def test_item_rows_below_the_minimum_are_withheld():
    est = pd.DataFrame([{"scale": "surveillance", "var": "s_x", "label": "Rare item", "kind": "item", "n": 7,
                         "n_dk": 1, "mean_unweighted": 4.1, "mean": 4.2, "se": 0.3, "ci_low": 3.6,
                         "ci_high": 4.8, "df": 6, "se_boot": 0.31, "pct_support": 71.4, "pct_support_se": 9.0,
                         "pct_oppose": 0.0, "pct_oppose_se": 0.0, "pct_dk": 12.5, "pct_dk_se": 3.0}])
    stated = items.estimate_numbers(est, min_cell=10)
    md = item_tables.estimates_markdown(est, CFG, Printed(stated, min_cell=10))
    assert all(stated[k].value is None for k in stated.entries)
    row = next(l for l in md.splitlines() if "Rare item" in l)
    assert row.count("<10") == 9 and "4.20" not in md and "71.4" not in md and "12.5" not in md


def test_a_suppression_change_counts_as_drift():
    reg = {"numbers": {"k": {"value": None, "formatted": "<10"}}}
    pins = {"numbers": {"k": {"value": 12.0, "formatted": "12"}}}
    rows = registry.compare(reg, pins, {}, {}, Verify(pins="auto", default_abs=0.0, default_rel=0.0, tolerances=()))
    assert rows and rows[0]["difference"] == "suppression changed"


def test_released_csv_tables_withhold_small_cells():
    df = pd.DataFrame({"category": ["a", "b"], "n": [50, 3], "share": [0.94, 0.06]})
    out = registry.withhold_small_cells(df, "n", ["n", "share"], 10)
    assert out.loc[1, "n"] == "<10" and out.loc[1, "share"] == "<10"
    assert out.loc[0, "n"] == 50 and out.loc[0, "share"] == 0.94
    assert df.loc[1, "n"] == 3  # the input is not modified


def test_an_empty_cell_is_zero_in_the_table_the_csv_and_the_registry():
    """A cell of no respondents reveals no one: it reads 0 wherever it is printed, as the registry states it;
    a cell of one to min_cell - 1 respondents is withheld in both."""
    from scs.numbers import small_cell
    from scs.report.registry import withhold_small_cells

    est = pd.DataFrame([{"scale": "surveillance", "var": v, "label": v, "kind": "item", "n": n, "n_dk": 0,
                         "mean_unweighted": m, "mean": m, "se": 0.1, "ci_low": m, "ci_high": m, "df": 5,
                         "se_boot": 0.1, "pct_support": 50.0, "pct_support_se": 1.0, "pct_support_ci_low": 48.0,
                         "pct_support_ci_high": 52.0, "pct_oppose": 50.0, "pct_oppose_se": 1.0,
                         "pct_oppose_ci_low": 48.0, "pct_oppose_ci_high": 52.0, "pct_dk": 0.0, "pct_dk_se": 0.0}
                        for v, n, m in (("s_none", 0, float("nan")), ("s_few", 3, 4.0), ("s_many", 30, 3.0))])
    stated = items.estimate_numbers(est, min_cell=10)
    csv = withhold_small_cells(est, "n", ["n", "mean", "se"], 10).set_index("var")
    assert stated["items.s_none.n"].value == 0 and csv.loc["s_none", "n"] == 0
    assert stated["items.s_few.n"].value is None and csv.loc["s_few", "n"] == "<10"
    assert stated["items.s_many.n"].value == 30 and csv.loc["s_many", "n"] == 30
    assert list(small_cell(pd.Series([0, 1, 9, 10]), 10)) == [False, True, True, False]
