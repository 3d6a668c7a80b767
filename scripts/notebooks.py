"""Snakemake adapter: execute the notebooks on the pipeline's outputs, in one kernel (rule `notebooks`)."""

import logging
import os
from pathlib import Path

from _common import run_step
from scs.report.notebooks import execute_all

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    jobs = [(f"notebooks/{name}.py", smk.output[f"ipynb_{name}"], smk.output[f"html_{name}"],
             {"CFG": slice_, "OUT": smk.params.out}) for name, slice_ in smk.params.notebooks.items()]
    execute_all(jobs, cwd=Path.cwd(), progress=lambda source: logging.info("executing %s", source))


run_step(main, log=smk.log[0], outputs=list(smk.output))
