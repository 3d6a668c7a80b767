"""Snakemake adapter: cleaned data -> weights, re-weighted replicates, the stored design, diagnostics (rule `weights`)."""

import logging

import pandas as pd

from _common import run_step, settings_of, write_csv, write_json, write_numbers, write_parquet, write_table
from scs.io.codebook import load_codebook
from scs.report import weight_tables
from scs.report.registry import Numbers, Printed, withhold_small_cells
from scs.stages import weights

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    ws = s.weighting
    frame = pd.read_parquet(smk.input.data)
    targets = weights.load_targets(smk.input.targets)
    logging.info("weighting %d respondents to %s (%s); %s", len(frame), list(ws.variables), ws.method,
                 weights.variance_note(len(frame), ws))
    result = weights.make_weights(frame, targets, ws, file=smk.input.targets, config_file=s.file,
                                  progress=lambda what, i, n: logging.info("  %s %d of %d", what, i, n))
    for note in result.plan.adjustments:
        logging.warning("WARNING: weighting: %s (see %s)", note, smk.output.md)
    key = load_codebook(smk.input.codebook).key_var
    record = weights.design_record(result, ws, key)
    margins = weights.margins_table(frame, result.weight, result.plan, targets)
    reps = (weights.replicate_check(result.replicates, result.base, frame, record)
            if result.replicates is not None else None)
    summary = weights.weight_summary(result.weight, result.base, margins, record, reps)
    logging.info("max margin error %.1e; Kish deff %.3f; effective n %.1f", summary["max_abs_margin_error"],
                 summary["kish_deff"], summary["effective_n"])
    write_parquet(smk.output.weights, weights.weights_frame(frame[key], result), s)
    write_parquet(smk.output.jackknife, weights.jackknife_frame(result), s)
    write_json(smk.output.design, {"data_source": s.data.source, **record}, released=False)
    min_cell = s.disclosure.min_cell
    write_csv(smk.output.margins, withhold_small_cells(margins, "n", ["n", "unweighted"], min_cell), s)
    write_json(smk.output.summary, {"data_source": s.data.source, **summary})
    stated = weights.weight_numbers(margins, summary, min_cell)
    write_table(smk.output.md, smk.output.html,
                weight_tables.diagnostics_markdown(margins, summary, record, s, Printed(stated, min_cell=min_cell)))
    write_numbers(smk, Numbers("weights").take(stated, file=smk.output.md, min_cell=min_cell), s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
