"""The manuscript: the template and each study's text type no number by hand, the setup the template reads
(title page, metadata, the tables and figures with their numbers), LaTeX errors as one line naming the file,
the same PDF bytes twice, and the rendered PDFs of both stand-ins (pages, float placement, the data mark)."""

import calendar
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, clone_build, require_tool, run_snakemake

from scs.errors import PipelineError
from scs.report import paper
from scs.settings import load, replace

CONFIGS = ["config.yaml", "data/alt/config.yaml"]
VENV = str(Path(sys.executable).parents[1])


def test_the_template_and_each_studys_text_type_no_number_by_hand():
    template = (ROOT / "paper" / "ms.tex").read_text()
    assert paper.hand_typed_numbers(template, set()) == []
    for config in CONFIGS:
        s = load(ROOT / config)
        text = (ROOT / s.paper.prose).read_text()
        assert paper.hand_typed_numbers(text, paper.read_allowed(s.paper.allowed_numbers)) == [], config


def test_the_template_names_no_study():
    """Study-specific words and macros live in the studies' texts and configurations, not in the template."""
    body = re.sub(r"(?m)^%.*$", "", (ROOT / "paper" / "ms.tex").read_text())
    for word in ("surveillance", "punishment", "China", "CCP", "\\scs", "\\ifscs", "SCS"):
        assert word not in body, word


def test_a_number_typed_by_hand_is_found_with_its_line(tmp_path):
    tex = "\\documentclass{article}\n\\begin{document}\nThe index averages 3.60, as \\cite{x2022} says.\n" \
          "\\includegraphics[width=0.9\\textwidth]{figure1.pdf} in 2020.\n\\end{document}\n"
    assert paper.hand_typed_numbers(tex, {"2020"}) == [(3, "3.60")]
    ms = tmp_path / "ms.tex"
    ms.write_text(tex)
    (tmp_path / "allowed.txt").write_text("2020\n")
    with pytest.raises(PipelineError, match=r"ms.tex, row 3: a number typed by hand: '3.60' \(1 in all\)"):
        paper.check_manuscript(ms, tmp_path / "allowed.txt")
    with pytest.raises(PipelineError, match=r"'3.60' \(2 in all\)"):  # no allowed numbers at all: 2020 too
        paper.check_manuscript(ms, None)


def test_latex_errors_name_the_macro_or_the_file():
    log = "! Undefined control sequence.\nl.42 The mean is \\scsItemsNope\n"
    assert str(paper.latex_error(log, "paper/ms.tex")).startswith("paper/ms.tex, row 42: undefined macro \\scsItemsNope")
    log = "! LaTeX Error: File `figures/figure9.pdf' not found.\n"
    assert "missing file 'figures/figure9.pdf'" in str(paper.latex_error(log, "paper/ms.tex"))


def test_latex_errors_in_the_studys_text_name_that_file():
    """pdflatex -file-line-error: the error's file is the study's text, not the template."""
    log = (f"({ROOT}/paper/ms.tex ({ROOT}/paper/study.tex\n{ROOT}/paper/study.tex:12: Undefined control sequence.\n"
           "l.12 The mean is \\scsItemsNope\n")
    err = str(paper.latex_error(log, "paper/ms.tex", "paper/study.tex"))
    assert err.startswith("paper/study.tex, row 12: undefined macro \\scsItemsNope"), err
    log = "./paper/ms.tex:88: LaTeX Error: File `setup.tex' not found.\n"
    assert str(paper.latex_error(log, "paper/ms.tex", "paper/study.tex")).startswith(
        "paper/ms.tex, row 88: missing file 'setup.tex'")


def test_the_citation_file_gives_authors_date_and_keywords():
    c = paper.read_citation(ROOT / "CITATION.cff")
    assert c.authors == ("The SCS replication pipeline developers",)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", c.date) and "Snakemake" in c.keywords


def test_the_setup_numbers_every_table_and_figure_from_the_configuration():
    s = load(ROOT / "config.yaml")
    files = {"descriptives": "indices/d.tex", "regressions": "models/r.tex", "models": "figures/pc.pdf",
             "items.surveillance": "figures/s.pdf", "items.punishment": "figures/p.pdf",
             "specification_curve.surveillance": "figures/cs.pdf", "specification_curve.punishment": "figures/cp.pdf"}
    citation = paper.Citation(title="T", authors=("A. Author", "B & Co"), date="2026-12-01", keywords=("k",),
                              version="1")
    tex = paper.setup_tex(s, citation, files, prose="paper/study.tex")
    assert "\\PaperTable{descriptives}{1}{indices/d.tex}" in tex
    assert "\\PaperTable{regressions}{2}{models/r.tex}" in tex
    assert "\\PaperItemFigure{surveillance}{1}{figures/s.pdf}{Support for including each behavior" in tex
    assert "\\PaperItemFigure{punishment}{2}{figures/p.pdf}" in tex
    assert "\\PaperCapitalFigure{3}{figures/pc.pdf}{Political capital and support for state-centered SCSs}" in tex
    assert "\\PaperCurveFigure{punishment}{5}{figures/cp.pdf}{punishment index}" in tex
    assert "\\newcommand{\\PaperAuthor}{A. Author \\and B \\& Co}" in tex
    assert "\\newcommand{\\PaperDate}{1 December 2026}" in tex
    assert "\\newcommand{\\PaperDataLabel}{\\scsDataLabel}" in tex
    assert "\\newcommand{\\PaperMark}{SYNTHETIC DATA -- NOT A FINDING}" in tex
    # another numbering, prefix, title and date: all from the configuration
    s2 = replace(s, numbering={"tables": {"descriptives": 2, "regressions": 1},
                               "figures": {"items": 2, "models": 1, "specification_curves": 4}},
                 paper={"macro_prefix": "xyz", "title": None, "date": "2024-02-29"},
                 data={"source": "real"})
    tex = paper.setup_tex(s2, citation, files, prose="p.tex")
    assert "\\PaperTable{descriptives}{2}" in tex and "\\PaperItemFigure{punishment}{3}" in tex
    assert "\\PaperCapitalFigure{1}" in tex and "\\PaperCurveFigure{punishment}{5}" in tex
    assert "\\newcommand{\\PaperDataLabel}{\\xyzDataLabel}" in tex and "\\newcommand{\\PaperTitle}{T}" in tex
    assert "\\newcommand{\\PaperDate}{29 February 2024}" in tex
    assert "\\newcommand{\\PaperMark}{}" in tex  # real data: no mark


def test_the_alt_stand_ins_setup_has_its_own_prefix_mark_and_no_specification_curve():
    s = load(ROOT / "data/alt/config.yaml")
    assert s.paper.macro_prefix == "alt" and not s.multiverse
    files = {"descriptives": "d.tex", "regressions": "r.tex", "models": "pc.pdf",
             "items.surveillance": "s.pdf", "items.punishment": "p.pdf"}
    tex = paper.setup_tex(s, paper.read_citation(ROOT / "CITATION.cff"), files, prose=s.paper.prose)
    assert "\\PaperCurveFigure" not in tex and "\\newcommand{\\PaperDataLabel}{\\altDataLabel}" in tex
    assert "SIMULATED DATA -- NOT A FINDING" in tex


def test_a_paper_without_a_date_says_where_to_put_one():
    s = replace(load(ROOT / "config.yaml"), paper={"date": None})
    citation = paper.Citation(title="T", authors=("A",), date=None, keywords=(), version=None)
    with pytest.raises(PipelineError, match=r"config.yaml: the manuscript has no date; expected paper.date"):
        paper.paper_date(s, citation)


def test_every_macro_of_each_studys_text_is_in_its_registry(built):
    """The stand-in's text against its build; the alt stand-in's against its numbers' names (the prefix)."""
    s = load(ROOT / "config.yaml")
    text = (ROOT / s.paper.prose).read_text()
    defined = set(re.findall(r"\\newcommand\{\\(\w+)\}", (built / "results" / "numbers.tex").read_text()))
    used = set(re.findall(rf"\\({s.paper.macro_prefix}[A-Z]\w*)", text))
    assert used and used <= defined, used - defined


# ----------------------------------------------------------------------------------------------- built PDFs


@pytest.fixture(scope="module")
def paper_build(built, tmp_path_factory):
    """The stand-in's paper, and the second stand-in's next to it (`make CONFIG=data/alt/config.yaml paper`),
    in one working copy."""
    require_tool("latexmk", "TeX Live", "apt-get install texlive-latex-base texlive-latex-recommended latexmk lmodern")
    require_tool("pdftotext", "poppler", "apt-get install poppler-utils")
    work = clone_build(built, tmp_path_factory.mktemp("paper") / "w")
    run_snakemake(work, "paper")
    proc = subprocess.run(["make", "-s", f"VENV={VENV}", "CONFIG=data/alt/config.yaml", "paper"], cwd=work,
                          capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    return work


def pages(pdf: Path) -> list[str]:
    """The text of each page of a PDF (pdftotext, in reading order)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def pdf_info(pdf: Path) -> dict:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def floats(texts: list[str]) -> dict[str, int]:
    """Where each table and figure landed: 'Table 1' -> its page (1-based), from its caption ('Table 1: ...')."""
    out = {}
    for i, t in enumerate(texts, 1):
        for m in re.finditer(r"^\s*((?:Table|Figure) \d+):", t, re.M):
            assert m.group(1) not in out, f"{m.group(1)} captioned twice"
            out[m.group(1)] = i
    return out


def first_mentions(texts: list[str]) -> dict[str, int]:
    """The page where the text first refers to each table and figure ('Figure 4 shows', '(Table 2)', 'Figures 1
    and 2'; not a caption 'Figure 4:' nor a title inside an image 'Figure 4.')."""
    out = {}
    for i, t in enumerate(texts, 1):
        for m in re.finditer(r"\b(Table|Figure)s? (\d+)(?: and (\d+))?(?![\d:.])", t):
            for n in filter(None, m.group(2, 3)):
                out.setdefault(f"{m.group(1)} {n}", i)
    return out


def flat(texts: list[str]) -> str:
    """The text of the pages as one line (a word split at a line's end by its own hyphen joined again)."""
    return re.sub(r"-\s+", "-", " ".join(" ".join(texts).split()))


def check_layout(texts: list[str], mark: str, max_pages: int, max_distance: int) -> dict[str, int]:
    where = floats(texts)
    # (a text without references has none: its floats may end it)
    refs = [i for i, t in enumerate(texts, 1) if re.search(r"^\s*References\s*$", t, re.M)] or [len(texts) + 1]
    assert any(re.search(r"^\s*Data availability\s*$", t, re.M) for t in texts[:refs[0]]), "no data statement"
    assert len(texts) <= max_pages, f"{len(texts)} pages"
    for name, page in where.items():
        # no float on or after the page of the references (the data statement may come before the last floats)
        assert page < refs[0], f"{name} on page {page}, the references start on page {refs[0]}"
    mentions = first_mentions(texts)
    for name, page in where.items():
        assert name in mentions, f"{name} is never referred to"
        assert mentions[name] <= page <= mentions[name] + max_distance, (name, mentions[name], page)
    for kind in ("Table", "Figure"):
        numbered = sorted((int(n.split()[1]), p) for n, p in where.items() if n.startswith(kind))
        assert [n for n, _ in numbered] == list(range(1, len(numbered) + 1)), numbered
        assert [p for _, p in numbered] == sorted(p for _, p in numbered), f"{kind}s out of order: {numbered}"
    for i, t in enumerate(texts, 1):
        assert mark in t, f"page {i} has no mark {mark!r}"
    return where


def test_the_stand_ins_pdf_pages_floats_and_mark(paper_build):
    pdf = paper_build / "results" / "paper" / "ms.pdf"
    texts = pages(pdf)
    where = check_layout(texts, "SYNTHETIC DATA", max_pages=9, max_distance=2)
    s = load(ROOT / "config.yaml")
    # the configured numbering; both specification curves
    assert where.keys() == {"Table 1", "Table 2", "Figure 1", "Figure 2", "Figure 3", "Figure 4", "Figure 5"}
    full = flat(texts)
    n = s.numbering
    assert f"Table {n.tables['descriptives']}: Descriptive statistics" in full
    assert f"Table {n.tables['regressions']}: Regressions of the indices" in full
    assert f"Figure {n.figures['models']}: Political capital" in full
    for i, y in enumerate(s.multiverse.outcomes):
        assert re.search(rf"Figure {n.figures['specification_curves'] + i}: Specification curve .{{0,80}} {y} index",
                         full), y
    assert all("SYNTHETIC stand-in data" in " ".join(t.split()) for t in texts)
    # one spelling (American) in the text above the references
    body = full.split("References")[0]
    for british in ("centred", "behaviour", "colour", "modelling", "analyse", "favour", "labelled"):
        assert british not in body.lower(), british


def test_the_stand_ins_pdf_metadata_come_from_the_configuration_and_citation_file(paper_build):
    s = load(ROOT / "config.yaml")
    c = paper.read_citation(ROOT / s.paper.citation)
    info = pdf_info(paper_build / "results" / "paper" / "ms.pdf")
    assert info["Title"] == paper.full_title(s.paper.title, s.paper.subtitle)
    assert info["Author"] == ", ".join(c.authors) and "pipeline developers" in info["Author"]
    assert info["Keywords"] == ", ".join(c.keywords)
    assert s.data.label in info["Subject"] and "config.yaml" in info["Subject"]
    date = paper.paper_date(s, c)
    assert re.search(rf"\b{date.day} 00:00:00 {date.year}\b", info["CreationDate"]), info["CreationDate"]
    first = flat(pages(paper_build / "results" / "paper" / "ms.pdf")[:1])
    assert c.authors[0] in first and f"{date.day} {calendar.month_name[date.month]} {date.year}" in first
    assert (paper_build / "results" / "paper" / "setup.tex").is_file()


def test_the_second_stand_in_builds_its_own_paper_next_to_the_stand_ins(paper_build):
    pdf = paper_build / "results-data-alt-config" / "paper" / "ms.pdf"
    assert (paper_build / "results" / "paper" / "ms.pdf").is_file() and pdf.is_file()
    texts = pages(pdf)
    where = check_layout(texts, "SIMULATED DATA", max_pages=6, max_distance=4)
    assert where.keys() == {"Table 1", "Table 2", "Figure 1", "Figure 2", "Figure 3"}  # no multiverse configured
    s = load(ROOT / "data/alt/config.yaml")
    info = pdf_info(pdf)
    assert info["Title"] == paper.full_title(s.paper.title, s.paper.subtitle)
    assert "data/alt/config.yaml" in info["Subject"]
    full = flat(texts)
    assert "a second synthetic stand-in" in full and s.data.label in full
    assert "\\newcommand{\\altItemsSurveillanceMean}" in (pdf.parents[1] / "numbers.tex").read_text()


def test_the_paper_builds_to_the_same_bytes_twice(paper_build):
    pdf = paper_build / "results" / "paper" / "ms.pdf"
    first = pdf.read_bytes()
    assert first.startswith(b"%PDF") and b"SYNTHETIC DATA" in first or len(first) > 100_000
    run_snakemake(paper_build, "paper", extra=["--forcerun", "paper"])
    assert pdf.read_bytes() == first


def test_an_undefined_macro_fails_the_paper_with_one_line(paper_build, tmp_path):
    work = clone_build(paper_build, tmp_path / "w")
    prose = work / "paper" / "study.tex"
    prose.write_text(prose.read_text().replace("\\scsCleanAnalyticN{}", "\\scsCleanAnalyticNumber{}", 1))
    proc = run_snakemake(work, "paper", check=False)
    errors = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("ERROR:")]
    assert proc.returncode != 0 and len(errors) == 1
    assert "paper/study.tex, row" in errors[0] and "undefined macro \\scsCleanAnalyticNumber" in errors[0]


def test_make_paper_without_tex_says_what_to_install(tmp_path):
    proc = subprocess.run([shutil.which("make"), "-s", "-C", str(ROOT), "paper", f"VENV={ROOT / '.venv'}"],
                          capture_output=True,
                          text=True, env={"PATH": "/usr/bin/nonexistent", "HOME": str(tmp_path)})
    assert proc.returncode != 0 and "apt-get install texlive-latex-base" in proc.stdout + proc.stderr


def test_an_undefined_macro_inside_an_argument_is_named():
    """TeX's context of the error ends with the undefined control sequence: on the file's line (l.N), or, inside an
    argument, on the <recently read> / <argument> line before it (the line l.N then ends elsewhere)."""
    log = ("(./paper/study.tex\n./paper/study.tex:7: Undefined control sequence.\n"
           "<recently read> \\scsIndicesSJobsMean \n                                     \n"
           "l.7 The mean is \\textbf{\\scsIndicesSJobsMean{}}\n"
           "                                                on the scale, and a rather l...\n \n")
    err = str(paper.latex_error(log, "paper/ms.tex", "paper/study.tex", prefix="my"))
    assert err == ("paper/study.tex, row 7: undefined macro \\scsIndicesSJobsMean; expected a macro of numbers.tex (see "
                   "numbers_catalogue.md); its macros begin with \\my (paper.macro_prefix; its condition: "
                   "\\ifmysynthetic): a text written for another prefix needs its macros renamed")
    log = ("./paper/study.tex:7: Undefined control sequence.\n<argument> \\scsItemsNope \n\nl.7 \\emph{\\scsItemsNope{}}\n")
    assert str(paper.latex_error(log, "paper/ms.tex", "paper/study.tex", prefix="scs")) == (
        "paper/study.tex, row 7: undefined macro \\scsItemsNope; expected a macro of numbers.tex (see "
        "numbers_catalogue.md)")
    log = "./paper/study.tex:3: Undefined control sequence.\nl.3 ...o be cut short by TeX: \\scsItemsNope\n   {} here\n"
    assert "row 3: undefined macro \\scsItemsNope;" in str(paper.latex_error(log, "paper/ms.tex", "paper/study.tex"))
