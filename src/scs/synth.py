"""The SYNTHETIC stand-in: a seeded generator of a raw Qualtrics export.

Model (parameters in data/synthetic/generator.yaml):

1. A population of urban adults drawn to the census margins (sex, age group,
   education, region), with income, hukou, employer, CCP and CYL membership,
   political trust, media use and SCS awareness.
2. Correlated latent support for surveillance and punishment, linear in the
   covariates with known coefficients (CCP negative, trust and SES positive,
   media near zero).
3. Items on a 1-5 scale: each item's latent is a loading times the
   standardized latent support plus noise, cut at thresholds that are shifted
   per item so that the census-weighted CLEANED sample reproduces the published
   item means (FACTS.md). The shifts are found with the pipeline's own
   cleaning and raking code and then held fixed: they are parameters of the
   population model, written to the truth file.
4. An online panel: arrivals selected with a propensity that favours young,
   educated, eastern people; fieldwork mess (previews, refusals, screen-outs,
   incompletes, failed attention checks, speeders, straight-liners, duplicate
   panel members, "don't know" answers). Fieldwork stops when the configured
   number of completes survives the configured cleaning rules.

Everything is drawn from one numpy Generator seeded from config, so the same
seed gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

from . import clean as clean_mod
from . import ingest as ing
from . import weights as wmod

log = logging.getLogger(__name__)

AGE_GROUPS = ["18-29", "30-39", "40-49", "50-59", "60+"]
AGE_RANGES = {"18-29": (18, 30), "30-39": (30, 40), "40-49": (40, 50), "50-59": (50, 60), "60+": (60, 86)}
EDUC4 = ["primary_or_below", "junior_secondary", "senior_secondary", "college_plus"]
EDUC_LEVEL_GIVEN_EDUC4 = {  # raw education codes within each census category (generator internals)
    "primary_or_below": ({1: 0.12, 2: 0.88}),
    "junior_secondary": ({3: 1.0}),
    "senior_secondary": ({4: 0.68, 5: 0.32}),
    "college_plus": ({6: 0.44, 7: 0.49, 8: 0.07}),
}
EDUC_YEARS = {1: 0, 2: 6, 3: 9, 4: 12, 5: 12, 6: 15, 7: 16, 8: 19}
# provinces per region: (code, rough weight by urban population, capital latitude, longitude)
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
COMMENTS = ["无", "没有", "问卷有点长", "希望社会信用体系更加透明", "谢谢", "没有意见", "希望保护个人隐私", "挺好的"]
TRUST_CUTS = np.array([-1.9, -1.05, -0.15, 0.95])
FREQ_CUTS = np.array([-1.2, -0.5, 0.2, 0.9])


def _cut(latent: np.ndarray, cuts) -> np.ndarray:
    """Ordinal category 1..len(cuts)+1 of a latent value (vectorized, cuts broadcast per row or item)."""
    return 1 + (latent[..., None] > np.asarray(cuts)).sum(axis=-1)


def _z(x):
    x = np.asarray(x, dtype=float)
    return (x - x.mean()) / x.std()


def _quantile_cut(z, shares, labels):
    edges = np.quantile(z, np.cumsum(shares)[:-1])
    return np.asarray(labels, dtype=object)[np.searchsorted(edges, z, side="right")]


# --------------------------------------------------------------------------- population
def draw_population(spec: dict, targets: pd.DataFrame, items: list[str], rng: np.random.Generator, n: int) -> pd.DataFrame:
    cv = spec["covariates"]
    sh = wmod.shares_dict(targets, ["sex", "age_group", "educ4", "region"])
    p = {}
    p["sex"] = rng.choice(["male", "female"], n, p=[sh["sex"]["male"], sh["sex"]["female"]])
    p["age_group"] = rng.choice(AGE_GROUPS, n, p=[sh["age_group"][a] for a in AGE_GROUPS])
    lo = np.array([AGE_RANGES[a][0] for a in p["age_group"]])
    hi = np.array([AGE_RANGES[a][1] for a in p["age_group"]])
    old = p["age_group"] == "60+"
    age = lo + np.floor(rng.random(n) * (hi - lo)).astype(int)
    age[old] = np.minimum(60 + np.floor(rng.exponential(9.0, old.sum())).astype(int), 95)
    p["age_years"] = age
    regions = list(sh["region"])
    p["region"] = rng.choice(regions, n, p=[sh["region"][r] for r in regions])
    east = (p["region"] == "East").astype(float)
    west = (p["region"] == "West").astype(float)
    age_z = _z(age)
    ez = cv["educ_on_age_z"] * age_z + cv["educ_east"] * east + rng.standard_normal(n)
    p["educ4"] = _quantile_cut(ez, [sh["educ4"][e] for e in EDUC4], EDUC4)
    educ_rank = np.array([EDUC4.index(e) for e in p["educ4"]], dtype=float)
    lvl = np.empty(n, dtype=int)
    u = rng.random(n)
    for e, dist in EDUC_LEVEL_GIVEN_EDUC4.items():
        m = p["educ4"] == e
        codes, probs = list(dist), np.cumsum(list(dist.values()))
        lvl[m] = np.asarray(codes)[np.searchsorted(probs, u[m] * probs[-1], side="right").clip(0, len(codes) - 1)]
    p["educ_level"] = lvl
    p["educ_years"] = np.array([EDUC_YEARS[c] for c in lvl])
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
    li = cv["log_income"]
    log_inc = (li["intercept"] + li["educ_rank"] * educ_rank + li["east"] * east + li["west"] * west
               + li["age_z"] * age_z + li["sd"] * rng.standard_normal(n))
    bracket = 1 + np.searchsorted(INCOME_EDGES, np.exp(log_inc), side="right")
    p["income_bracket"] = bracket
    p["income_k"] = np.array([INCOME_MID[b] for b in bracket], dtype=float)
    uh = cv["urban_hukou_logit"]
    p["urban_hukou"] = (rng.random(n) < expit(uh["intercept"] + uh["educ_rank"] * educ_rank)).astype(int)
    p["local_hukou"] = (rng.random(n) < cv["local_hukou_p"]).astype(int)
    ep = cv["employer_probs_working"]
    base = np.array(ep["base"])
    college = np.where(p["educ4"] == "college_plus", 1.0, 0.0)[:, None]
    probs = np.clip(base[None, :] + college * np.array(ep["college_shift"])[None, :], 0.001, None)
    pnw = cv["not_working_p_60plus"]
    probs[old] = np.concatenate([base[:5] / base[:5].sum() * (1 - pnw), [pnw]])
    probs = probs / probs.sum(axis=1, keepdims=True)
    u = rng.random(n)[:, None]
    p["employer"] = 1 + (u > np.cumsum(probs, axis=1)).sum(axis=1).clip(0, 5)
    state = np.isin(p["employer"], [1, 2, 3]).astype(float)
    p["state_sector"] = state.astype(int)
    male = (p["sex"] == "male").astype(float)
    cc = cv["ccp_logit"]
    lin = cc["educ_rank"] * educ_rank + cc["age_z"] * age_z + cc["state_sector"] * state + cc["male"] * male
    a_lo, a_hi = -10.0, 5.0
    for _ in range(60):  # intercept giving the target share
        a = (a_lo + a_hi) / 2
        if expit(a + lin).mean() > cc["target_share"]:
            a_hi = a
        else:
            a_lo = a
    p["ccp"] = (rng.random(n) < expit(a + lin)).astype(int)
    young = age < 29
    p["cyl"] = ((rng.random(n) < np.where(young, cv["cyl_p_under29"], cv["cyl_p_other"])) & (p["ccp"] == 0)).astype(int)
    tr = cv["trust"]
    tl = tr["ccp"] * p["ccp"] + tr["age_z"] * age_z + tr["educ_rank"] * educ_rank + rng.standard_normal(n)
    tl = _z(tl)
    shifts = np.array(cv["trust_item_shift"])
    t_lat = 0.8 * tl[:, None] + 0.6 * rng.standard_normal((n, 4)) + shifts[None, :]
    trust = _cut(t_lat, TRUST_CUTS)
    for j, name in enumerate(["trust_central", "trust_local", "trust_courts", "trust_police"]):
        p[name] = trust[:, j]
    media = {}
    for name in ["media_state", "media_portals", "media_social", "media_foreign"]:
        mp = cv[name]
        lat_m = (mp.get("intercept", 0.0) + mp.get("age_z", 0.0) * age_z + mp.get("educ_rank", 0.0) * (educ_rank - 1.5)
                 + rng.standard_normal(n))
        media[name] = _cut(lat_m, FREQ_CUTS)
        p[name] = media[name]
    trust_index = trust.mean(axis=1)
    media_index = np.mean([media[k] for k in media], axis=0)
    aw = cv["awareness"]
    aw_lat = aw["educ_rank"] * (educ_rank - 1.5) + aw["media_z"] * _z(media_index) + rng.standard_normal(n)
    p["scs_awareness"] = _cut(aw_lat, [-1.0, 0.0, 1.0])
    # latent support, linear in observed covariates
    X = {
        "ccp": p["ccp"].astype(float), "cyl": p["cyl"].astype(float), "state_sector": state,
        "trust_z": _z(trust_index), "educ_rank": educ_rank, "log_income_z": _z(np.log(p["income_k"])),
        "urban_hukou": p["urban_hukou"].astype(float), "media_z": _z(media_index), "age_z": age_z, "male": male,
        "region_central": (p["region"] == "Central").astype(float), "region_west": west,
        "region_northeast": (p["region"] == "Northeast").astype(float),
    }
    rho = spec["latent"]["error_corr"]
    e1 = rng.standard_normal(n)
    e2 = rho * e1 + np.sqrt(1 - rho ** 2) * rng.standard_normal(n)
    for dim, err in (("surveillance", e1), ("punishment", e2)):
        beta = spec["latent"][dim]
        lat_s = sum(beta[k] * X[k] for k in beta) + err
        p[f"latent_{dim}"] = _z(lat_s)
    # item-specific noise, fixed for the person
    for item in items:
        lam = spec["item_targets"][item]["loading"]
        dim = "surveillance" if item.startswith("s_") else "punishment"
        p[f"ilat_{item}"] = lam * p[f"latent_{dim}"] + np.sqrt(1 - lam ** 2) * rng.standard_normal(n)
    p["selection_lp"] = selection_lp(spec, p)
    p["ccp_or_state"] = np.maximum(p["ccp"], p["state_sector"])
    return pd.DataFrame(p)


def selection_lp(spec, p) -> np.ndarray:
    s = spec["selection"]
    return (np.array([s["age_group"][a] for a in p["age_group"]])
            + np.array([s["educ4"][e] for e in p["educ4"]])
            + np.array([s["region"][r] for r in p["region"]])
            + s["male"] * (np.asarray(p["sex"]) == "male"))


# --------------------------------------------------------------------------- arrivals (the panel's responses)
def draw_arrivals(spec: dict, pop: pd.DataFrame, items: list[str], rng: np.random.Generator) -> pd.DataFrame:
    n = int(spec["pool_size"])
    w = np.exp(pop["selection_lp"].to_numpy())
    idx = rng.choice(len(pop), n, replace=False, p=w / w.sum())
    arr = pop.iloc[idx].reset_index(drop=True).copy()
    kinds = list(spec["defects"])
    probs = np.array([spec["defects"][k] for k in kinds])
    arr["defect"] = rng.choice(kinds + ["valid"], n, p=np.concatenate([probs, [1 - probs.sum()]]))
    fw = spec["fieldwork"]
    t0 = pd.Timestamp(fw["start"]).value // 10 ** 9
    t1 = pd.Timestamp(fw["end"]).value // 10 ** 9
    # arrivals are in time order: the fieldwork stops at the target
    arr["start"] = np.sort(rng.integers(t0 + 8 * 3600, t1, n))
    dur = np.exp(np.log(fw["duration_median_s"]) + fw["duration_sd_log"] * rng.standard_normal(n))
    dur = np.clip(dur, 320, 7200)
    sp = arr["defect"].to_numpy() == "speeder"
    dur[sp] = rng.integers(110, 300, sp.sum())
    arr["duration"] = dur.astype(int)
    arr["pid"] = [f"P{x:08d}" for x in rng.choice(10 ** 8, n, replace=False)]
    # duplicates: the same panel member again, later; copy an earlier valid arrival's person
    valid_pos = np.flatnonzero(arr["defect"].to_numpy() == "valid")
    for i in np.flatnonzero(arr["defect"].to_numpy() == "duplicate"):
        earlier = valid_pos[valid_pos < i]
        if len(earlier) == 0:
            arr.loc[i, "defect"] = "valid"
            continue
        j = int(rng.choice(earlier))
        keep = ["start", "duration", "defect"]
        src = arr.loc[j].drop(labels=keep)
        for c, v in src.items():
            arr.at[i, c] = v
        # a retake: answers re-drawn around the same latent support
        for item in items:
            arr.at[i, f"ilat_{item}"] = float(arr.at[i, f"ilat_{item}"]) + 0.4 * rng.standard_normal()
    n_items = len(items)
    arr_dk = rng.random((n, n_items)) < np.array(
        [spec["dont_know_rate"].get(it, spec["dont_know_rate"]["default"]) for it in items])[None, :]
    # at most 2 "don't know" per grid
    for grid_prefix in ("s_", "p_"):
        cols = [k for k, it in enumerate(items) if it.startswith(grid_prefix)]
        sub = arr_dk[:, cols]
        over = np.cumsum(sub, axis=1) > 2
        sub[over] = False
        arr_dk[:, cols] = sub
    arr["dk_mask"] = list(arr_dk)
    arr["random_items"] = list(rng.integers(1, 6, (n, n_items)))
    arr["straight_value"] = rng.choice([1, 3, 4, 5], n, p=[0.1, 0.3, 0.3, 0.3])
    arr["attention_wrong"] = rng.choice([1, 3, 4, 5], n)
    arr["progress_stop"] = rng.integers(8, 96, n)
    arr["under18_age"] = rng.integers(15, 18, n)
    arr["comment"] = np.where(rng.random(n) < 0.08, rng.choice(COMMENTS, n), "")
    arr["ip"] = [f"{a}.{b}.{c}.{d}" for a, b, c, d in zip(
        rng.choice([36, 58, 59, 60, 61, 101, 111, 112, 113, 114, 115, 116, 117, 119, 120, 121, 122, 123, 124, 125,
                    180, 182, 183, 218, 219, 220, 221, 222, 223], n),
        rng.integers(0, 256, n), rng.integers(0, 256, n), rng.integers(1, 255, n))]
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    arr["response_id"] = ["R_" + "".join(row) for row in alphabet[rng.integers(0, len(alphabet), (n, 15))]]
    return arr


def item_values(arr: pd.DataFrame, items: list[str], base: np.ndarray, shifts: dict) -> np.ndarray:
    lat = np.column_stack([arr[f"ilat_{it}"].to_numpy(dtype=float) for it in items])
    cuts = np.stack([base + shifts[it] for it in items])  # items x 4
    return 1 + (lat[:, :, None] > cuts[None, :, :]).sum(axis=2)


# --------------------------------------------------------------------------- the export
def export_cells(arr: pd.DataFrame, items: list[str], item_vals: np.ndarray, codebook: ing.Codebook,
                 spec: dict) -> pd.DataFrame:
    """The raw export as text cells, in codebook column order (Qualtrics numeric values)."""
    n = len(arr)
    by_var = {c["var"]: c["id"] for c in codebook.columns}
    cells = {c["id"]: np.full(n, "", dtype=object) for c in codebook.columns}
    defect = arr["defect"].to_numpy()

    def put(var, values, rows=None):
        rows = np.arange(n) if rows is None else rows
        vals = np.asarray(values, dtype=object)
        cells[by_var[var]][rows] = [str(v) for v in (vals if vals.ndim else np.repeat(vals, len(rows)))]

    start = pd.to_datetime(arr["start"].to_numpy(), unit="s")
    end = start + pd.to_timedelta(arr["duration"].to_numpy(), unit="s")
    fmt = ing.DATETIME_FORMAT
    put("start_date", start.strftime(fmt))
    put("end_date", end.strftime(fmt))
    status = np.where(defect == "preview", 1, 0)
    put("status", status)
    put("ip_address", np.where(status == 1, "", arr["ip"].to_numpy()))
    put("response_id", arr["response_id"].to_numpy())
    put("latitude", arr["lat"].map(lambda v: f"{v:.4f}").to_numpy())
    put("longitude", arr["lon"].map(lambda v: f"{v:.4f}").to_numpy())
    put("distribution_channel", np.where(status == 1, "preview", "anonymous"))
    put("user_language", "ZH-S")
    put("panel_id", np.where(status == 1, "", arr["pid"].to_numpy()))
    screen_out = np.isin(defect, ["no_consent", "under_18", "rural", "abroad"])
    incomplete = defect == "incomplete"
    progress = np.where(incomplete, arr["progress_stop"].to_numpy(), 100)
    put("progress", progress)
    put("finished", np.where(incomplete, 0, 1))
    dur = arr["duration"].to_numpy().copy()
    dur[screen_out] = np.minimum(dur[screen_out], 40 + (dur[screen_out] % 50))
    dur[incomplete] = (dur[incomplete] * progress[incomplete] / 100).astype(int) + 5
    put("duration_s", dur)
    end = start + pd.to_timedelta(dur, unit="s")
    put("end_date", end.strftime(fmt))
    recorded = end + pd.to_timedelta(np.where(incomplete, 7 * 86400, 1), unit="s")
    put("recorded_date", recorded.strftime(fmt))
    # screeners
    put("consent", np.where(defect == "no_consent", 2, 1))
    age = np.where(defect == "under_18", arr["under18_age"].to_numpy(), arr["age_years"].to_numpy())
    answered = defect != "no_consent"
    put("age_years", age[answered], np.flatnonzero(answered))
    residence = np.select([defect == "rural", defect == "abroad"], [2, 3], 1)
    put("residence", residence[answered], np.flatnonzero(answered))
    # questionnaire body in column order; incompletes stop at their progress point
    body = [c for c in codebook.columns if c["role"] in ("analysis", "attention", "free_text")]
    reached = np.where(screen_out, 0, len(body))
    reached = np.where(incomplete, (progress / 100 * len(body)).astype(int), reached)
    sex_code = np.where(arr["sex"].to_numpy() == "male", 1, 2)
    values = {
        "sex_code": sex_code, "province": arr["province"].to_numpy(), "educ_level": arr["educ_level"].to_numpy(),
        "hukou_type": np.where(arr["urban_hukou"].to_numpy() == 1, 2, 1),
        "hukou_place": np.where(arr["local_hukou"].to_numpy() == 1, 1, 2),
        "employer": arr["employer"].to_numpy(), "ccp_code": np.where(arr["ccp"].to_numpy() == 1, 1, 2),
        "cyl_code": np.where(arr["cyl"].to_numpy() == 1, 1, 2), "income_bracket": arr["income_bracket"].to_numpy(),
        "scs_awareness": arr["scs_awareness"].to_numpy(), "comments": arr["comment"].to_numpy(),
    }
    for v in ["trust_central", "trust_local", "trust_courts", "trust_police",
              "media_state", "media_portals", "media_social", "media_foreign"]:
        values[v] = arr[v].to_numpy()
    values["attention"] = np.where(defect == "attention_fail", arr["attention_wrong"].to_numpy(), 2)
    vals = item_vals.copy()
    dk = np.stack(arr["dk_mask"].to_numpy())
    rnd = np.stack(arr["random_items"].to_numpy())
    sp = defect == "speeder"
    vals[sp] = rnd[sp]
    sl = defect == "straightliner"
    vals[sl] = arr["straight_value"].to_numpy()[sl, None]
    dk_ok = ~np.isin(defect, ["speeder", "straightliner"])
    vals = np.where(dk & dk_ok[:, None], 9, vals)
    for k, it in enumerate(items):
        values[it] = vals[:, k]
    for pos, col in enumerate(body):
        if col["var"] not in values:
            continue
        rows = np.flatnonzero(reached > pos)
        put(col["var"], values[col["var"]][rows], rows)
    return pd.DataFrame(cells)


def write_qualtrics_csv(cells: pd.DataFrame, codebook: ing.Codebook, path: str | Path) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c["id"] for c in codebook.columns])
    w.writerow([c.get("zh", c["id"]) for c in codebook.columns])
    w.writerow(ing.import_ids(codebook))
    w.writerows(cells[[c["id"] for c in codebook.columns]].itertuples(index=False, name=None))
    Path(path).write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


SAV_DATE_OFFSET = 92  # $FL2 header: creation date (9 bytes) then time (8 bytes)


def write_sav(cells: pd.DataFrame, codebook: ing.Codebook, path: str | Path) -> None:
    """The same responses as an SPSS .sav with value labels (Qualtrics variable names)."""
    import pyreadstat

    df = {}
    labels, value_labels = {}, {}
    for c in codebook.columns:
        name = c.get("sav_name", c["id"])
        s = cells[c["id"]].replace("", None)
        if c["type"] in ("categorical", "integer", "number"):
            df[name] = pd.to_numeric(s, errors="raise").astype(float)
        elif c["type"] == "datetime":
            df[name] = pd.to_datetime(s, format=ing.DATETIME_FORMAT)
        else:
            df[name] = cells[c["id"]].astype(str)
        labels[name] = c.get("zh", c["id"])
        if c["type"] == "categorical":
            value_labels[name] = {float(k): str(v) for k, v in {**(c.get("codes") or {}), **(c.get("missing") or {})}.items()}
    frame = pd.DataFrame(df)
    pyreadstat.write_sav(frame, str(path), column_labels=labels, variable_value_labels=value_labels)
    # fixed creation stamp so that the same seed gives the same bytes
    with open(path, "r+b") as fh:
        fh.seek(SAV_DATE_OFFSET)
        fh.write(b"20 Apr 2000:00:00")


# --------------------------------------------------------------------------- calibration
def _survivors(cells: pd.DataFrame, codebook: ing.Codebook, cfg: dict) -> tuple[np.ndarray, pd.DataFrame]:
    raw = ing.RawTable(cells=cells, rows=list(range(4, len(cells) + 4)), file="<synthetic>", format="csv")
    frame = ing.derive(ing.to_analysis(ing.validate_typed(ing.parse_cells(raw, codebook), raw, codebook), codebook),
                       codebook)
    kept, _, _ = clean_mod.apply_exclusions(frame, cfg)
    return frame["response_id"].isin(set(kept["response_id"])).to_numpy(), frame


def _cut_at_target(survive: np.ndarray, target: int) -> int:
    csum = np.cumsum(survive)
    if csum[-1] < target:
        raise RuntimeError(f"pool too small: {csum[-1]} survivors < {target}; raise pool_size")
    return int(np.searchsorted(csum, target) + 1)


def _weighted_item_mean(lat, w, ok, base, shift):
    v = 1 + (lat[:, None] > (base + shift)[None, :]).sum(axis=1)
    return float(np.sum(w[ok] * v[ok]) / np.sum(w[ok]))


def _solve_shift(lat, w, ok, base, target):
    lo, hi = -4.0, 4.0  # mean decreases as the cuts move up
    for _ in range(60):
        mid = (lo + hi) / 2
        if _weighted_item_mean(lat, w, ok, base, mid) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def field_sample(arr: pd.DataFrame, items: list[str], base: np.ndarray, shifts: dict, codebook: ing.Codebook,
                 cfg: dict, spec: dict) -> pd.DataFrame:
    """The raw export of one fieldwork: arrivals up to the one that completes the target (text cells)."""
    cells = export_cells(arr, items, item_values(arr, items, base, shifts), codebook, spec)
    survive, _ = _survivors(cells, codebook, cfg)
    cut = _cut_at_target(survive, int(spec["target_completes"]))
    return cells.iloc[:cut].reset_index(drop=True)


def population_frame(pop: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """The population with the pipeline's analysis variable names, items and indices (no "don't know")."""
    f = pop.copy()
    f["male"] = (f["sex"] == "male").astype(int)
    for sc, spec in cfg["scales"].items():
        f[sc] = f[[it["var"] for it in spec["items"]]].astype(float).mean(axis=1)
    return f


def index_truth(pop: pd.DataFrame, cfg: dict) -> dict:
    """Population least-squares coefficients of each index on each model formula: the estimands."""
    from . import models

    f = population_frame(pop, cfg)
    out = {}
    for name, rhs in {**cfg["models"]["formulas"], "alternative": cfg["models"]["alternative_formula"]}.items():
        X = models.model_matrix(f, models.parse_formula(rhs))
        for y in cfg["models"]["outcomes"]:
            beta = models.wls(f[y].to_numpy(float), X.to_numpy(float), np.ones(len(f)))
            out.setdefault(y, {})[name] = {t: round(float(b), 10)
                                          for t, b in zip([models.INTERCEPT] + list(X.columns), beta)}
    return out


def setup(cfg: dict, spec: dict, targets: pd.DataFrame, seed: int):
    """The population and the first fieldwork's arrivals for ``seed`` (the same draws every time)."""
    items = [it["var"] for s in ("surveillance", "punishment") for it in cfg["scales"][s]["items"]]
    rng = np.random.default_rng(seed)
    log.info("drawing a population of %s urban adults", f"{spec['population_size']:,}")
    pop = draw_population(spec, targets, items, rng, int(spec["population_size"]))
    arr = draw_arrivals(spec, pop, items, rng)
    return items, pop, arr


def generate(cfg: dict, spec: dict, codebook: ing.Codebook, targets: pd.DataFrame, seed: int):
    """Returns (cells, truth, population) for the configured seed."""
    items, pop, arr = setup(cfg, spec, targets, seed)
    base = np.array(spec["base_thresholds"], dtype=float)
    ones = np.ones(len(pop))
    shifts = {it: _solve_shift(pop[f"ilat_{it}"].to_numpy(), ones, ones.astype(bool), base,
                               spec["item_targets"][it]["mean"]) for it in items}
    wcfg = {**cfg["weighting"], "replicates": {"n": 0}}
    target_n = int(spec["target_completes"])
    for r in range(int(spec["calibration_rounds"])):
        cells = export_cells(arr, items, item_values(arr, items, base, shifts), codebook, spec)
        survive, frame = _survivors(cells, codebook, cfg)
        cut = _cut_at_target(survive, target_n)
        keep = survive.copy()
        keep[cut:] = False
        sub = frame.loc[keep].reset_index(drop=True)
        sample, _ = wmod.rake(sub, targets, wcfg, replicates=False)
        w = sample.data["weight"].to_numpy()
        sub_arr = arr.loc[keep].reset_index(drop=True)
        dk = np.stack(sub_arr["dk_mask"].to_numpy())
        for k, it in enumerate(items):
            ok = ~dk[:, k]
            shifts[it] = _solve_shift(sub_arr[f"ilat_{it}"].to_numpy(), w, ok, base, spec["item_targets"][it]["mean"])
        log.info("calibration round %d: %d arrivals, %d completes", r + 1, cut, target_n)
    cells = field_sample(arr, items, base, shifts, codebook, cfg, spec)
    pop_items = item_values(pop, items, base, shifts)
    for k, it in enumerate(items):
        pop[it] = pop_items[:, k]
    truth = {
        "note": "Known true parameters of the SYNTHETIC stand-in's population model (not estimates from real data).",
        "seed": seed,
        "population_size": int(spec["population_size"]),
        "arrivals": int(len(cells)),
        "completes": target_n,
        "latent_coefficients": spec["latent"],
        "latent_scale": "latent support standardized to mean 0, SD 1 in the population",
        "index_coefficients": index_truth(pop, cfg),
        "index_coefficients_note": ("population least-squares coefficients of each index (mean of all its items) "
                                    "on each model formula in config.yaml: what the survey regressions estimate"),
        "item_loadings": {it: spec["item_targets"][it]["loading"] for it in items},
        "item_thresholds": {it: [round(float(x), 10) for x in (base + shifts[it])] for it in items},
        "population_margins": {
            v: {k: round(float(x), 10) for k, x in pop[v].value_counts(normalize=True).sort_index().items()}
            for v in ["sex", "age_group", "educ4", "region"]
        },
        "population_shares": {
            "ccp": round(float(pop["ccp"].mean()), 10),
            "cyl": round(float(pop["cyl"].mean()), 10),
            "state_sector": round(float(pop["state_sector"].mean()), 10),
            "urban_hukou": round(float(pop["urban_hukou"].mean()), 10),
        },
        "population_item_means": {it: round(float(pop[it].mean()), 10) for it in items},
        "selection_log_propensity": spec["selection"],
        "defect_shares": spec["defects"],
    }
    return cells, truth, pop
