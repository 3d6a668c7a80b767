"""The hand-off to Stata, SPSS and R (rule `export`, `make export`).

On a build of the estimation stages: the generated R script, run by R on the exported CSV, gives the
pipeline's headline numbers (the means of the outcome indices and the full model's coefficients) with their
JK1, bootstrap and linearization SEs (the last from R's own calibration of the prior weights) to 1e-8
relative; the .dta and the .sav read back to the same values as the CSV and the stored data, with their
labels. Unit tests: names, codes and the scripts' text (Stata cannot run here).
"""

import json
import os
import re
import subprocess

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import clone_build, require_tool, run_snakemake

from scs import settings
from scs.errors import PipelineError
from scs.precision import round_sig
from scs.report import export
from scs.stages import items, models, stored_design, weight_plan
from scs.survey import calibration as cal
from scs.survey.design import Design
from scs.survey.formula import parse_formula
from scs.survey.means import means

REL = 1e-8  # R on the exported files against the pipeline's own numbers (estimates and SEs, relative)
EXPORT = ["analysis.dta", "analysis.sav", "analysis.csv", "design.R", "design.do", "README.txt"]


def require_r_survey():
    """Rscript and R's survey package: skipped with how to install them on a bare machine, a failure in CI
    (conftest.require_tool)."""
    rscript = require_tool("Rscript", "R", "make r-deps")
    proc = subprocess.run([rscript, "-e", "library(survey)"], capture_output=True, text=True)
    if proc.returncode != 0:
        message = f"R's survey package is not installed (make r-deps): {proc.stderr.strip()[-300:]}"
        if os.environ.get("SCS_REQUIRE_TOOLS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return rscript


@pytest.fixture(scope="module")
def exported(estimates_build, tmp_path_factory):
    """A clone of the shared build of the estimation stages with `snakemake export` run in it."""
    work = clone_build(estimates_build, tmp_path_factory.mktemp("export") / "w")
    run_snakemake(work, "export")
    return work


def _resolved_variance(s, record: dict) -> str:
    v = s.estimates.variance
    return ("jackknife" if record.get("jackknife") else "linearization") if v == "auto" else v


@pytest.fixture(scope="module")
def pipeline(exported):
    """The pipeline's headline numbers at full precision, computed as the rules compute them (the stage
    functions on the design rebuilt from the build's stored files), and the rounded ones the rules wrote."""
    cfg = settings.load(exported / "config.yaml")
    res = exported / "results"
    frame = pd.read_parquet(res / "indices" / "analysis.parquet")
    record = json.loads((res / "weights" / "design.json").read_text())
    design = stored_design.load_design(frame, pd.read_parquet(res / "weights" / "weights.parquet"), record,
                                 jackknife=pd.read_parquet(res / "weights" / "jackknife.parquet"),
                                 variance=_resolved_variance(cfg, record))
    full = cfg.models.full
    est = items.item_estimates(design, frame, cfg)
    mats = models.matrices(frame, cfg)
    coefs, _ = models.fit(design, frame, cfg, mats, models.samples(frame, cfg, mats), models=[full])
    outcomes = list(cfg.models.outcomes)
    rows = []
    for r in est[est["var"].isin(outcomes)].itertuples():
        rows.append({"outcome": r.var, "term": "mean", "estimate": r.mean, "se_jackknife": r.se_jackknife,
                     "se_bootstrap": r.se_boot, "se_linearization": r.se_linearization, "se": r.se})
    for r in coefs.itertuples():
        rows.append({"outcome": r.outcome, "term": r.term, "estimate": r.coef, "se_jackknife": r.se_jackknife,
                     "se_bootstrap": r.se_bootstrap, "se_linearization": r.se_linearization, "se": r.se})
    ours = pd.DataFrame(rows).set_index(["outcome", "term"])
    # what the rules wrote (7 significant digits, scs.precision)
    csv_est = pd.read_csv(res / "items" / "item_estimates.csv").set_index("var")
    csv_coef = pd.read_csv(res / "models" / "coefficients.csv")
    csv_coef = csv_coef[(csv_coef.variant == "main") & (csv_coef.model == full)].set_index(["outcome", "term"])
    written = {}
    for (y, t) in ours.index:
        if t == "mean":
            r = csv_est.loc[y]
            written[(y, t)] = {"estimate": r["mean"], "se_jackknife": r["se_jackknife"], "se_bootstrap": r["se_boot"],
                               "se_linearization": r["se_linearization"], "se": r["se"]}
        else:
            r = csv_coef.loc[(y, t)]
            written[(y, t)] = {"estimate": r["coef"], "se_jackknife": r["se_jackknife"],
                               "se_bootstrap": r["se_bootstrap"], "se_linearization": r["se_linearization"],
                               "se": r["se"]}
    return ours, pd.DataFrame.from_dict(written, orient="index"), design, cfg


def test_the_rule_writes_every_file_with_the_data_label(exported):
    out = exported / "results" / "export"
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPORT)
    for name in ("design.R", "design.do", "README.txt"):
        text = (out / name).read_text(encoding="utf-8")
        assert "SYNTHETIC stand-in data" in text and "data.source: synthetic" in text, name
    assert "BUILT FROM SYNTHETIC STAND-IN DATA" in (out / "README.txt").read_text()
    dry = run_snakemake(exported, extra=["-n"]).stdout  # the default target: the export is not in it
    assert re.search(r"^total\s+\d+", dry, re.M) and not re.search(r"^export\s+\d+", dry, re.M)


def test_the_pipelines_numbers_here_are_the_ones_its_rules_wrote(pipeline):
    """The full-precision numbers the R check compares with are the pipeline's: rounded as the rules round
    (7 significant digits), they are the CSVs' numbers."""
    ours, written, _, _ = pipeline
    assert len(ours) == 2 * (1 + 14)  # two outcomes: the mean and 14 coefficients (intercept, 10 terms, 3 regions)
    for key, row in ours.iterrows():
        for col in written.columns:
            assert round_sig(row[col]) == pytest.approx(written.loc[[key], col].iloc[0], rel=1e-12), (key, col)


def test_r_on_the_exported_files_gives_the_pipelines_headline_numbers(exported, pipeline, tmp_path):
    rscript = require_r_survey()
    out = exported / "results" / "export"
    proc = subprocess.run([rscript, "design.R", "analysis.csv", str(tmp_path / "r.csv")], cwd=out,
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"design.R failed:\n{proc.stderr[-3000:]}"
    assert "jackknife" in proc.stdout and "(Intercept)" in proc.stdout  # it prints its numbers
    r = pd.read_csv(tmp_path / "r.csv")
    ours, written, _, cfg = pipeline
    full_terms = {t.replace("[", "").replace("]", ""): t for t in ours.index.get_level_values("term")}
    full_terms["(Intercept)"] = "_intercept_"
    r["term"] = r["term"].map(lambda t: full_terms.get(t, t))
    assert set(r["design"]) == {"jackknife", "bootstrap", "linearization"}
    worst = {}
    for design, g in r.groupby("design"):
        g = g.set_index(["outcome", "term"])
        assert sorted(g.index) == sorted(ours.index), design
        for stat, col in (("estimate", "estimate"), ("se", f"se_{design}")):
            diff = (g[stat] - ours[col]).abs() / ours[col].abs()
            worst[(design, stat)] = float(diff.max())
            assert (diff <= REL).all(), (design, stat, diff[diff > REL].to_dict())
    # the SEs the pipeline reports are the jackknife's: R's, rounded, are the tables' numbers
    jk = r[r.design == "jackknife"].set_index(["outcome", "term"])
    assert (pipeline[0]["se"] == pipeline[0]["se_jackknife"]).all()
    for key in ours.index:
        assert round_sig(jk.loc[[key], "se"].iloc[0]) == pytest.approx(written.loc[[key], "se"].iloc[0], rel=1e-12)
    print("largest relative difference, R on the exported files vs the pipeline:",
          ", ".join(f"{d} {s} {v:.1e}" for (d, s), v in sorted(worst.items())))


def test_dta_and_sav_read_back_to_the_csvs_values_with_labels(exported, pipeline):
    _, _, design, cfg = pipeline
    out = exported / "results" / "export"
    csv = pd.read_csv(out / "analysis.csv", keep_default_na=False, na_values=[""])
    dta, dmeta = pyreadstat.read_dta(str(out / "analysis.dta"))
    sav, smeta = pyreadstat.read_sav(str(out / "analysis.sav"))
    for df in (dta, sav):
        assert list(df.columns) == list(csv.columns)
        for c in csv.columns:
            if c in ("data_source", "response_id"):
                assert list(df[c]) == list(csv[c].astype(str)), c
            else:
                np.testing.assert_array_equal(df[c].to_numpy(float), csv[c].to_numpy(float), err_msg=c)
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,31}", c) for c in csv.columns)
    assert set(csv["data_source"]) == {"synthetic"}
    # the values are the build's: analysis variables, the final weight, both sets of replicate weights
    frame = pd.read_parquet(exported / "results" / "indices" / "analysis.parquet")
    n = len(frame)
    for c in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[c]):
            stored = frame[c].astype("Float64").to_numpy(float, na_value=np.nan)
            np.testing.assert_array_equal(csv[c].to_numpy(float), stored, err_msg=c)
    region = dict(zip(frame["region"], csv["region"]))
    assert {k: int(v) for k, v in region.items()} == {"East": 1, "Central": 2, "West": 3, "Northeast": 4}
    np.testing.assert_array_equal(csv["weight"], design.weight)
    np.testing.assert_array_equal(csv[[f"bs_{r + 1}" for r in range(design.n_replicates)]].to_numpy(),
                                  design.replicates)
    # the delete-one replicates are made from their stored multipliers in each process: the last bit may differ
    np.testing.assert_allclose(csv[[f"jk_{r + 1}" for r in range(n)]].to_numpy(), design.jackknife, rtol=1e-13, atol=0)
    # labels: data label, variable labels (codebook, config), value labels (codebook, coded text)
    label = cfg.data.label
    assert dmeta.file_label == label and smeta.file_label == label[:61] + "..." and label in " ".join(smeta.notes)
    for meta in (dmeta, smeta):
        labels = meta.column_names_to_labels
        assert labels["s_jobs"] == "SCS surveillance - switching jobs"
        assert labels["surveillance"].startswith("Surveillance index")
        assert labels["ccp"] == "CCP member" and labels["weight"].startswith("Final weight")
        assert labels["jk_7"].startswith("JK1 replicate weight 7") and labels["bs_500"].startswith("Bootstrap")
        values = meta.variable_value_labels
        assert values["s_jobs"] == {1: "strongly oppose", 2: "somewhat oppose", 3: "neutral", 4: "somewhat support",
                                    5: "strongly support"}
        assert values["region"] == {1: "East", 2: "Central", 3: "West", 4: "Northeast"}
        assert values["male"] == {1: "male", 0: "female"} and values["s_jobs__dk"][1] == "don't know"


# --------------------------------------------------------------------------- units: names, codes, scripts
def test_names_are_valid_for_stata_and_spss():
    assert export.file_name("log(income_k)") == "log_income_k_"
    assert export.file_name("a.b") == "a_b" and export.file_name("2nd") == "v2nd" and export.file_name("_n") == "v_n"
    assert export.file_name("in") == "in_" and export.file_name("x" * 40) == "x" * 32
    with pytest.raises(PipelineError, match="would both be called"):
        export.file_names(["a.b", "a_b"])
    with pytest.raises(PipelineError, match="would both be called"):
        export.file_names(["x" * 33 + "1", "x" * 33 + "2"])


def _tiny(n=60, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"response_id": [f"R_{i}" for i in range(n)],
                         "sex": rng.choice(["male", "female"], n),
                         "age_group": rng.choice(["18-39", "40-59", "60-69", "70+"], n, p=[0.4, 0.4, 0.15, 0.05]),
                         "x": rng.normal(size=n), "y": rng.normal(size=n)})


def test_a_text_variable_needs_its_categories():
    f = _tiny()
    kw = {"key": "response_id", "weight": np.ones(len(f)), "base": np.ones(len(f)), "jackknife": None,
          "bootstrap": None, "data_source": "simulated", "variable_labels": {}, "value_labels": {}}
    with pytest.raises(PipelineError, match="no categories"):
        export.analysis_file(f, levels={"sex": ["male", "female"]}, **kw)
    with pytest.raises(PipelineError, match="outside its categories"):
        export.analysis_file(f, levels={"sex": ["male"], "age_group": ["18-39", "40-59", "60-69", "70+"]}, **kw)


def test_stata_script_declares_the_replicates_and_the_reference_levels():
    f = _tiny(40)
    n = len(f)
    jk = np.full((n, n), n / (n - 1))
    np.fill_diagonal(jk, 0.0)
    af = export.analysis_file(f, key="response_id", weight=np.ones(n), base=np.ones(n), jackknife=jk,
                              bootstrap=np.ones((n, 5)), data_source="simulated",
                              levels={"sex": ["male", "female"], "age_group": ["18-39", "40-59", "60-69", "70+"]},
                              variable_labels={}, value_labels={})
    head = export.Headline(outcomes=["y"], name="M", terms=parse_formula("x + C(sex) + C(age_group, ref=40-59)"),
                           complete=["x", "sex", "age_group"])
    do = export.stata_script(af, head, reported="jackknife", data_label="label", data_source="simulated")
    assert f"jkrweight(jk_1-jk_{n}, multiplier({(n - 1) / n!r}))" in do and "bsrweight(bs_1-bs_5)" in do
    # C(sex) without a reference: the first category in text order (the pipeline's), female = code 2
    assert "local rhs x ib2.sex ib2.age_group" in do
    assert "svy, subpop(if !missing(y, x, sex, age_group)): regress y `rhs'" in do


def test_r_linearization_calibrates_collapsed_margins_as_the_pipeline_did(tmp_path):
    """A plan whose age groups 60-69 and 70+ were collapsed: R calibrates the prior weights to the collapsed
    margins (a factor with merged labels) and finds the pipeline's weighted mean and its SE."""
    rscript = require_r_survey()
    f = _tiny(80)
    shares = {"sex": {"male": 0.5, "female": 0.5}, "age_group": {"18-39": 0.4, "40-59": 0.35, "60-69 + 70+": 0.25}}
    plan = weight_plan.Plan(levels={v: list(s) for v, s in shares.items()}, shares=shares, lower=0.3, upper=3.0,
                        members={"age_group": {"60-69 + 70+": ["60-69", "70+"]}})
    cols = plan.columns({v: f[v] for v in shares})
    M, _ = cal.margin_matrix(cols, plan.levels)
    d = np.ones(len(f))
    res = cal.calibrate(M, d, cal.margin_totals(shares, plan.levels, len(f)), calfun="logit", lower=0.3, upper=3.0,
                        tol=1e-13, max_iter=200)
    assert res.converged
    w = d * res.g
    ours = means(Design(weight=w, base=d, calib=M), f[["y"]].to_numpy(), ["y"])
    af = export.analysis_file(f, key="response_id", weight=w, base=d, jackknife=None, bootstrap=None,
                              data_source="simulated", variable_labels={}, value_labels={},
                              levels={"sex": ["male", "female"], "age_group": ["18-39", "40-59", "60-69", "70+"]})
    calib = export.Calibration(method="bounded_raking", shares=shares, members=plan.members, lower=0.3, upper=3.0)
    head = export.Headline(outcomes=["y"], name="M", terms=parse_formula("x"), complete=["x"])
    script = export.r_script(af, head, calib, reported="linearization", data_label="label", data_source="simulated")
    assert 'd$age_group_cal <- factor(d$age_group, levels = c("18-39", "40-59", "60-69", "70+"), ' \
           'labels = c("18-39", "40-59", "60-69 + 70+", "60-69 + 70+"))' in script
    export.write_csv(af, tmp_path / "analysis.csv")
    (tmp_path / "design.R").write_text(script)
    proc = subprocess.run([rscript, "design.R", "analysis.csv", "r.csv"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = pd.read_csv(tmp_path / "r.csv").set_index("term")
    assert set(pd.read_csv(tmp_path / "r.csv")["design"]) == {"linearization"}
    assert r.loc["mean", "estimate"] == pytest.approx(ours.est[0], rel=1e-9)
    assert r.loc["mean", "se"] == pytest.approx(ours.se_lin[0], rel=REL)
