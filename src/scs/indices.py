"""Indices and item estimates.

An index is the mean of a battery's answered items ("don't know" is missing),
computed only when at least ``min_answered`` items are answered. Estimates
are design-based through svy: weighted means with linearization SEs that
account for the raking, and bootstrap SEs from the re-raked replicates.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .errors import PipelineError

SCS_SCALES = ("surveillance", "punishment")


def scale_index(frame: pd.DataFrame, items: list[dict], min_answered: int, scale_max: int = 5,
                scale_min: int = 1) -> pd.Series:
    """Mean of the answered items; NA when fewer than ``min_answered`` are answered."""
    cols = []
    for it in items:
        if it["var"] not in frame.columns:
            raise PipelineError(f"scale item {it['var']!r} is not in the cleaned data", file="config.yaml",
                                column=it["var"], expected="an analysis variable from the codebook")
        x = frame[it["var"]].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        cols.append(scale_max + scale_min - x if it.get("reverse") else x)
    X = np.column_stack(cols)
    answered = np.sum(~np.isnan(X), axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(X, axis=1)
    return pd.Series(np.where(answered >= min_answered, mean, np.nan), index=frame.index)


def add_indices(frame: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    out = frame.copy()
    for name, sc in cfg["scales"].items():
        out[name] = scale_index(frame, sc["items"], sc["min_answered"])
    return out


def _wcov(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    w = w / w.sum()
    mu = w @ X
    D = X - mu
    return (D * w[:, None]).T @ D


def cronbach_alpha(X: np.ndarray, w: np.ndarray | None = None) -> float:
    """Cronbach's alpha on complete rows; with ``w``, from the weighted covariance matrix."""
    X = np.asarray(X, dtype=float)
    ok = ~np.isnan(X).any(axis=1)
    X = X[ok]
    w = np.ones(len(X)) if w is None else np.asarray(w, dtype=float)[ok]
    k = X.shape[1]
    C = _wcov(X, w)
    return float(k / (k - 1) * (1 - np.trace(C) / C.sum()))


def item_rest(X: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Correlation of each item with the sum of the other items (complete rows)."""
    X = np.asarray(X, dtype=float)
    ok = ~np.isnan(X).any(axis=1)
    X = X[ok]
    w = np.ones(len(X)) if w is None else np.asarray(w, dtype=float)[ok]
    out = []
    for j in range(X.shape[1]):
        rest = np.delete(X, j, axis=1).sum(axis=1)
        C = _wcov(np.column_stack([X[:, j], rest]), w)
        out.append(C[0, 1] / np.sqrt(C[0, 0] * C[1, 1]))
    return np.array(out)


def reliability(frame: pd.DataFrame, w: np.ndarray, cfg: dict, scales=SCS_SCALES + ("trust",)) -> pd.DataFrame:
    rows = []
    for sc in scales:
        spec = cfg["scales"][sc]
        items = [it["var"] for it in spec["items"]]
        X = frame[items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        n_complete = int((~np.isnan(X).any(axis=1)).sum())
        a_u, a_w = cronbach_alpha(X), cronbach_alpha(X, w)
        ir_u, ir_w = item_rest(X), item_rest(X, w)
        for it, u, ww in zip(spec["items"], ir_u, ir_w):
            rows.append({"scale": sc, "var": it["var"], "label": it["label"], "statistic": "item_rest_correlation",
                         "unweighted": float(u), "weighted": float(ww), "n": n_complete})
        rows.append({"scale": sc, "var": sc, "label": spec["label"], "statistic": "cronbach_alpha",
                     "unweighted": a_u, "weighted": a_w, "n": n_complete})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- design-based estimates
def _mean(sample, col: str, alpha: float, method: str | None = None) -> dict:
    kw = {"drop_nulls": True, "alpha": alpha}
    if method:
        kw["method"] = method
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sample.estimation.mean(col, **kw).to_polars().row(0, named=True)


def estimate_rows(sample, frame: pd.DataFrame, cfg: dict, scales=SCS_SCALES) -> pd.DataFrame:
    """Weighted mean (linearization SE, CI), bootstrap SE, % support and % oppose for every item and index.

    ``sample`` is the raked svy Sample whose data carries the item, indicator
    and index columns (see :func:`design_columns`).
    """
    alpha = 1 - float(cfg["estimates"]["ci_level"])
    has_reps = sample.design.rep_wgts is not None
    rows = []
    for sc in scales:
        spec = cfg["scales"][sc]
        entries = [(it["var"], it["label"], "item") for it in spec["items"]] + [(sc, spec["label"], "index")]
        for var, label, kind in entries:
            x = frame[var].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            ok = ~np.isnan(x)
            m = _mean(sample, var, alpha)
            row = {
                "scale": sc, "var": var, "label": label, "kind": kind, "n": int(ok.sum()),
                "n_missing": int((~ok).sum()), "mean_unweighted": float(x[ok].mean()),
                "mean": m["est"], "se": m["se"], "ci_low": m["lci"], "ci_high": m["uci"], "df": int(m["df"]),
                "se_boot": _mean(sample, var, alpha, "replication")["se"] if has_reps else float("nan"),
            }
            for which in ("support", "oppose"):
                s = _mean(sample, f"{var}__{which}", alpha)
                row[f"pct_{which}"] = 100 * s["est"]
                row[f"pct_{which}_se"] = 100 * s["se"]
            rows.append(row)
    return pd.DataFrame(rows)


def design_columns(frame: pd.DataFrame, cfg: dict, scales=SCS_SCALES) -> pd.DataFrame:
    """Float columns for estimation: items, indices, and 0/1 support/oppose indicators (NA kept)."""
    support = set(cfg["response_scale"]["support"])
    oppose = set(cfg["response_scale"]["oppose"])
    cols = {}
    for sc in scales:
        spec = cfg["scales"][sc]
        for var in [it["var"] for it in spec["items"]] + [sc]:
            x = frame[var].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            cols[var] = x
            ok = ~np.isnan(x)
            if var == sc:  # an index: support = mean above the neutral midpoint range of the codes
                cols[f"{var}__support"] = np.where(ok, (x >= min(support)).astype(float), np.nan)
                cols[f"{var}__oppose"] = np.where(ok, (x <= max(oppose)).astype(float), np.nan)
            else:
                cols[f"{var}__support"] = np.where(ok, np.isin(x, list(support)).astype(float), np.nan)
                cols[f"{var}__oppose"] = np.where(ok, np.isin(x, list(oppose)).astype(float), np.nan)
    return pd.DataFrame(cols, index=frame.index)


def estimates_markdown(est: pd.DataFrame, source_label: str, ci_level: float, nums, file: str,
                       min_cell: int = 10) -> str:
    lines = [
        "# Item and index estimates",
        "",
        f"Data: {source_label}",
        "",
        f"Weighted to census margins by raking. Mean on the 1-5 scale with its {ci_level:.0%} CI (design-based, "
        "linearization that accounts for the raking); bootstrap SE from the re-raked replicates; % support = "
        "codes 4-5, % oppose = codes 1-2 (for an index: mean at least 4, at most 2).",
        "",
    ]
    for sc, grp in est.groupby("scale", sort=False):
        lines += [f"## {sc.capitalize()}", "",
                  "| item | mean | 95% CI | SE | SE (bootstrap) | % support | % oppose | unweighted mean | n |",
                  "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
        for r in grp.itertuples():
            k = f"indices.{r.var}"
            name = f"**{r.label}**" if r.kind == "index" else r.label
            if r.n < min_cell:
                cells = [nums.suppress(f"{k}.{c}", file=file, min_cell=min_cell) for c in
                         ("mean", "ci", "se", "se_boot", "pct_support", "pct_oppose", "mean_unweighted", "n")]
                lines.append(f"| {name} | " + " | ".join(cells) + " |")
                continue
            add = lambda name, v, kind, k=k, **kw: nums.add(f"{k}.{name}", v, kind, file=file, **kw)  # noqa: E731
            mean = add("mean", r.mean, "mean", se=r.se, ci=(r.ci_low, r.ci_high), n=r.n, unit="scale 1-5",
                       label=f"{r.label}: weighted mean")
            lo, hi = add("ci_low", r.ci_low, "mean", unit="scale 1-5"), add("ci_high", r.ci_high, "mean",
                                                                            unit="scale 1-5")
            row = [mean, f"[{lo}, {hi}]", add("se", r.se, "se"), add("se_boot", r.se_boot, "se"),
                   add("pct_support", r.pct_support, "pct", se=r.pct_support_se, unit="percent"),
                   add("pct_oppose", r.pct_oppose, "pct", se=r.pct_oppose_se, unit="percent"),
                   add("mean_unweighted", r.mean_unweighted, "mean", unit="scale 1-5"),
                   add("n", r.n, "count", unit="respondents")]
            lines.append(f"| {name} | " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


def reliability_markdown(rel: pd.DataFrame, source_label: str, nums, file: str) -> str:
    lines = ["# Reliability of the indices", "", f"Data: {source_label}", "",
             "Cronbach's alpha and item-rest correlations on respondents who answered every item of the scale; "
             "weighted versions use the raking weights.", "",
             "| scale | statistic | item | unweighted | weighted | n |", "|---|---|---|---:|---:|---:|"]
    for r in rel.itertuples():
        stat = "alpha" if r.statistic == "cronbach_alpha" else f"{r.var}.item_rest"
        k = f"reliability.{r.scale}.{stat}"
        cells = [nums.add(f"{k}.unweighted", r.unweighted, "alpha", file=file),
                 nums.add(f"{k}.weighted", r.weighted, "alpha", file=file),
                 nums.add(f"{k}.n", r.n, "count", file=file, unit="respondents")]
        lines.append(f"| {r.scale} | {r.statistic.replace('_', ' ')} | {r.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
