# Reference results from R's survey package (Lumley), written as JSON fixtures that
# tests/test_reference_r.py compares with the pipeline's own functions.
#
#   Rscript tests/reference/make_fixtures.R INPUT_DIR OUTPUT_DIR
#
# INPUT_DIR holds what tests/reference/export_for_r.py wrote (the survey's analysis data, the
# targets, the pipeline's weights and replicate weights); this script writes the api data it uses
# there too, so that the Python tests need no R. Needs: r-base-core, r-cran-survey,
# r-cran-jsonlite, r-cran-mass (Debian).

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
indir <- if (length(args) >= 1) args[1] else "tests/reference/input"
outdir <- if (length(args) >= 2) args[2] else "tests/reference/fixtures"
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
options(survey.lonely.psu = "fail")
EPS <- 1e-12

versions <- list(R = paste(R.version$major, R.version$minor, sep = "."),
                 survey = as.character(packageVersion("survey")),
                 jsonlite = as.character(packageVersion("jsonlite")))

mean_se <- function(vars, design) {
  out <- list()
  for (v in vars) {
    m <- svymean(as.formula(paste0("~", v)), design, na.rm = TRUE)
    out[[v]] <- list(mean = as.numeric(coef(m)), se = as.numeric(SE(m)))
  }
  out
}

write_fixture <- function(x, name) {
  writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(outdir, name))
}

# ----------------------------------------------------------------------------- (a) api
# The package's documented examples, as with-replacement designs (no fpc): bounded raking
# (logit calibration) and unbounded raking, means and their linearization SEs.
data(api)
write.csv(apiclus1[, c("cds", "dnum", "stype", "sch.wide", "pw", "api00", "api99")],
          file.path(indir, "api_clus1.csv"), row.names = FALSE)
write.csv(apistrat[, c("cds", "stype", "sch.wide", "awards", "pw", "api00", "api99")],
          file.path(indir, "api_strat.csv"), row.names = FALSE)

api <- list(versions = versions)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
pop1 <- c(6194, 755, 1018, 5122)  # N, stype H, stype M, sch.wide Yes (R's documented example)
b1 <- c(0.5, 2.4)
l1 <- calibrate(dclus1, ~stype + sch.wide, population = pop1, calfun = "logit", bounds = b1, epsilon = EPS,
                maxit = 200)
r1 <- calibrate(dclus1, ~stype + sch.wide, population = pop1, calfun = "raking", epsilon = EPS, maxit = 200)
api$clus1 <- list(
  totals = list(N = 6194, stypeH = 755, stypeM = 1018, sch.wideYes = 5122), bounds = b1,
  logit = list(weights = unname(weights(l1)), estimates = mean_se(c("api00", "api99"), l1)),
  raking = list(weights = unname(weights(r1)), estimates = mean_se(c("api00", "api99"), r1))
)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
tab_sw <- table(apipop$sch.wide)
tab_aw <- table(apipop$awards)
pop2 <- c(sum(tab_sw), tab_sw[["Yes"]], tab_aw[["Yes"]])
b2 <- c(0.8, 1.2)
l2 <- calibrate(dstrat, ~sch.wide + awards, population = pop2, calfun = "logit", bounds = b2, epsilon = EPS,
                maxit = 200)
r2 <- calibrate(dstrat, ~sch.wide + awards, population = pop2, calfun = "raking", epsilon = EPS, maxit = 200)
api$strat <- list(
  totals = list(N = pop2[[1]], sch.wideYes = pop2[[2]], awardsYes = pop2[[3]]), bounds = b2,
  logit = list(weights = unname(weights(l2)), estimates = mean_se(c("api00", "api99"), l2)),
  raking = list(weights = unname(weights(r2)), estimates = mean_se(c("api00", "api99"), r2))
)
write_fixture(api, "api.json")

# ----------------------------------------------------------------------------- (b) the survey
d <- read.csv(file.path(indir, "pipeline_analysis.csv"), stringsAsFactors = FALSE)
terms <- read.csv(file.path(indir, "pipeline_terms.csv"), stringsAsFactors = FALSE)
targets <- read.csv(file.path(indir, "pipeline_targets.csv"), stringsAsFactors = FALSE)
info <- fromJSON(file.path(indir, "pipeline_design.json"))
margins <- unique(targets$variable)
for (v in margins) d[[v]] <- factor(d[[v]], levels = targets$category[targets$variable == v])
N <- nrow(d)
pop <- c("(Intercept)" = N)
for (v in margins) {
  t <- targets[targets$variable == v, ]
  for (i in seq_len(nrow(t))[-1]) pop[paste0(v, t$category[i])] <- N * t$share[i]
}
cal_formula <- as.formula(paste("~", paste(margins, collapse = " + ")))
outcomes <- info$outcomes
items <- setdiff(names(d), c("response_id", "weight", "weight_unbounded", margins, outcomes, terms$safe))
vars <- c(items, outcomes)
rhs <- paste(terms$safe, collapse = " + ")
bounds <- c(info$lower, info$upper)

d$one <- 1
d0 <- svydesign(ids = ~1, weights = ~one, data = d)
cal <- calibrate(d0, cal_formula, population = pop, calfun = "logit", bounds = bounds, epsilon = EPS, maxit = 200)
rak <- calibrate(d0, cal_formula, population = pop, calfun = "raking", epsilon = EPS, maxit = 200)

glm_fit <- function(design) {
  out <- list()
  for (y in outcomes) {
    m <- svyglm(as.formula(paste(y, "~", rhs)), design = design)
    out[[y]] <- list(terms = c("_intercept_", terms$term), coef = as.numeric(coef(m)), se = as.numeric(SE(m)),
                     df = m$df.residual)
  }
  out
}

# svyolr cannot take a calibrated design with missing values (its weights keep the dropped rows),
# so the ordered logits are checked on the respondents complete on the item and the covariates,
# calibrated among themselves (the test does the same with the pipeline's functions).
olr <- list()
for (item in info$items_svyolr) {
  ds <- d[complete.cases(d[, c(item, terms$safe)]), ]
  pop_s <- pop * nrow(ds) / N
  cs <- calibrate(svydesign(ids = ~1, weights = ~one, data = ds), cal_formula, population = pop_s, calfun = "logit",
                  bounds = bounds, epsilon = EPS, maxit = 200)
  f <- as.formula(paste0("factor(", item, ") ~ ", rhs))
  # optim's Hessian is a finite difference of the gradient: a small step, so that it is exact enough
  npar <- nrow(terms) + length(unique(ds[[item]])) - 1
  m <- svyolr(f, design = cs, control = list(reltol = 1e-14, maxit = 2000, ndeps = rep(1e-6, npar)))
  k <- nrow(terms)
  olr[[item]] <- list(response_ids = ds$response_id, terms = terms$term, coef = unname(coef(m)[seq_len(k)]),
                      zeta = unname(m$zeta), se = unname(sqrt(diag(vcov(m)))))
}

# Replicates: (1) R re-calibrates the pipeline's bootstrap resamples with the same bounds and must
# find the pipeline's replicate weights; (2) R's svrepdesign on the pipeline's replicate weights must
# give the pipeline's bootstrap SEs.
rep_base <- as.matrix(read.csv(gzfile(file.path(indir, "pipeline_rep_base.csv.gz")), header = FALSE))
ours <- as.matrix(read.csv(gzfile(file.path(indir, "pipeline_replicates.csv.gz")), header = FALSE))
check <- info$replicates_main_plan
rb <- svrepdesign(data = d, repweights = rep_base[, check], weights = ~one, type = "bootstrap",
                  combined.weights = TRUE)
rcal <- calibrate(rb, cal_formula, population = pop, calfun = "logit", bounds = bounds, epsilon = EPS, maxit = 200,
                  compress = FALSE)
r_reps <- weights(rcal, type = "analysis")
rep_diff <- max(abs(as.matrix(r_reps) - ours[, check]))

rd <- svrepdesign(data = d, repweights = ours, weights = ~weight, type = "bootstrap", combined.weights = TRUE)
boot <- list(scale = rd$scale, mse = rd$mse, estimates = mean_se(vars, rd), svyglm = glm_fit(rd))

pipeline <- list(
  versions = versions,
  n = N,
  bounds = bounds,
  logit = list(weights = unname(weights(cal)), estimates = mean_se(vars, cal), svyglm = glm_fit(cal), svyolr = olr),
  raking = list(weights = unname(weights(rak)), estimates = mean_se(vars, rak), svyglm = glm_fit(rak)),
  replicates = list(checked = length(check), of = info$replicates, max_abs_weight_difference = rep_diff,
                    note = paste("calibrate(svrepdesign(repweights = pipeline's bootstrap resamples,",
                                 "type = 'bootstrap'), calfun = 'logit', bounds) against the pipeline's replicates")),
  bootstrap = boot
)
write_fixture(pipeline, "pipeline.json")
cat("fixtures written to", outdir, "\n")
