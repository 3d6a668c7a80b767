import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scs import config as cfgmod
from scs.io.codebook import load_codebook
from scs.settings import from_config
from scs.stages import pipeline, weights

ROOT = Path(__file__).resolve().parents[1]
RAW_CSV = ROOT / "data" / "raw" / "scs_survey_2020_synthetic.csv"
RAW_SAV = ROOT / "data" / "raw" / "scs_survey_2020_synthetic.sav"
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", ".snakemake", ".work", "logs", "results", "results-*", "pins-*",
                                     "__pycache__", "*.egg-info", ".pytest_cache", "tests", "build", "dist",
                                     "report.html")


# fixtures that build the whole workflow (or clone such a build): a test that uses one is in the full tier
FULL_TIER_FIXTURES = {"built", "template", "paper_build", "report"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if FULL_TIER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def cfg():
    return cfgmod.load_config(ROOT / "config.yaml")


@pytest.fixture(scope="session")
def settings(cfg):
    """The shipped configuration as the library takes it (typed settings)."""
    return from_config(cfg)


@pytest.fixture(scope="session")
def codebook():
    return load_codebook(ROOT / "data" / "codebook.yaml")


@pytest.fixture(scope="session")
def targets():
    return weights.load_targets(ROOT / "data" / "targets.csv")


@pytest.fixture(scope="session")
def shipped_frame(codebook):
    from scs.io import ingest

    frame, _ = ingest.ingest(RAW_CSV, codebook)
    return frame


@pytest.fixture(scope="session")
def stand_in(settings, codebook, targets):
    """The shipped raw export through the pipeline's own functions: cleaned, weighted (with the
    configured replicates), indexed. Computed here, not read from results/."""
    cleaned, _, _ = pipeline.clean_export(RAW_CSV, codebook, settings)
    return pipeline.weight_and_index(cleaned, targets, settings, key=codebook.key_var)


def copy_project(dest: Path) -> Path:
    """A working copy of the workflow (no results) in ``dest``."""
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE, symlinks=True)
    return dest


def run_snakemake(workdir: Path, *targets, extra=(), check=True, env=None):
    cmd = [SNAKEMAKE, *targets, "--cores", "2", *extra]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def tiny_frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"response_id": [f"R_{i}" for i in range(n)]}
    base.update(cols)
    return pd.DataFrame(base)


def _shared_build(request, tmp_path_factory, name: str, targets=()) -> Path:
    """A build of the workflow from the shipped raw file in a temporary copy of the project, made once per
    test run (the first pytest-xdist worker builds it, the others wait and share it)."""
    import fcntl

    uid = request.getfixturevalue("testrun_uid")  # one id per test run, shared by the xdist workers
    root = tmp_path_factory.getbasetemp().parent if _xdist() else tmp_path_factory.getbasetemp()
    work = root / f"{name}-{uid}" / "w"
    done = work / ".build-done"
    with open(root / f"{name}-{uid}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(work, ignore_errors=True)
                copy_project(work)
                run_snakemake(work, *targets)
                done.touch()
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return work


# the outputs of the estimation stages (every estimate and SE of the tables): what the R cross-check reads
ESTIMATES = ["results/items/item_estimates.csv", "results/items/contrasts.csv", "results/models/coefficients.csv",
             "results/models/predicted.csv", "results/models/robustness.csv", "results/models/ordered_logits.csv",
             "results/domains/domain_estimates.csv"]


@pytest.fixture(scope="session")
def estimates_build(tmp_path_factory, request):
    """The estimation stages of the workflow (cleaning to models, no figures, multiverse or notebooks),
    built once per test run from the shipped raw file with the shipped configuration."""
    return _shared_build(request, tmp_path_factory, "estimates", ESTIMATES)


@pytest.fixture(scope="session")
def built(tmp_path_factory, request):
    """A full build of the workflow from the shipped raw file, in a temporary copy of the project: made
    once per test run. Tests that change it work on a clone (:func:`clone_build`)."""
    return _shared_build(request, tmp_path_factory, "built")


def _xdist() -> bool:
    import os

    return "PYTEST_XDIST_WORKER" in os.environ


def committed_results() -> list[Path]:
    """The outputs tracked in git, relative to the project (the working tree may hold untracked ones,
    e.g. results/paper/ from `make paper`)."""
    out = subprocess.run(["git", "ls-files", "results"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return sorted(Path(p) for p in out.splitlines())


def clone_build(src: Path, dest: Path) -> Path:
    """A copy of a build with its timestamps and Snakemake's records, so that nothing is out of date."""
    shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns("locks", "incomplete"))
    return dest


# a cheaper configuration for builds that test something other than the estimates' values
FAST = ["--config", 'weighting={"replicates": {"n": 20}, "jackknife": {"max_rows": 0}}']


def require_tool(path_or_cmd: str, what: str, install: str):
    """A system tool a test needs: skip with the way to install it on a bare machine; fail in CI
    (.ci/run installs every tool and sets SCS_REQUIRE_TOOLS=1, so nothing skips there)."""
    import os

    found = shutil.which(path_or_cmd) or (Path(path_or_cmd).is_file() and path_or_cmd)
    if found:
        return found
    message = f"{what} is not installed ({install})"
    if os.environ.get("SCS_REQUIRE_TOOLS") == "1":
        pytest.fail(message)
    pytest.skip(message)
