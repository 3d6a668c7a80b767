"""Snakemake adapter: regressions M1-M3 of every outcome, estimation samples, predictive margins (rule `regressions`)."""

import logging

import pandas as pd

from _common import read_design, run_step, settings_of, write_csv, write_numbers, write_table, write_text
from scs.report import model_tables
from scs.report.htmltable import source_page
from scs.report.registry import Numbers, Printed
from scs.stages import models

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    frame = pd.read_parquet(smk.input.analysis)
    design = read_design(smk, frame)
    mats = models.matrices(frame, s)
    masks = models.samples(frame, s, mats)
    samples = models.samples_table(frame, s, masks)
    for r in samples.itertuples():
        if r.n < r.n_analytic:
            logging.warning("WARNING: %s, %s: %d of %d respondents lack the outcome or a covariate and are not in the "
                            "estimation sample (see %s)", r.outcome, r.model, r.n_analytic - r.n, r.n_analytic,
                            smk.output.table_md)
    logging.info("fitting %s for %s", list(s.models.formulas), s.models.outcomes)
    coefs, fits = models.fit(design, frame, s, mats, masks)
    pred = models.predicted(design, frame, s, mats, fits)
    stated = models.regression_numbers(coefs, samples, s)
    margins = models.predicted_numbers(pred)
    write_csv(smk.output.coefficients, coefs, s)
    write_csv(smk.output.samples, samples, s)
    write_table(smk.output.table_md, smk.output.table_html,
                model_tables.regression_markdown(coefs, samples, s, Printed(stated)))
    tex = model_tables.regression_latex(coefs, s, Printed(stated))
    write_text(smk.output.table_tex, tex)
    write_text(smk.output.table_tex_html, source_page(tex, smk.output.table_tex, "Regressions in LaTeX (booktabs)"))
    write_csv(smk.output.predicted, pred, s)
    write_table(smk.output.predicted_md, smk.output.predicted_html,
                model_tables.predicted_markdown(pred, s, Printed(margins)))
    nums = Numbers("regressions").take(stated, file=smk.output.table_md).take(margins, file=smk.output.predicted_md)
    write_numbers(smk, nums, s)
    full = coefs[coefs.model == s.models.full]
    for r in full[full.term.isin(s.models.political_capital)].itertuples():
        logging.info("%s, %s: %.3f (SE %.3f)", r.outcome, r.term, r.coef, r.se)


run_step(main, log=smk.log[0], outputs=list(smk.output))
