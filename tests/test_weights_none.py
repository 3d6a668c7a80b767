"""weighting.method: none — the supplied design weight as it is, with linearization and bootstrap SEs that
R's survey package gives for svydesign(ids = ~1, weights = ~w); a bad design weight stops with one line."""

import copy
import subprocess

import numpy as np
import pytest
from conftest import require_tool

from scs.errors import PipelineError
from scs.report import weight_tables
from scs.report.registry import Printed
from scs.settings import from_config
from scs.stages import pipeline, weights
from scs.survey.means import means


def none_settings(cfg, **weighting):
    c = copy.deepcopy(cfg)
    c["weighting"].update(method="none", variables=[], base_weight="w", **weighting)
    return from_config(c, file="config-none.yaml")


@pytest.fixture(scope="module")
def sample(stand_in):
    frame = stand_in.frame[["response_id", "surveillance", "punishment", "ccp", "sex"]].copy()
    frame["w"] = np.random.default_rng(7).gamma(2.0, 1.5, len(frame))
    return frame


def test_method_none_keeps_the_design_weight_and_makes_no_margins(cfg, sample, targets):
    s = none_settings(cfg, replicates={"n": 50, "seed": 3}, jackknife={"max_rows": 0})
    out = weights.run(sample, targets, s, key="response_id")
    w = sample["w"].to_numpy()
    np.testing.assert_allclose(out["weights"]["weight"], w / w.mean(), rtol=1e-15)
    assert out["margins"].empty and out["record"]["method"] == "none" and out["record"]["plan"]["margins"] == []
    md = weight_tables.diagnostics_markdown(out["margins"], out["summary"], out["record"], s,
                                            Printed(out.numbers["diagnostics"], min_cell=10))
    assert "no calibration" in md and "None: the weights are not calibrated" in md and "Bounds" not in md
    reps = out["weights"].filter(like="rep_").to_numpy()
    assert reps.shape == (len(sample), 50) and (reps[w > 0].std(axis=1) > 0).all()


def test_method_none_needs_no_margins_but_the_calibrating_methods_do(cfg):
    c = copy.deepcopy(cfg)
    c["weighting"]["variables"] = []
    from scs.config import check_consistency

    with pytest.raises(PipelineError, match="weighting.variables: method 'bounded_raking' calibrates to margins"):
        check_consistency(c)
    c["weighting"]["method"] = "none"
    check_consistency(c)


@pytest.mark.parametrize("bad", [0.0, np.nan, -1.0])
def test_a_design_weight_that_is_missing_zero_or_negative_is_one_line(cfg, sample, targets, bad):
    frame = sample.copy()
    frame.loc[5, "w"] = bad
    with pytest.raises(PipelineError) as err:
        weights.run(frame, targets, none_settings(cfg), key="response_id")
    msg = str(err.value)
    assert msg.startswith("config-none.yaml") and "1 respondent(s), the first in row 6" in msg and "'w'" in msg
    assert "\n" not in msg


def test_method_none_estimates_and_ses_equal_r(cfg, sample, targets, tmp_path):
    rscript = require_tool("Rscript", "R", "apt-get install r-base-core r-cran-survey")
    s = none_settings(cfg, replicates={"n": 0, "seed": 1}, jackknife={"max_rows": 0})
    out = weights.run(sample, targets, s, key="response_id")
    wt = pipeline.Weighted(frame=sample, result=out["weighting"], record=out["record"])
    design = wt.design(replicates=False, variance="linearization")
    ys = ["surveillance", "punishment"]
    est = means(design, sample[ys].to_numpy(float), ys)
    sample.to_csv(tmp_path / "d.csv", index=False)
    r = subprocess.run([rscript, "-e", f"""
        suppressPackageStartupMessages(library(survey))
        d <- read.csv("{tmp_path / 'd.csv'}")
        des <- svydesign(ids = ~1, weights = ~w, data = d)
        for (y in c("surveillance", "punishment")) {{
          m <- svymean(reformulate(y), des, na.rm = TRUE)
          cat(y, sprintf("%.15g", coef(m)), sprintf("%.15g", SE(m)), "\\n")
        }}"""], capture_output=True, text=True, check=True)
    got = {line.split()[0]: (float(line.split()[1]), float(line.split()[2])) for line in r.stdout.strip().splitlines()}
    assert design.calib is None and est.method == "linearization"
    for j, y in enumerate(ys):
        assert float(est.est[j]) == pytest.approx(got[y][0], rel=1e-10), y
        assert float(est.se[j]) == pytest.approx(got[y][1], rel=1e-8), y


def test_the_variance_note_says_why_there_are_no_replicates(cfg, settings):
    s = none_settings(cfg, replicates={"n": 0, "seed": 1}, jackknife={"max_rows": 0})
    assert weights.variance_note(100, s.weighting) == "linearization SEs only (no replicates configured)"
    note = weights.variance_note(10 ** 6, settings.weighting)
    assert "more respondents than weighting.jackknife.max_rows" in note and "replicates.max_rows" in note
