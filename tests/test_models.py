"""The formula language, estimation samples, and the models on the shipped stand-in (run by the code)."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from scs.errors import PipelineError
from scs.settings import replace
from scs.stages import models
from scs.survey import formula


def test_parse_formula_terms():
    terms = formula.parse_formula("ccp + log(income_k) + C(region, ref=East) + C(sex)")
    assert [(t.kind, t.var, t.ref) for t in terms] == [("num", "ccp", None), ("log", "income_k", None),
                                                       ("cat", "region", "East"), ("cat", "sex", None)]
    with pytest.raises(PipelineError, match="cannot read the formula term"):
        formula.parse_formula("ccp * trust")


def test_model_matrix_dummies_missing_values_and_clear_errors():
    f = pd.DataFrame({"region": ["East", "West", "Central", None], "x": [1.0, 2.0, np.nan, 4.0]})
    X = formula.model_matrix(f, formula.parse_formula("x + C(region, ref=East)"))
    assert list(X.columns) == ["x", "region[Central]", "region[West]"]
    assert X["region[West]"].tolist()[:3] == [0, 1, 0] and np.isnan(X["region[West]"].iloc[3])
    with pytest.raises(PipelineError, match="names variable 'nope'"):
        formula.model_matrix(f, formula.parse_formula("nope"))
    with pytest.raises(PipelineError, match="reference level 'North'"):
        formula.model_matrix(f, formula.parse_formula("C(region, ref=North)"))
    with pytest.raises(PipelineError, match="has no values"):
        formula.model_matrix(f.assign(x=np.nan), formula.parse_formula("x"))


def test_nested_models_share_one_sample_unless_configured_otherwise(stand_in, settings):
    frame = stand_in.frame
    mats = models.matrices(frame, settings)
    masks = models.samples(frame, settings, mats)
    y = settings.models.outcomes[0]
    ns = {m: int(masks[(y, m)].sum()) for m in settings.models.formulas}
    assert len(set(ns.values())) == 1  # M1-M3 on one sample
    # income refusals are in the data: the common sample is smaller than M1's complete cases
    c = replace(settings, models=replace(settings.models, common_sample=False))
    own = models.samples(frame, c, mats)
    assert own[(y, "M1")].sum() > own[(y, "M3")].sum() == ns["M3"]
    table = models.samples_table(frame, settings, masks)
    row = table[(table.outcome == y) & (table.model == "M3")].iloc[0]
    assert row.missing_income_k > 0 and row.n == ns["M3"] < row.n_analytic


def test_full_model_cis_cover_the_generators_true_coefficients(stand_in, settings):
    """The stand-in's population least-squares coefficients (truth.json) against the survey estimates,
    computed here from the shipped raw file by the pipeline's functions."""
    truth = json.loads((ROOT / "data" / "synthetic" / "truth.json").read_text())["index_coefficients"]
    des = stand_in.design(variance="jackknife")
    mats = models.matrices(stand_in.frame, settings)
    coefs, _ = models.fit(des, stand_in.frame, settings, mats, models.samples(stand_in.frame, settings, mats),
                          models=[settings.models.full])
    full = coefs.set_index(["outcome", "term"])
    for y in settings.models.outcomes:
        for t in ("ccp", "trust"):
            r = full.loc[(y, t)]
            assert r.ci_low <= truth[y][settings.models.full][t] <= r.ci_high, (y, t)
            assert r.variance == "jackknife"
        assert full.loc[(y, "ccp"), "coef"] < 0 < full.loc[(y, "trust"), "coef"]


def test_predictive_margins_cover_both_levels_with_intervals(stand_in, settings):
    des = stand_in.design(variance="jackknife")
    mats = models.matrices(stand_in.frame, settings)
    masks = models.samples(stand_in.frame, settings, mats)
    _, fits = models.fit(des, stand_in.frame, settings, mats, masks)
    pred = models.predicted(des, stand_in.frame, settings, mats, fits)
    assert list(pred.level) == list(settings.models.predict.levels) * len(settings.models.outcomes)
    assert (pred.ci_low < pred.predicted).all() and (pred.predicted < pred.ci_high).all()
    assert {"se_linearization", "se_jackknife", "se_bootstrap"} <= set(pred.columns)


def test_a_model_that_cannot_be_estimated_stops_with_one_line(stand_in, settings):
    """An outcome nobody has (a battery answered "don't know" by everyone) or a covariate that does not vary
    in the sample: one line that says which model and why, not a linear-algebra error."""
    frame = stand_in.frame.copy()
    design = stand_in.design(replicates=False)
    frame["surveillance"] = np.nan
    mats = models.matrices(frame, settings)
    with pytest.raises(PipelineError, match=r"model surveillance ~ M1: 0 respondent\(s\) have the outcome and every "
                                            r"covariate, too few for \d+ coefficients"):
        models.fit(design, frame, settings, mats, models.samples(frame, settings, mats), replicates=False)
    frame = stand_in.frame.copy()
    frame["ccp"] = 1.0
    mats = models.matrices(frame, settings)
    with pytest.raises(PipelineError, match=r"model surveillance ~ M1: the terms cannot all be estimated in its "
                                            r"sample of \d+: ccp \(always 1\) does not vary"):
        models.fit(design, frame, settings, mats, models.samples(frame, settings, mats), replicates=False)


def test_an_ordered_logit_with_a_covariate_that_does_not_vary_says_so_in_its_row(stand_in, settings):
    """The ordered logits run beside the regressions (which stop on such a covariate): each item's row says why
    it has no fit instead of a linear-algebra error."""
    frame = stand_in.frame.copy()
    frame["urban_hukou"] = 0
    ol = models.ordered_logits(stand_in.design(replicates=False), frame, settings)
    n_items = sum(len(settings.scales[b].items) for b in settings.batteries)
    assert len(ol) == n_items and set(ol.term) == {"(none)"}
    assert set(ol.label) == {"not estimable: urban_hukou (always 0) does not vary"}
    assert (ol.n > 1000).all()
