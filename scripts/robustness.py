"""Snakemake adapter: the full model unweighted, without bounds, and with the alternative coding (rule `robustness`)."""

import pandas as pd

from _common import read_design, run_step, settings_of, write_csv, write_numbers, write_table
from scs.report import model_tables
from scs.report.registry import Printed
from scs.stages import models, stored_design
from scs.survey.design import unweighted

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    frame = pd.read_parquet(smk.input.analysis)
    design = read_design(smk, frame)
    designs = {"main": design, "unweighted": unweighted(len(frame), variance=design.method, strata=design.strata,
                                                     psu=design.psu, lonely_psu=design.lonely_psu),
               "unbounded": read_design(smk, frame, weight=stored_design.UNBOUNDED)}
    result = models.run_robustness(designs, frame, s)
    rob = result["robustness"]
    write_csv(smk.output.csv, rob, s)
    write_table(smk.output.md, smk.output.html,
                model_tables.robustness_markdown(rob, s, Printed(result.numbers["robustness"])))
    write_numbers(smk, "robustness", result, {"robustness": smk.output.md}, s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
