"""Reading the export through the codebook: every format gives the same data, the data check reports
every problem at once, and bad input gives one clear line."""

import csv
import io
import json

import pandas as pd
import polars as pl
import pytest
from conftest import RAW_CSV, RAW_SAV, ROOT

from scs.errors import PipelineError
from scs.io import datacheck, ingest
from scs.io.codebook import load_codebook
from scs.settings import from_config
from scs.stages import clean
from scs.synth import export


def shipped_text():
    return RAW_CSV.read_bytes().decode("utf-8-sig")


def shipped_cells(codebook) -> pd.DataFrame:
    raw = ingest.read_qualtrics_csv(RAW_CSV, codebook)
    return raw.cells.to_pandas()


def cleaned(path, codebook, cfg, fmt="auto"):
    frame, raw = ingest.ingest(path, codebook, fmt)
    out, flow, _ = clean.clean(frame, codebook, from_config(cfg))
    return out, raw.format, flow


@pytest.fixture(scope="module")
def reference(codebook, cfg):
    return cleaned(RAW_CSV, codebook, cfg)


def test_export_has_qualtrics_layout():
    data = RAW_CSV.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    header = lines[0].split(",")
    for meta in ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
                 "RecordedDate", "ResponseId", "LocationLatitude", "LocationLongitude", "UserLanguage"]:
        assert meta in header
    assert lines[2].startswith('"{""ImportId"":""startDate""')


@pytest.mark.parametrize("form", ["sav", "dta", "choice_text_en", "choice_text_zh"])
def test_every_export_form_gives_identical_cleaned_data(form, reference, codebook, cfg, tmp_path):
    cells = shipped_cells(codebook)
    if form == "sav":
        path = RAW_SAV
    elif form == "dta":
        path = tmp_path / "export.dta"
        export.write_dta(cells, codebook, path)
    else:
        path = tmp_path / "choice.csv"
        lang = form.rsplit("_", 1)[1]
        export.write_qualtrics_csv(export.choice_text(cells, codebook, lang), codebook, path, lang=lang)
    got, fmt, flow = cleaned(path, codebook, cfg)
    expected_fmt = {"sav": "sav", "dta": "dta"}.get(form, "qualtrics_choice_text")
    assert fmt == expected_fmt
    pd.testing.assert_frame_equal(got, reference[0])
    pd.testing.assert_frame_equal(flow, reference[2])


def test_a_choice_text_export_read_as_numeric_names_the_export_option(codebook, tmp_path):
    path = tmp_path / "choice.csv"
    export.write_qualtrics_csv(export.choice_text(shipped_cells(codebook), codebook, "en"), codebook, path, lang="en")
    with pytest.raises(PipelineError, match=r"value is an answer label, not a code") as exc:
        ingest.ingest(path, codebook, "qualtrics")
    problems, _ = datacheck.check_raw(path, codebook, "qualtrics")
    assert "Use numeric values" in problems[-1].fix or any("Use numeric values" in p.fix for p in problems)
    assert "\n" not in str(exc.value)


def test_analysis_variables_are_typed_recoded_and_flag_dont_know(shipped_frame):
    f = shipped_frame
    assert set(f["sex"].dropna()) == {"male", "female"}
    assert set(f["region"].dropna()) == {"East", "Central", "West", "Northeast"}
    assert str(f["s_jobs"].dtype) == "Int64"
    assert set(f["s_jobs"].dropna().unique()) <= {1, 2, 3, 4, 5}
    dk = f["s_protest__dk"]
    assert (dk == 1).sum() > 0 and f.loc[dk == 1, "s_protest"].isna().all()
    assert f.loc[f["s_protest"].notna(), "s_protest__dk"].eq(0).all()
    assert f["income_bracket__dk"].sum() > 0  # refusals: a missing code, flagged


def inject_problems(text: str) -> tuple[str, int]:
    """25 problems in one export: bad codes, text in numbers, bad dates, a blank and a duplicate key,
    out-of-range values, a missing column, a broken row."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    h = rows[0]
    n = 0

    def put(r, col, v):
        nonlocal n
        rows[3 + r][h.index(col)] = v
        n += 1

    for r, col in enumerate(["Q17_1", "Q17_2", "Q17_3", "Q18_1", "Q18_2", "Q13_1", "Q14_1", "Q4"], 1):
        put(r, col, "7")                          # 8 codes outside the codebook, in 8 columns
    for r, col in enumerate(["Q2", "Progress", "Duration (in seconds)"], 20):
        put(r, col, "many")                       # 3 not numeric
    for r in (30, 31):
        put(r, "StartDate", "01/02/2020 10:00")   # 1 problem (two cells of one column)
    put(40, "Q12", "4.5")                          # not a whole number
    put(41, "Q2", "130")                           # out of the codebook's range
    put(42, "ResponseId", "")                      # blank key
    put(43, "ResponseId", rows[3][h.index("ResponseId")])  # duplicate key
    put(50, "Q6", "banana")                        # not numeric (categorical)
    put(51, "Q9", "12")                            # outside the codebook
    put(52, "Q10", "3")
    put(53, "Q11", "-1")
    put(54, "Q15", "0")
    put(55, "Q3", "4")
    put(56, "Q8", "5")
    problems = n - 1                               # the two dates are one problem
    h[h.index("Q18_7")] = "Q18_7_renamed"          # a missing column (and an unexpected one: a warning)
    problems += 1
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    broken = buf.getvalue().split("\r\n")
    broken[70] = ",".join(broken[70].split(",")[:20])  # a truncated row
    problems += 1
    return "\r\n".join(broken), problems


def test_the_data_check_reports_every_injected_problem_at_once(codebook, tmp_path):
    text, expected = inject_problems(shipped_text())
    assert expected == 25
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    problems, facts = datacheck.check_raw(path, codebook)
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 25, [p.line(str(path)) for p in errors]
    kinds = {p.kind for p in errors}
    assert kinds == {"code_outside", "not_numeric", "not_datetime", "not_whole", "out_of_range", "blank_key",
                     "duplicate_key", "missing_column", "broken_row"}
    dates = next(p for p in errors if p.kind == "not_datetime")
    assert dates.count == 2 and dates.rows == [34, 35]
    assert any(p.kind == "unexpected_column" and p.column == "Q18_7_renamed" for p in problems)
    md, csv_path = tmp_path / "p.md", tmp_path / "p.csv"
    table, text, line = datacheck.report(problems, facts, md=str(md), file=str(path), codebook=codebook,
                                         label="x", source="synthetic")
    table.to_csv(csv_path, index=False)
    md.write_text(text)
    assert line.startswith("data check: 25 error(s) in 23 column(s), which stop the build")
    table = pd.read_csv(csv_path)
    assert (table.severity == "error").sum() == 25
    assert "| 25 |" in md.read_text()
    with pytest.raises(PipelineError, match=r"25 error\(s\) in 23 column\(s\) in all, listed in"):
        datacheck.stop_on_problems(str(csv_path), report=str(md), raw_file=str(path))


def test_first_values_and_rows_of_a_problem_are_reported(codebook, tmp_path):
    rows = list(csv.reader(io.StringIO(shipped_text(), newline="")))
    j = rows[0].index("Q17_2")
    for r in (5, 6, 9):
        rows[3 + r][j] = "7"
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    problems, _ = datacheck.check_raw(path, codebook)
    p = next(p for p in problems if p.severity == "error")
    assert (p.kind, p.column, p.count, p.rows, p.values) == ("code_outside", "Q17_2", 3, [9, 10, 13], [("7", 3)])
    assert p.line(str(path)) == (f"{path}, row 9, column 'Q17_2': value outside the codebook; got '7'; expected one of "
                                 "the codes 1, 2, 3, 4, 5, 9 or blank")


@pytest.mark.parametrize("case, make, pattern", [
    ("empty", lambda t: "", r"file is empty"),
    ("headers only", lambda t: "\r\n".join(t.split("\r\n")[:3]) + "\r\n", r"header rows but no responses"),
    ("wrong delimiter", lambda t: t.replace(",", ";"), r"another delimiter"),
    ("missing column", lambda t: t.replace("Q17_3", "Q17_3x", 1), r"column 'Q17_3': required column missing"),
    ("duplicated column names", lambda t: t.replace("Q17_3", "Q17_2", 1), r"duplicated column name"),
    ("no ImportId row", lambda t: "\r\n".join(l for i, l in enumerate(t.split("\r\n")) if i != 2),
     r"row 3 is not the ImportId row"),
])
def test_bad_csv_input_gives_one_clear_line(tmp_path, codebook, case, make, pattern):
    p = tmp_path / "raw.csv"
    p.write_bytes(make(shipped_text()).encode("utf-8-sig"))
    with pytest.raises(PipelineError, match=pattern) as exc:
        ingest.ingest(p, codebook)
    msg = str(exc.value)
    assert "\n" not in msg and str(p) in msg


def test_gbk_file_is_refused_with_its_line(tmp_path, codebook):
    p = tmp_path / "gbk.csv"
    p.write_bytes(shipped_text().encode("gbk", errors="replace"))
    with pytest.raises(PipelineError, match=r"row 2: file is not UTF-8 text"):
        ingest.ingest(p, codebook)


@pytest.mark.parametrize("make,message", [
    (lambda text: b"PK\x03\x04" + b"\x00" * 200, r"file is an Excel workbook \(.xlsx, a zip archive\), not a CSV"),
    (lambda text: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, r"file is an Excel 97-2003 workbook"),
    (lambda text: text.replace(",", "\t").encode("utf-16"), r"file is UTF-16 text .*Export to TSV"),
    (lambda text: text.encode("utf-16-le"), r"file is UTF-16 text"),  # (no byte-order mark)
])
def test_a_workbook_or_utf16_export_named_csv_is_told_what_it_is(tmp_path, codebook, make, message):
    p = tmp_path / "raw.csv"
    p.write_bytes(make(shipped_text()))
    with pytest.raises(PipelineError, match=message) as exc:
        ingest.ingest(p, codebook)
    assert "GBK" not in str(exc.value) and "CSV UTF-8" in str(exc.value)


def test_missing_bom_and_extra_columns_are_warnings(tmp_path, codebook, caplog):
    text = "\r\n".join(l + (",extra" if l else "") for l in shipped_text().split("\r\n"))
    p = tmp_path / "raw.csv"
    p.write_bytes(text.encode("utf-8"))
    with caplog.at_level("WARNING"):
        frame, raw = ingest.ingest(p, codebook)
    assert len(frame) > 1173 and "extra" not in frame.columns
    assert any("byte-order mark" in n for n in raw.notes)
    assert any("not in the codebook" in r.message for r in caplog.records)


def test_free_text_with_line_breaks_keeps_the_row_numbers(tmp_path, codebook):
    rows = list(csv.reader(io.StringIO(shipped_text(), newline="")))
    h = rows[0]
    rows[3 + 2][h.index("Q19")] = "line one\nline two"
    rows[3 + 6][h.index("Q17_2")] = "7"
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    p = tmp_path / "nl.csv"
    p.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    with pytest.raises(PipelineError, match=r"row 11, column 'Q17_2'"):
        ingest.ingest(p, codebook)


def test_sav_with_unexpected_value_labels_is_refused(tmp_path, codebook):
    import pyreadstat

    df, meta = pyreadstat.read_sav(str(RAW_SAV), apply_value_formats=False)
    labels = dict(meta.variable_value_labels)
    labels["Q17_1"] = {**labels["Q17_1"], 7.0: "extra code"}
    p = tmp_path / "bad.sav"
    pyreadstat.write_sav(df, str(p), variable_value_labels=labels)
    with pytest.raises(PipelineError, match=r"column 'Q17_1': value labels for code\(s\) \[7\]"):
        ingest.ingest(p, codebook)


def test_codebook_with_non_integer_codes_is_refused(tmp_path):
    p = tmp_path / "cb.yaml"
    p.write_text("key: Q1\ncolumns:\n  - {id: Q1, var: q1, role: analysis, type: categorical, codes: {yes: 1}}\n")
    with pytest.raises(PipelineError, match="whole-number codes"):
        load_codebook(p)


def test_a_wrong_explicit_format_is_named(codebook):
    with pytest.raises(PipelineError, match=r"data.format is 'sav' but the file is a Qualtrics CSV"):
        ingest.ingest(RAW_CSV, codebook, "sav")


def test_typed_values_survive_polars_round_trip(codebook):
    raw = ingest.read_qualtrics_csv(RAW_CSV, codebook)
    typed, problems = ingest.check_cells(raw, codebook)
    assert not [p for p in problems if p.severity == "error"]
    assert typed["Q2"].dtype == pl.Float64 and typed["StartDate"].dtype == pl.Datetime
    assert json.dumps(sorted(typed))  # every column typed


def test_blank_cells_of_no_variables_still_have_a_row_per_response():
    """With no grid to check (no straight-lining rule), the cleaning stage asks for the blanks of no
    variable: one (empty) row per response, so that it can select the kept ones."""
    from scs.io import ingest

    frame = pd.DataFrame({"id": [1, 2, 3], "x": [1.0, None, 2.0]})
    blank = ingest.blank_in_frame(frame, [])
    assert blank.shape == (3, 0) and len(blank.iloc[[0, 2]]) == 2
    assert ingest.blank_in_frame(frame, ["x"])["x"].tolist() == [False, True, False]


def test_typed_dates_of_a_sav_need_no_codebook_format(tmp_path):
    """A .sav or .dta holds typed dates: they are read whatever the codebook's datetime_format says (that is for
    the dates of a CSV), so one codebook serves the CSV and the SPSS/Stata files of one survey."""
    import yaml

    raw = yaml.safe_load((ROOT / "data" / "codebook.yaml").read_text(encoding="utf-8"))
    raw["datetime_format"] = "%Y-%m-%dT%H:%M:%SZ"
    (tmp_path / "codebook.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    codebook = load_codebook(tmp_path / "codebook.yaml")
    frame, _ = ingest.ingest(RAW_SAV, codebook)
    assert frame["start_date"].notna().all()


def test_the_data_check_warns_of_a_column_nobody_answered_and_one_that_does_not_vary(codebook, tmp_path):
    rows = list(csv.reader(io.StringIO(shipped_text(), newline="")))
    h = rows[0]
    for r in rows[3:]:
        if r[h.index("Q17_3")]:
            r[h.index("Q17_3")] = "9"  # "don't know" throughout
        if r[h.index("Q10")]:
            r[h.index("Q10")] = "2"    # nobody a party member
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    p = tmp_path / "raw.csv"
    p.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    problems, facts, frame, raw = datacheck.check_and_type(p, codebook)
    assert frame is not None  # warnings only: the data can be read
    warned = {(x.kind, x.column): x for x in problems if x.severity == "warning"}
    assert set(warned) == {("no_substantive_answer", "Q17_3"), ("no_variation", "Q10")}
    assert warned[("no_variation", "Q10")].message == "every substantive answer is the same: 2 (no)"
    lines = ingest.warning_lines("raw.csv", [], problems)
    assert "WARNING: raw.csv: no substantive answer in any row (every cell blank or a missing code) in column(s): " \
           "'Q17_3'" in lines
    assert any(line.endswith("cannot vary) in column(s): 'Q10'") for line in lines)
    # the shipped export has neither
    assert not [x for x in datacheck.check_raw(RAW_CSV, codebook)[0] if x.severity == "warning"]


def test_a_missing_code_outside_a_columns_range_is_accepted_and_becomes_missing(codebook, tmp_path):
    text = (ROOT / "data" / "codebook.yaml").read_text(encoding="utf-8").replace(
        "range: [10, 100], en:", "range: [10, 100], missing: {999: refused}, en:")
    (tmp_path / "cb.yaml").write_text(text, encoding="utf-8")
    rows = list(csv.reader(io.StringIO(shipped_text(), newline="")))
    j = rows[0].index("Q2")
    rows[3][j], rows[4][j] = "999", "101"
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    p = tmp_path / "raw.csv"
    p.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    problems, _ = datacheck.check_raw(p, load_codebook(tmp_path / "cb.yaml"))
    assert [(x.kind, x.column, x.rows, x.count) for x in problems] == [("out_of_range", "Q2", [5], 1)]  # 101 only
    rows[4][j] = "40"
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    p.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    frame, _ = ingest.ingest(p, load_codebook(tmp_path / "cb.yaml"))
    assert pd.isna(frame["age_years"].iloc[0]) and frame["age_years"].iloc[1] == 40


def test_an_integer_key_is_reported_once_per_problem_and_as_the_file_has_it(tmp_path):
    """Text in an integer key column is "not numeric", not also "blank"; a repeated key is shown as written."""
    (tmp_path / "cb.yaml").write_text("key: id\nheader_rows: 1\ncolumns:\n"
                                      "  - {id: id, var: id, role: metadata, type: integer}\n"
                                      "  - {id: q1, var: q1, role: analysis, type: categorical, codes: {1: a, 2: b}}\n")
    rows = ["id,q1", "1042,1", "1042,2", *[f"R_{i},1" for i in range(600)], ",2", "7,1"]
    (tmp_path / "raw.csv").write_text("\n".join(rows) + "\n")
    problems, _ = datacheck.check_raw(tmp_path / "raw.csv", load_codebook(tmp_path / "cb.yaml"))
    errors = {p.kind: p for p in problems if p.severity == "error"}
    assert set(errors) == {"not_numeric", "blank_key", "duplicate_key"}
    assert errors["not_numeric"].count == 600
    assert errors["blank_key"].count == 1 and errors["blank_key"].rows == [604]   # the empty cell only
    assert errors["duplicate_key"].values == [("1042", 1)]
    assert errors["duplicate_key"].line("raw.csv") == ("raw.csv, row 3, column 'id': respondent key is not unique; "
                                                       "got '1042'; expected a unique id per row")


def test_make_check_data_fails_on_errors_and_keeps_its_report(tmp_path):
    """Errors stop the build, so `make check-data` calls them errors and exits non-zero, with the line the build
    would stop with; its report stays."""
    import subprocess
    import sys
    from pathlib import Path

    from conftest import copy_project

    work = copy_project(tmp_path / "w")
    raw = work / "data" / "raw" / "scs_survey_2020_synthetic.csv"
    text = raw.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows[5][rows[0].index("Q2")] = "forty"
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    raw.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    venv = str(Path(sys.executable).parents[1])
    proc = subprocess.run(["make", "-s", f"VENV={venv}", "check-data"], cwd=work, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-2000:]
    assert "WARNING: data check" not in out
    assert "data check: 1 error(s) in 1 column(s), which stop the build until they are fixed" in out
    errors = [line for line in out.splitlines() if line.startswith("ERROR:")]
    assert errors == ["ERROR: data/raw/scs_survey_2020_synthetic.csv, row 6, column 'Q2': value is not numeric; got "
                      "'forty'; expected a whole number; 1 error(s) in 1 column(s) in all, listed in "
                      "results/clean/data_problems.md"]
    assert "**1 error(s) in 1 column(s).**" in (work / "results" / "clean" / "data_problems.md").read_text()
