"""The stages composed in memory: raw export -> cleaned data -> weights and design -> analysis data.

The Snakemake rules run these steps one per rule with files in between; the truth-recovery
benchmark, the multiverse, the R cross-check and the tests run them here, so that no stage has a
second implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scs import settings
from scs.io.codebook import Codebook
from scs.settings import Settings
from scs.stages import clean as clean_mod
from scs.stages import stored_design, weight_plan, weights
from scs.stages.indices import add_indices
from scs.survey.design import Design


def clean_export(raw_path, codebook: Codebook, s: Settings, *, fmt: str | None = None):
    """Read, check and clean an export as the check_data and clean rules do (the checked export, then the
    cleaning stage): (cleaned data, exclusion flow, exclusion log)."""
    from scs.io import ingest  # (polars and the readers: only where a raw export is read)

    frame, raw = ingest.ingest(raw_path, codebook, fmt or s.data.format)
    result = clean_mod.run(ingest.checked_export(frame, raw, codebook), codebook, s, file=str(raw_path))
    return result["data"], result["flow"], result["excluded"]


@dataclass
class Weighted:
    frame: pd.DataFrame          # cleaned data with the indices
    result: weight_plan.WeightingResult
    record: dict                 # design.json

    def design(self, *, which: str = stored_design.WEIGHT, replicates: bool = True,
               variance: str = "linearization") -> Design:
        stored = stored_design.weights_frame(self.frame[self.record["key"]], self.result)
        jk = stored_design.jackknife_frame(self.result) if replicates else None
        return stored_design.load_design(self.frame, stored, self.record, weight=which, replicates=replicates, jackknife=jk,
                                   variance=variance)


def weight_and_index(cleaned: pd.DataFrame, targets: pd.DataFrame, s: Settings, *, key: str,
                     replicates: int | None = None, jackknife: bool = True, jackknife_methods=None,
                     file: str = "data/targets.csv") -> Weighted:
    """Weights (optionally with another number of bootstrap replicates, or without the jackknife) and
    the indices of a cleaned sample; ``key``: its key column (the codebook's)."""
    ws = s.weighting
    if replicates is not None:
        ws = settings.replace(ws, {"replicates": {"n": int(replicates)}})
    if not jackknife:
        ws = settings.replace(ws, {"jackknife": {"max_rows": 0}})
    out = weights.run(cleaned, targets, settings.replace(s, weighting=ws), key=key, file=file,
                      jackknife_methods=jackknife_methods)
    return Weighted(frame=add_indices(cleaned, s), result=out["weighting"], record=out["record"])


def unweighted(frame: pd.DataFrame, s: Settings | None = None) -> Design:
    """Equal weights; with the strata and PSUs of ``s.design`` when it names them (linearization only)."""
    units = weights.sample_units(frame, s.design, config_file=s.file) if s is not None else None
    if units is None:
        return Design(weight=np.ones(len(frame)))
    return Design(weight=np.ones(len(frame)), strata=units.strata, psu=units.psu, lonely_psu=units.settings.lonely_psu)
