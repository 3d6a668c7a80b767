"""The configuration as typed, frozen settings: every key carried, changed only by replace, and no library
function that takes the configuration dict."""

import ast
import dataclasses
from pathlib import Path

import pytest
from conftest import ROOT

from scs import settings
from scs.config import load_config
from scs.errors import PipelineError

# the modules that read the configuration file and turn it into settings: the only ones that see the dict
PARSERS = {"config.py", "settings.py"}
DICT_NAMES = {"cfg", "config", "conf", "wcfg", "mcfg", "vcfg", "pcfg", "rcfg", "jcfg", "ccfg"}


def config_dict_uses(source: str, name: str = "<string>") -> list[str]:
    """Where a function takes or indexes something named like a configuration dict."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                if a.arg in DICT_NAMES or (a.annotation is not None and "cfg" in a.arg):
                    found.append(f"{name}:{node.lineno}: parameter {a.arg!r}")
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in DICT_NAMES:
            found.append(f"{name}:{node.lineno}: {node.value.id}[...]")
        if isinstance(node, ast.Call):
            for a in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(a, ast.Name) and a.id in DICT_NAMES:
                    found.append(f"{name}:{node.lineno}: passes {a.id!r}")
    return found


def test_the_scan_finds_a_function_that_takes_the_config_dict():
    planted = "def f(frame, cfg: dict):\n    h(cfg)\n    return cfg['data']['label']\n"
    assert len(config_dict_uses(planted)) == 3
    assert config_dict_uses("def f(frame, s):\n    return s.data.label\n") == []


def test_no_library_function_takes_the_configuration_dict():
    found = []
    for p in sorted((ROOT / "src" / "scs").rglob("*.py")):
        if p.parent.name == "scs" and p.name in PARSERS:
            continue
        found += config_dict_uses(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))
    assert not found, "\n".join(found)


def test_adapters_parse_their_slice_once_and_pass_settings():
    found = []
    for p in sorted((ROOT / "scripts").glob("*.py")):
        if p.name == "_common.py":
            continue
        found += config_dict_uses(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))
    assert not found, "\n".join(found)


def _plain(value):
    """A configuration value without the keys that say "not given" (absent, null or an empty list)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v not in (None, [], ()) and not str(k).startswith("_")}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@pytest.mark.parametrize("config_file", ["config.yaml", "data/alt/config.yaml"])
def test_settings_carry_every_key_of_the_configuration(config_file):
    cfg = load_config(ROOT / config_file)
    s = settings.from_config(cfg, file=config_file)
    assert _plain(settings.as_dict(s)) == _plain(cfg)
    assert s.file == config_file


def test_settings_are_frozen_and_changed_only_by_replace():
    s = settings.load(ROOT / "config.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.weighting.method = "raking"
    with pytest.raises(TypeError):
        s.scales["extra"] = s.scales["trust"]
    w = settings.replace(s.weighting, {"bounds": {"lower": 0.3}, "replicates": {"n": 0}})
    assert (w.bounds.lower, w.bounds.upper, w.replicates.n, w.replicates.seed) == (0.3, 5.0, 0, 20200301)
    assert s.weighting.bounds.lower == 0.2  # the original is untouched
    with pytest.raises(PipelineError, match="unknown setting 'bound'"):
        settings.replace(s.weighting, {"bound": {}})


def test_a_section_a_rule_did_not_declare_is_named_on_first_use():
    s = settings.from_config({"data": {"source": "synthetic", "label": "x"}})
    assert s.data.label == "x"
    with pytest.raises(PipelineError, match="'models' was not given to this step"):
        print(s.models.full)
    with pytest.raises(PipelineError, match="'data.raw' was not given"):
        s.data.raw.upper()


def test_defaults_live_in_the_schema_not_in_the_settings_classes():
    """A settings field either has no default or one that means "not given" (None, an empty tuple): the
    values a user gets by leaving a key out are the schema's."""
    classes = [getattr(settings, n) for n in dir(settings)]
    for cls in classes:
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == settings.__name__:
            for f in dataclasses.fields(cls):
                if f.name != "file":
                    assert f.default in (dataclasses.MISSING, None, ()), (cls.__name__, f.name, f.default)


def test_a_scale_missing_its_defaults_gets_the_schemas():
    s = settings.from_config({"scales": {"x": {"label": "X", "min_answered": 1,
                                               "items": [{"var": "a", "label": "A"}, {"var": "b", "label": "B"}]}}})
    assert [it.reverse for it in s.scales["x"].items] == [False, False]
    assert Path(settings.__file__).name == "settings.py"


def test_errors_name_the_configuration_file_in_use(cfg):
    import copy

    import pandas as pd

    from scs.stages import models

    c = copy.deepcopy(cfg)
    c["models"]["formulas"]["M1"] = "ccp + happiness"
    s = settings.from_config(c, file="configs/mine.yaml")
    with pytest.raises(PipelineError, match=r"^configs/mine\.yaml.*happiness"):
        models.matrices(pd.DataFrame({"ccp": [0, 1]}), s)


def test_a_rules_slice_takes_no_default_in_place_of_the_users_value():
    """A rule's slice is cut from the validated, filled configuration: a setting it lacks fails on first use
    rather than taking the schema's default (response_scale.labels alone has no words of its shares)."""
    slice_ = {"response_scale": {"labels": {1: "no", 2: "yes"}}}
    assert settings.from_config(slice_).response_scale.agree == "support"  # a hand-written config: defaults
    with pytest.raises(PipelineError, match="'response_scale.agree' was not given"):
        settings.from_config(slice_, defaults=False).response_scale.agree.upper()
