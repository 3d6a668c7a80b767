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
# # 04 Models (Figure 3)
#
# Who supports SCS surveillance and punishment: political capital, trust, SES
# and media use. The main models, their robustness, the item-level ordered
# logits, and the reproduction report. Reads the models stage's outputs.

# %% tags=["parameters"]
# Defaults for running this notebook by hand from the project folder; the workflow
# injects the slice of config.yaml it reads and the output folder instead.
import yaml

CFG = yaml.safe_load(open("config.yaml", encoding="utf-8"))
OUT = "results"

# %%
import json
from pathlib import Path

import pandas as pd
from IPython.display import Image, Markdown, display

cfg = CFG
display(Markdown(f"**Data: {cfg['data']['label']}**"))

# %% [markdown]
# ## Main models

# %%
display(Markdown(Path(f"{OUT}/models/regression_table.md").read_text().split("\n", 2)[2]))

# %% [markdown]
# ## Figure 3

# %%
display(Image(f"{OUT}/figures/figure3_political_capital.png", width=900))

# %% [markdown]
# ## Robustness of the political-capital coefficients

# %%
rob = pd.read_csv(f"{OUT}/models/robustness.csv")
pc = cfg["models"]["political_capital"]
display(rob[rob.term.isin(pc)][["variant", "outcome", "label", "coef", "se", "ci_low", "ci_high", "p"]].round(3))

# %% [markdown]
# ## Ordered logits of each item (CCP membership and trust)

# %%
ol = pd.read_csv(f"{OUT}/models/ordered_logits.csv")
display(ol[ol.term.isin(["ccp", "trust"])].pivot(index="item", columns="term", values="coef").round(3))

# %% [markdown]
# ## Against the generator's truth (synthetic stand-in only)
# The stand-in's population least-squares coefficients are known; the survey
# estimates should cover them.

# %%
if cfg["data"]["source"] == "synthetic":
    truth = json.load(open(cfg["synthetic"]["truth"]))["index_coefficients"]
    c = pd.read_csv(f"{OUT}/models/coefficients.csv")
    full = c[(c.variant == "main") & (c.model == cfg["models"]["full"])].copy()
    full["truth"] = [truth[o][cfg["models"]["full"]].get(t) for o, t in zip(full.outcome, full.term)]
    full["covered"] = (full.ci_low <= full.truth) & (full.truth <= full.ci_high)
    display(full[["outcome", "label", "truth", "coef", "ci_low", "ci_high", "covered"]].round(3))
else:
    print("Real data: no known truth.")

# %% [markdown]
# ## Reproduction report

# %%
display(Markdown(Path(f"{OUT}/reproduction.md").read_text()))
