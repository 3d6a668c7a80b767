"""Estimates by group and crosstabs: small cells withheld everywhere, the tables print the registry's numbers,
the domain estimator is the one on the full design, and the section's checks."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from scs.errors import PipelineError
from scs.report import domain_tables, registry
from scs.report.registry import Numbers, Printed
from scs.settings import from_config, load, replace
from scs.stages import domains
from scs.survey import crosstab, means
from scs.survey.design import Design, unweighted

MIN_CELL = 10
CFG = {"data": {"label": "TEST label", "source": "simulated"}, "disclosure": {"min_cell": MIN_CELL},
       "weighting": {"method": "raking"}, "design": {},
       "estimates": {"ci_level": 0.95}, "batteries": ["x"],
       "response_scale": {"labels": {1: "no", 2: "rather no", 3: "neither", 4: "rather yes", 5: "yes"},
                          "support": [4, 5], "oppose": [1, 2]},
       "scales": {"x": {"label": "X index", "min_answered": 1,
                        "items": [{"var": "a1", "label": "First item"}, {"var": "a2", "label": "Second item"}]}},
       "domains": {"by": ["g"], "crosstabs": [["g", "h"]], "labels": {"g": "Group", "h": "Other"}}}


@pytest.fixture(scope="module")
def small():
    """60 respondents; level "rare" of g has 6 (below the minimum cell), h's level "v" among the common
    level's respondents 4."""
    rng = np.random.default_rng(3)
    n = 60
    g = np.array(["common"] * 54 + ["rare"] * 6)
    h = np.array(["u"] * 50 + ["v"] * 4 + ["u", "v", "u", "v", "u", "v"])
    a1 = rng.integers(1, 6, n).astype(float)
    a2 = rng.integers(1, 6, n).astype(float)
    a2[:3] = np.nan
    frame = pd.DataFrame({"g": g, "h": h, "a1": a1, "a2": a2, "x": np.nanmean(np.c_[a1, a2], axis=1)})
    s = from_config(CFG)
    design = unweighted(n)
    return s, frame, design, domains.run(design, frame, s)


def test_small_levels_and_cells_are_withheld_in_the_numbers_the_tables_and_the_csvs(small):
    s, _, _, result = small
    est, cells, tests = result["estimates"], result["cells"], result["tests"]
    nums, xnums = result.numbers["estimates"], result.numbers["crosstabs"]
    # the level with 6 respondents: every statistic withheld, nothing of it kept
    for var in ("a1", "a2", "x"):
        for stat in domains.DOMAIN_STATS:
            e = nums[domains.domain_key(var, "g", "rare", stat)]
            assert e.kind == "suppressed" and e.value is None
        assert nums[domains.domain_key(var, "g", "common", "mean")].value is not None
    md = domain_tables.estimates_markdown(est, s, Printed(nums, min_cell=MIN_CELL))
    rare = [line for line in md.splitlines() if "| Rare |" in line]
    assert len(rare) == 3 and all(line.count(f"<{MIN_CELL}") == 7 for line in rare)
    r = est[(est.level == "rare") & (est["var"] == "a1")].iloc[0]
    assert f"{r['mean']:.2f}" not in " ".join(rare) and f"| {int(r['n'])} |" not in md
    # the crosstab: the row of 6 (its n and every cell) and the cell of 4 withheld; the others printed
    assert xnums[domains.crosstab_key("g", "h", "rare", "n")].kind == "suppressed"
    assert xnums[domains.crosstab_key("g", "h", "rare", "u", "pct_row")].kind == "suppressed"
    assert xnums[domains.crosstab_key("g", "h", "common", "v", "pct_row")].kind == "suppressed"
    assert xnums[domains.crosstab_key("g", "h", "common", "u", "pct_row")].value == pytest.approx(100 * 50 / 54)
    assert xnums[domains.crosstab_key("g", "h", "p")].kind == "p"  # the test pools every respondent
    xmd = domain_tables.crosstabs_markdown(cells, tests, s, Printed(xnums, min_cell=MIN_CELL))
    assert "| Common | 92.6 | n<10 | 54 |" in xmd and "| Rare | n<10 | n<10 | <10 |" in xmd
    # the CSVs as released
    est_out, cells_out = domain_tables.released(est, cells, MIN_CELL)
    row = est_out[(est_out.level == "rare") & (est_out["var"] == "x")].iloc[0]
    assert row["level_label"] == "Rare" and all(row[c] == f"<{MIN_CELL}" for c in
                                                 ("n", "mean", "se", "ci_low", "pct_support", "mean_unweighted"))
    rare_cells = cells_out[cells_out.row_level == "rare"]
    assert (rare_cells[["n_row", "pct", "pct_row", "pct_row_se"]] == f"<{MIN_CELL}").all().all()
    assert "n" not in cells_out  # (cell counts: a withheld one would follow from the row's n by subtraction)
    small_cell = cells_out[(cells_out.row_level == "common") & (cells_out.col_level == "v")].iloc[0]
    assert small_cell["pct_row"] == f"<{MIN_CELL}" and small_cell["n_row"] == 54
    assert cells["n"].min() == 3 and (est["n"] < MIN_CELL).any()  # (the unwithheld tables keep them)
    # the registry and the disclosure report
    frag = Numbers("domains").take_result(result, {"estimates": "e.md", "crosstabs": "c.md"}, min_cell=MIN_CELL)
    reg = registry.merge([frag.fragment(inputs={}, data=s.data, config_sha256="0" * 64)], s.data, "0" * 64)
    report = registry.disclosure_markdown(reg, MIN_CELL)
    assert "domains.x.g.rare.mean" in report and "crosstab.g.h.common.v.pct_row" in report
    assert all(e["value"] is None for k, e in reg["numbers"].items() if e.get("suppressed"))


def test_a_domain_mean_is_the_full_designs_ratio_not_a_subset(small):
    """The domain estimator keeps every respondent in the linearization (zero outside the level): with a
    calibrated design its SE differs from that of a design cut down to the level and calibrated on its own."""
    s, frame, _, _ = small
    rng = np.random.default_rng(5)
    n = len(frame)
    z = (frame["g"] == "common").to_numpy(float)
    M = np.c_[np.ones(n), rng.integers(0, 2, n)]
    w = rng.uniform(0.5, 2.0, n)
    d = Design(weight=w, calib=M)
    y = frame["a1"].to_numpy()
    ours = means.means(d, np.where(z == 1, y, np.nan)[:, None], ["y"], replicates=False)
    inside = z == 1
    assert ours.est[0] == pytest.approx(np.sum(w[inside] * y[inside]) / np.sum(w[inside]), rel=1e-14)
    # the influence values on the whole design, residualized on the calibration over every respondent
    infl = np.where(inside, w * (y - ours.est[0]) / w[inside].sum(), 0.0)
    assert ours.se_lin[0] == pytest.approx(np.sqrt(d.vcov(infl[:, None])[0, 0]), rel=1e-12)
    cut = Design(weight=w[inside], calib=M[inside])
    assert abs(means.means(cut, y[inside][:, None], ["y"], replicates=False).se_lin[0] / ours.se_lin[0] - 1) > 1e-3


def test_rao_scott_is_pearson_on_a_simple_random_sample_without_weights():
    """Equal weights and no calibration: Delta is the SRS design effect matrix scaled by n/(n-1), so F equals
    Pearson's X^2 / (df n/(n-1)) and ndf the table's degrees of freedom."""
    rng = np.random.default_rng(1)
    n = 400
    a, b = rng.integers(0, 3, n), rng.integers(0, 2, n)
    rs = crosstab.rao_scott(unweighted(n), a, b, 3, 2)
    table = np.zeros((3, 2))
    np.add.at(table, (a, b), 1)
    e = np.outer(table.sum(1), table.sum(0)) / n
    x2 = ((table - e) ** 2 / e).sum()
    assert rs.chisq == pytest.approx(x2, rel=1e-12)
    f_stat = rs.F
    assert f_stat == pytest.approx(x2 / (2 * n / (n - 1)), rel=1e-10)
    assert rs.ndf == pytest.approx(2, rel=1e-10) and rs.ddf == pytest.approx(2 * (n - 1), rel=1e-10)
    assert rs.deff == pytest.approx(n / (n - 1), rel=1e-10)


def test_the_section_is_checked_against_the_codebook(codebook):
    s = load(ROOT / "config.yaml")
    domains.check(s, codebook)
    labels = domains.variables(s, codebook)
    assert labels["ccp"].levels == {1: "Yes", 0: "No"}  # the codebook's value labels
    assert list(labels["age_group"].levels) == ["18-29", "30-39", "40-49", "50-59", "60+"]  # its bins, in order
    assert labels["educ4"].levels["college_plus"] == "College or above"  # domains.level_labels
    for change, message in [({"by": ["happiness"]}, "does not define: happiness"),
                            ({"crosstabs": [["ccp", "ccp"]]}, "pairs ccp with itself"),
                            ({"labels": {}}, "no label for sex")]:
        with pytest.raises(PipelineError, match=message):
            domains.check(replace(s, domains=replace(s.domains, change)), codebook)


def test_a_numeric_variable_is_no_grouping(small):
    s, frame, design, _ = small
    f = frame.assign(g=np.arange(len(frame)))
    with pytest.raises(PipelineError, match="60 levels"):
        domains.run(design, f, replace(s, domains=replace(s.domains, {"crosstabs": []})))


def test_registry_keys_of_levels():
    assert [domains.slug(v) for v in ("18-29", "60+", 1, 1.0, "college_plus", "a b")] == [
        "18_29", "60plus", "1", "1", "college_plus", "a_b"]
    assert registry.macro_name(domains.domain_key("surveillance", "age_group", "60+", "mean")) == \
        "scsDomainsSurveillanceAgeGroupSixZeroplusMean"
    assert domains.crosstab_key("ccp", "educ4", "F") == "crosstab.ccp.educ4.F"


# --------------------------------------------------------------------------- the rule's files
NUMBER = re.compile(r"<\d+|<0\.001|-?\d[\d,]*(?:\.\d+)?")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_the_markdown_prints_the_registrys_numbers(estimates_build):
    """Every row of the two Markdown tables the rule wrote is the registry fragment's formatted numbers of its
    keys (built here from the CSV's rows), and no other number is printed."""
    res = estimates_build / "results"
    frag = json.loads((res / "numbers" / "domains.json").read_text())["numbers"]
    est = pd.read_csv(res / "domains" / "domain_estimates.csv", dtype={"level": str})
    md_est = (res / "domains" / "domain_estimates.md").read_text()
    lines = set(md_est.splitlines())
    by_file = {}
    for e in frag.values():
        by_file.setdefault(e["file"], set()).add(e["formatted"])
    rows = 0
    for r in est[est.group != domains.ALL].itertuples():
        f = {st: frag[domains.domain_key(r.var, r.group, r.level, st)]["formatted"] for st in domains.DOMAIN_STATS}
        label = f"**{r.label}**" if r.kind == "index" else r.label
        row = (f"| {label} | {r.level_label} | {f['mean']} | [{f['ci_low']}, {f['ci_high']}] | {f['se']} | "
               f"{f['pct_support']} | {f['pct_oppose']} | {f['n']} |")
        assert row in lines, row
        if not str(r.mean).startswith("<"):
            assert f["mean"] == f"{float(r.mean):.2f}" and f["n"] == f"{int(r.n):,}"
        rows += 1
    assert rows == 17 * 17
    md_x = (res / "domains" / "crosstabs.md").read_text()
    tests = pd.read_csv(res / "domains" / "crosstab_tests.csv")
    for t in tests.itertuples():
        k = {st: frag[domains.crosstab_key(t.row_var, t.col_var, st)]["formatted"] for st in ("F", "ndf", "ddf", "p")}
        p = k["p"] if k["p"].startswith("<") else f"= {k['p']}"
        assert f"Rao-Scott F = {k['F']} on {k['ndf']} and {k['ddf']} degrees of freedom, p {p}." in md_x
        assert k["F"] == f"{t.F:.2f}"
    # no number in either file that the registry does not hold for it
    for name, text in (("domain_estimates.md", md_est), ("crosstabs.md", md_x)):
        known = by_file[f"results/domains/{name}"]
        lines = text.splitlines()
        for i, line in enumerate(lines):
            header = i + 1 < len(lines) and lines[i + 1].startswith("|---")
            if not line.startswith("|") or set(line) <= set("|-: ") or header:
                continue
            for cell in _cells(line)[2 if name.startswith("domain") else 1:]:
                for tok in NUMBER.findall(cell.replace("**", "")):
                    assert tok in known, (name, tok, line)
    assert "crosstab.ccp.educ4.1.primary_or_below.pct_row" in frag and frag[
        "crosstab.ccp.educ4.1.primary_or_below.pct_row"]["formatted"] == f"<{MIN_CELL}"


def test_the_figure_of_the_indices_by_group_is_labelled(stand_in, settings, codebook, tmp_path):
    """Labels from the configuration and the codebook (never a variable's name or a raw code), the data
    label, a point per level with its interval (the readability checks of every figure: test_figures.py)."""
    from scs.precision import round_frame
    from scs.report import figures

    est = domains.domain_estimates(stand_in.design(replicates=False), stand_in.frame, settings,
                                   domains.variables(settings, codebook))
    shown, _ = domain_tables.released(est, est.iloc[:0], MIN_CELL)
    fig = figures.domain_figure(round_frame(shown), indices=[(b, settings.scales[b].label) for b in settings.batteries],
                                source_label=settings.data.label, synthetic=True)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks[:3] == ["Sex", "Male", "Female"] and "CCP member" in ticks and "College or above" in ticks
    assert not set(ticks) & {*settings.domains.by, "college_plus", "0", "1"}
    texts = " ".join(t.get_text() for t in fig.texts)
    assert settings.data.label in texts and "SYNTHETIC" in texts
    assert [ax.get_title(loc="left").split(" (all: ")[0] for ax in fig.axes] == [
        settings.scales[b].label for b in settings.batteries]
    n_levels = sum(len(v.levels) for g, v in domains.variables(settings, codebook).items() if g in settings.domains.by)
    assert len(fig.axes[0].lines[0].get_xdata()) == n_levels  # a point per level
    figures.save(fig, tmp_path / "d.png", tmp_path / "d.pdf", dpi=50)
    assert (tmp_path / "d.png").stat().st_size > 1000
