"""The design and its estimator families (means, contrasts, survey WLS, predictive margins, ordered
logits) on small fixtures: against closed forms, statsmodels, and numerical derivatives."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from scs.survey import calibration as cal
from scs.survey import means, ordinal, regression
from scs.survey.design import Design, bootstrap_scale, rao_wu_multipliers, unweighted

# statsmodels' reference fits warn about BFGS precision loss at tight tolerances; the assertions check the answers
pytestmark = pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")


def calibrated(n=600, seed=1):
    """A sample raked to two margins (the survey's design in small)."""
    rng = np.random.default_rng(seed)
    x = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    z = rng.choice(["u", "v"], n, p=[0.7, 0.3])
    levels = {"x": ["a", "b", "c"], "z": ["u", "v"]}
    shares = {"x": {"a": 0.3, "b": 0.4, "c": 0.3}, "z": {"u": 0.5, "v": 0.5}}
    M, _ = cal.margin_matrix({"x": x, "z": z}, levels)
    g = cal.calibrate(M, np.ones(n), cal.margin_totals(shares, levels, n), calfun="logit", lower=0.2, upper=5).g
    return Design(weight=g, calib=M), x, z, rng


def test_mean_and_se_of_a_simple_random_sample_are_the_textbook_ones():
    rng = np.random.default_rng(7)
    y = rng.normal(3, 1, 200)
    est = means.means(unweighted(200), y[:, None], ["y"])
    se = y.std(ddof=1) / np.sqrt(200)
    assert est.est[0] == pytest.approx(y.mean())
    assert est.se[0] == pytest.approx(se, rel=1e-12)
    lo, hi = est.ci(0.95)
    t = stats.t.ppf(0.975, 199)
    assert (lo[0], hi[0]) == pytest.approx((y.mean() - t * se, y.mean() + t * se), rel=1e-12)


def test_a_calibration_variable_has_its_census_mean_and_no_sampling_error():
    des, x, z, _ = calibrated()
    y = np.where(x == "c", 1.0, 0.0)
    est = means.means(des, y[:, None], ["c"], replicates=False)
    assert est.est[0] == pytest.approx(0.3, abs=1e-9)
    assert est.se[0] < 1e-9
    # without the calibration in the design the SE would be that of a weighted proportion
    plain = means.means(Design(weight=des.weight), y[:, None], ["c"])
    assert plain.se[0] > 0.01


def test_domain_means_keep_every_respondent_in_the_variance():
    des, x, z, rng = calibrated()
    y = rng.normal(size=des.n)
    y_dom = np.where(z == "v", y, np.nan)
    est = means.means(des, y_dom[:, None], ["y"], replicates=False)
    w = des.weight
    m = z == "v"
    assert est.est[0] == pytest.approx((w[m] * y[m]).sum() / w[m].sum())
    assert est.n[0] == m.sum() and est.df[0] == m.sum() - 1
    # the domain estimator is not the estimator on the subset alone (its variance counts zeros elsewhere)
    sub = means.means(Design(weight=w[m]), y[m][:, None], ["y"])
    assert est.se[0] != pytest.approx(sub.se[0], rel=1e-3)


def test_linearization_agrees_with_the_numerical_influence_function():
    """theta(w + eps e_i) - theta(w) ~ eps * z_i / w_i: the influence values are the estimator's derivative."""
    rng = np.random.default_rng(3)
    n = 50
    w = rng.uniform(0.5, 2, n)
    y = rng.normal(size=n)
    X = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n)])
    fit = regression.fit_wls(Design(weight=w), y, X, ["x1", "x2"])
    eps = 1e-6
    for i in (0, 7, 33):
        w2 = w.copy()
        w2[i] += eps
        b2 = regression.fit_wls(Design(weight=w2), y, X, ["x1", "x2"]).coef
        np.testing.assert_allclose((b2 - fit.coef) / eps, fit.infl[i] / w[i], rtol=1e-4, atol=1e-8)


def test_wls_coefficients_and_unweighted_ses_equal_statsmodels():
    rng = np.random.default_rng(4)
    n = 300
    X = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n)])
    y = 1 + X @ [0.5, -0.3] + rng.normal(size=n) * (1 + X[:, 1])
    w = rng.uniform(0.3, 3, n)
    ours = regression.fit_wls(Design(weight=w), y, X, ["x1", "x2"])
    ref = sm.WLS(y, sm.add_constant(X), weights=w).fit()
    np.testing.assert_allclose(ours.coef, ref.params, rtol=1e-10)
    # with equal weights and no calibration, linearization = HC0 * n/(n-1)
    ols = regression.fit_wls(unweighted(n), y, X, ["x1", "x2"])
    hc0 = sm.OLS(y, sm.add_constant(X)).fit(cov_type="HC0")
    np.testing.assert_allclose(ols.se_of("linearization"), hc0.bse * np.sqrt(n / (n - 1)), rtol=1e-10)
    assert ols.df == n - 3


def test_the_jackknife_of_unweighted_ols_is_the_hc3_like_closed_form():
    """JK1 refits (delete one, n/(n-1) for the others) give beta_(i) = beta - A^-1 x_i e_i / (1 - h_i)."""
    rng = np.random.default_rng(6)
    n = 80
    X = np.column_stack([rng.normal(size=n), rng.normal(size=n)])
    y = X @ [1.0, -1.0] + rng.normal(size=n)
    fit = regression.fit_wls(unweighted(n, variance="jackknife"), y, X, ["a", "b"])
    Z = sm.add_constant(X)
    A = np.linalg.inv(Z.T @ Z)
    e = y - Z @ fit.coef
    h = np.einsum("ij,jk,ik->i", Z, A, Z)
    B = fit.coef - (Z * (e / (1 - h))[:, None]) @ A
    D = B - B.mean(axis=0)
    np.testing.assert_allclose(fit.se, np.sqrt((n - 1) / n * (D ** 2).sum(axis=0)), rtol=1e-9)
    assert fit.method == "jackknife"


def test_batched_replicate_refits_equal_one_by_one_refits():
    des, x, z, rng = calibrated(n=200)
    R = rao_wu_multipliers(des.n, 30, 9) * des.weight[:, None]
    y = rng.normal(size=des.n)
    Z = np.column_stack([np.ones(des.n), rng.normal(size=des.n)])
    ok = np.ones(des.n, bool)
    B = regression.replicate_coefs(R, Z, y, ok)
    for r in (0, 17, 29):
        ref = sm.WLS(y, Z, weights=R[:, r]).fit().params
        np.testing.assert_allclose(B[r], ref, rtol=1e-10)


def test_replicate_variance_conventions_are_rs_svrepdesign():
    des = Design(weight=np.ones(5), replicates=np.ones((5, 4)), rep_scale=bootstrap_scale(4))
    theta_reps = np.array([[1.0], [2.0], [3.0], [6.0]])
    v = des.replicate_vcov(np.array([2.0]), theta_reps, "bootstrap")
    assert v[0, 0] == pytest.approx(((theta_reps - 3.0) ** 2).sum() / 3)  # centred at the replicates' mean, 1/(R-1)
    m = rao_wu_multipliers(10, 200, 1)
    assert m.shape == (10, 200) and np.allclose(m.sum(axis=0), 10)
    assert set(np.round(np.unique(m) * 9 / 10, 10)) <= set(range(10))


def test_stratified_and_clustered_variance_is_the_ultimate_cluster_formula():
    y = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    strata = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    psu = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    des = Design(weight=np.ones(8), strata=strata, psu=psu)
    infl = (y - y.mean()) / 8
    tot = np.array([infl[:2].sum(), infl[2:4].sum(), infl[4:6].sum(), infl[6:].sum()])
    expect = 2 * ((tot[:2] - tot[:2].mean()) ** 2).sum() + 2 * ((tot[2:] - tot[2:].mean()) ** 2).sum()
    assert des.vcov(infl)[0, 0] == pytest.approx(expect)
    assert des.df == 4 - 2


def test_contrasts_equal_the_difference_and_account_for_the_covariance():
    des, x, z, rng = calibrated()
    a = rng.normal(size=des.n)
    b = a + rng.normal(scale=0.2, size=des.n)  # strongly correlated with a
    both = np.column_stack([a, b])
    m = means.means(des, both, ["a", "b"], replicates=False)
    c = means.contrasts(des, both, [(0, 1)], ["a-b"], replicates=False)
    assert c.est[0] == pytest.approx(m.est[0] - m.est[1])
    assert c.se[0] < 0.5 * np.hypot(m.se[0], m.se[1])  # positive covariance makes the difference precise


def test_predictive_margins_equal_the_mean_prediction_and_its_numerical_derivative():
    rng = np.random.default_rng(8)
    n = 120
    X = np.column_stack([rng.integers(0, 2, n), rng.normal(size=n)])
    y = 2 + X @ [0.7, 0.3] + rng.normal(size=n)
    w = rng.uniform(0.5, 2, n)
    des = Design(weight=w)
    fit = regression.fit_wls(des, y, X, ["d", "x"])
    pm = regression.predictive_margins(des, fit, X, 0, [0, 1], y=y)
    for lv, row in zip([0, 1], pm.itertuples()):
        Xl = X.copy()
        Xl[:, 0] = lv
        pred = np.column_stack([np.ones(n), Xl]) @ fit.coef
        assert row.predicted == pytest.approx((w * pred).sum() / w.sum())
    diff = pm.predicted.iloc[1] - pm.predicted.iloc[0]
    assert diff == pytest.approx(fit.coef[1])  # a linear model: the margins differ by the coefficient


def simulate_ordinal(n=1500, seed=3):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n), rng.normal(40, 12, n)])
    lat = X @ np.array([0.8, -0.5, 0.02]) + rng.logistic(size=n)
    y = 1 + np.searchsorted([-1.0, 0.2, 1.1, 2.3], lat)
    return y, X, rng


def test_ordered_logit_unweighted_equals_statsmodels():
    y, X, _ = simulate_ordinal()
    fit = ordinal.ordered_logit_fixed(y, X)
    ref = OrderedModel(y, X, distr="logit").fit(method="bfgs", disp=False, maxiter=5000, gtol=1e-10)
    assert fit.converged
    np.testing.assert_allclose(fit.beta, ref.params[:3], rtol=1e-5, atol=1e-6)
    cuts = np.cumsum(np.concatenate([ref.params[3:4], np.exp(ref.params[4:])]))
    np.testing.assert_allclose(fit.zeta, cuts, rtol=1e-5, atol=1e-6)


def test_ordered_logit_weights_act_as_frequency_weights_for_the_point_estimate():
    y, X, rng = simulate_ordinal(n=800, seed=5)
    w = rng.integers(1, 4, len(y)).astype(float)
    fit = ordinal.ordered_logit_fixed(y, X, w)
    rep = np.repeat(np.arange(len(y)), w.astype(int))
    expanded = ordinal.ordered_logit_fixed(y[rep], X[rep])
    np.testing.assert_allclose(fit.beta, expanded.beta, rtol=1e-6, atol=1e-7)
    assert np.max(np.abs(ordinal.ordered_logit_fixed(y, X).beta - fit.beta)) > 1e-3


def test_ordered_logit_sandwich_equals_hc0_times_n_over_n_minus_1_and_the_design_one_without_calibration():
    y, X, rng = simulate_ordinal()
    fit = ordinal.ordered_logit_fixed(y, X)
    ref = OrderedModel(y, X, distr="logit").fit(method="bfgs", disp=False, maxiter=5000, gtol=1e-10, cov_type="HC0")
    n = len(y)
    np.testing.assert_allclose(fit.se[:3], ref.bse[:3] * np.sqrt(n / (n - 1)), rtol=1e-4)
    w = rng.uniform(0.5, 2, n)
    fixed = ordinal.ordered_logit_fixed(y, X, w)
    design = ordinal.ordered_logit(Design(weight=w), y.astype(float), X)
    np.testing.assert_allclose(design.se, fixed.se, rtol=1e-10)


def test_ordered_logit_analytic_hessian_equals_the_numerical_one():
    y, X, rng = simulate_ordinal(n=300)
    w = rng.uniform(0.5, 2, len(y))
    fit = ordinal.ordered_logit_fixed(y, X, w)
    yk = np.searchsorted(fit.levels, y)
    theta = np.concatenate([fit.beta, fit.zeta])
    p = len(fit.beta)
    H = ordinal.hessian(X, yk, w, fit.beta, fit.zeta)
    num = np.zeros_like(H)
    for j in range(len(theta)):
        h = 1e-6 * max(1, abs(theta[j]))
        tp, tm = theta.copy(), theta.copy()
        tp[j] += h
        tm[j] -= h
        num[:, j] = (w @ ordinal.scores(X, yk, tp[:p], tp[p:]) - w @ ordinal.scores(X, yk, tm[:p], tm[p:])) / (2 * h)
    np.testing.assert_allclose(H, num, rtol=1e-5, atol=1e-4)


def test_item_with_too_few_answers_gets_a_row_not_a_crash(settings):
    from scs.stages import models

    n = 50
    frame = pd.DataFrame({"response_id": [f"R{i}" for i in range(n)]})
    rng = np.random.default_rng(1)
    for v in ("ccp", "cyl", "state_sector", "male", "urban_hukou"):
        frame[v] = rng.integers(0, 2, n)
    for v in ("age_years", "educ_years", "income_k", "trust", "media"):
        frame[v] = rng.uniform(1, 50, n)
    frame["region"] = rng.choice(["East", "West", "Central", "Northeast"], n)
    for b in settings.batteries:
        for it in settings.scales[b].items:
            frame[it.var] = pd.array([None] * n, dtype="Int64")
    out = models.ordered_logits(unweighted(n), frame, settings)
    assert (out.term == "(none)").all() and (out.n == 0).all()
