"""Model fitting: the regressions of config.yaml on their estimation samples (results as tables).

* the formulas (``models.formulas``) and the alternative political-capital coding;
* estimation samples: by default one common sample per outcome (respondents complete on the
  outcome and on every formula's variables), so that nested models differ only in their terms;
  ``models.common_sample: false`` fits each model on its own complete cases;
* survey WLS (:mod:`scs.survey.regression`) and weighted ordered logits (:mod:`scs.survey.ordinal`);
* the numbers the model tables state (``*_numbers``), under their registry keys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scs.errors import PipelineError
from scs.numbers import StatedNumbers
from scs.settings import Settings
from scs.stages.result import StageResult
from scs.survey import formula as fml
from scs.survey import ordinal, regression
from scs.survey.design import Design

ALTERNATIVE = "alternative"


def term_label(term: str, s: Settings) -> str:
    return s.models.term_labels.get(term, term)


def formulas(s: Settings, *, alternative: bool = False) -> dict[str, list[fml.Term]]:
    m = s.models
    out = {name: fml.parse_formula(rhs, where=s.file) for name, rhs in m.formulas.items()}
    if alternative:
        out[ALTERNATIVE] = fml.parse_formula(m.alternative_formula, where=s.file)
    return out


def outcome_values(frame: pd.DataFrame, y: str, *, file: str = "config.yaml") -> np.ndarray:
    if y not in frame.columns:
        raise PipelineError(f"model outcome {y!r} is not in the analysis data", file=file,
                            expected="an index from config.scales")
    return frame[y].astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def matrices(frame: pd.DataFrame, s: Settings, *, alternative: bool = False) -> dict[str, pd.DataFrame]:
    return {name: fml.model_matrix(frame, terms, where=s.file)
            for name, terms in formulas(s, alternative=alternative).items()}


def samples(frame: pd.DataFrame, s: Settings, mats: dict[str, pd.DataFrame]) -> dict[tuple[str, str], np.ndarray]:
    """Estimation sample of each (outcome, model): complete rows, common to the formulas by default."""
    common = bool(s.models.common_sample)
    out = {}
    main = [m for m in mats if m != ALTERNATIVE]
    for y in s.models.outcomes:
        yv = ~np.isnan(outcome_values(frame, y, file=s.file))
        complete = {m: yv & ~np.isnan(mats[m].to_numpy(float)).any(axis=1) for m in mats}
        shared = np.logical_and.reduce([complete[m] for m in main])
        for m in mats:
            out[(y, m)] = (shared & complete[m]) if (common and m in main) else complete[m]
    return out


def samples_table(frame: pd.DataFrame, s: Settings, masks: dict) -> pd.DataFrame:
    """Who is in each estimation sample, and how many each variable's missing values excluded."""
    rows = []
    terms = formulas(s)
    for (y, m), used in masks.items():
        if m == ALTERNATIVE:
            continue
        row = {"outcome": y, "model": m, "n_analytic": len(frame), "n": int(used.sum()),
               "missing_outcome": int(np.isnan(outcome_values(frame, y, file=s.file)).sum())}
        for v in fml.variables(terms[m]):
            row[f"missing_{v}"] = int(frame[v].isna().sum())
        rows.append(row)
    return pd.DataFrame(rows)


def flat_terms(X: pd.DataFrame, used: np.ndarray) -> list[tuple[str, float]]:
    """The terms of ``X`` that take one value among the rows ``used`` (term, that value)."""
    Xs = X.to_numpy(float)[used]
    if not len(Xs):
        return []
    return [(c, float(Xs[0, j])) for j, c in enumerate(X.columns) if np.ptp(Xs[:, j]) == 0]


def not_estimable(X: pd.DataFrame, used: np.ndarray) -> str | None:
    """Why the terms of ``X`` (with an intercept, or the cut points of an ordered logit) cannot all be estimated
    among the rows ``used``: the terms that do not vary (each with its one value), or terms that repeat a
    combination of others; None when they can."""
    n, p = int(used.sum()), X.shape[1] + 1
    Xs = X.to_numpy(float)[used]
    if n and np.linalg.matrix_rank(np.column_stack([np.ones(n), Xs])) == p:
        return None
    flat = flat_terms(X, used)
    if flat:
        return ", ".join(f"{t} (always {v:g})" for t, v in flat) + (" does" if len(flat) == 1 else " do") + " not vary"
    return "some terms repeat a combination of others"


def check_estimable(X: pd.DataFrame, used: np.ndarray, what: str, *, file: str = "config.yaml") -> None:
    """One clear line, before a fit that cannot be made: too few respondents with the outcome and every
    covariate, or terms that do not vary (or repeat one another) among them."""
    n, p = int(used.sum()), X.shape[1] + 1  # (the fit adds the intercept)
    if n <= p:
        raise PipelineError(f"model {what}: {n} respondent(s) have the outcome and every covariate, too few for "
                            f"{p} coefficients", file=file,
                            expected="an outcome that respondents answered (an index needs its scale's min_answered "
                            "items answered, not 'don't know'): see the item table and the data check")
    why = not_estimable(X, used)
    if why is not None:
        raise PipelineError(f"model {what}: the terms cannot all be estimated in its sample of {n}: {why}", file=file,
                            expected="terms that vary among the respondents of the model (drop a constant one from "
                            "models.formulas; the data check warns of a column with one value)")


def fit(design: Design, frame: pd.DataFrame, s: Settings, mats: dict, masks: dict, *, models=None,
        variant: str = "main", replicates: bool = True):
    """Fit ``models`` (default: every formula) for every outcome; tidy rows and the fits themselves."""
    ci = float(s.estimates.ci_level)
    rows, fits = [], {}
    for y in s.models.outcomes:
        yv = outcome_values(frame, y, file=s.file)
        for name in models or list(s.models.formulas):
            X = mats[name]
            check_estimable(X, masks[(y, name)], f"{y} ~ {name}", file=s.file)
            f = regression.fit_wls(design, yv, X.to_numpy(float), list(X.columns), used=masks[(y, name)],
                                   replicates=replicates)
            tab = f.table(ci)
            tab.insert(0, "model", name)
            tab.insert(0, "outcome", y)
            tab.insert(0, "variant", variant)
            tab["label"] = [term_label(t, s) if t != fml.INTERCEPT else "Intercept" for t in tab["term"]]
            rows.append(tab)
            fits[(y, name)] = f
    return pd.concat(rows, ignore_index=True), fits


def predicted(design: Design, frame: pd.DataFrame, s: Settings, mats: dict, fits: dict, *,
              replicates: bool = True) -> pd.DataFrame:
    """Predictive margins of the full model at the configured levels of ``models.predict.by``."""
    predict = s.models.predict
    var = predict.by
    full = s.models.full
    X = mats[full]
    if var not in X.columns:
        raise PipelineError(f"models.predict.by {var!r} is not a numeric term of the full model", file=s.file,
                            expected=f"one of {list(X.columns)}")
    j = list(X.columns).index(var)
    ci = float(s.estimates.ci_level)
    out = []
    from scs.survey.design import interval

    for y in s.models.outcomes:
        f = fits[(y, full)]
        pm = regression.predictive_margins(design, f, X.to_numpy(float), j, list(predict.levels), replicates=replicates,
                                           y=outcome_values(frame, y, file=s.file))
        lo, hi = interval(pm["predicted"], pm["se"], ci, f.df)
        pm["ci_low"], pm["ci_high"] = lo, hi
        lo, hi = interval(pm["difference"], pm["difference_se"], ci, f.df)
        pm["difference_ci_low"], pm["difference_ci_high"] = lo, hi
        pm.insert(0, "variable", var)
        pm.insert(0, "outcome", y)
        pm["n"] = f.n
        out.append(pm)
    return pd.concat(out, ignore_index=True)


def ordered_logits(design: Design, frame: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """Weighted ordered logit of every battery item on the full model's covariates."""
    full = s.models.full
    X = fml.model_matrix(frame, formulas(s)[full], where=s.file)
    Xv = X.to_numpy(float)
    x_ok = ~np.isnan(Xv).any(axis=1)
    ci = float(s.estimates.ci_level)
    rows = []
    for b in s.batteries:
        for it in s.scales[b].items:
            y = frame[it.var].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            ok = ~np.isnan(y) & x_ok
            if ok.sum() == 0 or len(np.unique(y[ok])) < 3:
                rows.append(pd.DataFrame([{"scale": b, "item": it.var, "term": "(none)", "coef": np.nan,
                                           "label": "too few answers for an ordered logit", "n": int(ok.sum())}]))
                continue
            why = not_estimable(X, ok)
            if why is not None:  # (a covariate that does not vary among the answers: the regressions stop on it)
                rows.append(pd.DataFrame([{"scale": b, "item": it.var, "term": "(none)", "coef": np.nan,
                                           "label": f"not estimable: {why}", "n": int(ok.sum())}]))
                continue
            f = ordinal.ordered_logit(design, y, Xv)
            if not f.converged:
                raise PipelineError(f"the ordered logit of {it.var!r} did not converge", file=s.file,
                                    column=it.var)
            tab = f.table(list(X.columns), ci)
            tab.insert(0, "item", it.var)
            tab.insert(0, "scale", b)
            tab["label"] = [term_label(t, s) if not t.startswith("cut") else t for t in tab["term"]]
            tab["n"] = f.n
            rows.append(tab)
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- the numbers the outputs state
def table_label(term: str, s: Settings) -> str:
    """A term as the tables name it."""
    return "Intercept" if term == fml.INTERCEPT else term_label(term, s)


def coef_key(outcome: str, model: str, term: str, stat: str) -> str:
    return f"models.{outcome}.{model}.{term}.{stat}"


def fit_key(outcome: str, model: str, stat: str) -> str:
    """n, r2, or sample.<count> of a model."""
    return f"models.{outcome}.{model}.{stat}"


def regression_numbers(coefs: pd.DataFrame, samples: pd.DataFrame, s: Settings) -> StatedNumbers:
    """Every coefficient of the main fits (with its SE, interval, p), each model's n and R-squared, and the
    estimation samples."""
    nums = StatedNumbers()
    main = coefs[coefs.variant == "main"]
    for r in main.itertuples():
        def add(stat, value, kind, r=r, **kw):
            nums.add(coef_key(r.outcome, r.model, r.term, stat), value, kind, **kw)

        add("coef", r.coef, "coef", se=r.se, ci=(r.ci_low, r.ci_high), n=r.n, label=f"{r.label} ({r.model}, {r.outcome})")
        add("ci_low", r.ci_low, "coef")
        add("ci_high", r.ci_high, "coef")
        add("se", r.se, "se")
        add("p", r.p, "p")
    for (y, m), fit in main.groupby(["outcome", "model"], sort=False):
        nums.add(fit_key(y, m, "n"), fit["n"].iloc[0], "count")
        nums.add(fit_key(y, m, "r2"), fit["r2"].iloc[0], "r2")
    for d in samples.to_dict("records"):
        nums.add(fit_key(d["outcome"], d["model"], "sample.n_analytic"), d["n_analytic"], "count")
        nums.add(fit_key(d["outcome"], d["model"], "sample.n"), d["n"], "count")
        for c in samples.columns:
            if c.startswith("missing_") and not pd.isna(d[c]):
                nums.add(fit_key(d["outcome"], d["model"], f"sample.{c}"), d[c], "count")
    return nums


def predicted_key(row, stat: str) -> str:
    level = f"{row.level:g}".replace(".", "_")
    return f"predicted.{row.outcome}.{row.variable}_{level}.{stat}"


def predicted_numbers(pred: pd.DataFrame) -> StatedNumbers:
    """Each predictive margin with its interval, and its difference from the reference level."""
    nums = StatedNumbers()
    for r in pred.itertuples():
        nums.add(predicted_key(r, "mean"), r.predicted, "mean", se=r.se, ci=(r.ci_low, r.ci_high), n=r.n)
        nums.add(predicted_key(r, "ci_low"), r.ci_low, "mean")
        nums.add(predicted_key(r, "ci_high"), r.ci_high, "mean")
        if r.difference == r.difference:
            nums.add(predicted_key(r, "difference"), r.difference, "coef", se=r.difference_se,
                     ci=(r.difference_ci_low, r.difference_ci_high), n=r.n)
            nums.add(predicted_key(r, "difference_ci_low"), r.difference_ci_low, "coef")
            nums.add(predicted_key(r, "difference_ci_high"), r.difference_ci_high, "coef")
        nums.add(predicted_key(r, "n"), r.n, "count")
    return nums


def robustness_key(row, stat: str) -> str:
    return f"robustness.{row.variant}.{row.outcome}.{row.term}.{stat}"


def robustness_numbers(rob: pd.DataFrame, s: Settings) -> StatedNumbers:
    """The political-capital coefficients of the full model under each variant."""
    nums = StatedNumbers()
    for r in rob[rob.term.isin(s.models.political_capital)].itertuples():
        nums.add(robustness_key(r, "coef"), r.coef, "coef", se=r.se, ci=(r.ci_low, r.ci_high), n=r.n)
        nums.add(robustness_key(r, "se"), r.se, "se")
        nums.add(robustness_key(r, "ci_low"), r.ci_low, "coef")
        nums.add(robustness_key(r, "ci_high"), r.ci_high, "coef")
        nums.add(robustness_key(r, "p"), r.p, "p")
        nums.add(robustness_key(r, "n"), r.n, "count")
    return nums


def ordered_terms(ol: pd.DataFrame, s: Settings) -> list[str]:
    """The terms of the ordered logits that the outputs show (models.ordered_terms that were fitted)."""
    return [t for t in s.models.ordered_terms if t in set(ol.term)]


def ordered_key(item: str, term: str | None, stat: str) -> str:
    return f"ordered.{item}.{stat}" if term is None else f"ordered.{item}.{term}.{stat}"


def ordered_numbers(ol: pd.DataFrame, s: Settings) -> StatedNumbers:
    """The shown terms of each item's ordered logit (coefficient, interval, SE) and its n."""
    nums = StatedNumbers()
    show = ordered_terms(ol, s)
    labels = {it.var: it.label for b in s.batteries for it in s.scales[b].items}
    for item, grp in ol.groupby("item", sort=False):
        if grp.term.iloc[0] != "(none)":
            for t in show:
                r = grp[grp.term == t].iloc[0]
                nums.add(ordered_key(item, t, "coef"), r.coef, "coef", se=r.se, ci=(r.ci_low, r.ci_high), n=r.n,
                         label=f"{table_label(t, s)}: ordered logit of {labels[item]}")
                nums.add(ordered_key(item, t, "ci_low"), r.ci_low, "coef")
                nums.add(ordered_key(item, t, "ci_high"), r.ci_high, "coef")
                nums.add(ordered_key(item, t, "se"), r.se, "se")
        nums.add(ordered_key(item, None, "n"), grp.n.iloc[0], "count")
    return nums


# --------------------------------------------------------------------------- the stages
def run_regressions(design: Design, frame: pd.DataFrame, s: Settings) -> StageResult:
    """Every configured model of every outcome on its estimation sample, and the full model's predictive
    margins. Tables: ``coefficients``, ``samples``, ``predicted``. Numbers: ``regression_table`` (the
    coefficients, n and R-squared), ``predicted``."""
    mats = matrices(frame, s)
    masks = samples(frame, s, mats)
    table = samples_table(frame, s, masks)
    coefs, fits = fit(design, frame, s, mats, masks)
    pred = predicted(design, frame, s, mats, fits)
    return StageResult(tables={"coefficients": coefs, "samples": table, "predicted": pred},
                       numbers={"regression_table": regression_numbers(coefs, table, s),
                                "predicted": predicted_numbers(pred)})


def run_robustness(designs: dict[str, Design], frame: pd.DataFrame, s: Settings) -> StageResult:
    """The full model under each variant: ``designs`` maps main, unweighted and unbounded to their designs;
    the alternative formula uses the main design. An unbounded variant whose weights are the main ones (no
    bounds to lift: raking, or weighting.method none) is left out. Table and numbers: ``robustness``."""
    full = s.models.full
    mats = matrices(frame, s, alternative=True)
    masks = samples(frame, s, mats)
    parts = []
    variants = [("main", designs["main"], full), ("unweighted", designs["unweighted"], full),
                ("unbounded", designs["unbounded"], full), ("alternative", designs["main"], ALTERNATIVE)]
    if np.array_equal(designs["unbounded"].weight, designs["main"].weight):
        variants = [v for v in variants if v[0] != "unbounded"]
    for variant, des, which in variants:
        tab, _ = fit(des, frame, s, mats, masks, models=[which], variant=variant)
        parts.append(tab)
    rob = pd.concat(parts, ignore_index=True)
    return StageResult(tables={"robustness": rob}, numbers={"robustness": robustness_numbers(rob, s)})


def run_ordered(design: Design, frame: pd.DataFrame, s: Settings) -> StageResult:
    """Weighted ordered logits of every battery item. Table and numbers: ``ordered_logits``."""
    ol = ordered_logits(design, frame, s)
    return StageResult(tables={"ordered_logits": ol}, numbers={"ordered_logits": ordered_numbers(ol, s)})
