"""The HTML report in a real browser (headless Chromium from Debian, driven by Playwright), as `make report`
writes it (tools/report.py: Snakemake's report, then finished by scs.report.report_page): the exhibits of each
category listed by number and title in the reading order of the landing page, each opening when its title is
clicked, beside its caption, its data and the command that rebuilds it; the LaTeX not cut off; no console
errors. The finishing step is also tested on a small page."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, require_tool

from scs.report import report_page
from scs.settings import Data, load

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DATA = Data(source="synthetic", label="SYNTHETIC stand-in data (generated; not the China Data Lab survey)",
            raw="data/raw/export.csv", format="auto", codebook="data/codebook.yaml", targets="data/targets.csv")


# --------------------------------------------------------------------------- the finishing step
def page_with(results: dict) -> str:
    return ("<html><body><div id='app'></div>\n<script id=\"results\">\n    var results = "
            f"{json.dumps(results)};\n    </script>\n</body></html>")


RESULTS = {"results/weights/diagnostics.html": {"caption": "<p>Weighting diagnostics: the margins.</p>",
                                                "labels": {"#": "2.1", "exhibit": "Weighting diagnostics"},
                                                "mime_type": "text/html", "job_properties": {"rule": "weights"}}}


def test_every_caption_ends_with_its_data_and_the_command_that_rebuilds_it():
    page = report_page.finish(page_with(RESULTS), DATA)
    caption = report_page.results_of(page)["results/weights/diagnostics.html"]["caption"]
    assert caption.startswith("<p>Weighting diagnostics: the margins.</p>")
    assert f"<strong>Data:</strong> {DATA.label} (synthetic data)" in caption
    assert "<code>snakemake --cores 1 results/weights/diagnostics.html --forcerun weights</code>" in caption
    assert page.count(report_page.MARK) == 2  # the script and the style, once
    assert report_page.finish(page, DATA) == page  # finishing a finished report changes nothing
    other = report_page.finish(page_with(RESULTS), DATA, configfile="config-mine.yaml")
    assert "--configfile=config-mine.yaml results/weights/diagnostics.html --forcerun weights" in other


def test_the_rebuild_command_reruns_only_its_exhibits_rule():
    """The caption's command, as printed, plans the exhibit's own rule (a dry run: one job), not the whole
    build (a target after --forcerun would be read as a rule, and the default target built)."""
    import shlex

    command = shlex.split(report_page.rebuild_command("results/weights/diagnostics.html", "weights"))
    snakemake = Path(sys.executable).parent / "snakemake"
    proc = subprocess.run([str(snakemake), *command[1:], "-n", "--quiet", "rules"], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    jobs = re.search(r"^total\s+(\d+)", proc.stdout + proc.stderr, re.M)
    assert jobs and int(jobs.group(1)) == 1, (proc.stdout + proc.stderr)[-2000:]


def test_a_page_without_a_table_of_results_is_refused():
    with pytest.raises(ValueError, match="not a report"):
        report_page.finish("<html><body></body></html>", DATA)


def test_every_exhibit_has_a_place_and_a_title_in_the_reading_order():
    """Each exhibit() of the rules names a category and a caption that READING_ORDER places (the workflow
    stops at parse time otherwise), and every caption file exists."""
    common = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    order = re.search(r"^READING_ORDER = \{(.*?)^\}", common, re.S | re.M).group(1)
    placed = set(re.findall(r'"(\w+)": "', order))
    calls = re.findall(r'exhibit\([^,]+(?:\([^)]*\))?[^,]*, "(\w+)", "([^"]+)"',
                       "\n".join(p.read_text() for p in (ROOT / "workflow" / "rules").glob("*.smk")))
    assert len(calls) > 20
    for name, category in calls:
        assert name in placed and f'"{category}"' in order, (name, category)
        assert (ROOT / "workflow" / "report" / f"{name}.rst").is_file(), name


# --------------------------------------------------------------------------- the report in Chromium
@pytest.fixture(scope="module")
def report(built, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    proc = subprocess.run([sys.executable, "tools/report.py", "config.yaml", str(path)], cwd=built,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return path


@pytest.fixture(scope="module")
def browser():
    chromium = require_tool("/usr/bin/chromium", "Chromium", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(report, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.goto(report.as_uri())
    page.wait_for_selector("text=Reading order")
    yield page
    page.close()


def reading_order(page) -> dict[str, list[str]]:
    """The landing page's reading order: each category with the exhibits it lists ("2.1 Weighting diagnostics")."""
    return page.evaluate("""() => {
        const out = {};
        for (const li of document.querySelectorAll('.prose > ul > li, .prose ul.simple > li')) {
            const name = li.querySelector(':scope > strong');
            if (!name) { continue; }
            out[name.textContent.replace(/\\.$/, '')] = Array.from(li.querySelectorAll(':scope > ul > li > a'))
                .map(a => a.textContent.trim());
        }
        return out;
    }""")


def listed(page) -> list[str]:
    """The rows of the category the menu shows ("2.1 Weighting diagnostics")."""
    return [" ".join(td.inner_text().strip() for td in row.locator("td").all()[:-1])
            for row in page.locator("nav table tbody tr").all()]


def viewer_frame(page, name):
    page.wait_for_function(f"() => Array.from(document.querySelectorAll('iframe')).some(f => f.src.includes({name!r}))")
    return next(f for f in page.frames if name in f.url)


def test_each_category_lists_its_exhibits_by_title_in_the_landing_pages_order(page):
    order = reading_order(page)
    menu = [a.inner_text().strip() for a in page.locator("nav ul li a").all()]
    categories = [m for m in menu if re.match(r"\d+\. ", m)]
    assert list(order) == categories and len(categories) == 7
    assert "6. Notebooks" in order and "7. Provenance" in order  # two items, not one
    total = 0
    for category in categories:
        page.get_by_role("link", name=category, exact=True).click()
        rows = listed(page)
        assert rows == order[category], category  # the same exhibits, in the same order, by number and title
        assert not any("results/" in r or r.endswith((".html", ".png")) for r in rows), rows
        numbers = [tuple(int(x) for x in r.split(" ")[0].split(".")) for r in rows]
        assert numbers == sorted(numbers) and numbers[0][1] == 1
        total += len(rows)
        page.locator("nav ol li a").first.click()  # back to the menu
    results = page.evaluate("() => Object.keys(results).length")
    assert total == results > 25
    assert page.problems == []


def test_clicking_a_title_opens_the_exhibit_beside_its_caption_data_and_rebuild_command(page):
    page.get_by_role("link", name="2. Weights", exact=True).click()
    page.locator("nav td", has_text="Weighting diagnostics").click()  # the title, not the eye icon
    table = viewer_frame(page, "diagnostics.html")
    assert "Weighting diagnostics" in table.inner_text("body")
    assert table.locator("table tr").count() > 15  # the margins table, rendered as a table
    info = page.locator("nav").first.inner_text()
    assert "Weighting diagnostics:" in info  # the caption
    assert "Data: SYNTHETIC stand-in data" in info
    assert "snakemake --cores 1 results/weights/diagnostics.html --forcerun weights" in info
    assert page.problems == []


def test_a_figure_opens_from_its_title_and_the_latex_is_not_cut_off(page):
    page.get_by_role("link", name="3. Indices and items", exact=True).click()
    page.locator("nav td", has_text="Figure 1.").click()
    image = page.locator("img[src^='data:image/png']")
    image.wait_for()
    # the image against the viewer that scrolls it (the nearest element that clips its overflow)
    box, viewer = image.evaluate("""img => {
        let v = img.parentElement;
        while (v && getComputedStyle(v).overflow === 'visible') { v = v.parentElement; }
        const a = img.getBoundingClientRect(), b = v.getBoundingClientRect();
        return [{x: a.x, width: a.width}, {x: b.x, width: b.width}]; }""")
    assert box["width"] > 300, box  # shown at a readable size
    assert viewer["x"] - 1 <= box["x"] and box["x"] + box["width"] <= viewer["x"] + viewer["width"] + 1, (box, viewer)
    assert "figures" in page.locator("nav").first.inner_text()  # its caption's rebuild command
    page.locator("nav ol li a").nth(2).click()  # back to the category
    n = load(ROOT / "config.yaml").numbering.tables["descriptives"]  # the report's numbers are the configuration's
    page.locator("nav td", has_text=f"Table {n} in LaTeX").click()
    latex = viewer_frame(page, "descriptives_tex.html")
    assert "\\begin{tabular}" in latex.inner_text("pre")
    width = latex.evaluate("() => { const p = document.querySelector('pre'); return [p.scrollWidth, p.clientWidth]; }")
    assert width[0] <= width[1] + 1, width  # every line wrapped within the page, none cut at the right
    assert page.problems == []


def test_the_landing_pages_reading_order_opens_each_exhibit(page):
    page.get_by_role("link", name=re.compile(r"^4\.1 ")).click()
    table = viewer_frame(page, "regression_table.html")
    assert "M1" in table.inner_text("body")
    info = page.locator("nav").first.inner_text()
    assert "4.1" in info and "Rebuild:" in info and "regressions" in info
    page.locator("nav ol li a").nth(2).click()  # the breadcrumb back to the exhibit's category
    assert listed(page)[0].startswith("4.1 ")
    assert page.problems == []


def test_every_markdown_table_has_an_html_exhibit(built):
    text = json.loads((built / "results" / "text_sha256.json").read_text())
    for md in text:
        if md.endswith(".md"):
            html = built / md.replace(".md", ".html")
            assert html.is_file(), md
            tables = sum(1 for line in (built / md).read_text().splitlines() if line.startswith("|---"))
            assert html.read_text().count("<table>") == tables, md
