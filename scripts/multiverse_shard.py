"""Snakemake adapter: the specifications of one shard, fitted, with their null draws (rule `multiverse_shard`)."""

import logging
import time

import numpy as np
import pandas as pd

from _common import run_step, settings_of
from scs.io.codebook import load_codebook
from scs.stages import multiverse, weights

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    shard, n_shards = int(smk.wildcards.shard), s.multiverse.shards
    export = pd.read_parquet(smk.input.export)
    codebook = load_codebook(smk.input.codebook)
    targets = weights.load_targets(smk.input.targets)
    groups = multiverse.shard_groups(s, shard, n_shards)
    total = int(multiverse.universe(s).specs["group"].isin(groups).sum())
    t0 = time.perf_counter()

    def progress(done):
        rate = done / max(time.perf_counter() - t0, 1e-9)
        logging.info("shard %d of %d: %d of %d specifications (%.0f per second)", shard + 1, n_shards, done, total,
                     rate)

    table, draws = multiverse.run_groups(export, codebook, targets, s, groups, progress=progress)
    table.to_parquet(smk.output.table, index=False)
    with open(smk.output.draws, "wb") as fh:
        np.save(fh, draws)


run_step(main, log=smk.log[0], outputs=list(smk.output))
