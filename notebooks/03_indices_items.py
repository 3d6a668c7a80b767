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
# # 03 The items and the indices
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
from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from scs.report.notebooks import (
    Registry,
    share_definition,
    show_data,
    show_figure,
    show_image,
    show_table,
    value_bins,
)
from scs.stages.descriptives import descriptive_key
from scs.stages.indices import reliability_key
from scs.stages.items import estimate_key

sns.set_theme(style="whitegrid", font="DejaVu Sans", font_scale=0.9)
show_data(CFG["data"])
reg = Registry(f"{OUT}/numbers.json")
labels = {it["var"]: it["label"] for b in CFG["batteries"] for it in CFG["scales"][b]["items"]}
answers = {str(k): f"{k} {v}" for k, v in CFG["response_scale"]["labels"].items()}
answers["dk"] = "don't know"
scale_label = {s: CFG["scales"][s]["label"] for s in CFG["scales"]}

# %% [markdown]
# ## How every item was answered
# Respondents giving each answer (unweighted counts; a cell under the minimum size is withheld), and the
# weighted shares in the Likert charts.

# %%
dist = pd.read_csv(f"{OUT}/items/item_distribution.csv", dtype={"answer": str, "n": str})  # "<10": withheld
counts = dist.pivot_table(index=["scale", "label"], columns="answer", values="n", aggfunc="first", sort=False)
counts = counts[[c for c in answers if c in counts.columns]].rename(columns=answers).reset_index()
counts["scale"] = counts["scale"].map(scale_label)
show_table(counts, kinds=dict.fromkeys([answers[c] for c in answers if answers[c] in counts.columns], "count"))
est = pd.read_csv(f"{OUT}/items/item_estimates.csv", dtype={"n": str})
for b in CFG["batteries"]:
    show_image(f"{OUT}/figures/likert_{b}.png", f"Likert chart of the weighted answer shares of the items of the "
                                                 f"{scale_label[b]}.")
    rs = CFG["response_scales"][b]
    items = [it["var"] for it in CFG["scales"][b]["items"] if estimate_key(it["var"], "pct_support") in reg]
    by_support = sorted(items, key=lambda v: reg.value(estimate_key(v, "pct_support")) or 0)
    hi, lo = by_support[-1], by_support[0]
    reg.reading("Of the {battery} items, \u201c{hi}\u201d has the largest share answering {agree}: {hi_support}% "
                "({hi_oppose}% {disagree}); \u201c{lo}\u201d the smallest: {lo_support}% ({lo_oppose}% {disagree}). "
                "Weighted shares of the substantive answers.",
                keys={"hi_support": estimate_key(hi, "pct_support"), "hi_oppose": estimate_key(hi, "pct_oppose"),
                      "lo_support": estimate_key(lo, "pct_support"), "lo_oppose": estimate_key(lo, "pct_oppose")},
                text={"battery": scale_label[b].lower(), "hi": labels[hi], "lo": labels[lo], "agree": rs["agree"],
                      "disagree": rs["disagree"]})

# %% [markdown]
# ## Weighted means: the figures of the items

# %%
first = CFG["numbering"]["figures"]["items"]
numbers = [str(i) for i in range(first, first + len(CFG["batteries"]))]
display(Markdown(f"Figure {numbers[0]}" if len(numbers) == 1 else
                 f"Figures {', '.join(numbers[:-1])} and {numbers[-1]}" if len(numbers) == 2 else
                 f"Figures {numbers[0]} to {numbers[-1]}"))
# the two shares are named as the response scale names them (support and oppose unless configured), and defined
shown = list(dict.fromkeys(est["scale"]))
scales_rs = {sc: CFG["response_scales"][sc] for sc in shown}
words = {(rs["agree"], rs["disagree"]) for rs in scales_rs.values()}
agree, disagree = words.pop() if len(words) == 1 else ("agree", "disagree")
cols = ["label", "mean", "ci_low", "ci_high", "se", "pct_support", "pct_oppose", "pct_dk", "n"]
show_table(est[cols].rename(columns={"ci_low": "CI low", "ci_high": "CI high", "pct_support": f"% {agree}",
                                     "pct_oppose": f"% {disagree}", "pct_dk": "% don't know"}),
           kinds={"mean": "mean", "CI low": "mean", "CI high": "mean", "se": "se", f"% {agree}": "pct",
                  f"% {disagree}": "pct", "% don't know": "pct", "n": "count"})
groups: dict = {}  # the scales that share a response scale: one definition for them
for sc, rs in scales_rs.items():
    groups.setdefault(share_definition(rs), []).append(scale_label[sc])
display(Markdown(
    "The shares are weighted shares of the substantive answers (those who answered \"don't know\" or gave another "
    "missing code are out of them, and are % don't know among everyone asked; an index has none). " +
    " ".join(f"{'For the items and the index of ' + ', '.join(group) + ': ' if len(groups) > 1 else ''}"
             f"{definition[:1].upper() + definition[1:]}." for definition, group in groups.items())))
for i, b in enumerate(CFG["batteries"], CFG["numbering"]["figures"]["items"]):
    show_image(f"{OUT}/figures/figure{i}_{b}.png", f"Figure {i}: weighted mean of each item of the "
                                                    f"{CFG['scales'][b]['label']} with its confidence interval.")
    items = [it["var"] for it in CFG["scales"][b]["items"] if estimate_key(it["var"], "mean") in reg]
    by_mean = sorted(items, key=lambda v: reg.value(estimate_key(v, "mean")))
    reg.reading("The {index} averages {mean} (interval {low} to {high}); its items run from {lo_mean} "
                "(\u201c{lo}\u201d) to {hi_mean} (\u201c{hi}\u201d).",
                keys={"mean": estimate_key(b, "mean"), "low": estimate_key(b, "ci_low"),
                      "high": estimate_key(b, "ci_high"), "lo_mean": estimate_key(by_mean[0], "mean"),
                      "hi_mean": estimate_key(by_mean[-1], "mean")},
                text={"index": scale_label[b], "lo": labels[by_mean[0]], "hi": labels[by_mean[-1]]})

# %% [markdown]
# ## How the items hang together
# Correlations between the items (Spearman, pairwise complete, unweighted), and the reliability of
# each index.

# %%
a = pd.read_parquet(f"{OUT}/indices/analysis.parquet")
items = [v for v in labels if v in a.columns]
corr = a[items].astype(float).corr(method="spearman").rename(index=labels, columns=labels)
fig, ax = plt.subplots(figsize=(0.62 * len(items) + 4, 0.55 * len(items) + 2))
sns.heatmap(corr, annot=True, fmt=".2f", cmap="vlag", vmin=-1, vmax=1, ax=ax, annot_kws={"size": 8})
show_figure(fig, "Heat map of the correlations between every pair of battery items.")
rel = pd.read_csv(f"{OUT}/indices/reliability.csv")
# the respondents the reliability rests on, as configured (reliability.missing; scs.stages.indices.item_covariance)
RESPONDENTS = {"listwise": "{n} respondents who answered every item",
               "pairwise": "each pair of items over the respondents who answered both; {n} answered at least two "
                           "items"}[CFG["reliability"]["missing"]]
alpha = rel[rel.statistic == "cronbach_alpha"].copy()
item_rest = rel[rel.statistic == "item_rest_correlation"]  # (the file also holds omega and the first eigenvalue)
alpha["order"] = alpha["scale"].map(list(CFG["scales"]).index)
show_table(alpha.sort_values("order")[["label", "unweighted", "weighted", "n"]]
           .rename(columns={"label": "index", "unweighted": "alpha (unweighted)", "weighted": "alpha (weighted)"}),
           kinds={"alpha (unweighted)": "alpha", "alpha (weighted)": "alpha"})
for b in CFG["batteries"]:
    row = alpha[alpha.scale == b].iloc[0]
    rest = [r for r in item_rest[item_rest.scale == b].itertuples() if reg.value(reliability_key(r, "weighted"))
            is not None]
    if not rest:
        continue
    weakest = min(rest, key=lambda r: reg.value(reliability_key(r, "weighted")))
    reg.reading("The {index} has a Cronbach's alpha of {alpha} (weighted; " + RESPONDENTS + "); "
                "the item that hangs least with the rest is \u201c{item}\u201d (item-rest correlation {r}).",
                keys={"alpha": reliability_key(row, "weighted"), "n": reliability_key(row, "n"),
                      "r": reliability_key(weakest, "weighted")},
                text={"index": scale_label[b], "item": labels.get(weakest.var, weakest.label)})

# %% [markdown]
# ## The indices
# Distributions of each index among the respondents who answered enough items: one bar for each value that the
# mean of all its items can take (steps of one over the number of items; the mean of a respondent who skipped
# items counts at the nearest step).

# %%
scales = list(CFG["batteries"]) + [s for s in CFG["scales"] if s not in CFG["batteries"]]
# an index is the mean of a respondent's answered items: its values are steps of 1/k (k items) between the
# lowest and the highest code, one bin centred on each (bins of another width would hold two steps or none)
ncols = min(2, len(scales))
nrows = -(-len(scales) // ncols)
fig, axes = plt.subplots(nrows, ncols, figsize=(11, 2.8 * nrows), squeeze=False,
                         gridspec_kw={"wspace": 0.25, "hspace": 0.6})
for ax in axes.flat[len(scales):]:
    ax.set_visible(False)
for ax, sc in zip(axes.flat, scales):
    codes = [int(c) for c in CFG["response_scales"][sc]["labels"]]
    k = len(CFG["scales"][sc]["items"])
    ax.hist(a[sc].dropna().astype(float), bins=value_bins(min(codes), max(codes), k), color="#2166ac",
            edgecolor="white", linewidth=0.3)
    ax.set(title=scale_label[sc], xlabel=f"Index (mean of the answered items; bins of 1/{k})", ylabel="Respondents")
    ax.set_xticks(codes)
show_figure(fig, "Histograms of the indices, one bin for each value the mean of a respondent's answered items can "
                 "take (steps of one over the number of items).")
missing = {scale_label[s]: int(a[s].isna().sum()) for s in scales}
show_table(pd.DataFrame({"index": list(missing), "respondents without it (too few answered items)": list(missing.values())}))
# the registry summarises the indices that the models use (the descriptives stage): the others are read above only
described = [s for s in scales if descriptive_key(SimpleNamespace(variable=s, level=None), "weighted") in reg]
unused = [scale_label[s] for s in scales if s not in described]
if unused:
    display(Markdown(f"In no model, so not among the descriptive statistics: {', '.join(unused)} "
                     f"({'its distribution is' if len(unused) == 1 else 'their distributions are'} in the histograms "
                     "and the table above)."))
for s in described:
    row = SimpleNamespace(variable=s, level=None)
    reg.reading("{index}: weighted mean {mean} (SD {sd}); {missing} respondents answered too few items to have it.",
                keys={"mean": descriptive_key(row, "weighted"), "sd": descriptive_key(row, "sd_weighted"),
                      "missing": descriptive_key(row, "missing")},
                text={"index": scale_label[s]})
