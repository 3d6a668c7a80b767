"""The HTML report finished after ``snakemake --report`` (``make report``): each exhibit's title opens it.

Snakemake's report lists the exhibits of a category by the labels the workflow gives them (number and title,
in reading order: ``READING_ORDER`` in workflow/rules/common.smk) and opens one only from its eye icon; its
caption shows in the result's information panel. This step, run on the written report, adds what the report
cannot be told to do:

* a click on an exhibit's title (in a category's table, in the search results or in the landing page's
  reading order) opens the exhibit and, beside it, its caption;
* every caption ends with the data the exhibit was built from and the command that rebuilds it.

It changes no exhibit: it edits the captions in the report's table of results and adds a script and a style.
"""

from __future__ import annotations

import html
import json
import re
import shlex
from pathlib import Path

from scs.settings import Data

MARK = "scs-finished-report"
_RESULTS = re.compile(r'(<script id="results">\s*var results = )(.*?)(;\s*</script>)', re.S)

# kinds of content the report's viewer shows (as its AbstractViewManager sorts them by type)
_VIEWS = {"image/svg+xml": "img", "image/png": "img", "image/jpeg": "img", "text/html": "html",
          "application/pdf": "pdf"}

SCRIPT = """
<script id="%(mark)s">
(function () {
  var views = %(views)s;
  function categoryOf(path) {
    for (var cat in categories) {
      for (var sub in categories[cat]) {
        if (categories[cat][sub].indexOf(path) >= 0) { return [cat, sub]; }
      }
    }
    return [undefined, undefined];
  }
  // open an exhibit in the viewer and its caption (with its data and the command that rebuilds it) beside it
  window.scsOpenExhibit = function (path) {
    var result = results[path];
    if (result === undefined) { return false; }
    var where = categoryOf(path);
    var view = {navbarMode: "resultinfo", resultPath: path, category: where[0], subcategory: where[1]};
    if (views[result.mime_type]) {
      view.content = views[result.mime_type];
      view.contentPath = result.data_uri;
    }
    app.setView(view);
    return true;
  };
  // the exhibit a table row stands for: the result whose labels are the row's cells
  function pathOfRow(row) {
    var cells = Array.prototype.map.call(row.querySelectorAll("td"), function (td) {
      return td.textContent.trim();
    });
    for (var path in results) {
      var labels = results[path].labels;
      if (!labels) { continue; }
      var values = Object.keys(labels).map(function (k) { return String(labels[k]); });
      if (values.length && values.every(function (v, i) { return cells[i] === v; })) { return path; }
    }
    return undefined;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='javascript:app.showResultInfo(']");
    if (link) {
      var m = /showResultInfo\\('(.*)'\\)/.exec(decodeURIComponent(link.getAttribute("href")));
      if (m && window.scsOpenExhibit(m[1])) { event.preventDefault(); }
      return;
    }
    if (event.target.closest("a, button")) { return; }
    var cell = event.target.closest("td");
    var row = cell && cell.closest("tr");
    if (!row || !row.querySelector("a[iconname='information-circle']")) { return; }
    var path = pathOfRow(row);
    if (path !== undefined) { window.scsOpenExhibit(path); }
  }, true);
})();
</script>
"""

STYLE = """
<style id="%(mark)s-style">
  /* an exhibit's title is a link: it opens the exhibit */
  tr:has(a[iconname="information-circle"]) > td:not(:last-child) { cursor: pointer; white-space: normal; }
  tr:has(a[iconname="information-circle"]) > td:not(:last-child):hover { text-decoration: underline; }
  /* a figure fits the viewer (the figures are drawn at the paper's width, wider than the viewer at 300 dpi) */
  img[src^="data:image"] { max-width: 95%%; height: auto; object-fit: contain; }
  .scs-provenance { margin-top: 0.6em; }
  .scs-provenance code { white-space: pre-wrap; overflow-wrap: anywhere; }
  .scs-provenance code::before, .scs-provenance code::after { content: none; }
</style>
"""


def rebuild_command(path: str, rule: str, configfile: str | None = None) -> str:
    """The command that rebuilds one exhibit, in the activated environment: its rule rerun for that file
    (with the configuration file in use when it is not the project's config.yaml). The file comes before
    ``--forcerun``, which takes every word after it as a rule."""
    parts = ["snakemake", "--cores", "1"]
    if configfile:
        parts += [f"--configfile={configfile}"]
    return shlex.join([*parts, path, "--forcerun", rule])


def provenance_note(path: str, rule: str, data: Data, configfile: str | None = None) -> str:
    """The end of an exhibit's caption: the data it was built from and the command that rebuilds it."""
    return (f'<p class="scs-provenance"><strong>Data:</strong> {html.escape(data.label)} ({html.escape(data.source)} '
            f'data).<br><strong>Rebuild:</strong> <code>{html.escape(rebuild_command(path, rule, configfile))}</code>'
            "</p>")


def figure_title(result: dict) -> str:
    """A figure's own title (its label ``figure_title``, taken out of the labels) as the caption's first line;
    "" for an exhibit without one."""
    title = (result.get("labels") or {}).pop("figure_title", None)
    if not title:
        return ""
    return f"<p><strong>{html.escape(title.rstrip())}{'' if title.rstrip()[-1:] in '.?!' else '.'}</strong></p>"


def results_of(page: str) -> dict:
    """The report's table of results (path -> name, labels, caption, type, rule, data URI)."""
    m = _RESULTS.search(page)
    if not m:
        raise ValueError("no table of results in this page: not a report written by snakemake --report")
    return json.loads(m.group(2))


def finish(page: str, data: Data, *, configfile: str | None = None) -> str:
    """The report ``page`` with a caption end (data, rebuild command) for every exhibit and titles that open
    them. A page already finished is returned as it is."""
    if MARK in page:
        return page
    m = _RESULTS.search(page)
    results = results_of(page)
    for path, result in results.items():
        result["caption"] = (figure_title(result) + (result.get("caption") or "")
                             + provenance_note(path, result["job_properties"]["rule"], data, configfile))
    table = json.dumps(results).replace("</", "<\\/")
    page = page[:m.start(2)] + table + page[m.end(2):]
    extra = (STYLE + SCRIPT) % {"mark": MARK, "views": json.dumps(_VIEWS)}
    head, sep, tail = page.rpartition("</body>")
    if not sep:
        raise ValueError("the report has no </body>")
    return head + extra + sep + tail


def finish_file(path: str | Path, data: Data, *, configfile: str | None = None) -> None:
    """Finish the report written at ``path`` in place."""
    p = Path(path)
    p.write_text(finish(p.read_text(encoding="utf-8"), data, configfile=configfile), encoding="utf-8")
