"""The import rules between the layers of src/scs (each subpackage's docstring states its own)."""

import ast
from pathlib import Path

import pytest

import scs

SRC = Path(scs.__file__).parent
FOUNDATION = {"errors", "precision", "config", "settings", "codedeps", "numbers"}
# layer -> the layers it may import (besides itself and the foundation)
ALLOWED = {
    "foundation": set(),
    "io": set(),
    "survey": set(),
    "stages": {"io", "survey"},
    "report": {"survey", "stages"},
    "synth": {"io", "survey", "stages"},
}


def layer_of(dotted: str) -> str:
    parts = dotted.split(".")
    if len(parts) < 2 or parts[1] in FOUNDATION:
        return "foundation"
    return parts[1]


def module_of(path: Path, root: Path = SRC) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path = SRC):
    """(line, imported module) of every import of the scs package in a file, inside functions too."""
    here = module_of(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "scs":
                    yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            if mod.split(".")[0] == "scs":
                if mod == "scs":  # `from scs import synth`
                    for a in node.names:
                        yield node.lineno, f"scs.{a.name}"
                else:
                    yield node.lineno, mod


def violations(root: Path = SRC) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        src_layer = layer_of(module_of(path, root))
        for line, mod in imports(path, root):
            dst = layer_of(mod)
            if dst not in {src_layer, "foundation"} | ALLOWED[src_layer]:
                out.append(f"{path.relative_to(root.parent)}:{line}: {src_layer} imports {mod} ({dst})")
    return out


def test_every_module_belongs_to_a_known_layer():
    layers = {layer_of(module_of(p)) for p in SRC.rglob("*.py")}
    assert layers <= set(ALLOWED), layers - set(ALLOWED)
    assert {"io", "survey", "stages", "report", "synth"} <= layers


def test_the_import_rules_between_layers_hold():
    assert violations() == []


def test_foundation_modules_import_no_subpackage():
    for name in FOUNDATION:
        for line, mod in imports(SRC / f"{name}.py"):
            assert layer_of(mod) == "foundation", f"scs/{name}.py:{line} imports {mod}"


@pytest.mark.parametrize("layer,imported", [("survey", "scs.stages.weights"), ("io", "scs.report.htmltable"),
                                            ("stages", "scs.report.tables"), ("survey", "scs.synth")])
def test_a_forbidden_import_is_found(tmp_path, layer, imported):
    """The check itself: a module that breaks a rule (in a copy of the package) is reported with its line."""
    pkg = tmp_path / "scs"
    (pkg / layer).mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / layer / "__init__.py").write_text("")
    (pkg / layer / "bad.py").write_text(f"import numpy\n\n\ndef f():\n    from {imported} import x\n")
    found = violations(pkg)
    assert found == [f"scs/{layer}/bad.py:5: {layer} imports {imported} ({imported.split('.')[1]})"]


def test_the_stage_table_names_functions_that_exist():
    """The stage table (README.md) says which function computes each output and which renderer draws
    it: every module and function it names exists (``stages/clean.run``; a bare name belongs to the module before
    it)."""
    import importlib
    import re

    page = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| ") and " (workflow/rules/) " not in line
            and re.match(r"\| (\d|paper|export|stand-in)", line)]
    assert len(rows) >= 15
    checked = 0
    for row in rows:
        for cell in row.split("|")[2:4]:  # computed by, drawn by
            # (a module in parentheses is what the function before it uses: checked, not the current module)
            for ref in re.findall(r"\(([^)]*)\)", cell):
                for token in re.findall(r"`([a-z_]+/[a-z_]+)`", ref):
                    importlib.import_module(f"scs.{token.replace('/', '.')}")
                    checked += 1
            module = None
            for token in re.findall(r"`([^`]+)`", re.sub(r"\([^)]*\)", "", cell)):
                if token.endswith((".tex", ".py", "/")) or "*" in token or " " in token:
                    continue
                if "/" in token or "." in token:
                    path, _, name = token.rpartition(".") if "." in token else (token, "", "")
                    candidates = ([f"scs.{path.replace('/', '.')}"] if "/" in path else
                                  [f"scs.{layer}.{path}" for layer in ("report", "stages", "io", "survey")])
                    for cand in candidates:
                        try:
                            module = importlib.import_module(cand)
                            break
                        except ModuleNotFoundError:
                            module = None
                    assert module is not None, f"{token}: no module {candidates}"
                    if not name:
                        continue
                else:
                    name = token
                assert module is not None and hasattr(module, name), f"{token}: not in {module}"
                checked += 1
    assert checked > 40
