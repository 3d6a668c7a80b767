"""Markdown tables rendered as HTML pages that the Snakemake report shows inline (the Markdown stays)."""

from __future__ import annotations

import html

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 14px; color: #222; margin: 1.2em 1.6em; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; vertical-align: top; }
th { border-bottom: 2px solid #888; background: #f6f6f6; }
tbody tr:hover { background: #f0f5fb; }
blockquote { border-left: 4px solid #b2182b; margin: 0.8em 0; padding: 0.2em 0.9em; color: #444; background: #fbf3f3; }
code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
pre.text-file { white-space: pre-wrap; overflow-wrap: anywhere; }
.source { color: #777; font-size: 12px; margin-top: 2em; }
"""


def page(body: str, title: str, source: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body>\n{body}\n<p class=\"source\">Rendered from <code>{html.escape(source)}"
            "</code> by the workflow.</p></body></html>\n")


def markdown_page(text: str, source: str) -> str:
    """A Markdown table page (headings, notes, tables) as a standalone HTML page."""
    import mistune

    render = mistune.create_markdown(plugins=["table"])
    title = next((line[2:] for line in text.splitlines() if line.startswith("# ")), source)
    return page(render(text), title, source)


def source_page(text: str, source: str, title: str) -> str:
    """A text file (the LaTeX of a table) shown as it is, its long lines wrapped to the page's width."""
    return page(f"<h1>{html.escape(title)}</h1>\n<pre class=\"text-file\">{html.escape(text)}</pre>", title, source)
