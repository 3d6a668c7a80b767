"""Markdown of the weighting diagnostics."""

from __future__ import annotations

from scs.report.registry import Printed
from scs.report.tables import heading, md_header, md_row
from scs.settings import Settings
from scs.stages.weight_diagnostics import margin_key, summary_key

METHODS = {
    "bounded_raking": "bounded raking (logit calibration; R: calibrate(calfun = \"logit\", bounds)), the adjustment "
                      "factor g = weight / prior weight within the bounds",
    "raking": "raking without bounds (R: calibrate(calfun = \"raking\"))",
    "trim_rake": "svy's trim-rake loop, the weights within the bounds times their mean",
    "none": "none: the design weights as supplied (weighting.base_weight, or equal weights), scaled to mean 1; "
            "no calibration (R: svydesign(ids = ~1, weights = ~w))",
}
def diagnostics_markdown(margins, summary: dict, record: dict, s: Settings, printed: Printed,
                         labels: dict | None = None) -> str:
    """``labels``: what readers see for the margins' variables and categories (scs.report.shown.label_maps)."""
    min_cell = int(s.disclosure.min_cell)
    plan = record["plan"]
    rinfo = record["replicates"]
    bounded = plan["margins"] and record["method"] in ("bounded_raking", "trim_rake")
    bounds = (f" Bounds [{plan['lower']:g}, {plan['upper']:g}] relative to the mean weight; the weights have mean 1."
              if bounded else " The weights have mean 1.")
    names = (labels or {}).get("variables", {})
    levels = (labels or {}).get("levels", {})
    lines = heading("Weighting diagnostics", s.data.label) + [f"Method: {METHODS[record['method']]}.{bounds}", ""]
    design = record.get("design")
    if design:  # strata or PSUs (the default design of respondents, ids = ~1, states nothing here)
        parts = [f"{design['n_strata']} strata of {design['strata']}" if design["strata"] else "one stratum",
                 f"{design['n_psu']} PSUs ({design['psu']})" if design["psu"] else f"{design['n_psu']} respondents as PSUs"]
        single = design["single_psu_strata"]
        lonely = (f"; {len(single)} stratum(s) with a single PSU, treated as R's lonely.psu = \"{design['lonely_psu']}\""
                  if single else "")
        jk = record.get("jackknife")
        lines += [f"Design: {', '.join(parts)} (R: {design['r']}); {design['df']} degrees of freedom (PSUs minus "
                  f"strata){lonely}. Linearization SEs of the PSU totals within strata"
                  + (f"; cluster jackknife ({jk['type']}, {jk['n']} replicates, one per PSU)" if jk else "") + ".", ""]
    if rinfo["n"]:
        checked = (" Each replicate meets its margins and the same bounds (checked below)." if plan["margins"] else "")
        lines += [f"Replicates: {rinfo['n']} {rinfo['kind']}; variance scale {rinfo['scale']:.6g} (R's svrepdesign "
                  f"type = \"bootstrap\").{checked}", ""]
    else:
        lines += ["Replicates: none (linearization SEs only).", ""]
    if plan["adjustments"]:
        lines += ["## Adjustments made because the targets could not be met within the bounds", "",
                  "The configured policy (weighting.infeasible) changed the weighting of the full sample:", ""]
        lines += [f"- {a}" for a in plan["adjustments"]] + [""]
    if summary.get("replicates_with_own_plan"):
        lines += [f"{summary['replicates_with_own_plan']} replicate(s) needed an adjustment of their own under the same "
                  "policy (listed in design.json).", ""]
    if margins.empty:
        lines += ["## Margins", "", "None: the weights are not calibrated (weighting.method: none).", ""]
    else:
        lines += ["## Margins", ""] + md_header(["variable", "category", "target", "unweighted", "weighted", "n",
                                                 "target status"], "llrrrrl")
    for r in margins.itertuples():
        cells = [printed(margin_key(r.variable, r.category, stat)) for stat in ("target", "unweighted", "weighted", "n")]
        lines.append(md_row([names.get(r.variable, r.variable),
                             levels.get(r.variable, {}).get(str(r.category), r.category), *cells, r.status]))
    lines += ["", "## Summary", ""] + md_header(["statistic", "value"], "lr")
    for k in summary:
        lines.append(md_row([k.replace("_", " "), printed(summary_key(k))]))
    lines += ["", f"Cells with fewer than {min_cell} respondents are shown as <{min_cell} (disclosure control).", "",
              "Target status: V = read in an official source; D = arithmetic on V; S = third-party transcription; "
              "U = approximate (see data/targets.csv and docs/SOURCES.md)."]
    return "\n".join(lines) + "\n"
