"""End to end: the workflow from the shipped raw file in a temporary copy."""

import filecmp

import pandas as pd
import pytest

from conftest import ROOT, copy_project, run_snakemake


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = copy_project(tmp_path_factory.mktemp("build") / "w")
    run_snakemake(work)
    return work


def test_cleaning_target_from_the_shipped_raw_file(tmp_path):
    work = copy_project(tmp_path / "w")
    proc = run_snakemake(work, "results/clean/exclusion_flow.csv", extra=["--allowed-rules", "clean"])
    flow = pd.read_csv(work / "results" / "clean" / "exclusion_flow.csv")
    assert flow.remaining.iloc[-1] == 1173
    assert not (work / "results" / "weights").exists()
    assert proc.returncode == 0


def test_full_build_reproduces_the_pinned_results_byte_for_byte(built):
    pinned = sorted(p.relative_to(ROOT / "results") for p in (ROOT / "results").rglob("*")
                    if p.is_file() and "synthetic" not in p.parts)
    assert pinned, "no pinned results"
    for rel in pinned:
        assert (built / "results" / rel).is_file(), f"{rel} not rebuilt"
        assert filecmp.cmp(built / "results" / rel, ROOT / "results" / rel, shallow=False), f"{rel} differs"


def test_nothing_left_to_do_after_a_build(built):
    proc = run_snakemake(built, extra=["-n"])
    assert "Nothing to be done" in proc.stdout + proc.stderr
