"""The checks the workflow makes when it starts: a setting that names a variable the codebook does not define,
a scale that asks for more answers than it has items, a shown term that the full model lacks; each one line
that names the setting (scs.stages.preflight, scs.config.check_consistency, workflow/rules/setup.smk)."""

import copy

import pytest
import yaml
from conftest import ROOT

from scs import config as cfgmod
from scs.errors import PipelineError
from scs.settings import from_config
from scs.stages import preflight


@pytest.fixture
def raw():
    return copy.deepcopy(yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8")))


def settings_of(c):
    return from_config(cfgmod.validate_config(c))


def test_the_shipped_configurations_pass(settings, codebook):
    preflight.check_names(settings, codebook)
    preflight.check_ordered_terms(settings)
    from scs.io.codebook import load_codebook

    for path in [ROOT / "data" / "alt" / "config.yaml", *sorted((ROOT / "studies").glob("*/config.yaml"))]:
        s = from_config(cfgmod.load_config(path), file=path)
        preflight.check_names(s, load_codebook(ROOT / s.data.codebook))
        preflight.check_ordered_terms(s)


def test_a_typo_in_a_scales_items_names_the_scale_not_the_straight_line_rule(raw, codebook):
    raw["scales"]["surveillance"]["items"][0]["var"] = "cam_shops"
    with pytest.raises(PipelineError) as exc:
        preflight.check_names(settings_of(raw), codebook)
    assert str(exc.value) == (
        "config.yaml: invalid configuration at scales.surveillance.items: names variable(s) ['cam_shops'], which the "
        "codebook does not define; expected analysis names of the codebook (a column's var or a derived variable)")
    raw["scales"]["surveillance"]["items"][0]["var"] = "s_jobz"
    with pytest.raises(PipelineError, match=r"\['s_jobz'\], which the codebook does not define \(did you mean 's_jobs'"):
        preflight.check_names(settings_of(raw), codebook)


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["cleaning"]["rules"][0].update(var="stat"),
     r"at cleaning.rules \(preview_or_test\): names variable\(s\) \['stat'\].*did you mean 'status'"),
    (lambda c: c["weighting"].update(variables=["sex", "agegroup"]),
     r"at weighting: names variable\(s\) \['agegroup'\]"),
    (lambda c: c["multiverse"]["political_capital"]["options"].update(
        {"Party": {"terms": "party + cyl", "focal": ["party"]}}),
     r"at multiverse.political_capital: option 'Party' names variable\(s\) \['party'\] in its terms, which are not "
     r"in the codebook"),
    (lambda c: c["multiverse"]["weights"]["options"].update({"other": {"variables": ["sex", "agegroup"]}}),
     r"at multiverse.weights \(option 'other'\): names variable\(s\) \['agegroup'\]"),
    (lambda c: c["multiverse"]["exclusions"]["speeder"]["options"].update({"x": {"speeder": {"var": "duration"}}}),
     r"at multiverse.exclusions.speeder \(option 'x', rule 'speeder'\): names variable\(s\) \['duration'\]"),
])
def test_settings_that_name_unknown_variables_stop_at_start(raw, codebook, edit, message):
    edit(raw)
    with pytest.raises(PipelineError, match=message):
        preflight.check_names(settings_of(raw), codebook)


def test_multiverse_political_capital_not_in_the_codebook_is_named_although_no_formula_has_it(raw, codebook):
    """A study without the stand-in's 'ccp' whose copied multiverse still names it: the multiverse option is
    named, not a model formula."""
    cb = copy.deepcopy(codebook)
    cb.derived["party_member"] = cb.derived.pop("ccp")
    cb.derived.pop("ccp_or_state")
    raw["models"]["formulas"] = {k: v.replace("ccp", "party_member") for k, v in raw["models"]["formulas"].items()}
    raw["models"]["alternative_formula"] = raw["models"]["formulas"]["M3"]
    raw["models"]["ordered_terms"] = ["party_member"]
    raw["models"]["predict"]["by"] = "party_member"
    with pytest.raises(PipelineError, match=r"^config.yaml: invalid configuration at multiverse.political_capital: "
                                            r"option 'CCP member' names variable\(s\) \['ccp'\]"):
        preflight.check_names(settings_of(raw), cb)


def test_min_answered_above_the_number_of_items_is_refused(raw):
    raw["scales"]["trust"]["min_answered"] = 5
    with pytest.raises(PipelineError) as exc:
        cfgmod.validate_config(raw)
    assert str(exc.value) == (
        "config.yaml: invalid configuration at scales.trust.min_answered: 5 is more than the scale's 4 items (no "
        "respondent could have the index); expected a number from 1 to 4")
    raw["scales"]["trust"]["min_answered"] = 4
    cfgmod.validate_config(raw)


def test_ordered_terms_must_be_terms_of_the_full_model(raw):
    raw["models"]["ordered_terms"] = ["ccp", "happiness"]
    with pytest.raises(PipelineError, match=r"at models.ordered_terms: \['happiness'\] are not terms of the full "
                                            r"model M3 .*; expected some of ccp, cyl, .*region\[<level>\]"):
        preflight.check_ordered_terms(settings_of(raw))
    raw["models"]["ordered_terms"] = ["region"]   # categorical: its levels are the terms
    with pytest.raises(PipelineError, match=r"\['region'\] are not terms"):
        preflight.check_ordered_terms(settings_of(raw))
    raw["models"]["ordered_terms"] = ["ccp", "log(income_k)", "region[West]"]
    preflight.check_ordered_terms(settings_of(raw))


def test_real_data_labelled_as_generated_stop_when_the_workflow_starts(tmp_path):
    """data.source real with the stand-in's label ("SYNTHETIC ...") would print a contradiction on every output:
    the workflow stops before any job, naming both settings."""
    import subprocess
    import sys
    from pathlib import Path

    from conftest import ROOT

    text = (ROOT / "config.yaml").read_text().replace("  source: synthetic", "  source: real")
    assert "source: real" in text
    config = ROOT / "config-preflight-real-test.yaml"
    config.write_text(text)
    try:
        proc = subprocess.run([str(Path(sys.executable).parent / "snakemake"), "-n", "--nolock", "--configfile",
                               config.name], cwd=ROOT, capture_output=True, text=True)
    finally:
        config.unlink()
    assert proc.returncode == 1
    assert "data.source is real in config-preflight-real-test.yaml, but data.label calls the data 'SYNTHETIC" in (
        proc.stdout + proc.stderr)
