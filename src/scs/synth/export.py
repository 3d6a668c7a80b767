"""The stand-in's raw export, in the real export's formats: Qualtrics CSV ("numeric values" or
"choice text" in English or Chinese), SPSS .sav and Stata .dta, laid out by the codebook.

The spec's ``export.variables`` maps each generator concept to the codebook variable it becomes
(and its codes), so that a different codebook (other column ids, codes or items) gets a matching
export from the same generator.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from scs.io.codebook import Codebook

DATETIME = "%Y-%m-%d %H:%M:%S"
QUALTRICS_IMPORT_IDS = {
    "StartDate": {"ImportId": "startDate", "timeZone": "Asia/Shanghai"},
    "EndDate": {"ImportId": "endDate", "timeZone": "Asia/Shanghai"},
    "Status": {"ImportId": "status"},
    "IPAddress": {"ImportId": "ipAddress"},
    "Progress": {"ImportId": "progress"},
    "Duration (in seconds)": {"ImportId": "duration"},
    "Finished": {"ImportId": "finished"},
    "RecordedDate": {"ImportId": "recordedDate", "timeZone": "Asia/Shanghai"},
    "ResponseId": {"ImportId": "_recordId"},
    "RecipientLastName": {"ImportId": "recipientLastName"},
    "RecipientFirstName": {"ImportId": "recipientFirstName"},
    "RecipientEmail": {"ImportId": "recipientEmail"},
    "ExternalReference": {"ImportId": "externalDataReference"},
    "LocationLatitude": {"ImportId": "locationLatitude"},
    "LocationLongitude": {"ImportId": "locationLongitude"},
    "DistributionChannel": {"ImportId": "distributionChannel"},
    "UserLanguage": {"ImportId": "userLanguage"},
}


def import_ids(codebook: Codebook) -> list[str]:
    """ImportId JSON cells of the third header row, as Qualtrics writes them."""
    out = []
    for c in codebook.columns:
        cid = c["id"]
        if cid in QUALTRICS_IMPORT_IDS:
            obj = QUALTRICS_IMPORT_IDS[cid]
        elif cid.startswith("Q") and cid[1:2].isdigit():
            qid, _, sub = cid[1:].partition("_")
            obj = {"ImportId": f"QID{qid}_{sub}" if sub else (f"QID{qid}_TEXT" if c["type"] == "text" else f"QID{qid}")}
        else:
            obj = {"ImportId": cid}
        out.append(json.dumps(obj, separators=(",", ":")))
    return out


class Cells:
    """Text cells of the export, one column per codebook column (blank unless set)."""

    def __init__(self, codebook: Codebook, n: int):
        self.codebook = codebook
        self.n = n
        self.by_var = {c["var"]: c["id"] for c in codebook.columns}
        self.cols = {c["id"]: np.full(n, "", dtype=object) for c in codebook.columns}

    def put(self, var, values, rows=None):
        if var not in self.by_var:
            return
        rows = np.arange(self.n) if rows is None else rows
        vals = np.asarray(values, dtype=object)
        if vals.ndim == 0:
            vals = np.repeat(vals, len(rows))
        self.cols[self.by_var[var]][rows] = [str(v) for v in vals]

    def missing_code(self, var) -> int:
        col = self.codebook.by_var[var]
        return min(self.codebook.missing_codes(col))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.cols)


def _coded(spec_var: dict, values) -> np.ndarray:
    codes = spec_var.get("codes")
    v = np.asarray(values)
    if not codes:
        return v
    mapping = {str(k): c for k, c in codes.items()}
    return np.array([mapping[str(x)] for x in v], dtype=object)


def concept_values(spec: dict, arr: pd.DataFrame) -> dict[str, np.ndarray]:
    """Codebook variable -> codes of every mapped concept (one column per respondent)."""
    out = {}
    for concept, sv in spec["export"]["variables"].items():
        if "vars" in sv:
            prefix = {"trust": "trust_", "media": "media_"}[concept]
            for j, var in enumerate(sv["vars"], 1):
                out[var] = arr[f"{prefix}{j}"].to_numpy()
        elif concept in ("attention", "comments", "consent", "age", "residence"):
            continue  # fieldwork concepts: set by the export
        else:
            out[sv["var"]] = _coded(sv, arr[concept].to_numpy())
    return out


def _metadata(c: Cells, arr, defect, spec):
    start = pd.to_datetime(arr["start"].to_numpy(), unit="s")
    status = np.where(defect == "preview", 1, 0)
    c.put("start_date", start.strftime(DATETIME))
    c.put("status", status)
    c.put("ip_address", np.where(status == 1, "", arr["ip"].to_numpy()))
    c.put("response_id", arr["response_id"].to_numpy())
    c.put("latitude", arr["lat"].map(lambda v: f"{v:.4f}").to_numpy())
    c.put("longitude", arr["lon"].map(lambda v: f"{v:.4f}").to_numpy())
    c.put("distribution_channel", np.where(status == 1, "preview", "anonymous"))
    c.put("user_language", spec["export"].get("user_language", "ZH-S"))
    c.put("panel_id", np.where(status == 1, "", arr["pid"].to_numpy()))
    screen_out = np.isin(defect, ["no_consent", "under_18", "rural", "abroad"])
    incomplete = defect == "incomplete"
    progress = np.where(incomplete, arr["progress_stop"].to_numpy(), 100)
    c.put("progress", progress)
    c.put("finished", np.where(incomplete, 0, 1))
    dur = arr["duration"].to_numpy().copy()
    dur[screen_out] = np.minimum(dur[screen_out], 40 + (dur[screen_out] % 50))
    dur[incomplete] = (dur[incomplete] * progress[incomplete] / 100).astype(int) + 5
    c.put("duration_s", dur)
    end = start + pd.to_timedelta(dur, unit="s")
    c.put("end_date", end.strftime(DATETIME))
    c.put("recorded_date", (end + pd.to_timedelta(np.where(incomplete, 7 * 86400, 1), unit="s")).strftime(DATETIME))
    return screen_out, incomplete, progress


def _screeners(c: Cells, arr, defect, spec):
    ev = spec["export"]["variables"]
    consent = ev.get("consent", {})
    c.put(consent.get("var", "consent"), np.where(defect == "no_consent", consent.get("codes", {}).get("no", 2),
                                                  consent.get("codes", {}).get("yes", 1)))
    answered = np.flatnonzero(defect != "no_consent")
    age = np.where(defect == "under_18", arr["under18_age"].to_numpy(), arr["age_years"].to_numpy())
    c.put(ev.get("age", {}).get("var", "age_years"), age[answered], answered)
    rc = ev.get("residence", {}).get("codes", {"city": 1, "village": 2, "abroad": 3})
    residence = np.select([defect == "rural", defect == "abroad"], [rc["village"], rc["abroad"]], rc["city"])
    c.put(ev.get("residence", {}).get("var", "residence"), residence[answered], answered)


def item_codes(arr, items: list[str], item_vals: np.ndarray, c: Cells) -> dict[str, np.ndarray]:
    """Battery answers as exported: speeders answer at random, straight-liners one value throughout;
    "don't know" (the item's missing code) where the nonresponse mask says so."""
    defect = arr["defect"].to_numpy()
    vals = item_vals.copy().astype(object)
    rnd = np.stack(arr["random_items"].to_numpy())
    sp = defect == "speeder"
    vals[sp] = rnd[sp]
    sl = defect == "straightliner"
    vals[sl] = arr["straight_value"].to_numpy()[sl, None]
    dk = np.stack(arr["dk_mask"].to_numpy()) & ~np.isin(defect, ["speeder", "straightliner"])[:, None]
    out = {}
    for k, it in enumerate(items):
        out[it] = np.where(dk[:, k], c.missing_code(it), vals[:, k])
    return out


def export_cells(arr: pd.DataFrame, items: list[str], item_vals: np.ndarray, codebook: Codebook,
                 spec: dict) -> pd.DataFrame:
    """The raw export as text cells in codebook column order (Qualtrics numeric values)."""
    c = Cells(codebook, len(arr))
    defect = arr["defect"].to_numpy()
    screen_out, incomplete, progress = _metadata(c, arr, defect, spec)
    _screeners(c, arr, defect, spec)
    values = concept_values(spec, arr)
    ev = spec["export"]["variables"]
    inc = ev.get("income_bracket", {}).get("var")
    if inc and inc in values:
        values[inc] = np.where(arr["income_refused"].to_numpy(), c.missing_code(inc), values[inc])
    att = ev.get("attention", {})
    if att:
        wrong = arr["attention_wrong"].to_numpy()
        wrong = np.where(wrong == att["correct"], 1 if att["correct"] != 1 else 2, wrong)  # never the right answer
        values[att["var"]] = np.where(defect == "attention_fail", wrong, att["correct"])
    if ev.get("comments"):
        values[ev["comments"]["var"]] = arr["comment"].to_numpy()
    values.update(item_codes(arr, items, item_vals, c))
    # the questionnaire body in column order; incompletes stop at their progress point
    body = [col for col in codebook.columns if col["role"] in ("analysis", "attention", "free_text")]
    reached = np.where(screen_out, 0, len(body))
    reached = np.where(incomplete, (progress / 100 * len(body)).astype(int), reached)
    for pos, col in enumerate(body):
        if col["var"] in values:
            rows = np.flatnonzero(reached > pos)
            c.put(col["var"], values[col["var"]][rows], rows)
    return c.frame()


def _header_text(codebook: Codebook, lang: str) -> list[str]:
    return [c.get(lang) or c.get("en") or c["id"] for c in codebook.columns]


def choice_text(cells: pd.DataFrame, codebook: Codebook, lang: str = "en") -> pd.DataFrame:
    """The same responses as a "choice text" export: answer labels instead of codes."""
    out = cells.copy()
    for col in codebook.columns:
        if col["type"] != "categorical":
            continue
        parts = ("codes_zh", "missing_zh") if lang == "zh" else ("codes", "missing")
        labels = {str(k): str(v) for p in parts for k, v in (col.get(p) or {}).items()}
        if lang == "zh":  # fall back to English where the codebook gives no Chinese label
            labels = {**{str(k): str(v) for p in ("codes", "missing") for k, v in (col.get(p) or {}).items()}, **labels}
        out[col["id"]] = [labels.get(v, v) if v != "" else "" for v in cells[col["id"]]]
    return out


def write_qualtrics_csv(cells: pd.DataFrame, codebook: Codebook, path: str | Path, *, lang: str = "zh") -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c["id"] for c in codebook.columns])
    w.writerow(_header_text(codebook, lang))
    w.writerow(import_ids(codebook))
    w.writerows(cells[[c["id"] for c in codebook.columns]].itertuples(index=False, name=None))
    Path(path).write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


SAV_DATE_OFFSET = 92  # $FL2 header: creation date (9 bytes) then time (8 bytes)


def _stat_frame(cells: pd.DataFrame, codebook: Codebook, fmt: str):
    df, labels, value_labels = {}, {}, {}
    for c in codebook.columns:
        name = codebook.file_name(c, fmt)
        s = cells[c["id"]].replace("", None)
        if c["type"] in ("categorical", "integer", "number"):
            df[name] = pd.to_numeric(s, errors="raise").astype(float)
        elif c["type"] == "datetime":
            df[name] = pd.to_datetime(s, format=DATETIME)
        else:
            df[name] = cells[c["id"]].astype(str)
        labels[name] = (c.get("zh") or c.get("en") or c["id"]) if fmt == "sav" else (c.get("en") or c["id"])[:80]
        if c["type"] == "categorical":
            value_labels[name] = {float(k) if fmt == "sav" else int(k): str(v)[:32 if fmt == "dta" else 120]
                                  for k, v in codebook.all_codes(c).items()}
    return pd.DataFrame(df), labels, value_labels


def write_sav(cells: pd.DataFrame, codebook: Codebook, path: str | Path) -> None:
    """The same responses as an SPSS .sav with value labels, with a fixed creation stamp (same bytes)."""
    import pyreadstat

    frame, labels, value_labels = _stat_frame(cells, codebook, "sav")
    pyreadstat.write_sav(frame, str(path), column_labels=labels, variable_value_labels=value_labels)
    with open(path, "r+b") as fh:
        fh.seek(SAV_DATE_OFFSET)
        fh.write(b"20 Apr 2000:00:00")


def write_dta(cells: pd.DataFrame, codebook: Codebook, path: str | Path) -> None:
    """The same responses as a Stata .dta with value labels."""
    import pyreadstat

    frame, labels, value_labels = _stat_frame(cells, codebook, "dta")
    pyreadstat.write_dta(frame, str(path), column_labels=labels, variable_value_labels=value_labels, version=15)
