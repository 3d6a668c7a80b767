"""Snakemake adapter: Figure 3 from the model CSVs (rule `figure3`)."""

import pandas as pd
from _common import cfg_of, run_step

from scs import figures

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    coefs = pd.read_csv(smk.input.coefficients)
    pred = pd.read_csv(smk.input.predicted)
    m = cfg["models"]
    full = coefs[(coefs.variant == "main") & (coefs.model == m["full"])]
    fig = figures.coefficient_figure(
        full, pred, outcomes=m["outcomes"], outcome_labels={y: cfg["scales"][y]["label"] for y in m["outcomes"]},
        highlight=m["political_capital"], term_labels=m["term_labels"], title=cfg["figures"]["titles"].get("models", ""),
        source_label=cfg["data"]["label"], synthetic=cfg["data"]["source"] == "synthetic",
        ci_level=cfg["estimates"]["ci_level"], predict_label=m["term_labels"].get(m["predict"]["by"], m["predict"]["by"]),
        level_labels={str(k): v for k, v in (m["predict"].get("level_labels") or {}).items()},
        method=str(full["variance"].iloc[0]))
    figures.save(fig, smk.output.png, smk.output.pdf, dpi=cfg["figures"]["dpi"])


run_step(main, log=smk.log[0], outputs=list(smk.output))
