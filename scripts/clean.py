"""Snakemake adapter: raw export -> cleaned analysis data, exclusion flow and log (rule `clean`)."""

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import write_csv, write_numbers, write_parquet, write_text  # noqa: E402

from scs import clean, ingest  # noqa: E402
from scs.registry import Numbers  # noqa: E402
from scs.errors import run_step  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = smk.config
    codebook = ingest.load_codebook(smk.input.codebook)
    frame, raw = ingest.ingest(smk.input.raw, codebook)
    logging.info("read %d responses from %s (%s)", len(frame), smk.input.raw, raw.format)
    cleaned, flow, excluded = clean.clean(frame, codebook, cfg)
    for r in flow.itertuples():
        logging.info("  %-24s removed %5d  remaining %5d", r.rule, r.removed, r.remaining)
    write_parquet(smk.output.data, cleaned)
    write_csv(smk.output.flow_csv, flow)
    nums = Numbers("clean")
    write_text(smk.output.flow_md, clean.flow_markdown(flow, cfg["data"]["label"], nums, smk.output.flow_md))
    write_csv(smk.output.excluded, excluded)
    write_numbers(smk, nums, cfg)


run_step(main, log=smk.log[0], outputs=list(smk.output))
