"""Benchmark of the weighting stage (prints figures; not a test).

1. The stand-in's cleaned sample (1,173 respondents): bounded raking, the delete-one jackknife (every
   replicate calibrated again, bounded and unbounded) and 500 re-weighted bootstrap replicates: what
   the `weights` rule computes.
2. A large sample (1,000,000 respondents drawn from the same margins): bounded raking alone.

Each case runs in a fresh child process so that its peak resident memory is its own.

    python benchmarks/bench_weights.py [--smoke]

--smoke: 20 bootstrap replicates, no jackknife, 20,000 respondents in case 2 (seconds; checks that it runs).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import queue
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case_sample(q, smoke: bool):
    from scs import config
    from scs.io.codebook import load_codebook
    from scs.settings import from_config, replace
    from scs.stages import pipeline, weights

    cfg = config.load_config(ROOT / "config.yaml")
    s = from_config(cfg)
    cleaned, _, _ = pipeline.clean_export(ROOT / cfg["data"]["raw"], load_codebook(ROOT / cfg["data"]["codebook"]), s)
    targets = weights.load_targets(ROOT / cfg["data"]["targets"])
    wcfg = s.weighting
    if smoke:
        wcfg = replace(wcfg, {"replicates": {"n": 20}, "jackknife": {"max_rows": 0}})
    base = _peak_mb()
    t0 = time.perf_counter()
    res = weights.make_weights(cleaned, targets, wcfg)
    dt = time.perf_counter() - t0
    R = 0 if res.replicates is None else res.replicates.shape[1]
    jk = ", ".join(f"{len(e):,} {m} jackknife replicates" for m, e in (res.jackknife or {}).items()) or "no jackknife"
    q.put({"case": f"n = {len(cleaned):,}: bounded raking, {jk}, {R} bootstrap replicates", "seconds": dt,
           "peak_mb": _peak_mb(), "base_mb": base})


def case_large(q, smoke: bool):
    import numpy as np

    from scs import config
    from scs.settings import from_config
    from scs.stages import weights

    cfg = config.load_config(ROOT / "config.yaml")
    targets = weights.load_targets(ROOT / cfg["data"]["targets"])
    variables = cfg["weighting"]["variables"]
    n = 20_000 if smoke else 1_000_000
    rng = np.random.default_rng(1)
    shares = weights.target_shares(targets, variables)
    columns = {}
    for v in variables:  # a sample that over-represents the first category of each margin
        cats = list(shares[v])
        p = np.array([shares[v][c] for c in cats])
        p = p * np.linspace(1.6, 0.6, len(cats))
        columns[v] = rng.choice(np.array(cats, dtype=object), n, p=p / p.sum())
    levels = weights.target_levels(targets, variables)
    base = _peak_mb()
    t0 = time.perf_counter()
    w, plan, info = weights.weight_once(columns, levels, shares, np.ones(n), from_config(cfg).weighting)
    dt = time.perf_counter() - t0
    q.put({"case": f"n = {n:,}: bounded raking (no replicates), {info['iterations']} Newton steps, "
                   f"{len(plan.adjustments)} adjustments", "seconds": dt, "peak_mb": _peak_mb(), "base_mb": base})


def run(fn, smoke):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=fn, args=(q, smoke))
    p.start()
    while True:  # a case that fails ends its process without a result: say so instead of waiting for ever
        try:
            out = q.get(timeout=5)
            break
        except queue.Empty:
            if not p.is_alive():
                sys.exit(f"{fn.__name__} failed (exit code {p.exitcode})")
    p.join()
    if p.exitcode:
        sys.exit(f"{fn.__name__} failed")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="small sizes: checks that it runs")
    a = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
          f"{time.strftime('%Y-%m-%d')}")
    for fn in (case_sample, case_large):
        r = run(fn, a.smoke)
        print(f"{r['case']}: {r['seconds']:.2f} s, peak memory {r['peak_mb']:.0f} MB (after imports and data "
              f"{r['base_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
