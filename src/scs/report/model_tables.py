"""Markdown and LaTeX tables of the models (regressions, robustness, ordered logits, predictive margins)."""

from __future__ import annotations

import pandas as pd

from scs.report.registry import Printed, tex_escape, tex_number
from scs.report.shown import Labels, formula_words
from scs.report.tables import STARS_NOTE, ci_label, heading, md_header, md_row, se_of, stars
from scs.settings import Settings
from scs.stages.models import (
    coef_key,
    fit_key,
    ordered_key,
    ordered_terms,
    predicted_key,
    robustness_key,
)
from scs.stages.models import table_label as _label


def _sample_note(s: Settings, keys: bool = True) -> str:
    """How the models' samples were formed; ``keys``: name the setting (not in the paper's table)."""
    if s.models.common_sample:
        return ("Models of one outcome share one estimation sample: respondents with the outcome and every model's "
                "covariates" + (" (models.common_sample)." if keys else "."))
    return "Each model is fitted on its own complete cases" + (" (models.common_sample: false)." if keys else ".")


def regression_markdown(coefs: pd.DataFrame, samples: pd.DataFrame, s: Settings, printed: Printed,
                        low_reliability: list[str] = ()) -> str:
    """The regression table; ``low_reliability``: scales in the models whose alpha is below
    reliability.threshold (named in a note)."""
    models = list(s.models.formulas)
    ci = float(s.estimates.ci_level)
    method = coefs["variance"].iloc[0]
    title = s.figures.titles.get("regression_table", "Regressions of the indices")
    lines = heading(title, s.data.label) + [
        f"Survey-weighted least squares of each index on the terms of its formula: coefficient, its SE "
        f"({se_of(method, s)}) in parentheses, and p-value (t with the design's residual degrees of freedom). "
        f"{STARS_NOTE}. {_sample_note(s)} The {ci_label(ci)} of every coefficient, and its linearization"
        + (" and bootstrap SEs, are" if "se_bootstrap" in coefs and coefs["se_bootstrap"].notna().any() else " SE, is")
        + " in coefficients.csv and the registry.", ""]
    names = Labels({y: sc.label for y, sc in s.scales.items()})  # an index's label where no term label names it
    for name, rhs in s.models.formulas.items():  # in words (the formula, as configured, in code)
        words = ", ".join(formula_words(rhs, names, s.models.term_labels))
        lines.append(f"- {name}: {words} (`index ~ {rhs}`)")
    lines.append("")
    if low_reliability:
        names = ", ".join(s.scales[sc].label for sc in low_reliability)
        lines += [f"Low reliability: {names} (Cronbach's alpha below {s.reliability.threshold:g}, "
                  "reliability.threshold; see the reliability table): read its coefficients with care.", ""]
    main = coefs[coefs.variant == "main"]
    for y in s.models.outcomes:
        sub = main[main.outcome == y]
        lines += [f"## {s.scales[y].label}", ""] + md_header(["term", *models], "l" + "r" * len(models))
        for t in dict.fromkeys(sub["term"]):
            cells = []
            for m in models:
                r = sub[(sub.model == m) & (sub.term == t)]
                if r.empty:
                    cells.append("")
                    continue
                r = r.iloc[0]
                c, se, p = (printed(coef_key(y, m, t, stat)) for stat in ("coef", "se", "p"))
                cells.append(f"{c}{stars(r.p)} ({se}; p {p})")
            lines.append(md_row([_label(t, s), *cells]))
        for stat, name in (("n", "n"), ("r2", "R-squared (weighted)")):
            lines.append(md_row([name, *[printed(fit_key(y, m, stat)) for m in models]]))
        lines.append("")
    miss = samples.loc[:, [c for c in samples.columns if c.startswith("missing_")]]
    lines += ["## Estimation samples", "",
              "Respondents in the analytic sample, and how many lack each variable (a respondent may lack several).", ""]
    cols = ["outcome", "model", "analytic sample", "n", *[c.replace("missing_", "missing ") for c in miss.columns]]
    lines += md_header(cols, "ll" + "r" * (len(cols) - 2))
    for r in samples.itertuples(index=False):
        d = r._asdict()

        def p(stat, d=d):
            return printed(fit_key(d["outcome"], d["model"], f"sample.{stat}"))

        cells = [d["outcome"], d["model"], p("n_analytic"), p("n")]
        cells += ["" if pd.isna(d[c]) else p(c) for c in miss.columns]
        lines.append(md_row(cells))
    return "\n".join(lines) + "\n"


def regression_latex(coefs: pd.DataFrame, s: Settings, printed: Printed, low_reliability: list[str] = ()) -> str:
    """booktabs tabular: one panel per outcome, models as columns; numbers as in the Markdown table (and its
    note on ``low_reliability``)."""
    models = list(s.models.formulas)
    method = coefs["variance"].iloc[0]
    main = coefs[coefs.variant == "main"]
    ncol = 1 + len(models)
    lines = [f"% Data: {s.data.label}", "\\begin{tabular}{l" + "r" * len(models) + "}", "\\toprule",
             " & " + " & ".join(models) + " \\\\"]
    for i, y in enumerate(s.models.outcomes):
        sub = main[main.outcome == y]
        panel = chr(ord("A") + i)
        lines += ["\\midrule", f"\\multicolumn{{{ncol}}}{{l}}{{\\textit{{Panel {panel}: "
                               f"{tex_escape(s.scales[y].label)}}}}} \\\\"]
        for t in dict.fromkeys(sub["term"]):
            cells = []
            for m in models:
                r = sub[(sub.model == m) & (sub.term == t)]
                if r.empty:
                    cells.append("")
                    continue
                r = r.iloc[0]
                st = stars(r.p)
                cells.append(tex_number(printed(coef_key(y, m, t, "coef"))) + (f"$^{{{st}}}$" if st else "")
                             + f" ({tex_number(printed(coef_key(y, m, t, 'se')))})")
            lines.append(f"{tex_escape(_label(t, s))} & " + " & ".join(cells) + " \\\\")
        for stat, name in (("n", "$n$"), ("r2", "$R^2$ (weighted)")):
            vals = [tex_number(printed(fit_key(y, m, stat))) for m in models]
            lines.append(f"{name} & " + " & ".join(vals) + " \\\\")
    lines += ["\\bottomrule",
              f"\\multicolumn{{{ncol}}}{{p{{0.9\\linewidth}}}}{{\\footnotesize Survey-weighted least squares; "
              f"standard errors in parentheses, {tex_escape(se_of(method, s))}. "
              "$^{*}$\\,$p<0.05$, $^{**}$\\,$p<0.01$, $^{***}$\\,$p<0.001$ (t with the design's residual degrees of "
              "freedom). " + tex_escape(_sample_note(s, keys=False))
              + (tex_escape(f" Low reliability (Cronbach's alpha below {s.reliability.threshold:g}): "
                            + ", ".join(s.scales[sc].label for sc in low_reliability) + "; read its coefficients with "
                            "care.") if low_reliability else "") + "} \\\\",
              "\\end{tabular}"]
    return "\n".join(lines) + "\n"


VARIANTS = {
    "main": "Main (final weights)",
    "unweighted": "Unweighted OLS",
    "unbounded": "Raked, no bounds",
    "alternative": "Alternative formula (models.alternative_formula)",
}
# what each variant of the full model is, in words (the robustness table's note says the same)
VARIANT_MEANINGS = {
    "main": "the full model with the final weights, as reported",
    "unweighted": "the full model with equal weights, not calibrated",
    "unbounded": "the full model with weights raked to the same margins without bounds on the weights",
    "alternative": "the final weights and another formula",
}


def robustness_markdown(rob: pd.DataFrame, s: Settings, printed: Printed) -> str:
    pc = s.models.political_capital
    ci = float(s.estimates.ci_level)
    lines = heading("Robustness of the coefficients of interest", s.data.label) + [
        f"The coefficients of interest: {', '.join(_label(t, s) for t in pc)} (models.political_capital).",
        f"Full model ({s.models.full}) under each variant: coefficient, SE ({se_of(rob['variance'].iloc[0], s)}), "
        f"{ci_label(ci)}, p and n. Unweighted: equal weights, not calibrated (its SE: the same replication of the "
        "unweighted estimator, equal-weight replicates); no bounds: raking to the same margins without bounds on the "
        "weights. Bootstrap SEs (robustness.csv) exist for the variants weighted by the main procedure only.", ""]
    lines += md_header(["variant", "outcome", "term", "coef", "SE", ci_label(ci), "p", "n"], "lllrrlrr")
    for r in rob[rob.term.isin(pc)].itertuples():
        def p(stat, r=r):
            return printed(robustness_key(r, stat))

        cells = [p("coef"), p("se"), f"[{p('ci_low')}, {p('ci_high')}]", p("p"), p("n")]
        lines.append(md_row([VARIANTS[r.variant], s.scales[r.outcome].label, r.label, *cells]))
    return "\n".join(lines) + "\n"


def ordered_markdown(ol: pd.DataFrame, s: Settings, printed: Printed) -> str:
    show = ordered_terms(ol, s)
    lines = heading("Weighted ordered logits of each item", s.data.label) + [
        "Proportional-odds logit (logit P(Y <= k) = cut_k - x'b) of each item on the full model's covariates, fitted by "
        "weighted pseudo-likelihood; design-based SEs (linearization that accounts for the calibration) in "
        f"parentheses. {STARS_NOTE}. Terms shown: models.ordered_terms; every term and cut point is in "
        "ordered_logits.csv.", ""] + md_header(["item", *[_label(t, s) for t in show], "n"], "l" + "r" * (len(show) + 1))
    labels = {it.var: it.label for b in s.batteries for it in s.scales[b].items}
    for item, grp in ol.groupby("item", sort=False):
        if grp.term.iloc[0] == "(none)":  # no fit: the row says why (too few answers, a term that does not vary)
            why = grp.label.iloc[0]
            cells = [why, *[""] * (len(show) - 1)] if show else []
            name = labels[item] if show else f"{labels[item]} ({why})"
            lines.append(md_row([name, *cells, printed(ordered_key(item, None, "n"))]))
            continue
        cells = []
        for t in show:
            r = grp[grp.term == t].iloc[0]
            cells.append(f"{printed(ordered_key(item, t, 'coef'))}{stars(r.p)} ({printed(ordered_key(item, t, 'se'))})")
        lines.append(md_row([labels[item], *cells, printed(ordered_key(item, None, "n"))]))
    return "\n".join(lines) + "\n"


def predicted_markdown(pred: pd.DataFrame, s: Settings, printed: Printed) -> str:
    ci = float(s.estimates.ci_level)
    predict = s.models.predict
    var = predict.by
    labels = {str(k): v for k, v in predict.level_labels.items()}
    ref = f"{pred['level'].iloc[0]:g}"
    lines = heading(f"Predicted index by {_label(var, s)}", s.data.label) + [
        f"Predictive margins from the full model ({s.models.full}): the mean prediction over the estimation "
        f"sample with every respondent set to each level, other covariates as observed; {ci_label(ci)} "
        f"{se_of(pred['variance'].iloc[0], s)}. The difference from {_label(var, s)} = {labels.get(ref, ref)} has "
        "its own SE and interval (both margins come from the same respondents: judge the difference by its "
        "interval, not by whether the margins' intervals overlap).", ""] + md_header(
        ["outcome", "level", "predicted", ci_label(ci), f"difference ({ci_label(ci)})", "n"], "llrlrr")
    for r in pred.itertuples():
        lv = f"{r.level:g}"

        def p(stat, r=r):
            return printed(predicted_key(r, stat))

        cells = [p("mean"), f"[{p('ci_low')}, {p('ci_high')}]"]
        if r.difference == r.difference:
            cells.append(f"{p('difference')} [{p('difference_ci_low')}, {p('difference_ci_high')}]")
        else:
            cells.append("(reference)")
        cells.append(p("n"))
        name = f"{_label(r.variable, s)} = {labels.get(lv, lv)}"
        lines.append(md_row([s.scales[r.outcome].label, name, *cells]))
    return "\n".join(lines) + "\n"
