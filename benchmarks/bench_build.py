"""Benchmark of a full build (prints figures; not a test).

Copies the project (no results) to a temporary folder, runs the whole workflow there on 2 cores,
and prints the wall time of the build and each job's wall time and peak memory (from the
`benchmark:` files every rule writes to logs/benchmarks/).

    python benchmarks/bench_build.py [--cores 2] [--repeat 3] [--keep DIR] [--smoke] [-- extra snakemake arguments]

Each of --repeat cold builds starts from a fresh copy; then as many no-op reruns (nothing to do) are
timed. The median build's per-rule table is printed.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IGNORE_PATTERNS = (".git", ".venv", ".snakemake", ".work", "logs", "results", "results-*", "pins-*", "__pycache__",
                   "*.egg-info", ".pytest_cache", "build", "dist", "report.html")
IGNORE = shutil.ignore_patterns(*IGNORE_PATTERNS)


def rule_table(work: Path, variant: str | None = None) -> list[dict]:
    """Each rule's time and peak memory from its benchmark file (a variant's: logs/<variant>/benchmarks/)."""
    rows = []
    for f in sorted((work / "logs" / (variant or "") / "benchmarks").glob("*.tsv")):
        with open(f) as fh:
            r = list(csv.DictReader(fh, delimiter="\t"))[-1]
        rows.append({"rule": f.stem, "seconds": float(r["s"]), "max_rss_mb": float(r["max_rss"])})
    return rows


def run(work: Path, cores: int, extra: list[str]) -> float:
    snakemake = str(Path(sys.executable).parent / "snakemake")
    t0 = time.perf_counter()
    proc = subprocess.run([snakemake, *extra, "--cores", str(cores), "--quiet", "all"], cwd=work, capture_output=True,
                          text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stderr[-3000:]}")
    return wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="cold builds to time (the median is reported)")
    ap.add_argument("--keep", default=None, help="build in this folder and keep it")
    ap.add_argument("--smoke", action="store_true", help="one build of the cleaning stage: checks that it runs")
    ap.add_argument("extra", nargs="*", help="extra snakemake arguments (after --)")
    a = ap.parse_args()
    if a.smoke:
        a.repeat, a.extra = 1, [*a.extra, "results/clean/exclusion_flow.csv"]
    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="scs-bench-"))
    work = base / "w"
    walls, tables = [], []
    for _ in range(a.repeat):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(ROOT, work, ignore=IGNORE, symlinks=True)
        walls.append(run(work, a.cores, a.extra))
        tables.append(rule_table(work))
    noops = [run(work, a.cores, a.extra) for _ in range(a.repeat)]
    k = sorted(range(a.repeat), key=lambda i: walls[i])[a.repeat // 2]  # the median build
    rows = tables[k]
    print(f"{'Cold build of the cleaning stage' if a.smoke else 'Full cold build'} from the raw export on {a.cores} "
          f"cores ({time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores): median "
          f"{walls[k]:.1f} s wall of {a.repeat} (each: {', '.join(f'{w:.1f}' for w in walls)} s); "
          f"no-op rerun median {sorted(noops)[a.repeat // 2]:.2f} s; largest peak memory of a job "
          f"{max(r['max_rss_mb'] for r in rows):.0f} MB\n")
    print(f"{'rule':<28} {'seconds':>8} {'peak MB':>8}")
    for r in sorted(rows, key=lambda r: -r["seconds"]):
        print(f"{r['rule']:<28} {r['seconds']:8.2f} {r['max_rss_mb']:8.0f}")
    print(f"{'sum of job times':<28} {sum(r['seconds'] for r in rows):8.2f} ({len(rows)} jobs)")
    if not a.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
