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
# From the files a build of the workflow wrote (tests/reference/export_for_r.py): R calibrates the
# analysis data itself, to the margins of design.json, for the linearization (calibrate) and for the
# delete-one jackknife (as.svrepdesign(type = "JK1"), every replicate calibrated again); the
# bootstrap uses the pipeline's stored replicate weights (svrepdesign). Every estimate of the tables
# is computed here with each of the three variance methods.
d <- read.csv(file.path(indir, "pipeline_analysis.csv"), stringsAsFactors = FALSE)
terms <- read.csv(file.path(indir, "pipeline_terms.csv"), stringsAsFactors = FALSE)
targets <- read.csv(file.path(indir, "pipeline_targets.csv"), stringsAsFactors = FALSE)
info <- fromJSON(file.path(indir, "pipeline_design.json"), simplifyVector = TRUE)
margins <- unique(targets$variable)
for (v in margins) d[[v]] <- factor(d[[v]], levels = targets$category[targets$variable == v])
N <- nrow(d)
pop <- c("(Intercept)" = N)
for (v in margins) {
  t <- targets[targets$variable == v, ]
  for (i in seq_len(nrow(t))[-1]) pop[paste0(v, t$category[i])] <- N * t$share[i]
}
cal_formula <- as.formula(paste("~", paste(margins, collapse = " + ")))
bounds <- c(info$lower, info$upper)
outcomes <- info$outcomes
batteries <- info$batteries
items <- unlist(batteries, use.names = FALSE)
xcols <- function(model) terms$safe[terms$model == model]
term_names <- function(model) c("_intercept_", terms$term[terms$model == model])

d$one <- 1
d0 <- svydesign(ids = ~1, weights = ~one, data = d)
recal <- function(design, calfun) {
  if (calfun == "none") return(design)
  if (calfun == "logit") {
    return(calibrate(design, cal_formula, population = pop, calfun = "logit", bounds = bounds, epsilon = EPS,
                     maxit = 200))
  }
  calibrate(design, cal_formula, population = pop, calfun = "raking", epsilon = EPS, maxit = 200)
}
lin <- list(logit = recal(d0, "logit"), raking = recal(d0, "raking"), none = d0)
t0 <- Sys.time()
jk0 <- as.svrepdesign(d0, type = "JK1")
jk <- list(logit = recal(jk0, "logit"), raking = recal(jk0, "raking"), none = jk0)
cat("JK1 designs calibrated in", format(Sys.time() - t0), "\n")
ours <- as.matrix(read.csv(gzfile(file.path(indir, "pipeline_replicates.csv.gz")), header = FALSE))
boot <- svrepdesign(data = d, repweights = ours, weights = ~weight, type = "bootstrap", combined.weights = TRUE)

se_of <- function(x) as.numeric(sqrt(diag(as.matrix(vcov(x)))))

# means of the items, the indices, and the answer shares (domain: who answered)
ind <- list()
for (b in names(batteries)) {
  for (v in c(batteries[[b]], b)) {
    x <- d[[v]]
    is_item <- v %in% items
    sup <- if (is_item) as.numeric(x %in% info$support) else as.numeric(x >= min(info$support))
    opp <- if (is_item) as.numeric(x %in% info$oppose) else as.numeric(x <= max(info$oppose))
    sup[is.na(x)] <- NA
    opp[is.na(x)] <- NA
    ind[[paste0(v, ":support")]] <- sup
    ind[[paste0(v, ":oppose")]] <- opp
    if (is_item && paste0(v, "__dk") %in% names(d)) ind[[paste0(v, ":dk")]] <- d[[paste0(v, "__dk")]]
  }
}
safe_ind <- setNames(sprintf("i%03d", seq_along(ind)), names(ind))
for (k in names(ind)) {
  for (nm in names(lin)) lin[[nm]]$variables[[safe_ind[[k]]]] <- ind[[k]]
  for (nm in names(jk)) jk[[nm]]$variables[[safe_ind[[k]]]] <- ind[[k]]
  boot$variables[[safe_ind[[k]]]] <- ind[[k]]
}
mean_of <- function(col, design) {
  m <- svymean(as.formula(paste0("~", col)), design, na.rm = TRUE)
  c(mean = as.numeric(coef(m)), se = as.numeric(SE(m)))
}
means <- list()
for (v in c(items, names(batteries), names(ind))) {
  col <- if (v %in% names(ind)) safe_ind[[v]] else v
  l <- mean_of(col, lin$logit)
  means[[v]] <- list(mean = l[["mean"]], se_linearization = l[["se"]], se_jackknife = mean_of(col, jk$logit)[["se"]],
                     se_bootstrap = mean_of(col, boot)[["se"]])
}

# paired contrasts of two items of a battery: difference of the two domain means
domain_diff <- function(a, b) {
  function(w, data) {
    ia <- !is.na(data[[a]])
    ib <- !is.na(data[[b]])
    sum(w[ia] * data[[a]][ia]) / sum(w[ia]) - sum(w[ib] * data[[b]][ib]) / sum(w[ib])
  }
}
contrasts <- list()
for (b in names(batteries)) {
  its <- batteries[[b]]
  for (i in seq_along(its)) for (j in seq_along(its)) if (i < j) {
    a <- its[i]
    c2 <- its[j]
    des <- lin$logit
    des$variables$.az <- ifelse(is.na(d[[a]]), 0, d[[a]])
    des$variables$.ia <- as.numeric(!is.na(d[[a]]))
    des$variables$.bz <- ifelse(is.na(d[[c2]]), 0, d[[c2]])
    des$variables$.ib <- as.numeric(!is.na(d[[c2]]))
    tt <- svytotal(~.az + .ia + .bz + .ib, des)
    lc <- svycontrast(tt, quote(.az / .ia - .bz / .ib))
    contrasts[[length(contrasts) + 1]] <- list(
      first = a, second = c2, difference = as.numeric(coef(lc)), se_linearization = as.numeric(SE(lc)),
      se_jackknife = as.numeric(SE(withReplicates(jk$logit, domain_diff(a, c2)))),
      se_bootstrap = as.numeric(SE(withReplicates(boot, domain_diff(a, c2)))))
  }
}

# regressions: the estimation samples (nested models on one sample, complete on every model's variables)
main_models <- info$models
sample_of <- function(y, model) {
  cols <- if (model == info$alternative || !isTRUE(info$common_sample)) xcols(model) else
    unique(unlist(lapply(main_models, xcols)))
  complete.cases(d[, c(y, cols)])
}
glm_of <- function(design, y, model) {
  ok <- sample_of(y, model)
  m <- svyglm(as.formula(paste(y, "~", paste(xcols(model), collapse = " + "))), design = subset(design, ok))
  list(coef = as.numeric(coef(m)), se = se_of(m), df = m$df.residual)
}
variants <- list(main = list(calfun = "logit", models = main_models),
                 unweighted = list(calfun = "none", models = info$full),
                 unbounded = list(calfun = "raking", models = info$full),
                 alternative = list(calfun = "logit", models = info$alternative))
svyglm_fits <- list()
for (vn in names(variants)) {
  v <- variants[[vn]]
  svyglm_fits[[vn]] <- list()
  for (y in outcomes) {
    svyglm_fits[[vn]][[y]] <- list()
    for (model in v$models) {
      l <- glm_of(lin[[v$calfun]], y, model)
      r <- list(terms = term_names(model), coef = l$coef, se_linearization = l$se, df = l$df,
                se_jackknife = glm_of(jk[[v$calfun]], y, model)$se)
      if (v$calfun == "logit") r$se_bootstrap <- glm_of(boot, y, model)$se
      svyglm_fits[[vn]][[y]][[model]] <- r
    }
  }
}

# predictive margins of the full model at the levels of one regressor, and their difference (last minus
# first level): replicates refit the regression (withReplicates); the linearization combines the
# influence functions of the regression (estfun %*% Ainv, as svyglm's own variance) and of the mean
# prediction, passed to R's svyrecvar with the calibration of the design
pred_col <- info$predict$column
pred_levels <- info$predict$levels
margins_theta <- function(y, model, ok) {
  X <- as.matrix(d[, xcols(model)])
  function(w, data) {
    Z <- cbind(1, X[ok, , drop = FALSE])
    fit <- lm.wfit(Z, data[[y]][ok], w[ok])
    beta <- fit$coefficients
    out <- sapply(pred_levels, function(lv) {
      Zl <- Z
      Zl[, 1 + match(pred_col, xcols(model))] <- lv
      sum(w[ok] * (Zl %*% beta)) / sum(w[ok])
    })
    c(out, out[length(out)] - out[1])
  }
}
predict_fits <- list()
for (y in outcomes) {
  model <- info$full
  ok <- sample_of(y, model)
  des <- subset(lin$logit, ok)
  m <- svyglm(as.formula(paste(y, "~", paste(xcols(model), collapse = " + "))), design = des)
  X <- model.matrix(m)
  Ainv <- m$naive.cov  # (X'WX)^-1 of the fit (summary(m)$cov.unscaled is already the design covariance)
  infl_b <- matrix(0, N, ncol(X))
  infl_b[ok, ] <- (X * resid(m, "working") * m$weights) %*% Ainv
  # the influence functions reproduce svyglm's own SEs (a check of this construction)
  v_b <- svyrecvar(infl_b, des$cluster, des$strata, des$fpc, postStrata = des$postStrata)
  stopifnot(max(abs(sqrt(diag(v_b)) / SE(m) - 1)) < 1e-10)
  w <- weights(lin$logit)
  w[!ok] <- 0
  infl <- sapply(pred_levels, function(lv) {
    Zl <- cbind(1, as.matrix(d[, xcols(model)]))
    Zl[!ok, ] <- 0
    Zl[, 1 + match(pred_col, xcols(model))] <- lv
    pred <- as.numeric(Zl %*% coef(m))
    est <- sum(w * pred) / sum(w)
    ifelse(ok, w * (pred - est) / sum(w), 0) + infl_b %*% (colSums(w * Zl) / sum(w))
  })
  infl <- cbind(infl, infl[, ncol(infl)] - infl[, 1])
  v_lin <- svyrecvar(infl, des$cluster, des$strata, des$fpc, postStrata = des$postStrata)
  th <- margins_theta(y, model, ok)
  est <- th(weights(lin$logit), d)
  predict_fits[[y]] <- list(levels = pred_levels, estimate = as.numeric(est),
                            se_linearization = sqrt(diag(v_lin)),
                            se_jackknife = se_of(withReplicates(jk$logit, th)),
                            se_bootstrap = se_of(withReplicates(boot, th)))
}

# ordered logits of every battery item on the full model's regressors: the full calibrated design, the
# respondents complete on the item and the regressors as a domain (the estimator the pipeline reports)
olr <- list()
for (item in items) {
  x <- xcols(info$full)
  ok <- complete.cases(d[, c(item, x)])
  dd <- d
  for (v in c(item, x)) dd[[v]][!ok] <- dd[[v]][ok][1]
  cs <- recal(svydesign(ids = ~1, weights = ~one, data = dd), "logit")
  npar <- length(x) + length(unique(dd[[item]][ok])) - 1
  # optim's Hessian is a finite difference of the gradient: a small step, so that it is exact enough
  m <- svyolr(as.formula(paste0("factor(", item, ") ~ ", paste(x, collapse = " + "))), design = subset(cs, ok),
              control = list(reltol = 1e-14, maxit = 2000, ndeps = rep(1e-6, npar)))
  k <- length(x)
  olr[[item]] <- list(terms = terms$term[terms$model == info$full], coef = unname(coef(m)[seq_len(k)]),
                      zeta = unname(m$zeta), se = unname(sqrt(diag(vcov(m)))), n = sum(ok))
}

# the bootstrap replicates: R re-calibrates the pipeline's bootstrap resamples with the same bounds and
# must find the pipeline's replicate weights
rep_base <- as.matrix(read.csv(gzfile(file.path(indir, "pipeline_rep_base.csv.gz")), header = FALSE))
check <- info$replicates_main_plan
rb <- svrepdesign(data = d, repweights = rep_base[, check], weights = ~one, type = "bootstrap",
                  combined.weights = TRUE)
rcal <- calibrate(rb, cal_formula, population = pop, calfun = "logit", bounds = bounds, epsilon = EPS, maxit = 200,
                  compress = FALSE)
rep_diff <- max(abs(as.matrix(weights(rcal, type = "analysis")) - ours[, check]))

pipeline <- list(
  versions = versions,
  n = N,
  bounds = bounds,
  weights = list(logit = unname(weights(lin$logit)), raking = unname(weights(lin$raking))),
  means = means,
  contrasts = contrasts,
  svyglm = svyglm_fits,
  predict = predict_fits,
  svyolr = olr,
  jackknife = list(scale = jk$logit$scale, rscales = unique(jk$logit$rscales), type = jk$logit$type),
  bootstrap = list(scale = boot$scale, mse = boot$mse),
  replicates = list(checked = length(check), of = info$replicates, max_abs_weight_difference = rep_diff,
                    note = paste("calibrate(svrepdesign(repweights = pipeline's bootstrap resamples,",
                                 "type = 'bootstrap'), calfun = 'logit', bounds) against the pipeline's replicates"))
)
write_fixture(pipeline, "pipeline.json")
cat("fixtures written to", outdir, "\n")
