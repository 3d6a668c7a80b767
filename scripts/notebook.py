"""Snakemake adapter: execute one notebook on the pipeline's outputs (rule `notebook`)."""

import logging
import os
from pathlib import Path

from _common import cfg_of, run_step

from scs.notebooks import execute

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    logging.info("executing %s", smk.input.notebook)
    execute(smk.input.notebook, smk.output.ipynb, smk.output.html, cwd=Path.cwd(),
            parameters={"CFG": cfg_of(smk), "OUT": smk.params.out})


run_step(main, log=smk.log[0], outputs=list(smk.output))
