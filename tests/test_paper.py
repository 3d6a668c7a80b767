"""The manuscript: no number typed by hand, LaTeX errors as one line, the same PDF bytes twice."""

import subprocess

import pytest
from conftest import ROOT, clone_build, require_tool, run_snakemake

from scs.errors import PipelineError
from scs.report import paper


def test_the_manuscript_types_no_number_by_hand():
    text = (ROOT / "paper" / "ms.tex").read_text()
    assert paper.hand_typed_numbers(text, paper.read_allowed(ROOT / "paper" / "allowed_numbers.txt")) == []


def test_a_number_typed_by_hand_is_found_with_its_line(tmp_path):
    tex = "\\documentclass{article}\n\\begin{document}\nThe index averages 3.60, as \\cite{x2022} says.\n" \
          "\\includegraphics[width=0.9\\textwidth]{figure1.pdf} in 2020.\n\\end{document}\n"
    assert paper.hand_typed_numbers(tex, {"2020"}) == [(3, "3.60")]
    ms = tmp_path / "ms.tex"
    ms.write_text(tex)
    (tmp_path / "allowed.txt").write_text("2020\n")
    with pytest.raises(PipelineError, match=r"ms.tex, row 3: a number typed by hand: '3.60' \(1 in all\)"):
        paper.check_manuscript(ms, tmp_path / "allowed.txt")


def test_latex_errors_name_the_macro_or_the_file():
    log = "! Undefined control sequence.\nl.42 The mean is \\scsItemsNope\n"
    assert str(paper.latex_error(log, "paper/ms.tex")).startswith("paper/ms.tex, row 42: undefined macro \\scsItemsNope")
    log = "! LaTeX Error: File `figures/figure9.pdf' not found.\n"
    assert "missing file 'figures/figure9.pdf'" in str(paper.latex_error(log, "paper/ms.tex"))


def test_every_macro_of_the_manuscript_is_in_the_registry(built):
    import re

    text = (ROOT / "paper" / "ms.tex").read_text()
    tex = (built / "results" / "numbers.tex").read_text()
    defined = set(re.findall(r"\\newcommand\{\\(\w+)\}", tex))
    used = set(re.findall(r"\\(scs[A-Z]\w*)", text))
    assert used and used <= defined, used - defined


@pytest.fixture(scope="module")
def paper_build(built, tmp_path_factory):
    require_tool("latexmk", "TeX Live", "apt-get install texlive-latex-base texlive-latex-recommended latexmk lmodern")
    work = clone_build(built, tmp_path_factory.mktemp("paper") / "w")
    run_snakemake(work, "paper")
    return work


def test_the_paper_builds_to_the_same_bytes_twice(paper_build):
    pdf = paper_build / "results" / "paper" / "ms.pdf"
    first = pdf.read_bytes()
    assert first.startswith(b"%PDF") and b"SYNTHETIC DATA" in first or len(first) > 100_000
    run_snakemake(paper_build, "paper", extra=["--forcerun", "paper"])
    assert pdf.read_bytes() == first


def test_an_undefined_macro_fails_the_paper_with_one_line(paper_build):
    ms = paper_build / "paper" / "ms.tex"
    ms.write_text(ms.read_text().replace("\\scsCleanAnalyticN{}", "\\scsCleanAnalyticNumber{}", 1))
    proc = run_snakemake(paper_build, "paper", check=False)
    errors = [l for l in (proc.stdout + proc.stderr).splitlines() if l.startswith("ERROR:")]
    assert proc.returncode != 0 and len(errors) == 1
    assert "undefined macro \\scsCleanAnalyticNumber" in errors[0]


def test_make_paper_without_tex_says_what_to_install(tmp_path):
    import shutil

    proc = subprocess.run([shutil.which("make"), "-s", "-C", str(ROOT), "paper", f"VENV={ROOT / '.venv'}"],
                          capture_output=True,
                          text=True, env={"PATH": "/usr/bin/nonexistent", "HOME": str(tmp_path)})
    assert proc.returncode != 0 and "apt-get install texlive-latex-base" in proc.stdout + proc.stderr
