"""Stratified and clustered designs (config ``design``) against R's survey package on its api data: the
with-replacement (ultimate cluster) linearization and the cluster jackknife (JK1 of the PSUs, JKn with strata),
without calibration and with raking to target shares (every replicate calibrated again), a stratum with a single
PSU treated as R's ``survey.lonely.psu`` "certainty" and "adjust". The designs are made by the weights stage
(weights.run) and rebuilt from what it stores, as the estimation rules do; means and regressions by the
estimators the stages use. R: tests/reference/design_api.R."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, require_tool

from scs import settings
from scs.stages import pipeline, weights
from scs.survey import means, regression

REL = 1e-8
SHARES = {"sch.wide": {"No": 0.2, "Yes": 0.8}, "awards": {"No": 0.4, "Yes": 0.6},
          "stype": {"E": 0.71, "H": 0.12, "M": 0.17}}
CASES = {  # data, strata, psu, margins, lonely_psu (as design_api.R)
    "strat": ("strat", "stype", None, ["sch.wide", "awards"], "fail"),
    "clus1": ("clus1", None, "dnum", ["stype", "sch.wide"], "fail"),
    "clus2": ("clus2", None, "dnum", ["stype", "sch.wide"], "fail"),
    "stratclus": ("strat", "stype", "dnum", ["sch.wide", "awards"], "fail"),
    "certainty": ("strat", "st2", "dnum", ["sch.wide", "awards"], "certainty"),
    "adjust": ("strat", "st2", "dnum", ["sch.wide", "awards"], "adjust"),
}
MEANS = ["api00", "api99", "avg.ed", "enroll"]


@pytest.fixture(scope="module")
def r_api(tmp_path_factory):
    rscript = require_tool("Rscript", "R with the survey package", "make r-deps")
    out = tmp_path_factory.mktemp("design_api")
    subprocess.run([rscript, str(ROOT / "tests" / "reference" / "design_api.R"), str(out)], check=True,
                   capture_output=True, text=True)
    return out, json.loads((out / "r.json").read_text())


def case_settings(s, case: str, method: str):
    _, strata, psu, margins, lonely = CASES[case]
    ws = settings.replace(s.weighting, {"method": method, "variables": margins, "base_weight": "pw",
                                        "tol": 1e-12, "max_iter": 200, "infeasible": {"policy": []},
                                        "jackknife": {"max_rows": 100_000}, "replicates": {"n": 0}})
    return settings.replace(s, weighting=ws, design={"strata": strata, "psu": psu, "lonely_psu": lonely})


def targets_of(margins) -> pd.DataFrame:
    return pd.DataFrame([{"variable": v, "category": c, "share": sh, "status": "", "source": ""}
                         for v in margins for c, sh in SHARES[v].items()])


def pipeline_estimates(frame: pd.DataFrame, s, case: str, method: str, variance: str):
    out = weights.run(frame, targets_of(CASES[case][3]), s, key="id")
    wt = pipeline.Weighted(frame=frame, result=out["weighting"], record=out["record"])
    design = wt.design(variance=variance)
    est = means.means(design, frame[MEANS].to_numpy(float), MEANS)
    X = np.column_stack([frame["ell"], frame["meals"], frame["stype"] == "H", frame["stype"] == "M"]).astype(float)
    fit = regression.fit_wls(design, frame["api00"].to_numpy(float), X, ["ell", "meals", "stypeH", "stypeM"])
    return out, design, est, fit


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("calibrated", [False, True], ids=["uncalibrated", "raked"])
@pytest.mark.parametrize("variance", ["linearization", "jackknife"])
def test_design_ses_equal_r(r_api, settings, case, calibrated, variance):
    folder, r = r_api
    frame = pd.read_csv(folder / f"{CASES[case][0]}.csv")
    s = case_settings(settings, case, "raking" if calibrated else "none")
    out, design, est, fit = pipeline_estimates(frame, s, case, s.weighting.method, variance)
    ref = r[case][variance + ("_calibrated" if calibrated else "")]
    assert design.method == variance and est.method == variance and fit.method == variance
    r_mean = [ref["means"][v]["mean"] for v in MEANS]
    r_se = [ref["means"][v]["se"] for v in MEANS]
    assert rel(est.est, r_mean) < 1e-10
    assert rel(est.se, r_se) < REL, (est.se, r_se)
    assert rel(fit.coef, ref["glm"]["coef"]) < 1e-10
    assert rel(fit.se, ref["glm"]["se"]) < REL, (fit.se, ref["glm"]["se"])
    if variance == "linearization":  # R's df of svyglm on a svydesign: degf - p + 1 (a replicate design's differ)
        assert fit.df == ref["glm"]["df"]
        assert design.df == r[case]["degf"] == out["record"]["design"]["df"]
    else:
        assert design.jackknife.shape[1] == r[case]["replicates"] == out["record"]["jackknife"]["n"]
