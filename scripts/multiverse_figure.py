"""Snakemake adapter: the specification curve of one outcome (rule `multiverse_figure`)."""

import pandas as pd

from _common import run_step, settings_of
from scs.report import figures, shown
from scs.report.registry import fmt
from scs.stages import multiverse

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    u = multiverse.universe(s)
    table = pd.read_csv(smk.input.csv, dtype={"weighting_adjustments": str})  # the released (rounded) table
    joint = pd.read_csv(smk.input.joint).set_index("outcome")
    for y in s.multiverse.outcomes:
        figure(s, u, table, joint.loc[y], y)


def figure(s, u, table, jt, y):
    c = multiverse.curve(table, y)
    ci = float(s.estimates.ci_level)
    c["sig"] = multiverse.significant(c["coef"], c["se"], c["df"], s)
    c["configured"] = c["spec_id"] == multiverse.default_spec(u, y)
    choices = {}
    for d in u.dims:
        if d == "outcome":
            continue
        opts = [o.name for o in (u.index_options[y] if d == "index" else u.options[d])]
        choices[d] = [o for o in opts if (c[d] == o).any()]
    joint = {"median": jt["median"], "share_significant": jt["share_significant"],
             "p_median_text": fmt(jt["p_median"], "p", floor=1 / (jt["null_draws"] + 1)),
             "p_share_text": fmt(jt["p_share"], "p", floor=1 / (jt["null_draws"] + 1))}
    dim_labels, option_labels = shown.display_labels(s, u, y)
    fig = figures.spec_curve_figure(c, choices, u.defaults, dim_labels=dim_labels, option_labels=option_labels,
                                    term_labels=s.models.term_labels, joint=joint, source_label=s.data.label,
                                    synthetic=s.data.source == "synthetic", ci_level=ci,
                                    direction=s.multiverse.direction)
    figures.save(fig, smk.output[f"png_{y}"], smk.output[f"pdf_{y}"], dpi=s.figures.dpi)


run_step(main, log=smk.log[0], outputs=list(smk.output))
