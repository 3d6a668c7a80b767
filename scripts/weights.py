"""Snakemake adapter: cleaned data -> raking weights, replicates and diagnostics (rule `weights`)."""

import logging
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _common import write_csv, write_json, write_parquet, write_text  # noqa: E402

from scs import figures, weights  # noqa: E402
from scs.errors import run_step  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake


def margins_markdown(margins, summary, label):
    lines = ["# Weighting diagnostics", "", f"Data: {label}", "",
             "Raking (svy) to census margins, trimming inside the trim-rake loop; weights have mean 1.", "",
             "| variable | category | target | unweighted | weighted | n | target status |",
             "|---|---|---:|---:|---:|---:|---|"]
    for r in margins.itertuples():
        lines.append(f"| {r.variable} | {r.category} | {r.target:.3f} | {r.unweighted:.3f} | {r.weighted:.3f} | "
                     f"{r.n:,} | {r.status} |")
    lines += ["", "| statistic | value |", "|---|---:|"]
    fmt = {"n": "{:,}", "replicates": "{:,}", "trim_rake_cycles": "{:,}", "max_abs_margin_error": "{:.1e}",
           "replicate_max_abs_margin_error": "{:.1e}"}
    for k, v in summary.items():
        lines.append(f"| {k.replace('_', ' ')} | {fmt.get(k, '{:.3f}').format(v)} |")
    lines += ["", "Target status: V = read in an official source; D = arithmetic on V; S = third-party transcription; "
              "U = approximate (see data/targets.csv and FACTS.md)."]
    return "\n".join(lines) + "\n"


def main():
    cfg = smk.config
    wcfg = cfg["weighting"]
    frame = pd.read_parquet(smk.input.data)
    targets = weights.load_targets(smk.input.targets)
    logging.info("raking %d respondents to %s with %d re-raked bootstrap replicates",
                 len(frame), wcfg["variables"], wcfg["replicates"]["n"])
    sample, info = weights.rake(frame, targets, wcfg, file=smk.input.targets)
    wf = weights.weight_frame(sample)
    w = wf[weights.WEIGHT].to_numpy()
    margins = weights.margins_table(frame, w, targets, wcfg["variables"])
    summary = weights.weight_summary(w, margins, info, len(weights.replicate_columns(sample)))
    summary["replicate_max_abs_margin_error"] = weights.replicate_margin_error(sample, frame, targets,
                                                                               wcfg["variables"])
    logging.info("max margin error %.2e; Kish deff %.3f; effective n %.1f", summary["max_abs_margin_error"],
                 summary["kish_deff"], summary["effective_n"])
    write_parquet(smk.output.weights, wf)
    write_csv(smk.output.margins, margins)
    write_json(smk.output.summary, {"data_source": cfg["data"]["source"], **summary})
    write_text(smk.output.md, margins_markdown(margins, summary, cfg["data"]["label"]))
    trim = wcfg.get("trim")
    fig = figures.weight_figure(w, bounds=(trim["lower"], trim["upper"]) if trim else None,
                                source_label=cfg["data"]["label"], synthetic=cfg["data"]["source"] == "synthetic",
                                summary=summary)
    figures.save(fig, smk.output.png, smk.output.pdf, dpi=cfg["figures"]["dpi"])


run_step(main, log=smk.log[0], outputs=list(smk.output))
