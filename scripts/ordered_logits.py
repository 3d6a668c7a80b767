"""Snakemake adapter: weighted ordered logits of every battery item (rule `ordered_logits`)."""

import logging

import pandas as pd

from _common import read_design, run_step, settings_of, write_csv, write_numbers, write_table
from scs.report import model_tables
from scs.report.registry import Numbers, Printed
from scs.stages import models

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    frame = pd.read_parquet(smk.input.analysis)
    design = read_design(smk, frame, replicates=False)
    logging.info("fitting weighted ordered logits of %d items",
                 sum(len(s.scales[b].items) for b in s.batteries))
    ol = models.ordered_logits(design, frame, s)
    stated = models.ordered_numbers(ol, s)
    write_csv(smk.output.csv, ol, s)
    write_table(smk.output.md, smk.output.html, model_tables.ordered_markdown(ol, s, Printed(stated)))
    write_numbers(smk, Numbers("ordered_logits").take(stated, file=smk.output.md), s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
