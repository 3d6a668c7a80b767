"""Indices, reliability and design-based estimates."""

import numpy as np
import pandas as pd
import polars as pl
import pytest
import svy
from scipy import stats

from scs import indices, weights
from conftest import ROOT

ITEMS = [{"var": f"x{i}"} for i in range(4)]


def test_index_requires_min_answered_and_ignores_dont_know():
    f = pd.DataFrame({"x0": [1, 5, None, None], "x1": [2, 5, None, 4], "x2": [3, None, None, 4],
                      "x3": [4, 5, 1, None]}).astype("Int64")
    idx = indices.scale_index(f, ITEMS, min_answered=3)
    assert idx.iloc[0] == pytest.approx(2.5)
    assert idx.iloc[1] == pytest.approx(5.0)  # 3 answered, mean of those
    assert np.isnan(idx.iloc[2]) and np.isnan(idx.iloc[3])


def test_reverse_coded_item():
    f = pd.DataFrame({"x0": [1], "x1": [5]}).astype("Int64")
    idx = indices.scale_index(f, [{"var": "x0", "reverse": True}, {"var": "x1"}], min_answered=2)
    assert idx.iloc[0] == pytest.approx(5.0)


def test_cronbach_alpha_known_values():
    rng = np.random.default_rng(1)
    t = rng.normal(size=500)
    X = np.column_stack([t, t, t])
    assert indices.cronbach_alpha(X) == pytest.approx(1.0)
    # k items with equal variance and correlation r: alpha = k r / (1 + (k-1) r)
    C = np.full((4, 4), 0.5) + 0.5 * np.eye(4)
    Z = rng.multivariate_normal(np.zeros(4), C, size=200_000)
    assert indices.cronbach_alpha(Z) == pytest.approx(4 * 0.5 / (1 + 3 * 0.5), abs=0.01)
    # frequency weights of 2 equal duplicating the rows
    w = rng.integers(1, 3, size=300).astype(float)
    Y = Z[:300]
    assert indices.cronbach_alpha(Y, w) == pytest.approx(indices.cronbach_alpha(np.repeat(Y, w.astype(int), axis=0)))


def test_mean_ci_matches_t_interval_for_a_simple_random_sample():
    rng = np.random.default_rng(7)
    y = rng.normal(3, 1, 200)
    s = svy.Sample(pl.DataFrame({"id": np.arange(200), "w": np.ones(200), "y": y}), svy.Design(wgt="w", psu="id"))
    r = indices._mean(s, "y", alpha=0.05)
    se = y.std(ddof=1) / np.sqrt(200)
    t = stats.t.ppf(0.975, 199)
    assert r["est"] == pytest.approx(y.mean())
    assert r["se"] == pytest.approx(se, rel=1e-9)
    assert (r["lci"], r["uci"]) == pytest.approx((y.mean() - t * se, y.mean() + t * se), rel=1e-9)


def test_raking_aware_se_is_zero_for_a_calibration_variable(cfg):
    # y is a function of a raking margin: its raked mean is the census value, with no sampling error
    frame = pd.read_parquet(ROOT / "results" / "clean" / "clean.parquet")
    targets = weights.load_targets(ROOT / "data" / "targets.csv")
    y = pd.DataFrame({"y": np.where(frame["sex"] == "male", 3.0, 1.0)})
    sample, _ = weights.rake(frame, targets, cfg["weighting"], replicates=False, extra=y)
    r = indices._mean(sample, "y", alpha=0.05)
    assert r["est"] == pytest.approx(1 + 2 * 0.505, abs=1e-9)
    assert r["se"] < 1e-8


def test_shipped_estimates_reproduce_the_published_pattern():
    est = pd.read_csv(ROOT / "results" / "indices" / "item_estimates.csv").set_index("var")
    assert abs(est.loc["surveillance", "mean"] - 3.60) <= 0.02
    assert abs(est.loc["punishment", "mean"] - 3.60) <= 0.02
    assert abs(est.loc["s_jobs", "mean"] - 2.75) <= 0.02
    s_items = est[(est.scale == "surveillance") & (est.kind == "item")]
    assert s_items["mean"].idxmin() == "s_jobs" and (s_items["mean"].drop("s_jobs") > 3).all()
    assert est.loc["s_rumors", "pct_support"] > 40
    assert est.loc["s_subway", "pct_support"] > 50 and est.loc["s_domviol", "pct_support"] > 50
    p_items = est[(est.scale == "punishment") & (est.kind == "item")]
    assert p_items["mean"].idxmax() == "p_civil" and p_items["mean"].idxmin() == "p_school"
    assert est.loc["p_national", "mean"] > est.loc["p_community", "mean"]
    # design-based intervals: bootstrap and linearization SEs agree to within Monte Carlo error
    ratio = est["se_boot"] / est["se"]
    assert ratio.between(0.8, 1.25).all(), ratio
    assert (est["ci_low"] < est["mean"]).all() and (est["mean"] < est["ci_high"]).all()
