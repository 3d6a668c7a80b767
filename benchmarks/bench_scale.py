"""Scale benchmark (prints figures; not a test).

For each N: makes an N-row raw export by resampling the rows of the configured export (with
replacement, seeded) and giving every row a fresh respondent key and fresh values of the
duplicate-rule columns (so the resampled rows are distinct respondents), then runs the real
workflow on it in a copy of the project and prints the wall time of the run and each rule's wall
time and peak memory (the `benchmark:` files every rule writes).

The target is every model output with design-based SEs: the item estimates, the regressions (M1-M3),
the robustness table and the ordered logits, from the raw export (check, clean, weights, indices on
the way). `--all` builds everything instead (figures, notebooks, report).

    python benchmarks/bench_scale.py 10000 100000 1000000 [--config config.yaml] [--cores 2]
                                     [--all] [--keep DIR] [--set KEY=VALUE ...]
    python benchmarks/bench_scale.py --smoke     (2,000 rows: checks that it runs)

`--set` changes the configuration of the run (dotted key, YAML value), e.g.
`--set weighting.replicates.max_rows=200000`.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from scs.io.codebook import load_codebook  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import IGNORE_PATTERNS, rule_table  # noqa: E402  (the same project copy and per-rule table)

IGNORE = shutil.ignore_patterns(*IGNORE_PATTERNS, "*.sav", "*.dta")  # the blown-up CSV replaces the exports
MODEL_TARGETS = ["item_estimates", "regressions", "robustness", "ordered_logits"]


def fresh_key_columns(cfg: dict) -> list[str]:
    """Raw column ids that identify a respondent: the codebook key and the duplicate-rule columns."""
    cb = load_codebook(ROOT / cfg["data"]["codebook"])
    by_var = {c["var"]: c["id"] for c in cb.columns}
    cols = [cb.key]
    for rule in cfg["cleaning"]["rules"]:
        if rule.get("kind") == "duplicate":
            cols += [by_var[v] for v in rule["by"]]
    return list(dict.fromkeys(cols))


def make_export(src: Path, n: int, out: Path, key_cols: list[str], header_rows: int, seed: int = 1):
    """Resample `n` rows of a CSV export (keeping its header rows) with fresh ids."""
    with open(src, encoding="utf-8-sig", newline="") as fh:
        head = [next(fh) for _ in range(header_rows)]
    body = pd.read_csv(src, encoding="utf-8-sig", skiprows=range(1, header_rows), dtype=str,
                       keep_default_na=False, na_filter=False)
    idx = np.random.default_rng(seed).integers(0, len(body), n)
    big = body.iloc[idx].reset_index(drop=True)
    width = len(str(n))
    ids = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width)
    for j, col in enumerate(key_cols):
        big[col] = f"B{j}_" + ids
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        fh.writelines(head)
        big.to_csv(fh, header=False, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, help="raw rows, e.g. 10000 100000 1000000")
    ap.add_argument("--config", default="config.yaml")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--all", action="store_true", help="build every output, not only the models")
    ap.add_argument("--keep", default=None, help="work in this folder and keep it")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override")
    ap.add_argument("--smoke", action="store_true", help="one small size (2,000 rows): checks that it runs")
    a = ap.parse_args()
    if a.smoke:
        a.sizes = [2000]
    if not a.sizes:
        ap.error("give the sizes (raw rows), or --smoke")

    cfg = yaml.safe_load((ROOT / a.config).read_text(encoding="utf-8"))
    src = ROOT / cfg["data"]["raw"]
    if src.suffix.lower() != ".csv":
        sys.exit("bench_scale resamples a CSV export; set data.raw to one")
    header_rows = load_codebook(ROOT / cfg["data"]["codebook"]).header_rows
    key_cols = fresh_key_columns(cfg)
    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="scs-scale-"))
    snakemake = str(Path(sys.executable).parent / "snakemake")
    summary = []
    for n in a.sizes:
        work = base / f"n{n}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(ROOT, work, ignore=IGNORE, symlinks=True)
        raw = work / "data" / "raw" / f"bench_{n}.csv"
        t0 = time.perf_counter()
        make_export(src, n, raw, key_cols, header_rows)
        gc.collect()
        os.sync()  # the export on disk before the clock starts, as a user's export would be
        mb = raw.stat().st_size / 1e6
        print(f"\n== {n:,} raw rows ({mb:.0f} MB CSV, made in {time.perf_counter() - t0:.1f} s) ==", flush=True)
        bcfg = yaml.safe_load(yaml.safe_dump(cfg))  # a deep copy
        bcfg["data"] = {**cfg["data"], "raw": str(raw.relative_to(work)), "source": "simulated",
                        "label": f"SIMULATED benchmark data (the stand-in resampled to {n:,} rows)"}
        for item in a.set:
            key, _, value = item.partition("=")
            node = bcfg
            *parents, last = key.split(".")
            for k in parents:
                node[k] = dict(node.get(k) or {})
                node = node[k]
            node[last] = yaml.safe_load(value)
        (work / "bench.yaml").write_text(yaml.safe_dump(bcfg, sort_keys=False, allow_unicode=True))
        targets = [] if a.all else MODEL_TARGETS
        cmd = [snakemake, *targets, "--configfile", "bench.yaml", "--cores", str(a.cores), "--quiet", "all"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-4000:])
            sys.exit(f"build at {n:,} rows failed")
        rows = rule_table(work, "bench")  # (the logs of bench.yaml, a variant: logs/bench/)
        peak = max(r["max_rss_mb"] for r in rows)
        print(f"wall {wall:.1f} s (snakemake included); largest peak memory of a job {peak:.0f} MB")
        print(f"{'rule':<22} {'seconds':>8} {'peak MB':>8}")
        for r in sorted(rows, key=lambda r: -r["seconds"]):
            print(f"{r['rule']:<22} {r['seconds']:8.2f} {r['max_rss_mb']:8.0f}")
        summary.append((n, wall, peak))
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\nrows        wall s   peak MB   time ratio to previous size (rows ratio)")
    for i, (n, wall, peak) in enumerate(summary):
        ratio = "" if i == 0 else f"{wall / summary[i - 1][1]:.2f} ({n / summary[i - 1][0]:.0f}x rows)"
        print(f"{n:<10,} {wall:8.1f} {peak:9.0f}   {ratio}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this script's own peak memory, making the exports: {own:.0f} MB)")
    if not a.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
