"""Snakemake adapter: every battery item and index by group, the crosstabs and their Rao-Scott tests, and the
figure of the indices by group (rule `domains`)."""

import logging

import pandas as pd

from _common import read_design, run_step, settings_of, write_csv, write_numbers, write_table
from scs.errors import PipelineError
from scs.io.codebook import load_codebook
from scs.precision import round_frame
from scs.report import domain_tables, figures
from scs.report.registry import Printed, withhold_small_cells
from scs.stages import domains, items

smk = snakemake  # noqa: F821 - injected by Snakemake

ESTIMATE_ID = ("scale", "var", "label", "kind", "group", "group_label", "level", "level_label", "variance", "df")
CELL_ID = ("row_var", "col_var", "row_level", "row_level_label", "col_level", "col_level_label", "variance", "df",
           "n_row")


def axis_label(rs):
    """The axis of an index: its mean, and what the two ends of its response scale mean."""
    lo, hi = min(rs.codes), max(rs.codes)
    return f"Mean ({lo} = {str(rs.labels[lo]).lower()}, {hi} = {str(rs.labels[hi]).lower()})"


def main():
    s = settings_of(smk)
    if not s.domains or not s.domains.configured:
        raise PipelineError("the configuration names no groups or crosstabs (domains.by, domains.crosstabs)",
                            file=s.file, expected="a domains section (see config.yaml), or no `domains` target")
    frame = pd.read_parquet(smk.input.analysis)
    design = read_design(smk, frame)
    codebook = load_codebook(smk.input.codebook)
    domains.check(s, codebook)
    labels = domains.variables(s, codebook)
    logging.info("estimating %d items and indices in the levels of %d group(s); %d crosstab(s)",
                 len(items.entries(s)), len(s.domains.by), len(s.domains.crosstabs))
    result = domains.run(design, frame, s, labels)
    min_cell = s.disclosure.min_cell
    est, cells, tests = result["estimates"], result["cells"], result["tests"]
    released = withhold_small_cells(est, "n", [c for c in est.columns if c not in ESTIMATE_ID], min_cell)
    write_csv(smk.output.estimates, released, s)
    stats = [c for c in cells.columns if c not in CELL_ID]  # a small cell, and every cell of a small row
    cells_out = withhold_small_cells(withhold_small_cells(cells, "n", stats, min_cell), "n_row", [*stats, "n_row"],
                                     min_cell)
    write_csv(smk.output.cells, cells_out, s)
    write_csv(smk.output.tests, tests, s)
    write_table(smk.output.md, smk.output.html,
                domain_tables.estimates_markdown(est, s, Printed(result.numbers["estimates"], min_cell=min_cell)))
    write_table(smk.output.crosstabs_md, smk.output.crosstabs_html,
                domain_tables.crosstabs_markdown(cells, tests, s, Printed(result.numbers["crosstabs"],
                                                                          min_cell=min_cell)))
    # the figure draws the numbers as released (rounded, small cells withheld)
    shown = round_frame(released)
    fig = figures.domain_figure(shown, indices=[(b, s.scales[b].label) for b in s.batteries], title=s.domains.title,
                                source_label=s.data.label, synthetic=s.data.source == "synthetic",
                                ci_level=s.estimates.ci_level, method=design.method, min_cell=min_cell,
                                axis_labels={b: axis_label(s.response_scale_of(b)) for b in s.batteries})
    figures.save(fig, smk.output.png, smk.output.pdf, dpi=s.figures.dpi)
    write_numbers(smk, "domains", result, {"estimates": smk.output.md, "crosstabs": smk.output.crosstabs_md}, s,
                  min_cell=min_cell)
    for t in tests.itertuples():
        logging.info("%s by %s: Rao-Scott F = %.3f on %.2f and %.1f df, p = %.4g (n = %d)", t.row_label, t.col_label,
                     t.F, t.ndf, t.ddf, t.p, t.n)


run_step(main, log=smk.log[0], outputs=list(smk.output))
