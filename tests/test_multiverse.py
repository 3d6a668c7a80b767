"""The multiverse: the specification grid, estimates identical to the pipeline's own fits, the null
draws, the joint test, and its p-values under a true null."""

import copy

import numpy as np
import pandas as pd
import pytest

from scs.errors import PipelineError
from scs.report import shown
from scs.settings import from_config as S
from scs.stages import models, multiverse, multiverse_grid
from scs.survey import regression
from scs.survey.design import Design


def small(cfg, **over):
    """A small multiverse on the configured one: few options, few draws."""
    c = copy.deepcopy(cfg)
    m = c["multiverse"]
    m["exclusions"] = {"speeder": {"default": "300 s", "options": {"300 s": {}, "400 s": {"speeder": {"min": 400}}}}}
    m["weights"]["options"] = {"none": None, "bounded raking 0.2-5": {}}
    m["index"]["options"] = {"as configured": {}, "without assumed items": {"drop": "assumed"}}
    m["constraints"] = []
    m["null_draws"] = 99
    m.update(over)
    return c


def test_the_grid_is_the_product_minus_the_constraints(cfg):
    u = multiverse.universe(S(cfg))
    s = u.specs
    assert s["spec_id"].tolist() == list(range(1, len(s) + 1))
    assert len(s) >= 500
    # every non-default index option comes with the configured exclusions and weights only
    odd = s[s["index"] != "as configured"]
    assert (odd["speeder"] == "300 s").all() and (odd["weights"] == "bounded raking 0.2-5").all()
    full = s[s["index"] == "as configured"]
    n_excl = np.prod([len(v["options"]) for v in cfg["multiverse"]["exclusions"].values()])
    per_outcome = n_excl * 4 * 3 * 3
    assert len(full) == 2 * per_outcome
    # leave-one-out makes one option per item of each outcome's own scale
    for y in cfg["multiverse"]["outcomes"]:
        drops = {o for o in s.loc[s["outcome"] == y, "index"] if o.startswith("without ") and o != "without assumed items"}
        assert drops == {f"without {it['var']}" for it in cfg["scales"][y]["items"]}
    assert not s.duplicated(subset=u.dims).any()


def test_a_default_outside_the_options_is_an_error(cfg):
    c = copy.deepcopy(cfg)
    c["multiverse"]["weights"]["default"] = "no such weights"
    with pytest.raises(PipelineError, match="not one of its options"):
        multiverse.universe(S(c))


def test_assumed_items_must_be_items_of_the_scales(cfg):
    c = copy.deepcopy(cfg)
    c["multiverse"]["assumed_items"] = ["no_such_item"]
    with pytest.raises(PipelineError, match="assumed_items"):
        multiverse.universe(S(c))
    c["multiverse"]["assumed_items"] = []  # then no scale has a variant without them
    assert "without assumed items" not in set(multiverse.universe(S(c)).specs["index"])


def test_negated_constraints():
    assert multiverse_grid._matches("a", "!b") and not multiverse_grid._matches("b", "!b")
    assert multiverse_grid._matches("a", ["a", "c"]) and not multiverse_grid._matches("b", ["a", "c"])


def test_index_options_use_the_scale_function(cfg, stand_in):
    frame = stand_in.frame
    y = "surveillance"
    same = multiverse.index_values(frame, S(cfg), y, multiverse.Option("index", "as configured", {}))
    np.testing.assert_array_equal(np.isnan(same), frame[y].isna().to_numpy())
    np.testing.assert_allclose(same[~np.isnan(same)], frame[y].dropna().to_numpy(float))
    strict = multiverse.index_values(frame, S(cfg), y, multiverse.Option("index", "all", {"min_answered": "all"}))
    assert np.isnan(strict).sum() >= np.isnan(same).sum()
    one_out = multiverse.index_values(frame, S(cfg), y, multiverse.Option("index", "w/o", {"drop": ["s_jobs"]}))
    items = [it["var"] for it in cfg["scales"][y]["items"] if it["var"] != "s_jobs"]
    full_rows = frame[items].notna().all(axis=1).to_numpy()
    np.testing.assert_allclose(one_out[full_rows], frame.loc[full_rows, items].astype(float).mean(axis=1).to_numpy())


@pytest.fixture(scope="module")
def configured_group(cfg, shipped_frame, codebook, targets):
    u = multiverse.universe(S(cfg))
    ids = [multiverse.default_spec(u, y) for y in cfg["multiverse"]["outcomes"]]
    group = int(u.specs.loc[u.specs["spec_id"] == ids[0], "group"].iloc[0])
    table, draws = multiverse.run_groups(shipped_frame, codebook, targets, S(cfg), [group])
    return u, ids, table, draws


def test_the_configured_specification_is_the_main_model(cfg, stand_in, configured_group):
    """Coefficient and linearization SE of the configured specification equal the pipeline's main
    model (same cleaning, weights, index, formula and sample), to the last bit."""
    u, ids, table, _ = configured_group
    design = stand_in.design(replicates=False, variance="linearization")
    mats = models.matrices(stand_in.frame, S(cfg))
    masks = models.samples(stand_in.frame, S(cfg), mats)
    tab, _ = models.fit(design, stand_in.frame, S(cfg), mats, masks, models=[cfg["models"]["full"]], replicates=False)
    for y, sid in zip(cfg["multiverse"]["outcomes"], ids):
        got = table[(table["spec_id"] == sid) & table["primary"]].iloc[0]
        want = tab[(tab["outcome"] == y) & (tab["term"] == "ccp")].iloc[0]
        assert got["term"] == "ccp"
        assert got["coef"] == want["coef"]
        assert got["se"] == want["se_linearization"]
        assert got["n"] == want["n"]


def test_null_draws_are_refits_under_the_bootstrap_weights(cfg, stand_in):
    """b_r - b from the batched solve equals fit_wls under the weights w * m_r, minus b."""
    frame = stand_in.frame
    design = stand_in.design(replicates=False, variance="linearization")
    X = models.matrices(frame, S(cfg))["M2"]
    y = frame["punishment"].astype(float).to_numpy()
    fit = regression.fit_wls(design, y, X.to_numpy(float), list(X.columns), replicates=False)
    rng = np.random.default_rng(3)
    M = rng.multinomial(len(y) - 1, np.full(len(y), 1 / len(y)), size=4).T * len(y) / (len(y) - 1)
    focal = [1, 2]
    d = multiverse.null_draws(fit, design.weight, M, y, X.to_numpy(float), focal)
    assert d.shape == (2, 4)
    for r in range(4):
        ref = regression.fit_wls(Design(weight=design.weight * M[:, r]), y, X.to_numpy(float), list(X.columns),
                                 used=fit.used, replicates=False)
        np.testing.assert_allclose(d[:, r], ref.coef[focal] - fit.coef[focal], rtol=1e-9, atol=1e-12)


def test_draws_shared_across_nested_models_equal_each_models_own(cfg, stand_in):
    """The draws of M1 and M2 taken from the cross-products of M3's regressors (the multiverse computes them
    once per sample) equal each model's own batched refit."""
    frame = stand_in.frame
    design = stand_in.design(replicates=False, variance="linearization")
    mats = models.matrices(frame, S(cfg))
    y = frame["surveillance"].astype(float).to_numpy()
    used = models.samples(frame, S(cfg), mats)[("surveillance", "M3")]
    rng = np.random.default_rng(5)
    M = rng.multinomial(len(y) - 1, np.full(len(y), 1 / len(y)), size=6).T * len(y) / (len(y) - 1)
    names = list(mats["M3"].columns)
    products = multiverse.draw_products(design.weight, M, y, mats["M3"].to_numpy(float), used)
    for model in ("M1", "M2", "M3"):
        X = mats[model]
        assert set(X.columns) <= set(names)
        fit = regression.fit_wls(design, y, X.to_numpy(float), list(X.columns), used=used, replicates=False)
        own = multiverse.null_draws(fit, design.weight, M, y, X.to_numpy(float), [1, 2])
        cols = [0] + [1 + names.index(c) for c in X.columns]
        np.testing.assert_allclose(multiverse.draws_from_products(fit, products, cols, [1, 2]), own, rtol=1e-9,
                                   atol=1e-12)


def test_joint_test_counts(cfg):
    """Three specifications, four draws: the statistics and p-values by hand."""
    table = pd.DataFrame({"outcome": "surveillance", "primary": True, "coef": [-0.3, -0.15, 0.1],
                          "se": [0.1, 0.1, 0.1], "df": [1000, 1000, 1000]})
    draws = np.array([[0.0, -0.4, 0.1, -0.05],
                      [0.0, -0.3, 0.2, 0.05],
                      [0.0, -0.25, 0.0, 0.0]])
    jt = multiverse.joint_test(table, draws, S(cfg)).iloc[0]
    assert jt["median"] == -0.15
    assert jt["n_significant"] == 1                      # t = -3 (yes), -1.5 (no), 1 (wrong sign)
    assert jt["share_same_sign"] == pytest.approx(2 / 3)
    # null medians: 0, -0.3, 0.1, 0 -> one draw at or below -0.15
    assert jt["p_median"] == pytest.approx((1 + 1) / 5)
    # null shares significant: 0, 3/3, 0, 0 -> one draw with a share >= 1/3
    assert jt["p_share"] == pytest.approx((1 + 1) / 5)


def test_shards_cover_every_group_once(cfg):
    u = multiverse.universe(S(cfg))
    parts = [multiverse.shard_groups(S(cfg), s, 3) for s in range(3)]
    flat = sorted(g for p in parts for g in p)
    assert flat == sorted(u.specs["group"].unique().tolist())
    sizes = [u.specs["group"].isin(p).sum() for p in parts]
    assert max(sizes) - min(sizes) <= u.specs.groupby("group").size().max()


@pytest.mark.slow
def test_the_joint_p_value_is_not_small_under_a_true_null(cfg, shipped_frame, codebook, targets):
    """Political capital shuffled across respondents (no effect by construction): over a dozen shuffles
    the joint p-values are spread over (0, 1), not piled up near 0 (a coarse check; the benchmark
    benchmarks/bench_multiverse.py runs more)."""
    c = small(cfg)
    u = multiverse.universe(S(c))
    pc = ["ccp", "cyl", "state_sector", "ccp_or_state"]
    ps = []
    for seed in range(12):
        f = shipped_frame.copy()
        perm = np.random.default_rng(seed).permutation(len(f))
        f[pc] = f[pc].iloc[perm].to_numpy()
        c["multiverse"]["seed"] = 1000 + seed
        table, draws = multiverse.run_groups(f, codebook, targets, S(c), sorted(u.specs["group"].unique()))
        ps += multiverse.joint_test(table, draws, S(c))["p_median"].tolist()
    ps = np.array(ps)
    assert np.mean(ps < 0.05) <= 0.2
    assert 0.25 < ps.mean() < 0.75


def test_the_specification_curve_has_no_overlapping_labels(cfg, configured_group):
    from scs.report import figures

    u, ids, table, draws = configured_group
    jt = multiverse.joint_test(table, draws, S(cfg)).set_index("outcome").loc["surveillance"]
    c = multiverse.curve(table, "surveillance")
    c["sig"] = multiverse.significant(c["coef"], c["se"], c["df"], S(cfg))
    c["configured"] = c["spec_id"] == ids[0]
    choices = {d: sorted(set(c[d])) for d in u.dims if d != "outcome"}
    dims, options = shown.display_labels(S(cfg), u, "surveillance")
    fig = figures.spec_curve_figure(c, choices, u.defaults, dim_labels=dims, option_labels=options, term_labels={},
                                    joint={"median": jt["median"], "share_significant": jt["share_significant"],
                                           "p_median_text": "0.5", "p_share_text": "0.5"},
                                    source_label="test", synthetic=True)
    assert figures.text_overlaps(fig) == [] and figures.lines_crossing_text(fig) == []
    # one row of option marks per option, and the configured specification circled
    assert len(fig.axes[1].get_yticklabels()) == sum(len(v) for v in choices.values())


def test_options_are_shown_by_their_configured_labels(cfg):
    """A leave-one-out index variant names its item by the item's label, a dimension by its label (a figure shows
    no variable name); other options keep their configured names."""
    u = multiverse.universe(S(cfg))
    dims, options = shown.display_labels(S(cfg), u, "surveillance")
    assert dims["speeder"] == "Speeder threshold" and dims["political_capital"] == "Political capital"
    assert dims["controls"] == "Controls" and "outcome" not in dims
    assert options[("index", "without s_jobs")] == "without switching jobs"  # (the label inside the phrase)
    assert options[("index", "without assumed items")] == "without assumed items"
    assert options[("weights", "bounded raking 0.2-5")] == "bounded raking 0.2-5"
    assert not [o for (d, o) in options if d == "index" and o.startswith("without p_")]  # the outcome's own items
