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


def se_phrase(method: str, design=None, calibrated: bool = True) -> str:
    """How the reported SEs were computed, for notes and captions: the variance method, the sample design's
    strata and PSUs (``design``: the ``design`` settings) and whether the weights were calibrated."""
    strata = getattr(design, "strata", None) is not None
    psu = getattr(design, "psu", None) is not None
    if not (strata or psu) and calibrated:
        return f"design-based ({VARIANCE_TEXT.get(method, method)})"
    unit = "PSU" if psu else "respondent"
    again = ", every replicate calibrated again" if calibrated else ""
    if method == "jackknife":
        kind = "JKn: each replicate leaves out one " + unit + " of a stratum" if strata else \
            "JK1: each replicate leaves out one " + unit
        text = f"jackknife ({kind}){again}"
    elif method == "bootstrap":
        text = f"bootstrap (Rao-Wu) of the {unit}s" + (" within strata" if strata else "") + again
    elif method == "linearization":
        text = "linearization" + (" that accounts for the calibration" if calibrated else "")
        if strata or psu:
            text += " and the " + " and ".join(w for w, on in (("strata", strata), ("PSUs", psu)) if on)
    else:
        text = method
    return f"design-based ({text})"


def se_of(method: str, s) -> str:
    """:func:`se_phrase` for the design and weighting of the settings ``s``."""
    return se_phrase(method, s.design, s.weighting.method != "none")


def weighting_phrase(method: str) -> str:
    """How the estimates are weighted, in words (weighting.method)."""
    if method == "none":
        return "Weighted by the design weights as supplied (not calibrated to census margins)"
    return "Weighted to census margins"
