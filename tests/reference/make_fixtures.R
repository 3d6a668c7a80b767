# Reference results from R's survey package (Lumley), written as JSON fixtures
# that tests/test_reference_r.py compares with the pipeline's own functions.
#
#   Rscript tests/reference/make_fixtures.R INPUT_DIR OUTPUT_DIR
#
# INPUT_DIR holds pipeline_analysis.csv, pipeline_terms.csv and pipeline_targets.csv
# (tests/reference/export_for_r.py); this script writes the api data it uses there
# too, so that the Python tests need no R. Needs: r-base-core, r-cran-survey,
# r-cran-jsonlite (Debian).

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
indir <- if (length(args) >= 1) args[1] else "tests/reference/input"
outdir <- if (length(args) >= 2) args[2] else "tests/reference/fixtures"
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
options(survey.lonely.psu = "fail")

versions <- list(R = paste(R.version$major, R.version$minor, sep = "."),
                 survey = as.character(packageVersion("survey")),
                 jsonlite = as.character(packageVersion("jsonlite")))

mean_se <- function(vars, design) {
  out <- list()
  for (v in vars) {
    m <- svymean(as.formula(paste0("~", v)), design, na.rm = TRUE)
    out[[v]] <- list(mean = unname(coef(m)), se = unname(SE(m)))
  }
  out
}

write_fixture <- function(x, name) {
  writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(outdir, name))
}

# ----------------------------------------------------------------------------- (a) api
data(api)
write.csv(apiclus1[, c("cds", "dnum", "stype", "sch.wide", "pw", "fpc", "api00", "api99")],
          file.path(indir, "api_clus1.csv"), row.names = FALSE)
write.csv(apistrat[, c("cds", "stype", "sch.wide", "awards", "pw", "fpc", "api00", "api99")],
          file.path(indir, "api_strat.csv"), row.names = FALSE)

api <- list(versions = versions)
# cluster sample, raked to school type and sch.wide (the package's documented example)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
cal <- calibrate(dclus1, ~stype + sch.wide, population = c(6194, 755, 1018, 5122), calfun = "raking",
                 epsilon = 1e-12, maxit = 1000)
rk_default <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
rk_tight <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
                 control = list(maxit = 1000, epsilon = 1e-12, verbose = FALSE))
api$clus1 <- list(
  targets = list(stype = list(E = 4421, H = 755, M = 1018), sch.wide = list(No = 1072, Yes = 5122)),
  calibrate_raking = list(weights = unname(weights(cal)), estimates = mean_se(c("api00", "api99"), cal)),
  rake_default = list(weights = unname(weights(rk_default)), estimates = mean_se(c("api00", "api99"), rk_default),
                      control = "maxit = 10, epsilon = 1 (survey's defaults)"),
  rake_tight = list(weights = unname(weights(rk_tight)), estimates = mean_se(c("api00", "api99"), rk_tight))
)
# stratified sample, raked to sch.wide and awards (population counts from apipop)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
tab_sw <- table(apipop$sch.wide)
tab_aw <- table(apipop$awards)
cal_s <- calibrate(dstrat, ~sch.wide + awards, population = c(sum(tab_sw), tab_sw[["Yes"]], tab_aw[["Yes"]]),
                   calfun = "raking", epsilon = 1e-12, maxit = 1000)
rk_s <- rake(dstrat, list(~sch.wide, ~awards),
             list(data.frame(sch.wide = names(tab_sw), Freq = as.vector(tab_sw)),
                  data.frame(awards = names(tab_aw), Freq = as.vector(tab_aw))),
             control = list(maxit = 1000, epsilon = 1e-12, verbose = FALSE))
api$strat <- list(
  targets = list(sch.wide = as.list(tab_sw), awards = as.list(tab_aw)),
  calibrate_raking = list(weights = unname(weights(cal_s)), estimates = mean_se(c("api00", "api99"), cal_s)),
  rake_tight = list(weights = unname(weights(rk_s)), estimates = mean_se(c("api00", "api99"), rk_s))
)
write_fixture(api, "api.json")

# ----------------------------------------------------------------------------- (b) the pipeline's data
d <- read.csv(file.path(indir, "pipeline_analysis.csv"), stringsAsFactors = FALSE)
terms <- read.csv(file.path(indir, "pipeline_terms.csv"), stringsAsFactors = FALSE)
targets <- read.csv(file.path(indir, "pipeline_targets.csv"), stringsAsFactors = FALSE)
margins <- unique(targets$variable)
for (v in margins) d[[v]] <- factor(d[[v]], levels = targets$category[targets$variable == v])
N <- nrow(d)
pop <- c("(Intercept)" = N)
for (v in margins) {
  t <- targets[targets$variable == v, ]
  for (i in seq_len(nrow(t))[-1]) pop[paste0(v, t$category[i])] <- N * t$share[i]
}
cal_formula <- as.formula(paste("~", paste(margins, collapse = " + ")))
items <- setdiff(names(d), c("response_id", "weight", margins, "surveillance", "punishment", terms$safe))
vars <- c(items, "surveillance", "punishment")

# (b1) untrimmed raking from equal prior weights
d$one <- 1
d1 <- svydesign(ids = ~1, weights = ~one, data = d)
c1 <- calibrate(d1, cal_formula, population = pop, calfun = "raking", epsilon = 1e-12, maxit = 1000)
rk1 <- rake(d1, lapply(margins, function(v) as.formula(paste0("~", v))),
            lapply(margins, function(v) {
              t <- targets[targets$variable == v, ]
              x <- data.frame(t$category, N * t$share)
              names(x) <- c(v, "Freq")
              x
            }))

# (b2) the pipeline's trimmed raking weights as prior weights, calibrated again (g = 1): the
#      raking-aware design of the pipeline's estimates
d$w <- d$weight
d2 <- svydesign(ids = ~1, weights = ~w, data = d)
c2 <- calibrate(d2, cal_formula, population = pop, calfun = "raking", epsilon = 1e-12, maxit = 1000)
rhs <- paste(terms$safe, collapse = " + ")
glms <- list()
for (y in c("surveillance", "punishment")) {
  m <- svyglm(as.formula(paste(y, "~", rhs)), design = c2)
  glms[[y]] <- list(terms = c("_intercept_", terms$term), coef = unname(coef(m)), se = unname(SE(m)))
}
olr <- list()
for (item in c("s_jobs", "p_civil")) {
  dd <- d2[!is.na(d[[item]]), ]  # point estimates need only the weights (g = 1 after calibration)
  f <- as.formula(paste0("factor(", item, ") ~ ", rhs))
  m <- svyolr(f, design = dd)
  olr[[item]] <- list(terms = terms$term, coef = unname(coef(m)[seq_len(nrow(terms))]),
                      zeta = unname(m$zeta))
}
set.seed(20200301)
rep2 <- as.svrepdesign(d2, type = "bootstrap", replicates = 500)
rc2 <- calibrate(rep2, cal_formula, population = pop, calfun = "raking", epsilon = 1e-10, maxit = 1000)
boot <- list()
for (v in c("surveillance", "punishment")) {
  m <- svymean(as.formula(paste0("~", v)), rc2, na.rm = TRUE)
  boot[[v]] <- list(mean = unname(coef(m)), se = unname(SE(m)))
}

glms1 <- list()
for (y in c("surveillance", "punishment")) {
  m <- svyglm(as.formula(paste(y, "~", rhs)), design = c1)
  glms1[[y]] <- list(terms = c("_intercept_", terms$term), coef = unname(coef(m)), se = unname(SE(m)))
}

pipeline <- list(
  versions = versions,
  n = N,
  untrimmed = list(calibrate_raking_weights = unname(weights(c1)), rake_default_weights = unname(weights(rk1)),
                   estimates = mean_se(vars, c1), svyglm = glms1),
  trimmed = list(g_max_abs_dev = max(abs(weights(c2) / d$w - 1)), estimates = mean_se(vars, c2),
                 svyglm = glms, svyolr = olr, bootstrap = boot,
                 bootstrap_note = "as.svrepdesign(type = 'bootstrap', replicates = 500), each replicate re-calibrated")
)
write_fixture(pipeline, "pipeline.json")
cat("fixtures written to", outdir, "\n")
