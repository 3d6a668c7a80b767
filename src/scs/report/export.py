"""The hand-off to the tools researchers already use (rule ``export``, ``make export``).

One analysis file in three containers, Stata ``.dta``, SPSS ``.sav`` and CSV (the same values): every analysis
variable, the prior and the final weight, the delete-one jackknife (JK1) and the bootstrap replicate weights;
text categories are coded 1, 2, ... with value labels, every variable has a label. Beside it, two short scripts
that declare the pipeline's design, R (``svrepdesign``, and ``svydesign`` + ``calibrate`` for the
linearization) and Stata (``svyset``), and compute the headline numbers: the means of the outcome indices and
the full model's coefficients with their SEs; and a README.

Everything here takes explicit arguments (frames, arrays, label dicts, names); nothing reads the configuration.
Variance conventions are the pipeline's (:mod:`scs.survey.design`): JK1 scale (n-1)/n, bootstrap 1/(R-1),
both centred at the replicates' mean (R's ``svrepdesign(mse = FALSE)``).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scs.errors import PipelineError
from scs.survey.formula import Term

NAME_MAX = 32        # Stata's limit on a variable name (SPSS allows 64)
LABEL_MAX = 80       # Stata's limit on a variable label and on the data label
SAV_FILE_LABEL_MAX = 64
SAV_VALUE_LABEL_MAX = 120
SOURCE = "data_source"
WEIGHT = "weight"
BASE = "base_weight"
JK_PREFIX = "jk_"
BS_PREFIX = "bs_"
# names neither Stata nor SPSS accepts as a variable name (compared case-insensitively)
RESERVED = {"_all", "_b", "_coef", "_cons", "_n", "_pi", "_pred", "_rc", "_skip", "byte", "double", "float", "if",
            "in", "int", "long", "str", "strl", "using", "with", "all", "and", "by", "eq", "ge", "gt", "le", "lt",
            "ne", "not", "or", "to"}


# --------------------------------------------------------------------------- names and codes
def file_name(name: str) -> str:
    """A variable name both Stata and SPSS accept: letters, digits and underscores, a letter first, at most 32
    characters, no reserved word (a dot or any other character becomes an underscore)."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", str(name))
    if not out or not out[0].isalpha():
        out = "v" + out
    out = out[:NAME_MAX]
    if out.lower() in RESERVED or re.fullmatch(r"str\d+", out.lower()):
        out = (out + "_")[:NAME_MAX]
    return out


def file_names(columns) -> dict[str, str]:
    """Each column's name in the files; two columns that would share one (Stata and SPSS ignore case in places)
    stop the export with both named."""
    names, seen = {}, {}
    for c in columns:
        n = file_name(c)
        if n.lower() in seen:
            raise PipelineError(f"the variables {seen[n.lower()]!r} and {c!r} would both be called {n!r} in the "
                                "exported files (at most 32 letters, digits or underscores, case ignored)",
                                file="data/codebook.yaml", expected="analysis names that differ in their first "
                                "32 characters")
        seen[n.lower()] = c
        names[c] = n
    return names


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) or s.dtype == object


# --------------------------------------------------------------------------- the analysis file
@dataclass
class AnalysisFile:
    """The exported table (file names) with its labels and what the scripts need to know about it."""

    table: pd.DataFrame
    names: dict[str, str]                       # analysis name -> name in the files
    variable_labels: dict[str, str]             # file name -> label
    value_labels: dict[str, dict[int, str]]     # file name -> code -> label
    categories: dict[str, list[str]]            # file name of a coded text variable -> its categories (codes 1, 2, ...)
    key: str                                    # file name of the respondent key
    n_jackknife: int = 0
    n_bootstrap: int = 0
    analysis: list[str] = field(default_factory=list)   # file names of the analysis variables

    def name(self, var: str) -> str:
        return self.names[var]


def analysis_file(frame: pd.DataFrame, *, key: str, weight: np.ndarray, base: np.ndarray,
                  jackknife: np.ndarray | None, bootstrap: np.ndarray | None, data_source: str,
                  levels: dict[str, list[str]], variable_labels: dict[str, str],
                  value_labels: dict[str, dict[int, str]]) -> AnalysisFile:
    """The analysis file: ``data_source``, the key, every column of ``frame`` (text columns other than the key
    coded 1, 2, ... in the order of ``levels``), ``base_weight``, ``weight``, ``jk_1`` ... (``jackknife``,
    n x n: replicate r leaves out respondent r) and ``bs_1`` ... (``bootstrap``, n x R). Labels are keyed by
    analysis name; a text column without ``levels`` or with a value outside them stops the export."""
    n = len(frame)
    jk = np.empty((n, 0)) if jackknife is None else np.asarray(jackknife, dtype=float)
    bs = np.empty((n, 0)) if bootstrap is None else np.asarray(bootstrap, dtype=float)
    for what, a in (("weight", np.asarray(weight)), ("base weight", np.asarray(base)), ("jackknife", jk),
                    ("bootstrap", bs)):
        if a.shape[0] != n:
            raise PipelineError(f"the {what} has {a.shape[0]} rows for {n} respondents; rerun the weights rule")
    cols: dict[str, object] = {SOURCE: pd.Series([data_source] * n, dtype=object)}
    categories, labels_of = {}, dict(value_labels)
    for c in frame.columns:
        s = frame[c]
        if c == key:
            cols[c] = s.astype(object).where(s.notna(), None).to_numpy()
        elif _is_text(s):
            lev = levels.get(c)
            if lev is None:
                raise PipelineError(f"text variable {c!r} has no categories to code", column=c,
                                    expected="a derived text variable of the codebook (map or bins) or a weighting "
                                    "variable with targets")
            found = set(s.dropna().astype(str))
            unknown = sorted(found - set(lev))
            if unknown:
                raise PipelineError(f"text variable {c!r} has values outside its categories", column=c, got=unknown,
                                    expected=f"one of {lev}")
            code = {v: i + 1 for i, v in enumerate(lev)}
            cols[c] = s.astype(object).map(lambda v, code=code: code.get(str(v)) if pd.notna(v) else np.nan
                                           ).astype(float).to_numpy()
            categories[c] = list(lev)
            labels_of[c] = {i + 1: v for i, v in enumerate(lev)}
        else:
            cols[c] = pd.to_numeric(s, errors="raise").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    cols[BASE] = np.asarray(base, dtype=float)
    cols[WEIGHT] = np.asarray(weight, dtype=float)
    analysis = [c for c in frame.columns if c != key]
    table = pd.DataFrame(cols)
    reps = {f"{JK_PREFIX}{r + 1}": jk[:, r] for r in range(jk.shape[1])}
    reps.update({f"{BS_PREFIX}{r + 1}": bs[:, r] for r in range(bs.shape[1])})
    clash = [c for c in frame.columns if c in {SOURCE, BASE, WEIGHT} or re.fullmatch(r"(jk|bs)_\d+", c)]
    if clash:
        raise PipelineError(f"analysis variable(s) {clash} have the names of the exported design variables",
                            file="data/codebook.yaml", expected=f"names other than {SOURCE}, {BASE}, {WEIGHT}, "
                            f"{JK_PREFIX}<number>, {BS_PREFIX}<number>")
    table = pd.concat([table, pd.DataFrame(reps)], axis=1)
    names = file_names(table.columns)
    table.columns = [names[c] for c in table.columns]
    var_labels = {names[c]: _clip(variable_labels.get(c) or c, LABEL_MAX) for c in cols}
    var_labels[names[SOURCE]] = "Data the file was built from (synthetic, simulated or real)"
    var_labels[names[BASE]] = "Prior weight of the calibration (mean 1)"
    var_labels[names[WEIGHT]] = "Final weight (calibrated to the census margins, mean 1)"
    for r in range(jk.shape[1]):
        var_labels[names[f"{JK_PREFIX}{r + 1}"]] = f"JK1 replicate weight {r + 1} (respondent {r + 1} left out)"
    for r in range(bs.shape[1]):
        var_labels[names[f"{BS_PREFIX}{r + 1}"]] = f"Bootstrap replicate weight {r + 1} (Rao-Wu, re-weighted)"
    return AnalysisFile(table=table, names=names, variable_labels=var_labels,
                        value_labels={names[c]: {int(k): str(v) for k, v in lab.items()}
                                      for c, lab in labels_of.items() if c in names and lab},
                        categories={names[c]: lev for c, lev in categories.items()}, key=names[key],
                        n_jackknife=jk.shape[1], n_bootstrap=bs.shape[1], analysis=[names[c] for c in analysis])


# --------------------------------------------------------------------------- the three containers
def write_csv(af: AnalysisFile, path) -> None:
    """CSV (UTF-8, a header row, empty cells missing): every number with 17 significant digits, the same
    doubles as the .dta and .sav; codes, not labels (the labels are in the .dta, the .sav and the README)."""
    af.table.to_csv(path, index=False, float_format="%.17g", lineterminator="\n", na_rep="")


def write_dta(af: AnalysisFile, path, data_label: str) -> None:
    """Stata .dta (format 118, Stata 14 or later): the data label, variable and value labels; numbers as doubles."""
    import pyreadstat

    pyreadstat.write_dta(af.table, str(path), file_label=_clip(data_label, LABEL_MAX),
                         column_labels=af.variable_labels, variable_value_labels=af.value_labels, version=14)


def write_sav(af: AnalysisFile, path, data_label: str, notes: list[str]) -> None:
    """SPSS .sav: the file label (SPSS keeps 64 characters; the whole data label is the first document line),
    variable and value labels (SPSS keeps 120 characters of a value label)."""
    import pyreadstat

    lines = [line for text in [data_label, *notes] for line in textwrap.wrap(text, 80)]
    values = {c: {float(k): _clip(v, SAV_VALUE_LABEL_MAX) for k, v in lab.items()} for c, lab in af.value_labels.items()}
    pyreadstat.write_sav(af.table, str(path), file_label=_clip(data_label, SAV_FILE_LABEL_MAX),
                         column_labels=af.variable_labels, variable_value_labels=values, note=lines)


# --------------------------------------------------------------------------- the design, as the scripts declare it
@dataclass(frozen=True)
class Headline:
    """The headline numbers: the means of ``outcomes`` and the model ``name`` (``terms``) of each outcome,
    fitted on the respondents who have the outcome and every variable of ``complete`` (analysis names)."""

    outcomes: list[str]
    name: str
    terms: list[Term]
    complete: list[str]


@dataclass(frozen=True)
class Calibration:
    """How the final weight was made from the prior weight: ``method`` (bounded_raking, raking, trim_rake), the
    margins (variable -> category -> target share, after any collapsing; ``members``: collapsed category ->
    original ones) and the bounds on the adjustment factor."""

    method: str
    shares: dict[str, dict[str, float]]
    members: dict[str, dict[str, list[str]]]
    lower: float
    upper: float


def _r_str(x) -> str:
    return '"' + str(x).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _r_vec(xs) -> str:
    return "c(" + ", ".join(_r_str(x) for x in xs) + ")"


def _wrapped(head: str, items: list[str], tail: str, width: int = 110) -> str:
    """``head`` + the items joined by commas + ``tail``, broken into lines of at most ``width`` characters."""
    lines, line = [], ""
    for item in items:
        if line and len(head) + len(line) + len(item) + 2 > width:
            lines.append(line + ",")
            line = ""
        line = f"{line}, {item}" if line else item
    return head + ("\n" + " " * len(head)).join([*lines, line]) + tail


def _num(x: float) -> str:
    return repr(float(x))


def _codes_of(af: AnalysisFile, var: str) -> tuple[list, list[str]]:
    """Codes and category names of a variable used as a factor: a coded text variable's 1, 2, ...; a numeric
    one's distinct values (named as the formula's reference level names them)."""
    name = af.name(var)
    present = sorted(pd.unique(af.table[name].dropna()))
    if name in af.categories:
        lev = af.categories[name]
        return [int(c) for c in present], [lev[int(c) - 1] for c in present]
    return present, [f"{v:g}" for v in present]


def _reference(t: Term, cats: list[str]) -> str:
    """The reference level of a categorical term: the formula's, else the first in text order (the pipeline's)."""
    return t.ref if t.ref is not None else sorted(cats)[0]


def _r_code(x) -> str:
    return f"{x:g}"


def r_script(af: AnalysisFile, headline: Headline, calibration: Calibration | None, *, reported: str,
             data_label: str, data_source: str, csv_name: str = "analysis.csv") -> str:
    """design.R: reads the CSV, declares the JK1 and bootstrap designs (svrepdesign with the pipeline's scale and
    rscales) and the linearization (svydesign + calibrate, bounded raking or raking only), prints the index means
    and the full model of every outcome with their SEs under each design (and writes them as a CSV when asked)."""
    n, R = af.table.shape[0], af.n_bootstrap
    nm = af.name
    lines = [
        f"# design.R: the survey design of {csv_name} as the pipeline declares it (R's survey package).",
        f"# Data: {data_label} [data.source: {data_source}]",
        f"#   Rscript design.R [{csv_name} [estimates.csv]]",
        f"# prints the means of the outcome indices and model {headline.name} of each outcome, with their SEs, under",
        f"# every design below; the pipeline reports the {reported} SEs.",
        "suppressPackageStartupMessages(library(survey))",
        "args <- commandArgs(trailingOnly = TRUE)",
        f'd <- read.csv(if (length(args) >= 1) args[1] else "{csv_name}")',
    ]
    # the factors: the model's categorical terms (their reference level first) and the calibration margins
    margins = list(calibration.shares) if calibration is not None and calibration.method != "trim_rake" else []
    rhs, refs = [], {}
    for t in headline.terms:
        rhs.append(f"log({nm(t.var)})" if t.kind == "log" else nm(t.var))
        if t.kind == "cat":
            refs[t.var] = _reference(t, _codes_of(af, t.var)[1])
    for v in dict.fromkeys([*refs, *margins]):
        codes, cats = _codes_of(af, v)
        lines.append(f"d${nm(v)} <- factor(d${nm(v)}, levels = c({', '.join(_r_code(c) for c in codes)}), "
                     f"labels = {_r_vec(cats)})")
        if v in refs:
            lines.append(f"d${nm(v)} <- relevel(d${nm(v)}, ref = {_r_str(refs[v])})")
    cal_vars = []
    for v in margins:
        if not calibration.members.get(v):
            cal_vars.append(nm(v))
            continue
        cv = file_name(f"{nm(v)}_cal")
        if cv in af.table.columns:
            raise PipelineError(f"the R script's calibration variable {cv!r} is already a variable of the file")
        of = {o: cat for cat, origs in calibration.members[v].items() for o in origs}
        _, cats = _codes_of(af, v)
        lines.append(f"d${cv} <- factor(d${nm(v)}, levels = {_r_vec(cats)}, "
                     f"labels = {_r_vec([of.get(c, c) for c in cats])})  # collapsed categories")
        cal_vars.append(cv)
    lines.append("designs <- list()")
    if af.n_jackknife:
        lines += [
            "# delete-one jackknife (JK1): replicate r leaves out respondent r, the others calibrated again",
            f'designs$jackknife <- svrepdesign(data = d, weights = ~{nm(WEIGHT)}, repweights = "^{JK_PREFIX}[0-9]+$", '
            f"type = \"JK1\",\n                                 scale = {n - 1} / {n}, rscales = 1, mse = FALSE, "
            "combined.weights = TRUE)"]
    if R > 1:
        lines += [
            "# Rao-Wu bootstrap: every replicate re-weighted by the whole weighting procedure",
            f'designs$bootstrap <- svrepdesign(data = d, weights = ~{nm(WEIGHT)}, repweights = "^{BS_PREFIX}[0-9]+$", '
            f"type = \"bootstrap\",\n                                 scale = 1 / {R - 1}, rscales = 1, mse = FALSE, "
            "combined.weights = TRUE)"]
    if margins:
        shares = [f"{_r_str(cv + c)} = {_num(s)}" for v, cv in zip(margins, cal_vars)
                  for c, s in calibration.shares[v].items()]
        calfun = (f'"logit", bounds = c({_num(calibration.lower)}, {_num(calibration.upper)})'
                  if calibration.method == "bounded_raking" else '"raking"')
        lines += [
            "# linearization: the prior weights calibrated to the target shares of the margins",
            f"margins <- ~{' + '.join(cal_vars)}",
            _wrapped("shares <- c(", shares, ")"),
            f'population <- sum(d${nm(BASE)}) * c("(Intercept)" = 1, shares)[colnames(model.matrix(margins, d))]',
            f"designs$linearization <- calibrate(svydesign(ids = ~1, weights = ~{nm(BASE)}, data = d), margins, "
            f"population,\n                                   calfun = {calfun}, epsilon = 1e-12, maxit = 200)"]
    if not af.n_jackknife and R <= 1 and not margins:
        lines.append('stop("no design to declare: no replicate weights were stored (more respondents than '
                     'weighting.*.max_rows) and R has no calibration like weighting.method trim_rake")')
    lines += [
        _wrapped("rhs <- c(", [_r_str(x) for x in rhs], ")"),
        f"# the estimation sample: respondents with the outcome and every one of these (as the pipeline's {headline.name})",
        _wrapped("complete <- c(", [_r_str(nm(v)) for v in headline.complete], ")"),
        "out <- NULL",
        "for (dn in names(designs)) for (y in " + _r_vec(nm(y) for y in headline.outcomes) + ") {",
        "  m <- svymean(reformulate(y), designs[[dn]], na.rm = TRUE)",
        "  out <- rbind(out, data.frame(design = dn, outcome = y, term = \"mean\", estimate = as.numeric(coef(m)),",
        "                               se = as.numeric(SE(m))))",
        "  ok <- complete.cases(d[, c(y, complete)])",
        "  fit <- svyglm(reformulate(rhs, y), design = subset(designs[[dn]], ok))",
        "  out <- rbind(out, data.frame(design = dn, outcome = y, term = names(coef(fit)),",
        "                               estimate = as.numeric(coef(fit)), se = as.numeric(SE(fit))))",
        "}",
        "rownames(out) <- NULL",
        "print(out, digits = 7)",
        "if (length(args) >= 2) write.csv(out, args[2], row.names = FALSE)",
    ]
    return "\n".join(lines) + "\n"


def stata_script(af: AnalysisFile, headline: Headline, *, reported: str, data_label: str, data_source: str,
                 dta_name: str = "analysis.dta") -> str:
    """design.do: svyset with the JK1 replicate weights (the pipeline's multiplier (n-1)/n) and with the bootstrap
    replicate weights, then the index means and the full model of every outcome. Not run here (no Stata)."""
    n, R = af.table.shape[0], af.n_bootstrap
    nm = af.name
    nvars = af.table.shape[1]
    lines = [
        f"* design.do: the survey design of {dta_name} as the pipeline declares it (Stata 14 or later).",
        f"* Data: {data_label} [data.source: {data_source}]",
        f"* Means of the outcome indices and model {headline.name} of each outcome, with their SEs; the pipeline",
        f"* reports the {reported} SEs. {nvars} variables" + (": Stata/BE holds 2,048, Stata/SE and MP "
                                                             "need `set maxvar`." if nvars > 2048 else "."),
        "version 14",
        f'use "{dta_name}", clear',
    ]
    rhs, complete = [], [nm(v) for v in headline.complete]
    for t in headline.terms:
        if t.kind == "log":
            logname = file_name(f"log_{nm(t.var)}")
            if logname in af.table.columns:
                raise PipelineError(f"the Stata script's variable {logname!r} for log({t.var}) is already a variable "
                                    "of the file")
            lines.append(f"generate double {logname} = ln({nm(t.var)})")
            rhs.append(logname)
        elif t.kind == "cat":
            codes, cats = _codes_of(af, t.var)
            ref = codes[cats.index(_reference(t, cats))]
            rhs.append(f"ib{_r_code(ref)}.{nm(t.var)}")
        else:
            rhs.append(nm(t.var))
    lines.append(f"local rhs {' '.join(rhs)}")
    designs = []
    if af.n_jackknife:
        designs.append((
            "delete-one jackknife (JK1): replicate r leaves out respondent r, the others calibrated again",
            f"svyset [pweight={nm(WEIGHT)}], vce(jackknife) jkrweight({nm(JK_PREFIX + '1')}-{nm(f'{JK_PREFIX}{n}')}, "
            f"multiplier({_num((n - 1) / n)}))"))
    if R > 1:
        designs.append((
            f"Rao-Wu bootstrap, each replicate re-weighted. Stata divides the sum of squares by {R} (the number of\n"
            f"* replicates), the pipeline and R's svrepdesign by {R - 1}: these SEs are sqrt({R - 1}/{R}) times theirs",
            f"svyset [pweight={nm(WEIGHT)}], vce(bootstrap) bsrweight({nm(BS_PREFIX + '1')}-{nm(f'{BS_PREFIX}{R}')})"))
    for note, svyset in designs:
        lines += [f"* {note}", svyset]
        for y in headline.outcomes:
            lines.append(f"svy: mean {nm(y)}")
            lines.append(f"svy, subpop(if !missing({', '.join([nm(y), *complete])})): regress {nm(y)} `rhs'")
    if not designs:
        lines.append("* no replicate weights were stored (more respondents than weighting.*.max_rows): Stata cannot "
                     "repeat the pipeline's bounded calibration; use design.R")
    return "\n".join(lines) + "\n"


def readme(af: AnalysisFile, *, data_label: str, data_source: str, built_from: str, reported: str,
           calibration: Calibration | None, files: dict[str, str]) -> str:
    """README.txt: what the files are, what they were built from, the design and its variance conventions."""
    n = af.table.shape[0]
    R = af.n_bootstrap
    renamed = {a: f for a, f in af.names.items() if a != f}
    out = [
        "Analysis file and survey design for Stata, SPSS and R",
        "=" * 53,
        "",
        f"Data: {data_label}",
        f"data.source: {data_source}",
        f"Built from: {built_from}",
    ]
    if data_source == "synthetic":
        out += ["", "THESE FILES WERE BUILT FROM SYNTHETIC STAND-IN DATA: generated respondents, not survey answers."]
    out += ["", "Files:"]
    out += [f"  {name:<14} {what}" for name, what in files.items()]
    out += [
        "",
        f"{n} respondents (one row each), {af.table.shape[1]} variables: {SOURCE}, the key {af.key}, "
        f"{len(af.analysis)} analysis variables, {BASE} (the prior weight), {WEIGHT} (the final weight)"
        + (f", {JK_PREFIX}1 ... {JK_PREFIX}{af.n_jackknife} (delete-one jackknife)" if af.n_jackknife else "")
        + (f", {BS_PREFIX}1 ... {BS_PREFIX}{R} (bootstrap)" if R else "") + ".",
        "",
        "The design: each respondent is its own primary sampling unit, one stratum, sampled with replacement.",
    ]
    if calibration is not None:
        how = {"bounded_raking": f"bounded raking (logit calibration, adjustment factor within [{calibration.lower:g}, "
                                 f"{calibration.upper:g}])",
               "raking": "raking", "trim_rake": "rake-trim-rake"}.get(calibration.method, calibration.method)
        out.append(f"{WEIGHT} is {BASE} calibrated by {how} to the target shares of "
                   f"{', '.join(calibration.shares)}.")
    if af.n_jackknife:
        out.append(f"{JK_PREFIX}r: respondent r left out (weight 0), the others {n}/{n - 1} times their prior weight, "
                   f"calibrated again. Variance (JK1): ({n - 1}/{n}) * sum of squared deviations of the replicate "
                   "estimates from their mean (R: svrepdesign(type = \"JK1\", scale = (n-1)/n, rscales = 1, mse = "
                   "FALSE); Stata: jkrweight(jk_1-jk_n, multiplier((n-1)/n))).")
    if R:
        out.append(f"{BS_PREFIX}r: a Rao-Wu bootstrap resample (n-1 of n drawn with replacement), re-weighted by the "
                   f"whole procedure. Variance: 1/{R - 1} * sum of squared deviations from the replicates' mean (R: "
                   "svrepdesign(type = \"bootstrap\", scale = 1/(R-1), mse = FALSE); Stata divides by R instead).")
    out += [
        f"The SEs the pipeline reports are the {reported} SEs (estimates.variance).",
        "",
        "Codes: text categories are coded 1, 2, ... in every file (value labels in the .dta and .sav):",
    ]
    for name, lev in af.categories.items():
        out.append(f"  {name}: " + ", ".join(f"{i + 1} {c}" for i, c in enumerate(lev)))
    out += [
        "Missing values are empty in the CSV and system-missing in the .dta and .sav. The CSV's numbers have 17",
        "significant digits: the same doubles as the .dta and .sav.",
    ]
    if renamed:
        out += ["", "Renamed for Stata and SPSS (letters, digits, underscores; at most 32 characters):"]
        out += [f"  {a} -> {f}" for a, f in renamed.items()]
    return "\n".join(out) + "\n"
