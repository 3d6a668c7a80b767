"""The stored design (weights.parquet, jackknife.parquet, design.json) as the later stages read it back.

Every estimation stage rebuilds the design from these files; the replicate weights it rebuilds must meet
the margins they were calibrated to. These tests read the files a build wrote, not objects in memory.
"""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import clone_build, run_snakemake

from scs.errors import PipelineError
from scs.stages import stored_design, weight_plan


def stored(results):
    frame = pd.read_parquet(results / "indices" / "analysis.parquet")
    w = pd.read_parquet(results / "weights" / "weights.parquet")
    jk = pd.read_parquet(results / "weights" / "jackknife.parquet")
    record = json.loads((results / "weights" / "design.json").read_text())
    return frame, w, jk, record


def shares_missed(W: np.ndarray, frame: pd.DataFrame, record: dict) -> float:
    """The largest |weighted share - target share| over the columns of W and every margin category of
    design.json, computed here from the categories themselves (no model matrix)."""
    W = np.asarray(W, dtype=float).reshape(len(frame), -1)
    worst = 0.0
    for m in record["plan"]["margins"]:
        x = frame[m["variable"]].astype(str).to_numpy()
        for cat, share in zip(m["categories"], m["shares"]):
            members = m.get("members", {}).get(cat, [cat])
            inside = np.isin(x, members)
            worst = max(worst, float(np.max(np.abs(W[inside].sum(axis=0) / W.sum(axis=0) - share))))
    return worst


@pytest.mark.parametrize("weight", [stored_design.WEIGHT, stored_design.UNBOUNDED])
def test_every_replicate_read_back_from_the_files_meets_its_margins(estimates_build, weight):
    frame, w, jk, record = stored(estimates_build / "results")
    design = stored_design.load_design(frame, w, record, weight=weight, jackknife=jk, variance="jackknife", check=False)
    assert design.jackknife is not None and design.jackknife.shape == (len(frame), len(frame))
    assert shares_missed(design.weight, frame, record) < 1e-9
    assert shares_missed(design.jackknife, frame, record) < 1e-9
    if weight == stored_design.WEIGHT:
        assert design.replicates.shape[1] == record["replicates"]["n"] == 500
        assert shares_missed(design.replicates, frame, record) < 1e-9  # one plan for every replicate here
        assert len(record["replicates"]["plans"]) == 1


def test_jackknife_columns_are_named_by_method_margin_and_category(estimates_build):
    _, _, jk, record = stored(estimates_build / "results")
    plan = weight_plan.Plan.from_json(record["plan"])
    terms = plan.terms()
    assert terms[0] == "(Intercept)" and len(terms) == 1 + sum(len(m["categories"]) - 1 for m in record["plan"]["margins"])
    assert all(t.split("=")[0] in record["variables"] for t in terms[1:])
    assert sorted(jk.columns) == sorted(f"{m}:{t}" for m in ("bounded_raking", "raking") for t in terms)


def test_margin_order_survives_a_json_writer_that_sorts_keys():
    plan = weight_plan.Plan(levels={"z": ["b", "a"], "a": ["y", "x", "w"]},
                        shares={"z": {"b": 0.4, "a": 0.6}, "a": {"y": 0.2, "x": 0.3, "w": 0.5}}, lower=0.2, upper=5)
    back = weight_plan.Plan.from_json(json.loads(json.dumps(plan.to_json(), sort_keys=True)))
    assert list(back.levels) == ["z", "a"] and back.levels["a"] == ["y", "x", "w"]
    assert back.terms() == ["(Intercept)", "z=a", "a=x", "a=w"] == plan.terms()
    assert back.shares == plan.shares


def test_a_design_json_of_the_old_layout_is_refused_with_one_line():
    with pytest.raises(PipelineError, match="older version"):
        weight_plan.Plan.from_json({"levels": {"a": ["x", "y"]}, "shares": {}, "lower": 0.2, "upper": 5})


def test_multipliers_read_in_the_wrong_order_stop_the_design(estimates_build):
    """Two columns of jackknife.parquet exchanged (what reading by position did): the replicates miss their
    margins, and loading the design stops with one line instead of reporting wrong SEs."""
    frame, w, jk, record = stored(estimates_build / "results")
    a = next(c for c in jk.columns if c.startswith("bounded_raking:sex="))
    b = next(c for c in jk.columns if c.startswith("bounded_raking:region="))
    swapped = jk.rename(columns={a: b, b: a})
    with pytest.raises(PipelineError, match="does not reproduce its own margins: jackknife") as exc:
        stored_design.load_design(frame, w, record, jackknife=swapped, variance="jackknife")
    assert "\n" not in str(exc.value)


def test_multipliers_of_other_margins_are_refused(estimates_build):
    frame, w, jk, record = stored(estimates_build / "results")
    other = jk.drop(columns=[c for c in jk.columns if c.startswith("bounded_raking:region=")])
    with pytest.raises(PipelineError, match="other margins than design.json"):
        stored_design.load_design(frame, w, record, jackknife=other, variance="jackknife")


def test_a_bootstrap_replicate_off_its_margins_stops_the_design(estimates_build):
    frame, w, jk, record = stored(estimates_build / "results")
    bad = w.copy()
    men = (frame["sex"] == frame["sex"].iloc[0]).to_numpy()
    bad.loc[men, "rep_17"] *= 1.5
    with pytest.raises(PipelineError, match="bootstrap replicate 17 misses"):
        stored_design.load_design(frame, bad, record, jackknife=jk)


def test_a_stage_reading_mismatched_files_stops_with_one_line(estimates_build, tmp_path):
    """Through Snakemake: jackknife.parquet from another order reaches the regressions rule, which stops
    with one ERROR line that names design.json (and writes no table)."""
    work = clone_build(estimates_build, tmp_path / "w")
    path = work / "results" / "weights" / "jackknife.parquet"
    jk = pd.read_parquet(path)
    cols = list(jk.columns)
    order = cols[:1] + cols[1:][::-1]
    renamed = jk.copy()
    renamed.columns = order
    renamed.to_parquet(path)
    shutil.rmtree(work / "results" / "models", ignore_errors=True)
    proc = run_snakemake(work, "results/models/coefficients.csv", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    errors = [line for line in out.splitlines() if line.startswith("ERROR")]
    assert errors and "does not reproduce its own margins" in errors[0] and "design.json" in errors[0], out[-2000:]
    assert not (work / "results" / "models" / "coefficients.csv").exists()


def test_any_key_column_kept_as_it_is(stand_in, tmp_path):
    """The key is the codebook's (any name); integer ids stay integers in weights.parquet and the design is
    read back from the files with them; another order of respondents stops with one line."""
    frame = stand_in.frame.copy()
    old = stand_in.record["key"]
    frame.insert(0, "caseid", np.arange(1, len(frame) + 1, dtype=np.int64) * 7)
    frame = frame.drop(columns=[old])
    record = {**stand_in.record, "key": "caseid"}
    stored_w = stored_design.weights_frame(frame["caseid"], stand_in.result)
    assert stored_w.columns[0] == "caseid" and stored_w["caseid"].dtype == np.int64
    stored_w.to_parquet(tmp_path / "w.parquet")
    back = pd.read_parquet(tmp_path / "w.parquet")
    assert back["caseid"].tolist() == frame["caseid"].tolist()
    design = stored_design.load_design(frame, back, record, replicates=False)
    ours = stored_design.load_design(stand_in.frame, stored_design.weights_frame(stand_in.frame[old], stand_in.result),
                               stand_in.record, replicates=False)
    assert np.array_equal(design.weight, ours.weight)
    with pytest.raises(PipelineError, match="other respondents"):
        stored_design.load_design(frame.iloc[::-1].reset_index(drop=True), back, record, replicates=False)
    with pytest.raises(PipelineError, match="names the key column 'respondent'"):
        stored_design.load_design(frame, back, {**record, "key": "respondent"}, replicates=False)
