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
# # 02 The weights
#
# How far the weights move the sample, who carries the largest ones, and what they cost in
# precision. Reads the weighting stage's outputs; recomputes no stage.

# %% tags=["parameters"]
# Defaults for running this notebook by hand from the project folder; the workflow
# injects the slice of config.yaml it reads and the output folder instead.
import yaml

with open("config.yaml", encoding="utf-8") as fh:
    CFG = yaml.safe_load(fh)
OUT = "results"

# %%
import json

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from scs.report.notebooks import show_figure, show_table

sns.set_theme(style="whitegrid", font="DejaVu Sans", font_scale=0.9)
display(Markdown(f"**Data: {CFG['data']['label']}**"))
min_cell = CFG["disclosure"]["min_cell"]
with open(f"{OUT}/weights/summary.json", encoding="utf-8") as fh:
    summary = json.load(fh)
with open(f"{OUT}/weights/design.json", encoding="utf-8") as fh:
    design = json.load(fh)

# %% [markdown]
# ## How the weights were made

# %%
plan = design["plan"]
display(Markdown(f"Method **{design['method'].replace('_', ' ')}**, bounds {plan['lower']:g} to {plan['upper']:g} "
                 f"times the mean weight; margins: {', '.join(design['variables'])}."))
if plan["adjustments"]:
    display(Markdown("Adjustments because a target could not be met:\n\n" +
                     "\n".join(f"- {a}" for a in plan["adjustments"])))


def shown(k, v):
    if k in ("max_abs_margin_error", "replicate_max_abs_margin_error", "replicate_max_bound_excess"):
        return "0" if v == 0 else f"{v:.1e}"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.3f}"


show_table(pd.DataFrame({"statistic": [k.replace("_", " ") for k in summary if k != "data_source"],
                         "value": [shown(k, v) for k, v in summary.items() if k != "data_source"]}))

# %% [markdown]
# ## The distribution of the weights

# %%
KEY = design["key"]
w = pd.read_parquet(f"{OUT}/weights/weights.parquet", columns=[KEY, "weight", "weight_unbounded"])
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
sns.histplot(w["weight"], bins=50, ax=axes[0], color="#2166ac")
for b in (plan["lower"], plan["upper"]):
    axes[0].axvline(b, color="0.3", linestyle="--")
axes[0].set(xlabel="Weight (mean 1); dashed: the bounds", ylabel="Respondents")
sns.ecdfplot(data=w.melt(value_vars=["weight", "weight_unbounded"], var_name="weights"), x="value", hue="weights",
             ax=axes[1])
axes[1].set(xlabel="Weight", ylabel="Share of respondents at or below")
show_figure(fig, "Histogram of the final weights with the bounds, and the cumulative distribution of the final and "
                 "the unbounded raking weights.")

# %% [markdown]
# ## Who carries the largest weights
# The mean weight in each cell of the two weighting variables with the most categories (cells with fewer
# respondents than the minimum cell size are left blank), and the composition of the 5% largest weights.

# %%
a = pd.read_parquet(f"{OUT}/clean/clean.parquet", columns=[KEY, *design["variables"]]).merge(w, on=KEY)
# the two weighting variables with the most categories (one weighting variable: by itself)
richest = sorted(design["variables"], key=lambda v: -a[v].nunique())
rows_var, cols_var = (richest * 2)[:2]
name = {v: v.replace("_", " ") for v in design["variables"]}
by = list(dict.fromkeys([rows_var, cols_var]))
cell = a.groupby(by).agg(mean_weight=("weight", "mean"), n=("weight", "size")).reset_index()
if cols_var != rows_var:
    heat = cell.pivot(index=rows_var, columns=cols_var, values="mean_weight")
    mask = cell.pivot(index=rows_var, columns=cols_var, values="n").fillna(0) < min_cell
    fig, ax = plt.subplots(figsize=(7, 3.6))
    sns.heatmap(heat, mask=mask, annot=True, fmt=".2f", cmap="Reds", ax=ax, cbar_kws={"label": "mean weight"})
    ax.set(xlabel=name[cols_var], ylabel=name[rows_var])
    show_figure(fig, f"Heat map of the mean weight in each {name[rows_var]} by {name[cols_var]} cell.")
top = a[a["weight"] >= a["weight"].quantile(0.95)]
comp = top.groupby(by).size().reset_index(name="respondents")
comp["respondents"] = comp["respondents"].where(comp["respondents"] >= min_cell)
show_table(comp.sort_values("respondents", ascending=False).rename(columns=lambda c: c.replace("_", " ")),
           caption=f"The 5% largest weights ({len(top):,} respondents) by cell; blank: fewer than {min_cell}")

# %% [markdown]
# ## What the weights cost: design effects and the three SEs of each estimate
# The design effect of a mean is its design variance over that of a simple random sample of the same
# size. The reported SEs are jackknife SEs; linearization and bootstrap SEs are computed beside them.

# %%
est = pd.read_csv(f"{OUT}/items/item_estimates.csv")
est = est[pd.to_numeric(est["n"], errors="coerce") > 0]
fig, axes = plt.subplots(1, 2, figsize=(11, 0.26 * len(est) + 1.5))
sns.barplot(data=est, y="label", x="deff", hue="scale", dodge=False, ax=axes[0])
axes[0].axvline(1, color="0.3", linewidth=0.8)
axes[0].set(xlabel="Design effect (variance ratio)", ylabel="")
axes[0].legend(frameon=False, loc="lower right")
long = est.melt(id_vars=["label"], value_vars=["se", "se_linearization", "se_boot"], var_name="SE", value_name="value")
long["SE"] = long["SE"].map({"se": "reported", "se_linearization": "linearization", "se_boot": "bootstrap"})
sns.pointplot(data=long, y="label", x="value", hue="SE", linestyle="none", dodge=0.4, ax=axes[1])
axes[1].set(xlabel="Standard error", ylabel="")
axes[1].tick_params(labelleft=False)
show_figure(fig, "Bar chart of the design effect of each item and index mean, and a dot plot of their reported, "
                 "linearization and bootstrap standard errors.")
