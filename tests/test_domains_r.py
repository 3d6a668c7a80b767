"""Estimates by group and crosstabs against R's survey package, run here on the files a build wrote.

R (tests/reference/domains.R) calibrates the build's analysis data itself, with the delete-one jackknife
calibrated again, and takes the stored bootstrap replicate weights; it computes svyby(~y, ~g, design,
svymean, na.rm = TRUE) of every battery item, index and share in every level of every configured group,
the crosstabs' cells and row percentages, and svychisq(~a + b, design, statistic = "F"). The stage
function on the stored design must give the same numbers to 1e-8 (relative), and the CSVs the rule wrote
the same to their 7 significant digits.
"""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from test_export import require_r_survey

from scs.io.codebook import load_codebook
from scs.settings import load
from scs.stages import domains, items, stored_design

REL = 1e-8     # the stage's numbers against R's, relative
ABS = 1e-10    # absolute floor (an SE of a calibrated margin's share is zero up to rounding)
CSV_REL = 1e-6  # the CSVs hold 7 significant digits


@pytest.fixture(scope="module")
def stage(estimates_build):
    """The stage run on the build's stored design (the adapter's inputs), and the build's results folder."""
    results = estimates_build / "results"
    s = load(ROOT / "config.yaml")
    frame = pd.read_parquet(results / "indices" / "analysis.parquet")
    record = json.loads((results / "weights" / "design.json").read_text())
    design = stored_design.load_design(frame, pd.read_parquet(results / "weights" / "weights.parquet"), record,
                                       label=s.data.label, jackknife=pd.read_parquet(results / "weights" /
                                                                                    "jackknife.parquet"),
                                       variance="jackknife")
    labels = domains.variables(s, load_codebook(ROOT / s.data.codebook))
    return s, frame, design, domains.run(design, frame, s, labels), results


@pytest.fixture(scope="module")
def r_results(stage, tmp_path_factory):
    rscript = require_r_survey()
    s, frame, _, _, results = stage
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "reference"))
    import export_for_r

    tmp = tmp_path_factory.mktemp("domains_r")
    export_for_r.main(tmp, results, ROOT / "config.yaml")
    data = pd.read_csv(tmp / "pipeline_analysis.csv")
    for v in s.domains.variables:
        if v not in data.columns:
            data[v] = frame[v].to_numpy()
    data.to_csv(tmp / "pipeline_analysis.csv", index=False, float_format="%.17g", lineterminator="\n")
    spec = {"by": list(s.domains.by), "crosstabs": [list(p) for p in s.domains.crosstabs],
            "entries": [{"var": var, "kind": kind, "support": list(s.response_scale_of(b).support),
                         "oppose": list(s.response_scale_of(b).oppose)} for b, var, _, kind in items.entries(s)]}
    (tmp / "domains.json").write_text(json.dumps(spec))
    out = tmp / "r_domains.json"
    proc = subprocess.run([rscript, str(ROOT / "tests" / "reference" / "domains.R"), str(tmp), str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


class Diff:
    """The largest relative difference per kind of number, and every one beyond the tolerance."""

    def __init__(self, rel=REL):
        self.rel, self.largest, self.problems, self.seen = rel, {}, [], 0

    def __call__(self, kind, what, ours, r):
        ours, r = float(ours), float(r)
        self.seen += 1
        d = abs(ours - r)
        if abs(r) > 1e-8:  # (an SE of a calibrated margin's share is rounding noise: absolute only)
            self.largest[kind] = max(self.largest.get(kind, 0.0), d / abs(r))
        if not d <= ABS + self.rel * abs(r):
            self.problems.append(f"{what} {kind}: ours {ours:.12g}, R {r:.12g}")


SE_KINDS = {"se_linearization": "se_linearization", "se_jackknife": "se_jackknife", "se_bootstrap": "se_boot"}


def test_domain_means_and_shares_equal_svyby(stage, r_results):
    s, _, _, result, _ = stage
    est = result["estimates"]
    r = r_results["means"]
    check = Diff()
    for row in est.itertuples():
        base = f"{row.var}|{row.group}|{row.level}"
        m = r[f"{base}|mean"]
        check("estimate", base, row.mean, m["estimate"])
        for rk, ours in SE_KINDS.items():
            check(rk, base, getattr(row, ours), m[rk])
        for share in domains.SHARES:
            sh = r[f"{base}|{share}"]
            check("estimate", f"{base} % {share}", getattr(row, f"pct_{share}"), 100 * sh["estimate"])
            check("se_linearization", f"{base} % {share}", getattr(row, f"pct_{share}_se_linearization"),
                  100 * sh["se_linearization"])
            check("se_jackknife", f"{base} % {share}", getattr(row, f"pct_{share}_se"), 100 * sh["se_jackknife"])
    # every level R found, and no other: 17 items and indices, the groups' levels and the overall row
    assert len(est) == sum(1 for k in r if k.endswith("|mean")) == 17 * 18
    assert check.seen > 2500 and not check.problems, "\n".join(check.problems[:20])
    print("largest relative differences from R (domain estimates):", check.largest)


def test_crosstabs_and_the_rao_scott_test_equal_svychisq(stage, r_results):
    _, _, _, result, _ = stage
    cells, tests = result["cells"], result["tests"]
    check = Diff()
    for t in tests.itertuples():
        r = r_results["crosstabs"][f"{t.row_var}|{t.col_var}"]
        for stat in ("F", "ndf", "ddf", "p", "chisq"):
            check(stat, f"{t.row_var} x {t.col_var}", getattr(t, stat), r[stat])
        sub = cells[(cells.row_var == t.row_var) & (cells.col_var == t.col_var)]
        for c in sub.itertuples():
            key = f"{c.row_level}|{c.col_level}"
            rr = r["rows"][key]
            check("estimate", f"{key} % of the row", c.pct_row, rr["pct_row"])
            check("se_linearization", f"{key} % of the row", c.pct_row_se_linearization, rr["pct_row_se_linearization"])
            rep = r_results["replicates"][f"crosstab|{t.row_var}|{t.col_var}|{key}"]
            check("se_jackknife", f"{key} % of the row", c.pct_row_se, 100 * rep["se_jackknife"])
            if c.row_level != domains.TOTAL:
                rc = r["cells"][f"{c.row_level}.{c.col_level}"]
                check("estimate", f"{key} % of the table", c.pct, rc["pct"])
                check("se_linearization", f"{key} % of the table", c.pct_se_linearization, rc["pct_se_linearization"])
    assert len(tests) == 3 and check.seen > 100 and not check.problems, "\n".join(check.problems[:20])
    print("largest relative differences from R (crosstabs):", check.largest)


def test_the_rules_csvs_hold_the_stages_numbers(stage):
    """What the rule wrote (rounded to 7 significant digits, small cells withheld) is what the stage computed
    on the stored design."""
    s, _, _, result, results = stage
    est = pd.read_csv(results / "domains" / "domain_estimates.csv", dtype={"level": str})
    ours = result["estimates"]
    assert len(est) == len(ours)
    check = Diff(CSV_REL)
    for a, b in zip(est.itertuples(), ours.itertuples()):
        assert (a.var, a.group, a.level) == (b.var, b.group, str(b.level))
        if str(a.mean).startswith("<"):
            assert b.n < s.disclosure.min_cell
            continue
        for col in ("mean", "se", "ci_low", "ci_high", "se_linearization", "se_jackknife", "se_boot", "pct_support",
                    "pct_oppose"):
            check(col, f"{a.var} {a.group} {a.level}", getattr(a, col), getattr(b, col))
    tests = pd.read_csv(results / "domains" / "crosstab_tests.csv")
    for a, b in zip(tests.itertuples(), result["tests"].itertuples()):
        for col in ("F", "ndf", "ddf", "chisq"):
            check(col, f"{a.row_var} x {a.col_var}", getattr(a, col), getattr(b, col))
        assert np.isclose(a.p, b.p, rtol=1e-3)
    assert not check.problems, "\n".join(check.problems[:20])
