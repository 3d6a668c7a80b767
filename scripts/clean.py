"""Snakemake adapter: checked export -> cleaned analysis data, exclusion flow and log (rule `clean`)."""

import logging

import numpy as np
import pandas as pd

from _common import cfg_of, run_step, write_csv, write_numbers, write_parquet, write_table
from scs.io import datacheck, ingest
from scs.io.codebook import load_codebook
from scs.report.registry import Numbers, withhold_small_cells
from scs.stages import clean

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    raw_file = cfg["data"]["raw"]
    datacheck.stop_on_problems(smk.input.problems, report=smk.input.problems.replace(".csv", ".md"), raw_file=raw_file)
    codebook = load_codebook(smk.input.codebook)
    frame = pd.read_parquet(smk.input.export)
    logging.info("read %d responses (checked export of %s)", len(frame), raw_file)
    cleaned, flow, excluded, removed_by = clean.clean(frame, codebook, cfg, positions=True)
    kept = np.flatnonzero(removed_by == 0)
    grids = {g: cfg["scales"][g] for rule in cfg["cleaning"]["rules"] for g in rule.get("grids", [])}
    items = [it["var"] for g in grids.values() for it in g["items"]]
    blank = ingest.blank_in_frame(frame, items).iloc[kept].reset_index(drop=True)
    rows = ingest.row_labels(frame.iloc[kept])
    ingest.check_answered(frame.iloc[kept][[codebook.key_var]].reset_index(drop=True), blank, raw_file, rows, grids,
                          codebook.key_var)
    for r in flow.itertuples():
        logging.info("  %-24s removed %5d  remaining %5d", r.rule, r.removed, r.remaining)
    write_parquet(smk.output.data, cleaned, cfg)
    write_csv(smk.output.flow_csv, flow, cfg)
    nums = Numbers("clean")
    write_table(smk.output.flow_md, smk.output.flow_html, clean.flow_markdown(flow, cfg["data"]["label"], nums,
                                                                          smk.output.flow_md))
    write_csv(smk.output.excluded, excluded, cfg)
    profile = clean.exclusion_profile(frame, removed_by, cfg, cfg["weighting"]["variables"])
    write_csv(smk.output.profile, withhold_small_cells(profile, "n", ["n"], cfg["disclosure"]["min_cell"]), cfg)
    write_numbers(smk, nums, cfg)


run_step(main, log=smk.log[0], outputs=list(smk.output))
