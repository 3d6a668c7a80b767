"""Ingest: read the raw export and turn it, through the codebook, into typed analysis variables.

Exports read (``data.format``; ``auto`` detects it from the file's content):

* Qualtrics CSV, "numeric values" (codes) or "choice text" (answer labels, English or Chinese as
  the codebook lists them): UTF-8, three header rows (ids, question text, ImportId JSON);
* SPSS ``.sav`` and Stata ``.dta`` (columns named as the codebook's ``sav_name`` / ``dta_name``).

Every format is first brought to the same table of text cells, so that the same responses give
identical cleaned data whatever the format. Reading is columnar (pyarrow), and every cell check
is vectorized, so that the whole file is checked at any size. :mod:`scs.io.datacheck` collects every
problem of an export at once; :func:`ingest` stops on the first one.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from scs.config import recorded_checksums
from scs.errors import PipelineError
from scs.io.codebook import DK_SUFFIX, Codebook

log = logging.getLogger(__name__)

SAV_MAGIC = (b"$FL2", b"$FL3")
DTA_MAGIC_NEW = b"<stata_dta>"
DTA_VERSIONS_OLD = {0x71, 0x72, 0x73}
FORMATS = {"qualtrics": "Qualtrics CSV", "qualtrics_choice_text": "Qualtrics CSV (choice text)", "sav": "SPSS .sav",
           "dta": "Stata .dta"}


# --------------------------------------------------------------------------- reading
@dataclass
class RawTable:
    """The export as text cells: one row per response, one column per codebook column id."""

    cells: pl.DataFrame
    lines: np.ndarray | None   # file line of each response (CSV); None: case numbers (sav, dta)
    file: str
    format: str
    notes: list = field(default_factory=list)
    bad_rows: list = field(default_factory=list)  # (line, message) of rows that could not be read

    def row(self, i: int):
        return int(self.lines[i]) if self.lines is not None else f"case {i + 1}"

    def where(self, i: int) -> str:
        return f"row {self.row(i)}" if self.lines is not None else self.row(i)


def detect_format(path: str | Path, fmt: str = "auto") -> str:
    path = Path(path)
    if not path.is_file():
        raise PipelineError("raw file not found", file=path)
    with open(path, "rb") as fh:
        head = fh.read(16)
    if not head:
        raise PipelineError("file is empty", file=path, expected="a Qualtrics CSV export, an SPSS .sav or a Stata .dta")
    found = "sav" if head[:4] in SAV_MAGIC else (
        "dta" if head.startswith(DTA_MAGIC_NEW) or (head[0] in DTA_VERSIONS_OLD and head[1] in (1, 2)) else "qualtrics")
    if found == "qualtrics":
        _not_a_text_export(path, head)
    if fmt in ("auto", None):
        return found
    if fmt.startswith("qualtrics") and found == "qualtrics":
        return fmt
    if fmt != found:
        raise PipelineError(f"data.format is {fmt!r} but the file is a {FORMATS[found]}", file=path,
                            expected=f"data.format: {found} (or auto)")
    return fmt


def read_raw(path: str | Path, codebook: Codebook, fmt: str = "auto") -> RawTable:
    requested = fmt
    fmt = detect_format(path, fmt)
    if fmt == "sav":
        return read_stat(path, codebook, "sav")
    if fmt == "dta":
        return read_stat(path, codebook, "dta")
    raw = read_qualtrics_csv(path, codebook)
    raw.format = fmt
    if requested in ("auto", None) and looks_like_choice_text(raw, codebook):
        raw.format = "qualtrics_choice_text"
        raw.notes.append("the export has answer labels (Qualtrics 'choice text'); read through the codebook's labels")
    return raw


SAVE_AS = "save it as 'CSV UTF-8' or download the CSV from Qualtrics ('Download as CSV')"


def _not_a_text_export(path, head: bytes) -> None:
    """Files that are not a CSV whatever their name: a workbook, or text in UTF-16 (Excel's 'Unicode
    text', Qualtrics' 'Export to TSV'); one line that says which, rather than a decoding error."""
    if head.startswith(b"PK\x03\x04"):
        raise PipelineError("file is an Excel workbook (.xlsx, a zip archive), not a CSV", file=path,
                            expected=f"a UTF-8 CSV: {SAVE_AS}")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise PipelineError("file is an Excel 97-2003 workbook (.xls), not a CSV", file=path,
                            expected=f"a UTF-8 CSV: {SAVE_AS}")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") >= len(head) // 3:
        raise PipelineError("file is UTF-16 text (what Excel's 'Unicode text' and Qualtrics' 'Export to TSV' "
                            "write), not a UTF-8 CSV", file=path, expected=f"a UTF-8 CSV: {SAVE_AS}")


def _not_utf8(path, data: bytes, exc: UnicodeDecodeError) -> PipelineError:
    line = data[: exc.start].count(b"\n") + 1
    return PipelineError("file is not UTF-8 text (it may be GBK or another legacy encoding)", file=path, row=line,
                         expected="a UTF-8 CSV: re-export from Qualtrics with 'Download as CSV' (UTF-8)")


def _decode(path: Path) -> tuple[bytes, list[str]]:
    """The file's bytes (a UTF-8 byte-order mark kept: the readers below skip it). The header rows are
    checked for UTF-8 here; the rows below by the CSV reader (:func:`_check_utf8` finds the line)."""
    data = path.read_bytes()
    notes = []
    if not data.startswith(b"\xef\xbb\xbf"):
        notes.append("no UTF-8 byte-order mark (Qualtrics writes one); read as UTF-8")
    head_end = len(data) if len(data) <= HEAD_BYTES else data.rfind(b"\n", 0, HEAD_BYTES) + 1 or HEAD_BYTES
    try:
        data[:head_end].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, data, exc) from None
    if not data or data.isspace() or data == b"\xef\xbb\xbf":
        raise PipelineError("file is empty", file=path, expected="a Qualtrics CSV export")
    return data, notes


def _check_utf8(path, data: bytes) -> None:
    """The whole file as UTF-8 (the slow path, when the CSV reader found a byte that is not)."""
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, data, exc) from None


HEAD_BYTES = 1 << 22  # the start of the file decoded up front (the header rows)


def _header_records(data: bytes, n: int) -> list[list[str]]:
    """The first ``n`` CSV records (header rows), read with the csv module."""
    head = data[:HEAD_BYTES].decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(head, newline=""))
    out = []
    try:
        for rec in reader:
            out.append(rec)
            if len(out) == n:
                break
    except csv.Error as exc:
        raise PipelineError(f"malformed CSV ({exc})", row=reader.line_num) from None
    return out


def _record_lines(data: bytes, n_skip: int) -> tuple[list[int], list[tuple[int, str]]]:
    """Start line of every data record and the records whose cell count differs from the header's
    (the slow path, used only when the fast one cannot tell)."""
    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    lines, bad = [], []
    start, width = 1, None
    try:
        for k, rec in enumerate(reader):
            if k == 0:
                width = len(rec)
            if k >= n_skip:
                if len(rec) != width:
                    bad.append((start, f"row has {len(rec)} cells but the header has {width} (truncated or broken row)"))
                else:
                    lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        bad.append((reader.line_num, f"malformed CSV ({exc})"))
    return lines, bad


def read_qualtrics_csv(path: str | Path, codebook: Codebook) -> RawTable:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    path = Path(path)
    data, notes = _decode(path)
    if codebook.header_rows != 3:  # a plain CSV: only Qualtrics' own three-row export carries a byte-order mark
        notes = [n for n in notes if "byte-order mark" not in n]
    nh = codebook.header_rows
    try:
        records = _header_records(data, nh)
    except PipelineError as exc:
        raise PipelineError(str(exc).split(": ", 1)[-1], file=path, row=exc.row) from None
    header = records[0]
    if len(header) == 1 and any(d in header[0] for d in (";", "\t", "|")):
        raise PipelineError("the header row has a single column; the file seems to use another delimiter",
                            file=path, row=1, expected="comma-separated values as Qualtrics exports them")
    if len(records) < nh:
        raise PipelineError(f"only {len(records)} header row(s)", file=path,
                            expected=f"{nh} header rows (ids, question text, ImportId)")
    if nh >= 3 and not (records[2] and records[2][0].lstrip().startswith("{")):
        raise PipelineError("row 3 is not the ImportId row", file=path, row=3,
                            expected='JSON cells such as {"ImportId":"startDate"} (Qualtrics export with 3 header rows)')
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise PipelineError(f"duplicated column name(s) {dup}", file=path, row=1, expected="unique column ids")
    invalid = []
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pcsv.read_csv(
            io.BytesIO(data),
            read_options=pcsv.ReadOptions(skip_rows=nh, column_names=names, block_size=1 << 24),
            convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in names}, strings_can_be_null=False,
                                                quoted_strings_can_be_null=False),
            parse_options=pcsv.ParseOptions(newlines_in_values=True,
                                            invalid_row_handler=lambda r: invalid.append(r) or "skip"),
        )
    except pa.ArrowInvalid as exc:
        if "utf" in str(exc).lower():
            _check_utf8(path, data)
        raise
    n = table.num_rows
    if n == 0 and not invalid:
        raise PipelineError("the file has header rows but no responses", file=path, row=nh + 1)
    # file line of each response: counted when no cell holds a line break, else read record by record
    newlines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    header_lines = sum(1 + sum(c.count("\n") for c in rec) for rec in records[:nh])
    bad_rows = []
    if not invalid and newlines == header_lines + n:
        lines = np.arange(header_lines + 1, header_lines + 1 + n)
    else:
        lines, bad_rows = _record_lines(data, nh)
        lines = np.asarray(lines)
        if len(lines) != n:  # the two readers disagree: trust the record-by-record one
            raise PipelineError("cannot read the rows of the file consistently (unbalanced quotes?)", file=path,
                                row=(bad_rows[0][0] if bad_rows else None), expected="a well-formed CSV export")
    cells = pl.from_arrow(table)
    cells.columns = header
    return RawTable(cells=cells, lines=lines, file=str(path), format="qualtrics", notes=notes, bad_rows=bad_rows)


def _stat_cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "strftime"):
        return pd.Timestamp(v).strftime(STAT_DATETIME)
    return str(v)


def read_stat(path: str | Path, codebook: Codebook, fmt: str) -> RawTable:
    """An SPSS .sav or Stata .dta export (pyreadstat), columns renamed to the codebook's ids."""
    import pyreadstat

    path = Path(path)
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    try:
        kw = {"user_missing": False} if fmt == "sav" else {}
        df, meta = reader(str(path), apply_value_formats=False, **kw)
    except Exception as exc:  # pyreadstat raises its own types
        raise PipelineError(f"cannot read the {FORMATS[fmt]} file ({exc})", file=path,
                            expected=f"a valid {FORMATS[fmt]} export") from None
    rename = {codebook.file_name(c, fmt): c["id"] for c in codebook.columns}
    df = df.rename(columns=rename)
    notes = []
    for var, labels in (meta.variable_value_labels or {}).items():
        cid = rename.get(var, var)
        col = codebook.by_id.get(cid)
        if col is None or col["type"] != "categorical":
            continue
        allowed = set(codebook.all_codes(col))
        # (a label of a Stata missing value .a-.z has a letter for its key: such cells are read as blank)
        extra = sorted(int(k) for k in labels
                       if isinstance(k, (int, float)) and float(k).is_integer() and int(k) not in allowed)
        if extra:
            notes.append(("value_labels", cid, f"value labels for code(s) {extra} are not in the codebook",
                          f"codes {sorted(allowed)}"))
    if df.empty:
        raise PipelineError("the file has no responses", file=path)
    cells = pl.DataFrame({c: [_stat_cell(v) for v in df[c].tolist()] for c in df.columns},
                         schema={c: pl.String for c in df.columns})
    raw = RawTable(cells=cells, lines=None, file=str(path), format=fmt)
    raw.label_notes = notes
    return raw


# --------------------------------------------------------------------------- cell checks
@dataclass
class Problem:
    kind: str
    message: str
    column: str | None = None
    rows: list = field(default_factory=list)        # the first rows (line numbers or case labels)
    count: int = 1
    values: list = field(default_factory=list)      # the first distinct offending values, with counts
    expected: str = ""
    fix: str = ""
    severity: str = "error"

    def line(self, file: str) -> str:
        where = [file]
        if self.rows:
            where.append(f"row {self.rows[0]}" if isinstance(self.rows[0], (int, np.integer)) else str(self.rows[0]))
        if self.column:
            where.append(f"column {self.column!r}")
        text = ", ".join(where) + f": {self.message}"
        if self.values:
            text += f"; got {self.values[0][0]!r}"
        if self.expected:
            text += f"; expected {self.expected}"
        return text


def _offending(raw: RawTable, mask: np.ndarray, values: pl.Series, limit: int = 5) -> tuple[list, list, int]:
    idx = np.flatnonzero(mask)
    rows = [raw.row(i) for i in idx[:limit]]
    vc = values.filter(pl.Series(mask)).value_counts(sort=True).head(limit)
    vals = [(r[0], int(r[1])) for r in vc.iter_rows()]
    return rows, vals, len(idx)


def _code_text(codes) -> str:
    return ", ".join(str(k) for k in sorted(codes))


def _not_a_code(raw, col, codebook, s, mask, choice_text) -> Problem:
    rows, vals, n = _offending(raw, mask, s)
    typ, cid = col["type"], col["id"]
    if typ != "categorical":
        return Problem("not_numeric", "value is not numeric", cid, rows, n, vals,
                       "a number" if typ == "number" else "a whole number",
                       "correct the cell or the column's type in the codebook")
    labels = codebook.labels(col)
    looks_text = all(v.casefold() in labels for v, _ in vals) or choice_text
    msg = ("value is not a code of the codebook" if choice_text else
           "value is an answer label, not a code" if looks_text else "value is not a whole-number code")
    fix = ("the export has answer labels (Qualtrics 'choice text'): export with 'Use numeric values', or set "
           "data.format: qualtrics_choice_text" if looks_text and not choice_text else
           f"recode the value or add it to the codes of {cid} in {codebook.path}")
    return Problem("not_numeric", msg, cid, rows, n, vals,
                   f"one of the codes {_code_text(codebook.all_codes(col))} or blank", fix)


def _numeric_values(raw, col, codebook, s, blank, choice_text, num=None) -> tuple[pl.Series, list[Problem]]:
    """Codes and numbers: not numeric, not whole, outside the codes or the range."""
    cid, typ = col["id"], col["type"]
    num = s.cast(pl.Float64, strict=False) if num is None else num
    if typ == "categorical" and choice_text:
        labels = codebook.labels(col)
        num = num.fill_null(s.str.to_lowercase().replace_strict({k.lower(): float(v) for k, v in labels.items()},
                                                                default=None, return_dtype=pl.Float64))
    numv = num.to_numpy().astype(float)
    problems = []
    not_num = np.isnan(numv) & ~blank
    if not_num.any():
        problems.append(_not_a_code(raw, col, codebook, s, not_num, choice_text))
    ok = ~np.isnan(numv)
    if typ != "number":
        frac = ok & (np.mod(np.where(ok, numv, 0.0), 1) != 0)
        if frac.any():
            rows, vals, n = _offending(raw, frac, s)
            problems.append(Problem("not_whole", "value is not a whole number", cid, rows, n, vals,
                                    "a whole-number code", "correct the cell"))
            ok &= ~frac
    if typ == "categorical":
        allowed = np.array(sorted(codebook.all_codes(col)), dtype=float)
        outside = ok & ~np.isin(numv, allowed)
        if outside.any():
            rows, vals, n = _offending(raw, outside, s)
            problems.append(Problem("code_outside", "value outside the codebook", cid, rows, n, vals,
                                    f"one of the codes {_code_text(allowed.astype(int))} or blank",
                                    f"add the code to {cid} in {codebook.path} (codes or missing), or recode it"))
    elif col.get("range"):
        lo, hi = col["range"]
        outside = ok & ((numv < lo) | (numv > hi)) & ~np.isin(numv, list(codebook.missing_codes(col)))
        if outside.any():
            rows, vals, n = _offending(raw, outside, s)
            problems.append(Problem("out_of_range", "value outside the codebook's range", cid, rows, n, vals,
                                    f"a value from {lo} to {hi} or blank", "correct the cell or the range"))
    return pl.Series(cid, np.where(ok, numv, np.nan)).fill_nan(None), problems


STAT_DATETIME = "%Y-%m-%d %H:%M:%S"  # how the .sav/.dta reader writes a typed date-time (_stat_cell)


def _datetime_values(raw, col, codebook, s, blank) -> tuple[pl.Series, list[Problem]]:
    # a .sav or .dta holds typed dates, which the reader writes in its own format; a CSV's follow the codebook
    fmt = STAT_DATETIME if raw.format in ("sav", "dta") else codebook.datetime_format
    dt = s.str.strptime(pl.Datetime, fmt, strict=False)
    bad = dt.is_null().to_numpy() & ~blank
    if not bad.any():
        return dt, []
    rows, vals, n = _offending(raw, bad, s)
    shown = fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%H", "hh").replace(
        "%M", "mm").replace("%S", "ss")
    return dt, [Problem("not_datetime", "value is not a date-time", col["id"], rows, n, vals, shown,
                        "export dates in the codebook's datetime_format")]


NUMERIC = ("categorical", "integer", "number")


def _stripped(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String).fill_null("").str.strip_chars()


def column_values(raw: RawTable, col: dict, codebook: Codebook, *, choice_text: bool, s: pl.Series | None = None,
                  num: pl.Series | None = None) -> tuple[pl.Series, list[Problem]]:
    """The typed values of one raw column, and every problem of its cells (``s``, ``num``: the column's
    stripped text and its numbers, when already computed for many columns at once)."""
    if s is None:
        s = raw.cells.select(_stripped(col["id"])).to_series()
    blank = (s == "").to_numpy()
    if col["type"] in NUMERIC:
        return _numeric_values(raw, col, codebook, s, blank, choice_text, num)
    if col["type"] == "datetime":
        return _datetime_values(raw, col, codebook, s, blank)
    return s.set(pl.Series(blank), None).alias(col["id"]), []


def looks_like_choice_text(raw: RawTable, codebook: Codebook) -> bool:
    """True when most non-blank cells of the categorical columns are answer labels rather than codes."""
    text = total = 0
    for col in codebook.columns:
        if col["type"] != "categorical" or col["id"] not in raw.cells.columns:
            continue
        s = raw.cells[col["id"]].head(20000).cast(pl.String).fill_null("").str.strip_chars()
        s = s.filter(s != "").head(2000)
        total += len(s)
        text += int(s.cast(pl.Float64, strict=False).is_null().sum())
    return total > 0 and text > total / 2


def check_cells(raw: RawTable, codebook: Codebook) -> tuple[dict[str, pl.Series], list[Problem]]:
    """Every problem of the export against the codebook, and the typed columns."""
    problems: list[Problem] = []
    for line, msg in raw.bad_rows:
        problems.append(Problem("broken_row", msg, None, [line], 1, [], "as many cells as the header has",
                                "re-export the file; a row was cut or holds an unquoted delimiter"))
    for kind, cid, msg, exp in getattr(raw, "label_notes", []):
        problems.append(Problem(kind, msg, cid, [], 1, [], exp, f"add the codes to {cid} in {codebook.path} or recode"))
    present = list(raw.cells.columns)
    missing = [c["id"] for c in codebook.columns if c.get("required", True) and c["id"] not in present]
    for cid in missing:
        problems.append(Problem("missing_column", "required column missing", cid, [1] if raw.lines is not None else [],
                                1, [], f"the column listed in {codebook.path}",
                                "export the column, rename it to the codebook's id (or sav_name / dta_name), or mark "
                                "it required: false"))
    extra = [c for c in present if c not in codebook.by_id]
    for cid in extra:
        problems.append(Problem("unexpected_column", "column not in the codebook (ignored)", cid, [], 1, [], "",
                                f"add it to {codebook.path} if the analysis needs it", severity="warning"))
    choice_text = raw.format == "qualtrics_choice_text"
    typed = {}
    cols = [c for c in codebook.columns if c["id"] in present]
    # text and numbers of every column at once (polars spreads the columns over the cores)
    text = raw.cells.select([_stripped(c["id"]) for c in cols])
    nums = text.select([pl.col(c["id"]).cast(pl.Float64, strict=False) for c in cols if c["type"] in NUMERIC])
    for col in cols:
        typed[col["id"]], probs = column_values(raw, col, codebook, choice_text=choice_text, s=text[col["id"]],
                                                num=nums[col["id"]] if col["type"] in NUMERIC else None)
        problems += probs
    key = codebook.key
    if key in typed:
        k = typed[key]
        # blank: an empty cell (a cell that is not a number in a numeric key column is reported as such, once)
        blank = (text[key] == "").to_numpy()
        unread = k.is_null().to_numpy()
        if blank.any():
            rows, _, n = _offending(raw, blank, text[key])
            problems.append(Problem("blank_key", "respondent key is blank", key, rows, n, [], "a unique, non-blank id",
                                    "every response needs its id"))
        dup = k.is_duplicated().to_numpy() & ~unread
        first = k.is_first_distinct().to_numpy()
        dup &= ~first
        if dup.any():  # (found on the typed values; shown as the file has them: 1042, not 1042.0)
            rows, vals, n = _offending(raw, dup, text[key])
            problems.append(Problem("duplicate_key", "respondent key is not unique", key, rows, n, vals,
                                    "a unique id per row", "remove the repeated rows or fix their ids"))
    return typed, problems


def first_error(problems: list[Problem]) -> Problem | None:
    errs = [p for p in problems if p.severity == "error"]
    return errs[0] if errs else None


# --------------------------------------------------------------------------- typing and recoding
def _int_array(s: pl.Series) -> pd.arrays.IntegerArray:
    v = s.cast(pl.Float64).to_numpy()
    miss = np.isnan(v)
    return pd.arrays.IntegerArray(np.where(miss, 0, v).astype(np.int64), miss)


def _float_array(s: pl.Series) -> pd.arrays.FloatingArray:
    v = s.cast(pl.Float64).to_numpy()
    miss = np.isnan(v)
    return pd.arrays.FloatingArray(np.where(miss, 0.0, v), miss)


def to_analysis(typed: dict[str, pl.Series], codebook: Codebook) -> pd.DataFrame:
    """Analysis variables: missing codes ("don't know", "refused") become NA, and every analysis column
    with missing codes gets a 0/1 column <var>__dk (1 = a missing code was given; NA = blank)."""
    out = {}
    for col in codebook.columns:
        if col["id"] not in typed:
            continue
        s = typed[col["id"]]
        var = col["var"]
        if col["type"] in ("categorical", "integer"):
            v = pd.Series(_int_array(s), copy=False)
        elif col["type"] == "number":
            v = pd.Series(_float_array(s), copy=False)
        elif col["type"] == "datetime":
            v = s.to_pandas()
        else:
            v = pd.Series(pd.arrays.ArrowStringArray(s.cast(pl.String).to_arrow().cast("large_string")), copy=False)
        miss = codebook.missing_codes(col)
        if miss:
            blank = v.isna().to_numpy()
            is_miss = np.isin(v.to_numpy(dtype=float, na_value=np.nan), list(miss))
            if col["role"] == "analysis":
                out[var + DK_SUFFIX] = pd.Series(pd.arrays.IntegerArray(is_miss.astype(np.int64), blank), copy=False)
            v = v.mask(is_miss)
        out[var] = v
    return pd.DataFrame(out)


def _lookup(src: pd.Series, mapping: dict) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the values of ``src`` among the keys of ``mapping`` (-1: not a key or missing)."""
    keys = pd.Index(list(mapping))
    idx = keys.get_indexer(src.to_numpy(dtype=object, na_value=None)) if src.dtype == object else \
        keys.get_indexer(pd.Series(src).astype("Float64").to_numpy(dtype=float, na_value=np.nan))
    return idx, idx < 0


def derive(frame: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Add the derived analysis variables defined in the codebook (to a shallow copy of ``frame``)."""
    frame = frame.copy(deep=False)
    for name, spec in codebook.derived.items():
        if "any" in spec:
            parts = frame[list(spec["any"])].astype("Int64")
            frame[name] = parts.max(axis=1).astype("Int64").where(parts.notna().all(axis=1) | (parts == 1).any(axis=1))
            continue
        src = frame[spec["from"]]
        if "map" in spec:
            mapping = {int(k): v for k, v in spec["map"].items()}
            values = list(mapping.values())
            idx, na = _lookup(src, mapping)
            numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            if numeric and all(isinstance(v, int) for v in values):
                arr = np.asarray(values, dtype=np.int64)[np.where(na, 0, idx)]
                frame[name] = pd.Series(pd.arrays.IntegerArray(arr, na), index=frame.index)
            elif numeric:
                arr = np.asarray(values, dtype=float)[np.where(na, 0, idx)]
                frame[name] = pd.Series(pd.arrays.FloatingArray(arr, na), index=frame.index)
            else:
                arr = np.asarray(values, dtype=object)[np.where(na, 0, idx)]
                arr[na] = None
                frame[name] = pd.Series(arr, index=frame.index).astype("string")
        else:
            cats = pd.cut(src.astype("Float64").to_numpy(dtype=float, na_value=np.nan), bins=spec["edges"],
                          labels=spec["labels"], right=False)
            frame[name] = pd.Series(cats, index=frame.index).astype("string")
    return frame


def check_recorded_checksum(path, sums_file, sha256: str) -> bool | None:
    """Warn when the raw file differs from the checksum recorded beside it (SHA256SUMS); None if none recorded."""
    sums = Path(sums_file)
    want = recorded_checksums(sums).get(Path(path).name)
    if want is None:
        return None
    if want != sha256:
        log.warning("WARNING: %s differs from the checksum recorded in %s (%s...); results will not match the "
                    "pinned outputs", path, sums, want[:12])
        return False
    return True


def blank_in_frame(frame: pd.DataFrame, variables) -> pd.DataFrame:
    """True where the raw cell was empty (not asked or skipped; a missing code is not blank), by variable,
    from the typed data: a variable with missing codes was blank where its ``__dk`` flag is NA, one
    without where it is NA (the data check admits no other value)."""
    out = {}
    for v in variables:
        if v + DK_SUFFIX in frame.columns:
            out[v] = frame[v + DK_SUFFIX].isna().to_numpy()
        elif v in frame.columns:
            out[v] = frame[v].isna().to_numpy()
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))  # one row per response, also with no variables


ROW_LINE, ROW_CASE = "_line", "_case"  # the raw row of each response in the checked export


def checked_export(frame: pd.DataFrame, raw: RawTable, codebook: Codebook) -> pd.DataFrame:
    """The checked, typed export as the cleaning stage reads it: free-text columns dropped, identifying
    columns replaced by integer codes (equal values, equal codes, in order of first appearance; NA stays NA),
    so that an exclusion rule can still find repeated panel members while no identifier is written; and
    the raw row of each response (file line of a CSV, case number of a .sav or .dta) for messages."""
    roles = {c["var"]: c["role"] for c in codebook.columns}
    out = {}
    for name in frame.columns:
        role = roles.get(name.removesuffix(DK_SUFFIX), "derived")
        if role == "free_text":
            continue
        if role == "identifying":
            codes, _ = pd.factorize(frame[name], use_na_sentinel=True)
            out[name] = pd.Series(pd.arrays.IntegerArray(codes.astype(np.int64), codes < 0), copy=False)
        else:
            out[name] = frame[name].reset_index(drop=True)
    if raw.lines is not None:
        out[ROW_LINE] = np.asarray(raw.lines, dtype=np.int64)
    else:
        out[ROW_CASE] = np.arange(1, len(frame) + 1, dtype=np.int64)
    return pd.DataFrame(out)


def row_labels(frame: pd.DataFrame) -> list:
    """The raw row of each response of a checked export, as messages name it (file line, or "case N"); for
    data without them (generated in memory), the position in the data ("case N")."""
    if ROW_LINE in frame.columns:
        return frame[ROW_LINE].tolist()
    if ROW_CASE in frame.columns:
        return [f"case {i}" for i in frame[ROW_CASE].tolist()]
    return [f"case {i + 1}" for i in range(len(frame))]


def check_answered(frame: pd.DataFrame, blank: pd.DataFrame, file: str, rows, grids: dict[str, list[str]],
                   key: str) -> None:
    """A respondent in the analytic sample who left every item of a grid blank (not "don't know") points
    at a broken export or a missing exclusion rule: stop and name them. ``frame`` and ``blank`` hold the
    analytic sample; ``rows`` their raw rows; ``grids``: name -> its item variables."""
    for name, items in grids.items():
        cols = [v for v in items if v in blank.columns]
        if not cols:
            continue
        all_blank = blank[cols].all(axis=1).to_numpy()
        if all_blank.any():
            i = int(np.flatnonzero(all_blank)[0])
            raise PipelineError(
                f"respondent {frame[key].iloc[i]} is in the analytic sample but left all {len(cols)} {name} items blank",
                file=file, row=rows[i],
                expected="at least one answer (or \"don't know\") per grid, or an exclusion rule that removes them")


def warning_lines(file, notes, problems) -> list[str]:
    """The console's warnings about an export that can be read: its notes (no byte-order mark, answer
    labels), the columns that the codebook does not know, and the analysis columns that nobody answered
    substantively or whose answers do not vary."""
    lines = [f"WARNING: {file}: {n}" for n in notes]
    lines += [f"WARNING: {file}: column {p.column!r} is not in the codebook and is ignored" for p in problems
              if p.severity == "warning" and p.kind == "unexpected_column"]
    for kind, what in ANSWER_WARNINGS.items():
        cols = [p.column for p in problems if p.severity == "warning" and p.kind == kind]
        if cols:
            lines.append(f"WARNING: {file}: {what}: {', '.join(repr(c) for c in cols)}")
    return lines


# the data check's warnings about answers, one console line each (scs.io.datacheck.answer_warnings)
ANSWER_WARNINGS = {"no_substantive_answer": "no substantive answer in any row (every cell blank or a missing code) in "
                                            "column(s)",
                   "no_variation": "one substantive answer in every row (a variable made from it cannot vary) in "
                                   "column(s)"}


def ingest(path: str | Path, codebook: Codebook, fmt: str = "auto") -> tuple[pd.DataFrame, RawTable]:
    """Read, check and type the raw export; stop on the first problem (``make check-data`` lists them all).
    Returns the analysis frame (identifiers still in it) and the raw table."""
    raw = read_raw(path, codebook, fmt)
    typed, problems = check_cells(raw, codebook)
    for line in warning_lines(raw.file, raw.notes, problems):
        log.warning(line)
    err = first_error(problems)
    if err is not None:
        raise PipelineError(err.message, file=raw.file,
                            row=err.rows[0] if err.rows else None, column=err.column,
                            got=err.values[0][0] if err.values else None, expected=err.expected or None)
    return derive(to_analysis(typed, codebook), codebook), raw
