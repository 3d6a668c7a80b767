"""Snakemake adapter: Figures 1 and 2, one per battery, from the item estimates (rule `figures_items`)."""

import pandas as pd
from _common import cfg_of, run_step

from scs import figures

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    est = pd.read_csv(smk.input.estimates)
    labels = {int(k): v for k, v in cfg["response_scale"]["labels"].items()}
    for b in cfg["batteries"]:
        rows = est[est.scale == b]
        index = rows[rows.kind == "index"].iloc[0]
        fig = figures.item_figure(rows[rows.kind == "item"], title=cfg["figures"]["titles"].get(b, b),
                                  index_label=index["label"], index_mean=pd.to_numeric(index["mean"], errors="coerce"),
                                  scale_labels=labels, source_label=cfg["data"]["label"],
                                  synthetic=cfg["data"]["source"] == "synthetic", ci_level=cfg["estimates"]["ci_level"],
                                  method=str(index.get("variance", "linearization")))
        figures.save(fig, smk.output[f"png_{b}"], smk.output[f"pdf_{b}"], dpi=cfg["figures"]["dpi"])


run_step(main, log=smk.log[0], outputs=list(smk.output))
