"""Snakemake adapter: Figures 1 and 2 and the Likert charts (one each per battery), Figure 3, the histogram
of the weights and, with groups in the domains section, the index means by group (rule `figures`). The figures
carry no title: their captions do (config figures.titles)."""

import json
from pathlib import Path

import pandas as pd

from _common import run_step, settings_of
from scs.report import figures
from scs.report.tables import weighting_phrase
from scs.stages import stored_design

smk = snakemake  # noqa: F821 - injected by Snakemake


def battery_figures(s, synthetic):
    est = pd.read_csv(smk.input.estimates)
    dist = pd.read_csv(smk.input.distribution, dtype={"answer": str})
    for b in s.batteries:
        labels = {int(k): v for k, v in s.response_scale_of(b).labels.items()}
        rows = est[est.scale == b]
        index = rows[rows.kind == "index"].iloc[0]
        fig = figures.item_figure(rows[rows.kind == "item"], index_label=index["label"],
                                  index_mean=pd.to_numeric(index["mean"], errors="coerce"), scale_labels=labels,
                                  source_label=s.data.label, synthetic=synthetic,
                                  ci_level=s.estimates.ci_level, method=str(index.get("variance", "linearization")),
                                  design=s.design, calibrated=s.weighting.method != "none",
                                  midpoint=s.response_scale_of(b).middle,
                                  weighting=weighting_phrase(s.weighting.method))
        figures.save(fig, smk.output[f"png_{b}"], smk.output[f"pdf_{b}"], dpi=s.figures.dpi)
        items = rows[rows.kind == "item"].copy()
        items["mean"] = pd.to_numeric(items["mean"], errors="coerce")
        order = list(items.sort_values("mean", ascending=False, kind="stable", na_position="last")["var"])
        fig = figures.likert_figure(dist[dist.scale == b], order, scale_labels=labels,
                                    source_label=s.data.label, synthetic=synthetic)
        figures.save(fig, smk.output[f"likert_png_{b}"], smk.output[f"likert_pdf_{b}"], dpi=s.figures.dpi)


def figure3(s, synthetic):
    coefs = pd.read_csv(smk.input.coefficients)
    pred = pd.read_csv(smk.input.predicted)
    m = s.models
    full = coefs[(coefs.variant == "main") & (coefs.model == m.full)]
    fig = figures.coefficient_figure(
        full, pred, outcomes=list(m.outcomes), outcome_labels={y: s.scales[y].label for y in m.outcomes},
        highlight=list(m.political_capital), term_labels=dict(m.term_labels), source_label=s.data.label,
        synthetic=synthetic, ci_level=s.estimates.ci_level,
        scale_labels={int(k): v for k, v in s.response_scale_of(m.outcomes[0]).labels.items()},
        predict_label=m.term_labels.get(m.predict.by, m.predict.by),
        level_labels={str(k): v for k, v in m.predict.level_labels.items()},
        method=str(full["variance"].iloc[0]), design=s.design, calibrated=s.weighting.method != "none")
    figures.save(fig, smk.output.figure3_png, smk.output.figure3_pdf, dpi=s.figures.dpi)


def weight_figure(s, synthetic):
    w = pd.read_parquet(smk.input.weights, columns=[stored_design.WEIGHT])[stored_design.WEIGHT].to_numpy()
    summary = json.loads(Path(smk.input.summary).read_text(encoding="utf-8"))
    fig = figures.weight_figure(w, summary=summary, source_label=s.data.label, synthetic=synthetic)
    figures.save(fig, smk.output.weights_png, smk.output.weights_pdf, dpi=s.figures.dpi)


def axis_label(rs):
    """The axis of an index: its mean, and what the two ends of its response scale mean."""
    lo, hi = min(rs.codes), max(rs.codes)
    return f"Mean ({lo} = {str(rs.labels[lo]).lower()}, {hi} = {str(rs.labels[hi]).lower()})"


def domain_figure(s, synthetic):
    """The index means by group, from the released estimates (rounded, small cells withheld)."""
    est = pd.read_csv(smk.input.domains, dtype={"level": str})
    fig = figures.domain_figure(est, indices=[(b, s.scales[b].label) for b in s.batteries], source_label=s.data.label,
                                synthetic=synthetic, ci_level=s.estimates.ci_level, method=str(est["variance"].iloc[0]),
                                design=s.design, calibrated=s.weighting.method != "none",
                                weighting=weighting_phrase(s.weighting.method),
                                axis_labels={b: axis_label(s.response_scale_of(b)) for b in s.batteries})
    figures.save(fig, smk.output.domains_png, smk.output.domains_pdf, dpi=s.figures.dpi)


def main():
    s = settings_of(smk)
    synthetic = s.data.source == "synthetic"
    battery_figures(s, synthetic)
    figure3(s, synthetic)
    weight_figure(s, synthetic)
    if hasattr(smk.output, "domains_png"):  # groups are configured
        domain_figure(s, synthetic)


run_step(main, log=smk.log[0], outputs=list(smk.output))
