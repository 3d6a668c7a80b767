"""Snakemake adapter: the shards merged, the joint test, the summary and registry numbers (rule `multiverse`)."""

import logging

import numpy as np
import pandas as pd

from _common import run_step, settings_of, write_csv, write_numbers, write_parquet, write_table
from scs.report import multiverse_tables
from scs.report.registry import Numbers, Printed
from scs.stages import multiverse

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    u = multiverse.universe(s)
    table, arr = multiverse.merge((pd.read_parquet(t), np.load(d)) for t, d in zip(smk.input.tables, smk.input.draws))
    missing = sorted(set(u.specs["spec_id"]) - set(table["spec_id"]))
    if missing:
        raise RuntimeError(f"{len(missing)} specifications missing from the shards (first: {missing[:5]})")
    jt = multiverse.joint_test(table, arr, s)
    for r in jt.itertuples():
        logging.info("%s: %d specifications, median %.3f, %.1f%% significant; joint p = %.3f (median), %.3f (share)",
                     r.outcome, r.specifications, r.median, 100 * r.share_significant, r.p_median, r.p_share)
    write_csv(smk.output.csv, table, s)
    write_parquet(smk.output.parquet, table.assign(data_source=s.data.source), s)
    write_csv(smk.output.joint, jt, s)
    write_csv(smk.output.by_option, multiverse.by_option(table, u, s), s)
    stated = multiverse.multiverse_numbers(jt, table, u)
    write_table(smk.output.md, smk.output.html,
                multiverse_tables.summary_markdown(jt, table, u, s, Printed(stated)))
    write_numbers(smk, Numbers("multiverse").take(stated, file=smk.output.md), s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
