"""Snakemake adapter: cleaned data -> weights, re-weighted replicates, the stored design, diagnostics (rule `weights`)."""

import logging

import pandas as pd

from _common import run_step, settings_of, write_csv, write_json, write_numbers, write_parquet, write_table
from scs.io.codebook import load_codebook
from scs.report import weight_tables
from scs.report.registry import Printed, withhold_small_cells
from scs.stages import weights

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    frame = pd.read_parquet(smk.input.data)
    targets = weights.load_targets(smk.input.targets)
    logging.info("weighting %d respondents to %s (%s); %s", len(frame), list(s.weighting.variables), s.weighting.method,
                 weights.variance_note(len(frame), s.weighting, s.design))
    result = weights.run(frame, targets, s, key=load_codebook(smk.input.codebook).key_var, file=smk.input.targets,
                         data_file=smk.input.data, progress=lambda what, i, n: logging.info("  %s %d of %d", what, i, n))
    record, summary = result["record"], result["summary"]
    for note in result["weighting"].plan.adjustments:
        logging.warning("WARNING: weighting: %s (see %s)", note, smk.output.md)
    logging.info("max margin error %.1e; Kish deff %.3f; effective n %.1f", summary["max_abs_margin_error"],
                 summary["kish_deff"], summary["effective_n"])
    write_parquet(smk.output.weights, result["weights"], s)
    write_parquet(smk.output.jackknife, result["jackknife"], s)
    write_json(smk.output.design, {"data_source": s.data.source, **record}, released=False)
    min_cell = s.disclosure.min_cell
    write_csv(smk.output.margins, withhold_small_cells(result["margins"], "n", ["n", "unweighted"], min_cell), s)
    write_json(smk.output.summary, {"data_source": s.data.source, **summary})
    printed = Printed(result.numbers["diagnostics"], min_cell=min_cell)
    write_table(smk.output.md, smk.output.html,
                weight_tables.diagnostics_markdown(result["margins"], summary, record, s, printed,
                                                    labels=smk.params.shown))
    write_numbers(smk, "weights", result, {"diagnostics": smk.output.md}, s, min_cell=min_cell)


run_step(main, log=smk.log[0], outputs=list(smk.output))
