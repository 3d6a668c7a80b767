"""Markdown and LaTeX of the descriptive statistics."""

from __future__ import annotations

import pandas as pd

from scs.report.registry import fmt, tex_escape, tex_number
from scs.report.tables import heading, md_header, md_row


def _cells(r, nums, file, k):
    kind = "pct" if r.statistic == "share" else "mean"
    scale = 100.0 if r.statistic == "share" else 1.0
    w = nums.add(f"{k}.weighted", scale * r.weighted, kind, file=file, n=r.n)
    u = nums.add(f"{k}.unweighted", scale * r.unweighted, kind, file=file)
    sdw = "" if pd.isna(r.sd_weighted) else nums.add(f"{k}.sd_weighted", r.sd_weighted, kind, file=file)
    sdu = "" if pd.isna(r.sd_unweighted) else nums.add(f"{k}.sd_unweighted", r.sd_unweighted, kind, file=file)
    return [w, sdw, u, sdu, nums.add(f"{k}.n", r.n, "count", file=file), nums.add(f"{k}.missing", r.missing, "count",
                                                                                   file=file)]


def descriptives_markdown(d: pd.DataFrame, cfg: dict, nums, file: str) -> str:
    lines = heading("Descriptive statistics of the analysis variables", cfg["data"]["label"]) + [
        "Every variable of the models (outcomes, political capital, controls) in the analytic sample: weighted (final "
        "weights) and unweighted mean with its SD, or the share in percent for 0/1 variables and categories; n = "
        "respondents with a value, missing = those without (an index is missing when too few items were answered).",
        ""] + md_header(["variable", "statistic", "weighted", "SD (weighted)", "unweighted", "SD (unweighted)", "n",
                         "missing"], "llrrrrrr")
    for r in d.itertuples():
        k = f"descriptives.{r.variable}" + (f".{r.level}" if r.level else "")
        stat = "% (share)" if r.statistic == "share" else "mean"
        lines.append(md_row([r.label, stat, *_cells(r, nums, file, k)]))
    return "\n".join(lines) + "\n"


def descriptives_latex(d: pd.DataFrame, cfg: dict) -> str:
    lines = [f"% Data: {cfg['data']['label']}", "\\begin{tabular}{lrrrr}", "\\toprule",
             " & \\multicolumn{2}{c}{Weighted} & & \\\\", "\\cmidrule(lr){2-3}",
             "Variable & Mean or \\% & SD & Unweighted & $n$ \\\\", "\\midrule"]
    for r in d.itertuples():
        scale = 100.0 if r.statistic == "share" else 1.0
        kind = "pct" if r.statistic == "share" else "mean"
        sd = "" if pd.isna(r.sd_weighted) else tex_number(fmt(r.sd_weighted, kind))
        lines.append(f"{tex_escape(r.label)} & {tex_number(fmt(scale * r.weighted, kind))} & {sd} & "
                     f"{tex_number(fmt(scale * r.unweighted, kind))} & {tex_number(fmt(r.n, 'count'))} \\\\")
    lines += ["\\bottomrule",
              "\\multicolumn{5}{p{0.85\\linewidth}}{\\footnotesize Weighted: final (census-calibrated) weights. Shares "
              "in percent for 0/1 variables and categories; SD for the others.} \\\\", "\\end{tabular}"]
    return "\n".join(lines) + "\n"
