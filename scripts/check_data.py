"""Snakemake adapter: read the export once, check every cell against the codebook, report every problem,
and write the checked, typed export for the cleaning stage (rule `check_data`)."""

import logging

import pandas as pd

from _common import run_step, settings_of, write_parquet, write_table
from scs.io import datacheck, ingest
from scs.io.codebook import load_codebook

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    codebook = load_codebook(smk.input.codebook)
    ingest.check_recorded_checksum(smk.input.raw, smk.params.checksums, smk.params.raw_sha256)
    problems, facts, frame, raw = datacheck.check_and_type(smk.input.raw, codebook, s.data.format)
    table, text, line = datacheck.report(problems, facts, md=smk.output.md, file=smk.input.raw, codebook=codebook,
                                         label=s.data.label, source=s.data.source)
    table.to_csv(smk.output.csv, index=False, lineterminator="\n")
    write_table(smk.output.md, smk.output.html, text)
    errors = [p for p in problems if p.severity == "error"]
    if raw is not None:
        for w in ingest.warning_lines(smk.input.raw, raw.notes, problems):
            logging.warning(w)
    # (errors stop the build at the clean rule, and `make check-data` with an ERROR line: not a warning here)
    logging.info(line)
    for p in errors[:5]:
        logging.info("  error: %s", p.line(smk.input.raw))
    if len(errors) > 5:
        logging.info("  ... and %d more error(s) (see %s)", len(errors) - 5, smk.output.md)
    # with errors, an empty table: the clean rule stops on the report before it reads the data
    export = ingest.checked_export(frame, raw, codebook) if frame is not None else pd.DataFrame()
    write_parquet(smk.output.export, export, s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
