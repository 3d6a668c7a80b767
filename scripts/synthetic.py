"""Snakemake adapter: generate the SYNTHETIC stand-in raw export (rule `synthetic`)."""

import logging
from pathlib import Path

from _common import run_step, settings_of, write_json, write_text
from scs import synth
from scs.config import file_sha256, load_yaml
from scs.io.codebook import load_codebook
from scs.stages import weights
from scs.synth import export

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    spec = load_yaml(smk.input.spec)
    codebook = load_codebook(smk.input.codebook)
    targets = weights.load_targets(smk.input.targets)
    seed = int(s.synthetic.seed)
    cells, truth, _ = synth.generate(s, spec, codebook, targets, seed)
    export.write_qualtrics_csv(cells, codebook, smk.output.csv, lang=spec["export"].get("question_text", "zh"))
    export.write_sav(cells, codebook, smk.output.sav)
    write_json(smk.output.truth, truth)
    sums = "".join(f"{file_sha256(p)}  {Path(p).name}\n" for p in (smk.output.csv, smk.output.sav))
    write_text(smk.output.sums, sums)
    logging.info("wrote %d raw responses (%d completes after cleaning) with seed %d", len(cells), truth["completes"], seed)


run_step(main, log=smk.log[0], outputs=list(smk.output))
