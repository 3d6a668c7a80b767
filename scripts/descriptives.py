"""Snakemake adapter: descriptive statistics of the analysis variables (rule `descriptives`)."""


import pandas as pd

from _common import read_final_weight, run_step, settings_of, write_csv, write_numbers, write_table, write_text
from scs.report import descriptive_tables
from scs.report.htmltable import source_page
from scs.report.registry import Printed
from scs.stages import descriptives

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    frame = pd.read_parquet(smk.input.analysis)
    result = descriptives.run(frame, read_final_weight(smk, frame), s)
    d, printed = result["descriptives"], Printed(result.numbers["descriptives"])
    write_csv(smk.output.csv, d, s)
    write_table(smk.output.md, smk.output.html, descriptive_tables.descriptives_markdown(d, s, printed))
    tex = descriptive_tables.descriptives_latex(d, s, printed)
    write_text(smk.output.tex, tex)
    write_text(smk.output.tex_html, source_page(tex, smk.output.tex, "Descriptive statistics in LaTeX (booktabs)"))
    write_numbers(smk, "descriptives", result, {"descriptives": smk.output.md}, s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
