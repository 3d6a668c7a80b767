"""Labels of the analysis variables from the codebook, for files that carry them (the Stata, SPSS and CSV
hand-off of the ``export`` rule): what each variable is, the labels of its codes, the categories of a derived
text variable in the codebook's order."""

from __future__ import annotations

from scs.io.codebook import DK_SUFFIX, Codebook


def _item_of_flag(codebook: Codebook, var: str) -> str | None:
    """The item whose "don't know" flag ``var`` is (``item_a__dk`` -> ``item_a``), or None."""
    item = var[: -len(DK_SUFFIX)] if var.endswith(DK_SUFFIX) else None
    return item if item in codebook.by_var else None


def variable_label(codebook: Codebook, var: str) -> str | None:
    """What an analysis variable is: a column's question text (English), a "don't know" flag's item and its
    missing codes, or the variables a derived one is made from; None for a variable the codebook does not define."""
    if var in codebook.by_var:
        col = codebook.by_var[var]
        return str(col.get("en") or col["id"])
    if (item := _item_of_flag(codebook, var)) is not None:
        codes = " / ".join(codebook.missing_codes(codebook.by_var[item]).values()) or "a missing code"
        return f"{item}: no substantive answer ({codes})"
    spec = codebook.derived.get(var)
    if spec is None:
        return None
    return f"{var} (derived from {' and '.join(spec.get('any') or [spec['from']])})"


def value_labels(codebook: Codebook, var: str) -> dict[int, str] | None:
    """Code -> label of an analysis variable: a categorical column's valid codes; a "don't know" flag's 0 and 1;
    a derived variable that maps a categorical column's codes to whole numbers: the labels of the codes mapped to
    each number (``male``: 1 -> male, 0 -> female). None when the codebook gives none."""
    if var in codebook.by_var:
        return codebook.valid_codes(codebook.by_var[var]) or None
    if (item := _item_of_flag(codebook, var)) is not None:
        codes = codebook.missing_codes(codebook.by_var[item])
        return {0: "substantive answer", 1: " / ".join(codes.values()) or "missing code"}
    spec = codebook.derived.get(var) or {}
    source = codebook.by_var.get(spec.get("from"))
    mapping = spec.get("map") or {}
    if source is None or not mapping or not all(isinstance(v, int) and not isinstance(v, bool)
                                                 for v in mapping.values()):
        return None
    codes = codebook.valid_codes(source)
    out: dict[int, list[str]] = {}
    for code, value in mapping.items():
        if int(code) in codes:
            out.setdefault(int(value), []).append(codes[int(code)])
    return {v: " / ".join(labels) for v, labels in out.items()} or None


def derived_levels(codebook: Codebook, var: str) -> list[str] | None:
    """The categories of a derived text variable in the codebook's order (the values of its map, the labels of
    its bins); None for any other variable."""
    spec = codebook.derived.get(var) or {}
    if "labels" in spec:
        return [str(x) for x in spec["labels"]]
    values = list((spec.get("map") or {}).values())
    if values and all(isinstance(v, str) for v in values):
        return list(dict.fromkeys(values))
    return None
