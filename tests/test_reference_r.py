"""The pipeline's estimators against R's survey package (fixtures made by tests/reference/make_fixtures.R).

Every "ours" value is computed here by the pipeline's functions from the shipped raw export (or R's
api data), not read from results/. Goals (issue 11): weights to 1e-8, linearization SEs to 1e-6,
ordered-logit coefficients and SEs to 1e-4, bootstrap SEs from the same replicate weights to 1e-8.
"""

import json

import numpy as np
import pandas as pd
import pytest

from scs import calibration, formula, means, models, ordinal, regression, weights
from scs.design import Design
from conftest import ROOT

FIX = ROOT / "tests" / "reference" / "fixtures"
INP = ROOT / "tests" / "reference" / "input"


@pytest.fixture(scope="module")
def api():
    return json.loads((FIX / "api.json").read_text())


@pytest.fixture(scope="module")
def fx():
    return json.loads((FIX / "pipeline.json").read_text())


def api_design(kind, fx_api, calfun):
    """R's api example with the pipeline's calibration and linearization (with-replacement, no fpc)."""
    if kind == "clus1":
        d = pd.read_csv(INP / "api_clus1.csv")
        levels = {"stype": ["E", "H", "M"], "sch.wide": ["No", "Yes"]}
        t = fx_api["clus1"]["totals"]
        totals = np.array([t["N"], t["stypeH"], t["stypeM"], t["sch.wideYes"]])
        strata, psu = None, d["dnum"].to_numpy()
    else:
        d = pd.read_csv(INP / "api_strat.csv")
        levels = {"sch.wide": ["No", "Yes"], "awards": ["No", "Yes"]}
        t = fx_api["strat"]["totals"]
        totals = np.array([t["N"], t["sch.wideYes"], t["awardsYes"]])
        strata, psu = d["stype"].to_numpy(), None
    M, _ = calibration.margin_matrix({v: d[v].to_numpy() for v in levels}, levels)
    pw = d["pw"].to_numpy(float)
    lo, hi = fx_api[kind]["bounds"]
    kw = {"lower": lo, "upper": hi} if calfun == "logit" else {}
    res = calibration.calibrate(M, pw, totals, calfun=calfun, tol=1e-13, max_iter=200, **kw)
    assert res.converged
    return d, Design(weight=pw * res.g, base=pw, calib=M, strata=strata, psu=psu)


@pytest.mark.parametrize("kind", ["clus1", "strat"])
@pytest.mark.parametrize("calfun", ["logit", "raking"])
def test_api_calibration_and_linearization_match_r(api, kind, calfun):
    d, des = api_design(kind, api, calfun)
    r = api[kind][calfun]
    np.testing.assert_allclose(des.weight, r["weights"], rtol=1e-8)
    est = means.means(des, d[["api00", "api99"]].to_numpy(float), ["api00", "api99"])
    for j, v in enumerate(["api00", "api99"]):
        assert est.est[j] == pytest.approx(r["estimates"][v]["mean"], rel=1e-10)
        assert est.se[j] == pytest.approx(r["estimates"][v]["se"], rel=1e-6)


def test_bounded_raking_really_binds_on_the_api_cluster_example(api):
    d, des = api_design("clus1", api, "logit")
    _, rak = api_design("clus1", api, "raking")
    g_logit, g_rake = des.weight / des.base, rak.weight / rak.base
    lo, hi = api["clus1"]["bounds"]
    assert g_rake.max() > g_logit.max() and lo < g_logit.min() and g_logit.max() < hi


# --------------------------------------------------------------------------- the survey
def test_survey_weights_match_r(stand_in, fx):
    np.testing.assert_allclose(stand_in.result.weight, fx["logit"]["weights"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(stand_in.result.unbounded, fx["raking"]["weights"], rtol=0, atol=1e-8)
    assert fx["bounds"] == [stand_in.result.plan.lower, stand_in.result.plan.upper]


@pytest.mark.parametrize("which", ["logit", "raking"])
def test_survey_means_and_linearization_ses_match_r(stand_in, fx, cfg, which):
    des = stand_in.design(which=weights.WEIGHT if which == "logit" else weights.UNBOUNDED, replicates=False)
    r = fx[which]["estimates"]
    names = list(r)
    assert len(names) == sum(len(cfg["scales"][b]["items"]) + 1 for b in cfg["batteries"])
    est = means.means(des, stand_in.frame[names].astype(float).to_numpy(), names)
    for j, v in enumerate(names):
        assert est.est[j] == pytest.approx(r[v]["mean"], rel=1e-9), v
        assert est.se[j] == pytest.approx(r[v]["se"], rel=1e-6), v


@pytest.mark.parametrize("which", ["logit", "raking"])
def test_survey_regressions_match_r_svyglm(stand_in, fx, cfg, which):
    des = stand_in.design(which=weights.WEIGHT if which == "logit" else weights.UNBOUNDED, replicates=False)
    X = formula.model_matrix(stand_in.frame, models.formulas(cfg)[cfg["models"]["full"]])
    for y, r in fx[which]["svyglm"].items():
        f = regression.fit_wls(des, stand_in.frame[y].astype(float).to_numpy(), X.to_numpy(float), list(X.columns))
        assert f.terms == r["terms"]
        np.testing.assert_allclose(f.coef, r["coef"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(f.se, r["se"], rtol=1e-6)
        assert f.df == r["df"]


def test_ordered_logits_match_r_svyolr_with_design_ses(stand_in, fx, cfg, targets):
    """On the respondents complete on the item and covariates, calibrated among themselves (as in R)."""
    X = formula.model_matrix(stand_in.frame, models.formulas(cfg)[cfg["models"]["full"]])
    for item, r in fx["logit"]["svyolr"].items():
        keep = stand_in.frame["response_id"].isin(set(r["response_ids"])).to_numpy()
        sub = stand_in.frame.loc[keep].reset_index(drop=True)
        wcfg = {**cfg["weighting"], "replicates": {"n": 0, "seed": 0}, "tol": 1e-12}
        res = weights.make_weights(sub, targets, wcfg)
        des = weights.load_design(sub, weights.weights_frame(sub["response_id"], res), weights.design_record(res, wcfg))
        fit = ordinal.ordered_logit(des, sub[item].astype(float).to_numpy(), X.to_numpy(float)[keep])
        k = len(r["terms"])
        np.testing.assert_allclose(fit.beta, r["coef"], rtol=0, atol=1e-4)
        np.testing.assert_allclose(fit.zeta, r["zeta"], rtol=0, atol=1e-4)
        np.testing.assert_allclose(fit.se[:k], r["se"][:k], rtol=1e-4)
        np.testing.assert_allclose(fit.se[k:], r["se"][k:], rtol=1e-4)


def test_r_recalibrates_every_bootstrap_resample_to_the_pipelines_replicates(stand_in, fx):
    rep = fx["replicates"]
    assert rep["of"] == stand_in.result.replicates.shape[1] and rep["checked"] >= 0.9 * rep["of"]
    assert rep["max_abs_weight_difference"] < 1e-8


def test_bootstrap_ses_equal_r_svrepdesign_on_the_same_replicates(stand_in, fx, cfg):
    des = stand_in.design()
    b = fx["bootstrap"]
    assert b["scale"] == pytest.approx(des.rep_scale, rel=1e-12) and b["mse"] is False
    names = list(b["estimates"])
    est = means.means(des, stand_in.frame[names].astype(float).to_numpy(), names)
    for j, v in enumerate(names):
        assert est.se_rep[j] == pytest.approx(b["estimates"][v]["se"], rel=1e-8), v
    X = formula.model_matrix(stand_in.frame, models.formulas(cfg)[cfg["models"]["full"]])
    for y, r in b["svyglm"].items():
        f = regression.fit_wls(des, stand_in.frame[y].astype(float).to_numpy(), X.to_numpy(float), list(X.columns))
        np.testing.assert_allclose(f.coef, r["coef"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(f.se_rep, r["se"], rtol=1e-8)


def test_fixtures_record_the_r_versions(api, fx):
    assert fx["versions"]["survey"].startswith("4.") and fx["versions"]["R"].startswith("4.")
    assert api["versions"] == fx["versions"]
