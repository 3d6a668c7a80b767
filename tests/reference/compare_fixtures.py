"""Compare freshly regenerated R fixtures with the committed ones (used by .ci/run).

    python tests/reference/compare_fixtures.py NEW_DIR [COMMITTED_DIR]
NEW_DIR holds fixtures/*.json and the input CSVs as make_fixtures.R wrote them.
Numbers must agree to 1e-9 (relative) - the same R on the same data; text exactly. Numbers that
measure a misfit (keys ending in `_difference` or `misfit`) are rounding noise whose size is all
that counts: both must be below 1e-8, their values may differ. The input
CSVs are compared cell by cell the same way: weights come out of an iterative fit whose last
digits depend on the CPU's floating-point kernels, so bytes may differ across machines.
"""

import csv
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOISE = 1e-8


def diff(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            yield f"{path}: keys differ {sorted(set(a) ^ set(b))}"
        for k in set(a) & set(b):
            yield from diff(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            yield from diff(x, y, f"{path}[{i}]")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if path.endswith(("_difference", "misfit")):
            if not (abs(a) < NOISE and abs(b) < NOISE):
                yield f"{path}: {a!r} and {b!r} (both must be below {NOISE})"
        elif not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            yield f"{path}: {a!r} != {b!r}"
    elif a != b:
        yield f"{path}: {a!r} != {b!r}"


def _cell(x: str):
    try:
        return float(x)
    except ValueError:
        return x


def csv_diff(new: Path, old: Path, name: str):
    with new.open(newline="") as f:
        a = list(csv.reader(f))
    with old.open(newline="") as f:
        b = list(csv.reader(f))
    if len(a) != len(b):
        yield f"input/{name}: {len(a)} lines != {len(b)}"
        return
    for i, (ra, rb) in enumerate(zip(a, b), start=1):
        if len(ra) != len(rb):
            yield f"input/{name} line {i}: {len(ra)} cells != {len(rb)}"
            continue
        for j, (x, y) in enumerate(zip(ra, rb)):
            yield from diff(_cell(x), _cell(y), f"input/{name} line {i} column {b[0][j]}")


def main(new: Path, old: Path) -> int:
    problems = []
    for f in sorted((old / "fixtures").glob("*.json")):
        n = new / "fixtures" / f.name
        if not n.is_file():
            problems.append(f"{f.name}: not regenerated")
            continue
        problems += [f"{f.name}{p}" for p in diff(json.loads(n.read_text()), json.loads(f.read_text()))]
    for f in sorted((old / "input").glob("*.csv")):
        if not (new / f.name).is_file():
            problems.append(f"input/{f.name}: not regenerated")
            continue
        problems += list(csv_diff(new / f.name, f, f.name))
    if problems:
        print("The regenerated R fixtures differ from the committed ones (run `make fixtures` and commit):")
        print("\n".join(f"  {p}" for p in problems[:50]))
        return 1
    print(f"R fixtures regenerated and identical to the committed ones ({old.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "tests" / "reference"))
