"""The stand-in's population model: urban adults drawn to the census margins, their covariates,
latent support for each battery's dimension, and each item's latent value.

Everything is drawn from one numpy Generator, so the same seed gives the same population.
Parameters are in the generator spec (data/synthetic/generator.yaml); the comments there name
the published facts they follow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

AGE_RANGES = {"18-29": (18, 30), "30-39": (30, 40), "40-49": (40, 50), "50-59": (50, 60), "60+": (60, 86)}
EDUC4 = ["primary_or_below", "junior_secondary", "senior_secondary", "college_plus"]
EDUC_LEVEL_GIVEN_EDUC4 = {  # the export's eight education levels within each census category
    "primary_or_below": {1: 0.12, 2: 0.88},
    "junior_secondary": {3: 1.0},
    "senior_secondary": {4: 0.68, 5: 0.32},
    "college_plus": {6: 0.44, 7: 0.49, 8: 0.07},
}
# provinces per region: (GB code, rough weight by urban population, capital latitude, longitude)
PROVINCES = {
    "East": [(11, 19, 39.90, 116.40), (12, 12, 39.13, 117.20), (13, 42, 38.04, 114.51), (31, 22, 31.23, 121.47),
             (32, 60, 32.06, 118.80), (33, 46, 30.27, 120.15), (35, 28, 26.07, 119.30), (37, 64, 36.65, 117.12),
             (44, 93, 23.13, 113.26), (46, 6, 20.04, 110.34)],
    "Central": [(14, 22, 37.87, 112.55), (34, 36, 31.82, 117.23), (36, 27, 28.68, 115.86), (41, 55, 34.75, 113.63),
                (42, 37, 30.59, 114.31), (43, 39, 28.23, 112.94)],
    "West": [(15, 16, 40.84, 111.75), (45, 27, 22.82, 108.32), (50, 22, 29.56, 106.55), (51, 47, 30.57, 104.07),
             (52, 20, 26.65, 106.63), (53, 24, 25.04, 102.71), (54, 1, 29.65, 91.13), (61, 25, 34.34, 108.94),
             (62, 13, 36.06, 103.83), (63, 3, 36.62, 101.78), (64, 5, 38.49, 106.23), (65, 14, 43.83, 87.62)],
    "Northeast": [(21, 31, 41.80, 123.43), (22, 15, 43.82, 125.32), (23, 20, 45.80, 126.53)],
}
INCOME_EDGES = [30, 50, 80, 120, 200, 300, 500]  # thousand yuan; brackets 1..8
INCOME_MID = {1: 20, 2: 40, 3: 65, 4: 100, 5: 160, 6: 250, 7: 400, 8: 700}
TRUST_CUTS = np.array([-1.9, -1.05, -0.15, 0.95])
FREQ_CUTS = np.array([-1.2, -0.5, 0.2, 0.9])


def cut(latent: np.ndarray, cuts) -> np.ndarray:
    """Ordinal category 1..len(cuts)+1 of a latent value (cuts broadcast per row or item)."""
    return 1 + (latent[..., None] > np.asarray(cuts)).sum(axis=-1)


def zscore(x):
    x = np.asarray(x, dtype=float)
    return (x - x.mean()) / x.std()


def quantile_cut(z, shares, labels):
    edges = np.quantile(z, np.cumsum(shares)[:-1])
    return np.asarray(labels, dtype=object)[np.searchsorted(edges, z, side="right")]


def margins(spec: dict, shares: dict) -> dict:
    """The census shares of the generator's four margins (from the targets, through spec.margins)."""
    m = spec.get("margins", {"sex": "sex", "age_group": "age_group", "education": "educ4", "region": "region"})
    return {concept: shares[var] for concept, var in m.items()}


def _demographics(p, shares, rng, n):
    sex = shares["sex"]
    p["sex"] = rng.choice(list(sex), n, p=list(sex.values()))
    ages = shares["age_group"]
    p["age_group"] = rng.choice(list(ages), n, p=list(ages.values()))
    lo = np.array([AGE_RANGES[a][0] for a in p["age_group"]])
    hi = np.array([AGE_RANGES[a][1] for a in p["age_group"]])
    old = p["age_group"] == "60+"
    age = lo + np.floor(rng.random(n) * (hi - lo)).astype(int)
    age[old] = np.minimum(60 + np.floor(rng.exponential(9.0, old.sum())).astype(int), 95)
    p["age_years"] = age
    reg = shares["region"]
    p["region"] = rng.choice(list(reg), n, p=list(reg.values()))


def _education(p, cv, shares, rng, n):
    east = (p["region"] == "East").astype(float)
    age_z = zscore(p["age_years"])
    ez = cv["educ_on_age_z"] * age_z + cv["educ_east"] * east + rng.standard_normal(n)
    p["educ4"] = quantile_cut(ez, [shares["education"][e] for e in EDUC4], EDUC4)
    lvl = np.empty(n, dtype=int)
    u = rng.random(n)
    for e, dist in EDUC_LEVEL_GIVEN_EDUC4.items():
        m = p["educ4"] == e
        codes, probs = list(dist), np.cumsum(list(dist.values()))
        lvl[m] = np.asarray(codes)[np.searchsorted(probs, u[m] * probs[-1], side="right").clip(0, len(codes) - 1)]
    p["educ_level"] = lvl
    p["educ_rank"] = np.array([EDUC4.index(e) for e in p["educ4"]], dtype=float)


def _geography(p, rng, n):
    prov = np.empty(n, dtype=int)
    lat = np.empty(n)
    lon = np.empty(n)
    for r, plist in PROVINCES.items():
        m = p["region"] == r
        w = np.array([x[1] for x in plist], dtype=float)
        idx = rng.choice(len(plist), m.sum(), p=w / w.sum())
        prov[m] = [plist[i][0] for i in idx]
        lat[m] = [plist[i][2] for i in idx]
        lon[m] = [plist[i][3] for i in idx]
    p["province"] = prov
    p["lat"] = np.round(lat + rng.normal(0, 0.25, n), 4)
    p["lon"] = np.round(lon + rng.normal(0, 0.25, n), 4)


def _economy(p, cv, rng, n):
    east = (p["region"] == "East").astype(float)
    west = (p["region"] == "West").astype(float)
    age_z = zscore(p["age_years"])
    er = p["educ_rank"]
    li = cv["log_income"]
    log_inc = (li["intercept"] + li["educ_rank"] * er + li["east"] * east + li["west"] * west + li["age_z"] * age_z
               + li["sd"] * rng.standard_normal(n))
    p["income_bracket"] = 1 + np.searchsorted(INCOME_EDGES, np.exp(log_inc), side="right")
    p["income_k"] = np.array([INCOME_MID[b] for b in p["income_bracket"]], dtype=float)
    uh = cv["urban_hukou_logit"]
    p["urban_hukou"] = (rng.random(n) < expit(uh["intercept"] + uh["educ_rank"] * er)).astype(int)
    p["local_hukou"] = (rng.random(n) < cv["local_hukou_p"]).astype(int)
    ep = cv["employer_probs_working"]
    base = np.array(ep["base"])
    college = np.where(p["educ4"] == "college_plus", 1.0, 0.0)[:, None]
    probs = np.clip(base[None, :] + college * np.array(ep["college_shift"])[None, :], 0.001, None)
    pnw = cv["not_working_p_60plus"]
    probs[p["age_group"] == "60+"] = np.concatenate([base[:5] / base[:5].sum() * (1 - pnw), [pnw]])
    probs = probs / probs.sum(axis=1, keepdims=True)
    u = rng.random(n)[:, None]
    p["employer"] = 1 + (u > np.cumsum(probs, axis=1)).sum(axis=1).clip(0, 5)
    p["state_sector"] = np.isin(p["employer"], [1, 2, 3]).astype(int)


def _politics(p, cv, rng, n):
    age_z = zscore(p["age_years"])
    er = p["educ_rank"]
    male = (p["sex"] == "male").astype(float)
    cc = cv["ccp_logit"]
    lin = cc["educ_rank"] * er + cc["age_z"] * age_z + cc["state_sector"] * p["state_sector"] + cc["male"] * male
    a_lo, a_hi = -10.0, 5.0
    for _ in range(60):  # intercept giving the target share
        a = (a_lo + a_hi) / 2
        if expit(a + lin).mean() > cc["target_share"]:
            a_hi = a
        else:
            a_lo = a
    p["ccp"] = (rng.random(n) < expit(a + lin)).astype(int)
    young = p["age_years"] < 29
    p["cyl"] = ((rng.random(n) < np.where(young, cv["cyl_p_under29"], cv["cyl_p_other"])) & (p["ccp"] == 0)).astype(int)
    tr = cv["trust"]
    tl = zscore(tr["ccp"] * p["ccp"] + tr["age_z"] * age_z + tr["educ_rank"] * er + rng.standard_normal(n))
    shifts = np.array(cv["trust_item_shift"])
    p["trust_items"] = cut(0.8 * tl[:, None] + 0.6 * rng.standard_normal((n, len(shifts))) + shifts[None, :],
                           TRUST_CUTS)


def _media(p, cv, rng, n):
    age_z = zscore(p["age_years"])
    er = p["educ_rank"]
    items = []
    for mp in cv["media"]:
        lat = (mp.get("intercept", 0.0) + mp.get("age_z", 0.0) * age_z + mp.get("educ_rank", 0.0) * (er - 1.5)
               + rng.standard_normal(n))
        items.append(cut(lat, FREQ_CUTS))
    p["media_items"] = np.column_stack(items)
    aw = cv["awareness"]
    aw_lat = aw["educ_rank"] * (er - 1.5) + aw["media_z"] * zscore(p["media_items"].mean(axis=1)) + rng.standard_normal(n)
    p["scs_awareness"] = cut(aw_lat, [-1.0, 0.0, 1.0])


def _latent_support(p, spec, rng, n):
    """Correlated latent support of each dimension, linear in the covariates with known coefficients."""
    x = {
        "ccp": p["ccp"].astype(float), "cyl": p["cyl"].astype(float), "state_sector": p["state_sector"].astype(float),
        "trust_z": zscore(p["trust_items"].mean(axis=1)), "educ_rank": p["educ_rank"],
        "log_income_z": zscore(np.log(p["income_k"])), "urban_hukou": p["urban_hukou"].astype(float),
        "media_z": zscore(p["media_items"].mean(axis=1)), "age_z": zscore(p["age_years"]),
        "male": (p["sex"] == "male").astype(float), "region_central": (p["region"] == "Central").astype(float),
        "region_west": (p["region"] == "West").astype(float),
        "region_northeast": (p["region"] == "Northeast").astype(float),
    }
    dims = list(spec["latent"]["dimensions"])
    rho = spec["latent"]["error_corr"]
    common = rng.standard_normal(n)
    for dim in dims:
        err = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.standard_normal(n)
        beta = spec["latent"]["dimensions"][dim]
        p[f"latent_{dim}"] = zscore(sum(beta[k] * x[k] for k in beta) + err)


def _item_latents(p, spec, rng, n):
    for b in spec["batteries"].values():
        lat = p[f"latent_{b['latent']}"]
        for item, it in b["items"].items():
            lam = it["loading"]
            p[f"ilat_{item}"] = lam * lat + np.sqrt(1 - lam ** 2) * rng.standard_normal(n)


def selection_lp(spec: dict, p) -> np.ndarray:
    """Log-propensity of joining the panel: main effects of the four margins, and optionally
    interactions of two margins and a dependence on CCP membership (what raking cannot undo)."""
    s = spec["selection"]
    lp = (np.array([s["age_group"][a] for a in p["age_group"]]) + np.array([s["educ4"][e] for e in p["educ4"]])
          + np.array([s["region"][r] for r in p["region"]]) + s.get("male", 0.0) * (np.asarray(p["sex"]) == "male"))
    for pair, cells in (s.get("interactions") or {}).items():
        a, b = pair.split(":")
        key = np.char.add(np.char.add(np.asarray(p[a]).astype(str), ":"), np.asarray(p[b]).astype(str))
        for cell, v in cells.items():
            lp = lp + v * (key == cell)
    return lp + s.get("ccp", 0.0) * np.asarray(p["ccp"])


def draw_population(spec: dict, shares: dict, rng: np.random.Generator, n: int) -> pd.DataFrame:
    """The population (one row per urban adult) with every concept the export maps to the codebook."""
    cv = spec["covariates"]
    sh = margins(spec, shares)
    p: dict = {}
    _demographics(p, sh, rng, n)
    _education(p, cv, sh, rng, n)
    _geography(p, rng, n)
    _economy(p, cv, rng, n)
    _politics(p, cv, rng, n)
    _media(p, cv, rng, n)
    _latent_support(p, spec, rng, n)
    _item_latents(p, spec, rng, n)
    p["selection_lp"] = selection_lp(spec, p)
    trust, media = p.pop("trust_items"), p.pop("media_items")
    frame = pd.DataFrame(p)
    for j in range(trust.shape[1]):
        frame[f"trust_{j + 1}"] = trust[:, j]
    for j in range(media.shape[1]):
        frame[f"media_{j + 1}"] = media[:, j]
    return frame
