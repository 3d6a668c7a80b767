"""The code is clean by the project's linters (configured in pyproject.toml), as `make lint` checks it
(snakemake --lint: tests/test_config.py)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*cmd):
    return subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing():
    proc = run("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_the_rules_are_formatted_as_snakefmt_formats_them():
    proc = run("snakefmt", "--check", "Snakefile", "workflow/")
    assert proc.returncode == 0, proc.stderr[-3000:]

