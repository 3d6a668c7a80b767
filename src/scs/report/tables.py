"""Shared pieces of the Markdown and LaTeX table writers (the *_tables modules)."""

from __future__ import annotations


def ci_label(level: float) -> str:
    """'95% CI' for 0.95, '90% CI' for 0.9, '99.5% CI' for 0.995: the header of every interval."""
    pct = f"{100 * level:.10g}"
    return f"{pct}% CI"


def stars(p) -> str:
    if p is None or p != p:
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


STARS_NOTE = "* p < 0.05, ** p < 0.01, *** p < 0.001"


def md_row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def md_header(names, align) -> list[str]:
    """Header and separator rows; ``align`` is a string of l/r per column."""
    return [md_row(names), "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]


def heading(title: str, label: str) -> list[str]:
    return [f"# {title}", "", f"Data: {label}", ""]


VARIANCE_TEXT = {
    "jackknife": "delete-one jackknife, every replicate calibrated again",
    "linearization": "linearization that accounts for the calibration",
    "bootstrap": "bootstrap, every replicate re-weighted",
}


def se_phrase(method: str) -> str:
    """How the reported SEs were computed, for notes and captions."""
    return f"design-based ({VARIANCE_TEXT.get(method, method)})"


def weighting_phrase(method: str) -> str:
    """How the estimates are weighted, in words (weighting.method)."""
    if method == "none":
        return "Weighted by the design weights as supplied (not calibrated to census margins)"
    return "Weighted to census margins"
