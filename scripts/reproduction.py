"""Snakemake adapter: the reproduction report (rule `reproduction`)."""

import pandas as pd

from _common import run_step, settings_of, write_numbers, write_table
from scs.config import load_yaml
from scs.report import reproduction_tables
from scs.report.registry import Numbers, Printed, load_json
from scs.stages import reproduction

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    numbers = {}
    for frag in smk.input.fragments:
        numbers.update(load_json(frag)["numbers"])
    n = numbers.get("clean.analytic_n", {}).get("value")
    published = load_yaml(smk.input.published)
    rows = None
    if reproduction.should_compare(s):
        rows = reproduction.evaluate(published["checks"], numbers, pd.read_csv(smk.input.contrasts), s)
    stated = reproduction.reproduction_numbers(rows)
    text = reproduction_tables.report_markdown(rows, s, published["sources"], Printed(stated),
                                        n=None if n is None else int(n), raw_sha256=smk.params.raw_sha256)
    write_table(smk.output.md, smk.output.html, text)
    write_numbers(smk, Numbers("reproduction").take(stated, file=smk.output.md), s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
