"""The reproduction report in Markdown: each published number or pattern beside the computed one."""

from __future__ import annotations

from scs.report.tables import ci_label
from scs.stages.reproduction import AGREES, DIFFERS, NO_ESTIMATE, NOT_ESTABLISHED, NOT_SIGNIFICANT, STATUSES, WITHIN_CI


def report_markdown(rows: list[dict] | None, cfg: dict, sources: dict, nums, file: str, *, n: int | None = None,
                    raw_sha256: str = "") -> str:
    src = cfg["data"]["source"]
    ci = float(cfg["estimates"]["ci_level"])
    lines = ["# Reproduction report", "", f"**Data: {cfg['data']['label']}**", ""]
    what = (f"Compared: the numbers and patterns published by the study (sources below) with the numbers this pipeline "
            f"computed from **{cfg['data']['label']}** ({src} data" + (f", raw file SHA-256 {raw_sha256[:16]}..." if
                                                                        raw_sha256 else "")
            + (f", analytic n = {n:,}" if n is not None else "") + ").")
    if rows is None:
        lines += [f"No comparison was made: reproduction.compare is {cfg['reproduction'].get('compare')!r} for {src} "
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
    counts = {s: sum(r["status"] == s for r in rows) for s in STATUSES}
    parts = [(NOT_SIGNIFICANT, "not_significant", f"agree in direction only (the {ci_label(ci)} covers the boundary)"),
             (WITHIN_CI, "within_ci", f"differ in the point estimate, the published value inside the {ci_label(ci)}"),
             (NOT_ESTABLISHED, "not_established", f"cannot be established (the {ci_label(ci)} is too wide to say)"),
             (DIFFERS, "differ", "differ")]
    said = [f"{nums.add(f'reproduction.{key}', counts[status], 'count', file=file)} {words}"
            for status, key, words in parts]
    said = [t for t, (status, _, _) in zip(said, parts) if counts[status] or status == DIFFERS]
    lines += [f"{nums.add('reproduction.agree', counts[AGREES], 'count', file=file)} of "
              f"{nums.add('reproduction.checks', len(rows), 'count', file=file)} published numbers and patterns agree; "
              + "; ".join(said)
              + (f"; {counts[NO_ESTIMATE]} could not be computed (no answers)" if counts[NO_ESTIMATE] else "") + ".", "",
              "Every claim is judged with the interval of the computed quantity: a directional claim agrees only when "
              "its interval lies on the claimed side; a claim that a quantity is near a value (\"mixed feelings\", "
              "\"limited association\") agrees only when the whole interval lies within the stated band (an "
              "equivalence test); orderings of items are judged with paired contrasts (difference of the two weighted "
              "means, design-based SE and CI).", "",
              f"| fact | source | published | computed | {ci_label(ci)} | criterion | status |",
              "|---|---|---:|---:|---|---|---|"]
    for r in rows:
        k = f"reproduction.{r['id']}"
        kind = r["format"]
        x = r["computed"]
        pub = nums.add(f"{k}.published", r["published"], kind, file=file) if r["published"] is not None else ""
        ckind = "coef" if r.get("compared") == "difference" else kind
        comp = nums.add(f"{k}.computed", x["value"], ckind, file=file) if x["value"] is not None else "no answers"
        if r.get("compared") == "difference":
            comp = f"difference {comp}"
        if x["ci_low"] is not None:
            cil = (f"[{nums.add(f'{k}.ci_low', x['ci_low'], ckind, file=file)}, "
                   f"{nums.add(f'{k}.ci_high', x['ci_high'], ckind, file=file)}]")
        else:
            cil = ""
        lines.append(f"| {r['fact']} | {r['source']} | {pub} | {comp} | {cil} | {r['criterion']} | {r['status']} |")
    lines += ["", "Sources:", ""] + [f"- {k}: {v}" for k, v in sources.items()]
    return "\n".join(lines) + "\n"
