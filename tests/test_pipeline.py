"""End to end: the workflow from the shipped raw file in a temporary copy."""

import filecmp
import json
import os
import re

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import FAST, ROOT, clone_build, committed_results, copy_project, run_snakemake
from scipy import stats

from scs.config import file_sha256
from scs.stages import stored_design, weight_diagnostics

# provenance.json records the git commit the build was made from (a copy outside git has none) and the
# checksums of the intermediate binary files, whose last floating-point digits depend on the machine
NOT_BYTE_COMPARED = {"provenance.json"}
INTERMEDIATE = (".parquet", ".npy")


def job_table(dry_run: str) -> set[str]:
    """The rules in the job-count table that `snakemake -n` prints."""
    m = re.search(r"^job\s+count\n-+\s+-+\n(.*?)^total", dry_run, flags=re.M | re.S)
    return {line.split()[0] for line in m.group(1).splitlines() if line.strip()} if m else set()


def result_files(root):
    return sorted(p.relative_to(root / "results") for p in (root / "results").rglob("*") if p.is_file())


def released_files(root):
    """The outputs git tracks: every result but the intermediate binary data."""
    return [p for p in result_files(root) if not p.name.endswith(INTERMEDIATE)]


def assert_same_released_outputs(work):
    committed = [p.relative_to("results") for p in committed_results()]
    assert len(committed) > 50
    assert released_files(work) == committed
    differ = [str(rel) for rel in committed if rel.name not in NOT_BYTE_COMPARED
              and not filecmp.cmp(work / "results" / rel, ROOT / "results" / rel, shallow=False)]
    assert not differ, f"{len(differ)} released output(s) differ from the committed ones: {differ[:10]}"


def test_cleaning_target_alone_runs_only_what_it_needs(tmp_path):
    work = copy_project(tmp_path / "w")
    run_snakemake(work, "results/clean/exclusion_flow.csv")
    flow = pd.read_csv(work / "results" / "clean" / "exclusion_flow.csv")
    assert flow.remaining.iloc[-1] == 1173
    assert not (work / "results" / "weights").exists()


def test_full_build_reproduces_the_committed_results_byte_for_byte(built):
    """Tables, figures, numbers and reports: the same bytes as committed (numbers are rounded once to a
    precision far above the machine's floating-point noise, so this holds on other machines too)."""
    assert_same_released_outputs(built)


@pytest.mark.slow
def test_a_build_with_other_floating_point_kernels_writes_the_same_outputs(tmp_path):
    """Another machine, simulated: OpenBLAS's oldest x86-64 kernels (SSE3 only) sum in another order, so
    the last digits of weights, SEs and p-values differ; the released outputs must not."""
    work = copy_project(tmp_path / "w")
    run_snakemake(work, env={**os.environ, "OPENBLAS_CORETYPE": "Prescott"})
    assert "No drift" in (work / "results" / "verify.md").read_text()
    assert_same_released_outputs(work)


def test_nothing_left_to_do_after_a_build(built):
    proc = run_snakemake(built, extra=["-n"])
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_the_stored_replicates_each_repeat_the_weighting(built):
    """Reads the weights rule's output and checks every replicate: margins and bounds of its own run."""
    frame = pd.read_parquet(built / "results" / "clean" / "clean.parquet")
    stored = pd.read_parquet(built / "results" / "weights" / "weights.parquet")
    record = json.loads((built / "results" / "weights" / "design.json").read_text())
    reps = stored[[c for c in stored.columns if c.startswith(stored_design.REP_PREFIX)]].to_numpy()
    assert reps.shape[1] == record["replicates"]["n"] == 500
    check = weight_diagnostics.replicate_check(reps, stored[stored_design.BASE].to_numpy(), frame, record)
    assert check["max_abs_margin_error"] < 1e-8 and check["max_bound_excess"] == 0.0
    w = stored[stored_design.WEIGHT].to_numpy()
    assert w.mean() == pytest.approx(1.0, abs=1e-12)
    assert w.min() > record["plan"]["lower"] and w.max() < record["plan"]["upper"]
    jk = pd.read_parquet(built / "results" / "weights" / "jackknife.parquet")
    assert len(jk) == len(frame) and record["jackknife"]["n"] == len(frame)


def test_every_table_states_its_n_and_the_estimation_samples(built):
    md = (built / "results" / "models" / "regression_table.md").read_text()
    assert "## Estimation samples" in md and "missing income_k" in md
    samples = pd.read_csv(built / "results" / "models" / "model_samples.csv")
    assert (samples.n < samples.n_analytic).all()
    assert (samples.groupby("outcome").n.nunique() == 1).all()  # one sample per outcome
    est = pd.read_csv(built / "results" / "items" / "item_estimates.csv")
    idx = est[est.kind == "index"]
    assert (pd.to_numeric(idx.n) < 1173).all()  # the min_answered rule binds
    assert "% don't know" in (built / "results" / "items" / "item_estimates.md").read_text()


def test_notebooks_executed_without_errors(built):
    for name in ["01_data_cleaning", "02_weights", "03_indices_items", "04_models"]:
        nb = nbformat.read(built / "results" / "notebooks" / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.execution_count for c in code), name
        assert not any(o.output_type == "error" for c in code for o in c.outputs), name
        assert "SYNTHETIC stand-in data" in (built / "results" / "notebooks" / f"{name}.html").read_text()


def test_provenance_covers_every_output_with_right_checksums(built):
    prov = json.loads((built / "results" / "provenance.json").read_text())
    files = prov["files"]
    expected = {f"results/{p}" for p in result_files(built)} - {"results/provenance.json"}
    assert set(files) == expected
    for path, e in files.items():
        assert e["sha256"] == file_sha256(built / path), path
        assert e["rule"] and e["data_source"] == "synthetic" and e["config_sha256"]
        for inp, sha in e["inputs_sha256"].items():
            assert sha == file_sha256(built / inp), (path, inp)
        assert e["script_sha256"] == file_sha256(built / e["script"])
    assert files["results/figures/figure1_surveillance.png"]["script"] == "scripts/figures.py"


def test_list_of_tables_and_programs_names_every_figure_and_table(built):
    text = (built / "results" / "tables_and_programs.md").read_text()
    for fig in (built / "results" / "figures").glob("*.png"):
        assert f"`results/figures/{fig.name}`" in text
    # every figure and table number of the configuration's numbering (figures 1-5, tables 1-5)
    assert "| Figure 1. " in text and "| Figure 2. " in text and "| Figure 3. " in text and "| Figure 5. " in text
    for n in (1, 2, 3, 4, 5):
        assert f"| Table {n}" in text
    assert "`scripts/regressions.py` (rule `regressions`)" in text


def test_readme_embeds_the_generated_list():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- tables-and-programs:start -->\n(.*?)<!-- tables-and-programs:end -->", readme, re.S)
    generated = (ROOT / "results" / "tables_and_programs.md").read_text()
    table = "\n".join(l for l in generated.splitlines() if l.startswith("|")) + "\n"
    assert block and block.group(1) == table, "README list is stale: run `make readme`"


def test_every_output_names_its_data_source(built):
    import pyarrow.parquet as pq

    res = built / "results"
    for p in res.rglob("*.csv"):
        df = pd.read_csv(p)
        assert df.columns[0] == "data_source" and set(df["data_source"]) == {"synthetic"}, p
    for p in res.rglob("*.parquet"):
        meta = pq.read_schema(p).metadata
        assert meta[b"scs_data_source"] == b"synthetic" and b"SYNTHETIC" in meta[b"scs_data_label"], p
    for p in list(res.rglob("*.md")) + list(res.rglob("*.html")) + list(res.rglob("*.tex")):
        assert "SYNTHETIC" in p.read_text(encoding="utf-8"), p
    for p in res.rglob("*.json"):
        text = p.read_text(encoding="utf-8")
        assert '"data_source": "synthetic"' in text or p.name == "text_sha256.json", p


def test_a_figure_setting_reruns_only_figures_and_what_reads_them(built, tmp_path):
    """After a full build, a new figures.dpi reruns the figure rules, the notebooks
    that show figures, and provenance; never cleaning, weights, indices or model fits."""
    work = clone_build(built, tmp_path / "w")
    text = (work / "config.yaml").read_text().replace("  dpi: 300", "  dpi: 150")
    (work / "config.yaml").write_text(text)
    proc = run_snakemake(work, extra=["-n"])
    jobs = job_table(proc.stdout)
    assert jobs, proc.stdout[-2000:]
    allowed = {"figures", "multiverse_figure", "notebooks",
               "provenance", "all"}
    assert jobs <= allowed, jobs
    assert "figures" in jobs


@pytest.mark.slow
def test_another_ci_level_reaches_every_interval_label_and_number(tmp_path):
    """estimates.ci_level: 0.9: every header, note, figure label and registry interval follows."""
    work = copy_project(tmp_path / "w")
    cfg = (work / "config.yaml").read_text().replace("  ci_level: 0.95", "  ci_level: 0.9")
    (work / "config.yaml").write_text(cfg)
    run_snakemake(work, "results/numbers.json", "results/figures/figure3_models.png",
                  "results/figures/figure1_surveillance.png", extra=FAST)
    res = work / "results"
    for p in res.rglob("*.md"):
        text = p.read_text()
        assert "95%" not in text, p
    for name in ("items/item_estimates.md", "models/robustness.md", "models/predicted.md", "reproduction.md"):
        assert "90% CI" in (res / name).read_text(), name
    reg = json.loads((res / "numbers.json").read_text())["numbers"]
    coefs = pd.read_csv(res / "models" / "coefficients.csv")
    r = coefs[(coefs.model == "M3") & (coefs.term == "ccp")].iloc[0]
    q = stats.t.ppf(0.95, r.df)
    # (released numbers carry 7 significant digits: a difference of two of them, to about 1e-6)
    assert r.ci_high - r.coef == pytest.approx(q * r.se, rel=1e-5)
    e = reg[f"models.{r.outcome}.M3.ccp.coef"]
    assert e["ci"][1] - e["value"] == pytest.approx(q * e["se"], rel=1e-5)
    pred = pd.read_csv(res / "models" / "predicted.csv")
    assert np.allclose(pred.ci_high - pred.predicted, stats.t.ppf(0.95, coefs.df.iloc[0]) * pred.se, rtol=1e-3)
