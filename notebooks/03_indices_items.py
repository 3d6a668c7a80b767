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
# # 03 The items and the indices (Figures 1 and 2)
#
# How respondents answered every item, how the items hang together, and the indices built from
# them. Reads the indices and item stages' outputs; recomputes no stage.

# %% tags=["parameters"]
# Defaults for running this notebook by hand from the project folder; the workflow
# injects the slice of config.yaml it reads and the output folder instead.
import yaml

with open("config.yaml", encoding="utf-8") as fh:
    CFG = yaml.safe_load(fh)
OUT = "results"

# %%
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from scs.report.notebooks import show_figure, show_image, show_table

sns.set_theme(style="whitegrid", font="DejaVu Sans", font_scale=0.9)
display(Markdown(f"**Data: {CFG['data']['label']}**"))
labels = {it["var"]: it["label"] for b in CFG["batteries"] for it in CFG["scales"][b]["items"]}
answers = {str(k): f"{k} {v}" for k, v in CFG["response_scale"]["labels"].items()}
answers["dk"] = "don't know"

# %% [markdown]
# ## How every item was answered
# Respondents giving each answer (unweighted counts; cells under the minimum size withheld).

# %%
dist = pd.read_csv(f"{OUT}/items/item_distribution.csv", dtype={"answer": str})
counts = dist.pivot_table(index=["scale", "label"], columns="answer", values="n", aggfunc="first", sort=False)
counts = counts[[c for c in answers if c in counts.columns]].rename(columns=answers).reset_index()
show_table(counts, digits=0)
for b in CFG["batteries"]:
    show_image(f"{OUT}/figures/likert_{b}.png", f"Likert chart of the weighted answer shares of the {b} items.")

# %% [markdown]
# ## Weighted means: Figures 1 and 2

# %%
est = pd.read_csv(f"{OUT}/items/item_estimates.csv")
cols = ["label", "mean", "ci_low", "ci_high", "se", "pct_support", "pct_oppose", "pct_dk", "n"]
show_table(est[cols].rename(columns={"ci_low": "CI low", "ci_high": "CI high", "pct_support": "% support",
                                     "pct_oppose": "% oppose", "pct_dk": "% don't know"}))
for i, b in enumerate(CFG["batteries"], 1):
    show_image(f"{OUT}/figures/figure{i}_{b}.png", f"Figure {i}: weighted mean support for each {b} item with its "
                                                    "confidence interval.")

# %% [markdown]
# ## How the items hang together
# Correlations between the items (Spearman, pairwise complete, unweighted), and the reliability of
# each index.

# %%
a = pd.read_parquet(f"{OUT}/indices/analysis.parquet")
items = [v for v in labels if v in a.columns]
corr = a[items].astype(float).corr(method="spearman").rename(index=labels, columns=labels)
fig, ax = plt.subplots(figsize=(0.55 * len(items) + 3, 0.5 * len(items) + 1.5))
sns.heatmap(corr, annot=True, fmt=".2f", cmap="vlag", vmin=-1, vmax=1, ax=ax, annot_kws={"size": 7})
show_figure(fig, "Heat map of the correlations between every pair of battery items.")
rel = pd.read_csv(f"{OUT}/indices/reliability.csv")
show_table(rel[rel.statistic == "cronbach_alpha"][["label", "unweighted", "weighted", "n"]]
           .rename(columns={"label": "index", "unweighted": "alpha (unweighted)", "weighted": "alpha (weighted)"}))

# %% [markdown]
# ## The indices
# Distributions of each index among the respondents who answered enough items.

# %%
scales = list(CFG["batteries"]) + [s for s in CFG["scales"] if s not in CFG["batteries"]]
long = a[scales].melt(var_name="index", value_name="value").dropna()
long["index"] = long["index"].map(lambda s: CFG["scales"][s]["label"])
g = sns.displot(data=long, x="value", col="index", col_wrap=2, bins=25, height=2.4, aspect=1.6, color="#2166ac")
g.set_titles("{col_name}").set_axis_labels("Index (mean of the answered items)", "Respondents")
show_figure(g.figure, "Histograms of the indices.")
missing = {CFG["scales"][s]["label"]: int(a[s].isna().sum()) for s in scales}
show_table(pd.DataFrame({"index": list(missing), "respondents without it (too few answered items)": list(missing.values())}))
