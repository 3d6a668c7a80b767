"""Snakemake adapter: Figures 1 and 2 from the item estimates (rule `figures_items`)."""

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from scs import figures  # noqa: E402
from scs.errors import run_step  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake

TITLES = {
    "surveillance": "Figure 1. Support for including each behavior in social credit systems (SCSs)",
    "punishment": "Figure 2. Support for each punishment stemming from social credit systems",
}


def main():
    cfg = smk.config
    est = pd.read_csv(smk.input.estimates)
    labels = {int(k): v for k, v in cfg["response_scale"]["labels"].items()}
    for scale, png, pdf in (("surveillance", smk.output.fig1_png, smk.output.fig1_pdf),
                            ("punishment", smk.output.fig2_png, smk.output.fig2_pdf)):
        rows = est[est.scale == scale]
        index = rows[rows.kind == "index"].iloc[0]
        fig = figures.item_figure(rows[rows.kind == "item"], title=TITLES[scale], index_label=index["label"],
                                  index_mean=float(index["mean"]), scale_labels=labels,
                                  source_label=cfg["data"]["label"], synthetic=cfg["data"]["source"] == "synthetic",
                                  ci_level=cfg["estimates"]["ci_level"])
        figures.save(fig, png, pdf, dpi=cfg["figures"]["dpi"])


run_step(main, log=smk.log[0], outputs=list(smk.output))
