"""Markdown tables of the item and index estimates and of the reliability of the indices."""

from __future__ import annotations

from scs.report.registry import Printed
from scs.report.tables import ci_label, heading, md_header, md_row, se_of, weighting_phrase
from scs.settings import Settings
from scs.stages.indices import reliability_key
from scs.stages.items import SUPPRESSED_STATS, estimate_key


def estimates_markdown(est, s: Settings, printed: Printed) -> str:
    ci = float(s.estimates.ci_level)
    method = est["variance"].iloc[0] if "variance" in est and len(est) else "linearization"
    boot = ("bootstrap SE from the re-weighted replicates beside it" if "se_boot" in est and est["se_boot"].notna().any()
            else "no bootstrap replicates were made")
    lines = heading("Item and index estimates", s.data.label) + [
        f"{weighting_phrase(s.weighting.method)}. Mean on the response scale with its {ci_label(ci)}; SE "
        f"{se_of(method, s)}; {boot} (linearization SEs are in item_estimates.csv). "
        "The two shares (their codes under each scale) are shares of the substantive answers (for an index: "
        "mean at or above the lowest code of the first share, at or below the highest code of the second); "
        "% don't know = share of \"don't know\" (or another missing code) among everyone who answered. "
        "n = substantive answers (for an index: respondents with enough answered items).", ""]
    for sc, grp in est.groupby("scale", sort=False):
        rs = s.response_scale_of(sc)
        sup, opp = (", ".join(str(c) for c in codes) for codes in (rs.support, rs.oppose))
        cols = ["item", "mean", ci_label(ci), "SE", "SE (bootstrap)", f"% {rs.agree}", f"% {rs.disagree}",
                "% don't know", "unweighted mean", "n"]
        lines += [f"## {s.scales[sc].label}", "", f"% {rs.agree} = codes {sup}; % {rs.disagree} = codes {opp}.",
                  ""] + md_header(cols, "lrlrrrrrrr")
        for r in grp.itertuples():
            name = f"**{r.label}**" if r.kind == "index" else r.label

            def p(stat, var=r.var):
                return printed(estimate_key(var, stat))

            if r.n == 0:
                lines.append(md_row([name] + ["no answers"] + [""] * 7 + [p("n")]))
            elif printed.withheld(estimate_key(r.var, "mean")):
                lines.append(md_row([name] + [p(c) for c in SUPPRESSED_STATS]))
            else:
                lines.append(md_row([name, p("mean"), f"[{p('ci_low')}, {p('ci_high')}]", p("se"), p("se_boot"),
                                     p("pct_support"), p("pct_oppose"), "" if r.kind == "index" else p("pct_dk"),
                                     p("mean_unweighted"), p("n")]))
        lines.append("")
    return "\n".join(lines)


def low_reliability_note(below: dict[str, float], s: Settings, printed_alpha) -> str:
    """A note naming the scales used in a model whose alpha is below reliability.threshold ("" if none)."""
    if not below:
        return ""
    names = "; ".join(f"{s.scales[sc].label} (alpha {printed_alpha(sc)})" for sc in below)
    return (f"Low reliability: {names}, below {s.reliability.threshold:g} (reliability.threshold), and used in a "
            "model: its coefficient mixes the construct with measurement error; read it with care.")


STATISTIC_NAMES = {"item_rest_correlation": "Item-rest correlation", "cronbach_alpha": "Cronbach's alpha",
                   "omega_total": "Omega (total)", "first_eigenvalue_share": "First eigenvalue share"}


def reliability_markdown(rel, s: Settings, printed: Printed, below: dict[str, float] | None = None) -> str:
    on = ("respondents who answered every item of the scale" if s.reliability.missing == "listwise" else
          "the covariance of each pair of items over the respondents who answered both (pairwise; n: respondents "
          "with two or more answers)")
    lines = heading("Reliability of the indices", s.data.label) + [
        f"Item-rest correlations, Cronbach's alpha, McDonald's omega and the first eigenvalue share on {on}; "
        "weighted versions use the final weights.", ""] + md_header(
        ["scale", "statistic", "item", "unweighted", "weighted", "n"], "lllrrr")
    for r in rel.itertuples():
        cells = [printed(reliability_key(r, c)) for c in ("unweighted", "weighted", "n")]
        scale = s.scales[r.scale].label if r.scale in s.scales else r.scale
        lines.append(md_row([scale, STATISTIC_NAMES.get(r.statistic, r.statistic.replace("_", " ")),
                             r.label if r.statistic == "item_rest_correlation" else "", *cells]))
    lines += ["", "Omega (total): McDonald's omega of a one-factor model (minimum residual), 1 - sum of the "
              "uniquenesses / sum of the items' correlations. First eigenvalue share: the largest eigenvalue of the "
              "items' correlation matrix over the number of items."]
    note = low_reliability_note(below or {}, s, lambda sc: printed(f"indices.{sc}.alpha.weighted"))
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"
