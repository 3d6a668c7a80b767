"""The pipeline and R's survey package side by side: same data, same machine, one run (prints figures).

Bounded raking of the stand-in's analysis data, then the delete-one jackknife (JK1) with every replicate
calibrated again, the two index means and the two full models with their JK1 SEs: what the pipeline
reports at this size. Both sides compute the same deterministic estimator, so their SEs must agree (to
the calibration tolerance); the times are compared.

    python benchmarks/bench_vs_r.py [--results results] [--smoke]

Needs a build's results (`make`) and Rscript with the survey and jsonlite packages (`make r-deps`).
--smoke is accepted for uniformity with the other benchmarks (the comparison takes about a minute).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "reference"))


def pipeline(results: Path, cfg: dict) -> dict:
    from scs.settings import from_config, replace
    from scs.stages import models, stored_design, weights
    from scs.survey import regression
    from scs.survey.means import means

    frame = pd.read_parquet(results / "indices" / "analysis.parquet")
    targets = weights.load_targets(ROOT / cfg["data"]["targets"])
    s = from_config(cfg)
    wcfg = replace(s.weighting, {"replicates": {"n": 0}})
    t0 = time.perf_counter()
    w, plan, _ = weights.weight_once({v: frame[v] for v in wcfg.variables},
                                     weights.target_levels(targets, wcfg.variables),
                                     weights.target_shares(targets, wcfg.variables), np.ones(len(frame)), wcfg)
    t_cal = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = weights.make_weights(frame, targets, wcfg, jackknife_methods=[wcfg.method])
    key = json.loads((results / "weights" / "design.json").read_text(encoding="utf-8"))["key"]
    record = stored_design.design_record(res, wcfg, key)
    design = stored_design.load_design(frame, stored_design.weights_frame(frame[key], res), record,
                                 jackknife=stored_design.jackknife_frame(res), variance="jackknife")
    outcomes = list(cfg["models"]["outcomes"])
    est = means(design, frame[outcomes].to_numpy(float), outcomes)
    mats = models.matrices(frame, s)
    masks = models.samples(frame, s, mats)
    X = mats[cfg["models"]["full"]]
    se_first = []
    for y in outcomes:
        f = regression.fit_wls(design, models.outcome_values(frame, y), X.to_numpy(float), list(X.columns),
                               used=masks[(y, cfg["models"]["full"])])
        se_first.append(float(f.se[1]))
    t_jk = time.perf_counter() - t0
    return {"calibrate": t_cal, "jackknife": t_jk, "mean_se": list(est.se), "first_term_se": se_first,
            "first_term": X.columns[0]}


def main():
    from export_for_r import main as export

    from scs import config

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default=str(ROOT / "results"), help="a build's results folder")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    results = Path(a.results)
    if not (results / "indices" / "analysis.parquet").is_file():
        sys.exit(f"{results} holds no build: run `make` first")
    cfg = config.load_config(ROOT / "config.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        indir = Path(tmp)
        export(indir, results, ROOT / "config.yaml")
        py = pipeline(results, cfg)
        out = subprocess.run(["Rscript", str(ROOT / "benchmarks" / "bench_survey.R"), str(indir)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"R failed: {out.stderr[-2000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
    n = len(pd.read_parquet(results / "weights" / "weights.parquet", columns=["weight"]))
    print(f"Same data (n = {n:,}), same machine ({time.strftime('%Y-%m-%d')}); R survey {r['version']}")
    print(f"{'step':<64} {'pipeline':>10} {'R survey':>10} {'ratio':>7}")
    for key, what in (("calibrate", "bounded raking (4 margins)"),
                      ("jackknife", f"{n:,} JK1 replicates calibrated again + 2 means + 2 full models")):
        print(f"{what:<64} {py[key]:>8.2f} s {r[key]:>8.2f} s {r[key] / py[key]:>6.1f}x")
    total_py, total_r = py["calibrate"] + py["jackknife"], r["calibrate"] + r["jackknife"]
    print(f"{'total':<64} {total_py:>8.2f} s {total_r:>8.2f} s {total_r / total_py:>6.1f}x")
    print("\nJK1 SEs (the same deterministic estimator on both sides):")
    worst = 0.0
    for i, y in enumerate(cfg["models"]["outcomes"]):
        for what, key in (("index mean", "mean_se"), (f"{py['first_term']} coefficient", "first_term_se")):
            worst = max(worst, abs(py[key][i] / r[key][i] - 1))
            print(f"  {y} {what}: pipeline {py[key][i]:.8f}, R {r[key][i]:.8f}")
    print(f"largest relative difference {worst:.1e}")
    if worst > 1e-6:
        sys.exit("the SEs differ")


if __name__ == "__main__":
    main()
