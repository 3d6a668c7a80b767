"""Figures: byte-stable PNG and PDF, with the data source printed on each, and checks of what a reader can
read: no text smaller than 7 pt at the printed size, no two texts overlapping, no line or marker through a
text.

Every figure is drawn at its printed width (``WIDTH``, the paper's text width) with no text under ``SMALL``
points, so that it stays legible at that width and also at 0.9 of it (the paper prints Figures 1 and 2 so).
A figure carries no title: its title (config ``figures.titles``) is the first sentence of its caption, in
the report (``workflow/report/*.rst``) as in the paper. What the figure shows that a caption cannot, it
says in the image: the data it was built from, and what its colours and lines mean.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import matplotlib
import matplotlib.collections
import matplotlib.lines
import matplotlib.text
import matplotlib.ticker
import matplotlib.transforms

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from scs.report.tables import ci_label, se_phrase

WIDTH = 6.5          # inches: the width every figure is drawn and printed at (the paper's \textwidth)
MIN_PRINTED_PT = 7   # the smallest text a printed figure may show
SMALL = 8            # the smallest font size drawn: 7.2 pt where a figure is printed at 0.9 of its width
FONT = "DejaVu Sans"
# read when a figure is drawn or saved (not when it is made): the same for its layout, its checks and its files
RENDER = {
    "text.hinting": "none",  # text as wide at every resolution: the layout measured on screen holds in the PNG
    "pdf.fonttype": 42,
    "svg.hashsalt": "scs",
}
STYLE = {
    **RENDER,
    "font.family": FONT,
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.labelsize": 8.5,
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "legend.fontsize": SMALL,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# a plain white style with outward ticks (seaborn's "ticks" style, without importing seaborn in the figure jobs)
TICKS = {"figure.facecolor": "white", "axes.facecolor": "white", "axes.edgecolor": ".15", "axes.labelcolor": ".15",
         "text.color": ".15", "xtick.color": ".15", "ytick.color": ".15", "xtick.direction": "out",
         "ytick.direction": "out", "xtick.top": False, "ytick.right": False, "xtick.bottom": True, "ytick.left": True,
         "axes.axisbelow": True, "axes.grid": False, "grid.color": ".8", "grid.linestyle": "-",
         "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
         "axes.spines.left": True, "axes.spines.bottom": True}
SYNTH_COLOR = "#b2182b"   # the warning that the data are synthetic (text only)
POINT_COLOR = "#2166ac"   # the estimates of a figure with one kind of estimate
HIGHLIGHT = "#7b3294"     # Figure 3: the political-capital terms
OTHER_TERMS = "0.3"       # Figure 3: every other term
LEVEL_COLORS = ["#0072b2", "#e69f00", "#009e73", "#56b4e9"]  # Figure 3: the levels of the predictive margins
LEVEL_MARKERS = ["o", "s", "D", "^"]
NOT_SIGNIFICANT = "0.6"   # specification curve: estimates that are not significant
CONFIGURED = "0.05"       # specification curve: the ring around the configured analysis
LINE_IN = 1.25 * SMALL / 72   # the height of a line of the notes, inches
LEGEND_ROW_IN = 0.2            # the height of a row of a legend, inches
PAD_IN = 0.08                 # the figure's margin, inches


def save(fig, png: str | Path, pdf: str | Path, dpi: int = 300) -> None:
    """Write PNG and PDF without timestamps or version strings, so reruns give the same bytes."""
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(RENDER):
        fig.savefig(png, dpi=dpi, metadata={"Software": None})
        fig.savefig(pdf, metadata={"Creator": "scs-pipeline", "Producer": None, "CreationDate": None})
    plt.close(fig)


def _draw(fig):
    """Draw ``fig`` as :func:`save` does; its renderer."""
    with plt.rc_context(RENDER):
        fig.canvas.draw()
    return fig.canvas.get_renderer()


def text_width(text: str, size: float = SMALL, weight: str = "normal") -> float:
    """The width of one line of text in inches (the font's metrics; no figure needed)."""
    w, _, _ = TextToPath().get_text_width_height_descent(text, FontProperties(family=FONT, size=size,
                                                                              weight=weight), ismath=False)
    return w / 72


def wrap(text: str, width_in: float, size: float = SMALL) -> list[str]:
    """``text`` broken into lines no wider than ``width_in`` inches (at word boundaries)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width_in:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def num(value: float, digits: int = 2) -> str:
    """A number as the figures print it: fixed decimals, a true minus sign."""
    return f"{value:.{digits}f}".replace("-", "\u2212")


def _legend_layout(labels: list[str], handle_in: float = 0.45) -> tuple[int, int]:
    """(columns, rows) of a legend of entries ``labels`` that fits in one line of the figure, or in several."""
    widths = [text_width(t) + handle_in for t in labels]
    for ncol in range(len(labels), 0, -1):
        cols = [max(widths[c::ncol]) for c in range(ncol)]
        if sum(cols) <= WIDTH - 2 * PAD_IN:
            return ncol, int(np.ceil(len(labels) / ncol))
    return 1, len(labels)


def _figure(body_in: float, *, source_label: str, synthetic: bool, note: str = "", header: list[str] = (),
            legend: list[str] = ()):
    """A figure ``WIDTH`` inches wide: the synthetic-data warning, ``header`` lines and room for a legend of
    entries ``legend`` (see :func:`_header_legend`) at the top, the data it was built from and ``note`` at the
    bottom, and ``body_in`` inches between them for the panels (laid out by constrained layout)."""
    data_lines = wrap(f"Data: {source_label}", WIDTH - 2 * PAD_IN)
    note_lines = wrap(note, WIDTH - 2 * PAD_IN) if note else []
    lines = data_lines + note_lines
    header = [part for line in header for part in wrap(line, WIDTH - 2 * PAD_IN)]
    top = [*(["SYNTHETIC DATA \u2013 NOT A FINDING"] if synthetic else []), *header]
    legend_in = _legend_layout(list(legend))[1] * LEGEND_ROW_IN + 0.04 if legend else 0.0
    top_in = PAD_IN + LINE_IN * len(top) + legend_in + (0.04 if top else 0)
    bottom_in = PAD_IN + LINE_IN * len(lines) + 0.04
    height = top_in + body_in + bottom_in
    fig = plt.figure(figsize=(WIDTH, height), layout="constrained")
    fig.get_layout_engine().set(rect=(PAD_IN / WIDTH, bottom_in / height, 1 - 2 * PAD_IN / WIDTH, body_in / height),
                                w_pad=0.02, h_pad=0.03)
    x = PAD_IN / WIDTH
    y = 1 - PAD_IN / height
    if synthetic:
        fig.text(x, y, top[0], ha="left", va="top", fontsize=SMALL, fontweight="bold", color=SYNTH_COLOR)
        y -= LINE_IN / height
    if header:
        fig.text(x, y, "\n".join(header), ha="left", va="top", fontsize=SMALL, linespacing=1.25)
        y -= LINE_IN * len(header) / height
    fig.scs_legend_top = y - 0.02 / height
    # the data line in the warning's colour (synthetic data), the notes on method in grey below it
    fig.text(x, (PAD_IN + LINE_IN * len(note_lines)) / height, "\n".join(data_lines), ha="left", va="bottom",
             fontsize=SMALL, linespacing=1.25, color=SYNTH_COLOR if synthetic else "0.35")
    if note_lines:
        fig.text(x, PAD_IN / height, "\n".join(note_lines), ha="left", va="bottom", fontsize=SMALL, linespacing=1.25,
                 color="0.35")
    return fig


def _header_legend(fig, handles: list, labels: list[str]) -> None:
    """The legend in the room :func:`_figure` kept for it above the panels: beside what it explains, and
    off the data (its markers are not read as data points)."""
    ncol, _ = _legend_layout(labels)
    # matplotlib fills a legend column by column: hand it the entries so that they read row by row
    order = [i for c in range(ncol) for i in range(c, len(labels), ncol)]
    handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    leg = fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(PAD_IN / WIDTH, fig.scs_legend_top),
                     ncol=ncol, frameon=False, borderaxespad=0.0, borderpad=0.0, handlelength=1.4,
                     handletextpad=0.5, columnspacing=1.0)
    leg.set_in_layout(False)


def _settle(fig) -> None:
    """Lay the figure out for good: an axis label wider than its axes (which constrained layout does not
    make room for) wrapped to the axes' width, the layout made again, then kept as it is (rounded)."""
    fig.canvas.draw()
    for ax in fig.axes:
        label = ax.xaxis.label
        width = ax.get_window_extent().width / fig.dpi
        if label.get_text() and text_width(label.get_text(), label.get_fontsize()) > width:
            label.set_text("\n".join(wrap(label.get_text(), width, label.get_fontsize())))
    fig.canvas.draw()
    fig.set_layout_engine("none")
    for ax in fig.axes:  # the layout solver's last digits vary from run to run: the same bytes every time
        box = ax.get_position()
        ax.set_position([round(v, 6) for v in (box.x0, box.y0, box.width, box.height)])


def _scale_ticks(ax, scale_labels: dict) -> tuple[int, int]:
    """x ticks at every code of the response scale, labelled with the code and its label; the axis spans the
    whole scale. Returns the lowest and highest code."""
    ticks = sorted(int(k) for k in scale_labels)
    ax.set_xticks(ticks, [f"{k}\n" + "\n".join(textwrap.wrap(str(scale_labels[k]), 10)) for k in ticks])
    ax.set_xlim(ticks[0] - 0.15, ticks[-1] + 0.15)
    return ticks[0], ticks[-1]


# --------------------------------------------------------------------------- Figures 1 and 2
def item_figure(est: pd.DataFrame, *, index_label: str, index_mean: float, scale_labels: dict, source_label: str,
                synthetic: bool, ci_level: float = 0.95, method: str = "linearization", midpoint: float | None = None,
                weighting: str = "Weighted to census margins", design=None, calibrated: bool = True):
    """Items sorted by weighted mean (highest on top): point and CI on the whole response scale, dashed line
    at the index mean, a light line at the scale's ``midpoint`` (None: halfway between its lowest and highest
    code), the means in a column right of the plot (where no line runs). Items without answers (or withheld as
    small cells) are listed without a point; ``weighting``: how the estimates are weighted, in words."""
    items = est.copy()
    for c in ("mean", "ci_low", "ci_high"):
        items[c] = pd.to_numeric(items[c], errors="coerce")
    items = items.sort_values("mean", ascending=True, kind="stable", na_position="first")
    n = len(items)
    with plt.rc_context(STYLE):
        entries = [f"Weighted mean, {ci_label(ci_level)}"]
        if np.isfinite(index_mean):
            entries.append(f"{index_label}: {num(index_mean)}")
        fig = _figure(0.27 * n + 0.95, source_label=source_label, synthetic=synthetic, legend=entries,
                      note=f"{weighting}; intervals {se_phrase(method, design, calibrated)}.")
        ax = fig.add_subplot()
        y = np.arange(n)
        ax.errorbar(items["mean"], y, xerr=[items["mean"] - items["ci_low"], items["ci_high"] - items["mean"]],
                    fmt="o", color=POINT_COLOR, ecolor=POINT_COLOR, elinewidth=1.3, capsize=2.5, markersize=4.5,
                    label=entries[0])
        lo, hi = _scale_ticks(ax, scale_labels)
        ax.axvline((lo + hi) / 2 if midpoint is None else midpoint, color="0.85", linewidth=0.8, zorder=0)
        if np.isfinite(index_mean):
            ax.axvline(index_mean, color="0.3", linestyle="--", linewidth=1, label=entries[1])
        ax.set_yticks(y, items["label"])
        ax.set_ylim(-0.6, n - 0.4)
        col = matplotlib.transforms.blended_transform_factory(ax.transAxes, ax.transData)
        ax.text(1.02, n - 0.4, "Mean", transform=col, ha="left", va="bottom", fontsize=SMALL, fontweight="bold")
        for yi, m in zip(y, items["mean"]):
            if np.isfinite(m):
                ax.text(1.02, yi, num(m), transform=col, ha="left", va="center", fontsize=SMALL)
        _header_legend(fig, *ax.get_legend_handles_labels())
        ax.grid(axis="x", color="0.92", linewidth=0.6)
        _settle(fig)
    return fig


# --------------------------------------------------------------------------- Likert charts
LIKERT_COLORS = ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"]


def likert_figure(dist: pd.DataFrame, order: list[str], *, scale_labels: dict, source_label: str, synthetic: bool,
                  dk_label: str = "Don't know"):
    """A diverging stacked bar per item: weighted shares of each answer among the substantive answers,
    oppose to the left of zero, support to the right, the middle category split across zero; the share of
    "don't know" (among all answers) in a panel of its own, on the same scale. Items in ``order`` (top first,
    as in Figures 1-2). A share is printed in its bar where the bar is wide enough for it."""
    codes = sorted(int(k) for k in scale_labels)
    mid = (len(codes) - 1) / 2
    palette = (list(LIKERT_COLORS) if len(codes) == 5 else  # a diverging palette, its ends left out
               [tuple(c[:3]) for c in plt.get_cmap("RdBu")(np.linspace(0, 1, len(codes) + 2)[1:-1])])
    share = dist.pivot_table(index="var", columns="answer", values="share", aggfunc="first")
    labels = dist.drop_duplicates("var").set_index("var")["label"]
    order = [v for v in order if v in share.index][::-1]
    n = len(order)
    height = 0.7
    with plt.rc_context(STYLE):
        entries = [f"{c} {scale_labels[c]}" for c in codes] + [f"{dk_label} (% of all answers)"]
        fig = _figure(0.27 * n + 0.95, source_label=source_label, synthetic=synthetic, legend=entries,
                      note="Weighted shares (census-calibrated weights); a share is printed in its bar where the "
                           "bar has room for it.")
        # both panels on one scale (the same width per percentage point, the same tick step), the share of
        # "don't know" with room for its printed value
        step = 25
        dk_max = max([100 * float(share.loc[v].get("dk", 0) or 0) for v in order] or [0.0])
        dk_range = step * int(np.ceil((dk_max + 12) / step))
        ax, axd = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [200, dk_range]})
        y = np.arange(n)
        rows = []
        for v_i, v in enumerate(order):
            s = [100 * float(share.loc[v].get(str(c), 0.0) or 0.0) for c in codes]
            left = -sum(s[: int(np.ceil(mid))]) - (s[int(mid)] / 2 if float(mid).is_integer() else 0.0)
            for c_i, val in enumerate(s):
                ax.barh(v_i, val, left=left, height=height, color=palette[c_i], edgecolor="white", linewidth=0.5,
                        label=entries[c_i] if v_i == 0 else None)
                rows.append((v_i, c_i, left, val))
                left += val
            dk = 100 * float(share.loc[v].get("dk", 0.0) or 0.0)
            axd.barh(v_i, dk, height=height, color="0.55", label=entries[-1] if v_i == 0 else None)
            axd.text(dk, v_i, f" {dk:.1f}", va="center", ha="left", fontsize=SMALL)
        # the line at zero between the bars, not through the shares printed in them
        edges = [-0.6, *[e for i in y for e in (i - height / 2, i + height / 2)], n - 0.4]
        ax.vlines(np.zeros(n + 1), edges[0::2], edges[1::2], color="0.3", linewidth=0.8)
        ax.set_yticks(y, [labels[v] for v in order])
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlim(-100, 100)
        ax.set_xticks(np.arange(-100, 101, step), [f"{abs(t)}" for t in range(-100, 101, step)])
        ax.set_xlabel("% of substantive answers (oppose left, support right)")
        axd.set_xlabel("%")
        axd.set_xlim(0, dk_range)
        axd.set_xticks(np.arange(0, dk_range + 1, step))
        axd.tick_params(labelleft=False)
        handles, names = ax.get_legend_handles_labels()
        dk_handles, dk_names = axd.get_legend_handles_labels()
        _header_legend(fig, handles + dk_handles, names + dk_names)
        _settle(fig)  # the layout: how wide a percentage point is
        per_point = ax.get_window_extent().width / fig.dpi / 200
        for v_i, c_i, left, val in rows:
            if val * per_point >= text_width(f"{val:.0f}") + 0.05:
                ax.text(left + val / 2, v_i, f"{val:.0f}", ha="center", va="center", fontsize=SMALL,
                        color="white" if c_i in (0, len(codes) - 1) else "0.15")
    return fig


# --------------------------------------------------------------------------- the weights
def weight_figure(w: np.ndarray, *, summary: dict, source_label: str, synthetic: bool):
    bounds = (summary.get("bound_lower"), summary.get("bound_upper"))
    with plt.rc_context(STYLE):
        fig = _figure(2.7, source_label=source_label, synthetic=synthetic,
                      note="Dashed lines: the bounds of bounded raking. They bound each respondent's adjustment factor "
                           "(final over base weight), which is the weight relative to the mean when the base weights "
                           "are equal.")
        ax = fig.add_subplot()
        ax.hist(w, bins=np.linspace(0, max(float(np.max(w)) * 1.05, 1.5), 50), color=POINT_COLOR, alpha=0.85)
        for b in bounds:
            if b is not None:
                ax.axvline(b, color="0.3", linestyle="--", linewidth=1, zorder=0)
        ax.set_xlabel("Weight (mean = 1)")
        ax.set_ylabel("Respondents")
        # above the plotting area, where no bar or bound runs
        ax.text(1.0, 1.03, f"n = {summary['n']:,}; min {num(summary['weight_min'])}, max "
                f"{num(summary['weight_max'])}\nCV {num(summary['weight_cv'])}, Kish deff "
                f"{num(summary['kish_deff'])}, effective n {summary['effective_n']:.0f}", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=SMALL, linespacing=1.25)
        _settle(fig)
    return fig


# --------------------------------------------------------------------------- Figure 3
def _coefficient_panel(ax, sub: pd.DataFrame, terms: list[str], y: np.ndarray, highlight: list[str]) -> None:
    for yi, t in zip(y, terms):
        r = sub.loc[t]
        col = HIGHLIGHT if t in highlight else OTHER_TERMS
        ax.errorbar(r["coef"], yi, xerr=[[r["coef"] - r["ci_low"]], [r["ci_high"] - r["coef"]]], fmt="o",
                    color=col, ecolor=col, capsize=2, markersize=4, elinewidth=1.2)
    ax.axvline(0, color="0.4", linewidth=0.8)
    nh = sum(t in highlight for t in terms)
    if nh:
        ax.axhspan(y[0] + 0.5, y[nh - 1] - 0.5, color=HIGHLIGHT, alpha=0.07, zorder=0, linewidth=0)
    ax.grid(axis="x", color="0.92", linewidth=0.6)
    ax.set_ylim(y[-1] - 0.6, y[0] + 0.6)


def _margins_panel(ax, pred: pd.DataFrame, outcomes: list[str], outcome_labels: dict, predict_label: str,
                   level_labels: dict, ci_level: float, scale_labels: dict) -> list[tuple[float, str]]:
    """Predictive margins per outcome (a row each, the levels one above the other) on the whole response
    scale, each level's value printed on the side of its interval with more room. Returns the differences
    to print beside the panel: (row, text)."""
    n = len(outcomes)
    ypos = {o: n - 1 - i for i, o in enumerate(outcomes)}
    levels = list(dict.fromkeys(pred["level"]))
    offsets = np.linspace(0.2, -0.2, len(levels)) if len(levels) > 1 else [0.0]
    lo, hi = _scale_ticks(ax, scale_labels)

    def name(lvl):
        return level_labels.get(f"{lvl:g}", f"{lvl:g}")

    for k, (lvl, off) in enumerate(zip(levels, offsets)):
        sub = pred[pred.level == lvl]
        ys = [ypos[o] + off for o in sub.outcome]
        col = LEVEL_COLORS[k % len(LEVEL_COLORS)]
        ax.errorbar(sub["predicted"], ys, xerr=[sub["predicted"] - sub["ci_low"], sub["ci_high"] - sub["predicted"]],
                    fmt=LEVEL_MARKERS[k % len(LEVEL_MARKERS)], color=col, ecolor=col, capsize=2.5, markersize=4.5,
                    elinewidth=1.3, label=f"{predict_label}: {name(lvl)}")
        for yv, v, a, b in zip(ys, sub["predicted"], sub["ci_low"], sub["ci_high"]):
            right = hi - b >= a - lo
            ax.annotate(num(v), (b if right else a, yv), xytext=(4 if right else -4, 0), textcoords="offset points",
                        ha="left" if right else "right", va="center", fontsize=SMALL)
    ax.set_yticks([ypos[o] for o in outcomes], [outcome_labels[o] for o in outcomes])
    ax.set_ylim(-0.5, n - 0.5)
    ax.set_xlabel(f"Predicted index ({ci_label(ci_level)})")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=len(levels), frameon=True, borderaxespad=0.2)
    out = []
    if "difference" in pred and pred["difference"].notna().any():
        off = dict(zip(levels, offsets))
        for r in pred[pred["difference"].notna()].itertuples():
            out.append((ypos[r.outcome] + off[r.level], f"{name(r.level)} \u2212 {name(levels[0])}: "
                        f"{num(r.difference)}\n[{num(r.difference_ci_low)}, {num(r.difference_ci_high)}]"))
    return out


def coefficient_figure(coefs: pd.DataFrame, pred: pd.DataFrame, *, outcomes: list[str], outcome_labels: dict,
                       highlight: list[str], term_labels: dict, source_label: str, synthetic: bool,
                       scale_labels: dict, ci_level: float = 0.95, predict_label: str = "CCP member",
                       level_labels: dict | None = None, method: str = "linearization", design=None,
                       calibrated: bool = True):
    """Full-model coefficients for each outcome side by side (one coefficient axis for all, the
    political-capital terms ``highlight`` first and highlighted), and below them the predictive margins on
    the whole response scale (``scale_labels``: code -> label) with the differences between the levels."""
    terms = [t for t in dict.fromkeys(coefs["term"]) if t != "_intercept_"]
    terms = [t for t in terms if t in highlight] + [t for t in terms if t not in highlight]
    nt, no = len(terms), len(outcomes)
    with plt.rc_context(STYLE):
        fig = _figure(0.2 * nt + 0.45 * no + 1.9, source_label=source_label, synthetic=synthetic,
                      note=f"Survey-weighted least squares, full model; intervals {se_phrase(method, design, calibrated)}. "
                           "Political-capital terms highlighted. Beside the predictive margins: their difference, "
                           f"with its own {ci_label(ci_level)} (not to be judged by the overlap of the intervals).")
        gs = fig.add_gridspec(2, no, height_ratios=[0.2 * nt, 0.45 * no])
        y = np.arange(nt)[::-1]
        axes = []
        for j, outc in enumerate(outcomes):
            ax = fig.add_subplot(gs[0, j], sharey=axes[0] if axes else None, sharex=axes[0] if axes else None)
            axes.append(ax)
            _coefficient_panel(ax, coefs[coefs.outcome == outc].set_index("term"), terms, y, highlight)
            ax.set_title(outcome_labels[outc], loc="left")
            ax.set_xlabel(f"Coefficient ({ci_label(ci_level)})")
            if j == 0:
                ax.set_yticks(y, [term_labels.get(t, t) for t in terms])
                for lab, t in zip(ax.get_yticklabels(), terms):
                    if t in highlight:
                        lab.set_color(HIGHLIGHT)
                        lab.set_fontweight("bold")
            else:
                ax.tick_params(labelleft=False)
        axes[0].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4))
        margins = fig.add_subplot(gs[1, :])
        differences = _margins_panel(margins, pred, outcomes, outcome_labels, predict_label, level_labels or {},
                                     ci_level, scale_labels)
        _settle(fig)
        if differences:  # a column right of the margins: the panel made narrower by its width
            col_in = max(text_width(line) for _, t in differences for line in t.split("\n")) + 0.1
            box = margins.get_position()
            right = axes[-1].get_position().x1
            margins.set_position([box.x0, box.y0, right - col_in / WIDTH - box.x0, box.height])
            at = matplotlib.transforms.blended_transform_factory(fig.transFigure, margins.transData)
            for yv, t in differences:
                margins.text(right, yv, t, transform=at, ha="right", va="center", fontsize=SMALL, linespacing=1.2)
    return fig


# --------------------------------------------------------------------------- the indices by group
def domain_figure(est: pd.DataFrame, *, indices: list[tuple[str, str]], source_label: str, synthetic: bool,
                  ci_level: float = 0.95, method: str = "linearization", axis_labels: dict | None = None,
                  design=None, calibrated: bool = True, weighting: str = "Weighted to census margins"):
    """The mean of each index (one panel each, ``indices``: variable and label; ``axis_labels``: each panel's
    axis title) in every level of every group (rows: a group's label in bold, then its levels), with its
    interval; a dashed line at the index's mean over all respondents (the rows of group ``all``; its value in
    the panel's title). A withheld level (a small cell) is listed without a point. The axis spans at least
    one point of the response scale, so that a gap is not magnified."""
    est = est.copy()
    for c in ("mean", "ci_low", "ci_high"):
        est[c] = pd.to_numeric(est[c], errors="coerce")
    rows = est[(est.group != "all") & (est["var"] == indices[0][0])] if indices else est.iloc[:0]
    labels, keys = [], []
    for g, glabel in dict.fromkeys(zip(rows["group"], rows["group_label"])):
        labels.append(glabel)
        keys.append(None)
        for r in rows[rows.group == g].itertuples():
            labels.append(str(r.level_label))
            keys.append((g, str(r.level)))
    y = np.arange(len(labels))[::-1]
    with plt.rc_context(STYLE):
        entries = [f"Weighted mean, {ci_label(ci_level)}", "All respondents"]
        fig = _figure(0.2 * len(labels) + 0.95, source_label=source_label, synthetic=synthetic, legend=entries,
                      note=f"Domain estimates on the whole design. {weighting}; intervals "
                           f"{se_phrase(method, design, calibrated)}. A level withheld as a small cell has no point. "
                           "Each axis spans the estimates (at least one point of the scale), not the whole "
                           "response scale.")
        axes = fig.subplots(1, max(1, len(indices)), sharey=True, squeeze=False)[0]
        for ax, (var, vlabel) in zip(axes, indices):
            sub = est[est["var"] == var]
            at = {(r.group, str(r.level)): r for r in sub.itertuples()}
            pts = [(yi, at[k]) for yi, k in zip(y, keys) if k is not None and k in at and np.isfinite(at[k].mean)]
            ys = np.array([yi for yi, _ in pts])
            m = np.array([r.mean for _, r in pts])
            lo = np.array([r.ci_low for _, r in pts])
            hi = np.array([r.ci_high for _, r in pts])
            ax.errorbar(m, ys, xerr=[m - lo, hi - m], fmt="o", color=POINT_COLOR, ecolor=POINT_COLOR, elinewidth=1.2,
                        capsize=2, markersize=4, label=entries[0])
            overall = sub[sub.group == "all"]["mean"]
            values = [*lo, *hi]
            title = vlabel
            if len(overall) and np.isfinite(overall.iloc[0]):
                ax.axvline(overall.iloc[0], color="0.3", linestyle="--", linewidth=1, label=entries[1])
                values.append(overall.iloc[0])
                title = f"{vlabel} (all: {num(overall.iloc[0])})"
            if values:
                lo_x, hi_x = float(np.nanmin(values)), float(np.nanmax(values))
                pad = max(0.0, (1.0 - (hi_x - lo_x)) / 2)
                ax.set_xlim(lo_x - pad - 0.05, hi_x + pad + 0.05)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4))
            ax.set_title(title, loc="left")
            ax.set_xlabel((axis_labels or {}).get(var, "Mean on the response scale"))
            ax.grid(axis="x", color="0.92", linewidth=0.6)
            ax.grid(axis="y", color="0.95", linewidth=0.6)
        axes[0].set_yticks(y, labels)
        axes[0].set_ylim(-0.6, len(labels) - 0.4)
        for lab, k in zip(axes[0].get_yticklabels(), keys):
            if k is None:  # a group's label above its levels
                lab.set_fontweight("bold")
        _header_legend(fig, *axes[0].get_legend_handles_labels())
        _settle(fig)
    return fig


# --------------------------------------------------------------------------- the specification curve
def p_phrase(text: str) -> str:
    """"p = 0.008", or "p ≤ 1/501" for a p-value printed as a bound."""
    return f"p {text}" if text.startswith(("\u2264", "<")) else f"p = {text}"


def spec_curve_figure(curve: pd.DataFrame, choices: dict[str, list[str]], defaults: dict[str, str], *,
                      dim_labels: dict[str, str], option_labels: dict[tuple[str, str], str], term_labels: dict,
                      joint: dict, source_label: str, synthetic: bool, ci_level: float = 0.95,
                      direction: str = "negative"):
    """Sorted estimates with their intervals (top) and the options that made each (below, one row per
    option, grouped by dimension, each named as the reader knows it: ``dim_labels``, ``option_labels``);
    the configured specification circled; a legend for the colours."""
    x = np.arange(len(curve))
    label_in = 2.8  # the widest option label; a longer one takes two lines
    rows = []  # (dimension, option, label lines)
    for d, opts in choices.items():
        for o in opts:
            text = option_labels.get((d, o), o) + (" *" if defaults.get(d) == o else "")
            rows.append((d, o, wrap(text, label_in)))
    heights = np.array([1.0 + 1.1 * (len(lines) - 1) for _, _, lines in rows])
    centres = np.cumsum(heights) - heights / 2
    row_in, curve_in = 0.13, 1.7
    terms = [term_labels.get(t, t) for t in dict.fromkeys(curve["term"])]
    header = [f"Estimates: the first focal term of each specification ({'; '.join(terms)})",
              f"Median {num(joint['median'], 3)} ({p_phrase(joint['p_median_text'])}); "
              f"{100 * joint['share_significant']:.1f}% significant in the claimed direction "
              f"({p_phrase(joint['p_share_text'])})"]
    entries = [f"significant ({direction}; two-sided {100 * (1 - ci_level):g}% test)", "not significant"]
    if curve["configured"].any():
        entries.append("the configured analysis")
    with plt.rc_context({**TICKS, **STYLE}):
        fig = _figure(curve_in + row_in * heights.sum() + 0.35, source_label=source_label, synthetic=synthetic,
                      header=header, legend=entries,
                      note="* the configured option of each dimension. "
                           + (f"{dim_labels.get('controls', 'Controls')} {', '.join(choices['controls'])}: the "
                              "controls of those models of the regression table. " if choices.get("controls") else "")
                           + "Survey-weighted least squares; raking-aware linearization SEs; joint test of "
                           "Simonsohn, Simmons and Nelson (2020).")
        gs = fig.add_gridspec(2, 1, height_ratios=[curve_in, row_in * heights.sum()])
        ax = fig.add_subplot(gs[0])
        bx = fig.add_subplot(gs[1], sharex=ax)
        sig = curve["sig"].to_numpy(bool)
        # the intervals light, the estimates in full colour on top (so that the curve shows through the band)
        ax.vlines(x, curve["ci_low"], curve["ci_high"], color=np.where(sig, POINT_COLOR, NOT_SIGNIFICANT), lw=0.6,
                  alpha=0.3)
        for on, color in ((sig, POINT_COLOR), (~sig, NOT_SIGNIFICANT)):  # one marker set per colour: quick to draw
            ax.plot(x[on], curve["coef"].to_numpy()[on], "o", ms=2.2, mew=0, color=color, zorder=3)
        ax.axhline(0, color="0.2", lw=0.8)
        handles = [matplotlib.lines.Line2D([], [], color=c, marker="o", ms=3, lw=0.8)
                   for c in (POINT_COLOR, NOT_SIGNIFICANT)]
        if curve["configured"].any():
            k = int(np.flatnonzero(curve["configured"].to_numpy())[0])
            ax.scatter([k], [curve["coef"].iloc[k]], s=36, facecolor="none", edgecolor=CONFIGURED, linewidth=1,
                       zorder=4)
            handles.append(matplotlib.lines.Line2D([], [], color=CONFIGURED, marker="o", ms=6, mfc="none", lw=0))
        _header_legend(fig, handles, entries)
        ax.set_ylabel(f"Coefficient ({ci_label(ci_level)})")
        ax.set_xlim(-1, len(curve))
        ax.tick_params(axis="x", bottom=False, labelbottom=False)
        xs, ys, cs = [], [], []  # a tick per specification and option, all in one collection
        for (d, o, _), yc in zip(rows, centres):
            on = curve[d].to_numpy() == o
            xs.append(x[on])
            ys.append(np.full(on.sum(), yc))
            cs.append(np.where(sig[on], POINT_COLOR, NOT_SIGNIFICANT))
        xs, ys, cs = np.concatenate(xs), np.concatenate(ys), np.concatenate(cs)
        bx.vlines(xs, ys - 0.3, ys + 0.3, colors=cs, lw=0.7)
        bx.set_yticks(centres, ["\n".join(lines) for _, _, lines in rows])
        for lab in bx.get_yticklabels():
            lab.set_linespacing(1.1)
        bx.tick_params(axis="y", length=0, pad=3)
        bx.set_ylim(heights.sum(), 0)
        bx.set_xlabel(f"{len(curve)} specifications, sorted by estimate")
        bx.tick_params(axis="x", bottom=False, labelbottom=False)
        for side in ("top", "right", "left"):
            bx.spines[side].set_visible(False)
        # each dimension named in bold left of the label of its first option; a rule between dimensions
        edge = 0.0
        for d in choices:
            mine = [i for i, r in enumerate(rows) if r[0] == d]
            first = rows[mine[0]][2]
            gap = text_width(first[0]) + 3 / 72 + 0.12
            at = bx.get_yaxis_transform() + matplotlib.transforms.ScaledTranslation(-gap, 0, fig.dpi_scale_trans)
            bx.text(0, centres[mine[0]] - (len(first) - 1) * 0.55, dim_labels.get(d, d), transform=at, ha="right",
                    va="center_baseline", fontsize=SMALL, fontweight="bold")
            if edge:
                bx.axhline(edge, color="0.85", lw=0.6)
            edge += heights[mine].sum()
        _settle(fig)
    return fig


# --------------------------------------------------------------------------- what a reader cannot read
def _texts(fig) -> list:
    """The texts a reader sees: visible, not empty, and (tick labels) at a tick inside its axis's range."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            tol = 1e-9 * max(1.0, hi - lo)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - tol <= tick.get_loc() <= hi + tol:
                    hidden.update((tick.label1, tick.label2))
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()
            and t not in hidden and t.get_figure(root=True) is fig]


def text_sizes(fig, printed_width: float = WIDTH) -> list[tuple[float, str]]:
    """Every visible text of ``fig`` with its size in points when the figure is printed ``printed_width``
    inches wide, smallest first."""
    scale = printed_width / fig.get_size_inches()[0]
    return sorted((t.get_fontsize() * scale, t.get_text()) for t in _texts(fig))


def text_overlaps(fig, *, pad: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty texts of ``fig`` whose drawn boxes overlap, and texts that do not fit in
    the figure: what a reader cannot read."""
    renderer = _draw(fig)
    boxes = [(t, t.get_window_extent(renderer).padded(-pad)) for t in _texts(fig)]
    out = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i][1], boxes[j][1]
            if a.width > 0 and b.width > 0 and a.overlaps(b):
                out.append((boxes[i][0].get_text(), boxes[j][0].get_text()))
    page = fig.bbox
    for t, box in boxes:
        if box.x0 < page.x0 or box.y0 < page.y0 or box.x1 > page.x1 or box.y1 > page.y1:
            out.append((t.get_text(), "the edge of the figure"))
    return out


def legend_overlaps(fig, *, pad: float = 1.0) -> list[str]:
    """The legends of ``fig`` drawn over data of their axes (a bar, a marker or a line passing under them):
    what they hide. A legend outside its axes hides nothing."""
    renderer = _draw(fig)
    out = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer).padded(-pad)
        if not box.overlaps(ax.get_window_extent(renderer)):
            continue
        hidden = [p for p in ax.patches if p.get_visible() and p.get_window_extent(renderer).overlaps(box)]
        for coll in ax.collections:
            pts = coll.get_offset_transform().transform(coll.get_offsets()) if len(coll.get_offsets()) else []
            if any(box.contains(x, y) for x, y in pts):
                hidden.append(coll)
        for line in ax.lines:
            xy = line.get_transform().transform(line.get_xydata()) if len(line.get_xydata()) else []
            if any(box.contains(x, y) for x, y in xy):
                hidden.append(line)
        if hidden:
            out.append(f"the legend of {ax.get_title() or 'an axes'!r} covers {len(hidden)} data element(s)")
    return out


def _hits(p0: np.ndarray, p1: np.ndarray, box) -> np.ndarray:
    """Which segments p0[i]-p1[i] (display coordinates) pass through the rectangle ``box`` (Liang-Barsky)."""
    d = p1 - p0
    t0, t1 = np.zeros(len(p0)), np.ones(len(p0))
    ok = np.isfinite(p0).all(axis=1) & np.isfinite(p1).all(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, (lo, hi) in enumerate(((box.x0, box.x1), (box.y0, box.y1))):
            for p, q in ((-d[:, k], p0[:, k] - lo), (d[:, k], hi - p0[:, k])):
                par = p == 0
                ok &= ~(par & (q < 0))
                r = np.where(par, 0.0, q / np.where(par, 1.0, p))
                t0 = np.where(~par & (p < 0), np.maximum(t0, r), t0)
                t1 = np.where(~par & (p > 0), np.minimum(t1, r), t1)
    return ok & (t0 <= t1)


def _drawn_lines(fig) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray, object]]:
    """What a figure draws as lines and markers: (what, segment starts, segment ends, marker boxes, clip box)
    in display coordinates. Tick marks are left out (they point at their own labels)."""
    ticks = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ticks.update((tick.tick1line, tick.tick2line))
    out = []
    px = fig.dpi / 72
    for art in fig.findobj(lambda a: isinstance(a, matplotlib.lines.Line2D | matplotlib.collections.Collection)):
        if art in ticks or not art.get_visible() or art.get_figure(root=True) is not fig:
            continue
        clip = art.get_clip_box() if art.get_clip_on() else None
        empty = np.empty((0, 2))
        if isinstance(art, matplotlib.lines.Line2D):
            pts = art.get_transform().transform(art.get_xydata())
            what = art.get_label() if art.get_label() and not art.get_label().startswith("_") else "a line"
            segs = (pts[:-1], pts[1:]) if art.get_linestyle() not in ("None", "", " ") and len(pts) > 1 else (
                empty, empty)
            marker = art.get_marker()
            half = art.get_markersize() * px / 2 if marker not in (None, "None", "", " ", "none") else 0
            out.append((what, *segs, (pts, half), clip))
        elif isinstance(art, matplotlib.collections.LineCollection):
            tr = art.get_transform()
            starts, ends = [], []
            for seg in art.get_segments():
                pts = tr.transform(np.asarray(seg, dtype=float))
                starts.append(pts[:-1])
                ends.append(pts[1:])
            if starts:
                out.append(("a line", np.concatenate(starts), np.concatenate(ends), (empty, 0), clip))
        elif isinstance(art, matplotlib.collections.PathCollection) and len(art.get_offsets()):
            pts = art.get_offset_transform().transform(np.asarray(art.get_offsets(), dtype=float))
            half = float(np.sqrt(np.max(art.get_sizes()))) * px / 2 if len(art.get_sizes()) else 0
            out.append(("a marker", empty, empty, (pts, half), clip))
    return out


def lines_crossing_text(fig, *, pad: float = 0.5) -> list[tuple[str, str]]:
    """(text, what crosses it) for every visible text of ``fig`` that a drawn line or marker runs through: a
    zero line, an index line, an interval, a grid line, a data point. Where a line is clipped to its axes,
    only the part inside counts."""
    renderer = _draw(fig)
    out = []
    lines = _drawn_lines(fig)
    for t in _texts(fig):
        box = t.get_window_extent(renderer).padded(-pad)
        if box.width <= 0 or box.height <= 0:
            continue
        for what, p0, p1, (pts, half), clip in lines:
            area = box if clip is None else matplotlib.transforms.Bbox.intersection(box, clip)
            if area is None:
                continue
            hit = len(p0) and _hits(p0, p1, area).any()
            if not hit and half and len(pts):
                ok = np.isfinite(pts).all(axis=1)
                hit = bool(np.any(ok & (pts[:, 0] + half > area.x0) & (pts[:, 0] - half < area.x1)
                                  & (pts[:, 1] + half > area.y0) & (pts[:, 1] - half < area.y1)))
            if hit:
                out.append((t.get_text(), what))
    return out


def names_shown(fig, names) -> list[tuple[str, str]]:
    """(text, name) for every visible text of ``fig`` that shows one of ``names`` (variable names) as a word."""
    out = []
    for t in _texts(fig):
        for name in names:
            if re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", t.get_text()):
                out.append((t.get_text(), name))
    return out
