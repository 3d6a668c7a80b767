"""Snakemake adapter: Likert charts of the answer distribution of every battery (rule `figures_likert`)."""

import pandas as pd
from _common import cfg_of, run_step

from scs import figures

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    dist = pd.read_csv(smk.input.distribution, dtype={"answer": str})
    est = pd.read_csv(smk.input.estimates)
    labels = {int(k): v for k, v in cfg["response_scale"]["labels"].items()}
    for b in cfg["batteries"]:
        items = est[(est.scale == b) & (est.kind == "item")].copy()
        items["mean"] = pd.to_numeric(items["mean"], errors="coerce")
        order = list(items.sort_values("mean", ascending=False, kind="stable", na_position="last")["var"])
        title = f"Answers to each item: {cfg['scales'][b]['label'].replace(' index', '').lower()} battery"
        fig = figures.likert_figure(dist[dist.scale == b], order, title=title, scale_labels=labels,
                                    source_label=cfg["data"]["label"], synthetic=cfg["data"]["source"] == "synthetic")
        figures.save(fig, smk.output[f"png_{b}"], smk.output[f"pdf_{b}"], dpi=cfg["figures"]["dpi"])


run_step(main, log=smk.log[0], outputs=list(smk.output))
