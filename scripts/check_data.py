"""Snakemake adapter: check the whole export against the codebook and report every problem (rule `check_data`)."""

import logging

from _common import cfg_of, run_step

from scs import datacheck
from scs.codebook import load_codebook

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    codebook = load_codebook(smk.input.codebook)
    problems, facts = datacheck.check_raw(smk.input.raw, codebook, cfg["data"].get("format", "auto"))
    line = datacheck.write_report(problems, facts, md=smk.output.md, csv=smk.output.csv, file=smk.input.raw,
                                  codebook=codebook, label=cfg["data"]["label"], source=cfg["data"]["source"],
                                  html=smk.output.html)
    errors = [p for p in problems if p.severity == "error"]
    (logging.warning if errors else logging.info)(("WARNING: " if errors else "") + line)
    for p in errors[:5]:
        logging.warning("  %s", p.line(smk.input.raw))
    if len(errors) > 5:
        logging.warning("  ... and %d more (see %s)", len(errors) - 5, smk.output.md)


run_step(main, log=smk.log[0], outputs=list(smk.output))
