"""The data check: the whole export against the codebook, every problem at once (``make check-data``).

Writes a Markdown report and a CSV (one row per problem: what, where, how many, the first rows
and values, what was expected and what to do). A problem is an error (the build cannot use the export
as it is) or a warning (it can). The check itself never fails its rule, so that its report is kept; the
``clean`` rule stops when the report lists an error, and ``make check-data`` ends with the same line and
a non-zero exit status (:func:`stop_on_problems`, through ``tools/data_check_status.py``).
"""

from __future__ import annotations

import json

import pandas as pd
import polars as pl

from scs.errors import PipelineError
from scs.io.codebook import Codebook
from scs.io.ingest import NUMERIC, Problem, check_cells, derive, read_raw, to_analysis

COLUMNS = ["severity", "kind", "column", "count", "first_rows", "values", "message", "expected", "fix"]


def check_and_type(path, codebook: Codebook, fmt: str = "auto"):
    """Read the export once: every problem (a file that cannot be read at all is one problem), facts about
    it, and, when no problem is an error, the typed analysis data and the raw table (else None, None)."""
    try:
        raw = read_raw(path, codebook, fmt)
    except PipelineError as exc:
        return [Problem("unreadable", exc.message, exc.column, [exc.row] if exc.row is not None else [], 1,
                        [(str(exc.got), 1)] if exc.got is not None else [], exc.expected or "",
                        "re-export the file as the message says")], {"format": None, "rows": 0, "columns": 0}, None, None
    typed, problems = check_cells(raw, codebook)
    problems += answer_warnings(typed, codebook)
    for n in raw.notes:
        problems.insert(0, Problem("note", n, None, [], 1, [], "", "", severity="warning"))
    facts = {"format": raw.format, "rows": raw.cells.height, "columns": raw.cells.width}
    if any(p.severity == "error" for p in problems):
        return problems, facts, None, None
    return problems, facts, derive(to_analysis(typed, codebook), codebook), raw


def answer_warnings(typed: dict, codebook: Codebook) -> list[Problem]:
    """Warnings about the answers of the analysis columns that the codebook alone can tell: a column with no
    substantive answer (every cell blank or a missing code, such as "don't know") and one whose substantive
    answers are all the same (a variable made from it cannot vary in a model)."""
    out = []
    for col in codebook.columns:
        cid = col["id"]
        if col["role"] != "analysis" or col["type"] not in NUMERIC or cid not in typed:
            continue
        v = typed[cid].drop_nulls()
        v = v.cast(pl.Float64)
        v = v.filter(~v.is_in([float(k) for k in codebook.missing_codes(col)]))
        values = v.unique().sort().to_list()
        if not values:
            out.append(Problem("no_substantive_answer", "no row has a substantive answer: every cell is blank or a "
                               "missing code", cid, [], typed[cid].len(), [], "answers besides the missing codes",
                               "check the export (was the question asked?) and the column's missing codes; an index "
                               "or model that needs it has nobody to use", severity="warning"))
        elif len(values) == 1:
            code = values[0]
            label = codebook.valid_codes(col).get(int(code)) if float(code).is_integer() else None
            out.append(Problem("no_variation", f"every substantive answer is the same: {code:g}"
                               + (f" ({label})" if label else ""), cid, [], v.len(), [], "answers that vary",
                               "a variable made from it cannot vary: a model that uses it cannot be fitted",
                               severity="warning"))
    return out


def check_raw(path, codebook: Codebook, fmt: str = "auto") -> tuple[list[Problem], dict]:
    """Every problem of the export and facts about it (the check alone)."""
    problems, facts, _, _ = check_and_type(path, codebook, fmt)
    return problems, facts


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    if not problems:  # one row that says so (and, in the CSV, which data it was)
        problems = [Problem("none", "no problems", None, [], 0, [], "", "", severity="none")]
    rows = [{"severity": p.severity, "kind": p.kind, "column": p.column or "", "count": p.count,
             "first_rows": " ".join(str(r) for r in p.rows), "values": json.dumps([[str(v), n] for v, n in p.values],
                                                                                  ensure_ascii=False),
             "message": p.message, "expected": p.expected, "fix": p.fix} for p in problems]
    return pd.DataFrame(rows, columns=COLUMNS)


def summary_line(df: pd.DataFrame, report: str) -> str:
    errs = df[df.severity == "error"]
    cols = errs["column"].replace("", "(file)").nunique()
    if errs.empty:
        warn = int((df.severity == "warning").sum())
        return f"data check: no problems ({warn} warning(s)); report: {report}"
    return (f"data check: {len(errs)} error(s) in {cols} column(s), which stop the build until they are fixed; "
            f"report: {report}")


def report_markdown(df: pd.DataFrame, facts: dict, file: str, codebook_path: str, label: str) -> str:
    errs = df[df.severity == "error"]
    lines = ["# Data check", "", f"Data: {label}", "",
             f"The export `{file}` ({facts.get('format') or 'unreadable'}; {facts.get('rows', 0):,} responses, "
             f"{facts.get('columns', 0)} columns) checked against the codebook `{codebook_path}`: every column, every "
             "cell.", ""]
    if errs.empty:
        lines.append("No problems: every required column is present and every value is one the codebook allows.")
    else:
        lines.append(f"**{len(errs)} error(s) in {errs['column'].replace('', '(file)').nunique()} column(s).** The "
                     "build stops at cleaning until they are fixed (in the export or in the codebook); warnings do "
                     "not stop it.")
    lines.append("")
    for sev, title in (("error", "Errors"), ("warning", "Warnings")):
        part = df[df.severity == sev]
        if part.empty:
            continue
        lines += [f"## {title}", "", "| # | what | column | cells | first rows | values (count) | expected | what to do |",
                  "|---:|---|---|---:|---|---|---|---|"]
        for i, r in enumerate(part.itertuples(), 1):
            vals = ", ".join(f"`{v}` ({n})" for v, n in json.loads(r.values))
            lines.append(f"| {i} | {r.message} | {r.column} | {r.count:,} | {r.first_rows} | {vals} | {r.expected} | "
                         f"{r.fix} |")
        lines.append("")
    return "\n".join(lines)


def stop_on_problems(csv_path: str, report: str, raw_file: str) -> None:
    """Stop with one line when the data check found errors: the first one, and where all are listed."""
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    errs = df[df.severity == "error"]
    if errs.empty:
        return
    first = errs.iloc[0]
    rows = first["first_rows"].split(" ")[0] if first["first_rows"] else None
    if rows is not None and rows.isdigit():
        rows = int(rows)
    elif rows == "case":
        rows = " ".join(first["first_rows"].split(" ")[:2])
    vals = json.loads(first["values"] or "[]")
    n_cols = errs["column"].replace("", "(file)").nunique()
    raise PipelineError(first["message"], file=raw_file, row=rows, column=first["column"] or None,
                        got=vals[0][0] if vals else None,
                        expected=(f"{first['expected']}; " if first["expected"] else "")
                        + f"{len(errs)} error(s) in {n_cols} column(s) in all, listed in {report}")


def report(problems, facts, *, md: str, file: str, codebook: Codebook, label: str, source: str):
    """The data check's report: (the problems table with its data source, the Markdown text, the summary
    line naming ``md``, where the caller writes the text)."""
    df = problems_frame(problems)
    table = df.copy()
    table.insert(0, "data_source", source)
    return table, report_markdown(df, facts, file, codebook.path, label), summary_line(df, md)
