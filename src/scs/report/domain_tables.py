"""Markdown tables of the estimates by group and of the crosstabs with their Rao-Scott tests."""

from __future__ import annotations

from scs.report.registry import Printed, withhold_small_cells
from scs.report.tables import ci_label, heading, md_header, md_row, se_of, weighting_phrase
from scs.settings import Settings
from scs.stages.domains import ALL, DOMAIN_STATS, TOTAL, crosstab_key, domain_key

# the columns that say which row it is (never withheld)
ESTIMATE_ID = ("scale", "var", "label", "kind", "group", "group_label", "level", "level_label", "variance", "df")
CELL_ID = ("row_var", "col_var", "row_level", "row_level_label", "col_level", "col_level_label", "variance", "df",
           "n_row")


def released(est, cells, min_cell: int):
    """The estimates and the crosstabs' cells for release: a level with fewer than ``min_cell`` answers, a
    cell with fewer than ``min_cell`` respondents, and every cell of such a row (its n too) read ``<min_cell``.
    The cells' own counts are not released (with the rows' n and the other cells' counts a withheld count
    would follow by subtraction); the weighted percentages are."""
    est_out = withhold_small_cells(est, "n", [c for c in est.columns if c not in ESTIMATE_ID], min_cell)
    stats = [c for c in cells.columns if c not in CELL_ID]
    cells_out = withhold_small_cells(withhold_small_cells(cells, "n", stats, min_cell), "n_row", [*stats, "n_row"],
                                     min_cell).drop(columns=["n"]) if len(cells) else cells
    return est_out, cells_out


def estimates_markdown(est, s: Settings, printed: Printed) -> str:
    """One section per battery and group: every item and the index in each level of the group."""
    ci = float(s.estimates.ci_level)
    est = est[est.group != ALL] if len(est) else est
    method = est["variance"].iloc[0] if len(est) else "linearization"
    lines = heading("Estimates by group", s.data.label) + [
        f"{weighting_phrase(s.weighting.method)}. Domain estimates: each level of a group is a domain of the "
        "whole design (its "
        f"respondents who answered; R: svyby(~y, ~group, design, svymean, na.rm = TRUE)), not a design cut down to "
        f"the level. Mean on the response scale with its {ci_label(ci)} (t, the level's degrees of freedom); SE "
        f"{se_of(method, s)} (linearization and the other SEs are in domain_estimates.csv). The two shares are "
        "shares of the substantive answers, as in the item estimates (for an index: mean at or above the lowest "
        "code of the first share, at or below the highest code of the second). n = substantive answers in the level; "
        f"a level with fewer than {s.disclosure.min_cell} is withheld.", ""]
    if not len(est):
        return "\n".join(lines + ["No groups are configured (`domains.by` in the configuration).", ""])
    for _, by_group in est.groupby("group", sort=False):
        glabel = by_group["group_label"].iloc[0]
        for sc, grp in by_group.groupby("scale", sort=False):
            rs = s.response_scale_of(sc)
            sup, opp = (", ".join(str(c) for c in codes) for codes in (rs.support, rs.oppose))
            cols = ["item", glabel, "mean", ci_label(ci), "SE", f"% {rs.agree}", f"% {rs.disagree}", "n"]
            lines += [f"## {s.scales[sc].label} by {glabel.lower() if glabel[1:].islower() else glabel}", "",
                      f"% {rs.agree} = codes {sup}; % {rs.disagree} = codes {opp}.", ""] + md_header(cols, "llrlrrrr")
            for r in grp.itertuples():
                name = f"**{r.label}**" if r.kind == "index" else r.label

                def p(stat, r=r):
                    return printed(domain_key(r.var, r.group, r.level, stat))

                if r.n == 0:
                    lines.append(md_row([name, r.level_label, "no answers", "", "", "", "", p("n")]))
                elif printed.withheld(domain_key(r.var, r.group, r.level, "mean")):
                    stats = {c: p(c) for c in DOMAIN_STATS}
                    lines.append(md_row([name, r.level_label, stats["mean"], f"[{stats['ci_low']}, {stats['ci_high']}]",
                                         stats["se"], stats["pct_support"], stats["pct_oppose"], stats["n"]]))
                else:
                    lines.append(md_row([name, r.level_label, p("mean"), f"[{p('ci_low')}, {p('ci_high')}]", p("se"),
                                         p("pct_support"), p("pct_oppose"), p("n")]))
            lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    """A percentage cell as printed; a withheld one ("<10") says that it counts respondents: "n<10"."""
    return f"n{text}" if text.startswith("<") else text


def crosstabs_markdown(cells, tests, s: Settings, printed: Printed) -> str:
    """One table per crosstab: the weighted % of each column level within each row level (and over all),
    each row's n, and the Rao-Scott test below it."""
    lines = heading("Crosstabs", s.data.label) + [
        f"{weighting_phrase(s.weighting.method)}. Each row: the weighted percentage of each level of the column "
        "variable among "
        "the respondents of the row level who have both variables (the last row: all of them); n = respondents of "
        f"the row. A cell of fewer than {s.disclosure.min_cell} respondents is withheld (shown as "
        f"n<{s.disclosure.min_cell}: not a percentage). Test of independence: "
        "Rao-Scott second-order corrected F (Pearson's X^2 of the weighted table over the trace of its generalized "
        "design effect matrix, on fractional degrees of freedom; R: svychisq(~a + b, design, statistic = \"F\")), "
        "with the linearization covariance of the cells"
        + (" that accounts for the calibration" if s.weighting.method != "none" else "")
        + ". SEs and intervals of every cell are in crosstab_cells.csv.", ""]
    if not len(tests):
        return "\n".join(lines + ["No crosstabs are configured (`domains.crosstabs` in the configuration).", ""])
    for t in tests.itertuples():
        a, b = t.row_var, t.col_var
        sub = cells[(cells.row_var == a) & (cells.col_var == b)]
        col_levels = list(dict.fromkeys(zip(sub["col_level"], sub["col_level_label"])))
        lines += [f"## {t.row_label} by {t.col_label}", "",
                  f"% of each row: {t.col_label}.", ""]
        lines += md_header([t.row_label, *[lab for _, lab in col_levels], "n"], "l" + "r" * (len(col_levels) + 1))
        for level, g in sub.groupby("row_level", sort=False):
            pct = {c.col_level: _cell(printed(crosstab_key(a, b, level, c.col_level, "pct_row")))
                   for c in g.itertuples()}
            n = printed(crosstab_key(a, b, "n")) if level == TOTAL else printed(crosstab_key(a, b, level, "n"))
            label = g["row_level_label"].iloc[0]
            lines.append(md_row([f"**{label}**" if level == TOTAL else label, *[pct[v] for v, _ in col_levels], n]))
        lines += ["", f"Rao-Scott F = {printed(crosstab_key(a, b, 'F'))} on {printed(crosstab_key(a, b, 'ndf'))} and "
                  f"{printed(crosstab_key(a, b, 'ddf'))} degrees of freedom, p {_p(printed(crosstab_key(a, b, 'p')))}.",
                  ""]
    return "\n".join(lines)


def _p(text: str) -> str:
    return text if text.startswith("<") else f"= {text}"
