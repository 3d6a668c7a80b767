"""What every stage gives: its tables, the numbers each table prints, and diagnostics.

A stage is a function ``run(inputs, settings) -> StageResult``. The Snakemake adapters write a result's
tables and hand its numbers to the registry (each number with the table that prints it); the in-memory
pipeline, the multiverse, the tests and the benchmarks call the same functions. Renderers only format a
result's tables with its numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scs.numbers import StatedNumbers


@dataclass(frozen=True)
class StageResult:
    tables: Mapping[str, object]                # name -> pandas DataFrame
    numbers: Mapping[str, StatedNumbers]        # name of the table that prints them -> the numbers
    diagnostics: Mapping[str, object] = field(default_factory=dict)

    def __getitem__(self, name: str):
        """A table by name (or, failing that, a diagnostic)."""
        if name in self.tables:
            return self.tables[name]
        if name in self.diagnostics:
            return self.diagnostics[name]
        raise KeyError(f"the stage result has no table or diagnostic {name!r}; tables: {sorted(self.tables)}")

    def numbers_frame(self):
        """Every number of the result as one tidy table (key, value, kind, ..., the table that prints it)."""
        import pandas as pd

        parts = [n.frame().assign(table=name) for name, n in self.numbers.items() if len(n)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["key", "table"])
