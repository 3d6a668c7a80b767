"""Snakemake adapter: scale indices and their reliability (rule `indices`)."""

import json
import logging
from pathlib import Path

import pandas as pd

from _common import cfg_of, run_step, write_csv, write_numbers, write_parquet, write_table
from scs.errors import PipelineError
from scs.report import item_tables
from scs.report.registry import Numbers, Printed
from scs.stages import indices, weights

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    frame = indices.add_indices(pd.read_parquet(smk.input.data), cfg)
    key = json.loads(Path(smk.input.design).read_text(encoding="utf-8"))["key"]
    w = pd.read_parquet(smk.input.weights, columns=[key, weights.WEIGHT])
    if not weights.same_respondents(frame[key], w[key]):
        raise PipelineError("the stored weights are for other respondents than the cleaned data; rerun the weights "
                            "rule", file=smk.input.weights)
    for sc, spec in cfg["scales"].items():
        n_missing = int(frame[sc].isna().sum())
        if n_missing:
            logging.warning("WARNING: %d respondent(s) answered fewer than %d %s items: no %s index for them",
                            n_missing, spec["min_answered"], sc, sc)
    rel = indices.reliability(frame, w[weights.WEIGHT].to_numpy(), cfg)
    write_parquet(smk.output.analysis, frame, cfg)
    write_csv(smk.output.reliability, rel, cfg)
    stated = indices.reliability_numbers(rel)
    write_table(smk.output.reliability_md, smk.output.reliability_html,
                item_tables.reliability_markdown(rel, cfg, Printed(stated)))
    write_numbers(smk, Numbers("indices").take(stated, file=smk.output.reliability_md), cfg)


run_step(main, log=smk.log[0], outputs=list(smk.output))
