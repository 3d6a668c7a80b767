"""Truth recovery of the full model (a benchmark that prints figures; not a test).

Redraws K fieldworks from the stand-in's population (same population and item thresholds; new
panel arrivals, fieldwork mess and nonresponse for each seed), runs the pipeline's own cleaning,
weighting and survey regression on each (scs.pipeline), and compares every coefficient of the
full model with the population least-squares coefficient: bias, empirical SE, mean design-based
SE, SD of the standardized errors, and CI coverage with its binomial 95% interval.

Scenarios (panel selection):
  main      log-propensity additive in the four weighting margins: raking is consistent
  strong    the same, stronger (Kish design effect near 2)
  nonmain   plus an age x education interaction and CCP membership: what raking cannot undo

    python benchmarks/simulate_truth_recovery.py [--K 500] [--scenario main] [--jobs 2] [--smoke]
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SCENARIOS = {
    "main": {},
    "strong": {"scale": 1.6},
    "nonmain": {"interactions": {"age_group:educ4": {"60+:college_plus": 0.9, "50-59:college_plus": 0.5,
                                                     "18-29:primary_or_below": -0.8}},
                "ccp": 0.6},
}
_STATE = {}


def scenario_spec(spec: dict, name: str) -> dict:
    spec = copy.deepcopy(spec)
    sc = SCENARIOS[name]
    sel = spec["selection"]
    if "scale" in sc:
        for k in ("age_group", "educ4", "region"):
            sel[k] = {c: v * sc["scale"] for c, v in sel[k].items()}
    if "interactions" in sc:
        sel["interactions"] = sc["interactions"]
    if "ccp" in sc:
        sel["ccp"] = sc["ccp"]
    return spec


def _init(scenario: str):
    from scs import config, synth
    from scs.io.codebook import load_codebook
    from scs.settings import from_config
    from scs.stages import weights
    from scs.synth.population import selection_lp

    cfg = config.load_config(ROOT / "config.yaml")
    spec = scenario_spec(config.load_yaml(ROOT / cfg["synthetic"]["spec"]), scenario)
    codebook = load_codebook(ROOT / cfg["data"]["codebook"])
    targets = weights.load_targets(ROOT / cfg["data"]["targets"])
    truth = json.loads((ROOT / cfg["synthetic"]["truth"]).read_text())
    settings = from_config(cfg)
    pop, _ = synth.setup(settings, spec, targets, int(cfg["synthetic"]["seed"]))
    pop["selection_lp"] = selection_lp(spec, pop)
    items = synth.items_of(spec)
    base = np.array(spec["base_thresholds"], dtype=float)
    shifts = {it: float(truth["item_thresholds"][it][0] - base[0]) for it in items}
    _STATE.update(cfg=cfg, settings=settings, spec=spec, codebook=codebook, targets=targets, truth=truth, pop=pop,
                  items=items,
                  base=base, shifts=shifts)


def one_sample(k: int) -> list[dict]:
    from scs import synth
    from scs.errors import PipelineError
    from scs.stages import models, pipeline
    from scs.survey import regression
    from scs.synth.fieldwork import draw_arrivals

    s = _STATE
    cfg, full = s["cfg"], s["cfg"]["models"]["full"]
    rng = np.random.default_rng(10_000 + k)
    settings = s["settings"]
    arr = draw_arrivals(s["spec"], s["pop"], rng, synth.min_answered(settings))
    cells = synth.field_sample(arr, s["items"], s["base"], s["shifts"], s["codebook"], settings, s["spec"])
    cleaned, _, _ = synth.clean_cells(cells, s["codebook"], settings)
    try:
        wt = pipeline.weight_and_index(cleaned, s["targets"], settings, key=s["codebook"].key_var, replicates=0,
                                       jackknife_methods=[cfg["weighting"]["method"]])
    except PipelineError as exc:
        return [{"sample": k, "failed": str(exc)[:200]}]
    des = wt.design(variance="jackknife")
    frame = wt.frame
    mats = models.matrices(frame, settings)
    masks = models.samples(frame, settings, mats)
    X = mats[full]
    rows = []
    for y in cfg["models"]["outcomes"]:
        f = regression.fit_wls(des, frame[y].astype(float).to_numpy(), X.to_numpy(float), list(X.columns),
                               used=masks[(y, full)])
        for t, b, se, se_lin in zip(f.terms, f.coef, f.se, f.se_of("linearization")):
            rows.append({"sample": k, "outcome": y, "term": t, "coef": b, "se": se, "se_lin": se_lin, "df": f.df,
                         "truth": s["truth"]["index_coefficients"][y][full][t],
                         "deff": float(len(des.weight) * (des.weight ** 2).sum() / des.weight.sum() ** 2),
                         "adjustments": len(wt.result.plan.adjustments)})
    return rows


def binom_ci(x: int, n: int) -> tuple[float, float]:
    """Clopper-Pearson 95% interval of a coverage rate."""
    lo = stats.beta.ppf(0.025, x, n - x + 1) if x > 0 else 0.0
    hi = stats.beta.ppf(0.975, x + 1, n - x) if x < n else 1.0
    return lo, hi


def summarize(df: pd.DataFrame, ci_level: float = 0.95, se: str = "se") -> pd.DataFrame:
    q = stats.t.ppf(0.5 + ci_level / 2, df["df"])
    df = df.assign(covered=(df.coef - q * df[se] <= df.truth) & (df.truth <= df.coef + q * df[se]),
                   z=(df.coef - df.truth) / df[se])
    rows = []
    for (y, t), g in df.groupby(["outcome", "term"], sort=False):
        x, n = int(g.covered.sum()), len(g)
        lo, hi = binom_ci(x, n)
        rows.append({"outcome": y, "term": t, "truth": g.truth.iloc[0], "bias": g.coef.mean() - g.truth.iloc[0],
                     "bias_mcse": g.coef.std(ddof=1) / np.sqrt(n), "emp_se": g.coef.std(ddof=1),
                     "mean_se": g[se].mean(), "sd_z": g.z.std(ddof=1), "coverage": x / n, "cov_lo": lo, "cov_hi": hi,
                     "K": n})
    return pd.DataFrame(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--K", type=int, default=500)
    ap.add_argument("--scenario", choices=list(SCENARIOS), default="main")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=None, help="write every sample's estimates to this CSV")
    ap.add_argument("--smoke", action="store_true", help="4 samples: checks that it runs")
    a = ap.parse_args()
    if a.smoke:
        a.K = 4
    t0 = time.perf_counter()
    with mp.Pool(a.jobs, initializer=_init, initargs=(a.scenario,)) as pool:
        rows = []
        for i, r in enumerate(pool.imap(one_sample, range(a.K)), 1):
            rows += r
            if i % 25 == 0:
                print(f"  {i}/{a.K} samples, {time.perf_counter() - t0:.0f} s", flush=True)
    df = pd.DataFrame(rows)
    failed = df[df.get("failed").notna()] if "failed" in df else df.iloc[:0]
    df = df[df.get("failed").isna()] if "failed" in df else df
    if a.out:
        df.to_csv(a.out, index=False)
    print(f"\nTruth recovery, scenario {a.scenario!r}: K = {a.K} redrawn fieldworks (seeds 10000-{10000 + a.K - 1}), "
          f"{len(failed)} could not be weighted; mean Kish deff {df.groupby('sample').deff.first().mean():.2f}; "
          f"{(df.groupby('sample').adjustments.first() > 0).sum()} samples needed a weighting adjustment")
    pd.set_option("display.width", 200)
    print(summarize(df).round(4).to_string(index=False))
    sl = df[df.term != "_intercept_"]
    for se, name in (("se", "jackknife (reported)"), ("se_lin", "linearization")):
        s = summarize(df, se=se)
        slopes = s[s.term != "_intercept_"]
        x, n = int(round((slopes.coverage * slopes.K).sum())), int(slopes.K.sum())
        lo, hi = binom_ci(x, n)
        print(f"Pooled coverage of the {len(slopes)} slopes, {name} SEs: {100 * x / n:.1f}% ({x} of {n}; binomial 95% "
              f"interval {100 * lo:.1f}-{100 * hi:.1f}%); SD of the standardized errors "
              f"{((sl.coef - sl.truth) / sl[se]).std():.3f}")
    print(f"largest |bias| / Monte Carlo SE: {(s.bias.abs() / s.bias_mcse).max():.2f}; {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
