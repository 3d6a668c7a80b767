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
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from scs.io.codebook import load_codebook
from scs.precision import round_frame
from scs.report.notebooks import Labels, Registry, in_codebook_order, in_sentence, show_data, show_figure, show_table, wrap
from scs.stages.items import estimate_key
from scs.stages.weight_diagnostics import BOUNDED, NOT_CALIBRATED, applies, margin_key, summary_key

sns.set_theme(style="whitegrid", font="DejaVu Sans", font_scale=0.9)
show_data(CFG["data"])
reg = Registry(f"{OUT}/numbers.json")
codebook = load_codebook(CFG["data"]["codebook"])
# what readers see for the variables and their categories (labels from the configuration, then the codebook)
names = Labels(CFG["labels"]["variables"], CFG["labels"]["levels"], codebook)
min_cell = CFG["disclosure"]["min_cell"]
with open(f"{OUT}/weights/summary.json", encoding="utf-8") as fh:
    summary = json.load(fh)
with open(f"{OUT}/weights/design.json", encoding="utf-8") as fh:
    design = json.load(fh)

# %% [markdown]
# ## How the weights were made
# The summary of the weights as the weighting diagnostics print it (every value from the registry).

# %%
plan = design["plan"]
method = design["method"]
bounded = method in BOUNDED  # the weights held within bounds (else there are none to show)
calibrated = method != NOT_CALIBRATED
# equal weights: no design weight and no calibration (every respondent counts the same)
equal = reg.value(summary_key("weight_min")) == reg.value(summary_key("weight_max"))
supplied = (f"the design weights as supplied ({in_sentence(names.var(design['base_weight']))}), scaled to mean 1"
            if design.get("base_weight") else "no design weight: every respondent weighs the same")
if calibrated and design["variables"]:
    margins_of = ", ".join(in_sentence(names.var(v)) for v in design["variables"])
    bounds = (f", bounds {plan['lower']:g} to {plan['upper']:g} times the mean weight" if bounded else
              ", without bounds on the weights")
    display(Markdown(f"Method **{method.replace('_', ' ')}**{bounds}; margins: {margins_of}."))
else:
    display(Markdown(f"Method **{method.replace('_', ' ')}**: not calibrated to census margins; {supplied}."))
if plan["adjustments"]:
    display(Markdown("Adjustments because a target could not be met:\n\n" +
                     "\n".join(f"- {a}" for a in plan["adjustments"])))
# only the statistics that the method has (no bounds without bounds, no adjustment factors without a calibration)
stats = [k for k in summary if summary_key(k) in reg and applies(k, method)]
show_table(pd.DataFrame({"statistic": [k.replace("_", " ") for k in stats],
                         "value": [reg(summary_key(k)) for k in stats]}))

# %% [markdown]
# ## The distribution of the weights

# %%
KEY = design["key"]
w = pd.read_parquet(f"{OUT}/weights/weights.parquet", columns=[KEY, "weight", "weight_unbounded"])
# the weights as released (7 significant digits): another machine's last digits cannot move one across a bin edge
w[["weight", "weight_unbounded"]] = round_frame(w[["weight", "weight_unbounded"]])
cost = ("Their coefficient of variation, {cv}, makes a design effect of {deff} from the weights alone: the {n} "
        "respondents carry about as much information as {neff} unweighted ones.")
cost_keys = {"cv": summary_key("weight_cv"), "deff": summary_key("kish_deff"), "n": summary_key("n"),
             "neff": summary_key("effective_n")}
if equal:  # nothing to draw: one value
    reg.reading("All {n} respondents have the same weight, {low}: the weights are not calibrated and there is no "
                "design weight, so every estimate is unweighted and the weights cost no precision (design effect "
                "{deff}).",
                keys={"n": summary_key("n"), "low": summary_key("weight_min"), "deff": summary_key("kish_deff")})
else:
    # the weights without the bounds beside the final ones, when the bounds changed them
    unbounded = bounded and not w["weight"].equals(w["weight_unbounded"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    sns.histplot(w["weight"], bins=50, ax=axes[0], color="#2166ac")
    if bounded:
        for b in (plan["lower"], plan["upper"]):
            axes[0].axvline(b, color="0.3", linestyle="--")
    axes[0].set(xlabel="Weight (mean 1)" + ("; dashed: the bounds" if bounded else ""), ylabel="Respondents")
    curves = w.rename(columns={"weight": "final weight", "weight_unbounded": "without the bounds"})
    shown = ["final weight", "without the bounds"] if unbounded else ["final weight"]
    sns.ecdfplot(data=curves.melt(value_vars=shown, var_name="weights"), x="value", hue="weights", ax=axes[1],
                 legend=unbounded)
    axes[1].set(xlabel="Weight", ylabel="Share of respondents at or below")
    show_figure(fig, "Histogram of the final weights" + (" with the bounds" if bounded else "") + ", and the cumulative "
                     "distribution of the final" + (" and the unbounded raking weights." if unbounded else " weights."))
    if bounded:
        reg.reading("The weights run from {low} to {high} (bounds {lower} and {upper}). " + cost,
                    keys={"low": summary_key("weight_min"), "high": summary_key("weight_max"),
                          "lower": summary_key("bound_lower"), "upper": summary_key("bound_upper"), **cost_keys})
    else:
        reg.reading("The weights run from {low} to {high} ({how}). " + cost,
                    keys={"low": summary_key("weight_min"), "high": summary_key("weight_max"), **cost_keys},
                    text={"how": "calibrated without bounds" if calibrated else supplied})

# %% [markdown]
# ## Who carries the largest weights
# The mean weight in each cell of the two weighting variables with the most categories (a cell with fewer
# respondents than the minimum cell size is withheld), and the composition of the 5% largest weights.

# %%
if equal:
    display(Markdown("Every respondent has the same weight: none carries more than another."))
elif not calibrated or not design["variables"]:
    display(Markdown("No weighting variables: the weights are not compared across margin cells."))
else:
    a = pd.read_parquet(f"{OUT}/clean/clean.parquet", columns=[KEY, *design["variables"]]).merge(w, on=KEY)
    # the two weighting variables with the most categories (one weighting variable: by itself)
    richest = sorted(design["variables"], key=lambda v: -a[v].nunique())
    rows_var, cols_var = (richest * 2)[:2]
    name = {v: in_sentence(names.var(v)) for v in design["variables"]}
    order = {v: in_codebook_order(a[v].dropna(), codebook.categories(v)) for v in design["variables"]}
    by = list(dict.fromkeys([rows_var, cols_var]))
    cell = a.groupby(by).agg(mean_weight=("weight", "mean"), n=("weight", "size")).reset_index()
    if cols_var != rows_var:
        heat = cell.pivot(index=rows_var, columns=cols_var, values="mean_weight").reindex(
            index=order[rows_var], columns=order[cols_var])
        small = cell.pivot(index=rows_var, columns=cols_var, values="n").reindex_like(heat).fillna(0) < min_cell
        fig, ax = plt.subplots(figsize=(8, 0.55 * len(heat) + 1.8))
        sns.heatmap(heat, mask=small.to_numpy(), annot=True, fmt=".2f", cmap="Reds", ax=ax,
                    cbar_kws={"label": "mean weight"})
        for i, j in zip(*np.nonzero(small.to_numpy())):
            ax.text(j + 0.5, i + 0.5, f"<{min_cell}", ha="center", va="center", color="0.45", fontsize=8)
        ax.set(xlabel=names.var(cols_var), ylabel=names.var(rows_var))
        ax.set_xticks(ax.get_xticks(), [wrap(c, 12) for c in names.levels(cols_var, heat.columns)], rotation=0)
        ax.set_yticks(ax.get_yticks(), names.levels(rows_var, heat.index), rotation=0)
        show_figure(fig, f"Heat map of the mean weight in each {name[rows_var]} by {name[cols_var]} cell, categories in "
                         f"the codebook's order; cells of fewer than {min_cell} respondents withheld.")


    def shortest(var):
        """The category of a weighting variable whose sample share falls furthest below its census target."""
        cats = [c for c in order[var] if margin_key(var, str(c), "unweighted") in reg]
        return min(cats, key=lambda c: (reg.value(margin_key(var, str(c), "unweighted")) or 0)
                   / reg.value(margin_key(var, str(c), "target")))


    r_cat, c_cat = shortest(rows_var), shortest(cols_var)
    reg.reading("The largest weights go where the sample falls furthest short of the census: in {r_var}, "
                "\u201c{r_cat}\u201d is {r_unw} of the sample against {r_target} in the census; in {c_var}, "
                "\u201c{c_cat}\u201d {c_unw} against {c_target}.",
                keys={"r_unw": margin_key(rows_var, str(r_cat), "unweighted"),
                      "r_target": margin_key(rows_var, str(r_cat), "target"),
                      "c_unw": margin_key(cols_var, str(c_cat), "unweighted"),
                      "c_target": margin_key(cols_var, str(c_cat), "target")},
                text={"r_var": name[rows_var], "r_cat": names.level(rows_var, r_cat), "c_var": name[cols_var],
                      "c_cat": names.level(cols_var, c_cat)})
    top = a[a["weight"] >= a["weight"].quantile(0.95)]
    comp = top.groupby(by).size().reset_index(name="respondents")
    comp = comp[comp["respondents"] > 0]
    comp = comp.iloc[sorted(range(len(comp)), key=lambda i: [order[v].index(comp[v].iloc[i]) for v in by])]
    shown = comp["respondents"] >= min_cell
    # every share is of all of them, the withheld cells' respondents too
    comp["share of them (%)"] = (100 * comp["respondents"] / len(top)).astype(object).where(shown, "withheld")
    comp["respondents"] = comp["respondents"].astype(object).where(shown, f"<{min_cell}")
    for v in by:
        comp[v] = names.levels(v, comp[v])
    show_table(comp.rename(columns={v: names.var(v) for v in by}),
               kinds={"respondents": "count", "share of them (%)": "pct"},
               caption=f"The 5% largest weights ({len(top):,} respondents) by cell, in the codebook's order; "
                       f"'<{min_cell}': withheld (the shares are of all {len(top):,})")

# %% [markdown]
# ## What the weights cost: design effects and the SEs of each estimate
# The design effect of a mean is its design variance over that of a simple random sample of the same
# size. The reported SE is the one the configuration chose; the others are computed beside it.

# %%
est = pd.read_csv(f"{OUT}/items/item_estimates.csv")
est = est[pd.to_numeric(est["n"], errors="coerce") > 0].copy()
reported = est["variance"].iloc[0]
est["battery"] = est["scale"].map(lambda b: CFG["scales"][b]["label"])
fig, axes = plt.subplots(1, 2, figsize=(12, 0.3 * len(est) + 1.8), sharey=True,
                         gridspec_kw={"width_ratios": [1, 1.1], "wspace": 0.25})
# one meaning per colour: the batteries have the colours (left), the SE methods black and greys with their own
# markers (right)
batteries = list(dict.fromkeys(est["battery"]))
sns.barplot(data=est, y="label", x="deff", hue="battery", hue_order=batteries, dodge=False, ax=axes[0],
            palette=sns.color_palette("Set2", len(batteries)))
axes[0].axvline(1, color="0.3", linewidth=0.8)
axes[0].set(xlabel="Design effect (variance ratio)", ylabel="")
axes[0].legend(title="", frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
names_se = {"se": f"reported ({reported})", "se_linearization": "linearization", "se_boot": "bootstrap"}
methods = [c for c in names_se if c in est.columns and est[c].notna().any()]
ypos = {lab: i for i, lab in enumerate(dict.fromkeys(est["label"]))}  # the bars' rows (the axis runs downwards)
styles = {"se": ("o", "0.05", "0.05"), "se_linearization": ("s", "white", "0.35"), "se_boot": ("^", "0.6", "0.6")}
for k, c in enumerate(methods):
    marker, face, edge = styles[c]
    offset = (k - (len(methods) - 1) / 2) * 0.22  # the reported SE on top of each row
    axes[1].plot(est[c], [ypos[lab] + offset for lab in est["label"]], linestyle="none", marker=marker, markersize=6,
                 markerfacecolor=face, markeredgecolor=edge, markeredgewidth=1.2, color=edge, label=names_se[c])
axes[1].set(xlabel="Standard error", ylabel="")
axes[1].xaxis.set_major_locator(MaxNLocator(5))
axes[1].xaxis.set_major_formatter(StrMethodFormatter("{x:.3f}"))
axes[1].legend(title="", frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
show_figure(fig, "Bar chart of the design effect of each item and index mean, coloured by battery, and a dot plot of "
                 f"their {', '.join(names_se[c].split(' (')[0] for c in methods)} standard errors, one marker each.")
items = est[est["kind"] == "item"]
lo = min(items["var"], key=lambda v: reg.value(estimate_key(v, "se")))
hi = max(items["var"], key=lambda v: reg.value(estimate_key(v, "se")))
label = dict(zip(est["var"], est["label"]))
index = est.loc[est["kind"] == "index", "var"].iloc[0]
# the bootstrap SE beside the reported one, when there are replicates to compute it
others = {c: estimate_key(index, c) for c in methods if c == "se_boot"}
others = {c: k for c, k in others.items() if k in reg and reg.value(k) is not None}
beside = "".join(f", its {names_se[c]} SE {{{c}}}" for c in others)
reg.reading("The reported SEs of the item means run from {lo_se} ({lo}) to {hi_se} ({hi}). The {index} mean has an "
            "SE of {index_se}" + beside + ("" if equal else "; the weights alone make a design effect of {deff}") + ".",
            keys={"lo_se": estimate_key(lo, "se"), "hi_se": estimate_key(hi, "se"),
                  "index_se": estimate_key(index, "se"), **others, **({} if equal else {"deff": summary_key("kish_deff")})},
            text={"lo": label[lo], "hi": label[hi], "index": label[index]})
