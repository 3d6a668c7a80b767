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
    ingest.check_recorded_checksum(smk.input.raw, smk.params.checksums, smk.params.raw_sha256)
    frame, raw = ingest.ingest(smk.input.raw, codebook)
    logging.info("read %d responses from %s (%s)", len(frame), smk.input.raw, raw.format)
    cleaned, flow, excluded = clean.clean(frame, codebook, cfg)
    kept = frame.index[frame["response_id"].isin(set(cleaned["response_id"]))]
    ingest.check_answered(frame.loc[kept].reset_index(drop=True),
                          ingest.blank_mask(raw, codebook).loc[kept].reset_index(drop=True),
                          [raw.rows[i] for i in kept], raw.file,
                          {k: cfg["scales"][k] for k in ("surveillance", "punishment")})
    for r in flow.itertuples():
        logging.info("  %-24s removed %5d  remaining %5d", r.rule, r.removed, r.remaining)
    write_parquet(smk.output.data, cleaned, cfg)
    write_csv(smk.output.flow_csv, flow, cfg)
    nums = Numbers("clean")
    write_text(smk.output.flow_md, clean.flow_markdown(flow, cfg["data"]["label"], nums, smk.output.flow_md))
    write_csv(smk.output.excluded, excluded, cfg)
    write_numbers(smk, nums, cfg)


run_step(main, log=smk.log[0], outputs=list(smk.output))
