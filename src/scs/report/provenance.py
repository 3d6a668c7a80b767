"""Provenance of every output, and the list of tables and programs, derived from the workflow."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

from scs.config import file_sha256
from scs.settings import Data, Settings, as_dict

PACKAGES = ["snakemake", "svy", "svy-rs", "polars", "pandas", "numpy", "scipy", "statsmodels", "matplotlib",
            "pyarrow", "pyreadstat", "pandera", "jupytext", "nbconvert", "PyYAML", "jsonschema"]


def package_versions() -> dict:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    return out


def git_state(root: Path) -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", ".", ":(exclude)results", ":(exclude)pins"],
                               cwd=root, capture_output=True, text=True, check=True)
        return {"commit": commit.stdout.strip(), "uncommitted_changes_outside_results": bool(dirty.stdout.strip())}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "uncommitted_changes_outside_results": None, "note": "not a git checkout"}


def tracked_by_git(root: Path, path: str | Path) -> bool:
    """Whether ``path`` is a file that git would track (not ignored): the shipped results are committed."""
    try:
        return subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=root, capture_output=True).returncode == 1
    except OSError:
        return False


def build(rules: list[dict], data: Data, root: Path, *, config_sha256: str, output: str | Path | None = None) -> dict:
    """provenance.json. The code's commit is recorded for outputs that git ignores; results that git tracks
    (``output`` not ignored) are held by a commit of their own, which the file cannot name: it says so (so
    that a build of a fresh clone leaves the committed file as it was)."""
    git = ({"note": "these results are tracked by git: their commit is the one that holds them "
                    "(git log -- <this file>); every input's checksum is below"}
           if output is not None and tracked_by_git(root, output) else git_state(root))
    env = {"packages": package_versions(), "git": git}
    env_id = hashlib.sha256(json.dumps(env, sort_keys=True).encode()).hexdigest()[:16]
    chash = config_sha256
    files = {}
    for r in rules:
        script_sha = file_sha256(root / r["script"]) if r["script"] else None
        inputs = {p: file_sha256(root / p) for p in sorted(set(r["inputs"])) if (root / p).is_file()}
        for out in r["outputs"]:
            files[out] = {
                "sha256": file_sha256(root / out), "rule": r["rule"], "script": r["script"],
                "script_sha256": script_sha, "inputs_sha256": inputs, "config_sha256": chash,
                "data_source": data.source, "environment_id": env_id,
            }
    return {"data_source": data.source, "data_label": data.label, "config_sha256": chash,
            "environment_id": env_id, "environment": env, "files": dict(sorted(files.items()))}


def caption_title(path: str | Path, s: Settings | None = None) -> str:
    """The first sentence of a report caption (workflow/report/<name>.rst): the exhibit's name, with its number
    from the configuration's numbering (captions are Jinja templates of the configuration, as in Snakemake's
    report)."""
    text = Path(path).read_text(encoding="utf-8")
    if "{" in text:
        import jinja2

        from scs.report.captions import figure_titles

        context = as_dict(s) if s is not None else {}
        titles = figure_titles(s) if s is not None else {}
        text = jinja2.Template(text).render(snakemake=SimpleNamespace(config=context,
                                                                       params=SimpleNamespace(titles=titles)))
    return text.strip().split(":")[0].strip().rstrip(".")


def tables_and_programs(rules: list[dict], exhibits: list[dict], label: str, s: Settings | None = None) -> str:
    """Every exhibit of the report (``exhibits``: in the report's reading order) with the rule and script that
    made it (from the workflow's exhibit table);
    ``s``: the settings the captions' numbers come from (numbering, batteries, multiverse outcomes)."""
    lines = ["# List of tables and programs", "", f"Data: {label}", "",
             "Generated from the workflow (each output that the Snakemake report lists, with the rule and script "
             "that made it); not typed by hand. Run everything with `make` or `snakemake`.", "",
             "| figure/table | program | output file | note |", "|---|---|---|---|"]
    for ex in exhibits:  # in the report's reading order
        for r in rules:
            for out in r["outputs"]:
                if _matches(ex["file"], out):
                    name = ex.get("figure_title") or caption_title(ex["caption"], s)  # a figure: its own title
                    lines.append(f"| {name} | `{r['script']}` (rule `{r['rule']}`) | `{out}` | "
                                 f"{ex['category']} |")
    return "\n".join(lines) + "\n"


def _matches(pattern: str, path: str) -> bool:
    import re

    rx = re.escape(pattern)
    rx = re.sub(r"\\\{[^}]*\\\}", "[^/]+", rx)
    return re.fullmatch(rx, path) is not None
