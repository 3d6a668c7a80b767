"""The numbers a stage states, under their registry keys: what a stage computes for the outputs to print.

A stage fills a :class:`StatedNumbers` (a key, the value and its kind: mean, coef, se, p, count, ...); the
renderers in :mod:`scs.report` only print them (looked up by key, so a printed number is always a registered
one), and the registry is written from them. Key names are made here, in the stages, never in a renderer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

KINDS = ("mean", "coef", "se", "pct", "share", "r2", "alpha", "count", "weight", "ratio", "small", "p", "suppressed")


def small_cell(n, min_cell: int):
    """Whether a cell of ``n`` respondents is withheld (disclosure control): at least one and fewer than
    ``min_cell`` (an empty cell shows no one and is printed as 0). ``n``: a number or an array/Series of them."""
    return (n > 0) & (n < min_cell)


def _number(value) -> float | None:
    """A float, or None for a missing value (None, NaN, pandas' NA)."""
    try:
        value = float(value)
    except TypeError:  # None, pd.NA
        return None
    return None if math.isnan(value) else value


@dataclass(frozen=True)
class Stated:
    """One number as a stage states it (``value`` None: not computable; kind "suppressed": withheld)."""

    value: float | None
    kind: str
    unit: str = ""
    label: str = ""
    se: float | None = None
    ci: tuple[float, float] | None = None
    n: int | None = None
    floor: float | None = None  # the smallest p-value a resampling test can give, 1/(B+1)


@dataclass
class StatedNumbers:
    """The numbers one stage states, in the order it states them."""

    entries: dict[str, Stated] = field(default_factory=dict)

    def add(self, key: str, value, kind: str, *, unit: str = "", label: str = "", se=None, ci=None, n=None,
            floor: float | None = None) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} of registry key {key!r}")
        if key in self.entries:
            raise ValueError(f"registry key {key!r} stated twice")
        value = _number(value)
        self.entries[key] = Stated(value, kind, unit, label, _number(se), None if ci is None else tuple(ci),
                                   None if _number(n) is None else int(n), floor)
        return key

    def suppress(self, key: str, *, unit: str = "") -> str:
        """A cell withheld for disclosure control: no value is kept."""
        if key in self.entries:
            raise ValueError(f"registry key {key!r} stated twice")
        self.entries[key] = Stated(None, "suppressed", unit)
        return key

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def __getitem__(self, key: str) -> Stated:
        return self.entries[key]

    def __len__(self) -> int:
        return len(self.entries)

    def frame(self):
        """The numbers as a tidy table (one row per key)."""
        import pandas as pd

        return pd.DataFrame([{"key": k, **{f: getattr(e, f) for f in e.__dataclass_fields__}}
                             for k, e in self.entries.items()])
