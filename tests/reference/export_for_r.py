"""Write the pipeline's analysis data as CSV for tests/reference/make_fixtures.R (R reads no Parquet).

    python tests/reference/export_for_r.py OUTDIR
"""

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from scs import config, models  # noqa: E402


def main(out: Path):
    cfg = config.load_config(ROOT / "config.yaml")
    frame = pd.read_parquet(ROOT / "results" / "indices" / "analysis.parquet")
    X = models.model_matrix(frame, models.parse_formula(cfg["models"]["formulas"][cfg["models"]["full"]]))
    names = models.safe_names(X.columns)
    rev = {v: k for k, v in names.items()}
    items = [it["var"] for s in ("surveillance", "punishment") for it in cfg["scales"][s]["items"]]
    keep = ["response_id", "weight", *cfg["weighting"]["variables"], *items, "surveillance", "punishment"]
    data = frame[keep].copy()
    for c in X.columns:
        data[rev[c]] = X[c].to_numpy()
    out.mkdir(parents=True, exist_ok=True)
    data.to_csv(out / "pipeline_analysis.csv", index=False, float_format="%.17g", lineterminator="\n")
    pd.DataFrame({"safe": list(names), "term": list(names.values())}).to_csv(
        out / "pipeline_terms.csv", index=False, lineterminator="\n")
    pd.read_csv(ROOT / cfg["data"]["targets"])[["variable", "category", "share"]].to_csv(
        out / "pipeline_targets.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "reference" / "input")
