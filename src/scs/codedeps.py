"""Which modules of the scs package a script depends on: its imports, followed within the package.

The workflow lists these files as inputs of each rule, so that editing a module reruns exactly the rules
whose scripts import it (directly or through another module), and no list is kept by hand.
"""

from __future__ import annotations

import re
from functools import cache
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


# import statements, anywhere in a file (inside functions too): `import a.b, c` and `from .x import (y, z)`
_IMPORT = re.compile(r"^[ \t]*(?:import[ \t]+([\w.]+(?:[ \t]*,[ \t]*[\w.]+)*)"
                     r"|from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+))", re.M)


def _imports(text: str):
    """(module, [names]) of every import statement of a Python source (``import a`` gives ("a", []))."""
    for m in _IMPORT.finditer(text):
        if m.group(1):
            for mod in m.group(1).split(","):
                yield mod.strip(), []
        else:
            names = [n.strip().split(" as ")[0].strip() for n in m.group(3).strip("()").replace("\\", " ").split(",")]
            yield m.group(2), [n for n in names if n and n != "*"]


@cache
def _direct(src: Path, file: Path) -> tuple[Path, ...]:
    """Package modules that ``file`` imports anywhere in its body (imports inside functions included). Read
    with a pattern rather than a parser: the workflow reads every script's imports each time it starts."""
    inside = file.is_relative_to(src)
    here = _dotted_of(src, file) if inside else ""
    package = here if file.name == "__init__.py" else here.rpartition(".")[0]
    names: list[str] = []
    for module, imported in _imports(file.read_text(encoding="utf-8")):
        level = len(module) - len(module.lstrip("."))
        module = module.lstrip(".")
        if level:
            if not inside:
                continue
            base = package.split(".")
            base = base[: len(base) - (level - 1)]
            module = ".".join(base + ([module] if module else []))
        names.append(module)
        names += [f"{module}.{a}" for a in imported]  # `from scs import weights` names a module
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
