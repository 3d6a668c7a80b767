"""The pipeline (svy) and R's survey side by side, same data, same machine, one run (prints figures).

Raking, then B = 1,000 re-raked bootstrap replicates with both index means and
both full models. Both sides rake without trimming (R has no trimming inside the
raking loop). Needs Rscript with the survey and jsonlite packages.

    python benchmarks/bench_vs_r.py [B]
Goal (issue 6): the pipeline at least 10x faster, with the same SEs up to Monte Carlo error.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reference"))


def pipeline(indir: Path, B: int, cfg: dict) -> dict:
    from scs import indices, weights

    d = pd.read_csv(indir / "pipeline_analysis.csv")
    terms = pd.read_csv(indir / "pipeline_terms.csv")
    cols = dict(zip(terms.safe, terms.term))
    targets = weights.load_targets(ROOT / "data" / "targets.csv")
    extra = d[["surveillance", "punishment", *cols]].astype(float)
    untrimmed = {k: v for k, v in cfg["weighting"].items() if k != "trim"}
    t0 = time.perf_counter()
    weights.rake(d, targets, untrimmed, replicates=False, extra=extra, count_cycles=False)
    t_rake = time.perf_counter() - t0
    t0 = time.perf_counter()
    wcfg = {**untrimmed, "replicates": {"kind": "rao-wu", "n": B, "seed": 1}}
    sample, _ = weights.rake(d, targets, wcfg, extra=extra, count_cycles=False)
    se = [indices._mean(sample, y, 0.05, "replication")["se"] for y in ("surveillance", "punishment")]
    ccp = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for y in ("surveillance", "punishment"):
            m = sample.glm.fit(y=y, x=list(cols), family="gaussian", method="replication")
            tab = m.to_polars().to_pandas().set_index("term")
            ccp.append(float(tab.loc["x00_ccp", "std_err"]))
    t_boot = time.perf_counter() - t0
    return {"rake": t_rake, "boot": t_boot, "mean_se": se, "ccp_se": ccp}


def main(B: int):
    from export_for_r import main as export

    from scs import config

    cfg = config.load_config(ROOT / "config.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        indir = Path(tmp)
        export(indir)
        py = pipeline(indir, B, cfg)
        out = subprocess.run(["Rscript", str(ROOT / "benchmarks" / "bench_survey.R"), str(indir), str(B)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"Same data (n = 1,173), same machine; B = {B:,} bootstrap replicates, each re-raked; R survey {r['version']}")
    print(f"{'step':<52} {'pipeline (svy)':>15} {'R survey':>10} {'ratio':>7}")
    for key, what in (("rake", "raking (4 margins)"),
                      ("boot", f"{B:,} re-raked replicates + 2 means + 2 full models")):
        print(f"{what:<52} {py[key]:>13.3f} s {r[key]:>8.3f} s {r[key] / py[key]:>6.1f}x")
    total_py, total_r = py["rake"] + py["boot"], r["rake"] + r["boot"]
    print(f"{'total':<52} {total_py:>13.3f} s {total_r:>8.3f} s {total_r / total_py:>6.1f}x")
    print("\nBootstrap SEs (independent Monte Carlo draws; expected to agree within a few percent):")
    for i, y in enumerate(("surveillance", "punishment")):
        print(f"  {y} index mean: pipeline {py['mean_se'][i]:.5f}, R {r['mean_se'][i]:.5f}; "
              f"CCP coefficient: pipeline {py['ccp_se'][i]:.5f}, R {r['ccp_se'][i]:.5f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
