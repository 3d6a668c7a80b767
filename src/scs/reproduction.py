"""The reproduction report: each published number beside the computed one."""

from __future__ import annotations



def _value(numbers: dict, key: str) -> float:
    if key not in numbers:
        raise KeyError(f"published.yaml refers to registry key {key!r}, which no rule states")
    return numbers[key]["value"]


def evaluate(checks: list[dict], numbers: dict, cfg: dict) -> list[dict]:
    """One row per check: computed value, difference, tolerance text and status."""
    rows = []
    for c in checks:
        kind = c["kind"]
        row = {"id": c["id"], "fact": c["fact"], "source": c["source"], "published": c.get("published"),
               "computed": None, "difference": None, "criterion": "", "kind": kind}
        if kind in ("value", "near"):
            v = _value(numbers, c["key"])
            row.update(computed=v, difference=v - c["published"], tolerance=c["tolerance"])
            ok = abs(v - c["published"]) <= c["tolerance"] + 1e-12
        elif kind == "above":
            v = _value(numbers, c["key"])
            row.update(computed=v, difference=v - c["published"])
            ok = v > c["published"]
        elif kind in ("negative", "positive"):
            v = _value(numbers, c["key"])
            row.update(computed=v, criterion="negative" if kind == "negative" else "positive")
            ok = v < 0 if kind == "negative" else v > 0
        elif kind == "greater":
            v, w = _value(numbers, c["key"]), _value(numbers, c["than"])
            row.update(computed=v, difference=v - w, than=w, than_key=c["than"])
            ok = v > w
        elif kind in ("only_below", "highest", "lowest"):
            items = [it["var"] for it in cfg["scales"][c["scale"]]["items"]]
            means = {it: _value(numbers, f"indices.{it}.mean") for it in items}
            v = means[c["item"]]
            row["computed"] = v
            if kind == "only_below":
                below = [it for it, m in means.items() if m < c["published"]]
                ok = below == [c["item"]]
                row["below"] = below
            elif kind == "highest":
                ok = v == max(means.values())
                row["criterion"] = "highest item mean of the scale"
            else:
                ok = v == min(means.values())
                row["criterion"] = "lowest item mean of the scale"
        else:
            raise ValueError(f"unknown check kind {kind!r} in published.yaml")
        row["status"] = "agrees" if ok else "DIFFERS"
        rows.append(row)
    return rows


def report_markdown(rows: list[dict], cfg: dict, sources: dict, nums, file: str) -> str:
    synthetic = cfg["data"]["source"] == "synthetic"
    lines = ["# Reproduction report", "", f"**Data: {cfg['data']['label']}**", ""]
    if synthetic:
        lines += ["> These numbers were computed from the SYNTHETIC stand-in, whose generator was calibrated to "
                  "the published numbers. Agreement here shows that the calibration and the pipeline work; it is "
                  "**not** a replication of the study's findings.", ""]
    n_ok = sum(r["status"] == "agrees" for r in rows)
    lines += [f"{nums.add('reproduction.agree', n_ok, 'count', file=file)} of "
              f"{nums.add('reproduction.checks', len(rows), 'count', file=file)} published numbers and patterns "
              "agree with the computed ones.", "",
              "| fact | source | published | computed | difference | criterion | status |",
              "|---|---|---:|---:|---:|---|---|"]
    for r in rows:
        k = f"reproduction.{r['id']}"
        if r["kind"] in ("value", "near"):
            r["criterion"] = "abs. difference <= " + nums.add(f"{k}.tolerance", r["tolerance"], "coef" if r["id"]
                                                              == "media_limited" else "mean", file=file)
        elif r["kind"] == "greater":
            r["criterion"] = (f"greater than {r['than_key']} ("
                              + nums.add(f"{k}.than", r["than"], "mean", file=file) + ")")
        kind = "count" if r["id"] == "analytic_n" else ("coef" if r["kind"] in ("negative", "positive") or
                                                         r["id"] == "media_limited" else
                                                         "pct" if "support" in r["id"] or "majority" in r["id"]
                                                         else "mean")
        pub = nums.add(f"{k}.published", r["published"], kind, file=file) if r["published"] is not None else ""
        comp = nums.add(f"{k}.computed", r["computed"], kind, file=file) if r["computed"] is not None else ""
        diff = nums.add(f"{k}.difference", r["difference"], kind, file=file) if r["difference"] is not None else ""
        if r["kind"] == "above":
            r["criterion"] = f"greater than {pub}"
        elif r["kind"] == "only_below":
            r["criterion"] = f"only item below {pub} (items below: {', '.join(r['below']) or 'none'})"
        lines.append(f"| {r['fact']} | {r['source']} | {pub} | {comp} | {diff} | {r['criterion']} | {r['status']} |")
    lines += ["", "Sources:", ""] + [f"- {k}: {v}" for k, v in sources.items()]
    return "\n".join(lines) + "\n"
