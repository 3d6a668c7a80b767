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
# # 04 Who supports SCSs: the models (Figure 3)
#
# Political capital, trust, SES and media use across the nested models, the predictive margins,
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

from scs.report.notebooks import show_figure, show_image, show_table
from scs.survey import formula

sns.set_theme(style="whitegrid", font="DejaVu Sans", font_scale=0.9)
display(Markdown(f"**Data: {CFG['data']['label']}**"))
m = CFG["models"]
label = lambda t: "Intercept" if t == formula.INTERCEPT else m["term_labels"].get(t, t)  # noqa: E731
coefs = pd.read_csv(f"{OUT}/models/coefficients.csv")
coefs["term label"] = coefs["term"].map(label)
coefs["outcome label"] = coefs["outcome"].map(lambda y: CFG["scales"][y]["label"] if "scales" in CFG else y)

# %% [markdown]
# ## The nested models: political capital and the main correlates
# Each coefficient with its confidence interval in M1 (political capital and demographics), M2 (plus
# SES) and M3 (plus trust and media use), all fitted on one sample per outcome.

# %%
show_terms = [t for t in m["political_capital"] + ["educ_years", "log(income_k)", "urban_hukou", "trust", "media"]
              if t in set(coefs.term)]
sub = coefs[(coefs.variant == "main") & coefs.term.isin(show_terms)].copy()
row = {t: len(show_terms) - 1 - i for i, t in enumerate(show_terms)}  # first term on top
models = list(m["formulas"])
g = sns.FacetGrid(sub, col="outcome label", height=0.4 * len(show_terms) + 1.6, aspect=1.3, sharex=True)
for ax, (y, d) in zip(g.axes.flat, sub.groupby("outcome label", sort=False)):
    for k, name in enumerate(models):
        dm = d[d.model == name]
        ypos = dm["term"].map(row).to_numpy() + (1 - k) * 0.22  # M1 above, M3 below within each term
        ax.errorbar(dm["coef"], ypos, xerr=[dm["coef"] - dm["ci_low"], dm["ci_high"] - dm["coef"]], fmt="o",
                    markersize=4, capsize=2, label=name)
    ax.set_yticks([row[t] for t in show_terms], [label(t) for t in show_terms])
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_title(y)
g.axes.flat[-1].legend(title="model", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
g.set_xlabels("Coefficient (confidence interval)")
show_figure(g.figure, "Coefficient plots of the political-capital, SES, trust and media terms in the three nested "
                      "models, for each outcome.")
show_image(f"{OUT}/figures/figure3_political_capital.png", "Figure 3: the full model's coefficients for both indices, "
           "and the predicted index by the configured political-capital variable.", width=900)

# %% [markdown]
# ## Predictive margins

# %%
pred = pd.read_csv(f"{OUT}/models/predicted.csv")
show_table(pred[["outcome", "variable", "level", "predicted", "ci_low", "ci_high", "n"]]
           .rename(columns={"ci_low": "CI low", "ci_high": "CI high"}))

# %% [markdown]
# ## Robustness: the political-capital coefficients under each variant

# %%
rob = pd.read_csv(f"{OUT}/models/robustness.csv")
rob = rob[rob.term.isin(m["political_capital"])].copy()
rob["term label"] = rob["term"].map(label)
fig, axes = plt.subplots(1, rob["outcome"].nunique(), figsize=(11, 0.5 * rob["term"].nunique() + 2.2), sharey=True)
for ax, (y, d) in zip(np.atleast_1d(axes), rob.groupby("outcome", sort=False)):
    terms = list(dict.fromkeys(d["term label"]))
    for k, (variant, dv) in enumerate(d.groupby("variant", sort=False)):
        ypos = np.array([len(terms) - 1 - terms.index(t) for t in dv["term label"]]) + (1.5 - k) * 0.18
        ax.errorbar(dv["coef"], ypos, xerr=[dv["coef"] - dv["ci_low"], dv["ci_high"] - dv["coef"]], fmt="o",
                    markersize=4, capsize=2, label=variant)
    ax.set_yticks(range(len(terms))[::-1], terms)
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set(title=y, xlabel="Coefficient (confidence interval)", ylabel="")
np.atleast_1d(axes)[-1].legend(title="variant", frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
show_figure(fig, "Dot plots of the political-capital coefficients with their intervals under each robustness "
                 "variant.")
show_table(rob[["variant", "outcome", "term label", "coef", "se", "ci_low", "ci_high", "p", "n"]])

# %% [markdown]
# ## Residuals of the full model
# Fitted values from the stored coefficients; residuals against fitted values and their distribution.

# %%
a = pd.read_parquet(f"{OUT}/indices/analysis.parquet")
X = formula.model_matrix(a, formula.parse_formula(m["formulas"][m["full"]]))
fig, axes = plt.subplots(2, len(m["outcomes"]), figsize=(11, 6))
for j, y in enumerate(m["outcomes"]):
    c = coefs[(coefs.variant == "main") & (coefs.model == m["full"]) & (coefs.outcome == y)].set_index("term")["coef"]
    fitted = c[formula.INTERCEPT] + X[[t for t in c.index if t != formula.INTERCEPT]].to_numpy(float) @ c.drop(
        formula.INTERCEPT).to_numpy()
    res = a[y].to_numpy(float) - fitted
    ok = ~np.isnan(res)
    axes[0, j].hexbin(fitted[ok], res[ok], gridsize=30, cmap="Blues", mincnt=1)
    axes[0, j].axhline(0, color="0.3", linewidth=0.8)
    axes[0, j].set(title=CFG["scales"][y]["label"], xlabel="Fitted value", ylabel="Residual")
    sns.histplot(res[ok], bins=40, ax=axes[1, j], color="#2166ac")
    axes[1, j].set(xlabel="Residual", ylabel="Respondents")
fig.tight_layout()
show_figure(fig, "Residuals of the full model against fitted values (hexagonal bins) and histograms of the residuals.")

# %% [markdown]
# ## Against the generator's truth (synthetic stand-in only)

# %%
truth_file = (CFG.get("synthetic") or {}).get("truth")
if CFG["data"]["source"] == "synthetic" and truth_file and Path(truth_file).is_file():
    with open(truth_file, encoding="utf-8") as fh:
        truth = json.load(fh)["index_coefficients"]
    full = coefs[(coefs.variant == "main") & (coefs.model == m["full"])].copy()
    full["truth"] = [truth[o][m["full"]].get(t) for o, t in zip(full.outcome, full.term)]
    full["covered"] = (full.ci_low <= full.truth) & (full.truth <= full.ci_high)
    show_table(full[["outcome", "term label", "truth", "coef", "ci_low", "ci_high", "covered"]])
else:
    print("Not the stand-in: no known truth.")

# %% [markdown]
# ## The reproduction report

# %%
display(Markdown(Path(f"{OUT}/reproduction.md").read_text()))
