"""Ingest: read the raw export (Qualtrics CSV or SPSS .sav), check it against the
codebook, and turn it into typed analysis variables.

Both formats are first brought to the same table of text cells, so that the
CSV and the .sav of the same responses give identical cleaned data.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .config import load_yaml
from .errors import PipelineError

log = logging.getLogger(__name__)

SAV_MAGIC = (b"$FL2", b"$FL3")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


# --------------------------------------------------------------------------- codebook
@dataclass(frozen=True)
class Codebook:
    columns: list[dict]
    derived: dict
    key: str
    header_rows: int
    path: str = "data/codebook.yaml"

    @property
    def by_id(self) -> dict[str, dict]:
        return {c["id"]: c for c in self.columns}

    @property
    def by_var(self) -> dict[str, dict]:
        return {c["var"]: c for c in self.columns}

    def ids(self, roles=None) -> list[str]:
        return [c["id"] for c in self.columns if roles is None or c["role"] in roles]

    def vars(self, roles=None) -> list[str]:
        return [c["var"] for c in self.columns if roles is None or c["role"] in roles]

    def valid_codes(self, col: dict) -> dict[int, str]:
        return {int(k): v for k, v in (col.get("codes") or {}).items()}

    def missing_codes(self, col: dict) -> dict[int, str]:
        return {int(k): v for k, v in (col.get("missing") or {}).items()}


def load_codebook(path: str | Path) -> Codebook:
    raw = load_yaml(path)
    if not isinstance(raw, dict) or "columns" not in raw:
        raise PipelineError("codebook has no 'columns' list", file=path)
    cols = raw["columns"]
    seen_ids, seen_vars = set(), set()
    for i, c in enumerate(cols, 1):
        for req in ("id", "var", "role", "type"):
            if req not in c:
                raise PipelineError(f"codebook column entry {i} lacks '{req}'", file=path)
        if c["id"] in seen_ids or c["var"] in seen_vars:
            raise PipelineError(f"codebook column entry {i} repeats id {c['id']!r} or var {c['var']!r}", file=path)
        seen_ids.add(c["id"])
        seen_vars.add(c["var"])
        if c["type"] == "categorical" and not c.get("codes"):
            raise PipelineError(f"categorical column {c['id']!r} has no codes", file=path)
        for part in ("codes", "missing"):
            bad = [k for k in (c.get(part) or {}) if not isinstance(k, int) or isinstance(k, bool)]
            if bad or not isinstance(c.get(part) or {}, dict):
                raise PipelineError(f"column {c['id']!r}: {part} must map whole-number codes to labels",
                                    file=path, got=bad, expected="entries like 1: label")
    return Codebook(
        columns=cols,
        derived=raw.get("derived") or {},
        key=raw.get("key", "ResponseId"),
        header_rows=int(raw.get("header_rows", 3)),
        path=str(path),
    )


# --------------------------------------------------------------------------- reading
@dataclass
class RawTable:
    """The export as text cells: one row per response, one column per column id."""

    cells: pd.DataFrame
    rows: list  # row label in the file for each response (CSV line or SAV case)
    file: str
    format: str
    notes: list = field(default_factory=list)


def detect_format(path: str | Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise PipelineError("raw file not found", file=path)
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head:
        raise PipelineError("file is empty", file=path, expected="a Qualtrics CSV export or an SPSS .sav file")
    return "sav" if head in SAV_MAGIC else "csv"


def read_raw(path: str | Path, codebook: Codebook) -> RawTable:
    fmt = detect_format(path)
    return read_sav(path, codebook) if fmt == "sav" else read_qualtrics_csv(path, codebook)


def read_qualtrics_csv(path: str | Path, codebook: Codebook) -> RawTable:
    path = Path(path)
    data = path.read_bytes()
    notes = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    else:
        notes.append("no UTF-8 byte-order mark (Qualtrics writes one); read as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PipelineError(
            "file is not UTF-8 text (it may be GBK or another legacy encoding)",
            file=path, row=line, expected="a UTF-8 CSV: re-export from Qualtrics with 'Download as CSV' (UTF-8)",
        ) from None
    if not text.strip():
        raise PipelineError("file is empty", file=path, expected="a Qualtrics CSV export")
    reader = csv.reader(io.StringIO(text, newline=""))
    records, lines = [], []
    try:
        start = 1
        for rec in reader:
            records.append(rec)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PipelineError(f"malformed CSV ({exc})", file=path, row=reader.line_num) from None
    nh = codebook.header_rows
    header = records[0]
    if len(header) == 1 and any(d in header[0] for d in (";", "\t", "|")):
        raise PipelineError(
            "the header row has a single column; the file seems to use another delimiter",
            file=path, row=1, expected="comma-separated values as Qualtrics exports them",
        )
    if len(records) < nh:
        raise PipelineError(
            f"only {len(records)} header row(s)", file=path, expected=f"{nh} header rows (ids, question text, ImportId)"
        )
    if nh >= 3 and not (records[2] and records[2][0].lstrip().startswith("{")):
        raise PipelineError(
            "row 3 is not the ImportId row", file=path, row=3,
            expected='JSON cells such as {"ImportId":"startDate"} (Qualtrics export with 3 header rows)',
        )
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise PipelineError(f"duplicated column name(s) {dup}", file=path, row=1, expected="unique column ids")
    body, body_lines = records[nh:], lines[nh:]
    for rec, ln in zip(body, body_lines):
        if len(rec) != len(header):
            raise PipelineError(
                f"row has {len(rec)} cells but the header has {len(header)} (truncated or broken row)",
                file=path, row=ln, expected=f"{len(header)} comma-separated cells",
            )
    if not body:
        raise PipelineError("the file has header rows but no responses", file=path, row=nh + 1)
    cells = pd.DataFrame(body, columns=header, dtype=object)
    return RawTable(cells=cells, rows=body_lines, file=str(path), format="csv", notes=notes)


def _sav_cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "strftime"):
        return pd.Timestamp(v).strftime(DATETIME_FORMAT)
    return str(v)


def read_sav(path: str | Path, codebook: Codebook) -> RawTable:
    import pyreadstat

    path = Path(path)
    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    except Exception as exc:  # pyreadstat raises its own types
        raise PipelineError(f"cannot read the SPSS file ({exc})", file=path, expected="a valid .sav export") from None
    rename = {c.get("sav_name", c["id"]): c["id"] for c in codebook.columns}
    df = df.rename(columns=rename)
    # value labels in the file must agree with the codebook's codes
    for sav_var, labels in (meta.variable_value_labels or {}).items():
        cid = rename.get(sav_var, sav_var)
        col = codebook.by_id.get(cid)
        if col is None or col["type"] != "categorical":
            continue
        allowed = set(codebook.valid_codes(col)) | set(codebook.missing_codes(col))
        extra = sorted(int(k) for k in labels if float(k).is_integer() and int(k) not in allowed)
        if extra:
            raise PipelineError(
                f"value labels for code(s) {extra} are not in the codebook",
                file=path, column=cid, expected=f"codes {sorted(allowed)}",
            )
    if df.empty:
        raise PipelineError("the file has no responses", file=path)
    cells = df.map(_sav_cell).astype(object)
    rows = [f"case {i}" for i in range(1, len(df) + 1)]
    return RawTable(cells=cells, rows=rows, file=str(path), format="sav")


# --------------------------------------------------------------------------- checking and typing
def _code_text(codes: dict) -> str:
    return ", ".join(f"{k}" for k in sorted(codes))


def check_columns(raw: RawTable, codebook: Codebook) -> list[str]:
    """Missing required columns fail; unknown extra columns are reported and ignored."""
    present = list(raw.cells.columns)
    missing = [c["id"] for c in codebook.columns if c.get("required", True) and c["id"] not in present]
    if missing:
        raise PipelineError(
            f"required column(s) missing: {missing}", file=raw.file, row=1,
            expected=f"the columns listed in {codebook.path}",
        )
    extra = [c for c in present if c not in codebook.by_id]
    if extra:
        log.warning("WARNING: %s: %d column(s) not in the codebook are ignored: %s", raw.file, len(extra), extra)
    return extra


def parse_cells(raw: RawTable, codebook: Codebook) -> pd.DataFrame:
    """Typed frame (columns = column ids in codebook order) from the text cells."""
    out = {}
    for col in codebook.columns:
        cid = col["id"]
        if cid not in raw.cells.columns:
            continue
        s = raw.cells[cid].fillna("").astype(str).str.strip()
        blank = s == ""
        typ = col["type"]
        if typ in ("categorical", "integer", "number"):
            num = pd.to_numeric(s.where(~blank), errors="coerce")
            bad = num.isna() & ~blank
            if typ != "number":
                bad |= num.notna() & (num % 1 != 0)
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                exp = "a whole number" if typ != "number" else "a number"
                if typ == "categorical":
                    exp = f"one of the codes {_code_text({**codebook.valid_codes(col), **codebook.missing_codes(col)})} or blank"
                raise PipelineError(
                    "value is not numeric" if typ != "categorical" or pd.isna(num.iloc[i]) else "value is not a whole-number code",
                    file=raw.file, row=raw.rows[i], column=cid, got=s.iloc[i], expected=exp,
                )
            out[cid] = num.astype("Float64") if typ == "number" else num.astype("Int64")
        elif typ == "datetime":
            dt = pd.to_datetime(s.where(~blank), format=DATETIME_FORMAT, errors="coerce")
            bad = dt.isna() & ~blank
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise PipelineError(
                    "value is not a date-time", file=raw.file, row=raw.rows[i], column=cid,
                    got=s.iloc[i], expected="YYYY-MM-DD hh:mm:ss",
                )
            out[cid] = dt
        else:
            out[cid] = s.where(~blank).astype("string")
    return pd.DataFrame(out)


def schema_for(codebook: Codebook) -> pa.DataFrameSchema:
    """A pandera schema of the typed frame, built from the codebook."""
    cols = {}
    for col in codebook.columns:
        checks = []
        if col["type"] == "categorical":
            allowed = sorted(set(codebook.valid_codes(col)) | set(codebook.missing_codes(col)))
            checks.append(pa.Check.isin(allowed, error=f"one of the codes {allowed} or blank"))
        elif col["type"] in ("integer", "number") and col.get("range"):
            lo, hi = col["range"]
            checks.append(pa.Check.in_range(lo, hi, error=f"a value from {lo} to {hi} or blank"))
        required_nonnull = col["id"] == codebook.key
        cols[col["id"]] = pa.Column(checks=checks, nullable=not required_nonnull, required=False)
    return pa.DataFrameSchema(cols, strict=False)


def validate_typed(typed: pd.DataFrame, raw: RawTable, codebook: Codebook) -> pd.DataFrame:
    try:
        schema_for(codebook).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()] if "index" in fc else fc
        first = fc.sort_values("index", kind="stable").iloc[0] if len(fc) else None
        if first is None:
            raise PipelineError(f"schema check failed: {exc}", file=raw.file) from None
        i = int(first["index"])
        check = str(first["check"])
        raise PipelineError(
            "value outside the codebook", file=raw.file, row=raw.rows[i], column=first["column"],
            got=raw.cells[first["column"]].iloc[i], expected=check + f" (see {codebook.path})",
        ) from None
    key = typed[codebook.key]
    if key.isna().any():
        i = int(np.flatnonzero(key.isna().to_numpy())[0])
        raise PipelineError("respondent key is blank", file=raw.file, row=raw.rows[i], column=codebook.key,
                            expected="a unique, non-blank id")
    dup = key.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise PipelineError("respondent key is not unique", file=raw.file, row=raw.rows[i], column=codebook.key,
                            got=key.iloc[i], expected="a unique id per row")
    return typed


def to_analysis(typed: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Rename to analysis variables; missing codes ("don't know", "refused") become NA."""
    out = {}
    for col in codebook.columns:
        if col["id"] not in typed:
            continue
        s = typed[col["id"]]
        miss = codebook.missing_codes(col)
        if miss:
            s = s.mask(s.isin(list(miss)))
        out[col["var"]] = s
    return pd.DataFrame(out)


def derive(frame: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Add the derived analysis variables defined in the codebook."""
    frame = frame.copy()
    for name, spec in codebook.derived.items():
        if "any" in spec:
            parts = frame[list(spec["any"])].astype("Int64")
            frame[name] = parts.max(axis=1).astype("Int64").where(parts.notna().all(axis=1) | (parts == 1).any(axis=1))
            continue
        src = frame[spec["from"]]
        if "map" in spec:
            mapping = {int(k): v for k, v in spec["map"].items()}
            values = list(mapping.values())
            numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            mapped = src.map(mapping)
            if numeric:
                all_int = all(isinstance(v, int) for v in values)
                frame[name] = mapped.astype("Int64" if all_int else "Float64")
            else:
                frame[name] = mapped.astype("string")
        elif "edges" in spec:
            cats = pd.cut(src.astype("Float64").to_numpy(dtype=float, na_value=np.nan), bins=spec["edges"],
                          labels=spec["labels"], right=False)
            frame[name] = pd.Series(cats, index=frame.index).astype("string")
        else:
            raise PipelineError(f"derived variable {name!r} needs 'map', 'edges' or 'any'", file=codebook.path)
    return frame


def check_recorded_checksum(path, sums_file, sha256: str) -> bool | None:
    """Warn when the raw file differs from the checksum recorded beside it (SHA256SUMS); None if none recorded."""
    sums = Path(sums_file)
    if not sums.is_file():
        return None
    recorded = {}
    for line in sums.read_text().splitlines():  # "<sha256>  <file name>", as sha256sum writes it
        if line.strip():
            digest, name = line.split(None, 1)
            recorded[name.strip()] = digest
    want = recorded.get(Path(path).name)
    if want is None:
        return None
    if want != sha256:
        log.warning("WARNING: %s differs from the checksum recorded in %s (%s...); results will not match the "
                    "pinned outputs", path, sums, want[:12])
        return False
    return True


def blank_mask(raw: RawTable, codebook: Codebook) -> pd.DataFrame:
    """True where a raw cell is empty (skipped), by analysis variable; "don't know" codes are not blank."""
    cols = {c["var"]: raw.cells[c["id"]].fillna("").astype(str).str.strip() == ""
            for c in codebook.columns if c["id"] in raw.cells.columns}
    return pd.DataFrame(cols)


def check_answered(frame: pd.DataFrame, blank: pd.DataFrame, rows: list, file: str, scales: dict) -> None:
    """A respondent in the analytic sample who left every item of an SCS grid blank (not "don't know")
    points at a broken export or a missing exclusion rule: stop and name them."""
    for name, spec in scales.items():
        items = [it["var"] for it in spec["items"]]
        cols = [c for c in items if c in blank.columns]
        if not cols:
            continue
        all_blank = blank[cols].all(axis=1)
        if all_blank.any():
            i = int(all_blank.to_numpy().nonzero()[0][0])
            raise PipelineError(
                f"respondent {frame['response_id'].iloc[i]} is in the analytic sample but left all "
                f"{len(cols)} {name} items blank", file=file, row=rows[i],
                expected="at least one answer (or \"don't know\") per grid, or an exclusion rule that removes them")


def ingest(path: str | Path, codebook: Codebook) -> tuple[pd.DataFrame, RawTable]:
    """Read, check and type the raw export. Returns the analysis frame (identifiers still in it)."""
    raw = read_raw(path, codebook)
    for n in raw.notes:
        log.warning("WARNING: %s: %s", raw.file, n)
    check_columns(raw, codebook)
    typed = validate_typed(parse_cells(raw, codebook), raw, codebook)
    return derive(to_analysis(typed, codebook), codebook), raw


def import_ids(codebook: Codebook) -> list[str]:
    """ImportId JSON cells of the third header row, as Qualtrics writes them."""
    special = {
        "StartDate": {"ImportId": "startDate", "timeZone": "Asia/Shanghai"},
        "EndDate": {"ImportId": "endDate", "timeZone": "Asia/Shanghai"},
        "Status": {"ImportId": "status"},
        "IPAddress": {"ImportId": "ipAddress"},
        "Progress": {"ImportId": "progress"},
        "Duration (in seconds)": {"ImportId": "duration"},
        "Finished": {"ImportId": "finished"},
        "RecordedDate": {"ImportId": "recordedDate", "timeZone": "Asia/Shanghai"},
        "ResponseId": {"ImportId": "_recordId"},
        "RecipientLastName": {"ImportId": "recipientLastName"},
        "RecipientFirstName": {"ImportId": "recipientFirstName"},
        "RecipientEmail": {"ImportId": "recipientEmail"},
        "ExternalReference": {"ImportId": "externalDataReference"},
        "LocationLatitude": {"ImportId": "locationLatitude"},
        "LocationLongitude": {"ImportId": "locationLongitude"},
        "DistributionChannel": {"ImportId": "distributionChannel"},
        "UserLanguage": {"ImportId": "userLanguage"},
    }
    out = []
    for c in codebook.columns:
        cid = c["id"]
        if cid in special:
            obj = special[cid]
        elif cid.startswith("Q"):
            qid, _, sub = cid[1:].partition("_")
            obj = {"ImportId": f"QID{qid}_{sub}" if sub else f"QID{qid}"}
            if c["type"] == "text" and not sub:
                obj = {"ImportId": f"QID{qid}_TEXT"}
        else:
            obj = {"ImportId": cid}
        out.append(json.dumps(obj, separators=(",", ":")))
    return out
