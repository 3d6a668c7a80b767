"""Snakemake adapter: the manuscript's PDF with latexmk (rule `paper`; `make paper`).

paper/ms.tex is the template of any study; the setup it reads (setup.tex, written next to the PDF) comes from
the configuration, the citation file and the workflow's tables and figures; the study's text is the file
paper.prose."""

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from _common import run_step, settings_of, write_text
from scs.errors import PipelineError
from scs.report import paper

smk = snakemake  # noqa: F821 - injected by Snakemake
TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended latexmk lmodern"


def exhibit_files(out_dir: Path) -> dict:
    """Every table and figure of the rule's inputs, by the name setup_tex takes, relative to the output folder."""
    def rel(p):
        return Path(p).resolve().relative_to(out_dir).as_posix()

    s = settings_of(smk)
    files = {"descriptives": rel(smk.input.descriptives), "regressions": rel(smk.input.regressions),
             "models": rel(smk.input.capital)}
    files |= {f"items.{b}": rel(f) for b, f in zip(s.batteries, smk.input.item_figures, strict=True)}
    outcomes = s.multiverse.outcomes if s.multiverse else ()
    files |= {f"specification_curve.{y}": rel(f) for y, f in zip(outcomes, smk.input.curves, strict=True)}
    return files


def main():
    s = settings_of(smk)
    ms = Path(smk.input.ms)
    if not s.paper.prose:
        raise PipelineError("the configuration names no text of the study (paper.prose)", file=s.file,
                            expected="a file like paper/study.tex: abstract, sections that place each table and "
                            "figure, references")
    prose = Path(s.paper.prose)
    for tex in (ms, prose):
        paper.check_manuscript(tex, s.paper.allowed_numbers)
    if not shutil.which("latexmk"):
        raise PipelineError("latexmk is not installed", expected=f"TeX Live: apt-get install {TEX_PACKAGES}")
    out_dir = Path(smk.input.numbers).parent.resolve()  # the output folder: numbers.tex is at its top
    citation = paper.read_citation(smk.input.citation)
    write_text(smk.output.setup, paper.setup_tex(s, citation, exhibit_files(out_dir), prose=prose.as_posix()))
    epoch = paper.source_date_epoch(paper.paper_date(s, citation))
    setup_dir = Path(smk.output.setup).parent.resolve()
    env = {**os.environ, "TEXINPUTS": f"{setup_dir}/:{out_dir}/:{ms.parent.resolve()}/:",
           "SOURCE_DATE_EPOCH": str(epoch), "FORCE_SOURCE_DATE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["latexmk", "-pdf", "-halt-on-error", "-interaction=nonstopmode", "-file-line-error",
               f"-outdir={tmp}", str(ms.resolve())]
        logging.info("latexmk: %s with %s", ms, prose)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        log = Path(tmp) / (ms.stem + ".log")
        log_text = log.read_text(errors="replace") if log.is_file() else proc.stdout
        Path(smk.log[0]).parent.mkdir(parents=True, exist_ok=True)
        with open(smk.log[0], "a", encoding="utf-8") as fh:
            fh.write(log_text)
        if proc.returncode != 0:
            raise paper.latex_error(log_text, str(ms), prose=str(prose), prefix=s.paper.macro_prefix)
        Path(smk.output.pdf).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / (ms.stem + ".pdf"), smk.output.pdf)


run_step(main, log=smk.log[0], outputs=list(smk.output))
