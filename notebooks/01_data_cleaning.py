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
# weighting. This notebook reads the cleaning stage's outputs; it recomputes no stage. Each figure
# is read in a sentence whose numbers are those of the registry (numbers.json).

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
from matplotlib.ticker import PercentFormatter

from scs.io.codebook import load_codebook
from scs.io.labels import variable_label
from scs.report.notebooks import Labels, Registry, in_codebook_order, in_sentence, show_data, show_figure, show_table, wrap
from scs.stages.clean import ANALYTIC_N, flow_key
from scs.stages.weight_diagnostics import margin_key

sns.set_theme(style="whitegrid", font="DejaVu Sans", font_scale=0.9)
show_data(CFG["data"])
reg = Registry(f"{OUT}/numbers.json")
codebook = load_codebook(CFG["data"]["codebook"])
# what readers see for the variables and their categories (labels from the configuration, then the codebook)
names = Labels(CFG["labels"]["variables"], CFG["labels"]["levels"], codebook)
descriptions = {r["name"]: r.get("description") or r["name"].replace("_", " ") for r in CFG["cleaning"]["rules"]}
min_cell = CFG["disclosure"]["min_cell"]
withheld = f"withheld (cells < {min_cell})"

# %% [markdown]
# ## The exclusion flow
# Each rule of the configuration, applied in order, removes respondents from those still remaining.

# %%
flow = pd.read_csv(f"{OUT}/clean/exclusion_flow.csv")
# each step as the configuration describes it (the first, the export itself, as the flow does)
flow["shown"] = [descriptions.get(r) or (d if isinstance(d, str) and d else r.replace("_", " "))
                for r, d in zip(flow["rule"], flow["description"])]
show_table(flow[["shown", "removed", "remaining"]].rename(columns={"shown": "Step", "removed": "Removed",
                                                                     "remaining": "Remaining"}))
steps = flow[flow.step > 0]
if steps.empty:
    display(Markdown("No exclusion rule is configured (`cleaning.rules`): every response of the export is in the "
                     "analytic sample."))
else:
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(steps) + 1.2))
    sns.barplot(data=steps.assign(rule=steps["shown"].map(wrap)), y="rule", x="removed", color="#2166ac", ax=ax)
    ax.set(xlabel="Respondents removed", ylabel="",
           title=f"From {flow.remaining.iloc[0]:,} responses in the export to {flow.remaining.iloc[-1]:,} respondents")
    show_figure(fig, "Bar chart of the respondents each exclusion rule removed, in the order the rules apply.")
    first = flow.rule.iloc[0]
    most = max(steps.rule, key=lambda r: reg.value(flow_key(r, "removed")))
    reg.reading("Of the {raw} responses in the export, {n} remain in the analytic sample. The rule that removed the "
                "most, \u201c{rule}\u201d, removed {most}.",
                keys={"raw": flow_key(first, "remaining"), "n": ANALYTIC_N, "most": flow_key(most, "removed")},
                text={"rule": flow.set_index("rule").at[most, "shown"]})

# %% [markdown]
# ## Who was excluded
# The composition of the respondents each rule removed, by the weighting characteristics, against the
# analytic sample, in the codebook's order of the categories. Each bar is all the respondents the rule
# removed (from the exclusion flow): screen-outs who never answered count as "Unknown", and the cells with
# fewer than the minimum cell size are withheld: their respondents stay in the bar as one grey segment and
# in the base of every share, so that no share is computed from the disclosed cells alone.

# %%
if steps.empty:
    display(Markdown("No exclusion rule is configured: nobody was excluded."))
else:
    prof = pd.read_csv(f"{OUT}/clean/exclusion_profile.csv", dtype={"n": str})
    prof["count"] = pd.to_numeric(prof["n"], errors="coerce")  # a withheld cell ("<10") has no count here
    sample = "analytic sample"
    totals = {**dict(zip(flow["rule"], flow["removed"])), sample: int(flow["remaining"].iloc[-1])}
    who_order = [r for r in flow.rule if r in set(prof.rule)] + [sample]  # the rules in the order they apply
    who = {r: sample if r == sample else descriptions.get(r, r.replace("_", " ")) for r in who_order}
    margins = pd.read_csv(f"{OUT}/weights/margins.csv", dtype={"category": str})
    for var in CFG["weighting"]["variables"]:
        sub = prof[prof.variable == var]
        if sub.empty:
            continue
        cats = in_codebook_order(sub["category"], codebook.categories(var))
        title, what = names.var(var), in_sentence(names.var(var))
        counts = sub.pivot_table(index="rule", columns="category", values="count", aggfunc="first", sort=False)
        counts = counts.reindex(index=who_order, columns=cats)
        share = counts.div(pd.Series(totals).reindex(who_order), axis=0).fillna(0)
        share[withheld] = (1 - share.sum(axis=1)).clip(lower=0)
        share.index = [wrap(who[r], 45) for r in who_order]
        share.columns = names.levels(var, share.columns[:-1]) + [withheld]
        colors = list(plt.get_cmap("RdYlBu")(np.linspace(0.05, 0.95, max(len(cats) - ("unknown" in cats), 1))))
        colors += ["#4d4d4d"] * ("unknown" in cats) + ["#cccccc"]
        fig, ax = plt.subplots(figsize=(10, 0.55 * len(share) + 1.6))
        share.iloc[::-1].plot.barh(stacked=True, ax=ax, color=colors, width=0.8, edgecolor="white")
        ax.set(xlabel=f"Percentage of the respondents each rule removed, by {what}", ylabel="", xlim=(0, 1))
        ax.xaxis.set_major_formatter(PercentFormatter(1))
        handles, entries = ax.get_legend_handles_labels()
        ax.legend(handles, entries, title=title, bbox_to_anchor=(1.01, 1), loc="upper left", frameon=False)
        show_figure(fig, f"Stacked bars: the composition by {what} of the respondents each rule removed and of the "
                         "analytic sample, categories in the codebook's order; grey: cells withheld for disclosure "
                         "control.")
        # the same bars as counts: a withheld cell prints as withheld, and every rule's base is all it removed
        table = sub.pivot_table(index="rule", columns="category", values="n", aggfunc="first", sort=False)
        table = table.reindex(index=who_order, columns=cats).rename(columns=dict(zip(cats, names.levels(var, cats))))
        table = table.reset_index(names="removed by")
        table.insert(1, "base (all removed)", [totals[r] for r in who_order])
        table["removed by"] = [who[r] for r in who_order]
        show_table(table, kinds=dict.fromkeys(names.levels(var, cats), "count"),
                   caption=f"Respondents by {what} ('<{min_cell}': withheld, still in the base)")
        m = margins[margins.variable == var]
        by_share = sorted(m.category, key=lambda c: reg.value(margin_key(var, c, "unweighted")) or 0)
        top, low = by_share[-1], by_share[0]
        reg.reading("In the analytic sample ({n} respondents), the largest group by {var} is \u201c{top}\u201d: "
                    "{top_share} of the sample, against {top_target} in the census; the smallest is \u201c{low}\u201d: "
                    "{low_share}, against {low_target}.",
                    keys={"n": ANALYTIC_N, "top_share": margin_key(var, top, "unweighted"),
                          "top_target": margin_key(var, top, "target"), "low_share": margin_key(var, low, "unweighted"),
                          "low_target": margin_key(var, low, "target")},
                    text={"var": what, "top": names.level(var, top), "low": names.level(var, low)})
    biggest = max(who_order[:-1], key=lambda r: totals[r])
    reg.reading("The largest group of the excluded, \u201c{rule}\u201d, counts {removed} respondents; a rule whose "
                "every cell is withheld is one grey bar, its respondents still counted.",
                keys={"removed": flow_key(biggest, "removed")}, text={"rule": who[biggest]})

# %% [markdown]
# ## The cleaned sample against the census, before weighting
# An online panel over-represents some groups; the weights bring each margin to its census target.

# %%
margins = pd.read_csv(f"{OUT}/weights/margins.csv", dtype={"category": str})
if margins.empty:
    display(Markdown("The weights are not calibrated to census margins (`weighting.method: none`): there "
                     "is no target to compare the sample with."))
else:
    rank = {v: {str(c): i for i, c in enumerate(in_codebook_order(margins.loc[margins.variable == v, "category"],
                                                                   codebook.categories(v)))}
            for v in margins.variable.unique()}
    variables = list(CFG["weighting"]["variables"])
    margins = margins.assign(
        v_rank=[variables.index(v) if v in variables else len(variables) for v in margins.variable],
        c_rank=[rank[v][c] for v, c in zip(margins.variable, margins.category)]).sort_values(["v_rank", "c_rank"])
    plotted = margins.assign(unweighted=pd.to_numeric(margins["unweighted"], errors="coerce"))  # withheld: not drawn
    shown = list(dict.fromkeys(plotted.variable))
    ncols = min(2, len(shown))
    nrows = -(-len(shown) // ncols)
    most = plotted.groupby("variable").size().max()
    fig, axes = plt.subplots(nrows, ncols, figsize=(11, nrows * (0.32 * most + 1.3)), squeeze=False,
                             gridspec_kw={"wspace": 0.45, "hspace": 0.55})
    for ax in axes.flat[len(shown):]:
        ax.set_visible(False)
    top = max(plotted[["target", "unweighted"]].max())
    for ax, var in zip(axes.flat, shown):
        d = plotted[plotted.variable == var]
        y = np.arange(len(d))[::-1]  # the codebook's first category on top
        # the sample as a dot, the census target as a bar drawn over it: where they coincide both show
        ax.plot(d["unweighted"], y, "o", color="#b2182b", markersize=7, zorder=2, label="sample (unweighted)")
        ax.plot(d["target"], y, "|", color="0.1", markersize=16, markeredgewidth=2.2, zorder=3, label="census target")
        ax.set_yticks(y, [wrap(c, 28) for c in names.levels(var, d["category"])])
        ax.set(xlim=(0, top * 1.12), ylim=(-0.7, len(d) - 0.3), title=names.var(var), xlabel="Percentage of respondents")
        ax.xaxis.set_major_formatter(PercentFormatter(1))
    handles, entries = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, entries, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    show_figure(fig, "Dot plots, one per weighting variable: the unweighted sample percentage of every category (dot) "
                     "and its census target (bar drawn over the dot), categories in the codebook's order.")
    # the percentages as the registry states its shares (0.490 -> 49.0), a withheld cell as withheld
    table = pd.DataFrame({"variable": [names.var(v) for v in margins.variable],
                          "category": [names.level(v, c) for v, c in zip(margins.variable, margins.category)]})
    for col in ("target", "unweighted", "weighted"):
        table[f"{col} (%)"] = [reg.stated(margin_key(v, c, col)).removesuffix("%")
                               for v, c in zip(margins.variable, margins.category)]
    table["n"] = margins["n"].to_numpy()
    show_table(table.rename(columns=lambda c: c[:1].upper() + c[1:]),
               kinds={"Target (%)": "pct", "Unweighted (%)": "pct", "Weighted (%)": "pct", "N": "count"})
    gap = max(((v, c) for v, c in zip(margins.variable, margins.category)),
              key=lambda vc: abs((reg.value(margin_key(*vc, "unweighted")) or 0) - reg.value(margin_key(*vc, "target"))))
    reg.reading("The sample departs most from the census in {var}, \u201c{cat}\u201d: {unweighted} of the sample "
                "against {target} in the census; after weighting, {weighted}.",
                keys={"unweighted": margin_key(*gap, "unweighted"), "target": margin_key(*gap, "target"),
                      "weighted": margin_key(*gap, "weighted")},
                text={"var": in_sentence(names.var(gap[0])), "cat": names.level(*gap)})

# %% [markdown]
# ## The cleaned data

# %%
clean = pd.read_parquet(f"{OUT}/clean/clean.parquet")
dk = [c for c in clean.columns if c.endswith("__dk")]
summary = pd.DataFrame({"variable": [c for c in clean.columns if c not in dk]})
summary["type"] = [str(clean[c].dtype) for c in summary.variable]
summary["missing"] = [int(clean[c].isna().sum()) for c in summary.variable]
summary["don't know or refused"] = pd.array([int(clean[f"{c}__dk"].sum()) if f"{c}__dk" in clean else None
                                             for c in summary.variable], dtype="Int64")
summary.insert(1, "label", [names.var(c, default=variable_label(codebook, c)) for c in summary.variable])
key = codebook.key_var
print(f"{len(clean):,} respondents and {len(summary)} columns: the respondent key "
      f"(\u201c{names.var(key, default=variable_label(codebook, key))}\u201d) and "
      f"{len(summary) - (key in clean)} analysis variables. The key is kept, to link a respondent across the "
      "outputs; direct identifiers, free-text answers and the export's other metadata are not.")
show_table(summary)
