"""Snakemake adapter: weighted ordered logits of every battery item (rule `ordered_logits`)."""

import logging

import pandas as pd

from _common import read_design, run_step, settings_of, write_csv, write_numbers, write_table
from scs.report import model_tables
from scs.report.registry import Printed
from scs.stages import models

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    frame = pd.read_parquet(smk.input.analysis)
    design = read_design(smk, frame, replicates=False)
    logging.info("fitting weighted ordered logits of %d items",
                 sum(len(s.scales[b].items) for b in s.batteries))
    result = models.run_ordered(design, frame, s)
    ol = result["ordered_logits"]
    write_csv(smk.output.csv, ol, s)
    write_table(smk.output.md, smk.output.html,
                model_tables.ordered_markdown(ol, s, Printed(result.numbers["ordered_logits"])))
    write_numbers(smk, "ordered_logits", result, {"ordered_logits": smk.output.md}, s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
