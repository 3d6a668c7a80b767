"""Snakemake adapter: every battery item and index by group, the crosstabs and their Rao-Scott tests (rule
`domains`; their figure: scripts/figures.py)."""

import logging

import pandas as pd

from _common import read_design, run_step, settings_of, write_csv, write_numbers, write_table
from scs.errors import PipelineError
from scs.io.codebook import load_codebook
from scs.report import domain_tables
from scs.report.registry import Printed
from scs.stages import domains, items

smk = snakemake  # noqa: F821 - injected by Snakemake


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
    released, cells_out = domain_tables.released(est, cells, min_cell)
    write_csv(smk.output.estimates, released, s)
    write_csv(smk.output.cells, cells_out, s)
    write_csv(smk.output.tests, tests, s)
    write_table(smk.output.md, smk.output.html,
                domain_tables.estimates_markdown(est, s, Printed(result.numbers["estimates"], min_cell=min_cell)))
    write_table(smk.output.crosstabs_md, smk.output.crosstabs_html,
                domain_tables.crosstabs_markdown(cells, tests, s, Printed(result.numbers["crosstabs"],
                                                                          min_cell=min_cell)))
    write_numbers(smk, "domains", result, {"estimates": smk.output.md, "crosstabs": smk.output.crosstabs_md}, s,
                  min_cell=min_cell)
    for t in tests.itertuples():
        logging.info("%s by %s: Rao-Scott F = %.3f on %.2f and %.1f df, p = %.4g (n = %d)", t.row_label, t.col_label,
                     t.F, t.ndf, t.ddf, t.p, t.n)


run_step(main, log=smk.log[0], outputs=list(smk.output))
