"""Snakemake adapter: the histogram of the weights (rule `weight_figure`)."""

import json
from pathlib import Path

import pandas as pd
from _common import cfg_of, run_step

from scs import figures, weights

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    w = pd.read_parquet(smk.input.weights, columns=[weights.WEIGHT])[weights.WEIGHT].to_numpy()
    summary = json.loads(Path(smk.input.summary).read_text(encoding="utf-8"))
    fig = figures.weight_figure(w, summary=summary, source_label=cfg["data"]["label"],
                                synthetic=cfg["data"]["source"] == "synthetic")
    figures.save(fig, smk.output.png, smk.output.pdf, dpi=cfg["figures"]["dpi"])


run_step(main, log=smk.log[0], outputs=list(smk.output))
