"""Snakemake adapter: generate the SYNTHETIC stand-in raw export (rule `synthetic`)."""

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import write_json, write_text  # noqa: E402

from scs import config as cfgmod  # noqa: E402
from scs import ingest, synth, weights  # noqa: E402
from scs.errors import run_step  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = smk.config
    spec = cfgmod.load_yaml(smk.input.spec)
    codebook = ingest.load_codebook(smk.input.codebook)
    targets = weights.load_targets(smk.input.targets)
    seed = int(cfg["synthetic"]["seed"])
    cells, truth, _ = synth.generate(cfg, spec, codebook, targets, seed)
    synth.write_qualtrics_csv(cells, codebook, smk.output.csv)
    synth.write_sav(cells, codebook, smk.output.sav)
    write_json(smk.output.truth, truth)
    sums = "".join(f"{cfgmod.file_sha256(p)}  {Path(p).name}\n" for p in (smk.output.csv, smk.output.sav))
    write_text(smk.output.sums, sums)
    logging.info("wrote %d raw responses (%d completes after cleaning) with seed %d", len(cells), truth["completes"], seed)


run_step(main, log=smk.log[0], outputs=list(smk.output))
