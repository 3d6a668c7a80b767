"""Figures: byte-stable, labelled with their data, and readable: every text at least 7 pt at the size the figure
is printed, no text on another or under a line, one meaning per colour, labels (not variable names) and no title
in the image (the title opens the caption, in the report and in the paper)."""

import html
import json
import re
from types import SimpleNamespace

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from scs.io.codebook import load_codebook
from scs.precision import round_frame
from scs.report import captions, figures, shown
from scs.settings import replace
from scs.stages import domains, items, models, multiverse

PAPER = (ROOT / "paper" / "ms.tex").read_text()
# every figure the workflow draws (the fixture `drawn` below)
FIGURES = ["items_surveillance", "items_punishment", "likert_surveillance", "likert_punishment", "figure3",
           "weights", "multiverse_surveillance", "multiverse_punishment", "domains"]
# the paper's figure macro of each drawn figure (paper/ms.tex; the report and notebooks show them larger)
MACROS = {"items_surveillance": "PaperItemFigure", "items_punishment": "PaperItemFigure",
          "figure3": "PaperCapitalFigure", "multiverse_surveillance": "PaperCurveFigure",
          "multiverse_punishment": "PaperCurveFigure"}


def printed_width(name: str) -> float:
    """Inches: the width the paper prints a figure at (the \\includegraphics of its macro in paper/ms.tex), else
    the whole text width (a figure the paper does not print)."""
    if name not in MACROS:
        return figures.WIDTH
    body = re.search(rf"\\newcommand\{{\\{MACROS[name]}\}}.*?\\includegraphics\[width=([\d.]*)\\textwidth\]",
                     PAPER, re.S)
    assert body, f"paper/ms.tex defines no \\{MACROS[name]} with an \\includegraphics width"
    return float(body.group(1) or 1) * figures.WIDTH


def test_the_printed_widths_are_read_from_the_papers_macros():
    assert printed_width("items_surveillance") == pytest.approx(0.9 * figures.WIDTH)
    assert printed_width("figure3") == pytest.approx(figures.WIDTH) and printed_width("likert_punishment") == figures.WIDTH


def test_figures_are_byte_stable_and_labelled(tmp_path):
    est = pd.DataFrame({"label": ["a", "b"], "mean": [3.0, 4.0], "ci_low": [2.9, 3.9], "ci_high": [3.1, 4.1]})
    out = []
    for i in range(2):
        fig = figures.item_figure(est, index_label="Index", index_mean=3.5, scale_labels={1: "one", 5: "five"},
                                  source_label="SYNTH label", synthetic=True)
        texts = [t.get_text() for t in fig.texts]
        assert any("SYNTHETIC" in t for t in texts) and any("SYNTH label" in t for t in texts)
        figures.save(fig, tmp_path / f"f{i}.png", tmp_path / f"f{i}.pdf", dpi=50)
        out.append(((tmp_path / f"f{i}.png").read_bytes(), (tmp_path / f"f{i}.pdf").read_bytes()))
    assert out[0] == out[1]
    assert b"CreationDate" not in out[0][1]


def test_the_overlap_check_finds_overlapping_labels_and_labels_off_the_figure():
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "first label")
    ax.text(0.51, 0.5, "second label")
    ax.text(0.1, 0.9, "apart")
    fig.text(0.99, 0.5, "past the edge")
    found = figures.text_overlaps(fig)
    assert ("first label", "second label") in found and ("past the edge", "the edge of the figure") in found
    assert not [f for f in found if "apart" in f]
    plt.close(fig)


def test_the_line_check_finds_lines_and_markers_through_text_and_nothing_else():
    """A zero line, an interval, a dashed index line and a marker through texts are found; a text beside a
    line, and a line clipped off before it reaches a text, are not."""
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axhline(0.5, color="0.3")
    ax.text(0.4, 0.5, "on the zero line", va="center")
    ax.errorbar([0.2], [0.2], xerr=[[0.15], [0.15]], fmt="none")
    ax.annotate("3.61", (0.2, 0.2), ha="center", va="center")
    ax.axvline(0.85, linestyle="--", label="Index: 3.60")
    ax.text(0.85, 0.8, "3.15", ha="center")
    ax.plot([0.6], [0.2], "o", ms=8)
    ax.text(0.6, 0.2, "x", ha="center", va="center")
    ax.text(0.05, 0.9, "beside", ha="left", va="center")
    ax.text(0.5, 1.1, "above the axes", ha="center", va="center", transform=ax.transData)  # the line stops at 1
    ax.plot([0.5, 0.5], [0.9, 1.5], color="k")  # clipped to the axes
    found = figures.lines_crossing_text(fig)
    crossed = {t for t, _ in found}
    assert {"on the zero line", "3.61", "3.15", "x"} <= crossed
    assert ("3.15", "Index: 3.60") in found
    assert "beside" not in crossed and "above the axes" not in crossed
    plt.close(fig)


def test_the_size_check_finds_a_text_too_small_when_printed():
    fig = plt.figure(figsize=(10, 4))
    fig.text(0.1, 0.5, "9 pt drawn at 10 in", fontsize=9)
    sizes = figures.text_sizes(fig, printed_width=6.5)
    assert sizes[0][1] == "9 pt drawn at 10 in" and sizes[0][0] == pytest.approx(5.85)
    assert figures.text_sizes(fig, printed_width=10)[0][0] == 9
    plt.close(fig)


def test_the_name_check_finds_a_variable_name():
    fig = plt.figure()
    fig.text(0.1, 0.5, "index: without s_jobs")
    fig.text(0.1, 0.2, "without Switching jobs; s_jobsx")
    assert figures.names_shown(fig, ["s_jobs", "jobs_s"]) == [("index: without s_jobs", "s_jobs")]
    plt.close(fig)


def fake_curve(settings, u, y):
    """A specification curve of made-up estimates over the configured grid (the figure's layout, quickly)."""
    specs = u.specs[u.specs["outcome"] == y].reset_index(drop=True)
    rng = np.random.default_rng(7)
    focal = {o.name: o.change["focal"][0] for o in u.options["political_capital"]}
    c = specs.assign(coef=np.sort(rng.normal(-0.2, 0.08, len(specs))), term=specs["political_capital"].map(focal))
    c["se"] = 0.09
    c["ci_low"], c["ci_high"] = c["coef"] - 0.18, c["coef"] + 0.18
    c["sig"] = c["ci_high"] < 0
    c["configured"] = c["spec_id"] == multiverse.default_spec(u, y)
    return c


@pytest.fixture(scope="module")
def drawn(stand_in, settings):
    """Every figure of the pipeline, drawn from the stand-in's estimates (computed here; the specification
    curves from made-up estimates over the configured grid)."""
    des = stand_in.design(variance="jackknife")
    est = items.item_estimates(des, stand_in.frame, settings)
    dist = items.item_distribution(des, stand_in.frame, settings)
    labels = {int(k): v for k, v in settings.response_scale.labels.items()}
    label = settings.data.label
    out = {}
    for b in settings.batteries:
        rows = est[est.scale == b]
        idx = rows[rows.kind == "index"].iloc[0]
        out[f"items_{b}"] = figures.item_figure(rows[rows.kind == "item"], index_label=idx.label,
                                                index_mean=idx["mean"], scale_labels=labels, source_label=label,
                                                synthetic=True, method="jackknife")
        order = list(rows[rows.kind == "item"].sort_values("mean", ascending=False)["var"])
        out[f"likert_{b}"] = figures.likert_figure(dist[dist.scale == b], order, scale_labels=labels,
                                                   source_label=label, synthetic=True)
    mats = models.matrices(stand_in.frame, settings)
    masks = models.samples(stand_in.frame, settings, mats)
    coefs, fits = models.fit(des, stand_in.frame, settings, mats, masks, models=[settings.models.full])
    pred = models.predicted(des, stand_in.frame, settings, mats, fits)
    m = settings.models
    out["figure3"] = figures.coefficient_figure(
        coefs, pred, outcomes=list(m.outcomes), outcome_labels={y: settings.scales[y].label for y in m.outcomes},
        highlight=list(m.political_capital), term_labels=dict(m.term_labels), source_label=label, synthetic=True,
        predict_label=m.term_labels[m.predict.by], level_labels={str(k): v for k, v in m.predict.level_labels.items()},
        method="jackknife", scale_labels=labels)
    w = stand_in.result.weight
    out["weights"] = figures.weight_figure(w, summary={"n": len(w), "weight_min": w.min(), "weight_max": w.max(),
                                                      "weight_cv": w.std() / w.mean(), "kish_deff": 1.7,
                                                      "effective_n": 700, "bound_lower": 0.2, "bound_upper": 5},
                                           source_label=label, synthetic=True)
    u = multiverse.universe(settings)
    for y in settings.multiverse.outcomes:
        c = fake_curve(settings, u, y)
        choices = {d: [o.name for o in (u.index_options[y] if d == "index" else u.options[d])]
                   for d in u.dims if d != "outcome"}
        dims, options = shown.display_labels(settings, u, y)
        out[f"multiverse_{y}"] = figures.spec_curve_figure(
            c, choices, u.defaults, dim_labels=dims, option_labels=options, term_labels=dict(m.term_labels),
            joint={"median": -0.2, "share_significant": 0.6, "p_median_text": "0.008", "p_share_text": "\u2264 1/501"},
            source_label=label, synthetic=True, direction=settings.multiverse.direction)
    by_group = domains.domain_estimates(stand_in.design(replicates=False), stand_in.frame, settings,
                                        domains.variables(settings, load_codebook(ROOT / settings.data.codebook)))
    out["domains"] = figures.domain_figure(round_frame(by_group), indices=[(b, settings.scales[b].label)
                                                                           for b in settings.batteries],
                                           source_label=label, synthetic=True, method="linearization",
                                           axis_labels={b: "Mean (1 = strongly oppose, 5 = strongly support)"
                                                        for b in settings.batteries})
    yield out
    for fig in out.values():
        plt.close(fig)


def test_the_figures_are_drawn_at_the_papers_text_width(drawn):
    """US letter (the article class's default) with 1 in margins: a text width of 6.5 in, the width every
    figure is drawn at."""
    assert "\\usepackage[margin=1in]{geometry}" in PAPER and "a4paper" not in PAPER
    assert figures.WIDTH == 8.5 - 2
    for name, fig in drawn.items():
        assert fig.get_size_inches()[0] == figures.WIDTH, name


@pytest.mark.parametrize("name", FIGURES)
def test_every_text_is_at_least_7_pt_where_the_figure_is_printed(drawn, name):
    fig = drawn[name]
    size, text = figures.text_sizes(fig, printed_width(name))[0]
    assert size >= figures.MIN_PRINTED_PT, (size, text)


@pytest.mark.parametrize("name", FIGURES)
def test_no_text_overlaps_another_or_runs_off_the_figure(drawn, name):
    assert figures.text_overlaps(drawn[name]) == []


@pytest.mark.parametrize("name", FIGURES)
def test_no_line_or_marker_runs_through_a_text(drawn, name):
    assert figures.lines_crossing_text(drawn[name]) == []


@pytest.mark.parametrize("name", FIGURES)
def test_no_figure_shows_a_variable_name(drawn, name, codebook, settings):
    """Labels from the configuration, never analysis names (s_jobs, ccp_or_state, log(income_k)): every name of
    the codebook, the scales and the models' terms that is not also a word of some configured label."""
    words = set()
    for text in [*settings.models.term_labels.values(), *(s.label for s in settings.scales.values()),
                 *(it.label for s in settings.scales.values() for it in s.items),
                 *settings.response_scale.labels.values(), settings.data.label]:
        words |= set(re.findall(r"[\w()]+", text))
    names = {*codebook.by_var, *codebook.derived, *settings.scales, *settings.models.term_labels}
    names = sorted(n for n in names if n not in words and n != "_intercept_")
    assert "s_jobs" in names and "ccp_or_state" in names
    assert figures.names_shown(drawn[name], names) == []


@pytest.mark.parametrize("name", FIGURES)
def test_no_figure_carries_its_title(drawn, name, settings):
    """The title opens the caption; the image has no suptitle and shows no configured title."""
    fig = drawn[name]
    titles = captions.figure_titles(settings).values()
    assert fig.get_suptitle() == ""
    shown = [t.get_text() for t in figures._texts(fig)]
    assert not [t for t in shown for title in titles if captions.caption_opening(title) in t]


def test_legends_sit_just_above_the_panel_they_explain(drawn):
    """Beside what they explain: every legend is off the panels and within 0.5 in above the top of one."""
    for name, fig in drawn.items():
        r = figures._draw(fig)
        legends = [*fig.legends, *[ax.get_legend() for ax in fig.axes if ax.get_legend()]]
        assert legends or name == "weights", name
        for leg in legends:
            box = leg.get_window_extent(r)
            panels = [ax.get_window_extent(r) for ax in fig.axes]
            assert not any(box.overlaps(p) for p in panels), name
            gaps = [(box.y0 - p.y1) / fig.dpi for p in panels if box.y0 >= p.y1 - 1]
            assert gaps and min(gaps) <= 0.5, (name, gaps)


def colours(ax) -> set[str]:
    """The colours an axes draws its data with (lines, markers, intervals)."""
    out = set()
    for line in ax.lines:
        out |= {matplotlib.colors.to_hex(line.get_color()), matplotlib.colors.to_hex(line.get_markerfacecolor())}
    for coll in ax.collections:
        out |= {matplotlib.colors.to_hex(c) for c in coll.get_edgecolors()}
    return out


def test_figure_3_gives_each_colour_one_meaning(drawn):
    """The colours that highlight the political-capital terms and those of the predicted levels are distinct."""
    axes = drawn["figure3"].axes
    terms = set().union(*(colours(ax) for ax in axes[:-1]))
    levels = colours(axes[-1])
    assert matplotlib.colors.to_hex(figures.HIGHLIGHT) in terms and len(levels) >= 2
    assert terms.isdisjoint(levels), terms & levels


def test_the_specification_curve_explains_its_colours(drawn, settings):
    """Every colour of the estimates and of the option marks has a legend entry."""
    for y in settings.multiverse.outcomes:
        fig = drawn[f"multiverse_{y}"]
        legend = fig.legends[0]
        keyed = {matplotlib.colors.to_hex(h.get_color()) for h in legend.legend_handles}
        used = set().union(*(colours(ax) for ax in fig.axes)) - {matplotlib.colors.to_hex("0.2"),
                                                                   matplotlib.colors.to_hex("0.85")}  # zero, rules
        assert used <= keyed, used - keyed
        assert [t.get_text() for t in legend.get_texts()][1:] == ["not significant", "the configured analysis"]
        # the options as the configuration names them: item labels, not variable names
        labels = " ".join(t.get_text() for t in fig.axes[1].get_yticklabels())
        assert "without " + settings.scales[y].items[0].label.lower() in labels  # (inside the phrase)


def test_a_legend_of_several_rows_reads_row_by_row(drawn, settings):
    """The Likert chart's legend (the answers, then "don't know") reads left to right, then the next row."""
    fig = drawn[f"likert_{settings.batteries[0]}"]
    r = figures._draw(fig)
    texts = [(round(-t.get_window_extent(r).y0), t.get_window_extent(r).x0, t.get_text()) for t in fig.legends[0].texts]
    assert len({y for y, _, _ in texts}) > 1  # (more than one row: else the order is trivial)
    read = [text for _, _, text in sorted(texts)]
    codes = [text.split(" ")[0] for text in read if text.split(" ")[0].isdigit()]
    assert len(codes) == len(settings.response_scale.labels) and codes == sorted(codes, key=int), read


def test_the_legend_of_figures_1_and_2_is_outside_the_data(drawn):
    fig = drawn["items_surveillance"]
    r = figures._draw(fig)
    legend = fig.legends[0].get_window_extent(r)
    assert legend.y0 >= fig.axes[0].get_window_extent(r).y1  # above the plotting area, not on an item's row


def test_figure_3_shows_the_margins_on_the_whole_response_scale_and_one_coefficient_axis(drawn):
    """The predicted index is drawn on the scale's range (1-5 here), so that a gap is not magnified, and both
    coefficient panels share their axis (the same ticks)."""
    axes = drawn["figure3"].axes
    margins = axes[-1]
    lo, hi = margins.get_xlim()
    assert lo <= 1 and hi >= 5 and hi - lo < 4.5 and list(margins.get_xticks()) == [1, 2, 3, 4, 5]
    assert list(axes[0].get_xticks()) == list(axes[1].get_xticks()) and axes[0].get_xlim() == axes[1].get_xlim()
    assert axes[0].get_position().width == pytest.approx(axes[1].get_position().width)


# --------------------------------------------------------------------------- titles in the captions
def test_every_figure_has_a_title_from_the_configuration(settings):
    titles = captions.figure_titles(settings)
    for i, b in enumerate(settings.batteries, 1):
        assert titles[b] == f"Figure {i}. {settings.figures.titles[b]}" and f"likert_{b}" in titles
    assert titles["models"] == f"Figure 3. {settings.figures.titles['models']}"
    assert {f"multiverse_{y}" for y in settings.multiverse.outcomes} <= set(titles)
    # a figure the configuration does not name is named from its labels
    bare = captions.figure_titles(replace(settings, figures={"titles": {}}))
    assert bare["surveillance"] == "Figure 1. " + settings.scales["surveillance"].label
    assert bare["multiverse_punishment"] == "Figure 5. Specification curve: " + settings.scales["punishment"].label


def test_the_report_captions_open_with_each_figures_own_title(cfg, settings):
    """A figure's caption in the finished report opens with its own title (its label, moved there), never with
    the titles of the other figures its rule draws; the caption files name no title themselves."""
    import jinja2

    from scs.report import report_page

    titles = captions.figure_titles(settings)
    for name in ("figure_items", "likert", "figure3", "multiverse_figure", "weight_distribution", "domain_figure"):
        text = (ROOT / "workflow" / "report" / f"{name}.rst").read_text()
        rendered = jinja2.Environment().from_string(text).render(snakemake=SimpleNamespace(config=cfg))
        assert not any(t in rendered for t in titles.values()), name
    first, second = settings.batteries[0], settings.batteries[1]
    results = {f"results/figures/{b}.png": {"caption": "<p>Items.</p>", "job_properties": {"rule": "figures"},
                                             "labels": {"exhibit": f"3.0{i} x", "figure_title": titles[b]}}
               for i, b in enumerate((first, second), 1)}
    page = ("<html><body><div id='app'></div>\n<script id=\"results\">\n    var results = "
            f"{json.dumps(results)};\n    </script>\n</body></html>")
    finished = report_page.results_of(report_page.finish(page, settings.data))
    for b, other in ((first, second), (second, first)):
        result = finished[f"results/figures/{b}.png"]
        assert result["caption"].startswith(f"<p><strong>{html.escape(titles[b])}")
        assert html.escape(titles[other]) not in result["caption"] and "figure_title" not in result["labels"]


def test_the_papers_captions_open_with_the_titles(settings):
    """The paper registers each figure with its number and the configuration's title (setup.tex, written from
    the configuration); the manuscript's figure macros open their captions with that title."""
    from scs.report import paper

    files = {"descriptives": "d.tex", "regressions": "r.tex", "models": "figures/m.pdf",
             **{f"items.{b}": f"figures/{b}.pdf" for b in settings.batteries},
             **{f"specification_curve.{y}": f"figures/c_{y}.pdf" for y in settings.multiverse.outcomes}}
    setup = paper.setup_tex(settings, paper.Citation(title="T", authors=("A",), date="2026-12-01", version="0",
                                                     keywords=()), files, prose="p.tex")
    titles = captions.figure_titles(settings)
    numbers = paper.figure_numbers(settings)
    for b in settings.batteries:
        assert re.search(rf"\\PaperItemFigure\{{{b}\}}\{{{numbers['items.' + b]}\}}\{{figures/{b}.pdf\}}\{{"
                         + re.escape(captions.caption_opening(titles[b])), setup), b
    for macro in ("PaperItemFigure", "PaperCapitalFigure", "PaperCurveFigure"):
        body = re.search(rf"\\newcommand\{{\\{macro}\}}.*?\\caption\{{(.)", PAPER, re.S)
        assert body, macro
