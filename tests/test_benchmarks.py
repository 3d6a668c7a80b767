"""Every benchmark script runs (its smoke mode: small sizes), so that none can rot unnoticed.

The figures the README quotes come from full runs of the same scripts; these runs check that the scripts
still work with the current code and print their figures.
"""

import subprocess
import sys

import pytest
from conftest import ROOT, require_tool

pytestmark = pytest.mark.slow

BENCH = ROOT / "benchmarks"
SMOKE = {  # script -> (arguments, a line its output must contain)
    "bench_build.py": (["--smoke"], "Cold build of the cleaning stage"),
    "bench_multiverse.py": (["--smoke"], "specifications per second"),
    "bench_scale.py": (["--smoke"], "2,000 raw rows"),
    "bench_weights.py": (["--smoke"], "bounded raking"),
    "simulate_truth_recovery.py": (["--smoke"], "Pooled coverage"),
    "coverage_shipped_path.py": (["--smoke"], "Coverage of the full model's slopes on the shipped path"),
}


def test_every_benchmark_script_has_a_smoke_run():
    scripts = {p.name for p in BENCH.glob("*.py")}
    assert scripts == set(SMOKE) | {"bench_vs_r.py"}


def run(script, *args):
    proc = subprocess.run([sys.executable, str(BENCH / script), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    return proc.stdout


@pytest.mark.parametrize("script", sorted(SMOKE))
def test_benchmark_smoke_run(script):
    args, expect = SMOKE[script]
    assert expect in run(script, *args)


def test_the_comparison_with_r_runs_and_agrees(built):
    require_tool("Rscript", "R", "make r-deps")
    out = run("bench_vs_r.py", "--results", str(built / "results"), "--smoke")
    assert "JK1 replicates calibrated again" in out and "largest relative difference" in out
