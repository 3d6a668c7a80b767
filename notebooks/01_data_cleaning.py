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
# # 01 From the raw export to the analytic sample
#
# Who the exclusion rules removed, and how the cleaned sample compares with the census before
# weighting. This notebook reads the cleaning stage's outputs; it recomputes no stage.

# %% tags=["parameters"]
# Defaults for running this notebook by hand from the project folder; the workflow
# injects the slice of config.yaml it reads and the output folder instead.
import yaml

with open("config.yaml", encoding="utf-8") as fh:
    CFG = yaml.safe_load(fh)
OUT = "results"

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from scs.report.notebooks import show_figure, show_table

sns.set_theme(style="whitegrid", font="DejaVu Sans", font_scale=0.9)
display(Markdown(f"**Data: {CFG['data']['label']}**"))
if CFG["data"]["source"] != "real":
    display(Markdown("> Built from generated data: nothing here is a finding about Chinese citizens."))
descriptions = {r["name"]: r.get("description", r["name"]) for r in CFG["cleaning"]["rules"]}
min_cell = CFG["disclosure"]["min_cell"]

# %% [markdown]
# ## The exclusion flow
# Each rule of the configuration, applied in order, removes respondents from those still remaining.

# %%
flow = pd.read_csv(f"{OUT}/clean/exclusion_flow.csv")
show_table(flow[["rule", "description", "removed", "remaining"]].rename(columns=str.capitalize))
steps = flow[flow.step > 0].assign(rule=lambda d: d["description"].str.slice(0, 60))
fig, ax = plt.subplots(figsize=(8, 0.35 * len(steps) + 1.2))
sns.barplot(data=steps, y="rule", x="removed", color="#2166ac", ax=ax)
ax.set(xlabel="Respondents removed", ylabel="",
       title=f"From {flow.remaining.iloc[0]:,} responses in the export to {flow.remaining.iloc[-1]:,} respondents")
show_figure(fig, "Bar chart of the respondents each exclusion rule removed, in the order the rules apply.")

# %% [markdown]
# ## Who was excluded
# The composition of the respondents each rule removed, by the weighting characteristics, against the
# analytic sample. Each bar is all the respondents the rule removed (from the exclusion flow): screen-outs
# who never answered count as "unknown", and the cells with fewer than the minimum cell size are withheld
# (grey), so that a share is never computed from the disclosed cells alone.

# %%
prof = pd.read_csv(f"{OUT}/clean/exclusion_profile.csv")
prof["n"] = pd.to_numeric(prof["n"], errors="coerce")  # a withheld cell ("<10") is NaN here
totals = {**dict(zip(flow["rule"], flow["removed"])), "analytic sample": int(flow["remaining"].iloc[-1])}
prof["share"] = prof["n"] / prof["rule"].map(totals)
prof["who"] = prof["rule"].map(lambda r: "analytic sample" if r == "analytic sample" else descriptions.get(r, r)[:40])
withheld = f"withheld (cells < {min_cell})"
for var in CFG["weighting"]["variables"]:
    sub = prof[prof.variable == var]
    if sub.empty:
        continue
    table = sub.pivot_table(index="who", columns="category", values="share", sort=False).fillna(0)
    order = [c for c in table.columns if c != "unknown"] + (["unknown"] if "unknown" in table.columns else [])
    table = table[order]
    table[withheld] = (1 - table.sum(axis=1)).clip(lower=0)
    colors = list(plt.get_cmap("RdYlBu")(np.linspace(0.05, 0.95, len(order))))
    fig, ax = plt.subplots(figsize=(9, 0.33 * len(table) + 1.6))
    table.plot.barh(stacked=True, ax=ax, color=colors + ["#bbbbbb"], width=0.8, edgecolor="white")
    ax.set(xlabel=f"Share of the respondents each rule removed, by {var.replace('_', ' ')}", ylabel="", xlim=(0, 1))
    ax.legend(title=var.replace("_", " "), bbox_to_anchor=(1.01, 1), loc="upper left", frameon=False)
    show_figure(fig, f"Stacked bars: the {var.replace('_', ' ')} composition of the respondents each rule removed "
                     "and of the analytic sample; grey: cells withheld for disclosure control.")

# %% [markdown]
# ## The cleaned sample against the census, before weighting
# An online panel over-represents some groups; the weights bring each margin to its census target.

# %%
margins = pd.read_csv(f"{OUT}/weights/margins.csv")
margins["unweighted"] = pd.to_numeric(margins["unweighted"], errors="coerce")
long = margins.melt(id_vars=["variable", "category"], value_vars=["target", "unweighted"], var_name="share of",
                    value_name="share")
g = sns.catplot(data=long, y="category", x="share", hue="share of", col="variable", col_wrap=2, kind="point",
                sharey=False, height=2.4, aspect=1.7, linestyle="none", palette=["0.2", "#b2182b"], markers=["|", "o"])
g.set_titles("{col_name}").set_axis_labels("Share", "")
show_figure(g.figure, "Dot plots, one per weighting variable: the census target and the unweighted sample share of "
                      "every category.")
show_table(margins[["variable", "category", "target", "unweighted", "n"]].rename(columns=str.capitalize))

# %% [markdown]
# ## The cleaned data

# %%
clean = pd.read_parquet(f"{OUT}/clean/clean.parquet")
dk = [c for c in clean.columns if c.endswith("__dk")]
summary = pd.DataFrame({"variable": [c for c in clean.columns if c not in dk]})
summary["type"] = [str(clean[c].dtype) for c in summary.variable]
summary["missing"] = [int(clean[c].isna().sum()) for c in summary.variable]
summary["don't know or refused"] = [int(clean[f"{c}__dk"].sum()) if f"{c}__dk" in clean else None
                                    for c in summary.variable]
print(f"{len(clean):,} respondents and {len(summary)} analysis variables (identifiers and free text are not kept)")
show_table(summary)
