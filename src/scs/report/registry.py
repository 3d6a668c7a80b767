"""The registry of every number the outputs state.

Each stage states its numbers under their keys (:class:`scs.numbers.StatedNumbers`); the renderers print
them through :class:`Printed`, which looks each up by key, so a printed number cannot be missing from the
registry; each rule writes its fragment (:class:`Numbers`) from what its stage stated. The ``registry`` rule
merges the fragments into ``numbers.json`` (with provenance) and ``numbers.tex`` (one LaTeX macro per number)
in the output folder; the ``verify`` rule compares them with the pins of the raw file (``pins/<data id>/`` for
the shipped analysis) and the ``drift`` rule stops the build when something moved.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from scs.config import file_sha256
from scs.numbers import StatedNumbers, small_cell
from scs.precision import P_SIGNIFICANT, SIGNIFICANT, noise_bound, round_sig
from scs.settings import Data, Verify

DIGITS = ["Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine"]

FORMATS = {
    "mean": "{:.2f}",
    "coef": "{:.3f}",
    "se": "{:.3f}",
    "pct": "{:.1f}",
    "share": "{:.3f}",
    "r2": "{:.3f}",
    "alpha": "{:.3f}",
    "count": "{:,.0f}",
    "weight": "{:.2f}",
    "ratio": "{:.2f}",
    "small": "<{:.0e}",   # a noise-sized diagnostic, stored as the power of ten above it
    "p": "p",
}


def fmt(value, kind: str, *, floor: float | None = None) -> str:
    """``value`` as printed. ``floor``: the smallest p-value a resampling test can give, 1/(B+1); a p-value at
    it prints as "≤ 1/(B+1)", since the test cannot say how much smaller the p-value is."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NA"
    if kind == "p" and floor is not None and value <= floor * (1 + 1e-9):
        return f"\u2264 1/{round(1 / floor)}"
    if kind == "p":
        return "<0.001" if value < 0.001 else f"{value:.3f}"
    if kind == "small" and value == 0:
        return "0"
    out = FORMATS[kind].format(value)
    return "0.000" if out == "-0.000" else ("0.00" if out == "-0.00" else out)


def released(value, kind: str) -> float | None:
    """A number as the registry holds it and the outputs print it: rounded once (scs.precision)."""
    value = None if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)) else float(value)
    if value is None:
        return None
    return noise_bound(value) if kind == "small" else round_sig(value, P_SIGNIFICANT if kind == "p" else SIGNIFICANT)


class Printed:
    """What a renderer prints: the numbers a stage stated, each looked up by its key and formatted."""

    def __init__(self, stated: StatedNumbers, *, min_cell: int | None = None):
        self.stated = stated
        self.min_cell = min_cell

    def withheld(self, key: str) -> bool:
        """Whether the number under ``key`` was withheld for disclosure control."""
        return self.stated[key].kind == "suppressed"

    def __call__(self, key: str) -> str:
        """The printed text of the number under ``key`` (KeyError: the stage did not state it)."""
        e = self.stated[key]
        if e.kind == "suppressed":
            if self.min_cell is None:
                raise ValueError(f"{key} was withheld, and the table was not told the minimum cell size")
            return f"<{self.min_cell}"
        return fmt(released(e.value, e.kind), e.kind, floor=e.floor)


class Numbers:
    """Numbers one rule states, with the file each is printed in (the rule's registry fragment)."""

    def __init__(self, rule: str):
        self.rule = rule
        self.entries: dict[str, dict] = {}

    def take(self, stated: StatedNumbers, *, file: str, min_cell: int | None = None) -> Numbers:
        """Every number a stage stated, printed in ``file``."""
        for key, e in stated.entries.items():
            if e.kind == "suppressed":
                self.suppress(key, file=file, min_cell=min_cell, unit=e.unit)
            else:
                self.add(key, e.value, e.kind, file=file, unit=e.unit, se=e.se, ci=e.ci, n=e.n, label=e.label,
                         floor=e.floor)
        return self

    def take_result(self, result, files: Mapping[str, str], *, min_cell: int | None = None) -> Numbers:
        """Every number of a stage result (:class:`scs.stages.result.StageResult`), each printed in the file
        of its table (``files``: table name -> file); a table whose numbers have no file is an error, so
        that no number a stage states is left out of the registry."""
        missing = [name for name, nums in result.numbers.items() if len(nums) and name not in files]
        if missing:
            raise ValueError(f"no file given for the numbers of table(s) {missing}")
        for name, nums in result.numbers.items():
            self.take(nums, file=str(files[name]) if name in files else "", min_cell=min_cell)
        return self

    def add(self, key: str, value, kind: str, *, file: str, unit: str = "", se=None, ci=None, n=None,
            label: str = "", floor: float | None = None) -> str:
        if key in self.entries:
            raise ValueError(f"registry key {key!r} added twice")
        value = released(value, kind)  # the registry holds numbers as released (scs.precision)
        text = fmt(value, kind, floor=floor)
        e = {"value": value, "formatted": text, "kind": kind, "unit": unit, "file": file}
        if label:
            e["label"] = label
        if se is not None and se == se:
            e["se"] = round_sig(float(se))
        if ci is not None and ci[0] == ci[0] and ci[1] == ci[1]:
            e["ci"] = [round_sig(float(ci[0])), round_sig(float(ci[1]))]
        if n is not None:
            e["n"] = int(n)
        self.entries[key] = e
        return text

    def suppress(self, key: str, *, file: str, min_cell: int, unit: str = "") -> str:
        """A cell withheld for disclosure control: no value is stored or printed."""
        if key in self.entries:
            raise ValueError(f"registry key {key!r} added twice")
        text = f"<{min_cell}"
        self.entries[key] = {"value": None, "formatted": text, "kind": "suppressed", "unit": unit, "file": file,
                             "suppressed": True}
        return text

    def fragment(self, *, inputs: dict, data: Data, config_sha256: str) -> dict:
        """The rule's registry fragment; ``config_sha256``: the checksum of the configuration slice the rule read."""
        return {
            "rule": self.rule,
            "data_source": data.source,
            "config_sha256": config_sha256,
            "inputs_sha256": {str(k): file_sha256(v) for k, v in sorted(inputs.items())},
            "numbers": self.entries,
        }


# --------------------------------------------------------------------------- merging
def merge(fragments: list[dict], data: Data, config_sha256: str) -> dict:
    numbers = {}
    rules = {}
    for fr in fragments:
        rules[fr["rule"]] = {"inputs_sha256": fr["inputs_sha256"], "config_sha256": fr["config_sha256"]}
        digest = _digest(fr["inputs_sha256"])
        for key, e in fr["numbers"].items():
            if key in numbers:
                raise ValueError(f"registry key {key!r} comes from two rules")
            numbers[key] = {**e, "rule": fr["rule"], "data_source": fr["data_source"],
                            "config_sha256": fr["config_sha256"], "inputs_digest": digest}
    return {
        "data_source": data.source,
        "data_label": data.label,
        "config_sha256": config_sha256,
        "rules": rules,
        "numbers": dict(sorted(numbers.items())),
    }


def withhold_small_cells(df, count_col: str, columns, min_cell: int):
    """A copy of a table for release: where ``count_col`` < ``min_cell``, ``columns`` read ``<min_cell``."""
    out = df.astype({c: "object" for c in columns})
    out.loc[small_cell(df[count_col], min_cell), list(columns)] = f"<{min_cell}"
    return out


def disclosure_markdown(registry: dict, min_cell: int) -> str:
    """Which released cells were withheld because they rest on fewer than ``min_cell`` respondents."""
    sup = [(k, e["file"]) for k, e in registry["numbers"].items() if e.get("suppressed")]
    lines = ["# Disclosure control", "", f"Data: {registry['data_label']}", "",
             f"Minimum cell size: {min_cell} respondents (config.yaml `disclosure.min_cell`). A table cell that counts "
             f"fewer respondents (but at least one), and the statistics computed from that cell alone, are shown as "
             f"`<{min_cell}` and are not stored in numbers.json; an empty cell is shown as 0.", "",
             "Exempt: the exclusion flow (counts of fieldwork outcomes, whose complements are printed beside them), "
             "and model-based estimates that pool all respondents.", ""]
    if not sup:
        lines.append("No cell was suppressed in this build.")
    else:
        lines += [f"{len(sup)} cell(s) suppressed:", "", "| registry key | file |", "|---|---|"]
        lines += [f"| {k} | {f} |" for k, f in sup]
    return "\n".join(lines) + "\n"


def _digest(inputs: dict) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def macro_name(key: str, prefix: str = "scs") -> str:
    """A LaTeX command name (letters only) from a registry key: 'items.item_a.mean' -> 'scsItemsItemAMean'."""
    parts = re.split(r"[^A-Za-z0-9]+", key)
    out = []
    for p in parts:
        if not p:
            continue
        p = re.sub(r"\d", lambda m: DIGITS[int(m.group())], p)
        out.append(p[0].upper() + p[1:])
    return prefix + "".join(out)


def tex_number(text: str) -> str:
    """A formatted number for LaTeX that typesets right in text and in math: a true minus sign,
    thousands separators without math spacing, and a '<' that works in both modes."""
    out = text.replace(",", "{,}")
    if out.startswith("<"):
        out = "\\ensuremath{<}" + out[1:]
    if out.startswith("-"):
        out = "\\ensuremath{-}" + out[1:]
    return out


def tex_escape(s: str) -> str:
    return s.replace("\\", r"\textbackslash{}").replace("%", r"\%").replace("<", r"\textless{}").replace(
        "&", r"\&").replace("_", r"\_").replace("#", r"\#")


def to_tex(registry: dict, prefix: str = "scs") -> str:
    """One macro per number, typeset right in text and in math (true minus, thousands separators),
    and macros that say which data the numbers come from (\\scsDataLabel, \\scsDataSource, and the
    switch \\ifscssynthetic for a mark on every page). ``prefix`` starts every name (paper.macro_prefix)."""
    synthetic = registry["data_source"] == "synthetic"
    lines = [
        "% Numbers of the SCS replication pipeline, one macro per number, formatted as printed.",
        f"% Data: {registry['data_label']}",
        f"% config sha256: {registry['config_sha256']}",
        "% Generated by the `registry` rule; do not edit. Use: \\input{numbers.tex} ... "
        f"\\{prefix}ItemsSurveillanceMean{{}}",
        "% The catalog of every macro, with its value and meaning: numbers_catalogue.md (and .html).",
    ]
    if synthetic:
        lines.append("% WARNING: built from the SYNTHETIC stand-in data; these numbers are not findings.")
    lines += [f"\\newcommand{{\\{prefix}DataLabel}}{{{tex_escape(registry['data_label'])}}}",
              f"\\newcommand{{\\{prefix}DataSource}}{{{tex_escape(registry['data_source'])}}}",
              f"\\newif\\if{prefix}synthetic", f"\\{prefix}synthetictrue" if synthetic else f"\\{prefix}syntheticfalse"]
    seen = {}
    for key, e in registry["numbers"].items():
        name = macro_name(key, prefix)
        if name in seen:
            raise ValueError(f"keys {seen[name]!r} and {key!r} give the same macro \\{name}")
        seen[name] = key
        lines.append(f"\\newcommand{{\\{name}}}{{{tex_value(e['formatted'])}}} % {key}")
    return "\n".join(lines) + "\n"


def tex_value(text: str) -> str:
    """A formatted number (or a withheld cell, or NA) as LaTeX; 4.5e-13 as 4.5 x 10^-13."""
    m = re.fullmatch(r"(-?[\d.]+)e([-+]\d+)", text)
    if m:
        return f"\\ensuremath{{{m.group(1)}\\times 10^{{{int(m.group(2))}}}}}"
    m = re.fullmatch(r"<1e([-+]\d+)", text)
    if m:
        return f"\\ensuremath{{<10^{{{int(m.group(1))}}}}}"
    m = re.fullmatch("\u2264 1/(\\d+)", text)
    if m:
        return f"\\ensuremath{{\\le 1/{m.group(1)}}}"
    if re.fullmatch(r"[<-]?[\d,]*\.?\d+", text):
        return tex_number(text)
    return tex_escape(text)


STAT_WORDS = {"coef": "coefficient", "se": "standard error", "se_boot": "bootstrap standard error",
              "ci_low": "lower bound of the confidence interval", "ci_high": "upper bound of the confidence interval",
              "p": "p-value", "n": "respondents", "mean": "weighted mean", "mean_unweighted": "unweighted mean",
              "pct_support": "% support", "pct_oppose": "% oppose", "pct_dk": "% don't know", "r2": "R-squared",
              "weighted": "weighted value", "unweighted": "unweighted value", "target": "census target",
              "removed": "respondents removed", "remaining": "respondents remaining", "published": "published value",
              "computed": "computed value", "missing": "respondents without a value"}


def meaning(key: str, e: dict) -> str:
    if e.get("label"):
        return e["label"]
    parts = key.split(".")
    return f"{STAT_WORDS.get(parts[-1], parts[-1].replace('_', ' '))} of {' '.join(parts[1:-1]) or parts[0]}"


def catalogue_markdown(registry: dict, prefix: str = "scs") -> str:
    """Every macro by stage (rule) and table (file): its name, value as printed, and meaning."""
    lines = ["# Catalog of the number macros", "", f"Data: {registry['data_label']}", "",
             "Every number the outputs print, as a LaTeX macro of `numbers.tex` (`\\input{numbers.tex}`, then "
             f"`\\{prefix}ItemsSurveillanceMean{{}}`). Negative numbers use a true minus and thousands separators "
             f"typeset right in text and in math. Also: `\\{prefix}DataLabel{{}}` (which data), "
             f"`\\{prefix}DataSource{{}}` and the switch `\\if{prefix}synthetic`.", ""]
    by_rule: dict = {}
    for key, e in registry["numbers"].items():
        by_rule.setdefault(e["rule"], {}).setdefault(e["file"], []).append((key, e))
    for rule, files in by_rule.items():
        lines += [f"## Stage `{rule}`", ""]
        for file, entries in files.items():
            lines += [f"### {file}", "", "| macro | value | meaning | registry key |", "|---|---:|---|---|"]
            for key, e in entries:
                lines.append(f"| `\\{macro_name(key, prefix)}` | {e['formatted']} | {meaning(key, e)} | `{key}` |")
            lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- pins and drift
def tolerance_for(key: str, verify: Verify) -> tuple[float, float]:
    """The tolerances of a registry key: the first matching pattern's, else the defaults (config ``verify``)."""
    for rule in verify.tolerances:
        if fnmatch.fnmatch(key, rule.match):
            return rule.abs or 0.0, rule.rel or 0.0
    return verify.default_abs, verify.default_rel


def compare(registry: dict, pins: dict, text_now: dict, text_pinned: dict, verify: Verify) -> list[dict]:
    """Rows describing what moved: numbers beyond tolerance, new or gone keys, changed text files."""
    rows = []
    now, old = registry["numbers"], pins.get("numbers", {})
    for key in sorted(set(now) | set(old)):
        if key not in old:
            rows.append({"what": "number", "key": key, "pinned": "(none)", "now": now[key]["formatted"],
                         "difference": "new key", "tolerance": ""})
            continue
        if key not in now:
            rows.append({"what": "number", "key": key, "pinned": old[key]["formatted"], "now": "(gone)",
                         "difference": "key removed", "tolerance": ""})
            continue
        a, b = old[key]["value"], now[key]["value"]
        if old[key]["formatted"] != now[key]["formatted"] and (a is None or b is None):
            rows.append({"what": "number", "key": key, "pinned": old[key]["formatted"], "now": now[key]["formatted"],
                         "difference": "suppression changed", "tolerance": ""})
            continue
        if a is None or b is None:
            if (a is None) != (b is None):
                rows.append({"what": "number", "key": key, "pinned": str(a), "now": str(b), "difference": "NA changed",
                             "tolerance": ""})
            continue
        tol_abs, tol_rel = tolerance_for(key, verify)
        diff = abs(b - a)
        if diff > tol_abs + tol_rel * abs(a):
            rows.append({"what": "number", "key": key, "pinned": f"{a:.10g}", "now": f"{b:.10g}",
                         "difference": f"{b - a:+.3g}", "tolerance": f"abs {tol_abs:g}, rel {tol_rel:g}"})
    for path in sorted(set(text_now) | set(text_pinned)):
        if text_now.get(path) != text_pinned.get(path):
            rows.append({"what": "text file", "key": path, "pinned": (text_pinned.get(path) or "(none)")[:12],
                         "now": (text_now.get(path) or "(none)")[:12], "difference": "content changed",
                         "tolerance": "exact"})
    return rows


def drift_table(rows: list[dict]) -> str:
    head = "| what | key | pinned | now | difference | tolerance |\n|---|---|---|---|---|---|\n"
    return head + "".join(f"| {r['what']} | {r['key']} | {r['pinned']} | {r['now']} | {r['difference']} | "
                          f"{r['tolerance']} |\n" for r in rows)


def text_checksums(paths) -> dict:
    return {str(p): file_sha256(p) for p in sorted(paths, key=str)}


def load_json(path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- pins of one raw file
PIN_FILES = ("numbers.json", "text_sha256.json", "meta.json")


def load_pins(pins_dir) -> tuple[dict, dict, dict] | None:
    """(numbers, text checksums, meta) pinned for a raw file, or None when it has none."""
    d = Path(pins_dir)
    if not all((d / f).is_file() for f in PIN_FILES[:2]):
        return None
    meta = load_json(d / "meta.json") if (d / "meta.json").is_file() else {}
    return load_json(d / "numbers.json"), load_json(d / "text_sha256.json"), meta


def write_pins(pins_dir, registry: dict, text: dict, *, raw_sha256: str, config_sha256: str) -> tuple[int, int]:
    d = Path(pins_dir)
    d.mkdir(parents=True, exist_ok=True)
    numbers = {"data_source": registry["data_source"],
               "numbers": {k: {"value": e["value"], "formatted": e["formatted"]} for k, e in registry["numbers"].items()}}
    meta = {"raw_sha256": raw_sha256, "config_sha256": config_sha256, "data_source": registry["data_source"],
            "data_label": registry["data_label"]}
    for name, obj in zip(PIN_FILES, (numbers, text, meta)):
        (d / name).write_text(json.dumps(obj, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return len(numbers["numbers"]), len(text)


def no_pins_text(pins_dir, raw_sha256: str, *, make: str = "make") -> list[str]:
    return [f"No pins exist for this data: nothing was compared. Pins belong to the raw file they were made from "
            f"(SHA-256 {raw_sha256[:16]}...), and `{pins_dir}/` does not exist.", "",
            f"To pin this build, so that later builds of the same file are checked against it: `{make} repin`, "
            "then keep the pins with the results."]


def drift_text(rows: list[dict], pins_dir, meta: dict, *, make: str = "make") -> list[str]:
    """verify.md when numbers or files moved from the pins: what moved, and what to do."""
    return [f"DRIFT: {len(rows)} pinned number(s) or file(s) moved from `{pins_dir}/`, the pins of this raw file "
            f"(SHA-256 {str(meta.get('raw_sha256', ''))[:16]}...).", "",
            f"If the change is intended, re-pin with `{make} repin`{commit_advice(make)}; otherwise the table says "
            "what moved.", "", drift_table(rows).rstrip("\n")]


def commit_advice(make: str) -> str:
    """After the re-pin command: the shipped pins are committed; a variant's pins (pins-*/) are git-ignored."""
    return " and commit the pins" if make == "make" else " (this configuration's pins stay out of git)"


def no_drift_text(registry: dict, text: dict, pins_dir, meta: dict) -> list[str]:
    return [f"Compared {len(registry['numbers']):,} numbers (tolerances in config.yaml `verify`) and {len(text)} text "
            f"files (exactly) with `{pins_dir}/`, the pins of this raw file (SHA-256 "
            f"{str(meta.get('raw_sha256', ''))[:16]}...).", "",
            "No drift: every number and text file matches its pin."]
