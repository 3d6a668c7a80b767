"""The HTML report in a real browser (headless Chromium from Debian, driven by Playwright): the
landing page and a table render, with no console errors."""

import pytest
from conftest import require_tool, run_snakemake

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def report(built, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    run_snakemake(built, extra=["--report", str(path)])
    return path


@pytest.fixture(scope="module")
def browser():
    chromium = require_tool("/usr/bin/chromium", "Chromium", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        yield b
        b.close()


def test_the_landing_page_and_a_table_render_without_console_errors(report, browser):
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(report.as_uri())
    body = page.inner_text("body")
    assert "Who supports social credit systems? A reproducible rebuild" in body
    assert "Reading order" in body and "SYNTHETIC stand-in data" in body
    page.get_by_text("2. Weights").click()
    row = page.locator("tr", has_text="diagnostics.html").first
    row.locator("a[iconname=eye]").click()
    page.wait_for_timeout(500)
    frames = [f for f in page.frames if "diagnostics.html" in f.url]
    assert frames, "the table did not open"
    table = frames[0]
    assert "Weighting diagnostics" in table.inner_text("body")
    assert table.locator("table tr").count() > 15  # the margins table, rendered as a table
    assert problems == []


def test_every_markdown_table_has_an_html_exhibit(built):
    import json

    text = json.loads((built / "results" / "text_sha256.json").read_text())
    for md in text:
        if md.endswith(".md"):
            html = built / md.replace(".md", ".html")
            assert html.is_file(), md
            tables = sum(1 for line in (built / md).read_text().splitlines() if line.startswith("|---"))
            assert html.read_text().count("<table>") == tables, md
