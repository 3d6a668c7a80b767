"""The manuscript: the setup that the template paper/ms.tex reads (title page, PDF metadata, the tables and
figures with their numbers, the study's text), a check that every number is a macro, and LaTeX errors as one
clear line."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scs.errors import PipelineError
from scs.report.captions import figure_numbers
from scs.report.shown import lower_first
from scs.settings import Settings

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
    if path is None:
        return set()
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


def undefined_control_sequence(log_text: str) -> tuple[str | None, int | None] | None:
    """The control sequence of a LaTeX log's "Undefined control sequence" error and the line (``l.N``) where it
    was read; None when the log has no such error. TeX prints the context after the error, innermost first, each
    context line ending with what was read last: the undefined control sequence ends the first of them, which is
    the line of the file (``l.7 The mean is \\x``) or, inside an argument or a macro, ``<argument> \\x`` or
    ``<recently read> \\x``."""
    m = re.search(r"Undefined control sequence\.[^\n]*\n", log_text)
    if not m:
        return None
    name = row = None
    for line in log_text[m.end():].splitlines()[:40]:
        at = re.match(r"l\.(\d+) ?(.*)$", line)
        cs = re.search(r"(\\(?:[A-Za-z@]+|[^A-Za-z@\s]))\s*$", at.group(2) if at else line)
        if name is None and cs:
            name = cs.group(1)
        if at:
            row = int(at.group(1))
            break
    return name, row


def latex_error(log_text: str, ms: str, prose: str | None = None, prefix: str | None = None) -> PipelineError:
    """The first error of a LaTeX log as one line naming the undefined macro or the missing file, and the file
    (the template ``ms`` or the study's text ``prose``) and line where it occurred (pdflatex -file-line-error
    prints them; a log without them is taken to be the template's). ``prefix``: paper.macro_prefix, which every
    macro of numbers.tex begins with (a text written for another prefix is told so)."""
    names = {Path(f).resolve().as_posix(): f for f in (ms, prose) if f}
    file, row = ms, None
    where = re.search(r"^(\S+?\.tex):(\d+): ", log_text, re.M)
    if where:
        file, row = names.get(Path(where.group(1)).resolve().as_posix(), where.group(1)), int(where.group(2))
    undefined = undefined_control_sequence(log_text)
    if undefined is not None:
        name, line = undefined
        expected = "a macro of numbers.tex (see numbers_catalogue.md)"
        if name and prefix and not name.startswith(("\\" + prefix, f"\\if{prefix}")):
            expected += (f"; its macros begin with \\{prefix} (paper.macro_prefix; its condition: \\if{prefix}synthetic): "
                         "a text written for another prefix needs its macros renamed")
        return PipelineError(f"undefined macro {name}" if name else "undefined macro (the log names none)",
                             file=file, row=line if line is not None else row, expected=expected)
    m = re.search(r"LaTeX Error: File `([^']+)' not found", log_text)
    if m:
        return PipelineError(f"missing file {m.group(1)!r}", file=file, row=row,
                             expected="a figure or table that the workflow writes (in the output folder)")
    m = re.search(r"^(?:! |\S+?\.tex:\d+: )(.*)$", log_text, re.M)
    line = re.search(r"^l\.(\d+)", log_text, re.M)
    return PipelineError(f"LaTeX error: {m.group(1) if m else 'see the log'}", file=file,
                         row=int(line.group(1)) if line else row)


# ----------------------------------------------------------------------------------------------- the setup


@dataclass(frozen=True)
class Citation:
    """What the title page and the PDF's metadata take from the citation file (CITATION.cff)."""

    title: str
    authors: tuple[str, ...]
    date: str | None           # date-released, YYYY-MM-DD
    keywords: tuple[str, ...]
    version: str | None


def read_citation(path: str | Path) -> Citation:
    import yaml

    p = Path(path)
    if not p.is_file():
        raise PipelineError("the citation file does not exist", file=path,
                            expected="a CITATION.cff (paper.citation in the configuration)")
    cff = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    authors = tuple(_person(a) for a in cff.get("authors") or [])
    if not authors:
        raise PipelineError("the citation file names no author", file=path, expected="authors: [{name: ...}]")
    date = cff.get("date-released")
    return Citation(title=str(cff.get("title", "")), authors=authors, date=str(date) if date else None,
                    keywords=tuple(str(k) for k in cff.get("keywords") or []),
                    version=str(cff["version"]) if cff.get("version") else None)


def _person(a: Mapping) -> str:
    """A CFF author (a person or an entity) as printed."""
    if a.get("name"):
        return str(a["name"])
    parts = [a.get("given-names"), a.get("name-particle"), a.get("family-names"), a.get("name-suffix")]
    return " ".join(str(p) for p in parts if p)


def paper_date(s: Settings, citation: Citation) -> dt.date:
    """The manuscript's date: paper.date, else the citation file's date-released."""
    text = s.paper.date or citation.date
    if not text:
        raise PipelineError("the manuscript has no date", file=s.file,
                            expected=f"paper.date (YYYY-MM-DD) or date-released in {s.paper.citation}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PipelineError(f"invalid date {text!r}", file=s.file, expected="YYYY-MM-DD") from None


def source_date_epoch(date: dt.date) -> int:
    """The date as seconds since 1970 (midnight UTC): the PDF's creation date, so that two builds agree."""
    return calendar.timegm(date.timetuple())


def full_title(title: str, subtitle: str | None) -> str:
    """Title and subtitle in one line (the PDF's title): 'Who ...?' + 'A rebuild' -> 'Who ...? A rebuild'."""
    if not subtitle:
        return title
    return f"{title} {subtitle}" if title.rstrip()[-1:] in "?!.:" else f"{title}: {subtitle}"


def strip_number(title: str) -> str:
    """A figure title without the number an image may print: 'Figure 3. Political ...' -> 'Political ...'."""
    return re.sub(r"^(?:Figure|Table)\s+\d+[.:]\s*", "", title).strip()


AND = r" \and "
MARKS = {"synthetic": "SYNTHETIC DATA -- NOT A FINDING", "simulated": "SIMULATED DATA -- NOT A FINDING"}
DATA_STATEMENTS = {
    "synthetic": "These data are generated (a synthetic stand-in): no number, table or figure here is a finding "
                 "about the people surveyed.",
    "simulated": "These data are simulated: no number, table or figure here is a finding about the people surveyed.",
    "real": "",
}


def setup_tex(s: Settings, citation: Citation, files: Mapping[str, str], *, prose: str) -> str:
    """The setup that paper/ms.tex reads: the title page and PDF metadata (configuration and citation file),
    which macros of numbers.tex name the data, the data statement, and every table and figure with its number
    and file (``files``: 'descriptives', 'regressions', 'items.<battery>', 'models',
    'specification_curve.<outcome>' -> a path that TeX finds). ``prose``: the study's text, as TeX finds it."""
    prefix = s.paper.macro_prefix
    date = paper_date(s, citation)
    title = s.paper.title or citation.title
    subject = f"Data: {s.data.label} ({s.data.source}); configuration: {s.file}"
    lines = [
        f"% Generated by the `paper` rule from {s.file} and {s.paper.citation}; do not edit.",
        f"% Data: {s.data.label}",
        f"\\newcommand{{\\PaperTitle}}{{{tex_text(title)}}}",
        f"\\newcommand{{\\PaperSubtitle}}{{{tex_text(s.paper.subtitle or '')}}}",
        f"\\newcommand{{\\PaperPdfTitle}}{{{tex_text(full_title(title, s.paper.subtitle))}}}",
        f"\\newcommand{{\\PaperAuthor}}{{{AND.join(tex_text(a) for a in citation.authors)}}}",
        f"\\newcommand{{\\PaperAuthorList}}{{{tex_text(', '.join(citation.authors))}}}",
        f"\\newcommand{{\\PaperDate}}{{{date.day} {calendar.month_name[date.month]} {date.year}}}",
        f"\\newcommand{{\\PaperKeywords}}{{{tex_text(', '.join(citation.keywords))}}}",
        f"\\newcommand{{\\PaperSubject}}{{{tex_text(subject)}}}",
        f"\\newcommand{{\\PaperConfig}}{{{tex_text(s.file)}}}",
        f"\\newcommand{{\\PaperProse}}{{{prose}}}",
        f"\\newcommand{{\\PaperDataLabel}}{{\\{prefix}DataLabel}}",
        f"\\newcommand{{\\PaperMark}}{{{MARKS.get(s.data.source, '')}}}",
        f"\\newcommand{{\\PaperAvailability}}{{{tex_text(s.paper.availability)}}}",
        f"\\newcommand{{\\PaperDataStatement}}{{{DATA_STATEMENTS[s.data.source]}}}",
        "% The tables and figures, numbered by the configuration's `numbering` (their captions: ms.tex)",
    ]
    tables = s.numbering.tables
    for key in ("descriptives", "regressions"):
        lines.append(f"\\PaperTable{{{key}}}{{{tables[key]}}}{{{files[key]}}}")
    titles = s.figures.titles
    labels = s.models.term_labels
    for key, number in sorted(figure_numbers(s).items(), key=lambda kv: kv[1]):
        kind, _, name = key.partition(".")
        if kind == "items":
            title = strip_number(titles.get(name, s.scale_of(name).label))
            lines.append(f"\\PaperItemFigure{{{name}}}{{{number}}}{{{files[key]}}}{{{tex_text(title)}}}")
        elif kind == "models":
            by = s.models.predict.by
            title = strip_number(titles.get("models", "Political capital and support"))
            lines.append(f"\\PaperCapitalFigure{{{number}}}{{{files[key]}}}{{{tex_text(title)}}}"
                         f"{{{tex_text(labels.get(by, by))}}}")
        else:
            label = lower_first(s.scale_of(name).label)
            lines.append(f"\\PaperCurveFigure{{{name}}}{{{number}}}{{{files[key]}}}{{{tex_text(label)}}}")
    return "\n".join(lines) + "\n"


def tex_text(text: str) -> str:
    """Plain text from the configuration or the citation file as LaTeX."""
    repl = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
            ">": r"\textgreater{}"}
    return "".join(repl.get(c, c) for c in text)
