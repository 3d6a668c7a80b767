"""Snakemake adapter: scale indices and their reliability (rule `indices`)."""

import logging

import pandas as pd

from _common import read_final_weight, run_step, settings_of, write_csv, write_numbers, write_parquet, write_table
from scs.report import item_tables
from scs.report.registry import Numbers, Printed
from scs.stages import indices

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    frame = indices.add_indices(pd.read_parquet(smk.input.data), s)
    w = read_final_weight(smk, frame)
    for sc, spec in s.scales.items():
        n_missing = int(frame[sc].isna().sum())
        if n_missing:
            logging.warning("WARNING: %d respondent(s) answered fewer than %d %s items: no %s index for them",
                            n_missing, spec.min_answered, sc, sc)
    rel = indices.reliability(frame, w, s)
    write_parquet(smk.output.analysis, frame, s)
    write_csv(smk.output.reliability, rel, s)
    stated = indices.reliability_numbers(rel)
    write_table(smk.output.reliability_md, smk.output.reliability_html,
                item_tables.reliability_markdown(rel, s, Printed(stated)))
    write_numbers(smk, Numbers("indices").take(stated, file=smk.output.reliability_md), s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
