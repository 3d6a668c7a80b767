"""Benchmark of the multiverse (500 specifications with design SEs and 500 null draws on 2 cores) and a
check of the joint test under a true null.

    python benchmarks/bench_multiverse.py [--seeds 40] [--config config.yaml] [--smoke]

1. Time: the configured multiverse on the shipped export, split in two shards run in two processes
   (as `snakemake --cores 2` runs the shard jobs), then the joint test. Prints specifications, draws,
   seconds and specifications per second.
2. Null: political capital shuffled across respondents (no effect by construction), a small multiverse
   refitted for each of --seeds shuffles; prints the distribution of the joint p-values (which should be
   roughly uniform: about 5% below 0.05, 10% below 0.1, mean near 0.5) and a Kolmogorov-Smirnov test.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from scs import config  # noqa: E402
from scs.io import ingest  # noqa: E402
from scs.io.codebook import load_codebook  # noqa: E402
from scs.settings import from_config  # noqa: E402
from scs.stages import multiverse, weights  # noqa: E402


def _load(cfg_path):
    cfg = config.load_config(cfg_path)
    cb = load_codebook(ROOT / cfg["data"]["codebook"])
    frame, _ = ingest.ingest(ROOT / cfg["data"]["raw"], cb)
    return cfg, cb, frame, weights.load_targets(ROOT / cfg["data"]["targets"])


def _shard(args):
    cfg_path, shard, n = args
    cfg, cb, frame, targets = _load(cfg_path)
    s = from_config(cfg)
    return multiverse.run_groups(frame, cb, targets, s, multiverse.shard_groups(s, shard, n))


def timing(cfg_path, cores: int) -> None:
    t0 = time.perf_counter()
    with ProcessPoolExecutor(cores) as pool:
        parts = list(pool.map(_shard, [(cfg_path, s, cores) for s in range(cores)]))
    cfg = config.load_config(cfg_path)
    jt = multiverse.joint_test(*multiverse.merge(parts), from_config(cfg))
    secs = time.perf_counter() - t0
    n = int(jt["specifications"].sum())
    print(f"multiverse: {n:,} specifications x {int(jt['null_draws'].iloc[0])} null draws on {cores} cores: "
          f"{secs:.1f} s ({n / secs:.0f} specifications per second, reading the export included)")
    print(jt[["outcome", "specifications", "median", "share_significant", "p_median", "p_share"]].to_string(index=False))


def null_check(cfg_path, seeds: int) -> None:
    from scipy import stats

    cfg, cb, frame, targets = _load(cfg_path)
    c = copy.deepcopy(cfg)
    m = c["multiverse"]
    m["exclusions"] = {k: {**v, "options": {v.get("default", next(iter(v["options"]))): {}}}
                       for k, v in m["exclusions"].items()}
    m["index"]["options"] = {m["index"].get("default", "as configured"): {}, "without assumed items": {"drop": "assumed"}}
    m["constraints"] = []
    m["null_draws"] = 199
    u = multiverse.universe(from_config(c))
    pc = list(cfg["models"]["political_capital"])
    ps = {"p_median": [], "p_share": []}
    t0 = time.perf_counter()
    for seed in range(seeds):
        f = frame.copy()
        f[pc] = f[pc].iloc[np.random.default_rng(seed).permutation(len(f))].to_numpy()
        m["seed"] = 5000 + seed
        s = from_config(c)
        table, draws = multiverse.run_groups(f, cb, targets, s, sorted(u.specs["group"].unique()))
        jt = multiverse.joint_test(table, draws, s)
        for k in ps:
            ps[k] += jt[k].tolist()
    print(f"\nnull check: {seeds} shuffles x {len(u.specs) // len(m['outcomes'])} specifications per outcome x "
          f"{len(m['outcomes'])} outcomes, {m['null_draws']} draws each ({time.perf_counter() - t0:.0f} s)")
    for k, v in ps.items():
        v = np.array(v)
        ks = stats.kstest(v, "uniform")
        print(f"  {k}: share below 0.05 {np.mean(v < 0.05):.3f}, below 0.10 {np.mean(v < 0.10):.3f}, "
              f"mean {v.mean():.3f}; KS against uniform p = {ks.pvalue:.3f} (n = {len(v)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=str(ROOT / "config.yaml"))
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--smoke", action="store_true", help="one shuffle in the null check: checks that it runs")
    a = ap.parse_args()
    if a.smoke:
        a.seeds = 1
    timing(a.config, a.cores)
    if a.seeds:
        null_check(a.config, a.seeds)


if __name__ == "__main__":
    main()
