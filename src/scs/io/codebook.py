"""The codebook: how every raw column of the export becomes an analysis variable (data/codebook.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scs.config import load_yaml
from scs.errors import PipelineError

DK_SUFFIX = "__dk"  # the cleaned data's 0/1 column beside an item: 1 when the answer was a missing code

ROLES = {"metadata", "identifying", "screener", "analysis", "attention", "free_text"}
TYPES = {"categorical", "integer", "number", "datetime", "text"}
DEFAULT_DATETIME = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Codebook:
    columns: list[dict]
    derived: dict
    key: str
    header_rows: int
    datetime_format: str = DEFAULT_DATETIME
    path: str = "data/codebook.yaml"

    @property
    def by_id(self) -> dict[str, dict]:
        return {c["id"]: c for c in self.columns}

    @property
    def by_var(self) -> dict[str, dict]:
        return {c["var"]: c for c in self.columns}

    @property
    def key_var(self) -> str:
        return self.by_id[self.key]["var"]

    def ids(self, roles=None) -> list[str]:
        return [c["id"] for c in self.columns if roles is None or c["role"] in roles]

    def valid_codes(self, col: dict) -> dict[int, str]:
        return {int(k): v for k, v in (col.get("codes") or {}).items()}

    def missing_codes(self, col: dict) -> dict[int, str]:
        return {int(k): v for k, v in (col.get("missing") or {}).items()}

    def all_codes(self, col: dict) -> dict[int, str]:
        return {**self.valid_codes(col), **self.missing_codes(col)}

    def labels(self, col: dict) -> dict[str, int]:
        """Answer text -> code, in every language the codebook gives (case-insensitive keys): how a
        Qualtrics "choice text" export is read."""
        out = {}
        for part in ("codes", "missing", "codes_zh", "missing_zh"):
            for k, v in (col.get(part) or {}).items():
                out[str(v).strip().casefold()] = int(k)
        return out

    def categories(self, var: str) -> list:
        """The categories of an analysis variable in the codebook's order: a derived variable's values in the
        order its map first gives them, or its bins' labels (0 and 1 for an ``any``); a categorical column's
        codes as listed. Empty when the codebook gives no order (a number, a text, an unknown name)."""
        spec = self.derived.get(var)
        if spec is not None:
            if "map" in spec:
                return list(dict.fromkeys(spec["map"].values()))
            if "labels" in spec:
                return list(spec["labels"])
            return [0, 1] if "any" in spec else []
        col = self.by_var.get(var)
        return list(self.valid_codes(col)) if col and col["type"] == "categorical" else []

    def file_name(self, col: dict, fmt: str) -> str:
        """The column's name in an SPSS (.sav) or Stata (.dta) file."""
        if fmt == "dta":
            return col.get("dta_name") or col.get("sav_name") or re.sub(r"[^A-Za-z0-9_]", "_", col["id"])[:32]
        return col.get("sav_name", col["id"])


def load_codebook(path: str | Path) -> Codebook:
    raw = load_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), list):
        raise PipelineError("codebook has no 'columns' list", file=path)
    cols = raw["columns"]
    seen_ids, seen_vars = set(), set()
    for i, c in enumerate(cols, 1):
        if not isinstance(c, dict):
            raise PipelineError(f"codebook column entry {i} is not a mapping", file=path)
        for req in ("id", "var", "role", "type"):
            if req not in c:
                raise PipelineError(f"codebook column entry {i} lacks '{req}'", file=path)
        c["id"] = str(c["id"])
        if c["id"] in seen_ids or c["var"] in seen_vars:
            raise PipelineError(f"codebook column entry {i} repeats id {c['id']!r} or var {c['var']!r}", file=path)
        seen_ids.add(c["id"])
        seen_vars.add(c["var"])
        if c["role"] not in ROLES:
            raise PipelineError(f"codebook column {c['id']!r}: role {c['role']!r} is unknown", file=path,
                                expected=f"one of {sorted(ROLES)}")
        if c["type"] not in TYPES:
            raise PipelineError(f"codebook column {c['id']!r}: type {c['type']!r} is unknown", file=path,
                                expected=f"one of {sorted(TYPES)}")
        if c["type"] == "categorical" and not c.get("codes"):
            raise PipelineError(f"categorical column {c['id']!r} has no codes", file=path)
        for part in ("codes", "missing", "codes_zh", "missing_zh"):
            if not isinstance(c.get(part) or {}, dict):
                raise PipelineError(f"column {c['id']!r}: {part} must map whole-number codes to labels", file=path)
            bad = [k for k in (c.get(part) or {}) if not isinstance(k, int) or isinstance(k, bool)]
            if bad:
                raise PipelineError(f"column {c['id']!r}: {part} must map whole-number codes to labels", file=path,
                                    got=bad, expected="entries like 1: label")
    key = str(raw.get("key", "ResponseId"))
    if key not in seen_ids:
        raise PipelineError(f"the codebook's key {key!r} is not one of its columns", file=path)
    derived = raw.get("derived") or {}
    for name, spec in derived.items():
        if not isinstance(spec, dict) or not ({"map", "edges", "any"} & set(spec)):
            raise PipelineError(f"derived variable {name!r} needs 'map', 'edges' or 'any'", file=path)
        if "any" not in spec and "from" not in spec:
            raise PipelineError(f"derived variable {name!r} needs 'from': the variable it is made from", file=path)
        if "edges" in spec and "map" not in spec:
            edges, labels = spec["edges"], spec.get("labels")
            if not isinstance(edges, list) or len(edges) < 2 or not isinstance(labels, list) \
                    or len(labels) != len(edges) - 1:
                raise PipelineError(f"derived variable {name!r}: 'edges' needs 'labels', one per interval", file=path,
                                    got={"edges": edges, "labels": labels},
                                    expected="edges [e0, e1, ..., en] (intervals [e0, e1), ...) and n labels")
        sources = spec.get("any") or [spec.get("from")]
        for s in sources:
            if s not in seen_vars and s not in derived:
                raise PipelineError(f"derived variable {name!r} uses {s!r}, which the codebook does not define",
                                    file=path)
    return Codebook(columns=cols, derived=derived, key=key, header_rows=int(raw.get("header_rows", 3)),
                    datetime_format=str(raw.get("datetime_format", DEFAULT_DATETIME)), path=str(path))
