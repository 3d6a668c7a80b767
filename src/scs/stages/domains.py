"""Subgroups and crosstabs: every battery item and index by the levels of group variables, and weighted
two-way tables with the Rao-Scott test (results as tables).

A domain estimate is the ratio estimator on the whole design with the domain's indicator: the weighted
mean over the respondents in the level who answered (sum of w d y over sum of w d, d = 1 in the domain, 0
elsewhere), its linearization over every respondent with the calibration step and its replicates recomputed
with each replicate weight (:func:`scs.survey.means.means`; R: ``svyby(~y, ~g, design, svymean, na.rm =
TRUE)`` on the calibrated design, never a design cut down to the level). A respondent without a value of the
group variable is in no level (as in ``svyby``). The two shares are those of the item stage
(:func:`scs.stages.items.answer_shares`); n counts the level's substantive answers, and the interval is a t
interval with the domain's degrees of freedom, as the item estimates'.

Crosstabs: the weighted share of each cell and of each column level within each row level (domain means of
0/1 indicators over the respondents with both variables) and the Rao-Scott test of independence
(:func:`scs.survey.crosstab.rao_scott`, linearization with the calibration step; R: ``svychisq(~a + b,
design, statistic = "F")``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scs.errors import PipelineError
from scs.io.labels import derived_levels, value_labels
from scs.numbers import StatedNumbers, small_cell
from scs.settings import Settings
from scs.stages.items import answer_shares, entries, values
from scs.stages.result import StageResult
from scs.survey import crosstab
from scs.survey.design import Design
from scs.survey.means import means, stack

ALL = "all"              # the group (and level) of the estimates over every respondent
TOTAL = "total"          # the row of a crosstab over every row level
MAX_LEVELS = 30          # more levels than this: a numeric variable, not a grouping
SHARES = ("support", "oppose")


@dataclass(frozen=True)
class Variable:
    """How a group or crosstab variable is shown: its label and its levels' labels (value -> label, in the
    codebook's order)."""

    label: str
    levels: Mapping[object, str]


def _display(text: str) -> str:
    """A level label as printed: the codebook's text with its first letter capitalized, "_" as spaces."""
    text = str(text).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _norm(value):
    """A level value as the tables write it: whole numbers as int, other numbers as float, text as text."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else float(value)
    return str(value)


def slug(value) -> str:
    """A level's part of a registry key: letters, digits and "_" ("18-29" -> 18_29, "60+" -> 60plus)."""
    text = re.sub(r"[^A-Za-z0-9]+", "_", str(_norm(value)).replace("+", "plus")).strip("_")
    return text or "level"


def check(s: Settings, codebook) -> None:
    """Every variable of the ``domains`` section is an analysis variable of the codebook, each crosstab pairs
    two variables, and each has a label (one line naming what is wrong)."""
    if not s.domains:
        return
    known = {*codebook.by_var, *codebook.derived}
    unknown = [v for v in s.domains.variables if v not in known]
    if unknown:
        raise PipelineError(f"domains names variables the codebook does not define: {', '.join(unknown)}",
                            file=s.file, expected="analysis names of the codebook (its columns' var or derived)")
    for pair in s.domains.crosstabs:
        if pair[0] == pair[1]:
            raise PipelineError(f"domains.crosstabs pairs {pair[0]} with itself", file=s.file,
                                expected="two different variables [rows, columns]")
    variables(s, codebook)


def variables(s: Settings, codebook) -> dict[str, Variable]:
    """The label and level labels of every variable of the ``domains`` section: ``domains.labels`` (else the
    codebook's question text) and ``domains.level_labels`` (else the codebook's value labels, or the
    categories of a derived variable)."""
    out = {}
    for var in s.domains.variables:
        col = codebook.by_var.get(var)
        label = s.domains.labels.get(var) or (str(col["en"]) if col is not None and col.get("en") else None)
        if not label:
            raise PipelineError(f"domains: no label for {var} (a derived variable has no question text)",
                                file=s.file, expected=f"a label under domains.labels, e.g. {var}: ...")
        if col is not None:
            levels = {k: _display(v) for k, v in codebook.valid_codes(col).items()}
        elif (vl := value_labels(codebook, var)) is not None:
            levels = {k: _display(v) for k, v in vl.items()}
        else:
            levels = {v: _display(v) for v in derived_levels(codebook, var) or []}
        own = {str(k): v for k, v in (s.domains.level_labels.get(var) or {}).items()}
        levels = {k: own.pop(str(k), v) for k, v in levels.items()}
        levels.update(own)  # levels the codebook does not list
        out[var] = Variable(label, levels)
    return out


def _levels(column: pd.Series, known: Variable | None, var: str, where: str) -> tuple[list, list[str], np.ndarray]:
    """The levels of a variable present in ``column`` (the codebook's order first, then the others sorted),
    their labels, and each respondent's level index (-1: missing)."""
    text = column.map(lambda v: None if pd.isna(v) else str(_norm(v)))
    present = {str(_norm(v)): _norm(v) for v in column.dropna().unique()}
    labels = {str(k): lab for k, lab in (known.levels.items() if known else [])}
    order = [k for k in labels if k in present]
    order += sorted((k for k in present if k not in labels),
                    key=lambda k: (isinstance(present[k], str), present[k] if not isinstance(present[k], str) else k))
    if len(order) > MAX_LEVELS:
        raise PipelineError(f"{where}: {var} has {len(order)} levels (more than {MAX_LEVELS})", file=var,
                            expected="a categorical variable (group a numeric one into bins in the codebook's derived)")
    slugs = [slug(present[k]) for k in order]
    if len(set(slugs)) < len(slugs) or TOTAL in slugs:
        raise PipelineError(f"{where}: two levels of {var} give the same registry key ({slugs}), or one is "
                            f"{TOTAL!r}", file=var, expected="distinct level values")
    index = {k: i for i, k in enumerate(order)}
    idx = text.map(lambda k: -1 if k is None else index[k]).to_numpy(dtype=int)
    return [present[k] for k in order], [labels.get(k, _display(k)) for k in order], idx


def _missing_var(frame: pd.DataFrame, var: str) -> None:
    if var not in frame.columns:
        raise PipelineError(f"domains: the analysis data have no variable {var}", file="indices/analysis.parquet",
                            expected="an analysis variable of the codebook")


# ----------------------------------------------------------------------------------------- domain estimates
def domain_means(design: Design, frame: pd.DataFrame, s: Settings, labels: Mapping[str, Variable] | None = None):
    """The domain mean and the two shares of every battery item and index in every level of every group
    (and over all respondents): a list of (row description, the :class:`~scs.survey.means.MeanEstimates` of
    its mean, support and oppose columns, the unweighted mean)."""
    labels = labels or {}
    groups = []
    for g in s.domains.by:
        _missing_var(frame, g)
        vals, labs, idx = _levels(frame[g], labels.get(g), g, "domains.by")
        groups.append((g, labels[g].label if g in labels else _display(g), vals, labs, idx))
    out = []
    for battery, var, label, kind in entries(s):
        rs = s.response_scale_of(battery)
        x = values(frame, var)
        sup, opp = answer_shares(x, rs.support, rs.oppose, kind)
        parts = [(ALL, "All respondents", [ALL], ["All respondents"], np.zeros(len(x), dtype=int))] + groups
        for g, glabel, vals, labs, idx in parts:
            cols, names = [], []
            for j, v in enumerate(vals):
                inside = idx == j
                for stat, col in (("mean", x), ("support", sup), ("oppose", opp)):
                    cols.append(np.where(inside, col, np.nan))
                    names.append(f"{var}|{g}|{slug(v)}|{stat}")
            est = means(design, stack(cols), names)
            for j, (v, lab) in enumerate(zip(vals, labs)):
                inside = (idx == j) & ~np.isnan(x)
                out.append(({"scale": battery, "var": var, "label": label, "kind": kind, "group": g,
                             "group_label": glabel, "level": v, "level_label": lab}, est, 3 * j,
                            float(np.mean(x[inside])) if inside.any() else np.nan))
    return out


def domain_estimates(design: Design, frame: pd.DataFrame, s: Settings,
                     labels: Mapping[str, Variable] | None = None) -> pd.DataFrame:
    """One row per battery item or index, group and level (group ``all``: every respondent): n (substantive
    answers in the level), weighted mean with its SE (the reported one, and each method's) and CI, % support
    and % oppose with theirs, and the unweighted mean."""
    ci = s.estimates.ci_level
    rows = []
    cache = {}
    for desc, est, k, unweighted in domain_means(design, frame, s, labels):
        if id(est) not in cache:
            cache[id(est)] = (est.ci(ci), est.se_reps.get("jackknife"), est.se_reps.get("bootstrap"))
        (lo, hi), jk, boot = cache[id(est)]
        row = {**desc, "n": int(est.n[k]), "mean": est.est[k], "se": est.se[k], "ci_low": lo[k], "ci_high": hi[k],
               "df": int(est.df[k]), "variance": est.method, "se_linearization": est.se_lin[k],
               "se_jackknife": jk[k] if jk is not None else np.nan, "se_boot": boot[k] if boot is not None else np.nan}
        for i, share in enumerate(SHARES, start=1):
            row.update({f"pct_{share}": 100 * est.est[k + i], f"pct_{share}_se": 100 * est.se[k + i],
                        f"pct_{share}_ci_low": 100 * lo[k + i], f"pct_{share}_ci_high": 100 * hi[k + i],
                        f"pct_{share}_se_linearization": 100 * est.se_lin[k + i]})
        row["mean_unweighted"] = unweighted
        rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------- crosstabs
NOISE_SE = 1e-9  # an SE of a share below this is the calibration's rounding noise: a margin the weights fix


def _without_noise(est):
    """Shares whose SEs are rounding noise (the share of a level of a calibration variable, which the weights
    fix, and each replicate's to its convergence tolerance) with SE 0: their digits would differ between
    machines."""
    est.se_lin = np.where(est.se_lin < NOISE_SE, 0.0, est.se_lin)
    est.se_reps = {k: np.where(v < NOISE_SE, 0.0, v) for k, v in est.se_reps.items()}
    return est


def crosstabs(design: Design, frame: pd.DataFrame, s: Settings,
              labels: Mapping[str, Variable] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For each pair of ``domains.crosstabs``: the cells (n, weighted % of the table and % of the row, with
    SEs and CIs; a ``total`` row: the column variable over every row level) and the Rao-Scott test."""
    labels = labels or {}
    ci = s.estimates.ci_level
    cells, tests = [], []
    for a, b in s.domains.crosstabs:
        for v in (a, b):
            _missing_var(frame, v)
        both = frame[a].notna() & frame[b].notna()  # the levels of the respondents in the table
        va, la, ia = _levels(frame[a].where(both), labels.get(a), a, "domains.crosstabs")
        vb, lb, ib = _levels(frame[b].where(both), labels.get(b), b, "domains.crosstabs")
        nr, nc = len(va), len(vb)
        alab = labels[a].label if a in labels else _display(a)
        blab = labels[b].label if b in labels else _display(b)
        rs = crosstab.rao_scott(design, ia, ib, nr, nc)
        tests.append({"row_var": a, "col_var": b, "row_label": alab, "col_label": blab, "n": rs.n, "rows": nr,
                      "cols": nc, "chisq": rs.chisq, "F": rs.F, "ndf": rs.ndf, "ddf": rs.ddf, "p": rs.p,
                      "deff": rs.deff, "variance": "linearization",
                      "test": "Rao-Scott second-order corrected F (R: svychisq, statistic = \"F\")"})
        cell = crosstab.cell_indicators(ia, ib, nr, nc)
        ok = (ia >= 0) & (ib >= 0)
        # % of the row: the column level's indicator within each row level (and within the whole table)
        row_cols, keys = [], []
        for i in [*range(nr), TOTAL]:
            inside = ok if i == TOTAL else ok & (ia == i)
            for j in range(nc):
                row_cols.append(np.where(inside, (ib == j).astype(float), np.nan))
                keys.append((i, j))
        est_cell = _without_noise(means(design, cell, [f"{a}|{b}|{k}" for k in range(nr * nc)]))
        est_row = _without_noise(means(design, stack(row_cols), [f"{a}|{b}|{i}|{j}|row" for i, j in keys]))
        (clo, chi), (rlo, rhi) = est_cell.ci(ci), est_row.ci(ci)
        for m, (i, j) in enumerate(keys):
            total = i == TOTAL
            k = None if total else i + nr * j
            n_cell = int(np.sum(ok & (ib == j) & (True if total else ia == i)))
            n_row = int(np.sum(ok & (True if total else ia == i)))
            rows = {"row_var": a, "col_var": b, "row_level": TOTAL if total else va[i],
                    "row_level_label": "All" if total else la[i], "col_level": vb[j], "col_level_label": lb[j],
                    "n": n_cell, "n_row": n_row}
            rows.update({"pct": 100 * (est_cell.est[k] if not total else np.nan),
                         "pct_se": 100 * est_cell.se[k] if not total else np.nan,
                         "pct_ci_low": 100 * clo[k] if not total else np.nan,
                         "pct_ci_high": 100 * chi[k] if not total else np.nan,
                         "pct_se_linearization": 100 * est_cell.se_lin[k] if not total else np.nan,
                         "pct_row": 100 * est_row.est[m], "pct_row_se": 100 * est_row.se[m],
                         "pct_row_ci_low": 100 * rlo[m], "pct_row_ci_high": 100 * rhi[m],
                         "pct_row_se_linearization": 100 * est_row.se_lin[m], "df": int(est_row.df[m]),
                         "variance": est_row.method})
            cells.append(rows)
    return pd.DataFrame(cells), pd.DataFrame(tests)


# ------------------------------------------------------------------------------------------------- numbers
DOMAIN_STATS = ("mean", "ci_low", "ci_high", "se", "pct_support", "pct_oppose", "n")


def domain_key(var: str, group: str, level, stat: str) -> str:
    return f"domains.{var}.{group}.{slug(level)}.{stat}"


def crosstab_key(a: str, b: str, *parts) -> str:
    return ".".join(["crosstab", a, b, *(slug(p) for p in parts[:-1]), parts[-1]]) if parts else f"crosstab.{a}.{b}"


def domain_numbers(est: pd.DataFrame, min_cell: int) -> StatedNumbers:
    """The estimates of every item and index in every level of every group (not the ``all`` rows, which
    the item stage states); a level with fewer than ``min_cell`` answers withheld."""
    nums = StatedNumbers()
    for r in est[est.group != ALL].itertuples():
        def add(stat, v, kind, r=r, **kw):
            return nums.add(domain_key(r.var, r.group, r.level, stat), v, kind, **kw)

        if r.n == 0:
            add("n", 0, "count")
        elif small_cell(r.n, min_cell):
            for stat in DOMAIN_STATS:
                nums.suppress(domain_key(r.var, r.group, r.level, stat))
        else:
            where = f"{r.label}, {r.group_label}: {r.level_label}"
            add("mean", r.mean, "mean", se=r.se, ci=(r.ci_low, r.ci_high), n=r.n, unit="scale",
                label=f"{where}: weighted mean")
            add("ci_low", r.ci_low, "mean")
            add("ci_high", r.ci_high, "mean")
            add("se", r.se, "se")
            for share in SHARES:
                add(f"pct_{share}", getattr(r, f"pct_{share}"), "pct", se=getattr(r, f"pct_{share}_se"),
                    ci=(getattr(r, f"pct_{share}_ci_low"), getattr(r, f"pct_{share}_ci_high")), unit="percent",
                    label=f"{where}: % {share}")
            add("n", r.n, "count", unit="respondents")
    return nums


def crosstab_numbers(cells: pd.DataFrame, tests: pd.DataFrame, min_cell: int) -> StatedNumbers:
    """Each crosstab's % of the row of every cell (withheld when the cell or its row has fewer than
    ``min_cell`` respondents), its rows' n and the Rao-Scott test (pooling every respondent: not withheld)."""
    nums = StatedNumbers()
    for t in tests.itertuples():
        sub = cells[(cells.row_var == t.row_var) & (cells.col_var == t.col_var)]
        for level, g in sub.groupby("row_level", sort=False):
            n_row = int(g["n_row"].iloc[0])
            if level != TOTAL:
                key = crosstab_key(t.row_var, t.col_var, level, "n")
                (nums.suppress(key) if small_cell(n_row, min_cell) else nums.add(key, n_row, "count", unit="respondents"))
            for c in g.itertuples():
                key = crosstab_key(t.row_var, t.col_var, level, c.col_level, "pct_row")
                if small_cell(n_row, min_cell) or small_cell(c.n, min_cell):
                    nums.suppress(key, unit="percent")
                else:
                    nums.add(key, c.pct_row, "pct", se=c.pct_row_se, ci=(c.pct_row_ci_low, c.pct_row_ci_high),
                             unit="percent", label=f"{t.row_label} {c.row_level_label}: % {t.col_label} "
                             f"{c.col_level_label}")
        nums.add(crosstab_key(t.row_var, t.col_var, "n"), t.n, "count", unit="respondents")
        nums.add(crosstab_key(t.row_var, t.col_var, "F"), t.F, "ratio",
                 label=f"{t.row_label} by {t.col_label}: Rao-Scott F")
        nums.add(crosstab_key(t.row_var, t.col_var, "ndf"), t.ndf, "ratio")
        nums.add(crosstab_key(t.row_var, t.col_var, "ddf"), t.ddf, "ratio")
        nums.add(crosstab_key(t.row_var, t.col_var, "p"), t.p, "p")
    return nums


def run(design: Design, frame: pd.DataFrame, s: Settings, labels: Mapping[str, Variable] | None = None) -> StageResult:
    """The domains stage: every battery item and index by each group of ``domains.by``, and the crosstabs of
    ``domains.crosstabs`` with their tests. ``labels`` (:func:`variables`, from the codebook): the variables'
    and levels' labels and the levels' order (without: the values, sorted).

    Tables: ``estimates``, ``cells``, ``tests`` (unwithheld: the adapter withholds small cells when it
    releases them). Numbers: those of ``estimates`` and of the crosstabs (``crosstabs``: cells and tests),
    small cells already withheld."""
    min_cell = s.disclosure.min_cell
    est = domain_estimates(design, frame, s, labels)
    cells, tests = crosstabs(design, frame, s, labels)
    return StageResult(tables={"estimates": est, "cells": cells, "tests": tests},
                       numbers={"estimates": domain_numbers(est, min_cell),
                                "crosstabs": crosstab_numbers(cells, tests, min_cell)})
