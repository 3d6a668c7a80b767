"""Snakemake adapter: the reproduction report (rule `reproduction`)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import write_numbers, write_text  # noqa: E402

from scs import reproduction  # noqa: E402
from scs.config import load_yaml  # noqa: E402
from scs.errors import run_step  # noqa: E402
from scs.registry import Numbers, load_json  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = smk.config
    published = load_yaml(smk.input.published)
    numbers = {}
    for frag in smk.input.fragments:
        numbers.update(load_json(frag)["numbers"])
    rows = reproduction.evaluate(published["checks"], numbers, cfg)
    nums = Numbers("reproduction")
    write_text(smk.output.md, reproduction.report_markdown(rows, cfg, published["sources"], nums, smk.output.md))
    write_numbers(smk, nums, cfg)


run_step(main, log=smk.log[0], outputs=list(smk.output))
