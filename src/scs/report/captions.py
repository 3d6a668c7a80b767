"""The titles of the figures. A figure is drawn without one: its title (config ``figures.titles``) opens its
caption, in the report (``workflow/report/<name>.rst``, which the workflow renders with the titles) and in the
paper (``\\caption``). A figure the configuration gives no title is named from the labels of the configuration,
never from a variable's name. Light on purpose: the workflow reads it when it starts."""

from __future__ import annotations

from scs.settings import Settings


def figure_numbers(s: Settings) -> dict[str, int]:
    """The number of every figure: 'items.<battery>' (one per battery), 'models' and
    'specification_curve.<outcome>' (one per outcome of the multiverse), from the configuration's numbering."""
    n = s.numbering.figures
    out = {f"items.{b}": n["items"] + i for i, b in enumerate(s.batteries)}
    out["models"] = n["models"]
    for i, y in enumerate(s.multiverse.outcomes if s.multiverse else ()):
        out[f"specification_curve.{y}"] = n["specification_curves"] + i
    return out


def figure_titles(s: Settings) -> dict[str, str]:
    """Every figure's title by its key in ``figures.titles``: each battery, ``likert_<battery>``, ``models``,
    ``multiverse_<outcome>`` (the specification curves), ``weights`` and, with groups in ``domains``,
    ``domains`` (the index means by group). The numbered figures (the item figures,
    the models' figure, the specification curves) open with their number from the configuration's numbering
    ("Figure 3. ..."; a number the configured title prints itself is replaced by it)."""
    given = dict(s.figures.titles)
    numbers = figure_numbers(s)
    out = {}

    def numbered(key: str, title: str) -> str:
        return f"Figure {numbers[key]}. {caption_opening(title)}"

    for b in s.batteries:
        out[b] = numbered(f"items.{b}", given.get(b) or s.scales[b].label)
        out[f"likert_{b}"] = given.get(f"likert_{b}") or f"Answers to each item: {s.scales[b].label}"
    out["models"] = numbered("models", given.get("models") or "Coefficients of the full model and predictive margins")
    for y in (s.multiverse.outcomes if s.multiverse else ()):
        out[f"multiverse_{y}"] = numbered(f"specification_curve.{y}", given.get(f"multiverse_{y}")
                                          or f"Specification curve: {s.scales[y].label}")
    out["weights"] = given.get("weights") or "Distribution of the weights"
    if s.domains and s.domains.by:  # the index means by group
        out["domains"] = given.get("domains") or "Index means by group"
    return out


def caption_opening(title: str) -> str:
    """A title as the paper's ``\\caption`` opens with it: without its figure number ("Figure 3. "), which
    LaTeX sets."""
    head, sep, rest = title.partition(". ")
    return rest if sep and head.split(" ")[0] == "Figure" and head.split(" ")[-1].isdigit() else title
