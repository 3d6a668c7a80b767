"""Write the pipeline's data, weights and replicate weights for tests/reference/make_fixtures.R.

    python tests/reference/export_for_r.py OUTDIR

Everything is computed here, by the pipeline's own functions, from the shipped raw export (not
read from results/), so that the fixtures check the code. R reads no Parquet, so CSV; the
replicate weights (not committed: CI writes them to a temporary folder) are gzipped.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from scs import config, formula, models, pipeline, weights  # noqa: E402
from scs.codebook import load_codebook  # noqa: E402
from scs.design import rao_wu_multipliers  # noqa: E402

R_ITEMS = ["s_jobs", "p_civil"]  # the items whose ordered logits R's svyolr fits


def main(out: Path):
    cfg = config.load_config(ROOT / "config.yaml")
    codebook = load_codebook(ROOT / cfg["data"]["codebook"])
    targets = weights.load_targets(ROOT / cfg["data"]["targets"])
    cleaned, _, _ = pipeline.clean_export(ROOT / cfg["data"]["raw"], codebook, cfg)
    wt = pipeline.weight_and_index(cleaned, targets, cfg)
    frame = wt.frame
    X = formula.model_matrix(frame, models.formulas(cfg)[cfg["models"]["full"]])
    safe = {c: f"x{i:02d}" for i, c in enumerate(X.columns)}
    items = [it["var"] for b in cfg["batteries"] for it in cfg["scales"][b]["items"]]
    keep = ["response_id", *cfg["weighting"]["variables"], *items, *cfg["batteries"]]
    data = frame[keep].copy()
    for c in X.columns:
        data[safe[c]] = X[c].to_numpy()
    data["weight"] = wt.result.weight
    data["weight_unbounded"] = wt.result.unbounded
    out.mkdir(parents=True, exist_ok=True)
    data.to_csv(out / "pipeline_analysis.csv", index=False, float_format="%.17g", lineterminator="\n")
    pd.DataFrame({"safe": list(safe.values()), "term": list(safe)}).to_csv(out / "pipeline_terms.csv", index=False,
                                                                            lineterminator="\n")
    plan = wt.result.plan
    rows = [{"variable": v, "category": c, "share": plan.shares[v][c]} for v, lev in plan.levels.items() for c in lev]
    pd.DataFrame(rows).to_csv(out / "pipeline_targets.csv", index=False, float_format="%.17g", lineterminator="\n")
    rep = wt.record["replicates"]
    main_plan = rep["plan_index"][0] if rep["plan_index"] else 0
    same = [r + 1 for r, i in enumerate(rep["plan_index"]) if rep["plans"][i] == wt.record["plan"]]
    (out / "pipeline_design.json").write_text(json.dumps({
        "lower": plan.lower, "upper": plan.upper, "tol": cfg["weighting"]["tol"], "items_svyolr": R_ITEMS,
        "outcomes": list(cfg["models"]["outcomes"]), "replicates": rep["n"], "replicates_main_plan": same,
        "main_plan_index": main_plan}, indent=1) + "\n")
    n, R = len(frame), rep["n"]
    mult = rao_wu_multipliers(n, R, int(rep["seed"])) * wt.result.base[:, None]
    fmt = "%.17g"
    pd.DataFrame(wt.result.replicates).to_csv(out / "pipeline_replicates.csv.gz", index=False, header=False,
                                              float_format=fmt)
    pd.DataFrame(mult).to_csv(out / "pipeline_rep_base.csv.gz", index=False, header=False, float_format=fmt)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "reference" / "input")
