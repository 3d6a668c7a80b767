"""Regressions of the SCS indices on political capital and controls.

* Weighted least squares through svy's GLM (gaussian): coefficients equal
  weighted least squares, SEs are design-based and account for the raking
  (as R's svyglm on a calibrated design).
* A weighted ordered logit (proportional odds, R polr's parametrization
  logit P(Y <= k) = zeta_k - x'beta) fitted by weighted pseudo-likelihood with
  a sandwich covariance. Written here because statsmodels' OrderedModel
  silently ignores weights.

Formulas are a small, explicit language (see config.yaml): ``var``,
``log(var)``, ``C(var, ref=level)``, joined by ``+``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .errors import PipelineError

INTERCEPT = "_intercept_"
_CAT = re.compile(r"^C\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:,\s*ref\s*=\s*([^)]+?)\s*)?\)$")
_LOG = re.compile(r"^log\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Term:
    kind: str  # num | log | cat
    var: str
    ref: str | None = None

    @property
    def name(self) -> str:
        return f"log({self.var})" if self.kind == "log" else self.var


def parse_formula(rhs: str, *, where: str = "config.yaml") -> list[Term]:
    terms = []
    for raw in rhs.split("+"):
        t = raw.strip()
        if m := _CAT.match(t):
            ref = m.group(2).strip().strip("'\"") if m.group(2) else None
            terms.append(Term("cat", m.group(1), ref))
        elif m := _LOG.match(t):
            terms.append(Term("log", m.group(1)))
        elif _VAR.match(t):
            terms.append(Term("num", t))
        else:
            raise PipelineError(f"cannot read the formula term {t!r}", file=where,
                                expected="var, log(var) or C(var, ref=level) joined by +")
    return terms


def model_matrix(frame: pd.DataFrame, terms: list[Term], *, where: str = "config.yaml") -> pd.DataFrame:
    """Numeric design matrix (no intercept column); categorical terms become 0/1 dummies ``var[level]``."""
    cols = {}
    for t in terms:
        if t.var not in frame.columns:
            raise PipelineError(f"model formula names variable {t.var!r}, which is not in the analysis data",
                                file=where, column=t.var,
                                expected="an analysis variable from the codebook or an index from config.scales")
        s = frame[t.var]
        if t.kind == "cat":
            levels = sorted(str(x) for x in pd.unique(s.dropna().astype(str)))
            ref = t.ref if t.ref is not None else levels[0]
            if ref not in levels:
                raise PipelineError(f"reference level {ref!r} of {t.var!r} is not in the data", file=where,
                                    column=t.var, expected=f"one of {levels}")
            sv = s.astype("string")
            for lv in levels:
                if lv != ref:
                    cols[f"{t.var}[{lv}]"] = np.where(sv.isna(), np.nan, (sv == lv).astype(float))
        else:
            x = pd.to_numeric(s, errors="coerce").astype(float).to_numpy()
            if t.kind == "log":
                if np.nanmin(x) <= 0:
                    raise PipelineError(f"log({t.var}) needs positive values", file=where, column=t.var)
                x = np.log(x)
            cols[t.name] = x
    return pd.DataFrame(cols, index=frame.index)


def safe_names(columns) -> dict[str, str]:
    """Column names svy can carry (letters, digits, underscores) -> the readable term names."""
    out = {}
    for i, c in enumerate(columns):
        out[f"x{i:02d}_" + re.sub(r"[^A-Za-z0-9]+", "_", c).strip("_")] = c
    return out


# --------------------------------------------------------------------------- survey WLS via svy
def fit_svy(sample, y: str, xcols: dict[str, str], ci_level: float) -> tuple[pd.DataFrame, object]:
    """Gaussian GLM with design-based SEs. ``xcols`` maps the sample's column names to term names."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = sample.glm.fit(y=y, x=list(xcols), family="gaussian", alpha=1 - ci_level)
    tab = m.to_polars().to_pandas()
    tab["term"] = tab["term"].map(lambda t: xcols.get(t, INTERCEPT if t == INTERCEPT else t))
    return tab.rename(columns={"estimate": "coef", "std_err": "se", "conf_low": "ci_low", "conf_high": "ci_high",
                               "statistic": "t", "p_value": "p"}), m


def wls(y: np.ndarray, X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least squares coefficients (intercept first)."""
    Z = np.column_stack([np.ones(len(y)), X])
    sw = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(Z * sw[:, None], y * sw, rcond=None)
    return beta


# --------------------------------------------------------------------------- weighted ordered logit
@dataclass
class OrderedLogit:
    beta: np.ndarray   # slopes
    zeta: np.ndarray   # K-1 cut points
    cov: np.ndarray    # sandwich covariance of (beta, zeta)
    n: int
    levels: np.ndarray
    converged: bool

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))


def _ol_unpack(theta, p):
    beta = theta[:p]
    raw = theta[p:]
    zeta = np.cumsum(np.concatenate([raw[:1], np.exp(raw[1:])]))
    return beta, zeta


def _ol_probs(X, yk, beta, zeta):
    eta = X @ beta
    K1 = len(zeta)
    upper = np.where(yk < K1, zeta[np.minimum(yk, K1 - 1)] - eta, np.inf)
    lower = np.where(yk > 0, zeta[np.maximum(yk - 1, 0)] - eta, -np.inf)
    Fu, Fl = special.expit(upper), special.expit(lower)
    fu = np.where(np.isfinite(upper), Fu * (1 - Fu), 0.0)
    fl = np.where(np.isfinite(lower), Fl * (1 - Fl), 0.0)
    return np.clip(Fu - Fl, 1e-300, None), fu, fl


def _ol_scores(X, yk, beta, zeta):
    """Per-observation scores with respect to (beta, zeta)."""
    p = X.shape[1]
    K1 = len(zeta)
    P, fu, fl = _ol_probs(X, yk, beta, zeta)
    S = np.zeros((len(yk), p + K1))
    S[:, :p] = -X * ((fu - fl) / P)[:, None]
    rows = np.arange(len(yk))
    up = yk < K1
    S[rows[up], p + yk[up]] += fu[up] / P[up]
    lo = yk > 0
    S[rows[lo], p + yk[lo] - 1] -= fl[lo] / P[lo]
    return S


def ordered_logit(y: np.ndarray, X: np.ndarray, w: np.ndarray | None = None) -> OrderedLogit:
    """Weighted proportional-odds logit. Cov = H^-1 (n/(n-1) sum w_i^2 s_i s_i') H^-1 (design-based, unclustered)."""
    y = np.asarray(y)
    X = np.asarray(X, dtype=float)
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    levels = np.unique(y)
    yk = np.searchsorted(levels, y)
    K1 = len(levels) - 1
    p = X.shape[1]
    mu = np.average(X, axis=0, weights=w)
    sd = np.sqrt(np.average((X - mu) ** 2, axis=0, weights=w))
    sd = np.where(sd > 0, sd, 1.0)
    Xc = (X - mu) / sd  # standardized for the optimizer; mapped back below
    cum = np.cumsum(np.bincount(yk, weights=w, minlength=K1 + 1))[:-1] / w.sum()
    z0 = special.logit(np.clip(cum, 1e-6, 1 - 1e-6))
    theta0 = np.concatenate([np.zeros(p), z0[:1], np.log(np.maximum(np.diff(z0), 1e-3))])

    def nll(theta):
        beta, zeta = _ol_unpack(theta, p)
        P, _, _ = _ol_probs(Xc, yk, beta, zeta)
        return -np.sum(w * np.log(P)) / w.sum()

    def grad(theta):
        beta, zeta = _ol_unpack(theta, p)
        S = _ol_scores(Xc, yk, beta, zeta)
        # chain rule for the increments parametrization of zeta
        J = np.zeros((K1, K1))
        J[:, 0] = 1.0
        for j in range(1, K1):
            J[j:, j] = np.exp(theta[p + j])
        g = np.concatenate([S[:, :p].T @ w, J.T @ (S[:, p:].T @ w)])
        return -g / w.sum()

    res = optimize.minimize(nll, theta0, jac=grad, method="BFGS", options={"gtol": 1e-9, "maxiter": 5000})
    converged = bool(np.max(np.abs(grad(res.x))) < 1e-6)
    beta_s, zeta_c = _ol_unpack(res.x, p)
    # back to the original scale: x'b = xs'bs with xs = (x - mu)/sd  =>  b = bs/sd, zeta = zeta_c + mu'b
    beta = beta_s / sd
    zeta = zeta_c + mu @ beta
    # sandwich on (beta, zeta) with the uncentred X
    S = _ol_scores(X, yk, beta, zeta)
    n = len(y)
    B = (S * w[:, None]).T @ (S * w[:, None]) * n / (n - 1)
    H = _ol_hessian(X, yk, beta, zeta, w)
    Hinv = np.linalg.inv(H)
    cov = Hinv @ B @ Hinv
    return OrderedLogit(beta=beta, zeta=zeta, cov=cov, n=n, levels=levels, converged=converged)


def _ol_hessian(X, yk, beta, zeta, w, eps=1e-6):
    """Information matrix: numerical derivative of the weighted score sum (central differences)."""
    theta = np.concatenate([beta, zeta])
    p = len(beta)
    k = len(theta)
    H = np.zeros((k, k))
    for j in range(k):
        h = eps * max(1.0, abs(theta[j]))
        tp, tm = theta.copy(), theta.copy()
        tp[j] += h
        tm[j] -= h
        gp = _ol_scores(X, yk, tp[:p], tp[p:]).T @ w
        gm = _ol_scores(X, yk, tm[:p], tm[p:]).T @ w
        H[:, j] = -(gp - gm) / (2 * h)
    return (H + H.T) / 2


def ordered_logit_table(fit: OrderedLogit, names: list[str], ci_level: float) -> pd.DataFrame:
    z = stats.norm.ppf(0.5 + ci_level / 2)
    k = len(names)
    se = fit.se
    rows = []
    for i, nm in enumerate(names):
        b, s = fit.beta[i], se[i]
        rows.append({"term": nm, "coef": b, "se": s, "ci_low": b - z * s, "ci_high": b + z * s,
                     "p": 2 * stats.norm.sf(abs(b / s))})
    for j, zt in enumerate(fit.zeta):
        s = se[k + j]
        rows.append({"term": f"cut{fit.levels[j]}|{fit.levels[j + 1]}", "coef": zt, "se": s, "ci_low": zt - z * s,
                     "ci_high": zt + z * s, "p": np.nan})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the stage
def term_label(term: str, cfg: dict) -> str:
    return cfg["models"]["term_labels"].get(term, term)


def all_terms(cfg: dict) -> dict[str, list[Term]]:
    m = cfg["models"]
    out = {name: parse_formula(rhs) for name, rhs in m["formulas"].items()}
    out["alternative"] = parse_formula(m["alternative_formula"])
    if m["full"] not in m["formulas"]:
        raise PipelineError(f"models.full names {m['full']!r}, which is not in models.formulas", file="config.yaml",
                            expected=f"one of {list(m['formulas'])}")
    return out


def design_matrix(frame: pd.DataFrame, cfg: dict):
    """Every model's columns in one matrix with svy-safe names, plus outcome columns.

    Returns (extra, names, per_model) where ``names`` maps safe -> term name and
    ``per_model`` maps a model to its {safe: term} columns.
    """
    per_terms = all_terms(cfg)
    mats = {name: model_matrix(frame, terms) for name, terms in per_terms.items()}
    union = list(dict.fromkeys(c for X in mats.values() for c in X.columns))
    names = safe_names(union)
    rev = {v: k for k, v in names.items()}
    big = pd.concat([X for X in mats.values()], axis=1)
    big = big.loc[:, ~big.columns.duplicated()]
    extra = pd.DataFrame({rev[c]: big[c].to_numpy(dtype=float) for c in union}, index=frame.index)
    for y in cfg["models"]["outcomes"]:
        if y not in frame.columns:
            raise PipelineError(f"model outcome {y!r} is not in the analysis data", file="config.yaml",
                                expected="an index from config.scales")
        extra[y] = frame[y].astype(float).to_numpy()
    per_model = {name: {rev[c]: c for c in X.columns} for name, X in mats.items()}
    return extra, names, per_model


def fit_all(sample, frame: pd.DataFrame, extra: pd.DataFrame, per_model: dict, cfg: dict, *, variant: str,
            models=None) -> pd.DataFrame:
    """Fit ``models`` (default: the formulas) for every outcome on ``sample``; tidy rows with n and R-squared."""
    ci = float(cfg["estimates"]["ci_level"])
    rows = []
    for y in cfg["models"]["outcomes"]:
        for name in models or list(cfg["models"]["formulas"]):
            cols = per_model[name]
            tab, m = fit_svy(sample, y, cols, ci)
            tab.insert(0, "model", name)
            tab.insert(0, "outcome", y)
            tab.insert(0, "variant", variant)
            tab["label"] = [term_label(t, cfg) for t in tab["term"]]
            tab["n"] = int(m.stats.n)
            tab["r2"] = float(m.stats.r_squared)
            rows.append(tab)
    return pd.concat(rows, ignore_index=True)


def predicted_by(sample, per_model: dict, cfg: dict) -> pd.DataFrame:
    """Predictive margins of each outcome at the levels of ``models.predict_by`` (full model)."""
    var = cfg["models"]["predict_by"]
    cols = per_model[cfg["models"]["full"]]
    safe = {v: k for k, v in cols.items()}
    if var not in safe:
        raise PipelineError(f"models.predict_by {var!r} is not a numeric term of the full model", file="config.yaml")
    out = []
    for y in cfg["models"]["outcomes"]:
        _, m = fit_svy(sample, y, cols, float(cfg["estimates"]["ci_level"]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mg = m.margins(at={safe[var]: [0.0, 1.0]}).to_polars().to_pandas()
        for r in mg.itertuples():
            out.append({"outcome": y, "variable": var, "level": int(getattr(r, safe[var])), "predicted": r.margin,
                        "se": r.se, "ci_low": r.lci, "ci_high": r.uci})
    return pd.DataFrame(out)


def ordered_logits(frame: pd.DataFrame, extra: pd.DataFrame, per_model: dict, w: np.ndarray, cfg: dict) -> pd.DataFrame:
    """Weighted ordered logit of each SCS item on the full model's covariates."""
    cols = per_model[cfg["models"]["full"]]
    ci = float(cfg["estimates"]["ci_level"])
    rows = []
    for scale in ("surveillance", "punishment"):
        for it in cfg["scales"][scale]["items"]:
            y = frame[it["var"]].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            X = extra[list(cols)].to_numpy(dtype=float)
            ok = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
            fit = ordered_logit(y[ok].astype(int), X[ok], w[ok])
            if not fit.converged:
                raise PipelineError(f"the ordered logit of {it['var']!r} did not converge")
            tab = ordered_logit_table(fit, list(cols.values()), ci)
            tab.insert(0, "item", it["var"])
            tab.insert(0, "scale", scale)
            tab["label"] = [term_label(t, cfg) if not t.startswith("cut") else t for t in tab["term"]]
            tab["n"] = fit.n
            rows.append(tab)
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- tables
def _stars(p):
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def regression_markdown(coefs: pd.DataFrame, cfg: dict, nums, file: str, label: str) -> str:
    models = list(cfg["models"]["formulas"])
    lines = ["# Who supports SCS surveillance and punishment?", "", f"Data: {label}", "",
             "Weighted least squares of each index (1-5) on political capital and controls; coefficient "
             "with its design-based SE (linearization that accounts for the raking) in parentheses and p-value. "
             "* p < 0.05, ** p < 0.01, *** p < 0.001.", ""]
    for name, rhs in cfg["models"]["formulas"].items():
        lines.append(f"- {name}: index ~ {rhs}")
    lines.append("")
    main = coefs[coefs.variant == "main"]
    for y in cfg["models"]["outcomes"]:
        sub = main[main.outcome == y]
        terms = list(dict.fromkeys(sub["term"]))
        lines += [f"## {cfg['scales'][y]['label']}", "", "| term | " + " | ".join(models) + " |",
                  "|---|" + "---:|" * len(models)]
        for t in terms:
            cells = []
            for mname in models:
                r = sub[(sub.model == mname) & (sub.term == t)]
                if r.empty:
                    cells.append("")
                    continue
                r = r.iloc[0]
                k = f"models.{y}.{mname}.{t}"
                c = nums.add(f"{k}.coef", r.coef, "coef", file=file, se=r.se, ci=(r.ci_low, r.ci_high), n=r.n,
                             label=f"{r.label} ({mname}, {y})")
                s = nums.add(f"{k}.se", r.se, "se", file=file)
                p = nums.add(f"{k}.p", r.p, "p", file=file)
                cells.append(f"{c}{_stars(r.p)} ({s}; p {p})")
            lines.append(f"| {term_label(t, cfg)} | " + " | ".join(cells) + " |")
        for stat, kind in (("n", "count"), ("r2", "r2")):
            cells = [nums.add(f"models.{y}.{m}.{stat}", sub[sub.model == m][stat].iloc[0], kind, file=file)
                     for m in models]
            lines.append(f"| {'n' if stat == 'n' else 'R-squared (weighted)'} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def regression_latex(coefs: pd.DataFrame, cfg: dict, label: str) -> str:
    """booktabs table of the main models; numbers formatted exactly as in the Markdown table."""
    from .registry import fmt, tex_escape

    models = list(cfg["models"]["formulas"])
    main = coefs[coefs.variant == "main"]
    outs = cfg["models"]["outcomes"]
    ncol = len(models) * len(outs)
    lines = [f"% Data: {label}", "\\begin{tabular}{l" + "r" * ncol + "}", "\\toprule",
             " & " + " & ".join(f"\\multicolumn{{{len(models)}}}{{c}}{{{tex_escape(cfg['scales'][y]['label'])}}}"
                                for y in outs) + " \\\\",
             " & " + " & ".join(m for _ in outs for m in models) + " \\\\", "\\midrule"]
    terms = list(dict.fromkeys(main["term"]))
    for t in terms:
        cells, ses = [], []
        for y in outs:
            for mname in models:
                r = main[(main.outcome == y) & (main.model == mname) & (main.term == t)]
                if r.empty:
                    cells.append("")
                    ses.append("")
                else:
                    r = r.iloc[0]
                    cells.append(fmt(r.coef, "coef") + (f"$^{{{_stars(r.p)}}}$" if _stars(r.p) else ""))
                    ses.append(f"({fmt(r.se, 'se')})")
        lines.append(f"{tex_escape(term_label(t, cfg))} & " + " & ".join(cells) + " \\\\")
        lines.append(" & " + " & ".join(ses) + " \\\\")
    lines.append("\\midrule")
    for stat, kind, name in (("n", "count", "$n$"), ("r2", "r2", "$R^2$ (weighted)")):
        vals = [fmt(main[(main.outcome == y) & (main.model == m)][stat].iloc[0], kind).replace(",", "{,}")
                for y in outs for m in models]
        lines.append(f"{name} & " + " & ".join(vals) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}",
              "% Design-based SEs in parentheses (linearization accounting for the raking). "
              "* p<0.05, ** p<0.01, *** p<0.001."]
    return "\n".join(lines) + "\n"


def robustness_markdown(rob: pd.DataFrame, cfg: dict, nums, file: str, label: str) -> str:
    pc = cfg["models"]["political_capital"]
    variants = {"main": "Main (raked, trimmed weights)", "unweighted": "Unweighted OLS",
                "untrimmed": "Raked, untrimmed weights", "alternative": "Alternative political-capital coding"}
    lines = ["# Robustness of the political-capital coefficients", "", f"Data: {label}", "",
             f"Full model ({cfg['models']['full']}) under each variant: coefficient (design-based SE).", "",
             "| variant | outcome | term | coef | SE | 95% CI | p | n |", "|---|---|---|---:|---:|---|---:|---:|"]
    sub = rob[rob.term.isin(pc)]
    for r in sub.itertuples():
        k = f"robustness.{r.variant}.{r.outcome}.{r.term}"
        cells = [nums.add(f"{k}.coef", r.coef, "coef", file=file, se=r.se, ci=(r.ci_low, r.ci_high), n=r.n),
                 nums.add(f"{k}.se", r.se, "se", file=file),
                 "[" + nums.add(f"{k}.ci_low", r.ci_low, "coef", file=file) + ", "
                 + nums.add(f"{k}.ci_high", r.ci_high, "coef", file=file) + "]",
                 nums.add(f"{k}.p", r.p, "p", file=file), nums.add(f"{k}.n", r.n, "count", file=file)]
        lines.append(f"| {variants[r.variant]} | {r.outcome} | {r.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def ordered_markdown(ol: pd.DataFrame, cfg: dict, nums, file: str, label: str) -> str:
    pc = [t for t in cfg["models"]["political_capital"]]
    show = pc + ["trust", "educ_years", "log(income_k)", "urban_hukou", "media"]
    lines = ["# Weighted ordered logits of each SCS item", "", f"Data: {label}", "",
             "Proportional-odds logit (logit P(Y <= k) = cut_k - x'b) of each item on the full model's covariates, "
             "fitted by weighted pseudo-likelihood with the raking weights; sandwich SEs (design-based, weights "
             "treated as fixed). Selected terms shown; all terms and cut points are in ordered_logits.csv.", "",
             "| item | " + " | ".join(term_label(t, cfg) for t in show if t in set(ol.term)) + " | n |",
             "|---|" + "---:|" * (sum(t in set(ol.term) for t in show) + 1)]
    labels = {it["var"]: it["label"] for s in ("surveillance", "punishment") for it in cfg["scales"][s]["items"]}
    for item, grp in ol.groupby("item", sort=False):
        cells = []
        for t in show:
            r = grp[grp.term == t]
            if r.empty:
                continue
            r = r.iloc[0]
            k = f"ordered.{item}.{t}"
            c = nums.add(f"{k}.coef", r.coef, "coef", file=file, se=r.se, ci=(r.ci_low, r.ci_high), n=r.n)
            s = nums.add(f"{k}.se", r.se, "se", file=file)
            cells.append(f"{c}{_stars(r.p)} ({s})")
        n = nums.add(f"ordered.{item}.n", grp.n.iloc[0], "count", file=file)
        lines.append(f"| {labels[item]} | " + " | ".join(cells) + f" | {n} |")
    return "\n".join(lines) + "\n"


def predicted_markdown(pred: pd.DataFrame, cfg: dict, nums, file: str, label: str) -> str:
    lines = ["# Predicted index by CCP membership", "", f"Data: {label}", "",
             f"Predictive margins from the full model ({cfg['models']['full']}): the mean predicted index with "
             f"every respondent set to each level, other covariates as observed; design-based 95% CIs.", "",
             "| outcome | level | predicted | 95% CI |", "|---|---|---:|---|"]
    for r in pred.itertuples():
        k = f"predicted.{r.outcome}.{r.variable}_{r.level}"
        cells = [nums.add(f"{k}.mean", r.predicted, "mean", file=file, se=r.se, ci=(r.ci_low, r.ci_high)),
                 "[" + nums.add(f"{k}.ci_low", r.ci_low, "mean", file=file) + ", "
                 + nums.add(f"{k}.ci_high", r.ci_high, "mean", file=file) + "]"]
        lvl = f"{term_label(r.variable, cfg)} = {'yes' if r.level == 1 else 'no'}"
        lines.append(f"| {r.outcome} | {lvl} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
