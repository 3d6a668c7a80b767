"""The number registry, LaTeX macros, and the drift check against the pins."""

import json
import re
import shutil
import subprocess

import pytest
from conftest import FAST, ROOT, clone_build, run_snakemake

from scs.report import registry

NUM_CELL = re.compile(r"^(?:<0\.001|-?[\d,]+(?:\.\d+)?(?:e[-+]\d+)?|NA)$")


@pytest.fixture(scope="module")
def reg(built):
    return json.loads((built / "results" / "numbers.json").read_text())


def test_every_macro_defined_once_with_a_valid_name(reg, built):
    tex = (built / "results" / "numbers.tex").read_text()
    names = re.findall(r"\\newcommand\{\\([^}]*)\}", tex)
    data_macros = {"scsDataLabel", "scsDataSource"}  # what the numbers were built from
    assert data_macros <= set(names)
    assert len(names) == len(reg["numbers"]) + len(data_macros) > 500
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Za-z]+", n) for n in names)
    mean = reg["numbers"]["items.surveillance.mean"]["formatted"]
    assert re.fullmatch(r"\d\.\d\d", mean)
    assert f"\\newcommand{{\\scsItemsSurveillanceMean}}{{{mean}}}" in tex


def test_macro_name_rules():
    assert registry.macro_name("models.surveillance.M3.log(income_k).coef") == "scsModelsSurveillanceMThreeLogIncomeKCoef"
    assert registry.macro_name("weights.margin.age_group.18-29.n") == "scsWeightsMarginAgeGroupOneEightTwoNineN"


def test_the_macro_prefix_is_the_configurations():
    """Another study's numbers.tex (paper.macro_prefix) names every macro, the data macros and the switch with
    its own prefix; the catalogue shows them as written."""
    reg = {"data_source": "simulated", "data_label": "Mine", "config_sha256": "0",
           "numbers": {"items.surveillance.mean": {"formatted": "3.44", "rule": "item_estimates", "file": "f.md"}}}
    tex = registry.to_tex(reg, "alt")
    assert "\\newcommand{\\altItemsSurveillanceMean}{3.44}" in tex and "\\newcommand{\\altDataLabel}{Mine}" in tex
    assert "\\newif\\ifaltsynthetic\n\\altsyntheticfalse" in tex and "\\scs" not in tex
    cat = registry.catalogue_markdown(reg, "alt")
    assert "`\\altItemsSurveillanceMean`" in cat and "\\scs" not in cat


LABEL = re.compile(r"^\d+-\d+$|^\d+\+$")  # age-group labels such as 18-29 and 60+
TOKEN = re.compile(r"<0\.001|-?\d[\d,]*(?:\.\d+)?(?:e[-+]\d+)?")


def table_body_cells(text: str):
    """Cells of Markdown table bodies (header and separator rows skipped)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        if i + 1 < len(lines) and set(lines[i + 1]) <= set("|-: ") and lines[i + 1].startswith("|"):
            continue  # a header row
        yield from (c.strip().replace("**", "") for c in line.strip().strip("|").split("|"))


def test_each_number_in_the_markdown_tables_is_in_the_registry(reg, built):
    by_file = {}
    for e in reg["numbers"].values():
        by_file.setdefault(e["file"], set()).add(e["formatted"])
    text = json.loads((built / "results" / "text_sha256.json").read_text())
    skip = {"results/numbers.tex", "results/disclosure.md", "results/clean/data_problems.md"}
    md_files = [built / p for p in text if p.endswith(".md") and p not in skip]
    assert len(md_files) >= 8
    checked = 0
    for p in md_files:
        rel = str(p.relative_to(built))
        for cell in table_body_cells(p.read_text()):
            if cell in by_file.get(rel, set()):  # a registered number printed as the whole cell ("≤ 1/501")
                checked += 1
                continue
            if not cell or re.search(r"[A-Za-oq-z]", cell.replace("p ", "")) or LABEL.match(cell):
                continue  # a label or text cell (the letter p only as in "(0.1; p 0.02)")
            for tok in TOKEN.findall(cell):
                assert tok in by_file.get(rel, set()), f"{rel}: {tok!r} in cell {cell!r}"
                checked += 1
    assert checked > 900


def test_registry_entries_carry_provenance(reg):
    e = reg["numbers"]["items.surveillance.mean"]
    assert e["rule"] == "item_estimates" and e["data_source"] == "synthetic"
    assert e["file"] == "results/items/item_estimates.md"
    assert len(e["ci"]) == 2 and 1100 < e["n"] < 1173 and "se" in e
    inputs = reg["rules"]["item_estimates"]["inputs_sha256"]
    assert e["inputs_digest"] and any(p.startswith("src/scs/") for p in inputs)
    assert not any(p.endswith(".parquet") for p in inputs)  # intermediate data: in provenance.json only


def pins_of(work):
    dirs = [d for d in (work / "pins").iterdir() if d.is_dir()]
    assert len(dirs) == 1
    return dirs[0]


def test_drift_stops_the_build_in_one_line_and_the_table_stays_in_verify_md(tmp_path, built):
    work = clone_build(built, tmp_path / "w")
    pins = pins_of(work)
    numbers = json.loads((pins / "numbers.json").read_text())
    numbers["numbers"]["items.surveillance.mean"]["value"] += 0.01
    (pins / "numbers.json").write_text(json.dumps(numbers))
    proc = run_snakemake(work, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    errors = [line for line in out.splitlines() if line.startswith("ERROR:")]
    assert errors == [f"ERROR: 1 pinned number(s) or file(s) moved from the pins in pins/{pins.name}; the table is in "
                      "results/verify.md; if the change is intended, re-pin with `make repin` and commit the pins"]
    assert "| number |" not in out  # the table is not poured into the terminal ...
    report = (work / "results" / "verify.md").read_text()
    assert "DRIFT: 1 pinned number(s)" in report and "| number | items.surveillance.mean |" in report  # ... it stays here


def test_a_variant_of_the_analysis_never_touches_the_shipped_results(tmp_path, built):
    """A copy of config.yaml with another CI level builds into its own folder with its own (no) pins; the
    shipped results and pins stay byte for byte, and the advice carries the variant's CONFIG."""
    work = clone_build(built, tmp_path / "w")
    shipped = {p: p.read_bytes() for folder in ("results", "pins") for p in (work / folder).rglob("*") if p.is_file()}
    text = (work / "config.yaml").read_text().replace("  ci_level: 0.95", "  ci_level: 0.90")
    (work / "config-ci90.yaml").write_text(text)
    run_snakemake(work, "results-config-ci90/verify.md", "results-config-ci90/models/predicted.md",
                  extra=["--configfile", "config-ci90.yaml", *FAST])
    after = {p: p.read_bytes() for folder in ("results", "pins") for p in (work / folder).rglob("*") if p.is_file()}
    assert after == shipped
    assert "90% CI" in (work / "results-config-ci90" / "models" / "predicted.md").read_text()
    verify = (work / "results-config-ci90" / "verify.md").read_text()
    assert "No pins exist" in verify and "`make CONFIG=config-ci90.yaml repin`" in verify
    assert "pins-config-ci90" in verify


def test_pins_belong_to_their_raw_file(built):
    """The committed pins are keyed by the raw file's checksum and say which file and config made them."""
    from scs.config import file_sha256

    pins = pins_of(ROOT)
    meta = json.loads((pins / "meta.json").read_text())
    raw = file_sha256(ROOT / "data" / "raw" / "scs_survey_2020_synthetic.csv")
    assert meta["raw_sha256"] == raw and pins.name == raw[:16]
    assert "No drift" in (built / "results" / "verify.md").read_text()


@pytest.mark.slow
def test_a_changed_stand_in_warns_and_other_data_build_in_their_own_folder_with_git_status_clean(tmp_path):
    """The stand-in's file with other bytes is named in a warning (its checksum differs); declared as simulated data,
    it builds into its own folder without pins; a variant of the analysis (another CI level) too; and the
    clone's git status stays clean: nothing tracked is touched, nothing untracked appears outside the ignored
    variant folders."""
    from test_readme import fresh_clone

    work = fresh_clone(tmp_path / "clone")
    git_status = ["git", "status", "--porcelain", "--untracked-files=all"]
    before = subprocess.run(git_status, cwd=work, capture_output=True, text=True, check=True).stdout
    raw = work / "data" / "raw" / "scs_survey_2020_synthetic.csv"
    original = raw.read_bytes()
    shipped = {f: f.read_bytes() for f in (work / "results").rglob("*") if f.is_file()}
    raw.write_bytes(original.replace(b"\r\n", b"\n"))  # same responses, other bytes
    proc = run_snakemake(work, "results/clean/exclusion_flow.csv", extra=FAST)
    assert "differs from the checksum recorded in data/raw/SHA256SUMS" in proc.stdout + proc.stderr
    (work / "data" / "mine.csv").write_bytes(raw.read_bytes())
    raw.write_bytes(original)
    # (that build of the changed stand-in wrote results/, as a build of the stand-in does: back to the clone's)
    shutil.rmtree(work / "results")
    for f, content in shipped.items():
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(content)
    text = (work / "config.yaml").read_text()
    (work / "config-mine.yaml").write_text(text.replace("raw: data/raw/scs_survey_2020_synthetic.csv", "raw: data/mine.csv")
                                          .replace("source: synthetic", "source: simulated"))
    (work / "config-ci90.yaml").write_text(text.replace("  ci_level: 0.95", "  ci_level: 0.90"))
    for config in ("config-mine.yaml", "config-ci90.yaml"):
        out = f"results-{config[:-5]}"
        run_snakemake(work, f"{out}/verify.md", extra=["--configfile", config, *FAST])
        assert "No pins exist" in (work / out / "verify.md").read_text()
    (work / "data" / "mine.csv").unlink()
    for config in ("config-mine.yaml", "config-ci90.yaml"):
        (work / config).unlink()
    after = subprocess.run(git_status, cwd=work, capture_output=True, text=True, check=True).stdout
    assert after == before  # (empty for a clone of a committed state)


def test_renderers_print_only_what_a_stage_stated():
    """No renderer registers a number: the report modules print through Printed (a lookup by key), and a
    key no stage stated cannot be printed."""
    import re
    from pathlib import Path

    from scs.numbers import StatedNumbers
    from scs.report.registry import Printed

    report = Path(registry.__file__).parent
    for path in report.glob("*.py"):
        if path.name != "registry.py":
            text = path.read_text()
            assert not re.search(r"\.(add|suppress|take)\(|Numbers\(", text), path.name
    stated = StatedNumbers()
    stated.add("x.mean", 3.14159, "mean")
    stated.suppress("x.n")
    printed = Printed(stated, min_cell=10)
    assert printed("x.mean") == "3.14" and printed("x.n") == "<10" and printed.withheld("x.n")
    with pytest.raises(KeyError):
        printed("x.other")
    with pytest.raises(ValueError, match="stated twice"):
        stated.add("x.mean", 1.0, "mean")
    nums = registry.Numbers("r").take(stated, file="f.md", min_cell=10)
    assert nums.entries["x.mean"]["formatted"] == "3.14" and nums.entries["x.n"]["suppressed"]
    assert list(stated.frame()["key"]) == ["x.mean", "x.n"]
