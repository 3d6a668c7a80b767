"""The stand-in's fieldwork: panel arrivals selected from the population, fieldwork mess (previews,
refusals, screen-outs, incompletes, failed attention checks, speeders, straight-liners, duplicate
panel members) and item nonresponse ("don't know" to single items, to most of a grid or to a
whole grid, and refused income)."""

from __future__ import annotations

import numpy as np
import pandas as pd

COMMENTS = ["无", "没有", "问卷有点长", "希望社会信用体系更加透明", "谢谢", "没有意见", "希望保护个人隐私", "挺好的"]
IP_FIRST = [36, 58, 59, 60, 61, 101, 111, 112, 113, 114, 115, 116, 117, 119, 120, 121, 122, 123, 124, 125, 180, 182,
            183, 218, 219, 220, 221, 222, 223]
ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))


def battery_items(spec: dict) -> dict[str, list[str]]:
    return {b: list(v["items"]) for b, v in spec["batteries"].items()}


def _select(spec, pop, rng):
    n = int(spec["pool_size"])
    w = np.exp(pop["selection_lp"].to_numpy())
    idx = rng.choice(len(pop), n, replace=False, p=w / w.sum())
    arr = pop.iloc[idx].reset_index(drop=True).copy()
    kinds = list(spec["defects"])
    probs = np.array([spec["defects"][k] for k in kinds])
    arr["defect"] = rng.choice(kinds + ["valid"], n, p=np.concatenate([probs, [1 - probs.sum()]]))
    return arr


def _timing(spec, arr, rng):
    n = len(arr)
    fw = spec["fieldwork"]
    t0 = pd.Timestamp(fw["start"]).value // 10 ** 9
    t1 = pd.Timestamp(fw["end"]).value // 10 ** 9
    arr["start"] = np.sort(rng.integers(t0 + 8 * 3600, t1, n))  # in time order: fieldwork stops at the target
    dur = np.exp(np.log(fw["duration_median_s"]) + fw["duration_sd_log"] * rng.standard_normal(n))
    dur = np.clip(dur, 320, 7200)
    sp = arr["defect"].to_numpy() == "speeder"
    dur[sp] = rng.integers(110, 300, sp.sum())
    arr["duration"] = dur.astype(int)


def _duplicates(arr, items, rng):
    """A duplicate is the same panel member again, later: an earlier valid arrival's person, answers
    re-drawn around the same latent support."""
    valid_pos = np.flatnonzero(arr["defect"].to_numpy() == "valid")
    keep = ["start", "duration", "defect"]
    for i in np.flatnonzero(arr["defect"].to_numpy() == "duplicate"):
        earlier = valid_pos[valid_pos < i]
        if len(earlier) == 0:
            arr.loc[i, "defect"] = "valid"
            continue
        j = int(rng.choice(earlier))
        for c, v in arr.loc[j].drop(labels=keep).items():
            arr.at[i, c] = v
        for item in items:
            arr.at[i, f"ilat_{item}"] = float(arr.at[i, f"ilat_{item}"]) + 0.4 * rng.standard_normal()


def _nonresponse(spec, arr, grids: dict[str, list[str]], min_answered: dict, rng):
    """"Don't know" masks: single items at their rates, most of a grid (leaving fewer items than the
    index needs) for some, a whole grid for a few; and refused income."""
    n = len(arr)
    nr = spec["nonresponse"]
    items = [it for g in grids.values() for it in g]
    rates = np.array([nr["dont_know_rate"].get(it, nr["dont_know_rate"]["default"]) for it in items])
    dk = rng.random((n, len(items))) < rates[None, :]
    col = {it: k for k, it in enumerate(items)}
    for g, its in grids.items():
        idx = [col[it] for it in its]
        sparse = rng.random(n) < nr.get("sparse_answerers", 0.0)
        keep = max(0, min(min_answered.get(g, len(its)) - 1, len(its)))
        for i in np.flatnonzero(sparse):  # answer only `keep` items (fewer than the index needs)
            answered = rng.choice(idx, keep, replace=False) if keep else []
            dk[i, idx] = True
            dk[i, answered] = False
        whole = rng.random(n) < nr.get("grid_dont_know", 0.0)
        dk[np.ix_(np.flatnonzero(whole), idx)] = True
    arr["dk_mask"] = list(dk)
    arr["income_refused"] = rng.random(n) < nr.get("income_refusal", 0.0)


def draw_arrivals(spec: dict, pop: pd.DataFrame, rng: np.random.Generator, min_answered: dict) -> pd.DataFrame:
    """The panel's responses in arrival order, with every defect and nonresponse the export shows."""
    grids = battery_items(spec)
    items = [it for g in grids.values() for it in g]
    arr = _select(spec, pop, rng)
    n = len(arr)
    _timing(spec, arr, rng)
    arr["pid"] = [f"P{x:08d}" for x in rng.choice(10 ** 8, n, replace=False)]
    _duplicates(arr, items, rng)
    _nonresponse(spec, arr, grids, min_answered, rng)
    arr["random_items"] = list(rng.integers(1, 6, (n, len(items))))
    arr["straight_value"] = rng.choice([1, 3, 4, 5], n, p=[0.1, 0.3, 0.3, 0.3])
    arr["attention_wrong"] = rng.choice([1, 3, 4, 5], n)
    arr["progress_stop"] = rng.integers(8, 96, n)
    arr["under18_age"] = rng.integers(15, 18, n)
    arr["comment"] = np.where(rng.random(n) < 0.08, rng.choice(COMMENTS, n), "")
    arr["ip"] = [f"{a}.{b}.{c}.{d}" for a, b, c, d in zip(rng.choice(IP_FIRST, n), rng.integers(0, 256, n),
                                                          rng.integers(0, 256, n), rng.integers(1, 255, n))]
    arr["response_id"] = ["R_" + "".join(row) for row in ALPHABET[rng.integers(0, len(ALPHABET), (n, 15))]]
    return arr
