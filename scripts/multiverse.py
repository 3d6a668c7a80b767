"""Snakemake adapter: the shards merged, the joint test, the summary and registry numbers (rule `multiverse`)."""

import logging

import numpy as np
import pandas as pd

from _common import run_step, settings_of, write_csv, write_numbers, write_parquet, write_table
from scs.report import multiverse_tables
from scs.report.registry import Printed
from scs.stages import multiverse

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    result = multiverse.run(((pd.read_parquet(t), np.load(d)) for t, d in zip(smk.input.tables, smk.input.draws)), s)
    table, jt, u = result["specifications"], result["joint_test"], result["universe"]
    for r in jt.itertuples():
        logging.info("%s: %d specifications, median %.3f, %.1f%% significant; joint p = %.3f (median), %.3f (share)",
                     r.outcome, r.specifications, r.median, 100 * r.share_significant, r.p_median, r.p_share)
    write_csv(smk.output.csv, table, s)
    write_parquet(smk.output.parquet, table.assign(data_source=s.data.source), s)
    write_csv(smk.output.joint, jt, s)
    write_csv(smk.output.by_option, result["by_option"], s)
    write_table(smk.output.md, smk.output.html,
                multiverse_tables.summary_markdown(jt, table, u, s, Printed(result.numbers["summary"])))
    write_numbers(smk, "multiverse", result, {"summary": smk.output.md}, s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
