"""Indices, reliability and the item estimates."""

import numpy as np
import pandas as pd
import pytest

from scs.settings import Item, from_config
from scs.stages import indices, items

ITEMS = tuple(Item(f"x{i}", f"x{i}", reverse=False) for i in range(4))


def test_index_requires_min_answered_and_ignores_dont_know():
    f = pd.DataFrame({"x0": [1, 5, None, None], "x1": [2, 5, None, 4], "x2": [3, None, None, 4],
                      "x3": [4, 5, 1, None]}).astype("Int64")
    idx = indices.scale_index(f, ITEMS, min_answered=3, codes=(1, 5))
    assert idx.iloc[0] == pytest.approx(2.5)
    assert idx.iloc[1] == pytest.approx(5.0)  # 3 answered, mean of those
    assert np.isnan(idx.iloc[2]) and np.isnan(idx.iloc[3])


@pytest.mark.parametrize("labels,answers,reversed_", [
    ({1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}, [1, 2, 5], [5, 4, 1]),
    ({1: "a", 2: "b", 3: "c", 4: "d"}, [1, 2, 4], [4, 3, 1]),          # a 4-point scale: 5 - x
    ({0: "a", 5: "m", 10: "z"}, [0, 3, 10], [10, 7, 0]),             # 0-10: 10 - x
    ({-1: "disagree", 0: "neither", 1: "agree"}, [-1, 0, 1], [1, 0, -1]),
])
def test_reverse_keyed_items_are_reversed_within_the_response_scale(labels, answers, reversed_):
    codes = indices.code_range(from_config({"response_scale": {"labels": labels}}).response_scale)
    f = pd.DataFrame({"x0": answers, "x1": answers}).astype("Int64")
    x0, x1 = Item("x0", "x0", reverse=True), Item("x1", "x1", reverse=False)
    idx = indices.scale_index(f, (x0,), min_answered=1, codes=codes)
    assert idx.tolist() == reversed_
    both = indices.scale_index(f, (x0, x1), 2, codes)
    assert both.tolist() == [(min(labels) + max(labels)) / 2] * 3


def test_reliability_reverses_reverse_keyed_items():
    """A reverse-keyed item enters alpha reversed: the alpha of a scale equals that of the same answers
    keyed the other way round."""
    rng = np.random.default_rng(3)
    t = rng.normal(size=400)
    X = np.clip(np.round(3 + t[:, None] + rng.normal(scale=0.8, size=(400, 3))), 1, 5).astype(int)
    f = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": 6 - X[:, 2]}).astype("Int64")
    cfg = {"batteries": ["s"], "response_scale": {"labels": {k: str(k) for k in range(1, 6)}}, "reliability": {},
           "scales": {"s": {"label": "S", "min_answered": 2,
                            "items": [{"var": "a", "label": "a"}, {"var": "b", "label": "b"},
                                      {"var": "c", "label": "c", "reverse": True}]}}}
    rel = indices.reliability(f, np.ones(400), from_config(cfg))
    alpha = rel[rel.statistic == "cronbach_alpha"].unweighted.iloc[0]
    assert alpha == pytest.approx(indices.cronbach_alpha(X.astype(float)))
    assert alpha > 0.6


def test_cronbach_alpha_known_values_and_no_answers():
    rng = np.random.default_rng(1)
    t = rng.normal(size=500)
    assert indices.cronbach_alpha(np.column_stack([t, t, t])) == pytest.approx(1.0)
    C = np.full((4, 4), 0.5) + 0.5 * np.eye(4)
    Z = rng.multivariate_normal(np.zeros(4), C, size=200_000)
    assert indices.cronbach_alpha(Z) == pytest.approx(4 * 0.5 / (1 + 3 * 0.5), abs=0.01)
    w = rng.integers(1, 3, size=300).astype(float)
    Y = Z[:300]
    assert indices.cronbach_alpha(Y, w) == pytest.approx(indices.cronbach_alpha(np.repeat(Y, w.astype(int), axis=0)))
    assert np.isnan(indices.cronbach_alpha(np.full((10, 3), np.nan)))


def test_shipped_estimates_show_the_published_pattern_computed_by_the_code(stand_in, settings):
    est = items.item_estimates(stand_in.design(variance="jackknife"), stand_in.frame, settings).set_index("var")
    assert abs(est.loc["surveillance", "mean"] - 3.60) <= 0.02
    assert abs(est.loc["punishment", "mean"] - 3.60) <= 0.02
    assert abs(est.loc["s_jobs", "mean"] - 2.75) <= 0.02
    s_items = est[(est.scale == "surveillance") & (est.kind == "item")]
    assert s_items["mean"].idxmin() == "s_jobs" and (s_items["mean"].drop("s_jobs") > 3).all()
    assert est.loc["s_rumors", "pct_support"] > 40
    p_items = est[(est.scale == "punishment") & (est.kind == "item")]
    assert p_items["mean"].idxmax() == "p_civil" and p_items["mean"].idxmin() == "p_school"
    # the three SEs of a mean agree up to Monte Carlo error and small-sample corrections
    for other in ("se_linearization", "se_boot"):
        ratio = est["se"] / est[other]
        assert ratio.between(0.85, 1.2).all(), (other, ratio)
    assert (est["variance"] == "jackknife").all()
    # "don't know" is shown: items have some, and the n's leave them out
    it = est[est.kind == "item"]
    assert (it.pct_dk > 0).all() and (it.n + it.n_dk <= len(stand_in.frame)).all()


def test_dont_know_share_is_the_weighted_share_among_everyone_who_answered(stand_in, settings):
    des = stand_in.design(replicates=False)
    f = stand_in.frame
    est = items.item_estimates(des, f, settings).set_index("var")
    dk = f["s_protest__dk"].astype(float).to_numpy()
    ok = ~np.isnan(dk)
    w = des.weight
    assert est.loc["s_protest", "pct_dk"] == pytest.approx(100 * (w[ok] * dk[ok]).sum() / w[ok].sum())
    assert est.loc["s_protest", "n_dk"] == int(np.nansum(dk))


def test_answer_distribution_sums_to_one_per_item(stand_in, settings):
    dist = items.item_distribution(stand_in.design(replicates=False), stand_in.frame, settings)
    sub = dist[dist.answer != "dk"].groupby("var").share.sum()
    np.testing.assert_allclose(sub.to_numpy(), 1.0, atol=1e-12)
    assert set(dist.answer) == {"1", "2", "3", "4", "5", "dk"}


def test_paired_contrasts_cover_every_pair_of_a_battery(stand_in, settings):
    con = items.pairwise_contrasts(stand_in.design(variance="jackknife"), stand_in.frame, settings)
    for b in settings.batteries:
        k = len(settings.scales[b].items)
        assert (con.scale == b).sum() == k * (k - 1) // 2
    r = con[(con["first"] == "p_civil") & (con["second"] == "p_school")].iloc[0]
    assert r.difference > 0 and r.ci_low > 0


def test_pairwise_alpha_is_alpha_of_the_pairwise_covariance_matrix():
    """reliability.missing: pairwise: each pair of items over the respondents who answered both, as R's
    cov(use = "pairwise.complete.obs") (pandas' DataFrame.cov), which psych::alpha uses by default."""
    rng = np.random.default_rng(11)
    t = rng.normal(size=500)
    X = np.round(3 + t[:, None] + rng.normal(scale=0.9, size=(500, 4)))
    X[rng.random(X.shape) < 0.15] = np.nan
    C = pd.DataFrame(X).cov().to_numpy()
    k = C.shape[0]
    expected = k / (k - 1) * (1 - np.trace(C) / C.sum())
    assert indices.cronbach_alpha(X, missing="pairwise") == pytest.approx(expected, rel=1e-12)
    assert indices.cronbach_alpha(X, missing="pairwise") != pytest.approx(indices.cronbach_alpha(X), rel=1e-6)
    w = rng.uniform(0.5, 2, 500)
    assert indices.cronbach_alpha(X, w, "pairwise") == pytest.approx(indices.cronbach_alpha(X, 3 * w, "pairwise"))
    _, n = indices.item_covariance(X, None, "pairwise")
    assert n == int((np.sum(~np.isnan(X), axis=1) >= 2).sum())


def test_one_factor_loadings_recover_an_exact_one_factor_structure_and_omega_follows():
    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    R = np.outer(lam, lam)
    np.fill_diagonal(R, 1.0)
    np.testing.assert_allclose(indices.one_factor_loadings(R), lam, atol=1e-9)
    # omega total = 1 - sum(1 - lam^2) / sum(R) = (sum lam)^2 / sum(R) for an exact one-factor matrix
    rng = np.random.default_rng(5)
    f = rng.normal(size=200_000)
    X = f[:, None] * lam + rng.normal(size=(200_000, 5)) * np.sqrt(1 - lam ** 2)
    assert indices.omega_total(X) == pytest.approx(lam.sum() ** 2 / R.sum(), abs=2e-3)
    assert indices.first_eigenvalue_share(X) == pytest.approx(np.linalg.eigvalsh(R)[-1] / 5, abs=2e-3)
    w = rng.uniform(0.5, 2.0, 200_000)
    assert indices.omega_total(X, w) == pytest.approx(indices.omega_total(X, 7 * w), rel=1e-12)


def test_scales_used_in_a_model_below_the_threshold_are_named(stand_in, settings):
    rel = indices.reliability(stand_in.frame, stand_in.design().weight, settings)
    below = indices.below_threshold(rel, settings)
    alpha = rel[rel.statistic == "cronbach_alpha"].set_index("scale")["weighted"]
    assert below == {sc: float(a) for sc, a in alpha.items() if a < 0.6} and "media" in below
    assert set(rel.statistic) == {"item_rest_correlation", "cronbach_alpha", "omega_total", "first_eigenvalue_share"}
