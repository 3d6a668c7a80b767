"""Figures: byte-stable PNG and PDF, with the data source printed on each, and a check that no two
labels of a figure overlap."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from scs.report.tables import ci_label, se_phrase

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "svg.hashsalt": "scs",
    "pdf.fonttype": 42,
}
# a plain white style with outward ticks (seaborn's "ticks" style, without importing seaborn in the figure jobs)
TICKS = {"figure.facecolor": "white", "axes.facecolor": "white", "axes.edgecolor": ".15", "axes.labelcolor": ".15",
         "text.color": ".15", "xtick.color": ".15", "ytick.color": ".15", "xtick.direction": "out",
         "ytick.direction": "out", "xtick.top": False, "ytick.right": False, "xtick.bottom": True, "ytick.left": True,
         "axes.axisbelow": True, "axes.grid": False, "grid.color": ".8", "grid.linestyle": "-",
         "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
         "axes.spines.left": True, "axes.spines.bottom": True}
SYNTH_COLOR = "#b2182b"
POINT_COLOR = "#2166ac"
HIGHLIGHT = "#b2182b"


def save(fig, png: str | Path, pdf: str | Path, dpi: int = 300) -> None:
    """Write PNG and PDF without timestamps or version strings, so reruns give the same bytes."""
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=dpi, metadata={"Software": None})
    fig.savefig(pdf, metadata={"Creator": "scs-pipeline", "Producer": None, "CreationDate": None})
    plt.close(fig)


def source_note(fig, label: str, synthetic: bool, extra: str = "") -> None:
    text = f"Data: {label}" + (f"\n{extra}" if extra else "")
    fig.text(0.01, 0.01, text, ha="left", va="bottom", fontsize=7, color=SYNTH_COLOR if synthetic else "0.35",
             wrap=True)
    if synthetic:
        fig.text(0.01, 0.935, "SYNTHETIC DATA - NOT A FINDING", ha="left", va="top", fontsize=8, fontweight="bold",
                 color=SYNTH_COLOR)


# --------------------------------------------------------------------------- Figures 1 and 2
def item_figure(est: pd.DataFrame, *, title: str, index_label: str, index_mean: float, scale_labels: dict,
                source_label: str, synthetic: bool, ci_level: float = 0.95, method: str = "linearization"):
    """Items sorted by weighted mean (highest on top): point and CI, dashed line at the index mean.
    Items without answers (or withheld as small cells) are listed without a point."""
    items = est.copy()
    for c in ("mean", "ci_low", "ci_high"):
        items[c] = pd.to_numeric(items[c], errors="coerce")
    items = items.sort_values("mean", ascending=True, kind="stable", na_position="first")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(items) + 2.9))
        y = np.arange(len(items))
        ax.errorbar(items["mean"], y, xerr=[items["mean"] - items["ci_low"], items["ci_high"] - items["mean"]],
                    fmt="o", color=POINT_COLOR, ecolor=POINT_COLOR, elinewidth=1.4, capsize=3, markersize=5,
                    label=f"Weighted mean, {ci_label(ci_level)}")
        for yi, m, hi in zip(y, items["mean"], items["ci_high"]):
            if np.isfinite(m):
                ax.annotate(f"{m:.2f}", (hi, yi), xytext=(5, 0), textcoords="offset points", ha="left", va="center",
                            fontsize=7.5)
        if np.isfinite(index_mean):
            ax.axvline(index_mean, color="0.3", linestyle="--", linewidth=1, label=f"{index_label}: {index_mean:.2f}")
        ax.set_yticks(y, items["label"])
        ticks = sorted(int(k) for k in scale_labels)
        ax.axvline((ticks[0] + ticks[-1]) / 2, color="0.8", linewidth=0.8, zorder=0)  # the scale's midpoint
        ax.set_xticks(ticks, [f"{k}\n" + scale_labels[k].replace(" ", "\n", 1) for k in ticks], fontsize=8)
        ax.set_xlim(min(ticks) - 0.15, max(ticks) + 0.15)
        ax.set_ylim(-0.7, len(items) - 0.3)
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
        # the legend sits above the plotting area, framed, so that its marker is not read as a data point
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=2, fontsize=7.5, frameon=True, borderaxespad=0.2)
        ax.grid(axis="x", color="0.92", linewidth=0.6)
        source_note(fig, source_label, synthetic, f"Weighted to census margins; intervals {se_phrase(method)}.")
        fig.tight_layout(rect=(0, 0.06, 1, 0.93))
    return fig


# --------------------------------------------------------------------------- Likert charts
LIKERT_COLORS = ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"]


def likert_figure(dist: pd.DataFrame, order: list[str], *, title: str, scale_labels: dict, source_label: str,
                  synthetic: bool, dk_label: str = "Don't know"):
    """A diverging stacked bar per item: weighted shares of each answer among the substantive answers,
    oppose to the left of zero, support to the right, the middle category split across zero; the
    share of "don't know" in a panel of its own. Items in ``order`` (top first, as in Figures 1-2)."""
    codes = sorted(int(k) for k in scale_labels)
    mid = (len(codes) - 1) / 2
    palette = (list(LIKERT_COLORS) if len(codes) == 5 else  # a diverging palette, its ends left out
               [tuple(c[:3]) for c in plt.get_cmap("RdBu")(np.linspace(0, 1, len(codes) + 2)[1:-1])])
    share = dist.pivot_table(index="var", columns="answer", values="share", aggfunc="first")
    labels = dist.drop_duplicates("var").set_index("var")["label"]
    order = [v for v in order if v in share.index][::-1]
    longest = max((len(str(labels[v])) for v in order), default=10)
    with plt.rc_context(STYLE):
        fig, (ax, axd) = plt.subplots(1, 2, figsize=(9.0 + 0.06 * longest, 0.42 * len(order) + 2.9), sharey=True,
                                      gridspec_kw={"width_ratios": [5, 1], "wspace": 0.06})
        y = np.arange(len(order))
        for v_i, v in enumerate(order):
            s = [100 * float(share.loc[v].get(str(c), 0.0) or 0.0) for c in codes]
            left = -sum(s[: int(np.ceil(mid))]) - (s[int(mid)] / 2 if float(mid).is_integer() else 0.0)
            for c_i, val in enumerate(s):
                ax.barh(v_i, val, left=left, color=palette[c_i], edgecolor="white", linewidth=0.5,
                        label=f"{codes[c_i]} {scale_labels[codes[c_i]]}" if v_i == 0 else None)
                if val >= 7:
                    ax.text(left + val / 2, v_i, f"{val:.0f}", ha="center", va="center", fontsize=6.5,
                            color="white" if c_i in (0, len(codes) - 1) else "0.15")
                left += val
            dk = 100 * float(share.loc[v].get("dk", 0.0) or 0.0)
            axd.barh(v_i, dk, color="0.55")
            axd.text(dk + 0.5, v_i, f"{dk:.1f}", va="center", fontsize=6.5)
        ax.axvline(0, color="0.3", linewidth=0.8)
        ax.set_yticks(y, [labels[v] for v in order])
        ax.set_xlim(-100, 100)
        ax.set_xticks([-100, -50, 0, 50, 100], ["100", "50", "0", "50", "100"])
        ax.set_xlabel("% of substantive answers (oppose left, support right)")
        axd.set_xlabel(f"% {dk_label.lower()}")
        axd.set_xlim(0, max(10.0, float(np.nanmax([100 * float(share.loc[v].get("dk", 0) or 0) for v in order])) * 1.6))
        axd.tick_params(labelleft=False)
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=len(codes), fontsize=7, frameon=True,
                  borderaxespad=0.2, handlelength=1.0, columnspacing=0.8)
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
        source_note(fig, source_label, synthetic, "Weighted shares (census-calibrated weights); the numbers in the bars "
                    "are percentages of 7 or more.")
        width = fig.get_size_inches()[0]
        fig.subplots_adjust(left=min(0.45, (0.9 + 0.075 * longest) / width), right=0.97, top=0.84, bottom=0.17)
    return fig


# --------------------------------------------------------------------------- the weights
def weight_figure(w: np.ndarray, *, summary: dict, source_label: str, synthetic: bool):
    bounds = (summary.get("bound_lower"), summary.get("bound_upper"))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 3.8))
        ax.hist(w, bins=np.linspace(0, max(float(np.max(w)) * 1.05, 1.5), 50), color=POINT_COLOR, alpha=0.85)
        for b in bounds:
            if b is not None:
                ax.axvline(b, color="0.3", linestyle="--", linewidth=1, zorder=0)
        ax.set_xlabel("Weight (mean = 1)")
        ax.set_ylabel("Respondents")
        fig.suptitle("Distribution of the weights", x=0.01, ha="left", fontsize=11, fontweight="bold")
        ax.text(0.98, 0.95, f"n = {summary['n']:,}\nmin {summary['weight_min']:.2f}, max {summary['weight_max']:.2f}\n"
                f"CV {summary['weight_cv']:.2f}, Kish deff {summary['kish_deff']:.2f}\n"
                f"effective n {summary['effective_n']:.0f}",
                transform=ax.transAxes, ha="right", va="top", fontsize=8,
                bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.8"})
        source_note(fig, source_label, synthetic, "Dashed lines: the bounds on the weights relative to their mean "
                    "(on the adjustment factor for bounded raking).")
        fig.tight_layout(rect=(0, 0.08, 1, 0.87))
    return fig


# --------------------------------------------------------------------------- Figure 3
def _coefficient_panel(ax, sub: pd.DataFrame, terms: list[str], y: np.ndarray, highlight: list[str]) -> None:
    for yi, t in zip(y, terms):
        r = sub.loc[t]
        col = HIGHLIGHT if t in highlight else POINT_COLOR
        ax.errorbar(r["coef"], yi, xerr=[[r["coef"] - r["ci_low"]], [r["ci_high"] - r["coef"]]], fmt="o",
                    color=col, ecolor=col, capsize=2.5, markersize=4.5, elinewidth=1.3)
    ax.axvline(0, color="0.4", linewidth=0.8)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4))
    nh = sum(t in highlight for t in terms)
    if nh:
        ax.axhspan(y[0] + 0.5, y[nh - 1] - 0.5, color=HIGHLIGHT, alpha=0.06, zorder=0)
    ax.grid(axis="x", color="0.92", linewidth=0.6)


def _margins_panel(ax, pred: pd.DataFrame, outcomes: list[str], outcome_labels: dict, predict_label: str,
                   level_labels: dict, ci_level: float, scale_range: tuple[float, float] | None = None) -> None:
    """Predictive margins per outcome; each level's value printed on the outer side of its point, away
    from the other levels' intervals. ``scale_range``: the response scale's lowest and highest code, which
    the axis spans (so that a gap is seen at its size on the scale, not magnified)."""
    xpos = {o: i for i, o in enumerate(outcomes)}
    levels = list(dict.fromkeys(pred["level"]))
    offsets = np.linspace(-0.15, 0.15, len(levels)) if len(levels) > 1 else [0.0]
    colors = [POINT_COLOR, HIGHLIGHT, "#4d4d4d", "#1b7837"]
    for k, (lvl, off) in enumerate(zip(levels, offsets)):
        sub = pred[pred.level == lvl]
        xs = [xpos[o] + off for o in sub.outcome]
        ax.errorbar(xs, sub["predicted"], yerr=[sub["predicted"] - sub["ci_low"], sub["ci_high"] - sub["predicted"]],
                    fmt="o", color=colors[k % len(colors)], capsize=3, markersize=5,
                    label=f"{predict_label}: {level_labels.get(f'{lvl:g}', f'{lvl:g}')}")
        left = off < 0
        for x, v in zip(xs, sub["predicted"]):
            ax.annotate(f"{v:.2f}", (x, v), xytext=(-7 if left else 7, 0), textcoords="offset points", fontsize=7.5,
                        va="center", ha="right" if left else "left")
    if scale_range is not None:
        ax.set_ylim(*scale_range)
    if "difference" in pred and pred["difference"].notna().any():
        # the difference of the margins with its own interval: readers should not judge it by overlap
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi + 0.32 * (hi - lo))
        trans = matplotlib.transforms.blended_transform_factory(ax.transData, ax.transAxes)
        ref = level_labels.get(f"{levels[0]:g}", f"{levels[0]:g}")
        for r in pred[pred["difference"].notna()].itertuples():
            other = level_labels.get(f"{r.level:g}", f"{r.level:g}")
            ax.text(xpos[r.outcome], 0.97, f"{other} − {ref}:\n{r.difference:.2f}\n[{r.difference_ci_low:.2f}, "
                    f"{r.difference_ci_high:.2f}]", transform=trans, ha="center", va="top", fontsize=7)
    if scale_range is not None:  # ticks on the scale only (the room above holds the differences)
        lo, hi = scale_range
        ax.set_yticks(np.arange(lo, hi + 1) if float(lo).is_integer() and hi - lo <= 12 else np.linspace(lo, hi, 5))
        ax.spines["right"].set_bounds(lo, hi)
    ax.set_xticks(range(len(outcomes)), [outcome_labels[o].replace(" index", "\nindex") for o in outcomes])
    ax.set_xlim(-0.6, len(outcomes) - 0.4)
    ax.set_ylabel(f"Predicted index ({ci_label(ci_level)})")
    ax.yaxis.set_label_position("right")
    ax.yaxis.tick_right()
    ax.set_title("Predicted index", fontsize=10, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.13), fontsize=7.5, frameon=False)


def coefficient_figure(coefs: pd.DataFrame, pred: pd.DataFrame, *, outcomes: list[str], outcome_labels: dict,
                       highlight: list[str], term_labels: dict, title: str, source_label: str, synthetic: bool,
                       ci_level: float = 0.95, predict_label: str = "CCP member", level_labels: dict | None = None,
                       method: str = "linearization", scale_range: tuple[float, float] | None = None):
    """Full-model coefficients for each outcome side by side (one coefficient axis for all), plus the
    predictive margins on the response scale's range (``scale_range``)."""
    terms = [t for t in dict.fromkeys(coefs["term"]) if t != "_intercept_"]
    terms = [t for t in terms if t in highlight] + [t for t in terms if t not in highlight]
    with plt.rc_context(STYLE):
        fig = plt.figure(figsize=(11, 0.36 * len(terms) + 2.9))
        gs = fig.add_gridspec(1, len(outcomes) + 1, width_ratios=[1] * len(outcomes) + [0.8], wspace=0.25)
        y = np.arange(len(terms))[::-1]
        axes = []
        for j, outc in enumerate(outcomes):
            ax = fig.add_subplot(gs[0, j], sharey=axes[0] if axes else None, sharex=axes[0] if axes else None)
            axes.append(ax)
            _coefficient_panel(ax, coefs[coefs.outcome == outc].set_index("term"), terms, y, highlight)
            ax.set_title(outcome_labels[outc], fontsize=10, loc="left")
            ax.set_xlabel(f"Coefficient ({ci_label(ci_level)})")
            if j == 0:
                ax.set_yticks(y, [term_labels.get(t, t) for t in terms])
                for lab, t in zip(ax.get_yticklabels(), terms):
                    if t in highlight:
                        lab.set_color(HIGHLIGHT)
                        lab.set_fontweight("bold")
            else:
                ax.tick_params(labelleft=False)
        _margins_panel(fig.add_subplot(gs[0, -1]), pred, outcomes, outcome_labels, predict_label, level_labels or {},
                       ci_level, scale_range)
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
        source_note(fig, source_label, synthetic, f"Survey-weighted least squares, full model; intervals "
                    f"{se_phrase(method)}. Political-capital terms highlighted.")
        fig.subplots_adjust(left=0.21, right=0.92, top=0.86, bottom=0.2)
    return fig


# --------------------------------------------------------------------------- the indices by group
def domain_figure(est: pd.DataFrame, *, indices: list[tuple[str, str]], title: str, source_label: str,
                  synthetic: bool, ci_level: float = 0.95, method: str = "linearization", axis_labels: dict | None = None):
    """The mean of each index (one panel each, ``indices``: variable, label; ``axis_labels``: the axis title of
    each, e.g. the ends of its response scale) in every level of every group
    (rows: a group's label, then its levels), with its interval; a dashed line at the index's mean over all
    respondents (the rows of group ``all``). A withheld level (a small cell) is listed without a point. The
    axis spans at least one point of the response scale, so that a gap is not magnified."""
    est = est.copy()
    for c in ("mean", "ci_low", "ci_high"):
        est[c] = pd.to_numeric(est[c], errors="coerce")
    rows = est[(est.group != "all") & (est["var"] == indices[0][0])] if indices else est.iloc[:0]
    groups = list(dict.fromkeys(zip(rows["group"], rows["group_label"])))
    labels, keys, headers = [], [], []
    for g, glabel in groups:
        headers.append(len(labels))
        labels.append(glabel)
        keys.append(None)
        for r in rows[rows.group == g].itertuples():
            labels.append(str(r.level_label))
            keys.append((g, str(r.level)))
    y = np.arange(len(labels))[::-1]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, max(1, len(indices)), figsize=(4.2 * max(1, len(indices)) + 2.0,
                                                                   0.26 * len(labels) + 2.6), sharey=True,
                                 squeeze=False)
        axes = axes[0]
        for ax, (var, vlabel) in zip(axes, indices):
            sub = est[est["var"] == var]
            at = {(r.group, str(r.level)): r for r in sub.itertuples()}
            pts = [(yi, at[k]) for yi, k in zip(y, keys) if k is not None and k in at and np.isfinite(at[k].mean)]
            ys = np.array([yi for yi, _ in pts])
            m = np.array([r.mean for _, r in pts])
            lo = np.array([r.ci_low for _, r in pts])
            hi = np.array([r.ci_high for _, r in pts])
            ax.errorbar(m, ys, xerr=[m - lo, hi - m], fmt="o", color=POINT_COLOR, ecolor=POINT_COLOR, elinewidth=1.3,
                        capsize=2.5, markersize=4.5, label=f"Weighted mean, {ci_label(ci_level)}")
            overall = sub[sub.group == "all"]["mean"]
            values = [*lo, *hi]
            if len(overall) and np.isfinite(overall.iloc[0]):
                ax.axvline(overall.iloc[0], color="0.3", linestyle="--", linewidth=1,
                           label=f"All respondents: {overall.iloc[0]:.2f}")
                values.append(overall.iloc[0])
            if values:
                lo_x, hi_x = float(np.nanmin(values)), float(np.nanmax(values))
                pad = max(0.0, (1.0 - (hi_x - lo_x)) / 2)
                ax.set_xlim(lo_x - pad - 0.05, hi_x + pad + 0.05)
            for h in headers:
                ax.axhline(y[h], color="0.92", linewidth=6, zorder=0)
            ax.set_title(vlabel, fontsize=10, loc="left")
            ax.set_xlabel((axis_labels or {}).get(var, "Mean on the response scale"))
            ax.grid(axis="x", color="0.92", linewidth=0.6)
            ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.06), ncol=1, fontsize=7, frameon=True,
                      borderaxespad=0.2)
        axes[0].set_yticks(y, labels)
        axes[0].set_ylim(-0.7, len(labels) - 0.3)
        for lab, k in zip(axes[0].get_yticklabels(), keys):
            if k is None:
                lab.set_fontweight("bold")
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
        source_note(fig, source_label, synthetic, f"Domain estimates on the whole design, weighted to census margins; "
                    f"intervals {se_phrase(method)}. A level withheld as a small cell has no point.")
        fig.subplots_adjust(left=0.2, right=0.97, top=1 - 1.45 / fig.get_size_inches()[1],
                            bottom=0.95 / fig.get_size_inches()[1], wspace=0.16)
    return fig


# --------------------------------------------------------------------------- overlapping labels
def text_overlaps(fig, *, pad: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty texts of ``fig`` whose drawn boxes overlap, and labels struck through
    by an interval (an error bar crossing a data label): what a reader cannot read."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()
             and t.get_figure() is fig]
    boxes = [(t, t.get_window_extent(renderer).expanded(1.0, 1.0).padded(-pad)) for t in texts]
    out = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i][1], boxes[j][1]
            if a.width > 0 and b.width > 0 and a.overlaps(b):
                out.append((boxes[i][0].get_text(), boxes[j][0].get_text()))
    for ann in [t for t in texts if isinstance(t, matplotlib.text.Annotation)]:
        box = ann.get_window_extent(renderer).padded(-pad)
        ax = ann.axes
        for coll in ax.collections:  # error bars are LineCollections
            for seg in coll.get_segments():
                pts = ax.transData.transform(seg)
                xs = np.linspace(pts[0, 0], pts[-1, 0], 50)
                ys = np.linspace(pts[0, 1], pts[-1, 1], 50)
                if np.any((xs > box.x0) & (xs < box.x1) & (ys > box.y0) & (ys < box.y1)):
                    out.append((ann.get_text(), "an interval"))
                    break
    return out


# --------------------------------------------------------------------------- the specification curve
def p_phrase(text: str) -> str:
    """"p = 0.008", or "p ≤ 1/501" for a p-value printed as a bound."""
    return f"p {text}" if text.startswith(("\u2264", "<")) else f"p = {text}"


def spec_curve_figure(curve: pd.DataFrame, choices: dict[str, list[str]], defaults: dict[str, str], *, title: str,
                      term_labels: dict, joint: dict, source_label: str, synthetic: bool, ci_level: float = 0.95):
    """Sorted estimates with their intervals (top) and the options that made each (below, one row per
    option, grouped by dimension); the configured specification and the share significant marked."""
    x = np.arange(len(curve))
    rows = [(d, o) for d, opts in choices.items() for o in opts]
    with plt.rc_context({**TICKS, **STYLE}):
        fig = plt.figure(figsize=(8.5, 3.2 + 0.16 * len(rows)))
        gs = fig.add_gridspec(2, 1, height_ratios=[2.4, 0.16 * len(rows) + 0.4], hspace=0.06, left=0.3, right=0.98,
                              top=0.86, bottom=0.11)
        ax, bx = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
        sig = curve["sig"].to_numpy(bool)
        ax.vlines(x, curve["ci_low"], curve["ci_high"], color=np.where(sig, POINT_COLOR, "0.7"), lw=0.6)
        for on, color in ((sig, POINT_COLOR), (~sig, "0.45")):  # one marker set per colour: quick to draw
            ax.plot(x[on], curve["coef"].to_numpy()[on], "o", ms=2, mew=0, color=color, zorder=3)
        ax.axhline(0, color="0.2", lw=0.8)
        if curve["configured"].any():
            k = int(np.flatnonzero(curve["configured"].to_numpy())[0])
            ax.scatter([k], [curve["coef"].iloc[k]], s=40, facecolor="none", edgecolor=HIGHLIGHT, zorder=4,
                       label="configured analysis")
            ax.legend(loc="lower right", frameon=False, fontsize=7)
        terms = ", ".join(term_labels.get(t, t) for t in dict.fromkeys(curve["term"]))
        ax.set_ylabel(f"Coefficient ({ci_label(ci_level)})")
        ax.set_xlim(-1, len(curve))
        ax.set_xticks([])
        ax.text(0.01, 0.97, f"Focal term: {terms}\nMedian {joint['median']:.3f} ({p_phrase(joint['p_median_text'])}); "
                f"{100 * joint['share_significant']:.1f}% significant in the claimed direction "
                f"({p_phrase(joint['p_share_text'])})", transform=ax.transAxes, va="top", fontsize=7.5)
        ax.set_title(title, loc="left")
        ypos = {r: i for i, r in enumerate(rows)}
        xs, ys, cs = [], [], []  # a tick per specification and option, all in one collection
        for d, opts in choices.items():
            for o in opts:
                on = curve[d].to_numpy() == o
                xs.append(x[on])
                ys.append(np.full(on.sum(), ypos[(d, o)]))
                cs.append(np.where(sig[on], POINT_COLOR, "0.55"))
        xs, ys, cs = np.concatenate(xs), np.concatenate(ys), np.concatenate(cs)
        bx.vlines(xs, ys - 0.3, ys + 0.3, colors=cs, lw=0.7)
        bx.set_yticks(range(len(rows)))
        bx.set_yticklabels([f"{d.replace('_', ' ')}: {o}" + (" *" if defaults.get(d) == o else "") for d, o in rows],
                           fontsize=6)
        bx.set_ylim(len(rows) - 0.5, -0.5)
        bx.set_xlim(-1, len(curve))
        bx.set_xlabel("Specifications, sorted by estimate (* the configured option)")
        bx.set_xticks([])
        for side in ("top", "right", "left"):
            bx.spines[side].set_visible(False)
        source_note(fig, source_label, synthetic, "Survey-weighted least squares; raking-aware linearization SEs; "
                    "joint test of Simonsohn, Simmons and Nelson (2020).")
    return fig
