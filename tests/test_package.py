"""The replication package and the citation file."""

import hashlib
import json
import subprocess
import sys
import zipfile

import jsonschema
import yaml
from conftest import ROOT


def build(tmp_path, config="config.yaml"):
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "package.py"), config, str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return next(tmp_path.glob("*.zip"))


def test_the_package_has_the_aea_layout_and_a_true_manifest(tmp_path):
    z = zipfile.ZipFile(build(tmp_path))
    names = z.namelist()
    top = names[0].split("/")[0]
    assert top.startswith("scs-pipeline-")
    rel = {n.split("/", 1)[1] for n in names}
    for need in ("README.md", "LICENSE", "CITATION.cff", "MANIFEST.sha256", "config.yaml", "Snakefile", "Makefile",
                 "requirements.lock", "data/codebook.yaml", "data/targets.csv", "data/published.yaml",
                 "data/raw/scs_survey_2020_synthetic.csv", "results/numbers.json", "results/numbers.tex",
                 "paper/ms.tex", "src/scs/survey/calibration.py", "tools/package.py", "docs/SOURCES.md"):
        assert need in rel, need
    assert any(n.startswith("pins/") for n in rel)
    manifest = dict(reversed(line.split("  ", 1)) for line in z.read(f"{top}/MANIFEST.sha256").decode().splitlines())
    assert set(manifest) == rel - {"MANIFEST.sha256"}
    for f, digest in manifest.items():
        assert hashlib.sha256(z.read(f"{top}/{f}")).hexdigest() == digest, f
    assert not any(".venv" in n or "/.git/" in n or "/logs/" in n for n in names)


def test_the_same_files_give_the_same_zip(tmp_path):
    a = build(tmp_path / "a").read_bytes()
    b = build(tmp_path / "b").read_bytes()
    assert a == b


def test_real_data_are_left_out_of_the_package(tmp_path):
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    cfg["data"]["source"] = "real"
    cfg["output"] = {"dir": "results"}  # the stand-in's outputs stand in for the real ones here
    cfg["verify"]["pins"] = "pins"
    (ROOT / "config-package-test.yaml").write_text(yaml.safe_dump(cfg))
    try:
        z = zipfile.ZipFile(build(tmp_path, "config-package-test.yaml"))
        names = z.namelist()
        assert not any(n.endswith(("scs_survey_2020_synthetic.csv", "scs_survey_2020_synthetic.sav")) for n in names)
        assert any(n.endswith("data/codebook.yaml") for n in names)
    finally:
        (ROOT / "config-package-test.yaml").unlink()


def test_citation_cff_is_valid_cff_1_2_0():
    schema = json.loads((ROOT / "tests" / "reference" / "cff-1.2.0.schema.json").read_text())
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    jsonschema.validate(cff, schema)
    assert cff["cff-version"] == "1.2.0" and cff["version"] == "0.1.0"


def test_a_package_of_real_data_holds_no_respondent_level_output(tmp_path):
    """With data.source real, the outputs that hold respondents' rows (data files, the export, the exclusion
    log, the data check quoting the export's values) stay out of the zip; the tables and numbers go in; the zip
    is named after its configuration (it does not overwrite the stand-in's)."""
    import shutil

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    cfg["data"]["source"] = "real"
    out = ROOT / "results-package-real-test"
    cfg["output"] = {"dir": out.name}
    cfg["verify"]["pins"] = "pins-package-real-test"
    rows = ["clean/clean.parquet", "weights/weights.parquet", "export/analysis.csv", "export/design.R",
            "clean/exclusion_log.csv", "clean/data_problems.md"]
    kept = ["numbers.json", "models/regression_table.md", "clean/exclusion_flow.csv"]
    for f in rows + kept:
        (out / f).parent.mkdir(parents=True, exist_ok=True)
        (out / f).write_text("x")
    (ROOT / "config-package-real-test.yaml").write_text(yaml.safe_dump(cfg))
    try:
        path = build(tmp_path, "config-package-real-test.yaml")
        names = zipfile.ZipFile(path).namelist()
        assert "config-package-real-test" in path.name
        for f in kept:
            assert any(n.endswith(f"{out.name}/{f}") for n in names), f
        for f in rows:
            assert not any(n.endswith(f"{out.name}/{f}") for n in names), f
    finally:
        (ROOT / "config-package-real-test.yaml").unlink()
        shutil.rmtree(out)
