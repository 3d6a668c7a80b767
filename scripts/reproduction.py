"""Snakemake adapter: the reproduction report (rule `reproduction`)."""

import pandas as pd

from _common import run_step, settings_of, write_numbers, write_table
from scs.config import load_yaml
from scs.report import reproduction_tables
from scs.report.registry import Printed, load_json
from scs.stages import reproduction

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    numbers = {}
    for frag in smk.input.fragments:
        numbers.update(load_json(frag)["numbers"])
    n = numbers.get("clean.analytic_n", {}).get("value")
    published = load_yaml(smk.input.published)
    result = reproduction.run(published["checks"], numbers, pd.read_csv(smk.input.contrasts), s)
    text = reproduction_tables.report_markdown(result["rows"], s, published["sources"],
                                               Printed(result.numbers["report"]), n=None if n is None else int(n),
                                               raw_sha256=smk.params.raw_sha256)
    write_table(smk.output.md, smk.output.html, text)
    write_numbers(smk, "reproduction", result, {"report": smk.output.md}, s)


run_step(main, log=smk.log[0], outputs=list(smk.output))
