"""Write what tests/reference/make_fixtures.R needs, read from the files a build of the workflow wrote.

    python tests/reference/export_for_r.py OUTDIR [RESULTS_DIR]

RESULTS_DIR (default: results/) is a finished build: its analysis data (indices/analysis.parquet),
its stored weights (weights/weights.parquet) and design (weights/design.json). R re-calibrates the
analysis data itself (linearization, and a JK1 design whose every replicate it calibrates again) and
uses the pipeline's stored weights only where they are the object under test (the bootstrap replicate
weights). The tests then compare the CSVs of the same build with what R computed.

R reads no Parquet, so CSV; the replicate weights (not committed: CI writes them to a temporary
folder) are gzipped. Model matrices are written as numbers (columns x00, x01, ...) with a table of
their terms per model, so that R fits exactly the pipeline's regressors.
"""

import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from scs import config  # noqa: E402
from scs.settings import from_config  # noqa: E402
from scs.stages import models, stored_design, weight_plan  # noqa: E402
from scs.stages.items import dk_column  # noqa: E402
from scs.survey.design import rao_wu_multipliers  # noqa: E402


def main(out: Path, results: Path, config_file: Path):
    cfg = config.load_config(config_file)
    frame = pd.read_parquet(results / "indices" / "analysis.parquet")
    stored = pd.read_parquet(results / "weights" / "weights.parquet")
    record = json.loads((results / "weights" / "design.json").read_text())
    key = record["key"]
    if not stored_design.same_respondents(frame[key], stored[key]):
        sys.exit(f"{results}: the stored weights list other respondents than the analysis data")
    mats = models.matrices(frame, from_config(cfg), alternative=True)
    columns = list(dict.fromkeys(c for X in mats.values() for c in X.columns))
    safe = {c: f"x{i:02d}" for i, c in enumerate(columns)}
    items = {b: [it["var"] for it in cfg["scales"][b]["items"]] for b in cfg["batteries"]}
    all_items = [v for b in cfg["batteries"] for v in items[b]]
    dks = [dk_column(v) for v in all_items if dk_column(v) in frame.columns]
    keep = [key, *cfg["weighting"]["variables"], *all_items, *dks, *cfg["batteries"],
            *[y for y in cfg["models"]["outcomes"] if y not in cfg["batteries"]]]
    data = frame[list(dict.fromkeys(keep))].copy()
    for X in mats.values():
        for c in X.columns:
            data[safe[c]] = X[c].to_numpy()
    data["weight"] = stored[stored_design.WEIGHT].to_numpy()
    out.mkdir(parents=True, exist_ok=True)
    data.to_csv(out / "pipeline_analysis.csv", index=False, float_format="%.17g", lineterminator="\n")
    pd.DataFrame([{"model": name, "term": c, "safe": safe[c]} for name, X in mats.items() for c in X.columns]).to_csv(
        out / "pipeline_terms.csv", index=False, lineterminator="\n")
    plan = weight_plan.Plan.from_json(record["plan"])
    rows = [{"variable": v, "category": c, "share": plan.shares[v][c]} for v, lev in plan.levels.items() for c in lev]
    pd.DataFrame(rows).to_csv(out / "pipeline_targets.csv", index=False, float_format="%.17g", lineterminator="\n")
    rep = record["replicates"]
    same = [r + 1 for r, i in enumerate(rep["plan_index"]) if rep["plans"][i] == record["plan"]]
    pcfg = cfg["models"]["predict"]
    rs = cfg["response_scale"]
    (out / "pipeline_design.json").write_text(json.dumps({
        "lower": plan.lower, "upper": plan.upper, "batteries": items, "dk": dks,
        "outcomes": list(cfg["models"]["outcomes"]), "models": list(cfg["models"]["formulas"]),
        "full": cfg["models"]["full"], "alternative": models.ALTERNATIVE,
        "common_sample": bool(cfg["models"].get("common_sample", True)),
        "predict": {"column": safe[pcfg["by"]], "levels": list(pcfg["levels"])},
        "support": list(rs["support"]), "oppose": list(rs["oppose"]),
        "replicates": rep["n"], "replicates_main_plan": same}, indent=1) + "\n")
    n, R = len(frame), rep["n"]
    fmt = "%.17g"
    rep_cols = [c for c in stored.columns if c.startswith(stored_design.REP_PREFIX)]
    stored[rep_cols].to_csv(out / "pipeline_replicates.csv.gz", index=False, header=False, float_format=fmt)
    mult = rao_wu_multipliers(n, R, int(rep["seed"])) * stored[stored_design.BASE].to_numpy()[:, None]
    pd.DataFrame(mult).to_csv(out / "pipeline_rep_base.csv.gz", index=False, header=False, float_format=fmt)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(Path(args[0]) if args else ROOT / "tests" / "reference" / "input",
         Path(args[1]) if len(args) > 1 else ROOT / "results",
         Path(args[2]) if len(args) > 2 else ROOT / "config.yaml")
