"""Descriptive statistics of every analysis variable of the models (the first table of a survey paper):
weighted and unweighted mean or share, SD, n and missing, as a table object."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scs.numbers import StatedNumbers
from scs.settings import Settings
from scs.stages.result import StageResult
from scs.survey import formula as fml


def _wsd(x, w):
    m = np.average(x, weights=w)
    return float(np.sqrt(np.average((x - m) ** 2, weights=w)))


def analysis_variables(s: Settings) -> list[tuple[str, str]]:
    """(variable, kind) of the outcomes, the formulas' variables and the other scales, in model order."""
    out = [(y, "index") for y in s.models.outcomes]
    terms = [t for rhs in [*s.models.formulas.values(), s.models.alternative_formula]
             for t in fml.parse_formula(rhs)]
    for t in terms:
        kind = "index" if t.var in s.scales else ("categorical" if t.kind == "cat" else "numeric")
        out.append((t.var, kind))
    return list(dict.fromkeys(out))


def descriptives(frame: pd.DataFrame, w: np.ndarray, s: Settings) -> pd.DataFrame:
    rows = []
    n_all = len(frame)
    labels = s.models.term_labels
    for var, kind in analysis_variables(s):
        fml.require_variable(var, frame.columns, where=s.file)
        col = frame[var]
        missing = int(col.isna().sum())
        label = labels.get(var) or (s.scales[var].label if var in s.scales else var)  # (as the regression table)
        if kind == "categorical":
            ok = col.notna().to_numpy()
            for lv in sorted(col.dropna().astype(str).unique()):
                x = (col.astype("string") == lv).to_numpy(dtype=float)[ok]
                rows.append({"variable": var, "level": lv, "label": f"{label}: {lv}", "statistic": "share",
                             "weighted": float(np.average(x, weights=w[ok])), "unweighted": float(x.mean()),
                             "sd_weighted": np.nan, "sd_unweighted": np.nan, "n": int(ok.sum()), "missing": missing})
            continue
        x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        ok = ~np.isnan(x)
        xs, ws = x[ok], w[ok]
        binary = ok.any() and set(np.unique(xs)) <= {0.0, 1.0}
        rows.append({"variable": var, "level": "", "label": label, "statistic": "share" if binary else "mean",
                     "weighted": float(np.average(xs, weights=ws)) if ok.any() else np.nan,
                     "unweighted": float(xs.mean()) if ok.any() else np.nan,
                     "sd_weighted": np.nan if binary or not ok.any() else _wsd(xs, ws),
                     "sd_unweighted": np.nan if binary or not ok.any() else float(xs.std(ddof=1)),
                     "n": int(ok.sum()), "missing": missing})
    out = pd.DataFrame(rows)
    out.attrs["n"] = n_all
    return out


def descriptive_key(row, stat: str) -> str:
    """The registry key of a statistic of a row of :func:`descriptives`."""
    return f"descriptives.{row.variable}" + (f".{row.level}" if row.level else "") + f".{stat}"


def descriptive_numbers(d: pd.DataFrame) -> StatedNumbers:
    """Weighted and unweighted mean (or share in percent) with SDs, n and missing of every row."""
    nums = StatedNumbers()
    for r in d.itertuples():
        kind = "pct" if r.statistic == "share" else "mean"
        scale = 100.0 if r.statistic == "share" else 1.0
        nums.add(descriptive_key(r, "weighted"), scale * r.weighted, kind, n=r.n)
        nums.add(descriptive_key(r, "unweighted"), scale * r.unweighted, kind)
        if not pd.isna(r.sd_weighted):
            nums.add(descriptive_key(r, "sd_weighted"), r.sd_weighted, kind)
        if not pd.isna(r.sd_unweighted):
            nums.add(descriptive_key(r, "sd_unweighted"), r.sd_unweighted, kind)
        nums.add(descriptive_key(r, "n"), r.n, "count")
        nums.add(descriptive_key(r, "missing"), r.missing, "count")
    return nums


def run(frame: pd.DataFrame, w: np.ndarray, s: Settings) -> StageResult:
    """The descriptive statistics of the analysis variables (table ``descriptives`` and its numbers)."""
    d = descriptives(frame, w, s)
    return StageResult(tables={"descriptives": d}, numbers={"descriptives": descriptive_numbers(d)})
