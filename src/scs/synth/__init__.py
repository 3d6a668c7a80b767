"""The SYNTHETIC stand-in: a seeded generator of a raw survey export with known truth.

1. A population of urban adults drawn to the census margins (:mod:`.population`), with latent
   support for each battery's dimension, linear in the covariates with known coefficients.
2. Items on the response scale: each item's latent is a loading times the latent support plus
   noise, cut at thresholds shifted per item so that the weighted CLEANED sample reproduces the
   item means of the spec. The shifts are found with the pipeline's own cleaning and weighting
   and then held fixed: they are parameters of the population model, written to the truth file.
3. An online panel and its fieldwork (:mod:`.fieldwork`), stopped when the configured number of
   completes survives the configured cleaning rules.
4. The export in the real export's formats, laid out by the codebook (:mod:`.export`).

Everything comes from one numpy Generator seeded from config: the same seed gives the same bytes.
May import: the foundation modules, scs.io, scs.survey and scs.stages (it cleans and weights with the
pipeline's own stages); nothing imports it but the synthetic rule and the benchmarks.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import polars as pl

from scs import settings
from scs.io import ingest
from scs.io.codebook import Codebook
from scs.settings import Settings
from scs.stages import clean as clean_mod
from scs.stages import weights
from scs.stages.indices import add_indices
from scs.survey import formula
from scs.synth.export import concept_values, export_cells
from scs.synth.fieldwork import battery_items, draw_arrivals
from scs.synth.population import draw_population

log = logging.getLogger(__name__)


def items_of(spec: dict) -> list[str]:
    return [it for its in battery_items(spec).values() for it in its]


def item_values(arr: pd.DataFrame, items: list[str], base: np.ndarray, shifts: dict) -> np.ndarray:
    lat = np.column_stack([arr[f"ilat_{it}"].to_numpy(dtype=float) for it in items])
    cuts = np.stack([base + shifts[it] for it in items])  # items x cut points
    return 1 + (lat[:, :, None] > cuts[None, :, :]).sum(axis=2)


def analysis_frame(cells: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The pipeline's own reading of generated cells (every cell checked: a problem is a generator bug)."""
    raw = ingest.RawTable(cells=pl.from_pandas(cells.astype(str)), lines=np.arange(4, len(cells) + 4),
                          file="<synthetic>", format="qualtrics")
    typed, problems = ingest.check_cells(raw, codebook)
    err = ingest.first_error(problems)
    if err is not None:
        raise RuntimeError(f"the generator wrote a cell the codebook refuses: {err.line('<synthetic>')}")
    return ingest.derive(ingest.to_analysis(typed, codebook), codebook)


def clean_cells(cells: pd.DataFrame, codebook: Codebook, s: Settings):
    """The cleaning stage on the generator's text cells in memory: (cleaned data, exclusion flow, log)."""
    result = clean_mod.run(analysis_frame(cells, codebook), codebook, s, file="(generated sample)")
    return result["data"], result["flow"], result["excluded"]


def survivors(cells, codebook: Codebook, s: Settings) -> tuple[np.ndarray, pd.DataFrame]:
    frame = analysis_frame(cells, codebook)
    key = codebook.key_var
    kept, _, _ = clean_mod.apply_exclusions(frame, s, key=key)
    return frame[key].isin(set(kept[key])).to_numpy(), frame


def cut_at_target(survive: np.ndarray, target: int) -> int:
    csum = np.cumsum(survive)
    if csum[-1] < target:
        raise RuntimeError(f"pool too small: {csum[-1]} survivors < {target}; raise pool_size")
    return int(np.searchsorted(csum, target) + 1)


def _weighted_item_mean(lat, w, ok, base, shift):
    v = 1 + (lat[:, None] > (base + shift)[None, :]).sum(axis=1)
    return float(np.sum(w[ok] * v[ok]) / np.sum(w[ok]))


def _solve_shift(lat, w, ok, base, target):
    lo, hi = -4.0, 4.0  # the mean decreases as the cuts move up
    for _ in range(60):
        mid = (lo + hi) / 2
        if _weighted_item_mean(lat, w, ok, base, mid) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def min_answered(s: Settings) -> dict:
    return {name: sc.min_answered for name, sc in s.scales.items()}


def field_sample(arr, items, base, shifts, codebook, s: Settings, spec) -> pd.DataFrame:
    """The raw export of one fieldwork: arrivals up to the one that completes the target (text cells)."""
    cells = export_cells(arr, items, item_values(arr, items, base, shifts), codebook, spec)
    survive, _ = survivors(cells, codebook, s)
    return cells.iloc[:cut_at_target(survive, int(spec["target_completes"]))].reset_index(drop=True)


def setup(s: Settings, spec: dict, targets: pd.DataFrame, seed: int):
    """The population and the first fieldwork's arrivals for ``seed`` (the same draws every time)."""
    rng = np.random.default_rng(seed)
    log.info("drawing a population of %s urban adults", f"{spec['population_size']:,}")
    shares = weights.target_shares(targets, list(dict.fromkeys(targets["variable"])))
    pop = draw_population(spec, shares, rng, int(spec["population_size"]))
    arr = draw_arrivals(spec, pop, rng, min_answered(s))
    return pop, arr


def calibrate_shifts(arr, items, base, codebook, s, spec, targets) -> dict:
    """Per-item threshold shifts giving the spec's item means in the weighted cleaned sample."""
    ones = np.ones(len(arr))
    shifts = {it: _solve_shift(arr[f"ilat_{it}"].to_numpy(), ones, ones.astype(bool), base, _target(spec, it))
              for it in items}
    ws = settings.replace(s.weighting, {"replicates": {"n": 0, "seed": 0}})
    variables = list(ws.variables)
    levels, shares = weights.target_levels(targets, variables), weights.target_shares(targets, variables)
    for r in range(int(spec["calibration_rounds"])):
        cells = export_cells(arr, items, item_values(arr, items, base, shifts), codebook, spec)
        survive, frame = survivors(cells, codebook, s)
        keep = survive.copy()
        keep[cut_at_target(survive, int(spec["target_completes"])):] = False
        sub = frame.loc[keep].reset_index(drop=True)
        w, _, _ = weights.weight_once({v: sub[v].astype(str).to_numpy() for v in variables}, levels, shares,
                                      np.ones(len(sub)), ws)
        sub_arr = arr.loc[keep].reset_index(drop=True)
        for it in items:
            ok = sub[it].notna().to_numpy()
            shifts[it] = _solve_shift(sub_arr[f"ilat_{it}"].to_numpy(), w, ok, base, _target(spec, it))
        log.info("calibration round %d: %d completes", r + 1, int(keep.sum()))
    return shifts


def _target(spec, item):
    for b in spec["batteries"].values():
        if item in b["items"]:
            return b["items"][item]["mean"]
    raise KeyError(item)


def population_analysis(pop: pd.DataFrame, items: list[str], codebook: Codebook, spec: dict, s: Settings) -> pd.DataFrame:
    """The population's analysis variables, made by the pipeline's own recoding (everyone answers)."""
    values = concept_values(spec, pop)
    for it in items:
        values[it] = pop[it].to_numpy()
    typed = {}
    for col in codebook.columns:
        if col["var"] in values:
            typed[col["id"]] = pl.Series(col["id"], np.asarray(values[col["var"]], dtype=float))
    age = spec["export"]["variables"].get("age", {}).get("var", "age_years")
    if age in codebook.by_var:
        typed[codebook.by_var[age]["id"]] = pl.Series(pop["age_years"].to_numpy(dtype=float))
    frame = ingest.derive(ingest.to_analysis(typed, codebook), codebook)
    return add_indices(frame, s)


def index_truth(frame: pd.DataFrame, s: Settings) -> dict:
    """Population least-squares coefficients of each outcome index on each model formula: the estimands."""
    out = {}
    forms = {**s.models.formulas, "alternative": s.models.alternative_formula}
    for name, rhs in forms.items():
        X = formula.model_matrix(frame, formula.parse_formula(rhs))
        for y in s.models.outcomes:
            Z = np.column_stack([np.ones(len(frame)), X.to_numpy(float)])
            beta, *_ = np.linalg.lstsq(Z, frame[y].to_numpy(float), rcond=None)
            out.setdefault(y, {})[name] = {t: round(float(b), 10) for t, b in zip([formula.INTERCEPT, *X.columns], beta)}
    return out


def generate(s: Settings, spec: dict, codebook: Codebook, targets: pd.DataFrame, seed: int):
    """Returns (cells, truth, population) for the configured seed."""
    items = items_of(spec)
    pop, arr = setup(s, spec, targets, seed)
    base = np.array(spec["base_thresholds"], dtype=float)
    shifts = calibrate_shifts(arr, items, base, codebook, s, spec, targets)
    cells = field_sample(arr, items, base, shifts, codebook, s, spec)
    pop_items = item_values(pop, items, base, shifts)
    for k, it in enumerate(items):
        pop[it] = pop_items[:, k]
    pop_frame = population_analysis(pop, items, codebook, spec, s)
    truth = truth_record(spec, seed, pop, pop_frame, cells, items, base, shifts, s)
    return cells, truth, pop


def truth_record(spec, seed, pop, pop_frame, cells, items, base, shifts, s: Settings) -> dict:
    margins = spec.get("margins", {"sex": "sex", "age_group": "age_group", "education": "educ4", "region": "region"})
    concept_col = {"sex": "sex", "age_group": "age_group", "education": "educ4", "region": "region"}
    return {
        "note": "Known true parameters of the SYNTHETIC stand-in's population model (not estimates from real data).",
        "seed": seed,
        "population_size": int(spec["population_size"]),
        "arrivals": int(len(cells)),
        "completes": int(spec["target_completes"]),
        "latent_coefficients": spec["latent"]["dimensions"],
        "latent_scale": "latent support standardized to mean 0, SD 1 in the population",
        "index_coefficients": index_truth(pop_frame, s),
        "index_coefficients_note": ("population least-squares coefficients of each index (mean of all its items) on "
                                    "each model formula in config.yaml: what the survey regressions estimate"),
        "item_loadings": {it: b["items"][it]["loading"] for b in spec["batteries"].values() for it in b["items"]},
        "item_thresholds": {it: [round(float(x), 10) for x in (base + shifts[it])] for it in items},
        "population_margins": {
            var: {k: round(float(x), 10) for k, x in pop[concept_col[c]].value_counts(normalize=True).sort_index().items()}
            for c, var in margins.items()},
        "population_shares": {k: round(float(pop[k].mean()), 10) for k in ("ccp", "cyl", "state_sector", "urban_hukou")},
        "population_item_means": {it: round(float(pop[it].mean()), 10) for it in items},
        "population_index_means": {y: round(float(pop_frame[y].mean()), 10) for y in s.models.outcomes},
        "selection_log_propensity": spec["selection"],
        "nonresponse": spec["nonresponse"],
        "defect_shares": spec["defects"],
    }
