"""A draft codebook written from what an export already says (``make codebook DATA=<file>``).

What each format gives:

* Qualtrics CSV (three header rows): the column ids, the question text (row 2) and the ImportIds (row 3),
  which name Qualtrics' own columns (start date, response id, IP address, ...) whatever they are called;
* any other CSV (one header row, or two: ids and question text): the column ids;
* SPSS ``.sav`` and Stata ``.dta``: variable labels (the question), value labels, and the missing values the
  file declares (SPSS user-missing values; Stata's labelled missing values .a-.z, which are read as blank).

From the cells themselves: the type of each column (whole-number codes, numbers, date-times, text), the codes
observed, their range, and a respondent key (the Qualtrics response id, else the first column with a distinct
value in every row).

What the export cannot say is guessed conservatively and marked ``# check`` in the draft: roles (numeric
answers ``analysis``, text answers ``free_text`` so that they are never written, Qualtrics' own columns
``metadata`` or ``identifying``), the analysis names (``var``, from the column id), which codes mean "no
substantive answer" (from a label such as "don't know", a declared missing value, or a code set apart
from the answer codes, such as 9 after 1-5). The derived variables are left to the user. The draft is a
valid codebook: :func:`scs.io.codebook.load_codebook` reads it and the data check holds the export to it.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from scs.errors import PipelineError
from scs.io import ingest
from scs.io.codebook import DEFAULT_DATETIME, Codebook

# Qualtrics' own columns, by ImportId (row 3 of a CSV export) and by the names its exports give them (the
# CSV's row 1 and the .sav's variable names): role, type, and the codes or range Qualtrics documents
QUALTRICS_STATUS = {0: "IP Address", 1: "Survey Preview", 2: "Survey Test", 4: "Imported", 8: "Spam",
                    9: "Preview Spam", 16: "Offline", 17: "Offline Preview"}
QUALTRICS_COLUMNS = {
    "startDate": ("StartDate", "metadata", "datetime", {}),
    "endDate": ("EndDate", "metadata", "datetime", {}),
    "status": ("Status", "metadata", "categorical", {"codes": QUALTRICS_STATUS}),
    "ipAddress": ("IPAddress", "identifying", "text", {}),
    "progress": ("Progress", "metadata", "integer", {"range": [0, 100]}),
    "duration": ("Duration (in seconds)", "metadata", "integer", {}),
    "finished": ("Finished", "metadata", "categorical", {"codes": {0: "false", 1: "true"}}),
    "recordedDate": ("RecordedDate", "metadata", "datetime", {}),
    "_recordId": ("ResponseId", "metadata", "text", {}),
    "recipientLastName": ("RecipientLastName", "identifying", "text", {}),
    "recipientFirstName": ("RecipientFirstName", "identifying", "text", {}),
    "recipientEmail": ("RecipientEmail", "identifying", "text", {}),
    "externalDataReference": ("ExternalReference", "identifying", "text", {}),
    "locationLatitude": ("LocationLatitude", "identifying", "number", {"range": [-90, 90]}),
    "locationLongitude": ("LocationLongitude", "identifying", "number", {"range": [-180, 180]}),
    "distributionChannel": ("DistributionChannel", "metadata", "text", {}),
    "userLanguage": ("UserLanguage", "metadata", "text", {}),
}
QUALTRICS_NAMES = {re.sub(r"[^A-Za-z0-9]", "", spec[0]).casefold(): iid for iid, spec in QUALTRICS_COLUMNS.items()}
KEY_IMPORT_ID = "_recordId"

# answer labels that say "no substantive answer" (English and Chinese, the languages a codebook holds)
NONSUBSTANTIVE = re.compile(
    r"don'?t know|do not know|not sure|refus|prefer not|no answer|not applicable|\bn/?a\b|missing|skipped|"
    r"不知道|不清楚|说不清|拒绝|不愿|不适用|无法回答", re.IGNORECASE)
# codes that surveys set apart for "don't know" and "refused" (9, 99, 98, 999, ..., and negative codes)
SENTINEL = re.compile(r"^(-\d+|9+|9+8|9+7)$")
DATETIME_FORMATS = (DEFAULT_DATETIME, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %H:%M",
                    "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_CODES = 20  # a whole-number column with at most this many distinct unlabeled values is drafted as codes


@dataclass
class DraftColumn:
    id: str
    var: str
    role: str
    type: str
    codes: dict | None = None
    missing: dict | None = None
    range: list | None = None
    question: str | None = None
    import_id: str | None = None
    check: dict = field(default_factory=dict)   # field -> what to check on that line ("# check: ...")

    @property
    def question_field(self) -> str:
        """``zh`` for question text in Chinese, else ``en`` (the codebook's question fields)."""
        return "zh" if self.question and CJK.search(self.question) else "en"


@dataclass
class Draft:
    file: str
    format: str                 # qualtrics (CSV with ImportIds), csv, sav, dta
    rows: int
    header_rows: int | None     # CSV only
    datetime_format: str
    key: str
    key_check: str
    columns: list[DraftColumn]
    notes: list[str] = field(default_factory=list)

    @property
    def format_name(self) -> str:
        if self.format == "qualtrics":
            return "Qualtrics CSV export"
        if self.format == "csv":
            return f"CSV file, {self.header_rows} header row(s)"
        return ingest.FORMATS[self.format]


# --------------------------------------------------------------------------- names and guesses
def snake(name: str) -> str:
    """An analysis name from a column id: ``ResponseId`` -> ``response_id``, ``Q5_2`` -> ``q5_2``."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name))
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_").lower()
    return s if s and not s[0].isdigit() else f"v_{s}"


def unique_names(ids: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for cid in ids:
        base = snake(cid)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}_{n + 1}")
    return out


def nonsubstantive(label) -> bool:
    return bool(NONSUBSTANTIVE.search(str(label)))


def set_apart(code: int, others: list[int]) -> bool:
    """A code such as 9 after 1-5, 99 after 1-8 or -1 before 1-5: a usual "no answer" code, apart from the
    answer codes (at least two of them) by a gap."""
    if len(others) < 2 or not SENTINEL.match(str(code)):
        return False
    return code > max(others) + 1 if code > 0 else code < min(others) - 1


def _code_text(codes) -> str:
    codes = sorted(codes)
    if len(codes) > 2 and codes == list(range(codes[0], codes[-1] + 1)):
        return f"{codes[0]}-{codes[-1]}"
    return ", ".join(str(c) for c in codes)


# --------------------------------------------------------------------------- reading the export
@dataclass
class _Source:
    """The export as text cells with what its format says about each column."""

    cells: pl.DataFrame
    format: str
    header_rows: int | None = None
    questions: dict = field(default_factory=dict)
    import_ids: dict = field(default_factory=dict)
    value_labels: dict = field(default_factory=dict)       # column -> {code: label}
    declared_missing: dict = field(default_factory=dict)   # column -> set of codes (SPSS user-missing)
    letter_missing: dict = field(default_factory=dict)     # column -> {letter: label} (Stata .a-.z)


def _layout(path, header_rows: int) -> Codebook:
    """What the CSV reader needs to know before a codebook exists: the number of header rows."""
    return Codebook(columns=[], derived={}, key="", header_rows=header_rows, path=str(path))


def _looks_like_text_row(cells: pl.DataFrame) -> bool:
    """True when the first data row is text over columns whose other cells are numbers (question text
    under the ids: an export with two header rows)."""
    if cells.height < 2:
        return False
    votes = total = 0
    for c in cells.columns:
        s = cells[c].cast(pl.String).fill_null("").str.strip_chars()
        rest = s.slice(1).filter(s.slice(1) != "")
        if rest.len() == 0 or rest.cast(pl.Float64, strict=False).null_count() > 0:
            continue
        total += 1
        votes += s.slice(0, 1).filter(s.slice(0, 1) != "").cast(pl.Float64, strict=False).null_count()
    return total > 0 and votes > total / 2


def read_csv(path, header_rows: int | None = None) -> _Source:
    path = Path(path)
    data, _ = ingest._decode(path)
    records = ingest._header_records(data, 3)
    if header_rows is None:
        qualtrics = len(records) >= 3 and records[2] and records[2][0].lstrip().startswith("{")
        header_rows = 3 if qualtrics else 1
        if not qualtrics and _looks_like_text_row(ingest.read_qualtrics_csv(path, _layout(path, 1)).cells):
            header_rows = 2
    raw = ingest.read_qualtrics_csv(path, _layout(path, header_rows))
    header = records[0]
    src = _Source(cells=raw.cells, format="qualtrics" if header_rows >= 3 else "csv", header_rows=header_rows)
    if header_rows >= 2:
        src.questions = {c: q.strip() for c, q in zip(header, records[1]) if q.strip() and q.strip() != c}
    if header_rows >= 3:
        for c, cell in zip(header, records[2]):
            with contextlib.suppress(ValueError, AttributeError):  # (a cell that is not ImportId JSON)
                src.import_ids[c] = str(json.loads(cell).get("ImportId"))
    return src


def read_stat(path, fmt: str) -> _Source:
    """A .sav (user-missing values kept as their codes, to be listed) or a .dta, as the pipeline's text cells."""
    import pyreadstat

    try:
        if fmt == "sav":
            df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
        else:
            df, meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own types
        raise PipelineError(f"cannot read the {ingest.FORMATS[fmt]} file ({exc})", file=path,
                            expected=f"a valid {ingest.FORMATS[fmt]} export") from None
    if df.empty:
        raise PipelineError("the file has no responses", file=path)
    cells = pl.DataFrame({c: [ingest._stat_cell(v) for v in df[c].tolist()] for c in df.columns},
                         schema={c: pl.String for c in df.columns})
    src = _Source(cells=cells, format=fmt)
    src.questions = {c: str(q).strip() for c, q in (meta.column_names_to_labels or {}).items() if q and str(q).strip()}
    for c, labels in (meta.variable_value_labels or {}).items():
        for k, v in labels.items():
            if isinstance(k, (int, float)) and float(k).is_integer():
                src.value_labels.setdefault(c, {})[int(k)] = str(v)
            else:  # a Stata missing value .a-.z
                src.letter_missing.setdefault(c, {})[str(k)] = str(v)
    for c, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        for r in ranges:
            lo, hi = r["lo"], r["hi"]
            if isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
                codes = {int(x) for x in pd_codes(df[c]) if lo <= x <= hi}
                codes |= {k for k in src.value_labels.get(c, {}) if lo <= k <= hi}
                if lo == hi and float(lo).is_integer():
                    codes.add(int(lo))
                src.declared_missing.setdefault(c, set()).update(codes)
    return src


def pd_codes(col) -> list[float]:
    """The distinct whole numbers of a pandas column (anything else ignored)."""
    out = []
    for v in col.dropna().unique().tolist():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and float(v).is_integer():
            out.append(float(v))
    return out


# --------------------------------------------------------------------------- one column
def _system(cid: str, src: _Source) -> tuple | None:
    iid = src.import_ids.get(cid)
    if iid in QUALTRICS_COLUMNS:
        return iid, QUALTRICS_COLUMNS[iid]
    name = QUALTRICS_NAMES.get(re.sub(r"[^A-Za-z0-9]", "", cid).casefold())
    if name is not None and not (src.import_ids and iid):  # a CSV without ImportIds, a .sav or a .dta
        return name, QUALTRICS_COLUMNS[name]
    return None


def _datetime_format(s: pl.Series) -> str | None:
    for fmt in DATETIME_FORMATS:
        if s.str.strptime(pl.Datetime, fmt, strict=False).null_count() == 0:
            return fmt
    return None


def _whole_number_column(col: DraftColumn, values: np.ndarray, src: _Source, max_codes: int) -> None:
    """Codes, missing codes and type of a column of whole numbers."""
    cid = col.id
    observed = sorted({int(v) for v in values})
    labels = src.value_labels.get(cid, {})
    declared = src.declared_missing.get(cid, set())
    missing, why = {}, []
    for code, label in labels.items():
        if code in declared or nonsubstantive(label):
            missing[code] = label
    if declared:
        missing.update({c: labels.get(c, str(c)) for c in declared if c not in missing})
        why.append(f"declared missing in the {ingest.FORMATS[src.format]}" + (
            " (the pipeline reads these cells as blank)" if src.format == "sav" else ""))
    if any(nonsubstantive(v) for v in missing.values()):
        why.append("labeled as no substantive answer")
    answers = sorted((set(observed) | set(labels)) - set(missing))
    if not labels:
        apart = [c for c in answers if set_apart(c, [o for o in answers if o != c])]
        if apart:
            missing.update({c: str(c) for c in apart})
            answers = [c for c in answers if c not in apart]
            why.append(f"{_code_text(apart)} set apart from the answer codes {_code_text(answers)}")
    if missing:
        col.missing = dict(sorted(missing.items()))
        col.check["missing"] = "guessed: " + "; ".join(why)
    substantive = [c for c in observed if c not in missing]
    labelled = {c for c in labels if c not in missing}
    if (labelled and set(substantive) <= labelled) or (answers and len(answers) <= max_codes):
        col.type = "categorical"
        col.codes = {c: labels.get(c, str(c)) for c in answers}
        bare = [c for c in answers if c not in labels]
        if bare:
            col.check["codes"] = (f"code(s) {_code_text(bare)} have no label in the export: write them" if labels else
                                  "the codes observed; the export has no labels: write them")
        return
    col.type = "integer"
    if substantive:
        col.range = [min(substantive), max(substantive)]
        col.check["range"] = f"the range observed ({len(set(substantive))} distinct values)"


def draft_column(cid: str, var: str, s: pl.Series, src: _Source, *, max_codes: int = MAX_CODES) -> DraftColumn:
    """One column of the draft from its stripped text cells ``s``."""
    col = DraftColumn(id=cid, var=var, role="analysis", type="text", question=src.questions.get(cid),
                      import_id=src.import_ids.get(cid))
    filled = s.filter(s != "")
    nums = filled.cast(pl.Float64, strict=False)
    numeric = filled.len() > 0 and nums.null_count() == 0
    values = nums.to_numpy() if numeric else np.array([])
    whole = numeric and bool(np.all(np.mod(values, 1) == 0))
    system = _system(cid, src)
    if system is not None:
        iid, (_, role, typ, extra) = system
        fits = ((typ in ("categorical", "integer") and (whole or not filled.len())) or
                (typ == "number" and (numeric or not filled.len())) or typ == "text" or
                (typ == "datetime" and filled.len() and _datetime_format(filled) is not None))
        if fits:
            col.role, col.type = role, typ
            col.check["role"] = "Qualtrics' own column" + (": kept out of every output" if role == "identifying"
                                                            else "")
            if typ == "categorical":
                codes = dict(extra["codes"])
                codes.update({int(v): str(int(v)) for v in values if int(v) not in codes})
                col.codes = codes
            elif typ in ("integer", "number"):
                lo, hi = extra.get("range", [0, 0])
                if len(values):
                    lo, hi = min(lo, values.min()), max(hi, values.max())
                col.range = [int(v) if float(v).is_integer() else float(v) for v in (lo, hi)]
            elif typ == "datetime":
                col.check["type"] = _datetime_format(filled)  # (the file's format: datetime_format)
            return col
    if not filled.len():
        labels = src.value_labels.get(cid)
        if labels:  # nobody answered, but the file labels the codes
            _whole_number_column(col, np.array([], dtype=float), src, max_codes)
            col.check["role"] = "guessed (every cell is blank)"
            return col
        col.role = "free_text"
        col.check["role"] = "every cell is blank: guessed as free text, which is never written"
        return col
    if whole:
        _whole_number_column(col, values, src, max_codes)
        col.check["role"] = "guessed from the answers (numbers)"
    elif numeric:
        col.type = "number"
        col.range = [float(values.min()), float(values.max())]
        col.check["range"] = "the range observed"
        col.check["role"] = "guessed from the answers (numbers)"
    else:
        fmt = _datetime_format(filled)
        if fmt is not None:
            col.type, col.role = "datetime", "metadata"
            col.check["role"] = "guessed (dates)"
            col.check["type"] = fmt  # (the file's format: datetime_format)
        elif col.import_id and not col.import_id.startswith("QID"):
            col.role = "identifying"
            col.check["role"] = "text from embedded data: kept out of every output (as codes for a duplicate rule)"
        else:
            col.role = "free_text"
            col.check["role"] = "text answers: never written; identifying if an exclusion rule compares them"
    letters = src.letter_missing.get(cid)
    if letters:
        col.check["codes"] = ((col.check.get("codes", "") + "; ") if col.check.get("codes") else "") + (
            "Stata missing value(s) " + ", ".join(f".{k} ({v})" for k, v in sorted(letters.items()))
            + ": read as blank cells")
    return col


def _key(columns: list[DraftColumn], cells: pl.DataFrame) -> tuple[str, str]:
    for c in columns:
        if c.import_id == KEY_IMPORT_ID or (not c.import_id and snake(c.id) == "response_id"):
            return c.id, "the Qualtrics response id"
    n = cells.height
    for c in columns:
        s = cells[c.id].cast(pl.String).fill_null("").str.strip_chars()
        if (s != "").all() and s.n_unique() == n:
            return c.id, "guessed: the first column with a distinct value in every row"
    return columns[0].id, "no column has a distinct value in every row: name the respondent key"


def draft_codebook(path, *, header_rows: int | None = None, max_codes: int = MAX_CODES) -> Draft:
    """The draft codebook of an export (Qualtrics CSV or another CSV, SPSS .sav, Stata .dta; detected from the
    content). ``header_rows``: the CSV's header rows when not detected (3 with ImportIds, else 1, or 2 when the
    second row is text over numeric columns); ``max_codes``: the most distinct values of an unlabeled
    whole-number column drafted as codes (more: an integer with its range)."""
    fmt = ingest.detect_format(path)
    src = read_stat(path, fmt) if fmt in ("sav", "dta") else read_csv(path, header_rows)
    ids = list(src.cells.columns)
    dup = sorted({c for c in ids if ids.count(c) > 1})
    if dup:
        raise PipelineError(f"duplicated column name(s) {dup}", file=path, row=1, expected="unique column ids")
    text = src.cells.select([pl.col(c).cast(pl.String).fill_null("").str.strip_chars() for c in ids])
    columns = [draft_column(cid, var, text[cid], src, max_codes=max_codes) for cid, var in zip(ids, unique_names(ids))]
    key, key_check = _key(columns, text)
    for c in columns:
        if c.id == key and c.role != "metadata":
            c.role = "metadata"
            c.check["role"] = "the respondent key, kept in every output"
    # one date-time format for the file: the most common; columns in another stay text
    fmts = [c.check.pop("type") for c in columns if c.type == "datetime" and "type" in c.check]
    dt_format = max(set(fmts), key=fmts.count) if fmts else DEFAULT_DATETIME
    if src.format in ("sav", "dta"):
        dt_format = DEFAULT_DATETIME  # (how the pipeline writes the file's date-times as text)
    notes = []
    for c in columns:
        filled = text[c.id].filter(text[c.id] != "")
        if c.type == "datetime" and filled.str.strptime(pl.Datetime, dt_format, strict=False).null_count():
            c.type, c.role = "text", "metadata"
            c.check["role"] = f"dates in another format than {dt_format}: kept as text"
    if src.format == "qualtrics" and sum(c.role == "free_text" for c in columns) > len(columns) / 2:
        notes.append("most columns hold text: a Qualtrics 'choice text' export? A 'numeric values' export gives the "
                     "codes")
    return Draft(file=str(path), format=src.format, rows=src.cells.height, header_rows=src.header_rows,
                 datetime_format=dt_format, key=key, key_check=key_check, columns=columns, notes=notes)


# --------------------------------------------------------------------------- the YAML text
def _flow(value) -> str:
    """A YAML scalar or flow mapping on one line."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=math.inf, sort_keys=False)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _line(key: str, value, check: str | None = None) -> str:
    out = f"    {key}: {_flow(value)}"
    return f"{out}  # check: {check}" if check else out


HEADER = """\
# DRAFT codebook of {file}
# ({format}; {rows:,} responses, {ncol} columns), written by `make codebook` from what the export says.
#
# Check every line marked "# check", then point data.codebook of your configuration at this file and run
# `make CONFIG=<your config> check-data`: the data check holds the export to it. Each field is described at
# the top of data/codebook.yaml and in docs/configuration.md. What the export cannot say:
#   role     guessed: numbers "analysis", text "free_text" (never written), Qualtrics' own columns "metadata"
#            or "identifying", the key "metadata". Set "screener" and "attention" where an exclusion rule reads
#            the column, "identifying" for an id that an exclusion rule compares.
#   var      made from the column id: rename to the analysis names your configuration uses.
#   codes    a code the export does not label is labeled with itself: write its label.
#   missing  codes that mean "no substantive answer" (they become missing, flagged in <var>__dk): guessed.
#   derived  the analysis variables of the weighting and the models (groups, indicators, ...): add them.
"""


# the footer of a draft: the kinds of derived variable that the codebook accepts (scs.io.codebook, scs.io.ingest.derive)
DERIVED_KINDS = [
    "# Analysis variables made from the columns above (the weighting's groups, the models' indicators, ...),",
    "# one of three kinds each; <var> is an analysis name (a column's var above, or another derived variable):",
    "#   map:    {from: <var>, map: {<code>: <value>, ...}}   recodes; a code not listed becomes missing",
    "#           e.g. sex: {from: <var>, map: {1: male, 2: female}}",
    "#   edges:  {from: <var>, edges: [e0, e1, ..., en], labels: [l1, ..., ln]}   groups a number into right-open",
    "#           intervals [e0, e1), [e1, e2), ...; labels: one per interval; a value below e0, or en or above, is",
    "#           missing; e.g. age_band: {from: <var>, edges: [18, 30, 60, 200], labels: [\"18-29\", \"30-59\", \"60+\"]}",
    "#   any:    {any: [<var>, ...]}   1 when any of the 0/1 variables is 1, 0 when all are 0, else missing",
]


def render(draft: Draft) -> str:
    """The draft as the text of a codebook file, with its comments."""
    lines = HEADER.format(file=draft.file, format=draft.format_name, rows=draft.rows,
                          ncol=len(draft.columns)).splitlines()
    lines += [f"# NOTE: {n}" for n in draft.notes]
    lines += ["", f"source: {_flow('draft from ' + Path(draft.file).name)}"]
    if draft.header_rows is not None:
        lines.append(f"header_rows: {draft.header_rows}")
    key_line = f"key: {_flow(draft.key)}"
    lines.append(key_line + (f"  # check: {draft.key_check}" if not draft.key_check.startswith("the Qualtrics")
                             else ""))
    lines += [f"datetime_format: {_flow(draft.datetime_format)}", "", "columns:"]
    for c in draft.columns:
        lines.append(f"  - id: {_flow(c.id)}")
        lines.append(_line("var", c.var))
        lines.append(_line("role", c.role, c.check.get("role")))
        lines.append(_line("type", c.type, c.check.get("type")))
        if c.codes:
            lines.append(_line("codes", c.codes, c.check.get("codes")))
        elif c.check.get("codes"):
            lines.append(f"    # check: {c.check['codes']}")
        if c.missing:
            lines.append(_line("missing", c.missing, c.check.get("missing")))
        if c.range:
            lines.append(_line("range", c.range, c.check.get("range")))
        if c.question:
            lines.append(_line(c.question_field, c.question))
        if c.import_id:
            lines.append(_line("import_id", c.import_id))
    lines += ["", *DERIVED_KINDS, "derived: {}", ""]
    return "\n".join(lines)


def write_draft(data, out, *, force: bool = False, header_rows: int | None = None) -> Draft:
    """Write the draft codebook of ``data`` to ``out``; an existing file is kept unless ``force``."""
    out = Path(out)
    if out.exists() and not force:
        raise PipelineError("a codebook exists already and is kept", file=out,
                            expected="another output file (OUT=...), or FORCE=1 to overwrite it")
    draft = draft_codebook(data, header_rows=header_rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(draft), encoding="utf-8", newline="\n")
    return draft


def default_output(data) -> Path:
    """Where ``make codebook`` writes the draft: codebook.yaml beside the export."""
    return Path(data).parent / "codebook.yaml"


def summary(draft: Draft, out) -> list[str]:
    """What was written and what the user does next (the tool prints it)."""
    roles: dict[str, int] = {}
    for c in draft.columns:
        roles[c.role] = roles.get(c.role, 0) + 1
    checks = sum(len(c.check) for c in draft.columns) + (0 if draft.key_check.startswith("the Qualtrics") else 1)
    missing = [c.id for c in draft.columns if c.missing]
    return [f"wrote {out}: a draft codebook of {draft.file} ({draft.format_name}; {draft.rows:,} responses)",
            f"  {len(draft.columns)} columns: " + ", ".join(f"{n} {r}" for r, n in sorted(roles.items())),
            f"  key: {draft.key}; missing codes guessed in {len(missing)} column(s); {checks} line(s) marked '# check'",
            *[f"  NOTE: {n}" for n in draft.notes],
            "next: check the lines marked '# check'; set data.codebook in your configuration to this file and run "
            "`make CONFIG=<your config> check-data`; before the full build add the derived variables and use the "
            "analysis names (var) your configuration's rules, scales, weighting and models name"]
