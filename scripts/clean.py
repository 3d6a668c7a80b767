"""Snakemake adapter: checked export -> cleaned analysis data, exclusion flow and log (rule `clean`)."""

import logging

import pandas as pd

from _common import run_step, settings_of, write_csv, write_numbers, write_parquet, write_table
from scs.io import datacheck
from scs.io.codebook import load_codebook
from scs.report import clean_tables
from scs.report.registry import Printed, withhold_small_cells
from scs.stages import clean

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    raw_file = s.data.raw
    datacheck.stop_on_problems(smk.input.problems, report=smk.input.problems_md, raw_file=raw_file)
    codebook = load_codebook(smk.input.codebook)
    frame = pd.read_parquet(smk.input.export)
    logging.info("read %d responses (checked export of %s)", len(frame), raw_file)
    result = clean.run(frame, codebook, s, file=raw_file)
    for r in result["flow"].itertuples():
        logging.info("  %-24s removed %5d  remaining %5d", r.rule, r.removed, r.remaining)
    write_parquet(smk.output.data, result["data"], s)
    write_csv(smk.output.flow_csv, result["flow"], s)
    write_table(smk.output.flow_md, smk.output.flow_html,
                clean_tables.flow_markdown(result["flow"], s.data.label, Printed(result.numbers["flow"])))
    write_csv(smk.output.excluded, result["excluded"], s)
    write_csv(smk.output.profile, withhold_small_cells(result["profile"], "n", ["n"], s.disclosure.min_cell), s)
    write_numbers(smk, "clean", result, {"flow": smk.output.flow_md}, s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
