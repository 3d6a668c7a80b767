"""Compare freshly regenerated R fixtures with the committed ones (used by .ci/run).

    python tests/reference/compare_fixtures.py NEW_DIR [COMMITTED_DIR]
NEW_DIR holds fixtures/*.json and the input CSVs as make_fixtures.R wrote them.
Numbers must agree to 1e-9 (relative) - the same R on the same data; text exactly.
"""

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            yield f"{path}: {a!r} != {b!r}"
    elif a != b:
        yield f"{path}: {a!r} != {b!r}"


def main(new: Path, old: Path) -> int:
    problems = []
    for f in sorted((old / "fixtures").glob("*.json")):
        n = new / "fixtures" / f.name
        if not n.is_file():
            problems.append(f"{f.name}: not regenerated")
            continue
        problems += [f"{f.name}{p}" for p in diff(json.loads(n.read_text()), json.loads(f.read_text()))]
    for f in sorted((old / "input").glob("*.csv")):
        if (new / f.name).read_bytes() != f.read_bytes():
            problems.append(f"input/{f.name}: differs from the regenerated file")
    if problems:
        print("The regenerated R fixtures differ from the committed ones (run `make fixtures` and commit):")
        print("\n".join(f"  {p}" for p in problems[:50]))
        return 1
    print(f"R fixtures regenerated and identical to the committed ones ({old.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "tests" / "reference"))
