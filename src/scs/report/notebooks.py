"""Execute a jupytext notebook and save byte-stable .ipynb and .html copies."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
from nbconvert import HTMLExporter

from scs.report.shown import (  # noqa: F401 - the notebooks import them from here
    Labels,
    formula_words,
    in_sentence,
    in_words,
    label_maps,
    readable,
    response_scales,
    term_label,
)

VOLATILE_CELL_KEYS = ("execution", "papermill", "collapsed", "scrolled")


def strip_volatile(nb) -> None:
    """Drop timestamps and run-specific metadata so that reruns give the same bytes."""
    for key in ("papermill", "widgets"):
        nb.metadata.pop(key, None)
    lang = nb.metadata.get("language_info", {})
    lang.pop("version", None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        cell.pop("id", None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    nb.nbformat_minor = 4


def merge_streams(outputs):
    """Join adjacent stdout/stderr chunks: how the kernel splits a stream depends on timing."""
    merged = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] = "".join(merged[-1]["text"]) + "".join(out["text"])
        else:
            if out.get("output_type") == "stream":
                out["text"] = "".join(out["text"])
            merged.append(out)
    return merged


PARAMETERS_TAG = "parameters"


def inject_parameters(nb, parameters: dict) -> None:
    """Replace the cell tagged "parameters" (its defaults for interactive use) by the values the
    workflow passes: the notebook's slice of the config and the output folder, as papermill does. The
    values are Python literals in the configuration's own order (a notebook iterates over the scales,
    rules and margins in the order they are configured)."""
    src = "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    src = "# Parameters injected by the workflow (rule `notebooks`): this notebook's slice of the configuration\n" + src
    for cell in nb.cells:
        if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            cell.source = src
            return
    raise ValueError("the notebook has no cell tagged 'parameters'")


_EXPORTERS: dict = {}


def _save(nb, source, ipynb, html) -> None:
    strip_volatile(nb)
    Path(ipynb).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(ipynb))
    templates = str(Path(source).resolve().parent / "templates")  # figures carry their alternative text
    if templates not in _EXPORTERS:  # one exporter (its templates loaded once) for every notebook
        _EXPORTERS[templates] = HTMLExporter(template_name="scs", extra_template_basedirs=[templates])
    body, _ = _EXPORTERS[templates].from_notebook_node(nb)
    Path(html).write_text(body, encoding="utf-8")


RESET = "%reset -f\nimport scs.report.notebooks\nscs.report.notebooks.reset_table_ids()"


def execute_all(jobs, *, cwd: str | Path, timeout: int = 600, progress=None) -> None:
    """Execute several jupytext notebooks in one kernel, one after the other, and save each as byte-stable
    .ipynb and .html. ``jobs``: (source, ipynb, html, parameters) per notebook. Between two notebooks the
    kernel's namespace is emptied (%reset), so that each runs as if alone; the modules it imported stay
    loaded, which saves a kernel start and the imports per notebook."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    first = None
    try:
        for source, ipynb, html, parameters in jobs:
            nb = jupytext.read(str(source))
            nb.metadata.pop("jupytext", None)
            if parameters is not None:
                inject_parameters(nb, parameters)
            if progress:
                progress(source)
            kw = {"timeout": timeout, "kernel_name": "python3", "resources": {"metadata": {"path": str(cwd)}},
                  # the kernel talks to this process over loopback only; keep its start-up chatter out of the console
                  "extra_arguments": ["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"]}
            if first is None:
                first = NotebookClient(nb, **kw)
                first.execute(cleanup_kc=False)
            else:
                NotebookClient(new_notebook(cells=[new_code_cell(RESET)]), km=first.km, kc=first.kc, **kw).execute()
                NotebookClient(nb, km=first.km, kc=first.kc, **kw).execute()
            _save(nb, source, ipynb, html)
    finally:
        if first is not None:
            first._cleanup_kernel()


def execute(source: str | Path, ipynb: str | Path, html: str | Path, *, cwd: str | Path, timeout: int = 600,
            parameters: dict | None = None) -> None:
    """Execute one notebook in a kernel of its own (see :func:`execute_all`)."""
    execute_all([(source, ipynb, html, parameters)], cwd=cwd, timeout=timeout)


# --------------------------------------------------------------------------- used inside the notebooks
_TABLES = iter(range(1, 10**6))  # ids of the tables in a notebook, in order (pandas would draw random ones)


def reset_table_ids() -> None:
    """Number a notebook's tables from 1 (a kernel that runs several notebooks calls this between them)."""
    global _TABLES
    _TABLES = iter(range(1, 10**6))


def _is_number(v) -> bool:
    import numbers

    return isinstance(v, numbers.Number) and not isinstance(v, bool)


def _missing(v) -> bool:
    import pandas as pd

    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def _text_or_number(v, kind: str) -> str:
    """A cell of a column of numbers of ``kind``: a number (or a number read as text from a CSV) as the registry
    prints it; any other text (a withheld cell, "<10") as it is."""
    from scs.report.registry import fmt, released

    if isinstance(v, str):
        try:
            v = float(v.replace(",", ""))
        except ValueError:
            return v
    return fmt(released(v, kind), kind)


def formatted(df, kinds: dict | None = None):
    """``df`` as the tables print it: every cell a string. A column named in ``kinds`` prints its numbers as
    the registry prints that kind (``scs.report.registry.FORMATS``: a mean with 2 decimals, a coefficient
    with 3, a percentage with 1, a count with thousands separators, a p-value as "<0.001"); its text cells
    (a withheld cell, "<10") print as they are. Whole-number columns print as counts and booleans as
    yes/no; any other column holding numbers must be given a kind (ValueError), so that no float prints
    with more decimals than the tables'. Missing cells print empty."""
    import pandas as pd

    from scs.report.registry import FORMATS, fmt

    kinds = dict(kinds or {})
    unknown = {k: v for k, v in kinds.items() if v not in FORMATS}
    if unknown:
        raise ValueError(f"unknown kind(s) {unknown}; the kinds are {sorted(FORMATS)}")
    absent = sorted(set(kinds) - set(df.columns))
    if absent:
        raise ValueError(f"kinds given for columns the table does not have: {absent}")
    out = {}
    for c in df.columns:
        s = df[c]
        if c in kinds:
            kind = kinds[c]
            out[c] = ["" if _missing(v) else _text_or_number(v, kind) for v in s]
        elif pd.api.types.is_bool_dtype(s):
            out[c] = ["" if _missing(v) else ("yes" if v else "no") for v in s]
        elif pd.api.types.is_integer_dtype(s):
            out[c] = ["" if _missing(v) else fmt(float(v), "count") for v in s]
        elif pd.api.types.is_numeric_dtype(s) or any(_is_number(v) for v in s if not _missing(v)):
            raise ValueError(f"column {c!r} holds numbers: say how they print (kinds={{{c!r}: ...}})")
        else:
            out[c] = ["" if _missing(v) else str(v) for v in s]
    return pd.DataFrame(out, columns=list(df.columns))


def numeric_columns(df, kinds: dict | None = None) -> list:
    """The columns that print numbers (right-aligned): those given a kind, whole-number and boolean columns."""
    import pandas as pd

    return [c for c in df.columns if c in (kinds or {}) or pd.api.types.is_integer_dtype(df[c])
            or pd.api.types.is_bool_dtype(df[c])]


def show_table(df, *, kinds: dict | None = None, caption: str | None = None):
    """A table as a reader wants it: no index column, every number formatted as the registry prints its
    kind (:func:`formatted`), numbers right-aligned and text left-aligned."""
    from IPython.display import display

    text = formatted(df, kinds)
    right = numeric_columns(df, kinds)
    left = [c for c in df.columns if c not in right]
    styler = text.style.set_uuid(f"t{next(_TABLES)}").hide(axis="index")
    if right:
        styler = styler.set_properties(subset=right, **{"text-align": "right"})
    if left:
        styler = styler.set_properties(subset=left, **{"text-align": "left"})
    styler = styler.set_table_styles([{"selector": "th.col_heading", "props": [("text-align", "center")]}])
    if caption:
        styler = styler.set_caption(caption)
    # HTML and plain text only: a Styler's own text form carries its memory address (not reproducible)
    display({"text/html": styler.to_html(), "text/plain": text.to_string(index=False)}, raw=True)


def in_codebook_order(values, order, *, last=("unknown",)) -> list:
    """The distinct ``values`` in the codebook's order of the categories (``Codebook.categories``; compared as
    text, so that the codes of a CSV match): the categories the codebook lists first, in its order; then any
    others in the order they came; then those named in ``last`` (answers the codebook does not list)."""
    rank = {str(c): i for i, c in enumerate(order)}
    seen = list(dict.fromkeys(values))
    listed = sorted((v for v in seen if str(v) in rank), key=lambda v: rank[str(v)])
    tail = [v for v in seen if str(v) in {str(x) for x in last} and str(v) not in rank]
    others = [v for v in seen if v not in listed and v not in tail]
    return listed + others + tail


def wrap(text: str, width: int = 40) -> str:
    """A long label broken into lines at spaces (never in the middle of a word)."""
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=False, break_on_hyphens=False)) or ""


def as_stated(entry: dict) -> str:
    """A number of the registry (its entry in numbers.json) as a sentence states it: as formatted, but a share
    (kind ``share``: "0.490") as a percentage with the same digits ("49.0%", as the tables of shares print
    them), and a p-value (kind ``p``) with its relation, to follow a "p": "= 0.014", "< 0.001", "\u2264 1/1000".
    A withheld number ("<10") reads as it is printed."""
    import re
    from decimal import Decimal

    text, kind = entry["formatted"], entry.get("kind")
    if entry.get("suppressed") or entry.get("value") is None:
        return text
    if kind == "share" and re.fullmatch(r"-?\d+\.\d+", text):
        places = max(len(text.split(".")[1]) - 2, 0)  # the same digits: 0.490 -> 49.0
        return f"{Decimal(text) * 100:.{places}f}%"
    if kind == "p":
        m = re.fullmatch(r"([<>\u2264\u2265])\s*(.+)", text)
        return f"{m.group(1)} {m.group(2)}" if m else f"= {text}"
    return text


def show_data(data: dict) -> None:
    """The line every notebook starts with: which data it was built from (``data.label``), and, unless the data
    are real (``data.source``), that they are generated, so that nothing in it is a finding."""
    from IPython.display import Markdown, display

    display(Markdown(f"**Data: {data['label']}**"))
    note = data_note(data.get("source", "real"))
    if note:
        display(Markdown(f"> {note}"))


DATA_NOTES = {
    "synthetic": "Built from generated data (a synthetic stand-in): nothing here is a finding about the people "
                 "surveyed.",
    "simulated": "Built from simulated data: nothing here is a finding about the people surveyed.",
}


def data_note(source: str) -> str:
    """The note on data that are not a survey's answers ("" for real data)."""
    if source == "real":
        return ""
    return DATA_NOTES.get(source, f"Built from {source} data, not real answers: nothing here is a finding.")


def share_definition(rs: dict, kind: str = "both") -> str:
    """What the two shares of a scale are, in words: for an item, the answers counted (code and label); for an
    index (the mean of a respondent's answered items), a mean at or above the lowest code of the first share
    or at or below the highest code of the second (``scs.stages.items.answer_shares``)."""
    labels = {int(k): v for k, v in rs["labels"].items()}

    def answers(codes):
        named = [f"{c} ({labels[c]})" if c in labels else str(c) for c in codes]
        return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]

    agree, disagree = rs["agree"], rs["disagree"]
    item = (f"for an item, % {agree} is the share answering {answers(rs['support'])} and % {disagree} the share "
            f"answering {answers(rs['oppose'])}")
    index = (f"for an index, the share of respondents whose index (the mean of their answered items) is at or "
             f"above {min(rs['support']):g} (% {agree}) or at or below {max(rs['oppose']):g} (% {disagree})")
    return {"item": item, "index": index}.get(kind, f"{item}; {index}")


def value_bins(low: float, high: float, k: int):
    """Histogram bin edges for the mean of ``k`` whole-number answers between ``low`` and ``high``: one bin
    centred on each value such a mean can take (steps of 1/k), so that no bin holds two of them and none is
    empty by construction (a mean of fewer answered items falls into the bin of the nearest step)."""
    import numpy as np

    steps = int(round((high - low) * k))
    return (np.arange(steps + 2) - 0.5) / k + low


class Registry:
    """The registry of every number the outputs print (``numbers.json``): a notebook's sentences quote its
    numbers as formatted there, looked up by the keys the stages name (``scs.stages.*``'s ``*_key``)."""

    def __init__(self, path):
        import json
        from pathlib import Path as _P

        reg = json.loads(_P(path).read_text(encoding="utf-8"))
        self.path = str(path)
        self.numbers: dict = reg["numbers"]
        self.data_label: str = reg["data_label"]

    def __contains__(self, key: str) -> bool:
        return key in self.numbers

    def entry(self, key: str) -> dict:
        try:
            return self.numbers[key]
        except KeyError:
            raise KeyError(f"{key!r} is not a number of the registry ({self.path})") from None

    def __call__(self, key: str) -> str:
        """The number under ``key`` as the outputs print it (a withheld cell: "<10")."""
        return self.entry(key)["formatted"]

    def value(self, key: str) -> float | None:
        """The number under ``key`` (None: withheld or not computable), to compare or choose by."""
        return self.entry(key)["value"]

    def stated(self, key: str) -> str:
        """The number under ``key`` as a sentence states it (:func:`as_stated`: a share as a percentage, a
        p-value with its relation)."""
        return as_stated(self.entry(key))

    def reading(self, template: str, *, keys: dict, text: dict | None = None) -> None:
        """A sentence that reads a figure: ``template``'s ``{name}`` fields filled with the registry's numbers
        (``keys``: name -> registry key) and with words (``text``: name -> text, e.g. a configured label). A
        number reads as the tables print it, but for two kinds (:func:`as_stated`): a share reads as a
        percentage ("49.0%", as the tables of shares print them), a p-value with its relation ("= 0.014",
        "< 0.001": write "p {p}"). It is shown in the notebook with the keys it quotes, the registry's
        formatted numbers, the text each became and the words it was given (output metadata ``scs_reading``)."""
        import html

        from IPython.display import display

        text = dict(text or {})
        both = set(keys) & set(text)
        if both:
            raise ValueError(f"fields given both a key and a text: {sorted(both)}")
        numbers = {name: self(k) for name, k in keys.items()}
        stated = {name: self.stated(k) for name, k in keys.items()}
        md = template.format(**stated, **text)
        shown = template.format(**{n: html.escape(v) for n, v in {**stated, **text}.items()})
        display({"text/html": f'<p class="scs-reading"><strong>Reading.</strong> {shown}</p>',
                 "text/plain": f"Reading. {md}"}, raw=True,
                metadata={"scs_reading": {"keys": dict(keys), "formatted": numbers, "stated": stated, "words": text,
                                          "text": f"Reading. {md}"}})


def show_figure(fig, alt: str, *, width: int | None = None):
    """A matplotlib figure as a PNG whose HTML carries ``alt`` as its alternative text. A figure whose labels
    are drawn over each other (``scs.report.figures.text_overlaps``: tick labels running together) or whose
    legend covers its data (``legend_overlaps``: bars under the legend) stops the notebook."""
    import base64
    import io

    import matplotlib.pyplot as plt
    from IPython.display import display

    from scs.report.figures import legend_overlaps, text_overlaps

    # (a text beyond the figure's edge is kept: the notebook saves the figure with everything drawn in it)
    overlaps = [pair for pair in text_overlaps(fig) if pair[1] != "the edge of the figure"]
    problems = [f"labels drawn over each other: {overlaps[:5]}"] if overlaps else []
    problems += legend_overlaps(fig)
    if problems:
        plt.close(fig)
        raise ValueError(f"figure {alt!r}: {'; '.join(problems)}")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIGURE_DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    meta = {"image/png": {"alt": alt, **({"width": width} if width else {})}}
    display({"image/png": base64.b64encode(buf.getvalue()).decode()}, raw=True, metadata=meta)


FIGURE_DPI = 110  # the pixels per inch of a notebook's own figures; the workflow's figures are shown at this scale


def image_width(path) -> int:
    """The width in pixels at which a PNG the workflow made shows its type at the size of the notebook's own
    figures: its width in inches (from its resolution) at FIGURE_DPI."""
    from PIL import Image

    with Image.open(path) as im:
        dpi = float((im.info.get("dpi") or (FIGURE_DPI,))[0]) or FIGURE_DPI
        return round(im.width / dpi * FIGURE_DPI)


def show_image(path, alt: str, *, width: int | None = None):
    """A PNG the workflow made, with its alternative text, at the notebook's type size (:func:`image_width`;
    the page scales it down when it is wider than the page)."""
    import base64
    from pathlib import Path as _P

    from IPython.display import display

    data = base64.b64encode(_P(path).read_bytes()).decode()
    display({"image/png": data}, raw=True,
            metadata={"image/png": {"alt": alt, "width": width or image_width(path)}})
