"""The titles of the figures. A figure is drawn without one: its title (config ``figures.titles``) opens its
caption, in the report (``workflow/report/<name>.rst``, which the workflow renders with the titles) and in the
paper (``\\caption``). A figure the configuration gives no title is named from the labels of the configuration,
never from a variable's name. Light on purpose: the workflow reads it when it starts."""

from __future__ import annotations

from scs.settings import Settings


def figure_titles(s: Settings) -> dict[str, str]:
    """Every figure's title by its key in ``figures.titles``: each battery (Figures 1, 2, ...), ``likert_<battery>``,
    ``models`` (Figure 3), ``multiverse_<outcome>`` (the specification curves), ``weights`` and, with groups in
    ``domains``, ``domains`` (the index means by group)."""
    given = dict(s.figures.titles)
    out = {}
    for b in s.batteries:
        out[b] = given.get(b) or s.scales[b].label
        out[f"likert_{b}"] = given.get(f"likert_{b}") or f"Answers to each item: {s.scales[b].label}"
    out["models"] = given.get("models") or "Coefficients of the full model and predictive margins"
    for y in (s.multiverse.outcomes if s.multiverse else ()):
        out[f"multiverse_{y}"] = given.get(f"multiverse_{y}") or f"Specification curve: {s.scales[y].label}"
    out["weights"] = given.get("weights") or "Distribution of the weights"
    if s.domains and s.domains.by:  # the index means by group
        out["domains"] = given.get("domains") or "Index means by group"
    return out


def caption_opening(title: str) -> str:
    """A title as the paper's ``\\caption`` opens with it: without its figure number ("Figure 3. "), which
    LaTeX sets."""
    head, sep, rest = title.partition(". ")
    return rest if sep and head.split(" ")[0] == "Figure" and head.split(" ")[-1].isdigit() else title
