"""Errors a user can act on, and the adapter that turns them into one line."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path


class PipelineError(Exception):
    """An error in the user's input or configuration.

    ``str()`` is one line naming the file, row, column and what was expected,
    as far as they are known.
    """

    def __init__(self, message: str, *, file=None, row=None, column=None, expected=None, got=None):
        self.message = message
        self.file, self.row, self.column = file, row, column
        self.expected, self.got = expected, got
        parts = []
        if file is not None:
            parts.append(str(file))
        if row is not None:
            parts.append(row if isinstance(row, str) and not row.isdigit() else f"row {row}")
        if column is not None:
            parts.append(f"column {column!r}")
        where = ", ".join(parts)
        text = f"{where}: {message}" if where else message
        if got is not None:
            text += f"; got {got!r}"
        if expected is not None:
            text += f"; expected {expected}"
        super().__init__(text)


def _profiled(main, log) -> None:
    """SCS_PROFILE=<folder>: a cProfile of the step to <folder>/<log name>.prof (for benchmarks)."""
    import cProfile

    folder = Path(os.environ["SCS_PROFILE"])
    folder.mkdir(parents=True, exist_ok=True)
    prof = cProfile.Profile()
    try:
        prof.runcall(main)
    finally:
        prof.dump_stats(folder / f"{Path(log).stem if log else 'step'}.prof")


def run_step(main, *, log: str | Path | None = None, outputs=()) -> None:
    """Run ``main()``; on failure print one clear line, keep the traceback in the log.

    Outputs named in ``outputs`` are removed on failure so that nothing partial
    is left behind. Exits with status 1 on a ``PipelineError`` and 2 on any
    other exception (a bug: the message says so).
    """
    handlers = [logging.StreamHandler(sys.stderr)]
    if log:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log, mode="w", encoding="utf-8"))
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=handlers, force=True)
    for noisy in ("fontTools", "matplotlib", "PIL"):  # (their INFO lines say nothing to a reader of the build)
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        _profiled(main, log) if os.environ.get("SCS_PROFILE") else main()
    except Exception as exc:
        for out in outputs:
            p = Path(out)
            if p.is_file():
                p.unlink()
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(traceback.format_exc())
        if isinstance(exc, PipelineError):
            sys.stderr.write(f"ERROR: {exc}\n")
            sys.exit(1)
        sys.stderr.write(
            f"INTERNAL ERROR ({type(exc).__name__}): {exc}\n"
            f"This is a bug in the pipeline, not in your data; the traceback is in {log or 'stderr'}.\n"
        )
        if not log:
            traceback.print_exc()
        sys.exit(2)
