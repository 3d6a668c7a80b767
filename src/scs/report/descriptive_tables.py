"""Markdown and LaTeX of the descriptive statistics."""

from __future__ import annotations

import pandas as pd

from scs.report.registry import Printed, tex_escape, tex_number
from scs.report.tables import heading, md_header, md_row
from scs.settings import Settings
from scs.stages.descriptives import descriptive_key


def descriptives_markdown(d: pd.DataFrame, s: Settings, printed: Printed) -> str:
    lines = heading("Descriptive statistics of the analysis variables", s.data.label) + [
        "Every variable of the models (outcomes and terms) in the analytic sample: weighted (final "
        "weights) and unweighted mean with its SD, or the share in percent for 0/1 variables and categories; n = "
        "respondents with a value, missing = those without (an index is missing when too few items were answered).",
        ""] + md_header(["variable", "statistic", "weighted", "SD (weighted)", "unweighted", "SD (unweighted)", "n",
                         "missing"], "llrrrrrr")
    for r in d.itertuples():
        def p(stat, r=r):
            return printed(descriptive_key(r, stat))

        stat = "% (share)" if r.statistic == "share" else "mean"
        lines.append(md_row([r.label, stat, p("weighted"), "" if pd.isna(r.sd_weighted) else p("sd_weighted"),
                             p("unweighted"), "" if pd.isna(r.sd_unweighted) else p("sd_unweighted"), p("n"),
                             p("missing")]))
    return "\n".join(lines) + "\n"


def descriptives_latex(d: pd.DataFrame, s: Settings, printed: Printed) -> str:
    lines = [f"% Data: {s.data.label}", "\\begin{tabular}{lrrrr}", "\\toprule",
             " & \\multicolumn{2}{c}{Weighted} & & \\\\", "\\cmidrule(lr){2-3}",
             "Variable & Mean or \\% & SD & Unweighted & $n$ \\\\", "\\midrule"]
    for r in d.itertuples():
        def p(stat, r=r):
            return tex_number(printed(descriptive_key(r, stat)))

        sd = "" if pd.isna(r.sd_weighted) else p("sd_weighted")
        lines.append(f"{tex_escape(r.label)} & {p('weighted')} & {sd} & {p('unweighted')} & {p('n')} \\\\")
    lines += ["\\bottomrule",
              "\\multicolumn{5}{p{0.85\\linewidth}}{\\footnotesize Weighted: final (census-calibrated) weights. Shares "
              "in percent for 0/1 variables and categories; SD for the others.} \\\\", "\\end{tabular}"]
    return "\n".join(lines) + "\n"
