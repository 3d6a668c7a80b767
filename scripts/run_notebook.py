"""Snakemake adapter: execute one notebook on the pipeline's outputs (rule `notebook`)."""

import logging
import os
from pathlib import Path

from scs.errors import run_step  # noqa: E402
from scs.notebooks import execute  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    logging.info("executing %s", smk.input.notebook)
    execute(smk.input.notebook, smk.output.ipynb, smk.output.html, cwd=Path.cwd())


run_step(main, log=smk.log[0], outputs=list(smk.output))
