"""Checks of the configuration that the workflow makes when it starts, before any job runs: each setting that
names an analysis variable names one the codebook defines, and the settings that refer to other settings
(the terms shown of the full model) refer to something that exists. One line names the setting.

Light on purpose (no pandas): the workflow imports it each time it starts (workflow/rules/setup.smk).
"""

from __future__ import annotations

import difflib

from scs.errors import PipelineError
from scs.settings import Settings
from scs.survey import formula as fml

EXPECTED = "analysis names of the codebook (a column's var or a derived variable)"


def _unknown(names, known) -> list[str]:
    return list(dict.fromkeys(str(v) for v in names if v is not None and v not in known))


def _hint(unknown: list[str], known) -> str:
    close = difflib.get_close_matches(unknown[0], sorted(map(str, known)), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _stop(where: str, unknown: list[str], known, file: str, what: str = "the codebook does not define") -> None:
    raise PipelineError(f"invalid configuration at {where}: names variable(s) {unknown}, which {what}"
                        f"{_hint(unknown, known)}",
                        file=file, expected=EXPECTED)


def _rule_variables(rule: dict | object) -> list[str]:
    """The analysis variables an exclusion rule names itself (``var``, ``by``, ``order_by``; a straight-line
    rule's grids are scales, checked with the scales)."""
    get = rule.get if isinstance(rule, dict) else lambda k, d=None: getattr(rule, k, d)
    return [get("var"), *(get("by") or ()), get("order_by")]


def check_names(s: Settings, codebook) -> None:
    """Every analysis variable that the scales, the exclusion rules, the weighting and the multiverse's options
    name is one the codebook defines (a column's ``var`` or a ``derived`` variable)."""
    known = {*codebook.by_var, *codebook.derived}
    for name, scale in s.scales.items():  # first: a straight-line rule and the models read the scales' items
        bad = _unknown(scale.vars, known)
        if bad:
            _stop(f"scales.{name}.items", bad, known, s.file)
    for rule in s.cleaning.rules:
        bad = _unknown(_rule_variables(rule), known)
        if bad:
            _stop(f"cleaning.rules ({rule.name})", bad, known, s.file)
    w = s.weighting
    bad = _unknown([*w.variables, w.base_weight], known)
    if bad:
        _stop("weighting", bad, known, s.file)
    if s.multiverse:
        _check_multiverse_names(s, known)


def _check_multiverse_names(s: Settings, known: set) -> None:
    m = s.multiverse
    with_scales = known | set(s.scales)
    for o_name, change in m.political_capital.options.items():
        terms = fml.parse_formula(str((change or {}).get("terms", "")), where=s.file)
        bad = _unknown([t.var for t in terms], with_scales)
        if bad:
            raise PipelineError(f"invalid configuration at multiverse.political_capital: option {o_name!r} names "
                                f"variable(s) {bad} in its terms, which are not in the codebook (analysis or derived "
                                f"variables) or the scales{_hint(bad, with_scales)}", file=s.file,
                                expected="analysis variables from the codebook or indices from config.scales")
    for dim, spec in m.exclusions.items():
        for o_name, change in spec.options.items():
            for rule_name, rule_change in (change or {}).items():
                if not isinstance(rule_change, dict):
                    continue
                bad = _unknown(_rule_variables(rule_change), known)
                if bad:
                    _stop(f"multiverse.exclusions.{dim} (option {o_name!r}, rule {rule_name!r})", bad, known, s.file)
                grids = [g for g in rule_change.get("grids") or () if g not in s.scales]
                if grids:
                    raise PipelineError(f"invalid configuration at multiverse.exclusions.{dim} (option {o_name!r}): "
                                        f"grid(s) {grids} of rule {rule_name!r} are not scales", file=s.file,
                                        expected=f"some of {sorted(s.scales)}")
    for o_name, change in m.weights.options.items():
        change = change or {}
        bad = _unknown([*(change.get("variables") or ()), change.get("base_weight")], known)
        if bad:
            _stop(f"multiverse.weights (option {o_name!r})", bad, known, s.file)


def check_ordered_terms(s: Settings) -> None:
    """``models.ordered_terms`` are terms of the full model: a term as the formula writes it (``x``,
    ``log(x)``) or a level of a categorical one (``group[level]``; whether the level occurs is known only
    from the data, and a level that does not is left out of the table)."""
    terms = fml.parse_formula(s.models.formulas[s.models.full], where=s.file)
    plain = [t.name for t in terms if t.kind != "cat"]
    cats = [t.var for t in terms if t.kind == "cat"]
    bad = [t for t in s.models.ordered_terms
           if t not in plain and not (t.endswith("]") and t.split("[", 1)[0] in cats)]
    if bad:
        raise PipelineError(f"invalid configuration at models.ordered_terms: {bad} are not terms of the full model "
                            f"{s.models.full} ({s.models.formulas[s.models.full]})", file=s.file,
                            expected="some of " + ", ".join([*plain, *(f"{c}[<level>]" for c in cats)]))
