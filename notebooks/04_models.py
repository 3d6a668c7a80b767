# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 The models
#
# The terms of interest and the other terms across the nested models, the predictive margins,
# the robustness variants, and the residuals of the full model. Reads the model stage's outputs;
# recomputes no stage (fitted values come from the stored coefficients).

# %% tags=["parameters"]
# Defaults for running this notebook by hand from the project folder; the workflow
# injects the slice of config.yaml it reads and the output folder instead.
import yaml

with open("config.yaml", encoding="utf-8") as fh:
    CFG = yaml.safe_load(fh)
OUT = "results"

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from scs.io.codebook import load_codebook
from scs.report.model_tables import VARIANT_MEANINGS, VARIANTS
from scs.report.notebooks import (
    Labels,
    Registry,
    formula_words,
    in_sentence,
    in_words,
    show_data,
    show_figure,
    show_image,
    show_table,
    term_label,
)
from scs.stages.models import coef_key, fit_key, predicted_key, robustness_key
from scs.survey import formula

sns.set_theme(style="whitegrid", font="DejaVu Sans", font_scale=0.9)
show_data(CFG["data"])
reg = Registry(f"{OUT}/numbers.json")
m = CFG["models"]
# a term without a configured label: its variable's
names = Labels(CFG["labels"]["variables"], CFG["labels"]["levels"], load_codebook(CFG["data"]["codebook"]))
label = lambda t: term_label(t, names, m.get("term_labels"))  # noqa: E731
outcome_label = {y: CFG["scales"][y]["label"] for y in m["outcomes"]}
coefs = pd.read_csv(f"{OUT}/models/coefficients.csv")
coefs["term label"] = coefs["term"].map(label)
coefs["outcome label"] = coefs["outcome"].map(outcome_label)
models = list(m["formulas"])
main = coefs[coefs.variant == "main"]
# the reported term of interest: the first configured one (models.political_capital) that the models estimate
focal = next(t for t in m["political_capital"] if t in set(main.term))
COEF = {"coef": "coef", "se": "se", "ci_low": "coef", "ci_high": "coef", "truth": "coef", "p": "p", "n": "count"}
# what the notebook is about: the regression table's title, else the outcomes
outcomes_in_words = in_words([outcome_label[y] for y in m["outcomes"]])
title = (CFG.get("figures") or {}).get("titles", {}).get("regression_table") or f"Regressions of the {outcomes_in_words}"
def as_listed(label):
    """A term's label in a list of terms: as configured (a question in quotes)."""
    return in_sentence(label) if label.rstrip().endswith("?") else label


# the models in words: each formula's terms (a model that adds terms to the one before: the terms it adds)
lines = []
for k, (name, rhs) in enumerate(m["formulas"].items()):
    terms = formula_words(rhs, names, m.get("term_labels"))
    before = formula_words(list(m["formulas"].values())[k - 1], names, m.get("term_labels")) if k else []
    full = " (the full model)" if name == m["full"] else ""
    if before and len(terms) > len(before) and terms[:len(before)] == before:
        lines.append(f"- **{name}**{full}: the terms of {list(m['formulas'])[k - 1]} and "
                     f"{in_words(map(as_listed, terms[len(before):]))}")
    else:
        lines.append(f"- **{name}**{full}: {in_words(map(as_listed, terms))}")
display(Markdown(f"**{title}**\n\nEach outcome ({outcomes_in_words}) regressed on the terms of each model "
                 "(models.formulas):\n\n" + "\n".join(lines)))

# %% [markdown]
# ## The nested models: the terms of interest and the main correlates
# Each coefficient with its confidence interval in each configured model, all fitted on one sample per
# outcome: the terms of interest (set in the configuration under models.political_capital), and the terms
# each model adds to the first.

# %%
first = set(main[main.model == models[0]].term)
added = [t for name in models[1:] for t in main[main.model == name].term if t not in first]
show_terms = list(dict.fromkeys([t for t in m["political_capital"] if t in set(main.term)] + added))
sub = main[main.term.isin(show_terms)].copy()
row = {t: len(show_terms) - 1 - i for i, t in enumerate(show_terms)}  # first term on top
g = sns.FacetGrid(sub, col="outcome label", col_order=[outcome_label[y] for y in m["outcomes"]], col_wrap=2,
                  height=0.45 * len(show_terms) + 1.8, aspect=1.2, sharex=True)
for ax, y in zip(g.axes.flat, m["outcomes"]):
    d = sub[sub.outcome == y]
    for k, name in enumerate(models):
        dm = d[d.model == name]
        ypos = dm["term"].map(row).to_numpy() + ((len(models) - 1) / 2 - k) * 0.22  # the first model on top
        ax.errorbar(dm["coef"], ypos, xerr=[dm["coef"] - dm["ci_low"], dm["ci_high"] - dm["coef"]], fmt="o",
                    markersize=4, capsize=2, label=name)
    ax.set_yticks([row[t] for t in show_terms], [label(t) for t in show_terms])
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_title(outcome_label[y])
g.axes.flat[-1].legend(title="model", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
g.set_xlabels("Coefficient (confidence interval)")
show_figure(g.figure, "Coefficient plots of the terms of interest and the terms each model adds, in the "
                      "nested models, for each outcome.")
for y in m["outcomes"]:
    path = ", ".join(f"{{c{k}}} in {name}" for k, name in enumerate(models))
    keys = {f"c{k}": coef_key(y, name, focal, "coef") for k, name in enumerate(models)}
    p = coef_key(y, m["full"], focal, "p")
    reg.reading("{term} on the {outcome}: " + path + " (p {p} in {full}); the R\u00b2 goes from {r2_first} to "
                "{r2_full}.",
                keys={**keys, "p": p, "r2_first": fit_key(y, models[0], "r2"), "r2_full": fit_key(y, m["full"], "r2")},
                text={"term": label(focal), "outcome": outcome_label[y], "full": m["full"]})

# %% [markdown]
# ## The figure of the models and the predictive margins
# The full model's coefficients for every outcome (the top panels), and its predicted index at each level of the
# configured variable (the bottom panel, with the difference between the levels beside it).

# %%
n_models = CFG["numbering"]["figures"]["models"]
show_image(f"{OUT}/figures/figure{n_models}_models.png", f"Figure {n_models}: the full model's coefficients for "
           "every outcome (top panels), and below them the predicted index at each level of the configured variable.")
pred = pd.read_csv(f"{OUT}/models/predicted.csv")
levels = {str(k): v for k, v in m["predict"].get("level_labels", {}).items()}
table = pred.assign(outcome=pred["outcome"].map(outcome_label), variable=pred["variable"].map(label),
                    level=pred["level"].map(lambda v: levels.get(f"{v:g}", f"{v:g}")))
show_table(table[["outcome", "variable", "level", "predicted", "ci_low", "ci_high", "n"]]
           .rename(columns={"ci_low": "CI low", "ci_high": "CI high"}),
           kinds={"predicted": "mean", "CI low": "mean", "CI high": "mean", "n": "count"})
for y in m["outcomes"]:
    rows = list(pred[pred.outcome == y].itertuples())
    base, other = rows[0], rows[-1]
    reg.reading("Predicted {outcome}: {base} when {var} is {base_level}, {other} when it is {other_level}; the "
                "difference, {diff}, has the interval {low} to {high}.",
                keys={"base": predicted_key(base, "mean"), "other": predicted_key(other, "mean"),
                      "diff": predicted_key(other, "difference"), "low": predicted_key(other, "difference_ci_low"),
                      "high": predicted_key(other, "difference_ci_high")},
                text={"outcome": outcome_label[y].lower(), "var": label(base.variable),
                      "base_level": levels.get(f"{base.level:g}", f"{base.level:g}"),
                      "other_level": levels.get(f"{other.level:g}", f"{other.level:g}")})

# %% [markdown]
# ## Robustness: the coefficients of interest under each variant

# %%
rob = pd.read_csv(f"{OUT}/models/robustness.csv")
rob = rob[rob.term.isin(m["political_capital"])].copy()
rob["term label"] = rob["term"].map(label)
rob["outcome label"] = rob["outcome"].map(outcome_label)
rob["variant label"] = rob["variant"].map(lambda v: VARIANTS.get(v, v))  # as the robustness table names them
display(Markdown(f"The variants of the full model ({m['full']}), as the robustness table names them:\n\n" + "\n".join(
    f"- **{VARIANTS.get(v, v)}**: {VARIANT_MEANINGS.get(v, v)}"
    + (f", each outcome on {in_words(map(as_listed, formula_words(m['alternative_formula'], names, m.get('term_labels'))))}"
       if v == "alternative" else "") + "."
    for v in dict.fromkeys(rob["variant"]))))
ncols = min(2, len(m["outcomes"]))  # two panels a row: their labels stay apart with any number of outcomes
nrows = -(-len(m["outcomes"]) // ncols)
fig, axes = plt.subplots(nrows, ncols, figsize=(12, nrows * (0.6 * rob["term"].nunique() + 2.4)), sharey=True,
                         gridspec_kw={"wspace": 0.25, "hspace": 0.6}, squeeze=False)
for ax in axes.flat[len(m["outcomes"]):]:
    ax.set_visible(False)
variants = list(dict.fromkeys(rob["variant"]))
terms = list(dict.fromkeys(rob["term label"]))
for ax, y in zip(axes.flat, m["outcomes"]):
    d = rob[rob.outcome == y]
    for k, variant in enumerate(variants):
        dv = d[d.variant == variant]
        ypos = np.array([len(terms) - 1 - terms.index(t) for t in dv["term label"]]) + \
            ((len(variants) - 1) / 2 - k) * 0.18
        ax.errorbar(dv["coef"], ypos, xerr=[dv["coef"] - dv["ci_low"], dv["ci_high"] - dv["coef"]], fmt="o",
                    markersize=4, capsize=2, label=VARIANTS.get(variant, variant))
    ax.set_yticks(range(len(terms))[::-1], terms)
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set(title=outcome_label[y], xlabel="Coefficient (confidence interval)", ylabel="")
axes.flat[ncols - 1].legend(title="variant", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
show_figure(fig, "Dot plots of the coefficients of interest with their intervals under each robustness "
                 "variant.")
show_table(rob[["variant label", "outcome label", "term label", "coef", "se", "ci_low", "ci_high", "p", "n"]]
           .rename(columns={"variant label": "variant", "outcome label": "outcome", "term label": "term"}),
           kinds={k: v for k, v in COEF.items() if k in rob.columns and k != "truth"})
for y in m["outcomes"]:
    d = list(rob[(rob.outcome == y) & (rob.term == focal)].itertuples())
    lo = min(d, key=lambda r: reg.value(robustness_key(r, "coef")))
    hi = max(d, key=lambda r: reg.value(robustness_key(r, "coef")))
    reg.reading("The {term} coefficient on the {outcome} ranges from {lo} ({lo_variant}) to {hi} ({hi_variant}) "
                "across the variants that estimate it.",
                keys={"lo": robustness_key(lo, "coef"), "hi": robustness_key(hi, "coef")},
                text={"term": label(focal), "outcome": outcome_label[y], "lo_variant": VARIANTS.get(lo.variant, lo.variant),
                      "hi_variant": VARIANTS.get(hi.variant, hi.variant)})

# %% [markdown]
# ## Residuals of the full model
# Fitted values from the stored coefficients; residuals against fitted values and their distribution.

# %%
a = pd.read_parquet(f"{OUT}/indices/analysis.parquet")
X = formula.model_matrix(a, formula.parse_formula(m["formulas"][m["full"]]))
fig, axes = plt.subplots(2, len(m["outcomes"]), figsize=(11, 6.5), squeeze=False)
for j, y in enumerate(m["outcomes"]):
    c = main[(main.model == m["full"]) & (main.outcome == y)].set_index("term")["coef"]
    fitted = c[formula.INTERCEPT] + X[[t for t in c.index if t != formula.INTERCEPT]].to_numpy(float) @ c.drop(
        formula.INTERCEPT).to_numpy()
    res = a[y].to_numpy(float) - fitted
    ok = ~np.isnan(res)
    axes[0, j].hexbin(fitted[ok], res[ok], gridsize=30, cmap="Blues", mincnt=1)
    axes[0, j].axhline(0, color="0.3", linewidth=0.8)
    axes[0, j].set(title=outcome_label[y], xlabel="Fitted value", ylabel="Residual")
    sns.histplot(res[ok], bins=40, ax=axes[1, j], color="#2166ac")
    axes[1, j].set(xlabel="Residual", ylabel="Respondents")
fig.tight_layout()
show_figure(fig, "Residuals of the full model against fitted values (hexagonal bins) and histograms of the residuals.")
for y in m["outcomes"]:
    reg.reading("The full model ({full}) explains {r2} of the variance of the {outcome} (weighted R\u00b2, n = {n}); "
                "what it leaves is in the residuals above.",
                keys={"r2": fit_key(y, m["full"], "r2"), "n": fit_key(y, m["full"], "n")},
                text={"full": m["full"], "outcome": outcome_label[y]})

# %% [markdown]
# ## Against the generator's truth (synthetic stand-in only)

# %%
truth_file = (CFG.get("synthetic") or {}).get("truth")
if CFG["data"]["source"] == "synthetic" and truth_file and Path(truth_file).is_file():
    with open(truth_file, encoding="utf-8") as fh:
        truth = json.load(fh)["index_coefficients"]
    full = main[main.model == m["full"]].copy()
    full["truth"] = [truth[o][m["full"]].get(t) for o, t in zip(full.outcome, full.term)]
    full["covered"] = (full.ci_low <= full.truth) & (full.truth <= full.ci_high)
    show_table(full[["outcome label", "term label", "truth", "coef", "ci_low", "ci_high", "covered"]]
               .rename(columns={"outcome label": "outcome", "term label": "term"}),
               kinds={k: COEF[k] for k in ("truth", "coef", "ci_low", "ci_high")})
else:
    print("Not the stand-in: no known truth.")

# %% [markdown]
# ## The reproduction report

# %%
display(Markdown(Path(f"{OUT}/reproduction.md").read_text()))
