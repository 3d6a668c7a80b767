"""Benchmark of the weighting stage (prints figures; not a test).

1. Raking the 1,173 cleaned respondents with 500 re-raked bootstrap replicates.
2. Raking 1,000,000 synthetic respondents (same margins, same trimming).

Each case runs in a fresh child process so that its peak resident memory is its
own. Goals (issue 3): (1) under 2 s; (2) under 5 s and 2 GB.

    python benchmarks/bench_weights.py
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case_sample(q):
    import pandas as pd

    from scs import config, weights

    cfg = config.load_config(ROOT / "config.yaml")
    frame = pd.read_parquet(ROOT / "results" / "clean" / "clean.parquet")
    targets = weights.load_targets(ROOT / "data" / "targets.csv")
    weights.rake(frame.head(200), targets, {**cfg["weighting"], "replicates": {"n": 0}}, replicates=False)  # warm-up
    base = _peak_mb()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        sample, info = weights.rake(frame, targets, cfg["weighting"])
        times.append(time.perf_counter() - t0)
    reps = len(weights.replicate_columns(sample))
    q.put({"case": f"rake + {reps} re-raked replicates, n = {len(frame):,}", "seconds": min(times),
           "median_seconds": sorted(times)[2], "peak_mb": _peak_mb(), "base_mb": base,
           "cycles": info["trim_rake_cycles"]})


def case_million(q):
    import numpy as np
    import pandas as pd

    from scs import config, weights

    cfg = config.load_config(ROOT / "config.yaml")
    targets = weights.load_targets(ROOT / "data" / "targets.csv")
    rng = np.random.default_rng(1)
    n = 1_000_000
    frame = pd.DataFrame({
        "response_id": np.char.add("R", np.arange(n).astype(str)),
        "sex": rng.choice(["male", "female"], n, p=[0.55, 0.45]),
        "age_group": rng.choice(["18-29", "30-39", "40-49", "50-59", "60+"], n, p=[0.36, 0.33, 0.16, 0.10, 0.05]),
        "educ4": rng.choice(["primary_or_below", "junior_secondary", "senior_secondary", "college_plus"], n,
                            p=[0.05, 0.19, 0.22, 0.54]),
        "region": rng.choice(["East", "Central", "West", "Northeast"], n, p=[0.60, 0.17, 0.18, 0.05]),
    })
    base = _peak_mb()
    t0 = time.perf_counter()
    sample, info = weights.rake(frame, targets, cfg["weighting"], replicates=False, count_cycles=False)
    dt = time.perf_counter() - t0
    untrimmed = {k: v for k, v in cfg["weighting"].items() if k != "trim"}
    t1 = time.perf_counter()
    weights.rake(frame, targets, untrimmed, replicates=False, count_cycles=False)
    dt_untrimmed = time.perf_counter() - t1
    w = sample.data["weight"].to_numpy()
    m = weights.margins_table(frame, w, targets, cfg["weighting"]["variables"])
    q.put({"case": f"rake, n = {n:,} (no replicates)", "seconds": dt, "median_seconds": dt, "peak_mb": _peak_mb(),
           "base_mb": base, "cycles": "(not counted)", "max_error": float(m["error"].abs().max()),
           "untrimmed_seconds": dt_untrimmed})


def run(fn):
    q = mp.get_context("spawn").Queue()
    p = mp.get_context("spawn").Process(target=fn, args=(q,))
    p.start()
    out = q.get()
    p.join()
    return out


if __name__ == "__main__":
    import os
    import platform

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for fn, goal_s, goal_mb in ((case_sample, 2.0, None), (case_million, 5.0, 2048)):
        r = run(fn)
        extra = f", max margin error {r['max_error']:.1e}" if "max_error" in r else ""
        if "untrimmed_seconds" in r:
            extra += f"; the same rake without trimming: {r['untrimmed_seconds']:.3f} s"
        ok = r["seconds"] < goal_s and (goal_mb is None or r["peak_mb"] < goal_mb)
        print(f"{r['case']}: {r['seconds']:.3f} s (median {r['median_seconds']:.3f} s), peak RSS {r['peak_mb']:.0f} MB "
              f"(after imports and data {r['base_mb']:.0f} MB), {r['cycles']} trim-rake cycles{extra} "
              f"-> goal < {goal_s} s{'' if goal_mb is None else f' and < {goal_mb} MB'}: {'met' if ok else 'NOT met'}")
