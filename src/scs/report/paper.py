"""The manuscript: a check that every number is a macro, and LaTeX errors as one clear line."""

from __future__ import annotations

import re
from pathlib import Path

from scs.errors import PipelineError

UNITS = r"(?:em|ex|pt|bp|in|cm|mm|sp|pc)\b"


def body_text(tex: str) -> list[tuple[int, str]]:
    """The manuscript's text lines (line number, text) that a reader sees: the document body without
    comments, the bibliography, macro names, cross-references, file names and dimensions."""
    lines = tex.splitlines()
    start = next((i for i, l in enumerate(lines) if r"\begin{document}" in l), 0)
    out, in_bib = [], False
    for i, line in enumerate(lines[start:], start + 1):
        line = re.sub(r"(?<!\\)%.*", "", line)
        if r"\begin{thebibliography}" in line:
            in_bib = True
        if in_bib:
            in_bib = r"\end{thebibliography}" not in line
            continue
        line = re.sub(r"\\(?:cite|ref|label|input|includegraphics|begin|end|bibitem|hspace|vspace|raisebox|parbox)"
                      r"(?:\[[^\]]*\])?\{[^}]*\}", " ", line)
        line = re.sub(r"\[[^\]]*\]", " ", line)                 # optional arguments: [ht], [width=...]
        line = re.sub(rf"-?\d*\.?\d+\s*{UNITS}", " ", line)     # dimensions
        line = re.sub(r"-?\d*\.?\d+\\(?:textwidth|linewidth|columnwidth)", " ", line)
        line = re.sub(r"\\[A-Za-z]+", " ", line)               # macro names (ours have no digits)
        out.append((i, line))
    return out


def hand_typed_numbers(tex: str, allowed: set[str]) -> list[tuple[int, str]]:
    """Numbers typed by hand in the text (not macros, not in the allowlist): (line, number)."""
    found = []
    for i, line in body_text(tex):
        for m in re.finditer(r"\d[\d,.]*", line):
            tok = m.group().rstrip(".,")
            if tok and tok not in allowed:
                found.append((i, tok))
    return found


def read_allowed(path) -> set[str]:
    p = Path(path)
    if not p.is_file():
        return set()
    return {l.strip() for l in p.read_text().splitlines() if l.strip() and not l.startswith("#")}


def check_manuscript(ms: str | Path, allowed_file: str | Path) -> None:
    text = Path(ms).read_text(encoding="utf-8")
    found = hand_typed_numbers(text, read_allowed(allowed_file))
    if found:
        line, tok = found[0]
        raise PipelineError(f"a number typed by hand: {tok!r} ({len(found)} in all)", file=ms, row=line,
                            expected=f"a macro of numbers.tex (see numbers_catalogue.md), or an entry of {allowed_file}")


def latex_error(log_text: str, ms: str) -> PipelineError:
    """The first error of a LaTeX log as one line naming the undefined macro or the missing file."""
    m = re.search(r"! Undefined control sequence\.\s*\n(?:.*\n)*?l\.(\d+) .*?(\\[A-Za-z@]+)\s*$", log_text, re.M)
    if m:
        return PipelineError(f"undefined macro {m.group(2)}", file=ms, row=int(m.group(1)),
                             expected="a macro of numbers.tex (see numbers_catalogue.md)")
    m = re.search(r"! LaTeX Error: File `([^']+)' not found", log_text)
    if m:
        return PipelineError(f"missing file {m.group(1)!r}", file=ms,
                             expected="a figure or table that the workflow writes (in the output folder)")
    m = re.search(r"^! (.*)$", log_text, re.M)
    line = re.search(r"^l\.(\d+)", log_text, re.M)
    return PipelineError(f"LaTeX error: {m.group(1) if m else 'see the log'}", file=ms,
                         row=int(line.group(1)) if line else None)
