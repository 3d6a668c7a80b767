"""Figures: byte-stable PNG and PDF, with the data source printed on each."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .tables import ci_label  # noqa: E402

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
SYNTH_COLOR = "#b2182b"
POINT_COLOR = "#2166ac"


def save(fig, png: str | Path, pdf: str | Path, dpi: int = 300) -> None:
    """Write PNG and PDF without timestamps or version strings, so reruns give the same bytes."""
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=dpi, metadata={"Software": None})
    fig.savefig(pdf, metadata={"Creator": "scs-pipeline", "Producer": None, "CreationDate": None})
    plt.close(fig)


def source_note(fig, label: str, synthetic: bool, extra: str = "") -> None:
    text = f"Data: {label}" + (f"\n{extra}" if extra else "")
    fig.text(0.01, 0.01, text, ha="left", va="bottom", fontsize=7,
             color=SYNTH_COLOR if synthetic else "0.35", wrap=True)
    if synthetic:
        fig.text(0.01, 0.935, "SYNTHETIC DATA - NOT A FINDING", ha="left", va="top", fontsize=8,
                 fontweight="bold", color=SYNTH_COLOR)


def item_figure(est: pd.DataFrame, *, title: str, index_label: str, index_mean: float, scale_labels: dict,
                source_label: str, synthetic: bool, ci_level: float = 0.95):
    """Items sorted by weighted mean (highest on top): point and CI, dashed line at the index mean.
    Items without answers (or withheld as small cells) are listed without a point."""
    items = est.copy()
    for c in ("mean", "ci_low", "ci_high"):
        items[c] = pd.to_numeric(items[c], errors="coerce")
    items = items.sort_values("mean", ascending=True, kind="stable", na_position="first")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(items) + 2.6))
        y = np.arange(len(items))
        ax.errorbar(items["mean"], y, xerr=[items["mean"] - items["ci_low"], items["ci_high"] - items["mean"]],
                    fmt="o", color=POINT_COLOR, ecolor=POINT_COLOR, elinewidth=1.4, capsize=3, markersize=5,
                    label=f"Weighted mean, {ci_label(ci_level)}")
        for yi, m, hi in zip(y, items["mean"], items["ci_high"]):
            if not np.isfinite(m):
                continue
            ax.annotate(f"{m:.2f}", (hi, yi), xytext=(5, 0), textcoords="offset points", ha="left", va="center",
                        fontsize=7.5, bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})
        if np.isfinite(index_mean):
            ax.axvline(index_mean, color="0.3", linestyle="--", linewidth=1, label=f"{index_label}: {index_mean:.2f}")
        ax.axvline(3, color="0.8", linewidth=0.8, zorder=0)
        ax.set_yticks(y, items["label"])
        ticks = sorted(int(k) for k in scale_labels)
        ax.set_xticks(ticks, [f"{k}\n" + scale_labels[k].replace(" ", "\n", 1) for k in ticks], fontsize=8)
        ax.set_xlim(min(ticks) - 0.15, max(ticks) + 0.15)
        ax.set_ylim(-0.7, len(items) - 0.3)
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
        ax.legend(loc="upper left", fontsize=7.5, frameon=False)
        ax.grid(axis="x", color="0.92", linewidth=0.6)
        source_note(fig, source_label, synthetic,
                    "Weighted to census margins; intervals are design-based (linearization that accounts for the "
                    "calibration).")
        fig.tight_layout(rect=(0, 0.06, 1, 0.92))
    return fig


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
        fig.tight_layout(rect=(0, 0.08, 1, 0.90))
    return fig


HIGHLIGHT = "#b2182b"


def coefficient_figure(coefs: pd.DataFrame, pred: pd.DataFrame, *, outcomes: list[str], outcome_labels: dict,
                       highlight: list[str], term_labels: dict, title: str, source_label: str, synthetic: bool,
                       ci_level: float = 0.95, predict_label: str = "CCP member", level_labels: dict | None = None):
    """Full-model coefficients for each outcome side by side, plus predicted index by a 0/1 variable."""
    terms = [t for t in dict.fromkeys(coefs["term"]) if t != "_intercept_"]
    terms = [t for t in terms if t in highlight] + [t for t in terms if t not in highlight]
    with plt.rc_context(STYLE):
        fig = plt.figure(figsize=(11, 0.36 * len(terms) + 2.6))
        gs = fig.add_gridspec(1, len(outcomes) + 1, width_ratios=[1] * len(outcomes) + [0.75], wspace=0.08)
        y = np.arange(len(terms))[::-1]
        axes = []
        for j, outc in enumerate(outcomes):
            ax = fig.add_subplot(gs[0, j], sharey=axes[0] if axes else None)
            axes.append(ax)
            sub = coefs[coefs.outcome == outc].set_index("term")
            for yi, t in zip(y, terms):
                r = sub.loc[t]
                col = HIGHLIGHT if t in highlight else POINT_COLOR
                ax.errorbar(r["coef"], yi, xerr=[[r["coef"] - r["ci_low"]], [r["ci_high"] - r["coef"]]], fmt="o",
                            color=col, ecolor=col, capsize=2.5, markersize=4.5, elinewidth=1.3)
            ax.axvline(0, color="0.4", linewidth=0.8)
            if highlight:
                nh = sum(t in highlight for t in terms)
                ax.axhspan(y[0] + 0.5, y[nh - 1] - 0.5, color=HIGHLIGHT, alpha=0.06, zorder=0)
            ax.set_title(outcome_labels[outc], fontsize=10, loc="left")
            ax.set_xlabel(f"Coefficient ({ci_label(ci_level)})")
            ax.grid(axis="x", color="0.92", linewidth=0.6)
            if j == 0:
                ax.set_yticks(y, [term_labels.get(t, t) for t in terms])
                for lab, t in zip(ax.get_yticklabels(), terms):
                    if t in highlight:
                        lab.set_color(HIGHLIGHT)
                        lab.set_fontweight("bold")
            else:
                ax.tick_params(labelleft=False)
        ax = fig.add_subplot(gs[0, -1])
        xpos = {outc: i for i, outc in enumerate(outcomes)}
        levels = list(dict.fromkeys(pred["level"]))
        offsets = np.linspace(-0.12, 0.12, len(levels)) if len(levels) > 1 else [0.0]
        colors = [POINT_COLOR, HIGHLIGHT, "#4d4d4d", "#1b7837"]
        for lvl, off, col in zip(levels, offsets, colors * len(levels)):
            name = (level_labels or {}).get(f"{lvl:g}", f"{lvl:g}")
            sub = pred[pred.level == lvl]
            xs = [xpos[o] + off for o in sub.outcome]
            ax.errorbar(xs, sub["predicted"], yerr=[sub["predicted"] - sub["ci_low"], sub["ci_high"] - sub["predicted"]],
                        fmt="o", color=col, capsize=3, markersize=5, label=f"{predict_label}: {name}")
            for x, v in zip(xs, sub["predicted"]):
                ax.annotate(f"{v:.2f}", (x, v), xytext=(6, 0), textcoords="offset points", fontsize=7.5, va="center")
        ax.set_xticks(range(len(outcomes)), [outcome_labels[o].replace(" index", "\nindex") for o in outcomes])
        ax.set_xlim(-0.5, len(outcomes) - 0.5)
        ax.set_ylabel(f"Predicted index ({ci_label(ci_level)})")
        ax.yaxis.set_label_position("right")
        ax.yaxis.tick_right()
        ax.set_title("Predicted index", fontsize=10, loc="left")
        ax.legend(loc="lower left", fontsize=7.5, frameon=False)
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
        source_note(fig, source_label, synthetic,
                    f"Survey-weighted least squares, full model; design-based {ci_label(ci_level)}s that account for the "
                    "calibration. Political-capital terms highlighted.")
        fig.subplots_adjust(left=0.21, right=0.93, top=0.86, bottom=0.16)
    return fig
