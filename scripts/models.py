"""Snakemake adapter: regressions, robustness, ordered logits, predicted index, Figure 3 (rule `models`)."""

import logging
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _common import write_csv, write_numbers, write_text  # noqa: E402

from scs import figures, models, weights  # noqa: E402
from scs.errors import run_step  # noqa: E402
from scs.registry import Numbers  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = smk.config
    label = cfg["data"]["label"]
    frame = pd.read_parquet(smk.input.analysis)
    targets = weights.load_targets(smk.input.targets)
    stored = pd.read_parquet(smk.input.weights, columns=["response_id", weights.WEIGHT])
    extra, _, per_model = models.design_matrix(frame, cfg)
    sample, _ = weights.rake(frame, targets, cfg["weighting"], replicates=False, extra=extra, file=smk.input.targets)
    weights.check_stored(sample, stored)
    logging.info("fitting %s for %s", list(cfg["models"]["formulas"]), cfg["models"]["outcomes"])
    main_fit = models.fit_all(sample, frame, extra, per_model, cfg, variant="main")
    full = cfg["models"]["full"]
    # robustness: unweighted, untrimmed, alternative coding (full model)
    unw = weights.design_sample(frame, extra)  # equal weights, no raking
    untrim_cfg = {k: v for k, v in cfg["weighting"].items() if k != "trim"}
    untrimmed, _ = weights.rake(frame, targets, untrim_cfg, replicates=False, extra=extra, file=smk.input.targets)
    rob = pd.concat([
        main_fit[main_fit.model == full],
        models.fit_all(unw, frame, extra, per_model, cfg, variant="unweighted", models=[full]),
        models.fit_all(untrimmed, frame, extra, per_model, cfg, variant="untrimmed", models=[full]),
        models.fit_all(sample, frame, extra, per_model, cfg, variant="alternative", models=["alternative"]),
    ], ignore_index=True)
    pred = models.predicted_by(sample, per_model, cfg)
    w = sample.data[weights.WEIGHT].to_numpy()
    logging.info("fitting weighted ordered logits for the 15 items")
    ol = models.ordered_logits(frame, extra, per_model, w, cfg)

    nums = Numbers("models")
    write_csv(smk.output.coefficients, main_fit, cfg)
    write_text(smk.output.table_md, models.regression_markdown(main_fit, cfg, nums, smk.output.table_md, label))
    write_text(smk.output.table_tex, models.regression_latex(main_fit, cfg, label))
    write_csv(smk.output.robustness, rob, cfg)
    write_text(smk.output.robustness_md, models.robustness_markdown(rob, cfg, nums, smk.output.robustness_md, label))
    write_csv(smk.output.ordered, ol, cfg)
    write_text(smk.output.ordered_md, models.ordered_markdown(ol, cfg, nums, smk.output.ordered_md, label))
    write_csv(smk.output.predicted, pred, cfg)
    write_text(smk.output.predicted_md, models.predicted_markdown(pred, cfg, nums, smk.output.predicted_md, label))
    write_numbers(smk, nums, cfg)

    fullrows = main_fit[main_fit.model == full]
    fig = figures.coefficient_figure(
        fullrows, pred, outcomes=cfg["models"]["outcomes"],
        outcome_labels={y: cfg["scales"][y]["label"] for y in cfg["models"]["outcomes"]},
        highlight=cfg["models"]["political_capital"], term_labels=cfg["models"]["term_labels"],
        title="Figure 3. Political capital and support for state-centered SCSs", source_label=label,
        synthetic=cfg["data"]["source"] == "synthetic", ci_level=cfg["estimates"]["ci_level"],
        predict_label=models.term_label(cfg["models"]["predict_by"], cfg))
    figures.save(fig, smk.output.fig3_png, smk.output.fig3_pdf, dpi=cfg["figures"]["dpi"])
    for y in cfg["models"]["outcomes"]:
        r = fullrows[(fullrows.outcome == y) & (fullrows.term == "ccp")].iloc[0]
        logging.info("%s: CCP coefficient %.3f (SE %.3f)", y, r.coef, r.se)


run_step(main, log=smk.log[0], outputs=list(smk.output))
