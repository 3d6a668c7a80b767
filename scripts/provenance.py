"""Snakemake adapter: provenance.json and the list of tables and programs (rule `provenance`)."""

import json
from pathlib import Path

from _common import run_step, settings_of, write_json, write_table
from scs.report import provenance

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    rules = json.loads(smk.params.rules)
    exhibits = json.loads(smk.params.exhibits)
    write_table(smk.output.md, smk.output.html, provenance.tables_and_programs(rules, exhibits, s.data.label, s))
    # this rule's own list is an output too
    rules.append({"rule": "provenance", "script": "scripts/provenance.py", "inputs": list(smk.input.code),
                  "outputs": [smk.output.md, smk.output.html]})
    write_json(smk.output.json, provenance.build(rules, s.data, Path.cwd(), config_sha256=smk.params.config_sha256,
                                                        output=smk.output.json))


run_step(main, log=smk.log[0], outputs=list(smk.output))
