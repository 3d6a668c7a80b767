"""Benchmark of a full build (prints figures; not a test).

Copies the project (no results) to a temporary folder, runs the whole workflow there on 2 cores,
and prints the wall time of the build and each rule's wall time and peak memory (from the
`benchmark:` files every rule writes to logs/benchmarks/).

    python benchmarks/bench_build.py [--cores 2] [--keep DIR] [-- extra snakemake arguments]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IGNORE_PATTERNS = (".git", ".venv", ".snakemake", ".work", "logs", "results", "results-*", "pins-local", "__pycache__",
                   "*.egg-info", ".pytest_cache", "build", "dist", "report.html")
IGNORE = shutil.ignore_patterns(*IGNORE_PATTERNS)


def rule_table(work: Path) -> list[dict]:
    rows = []
    for f in sorted((work / "logs" / "benchmarks").glob("*.tsv")):
        with open(f) as fh:
            r = list(csv.DictReader(fh, delimiter="\t"))[-1]
        rows.append({"rule": f.stem, "seconds": float(r["s"]), "max_rss_mb": float(r["max_rss"])})
    return rows


def run(work: Path, cores: int, extra: list[str]) -> float:
    snakemake = str(Path(sys.executable).parent / "snakemake")
    t0 = time.perf_counter()
    proc = subprocess.run([snakemake, "--cores", str(cores), "-q", *extra], cwd=work, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stderr[-3000:]}")
    return wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--keep", default=None, help="build in this folder and keep it")
    ap.add_argument("extra", nargs="*", help="extra snakemake arguments (after --)")
    a = ap.parse_args()
    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="scs-bench-"))
    work = base / "w"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(ROOT, work, ignore=IGNORE, symlinks=True)
    wall = run(work, a.cores, a.extra)
    rows = rule_table(work)
    print(f"Full build from the raw export on {a.cores} cores: {wall:.1f} s wall; "
          f"largest peak memory of a job {max(r['max_rss_mb'] for r in rows):.0f} MB\n")
    print(f"{'rule':<28} {'seconds':>8} {'peak MB':>8}")
    for r in sorted(rows, key=lambda r: -r["seconds"]):
        print(f"{r['rule']:<28} {r['seconds']:8.2f} {r['max_rss_mb']:8.0f}")
    print(f"{'sum of rule times':<28} {sum(r['seconds'] for r in rows):8.2f}")
    if not a.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
