"""Snakemake adapter: weighted ordered logits of every battery item (rule `ordered_logits`)."""

import logging

import pandas as pd

from _common import cfg_of, read_design, run_step, write_csv, write_numbers, write_table
from scs.report import model_tables
from scs.report.registry import Numbers, Printed
from scs.stages import models

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    frame = pd.read_parquet(smk.input.analysis)
    design = read_design(smk, frame, replicates=False)
    logging.info("fitting weighted ordered logits of %d items",
                 sum(len(cfg["scales"][b]["items"]) for b in cfg["batteries"]))
    ol = models.ordered_logits(design, frame, cfg)
    stated = models.ordered_numbers(ol, cfg)
    write_csv(smk.output.csv, ol, cfg)
    write_table(smk.output.md, smk.output.html, model_tables.ordered_markdown(ol, cfg, Printed(stated)))
    write_numbers(smk, Numbers("ordered_logits").take(stated, file=smk.output.md), cfg)


run_step(main, log=smk.log[0], outputs=list(smk.output))
