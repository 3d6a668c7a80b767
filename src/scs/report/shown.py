"""What readers see instead of the names in the data: the configured labels of the variables and their
categories, and each scale's response scale, as the workflow passes them to the notebooks (a light module: the
workflow imports it when it starts)."""

from __future__ import annotations

from collections.abc import Mapping

from scs.settings import Settings
from scs.stages import multiverse_grid
from scs.stages.multiverse_grid import Universe


def lower_first(label: str) -> str:
    """A label inside a sentence: 'Surveillance index' -> 'surveillance index' (an acronym stays: 'SCS index')."""
    return label[0].lower() + label[1:] if len(label) > 1 and label[1].islower() else label


def label_maps(s: Settings) -> dict:
    """The configured labels the notebooks show (the workflow passes them in each notebook's parameters):
    ``variables`` (a scale's label, then ``models.term_labels``, then ``domains.labels``, the later winning)
    and ``levels`` (``domains.level_labels``)."""
    variables = {name: sc.label for name, sc in s.scales.items() if sc.label}
    variables.update({k: v for k, v in s.models.term_labels.items() if v})
    levels: dict = {}
    if s.domains:
        variables.update({k: v for k, v in s.domains.labels.items() if v})
        levels = {var: {str(k): str(v) for k, v in lv.items()} for var, lv in s.domains.level_labels.items()}
    return {"variables": variables, "levels": levels}


def response_scales(s: Settings) -> dict[str, dict]:
    """Each scale's response scale (its own, else the configuration's) as the notebooks read it: ``labels``,
    ``support``, ``oppose`` and the words of the two shares (``agree``, ``disagree``)."""
    out = {}
    for name in s.scales:
        rs = s.response_scale_of(name)
        out[name] = {"labels": {int(k): str(v) for k, v in rs.labels.items()}, "support": list(rs.support),
                     "oppose": list(rs.oppose), "agree": rs.agree or "support", "disagree": rs.disagree or "oppose"}
    return out


def readable(text) -> str:
    """A name or a code as a reader sees it when nothing gives it a label: "_" as spaces, the first letter
    capitalized ("college_plus" -> "College plus"), as the tables of estimates by group print a level."""
    text = str(text).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def in_sentence(label: str) -> str:
    """A label inside a sentence: "Age group" -> "age group" (an acronym stays: "CCP member"); a question (the
    codebook's question text, when nothing else names a variable) in quotes, as asked."""
    if label.rstrip().endswith("?"):
        return f"\u201c{label.strip()}\u201d"
    return lower_first(label)


class Labels:
    """What readers see for an analysis variable and its categories, never the names in the data: a variable's
    label from the configuration (``domains.labels``, else ``models.term_labels``, else a scale's label), else
    the codebook's (:meth:`codebook_label`: a column's label or question text; a derived variable's, else that of
    the one column it is made from), else its name made readable; a category's label from the configuration
    (``domains.level_labels``), else the
    codebook's label of the code (of a categorical column, or of the codes a derived variable maps to a
    number), else the category made readable ("college_plus" -> "College plus"). ``variables`` and ``levels``:
    the configured labels (:func:`label_maps`); ``codebook``: the study's codebook."""

    def __init__(self, variables: Mapping[str, str] | None = None,
                 levels: Mapping[str, Mapping[object, str]] | None = None, codebook=None):
        self._vars = {k: str(v) for k, v in (variables or {}).items() if v}
        self._levels = {var: {str(k): str(v) for k, v in (lv or {}).items()} for var, lv in (levels or {}).items()}
        self._codebook = codebook

    def var(self, name: str, default: str | None = None) -> str:
        """The label of a variable: the configured one, else ``default``, else the codebook's, else the name made
        readable."""
        return self._vars.get(name) or default or self.codebook_label(name) or readable(name)

    def codebook_label(self, name: str) -> str | None:
        """What the codebook says a variable is: a column's ``label``, else its question text (``en``); a derived
        variable's own ``label`` (or ``en``), else that of the one column it is made from (a recoding of the same
        question). None when the codebook says nothing (or there is no codebook)."""
        cb = self._codebook
        if cb is None:
            return None
        seen = set()
        while name not in seen:
            seen |= {name}
            spec = cb.by_var.get(name) or cb.derived.get(name)
            if spec is None:
                return None
            text = spec.get("label") or spec.get("en")
            if text and str(text).strip():
                return str(text).strip()
            if name in cb.by_var or not spec.get("from"):
                return None  # a column without text, or a derived variable of several columns (``any``)
            name = spec["from"]
        return None

    def level(self, var: str, value) -> str:
        """The label of one category of a variable (a code read from a CSV as text matches the codebook's)."""
        key = str(value)
        if key in self._levels.get(var, {}):
            return self._levels[var][key]
        coded = self._codebook_labels(var)
        return readable(coded.get(key, key))

    def levels(self, var: str, values) -> list[str]:
        return [self.level(var, v) for v in values]

    def _codebook_labels(self, var: str) -> dict[str, str]:
        cb = self._codebook
        if cb is None:
            return {}
        col = cb.by_var.get(var)
        if col is not None:
            return {str(k): str(v) for k, v in cb.valid_codes(col).items()}
        spec = cb.derived.get(var) or {}
        source = cb.by_var.get(spec.get("from"))
        mapping = spec.get("map") or {}
        if source is None or not all(isinstance(v, int) and not isinstance(v, bool) for v in mapping.values()):
            return {}  # a derived category that is text is its own best name
        codes = cb.valid_codes(source)
        out: dict[str, list[str]] = {}
        for code, value in mapping.items():
            if int(code) in codes:
                out.setdefault(str(value), []).append(str(codes[int(code)]))
        return {v: " / ".join(names) for v, names in out.items()}


def term_label(term: str, names: Labels, term_labels: dict | None = None) -> str:
    """A model's term (a coefficient's name, or a term of a formula) as readers see it: its label in
    ``models.term_labels``, else from its variable's label (:meth:`Labels.var`): ``log(x)`` -> "<x> (log)",
    ``x[level]`` (a category's dummy) -> "<x>: <level>", a categorical term ``C(x, ref=level)`` -> "<x> (reference:
    <level>)"; the intercept is "Intercept"."""
    import re

    from scs.survey import formula

    term_labels = term_labels or {}
    if term in term_labels:
        return str(term_labels[term])
    if term == formula.INTERCEPT:
        return "Intercept"
    if m := re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\[(.+)\]", term):
        return f"{term_label(m.group(1), names, term_labels)}: {names.level(m.group(1), m.group(2))}"
    try:
        (t,) = formula.parse_formula(term)
    except Exception:  # not a formula term: a name
        return names.var(term)
    if t.kind == "log":
        return term_labels.get(t.name) or f"{term_label(t.var, names, term_labels)} (log)"
    if t.kind == "cat":
        base = term_label(t.var, names, term_labels)
        return f"{base} (reference: {names.level(t.var, t.ref)})" if t.ref is not None else base
    return names.var(t.var)


def formula_words(rhs: str, names: Labels, term_labels: dict | None = None) -> list[str]:
    """The terms of a formula's right-hand side (``models.formulas``) in words (:func:`term_label`)."""
    from scs.survey import formula

    out = []
    for t in formula.parse_formula(rhs):
        text = t.name if t.kind != "cat" else (f"C({t.var}, ref={t.ref})" if t.ref is not None else f"C({t.var})")
        out.append(term_label(text, names, term_labels))
    return out


def in_words(parts: list[str]) -> str:
    """A list in a sentence: "a", "a and b", "a, b and c"."""
    parts = [str(p) for p in parts]
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def display_labels(s: Settings, u: Universe, outcome: str) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """What a reader sees for each dimension and option of an outcome's specifications: the dimension's
    configured label (``multiverse.<dimension>.label``), and each option by its name, except that a
    leave-one-out variant of the index names its item by the item's label (config ``scales``), not by the
    variable's name."""
    m = multiverse_grid.multiverse_settings(s)
    configured = {**m.exclusions, "weights": m.weights, "index": m.index, "political_capital": m.political_capital}
    dims = {d: (configured[d].label if d in configured else None) or d.replace("_", " ").capitalize()
            for d in u.dims if d != "outcome"}
    item_label = {it.var: it.label for it in s.scales[outcome].items}
    options = {}
    for d in dims:
        for o in (u.index_options[outcome] if d == "index" else u.options[d]):
            drop = (o.change or {}).get("drop") if isinstance(o.change, dict) else None
            one = drop[0] if isinstance(drop, list) and len(drop) == 1 else None
            options[(d, o.name)] = (f"without {lower_first(item_label[one])}"
                                    if one in item_label and o.name == f"without {one}" else o.name)
    return dims, options
