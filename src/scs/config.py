"""Load and check config.yaml (the same JSON schema Snakemake checks it with)."""

from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path

import jsonschema
import yaml

from .errors import PipelineError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def load_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise PipelineError("file not found", file=path)
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise PipelineError("not valid YAML: " + " ".join(str(exc).split()), file=path) from None


def validate_config(cfg: dict, *, file: str | Path = "config.yaml") -> dict:
    """Check ``cfg`` against the schema, filling defaults; one clear line on failure."""
    schema = load_yaml(SCHEMA)
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
    return cfg


def load_config(path: str | Path = ROOT / "config.yaml") -> dict:
    return validate_config(load_yaml(path), file=path)


def config_hash(cfg: dict) -> str:
    """SHA-256 of the configuration in canonical JSON form (key order does not matter)."""
    blob = json.dumps(cfg, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
