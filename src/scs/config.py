"""Load and check config.yaml (the JSON schema Snakemake checks it with), and derived settings."""

from __future__ import annotations

import copy
import difflib
import functools
import hashlib
import json
import re
from pathlib import Path

import yaml

from scs.errors import PipelineError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def load_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise PipelineError("file not found", file=path)
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when there
    except yaml.YAMLError as exc:
        raise PipelineError("not valid YAML: " + " ".join(str(exc).split()), file=path) from None


def _schema_at(schema: dict, root: dict) -> dict:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].split("/")[-1]]
    return schema


def _coerce_scalar(value: str, types) -> object:
    types = [types] if isinstance(types, str) else list(types or [])
    low = value.strip().lower()
    if "null" in types and low in ("null", "none", "~", ""):
        return None
    if "boolean" in types and low in ("true", "false"):
        return low == "true"
    if "integer" in types:
        try:
            return int(value)
        except ValueError:
            pass
    if "number" in types:
        try:
            return float(value)
        except ValueError:
            pass
    return value


def coerce_types(value, schema: dict, root: dict | None = None):
    """Strings where the schema wants numbers, booleans or null are converted (Snakemake reads nested
    ``--config`` values with YAML's BaseLoader, so ``replicates={"n": 100}`` arrives as the string '100')."""
    root = root or schema
    schema = _schema_at(schema, root)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for k, v in list(value.items()):
            sub = props.get(k) or (extra if isinstance(extra, dict) else None)
            if sub is not None:
                value[k] = coerce_types(v, sub, root)
        return value
    if isinstance(value, list):
        items = schema.get("items")
        return [coerce_types(v, items, root) for v in value] if isinstance(items, dict) else value
    if isinstance(value, str):
        types = schema.get("type")
        tl = [types] if isinstance(types, str) else list(types or [])
        if "null" in tl and value.strip().lower() in ("null", "none", "~"):
            return None
        if "enum" in schema and value not in schema["enum"]:
            for e in schema["enum"]:
                if not isinstance(e, str) and str(e).lower() == value.lower():
                    return e
        if types and "string" not in ([types] if isinstance(types, str) else types):
            return _coerce_scalar(value, types)
    return value


def fill_defaults(value: dict, schema: dict, root: dict | None = None) -> dict:
    """Insert the schema's ``default`` for every absent property (recursively)."""
    root = root or schema
    schema = _schema_at(schema, root)
    if not isinstance(value, dict):
        return value
    for k, sub in schema.get("properties", {}).items():
        sub = _schema_at(sub, root)
        if k not in value and "default" in sub:
            value[k] = copy.deepcopy(sub["default"])
        if k in value and isinstance(value[k], dict):
            fill_defaults(value[k], sub, root)
        elif k in value and isinstance(value[k], list) and isinstance(sub.get("items"), dict):
            for element in value[k]:
                fill_defaults(element, sub["items"], root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for k, v in value.items():
            if k not in schema.get("properties", {}) and isinstance(v, dict):
                fill_defaults(v, extra, root)
    return value


def validate_config(cfg: dict, *, file: str | Path = "config.yaml", cache: str | Path | None = None) -> dict:
    """Check ``cfg`` against the schema (after type coercion), filling defaults; one clear line on failure.

    ``cache``: a folder that remembers configurations found valid (by checksum of the configuration and
    the schema), so that the workflow, which checks its configuration each time it starts, skips the
    schema validator when neither changed."""
    schema_text = SCHEMA.read_text(encoding="utf-8")
    schema = yaml.load(schema_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    coerce_types(cfg, schema)
    mark = None
    if cache is not None:
        mark = Path(cache) / config_hash({"config": cfg, "schema": schema_text})
    if mark is None or not mark.is_file():
        _validate_schema(cfg, schema, file)
        if mark is not None:
            mark.parent.mkdir(parents=True, exist_ok=True)
            mark.touch()
    fill_defaults(cfg, schema)
    check_consistency(cfg, file=file)
    return cfg


def _validate_schema(cfg: dict, schema: dict, file) -> None:
    import jsonschema  # (a tenth of a second to import: only when a configuration is new)

    validator_cls = jsonschema.validators.validator_for(schema)
    errors = sorted(validator_cls(schema).iter_errors(cfg), key=lambda e: list(e.absolute_path))
    if errors:
        err = jsonschema.exceptions.best_match(errors)
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        msg = err.message
        if err.validator == "additionalProperties":
            allowed = list((err.schema.get("properties") or {}).keys())
            extra = [k for k in (err.instance or {}) if k not in allowed]
            hints = []
            for k in extra:
                close = difflib.get_close_matches(str(k), allowed, n=1)
                hints.append(f"{k!r} (did you mean {close[0]!r}?)" if close else repr(k))
            msg = f"unknown key(s) {', '.join(hints)}; allowed: {', '.join(allowed)}"
        raise PipelineError(f"invalid configuration at {where}: {msg}", file=file)


def check_consistency(cfg: dict, *, file="config.yaml") -> None:
    """Cross-references the schema cannot express."""
    scales = cfg["scales"]
    for b in cfg["batteries"]:
        if b not in scales:
            raise PipelineError(f"invalid configuration at batteries: {b!r} is not a scale", file=file,
                                expected=f"one of {sorted(scales)}")
    for y in cfg["models"]["outcomes"]:
        if y not in scales:
            raise PipelineError(f"invalid configuration at models.outcomes: {y!r} is not a scale", file=file,
                                expected=f"one of {sorted(scales)}")
    if cfg["models"]["full"] not in cfg["models"]["formulas"]:
        raise PipelineError(f"invalid configuration at models.full: {cfg['models']['full']!r} is not in "
                            "models.formulas", file=file, expected=f"one of {list(cfg['models']['formulas'])}")
    for name, sc in scales.items():
        if sc["min_answered"] > len(sc["items"]):
            raise PipelineError(f"invalid configuration at scales.{name}.min_answered: {sc['min_answered']} is more than "
                                f"the scale's {len(sc['items'])} items (no respondent could have the index)", file=file,
                                expected=f"a number from 1 to {len(sc['items'])}")
    for name, sc in [("response_scale", cfg["response_scale"]),
                     *[(f"scales.{k}.response_scale", v["response_scale"]) for k, v in scales.items()
                       if v.get("response_scale")]]:
        try:
            codes = {int(c) for c in sc["labels"]}
        except (TypeError, ValueError):
            raise PipelineError(f"invalid configuration at {name}.labels: the answer codes must be integers",
                                file=file, got=list(sc["labels"])) from None
        stray = [c for c in [*sc["support"], *sc["oppose"]] if c not in codes]
        if stray:
            raise PipelineError(f"invalid configuration at {name}: support/oppose code(s) {stray} are not codes of "
                                "its labels", file=file, expected=f"some of {sorted(codes)}")
    w = cfg["weighting"]
    if w["method"] != "none" and not w["variables"]:
        raise PipelineError(f"invalid configuration at weighting.variables: method {w['method']!r} calibrates to "
                            "margins, and none are listed", file=file,
                            expected="the margins to calibrate to (variables of data/targets.csv), or method: none")
    for rule in cfg["cleaning"]["rules"]:
        for g in rule.get("grids", []):
            if g not in scales:
                raise PipelineError(f"invalid configuration at cleaning.rules ({rule['name']}): grid {g!r} is not a "
                                    "scale", file=file, expected=f"one of {sorted(scales)}")
    _check_numbering(cfg, file)


def _check_numbering(cfg: dict, file) -> None:
    """The tables and the figures are each numbered 1, 2, ... without a gap or a number used twice (the figures'
    runs: one per battery, one specification curve per multiverse outcome)."""
    numbering = cfg.get("numbering") or {}
    tables = numbering.get("tables") or {}
    if tables and sorted(tables.values()) != list(range(1, len(tables) + 1)):
        raise PipelineError(f"invalid configuration at numbering.tables: {tables} is not 1 to {len(tables)}, "
                            "each once", file=file, expected="the tables numbered 1, 2, ... in the order of the paper")
    figures = numbering.get("figures")
    if figures is None:
        return
    # figures the configuration does not number follow the others: the item figures (one per battery) first,
    # then the models' figure, then the specification curves
    if figures.get("items") is None:
        figures["items"] = 1
    if figures.get("models") is None:
        figures["models"] = figures["items"] + len(cfg["batteries"])
    if figures.get("specification_curves") is None:
        figures["specification_curves"] = figures["models"] + 1
    runs = {"items": len(cfg["batteries"]), "models": 1,
            "specification_curves": len((cfg.get("multiverse") or {}).get("outcomes", []))}
    used = sorted(n for k, first in figures.items() for n in range(first, first + runs.get(k, 1)))
    if used != list(range(1, len(used) + 1)):
        spans = ", ".join(f"{k} {first}" + (f"-{first + runs[k] - 1}" if runs.get(k, 1) > 1 else "")
                          for k, first in figures.items() if runs.get(k, 1))
        raise PipelineError(f"invalid configuration at numbering.figures: {spans} is not 1 to {len(used)}, each once",
                            file=file, expected=f"figures numbered 1, 2, ...: one per battery "
                            f"({len(cfg['batteries'])}), the models' figure and one specification curve "
                            f"per multiverse outcome ({runs['specification_curves']})")


def with_defaults(section: str, value: dict) -> dict:
    """One section of a configuration (``weighting``, ``models``, ...) with the schema's defaults filled in:
    the defaults live in the schema only, also for code that builds a section by hand."""
    schema = _schema()
    return fill_defaults(copy.deepcopy(value), schema["properties"][section], schema)


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    return yaml.load(SCHEMA.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_config(path: str | Path = ROOT / "config.yaml") -> dict:
    return validate_config(load_yaml(path), file=path)


def config_hash(cfg: dict) -> str:
    """SHA-256 of a configuration (or a slice of one) in canonical JSON form (key order does not matter)."""
    blob = json.dumps(cfg, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def get_path(cfg: dict, dotted: str):
    node = cfg
    for part in dotted.split("."):
        node = node[part]
    return node


def config_slice(cfg: dict, *paths: str) -> dict:
    """The parts of ``cfg`` named by dotted ``paths`` (a rule's params: it reruns only when they change)."""
    out: dict = {}
    for p in paths:
        parts = p.split(".")
        try:
            value = get_path(cfg, p)
        except KeyError:
            continue
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = copy.deepcopy(value)
    return out


def is_shipped(config_file: str | Path) -> bool:
    """Whether ``config_file`` is the project's own config.yaml (the one in the working directory, where the
    workflow runs)."""
    return Path(config_file).resolve() == Path("config.yaml").resolve()


def variant_name(cfg: dict, config_file: str | Path) -> str | None:
    """None for the shipped analysis (the project's config.yaml on the stand-in); else the name of this
    variant's output and pins folders: the configuration file's path in the project without its extension,
    folders joined by "-" (config-ci90.yaml: config-ci90; data/alt/config.yaml: data-alt-config; the
    project's config.yaml on other data: config), so that two configuration files never share a folder."""
    path = Path(config_file).resolve()
    if is_shipped(path) and cfg["data"]["source"] == "synthetic":
        return None
    try:
        rel = path.relative_to(Path.cwd())
    except ValueError:  # a configuration outside the project: its own name
        rel = Path(path.name)
    name = "-".join([*rel.parent.parts, rel.stem])
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "variant"


def output_dir(cfg: dict, config_file: str | Path = "config.yaml") -> str:
    """results/ for the shipped analysis (the project's config.yaml on the stand-in); results-<name>/
    (:func:`variant_name`) for any other configuration file or other data (ignored by git: a variant never
    overwrites the shipped results), unless output.dir names a folder."""
    d = (cfg.get("output") or {}).get("dir", "auto")
    if d != "auto":
        return d.rstrip("/")
    name = variant_name(cfg, config_file)
    return "results" if name is None else f"results-{name}"


def pins_root(cfg: dict, config_file: str | Path = "config.yaml") -> str:
    """pins/ for the shipped analysis, pins-<variant>/ (ignored by git) for any other, unless verify.pins
    names a folder."""
    p = cfg["verify"]["pins"]
    if p != "auto":
        return p.rstrip("/")
    name = variant_name(cfg, config_file)
    return "pins" if name is None else f"pins-{name}"


def recorded_checksums(sums_file: str | Path) -> dict[str, str]:
    """File name -> SHA-256 as `sha256sum` writes them ("<digest>  <name>", or "<digest> *<name>"); empty
    when there is no such file."""
    sums = Path(sums_file)
    if not sums.is_file():
        return {}
    out = {}
    for line in sums.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(None, 1)
            out[name.strip().lstrip("*")] = digest
    return out


def data_id(sha256: str) -> str:
    """A short id of the raw file (the pins directory of that file)."""
    return sha256[:16]
