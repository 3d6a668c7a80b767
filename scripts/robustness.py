"""Snakemake adapter: the full model unweighted, without bounds, and with the alternative coding (rule `robustness`)."""

import pandas as pd

from _common import read_design, run_step, settings_of, write_csv, write_numbers, write_table
from scs.report import model_tables
from scs.report.registry import Numbers, Printed
from scs.stages import models, weights
from scs.survey.design import unweighted

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    frame = pd.read_parquet(smk.input.analysis)
    full = s.models.full
    design = read_design(smk, frame)
    unbounded = read_design(smk, frame, weight=weights.UNBOUNDED)
    equal = unweighted(len(frame), variance=design.method)
    mats = models.matrices(frame, s, alternative=True)
    masks = models.samples(frame, s, mats)
    parts = []
    for variant, des, which in (("main", design, full), ("unweighted", equal, full),
                                ("unbounded", unbounded, full), ("alternative", design, models.ALTERNATIVE)):
        tab, _ = models.fit(des, frame, s, mats, masks, models=[which], variant=variant)
        parts.append(tab)
    rob = pd.concat(parts, ignore_index=True)
    stated = models.robustness_numbers(rob, s)
    write_csv(smk.output.csv, rob, s)
    write_table(smk.output.md, smk.output.html, model_tables.robustness_markdown(rob, s, Printed(stated)))
    write_numbers(smk, Numbers("robustness").take(stated, file=smk.output.md), s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
