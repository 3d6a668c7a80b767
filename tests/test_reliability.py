"""Bad input through the real entry point, determinism, interruption, privacy, integrity."""

import csv
import filecmp
import io
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pandas as pd
import pytest
import yaml
from conftest import FAST, ROOT, SNAKEMAKE, committed_results, copy_project, run_snakemake

from scs.config import file_sha256

RAW = "data/raw/scs_survey_2020_synthetic.csv"
SAV = "data/raw/scs_survey_2020_synthetic.sav"


# --------------------------------------------------------------------------- helpers to make bad input
def text(w):
    return (w / RAW).read_bytes().decode("utf-8-sig")


def put_text(w, t, encoding="utf-8-sig"):
    (w / RAW).write_bytes(t.encode(encoding))


def rows_of(t):
    return list(csv.reader(io.StringIO(t, newline="")))


def join_rows(rows):
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def set_cell(w, data_row, col, value, where=None):
    """Set a cell of data row `data_row` (0-based), or of the first row where `where(row_dict)` holds."""
    rows = rows_of(text(w))
    j = rows[0].index(col)
    if where is not None:
        data_row = next(i for i, r in enumerate(rows[3:]) if where(dict(zip(rows[0], r))))
    rows[3 + data_row][j] = value
    put_text(w, join_rows(rows))
    return 4 + data_row  # the CSV line


def is_complete(r):
    return (r["Status"] == "0" and r["Q1"] == "1" and r["Q3"] == "1" and r["Finished"] == "1" and r["Q16"] == "2"
            and int(r["Duration (in seconds)"]) >= 300 and r["Q2"] and int(r["Q2"]) >= 18)


def blank_grid(w):
    rows = rows_of(text(w))
    h = rows[0]
    i = next(i for i, r in enumerate(rows[3:]) if is_complete(dict(zip(h, r))))
    for c in [c for c in h if c.startswith("Q17_")]:
        rows[3 + i][h.index(c)] = ""
    put_text(w, join_rows(rows))
    return 4 + i


def edit_config(w, fn):
    cfg = yaml.safe_load((w / "config.yaml").read_text())
    fn(cfg)
    (w / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True))


def edit_targets(w, fn):
    t = pd.read_csv(w / "data" / "targets.csv")
    t = fn(t)
    t.to_csv(w / "data" / "targets.csv", index=False)


def bad_sav_labels(w):
    import pyreadstat

    df, meta = pyreadstat.read_sav(str(w / SAV), apply_value_formats=False)
    labels = dict(meta.variable_value_labels)
    labels["Q17_1"] = {**labels["Q17_1"], 7.0: "extra"}
    pyreadstat.write_sav(df, str(w / SAV), variable_value_labels=labels)
    edit_config(w, lambda c: c["data"].update(raw=SAV))


def set_path(key, value):
    return lambda w: edit_config(w, lambda c: c["data"].update({key: value}))


def cfg_set(path, value):
    def f(c):
        node = c
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
    return lambda w: edit_config(w, f)


def blank_item(w, col="Q17_8"):
    rows = rows_of(text(w))
    j = rows[0].index(col)
    for r in rows[3:]:
        r[j] = ""
    put_text(w, join_rows(rows))


def grid_dont_know(w, n=3):
    rows = rows_of(text(w))
    h = rows[0]
    done = 0
    for r in rows[3:]:
        if is_complete(dict(zip(h, r))) and done < n:
            for c in [c for c in h if c.startswith("Q17_")]:
                r[h.index(c)] = "9"
            done += 1
    put_text(w, join_rows(rows))


def battery_dont_know(w, prefix="Q17_"):
    """Every answer to a battery "don't know" (its missing code 9); blanks stay blank."""
    rows = rows_of(text(w))
    cols = [j for j, c in enumerate(rows[0]) if c.startswith(prefix)]
    for r in rows[3:]:
        for j in cols:
            if r[j]:
                r[j] = "9"
    put_text(w, join_rows(rows))


def same_answer(w, col, value):
    """Every non-blank cell of a column becomes one code (nobody differs)."""
    rows = rows_of(text(w))
    j = rows[0].index(col)
    for r in rows[3:]:
        if r[j]:
            r[j] = value
    put_text(w, join_rows(rows))


def nobody_over(w, age=59):
    """Every respondent older than `age` becomes `age` years old: the oldest age group is empty."""
    rows = rows_of(text(w))
    j = rows[0].index("Q2")
    for r in rows[3:]:
        if r[j] and int(r[j]) > age:
            r[j] = str(age)
    put_text(w, join_rows(rows))


def rare_northeast(w, keep=17):
    """Northeast provinces (21-23) become Beijing (11) for all but `keep` complete respondents."""
    rows = rows_of(text(w))
    h = rows[0]
    j = h.index("Q5")
    seen = 0
    for r in rows[3:]:
        if r[j] in ("21", "22", "23"):
            if seen >= keep or not is_complete(dict(zip(h, r))):
                r[j] = "11"
            else:
                seen += 1
    put_text(w, join_rows(rows))


def as_choice_text(w, lang):
    from scs.io import ingest
    from scs.io.codebook import load_codebook
    from scs.synth import export

    cb = load_codebook(w / "data" / "codebook.yaml")
    cells = ingest.read_qualtrics_csv(w / RAW, cb).cells.to_pandas()
    export.write_qualtrics_csv(export.choice_text(cells, cb, lang), cb, w / RAW, lang=lang)


def as_dta(w):
    from scs.io import ingest
    from scs.io.codebook import load_codebook
    from scs.synth import export

    cb = load_codebook(w / "data" / "codebook.yaml")
    cells = ingest.read_qualtrics_csv(w / RAW, cb).cells.to_pandas()
    export.write_dta(cells, cb, w / "data" / "raw" / "export.dta")
    # the stand-in in Stata's format: recorded beside it as one of the stand-in's files
    from scs.config import file_sha256

    with open(w / "data" / "raw" / "SHA256SUMS", "a", encoding="utf-8") as fh:
        fh.write(f"{file_sha256(w / 'data' / 'raw' / 'export.dta')}  export.dta\n")
    edit_config(w, lambda c: c["data"].update(raw="data/raw/export.dta"))


def dta_with_stata_missing(w):
    """The stand-in as a Stata .dta whose refusals of the income question (99) are Stata's missing value .a, with
    a value label (read as blank cells)."""
    import pyreadstat

    from scs.io import ingest
    from scs.io.codebook import load_codebook
    from scs.synth import export

    cb = load_codebook(w / "data" / "codebook.yaml")
    path = w / "data" / "raw" / "export.dta"
    export.write_dta(ingest.read_qualtrics_csv(w / RAW, cb).cells.to_pandas(), cb, path)
    df, meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
    df["Q12"] = df["Q12"].astype(object).where(df["Q12"] != 99, "a")
    labels = dict(meta.variable_value_labels)
    labels["Q12"] = {**{k: v for k, v in labels["Q12"].items() if k != 99}, "a": "prefer not to say"}
    pyreadstat.write_dta(df, str(path), column_labels=meta.column_names_to_labels, variable_value_labels=labels,
                         missing_user_values={"Q12": ["a"]}, version=15)
    with open(w / "data" / "raw" / "SHA256SUMS", "a", encoding="utf-8") as fh:
        fh.write(f"{file_sha256(path)}  export.dta\n")
    edit_config(w, lambda c: c["data"].update(raw="data/raw/export.dta"))


CHECK = r".*; \d+ error\(s\) in \d+ column\(s\) in all, listed in results/clean/data_problems.md"
BUILD = ["results/numbers.json", "results/figures/figure1_surveillance.png", "results/figures/figure3_models.png",
         *FAST]

# (id, mutate, expect ok?, regexes the ERROR/WARNING line must match, failing rule or None, targets when ok)
CASES = [
    ("empty_file", lambda w: (w / RAW).write_bytes(b""), False, [rf"{RAW}: file is empty" + CHECK], "clean", None),
    ("headers_only", lambda w: put_text(w, "\r\n".join(text(w).split("\r\n")[:3]) + "\r\n"), False,
     [rf"{RAW}, row 4: the file has header rows but no responses"], "clean", None),
    ("truncated_row", lambda w: put_text(w, text(w)[: text(w).index("\r\n", text(w).index("R_")) - 30] + "\r\n"),
     False, [rf"{RAW}, row 4: row has \d+ cells but the header has \d+"], "clean", None),
    ("wrong_delimiter", lambda w: put_text(w, text(w).replace(",", ";")), False,
     [rf"{RAW}, row 1: .*another delimiter"], "clean", None),
    ("gbk_encoding", lambda w: (w / RAW).write_bytes(text(w).encode("gbk", errors="replace")), False,
     [rf"{RAW}, row 2: file is not UTF-8 text"], "clean", None),
    ("utf16_tsv_export", lambda w: (w / RAW).write_bytes(text(w).replace(",", "\t").encode("utf-16")), False,
     [rf"{RAW}: file is UTF-16 text .*not a UTF-8 CSV"], "clean", None),
    ("required_column_missing", lambda w: put_text(w, text(w).replace("Q17_3", "Q17_3x", 1)), False,
     [rf"{RAW}, row 1, column 'Q17_3': required column missing" + CHECK], "clean", None),
    ("duplicated_column_names", lambda w: put_text(w, text(w).replace("Q17_3", "Q17_2", 1)), False,
     [rf"{RAW}, row 1: duplicated column name\(s\) \['Q17_2'\]"], "clean", None),
    ("code_outside_codebook", lambda w: set_cell(w, 5, "Q17_2", "7"), False,
     [rf"{RAW}, row 9, column 'Q17_2': value outside the codebook; got '7'; expected one of the codes" + r".*" + CHECK],
     "clean", None),
    ("text_in_numeric", lambda w: set_cell(w, 2, "Q2", "forty"), False,
     [rf"{RAW}, row 6, column 'Q2': value is not numeric; got 'forty'"], "clean", None),
    ("bad_datetime", lambda w: set_cell(w, 3, "StartDate", "10/01/2020 09:13"), False,
     [rf"{RAW}, row 7, column 'StartDate': value is not a date-time"], "clean", None),
    ("duplicate_response_id", lambda w: set_cell(w, 1, "ResponseId", rows_of(text(w))[3][8]), False,
     [rf"{RAW}, row 5, column 'ResponseId': respondent key is not unique"], "clean", None),
    ("all_items_blank", blank_grid, False,
     [rf"{RAW}, row \d+: respondent R_\w+ is in the analytic sample but left all 8 surveillance items blank"],
     "clean", None),
    ("weighting_variable_blank", lambda w: set_cell(w, 0, "Q4", "", where=is_complete), False,
     [r"results/clean/clean.parquet, column 'sex': 1 respondent\(s\) have no value for weighting variable"],
     "weights", None),
    ("nobody_survives", cfg_set(["cleaning", "rules", 6, "min"], 10 ** 7), False,
     [r"config.yaml: no respondent survives the exclusion rules"], "clean", None),
    ("scale_item_not_in_codebook", cfg_set(["scales", "surveillance", "items", 0, "var"], "s_jobz"), False,
     [r"^ERROR: config.yaml: invalid configuration at scales.surveillance.items: names variable\(s\) \['s_jobz'\], "
      r"which the codebook does not define \(did you mean 's_jobs'\?\)"], None, None),
    ("multiverse_option_not_in_codebook", cfg_set(["multiverse", "political_capital", "options", "CCP member", "terms"],
                                                  "party + cyl"), False,
     [r"^ERROR: config.yaml: invalid configuration at multiverse.political_capital: option 'CCP member' names "
      r"variable\(s\) \['party'\] in its terms"], None, None),
    ("min_answered_above_the_items", cfg_set(["scales", "trust", "min_answered"], 5), False,
     [r"^ERROR: config.yaml: invalid configuration at scales.trust.min_answered: 5 is more than the scale's 4 items"],
     None, None),
    ("target_category_absent", lambda w: edit_targets(w, lambda t: pd.concat(
        [t.assign(share=t.share.where(~((t.variable == "region") & (t.category == "East")), 0.4)),
         pd.DataFrame([{"variable": "region", "category": "Overseas", "share": 0.043, "status": "U", "source": "x"}])],
        ignore_index=True)), False,
     [r"data/targets.csv, row 17, column 'category': no respondent of the analytic sample \(1,173 in "
      r"results/clean/clean.parquet\) is in region = 'Overseas', which has a target share of 0.043; expected "
      r"categories the sample has"], "weights", None),
    ("margin_category_absent_from_the_sample", lambda w: rare_northeast(w, keep=0), False,
     [r"data/targets.csv, row 16, column 'category': no respondent of the analytic sample \(1,173 in "
      r"results/clean/clean.parquet\) is in region = 'Northeast', which has a target share of 0.074; expected "
      r"categories the sample has: merge 'Northeast' with a neighbouring category of region in data/targets.csv"],
     "weights", None),
    ("battery_nobody_answered_substantively", battery_dont_know, False,
     [rf"{RAW}: nobody in the analytic sample \(1,211\) gave a substantive answer to any of the 8 surveillance items "
      r"\(columns Q17_1, Q17_2, Q17_3, Q17_4, Q17_5, Q17_6, Q17_7, Q17_8\): every answer is a missing code .*; "
      r"expected at least 6 substantive answers \(scales.surveillance.min_answered in config.yaml\)"], "clean", None),
    ("covariate_without_variation", lambda w: same_answer(w, "Q10", "2"), False,
     [r"config.yaml: model surveillance ~ M1: the terms cannot all be estimated in its sample of \d+: ccp \(always 0\) "
      r"does not vary; expected terms that vary"], "regressions", FAST),
    ("targets_not_summing_to_one", lambda w: edit_targets(
        w, lambda t: t.assign(share=t.share.where(t.category != "60+", 0.25))), False,
     [r"data/targets.csv, column 'share': shares of 'age_group' sum to 1.050000"], "weights", None),
    ("targets_share_not_numeric", lambda w: edit_targets(
        w, lambda t: t.astype({"share": object}).assign(share=lambda x: x.share.where(x.category != "male", "half"))),
     False, [r"data/targets.csv, row 2, column 'share': share is not a proportion; got 'half'"], "weights", None),
    ("bounds_cannot_be_met", lambda w: edit_config(w, lambda c: c["weighting"].update(
        bounds={"lower": 0.9, "upper": 1.1}, infeasible={"policy": []})), False,
     [r"data/targets.csv: weighting of the sample failed: the targets cannot be met within the bounds \[0.9, 1.1\]"],
     "weights", None),
    ("config_unknown_key", lambda w: edit_config(w, lambda c: c.update(bogus=1)), False,
     [r"config.yaml: invalid configuration at \(top level\): unknown key\(s\) 'bogus'"], None, None),
    ("config_misspelt_key", lambda w: edit_config(w, lambda c: c["weighting"].update(toll=c["weighting"].pop("tol"))),
     False, [r"config.yaml: invalid configuration at weighting: unknown key\(s\) 'toll' \(did you mean 'tol'\?\)"],
     None, None),
    ("config_wrong_type", cfg_set(["weighting", "tol"], "small"), False,
     [r"config.yaml: invalid configuration at weighting.tol: 'small' is not of type 'number'"], None, None),
    ("config_raw_file_missing", set_path("raw", "data/raw/nope.csv"), False,
     [r"data/raw/nope.csv: the raw file named in config.yaml \(data.raw\) does not exist"], None, None),
    ("formula_missing_variable", cfg_set(["models", "formulas", "M3"], "ccp + trust + happiness"), False,
     [r"config.yaml, column 'happiness': model formula names variable 'happiness', which is not in the codebook"],
     None, FAST),
    ("sav_unexpected_value_labels", bad_sav_labels, False,
     [rf"{SAV}, column 'Q17_1': value labels for code\(s\) \[7\] are not in the codebook"], "clean", None),
    ("sav_corrupted", lambda w: ((w / SAV).write_bytes((w / SAV).read_bytes()[:2000]),
                                 edit_config(w, lambda c: c["data"].update(raw=SAV))), False,
     [rf"{SAV}: cannot read the SPSS .sav file"], "clean", None),
    ("codebook_repeats_a_variable", lambda w: (w / "data/codebook.yaml").write_text(
        (w / "data/codebook.yaml").read_text(encoding="utf-8").replace("var: s_protest", "var: s_jobs"),
        encoding="utf-8"), False, [r"data/codebook.yaml: codebook column entry \d+ repeats id 'Q17_2' or var 's_jobs'"],
     "check_data", None),
    ("category_nearly_empty", lambda w: (rare_northeast(w, keep=2), edit_config(
        w, lambda c: c["weighting"]["infeasible"].update(policy=["collapse"]))), False,
     [r"data/targets.csv: weighting of the (sample|bootstrap replicate \d+) failed: .*region = 'Northeast', which needs "
      r"[\d.inf]+ times its sample share"], "weights", None),
    ("choice_text_read_as_numeric", lambda w: (as_choice_text(w, "en"), edit_config(
        w, lambda c: c["data"].update(format="qualtrics"))), False,
     [rf"{RAW}, row \d+, column '\w+': value is an answer label, not a code"], "clean", None),
    # accepted, with a warning where something is worth knowing
    ("without_bom", lambda w: put_text(w, text(w), encoding="utf-8"), True,
     [rf"WARNING: .*{RAW}: no UTF-8 byte-order mark"], None, ["results/clean/exclusion_flow.csv"]),
    ("unknown_extra_column", lambda w: put_text(w, "\r\n".join(l + ",extra" if l else l for l in text(w).split("\r\n"))),
     True, [rf"WARNING: {RAW}: column 'extra' is not in the codebook and is ignored"], None,
     ["results/clean/exclusion_flow.csv"]),
    ("raw_differs_from_recorded_checksum", lambda w: set_cell(w, 0, "Q19", "changed", where=is_complete), True,
     [rf"WARNING: {RAW} differs from the checksum recorded in data/raw/SHA256SUMS"], None,
     ["results/clean/exclusion_flow.csv"]),
    ("trust_item_nobody_answered", lambda w: blank_item(w, "Q13_4"), True, [], None,
     ["results/models/regression_table.md", *FAST]),
    ("whole_grids_dont_know", grid_dont_know, True,
     [r"WARNING: \d+ respondent\(s\) answered fewer than 6 surveillance items"], None, BUILD),
    ("margin_category_absent_collapsed", nobody_over, True,
     [r"WARNING: weighting: collapsed age_group: '50-59 \+ 60\+' \(category '60\+' has no respondent\)"], None,
     ["results/weights/diagnostics.md"]),
    ("category_rare_in_the_sample", rare_northeast, True, [r"WARNING: weighting: widened the upper bound 5 ->"], None,
     ["results/weights/diagnostics.md"]),
    ("choice_text_english", lambda w: as_choice_text(w, "en"), True,
     [r"WARNING: .*answer labels \(Qualtrics 'choice text'\)"], None, ["results/clean/exclusion_flow.csv"]),
    ("choice_text_chinese", lambda w: as_choice_text(w, "zh"), True,
     [r"WARNING: .*answer labels \(Qualtrics 'choice text'\)"], None, ["results/clean/exclusion_flow.csv"]),
    ("stata_dta", as_dta, True, [], None, ["results/clean/exclusion_flow.csv"]),
    ("stata_dta_with_a_labelled_missing_value", dta_with_stata_missing, True, [], None,
     ["results/clean/exclusion_flow.csv"]),
]
RULE_OUTPUTS = {"check_data": ["results/clean/data_problems.md", "results/clean/data_problems.csv"],
                "clean": ["results/clean/clean.parquet", "results/clean/exclusion_flow.md"],
                "weights": ["results/weights/weights.parquet", "results/weights/diagnostics.md"],
                "regressions": ["results/models/coefficients.csv", "results/models/regression_table.md"]}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("tpl") / "w")


def test_the_corpus_has_at_least_35_cases():
    assert len(CASES) >= 35


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_through_snakemake(case, template, tmp_path):
    name, mutate, ok, patterns, rule, targets = case
    w = tmp_path / "w"
    shutil.copytree(template, w, symlinks=True)
    mutate(w)
    raw_before = {p: file_sha256(w / p) for p in (RAW, SAV)}
    proc = subprocess.run([SNAKEMAKE, *(targets or []), "--cores", "2"], cwd=w, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "INTERNAL ERROR" not in out, out[-3000:]
    if ok:
        assert proc.returncode == 0, out[-3000:]
        for pat in patterns:
            assert re.search(pat, out), (pat, out[-2000:])
    else:
        assert proc.returncode != 0
        errors = [l for l in out.splitlines() if l.startswith("ERROR:")]
        assert len(errors) == 1, out[-3000:]
        for pat in patterns:
            assert re.search(pat, errors[0]), (pat, errors[0])
        if rule:
            log = (w / "logs" / f"{rule}.log").read_text()
            assert "Traceback (most recent call last)" in log
            leftover = [p for p in RULE_OUTPUTS[rule] if (w / p).exists()]
            assert leftover == [], f"partial output left behind: {leftover}"
            assert not (w / "results" / "numbers.json").exists()
            if rule == "clean" and (w / "results" / "clean" / "data_problems.md").exists():
                # the data check's report is whole (with or without errors: cleaning may stop on what it allows)
                assert (w / "results" / "clean" / "data_problems.md").read_text().startswith("# Data check")
    assert {p: file_sha256(w / p) for p in (RAW, SAV)} == raw_before, "the raw input was modified"


@pytest.mark.slow
def test_an_item_nobody_answered_gives_an_explicit_no_answers_row(template, tmp_path):
    w = tmp_path / "w"
    shutil.copytree(template, w, symlinks=True)
    blank_item(w)
    run_snakemake(w, "results/items/item_estimates.md", "results/models/ordered_logits.md", extra=FAST)
    row = next(l for l in (w / "results/items/item_estimates.md").read_text().splitlines() if "exam fraud" in l)
    assert "no answers" in row and row.endswith("| 0 |")
    assert "too few answers" in (w / "results/models/ordered_logits.md").read_text()


# --------------------------------------------------------------------------- determinism
def test_two_builds_are_byte_identical(built, tmp_path):
    a = built
    b = copy_project(tmp_path / "w")
    run_snakemake(b)
    files_a = sorted(p.relative_to(a) for p in (a / "results").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in (b / "results").rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) > 40
    different = [str(p) for p in files_a if not filecmp.cmp(a / p, b / p, shallow=False)]
    assert different == []
    assert any(p.suffix == ".png" for p in files_a) and any(p.suffix == ".pdf" for p in files_a)


# --------------------------------------------------------------------------- privacy
def identifiers():
    raw = pd.read_csv(ROOT / RAW, skiprows=[1, 2], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    ids = {}
    ids["ip"] = [v for v in raw["IPAddress"] if v]
    ids["panel_id"] = [v for v in raw["PID"] if v]
    ids["coordinates"] = [v for v in pd.concat([raw["LocationLatitude"], raw["LocationLongitude"]]) if v]
    # a respondent's location: its latitude and longitude together (one four-decimal number alone can be any
    # statistic: a confidence bound that happens to equal someone's latitude is no leak)
    ids["locations"] = [(a, b) for a, b in zip(raw["LocationLatitude"], raw["LocationLongitude"]) if a and b]
    ids["free_text"] = sorted({v for v in raw["Q19"] if len(v) >= 3})
    return ids


TOKENS = {
    "ip": re.compile(r"(?<![\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])"),
    "panel_id": re.compile(r"P\d{8}"),
    "coordinates": re.compile(r"(?<![\d.])-?\d{1,3}\.\d{4}(?!\d)"),
}


def test_identifiers_never_reach_results(built):
    ids = {k: set(v) for k, v in identifiers().items()}
    assert len(ids["ip"]) > 1000 and len(ids["panel_id"]) > 1000 and ids["free_text"]
    scanned = 0
    for p in (built / "results").rglob("*"):
        if not p.is_file() or p.suffix in (".png", ".pdf"):
            continue
        if p.suffix == ".parquet":
            df = pd.read_parquet(p)
            assert not {"ip_address", "panel_id", "latitude", "longitude", "comments", "recipient_email",
                        "start_date", "end_date", "recorded_date"} & set(df.columns), p
            body = df.astype(str).to_csv(index=False)
        else:
            body = p.read_text(encoding="utf-8", errors="replace")
        for kind, pat in TOKENS.items():
            found = set(pat.findall(body))
            if kind == "coordinates":
                leaked = {(a, b) for a, b in ids["locations"] if a in found and b in found}
            else:
                leaked = found & ids[kind]
            assert not leaked, f"{kind} {sorted(leaked)[:3]} found in {p.relative_to(built)}"
        leaked = [t for t in ids["free_text"] if t in body]
        assert not leaked, f"free text {leaked[:3]} found in {p.relative_to(built)}"
        scanned += 1
    assert scanned > 40


# --------------------------------------------------------------------------- integrity
@pytest.mark.slow
def test_raw_inputs_are_read_only_to_the_pipeline(tmp_path):
    w = copy_project(tmp_path / "w")
    for p in (RAW, SAV):
        os.chmod(w / p, 0o444)
    before = file_sha256(w / RAW)
    run_snakemake(w, "results/clean/exclusion_flow.csv")
    assert file_sha256(w / RAW) == before
    prov_inputs = json.loads((w / "results" / "numbers" / "clean.json").read_text())["inputs_sha256"]
    assert prov_inputs[RAW] == before


@pytest.mark.slow
def test_a_changed_raw_file_is_detected_even_with_its_old_mtime(tmp_path):
    w = copy_project(tmp_path / "w")
    run_snakemake(w, "results/clean/exclusion_flow.csv")
    st = os.stat(w / RAW)
    rows = rows_of(text(w))
    first = next(dict(zip(rows[0], r)) for r in rows[3:] if is_complete(dict(zip(rows[0], r))))
    set_cell(w, 0, "Q17_1", "2" if first["Q17_1"] == "1" else "1", where=is_complete)
    os.utime(w / RAW, ns=(st.st_atime_ns, st.st_mtime_ns))
    proc = run_snakemake(w, "results/clean/exclusion_flow.csv", extra=["-n"])
    assert "Job" in proc.stdout and "params have changed" in proc.stdout.lower()


# --------------------------------------------------------------------------- interruption
@pytest.mark.slow
def test_sigterm_mid_run_then_rerun_gives_the_clean_build(tmp_path):
    w = copy_project(tmp_path / "w")
    proc = subprocess.Popen([SNAKEMAKE, "--cores", "2"], cwd=w, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not (w / "results" / "items" / "item_estimates.csv").exists():
        time.sleep(0.2)
    assert (w / "results" / "items" / "item_estimates.csv").exists(), "the build never got that far"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=300)  # (Snakemake ends the running jobs first; slower on a busy machine)
    assert proc.returncode != 0
    assert not (w / "results" / "numbers.json").exists(), "the build finished before the signal"
    run_snakemake(w)
    for rel in committed_results():
        if rel.name != "provenance.json":
            assert filecmp.cmp(ROOT / rel, w / rel, shallow=False), f"{rel} differs after the interrupted run"
