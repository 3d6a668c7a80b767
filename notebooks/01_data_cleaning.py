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
# # 01 Data and cleaning
#
# From the raw export to the analytic sample: the exclusion flow, and how the
# cleaned sample compares with the census before weighting. This notebook reads
# the pipeline's outputs; it recomputes nothing.

# %% tags=["parameters"]
# Defaults for running this notebook by hand from the project folder; the workflow
# injects the slice of config.yaml it reads and the output folder instead.
import yaml

CFG = yaml.safe_load(open("config.yaml", encoding="utf-8"))
OUT = "results"

# %%
import json

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

cfg = CFG
display(Markdown(f"**Data: {cfg['data']['label']}**"))
if cfg["data"]["source"] == "synthetic":
    display(Markdown("> Built from the SYNTHETIC stand-in: nothing here is a finding about Chinese citizens."))

# %% [markdown]
# ## Exclusion flow
# Rules from `config.yaml`, applied in order; each removes respondents from those still remaining.

# %%
flow = pd.read_csv(f"{OUT}/clean/exclusion_flow.csv")
display(flow)

# %%
steps = flow[flow.step > 0]
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.barh(steps["rule"][::-1], steps["removed"][::-1], color="#2166ac")
ax.set_xlabel("Respondents removed")
ax.set_title(f"From {flow.remaining.iloc[0]:,} raw responses to {flow.remaining.iloc[-1]:,}", loc="left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The cleaned sample against the census (before weighting)

# %%
margins = pd.read_csv(f"{OUT}/weights/margins.csv")
display(margins[["variable", "category", "target", "unweighted", "n"]])

# %%
fig, ax = plt.subplots(figsize=(7, 4))
lab = margins["variable"] + ": " + margins["category"]
ax.scatter(margins["target"], margins["unweighted"], color="#b2182b")
for x, y, t in zip(margins["target"], margins["unweighted"], lab):
    ax.annotate(t, (x, y), fontsize=7, xytext=(3, 2), textcoords="offset points")
lim = [0, max(margins["target"].max(), margins["unweighted"].max()) * 1.1]
ax.plot(lim, lim, color="0.6", linestyle="--")
ax.set_xlabel("Census share (target)")
ax.set_ylabel("Unweighted sample share")
ax.set_title("The online panel over-represents the young, educated and eastern", loc="left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The cleaned data

# %%
clean = pd.read_parquet(f"{OUT}/clean/clean.parquet")
print(f"{len(clean):,} respondents, {clean.shape[1]} analysis variables")
summary = pd.DataFrame({"type": clean.dtypes.astype(str), "missing": clean.isna().sum()})
display(summary)
