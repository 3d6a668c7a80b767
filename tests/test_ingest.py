"""Reading the export through the codebook, both formats, and clear errors on bad input."""

import io

import pandas as pd
import pytest

from scs import clean, ingest
from scs.errors import PipelineError
from conftest import RAW_CSV, RAW_SAV


def cleaned_bytes(path, codebook, cfg, tmp_path, name):
    frame, raw = ingest.ingest(path, codebook)
    cleaned, flow, log = clean.clean(frame, codebook, cfg)
    out = tmp_path / f"{name}.parquet"
    cleaned.to_parquet(out, index=False, compression="zstd")
    return out.read_bytes(), raw.format, flow


def test_csv_and_sav_give_byte_identical_cleaned_data(codebook, cfg, tmp_path):
    b_csv, f_csv, flow_csv = cleaned_bytes(RAW_CSV, codebook, cfg, tmp_path, "csv")
    b_sav, f_sav, flow_sav = cleaned_bytes(RAW_SAV, codebook, cfg, tmp_path, "sav")
    assert (f_csv, f_sav) == ("csv", "sav")
    assert b_csv == b_sav
    pd.testing.assert_frame_equal(flow_csv, flow_sav)


def test_export_has_qualtrics_layout(codebook):
    data = RAW_CSV.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    header = lines[0].split(",")
    for meta in ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
                 "RecordedDate", "ResponseId", "LocationLatitude", "LocationLongitude", "UserLanguage"]:
        assert meta in header
    assert lines[2].startswith('"{""ImportId"":""startDate""')


def test_analysis_variables_are_typed_and_recoded(shipped_frame):
    f = shipped_frame
    assert set(f["sex"].dropna()) == {"male", "female"}
    assert set(f["region"].dropna()) == {"East", "Central", "West", "Northeast"}
    assert str(f["s_jobs"].dtype) == "Int64"
    # "don't know" (9) became missing; valid codes only
    assert set(f["s_jobs"].dropna().unique()) <= {1, 2, 3, 4, 5}
    assert f["s_protest"].isna().sum() > 0


def write(tmp_path, text: str, name="raw.csv", encoding="utf-8-sig"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def shipped_text():
    return RAW_CSV.read_bytes().decode("utf-8-sig")


def mutate_cell(text, row_idx, col_id, value):
    """Replace one cell (data row row_idx, 0-based) in the CSV text."""
    import csv

    rows = list(csv.reader(io.StringIO(text, newline="")))
    j = rows[0].index(col_id)
    rows[3 + row_idx][j] = value
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


@pytest.mark.parametrize("case, make, pattern", [
    ("empty", lambda t: "", r"file is empty"),
    ("headers only", lambda t: "\r\n".join(t.split("\r\n")[:3]) + "\r\n", r"header rows but no responses"),
    ("wrong delimiter", lambda t: t.replace(",", ";"), r"another delimiter"),
    ("truncated row", lambda t: t[: t.index("\r\n", t.index("\r\n", t.index("ImportId")) + 2) + 40] + "\r\n",
     r"row 5: row has \d+ cells but the header has"),
    ("missing column", lambda t: t.replace("Q17_3", "Q17_3x", 1), r"required column\(s\) missing: \['Q17_3'\]"),
    ("code outside codebook", lambda t: mutate_cell(t, 4, "Q17_2", "7"),
     r"row 8, column 'Q17_2': value outside the codebook; got '7'"),
    ("text in numeric", lambda t: mutate_cell(t, 2, "Q2", "thirty"),
     r"row 6, column 'Q2': value is not numeric; got 'thirty'"),
    ("duplicate key", lambda t: mutate_cell(t, 1, "ResponseId", t.split("\r\n")[3].split(",")[8]),
     r"row 5, column 'ResponseId': respondent key is not unique"),
    ("duplicated column names", lambda t: t.replace("Q17_3", "Q17_2", 1), r"duplicated column name"),
    ("no ImportId row", lambda t: "\r\n".join(l for i, l in enumerate(t.split("\r\n")) if i != 2),
     r"row 3 is not the ImportId row"),
])
def test_bad_csv_input_gives_one_clear_line(tmp_path, codebook, case, make, pattern):
    p = write(tmp_path, make(shipped_text()))
    with pytest.raises(PipelineError, match=pattern) as exc:
        ingest.ingest(p, codebook)
    msg = str(exc.value)
    assert "\n" not in msg and str(p) in msg


def test_gbk_file_is_refused_with_its_line(tmp_path, codebook):
    p = tmp_path / "gbk.csv"
    p.write_bytes(shipped_text().encode("gbk", errors="replace"))
    with pytest.raises(PipelineError, match=r"row 2: file is not UTF-8 text"):
        ingest.ingest(p, codebook)


def test_missing_bom_is_accepted_with_a_warning(tmp_path, codebook, caplog):
    p = write(tmp_path, shipped_text(), encoding="utf-8")
    frame, raw = ingest.ingest(p, codebook)
    assert len(frame) > 1173
    assert any("byte-order mark" in n for n in raw.notes)


def test_unknown_extra_column_is_a_warning_not_a_failure(tmp_path, codebook, caplog):
    text = shipped_text().split("\r\n")
    text = [l + (",extra" if l else "") for l in text]
    p = write(tmp_path, "\r\n".join(text))
    with caplog.at_level("WARNING"):
        frame, _ = ingest.ingest(p, codebook)
    assert "extra" not in frame.columns
    assert any("not in the codebook" in r.message for r in caplog.records)


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
    p.write_text("columns:\n  - {id: Q1, var: q1, role: analysis, type: categorical, codes: {yes: 1}}\n")
    with pytest.raises(PipelineError, match="whole-number codes"):
        ingest.load_codebook(p)
