"""Formulas, survey WLS, the weighted ordered logit, and truth recovery on the stand-in."""

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel

from scs import models
from scs.errors import PipelineError
from conftest import ROOT

# statsmodels' reference fits warn about BFGS precision loss at tight tolerances; the assertions check the answers
pytestmark = pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")


def test_parse_formula_terms():
    terms = models.parse_formula("ccp + log(income_k) + C(region, ref=East) + C(sex)")
    assert [(t.kind, t.var, t.ref) for t in terms] == [("num", "ccp", None), ("log", "income_k", None),
                                                       ("cat", "region", "East"), ("cat", "sex", None)]
    with pytest.raises(PipelineError, match="cannot read the formula term"):
        models.parse_formula("ccp * trust")


def test_model_matrix_dummies_and_missing_variable():
    f = pd.DataFrame({"region": ["East", "West", "Central", "West"], "x": [1.0, 2.0, 3.0, 4.0]})
    X = models.model_matrix(f, models.parse_formula("x + C(region, ref=East)"))
    assert list(X.columns) == ["x", "region[Central]", "region[West]"]
    assert X["region[West]"].tolist() == [0, 1, 0, 1]
    with pytest.raises(PipelineError, match="names variable 'nope'"):
        models.model_matrix(f, models.parse_formula("nope"))
    with pytest.raises(PipelineError, match="reference level 'North'"):
        models.model_matrix(f, models.parse_formula("C(region, ref=North)"))


def simulate_ordinal(n=1500, seed=3):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n), rng.normal(40, 12, n)])
    lat = X @ np.array([0.8, -0.5, 0.02]) + rng.logistic(size=n)
    y = 1 + np.searchsorted([-1.0, 0.2, 1.1, 2.3], lat)
    return y, X, rng


def test_ordered_logit_unweighted_equals_statsmodels():
    y, X, _ = simulate_ordinal()
    fit = models.ordered_logit(y, X)
    ref = OrderedModel(y, X, distr="logit").fit(method="bfgs", disp=False, maxiter=5000, gtol=1e-10)
    assert fit.converged
    np.testing.assert_allclose(fit.beta, ref.params[:3], rtol=1e-5, atol=1e-6)
    # statsmodels parametrizes the cut points as first + exp(increments)
    cuts = np.cumsum(np.concatenate([ref.params[3:4], np.exp(ref.params[4:])]))
    np.testing.assert_allclose(fit.zeta, cuts, rtol=1e-5, atol=1e-6)


def test_ordered_logit_weights_act_as_frequency_weights_for_the_point_estimate():
    y, X, rng = simulate_ordinal(n=800, seed=5)
    w = rng.integers(1, 4, len(y)).astype(float)
    fit = models.ordered_logit(y, X, w)
    rep = np.repeat(np.arange(len(y)), w.astype(int))
    expanded = models.ordered_logit(y[rep], X[rep])
    np.testing.assert_allclose(fit.beta, expanded.beta, rtol=1e-6, atol=1e-7)
    # and they matter: the unweighted fit differs
    assert np.max(np.abs(models.ordered_logit(y, X).beta - fit.beta)) > 1e-3


def test_ordered_logit_sandwich_equals_hc0_times_n_over_n_minus_1():
    y, X, _ = simulate_ordinal()
    fit = models.ordered_logit(y, X)
    ref = OrderedModel(y, X, distr="logit").fit(method="bfgs", disp=False, maxiter=5000, gtol=1e-10, cov_type="HC0")
    n = len(y)
    np.testing.assert_allclose(fit.se[:3], ref.bse[:3] * np.sqrt(n / (n - 1)), rtol=1e-4)


def test_survey_wls_point_estimates_equal_weighted_least_squares():
    coefs = pd.read_csv(ROOT / "results" / "models" / "coefficients.csv")
    frame = pd.read_parquet(ROOT / "results" / "indices" / "analysis.parquet")
    import yaml

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    X = models.model_matrix(frame, models.parse_formula(cfg["models"]["formulas"]["M3"]))
    y = frame["surveillance"].to_numpy(float)
    ref = sm.WLS(y, sm.add_constant(X.to_numpy(float)), weights=frame["weight"].to_numpy()).fit()
    ours = coefs[(coefs.variant == "main") & (coefs.model == "M3") & (coefs.outcome == "surveillance")]
    np.testing.assert_allclose(ours["coef"].to_numpy(), ref.params, rtol=1e-8, atol=1e-10)


def test_shipped_full_model_signs():
    c = pd.read_csv(ROOT / "results" / "models" / "coefficients.csv")
    full = c[(c.variant == "main") & (c.model == "M3")].set_index(["outcome", "term"])
    for y in ("surveillance", "punishment"):
        assert full.loc[(y, "ccp"), "coef"] < 0
        assert full.loc[(y, "trust"), "coef"] > 0


def test_full_model_cis_cover_the_generators_true_coefficients():
    truth = json.loads((ROOT / "data" / "synthetic" / "truth.json").read_text())["index_coefficients"]
    c = pd.read_csv(ROOT / "results" / "models" / "coefficients.csv")
    full = c[(c.variant == "main") & (c.model == "M3")].set_index(["outcome", "term"])
    for y in ("surveillance", "punishment"):
        for t in ("ccp", "trust"):
            r = full.loc[(y, t)]
            assert r.ci_low <= truth[y]["M3"][t] <= r.ci_high, (y, t, r.ci_low, truth[y]["M3"][t], r.ci_high)
