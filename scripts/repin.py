"""Snakemake adapter: record this build as the pins of its raw file (rule `repin`; run on purpose: make repin)."""

import logging

from _common import run_step
from scs.report import registry

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    n_num, n_text = registry.write_pins(smk.params.pins, registry.load_json(smk.input.registry),
                                        registry.load_json(smk.input.text), raw_sha256=smk.params.raw_sha256,
                                        config_sha256=smk.params.config_sha256)
    logging.info("pinned %s numbers and %d text files in %s/", f"{n_num:,}", n_text, smk.params.pins)


run_step(main, log=smk.log[0])
