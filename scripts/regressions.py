"""Snakemake adapter: regressions M1-M3 of every outcome, estimation samples, predictive margins (rule `regressions`)."""

import logging

import pandas as pd

from _common import read_design, run_step, settings_of, write_csv, write_numbers, write_table, write_text
from scs.report import model_tables
from scs.report.htmltable import source_page
from scs.report.registry import Printed
from scs.stages import indices, models

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    frame = pd.read_parquet(smk.input.analysis)
    design = read_design(smk, frame)
    logging.info("fitting %s for %s", list(s.models.formulas), list(s.models.outcomes))
    result = models.run_regressions(design, frame, s)
    coefs, samples, pred = result["coefficients"], result["samples"], result["predicted"]
    for r in samples.itertuples():
        if r.n < r.n_analytic:
            logging.warning("WARNING: %s, %s: %d of %d respondents lack the outcome or a covariate and are not in the "
                            "estimation sample (see %s)", r.outcome, r.model, r.n_analytic - r.n, r.n_analytic,
                            smk.output.table_md)
    printed = Printed(result.numbers["regression_table"])
    write_csv(smk.output.coefficients, coefs, s)
    write_csv(smk.output.samples, samples, s)
    low = list(indices.below_threshold(pd.read_csv(smk.input.reliability), s))
    write_table(smk.output.table_md, smk.output.table_html,
                model_tables.regression_markdown(coefs, samples, s, printed, low_reliability=low))
    tex = model_tables.regression_latex(coefs, s, printed, low_reliability=low)
    write_text(smk.output.table_tex, tex)
    write_text(smk.output.table_tex_html, source_page(tex, smk.output.table_tex, "Regressions in LaTeX (booktabs)"))
    write_csv(smk.output.predicted, pred, s)
    write_table(smk.output.predicted_md, smk.output.predicted_html,
                model_tables.predicted_markdown(pred, s, Printed(result.numbers["predicted"])))
    write_numbers(smk, "regressions", result,
                  {"regression_table": smk.output.table_md, "predicted": smk.output.predicted_md}, s)
    full = coefs[coefs.model == s.models.full]
    for r in full[full.term.isin(s.models.political_capital)].itertuples():
        logging.info("%s, %s: %.3f (SE %.3f)", r.outcome, r.term, r.coef, r.se)


run_step(main, log=smk.log[0], outputs=list(smk.output))
