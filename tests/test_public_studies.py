"""Two real public surveys built by configuration alone (studies/bfi, studies/gss), their numbers read from
the files the rules wrote and compared with R (psych::alpha; survey's svymean and svyglm) on the raw files."""

import subprocess

import pandas as pd
import pytest
from conftest import copy_project, require_tool, run_snakemake

STUDIES = {
    "bfi": "studies/bfi/config.yaml",
    "gss": "studies/gss/config.yaml",
}

R_BFI = r"""
suppressPackageStartupMessages({library(psych); library(survey)})
d <- read.csv("studies/bfi/bfi.csv")
keys <- list(agreeableness = c("-A1", "A2", "A3", "A4", "A5"), conscientiousness = c("C1", "C2", "C3", "-C4", "-C5"),
             extraversion = c("-E1", "-E2", "E3", "E4", "E5"), neuroticism = c("N1", "N2", "N3", "N4", "N5"),
             openness = c("O1", "-O2", "O3", "O4", "-O5"))
out <- NULL
for (s in names(keys)) {
  items <- sub("^-", "", keys[[s]]); sgn <- ifelse(grepl("^-", keys[[s]]), -1, 1)
  a <- alpha(d[, items], keys = sgn, warnings = FALSE)$total$raw_alpha       # psych's default: pairwise
  out <- rbind(out, data.frame(what = "alpha", scale = s, term = "", estimate = a, se = NA))
  x <- d[, items]; x[, sgn < 0] <- 7 - x[, sgn < 0]
  r <- cor(x, use = "pairwise")
  f <- fa(r, nfactors = 1, fm = "minres", n.obs = nrow(x))           # psych::omega's omega.tot, one factor
  out <- rbind(out, data.frame(what = "omega", scale = s, term = "", estimate = 1 - sum(f$uniquenesses) / sum(r),
                               se = NA))
  out <- rbind(out, data.frame(what = "eigen_share", scale = s, term = "", estimate = eigen(r)$values[1] / ncol(x),
                               se = NA))
  d[[s]] <- ifelse(rowSums(!is.na(x)) >= 3, rowMeans(x, na.rm = TRUE), NA)
}
d$female <- as.numeric(d$gender == 2)
d$educ_level <- factor(c("hs_or_less", "hs_or_less", "some_college", "college", "college")[d$education],
                       levels = c("hs_or_less", "some_college", "college"))
d$one <- 1
for (s in names(keys)) {
  ok <- complete.cases(d[, c(s, "female", "age", "educ_level")])
  des <- svydesign(ids = ~1, weights = ~one, data = d)
  m <- svymean(reformulate(s), des, na.rm = TRUE)
  out <- rbind(out, data.frame(what = "mean", scale = s, term = "", estimate = as.numeric(coef(m)), se = as.numeric(SE(m))))
  f <- svyglm(reformulate(c("female", "age", "educ_level"), s), design = subset(des, ok))
  out <- rbind(out, data.frame(what = "coef", scale = s, term = names(coef(f)), estimate = as.numeric(coef(f)),
                               se = as.numeric(SE(f))))
}
write.csv(out, "r.csv", row.names = FALSE)
"""

R_GSS = r"""
suppressPackageStartupMessages(library(survey))
d <- read.csv("studies/gss/gss_spending.csv")
items <- c("natspac", "natenvir", "natheal", "natcity", "natcrime", "natdrug", "nateduc", "natrace", "natarms",
           "nataid", "natfare", "natroad", "natsoc", "natmass", "natpark", "natchld", "natsci", "natenrgy")
d$spending <- ifelse(rowSums(!is.na(d[, items])) >= 5, rowMeans(d[, items], na.rm = TRUE), NA)
d$republican <- ifelse(d$partyid <= 6, d$partyid, NA)
d$conservative <- d$polviews
d$female <- d$sex
d$college <- as.numeric(d$degree >= 3)
d$race <- relevel(factor(d$race), ref = "1")
d$one <- 1
des <- svydesign(ids = ~1, weights = ~one, data = d)
m <- svymean(~spending, des, na.rm = TRUE)
out <- data.frame(what = "mean", scale = "spending", term = "", estimate = as.numeric(coef(m)), se = as.numeric(SE(m)))
rhs <- c("republican", "conservative", "age", "female", "college", "race")
ok <- complete.cases(d[, c("spending", rhs)])
f <- svyglm(reformulate(rhs, "spending"), design = subset(des, ok))
out <- rbind(out, data.frame(what = "coef", scale = "spending", term = names(coef(f)), estimate = as.numeric(coef(f)),
                               se = as.numeric(SE(f))))
write.csv(out, "r.csv", row.names = FALSE)
"""


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    """One copy of the project with both studies built, every output (their own output folders)."""
    work = copy_project(tmp_path_factory.mktemp("studies") / "w")
    for config in STUDIES.values():  # every output of the default target, notebooks included
        run_snakemake(work, extra=["--configfile", config])
    return work


def r_numbers(work, script: str) -> pd.DataFrame:
    rscript = require_tool("Rscript", "R with survey and psych", "apt-get install r-base-core r-cran-survey r-cran-psych")
    subprocess.run([rscript, "-e", script], cwd=work, check=True, capture_output=True, text=True)
    return pd.read_csv(work / "r.csv")


def term_of(r_term: str) -> str:
    """R's coefficient name as the pipeline's term (educ_levelcollege -> educ_level[college])."""
    for var in ("educ_level", "race"):
        if r_term.startswith(var) and r_term != var:
            return f"{var}[{r_term[len(var):]}]"
    return "_intercept_" if r_term == "(Intercept)" else r_term


def compare(work, out: str, r: pd.DataFrame, *, full: str):
    res = work / out
    est = pd.read_csv(res / "items" / "item_estimates.csv").set_index("var")
    coefs = pd.read_csv(res / "models" / "coefficients.csv")
    coefs = coefs[(coefs.variant == "main") & (coefs.model == full)].set_index(["outcome", "term"])
    checked = 0
    for row in r.itertuples():
        if row.what == "mean":
            got, se = est.loc[row.scale, "mean"], est.loc[row.scale, "se_linearization"]
        elif row.what == "coef":
            c = coefs.loc[(row.scale, term_of(row.term))]
            got, se = c["coef"], c["se_linearization"]
        else:
            continue
        assert got == pytest.approx(row.estimate, rel=1e-6, abs=1e-9), (row.what, row.scale, row.term)
        assert se == pytest.approx(row.se, rel=1e-6), (row.what, row.scale, row.term, "SE")
        checked += 1
    return checked


@pytest.mark.slow
def test_bfi_reliability_indices_and_regressions_equal_r(studies):
    r = r_numbers(studies, R_BFI)
    out = "results-studies-bfi-config"
    rel = pd.read_csv(studies / out / "indices" / "reliability.csv")
    alphas = rel[rel.statistic == "cronbach_alpha"].set_index("scale")["unweighted"]
    for what, stat in (("alpha", "cronbach_alpha"), ("omega", "omega_total"), ("eigen_share", "first_eigenvalue_share")):
        ours = rel[rel.statistic == stat].set_index("scale")["unweighted"]
        rows = r[r.what == what]
        assert len(rows) == 5
        for row in rows.itertuples():
            assert ours[row.scale] == pytest.approx(row.estimate, rel=1e-6), (what, row.scale)
    assert alphas["agreeableness"] == pytest.approx(0.703, abs=5e-4) and alphas["openness"] == pytest.approx(0.600, abs=5e-4)
    assert compare(studies, out, r, full="M2") == 5 + 5 * 5


@pytest.mark.slow
def test_gss_spending_index_and_regression_equal_r(studies):
    r = r_numbers(studies, R_GSS)
    assert compare(studies, "results-studies-gss-config", r, full="M2") == 1 + 8


@pytest.mark.slow
def test_the_studies_say_what_data_they_are(studies):
    for config in STUDIES.values():
        out = studies / f"results-{config[:-len('.yaml')].replace('/', '-')}"
        text = (out / "items" / "item_estimates.md").read_text()
        assert "real data" in text and "SYNTHETIC" not in text
        assert len(list((out / "notebooks").glob("*.html"))) == 4 and (out / "numbers.tex").is_file()
        verify = (out / "verify.md").read_text()
        assert "No pins" in verify or "no pins" in verify or "No drift" in verify, verify
