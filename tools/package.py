"""The replication package (`make package`): dist/<name>-<version>.zip in the AEA Data Editor's layout.

    python tools/package.py [CONFIG [DIST_FOLDER]]

README and docs/ (together in the template's form: docs/data.md the data availability statement,
docs/requirements.md the computational requirements), LICENSE, CITATION.cff, the code (Snakefile, workflow/,
scripts/, tools/, src/, notebooks/, benchmarks/, tests/), the configuration, codebook, targets and published
numbers, the results and pins of the configured data, the paper and a MANIFEST.sha256 of every
file. With data.source real the raw export (and its folder) and every output that holds respondents' rows
(the Parquet files, the export, the exclusion log, the data check) are left out: the data availability
statement (docs/data.md) says how to obtain the data. Another configuration's package is named after it.
The zip has fixed timestamps and order: the same
files give the same bytes.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from scs.config import load_config, output_dir, pins_root, variant_name  # noqa: E402

CODE = ["README.md", "LICENSE", "CITATION.cff", "Makefile", "Snakefile", "pyproject.toml", "requirements.in",
        "requirements.lock", "environment.yml", ".gitignore", ".ci/", "workflow/", "scripts/", "tools/", "src/",
        "notebooks/", "benchmarks/", "tests/", "paper/", "docs/", "profiles"]
DATE = (1980, 1, 1, 0, 0, 0)


def tracked(paths: list[str]) -> list[str]:
    """The files git tracks under ``paths`` (what a clone has), plus built outputs that git ignores."""
    out = subprocess.run(["git", "ls-files", "-z", "--", *paths], cwd=ROOT, capture_output=True, check=True).stdout
    return [p for p in out.decode().split("\0") if p]


def files_of(cfg: dict, config_path: str) -> list[str]:
    data = cfg["data"]
    real = data["source"] == "real"
    raw_dir = str(Path(data["raw"]).parent)
    files = tracked(CODE)
    files += tracked(["data/"]) if not real else [
        f for f in tracked(["data/"]) if not f.startswith(raw_dir + "/") and f != data["raw"]]
    if config_path not in files:
        files.append(config_path)
    for extra in (data["codebook"], data["targets"]):
        if extra not in files and (ROOT / extra).is_file():
            files.append(extra)
    out, pins = output_dir(cfg, ROOT / config_path), pins_root(cfg, ROOT / config_path)
    for folder in (out, pins):
        files += [str(p.relative_to(ROOT)) for p in sorted((ROOT / folder).rglob("*")) if p.is_file()
                  and not (real and row_level(p.relative_to(ROOT / folder)))]
    return sorted(set(f for f in files if (ROOT / f).is_file()))


def row_level(path: Path) -> bool:
    """An output that holds respondents' rows or answers (left out of the package of real data): the data
    files (Parquet), the export for Stata, SPSS and R, the list of excluded respondents, and the data check
    (which quotes the export's values)."""
    return (path.suffix == ".parquet" or path.parts[:1] == ("export",) or path.name == "exclusion_log.csv"
            or path.name.startswith("data_problems."))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(config_path: str = "config.yaml", dist: str | None = None) -> Path:
    cfg = load_config(ROOT / config_path)
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    variant = variant_name(cfg, ROOT / config_path)  # another configuration's package: a name of its own
    name = f"{meta['name']}-{meta['version']}" + (f"-{variant}" if variant else "")
    files = files_of(cfg, config_path)
    manifest = "".join(f"{sha256(ROOT / f)}  {f}\n" for f in files)
    dest = Path(dist or ROOT / "dist") / f"{name}.zip"
    dest.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for f in [*files, "MANIFEST.sha256"]:
            info = zipfile.ZipInfo(f"{name}/{f}", date_time=DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, manifest if f == "MANIFEST.sha256" else (ROOT / f).read_bytes())
    kind = ("the raw export and every respondent-level output left out (data.source: real)"
            if cfg["data"]["source"] == "real" else "the stand-in included")
    print(f"{dest}: {len(files) + 1} files, {kind}")
    return dest


if __name__ == "__main__":
    build(*sys.argv[1:])
