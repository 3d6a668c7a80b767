"""Snakemake adapter: results/provenance.json and the list of tables and programs (rule `provenance`)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import write_json, write_text  # noqa: E402

from scs import provenance  # noqa: E402
from scs.errors import run_step  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    rules = json.loads(smk.params.rules)
    write_text(smk.output.md, provenance.tables_and_programs(rules, smk.config["data"]["label"]))
    # this rule's own list is an output too
    rules.append({"rule": "provenance", "script": "scripts/provenance.py", "inputs": list(smk.input.code),
                  "outputs": [smk.output.md], "exhibits": []})
    write_json(smk.output.json, provenance.build(rules, smk.config, Path.cwd()))


run_step(main, log=smk.log[0], outputs=list(smk.output))
