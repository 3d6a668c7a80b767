"""No study's shape in the code: no analysis variable, column or scale of the shipped study is named in
src/, scripts/, workflow/ or notebooks/ (outside the stand-in's generator, src/scs/synth/): such names belong
in config.yaml and the codebook."""

import io
import re
import subprocess
import tokenize

import pytest
import yaml
from conftest import ROOT

SKIP_PREFIXES = ("src/scs/synth/",)
# words the code uses for itself that the study also uses as names: the targets' and the checks' column
# "status", the codebook role "attention", and Qualtrics' own respondent id, the default key of its exports
ALLOWED = {"status", "attention", "ResponseId"}


def qualtrics_names() -> set[str]:
    """Qualtrics' own export columns (any Qualtrics survey has them) and their analysis names."""
    from scs.io.draft import QUALTRICS_COLUMNS, snake

    ids = {spec[0] for spec in QUALTRICS_COLUMNS.values()}
    return ids | {snake(i) for i in ids}


def study_names() -> set[str]:
    cb = yaml.safe_load((ROOT / "data" / "codebook.yaml").read_text(encoding="utf-8"))
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    names = {c["var"] for c in cb["columns"]} | {c["id"] for c in cb["columns"]} | set(cb.get("derived", {}))
    names |= set(cfg["scales"]) | {it["var"] for sc in cfg["scales"].values() for it in sc["items"]}
    return {n for n in names if len(n) >= 3} - ALLOWED - qualtrics_names()


def distinctive(name: str) -> bool:
    """A name no prose uses: with an underscore or a digit (s_jobs, income_k, educ4), or a scale of the study."""
    return bool(re.search(r"[_0-9]", name))


def code_strings(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(string literals that are not docstrings, comments and docstrings) of Python-like source, with lines."""
    strings, prose = [], []
    prev = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                prose.append((tok.start[0], tok.string))
            elif tok.type == tokenize.STRING:
                docstring = prev is None or prev.type in (tokenize.INDENT, tokenize.NEWLINE, tokenize.NL,
                                                            tokenize.DEDENT) or prev.string == ":"
                (prose if docstring else strings).append((tok.start[0], tok.string))
            if tok.type not in (tokenize.NL, tokenize.COMMENT):
                prev = tok
    except (tokenize.TokenError, IndentationError):
        prose.append((1, text))
    return strings, prose


def violations(path: str, text: str, names: set[str]) -> list[str]:
    found = []
    if path.endswith((".py", ".smk")) or path == "Snakefile":
        strings, prose = code_strings(text)
    else:
        strings, prose = [], [(1, text)]
    for line, s in strings:
        body = re.sub(r"^[rbfuRBFU]*('''|\"\"\"|'|\")|('''|\"\"\"|'|\")$", "", s)
        for n in names:
            if body == n or (distinctive(n) and re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", body)):
                found.append(f"{path}:{line}: {n!r} in {s[:60]}")
    for line, s in prose:
        for n in names:
            if distinctive(n) and re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", s):
                found.append(f"{path}:{line}: {n!r} in a comment or docstring")
    return found


def test_the_scan_finds_a_planted_study_name():
    names = {"income_k", "trust", "s_jobs"}
    code = 'def f(frame):\n    """Uses s_jobs."""\n    return frame[["trust", "log(income_k)"]]  # the trust index\n'
    found = violations("src/scs/x.py", code, names)
    assert len(found) == 3 and any("'trust'" in f for f in found) and any("docstring" in f for f in found)
    assert violations("src/scs/x.py", 'status = "moved"  # the trust we put in it\n', names) == []


def test_no_study_variable_is_named_in_the_code():
    names = study_names()
    assert {"s_jobs", "ccp", "surveillance", "income_k"} <= names
    files = subprocess.run(["git", "ls-files", "src", "scripts", "workflow", "notebooks", "Snakefile"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    files = [f for f in files if not f.startswith(SKIP_PREFIXES) and not f.endswith((".yaml", ".yml", ".json"))
             and (ROOT / f).is_file()]
    found = []
    for f in files:
        found += violations(f, (ROOT / f).read_text(encoding="utf-8", errors="ignore"), names)
    if found:
        pytest.fail("study names in the code (move them to config.yaml or the codebook):\n" + "\n".join(found))
