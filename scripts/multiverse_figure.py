"""Snakemake adapter: the specification curve of one outcome (rule `multiverse_figure`)."""

import pandas as pd

from _common import cfg_of, run_step
from scs.report import figures
from scs.report.registry import fmt
from scs.stages import multiverse

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    u = multiverse.universe(cfg)
    table = pd.read_csv(smk.input.csv, dtype={"weighting_adjustments": str})  # the released (rounded) table
    joint = pd.read_csv(smk.input.joint).set_index("outcome")
    for y in cfg["multiverse"]["outcomes"]:
        figure(cfg, u, table, joint.loc[y], y)


def figure(cfg, u, table, jt, y):
    c = multiverse.curve(table, y)
    ci = float(cfg["estimates"]["ci_level"])
    c["sig"] = multiverse.significant(c["coef"], c["se"], c["df"], cfg)
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
    title = f"Specification curve: {cfg['scales'][y]['label']}"
    fig = figures.spec_curve_figure(c, choices, u.defaults, title=title, term_labels=cfg["models"]["term_labels"],
                                    joint=joint, source_label=cfg["data"]["label"],
                                    synthetic=cfg["data"]["source"] == "synthetic", ci_level=ci)
    figures.save(fig, smk.output[f"png_{y}"], smk.output[f"pdf_{y}"], dpi=cfg["figures"]["dpi"])


run_step(main, log=smk.log[0], outputs=list(smk.output))
