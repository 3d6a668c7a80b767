"""Snakemake adapter: merge the stage fragments into results/numbers.json and numbers.tex (rule `registry`)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import write_json, write_text  # noqa: E402

from scs import registry  # noqa: E402
from scs.errors import run_step  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    reg = registry.merge([registry.load_json(f) for f in smk.input.fragments], smk.config)
    write_json(smk.output.json, reg)
    write_text(smk.output.tex, registry.to_tex(reg))
    write_text(smk.output.disclosure, registry.disclosure_markdown(reg, smk.config["disclosure"]["min_cell"]))


run_step(main, log=smk.log[0], outputs=list(smk.output))
