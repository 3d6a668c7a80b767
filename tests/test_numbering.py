"""One numbering of the tables and figures (the configuration's `numbering`) for the report's captions, the list
of tables and programs in the README and the paper; checked at start to run 1, 2, ... without a gap."""

import copy
import re

import pytest
import yaml
from conftest import ROOT

from scs import config as cfgmod
from scs.errors import PipelineError
from scs.report import captions, paper, provenance
from scs.settings import load, replace

CAPTIONS = ROOT / "workflow" / "report"
CONFIGS = ["config.yaml", "data/alt/config.yaml"]


def raw(config="config.yaml"):
    return yaml.safe_load((ROOT / config).read_text(encoding="utf-8"))


def test_no_caption_types_a_number():
    """Every 'Table N' and 'Figure N' of the report's captions comes from the configuration."""
    for rst in sorted(CAPTIONS.glob("*.rst")):
        typed = re.findall(r"\b(?:Tables?|Figures?)\s+\d", rst.read_text())
        assert not typed, (rst.name, typed)


@pytest.mark.parametrize("config", CONFIGS)
def test_captions_carry_the_configured_numbers(config):
    s = load(ROOT / config)
    t, f = s.numbering.tables, s.numbering.figures
    title = {p.stem: provenance.caption_title(p, s) for p in CAPTIONS.glob("*.rst") if p.stem != "workflow"}
    assert title["descriptives"].startswith(f"Table {t['descriptives']}. Descriptive statistics")
    assert title["descriptives_tex"].startswith(f"Table {t['descriptives']} in LaTeX")
    assert title["regression"].startswith(f"Table {t['regressions']}. Regressions")
    assert title["regression_tex"].startswith(f"Table {t['regressions']} in LaTeX")
    assert title["robustness"].startswith(f"Table {t['robustness']}. Robustness")
    assert title["ordered"].startswith(f"Table {t['ordered_logits']}. Weighted ordered logits")
    assert title["predicted"].startswith(f"Table {t['predicted']}. Predictive margins")
    # a figure's caption opens with its own title (figures.titles), numbered by the numbering (the report moves
    # it there from the figure's label; the first figure of a run)
    figures = captions.figure_titles(s)
    assert figures[s.batteries[0]].startswith(f"Figure {f['items']}. ")
    assert figures["models"].startswith(f"Figure {f['models']}. ")
    if s.multiverse:
        assert figures[f"multiverse_{s.multiverse.outcomes[0]}"].startswith(f"Figure {f['specification_curves']}. ")


def test_captions_follow_another_numbering():
    s = load(ROOT / "config.yaml")
    s = replace(s, numbering={"tables": {**s.numbering.tables, "descriptives": 5, "predicted": 1},
                              "figures": {"items": 4, "models": 6, "specification_curves": 1}})
    assert provenance.caption_title(CAPTIONS / "descriptives.rst", s).startswith("Table 5. ")
    assert provenance.caption_title(CAPTIONS / "predicted.rst", s).startswith("Table 1. ")
    figures = captions.figure_titles(s)
    assert figures["surveillance"].startswith("Figure 4. Support")
    assert figures["multiverse_surveillance"].startswith("Figure 1. Specification")
    assert figures["models"].startswith("Figure 6. Political capital")


def test_the_readmes_list_uses_the_numbering():
    """The README's list of tables and programs (generated from the captions) has the configured numbers."""
    s = load(ROOT / "config.yaml")
    from scs.report.captions import figure_titles

    titles = {provenance.caption_title(p, s) for p in CAPTIONS.glob("*.rst") if p.stem != "workflow"}
    titles |= set(figure_titles(s).values())  # a figure is listed by its own title
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- tables-and-programs:start -->")[1].split("<!-- tables-and-programs:end -->")[0]
    rows = [line.split(" | ")[0].lstrip("| ") for line in block.splitlines() if line.startswith("| ")][1:]
    numbered = [r for r in rows if re.match(r"(Tables?|Figures?) \d", r)]
    assert len(numbered) >= 10 and set(numbered) <= titles, set(numbered) - titles
    assert any(r.startswith(f"Table {s.numbering.tables['descriptives']}. Descriptive") for r in numbered)


@pytest.mark.parametrize("config", [*CONFIGS, "studies/bfi/config.yaml", "studies/gss/config.yaml"])
def test_every_numbered_figure_title_carries_the_configured_number(config):
    """The titles of the item figures, the models' figure and the specification curves open with their number
    from the numbering (a number a configured title prints itself is replaced), each number once."""
    from scs.report.captions import figure_titles

    s = load(ROOT / config)
    numbers = paper.figure_numbers(s)
    titles = figure_titles(s)
    key = {**{b: f"items.{b}" for b in s.batteries}, "models": "models",
           **{f"multiverse_{y}": f"specification_curve.{y}" for y in (s.multiverse.outcomes if s.multiverse else ())}}
    for name, k in key.items():
        assert titles[name].startswith(f"Figure {numbers[k]}. ") and not re.match(r"Figure \d+\. Figure", titles[name])
    assert sorted(numbers.values()) == list(range(1, len(numbers) + 1))


def test_a_numbering_with_a_gap_or_a_number_twice_stops_in_one_line():
    c = raw()
    c["numbering"]["tables"]["robustness"] = 2
    with pytest.raises(PipelineError, match=r"invalid configuration at numbering.tables: .* is not 1 to 5, each once"):
        cfgmod.validate_config(c)
    c = raw()
    c["numbering"]["figures"]["specification_curves"] = 5
    with pytest.raises(PipelineError, match=r"numbering.figures: items 1-2, models 3, specification_curves "
                                            r"5-6 is not 1 to 5"):
        cfgmod.validate_config(c)


def test_a_third_battery_needs_its_own_numbering():
    """The default numbering fits two batteries: with three, the check says what to set."""
    c = raw()
    c["scales"]["third"] = copy.deepcopy(c["scales"]["punishment"])
    c["batteries"] = ["surveillance", "punishment", "third"]
    with pytest.raises(PipelineError, match=r"numbering.figures: items 1-3, models 3.*one per battery \(3\)"):
        cfgmod.validate_config(c)
    c["numbering"]["figures"] = {"items": 1, "models": 4, "specification_curves": 5}
    assert cfgmod.validate_config(c)["numbering"]["figures"]["models"] == 4


def test_without_a_multiverse_the_specification_curves_take_no_number():
    c = raw("data/alt/config.yaml")
    assert "multiverse" not in c
    assert paper.figure_numbers(load(ROOT / "data/alt/config.yaml")) == {
        "items.surveillance": 1, "items.punishment": 2, "models": 3}
