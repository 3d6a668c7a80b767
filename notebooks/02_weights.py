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
# # 02 Weights
#
# Raking to census margins (svy), trimming inside the trim-rake loop, and the
# re-raked bootstrap replicates. Reads the weighting stage's outputs.

# %% tags=["parameters"]
# Defaults for running this notebook by hand from the project folder; the workflow
# injects the slice of config.yaml it reads and the output folder instead.
import yaml

CFG = yaml.safe_load(open("config.yaml", encoding="utf-8"))
OUT = "results"

# %%
import json

import numpy as np
import pandas as pd
from IPython.display import Image, Markdown, display

cfg = CFG
display(Markdown(f"**Data: {cfg['data']['label']}**"))

# %% [markdown]
# ## Margins: target, unweighted, weighted

# %%
margins = pd.read_csv(f"{OUT}/weights/margins.csv")
display(margins)
print(f"largest |weighted - target|: {margins['error'].abs().max():.2e}")

# %% [markdown]
# ## Weight diagnostics

# %%
summary = json.load(open(f"{OUT}/weights/summary.json"))
display(pd.Series(summary, name="value").to_frame())

# %%
display(Image(f"{OUT}/weights/weight_distribution.png", width=650))

# %% [markdown]
# ## Bootstrap replicates
# Each replicate is re-raked, so each hits the census margins as the main weight does.

# %%
w = pd.read_parquet(f"{OUT}/weights/weights.parquet")
reps = [c for c in w.columns if c.startswith("rep_")]
R = w[reps].to_numpy()
print(f"{len(reps)} replicates; replicate totals from {R.sum(0).min():.6f} to {R.sum(0).max():.6f} "
      f"(main weight total {w['weight'].sum():.6f})")
print(f"mean correlation of a replicate with the main weight: "
      f"{np.mean([np.corrcoef(R[:, j], w['weight'])[0, 1] for j in range(R.shape[1])]):.3f}")
