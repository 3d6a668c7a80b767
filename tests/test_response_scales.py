"""Each scale on its own response scale: reversal within its own codes, the agreement shares of its own codes,
the table's words and the answer distribution's codes; the configuration's response_scale is the default."""

import copy

import numpy as np
import pandas as pd
import pytest

from scs.errors import PipelineError
from scs.report import item_tables
from scs.report.registry import Printed
from scs.settings import from_config
from scs.stages import indices, items
from scs.survey.design import unweighted

AGREE4 = {"labels": {1: "Strongly disagree", 2: "Disagree", 3: "Agree", 4: "Strongly agree"},
          "support": [3, 4], "oppose": [1, 2], "agree": "agree", "disagree": "disagree"}
ELEVEN = {"labels": {0: "Never", 10: "Always"}, "support": [6, 7, 8, 9, 10], "oppose": [0, 1, 2, 3, 4]}


def two_scale_config(cfg):
    c = copy.deepcopy(cfg)
    c["batteries"] = ["four", "eleven"]
    c["models"]["outcomes"] = ["four", "eleven"]
    c["scales"] = {
        "four": {"label": "Four-point index", "min_answered": 1, "response_scale": AGREE4,
                 "items": [{"var": "a1", "label": "A one"}, {"var": "a2", "label": "A two", "reverse": True}]},
        "eleven": {"label": "Eleven-point index", "min_answered": 1, "response_scale": ELEVEN,
                   "items": [{"var": "b1", "label": "B one"}, {"var": "b2", "label": "B two"}]},
    }
    return c


@pytest.fixture
def frame():
    return pd.DataFrame({"a1": [1, 2, 3, 4, 4, 3], "a2": [4, 3, 2, 1, 1, 2], "b1": [0, 5, 10, 7, 3, 10],
                         "b2": [10, 5, 0, 6, 4, 10]}).astype("Int64")


def test_each_scale_reverses_within_its_own_codes(cfg, frame):
    s = from_config(two_scale_config(cfg))
    out = indices.add_indices(frame, s)
    # a2 reversed on 1-4 is 5 - x: equal to a1 here, so the index is a1
    np.testing.assert_allclose(out["four"].to_numpy(float), frame["a1"].to_numpy(float))
    np.testing.assert_allclose(out["eleven"].to_numpy(float), (frame["b1"] + frame["b2"]).to_numpy(float) / 2)
    assert s.response_scale_of("four").middle == 2.5 and s.response_scale_of("eleven").middle == 5.0


def test_agreement_shares_and_distribution_follow_each_scales_codes(cfg, frame):
    s = from_config(two_scale_config(cfg))
    data = indices.add_indices(frame, s)
    est = items.item_estimates(unweighted(len(data)), data, s).set_index("var")
    assert est.loc["a1", "pct_support"] == pytest.approx(100 * 4 / 6)      # codes 3, 4 of 1-4
    assert est.loc["b1", "pct_support"] == pytest.approx(100 * 3 / 6)      # codes 6-10 of 0-10: 10, 7, 10
    assert est.loc["b1", "pct_oppose"] == pytest.approx(100 * 2 / 6)       # 0, 3
    dist = items.item_distribution(unweighted(len(data)), data, s)
    assert set(dist[dist["var"] == "b1"].answer) == {"0", "10", "dk"}
    assert set(dist[dist["var"] == "a1"].answer) == {"1", "2", "3", "4", "dk"}
    md = item_tables.estimates_markdown(est.reset_index(), s, Printed(items.estimate_numbers(est.reset_index(), 1)))
    assert "% agree = codes 3, 4; % disagree = codes 1, 2." in md and "| % agree | % disagree |" in md
    assert "% support = codes 6, 7, 8, 9, 10; % oppose = codes 0, 1, 2, 3, 4." in md


def test_a_scale_without_its_own_response_scale_uses_the_configurations(settings):
    assert settings.response_scale_of("surveillance") is settings.response_scale
    assert settings.response_scale.agree == "support" and settings.response_scale.middle == 3.0


def test_agreement_codes_outside_the_labels_are_one_line(cfg):
    from scs.config import check_consistency

    c = two_scale_config(cfg)
    c["scales"]["four"]["response_scale"] = {**AGREE4, "support": [4, 5]}
    with pytest.raises(PipelineError, match=r"scales.four.response_scale: support/oppose code\(s\) \[5\]"):
        check_consistency(c)


def test_answers_outside_the_response_scale_stop_with_one_line(cfg, frame):
    """A 7-point item under a 5-point scale (or an undeclared "refused" code) would be averaged and shared out
    on the wrong scale: the index stops, naming the scale, the item, the codes and their counts."""
    s = from_config(two_scale_config(cfg))
    bad = frame.copy()
    bad.loc[bad.index[:3], "a1"] = 7
    bad.loc[bad.index[3], "a1"] = 8
    with pytest.raises(PipelineError, match=r"scale 'four': item 'a1' has answer code\(s\) 7 \(3 respondents\), "
                                            r"8 \(1 respondent\) outside its response scale \(1 to 4\)"):
        indices.add_indices(bad, s)
    fine = frame.copy()
    fine.loc[fine.index[:3], "b1"] = 5  # an unlabeled code between the two labelled ends of 0-10
    indices.add_indices(fine, s)
