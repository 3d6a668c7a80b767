"""The model formula language of config.yaml: ``var``, ``log(var)``, ``C(var, ref=level)`` joined by ``+``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scs.errors import PipelineError

if TYPE_CHECKING:
    import pandas as pd

INTERCEPT = "_intercept_"
_CAT = re.compile(r"^C\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:,\s*ref\s*=\s*([^)]+?)\s*)?\)$")
_LOG = re.compile(r"^log\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Term:
    kind: str  # num | log | cat
    var: str
    ref: str | None = None

    @property
    def name(self) -> str:
        return f"log({self.var})" if self.kind == "log" else self.var


def parse_formula(rhs: str, *, where: str = "config.yaml") -> list[Term]:
    terms = []
    for raw in rhs.split("+"):
        t = raw.strip()
        if m := _CAT.match(t):
            ref = m.group(2).strip().strip("'\"") if m.group(2) else None
            terms.append(Term("cat", m.group(1), ref))
        elif m := _LOG.match(t):
            terms.append(Term("log", m.group(1)))
        elif _VAR.match(t):
            terms.append(Term("num", t))
        else:
            raise PipelineError(f"cannot read the formula term {t!r}", file=where,
                                expected="var, log(var) or C(var, ref=level) joined by +")
    return terms


def variables(terms: list[Term]) -> list[str]:
    return list(dict.fromkeys(t.var for t in terms))


def require_variable(var: str, known, *, where: str = "config.yaml", what: str = "the analysis data") -> None:
    if var not in known:
        raise PipelineError(f"model formula names variable {var!r}, which is not in {what}", file=where, column=var,
                            expected="an analysis variable from the codebook or an index from config.scales")


def check_formula_names(formulas, known, *, where: str = "config.yaml") -> None:
    """Before any job runs: every variable of the model ``formulas`` (right-hand sides) is a codebook variable
    or a scale. The line names the first unknown one, and how many others there are (all of them, up to ten:
    what a new codebook still has to define)."""
    unknown = list(dict.fromkeys(t.var for rhs in formulas for t in parse_formula(rhs, where=where)
                                 if t.var not in known))
    if unknown:
        more = unknown[1:]
        others = (f" (nor are {len(more)} more: {', '.join(more[:10])}{', ...' if len(more) > 10 else ''})"
                  if more else "")
        raise PipelineError(f"model formula names variable {unknown[0]!r}, which is not in the codebook (analysis or "
                            f"derived variables) or the scales{others}", file=where, column=unknown[0],
                            expected="an analysis variable from the codebook or an index from config.scales")


def model_matrix(frame: pd.DataFrame, terms: list[Term], *, where: str = "config.yaml") -> pd.DataFrame:
    """Numeric design matrix (no intercept column); categorical terms become 0/1 dummies ``var[level]``.
    Missing values stay NaN (the fitting functions drop those rows)."""
    import numpy as np
    import pandas as pd  # (here: parsing formulas, as the workflow does when it starts, needs neither)

    cols = {}
    for t in terms:
        require_variable(t.var, frame.columns, where=where)
        s = frame[t.var]
        if t.kind == "cat":
            levels = sorted(str(x) for x in pd.unique(s.dropna().astype(str)))
            ref = t.ref if t.ref is not None else (levels[0] if levels else None)
            if ref not in levels:
                raise PipelineError(f"reference level {ref!r} of {t.var!r} is not in the data", file=where,
                                    column=t.var, expected=f"one of {levels}")
            sv = s.astype("string")
            for lv in levels:
                if lv != ref:
                    cols[f"{t.var}[{lv}]"] = np.where(sv.isna(), np.nan, (sv == lv).astype(float))
        else:
            x = pd.to_numeric(s, errors="coerce").astype(float).to_numpy()
            if np.all(np.isnan(x)):
                raise PipelineError(f"model variable {t.var!r} has no values in the analysis data", file=where,
                                    column=t.var, expected="a numeric analysis variable with answers")
            if t.kind == "log":
                if np.nanmin(x) <= 0:
                    raise PipelineError(f"log({t.var}) needs positive values", file=where, column=t.var)
                x = np.log(x)
            cols[t.name] = x
    return pd.DataFrame(cols, index=frame.index)
