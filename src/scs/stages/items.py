"""Battery items and indices: design-based means, answer shares, and paired contrasts (results as tables).

"Don't know" and other missing codes of the codebook are out of the mean and of % support /
% oppose (shares of the substantive answers); % don't know is their share of everyone who gave
any answer (substantive or a missing code). Blank cells (not asked or skipped) count nowhere.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from scs.io.codebook import DK_SUFFIX
from scs.numbers import StatedNumbers, small_cell
from scs.settings import Settings
from scs.stages.result import StageResult
from scs.survey.design import Design
from scs.survey.means import contrasts, means, stack

DK = DK_SUFFIX  # the "don't know" flag of an item: <item>__dk (the codebook's)


def dk_column(var: str) -> str:
    """The cleaned data's 0/1 column: 1 when the answer was a missing code ("don't know", refused)."""
    return f"{var}{DK}"


def _values(frame, var):
    return frame[var].astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def values(frame: pd.DataFrame, var: str) -> np.ndarray:
    """A numeric column as floats, NaN where missing."""
    return _values(frame, var)


def _entries(s: Settings):
    for b in s.batteries:
        spec = s.scales[b]
        for it in spec.items:
            yield b, it.var, it.label, "item"
        yield b, b, spec.label, "index"


def entries(s: Settings):
    """(battery, variable, label, kind) of every battery item and index, in configuration order (each
    battery's items, then its index)."""
    return list(_entries(s))


def answer_shares(x: np.ndarray, support, oppose, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The 0/1 columns of the two shares (NaN where ``x`` is missing): an item's answer among the codes; an
    index's mean at or above the lowest ``support`` code, at or below the highest ``oppose`` code."""
    ok = ~np.isnan(x)
    if kind == "index":
        return (np.where(ok, (x >= min(support)).astype(float), np.nan),
                np.where(ok, (x <= max(oppose)).astype(float), np.nan))
    return (np.where(ok, np.isin(x, list(support)).astype(float), np.nan),
            np.where(ok, np.isin(x, list(oppose)).astype(float), np.nan))


def _deff(se: float, x: np.ndarray, w: np.ndarray) -> float:
    """Design effect of a mean: its design variance over that of a simple random sample of the same size
    (weighted variance / n)."""
    ok = ~np.isnan(x)
    if ok.sum() < 2:
        return float("nan")
    m = np.average(x[ok], weights=w[ok])
    v_srs = np.average((x[ok] - m) ** 2, weights=w[ok]) / ok.sum()
    return float(se ** 2 / v_srs) if v_srs > 0 else float("nan")


def item_estimates(design: Design, frame: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """One row per battery item and index: weighted mean (linearization and bootstrap SE, CIs),
    % support, % oppose and % don't know with their SEs, unweighted mean, n answered, n don't know."""
    ci = s.estimates.ci_level
    entries = list(_entries(s))
    cols, names = [], []
    for battery, var, _label, kind in entries:
        rs = s.response_scale_of(battery)
        support, oppose = list(rs.support), list(rs.oppose)
        x = _values(frame, var)
        ok = ~np.isnan(x)
        sup, opp = answer_shares(x, support, oppose, kind)  # an index: its mean at or above the lowest support code
        if kind == "index":
            dk = np.full(len(x), np.nan)
        else:
            dcol = dk_column(var)
            dk = _values(frame, dcol) if dcol in frame.columns else np.where(ok, 0.0, np.nan)
        cols += [x, sup, opp, dk]
        names += [var, f"{var}:support", f"{var}:oppose", f"{var}:dk"]
    est = means(design, stack(cols), names)
    lo, hi = est.ci(ci)
    blo, bhi = est.ci_rep(ci, "bootstrap")
    nan = np.full(len(names), np.nan)
    se_jk, se_boot = est.se_reps.get("jackknife", nan), est.se_reps.get("bootstrap", nan)
    rows = []
    for j, (b, var, label, kind) in enumerate(entries):
        k = 4 * j
        x = cols[k]
        ok = ~np.isnan(x)
        n_dk = int(np.nansum(cols[k + 3])) if kind == "item" else 0
        rows.append({
            "scale": b, "var": var, "label": label, "kind": kind, "n": int(ok.sum()), "n_dk": n_dk,
            "mean": est.est[k], "se": est.se[k], "ci_low": lo[k], "ci_high": hi[k], "df": int(est.df[k]),
            "variance": est.method, "se_linearization": est.se_lin[k], "se_jackknife": se_jk[k], "se_boot": se_boot[k],
            "ci_low_boot": blo[k] if blo is not None else np.nan, "ci_high_boot": bhi[k] if bhi is not None else np.nan,
            "pct_support": 100 * est.est[k + 1], "pct_support_se": 100 * est.se[k + 1],
            "pct_support_ci_low": 100 * lo[k + 1], "pct_support_ci_high": 100 * hi[k + 1],
            "pct_oppose": 100 * est.est[k + 2], "pct_oppose_se": 100 * est.se[k + 2],
            "pct_oppose_ci_low": 100 * lo[k + 2], "pct_oppose_ci_high": 100 * hi[k + 2],
            "pct_dk": 100 * est.est[k + 3] if kind == "item" else np.nan,
            "pct_dk_se": 100 * est.se[k + 3] if kind == "item" else np.nan,
            "mean_unweighted": float(np.nanmean(x)) if ok.any() else np.nan,
            "deff": _deff(est.se[k], x, design.weight),
        })
    return pd.DataFrame(rows)


def item_distribution(design: Design, frame: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """Weighted share of every answer code of every battery item (among substantive answers) and of
    "don't know" (among all answers), with unweighted counts: the data of the Likert charts."""
    cols, keys = [], []
    for b in s.batteries:
        codes = s.response_scale_of(b).codes
        for it in s.scales[b].items:
            x = _values(frame, it.var)
            ok = ~np.isnan(x)
            for c in codes:
                cols.append(np.where(ok, (x == c).astype(float), np.nan))
                keys.append((b, it.var, it.label, str(c), int(np.sum(x == c))))
            dcol = dk_column(it.var)
            dk = _values(frame, dcol) if dcol in frame.columns else np.where(ok, 0.0, np.nan)
            cols.append(dk)
            keys.append((b, it.var, it.label, "dk", int(np.nansum(dk))))
    est = means(design, stack(cols), [f"{k[1]}:{k[3]}" for k in keys], replicates=False)
    return pd.DataFrame([{"scale": b, "var": v, "label": lab, "answer": a, "n": n, "share": s, "se_linearization": se}
                         for (b, v, lab, a, n), s, se in zip(keys, est.est, est.se_lin)])


def pairwise_contrasts(design: Design, frame: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """Every difference of two item means within a battery (first minus second, in config order)."""
    ci = s.estimates.ci_level
    rows = []
    for b in s.batteries:
        items = s.scales[b].vars
        Y = stack(_values(frame, v) for v in items)
        pairs = list(combinations(range(len(items)), 2))
        names = [f"{items[a]}-{items[c]}" for a, c in pairs]
        est = contrasts(design, Y, pairs, names)
        lo, hi = est.ci(ci)
        blo, bhi = est.ci_rep(ci, "bootstrap")
        for j, (a, c) in enumerate(pairs):
            rows.append({"scale": b, "first": items[a], "second": items[c], "difference": est.est[j], "se": est.se[j],
                         "ci_low": lo[j], "ci_high": hi[j], "df": int(est.df[j]), "variance": est.method,
                         "se_linearization": est.se_lin[j],
                         "se_jackknife": est.se_reps["jackknife"][j] if "jackknife" in est.se_reps else np.nan,
                         "se_boot": est.se_rep[j] if est.se_rep is not None else np.nan,
                         "ci_low_boot": blo[j] if blo is not None else np.nan,
                         "ci_high_boot": bhi[j] if bhi is not None else np.nan, "n": int(est.n[j])})
    return pd.DataFrame(rows)



SUPPRESSED_STATS = ("mean", "ci", "se", "se_boot", "pct_support", "pct_oppose", "pct_dk", "mean_unweighted", "n")


def estimate_key(var: str, stat: str) -> str:
    return f"items.{var}.{stat}"


def estimate_numbers(est: pd.DataFrame, min_cell: int) -> StatedNumbers:
    """The estimates of every item and index (a cell of fewer than ``min_cell`` answers withheld)."""
    nums = StatedNumbers()
    for r in est.itertuples():
        def add(stat, v, kind, var=r.var, **kw):
            return nums.add(estimate_key(var, stat), v, kind, **kw)

        if r.n == 0:
            add("n", 0, "count")
        elif small_cell(r.n, min_cell):
            for c in SUPPRESSED_STATS:
                nums.suppress(estimate_key(r.var, c))
        else:
            add("mean", r.mean, "mean", se=r.se, ci=(r.ci_low, r.ci_high), n=r.n, unit="scale",
                label=f"{r.label}: weighted mean")
            add("ci_low", r.ci_low, "mean")
            add("ci_high", r.ci_high, "mean")
            if r.kind != "index":
                add("pct_dk", r.pct_dk, "pct", se=r.pct_dk_se, unit="percent")
            add("se", r.se, "se")
            add("se_boot", r.se_boot, "se")
            add("pct_support", r.pct_support, "pct", se=r.pct_support_se, unit="percent",
                ci=(r.pct_support_ci_low, r.pct_support_ci_high))
            add("pct_oppose", r.pct_oppose, "pct", se=r.pct_oppose_se, unit="percent",
                ci=(r.pct_oppose_ci_low, r.pct_oppose_ci_high))
            add("mean_unweighted", r.mean_unweighted, "mean")
            add("n", r.n, "count", unit="respondents")
    return nums


def run(design: Design, frame: pd.DataFrame, s: Settings) -> StageResult:
    """The item stage: design-based estimates of every battery item and index, the answer distributions,
    the paired contrasts within each battery.

    Tables: ``estimates``, ``distribution``, ``contrasts`` (unwithheld: the adapter withholds small cells
    when it releases them). Numbers: those of ``estimates`` (small cells already withheld)."""
    est = item_estimates(design, frame, s)
    return StageResult(tables={"estimates": est, "distribution": item_distribution(design, frame, s),
                               "contrasts": pairwise_contrasts(design, frame, s)},
                       numbers={"estimates": estimate_numbers(est, s.disclosure.min_cell)})
