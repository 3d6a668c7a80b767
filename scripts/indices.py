"""Snakemake adapter: scale indices and their reliability (rule `indices`)."""

import logging

import pandas as pd

from _common import read_final_weight, run_step, settings_of, write_csv, write_numbers, write_parquet, write_table
from scs.report import item_tables
from scs.report.registry import Printed
from scs.stages import indices

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    frame = pd.read_parquet(smk.input.data)
    result = indices.run(frame, read_final_weight(smk, frame), s)
    for sc, n_missing in result["without_index"].items():
        if n_missing:
            logging.warning("WARNING: %d respondent(s) answered fewer than %d %s items: no %s index for them",
                            n_missing, s.scales[sc].min_answered, sc, sc)
    write_parquet(smk.output.analysis, result["analysis"], s)
    write_csv(smk.output.reliability, result["reliability"], s)
    for sc, alpha in result["below_threshold"].items():
        logging.warning("WARNING: %s has Cronbach's alpha %.2f, below %g (reliability.threshold), and is used in a "
                        "model (see %s)", sc, alpha, s.reliability.threshold, smk.output.reliability_md)
    write_table(smk.output.reliability_md, smk.output.reliability_html,
                item_tables.reliability_markdown(result["reliability"], s, Printed(result.numbers["reliability"]),
                                                 result["below_threshold"]))
    write_numbers(smk, "indices", result, {"reliability": smk.output.reliability_md}, s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
