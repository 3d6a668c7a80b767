"""Snakemake adapter: compare this build with the pins of its raw file; fail with a table on drift (rule `verify`)."""

import logging

from _common import cfg_of, run_step, write_table
from scs.errors import PipelineError
from scs.report import registry

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    reg = registry.load_json(smk.input.registry)
    text_now = registry.load_json(smk.input.text)
    pins = registry.load_pins(smk.params.pins)
    head = ["# Drift check against the pins", "", f"Data: {cfg['data']['label']}", ""]
    if pins is None:
        logging.info("no pins for this raw file in %s: nothing to compare (make repin pins this build)", smk.params.pins)
        write_table(smk.output.md, smk.output.html,
                    "\n".join(head + registry.no_pins_text(smk.params.pins, smk.params.raw_sha256)) + "\n")
        return
    numbers, text_pinned, meta = pins
    rows = registry.compare(reg, numbers, text_now, text_pinned, cfg["verify"])
    if rows:
        logging.error("DRIFT: %d item(s) moved from the pins:\n%s", len(rows), registry.drift_table(rows))
        raise PipelineError(f"{len(rows)} pinned number(s) or file(s) moved (table above); if the change is "
                            "intended, re-pin with `make repin` and commit the pins", file=smk.params.pins)
    write_table(smk.output.md, smk.output.html,
                "\n".join(head + registry.no_drift_text(reg, text_now, smk.params.pins, meta)) + "\n")


run_step(main, log=smk.log[0], outputs=list(smk.output))
