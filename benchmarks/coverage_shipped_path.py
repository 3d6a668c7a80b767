"""Coverage of the reported intervals on the path users take (a benchmark that prints figures; not a test).

Redraws K fieldworks from the stand-in's population (as benchmarks/simulate_truth_recovery.py does: new
panel arrivals, fieldwork mess and nonresponse for each seed), writes each as a raw Qualtrics export,
and runs the workflow's own rules on it with Snakemake (data check, cleaning, weights, indices,
regressions: files in between, exactly as `make` does). The intervals are read from the
coefficients.csv a user reads: the reported ones (ci_low, ci_high: the jackknife at this size), and
the linearization and bootstrap ones from the SE columns of the same file with its df. Every slope of
the full model is compared with the population least-squares coefficient.

    python benchmarks/coverage_shipped_path.py [--K 200] [--jobs 2] [--smoke]

Prints the coverage pooled over the full model's slopes, per SE method, with its Monte Carlo SE (from
the spread of the per-sample coverage, since the slopes of one sample are correlated), and per term.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

import simulate_truth_recovery as str_bench  # noqa: E402  (the same redraws of the fieldwork)

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
TARGET = "results-config-sim/models/coefficients.csv"  # (the variant of config-sim.yaml)
_W: dict = {}


def _init(scenario: str, replicates: int, base: str):
    from conftest import copy_project

    str_bench._init(scenario)
    work = Path(tempfile.mkdtemp(prefix="coverage-", dir=base)) / "w"
    copy_project(work)
    cfg = yaml.safe_load((work / "config.yaml").read_text(encoding="utf-8"))
    cfg["data"].update(source="simulated", label="SIMULATED (coverage benchmark)", raw="data/sim/export.csv")
    cfg["weighting"]["replicates"]["n"] = replicates
    (work / "data" / "sim").mkdir(parents=True)
    (work / "config-sim.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    _W.update(work=work, cfg=cfg)


def one_sample(k: int) -> list[dict]:
    from scs import synth
    from scs.synth.export import write_qualtrics_csv
    from scs.synth.fieldwork import draw_arrivals

    s = str_bench._STATE
    full = s["cfg"]["models"]["full"]
    rng = np.random.default_rng(10_000 + k)
    arr = draw_arrivals(s["spec"], s["pop"], rng, synth.min_answered(s["settings"]))
    cells = synth.field_sample(arr, s["items"], s["base"], s["shifts"], s["codebook"], s["settings"], s["spec"])
    work = _W["work"]
    write_qualtrics_csv(cells, s["codebook"], work / "data" / "sim" / "export.csv")
    shutil.rmtree(work / "results-config-sim", ignore_errors=True)
    proc = subprocess.run([SNAKEMAKE, TARGET, "--configfile", "config-sim.yaml", "--cores", "1", "--quiet", "all"],
                          cwd=work, capture_output=True, text=True)
    if proc.returncode != 0:
        err = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("ERROR")]
        return [{"sample": k, "failed": (err or ["(no ERROR line)"])[0][:300]}]
    coefs = pd.read_csv(work / TARGET)
    full_rows = coefs[(coefs.variant == "main") & (coefs.model == full) & (coefs.term != "_intercept_")]
    rows = []
    for r in full_rows.itertuples():
        rows.append({"sample": k, "outcome": r.outcome, "term": r.term, "coef": r.coef, "ci_low": r.ci_low,
                     "ci_high": r.ci_high, "variance": r.variance, "df": r.df,
                     "se_linearization": r.se_linearization, "se_jackknife": r.se_jackknife,
                     "se_bootstrap": r.se_bootstrap,
                     "truth": s["truth"]["index_coefficients"][r.outcome][full][r.term]})
    return rows


def coverage(df: pd.DataFrame, method: str, ci_level: float) -> pd.DataFrame:
    """Whether each interval covers the truth: the reported interval as printed, or the interval of one SE
    column of the same file (t quantile with the file's df)."""
    if method == "reported":
        lo, hi = df.ci_low, df.ci_high
    else:
        q = stats.t.ppf(0.5 + ci_level / 2, df.df)
        se = df[f"se_{method}"]
        lo, hi = df.coef - q * se, df.coef + q * se
    return df.assign(covered=(lo <= df.truth) & (df.truth <= hi), z=(df.coef - df.truth) / ((hi - lo) / 2) *
                     stats.t.ppf(0.5 + ci_level / 2, df.df))


def report(df: pd.DataFrame, ci_level: float) -> str:
    lines = []
    K = df["sample"].nunique()
    for method in ("reported", "jackknife", "linearization", "bootstrap"):
        c = coverage(df, method, ci_level)
        per_sample = c.groupby("sample").covered.mean()
        p = c.covered.mean()
        mcse = per_sample.std(ddof=1) / np.sqrt(K) if K > 1 else float("nan")
        name = f"{method} ({df['variance'].iloc[0]})" if method == "reported" else method
        lines.append(f"  {name:28s} {100 * p:5.1f}%  (Monte Carlo SE {100 * mcse:.2f} points; {int(c.covered.sum())} "
                     f"of {len(c)} intervals; SD of the standardized errors {c.z.std(ddof=1):.3f}; at most "
                     f"{int((~c.covered).groupby(c['sample']).sum().max())} misses in one sample)")
    per_term = coverage(df, "reported", ci_level).groupby(["outcome", "term"], sort=False).covered.mean()
    lines += ["", "  reported coverage per term:", *[f"    {y:13s} {t:22s} {100 * v:5.1f}%"
                                                   for (y, t), v in per_term.items()]]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--K", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--replicates", type=int, default=500, help="bootstrap replicates of the weights rule")
    ap.add_argument("--scenario", choices=list(str_bench.SCENARIOS), default="main")
    ap.add_argument("--smoke", action="store_true", help="2 samples, 20 bootstrap replicates: checks that it runs")
    ap.add_argument("--out", default=None, help="write every interval to this CSV")
    a = ap.parse_args()
    if a.smoke:
        a.K, a.replicates = 2, 20
    t0 = time.perf_counter()
    base = tempfile.mkdtemp(prefix="scs-coverage-")
    rows = []
    try:
        with mp.Pool(a.jobs, initializer=_init, initargs=(a.scenario, a.replicates, base)) as pool:
            for i, r in enumerate(pool.imap_unordered(one_sample, range(a.K)), 1):
                rows += r
                if i % 10 == 0 or i == a.K:
                    print(f"  {i}/{a.K} samples through the workflow, {time.perf_counter() - t0:.0f} s", flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    df = pd.DataFrame(rows)
    failed = df[df["failed"].notna()] if "failed" in df else df.iloc[:0]
    df = df[df["failed"].isna()] if "failed" in df else df
    if a.out:
        df.to_csv(a.out, index=False)
    ci = float(str_bench._STATE.get("cfg", {}).get("estimates", {}).get("ci_level", 0.95)) if str_bench._STATE else 0.95
    print(f"\nCoverage of the full model's slopes on the shipped path, scenario {a.scenario!r}: K = {a.K} redrawn "
          f"fieldworks (seeds 10000-{10000 + a.K - 1}) through Snakemake, {len(failed)} stopped with an error"
          + (f" (first: {failed['failed'].iloc[0]})" if len(failed) else "")
          + f"; {a.replicates} bootstrap replicates; {time.perf_counter() - t0:.0f} s")
    if len(df):
        print(report(df, ci))
    if a.smoke and (len(failed) or df.empty):
        sys.exit(1)


if __name__ == "__main__":
    main()
