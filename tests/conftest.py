import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scs import config as cfgmod
from scs import ingest

ROOT = Path(__file__).resolve().parents[1]
RAW_CSV = ROOT / "data" / "raw" / "scs_survey_2020_synthetic.csv"
RAW_SAV = ROOT / "data" / "raw" / "scs_survey_2020_synthetic.sav"
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", ".snakemake", "logs", "results", "__pycache__", "*.egg-info",
                                     ".pytest_cache", "tests")


@pytest.fixture(scope="session")
def cfg():
    return cfgmod.load_config(ROOT / "config.yaml")


@pytest.fixture(scope="session")
def codebook():
    return ingest.load_codebook(ROOT / "data" / "codebook.yaml")


@pytest.fixture(scope="session")
def shipped_frame(codebook):
    frame, _ = ingest.ingest(RAW_CSV, codebook)
    return frame


def copy_project(dest: Path) -> Path:
    """A working copy of the workflow (no results) in ``dest``."""
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE, symlinks=True)
    return dest


def run_snakemake(workdir: Path, *targets, extra=(), check=True):
    cmd = [SNAKEMAKE, *targets, "--cores", "2", *extra]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def tiny_frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"response_id": [f"R_{i}" for i in range(n)]}
    base.update(cols)
    return pd.DataFrame(base)
