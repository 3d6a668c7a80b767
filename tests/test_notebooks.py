"""The notebooks: numbers printed as the tables print them, categories in the codebook's order, withheld
cells shown as withheld and kept in the base of every share, and every figure read in a sentence whose
numbers are the registry's. The helpers are tested on small inputs; the executed notebooks of a full
build (the `built` fixture) are read as a reader sees them."""

import json
import re

import matplotlib
import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from scs.report import notebooks as nb
from scs.report.registry import FORMATS
from scs.settings import from_config

matplotlib.use("Agg")

NOTEBOOKS = ["01_data_cleaning", "02_weights", "03_indices_items", "04_models"]
# the most decimals a number of the tables has (scs.report.registry.FORMATS: coef, se, share, alpha, p)
MAX_DECIMALS = max(int(m) for f in FORMATS.values() for m in re.findall(r"\.(\d)f", f))
NUMBER = re.compile(r"(?<![\w.\-])[-\u2212]?\d[\d,]*(?:\.(\d+))?(?![\w.])")


# --------------------------------------------------------------------------- the helpers
def test_a_table_prints_each_kind_as_the_registry_does():
    df = pd.DataFrame({"label": ["Switching jobs", "Protests"], "mean": [2.750423, 3.149074],
                       "se": [0.0448114, 0.04360926], "pct": [27.23101, 41.55743], "p": [0.0143, 3e-5],
                       "n": ["1137", "<10"], "count": pd.array([76, None], dtype="Int64"), "ok": [True, False]})
    out = nb.formatted(df, kinds={"mean": "mean", "se": "se", "pct": "pct", "p": "p", "n": "count"})
    assert out.to_dict("list") == {
        "label": ["Switching jobs", "Protests"], "mean": ["2.75", "3.15"], "se": ["0.045", "0.044"],
        "pct": ["27.2", "41.6"], "p": ["0.014", "<0.001"], "n": ["1,137", "<10"], "count": ["76", ""],
        "ok": ["yes", "no"]}
    assert nb.numeric_columns(df, {"mean": "mean"}) == ["mean", "count", "ok"]


@pytest.mark.parametrize("column", [[0.5, 1.25], [1.0, None], ["a", 2.5]])
def test_a_column_of_numbers_without_a_kind_is_refused(column):
    with pytest.raises(ValueError, match="holds numbers"):
        nb.formatted(pd.DataFrame({"x": column}))


def test_a_kind_must_be_one_of_the_registrys():
    with pytest.raises(ValueError, match="unknown kind"):
        nb.formatted(pd.DataFrame({"x": [1.5]}), kinds={"x": "percent"})
    with pytest.raises(ValueError, match="does not have"):
        nb.formatted(pd.DataFrame({"x": [1.5]}), kinds={"x": "mean", "y": "mean"})


def test_the_codebook_gives_the_order_of_the_categories(codebook):
    assert codebook.categories("educ4") == ["primary_or_below", "junior_secondary", "senior_secondary",
                                            "college_plus"]
    assert codebook.categories("age_group") == ["18-29", "30-39", "40-49", "50-59", "60+"]
    assert codebook.categories("sex") == ["male", "female"]
    assert codebook.categories("sex_code") == [1, 2]
    assert codebook.categories("ccp_or_state") == [0, 1]
    assert codebook.categories("age_years") == [] and codebook.categories("no_such_variable") == []


def test_categories_sort_in_the_codebooks_order_with_unknown_last(codebook):
    alphabetical = ["college_plus", "junior_secondary", "primary_or_below", "senior_secondary", "unknown"]
    assert nb.in_codebook_order(["unknown", *alphabetical[:4]], codebook.categories("educ4")) == \
        ["primary_or_below", "junior_secondary", "senior_secondary", "college_plus", "unknown"]
    # codes read from a CSV are text; one the codebook does not list comes after the listed ones
    assert nb.in_codebook_order(["2", "other", "1", "unknown"], codebook.categories("sex_code")) == \
        ["1", "2", "other", "unknown"]


def test_a_long_label_is_wrapped_between_words():
    text = "Screened out: does not live in a city or county town in mainland China"
    lines = nb.wrap(text, 20).split("\n")
    assert len(lines) > 2 and all(len(line) <= 20 for line in lines)
    assert " ".join(lines) == text  # no word cut, none lost


def test_the_parameters_keep_the_configurations_order_and_its_words():
    from nbformat.v4 import new_code_cell, new_notebook

    note = new_notebook(cells=[new_code_cell("CFG = {}", metadata={"tags": ["parameters"]})])
    cfg = {"scales": {"surveillance": {}, "punishment": {}, "trust": {}, "media": {}},
           "rules": [{"description": "Did not finish (Finished = false)", "flag": True, "none": None}]}
    nb.inject_parameters(note, {"CFG": cfg, "OUT": "results"})
    names = {}
    exec(note.cells[0].source, names)
    assert list(names["CFG"]["scales"]) == ["surveillance", "punishment", "trust", "media"]
    assert names["CFG"]["rules"][0] == cfg["rules"][0]  # "false" inside a text stays as it was
    assert names["OUT"] == "results"


@pytest.fixture
def registry(tmp_path):
    path = tmp_path / "numbers.json"
    path.write_text(json.dumps({"data_label": "SYNTHETIC", "numbers": {
        "clean.analytic_n": {"value": 1173.0, "formatted": "1,173", "kind": "count"},
        "items.s_jobs.mean": {"value": 2.750423, "formatted": "2.75", "kind": "mean"},
        "weights.margin.sex.other.n": {"value": None, "formatted": "<10", "kind": "suppressed", "suppressed": True}}}))
    return nb.Registry(path)


def test_a_reading_quotes_the_registry_as_printed(registry, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.instance()
    registry.reading("{n} respondents; \u201c{item}\u201d averages {mean}; {small} in a withheld cell.",
                     keys={"n": "clean.analytic_n", "mean": "items.s_jobs.mean", "small": "weights.margin.sex.other.n"},
                     text={"item": "Switching jobs"})
    assert "Reading. 1,173 respondents; \u201cSwitching jobs\u201d averages 2.75; <10 in a withheld cell." in \
        capsys.readouterr().out
    assert registry.value("items.s_jobs.mean") == 2.750423 and registry.value("weights.margin.sex.other.n") is None
    with pytest.raises(KeyError, match="not a number of the registry"):
        registry("items.s_jobs.median")
    with pytest.raises(ValueError, match="both a key and a text"):
        registry.reading("{n}", keys={"n": "clean.analytic_n"}, text={"n": "many"})


def test_a_sentence_states_a_share_as_a_percentage_and_a_p_value_with_its_relation():
    assert nb.as_stated({"value": 0.4902, "formatted": "0.490", "kind": "share"}) == "49.0%"
    assert nb.as_stated({"value": 0.0745, "formatted": "0.075", "kind": "share"}) == "7.5%"  # the printed digits
    assert nb.as_stated({"value": 1.0, "formatted": "1.000", "kind": "share"}) == "100.0%"
    assert nb.as_stated({"value": 0.0143, "formatted": "0.014", "kind": "p"}) == "= 0.014"
    assert nb.as_stated({"value": 3e-5, "formatted": "<0.001", "kind": "p"}) == "< 0.001"
    assert nb.as_stated({"value": 0.001, "formatted": "\u2264 1/1000", "kind": "p"}) == "\u2264 1/1000"
    assert nb.as_stated({"value": 2.75, "formatted": "2.75", "kind": "mean"}) == "2.75"
    assert nb.as_stated({"value": None, "formatted": "<10", "kind": "suppressed", "suppressed": True}) == "<10"


def test_the_labels_come_from_the_configuration_then_the_codebook(codebook):
    variables = {"educ4": "Education", "age_years": "Age (years)", "trust": "Trust index"}
    levels = {"educ4": {"college_plus": "College or above"}, "ccp": {1: "member"}}
    names = nb.Labels(variables, levels, codebook)
    assert [names.var(v) for v in ("educ4", "age_years", "trust")] == ["Education", "Age (years)", "Trust index"]
    # no configured label: the codebook's question (of the column a derived variable is made from), then the name
    assert names.var("age_group") == codebook.by_var["age_years"]["en"]
    assert nb.Labels(variables, levels).var("age_group") == "Age group"
    assert names.var("province", default="In which province?") == "In which province?"
    assert names.levels("educ4", ["college_plus", "primary_or_below"]) == ["College or above", "Primary or below"]
    assert names.levels("sex", ["male", "female"]) == ["Male", "Female"]  # the codebook's text, capitalized
    assert names.levels("sex_code", ["1", 2]) == ["Male", "Female"]  # a column's codes (read from a CSV as text)
    assert names.levels("ccp", [1, 0]) == ["member", "No"]  # configured, else the codes mapped to the number
    assert names.level("age_group", "60+") == "60+" and names.level("educ4", "unknown") == "Unknown"
    assert nb.Labels().var("educ4") == "Educ4" and nb.in_sentence("Age group") == "age group"
    assert nb.in_sentence("CCP member") == "CCP member"


def test_a_variable_without_a_configured_label_takes_the_codebooks(codebook):
    """The weighting variables of a study without labels in its configuration read as the codebook describes
    them (a column's label or question text; a derived variable's, else its column's), never as "Educ4"."""
    names = nb.Labels(codebook=codebook)
    for var in ("educ4", "region", "sex", "ccp"):
        source = codebook.derived[var]["from"]
        assert names.var(var) == codebook.by_var[source]["en"], var
    assert names.var("sex_code") == codebook.by_var["sex_code"]["en"]
    assert names.var("no_such_variable") == "No such variable"  # nothing says what it is: its name made readable
    assert nb.in_sentence("What is your sex?") == "\u201cWhat is your sex?\u201d"  # a question stays as asked
    from dataclasses import replace

    labelled = replace(codebook, derived={**codebook.derived, "educ4": {**codebook.derived["educ4"],
                                                                          "label": "Education (4 groups)"}})
    assert nb.Labels(codebook=labelled).var("educ4") == "Education (4 groups)"
    assert nb.Labels({"educ4": "Education"}, codebook=labelled).var("educ4") == "Education"


def test_a_models_terms_are_named_in_words(cfg, settings):
    names = nb.Labels(**nb.label_maps(settings))
    labels = cfg["models"]["term_labels"]
    words = nb.formula_words("ccp + log(income_k) + C(region, ref=East)", names, labels)
    assert words == [labels["ccp"], labels["log(income_k)"], f"{labels['region']} (reference: East)"]
    bare = nb.Labels({"educ_level": "Education"})
    assert nb.term_label("educ_level[college]", bare) == "Education: College"
    assert nb.term_label("log(hh_income)", bare) == "Hh income (log)" and nb.term_label("_intercept_", bare) == "Intercept"
    assert nb.in_words(["a"]) == "a" and nb.in_words(["a", "b", "c"]) == "a, b and c"


def test_the_summary_of_the_weights_has_only_what_the_method_makes():
    from scs.stages.weight_diagnostics import applies

    assert applies("bound_lower", "bounded_raking") and applies("bound_upper", "trim_rake")
    assert not applies("bound_lower", "raking") and applies("factor_max", "raking")
    assert not any(applies(k, "none") for k in ("bound_lower", "bound_upper", "factor_min", "iterations",
                                                  "max_abs_margin_error"))
    assert applies("weight_min", "none") and applies("kish_deff", "none")


def test_an_index_histogram_has_one_bin_per_value_of_the_mean():
    edges = nb.value_bins(1, 5, 8)
    assert len(edges) - 1 == 33  # 1, 1.125, ..., 5
    means = np.array([sum(c) / 8 for c in [(1,) * 8, (5,) * 8, (1, 2, 3, 4, 5, 5, 5, 5), (3, 3, 3, 3, 3, 3, 3, 4)]])
    bins = np.digitize(means, edges) - 1
    np.testing.assert_allclose((edges[bins] + edges[bins + 1]) / 2, means)  # each at the centre of its own bin
    assert len(np.unique(np.digitize(np.arange(1, 5.001, 1 / 8), edges))) == 33


def test_the_two_shares_are_defined_in_words():
    rs = {"labels": {1: "Strongly oppose", 2: "Somewhat oppose", 3: "Neutral", 4: "Somewhat support",
                     5: "Strongly support"}, "support": [4, 5], "oppose": [1, 2], "agree": "support",
          "disagree": "oppose"}
    text = nb.share_definition(rs)
    assert "% support is the share answering 4 (Somewhat support) or 5 (Strongly support)" in text
    assert "at or above 4 (% support) or at or below 2 (% oppose)" in text
    bfi = {**rs, "labels": {1: "Very inaccurate", 6: "Very accurate"}, "support": [4, 5, 6], "oppose": [1, 2, 3],
           "agree": "accurate", "disagree": "inaccurate"}
    assert "at or above 4 (% accurate) or at or below 3 (% inaccurate)" in nb.share_definition(bfi)


@pytest.mark.parametrize("source,note", [("synthetic", True), ("simulated", True), ("real", False)])
def test_generated_data_are_said_to_be_generated(source, note):
    assert bool(nb.data_note(source)) is note


def test_a_figure_with_labels_run_together_or_a_legend_over_its_data_is_refused():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0.0271, 0.0479], [0, 1])
    ax.set_xticks(np.arange(0.0275, 0.048, 0.0025))
    with pytest.raises(ValueError, match="labels drawn over each other"):
        nb.show_figure(fig, "ticks run together")
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.barh(range(6), [5, 5, 5, 5, 5, 5], label="bars")
    ax.legend(loc="lower right")
    with pytest.raises(ValueError, match="covers"):
        nb.show_figure(fig, "a legend over the bars")


# --------------------------------------------------------------------------- the executed notebooks
def _outputs(path):
    note = nbformat.read(path, as_version=4)
    return [(i, o) for i, c in enumerate(note.cells) if c.cell_type == "code" for o in c.outputs]


def _tables(path) -> list[pd.DataFrame]:
    """Every table a notebook shows (its HTML outputs), as text cells, with its caption in ``attrs``."""
    from bs4 import BeautifulSoup

    out = []
    for _, o in _outputs(path):
        html = o.get("data", {}).get("text/html")
        if not html or "<table" not in html:
            continue
        for t in BeautifulSoup(html, "html.parser").find_all("table"):
            head = [th.get_text(" ", strip=True) for th in t.find("thead").find_all("th")] if t.find("thead") else []
            rows = [[td.get_text(" ", strip=True) for td in tr.find_all(["td", "th"])]
                    for tr in (t.find("tbody") or t).find_all("tr")]
            df = pd.DataFrame(rows, columns=head if head and len(head) == len(rows[0]) else None)
            df.attrs["caption"] = t.find("caption").get_text(" ", strip=True) if t.find("caption") else ""
            out.append(df)
    return out


def _table(path, first_columns, caption=""):
    found = [t for t in _tables(path) if list(t.columns[:len(first_columns)]) == first_columns
             and caption in t.attrs["caption"]]
    assert found, f"no table with columns {first_columns} ({caption!r}) in {path.name}"
    return found


def test_no_notebook_prints_a_number_with_more_decimals_than_the_tables(built):
    for name in NOTEBOOKS:
        path = built / "results" / "notebooks" / f"{name}.ipynb"
        tables = _tables(path)
        assert tables, name
        for t in tables:
            for cell in t.to_numpy().ravel().tolist() + list(map(str, t.columns)):
                for m in NUMBER.finditer(str(cell)):
                    assert len(m.group(1) or "") <= MAX_DECIMALS, (name, cell)


def test_the_categories_are_in_the_codebooks_order(built, codebook, cfg):
    res = built / "results" / "notebooks"
    # the tables name the variables and categories by their labels
    names = nb.Labels(**nb.label_maps(from_config(cfg)), codebook=codebook)
    weighting = cfg["weighting"]["variables"]
    order = {v: names.levels(v, codebook.categories(v)) for v in weighting}
    margins = _table(res / "01_data_cleaning.ipynb", ["Variable", "Category"])[0]
    assert list(dict.fromkeys(margins["Variable"])) == [names.var(v) for v in weighting]
    for v, cats in order.items():
        assert list(margins.loc[margins["Variable"] == names.var(v), "Category"]) == cats, v
        by_rule = _table(res / "01_data_cleaning.ipynb", ["removed by", "base (all removed)"],
                         f"by {nb.in_sentence(names.var(v))} ")[0]
        assert list(by_rule.columns[2:]) == cats + ["Unknown"], v
    top = _table(res / "02_weights.ipynb", [], "5% largest weights")[0]
    var_of = {names.var(v): v for v in weighting}
    rows_var, cols_var = [var_of[c] for c in top.columns[:2]]
    ranks = [(order[rows_var].index(r), order[cols_var].index(c)) for r, c in zip(top.iloc[:, 0], top.iloc[:, 1])]
    assert ranks == sorted(ranks) and len(ranks) > 2
    scales = _table(res / "03_indices_items.ipynb", ["index", "respondents without it (too few answered items)"])[0]
    configured = [cfg["scales"][s]["label"] for s in cfg["batteries"]] + \
        [cfg["scales"][s]["label"] for s in cfg["scales"] if s not in cfg["batteries"]]
    assert list(scales["index"]) == configured


def test_withheld_cells_are_shown_as_withheld_and_stay_in_the_base(built, cfg, codebook):
    res = built / "results"
    names = nb.Labels(**nb.label_maps(from_config(cfg)), codebook=codebook)
    min_cell = cfg["disclosure"]["min_cell"]
    flow = pd.read_csv(res / "clean" / "exclusion_flow.csv")
    profile = pd.read_csv(res / "clean" / "exclusion_profile.csv", dtype=str)
    described = {r["name"]: r.get("description", r["name"]) for r in cfg["cleaning"]["rules"]}
    removed = {described[r]: int(n) for r, n in zip(flow.rule, flow.removed) if r in described}
    for v in cfg["weighting"]["variables"]:
        t = _table(res / "notebooks" / "01_data_cleaning.ipynb", ["removed by", "base (all removed)"],
                   f"by {nb.in_sentence(names.var(v))} ")[0]
        # every rule that removed anyone has its row, even one whose every cell is withheld
        assert set(removed) - set(t["removed by"]) == {r for r, n in removed.items() if n == 0}
        cells = t.iloc[:, 2:]
        assert (cells == f"<{min_cell}").to_numpy().sum() == \
            ((profile.variable == v) & (profile.n == f"<{min_cell}")).sum()
        for _, row in t.iterrows():
            base = int(row["base (all removed)"].replace(",", ""))
            if row["removed by"] in removed:
                assert base == removed[row["removed by"]]  # the flow's count, not the disclosed cells' sum
            shown = [int(c.replace(",", "")) for c in row.iloc[2:] if c != f"<{min_cell}"]
            assert sum(shown) <= base
            assert sum(shown) == base or (row.iloc[2:] == f"<{min_cell}").any()
    top = _table(res / "notebooks" / "02_weights.ipynb", [], "5% largest weights")[0]
    total = int(re.search(r"\(([\d,]+) respondents\)", top.attrs["caption"]).group(1).replace(",", ""))
    withheld = top["respondents"] == f"<{min_cell}"
    assert withheld.any() and (top.loc[withheld, "share of them (%)"] == "withheld").all()
    counts = top.loc[~withheld, "respondents"].str.replace(",", "").astype(int)
    shares = top.loc[~withheld, "share of them (%)"].astype(float)
    np.testing.assert_allclose(shares, 100 * counts / total, atol=0.05)  # of all of them, the withheld too
    assert counts.sum() < total


def test_every_figure_is_read_in_a_sentence_of_the_registrys_numbers(built):
    registry = json.loads((built / "results" / "numbers.json").read_text())["numbers"]
    for name in NOTEBOOKS:
        path = built / "results" / "notebooks" / f"{name}.ipynb"
        html = (built / "results" / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        outputs = _outputs(path)
        figures = readings = 0
        pending = None  # a figure not yet read
        for k, (cell, o) in enumerate(outputs):
            if "image/png" in o.get("data", {}):
                assert pending is None, f"{name}: a figure of cell {pending} is not read before the next one"
                pending, figures = cell, figures + 1
            reading = o.get("metadata", {}).get("scs_reading")
            if reading:
                readings += 1
                pending = None
                text = reading["text"]
                assert text in html.replace("&quot;", '"').replace("&#x27;", "'") or \
                    text.split(". ", 1)[1][:60] in html, name
                for field, key in reading["keys"].items():
                    assert registry[key]["formatted"] == reading["formatted"][field], (name, key)
                    # as the registry prints it, or a share as a percentage and a p-value with its relation
                    assert nb.as_stated(registry[key]) == reading["stated"][field], (name, key)
                    assert reading["stated"][field] in text, (name, key)
                rest = text
                for word in sorted(filter(None, reading["words"].values()), key=len, reverse=True):
                    rest = rest.replace(word, " ")
                for number in sorted(reading["stated"].values(), key=len, reverse=True):
                    rest = rest.replace(number, " ")
                assert not NUMBER.search(rest), f"{name}: a number not from the registry in {text!r}"
            if k + 1 == len(outputs) or outputs[k + 1][0] != cell:
                assert pending is None, f"{name}: the figure of cell {cell} is not read"
        assert figures >= 3 and readings >= figures, (name, figures, readings)


def test_every_notebook_says_what_data_it_was_built_from(built, cfg):
    for name in NOTEBOOKS:
        html = (built / "results" / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert f"Data: {cfg['data']['label']}" in html, name


def test_every_notebook_says_when_its_data_are_generated(built, cfg):
    note = nb.data_note(cfg["data"]["source"])
    assert note  # the stand-in
    for name in NOTEBOOKS:
        html = (built / "results" / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert note.replace("'", "&#x27;") in html or note in html, name


def test_the_weakest_item_of_an_index_is_read_from_its_item_rest_correlations(built, cfg):
    """The reliability file also holds each index's alpha, omega and first-eigenvalue share: the reading names
    the item with the lowest item-rest correlation, never an index."""
    rel = pd.read_csv(built / "results" / "indices" / "reliability.csv")
    labels = {it["var"]: it["label"] for sc in cfg["scales"].values() for it in sc["items"]}
    found = {}
    for _, o in _outputs(built / "results" / "notebooks" / "03_indices_items.ipynb"):
        reading = o.get("metadata", {}).get("scs_reading")
        if reading and "item" in reading["words"]:
            m = re.fullmatch(r"indices\.(\w+)\.(\w+)\.item_rest\.weighted", reading["keys"]["r"])
            assert m, reading["keys"]["r"]
            found[m.group(1)] = (m.group(2), reading["words"]["item"])
    assert set(found) == set(cfg["batteries"])
    for scale, (var, word) in found.items():
        rows = rel[(rel.scale == scale) & (rel.statistic == "item_rest_correlation")]
        assert var == rows.loc[rows["weighted"].idxmin(), "var"] and word == labels[var], scale


def _reader_text(path) -> list[str]:
    """What a reader of an executed notebook reads besides the data tables' cells: the markdown, the readings,
    every other text and markdown output, the figures' alternative text, the tables' captions and headings."""
    note = nbformat.read(path, as_version=4)
    out = [c.source for c in note.cells if c.cell_type == "markdown"]
    for _, o in _outputs(path):
        data = o.get("data", {})
        if "image/png" in data:
            out.append(o.get("metadata", {}).get("image/png", {}).get("alt", ""))
        elif o.get("output_type") == "stream":
            out.append(o["text"])
        elif "text/markdown" in data:
            out.append(data["text/markdown"])
        elif "text/plain" in data and "text/html" not in data:
            out.append(data["text/plain"])
        if (reading := o.get("metadata", {}).get("scs_reading")):
            out.append(reading["text"])
    for t in _tables(path):
        out += [t.attrs["caption"], *map(str, t.columns)]
    return out


def test_no_name_of_the_data_is_shown_where_a_label_exists(built, cfg, codebook):
    """Readers see the labels of the variables, their categories and the exclusion rules, not their names in the
    data (names that no prose uses: with "_" or a digit; the reproduction report and the tables' cells, such as
    the list of the cleaned data's columns, are not the notebooks' own text)."""
    derived_text = {v for spec in codebook.derived.values() for v in (spec.get("map") or {}).values()
                    if isinstance(v, str)}
    names = {*codebook.by_var, *codebook.derived, *derived_text, *(r["name"] for r in cfg["cleaning"]["rules"]),
             *cfg["weighting"]["variables"], *(cfg.get("domains") or {}).get("by", [])}
    names = {n for n in names if re.search(r"[_0-9]", n)}
    assert {"educ4", "age_group", "primary_or_below", "preview_or_test"} <= names
    for name in NOTEBOOKS:
        path = built / "results" / "notebooks" / f"{name}.ipynb"
        texts = _reader_text(path)
        if name == "04_models":  # the reproduction report is shown as its rule wrote it
            reproduction = (built / "results" / "reproduction.md").read_text(encoding="utf-8")
            texts = [t for t in texts if t != reproduction]
        for text in texts:
            shown = {n for n in names if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", text)}
            assert not shown, f"{name}: {sorted(shown)} in {text[:200]!r}"


def test_the_notebooks_name_no_variable_of_the_study():
    """Notebooks iterate over what the configuration and the codebook name: no analysis variable, scale or
    rule of this study is written into their code."""
    from scs.io.codebook import load_codebook

    cfg = __import__("yaml").safe_load((ROOT / "config.yaml").read_text())
    codebook = load_codebook(ROOT / cfg["data"]["codebook"])
    names = set(codebook.by_var) | set(codebook.derived) | set(cfg["scales"]) | \
        {r["name"] for r in cfg["cleaning"]["rules"]} | set(cfg["weighting"]["variables"])
    for name in NOTEBOOKS:
        code = "\n".join(line for line in (ROOT / "notebooks" / f"{name}.py").read_text().splitlines()
                         if not line.lstrip().startswith("#"))
        quoted = set(re.findall(r"[\"'(]([a-z][a-z0-9_]*)[\"')]", code))
        assert quoted & names == set(), name


# --------------------------------------------------------------------------- other studies' notebooks
def _reader_texts(results) -> dict[str, str]:
    return {name: "\n".join(_reader_text(results / "notebooks" / f"{name}.ipynb")) for name in NOTEBOOKS}


@pytest.fixture(scope="module")
def unused_scale(tmp_path_factory):
    """The stand-in with a scale that no model uses (the last scale taken out of every formula, kept among the
    scales) and no labels of the weighting variables (no domains section): its notebooks, built."""
    import yaml
    from conftest import FAST, copy_project, run_snakemake

    work = copy_project(tmp_path_factory.mktemp("unused-scale") / "w")
    cfg = yaml.safe_load((work / "config.yaml").read_text(encoding="utf-8"))
    m = cfg["models"]
    unused = [s for s in cfg["scales"] if s not in cfg["batteries"]][-1]
    drop = lambda rhs: " + ".join(t for t in rhs.split(" + ") if t.strip() != unused)  # noqa: E731
    m["formulas"] = {k: drop(v) for k, v in m["formulas"].items()}
    m["alternative_formula"] = drop(m["alternative_formula"])
    m["ordered_terms"] = [t for t in m["ordered_terms"] if t != unused]
    cfg.pop("domains", None)
    cfg["reproduction"] = {**cfg.get("reproduction", {}), "compare": False}
    (work / "config-unused.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    run_snakemake(work, "--until", "notebooks", extra=["--configfile", "config-unused.yaml", *FAST])
    return work / "results-config-unused", cfg, unused


@pytest.mark.slow
def test_a_scale_that_no_model_uses_is_shown_without_the_models_numbers(unused_scale, codebook):
    results, cfg, unused = unused_scale
    texts = _reader_texts(results)
    label = cfg["scales"][unused]["label"]
    assert f"In no model, so not among the descriptive statistics: {label}" in texts["03_indices_items"]
    assert f"{label}: weighted mean" not in texts["03_indices_items"]
    # the weighting variables without configured labels: as the codebook describes them, not their names
    names = nb.Labels(**nb.label_maps(from_config(cfg)), codebook=codebook)  # (models.term_labels may name one)
    assert any(names.var(v) == nb.Labels(codebook=codebook).var(v) for v in cfg["weighting"]["variables"])
    for v in cfg["weighting"]["variables"]:
        assert nb.in_sentence(names.var(v)) in texts["02_weights"], v
        if re.search(r"[_0-9]", v):  # a name no prose uses ("Educ4", "Age group") is not shown as the label
            assert not re.search(rf"\b{re.escape(nb.readable(v))}\b", texts["02_weights"]), v


@pytest.fixture(scope="module")
def unweighted_study(tmp_path_factory):
    """studies/bfi (weighting.method none, no design weight; reliability pairwise): its notebooks, built."""
    import yaml
    from conftest import copy_project, run_snakemake

    work = copy_project(tmp_path_factory.mktemp("bfi") / "w")
    run_snakemake(work, "--until", "notebooks", extra=["--configfile", "studies/bfi/config.yaml"])
    cfg = yaml.safe_load((work / "studies" / "bfi" / "config.yaml").read_text(encoding="utf-8"))
    return work / "results-studies-bfi-config", cfg


@pytest.mark.slow
def test_an_unweighted_study_reads_its_weights_as_equal(unweighted_study):
    results, cfg = unweighted_study
    assert cfg["weighting"]["method"] == "none" and not cfg["weighting"].get("base_weight")
    text = _reader_texts(results)["02_weights"]
    assert "have the same weight" in text and "not calibrated" in text
    assert "bounds" not in text.lower() and "bootstrap SE" not in text and "NA" not in text.split()
    stats = _table(results / "notebooks" / "02_weights.ipynb", ["statistic", "value"])[0]
    assert not {"bound lower", "bound upper", "factor min", "factor max", "iterations"} & set(stats["statistic"])


@pytest.mark.slow
def test_a_study_says_how_its_reliability_and_models_are_made(unweighted_study):
    results, cfg = unweighted_study
    texts = _reader_texts(results)
    assert cfg["reliability"]["missing"] == "pairwise"
    assert "each pair of items over the respondents who answered both" in texts["03_indices_items"]
    assert "respondents who answered every item" not in texts["03_indices_items"]
    models = texts["04_models"]
    assert cfg["figures"]["titles"]["regression_table"] in models and "SCS" not in models
    for name in cfg["models"]["formulas"]:
        assert f"**{name}**" in models, name  # each model said in words
    from scs.report.model_tables import VARIANTS

    rob = pd.read_csv(results / "models" / "robustness.csv")
    for variant in set(rob["variant"]):
        assert f"**{VARIANTS[variant]}**" in models, variant
