"""Snakemake adapter: indices, reliability and design-based item estimates (rule `indices`)."""

import logging
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _common import write_csv, write_numbers, write_parquet, write_text  # noqa: E402

from scs import indices, weights  # noqa: E402
from scs.errors import run_step  # noqa: E402
from scs.registry import Numbers, withhold_small_cells  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = smk.config
    frame = indices.add_indices(pd.read_parquet(smk.input.data), cfg)
    targets = weights.load_targets(smk.input.targets)
    stored = pd.read_parquet(smk.input.weights)
    sample, _ = weights.rake(frame, targets, cfg["weighting"], extra=indices.design_columns(frame, cfg),
                             file=smk.input.targets)
    weights.check_stored(sample, stored)
    w = stored[weights.WEIGHT].to_numpy()
    for sc in cfg["scales"]:
        n_missing = int(frame[sc].isna().sum())
        if n_missing:
            logging.warning("WARNING: %d respondent(s) answered too few %s items for the index", n_missing, sc)
    logging.info("estimating %d items and 2 indices", sum(len(cfg["scales"][s]["items"]) for s in indices.SCS_SCALES))
    est = indices.estimate_rows(sample, frame, cfg)
    rel = indices.reliability(frame, w, cfg)
    analysis = frame.merge(stored[["response_id", weights.WEIGHT]], on="response_id", validate="one_to_one")
    write_parquet(smk.output.analysis, analysis, cfg)
    stats = [c for c in est.columns if c not in ("scale", "var", "label", "kind")]
    write_csv(smk.output.estimates, withhold_small_cells(est, "n", stats, cfg["disclosure"]["min_cell"]), cfg)
    nums = Numbers("indices")
    write_text(smk.output.estimates_md, indices.estimates_markdown(est, cfg["data"]["label"],
                                                                   cfg["estimates"]["ci_level"], nums,
                                                                   smk.output.estimates_md,
                                                                   min_cell=cfg["disclosure"]["min_cell"]))
    write_csv(smk.output.reliability, rel, cfg)
    write_text(smk.output.reliability_md, indices.reliability_markdown(rel, cfg["data"]["label"], nums,
                                                                       smk.output.reliability_md))
    write_numbers(smk, nums, cfg)
    for r in est[est.kind == "index"].itertuples():
        logging.info("%s: weighted mean %.3f (SE %.3f), n = %d", r.label, r.mean, r.se, r.n)


run_step(main, log=smk.log[0], outputs=list(smk.output))
