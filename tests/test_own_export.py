"""A new user's walk-through (README, "Run it on your own export"), step by step, on the second
stand-in: another questionnaire layout that the code was not written for."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import copy_project

VENV = str(Path(sys.executable).parents[1])


def make(work: Path, *args, check=True):
    proc = subprocess.run(["make", "-s", f"VENV={VENV}", "CONFIG=config-mine.yaml", *args], cwd=work,
                          capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


@pytest.mark.slow
def test_run_it_on_your_own_export(tmp_path):
    work = copy_project(tmp_path / "w")
    (work / "tests").mkdir(exist_ok=True)
    before = {p: p.read_bytes() for p in (work / "data").rglob("*") if p.is_file()}
    # 1. the export and its codebook in a folder of their own (here: the second stand-in's)
    mine = work / "data" / "mine"
    mine.mkdir()
    (mine / "export.csv").write_bytes((work / "data" / "alt" / "raw" / "alt_survey.csv").read_bytes())
    (mine / "codebook.yaml").write_text((work / "data" / "alt" / "codebook.yaml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    # 2. copy the configuration and edit it: data, attention code, scales, the multiverse's assumed items
    #    (the README's list)
    cfg = yaml.safe_load((work / "config.yaml").read_text(encoding="utf-8"))
    alt = yaml.safe_load((work / "data" / "alt" / "config.yaml").read_text(encoding="utf-8"))
    cfg["data"].update(source="real", label="My survey (here: the second stand-in)", raw="data/mine/export.csv",
                       codebook="data/mine/codebook.yaml")
    cfg["cleaning"] = alt["cleaning"]
    cfg["scales"] = alt["scales"]
    cfg["weighting"]["jackknife"] = alt["weighting"]["jackknife"]
    cfg["weighting"]["replicates"]["n"] = alt["weighting"]["replicates"]["n"]
    del cfg["synthetic"]
    cfg["multiverse"]["assumed_items"] = []  # this questionnaire has no items the sources leave unnamed
    (work / "config-mine.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    # 3. check the data: every problem at once, none here
    make(work, "check-data")
    report = work / "results-config-mine" / "clean" / "data_problems.md"
    assert "No problems" in report.read_text(), report.read_text()[:2000]
    # 4. build, into a folder that git ignores
    make(work)
    out = work / "results-config-mine"
    est = pd.read_csv(out / "items" / "item_estimates.csv")
    assert set(est.scale) == {"surveillance", "punishment"} and (est.kind == "item").sum() == 6 + 5
    assert set(est.data_source) == {"real"}
    assert "results-*/" in (work / ".gitignore").read_text().splitlines()  # git ignores results-config-mine/
    verify = (out / "verify.md").read_text()
    assert "No pins exist for this data" in verify
    assert "No comparison was made" in (out / "reproduction.md").read_text()
    assert not (work / "results").exists()  # the stand-in's outputs are untouched
    # 5. pin on purpose, then the drift check compares
    make(work, "repin")
    pins = list((work / "pins-config-mine").iterdir())
    assert len(pins) == 1 and (pins[0] / "meta.json").is_file()
    assert "No drift" in (out / "verify.md").read_text()
    assert {p: p.read_bytes() for p in before} == before  # nothing under data/ was changed
