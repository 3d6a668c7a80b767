"""The pipeline against R's survey package (fixtures made by tests/reference/make_fixtures.R).

R's api examples check the calibration and the linearization of clustered and stratified designs. The
survey's own numbers are checked as users get them: every estimate and SE of the CSVs a build wrote
(the committed results/, and a build made during the test run) against R run on that build's files.
"""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from scs.stages import stored_design
from scs.survey import calibration, means
from scs.survey.design import Design

FIX = ROOT / "tests" / "reference" / "fixtures"
INP = ROOT / "tests" / "reference" / "input"


@pytest.fixture(scope="module")
def api():
    return json.loads((FIX / "api.json").read_text())


@pytest.fixture(scope="module")
def fx():
    return json.loads((FIX / "pipeline.json").read_text())


@pytest.fixture(scope="module", params=["committed", "fresh"])
def r_build(request):
    """The results folder of a build: the committed one, and one built in this test run from the raw file."""
    if request.param == "committed":
        return ROOT / "results"
    return request.getfixturevalue("estimates_build") / "results"


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


# --------------------------------------------------------------------------- the survey, from the files a build wrote
# R (tests/reference/make_fixtures.R) computed every estimate of the tables from the analysis data a build
# wrote, with its own calibration, its own re-calibrated JK1 replicates and the build's stored bootstrap
# replicate weights. Here the CSVs that users read are compared with it: every estimate and SE column.
REL = 1e-6   # relative tolerance of every estimate and SE
ABS = 1e-9   # absolute floor (numbers near zero)
SE_COLUMNS = {"linearization": "se_linearization", "jackknife": "se_jackknife", "bootstrap": "se_bootstrap"}


def _close(ours, r, what, problems, rel=REL):
    ours, r = float(ours), float(r)
    if not (abs(ours - r) <= ABS + rel * abs(r)):
        problems.append(f"{what}: ours {ours:.10g}, R {r:.10g} (relative difference {abs(ours - r) / abs(r):.2e})")


def _num(x):
    return pd.to_numeric(x, errors="coerce")


def compare_models(table: pd.DataFrame, fx: dict, problems: list, *, variants):
    """coefficients.csv / robustness.csv rows against R's svyglm on the same designs."""
    seen = 0
    for (variant, y, model), g in table.groupby(["variant", "outcome", "model"], sort=False):
        if variant not in variants:
            continue
        r = fx["svyglm"][variant][y][model]
        g = g.set_index("term")
        assert list(g.index) == r["terms"], (variant, y, model)
        for j, t in enumerate(r["terms"]):
            row = g.loc[t]
            what = f"{variant} {y} {model} {t}"
            _close(row["coef"], r["coef"][j], f"{what} coef", problems)
            for col in SE_COLUMNS.values():
                if col in r:
                    _close(row[col], r[col][j], f"{what} {col}", problems)
                else:  # R has no such replicates for this variant: neither may the table
                    assert not np.isfinite(_num(row[col])), f"{what}: {col} without replicates"
            _close(row["se"], row[SE_COLUMNS[row["variance"]]], f"{what} reported se", problems, rel=1e-12)
            assert row["df"] == r["df"], what
            seen += 1
    return seen


def test_regression_ses_equal_r_from_the_build(r_build, fx):
    problems = []
    coefs = pd.read_csv(r_build / "models" / "coefficients.csv")
    assert set(coefs["variance"]) == {"jackknife"}  # estimates.variance: auto picks the jackknife at this size
    seen = compare_models(coefs, fx, problems, variants={"main"})
    assert seen == len(coefs) and seen > 60
    assert not problems, "\n".join(problems[:20])


def test_robustness_ses_equal_r_from_the_build(r_build, fx):
    problems = []
    rob = pd.read_csv(r_build / "models" / "robustness.csv")
    seen = compare_models(rob, fx, problems, variants={"main", "unweighted", "unbounded", "alternative"})
    assert seen == len(rob) and set(rob["variant"]) == {"main", "unweighted", "unbounded", "alternative"}
    assert not problems, "\n".join(problems[:20])


def test_predictive_margins_and_their_difference_equal_r_from_the_build(r_build, fx):
    problems = []
    pred = pd.read_csv(r_build / "models" / "predicted.csv")
    for y, g in pred.groupby("outcome", sort=False):
        r = fx["predict"][y]
        assert list(g["level"]) == r["levels"]
        L = len(r["levels"])
        for j, row in enumerate(g.itertuples()):
            _close(row.predicted, r["estimate"][j], f"{y} margin {row.level}", problems)
            for col in SE_COLUMNS.values():
                _close(getattr(row, col), r[col][j], f"{y} margin {row.level} {col}", problems)
                if j:
                    _close(row.difference, r["estimate"][L + j - 1], f"{y} difference {row.level}", problems)
                    _close(getattr(row, f"difference_{col}"), r[col][L + j - 1], f"{y} difference {col}", problems)
    assert not problems, "\n".join(problems[:20])


def test_item_means_and_answer_shares_equal_r_from_the_build(r_build, fx):
    problems = []
    est = pd.read_csv(r_build / "items" / "item_estimates.csv")
    seen = 0
    for row in est.itertuples():
        if str(row.mean).startswith("<"):
            continue  # withheld (small cell)
        r = fx["means"][row.var]
        _close(row.mean, r["mean"], f"{row.var} mean", problems)
        _close(row.se_linearization, r["se_linearization"], f"{row.var} se_linearization", problems)
        _close(row.se_jackknife, r["se_jackknife"], f"{row.var} se_jackknife", problems)
        _close(row.se_boot, r["se_bootstrap"], f"{row.var} se_boot", problems)
        reported = SE_COLUMNS[row.variance]
        for share in ("support", "oppose", "dk"):
            key = f"{row.var}:{share}"
            if key not in fx["means"]:
                assert not np.isfinite(_num(getattr(row, f"pct_{share}"))), key
                continue
            _close(getattr(row, f"pct_{share}"), 100 * fx["means"][key]["mean"], f"% {key}", problems)
            _close(getattr(row, f"pct_{share}_se"), 100 * fx["means"][key][reported], f"% {key} se", problems)
        seen += 1
    assert seen == len(fx["means"]) - sum(":" in k for k in fx["means"])
    assert not problems, "\n".join(problems[:20])


def test_paired_contrasts_equal_r_from_the_build(r_build, fx):
    problems = []
    con = pd.read_csv(r_build / "items" / "contrasts.csv")
    r = {(c["first"], c["second"]): c for c in fx["contrasts"]}
    assert set(zip(con["first"], con["second"])) == set(r)
    for row in con.itertuples():
        c = r[(row.first, row.second)]
        what = f"{row.first} - {row.second}"
        _close(row.difference, c["difference"], what, problems)
        _close(row.se_linearization, c["se_linearization"], f"{what} se_linearization", problems)
        _close(row.se_jackknife, c["se_jackknife"], f"{what} se_jackknife", problems)
        _close(row.se_boot, c["se_bootstrap"], f"{what} se_boot", problems)
        _close(row.se, c[SE_COLUMNS[row.variance]], f"{what} reported se", problems)
    assert not problems, "\n".join(problems[:20])


def test_ordered_logits_equal_r_svyolr_on_the_full_design_with_a_domain(r_build, fx):
    """svyolr on the full calibrated design, the complete cases a domain (the estimator reported). R's
    optimizer (BFGS, stopped at reltol) and finite-difference Hessian limit the agreement: coefficients are
    compared to 1e-5 of their SE, SEs to 1e-5 relative."""
    problems = []
    ol = pd.read_csv(r_build / "models" / "ordered_logits.csv")
    for item, g in ol.groupby("item", sort=False):
        r = fx["svyolr"][item]
        g = g.set_index("term")
        k = len(r["terms"])
        assert int(g["n"].iloc[0]) == r["n"], item
        cuts = [t for t in g.index if t.startswith("cut")]
        assert len(cuts) == len(r["zeta"]), item
        for j, t in enumerate([*r["terms"], *cuts]):
            est = r["coef"][j] if j < k else r["zeta"][j - k]
            if abs(g.loc[t, "coef"] - est) > 1e-5 * r["se"][j]:
                problems.append(f"{item} {t}: ours {g.loc[t, 'coef']:.10g}, R {est:.10g} (SE {r['se'][j]:.3g})")
            _close(g.loc[t, "se"], r["se"][j], f"{item} {t} se", problems, rel=1e-5)
    assert ol["item"].nunique() == len(fx["svyolr"])
    assert not problems, "\n".join(problems[:20])


def test_stored_weights_equal_r_calibration(estimates_build, fx):
    stored = pd.read_parquet(estimates_build / "results" / "weights" / "weights.parquet")
    np.testing.assert_allclose(stored[stored_design.WEIGHT], fx["weights"]["logit"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(stored[stored_design.UNBOUNDED], fx["weights"]["raking"], rtol=0, atol=1e-8)
    assert fx["n"] == len(stored)


def test_r_recalibrates_every_bootstrap_resample_to_the_pipelines_replicates(fx):
    rep = fx["replicates"]
    assert rep["of"] == 500 and rep["checked"] >= 0.9 * rep["of"]
    assert rep["max_abs_weight_difference"] < 1e-8


def test_replicate_conventions_are_rs(estimates_build, fx):
    record = json.loads((estimates_build / "results" / "weights" / "design.json").read_text())
    assert fx["bootstrap"]["scale"] == pytest.approx(record["replicates"]["scale"], rel=1e-12)
    assert fx["bootstrap"]["mse"] is False and record["replicates"]["mse"] is False
    assert fx["jackknife"]["type"] == "JK1"
    assert fx["jackknife"]["scale"] == pytest.approx(record["jackknife"]["scale"], rel=1e-12)


def test_fixtures_record_the_r_versions(api, fx):
    assert fx["versions"]["survey"].startswith("4.") and fx["versions"]["R"].startswith("4.")
    assert api["versions"] == fx["versions"]
