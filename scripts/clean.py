"""Snakemake adapter: raw export -> cleaned analysis data, exclusion flow and log (rule `clean`)."""

import logging

import numpy as np

from _common import cfg_of, run_step, write_csv, write_numbers, write_parquet, write_table

from scs import clean, datacheck, ingest
from scs.codebook import load_codebook
from scs.registry import Numbers, withhold_small_cells

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    datacheck.stop_on_problems(smk.input.problems, report=smk.input.problems.replace(".csv", ".md"), raw_file=smk.input.raw)
    codebook = load_codebook(smk.input.codebook)
    ingest.check_recorded_checksum(smk.input.raw, smk.params.checksums, smk.params.raw_sha256)
    frame, raw = ingest.ingest(smk.input.raw, codebook, fmt=cfg["data"].get("format", "auto"))
    logging.info("read %d responses from %s (%s)", len(frame), smk.input.raw, raw.format)
    cleaned, flow, excluded = clean.clean(frame, codebook, cfg)
    key = codebook.key_var
    kept = np.flatnonzero(frame[key].isin(set(cleaned[key])).to_numpy())
    grids = {g: cfg["scales"][g] for rule in cfg["cleaning"]["rules"] for g in rule.get("grids", [])}
    blank = ingest.blank_mask(raw, codebook, [it["var"] for g in grids.values() for it in g["items"]])
    ingest.check_answered(frame.iloc[kept].reset_index(drop=True), blank.iloc[kept].reset_index(drop=True), raw, kept,
                          grids, key)
    for r in flow.itertuples():
        logging.info("  %-24s removed %5d  remaining %5d", r.rule, r.removed, r.remaining)
    write_parquet(smk.output.data, cleaned, cfg)
    write_csv(smk.output.flow_csv, flow, cfg)
    nums = Numbers("clean")
    write_table(smk.output.flow_md, smk.output.flow_html, clean.flow_markdown(flow, cfg["data"]["label"], nums,
                                                                          smk.output.flow_md))
    write_csv(smk.output.excluded, excluded, cfg)
    profile = clean.exclusion_profile(frame, excluded, key, cfg["weighting"]["variables"])
    write_csv(smk.output.profile, withhold_small_cells(profile, "n", ["n"], cfg["disclosure"]["min_cell"]), cfg)
    write_numbers(smk, nums, cfg)


run_step(main, log=smk.log[0], outputs=list(smk.output))
