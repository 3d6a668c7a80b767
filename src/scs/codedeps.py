"""Which modules of the scs package a script depends on: its imports, followed within the package.

The workflow lists these files as inputs of each rule, so that editing a module reruns exactly the rules
whose scripts import it (directly or through another module), and no list is kept by hand.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

PACKAGE = "scs"


def _module_file(src: Path, dotted: str) -> Path | None:
    """The file of module ``scs.a.b`` (a module file or a package's __init__.py), or None."""
    parts = dotted.split(".")
    if parts[0] != PACKAGE:
        return None
    base = src.joinpath(*parts)
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _dotted_of(src: Path, file: Path) -> str:
    rel = file.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@lru_cache(maxsize=None)
def _direct(src: Path, file: Path) -> tuple[Path, ...]:
    """Package modules that ``file`` imports anywhere in its body (imports inside functions included)."""
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    inside = file.is_relative_to(src)
    here = _dotted_of(src, file) if inside else ""
    package = here if file.name == "__init__.py" else here.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if not inside:
                    continue
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names.append(mod)
            names += [f"{mod}.{a.name}" for a in node.names]  # `from scs import weights` names a module
    out = []
    for name in names:
        sibling = file.parent / f"{name}.py"
        if not inside and "." not in name and sibling.is_file():  # a script's helper beside it (_common.py)
            out.append(sibling)
            continue
        parts = name.split(".")
        for k in range(1, len(parts) + 1):  # importing scs.a.b runs scs/__init__.py and scs/a/__init__.py
            f = _module_file(src, ".".join(parts[:k]))
            if f is not None and f != file:
                out.append(f)
    return tuple(dict.fromkeys(out))


def package_modules(script, src="src") -> list[str]:
    """Every module file of the package (under ``src``) that ``script`` imports, transitively, and the helper
    scripts beside it that it imports, as sorted paths relative to the project (``src/scs/...``)."""
    src = Path(src).resolve()
    seen: dict[Path, None] = {}
    todo = [Path(script).resolve()]
    while todo:
        f = todo.pop()
        for dep in _direct(src, f):
            if dep not in seen:
                seen[dep] = None
                todo.append(dep)
    root = src.parent
    return sorted(str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in seen)
