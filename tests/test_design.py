"""The sampling design (config ``design``): without strata and PSUs exactly today's design (ids = ~1, JK1); a
design's strata and PSUs checked with one line per problem; what the weights rule stores for it read back to the
same design. The SEs against R: tests/test_design_r.py."""

import numpy as np
import pandas as pd
import pytest

from scs import settings
from scs.errors import PipelineError
from scs.stages import pipeline, stored_design, weights
from scs.survey import means
from scs.survey.design import Clusters, Design, LonelyPSU, rao_wu_multipliers

YS = ["surveillance", "punishment", "trust"]


def small(s, method=None, **design):
    ws = settings.replace(s.weighting, {"replicates": {"n": 20}, **({"method": method} if method else {})})
    return settings.replace(s, weighting=ws, design=design) if design else settings.replace(s, weighting=ws)


@pytest.fixture(scope="module")
def frame(stand_in):
    return stand_in.frame


def run(frame, targets, s):
    out = weights.run(frame, targets, s, key="response_id")
    return out, pipeline.Weighted(frame=frame, result=out["weighting"], record=out["record"])


def test_no_strata_and_no_psus_is_todays_design_exactly(frame, targets, settings):
    default, _ = run(frame, targets, small(settings))
    named, _ = run(frame, targets, small(settings, strata=None, psu=None, nest=False, lonely_psu="adjust"))
    assert default["record"] == named["record"] and "design" not in named["record"]
    pd.testing.assert_frame_equal(default["weights"], named["weights"], check_exact=True)
    pd.testing.assert_frame_equal(default["jackknife"], named["jackknife"], check_exact=True)
    assert list(named["weights"].columns[:4]) == ["response_id", "weight", "base_weight", "weight_unbounded"]


def test_each_respondent_its_own_psu_is_the_delete_one_jackknife(frame, targets, settings):
    """psu = the key: the cluster jackknife of one-respondent PSUs in one stratum is JK1, the Rao-Wu bootstrap of
    the PSUs the respondents' (same seed), and the linearization today's n/(n-1) (to rounding)."""
    jk1, w1 = run(frame, targets, small(settings))
    jkn, wn = run(frame, targets, small(settings, psu="response_id"))
    assert jkn["record"]["design"]["n_psu"] == len(frame) and jkn["record"]["jackknife"]["type"] == "JK1"
    np.testing.assert_array_equal(jkn["weights"].filter(like="rep_").to_numpy(), jk1["weights"].filter(like="rep_"))
    d1, dn = w1.design(variance="jackknife"), wn.design(variance="jackknife")
    np.testing.assert_allclose(dn.jackknife, d1.jackknife, rtol=1e-12, atol=1e-15)
    Y = frame[YS].to_numpy(float)
    e1, en = means.means(d1, Y, YS), means.means(dn, Y, YS)
    np.testing.assert_allclose(en.se_reps["jackknife"], e1.se_reps["jackknife"], rtol=1e-10)
    np.testing.assert_allclose(en.se_lin, e1.se_lin, rtol=1e-10)
    np.testing.assert_array_equal(en.df, e1.df)


def test_clusters_of_one_stratum_of_single_units_reproduce_the_respondent_bootstrap():
    np.testing.assert_array_equal(Clusters.of(None, None, 9).rao_wu(7, 5), rao_wu_multipliers(9, 7, 5))


def test_psus_are_nested_in_strata_and_numbered_as_r_does():
    c = Clusters.of(np.array(["b", "b", "a", "a", "a"]), np.array([1, 2, 1, 1, 2]), 5)
    assert c.stratum_labels == ["b", "a"] and c.psu_labels == [1, 2, 1, 2]
    np.testing.assert_array_equal(c.psu, [0, 1, 2, 2, 3])
    left, mult, rscales = c.jackknife()
    np.testing.assert_array_equal(left, [0, 1, 2, 3])
    np.testing.assert_array_equal(mult[:, 0], [0, 2, 1, 1])
    np.testing.assert_array_equal(rscales, [0.5] * 4)
    boot = c.rao_wu(50, 1)
    assert (boot[2] == boot[3]).all() and np.allclose(boot[:2].sum(axis=0), 2)  # a stratum's multipliers sum to n_h
    lonely = Clusters.of(np.array(["a", "a", "b"]), np.array([1, 2, 3]), 3)
    with pytest.raises(LonelyPSU):
        lonely.vcov(np.ones((3, 1)))
    assert lonely.vcov(np.array([[1.0], [3.0], [5.0]]), "certainty")[0, 0] == pytest.approx(2 * 2.0)
    assert lonely.vcov(np.array([[1.0], [3.0], [5.0]]), "adjust")[0, 0] == pytest.approx(2 * 2.0 + 25.0)
    with pytest.raises(LonelyPSU):
        Design(weight=np.ones(3), strata=np.array(["a", "a", "b"]), psu=np.array([1, 2, 3])).vcov(np.ones(3))


def one_line(err) -> str:
    msg = str(err.value)
    assert "\n" not in msg
    return msg


def test_a_stratum_with_one_psu_stops_with_one_line_unless_allowed(frame, targets, settings):
    f = frame.copy()
    f["stratum"] = np.where(f["province"] == 11, "Beijing", f["region"])
    with pytest.raises(PipelineError) as err:
        weights.run(f, targets, small(settings, strata="stratum", psu="province"), key="response_id")
    msg = one_line(err)
    assert "stratum 'Beijing' of 'stratum' (design.strata) has a single PSU (province)" in msg
    assert "lonely_psu: certainty or adjust" in msg
    out = weights.run(f, targets, small(settings, strata="stratum", psu="province", lonely_psu="certainty"),
                      key="response_id")
    assert out["record"]["design"]["single_psu_strata"] == ["Beijing"]
    assert out["record"]["jackknife"]["n"] == out["record"]["design"]["n_psu"] - 1  # no replicate for it


def test_a_missing_or_unknown_design_variable_stops_with_one_line(frame, targets, settings):
    f = frame.copy()
    f.loc[f.index[3], "province"] = np.nan
    with pytest.raises(PipelineError) as err:
        weights.run(f, targets, small(settings, psu="province"), key="response_id")
    assert "'province' (design.psu) is missing for 1 respondent(s), the first in row 4" in one_line(err)
    with pytest.raises(PipelineError) as err:
        weights.run(frame, targets, small(settings, strata="stratum_x"), key="response_id")
    assert "'stratum_x' (design.strata) is not in the cleaned data" in one_line(err)


def test_psu_codes_repeated_across_strata_need_nest(frame, targets, settings):
    f = frame.copy()
    f["psu_in_region"] = f.groupby("region")["province"].rank(method="dense").astype(int)
    with pytest.raises(PipelineError) as err:
        weights.run(f, targets, small(settings, strata="region", psu="psu_in_region", nest=False), key="response_id")
    assert "design.nest is false" in one_line(err)
    nested, _ = run(f, targets, small(settings, strata="region", psu="psu_in_region"))
    by_province, _ = run(f, targets, small(settings, strata="region", psu="province"))
    assert nested["record"]["design"]["n_psu"] == by_province["record"]["design"]["n_psu"] == 31


@pytest.mark.parametrize("method", ["bounded_raking", "none"])
def test_the_stored_design_is_read_back_from_its_files(frame, targets, settings, tmp_path, method):
    s = small(settings, method, strata="region", psu="province")
    out, wt = run(frame, targets, s)
    for name in ("weights", "jackknife"):
        out[name].to_parquet(tmp_path / f"{name}.parquet")
    stored = pd.read_parquet(tmp_path / "weights.parquet")
    jk = pd.read_parquet(tmp_path / "jackknife.parquet")
    assert list(jk.columns[:2]) == [stored_design.LEFT_STRATUM, stored_design.LEFT_PSU] and len(jk) == 31
    assert {stored_design.STRATUM, stored_design.PSU} <= set(stored.columns)
    back = stored_design.load_design(frame, stored, out["record"], jackknife=jk, variance="jackknife")
    mem = wt.design(variance="jackknife")
    Y = frame[YS].to_numpy(float)
    a, b = means.means(back, Y, YS), means.means(mem, Y, YS)
    for kind in ("jackknife", "bootstrap"):
        np.testing.assert_array_equal(a.se_reps[kind], b.se_reps[kind])
    np.testing.assert_array_equal(a.se_lin, b.se_lin)
    assert (a.df == 27).all() and back.jackknife.shape[1] == 31
    boot = stored.filter(like="rep_").to_numpy()  # the bootstrap resamples PSUs: a PSU is in or out as a whole
    psu = stored[stored_design.PSU].to_numpy()
    for p in np.unique(psu):
        out_of_resample = boot[psu == p] == 0
        assert (out_of_resample == out_of_resample[0]).all()
    shuffled = jk.iloc[::-1].reset_index(drop=True)
    with pytest.raises(PipelineError, match="jackknife.parquet lists other PSUs"):
        stored_design.load_design(frame, stored, out["record"], jackknife=shuffled, variance="jackknife")


def test_the_unweighted_variant_keeps_the_strata_and_psus(frame, targets, settings):
    """The robustness table's unweighted fit: equal weights in the same design (R: svydesign(ids = ~psu, strata =
    ~strata, weights = ~1) and its JKn replicates): the design of weighting.method none without a base weight."""
    from scs.survey.design import unweighted

    out, wt = run(frame, targets, small(settings, "none", strata="region", psu="province"))
    none = wt.design(variance="jackknife", replicates=True)
    eq = unweighted(len(frame), variance="jackknife", strata=none.strata, psu=none.psu)
    Y = frame[YS].to_numpy(float)
    a, b = means.means(eq, Y, YS), means.means(none, Y, YS)
    np.testing.assert_allclose(a.se_reps["jackknife"], b.se_reps["jackknife"], rtol=1e-12)
    np.testing.assert_allclose(a.se_lin, b.se_lin, rtol=1e-12)
    np.testing.assert_array_equal(a.df, b.df)


def test_the_tables_name_the_jackknife_and_bootstrap_of_the_design(settings):
    """Notes and captions say which replication the SEs are: respondents or PSUs, within strata or not, with
    or without calibration."""
    from scs import settings as settings_mod
    from scs.report.tables import se_of, se_phrase

    assert se_of("jackknife", settings) == "design-based (delete-one jackknife, every replicate calibrated again)"
    clustered = settings_mod.replace(settings, design={"strata": "region", "psu": "province"})
    assert se_of("jackknife", clustered) == ("design-based (jackknife (JKn: each replicate leaves out one PSU of a "
                                             "stratum), every replicate calibrated again)")
    assert se_of("bootstrap", clustered) == ("design-based (bootstrap (Rao-Wu) of the PSUs within strata, every "
                                             "replicate calibrated again)")
    assert se_of("linearization", clustered) == ("design-based (linearization that accounts for the calibration "
                                                 "and the strata and PSUs)")
    psu_only = settings_mod.replace(settings, design={"strata": None, "psu": "province"},
                                    weighting=settings_mod.replace(settings.weighting, {"method": "none"}))
    assert se_of("jackknife", psu_only) == "design-based (jackknife (JK1: each replicate leaves out one PSU))"
    assert se_of("linearization", psu_only) == "design-based (linearization and the PSUs)"
    assert se_phrase("bootstrap", None, calibrated=False) == "design-based (bootstrap (Rao-Wu) of the respondents)"
