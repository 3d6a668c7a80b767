"""Markdown tables of the item and index estimates and of the reliability of the indices."""

from __future__ import annotations

from scs.report.tables import ci_label, heading, md_header, md_row, se_phrase


def estimates_markdown(est, cfg: dict, nums, file: str) -> str:
    ci = float(cfg["estimates"]["ci_level"])
    min_cell = int(cfg["disclosure"]["min_cell"])
    sup = ", ".join(str(c) for c in cfg["response_scale"]["support"])
    opp = ", ".join(str(c) for c in cfg["response_scale"]["oppose"])
    method = est["variance"].iloc[0] if "variance" in est and len(est) else "linearization"
    lines = heading("Item and index estimates", cfg["data"]["label"]) + [
        f"Weighted to census margins. Mean on the response scale with its {ci_label(ci)}; SE {se_phrase(method)}; "
        "bootstrap SE from the re-weighted replicates beside it (linearization SEs are in item_estimates.csv). "
        f"% support = codes {sup} and % oppose = codes {opp}, as shares of the substantive answers (for an index: "
        "mean at or above the lowest support code, at or below the highest oppose code); % don't know = share of "
        "\"don't know\" (or another missing code) among everyone who answered. n = substantive answers "
        "(for an index: respondents with enough answered items).", ""]
    cols = ["item", "mean", ci_label(ci), "SE", "SE (bootstrap)", "% support", "% oppose", "% don't know",
            "unweighted mean", "n"]
    for sc, grp in est.groupby("scale", sort=False):
        lines += [f"## {cfg['scales'][sc]['label']}", ""] + md_header(cols, "lrlrrrrrrr")
        for r in grp.itertuples():
            k = f"indices.{r.var}"
            name = f"**{r.label}**" if r.kind == "index" else r.label
            if r.n == 0:
                lines.append(md_row([name] + ["no answers"] + [""] * 7 + [nums.add(f"{k}.n", 0, "count", file=file)]))
                continue
            if r.n < min_cell:
                cells = [nums.suppress(f"{k}.{c}", file=file, min_cell=min_cell) for c in
                         ("mean", "ci", "se", "se_boot", "pct_support", "pct_oppose", "pct_dk", "mean_unweighted", "n")]
                lines.append(md_row([name] + cells))
                continue

            def add(stat, v, kind, k=k, **kw):
                return nums.add(f"{k}.{stat}", v, kind, file=file, **kw)

            mean = add("mean", r.mean, "mean", se=r.se, ci=(r.ci_low, r.ci_high), n=r.n, unit="scale",
                       label=f"{r.label}: weighted mean")
            lo, hi = add("ci_low", r.ci_low, "mean"), add("ci_high", r.ci_high, "mean")
            dk = "" if r.kind == "index" else add("pct_dk", r.pct_dk, "pct", se=r.pct_dk_se, unit="percent")
            lines.append(md_row([
                name, mean, f"[{lo}, {hi}]", add("se", r.se, "se"), add("se_boot", r.se_boot, "se"),
                add("pct_support", r.pct_support, "pct", se=r.pct_support_se, unit="percent",
                    ci=(r.pct_support_ci_low, r.pct_support_ci_high)),
                add("pct_oppose", r.pct_oppose, "pct", se=r.pct_oppose_se, unit="percent",
                    ci=(r.pct_oppose_ci_low, r.pct_oppose_ci_high)), dk,
                add("mean_unweighted", r.mean_unweighted, "mean"), add("n", r.n, "count", unit="respondents")]))
        lines.append("")
    return "\n".join(lines)


def reliability_markdown(rel, cfg: dict, nums, file: str) -> str:
    lines = heading("Reliability of the indices", cfg["data"]["label"]) + [
        "Cronbach's alpha and item-rest correlations on respondents who answered every item of the scale; "
        "weighted versions use the final weights.", ""] + md_header(
        ["scale", "statistic", "item", "unweighted", "weighted", "n"], "lllrrr")
    for r in rel.itertuples():
        stat = "alpha" if r.statistic == "cronbach_alpha" else f"{r.var}.item_rest"
        k = f"reliability.{r.scale}.{stat}"
        cells = [nums.add(f"{k}.unweighted", r.unweighted, "alpha", file=file),
                 nums.add(f"{k}.weighted", r.weighted, "alpha", file=file),
                 nums.add(f"{k}.n", r.n, "count", file=file, unit="respondents")]
        lines.append(md_row([r.scale, r.statistic.replace("_", " "), r.label, *cells]))
    return "\n".join(lines) + "\n"
