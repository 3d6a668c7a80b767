"""Raking with svy: margins, a hand-checkable example, replicates, clear failures."""

import copy

import numpy as np
import pandas as pd
import pytest

from scs import weights
from scs.errors import PipelineError
from conftest import ROOT


@pytest.fixture(scope="module")
def targets():
    return weights.load_targets(ROOT / "data" / "targets.csv")


@pytest.fixture(scope="module")
def cleaned():
    return pd.read_parquet(ROOT / "results" / "clean" / "clean.parquet")


@pytest.fixture(scope="module")
def raked(cleaned, targets, cfg):
    return weights.rake(cleaned, targets, cfg["weighting"])


def test_weighted_margins_equal_targets(raked, cleaned, targets, cfg):
    sample, _ = raked
    w = sample.data["weight"].to_numpy()
    m = weights.margins_table(cleaned, w, targets, cfg["weighting"]["variables"])
    assert np.abs(m["error"]).max() < 1e-6
    assert w.mean() == pytest.approx(1.0, abs=1e-12)
    trim = cfg["weighting"]["trim"]
    assert w.min() >= trim["lower"] * (1 - 1e-6) and w.max() <= trim["upper"] * (1 + 1e-6)
    # the panel is skewed: the unweighted sample misses the census by a lot
    assert np.abs(m["unweighted"] - m["target"]).max() > 0.1


def test_every_replicate_is_reraked_to_the_targets(raked, cleaned, targets, cfg):
    sample, _ = raked
    reps = weights.replicate_columns(sample)
    assert len(reps) == cfg["weighting"]["replicates"]["n"]
    assert weights.replicate_margin_error(sample, cleaned, targets, cfg["weighting"]["variables"]) < 1e-6
    R = sample.data.select(reps).to_numpy()
    # replicates differ from one another (they are bootstrap draws, not copies)
    assert np.std(R, axis=1).mean() > 0.05


def test_hand_checkable_raking():
    # one respondent per sex x age cell; independent targets => w_ij = n * p_i * q_j
    frame = pd.DataFrame({"response_id": list("abcd"), "sex": ["m", "m", "f", "f"], "age": ["y", "o", "y", "o"]})
    targets = pd.DataFrame({"variable": ["sex", "sex", "age", "age"], "category": ["m", "f", "y", "o"],
                            "share": [0.6, 0.4, 0.3, 0.7]})
    wcfg = {"variables": ["sex", "age"], "tol": 1e-12, "max_iter": 100, "replicates": {"n": 0}}
    sample, _ = weights.rake(frame, targets, wcfg, replicates=False)
    np.testing.assert_allclose(sample.data["weight"].to_numpy(), [0.72, 1.68, 0.48, 1.12], rtol=1e-9)


def test_kish_deff_formula():
    assert weights.kish_deff(np.ones(10)) == pytest.approx(1.0)
    assert weights.kish_deff(np.array([1.0, 3.0])) == pytest.approx(2 * 10 / 16)


def test_empty_target_category_is_a_clear_error(cleaned, targets, cfg):
    sub = cleaned[cleaned.region != "Northeast"]
    with pytest.raises(PipelineError, match=r"target category \['Northeast'\] of 'region' has no respondent"):
        weights.rake(sub, targets, cfg["weighting"], replicates=False)


def test_targets_not_summing_to_one_are_refused(tmp_path):
    text = (ROOT / "data" / "targets.csv").read_text().replace("age_group,60+,0.20", "age_group,60+,0.25")
    p = tmp_path / "t.csv"
    p.write_text(text)
    with pytest.raises(PipelineError, match=r"shares of 'age_group' sum to 1.050000"):
        weights.load_targets(p)


def test_raking_that_cannot_converge_is_a_clear_error(cleaned, targets, cfg):
    wcfg = copy.deepcopy(cfg["weighting"])
    wcfg["trim"] = {"lower": 0.9, "upper": 1.1, "max_iter": 20}
    with pytest.raises(PipelineError, match="raking failed"):
        weights.rake(cleaned, targets, wcfg, replicates=False)
