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


def case_settings(s, case: str, method: str, **weighting):
    _, strata, psu, margins, lonely = CASES[case]
    ws = settings.replace(s.weighting, {"method": method, "variables": margins, "base_weight": "pw",
                                        "tol": 1e-12, "max_iter": 200, "infeasible": {"policy": []},
                                        "jackknife": {"max_rows": 100_000}, "replicates": {"n": 0}, **weighting})
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


# --------------------------------------------------------------------------- a build with a design section
DESIGN_R = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(file.path(args[1], "analysis.csv"), stringsAsFactors = FALSE)
targets <- read.csv(file.path(args[1], "targets.csv"), stringsAsFactors = FALSE)
terms <- read.csv(file.path(args[1], "terms.csv"), stringsAsFactors = FALSE)
bounds <- as.numeric(strsplit(args[2], ",")[[1]])
items <- strsplit(args[3], ",")[[1]]
outcomes <- strsplit(args[4], ",")[[1]]
margins <- unique(targets$variable)
for (v in margins) d[[v]] <- factor(d[[v]], levels = targets$category[targets$variable == v])
N <- sum(d$base_weight)
pop <- c("(Intercept)" = N)
for (v in margins) {
  t <- targets[targets$variable == v, ]
  for (i in seq_len(nrow(t))[-1]) pop[paste0(v, t$category[i])] <- N * t$share[i]
}
f <- as.formula(paste("~", paste(margins, collapse = " + ")))
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~base_weight, data = d, nest = TRUE)
designs <- list(
  linearization = calibrate(des, f, pop, calfun = "logit", bounds = bounds, epsilon = 1e-12, maxit = 200),
  jackknife = calibrate(as.svrepdesign(des, type = "JKn"), f, pop, calfun = "logit", bounds = bounds,
                        epsilon = 1e-12, maxit = 200))
rows <- list()
for (kind in names(designs)) {
  for (v in items) {
    m <- svymean(reformulate(v), designs[[kind]], na.rm = TRUE)
    rows[[length(rows) + 1]] <- data.frame(kind = kind, what = "mean", outcome = v, term = "", est = coef(m)[[1]],
                                           se = SE(m)[[1]], df = NA)
  }
  for (y in outcomes) {
    ok <- complete.cases(d[, c(y, terms$safe)])
    g <- svyglm(as.formula(paste(y, "~", paste(terms$safe, collapse = " + "))), design = subset(designs[[kind]], ok))
    rows[[length(rows) + 1]] <- data.frame(kind = kind, what = "coef", outcome = y,
                                           term = c("_intercept_", terms$term), est = as.numeric(coef(g)),
                                           se = as.numeric(SE(g)), df = g$df.residual)
  }
}
write.csv(do.call(rbind, rows), file.path(args[1], "r.csv"), row.names = FALSE)
"""


@pytest.mark.slow
def test_a_build_with_strata_and_psus_reports_rs_ses(tmp_path):
    """The stand-in built with design: {strata: region, psu: province} (4 strata, 31 provinces as PSUs): the item
    means and the full model of coefficients.csv (their linearization and jackknife SEs, the reported one, the
    degrees of freedom) are R's svydesign(ids = ~province, strata = ~region, nest = TRUE) with bounded raking,
    and its JKn replicates calibrated again, computed from the files the rules wrote (the CSVs round to 7
    significant digits)."""
    import yaml
    from conftest import copy_project, run_snakemake

    from scs.stages import models, weight_plan

    rscript = require_tool("Rscript", "R with the survey package", "make r-deps")
    work = copy_project(tmp_path / "w")
    cfg = yaml.safe_load((work / "config.yaml").read_text())
    cfg["design"] = {"strata": "region", "psu": "province", "nest": True, "lonely_psu": "fail"}
    cfg["weighting"]["replicates"]["n"] = 50
    (work / "config-design.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True))
    out = work / "results-config-design"
    run_snakemake(work, "results-config-design/items/item_estimates.csv", "results-config-design/models/coefficients.csv",
                  extra=["--cores", "1", "--configfile", "config-design.yaml"])
    frame = pd.read_parquet(out / "indices" / "analysis.parquet")
    stored = pd.read_parquet(out / "weights" / "weights.parquet")
    record = json.loads((out / "weights" / "design.json").read_text())
    assert record["design"]["n_strata"] == 4 and record["design"]["n_psu"] == 31 and record["design"]["df"] == 27
    assert record["jackknife"]["type"] == "JKn" and record["jackknife"]["n"] == 31
    s = settings.load(work / "config-design.yaml")
    X = models.matrices(frame, s)[s.models.full]
    safe = {c: f"x{i:02d}" for i, c in enumerate(X.columns)}
    data = frame[[*s.weighting.variables, *[it.var for b in s.batteries for it in s.scales[b].items],
                  *s.models.outcomes]].copy()
    for c in X.columns:
        data[safe[c]] = X[c].to_numpy()
    data["stratum"], data["psu"] = stored["design_stratum"], stored["design_psu"]
    data["base_weight"] = stored["base_weight"]
    folder = tmp_path / "r"
    folder.mkdir()
    data.to_csv(folder / "analysis.csv", index=False, float_format="%.17g")
    plan = weight_plan.Plan.from_json(record["plan"])
    assert not plan.adjustments
    pd.DataFrame([{"variable": v, "category": c, "share": plan.shares[v][c]} for v, lev in plan.levels.items()
                  for c in lev]).to_csv(folder / "targets.csv", index=False, float_format="%.17g")
    pd.DataFrame({"term": list(X.columns), "safe": [safe[c] for c in X.columns]}).to_csv(folder / "terms.csv",
                                                                                          index=False)
    items = [it.var for b in s.batteries for it in s.scales[b].items]
    (folder / "design.R").write_text(DESIGN_R)
    subprocess.run([rscript, str(folder / "design.R"), str(folder), f"{plan.lower},{plan.upper}", ",".join(items),
                    ",".join(s.models.outcomes)], check=True, capture_output=True, text=True)
    r = pd.read_csv(folder / "r.csv", keep_default_na=False)
    r["term"] = r["term"].astype(str)
    problems, worst = [], 0.0

    def close(ours, theirs, what):
        nonlocal worst
        d = abs(float(ours) - float(theirs)) / abs(float(theirs))
        worst = max(worst, d)
        if d > 1e-6:
            problems.append(f"{what}: ours {ours}, R {theirs}")

    est = pd.read_csv(out / "items" / "item_estimates.csv").set_index("var")
    for kind in ("linearization", "jackknife"):
        for row in r[(r["kind"] == kind) & (r["what"] == "mean")].itertuples():
            if str(est.loc[row.outcome, "mean"]).startswith("<"):
                continue
            close(est.loc[row.outcome, "mean"], row.est, f"{row.outcome} mean")
            close(est.loc[row.outcome, f"se_{kind}"], row.se, f"{row.outcome} se_{kind}")
    assert (est["variance"] == "jackknife").all() and (est["se"] == est["se_jackknife"]).all()
    note = (out / "items" / "item_estimates.md").read_text()  # the table says which jackknife its SEs are
    assert "jackknife (JKn: each replicate leaves out one PSU of a stratum), every replicate calibrated again" in note
    assert "delete-one" not in note
    for v in items:  # R's degf of the domain: its PSUs minus its strata (27 when every PSU has an answer)
        answered = data.loc[data[v].notna(), ["stratum", "psu"]]
        assert est.loc[v, "df"] == len(answered.drop_duplicates()) - answered["stratum"].nunique(), v
    coefs = pd.read_csv(out / "models" / "coefficients.csv")
    full = coefs[coefs["model"] == s.models.full].set_index(["outcome", "term"])
    for kind in ("linearization", "jackknife"):
        rr = r[(r["kind"] == kind) & (r["what"] == "coef")]
        assert len(rr) == len(full)
        for row in rr.itertuples():
            ours = full.loc[(row.outcome, row.term)]
            close(ours["coef"], row.est, f"{row.outcome} {row.term} coef")
            close(ours[f"se_{kind}"], row.se, f"{row.outcome} {row.term} se_{kind}")
            if kind == "linearization":
                assert ours["df"] == int(row.df), (row.outcome, row.term)
    assert not problems, "\n".join(problems[:20])
    print(f"largest relative difference of the CSVs from R: {worst:.2e}")
    # unrounded: the design rebuilt from the stored files, as the estimation rules rebuild it
    from scs.stages import stored_design

    jk = pd.read_parquet(out / "weights" / "jackknife.parquet")
    full_precision = 0.0
    for kind in ("linearization", "jackknife"):
        design = stored_design.load_design(frame, stored, record, jackknife=jk, variance=kind)
        e = means.means(design, frame[items].to_numpy(float), items)
        rr = r[(r["kind"] == kind) & (r["what"] == "mean")].set_index("outcome").loc[items]
        full_precision = max(full_precision, rel(e.se, rr["se"]))
    assert full_precision < REL
    print(f"largest relative difference of the stored design's SEs from R: {full_precision:.2e}")


BOOT_R = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
mult <- as.matrix(read.csv(args[2], header = FALSE))
N <- sum(d$pw)
pop <- c("(Intercept)" = N, sch.wideYes = 0.8 * N, awardsYes = 0.6 * N)
rep <- svrepdesign(data = d, repweights = mult * d$pw, weights = ~pw, type = "bootstrap", combined.weights = TRUE)
cal <- calibrate(rep, ~sch.wide + awards, pop, calfun = "raking", epsilon = 1e-13, maxit = 200, compress = FALSE)
for (des in list(rep, cal)) for (v in c("api00", "avg.ed")) {
  m <- svymean(reformulate(v), des, na.rm = TRUE)
  cat(sprintf("%.17g", SE(m)), "\n")
}
"""


def test_the_bootstrap_of_psus_within_strata_is_rs_svrepdesign_of_its_replicates(r_api, settings, tmp_path):
    """The Rao-Wu bootstrap of the PSUs within strata draws other random numbers than R's subbootstrap, so R is
    given its multipliers: svrepdesign(type = "bootstrap") of them, and the same calibrated again (raking), give the
    pipeline's bootstrap SEs (each replicate re-weighted by the weighting procedure)."""
    folder, _ = r_api
    rscript = require_tool("Rscript", "R with the survey package", "make r-deps")
    frame = pd.read_csv(folder / "strat.csv")
    ys = ["api00", "avg.ed"]
    ses = []
    for method in ("none", "raking"):
        s = case_settings(settings, "stratclus", method, replicates={"n": 40, "seed": 11}, jackknife={"max_rows": 0})
        out = weights.run(frame, targets_of(CASES["stratclus"][3]), s, key="id")
        wt = pipeline.Weighted(frame=frame, result=out["weighting"], record=out["record"])
        ses += list(means.means(wt.design(variance="bootstrap"), frame[ys].to_numpy(float), ys).se)
    mult = weights.bootstrap_multipliers(len(frame), 40, 11, out["weighting"].design)
    pd.DataFrame(mult).to_csv(tmp_path / "mult.csv", index=False, header=False, float_format="%.17g")
    (tmp_path / "boot.R").write_text(BOOT_R)
    r = subprocess.run([rscript, str(tmp_path / "boot.R"), str(folder / "strat.csv"), str(tmp_path / "mult.csv")],
                       check=True, capture_output=True, text=True)
    diff = rel(ses, [float(x) for x in r.stdout.split()])
    print(f"largest relative difference from R: {diff:.2e}")
    assert diff < REL
