"""Snakemake adapter: checksums of the text outputs the drift check compares (rule `checksums`)."""

from _common import run_step, write_json
from scs.report import registry

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    write_json(smk.output[0], registry.text_checksums(smk.input.text))


run_step(main, log=smk.log[0], outputs=list(smk.output))
