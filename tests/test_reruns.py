"""Editing a module reruns exactly the rules whose scripts import it (and what reads their outputs).

The expected rules come from the scripts' imports read here with Python's parser (independently of
scs.codedeps, which the workflow uses); the rules Snakemake would rerun come from `snakemake --summary` on a
finished build, one edit per module."""

import ast
import os
import subprocess
from pathlib import Path

from conftest import SNAKEMAKE, clone_build

SRC_PARTS = ("src",)


def _module_files(root: Path, dotted: str) -> list[Path]:
    """The files Python runs to import ``dotted`` (package __init__ files on the way, then the module)."""
    out = []
    parts = dotted.split(".")
    for k in range(1, len(parts) + 1):
        base = root.joinpath(*SRC_PARTS, *parts[:k])
        for f in (base.with_suffix(".py"), base / "__init__.py"):
            if f.is_file():
                out.append(f)
    return out


def _direct(root: Path, file: Path) -> set[Path]:
    tree = ast.parse(file.read_text(encoding="utf-8"))
    out: set[Path] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name == "_common":
                out.add(root / "scripts" / "_common.py")
            elif name.split(".")[0] == "scs":
                out.update(_module_files(root, name))
    return out


def imported_by(root: Path, script: Path) -> set[Path]:
    seen: set[Path] = set()
    todo = [script]
    while todo:
        for dep in _direct(root, todo.pop()) - seen:
            seen.add(dep)
            todo.append(dep)
    return seen


def summary(work: Path) -> tuple[dict[str, set[str]], dict[str, set[str]], set[str], set[str]]:
    """From `snakemake --detailed-summary`: each rule's inputs and outputs, the rules with an update pending
    (what a run would redo), and the rules whose outputs are temporary (removed once used)."""
    proc = subprocess.run([SNAKEMAKE, "--detailed-summary"], cwd=work, capture_output=True, text=True, check=True)
    lines = [line.split("\t") for line in proc.stdout.splitlines() if "\t" in line]
    head = lines[0]
    col = {name: head.index(name) for name in ("output_file", "rule", "input-file(s)", "status", "plan")}
    inputs: dict[str, set[str]] = {}
    outputs: dict[str, set[str]] = {}
    pending, temporary = set(), set()
    for cells in lines[1:]:
        rule = cells[col["rule"]]
        inputs.setdefault(rule, set()).update(f for f in cells[col["input-file(s)"]].split(",") if f and f != "-")
        outputs.setdefault(rule, set()).add(cells[col["output_file"]])
        if cells[col["plan"]] == "update pending":
            pending.add(rule)
        if cells[col["status"]] == "removed temp file":
            temporary.add(rule)
    return inputs, outputs, pending, temporary


def downstream(rules: set[str], inputs: dict, outputs: dict, temporary: set[str]) -> set[str]:
    """``rules`` and every rule that reads, directly or not, what they write; and the rules whose temporary
    outputs (removed after use) a rerun rule needs again."""
    out, todo = set(rules), list(rules)
    while todo:
        rule = todo.pop()
        made = outputs[rule]
        for other, files in inputs.items():
            if other not in out and (files & made or (other in temporary and outputs[other] & inputs[rule])):
                out.add(other)
                todo.append(other)
    return out


def test_editing_a_module_reruns_the_rules_that_import_it(built, tmp_path):
    work = clone_build(built, tmp_path / "w")
    inputs, outputs, pending, temporary = summary(work)
    assert len(inputs) > 15 and not pending, pending
    code = {rule: imported_by(work, work / "scripts" / f"{rule}.py") for rule in inputs
            if (work / "scripts" / f"{rule}.py").is_file()}
    for nb in (work / "notebooks").glob("*.py"):
        code["notebooks"] |= imported_by(work, nb)
    modules = sorted((work / "src" / "scs").rglob("*.py")) + [work / "scripts" / "_common.py"]
    assert len(modules) > 30
    imported_somewhere = 0
    for module in modules:
        rel = str(module.relative_to(work))
        expected = {rule for rule, files in code.items() if module in files}
        # the rules that declare the module as an input are those whose scripts import it ...
        assert {rule for rule, files in inputs.items() if rel in files} == expected, rel
        # ... and an edit of it reruns them and what reads their outputs, nothing else
        text, stat = module.read_text(encoding="utf-8"), module.stat()
        module.write_text(text + "\n# an edit\n", encoding="utf-8")
        try:
            rerun = summary(work)[2]
        finally:  # the module as it was, its time too
            module.write_text(text, encoding="utf-8")
            os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert rerun == downstream(expected, inputs, outputs, temporary), rel
        imported_somewhere += bool(expected)
    assert imported_somewhere > 25
    assert not summary(work)[2]
