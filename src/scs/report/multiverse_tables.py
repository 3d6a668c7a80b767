"""The multiverse's summary in Markdown."""

from __future__ import annotations

import pandas as pd

from scs.report.registry import Printed
from scs.report.shown import display_labels
from scs.settings import Settings
from scs.stages.multiverse import Universe, adjusted_specifications, multiverse_key


def summary_markdown(jt: pd.DataFrame, table: pd.DataFrame, u: Universe, s: Settings, printed: Printed) -> str:
    """The Markdown summary: what was varied, the joint test of each outcome."""
    ci = float(s.estimates.ci_level)
    lines = [f"# Multiverse: {int(jt['specifications'].sum()):,} specifications", "",
             f"Data: {s.data.label}", ""]
    if s.data.source == "synthetic":
        lines += ["**Synthetic stand-in data: these numbers test the pipeline; they are not findings.**", ""]
    lines += ["Options varied (the configured analysis in bold):", ""]
    dim_labels, option_labels = {}, {}  # as the specification curves name them
    for y in s.multiverse.outcomes:
        dl, ol = display_labels(s, u, y)
        dim_labels.update(dl)
        option_labels.update(ol)
    for d in u.dims:
        if d == "outcome":
            continue
        if d == "index":
            names = list(dict.fromkeys(o.name for opts in u.index_options.values() for o in opts))
        else:
            names = [o.name for o in u.options[d]]
        shown = [f"**{option_labels.get((d, n), n)}**" if n == u.defaults.get(d) else option_labels.get((d, n), n)
                 for n in names]
        lines.append(f"- {dim_labels.get(d, d.replace('_', ' '))}: {', '.join(shown)}")
    lines += ["", f"Estimates: the first focal term of each specification; raking-aware "
              f"linearization SEs; significant: two-sided {100 * (1 - ci):g}% test in the claimed direction "
              f"({jt['direction'].iloc[0]}). Joint test (Simonsohn, Simmons and Nelson 2020): "
              f"{int(jt['null_draws'].iloc[0])} bootstrap draws with the null imposed (the smallest p-value they "
              f"can give is 1/{int(jt['null_draws'].iloc[0]) + 1}).", "",
              "| Outcome | Specifications | Median | Range | Same sign | Significant | p (median) | p (share) |",
              "|---|---:|---:|---|---:|---:|---:|---:|"]
    for r in jt.itertuples():
        def p(stat, outcome=r.outcome):
            return printed(multiverse_key(outcome, stat))

        lines.append(f"| {s.scales[r.outcome].label} | {p('specifications')} | {p('median')} | "
                     f"{p('min')} to {p('max')} | {p('share_same_sign')}% | {p('share_significant')}% "
                     f"({p('n_significant')}) | {p('p_median')} | {p('p_share')} |")
    adjusted = adjusted_specifications(table)
    shown = printed(multiverse_key(None, "adjusted_specifications"))
    lines += ["", (f"Weighting: {shown} specification(s) could not be calibrated to the configured margins within "
                   "their bounds and were weighted after the adjustments of weighting.infeasible (column "
                   "weighting_adjustments of `specifications.csv`); every other one was calibrated to the configured "
                   "margins." if adjusted else
                   "Weighting: every weighted specification was calibrated to the configured margins within its "
                   "bounds; none needed an adjustment of weighting.infeasible (column weighting_adjustments of "
                   "`specifications.csv`).")]
    lines += ["", "The median estimate and the share significant of each option's specifications: "
              "`by_option.csv`; every specification: `specifications.csv`."]
    return "\n".join(lines) + "\n"
