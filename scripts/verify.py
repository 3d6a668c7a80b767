"""Snakemake adapter: compare this build with the pins; fail with a table on drift (rule `verify`)."""

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import write_text  # noqa: E402

from scs import registry  # noqa: E402
from scs.errors import PipelineError, run_step  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = smk.config
    vcfg = cfg["verify"]
    reg = registry.load_json(smk.input.registry)
    for p in (smk.params.pins_numbers, smk.params.pins_text):
        if not Path(p).is_file():
            raise PipelineError("no pins to compare with", file=p,
                                expected="pinned outputs: run `make repin` once and commit pins/")
    pins = registry.load_json(smk.params.pins_numbers)
    if pins.get("data_source") != reg["data_source"]:
        raise PipelineError(
            f"the pins were made from {pins.get('data_source')!r} data but this build is from {reg['data_source']!r}",
            file=smk.params.pins_numbers, expected="pins of the same data source: run `make repin` to pin this build")
    text_pinned = registry.load_json(smk.params.pins_text)
    text_now = registry.text_checksums(registry.text_outputs(Path("results")))  # the same files `make repin` pins
    rows = registry.compare(reg, pins, text_now, text_pinned, vcfg)
    n = len(reg["numbers"])
    head = ["# Drift check against the pins", "", f"Data: {cfg['data']['label']}", "",
            f"Compared {n:,} numbers (tolerances in config.yaml `verify`) and {len(text_now)} text files (exactly) "
            f"with `{Path(smk.params.pins_numbers).parent}/`.", ""]
    if rows:
        table = registry.drift_table(rows)
        logging.error("DRIFT: %d item(s) moved from the pins:\n%s", len(rows), table)
        raise PipelineError(f"{len(rows)} pinned number(s) or file(s) moved (table above); if the change is "
                            "intended, re-pin with `make repin` and commit pins/", file=smk.params.pins_numbers)
    write_text(smk.output[0], "\n".join(head + ["No drift: every number and text file matches its pin."]) + "\n")


run_step(main, log=smk.log[0], outputs=list(smk.output))
