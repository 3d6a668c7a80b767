"""Snakemake adapter: the manuscript's PDF with latexmk (rule `paper`; `make paper`)."""

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from _common import run_step
from scs.errors import PipelineError
from scs.report import paper

smk = snakemake  # noqa: F821 - injected by Snakemake
TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended latexmk lmodern"


def main():
    ms = Path(smk.input.ms)
    paper.check_manuscript(ms, smk.input.allowed)
    if not shutil.which("latexmk"):
        raise PipelineError("latexmk is not installed", expected=f"TeX Live: apt-get install {TEX_PACKAGES}")
    out_dir = Path(smk.input.numbers).parent.resolve()  # the output folder: numbers.tex is at its top
    env = {**os.environ, "TEXINPUTS": f"{out_dir}/:{ms.parent.resolve()}/:",
           "SOURCE_DATE_EPOCH": str(smk.params.epoch), "FORCE_SOURCE_DATE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["latexmk", "-pdf", "-halt-on-error", "-interaction=nonstopmode",
               f"-outdir={tmp}", str(ms.resolve())]
        logging.info("latexmk: %s", ms)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        log = Path(tmp) / (ms.stem + ".log")
        log_text = log.read_text(errors="replace") if log.is_file() else proc.stdout
        Path(smk.log[0]).parent.mkdir(parents=True, exist_ok=True)
        with open(smk.log[0], "a", encoding="utf-8") as fh:
            fh.write(log_text)
        if proc.returncode != 0:
            raise paper.latex_error(log_text, str(ms))
        Path(smk.output.pdf).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / (ms.stem + ".pdf"), smk.output.pdf)


run_step(main, log=smk.log[0], outputs=list(smk.output))
