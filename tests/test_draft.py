"""A draft codebook from the export itself (`make codebook DATA=<file>`): what each format says lands in the
draft, the rest is guessed and marked "# check", and the data check holds the export to the draft."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import RAW_CSV, RAW_SAV, ROOT, SNAKEMAKE, copy_project

from scs.errors import PipelineError
from scs.io import datacheck, draft
from scs.io.codebook import load_codebook

VENV = str(Path(sys.executable).parents[1])
SUPPORT = {1: "strongly oppose", 2: "somewhat oppose", 3: "neutral", 4: "somewhat support", 5: "strongly support"}


def written(path, tmp_path, name="codebook.yaml", **kw):
    """The draft of ``path`` written to a file and read back by the codebook loader (and its text)."""
    out = tmp_path / name
    d = draft.write_draft(path, out, **kw)
    return d, load_codebook(out), out.read_text(encoding="utf-8")


def errors_and_warnings(path, codebook):
    problems, facts = datacheck.check_raw(path, codebook)
    return [(p.severity, p.kind, p.column) for p in problems], facts


def shipped_rows():
    return list(csv.reader(io.StringIO(RAW_CSV.read_bytes().decode("utf-8-sig"), newline="")))


def write_rows(path, rows):
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the four formats
def test_qualtrics_csv_question_text_importids_and_observed_codes(tmp_path):
    d, cb, text = written(RAW_CSV, tmp_path)
    assert d.format == "qualtrics" and cb.header_rows == 3 and cb.key == "ResponseId"
    q4 = cb.by_id["Q4"]
    assert q4["zh"] == "您的性别是？" and q4["import_id"] == "QID4"  # row 2 and row 3 of the export
    assert q4["type"] == "categorical" and q4["codes"] == {1: "1", 2: "2"}  # the codes observed, unlabelled
    q17 = cb.by_id["Q17_1"]
    assert q17["codes"] == {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"} and q17["missing"] == {9: "9"}
    assert cb.by_id["Q12"]["missing"] == {99: "99"} and sorted(cb.by_id["Q12"]["codes"]) == list(range(1, 9))
    # many distinct whole numbers: an integer with the range observed
    assert cb.by_id["Q2"]["type"] == "integer" and cb.by_id["Q2"]["range"] == [15, 95]
    assert cb.by_id["Q5"]["type"] == "integer" and cb.by_id["Q5"]["range"] == [11, 65]
    # Qualtrics' own columns by their ImportIds; text answers never written
    assert {c["id"] for c in cb.columns if c["role"] == "identifying"} == {
        "IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference",
        "LocationLatitude", "LocationLongitude", "PID"}
    assert cb.by_id["Status"]["codes"][1] == "Survey Preview" and cb.by_id["Progress"]["range"] == [0, 100]
    assert cb.by_id["Q19"]["role"] == "free_text" and cb.by_id["Q19"]["import_id"] == "QID19_TEXT"
    assert cb.by_id["StartDate"]["type"] == "datetime" and cb.datetime_format == "%Y-%m-%d %H:%M:%S"
    assert cb.by_id["Q17_1"]["var"] == "q17_1" and cb.by_id["Duration (in seconds)"]["var"] == "duration_in_seconds"
    # every guessed role and missing code is marked
    lines = text.splitlines()
    assert "    missing: {9: '9'}  # check: guessed: 9 set apart from the answer codes 1-5" in lines
    assert sum(line.startswith("    role: analysis  # check:") for line in lines) == 37
    assert errors_and_warnings(RAW_CSV, cb)[0] == []


def test_sav_value_labels_and_variable_labels(tmp_path):
    d, cb, text = written(RAW_SAV, tmp_path)
    assert d.format == "sav" and cb.key == "ResponseId"
    assert cb.by_id["Q4"]["codes"] == {1: "male", 2: "female"} and cb.by_id["Q4"]["zh"] == "您的性别是？"
    assert cb.by_id["Q17_1"]["codes"] == SUPPORT and cb.by_id["Q17_1"]["missing"] == {9: "don't know"}
    assert cb.by_id["Q12"]["missing"] == {99: "prefer not to say"} and 99 not in cb.by_id["Q12"]["codes"]
    # labelled codes make a categorical column even with more than a few codes
    assert cb.by_id["Q5"]["type"] == "categorical" and cb.by_id["Q5"]["codes"][44] == "Guangdong"
    assert len(cb.by_id["Q5"]["codes"]) == 31
    assert cb.by_id["Duration__in_seconds_"]["role"] == "metadata"  # Qualtrics' name in SPSS
    assert "    missing: {9: don't know}  # check: guessed: labeled as no substantive answer" in text.splitlines()
    assert errors_and_warnings(RAW_SAV, cb)[0] == []


def stata_export(tmp_path) -> Path:
    """The stand-in's .sav as a Stata .dta (pyreadstat): its value labels, and the income refusals (99) as
    Stata's missing value .a with a label."""
    import pyreadstat

    df, meta = pyreadstat.read_sav(str(RAW_SAV), apply_value_formats=False)
    df = df.rename(columns={"Duration__in_seconds_": "Duration"})
    labels = {k: {int(c): v[:32] for c, v in vl.items()} for k, vl in meta.variable_value_labels.items()}
    df["Q12"] = df["Q12"].astype(object).where(df["Q12"] != 99, "a")
    labels["Q12"] = {**{c: v for c, v in labels["Q12"].items() if c != 99}, "a": "prefer not to say"}
    names = {("Duration" if k == "Duration__in_seconds_" else k): v for k, v in meta.column_names_to_labels.items()}
    path = tmp_path / "export.dta"
    pyreadstat.write_dta(df, str(path), column_labels=names, variable_value_labels=labels,
                         missing_user_values={"Q12": ["a"]}, version=15)
    return path


def test_dta_value_labels_and_a_stata_missing_value(tmp_path):
    path = stata_export(tmp_path)
    d, cb, text = written(path, tmp_path)
    assert d.format == "dta" and cb.key == "ResponseId"
    assert cb.by_id["Q4"]["codes"] == {1: "male", 2: "female"}
    assert cb.by_id["Q17_1"]["missing"] == {9: "don't know"}
    # .a is read as a blank cell: no code for it, a comment says so
    assert sorted(cb.by_id["Q12"]["codes"]) == list(range(1, 9)) and "missing" not in cb.by_id["Q12"]
    q12 = next(line for line in text.splitlines() if line.startswith("    codes: {1: under 30k yuan"))
    assert q12.endswith("500k yuan or more}  # check: Stata missing value(s) .a (prefer not to say): read as blank cells")
    assert errors_and_warnings(path, cb)[0] == []


def test_plain_csv_with_one_header_row(tmp_path):
    rows = shipped_rows()
    path = write_rows(tmp_path / "plain.csv", [rows[0], *rows[3:]])
    d, cb, _ = written(path, tmp_path)
    assert d.format == "csv" and cb.header_rows == 1 and cb.key == "ResponseId"
    assert cb.by_id["Q17_1"]["codes"] == {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}
    assert not any("en" in c or "zh" in c or "import_id" in c for c in cb.columns)  # the file says no more
    assert cb.by_id["IPAddress"]["role"] == "identifying"  # Qualtrics' names, without ImportIds
    problems, facts = errors_and_warnings(path, cb)
    assert problems == [] and facts["rows"] == len(rows) - 3  # (a plain CSV: no byte-order mark expected)


def test_csv_with_a_question_text_row_and_a_key_of_its_own(tmp_path):
    """Two header rows (ids, question text), no Qualtrics columns: the second row is the question, the key the
    first column with a distinct value in every row."""
    rows = [["pid", "age", "q1", "q2"], ["Person", "Your age", "Trust the courts?", "Happy?"]]
    rows += [[f"{100 + i}", str(20 + i % 50) if i % 9 else "999", str(1 + i % 4), str(1 + i % 2) if i % 7 else "8"]
             for i in range(60)]
    path = write_rows(tmp_path / "survey.csv", rows)
    d, cb, text = written(path, tmp_path)
    assert cb.header_rows == 2 and cb.key == "pid"
    assert "key: pid  # check: guessed: the first column with a distinct value in every row" in text.splitlines()
    assert cb.by_id["q1"]["en"] == "Trust the courts?" and cb.by_id["q1"]["codes"] == {1: "1", 2: "2", 3: "3", 4: "4"}
    # a number column with a usual "refused" code: the code is missing, the range that of the answers
    assert cb.by_id["age"]["type"] == "integer" and cb.by_id["age"]["range"] == [20, 69]
    assert cb.by_id["age"]["missing"] == {999: "999"}
    assert cb.by_id["q2"]["codes"] == {1: "1", 2: "2", 8: "8"} and "missing" not in cb.by_id["q2"]  # 8: not a usual code
    assert errors_and_warnings(path, cb)[0] == []


def test_dates_in_another_format_set_the_codebooks_datetime_format(tmp_path):
    """A Qualtrics export re-saved with month/day/year dates: the date columns stay date-times, in that format."""
    import datetime

    rows = shipped_rows()
    for r in rows[3:]:
        for c in ("StartDate", "EndDate", "RecordedDate"):
            j = rows[0].index(c)
            r[j] = datetime.datetime.strptime(r[j], "%Y-%m-%d %H:%M:%S").strftime("%m/%d/%Y %H:%M")
    path = write_rows(tmp_path / "dates.csv", rows)
    _, cb, _ = written(path, tmp_path)
    assert cb.datetime_format == "%m/%d/%Y %H:%M"
    assert [cb.by_id[c]["type"] for c in ("StartDate", "EndDate", "RecordedDate")] == ["datetime"] * 3
    assert errors_and_warnings(path, cb)[0] == [("warning", "note", None)]  # (re-saved: no byte-order mark)


def test_declared_spss_missing_values_are_missing_codes(tmp_path):
    import pandas as pd
    import pyreadstat

    df = pd.DataFrame({"id": [f"R{i}" for i in range(8)], "q": [1.0, 2.0, 3.0, 7.0, 8.0, 1.0, 2.0, 3.0]})
    path = tmp_path / "m.sav"
    pyreadstat.write_sav(df, str(path), missing_ranges={"q": [7, 8]},
                         variable_value_labels={"q": {1.0: "low", 2.0: "mid", 3.0: "high", 7.0: "no opinion"}})
    d, cb, text = written(path, tmp_path)
    assert cb.key == "id" and cb.by_id["q"]["codes"] == {1: "low", 2: "mid", 3: "high"}
    assert cb.by_id["q"]["missing"] == {7: "no opinion", 8: "8"}
    assert "declared missing in the SPSS .sav (the pipeline reads these cells as blank)" in text
    assert errors_and_warnings(path, cb)[0] == []


# --------------------------------------------------------------------------- the guesses
@pytest.mark.parametrize(("code", "others", "apart"), [
    (9, [1, 2, 3, 4, 5], True), (99, list(range(1, 9)), True), (98, [1, 2, 3], True), (-1, [1, 2, 3], True),
    (6, [1, 2, 3, 4, 5], False), (9, [1, 2, 3, 4, 5, 6, 7, 8], False), (9, [5], False), (8, [1, 2, 3], False)])
def test_a_usual_no_answer_code_set_apart_from_the_answers(code, others, apart):
    assert draft.set_apart(code, others) is apart


@pytest.mark.parametrize(("cid", "var"), [("ResponseId", "response_id"), ("IPAddress", "ip_address"),
                                          ("Q17_1", "q17_1"), ("Duration (in seconds)", "duration_in_seconds"),
                                          ("SCS_A_1", "scs_a_1"), ("1st", "v_1st")])
def test_analysis_names_from_column_ids(cid, var):
    assert draft.snake(cid) == var


# --------------------------------------------------------------------------- the tool and make
def test_an_existing_codebook_is_kept_unless_forced(tmp_path):
    out = tmp_path / "codebook.yaml"
    out.write_text("mine\n")
    with pytest.raises(PipelineError, match=r"codebook.yaml: a codebook exists already and is kept; expected another "
                                            r"output file \(OUT=...\), or FORCE=1"):
        draft.write_draft(RAW_SAV, out)
    assert out.read_text() == "mine\n"
    draft.write_draft(RAW_SAV, out, force=True)
    assert load_codebook(out).by_id["Q4"]["codes"] == {1: "male", 2: "female"}


def make(*args, cwd=ROOT):
    return subprocess.run(["make", "-s", f"VENV={VENV}", *args], cwd=cwd, capture_output=True, text=True)


def test_make_codebook_writes_beside_the_data_and_refuses_to_overwrite(tmp_path):
    data = tmp_path / "mine" / "export.sav"
    data.parent.mkdir()
    data.write_bytes(RAW_SAV.read_bytes())
    proc = make("codebook", f"DATA={data}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"wrote {data.parent / 'codebook.yaml'}: a draft codebook of {data} (SPSS .sav; "
                                  "1,672 responses)")
    assert load_codebook(data.parent / "codebook.yaml").key == "ResponseId"
    again = make("codebook", f"DATA={data}")
    assert again.returncode != 0 and "ERROR: " in again.stderr and "FORCE=1" in again.stderr
    assert "Traceback" not in again.stderr
    other = make("codebook", f"DATA={data}", f"OUT={tmp_path / 'other.yaml'}")
    assert other.returncode == 0 and (tmp_path / "other.yaml").is_file()
    assert "ERROR: make codebook needs DATA=" in make("codebook").stdout
    missing = make("codebook", f"DATA={tmp_path / 'nope.csv'}", f"OUT={tmp_path / 'x.yaml'}")
    assert missing.returncode != 0 and "nope.csv: raw file not found" in missing.stderr
    assert "make codebook" in make("help").stdout


@pytest.mark.slow
def test_the_stand_ins_data_check_passes_with_its_draft_and_the_build_names_what_to_add(tmp_path):
    """The draft in place of the codebook, nothing else changed in the configuration: `make check-data` finds no
    problem; the full build stops at once with one line naming the analysis variables the draft lacks."""
    work = copy_project(tmp_path / "w")
    proc = make("codebook", "DATA=data/raw/scs_survey_2020_synthetic.csv", "OUT=data/mine/codebook.yaml", cwd=work)
    assert proc.returncode == 0, proc.stderr
    cfg = yaml.safe_load((work / "config.yaml").read_text(encoding="utf-8"))
    cfg["data"]["codebook"] = "data/mine/codebook.yaml"
    (work / "config-mine.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    proc = make("CONFIG=config-mine.yaml", "check-data", cwd=work)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-2000:])
    report = (work / "results-config-mine" / "clean" / "data_problems.md").read_text(encoding="utf-8")
    assert "No problems" in report and "`data/mine/codebook.yaml`" in report
    build = subprocess.run([SNAKEMAKE, "--configfile=config-mine.yaml", "-n"], cwd=work, capture_output=True, text=True)
    errors = [line for line in (build.stdout + build.stderr).splitlines() if line.startswith("ERROR:")]
    assert build.returncode != 0 and errors == [
        "ERROR: config-mine.yaml, column 'ccp': model formula names variable 'ccp', which is not in the codebook "
        "(analysis or derived variables) or the scales (nor are 9 more: cyl, state_sector, age_years, male, region, "
        "educ_years, income_k, urban_hukou, ccp_or_state); expected an analysis variable from the codebook or an "
        "index from config.scales"]


def test_the_drafts_footer_names_the_kinds_of_derived_variable_the_codebook_accepts(tmp_path):
    """map, edges (with labels: right-open intervals) and any, as scs.io.codebook accepts them; each example of
    the footer, uncommented, is a derived variable that loads."""
    text = draft.render(draft.draft_codebook(RAW_CSV))
    footer = text[text.index("# Analysis variables made"):]
    assert "bins" not in footer
    for kind in ("map:", "edges:", "any:", "labels:", "right-open"):
        assert kind in footer, kind
    examples = [line.split("e.g. ", 1)[1] for line in footer.splitlines() if "e.g. " in line]
    assert len(examples) == 2
    raw = yaml.safe_load((ROOT / "data" / "codebook.yaml").read_text(encoding="utf-8"))
    raw["derived"] = {}
    for example in examples:
        raw["derived"].update(yaml.safe_load(example.replace("<var>", "age_years")))
    (tmp_path / "cb.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert set(load_codebook(tmp_path / "cb.yaml").derived) == {"sex", "age_band"}
    raw["derived"]["age_band"]["labels"].pop()   # one label fewer than the intervals
    (tmp_path / "cb.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(PipelineError, match=r"derived variable 'age_band': 'edges' needs 'labels', one per interval"):
        load_codebook(tmp_path / "cb.yaml")
