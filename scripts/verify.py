"""Snakemake adapter: compare this build with the pins of its raw file (rule `verify`).

verify.md says what was compared and, on drift, holds the table of what moved; the status file tells the
`drift` rule whether to stop the build (so that the report stays, where a failed job's outputs would not)."""

import logging

from _common import run_step, settings_of, write_json, write_table
from scs.report import registry

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    reg = registry.load_json(smk.input.registry)
    text_now = registry.load_json(smk.input.text)
    pins = registry.load_pins(smk.params.pins)
    head = ["# Drift check against the pins", "", f"Data: {s.data.label}", ""]
    moved = 0
    if pins is None:
        logging.info("no pins for this raw file in %s: nothing to compare (`%s repin` pins this build)",
                     smk.params.pins, smk.params.make)
        text = head + registry.no_pins_text(smk.params.pins, smk.params.raw_sha256, make=smk.params.make)
    else:
        numbers, text_pinned, meta = pins
        rows = registry.compare(reg, numbers, text_now, text_pinned, s.verify)
        moved = len(rows)
        if rows:
            logging.info("drift check: %d pinned number(s) or file(s) moved from the pins in %s (table: %s)", moved,
                          smk.params.pins, smk.output.md)
            text = head + registry.drift_text(rows, smk.params.pins, meta, make=smk.params.make)
        else:
            text = head + registry.no_drift_text(reg, text_now, smk.params.pins, meta)
    write_table(smk.output.md, smk.output.html, "\n".join(text) + "\n")
    write_json(smk.output.status, {"moved": moved, "pins": smk.params.pins, "report": smk.output.md}, released=False)


run_step(main, log=smk.log[0], outputs=list(smk.output))
