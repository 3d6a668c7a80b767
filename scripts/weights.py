"""Snakemake adapter: cleaned data -> raking weights, replicates and diagnostics (rule `weights`)."""

import logging
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _common import write_csv, write_json, write_numbers, write_parquet, write_text  # noqa: E402

from scs import figures, weights  # noqa: E402
from scs.errors import run_step  # noqa: E402
from scs.registry import Numbers, withhold_small_cells  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake


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
    write_parquet(smk.output.weights, wf, cfg)
    min_cell = cfg["disclosure"]["min_cell"]
    write_csv(smk.output.margins, withhold_small_cells(margins, "n", ["n", "unweighted"], min_cell), cfg)
    write_json(smk.output.summary, {"data_source": cfg["data"]["source"], **summary})
    nums = Numbers("weights")
    write_text(smk.output.md, weights.diagnostics_markdown(margins, summary, cfg["data"]["label"], nums, smk.output.md,
                                                           min_cell=min_cell))
    write_numbers(smk, nums, cfg)
    trim = wcfg.get("trim")
    fig = figures.weight_figure(w, bounds=(trim["lower"], trim["upper"]) if trim else None,
                                source_label=cfg["data"]["label"], synthetic=cfg["data"]["source"] == "synthetic",
                                summary=summary)
    figures.save(fig, smk.output.png, smk.output.pdf, dpi=cfg["figures"]["dpi"])


run_step(main, log=smk.log[0], outputs=list(smk.output))
