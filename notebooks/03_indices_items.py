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
# # 03 Indices and items (Figures 1 and 2)
#
# Weighted item means with design-based intervals, the two indices, and their
# reliability. Reads the indices stage's outputs.

# %% tags=["parameters"]
# Defaults for running this notebook by hand from the project folder; the workflow
# injects the slice of config.yaml it reads and the output folder instead.
import yaml

CFG = yaml.safe_load(open("config.yaml", encoding="utf-8"))
OUT = "results"

# %%
import pandas as pd
from IPython.display import Image, Markdown, display

cfg = CFG
display(Markdown(f"**Data: {cfg['data']['label']}**"))

# %% [markdown]
# ## Item and index estimates

# %%
est = pd.read_csv(f"{OUT}/items/item_estimates.csv")
cols = ["label", "mean", "ci_low", "ci_high", "se", "se_boot", "pct_support", "pct_oppose", "mean_unweighted", "n"]
display(est[cols].round(3))

# %% [markdown]
# The linearization SEs (which account for the raking) and the bootstrap SEs
# from the re-raked replicates should agree up to Monte Carlo error:

# %%
display((est["se_boot"] / est["se"]).describe().round(3).to_frame("bootstrap SE / linearization SE"))

# %% [markdown]
# ## Figure 1: surveillance

# %%
display(Image(f"{OUT}/figures/figure1_surveillance.png", width=720))

# %% [markdown]
# ## Figure 2: punishment

# %%
display(Image(f"{OUT}/figures/figure2_punishment.png", width=720))

# %% [markdown]
# ## Reliability

# %%
rel = pd.read_csv(f"{OUT}/indices/reliability.csv")
display(rel[rel.statistic == "cronbach_alpha"][["scale", "unweighted", "weighted", "n"]].round(3))
display(rel[rel.statistic != "cronbach_alpha"][["scale", "label", "unweighted", "weighted"]].round(3))
