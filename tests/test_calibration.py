"""Calibration (bounded raking, raking) and the weighting procedure: hand-checkable cases, bounds,
infeasible targets and the configured way through them, replicates that repeat the whole weighting."""

import copy

import numpy as np
import pandas as pd
import pytest

from scs.errors import PipelineError
from scs.settings import from_config
from scs.stages import stored_design, weight_diagnostics, weights
from scs.survey import calibration as cal


def two_margins():
    frame = pd.DataFrame({"response_id": list("abcd"), "sex": ["m", "m", "f", "f"], "age": ["y", "o", "y", "o"]})
    targets = pd.DataFrame({"variable": ["sex", "sex", "age", "age"], "category": ["m", "f", "y", "o"],
                            "share": [0.6, 0.4, 0.3, 0.7], "status": "", "source": ""})
    return frame, targets


def wcfg(**kw):
    base = {"method": "bounded_raking", "variables": ["sex", "age"], "bounds": {"lower": 0.2, "upper": 5.0},
            "tol": 1e-12, "max_iter": 100, "replicates": {"n": 0, "seed": 1}, "jackknife": {"max_rows": 0},
            "infeasible": {"policy": []}}
    base.update(kw)
    return from_config({"weighting": base}).weighting


def test_raking_of_independent_margins_is_the_product_of_the_shares():
    # one respondent per sex x age cell; independent targets => w_ij = n * p_i * q_j
    frame, targets = two_margins()
    res = weights.make_weights(frame, targets, wcfg(method="raking"))
    np.testing.assert_allclose(res.weight, [0.72, 1.68, 0.48, 1.12], rtol=1e-10)


def test_bounded_raking_keeps_every_factor_inside_the_bounds_and_meets_the_margins():
    rng = np.random.default_rng(2)
    n = 400
    x = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])
    z = rng.choice(["u", "v"], n, p=[0.8, 0.2])
    levels = {"x": ["a", "b", "c"], "z": ["u", "v"]}
    shares = {"x": {"a": 0.35, "b": 0.35, "c": 0.3}, "z": {"u": 0.5, "v": 0.5}}
    M, names = cal.margin_matrix({"x": x, "z": z}, levels)
    assert names == ["(Intercept)", "xb", "xc", "zv"]
    T = cal.margin_totals(shares, levels, n)
    raking = cal.calibrate(M, np.ones(n), T, calfun="raking", tol=1e-12)
    bounded = cal.calibrate(M, np.ones(n), T, calfun="logit", lower=0.3, upper=4.5, tol=1e-12)
    assert raking.converged and bounded.converged
    assert raking.g.max() > 6.0  # unbounded raking goes beyond the bound ...
    assert bounded.g.min() > 0.3 and bounded.g.max() < 4.5  # ... bounded raking does not
    np.testing.assert_allclose(bounded.g @ M, T, rtol=1e-10)
    # the factors come from the multipliers: g = F(M eta)
    np.testing.assert_allclose(cal.factors(M, bounded.eta, calfun="logit", lower=0.3, upper=4.5), bounded.g,
                               rtol=1e-12)


def test_bounds_that_cannot_meet_the_targets_do_not_converge():
    x = np.array(["a"] * 95 + ["b"] * 5)
    levels, shares = {"x": ["a", "b"]}, {"x": {"a": 0.5, "b": 0.5}}
    M, _ = cal.margin_matrix({"x": x}, levels)
    res = cal.calibrate(M, np.ones(100), cal.margin_totals(shares, levels, 100), calfun="logit", lower=0.5, upper=5,
                        max_iter=50)
    assert not res.converged
    assert cal.needed_factors({"x": x}, levels, shares, np.ones(100))[("x", "b")] == pytest.approx(10.0)


def under_covered(n_low=40):
    """An online panel that under-covers the lowest education group (as an independent check found)."""
    rng = np.random.default_rng(5)
    n = 1173
    educ = np.array(["primary"] * n_low + list(rng.choice(["junior", "senior", "college"], n - n_low)))
    sex = rng.choice(["m", "f"], n)
    frame = pd.DataFrame({"response_id": [f"R{i}" for i in range(n)], "educ": educ, "sex": sex})
    targets = pd.DataFrame({"variable": ["educ"] * 4 + ["sex"] * 2,
                            "category": ["primary", "junior", "senior", "college", "m", "f"],
                            "share": [0.2, 0.33, 0.21, 0.26, 0.5, 0.5], "status": "", "source": ""})
    return frame, targets


def test_an_infeasible_target_stops_with_one_clear_line_when_no_policy_is_set():
    frame, targets = under_covered()
    with pytest.raises(PipelineError, match=r"targets cannot be met within the bounds \[0.2, 5\].*educ = 'primary', "
                                            r"which needs 5.8\d times its sample share"):
        weights.make_weights(frame, targets, wcfg(variables=["educ", "sex"]))


def test_collapse_policy_merges_the_adjacent_category_and_says_so():
    frame, targets = under_covered()
    res = weights.make_weights(frame, targets, wcfg(variables=["educ", "sex"], infeasible={
        "policy": ["collapse", "widen"], "collapsible": ["educ"], "headroom": 0.9, "max_steps": 6}))
    assert res.plan.levels["educ"] == ["primary + junior", "senior", "college"]
    assert res.plan.shares["educ"]["primary + junior"] == pytest.approx(0.53)
    assert len(res.plan.adjustments) == 1 and "collapsed educ" in res.plan.adjustments[0]
    assert res.weight.max() / res.base.max() < 5.0
    w = res.weight
    merged = np.isin(frame.educ, ["primary", "junior"])
    assert w[merged].sum() / w.sum() == pytest.approx(0.53, abs=1e-9)


def test_widen_policy_raises_the_upper_bound_just_enough_and_says_so():
    frame, targets = under_covered()
    res = weights.make_weights(frame, targets, wcfg(variables=["educ", "sex"], infeasible={
        "policy": ["widen"], "collapsible": [], "headroom": 0.9, "max_steps": 6}))
    assert res.plan.upper == pytest.approx((0.2 / (40 / 1173)) / 0.9)
    assert "widened the upper bound 5 ->" in res.plan.adjustments[0]
    w = res.weight
    assert w[frame.educ == "primary"].sum() / w.sum() == pytest.approx(0.2, abs=1e-9)


def test_an_empty_target_category_is_collapsed_or_reported():
    frame, targets = under_covered(n_low=0)
    row = int(np.flatnonzero((targets.variable == "educ") & (targets.category == "primary"))[0]) + 2
    with pytest.raises(PipelineError, match=rf"^targets.csv, row {row}, column 'category': no respondent of the "
                                            r"analytic sample \(1,173 in clean.parquet\) is in educ = 'primary', "
                                            r"which has a target share of 0.2; expected .*collapse"):
        weights.make_weights(frame, targets, wcfg(variables=["educ", "sex"]), file="targets.csv",
                             data_file="clean.parquet")
    # widening the bounds cannot help an empty category: reported all the same
    with pytest.raises(PipelineError, match=r"educ = 'primary'"):
        weights.make_weights(frame, targets, wcfg(variables=["educ", "sex"], infeasible={
            "policy": ["widen"], "collapsible": ["educ"], "headroom": 0.9, "max_steps": 6}))
    res = weights.make_weights(frame, targets, wcfg(variables=["educ", "sex"], infeasible={
        "policy": ["collapse"], "collapsible": ["educ"], "headroom": 0.9, "max_steps": 6}))
    assert "primary + junior" in res.plan.levels["educ"]
    assert res.plan.adjustments == ["collapsed educ: 'primary + junior' (category 'primary' has no respondent)"]


def test_every_stored_bootstrap_replicate_meets_its_margins_and_the_bounds(stand_in, cfg):
    """Each replicate went through the main weight's procedure: its margins hit the targets and its
    adjustment factors (relative to the replicate's prior weights) lie within the same bounds."""
    res = stand_in.result
    R = cfg["weighting"]["replicates"]["n"]
    assert res.replicates.shape == (len(stand_in.frame), R)
    check = weight_diagnostics.replicate_check(res.replicates, res.base, stand_in.frame, stand_in.record)
    assert check["max_abs_margin_error"] < 1e-8
    assert check["max_bound_excess"] == 0.0
    assert check["nonzero_weights_outside_resample"] == 0
    # and they are bootstrap draws, not copies
    assert np.std(res.replicates, axis=1).mean() > 0.05


def test_trim_rake_replicates_are_trimmed_too(stand_in, cfg, targets):
    """The option that svy provides: every replicate is trimmed relative to its own mean, as the main weight."""
    c = copy.deepcopy(cfg["weighting"])
    c.update(method="trim_rake", replicates={"n": 20, "seed": 3}, jackknife={"max_rows": 0})
    c = from_config({"weighting": c}).weighting
    res = weights.make_weights(stand_in.frame, targets, c)
    rec = stored_design.design_record(res, c, "response_id")
    check = weight_diagnostics.replicate_check(res.replicates, res.base, stand_in.frame, rec)
    assert check["max_abs_margin_error"] < 1e-8 and check["max_bound_excess"] < 1e-6
    w = res.weight
    assert w.max() / w.mean() <= 5.0 + 1e-6 and w.min() / w.mean() >= 0.2 - 1e-6


def test_jackknife_replicates_leave_one_out_and_meet_the_margins(stand_in):
    res = stand_in.result
    des = stand_in.design()
    J = des.jackknife
    n = len(stand_in.frame)
    assert J.shape == (n, n)
    assert np.all(np.diag(J) == 0) and np.all(J[~np.eye(n, dtype=bool)] > 0)
    plan = res.plan
    cols = plan.columns({v: stand_in.frame[v].astype(str).to_numpy() for v in plan.levels})
    for v, lev in plan.levels.items():
        for c in lev:
            share = J[cols[v] == c].sum(axis=0) / J.sum(axis=0)
            assert np.abs(share - plan.shares[v][c]).max() < 1e-8
    g = J / (res.base[:, None] * n / (n - 1))
    off = ~np.eye(n, dtype=bool)
    assert g[off].min() > plan.lower and g[off].max() < plan.upper


def test_targets_not_summing_to_one_are_refused(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("variable,category,share\nsex,m,0.5\nsex,f,0.55\n")
    with pytest.raises(PipelineError, match=r"shares of 'sex' sum to 1.050000"):
        weights.load_targets(p)


def test_a_sample_category_without_a_target_is_refused():
    frame, targets = two_margins()
    frame.loc[0, "sex"] = "x"
    with pytest.raises(PipelineError, match=r"sample category \['x'\] of 'sex' has no target"):
        weights.make_weights(frame, targets, wcfg())


def test_kish_deff_formula():
    assert weight_diagnostics.kish_deff(np.ones(10)) == pytest.approx(1.0)
    assert weight_diagnostics.kish_deff(np.array([1.0, 3.0])) == pytest.approx(2 * 10 / 16)


@pytest.mark.parametrize("calfun", ["logit", "raking"])
def test_calibrating_many_prior_weights_at_once_equals_one_at_a_time(calfun):
    """calibrate_many (the jackknife's batched Newton) gives each column what calibrate gives it alone, from a
    far start (step halving) and with one column that cannot meet the bounds."""
    rng = np.random.default_rng(7)
    n = 400
    levels = {"x": ["a", "b", "c"], "z": ["u", "v"]}
    x = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])
    z = rng.choice(["u", "v"], n, p=[0.7, 0.3])
    M, _ = cal.margin_matrix({"x": x, "z": z}, levels)
    T = cal.margin_totals({"x": {"a": 0.4, "b": 0.35, "c": 0.25}, "z": {"u": 0.5, "v": 0.5}}, levels, n)
    D = rng.uniform(0.5, 1.5, size=(n, 6))
    D[x == "c", 5] = 1e-3  # a column whose category c has almost no weight: unreachable within bounds
    kw = {"lower": 0.3, "upper": 3.0} if calfun == "logit" else {}
    E, iterations, done = cal.calibrate_many(M, D, T, calfun=calfun, tol=1e-10, max_iter=60, eta0=np.full(4, 0.5), **kw)
    for r in range(6):
        one = cal.calibrate(M, D[:, r], T, calfun=calfun, tol=1e-10, max_iter=60, eta0=np.full(4, 0.5), **kw)
        assert done[r] == one.converged
        if one.converged:
            np.testing.assert_allclose(E[:, r], one.eta, rtol=1e-9, atol=1e-12)
            assert iterations[r] == one.iterations
    assert done[:5].all() and (calfun == "raking" or not done[5])
