"""Indices and their reliability.

An index is the mean of a scale's answered items ("don't know" is missing), computed only when
at least ``min_answered`` items are answered. The scales' reliability, unweighted and with the final
weights: Cronbach's alpha, McDonald's omega (total, of a one-factor model), the share of the first
eigenvalue of the items' correlations, and item-rest correlations; the scales used in a model whose
alpha falls below ``reliability.threshold`` are named (a warning and a note in the tables).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from scs.errors import PipelineError
from scs.numbers import StatedNumbers
from scs.settings import Item, ResponseScale, Settings
from scs.stages.result import StageResult
from scs.survey import formula as fml


def code_range(scale: ResponseScale) -> tuple[float, float]:
    """The lowest and highest answer code of a response scale (its ``labels``): a reverse-keyed item's
    answer x counts as lowest + highest - x."""
    codes = [float(k) for k in scale.labels]
    return min(codes), max(codes)


def item_matrix(frame: pd.DataFrame, items: tuple[Item, ...], codes: tuple[float, float], *,
                file: str = "config.yaml") -> np.ndarray:
    """The items' answers as columns ("don't know" and blank: NaN), reverse-keyed items reversed within
    ``codes`` (the response scale's lowest and highest code)."""
    lo, hi = codes
    cols = []
    for it in items:
        if it.var not in frame.columns:
            raise PipelineError(f"scale item {it.var!r} is not in the cleaned data", file=file,
                                column=it.var, expected="an analysis variable from the codebook")
        x = frame[it.var].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        cols.append(lo + hi - x if it.reverse else x)
    return np.column_stack(cols)


def scale_index(frame: pd.DataFrame, items: tuple[Item, ...], min_answered: int, codes: tuple[float, float], *,
                file: str = "config.yaml") -> pd.Series:
    """Mean of the answered items (reverse-keyed ones reversed within ``codes``); NA when fewer than
    ``min_answered`` are answered."""
    X = item_matrix(frame, items, codes, file=file)
    answered = np.sum(~np.isnan(X), axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(X, axis=1)
    return pd.Series(np.where(answered >= min_answered, mean, np.nan), index=frame.index)


def check_answer_codes(frame: pd.DataFrame, name: str, items: tuple[Item, ...], scale: ResponseScale, *,
                       file: str = "config.yaml") -> None:
    """Stop when an item has an answer that is not a whole number from the lowest to the highest code of its
    scale's response scale (a 7-point item
    under a 5-point scale, a "refused" code the codebook does not declare missing): the index, the shares
    and the charts would be computed on the wrong scale without a word."""
    lo, hi = code_range(scale)  # (the labels may name the two ends only: every whole number between is a code)
    for it in items:
        if it.var not in frame.columns:
            continue  # (item_matrix names a missing item)
        x = frame[it.var].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isnan(x) & ((x < lo) | (x > hi) | (x != np.round(x)))
        if bad.any():
            values, counts = np.unique(x[bad], return_counts=True)
            found = ", ".join(f"{v:g} ({c} respondent{'s' if c > 1 else ''})" for v, c in zip(values, counts))
            raise PipelineError(
                f"scale {name!r}: item {it.var!r} has answer code(s) {found} outside its response scale "
                f"({lo:g} to {hi:g}); declare them missing in the codebook, or give the "
                f"scale its own response_scale (scales.{name}.response_scale)", file=file, column=it.var,
                expected=f"codes of the response scale of {name!r}")


def add_indices(frame: pd.DataFrame, s: Settings) -> pd.DataFrame:
    out = frame.copy()
    for name, sc in s.scales.items():
        check_answer_codes(frame, name, sc.items, s.response_scale_of(name), file=s.file)
        out[name] = scale_index(frame, sc.items, sc.min_answered, code_range(s.response_scale_of(name)), file=s.file)
    return out


def _wcov(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    w = w / w.sum()
    mu = w @ X
    D = X - mu
    return (D * w[:, None]).T @ D


MISSING = ("listwise", "pairwise")


def _pairwise_cov(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The (weighted) covariance of every pair of items over the respondents who answered both, each with its
    own means and the reliability-weights denominator V1 - V2/V1 (n - 1 without weights: R's
    cov(use = "pairwise.complete.obs"), which psych::alpha uses by default)."""
    k = X.shape[1]
    C = np.full((k, k), np.nan)
    present = ~np.isnan(X)
    for j in range(k):
        for m in range(j, k):
            ok = present[:, j] & present[:, m]
            ww = w[ok]
            v1 = ww.sum()
            denom = v1 - (ww ** 2).sum() / v1 if v1 > 0 else 0.0
            if ok.sum() < 2 or denom <= 0:
                continue
            xj, xm = X[ok, j], X[ok, m]
            dj, dm = xj - ww @ xj / v1, xm - ww @ xm / v1
            C[j, m] = C[m, j] = float((ww * dj) @ dm / denom)
    return C


def item_covariance(X: np.ndarray, w: np.ndarray | None = None, missing: str = "listwise") -> tuple[np.ndarray, int]:
    """The items' (weighted) covariance matrix and the respondents it rests on: ``listwise`` on the rows that
    answered every item, ``pairwise`` each pair on the rows that answered both (n: rows with two or more
    answers). None when it cannot be formed (fewer than 2 rows)."""
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {MISSING}, not {missing!r}")
    X = np.asarray(X, dtype=float)
    w = np.ones(len(X)) if w is None else np.asarray(w, dtype=float)
    if missing == "pairwise":
        n = int((np.sum(~np.isnan(X), axis=1) >= 2).sum())
        C = _pairwise_cov(X, w)
        return (None if np.isnan(C).any() else C), n
    ok = ~np.isnan(X).any(axis=1)
    if ok.sum() < 2:
        return None, int(ok.sum())
    return _wcov(X[ok], w[ok]), int(ok.sum())


def cronbach_alpha(X: np.ndarray, w: np.ndarray | None = None, missing: str = "listwise") -> float:
    """Cronbach's alpha k/(k-1) (1 - tr C / sum C) from the (weighted) covariance matrix C of the items
    (:func:`item_covariance`: listwise or pairwise); NaN when C cannot be formed."""
    C, _ = item_covariance(X, w, missing)
    if C is None:
        return float("nan")
    k = C.shape[0]
    return float(k / (k - 1) * (1 - np.trace(C) / C.sum()))


def item_rest(X: np.ndarray, w: np.ndarray | None = None, missing: str = "listwise") -> np.ndarray:
    """Correlation of each item with the sum of the other items, from the (weighted) covariance matrix of the
    items (:func:`item_covariance`): cov(x_j, rest_j) = sum_k!=j C_jk, var(rest_j) = sum_k,l!=j C_kl."""
    C, _ = item_covariance(X, w, missing)
    if C is None:
        return np.full(np.asarray(X).shape[1], np.nan)
    total, row = C.sum(), C.sum(axis=1)
    diag = np.diag(C)
    cov_rest = row - diag
    var_rest = total - 2 * row + diag
    return cov_rest / np.sqrt(diag * var_rest)


def item_correlation(X: np.ndarray, w: np.ndarray | None = None, missing: str = "listwise") -> np.ndarray | None:
    """The items' (weighted) correlation matrix: ``listwise`` on the rows that answered every item, ``pairwise``
    each correlation over the rows that answered both items, with their own means and SDs (R's
    cor(use = "pairwise.complete.obs"), which psych's factor analysis uses). None when it cannot be formed."""
    if missing != "pairwise":
        C, _ = item_covariance(X, w, missing)
        if C is None:
            return None
        d = np.sqrt(np.diag(C))
        return C / np.outer(d, d)
    X = np.asarray(X, dtype=float)
    w = np.ones(len(X)) if w is None else np.asarray(w, dtype=float)
    k = X.shape[1]
    R = np.eye(k)
    present = ~np.isnan(X)
    for j in range(k):
        for m in range(j + 1, k):
            ok = present[:, j] & present[:, m]
            if ok.sum() < 2:
                return None
            ww, xj, xm = w[ok], X[ok, j], X[ok, m]
            dj, dm = xj - ww @ xj / ww.sum(), xm - ww @ xm / ww.sum()
            R[j, m] = R[m, j] = float((ww * dj) @ dm / np.sqrt((ww * dj) @ dj * ((ww * dm) @ dm)))
    return R


def one_factor_loadings(R: np.ndarray, *, tol: float = 1e-13, max_iter: int = 100_000) -> np.ndarray:
    """Loadings of a one-factor model of the correlation matrix ``R`` by iterated principal axes, which
    converge to the minimum-residual (unweighted least squares) solution (psych::fa's default fm = "minres"),
    starting from the squared multiple correlations."""
    k = R.shape[0]
    try:
        h = 1 - 1 / np.diag(np.linalg.inv(R))
    except np.linalg.LinAlgError:
        h = np.full(k, 0.5)
    for _ in range(max_iter):
        Rh = R.copy()
        np.fill_diagonal(Rh, h)
        vals, vecs = np.linalg.eigh(Rh)
        lam = vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))
        h_new = lam ** 2
        if np.max(np.abs(h_new - h)) < tol:
            break
        h = h_new
    return lam if lam.sum() >= 0 else -lam


def omega_total(X: np.ndarray, w: np.ndarray | None = None, missing: str = "listwise") -> float:
    """McDonald's omega (total) of a one-factor model: 1 - sum of the uniquenesses / sum of the correlation
    matrix (psych::omega's omega.tot with nfactors = 1), from the (weighted) correlations of the items
    (:func:`item_correlation`); NaN when they cannot be formed."""
    R = item_correlation(X, w, missing)
    if R is None:
        return float("nan")
    lam = one_factor_loadings(R)
    return float(1 - np.sum(1 - lam ** 2) / R.sum())


def first_eigenvalue_share(X: np.ndarray, w: np.ndarray | None = None, missing: str = "listwise") -> float:
    """The largest eigenvalue of the items' (weighted) correlation matrix over the number of items: the share
    of the items' variance that one dimension carries."""
    R = item_correlation(X, w, missing)
    if R is None:
        return float("nan")
    return float(np.linalg.eigvalsh(R)[-1] / R.shape[0])


SCALE_STATISTICS = {"cronbach_alpha": cronbach_alpha, "omega_total": omega_total,
                    "first_eigenvalue_share": first_eigenvalue_share}


def reliability(frame: pd.DataFrame, w: np.ndarray, s: Settings) -> pd.DataFrame:
    """Alpha and item-rest correlations of every scale in config (batteries first), reverse-keyed items
    reversed as in the index."""
    rows = []
    scales = list(s.batteries) + [name for name in s.scales if name not in s.batteries]
    for sc in scales:
        spec = s.scales[sc]
        X = item_matrix(frame, spec.items, code_range(s.response_scale_of(sc)), file=s.file)
        missing = s.reliability.missing
        _, n_complete = item_covariance(X, None, missing)
        ir_u, ir_w = item_rest(X, missing=missing), item_rest(X, w, missing)
        for it, u, ww in zip(spec.items, ir_u, ir_w):
            rows.append({"scale": sc, "var": it.var, "label": it.label, "statistic": "item_rest_correlation",
                         "unweighted": float(u), "weighted": float(ww), "n": n_complete})
        for stat, fn in SCALE_STATISTICS.items():
            rows.append({"scale": sc, "var": sc, "label": spec.label, "statistic": stat,
                         "unweighted": fn(X, missing=missing), "weighted": fn(X, w, missing), "n": n_complete})
    return pd.DataFrame(rows)


def below_threshold(rel: pd.DataFrame, s: Settings) -> dict[str, float]:
    """The scales used in a model (an outcome, or a term of a formula) whose weighted alpha is below
    ``reliability.threshold``: scale -> alpha."""
    used = set(s.models.outcomes) | {t.var for rhs in [*s.models.formulas.values(), s.models.alternative_formula]
                                     for t in fml.parse_formula(rhs, where=s.file)}
    alpha = rel[rel.statistic == "cronbach_alpha"].set_index("scale")["weighted"]
    return {sc: float(a) for sc, a in alpha.items() if sc in used and a < s.reliability.threshold}


def reliability_key(row, stat: str) -> str:
    """The registry key of a statistic of a row of :func:`reliability`."""
    what = {"cronbach_alpha": "alpha", "omega_total": "omega", "first_eigenvalue_share": "eigen_share"}.get(
        row.statistic, f"{row.var}.item_rest")
    return f"indices.{row.scale}.{what}.{stat}"


def reliability_numbers(rel: pd.DataFrame) -> StatedNumbers:
    nums = StatedNumbers()
    for r in rel.itertuples():
        kind = "share" if r.statistic == "first_eigenvalue_share" else "alpha"
        nums.add(reliability_key(r, "unweighted"), r.unweighted, kind)
        nums.add(reliability_key(r, "weighted"), r.weighted, kind)
        nums.add(reliability_key(r, "n"), r.n, "count", unit="respondents")
    return nums


def run(frame: pd.DataFrame, w: np.ndarray, s: Settings) -> StageResult:
    """The indices stage: every configured scale's index added to the cleaned data, and the reliability of
    the scales with the final weights ``w``.

    Tables: ``analysis`` (the cleaned data with the indices), ``reliability``. Numbers: those of
    ``reliability``. Diagnostics: ``without_index`` (scale -> respondents with too few answered items)."""
    analysis = add_indices(frame, s)
    rel = reliability(analysis, w, s)
    return StageResult(tables={"analysis": analysis, "reliability": rel},
                       numbers={"reliability": reliability_numbers(rel)},
                       diagnostics={"without_index": {sc: int(analysis[sc].isna().sum()) for sc in s.scales},
                                    "below_threshold": below_threshold(rel, s)})
