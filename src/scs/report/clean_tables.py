"""The exclusion flow as Markdown."""

from __future__ import annotations

import pandas as pd

from scs.report.registry import Printed
from scs.stages.clean import ANALYTIC_N, flow_key


def flow_markdown(flow: pd.DataFrame, source_label: str, printed: Printed) -> str:
    lines = [
        "# Exclusion flow",
        "",
        f"Data: {source_label}",
        "",
        "Rules are applied in this order; each removes respondents from those still remaining.",
        "",
        "| rule | description | removed | remaining |",
        "|---|---|---:|---:|",
    ]
    for r in flow.itertuples():
        removed = "" if r.step == 0 else printed(flow_key(r.rule, "removed"))
        lines.append(f"| {r.rule} | {r.description} | {removed} | {printed(flow_key(r.rule, 'remaining'))} |")
    lines += ["", f"Analytic sample: {printed(ANALYTIC_N)} respondents."]
    return "\n".join(lines) + "\n"
