"""Snakemake adapter: design-based item and index estimates, answer shares, paired contrasts (rule `item_estimates`)."""

import logging

import pandas as pd

from _common import read_design, run_step, settings_of, write_csv, write_numbers, write_table
from scs.report import item_tables
from scs.report.registry import Printed, withhold_small_cells
from scs.stages import items

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    frame = pd.read_parquet(smk.input.analysis)
    design = read_design(smk, frame)
    logging.info("estimating %d items and %d indices", sum(len(s.scales[b].items) for b in s.batteries),
                 len(s.batteries))
    result = items.run(design, frame, s)
    est = result["estimates"]
    min_cell = s.disclosure.min_cell
    stats = [c for c in est.columns if c not in ("scale", "var", "label", "kind")]
    write_csv(smk.output.estimates, withhold_small_cells(est, "n", stats, min_cell), s)
    write_csv(smk.output.distribution, withhold_small_cells(result["distribution"], "n", ["n"], min_cell), s)
    write_csv(smk.output.contrasts, result["contrasts"], s)
    write_table(smk.output.md, smk.output.html,
                item_tables.estimates_markdown(est, s, Printed(result.numbers["estimates"], min_cell=min_cell)))
    write_numbers(smk, "item_estimates", result, {"estimates": smk.output.md}, s, min_cell=min_cell)
    for r in est[est.kind == "index"].itertuples():
        logging.info("%s: weighted mean %.3f (SE %.3f), n = %d", r.label, r.mean, r.se, r.n)


run_step(main, log=smk.log[0], outputs=list(smk.output))
