"""The configuration: schema, type coercion of --config values, slices, and Snakemake's conventions."""

import copy
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SNAKEMAKE, copy_project, run_snakemake

from scs import config as cfgmod
from scs.errors import PipelineError


def raw_config():
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def test_command_line_strings_are_coerced_to_the_schemas_types():
    c = raw_config()
    c["weighting"]["replicates"]["n"] = "100"          # what --config delivers (YAML's BaseLoader)
    c["weighting"]["bounds"] = {"lower": "0.25", "upper": "4"}
    c["estimates"]["ci_level"] = "0.9"
    c["models"]["common_sample"] = "false"
    c["weighting"]["base_weight"] = "null"
    out = cfgmod.validate_config(c)
    assert out["weighting"]["replicates"]["n"] == 100 and isinstance(out["weighting"]["replicates"]["n"], int)
    assert out["weighting"]["bounds"] == {"lower": 0.25, "upper": 4.0}
    assert out["estimates"]["ci_level"] == 0.9 and out["models"]["common_sample"] is False
    assert out["weighting"]["base_weight"] is None


def test_a_value_that_cannot_be_coerced_is_one_clear_line():
    c = raw_config()
    c["weighting"]["tol"] = "small"
    with pytest.raises(PipelineError, match=r"invalid configuration at weighting.tol: 'small' is not of type 'number'"):
        cfgmod.validate_config(c)


def test_defaults_are_filled_and_cross_references_checked():
    c = raw_config()
    del c["output"]
    del c["estimates"]["variance"]
    out = cfgmod.validate_config(c)
    assert out["output"] == {"dir": "auto"} and out["estimates"]["variance"] == "auto"
    bad = copy.deepcopy(raw_config())
    bad["batteries"] = ["surveillance", "nope"]
    with pytest.raises(PipelineError, match="'nope' is not a scale"):
        cfgmod.validate_config(bad)


def test_nested_config_on_the_command_line_reaches_snakemake():
    proc = subprocess.run([SNAKEMAKE, "-n", "--config", 'weighting={"replicates": {"n": 100}}'], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "is not of type" not in proc.stdout + proc.stderr


def test_slices_take_only_the_named_paths():
    c = cfgmod.load_config(ROOT / "config.yaml")
    s = cfgmod.config_slice(c, "data.label", "figures.dpi")
    assert s == {"data": {"label": c["data"]["label"]}, "figures": {"dpi": c["figures"]["dpi"]}}


def test_only_the_shipped_configuration_on_the_stand_in_writes_results(monkeypatch):
    """The project's config.yaml on the stand-in writes results/ and pins/; any other configuration file (a
    variant of the analysis, another study) or other data writes its own git-ignored folders."""
    monkeypatch.chdir(ROOT)
    c = cfgmod.load_config(ROOT / "config.yaml")
    folders = lambda cfg, f: (cfgmod.output_dir(cfg, f), cfgmod.pins_root(cfg, f))  # noqa: E731
    assert folders(c, "config.yaml") == folders(c, ROOT / "config.yaml") == ("results", "pins")
    assert folders(c, "config-ci90.yaml") == ("results-config-ci90", "pins-config-ci90")
    assert folders(c, "my_variant.yaml") == ("results-my_variant", "pins-my_variant")
    assert folders(c, "data/alt/config.yaml") == ("results-data-alt-config", "pins-data-alt-config")
    for src in ("real", "simulated"):
        c2 = copy.deepcopy(c)
        c2["data"]["source"] = src
        assert folders(c2, "config.yaml") == ("results-config", "pins-config")
        assert folders(c2, "config-mine.yaml") == ("results-config-mine", "pins-config-mine")
    c2 = copy.deepcopy(c)
    c2["output"]["dir"], c2["verify"]["pins"] = "out/", "my-pins"
    assert folders(c2, "config-x.yaml") == ("out", "my-pins")
    gitignore = (ROOT / ".gitignore").read_text().splitlines()
    assert "results-*/" in gitignore and "pins-*/" in gitignore


def test_scripts_read_only_their_config_slice():
    """Every adapter reads snakemake.params.cfg (its rule's slice), never the whole config."""
    for p in sorted((ROOT / "scripts").glob("*.py")):
        text = p.read_text()
        assert not re.search(r"\b(smk|snakemake)\.config\b", text), p.name
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        for m in re.finditer(r'"\.\./\.\./scripts/(\w+)\.py"', smk.read_text()):
            assert (ROOT / "scripts" / f"{m.group(1)}.py").is_file()


def test_every_rule_runs_the_script_named_after_it():
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text()
        for block in re.split(r"\n(?=rule )", text):
            m = re.match(r"rule (\w+):", block)
            if m and "script:" in block:
                assert f'"../../scripts/{m.group(1)}.py"' in block, m.group(1)


def test_snakemake_lint_is_clean():
    proc = subprocess.run([SNAKEMAKE, "--lint"], cwd=ROOT, capture_output=True, text=True)
    assert "Congratulations, your workflow is in a good condition!" in proc.stdout + proc.stderr, proc.stdout[-3000:]


def test_environment_yml_has_the_lock_files_pins():
    lock = {l.strip() for l in (ROOT / "requirements.lock").read_text().splitlines() if "==" in l}
    env = {l.strip()[2:] for l in (ROOT / "environment.yml").read_text().splitlines() if "==" in l}
    assert lock == env and len(lock) > 50


def test_every_rule_with_a_script_declares_its_code_as_input():
    blocks = re.split(r"^rule ", "\n".join(p.read_text() for p in (ROOT / "workflow" / "rules").glob("*.smk")),
                      flags=re.M)[1:]
    scripted = [b for b in blocks if "\n    script:" in b]
    assert len(scripted) > 20
    missing = [b.split(":")[0] for b in scripted if "code=code_of(" not in b.split("\n    output:")[0]
               and "notebook_code(" not in b]
    assert missing == []


def test_every_module_a_script_imports_is_an_input_of_its_rule():
    """What a rule depends on is derived from its script's imports (workflow/rules/common.smk): checked here
    with Python's own import finder, which follows the imports the way the interpreter does."""
    import modulefinder

    from scs.codedeps import package_modules

    adapters = {m.group(1) for smk in (ROOT / "workflow" / "rules").glob("*.smk")
                for m in re.finditer(r'"\.\./\.\./scripts/(\w+)\.py"', smk.read_text())}
    assert len(adapters) > 20
    for script in sorted(ROOT / "scripts" / f"{a}.py" for a in adapters):
        finder = modulefinder.ModuleFinder(path=[str(ROOT / "scripts"), str(ROOT / "src")])  # ours only
        finder.run_script(str(script))
        found = {str(Path(m.__file__).relative_to(ROOT)) for name, m in finder.modules.items()
                 if m.__file__ and (name == "scs" or name.startswith("scs.") or name == "_common")}
        assert "scripts/_common.py" in found and "src/scs/errors.py" in found, script.name
        assert found <= set(package_modules(script, ROOT / "src")), (script.name, found - set(package_modules(script)))


def test_a_file_called_the_stand_in_that_is_not_stops_in_one_line(tmp_path):
    """data.source: synthetic on another export (one forgotten key) would label its outputs as the stand-in's:
    the workflow stops at the start, in one line."""
    work = copy_project(tmp_path / "w")
    (work / "data" / "mine.csv").write_bytes((work / "data" / "raw" / "scs_survey_2020_synthetic.csv").read_bytes())
    text = (work / "config.yaml").read_text().replace("raw: data/raw/scs_survey_2020_synthetic.csv", "raw: data/mine.csv")
    (work / "config-mine.yaml").write_text(text)
    proc = run_snakemake(work, extra=["-n", "--configfile", "config-mine.yaml"], check=False)
    assert proc.returncode != 0
    assert [line for line in proc.stderr.splitlines() if line.startswith("ERROR")] == [
        "ERROR: data/mine.csv: data.source is synthetic in config-mine.yaml, but data/mine.csv is not a file of the "
        "stand-in (no checksum of it in SHA256SUMS beside it); expected data.source: real (or simulated) for any other "
        "export"]
    mine = text.replace("source: synthetic", "source: real").replace(
        'label: "SYNTHETIC stand-in data (generated; not the China Data Lab survey)"', 'label: "My survey"')
    assert 'label: "My survey"' in mine
    (work / "config-mine.yaml").write_text(mine)
    assert run_snakemake(work, extra=["-n", "--configfile", "config-mine.yaml"], check=False).returncode == 0
