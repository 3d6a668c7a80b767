"""Weighting: rake the cleaned sample to census margins with svy.

svy rakes with trimming inside the trim-rake loop, creates Rao-Wu bootstrap
replicates and re-rakes each one, and keeps the raking in the design so that
its linearization SEs account for it. Nothing here re-implements raking.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings

import numpy as np
import pandas as pd
import polars as pl
import svy

from .errors import PipelineError

WEIGHT = "weight"
BASE = "base_weight"


# --------------------------------------------------------------------------- targets
def load_targets(path) -> pd.DataFrame:
    try:
        t = pd.read_csv(path, dtype={"variable": str, "category": str, "status": str, "source": str})
    except FileNotFoundError:
        raise PipelineError("targets file not found", file=path) from None
    except Exception as exc:
        raise PipelineError(f"cannot read the targets file ({exc})", file=path) from None
    need = {"variable", "category", "share"}
    if not need <= set(t.columns):
        raise PipelineError(f"targets file lacks column(s) {sorted(need - set(t.columns))}", file=path,
                            row=1, expected="columns variable, category, share, status, source")
    share = pd.to_numeric(t["share"], errors="coerce")
    bad = share.isna() | (share <= 0) | (share >= 1)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise PipelineError("share is not a proportion", file=path, row=i + 2, column="share",
                            got=t["share"].iloc[i], expected="a number strictly between 0 and 1")
    t["share"] = share
    for var, grp in t.groupby("variable", sort=False):
        total = float(grp["share"].sum())
        if abs(total - 1.0) > 1e-6:
            raise PipelineError(f"shares of {var!r} sum to {total:.6f}", file=path, column="share",
                                expected="shares that sum to 1 within each variable (tolerance 1e-6)")
        if grp["category"].duplicated().any():
            raise PipelineError(f"a category of {var!r} is listed twice", file=path, column="category")
    return t


def shares_dict(targets: pd.DataFrame, variables) -> dict:
    return {v: dict(zip(targets.loc[targets.variable == v, "category"],
                        targets.loc[targets.variable == v, "share"].astype(float)))
            for v in variables}


def check_sample(frame: pd.DataFrame, targets: pd.DataFrame, variables, *, file="targets") -> None:
    """Every weighting variable present and complete; categories match the targets both ways."""
    for v in variables:
        if v not in set(targets["variable"]):
            raise PipelineError(f"weighting variable {v!r} has no targets", file=file,
                                expected=f"rows with variable = {v}")
        if v not in frame.columns:
            raise PipelineError(f"weighting variable {v!r} is not in the cleaned data", file="config.yaml",
                                column=v, expected="an analysis variable from the codebook")
        col = frame[v]
        if col.isna().any():
            n = int(col.isna().sum())
            ids = frame.loc[col.isna(), "response_id"].astype(str).head(3).tolist() if "response_id" in frame else []
            raise PipelineError(f"{n} respondent(s) have no value for weighting variable {v!r} (e.g. {ids})",
                                column=v, file="results/clean/clean.parquet",
                                expected="complete weighting variables (fix the codes or add an exclusion rule)")
        cats = set(targets.loc[targets.variable == v, "category"])
        seen = {str(x) for x in pd.unique(col.to_numpy(dtype=object))}
        empty = sorted(cats - seen)
        if empty:
            raise PipelineError(f"target category {empty} of {v!r} has no respondent in the sample", file=file,
                                column=v, expected="every target category present (collapse categories in the targets)")
        unknown = sorted(seen - cats)
        if unknown:
            raise PipelineError(f"sample category {unknown} of {v!r} has no target", file=file, column=v,
                                expected=f"one of {sorted(cats)}")


# --------------------------------------------------------------------------- raking
def rake(frame: pd.DataFrame, targets: pd.DataFrame, wcfg: dict, *, key: str = "response_id",
         replicates: bool = True, extra: pd.DataFrame | None = None, count_cycles: bool = True,
         base_weight: str | None = None, design: dict | None = None, file="targets"):
    """Rake ``frame`` to the target shares; weights are scaled to mean 1.

    Returns ``(sample, info)``: the svy ``Sample`` whose design weight is
    ``weight`` (replicates ``weight1..B`` re-raked when ``replicates``), and a
    dict with the trim-rake cycles used. ``extra`` columns (float, NA kept)
    are carried in the sample's data for estimation. ``count_cycles`` asks
    svy to report each trim-rake cycle (one more margin check per cycle; turn
    it off for very large files).

    The survey's own design is unclustered with equal prior weights; other
    designs (used to cross-check against R's ``api`` examples) pass the column
    of prior weights as ``base_weight`` and svy.Design parts (``psu``,
    ``stratum``, ``pop_size``) as ``design``.
    """
    variables = list(wcfg["variables"])
    check_sample(frame, targets, variables, file=file)
    rcfg = wcfg.get("replicates") or {}
    want_reps = replicates and rcfg.get("n", 0) > 0
    # each respondent is its own PSU; declared only when the bootstrap needs it
    sample = design_sample(frame, extra, key=key, base_weight=base_weight, categorical=variables,
                           design=design or {"psu": key if want_reps else None})
    if want_reps:
        sample = sample.weighting.create_bs_wgts(n_reps=int(rcfg["n"]), kind=rcfg.get("kind", "rao-wu"),
                                                 rstate=int(rcfg["seed"]), rep_prefix="bs")
    trim = wcfg.get("trim")
    trimming = None
    if trim:
        trimming = svy.TrimConfig(upper=float(trim["upper"]), lower=float(trim["lower"]),
                                  max_iter=int(trim.get("max_iter", 100)))
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raked = sample.weighting.rake(
                shares=shares_dict(targets, variables), wgt_name=WEIGHT, tol=float(wcfg["tol"]),
                max_iter=int(wcfg["max_iter"]), trimming=trimming, display_iter=count_cycles,
                ignore_reps=not replicates,
            )
    except Exception as exc:  # svy's WeightingError and friends
        msg = " ".join(str(exc).split())
        raise PipelineError(f"raking failed: {msg[:600]}", file=file,
                            expected="margins that the trimming bounds allow (relax weighting.trim or collapse categories)") from None
    cycles = len(re.findall(r"^Cycle", buf.getvalue(), flags=re.M)) if count_cycles else None
    return raked, {"trim_rake_cycles": cycles}


def design_sample(frame: pd.DataFrame, extra: pd.DataFrame | None = None, *, key: str = "response_id",
                  base_weight: str | None = None, categorical=(), design: dict | None = None):
    """An svy Sample of ``frame``: prior weight ``base_weight`` (default: equal weights of 1), the
    ``categorical`` columns as text, the ``extra`` columns as floats with NaN as null, and svy.Design
    parts ``design`` (default: each respondent its own PSU)."""
    design = dict(design) if design is not None else {"psu": key}
    design_cols = {c: frame[c].to_numpy() for c in design.values() if c is not None}
    data = pl.DataFrame({
        key: frame[key].astype(str).to_numpy(),
        BASE: frame[base_weight].to_numpy(dtype=float) if base_weight else np.ones(len(frame)),
        **{c: v for c, v in design_cols.items() if c not in categorical and c != key},
        **{v: frame[v].astype(str).to_numpy() for v in categorical},
        **({c: extra[c].to_numpy(dtype=float) for c in extra.columns} if extra is not None else {}),
    })
    if extra is not None:  # svy wants nulls, not NaN, for missing values
        data = data.with_columns([pl.col(c).fill_nan(None) for c in extra.columns])
    return svy.Sample(data, svy.Design(wgt=BASE, **design))


def replicate_columns(sample) -> list[str]:
    rw = sample.design.rep_wgts
    if rw is None:
        return []
    return list(rw.columns)


def check_stored(sample, stored: pd.DataFrame, key: str = "response_id", tol: float = 1e-9) -> None:
    """The design rebuilt here must carry the weights the weighting stage wrote."""
    here = weight_frame(sample, key)
    if list(here[key]) != list(stored[key]) or list(here.columns) != list(stored.columns):
        raise PipelineError("rebuilt design does not match results/weights/weights.parquet (respondents or "
                            "replicates differ); rerun the weights rule")
    diff = float(np.max(np.abs(here.drop(columns=key).to_numpy() - stored.drop(columns=key).to_numpy())))
    if diff > tol:
        raise PipelineError(f"rebuilt weights differ from the stored ones by {diff:.3g}; rerun the weights rule")


def weight_frame(sample, key: str = "response_id") -> pd.DataFrame:
    cols = [key, WEIGHT] + replicate_columns(sample)
    return sample.data.select(cols).to_pandas()


# --------------------------------------------------------------------------- diagnostics
def kish_deff(w: np.ndarray) -> float:
    w = np.asarray(w, dtype=float)
    return float(len(w) * np.sum(w ** 2) / np.sum(w) ** 2)


def margins_table(frame: pd.DataFrame, weights: np.ndarray, targets: pd.DataFrame, variables) -> pd.DataFrame:
    rows = []
    w = np.asarray(weights, dtype=float)
    for v in variables:
        col = frame[v].astype(str).to_numpy()
        for r in targets.loc[targets.variable == v].itertuples():
            m = col == r.category
            rows.append({
                "variable": v, "category": r.category, "target": float(r.share),
                "unweighted": float(m.mean()), "weighted": float(w[m].sum() / w.sum()),
                "n": int(m.sum()), "status": getattr(r, "status", ""),
            })
    out = pd.DataFrame(rows)
    out["error"] = out["weighted"] - out["target"]
    return out


def weight_summary(weights: np.ndarray, margins: pd.DataFrame, info: dict, n_reps: int) -> dict:
    w = np.asarray(weights, dtype=float)
    deff = kish_deff(w)
    return {
        "n": int(len(w)),
        "weight_min": float(w.min()),
        "weight_max": float(w.max()),
        "weight_mean": float(w.mean()),
        "weight_cv": float(w.std(ddof=0) / w.mean()),
        "kish_deff": deff,
        "effective_n": float(len(w) / deff),
        "max_abs_margin_error": float(margins["error"].abs().max()),
        "trim_rake_cycles": int(info.get("trim_rake_cycles") or 0),
        "replicates": int(n_reps),
    }


def replicate_margin_error(sample, frame: pd.DataFrame, targets: pd.DataFrame, variables) -> float:
    """Largest |weighted share - target| over all replicates and margin levels."""
    reps = replicate_columns(sample)
    if not reps:
        return float("nan")
    R = sample.data.select(reps).to_numpy()
    worst = 0.0
    for v in variables:
        col = frame[v].astype(str).to_numpy()
        for r in targets.loc[targets.variable == v].itertuples():
            m = col == r.category
            share = R[m].sum(axis=0) / R.sum(axis=0)
            worst = max(worst, float(np.abs(share - r.share).max()))
    return worst


SUMMARY_KINDS = {"n": "count", "replicates": "count", "trim_rake_cycles": "count", "max_abs_margin_error": "small",
                 "replicate_max_abs_margin_error": "small", "effective_n": "count", "kish_deff": "ratio",
                 "weight_min": "weight", "weight_max": "weight", "weight_mean": "weight", "weight_cv": "ratio"}


def diagnostics_markdown(margins: pd.DataFrame, summary: dict, label: str, nums, file: str,
                         min_cell: int = 10) -> str:
    lines = ["# Weighting diagnostics", "", f"Data: {label}", "",
             "Raking (svy) to census margins, trimming inside the trim-rake loop; weights have mean 1.", "",
             "| variable | category | target | unweighted | weighted | n | target status |",
             "|---|---|---:|---:|---:|---:|---|"]
    for r in margins.itertuples():
        k = f"weights.margin.{r.variable}.{r.category}"
        small = r.n < min_cell  # the unweighted share and n would reveal a small cell
        cells = [nums.add(f"{k}.target", r.target, "share", file=file, unit="share"),
                 nums.suppress(f"{k}.unweighted", file=file, min_cell=min_cell) if small else
                 nums.add(f"{k}.unweighted", r.unweighted, "share", file=file, unit="share"),
                 nums.add(f"{k}.weighted", r.weighted, "share", file=file, unit="share"),
                 nums.suppress(f"{k}.n", file=file, min_cell=min_cell) if small else
                 nums.add(f"{k}.n", r.n, "count", file=file, unit="respondents")]
        lines.append(f"| {r.variable} | {r.category} | " + " | ".join(cells) + f" | {r.status} |")
    lines += ["", "| statistic | value |", "|---|---:|"]
    for k, v in summary.items():
        lines.append(f"| {k.replace('_', ' ')} | {nums.add(f'weights.{k}', v, SUMMARY_KINDS[k], file=file)} |")
    lines += ["", f"Cells with fewer than {min_cell} respondents are shown as <{min_cell} (disclosure control).",
              "", "Target status: V = read in an official source; D = arithmetic on V; S = third-party transcription; "
              "U = approximate (see data/targets.csv and FACTS.md)."]
    return "\n".join(lines) + "\n"
