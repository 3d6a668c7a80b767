"""Execute a jupytext notebook and save byte-stable .ipynb and .html copies."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
from nbconvert import HTMLExporter

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
    workflow passes: the notebook's slice of the config and the output folder, as papermill does."""
    import json

    src = "\n".join(f"{k} = {json.dumps(v, ensure_ascii=False, sort_keys=True)}" for k, v in parameters.items())
    src = "# Parameters injected by the workflow (rule `notebook`): this notebook's slice of config.yaml\n" + \
        src.replace("true", "True").replace("false", "False").replace("null", "None")
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


def show_table(df, *, digits: int = 3, caption: str | None = None):
    """A table as a reader wants it: no index column, fixed decimals (no scientific notation)."""
    from IPython.display import display

    num = df.select_dtypes("number").columns
    fmt = f"{{:,.{digits}f}}"
    styler = df.style.set_uuid(f"t{next(_TABLES)}").hide(axis="index").format(dict.fromkeys(num, fmt), na_rep="")
    ints = [c for c in num if str(df[c].dtype).startswith(("int", "Int"))]
    styler = styler.format({c: "{:,.0f}" for c in ints}, na_rep="")
    if caption:
        styler = styler.set_caption(caption)
    # HTML and plain text only: a Styler's own text form carries its memory address (not reproducible)
    display({"text/html": styler.to_html(), "text/plain": df.to_string(index=False)}, raw=True)


def show_figure(fig, alt: str, *, width: int | None = None):
    """A matplotlib figure as a PNG whose HTML carries ``alt`` as its alternative text."""
    import base64
    import io

    import matplotlib.pyplot as plt
    from IPython.display import display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    meta = {"image/png": {"alt": alt, **({"width": width} if width else {})}}
    display({"image/png": base64.b64encode(buf.getvalue()).decode()}, raw=True, metadata=meta)


def show_image(path, alt: str, *, width: int = 800):
    """A PNG the workflow made, with its alternative text."""
    import base64
    from pathlib import Path as _P

    from IPython.display import display

    data = base64.b64encode(_P(path).read_bytes()).decode()
    display({"image/png": data}, raw=True, metadata={"image/png": {"alt": alt, "width": width}})
