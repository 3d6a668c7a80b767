"""The reproduction report in Markdown: each published number or pattern beside the computed one."""

from __future__ import annotations

from scs.report.registry import Printed
from scs.report.tables import ci_label
from scs.settings import Settings
from scs.stages.reproduction import (
    COUNTED,
    DIFFERS,
    NO_ESTIMATE,
    NOT_COMPUTED,
    NOT_ESTABLISHED,
    NOT_SIGNIFICANT,
    STATUSES,
    WITHIN_CI,
    reproduction_key,
)


def report_markdown(rows: list[dict] | None, s: Settings, sources: dict, printed: Printed, *, n: int | None = None,
                    raw_sha256: str = "") -> str:
    src = s.data.source
    ci = float(s.estimates.ci_level)
    lines = ["# Reproduction report", "", f"**Data: {s.data.label}**", ""]
    what = (f"Compared: the numbers and patterns published by the study (sources below) with the numbers this pipeline "
            f"computed from **{s.data.label}** ({src} data" + (f", raw file SHA-256 {raw_sha256[:16]}..." if
                                                                        raw_sha256 else "")
            + (f", analytic n = {n:,}" if n is not None else "") + ").")
    if rows is None:
        setting = {True: "true", False: "false"}.get(s.reproduction.compare, str(s.reproduction.compare))
        lines += [f"No comparison was made: reproduction.compare is {setting} for {src} "
                  "data (set it to true to compare these data with the published numbers).", ""]
        return "\n".join(lines)
    lines += [what, ""]
    if src == "synthetic":
        lines += ["> These numbers were computed from the SYNTHETIC stand-in, whose generator was calibrated to the "
                  "published numbers. Agreement here shows that the calibration and the pipeline work; it is **not** a "
                  "replication of the study's findings.", ""]
    elif src == "simulated":
        lines += ["> These numbers were computed from SIMULATED data (another generator, not calibrated to the study). "
                  "Agreement or disagreement says nothing about the study.", ""]
    counts = {st: sum(r["status"] == st for r in rows) for st in STATUSES}
    words = {NOT_SIGNIFICANT: f"agree in direction only (the {ci_label(ci)} covers the boundary)",
             WITHIN_CI: f"differ in the point estimate, the published value inside the {ci_label(ci)}",
             NOT_ESTABLISHED: f"cannot be established (the {ci_label(ci)} crosses an edge of the band)",
             DIFFERS: "differ"}
    said = [f"{printed(reproduction_key(key))} {words[status]}" for status, key in COUNTED
            if counts[status] or status == DIFFERS]
    lines += [f"{printed(reproduction_key('agree'))} of {printed(reproduction_key('checks'))} published numbers and "
              "patterns agree; "
              + "; ".join(said)
              + (f"; {counts[NO_ESTIMATE]} could not be computed (no answers)" if counts[NO_ESTIMATE] else "")
              + (f"; {counts[NOT_COMPUTED]} are not computed by this configuration" if counts[NOT_COMPUTED] else "")
              + ".", "",
              "Every claim is judged with the interval of the computed quantity: a directional claim agrees only when "
              "its interval lies on the claimed side; a claim that a quantity is near a value (\"mixed feelings\", "
              "\"limited association\") agrees only when the whole interval lies within the stated band (an "
              "equivalence test); orderings of items are judged with paired contrasts (difference of the two weighted "
              "means, design-based SE and CI).", "",
              f"| fact | source | published | computed | {ci_label(ci)} | criterion | status |",
              "|---|---|---:|---:|---|---|---|"]
    for r in rows:
        def p(stat, check=r["id"]):
            return printed(reproduction_key(stat, check))

        x = r["computed"]
        pub = p("published") if r["published"] is not None else ""
        comp = (p("computed") if x["value"] is not None
                else "not in this configuration" if r["status"] == NOT_COMPUTED else "no answers")
        if r.get("compared") == "difference":
            comp = f"difference {comp}"
        cil = f"[{p('ci_low')}, {p('ci_high')}]" if x["ci_low"] is not None else ""
        lines.append(f"| {r['fact']} | {r['source']} | {pub} | {comp} | {cil} | {r['criterion']} | {r['status']} |")
    lines += ["", "Sources:", ""] + [f"- {k}: {v}" for k, v in sources.items()]
    return "\n".join(lines) + "\n"
