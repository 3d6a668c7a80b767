# Estimates by group and crosstabs with R's survey package, for tests/test_domains_r.py.
#
#   Rscript tests/reference/domains.R INPUT_DIR OUTPUT_JSON
#
# INPUT_DIR holds what tests/reference/export_for_r.py writes (the analysis data with the stored weights,
# the targets, design.json's bounds, the stored bootstrap replicate weights), the group variables beside
# them, and domains.json (the groups, the crosstabs, the items and indices with their support and oppose
# codes). As make_fixtures.R, R calibrates the analysis data itself (logit, the same bounds) for the
# linearization and for the delete-one jackknife (every replicate calibrated again); the bootstrap uses the
# stored replicate weights. Needs: r-base-core, r-cran-survey, r-cran-jsonlite (Debian).
#
# Domain means: svyby(~y, ~g, design, svymean, na.rm = TRUE) on the full calibrated design (linearization);
# the replicate SEs recompute every domain mean with each replicate weight (withReplicates; checked against
# svyby on the bootstrap design for one variable). Crosstabs: svychisq(~a + b, design, statistic = "F"),
# the cells' proportions (svymean of the interaction) and the row percentages (svyby of the column factor).

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
indir <- args[1]
outfile <- args[2]
options(survey.lonely.psu = "fail")
EPS <- 1e-12

d <- read.csv(file.path(indir, "pipeline_analysis.csv"), stringsAsFactors = FALSE)
targets <- read.csv(file.path(indir, "pipeline_targets.csv"), stringsAsFactors = FALSE)
info <- fromJSON(file.path(indir, "pipeline_design.json"), simplifyVector = TRUE)
spec <- fromJSON(file.path(indir, "domains.json"), simplifyVector = FALSE)
margins <- unique(targets$variable)
# the calibration's own copies of the margins, as factors; the group variables keep their values
for (v in margins) d[[paste0(".cal_", v)]] <- factor(d[[v]], levels = targets$category[targets$variable == v])
N <- nrow(d)
pop <- c("(Intercept)" = N)
for (v in margins) {
  t <- targets[targets$variable == v, ]
  for (i in seq_len(nrow(t))[-1]) pop[paste0(".cal_", v, t$category[i])] <- N * t$share[i]
}
cal_formula <- as.formula(paste("~", paste0(".cal_", margins, collapse = " + ")))
bounds <- c(info$lower, info$upper)

# the shares of every item and index (as the item stage: an item's code among the codes, an index's mean at
# or above the lowest support code, at or below the highest oppose code), NA where not answered
cols <- list()
for (e in spec$entries) {
  x <- d[[e$var]]
  sup <- unlist(e$support)
  opp <- unlist(e$oppose)
  cols[[paste0(e$var, "|mean")]] <- x
  cols[[paste0(e$var, "|support")]] <- if (e$kind == "index") as.numeric(x >= min(sup)) else as.numeric(x %in% sup)
  cols[[paste0(e$var, "|oppose")]] <- if (e$kind == "index") as.numeric(x <= max(opp)) else as.numeric(x %in% opp)
  cols[[paste0(e$var, "|support")]][is.na(x)] <- NA
  cols[[paste0(e$var, "|oppose")]][is.na(x)] <- NA
}
safe <- setNames(sprintf("y%03d", seq_along(cols)), names(cols))
for (k in names(cols)) d[[safe[[k]]]] <- cols[[k]]

d$one <- 1
d0 <- svydesign(ids = ~1, weights = ~one, data = d)
lin <- calibrate(d0, cal_formula, population = pop, calfun = "logit", bounds = bounds, epsilon = EPS, maxit = 200)
t0 <- Sys.time()
jk <- calibrate(as.svrepdesign(d0, type = "JK1"), cal_formula, population = pop, calfun = "logit", bounds = bounds,
                epsilon = EPS, maxit = 200)
ours <- as.matrix(read.csv(gzfile(file.path(indir, "pipeline_replicates.csv.gz")), header = FALSE))
boot <- svrepdesign(data = d, repweights = ours, weights = ~weight, type = "bootstrap", combined.weights = TRUE)

message("designs: ", format(Sys.time() - t0))
t0 <- Sys.time()
# ------------------------------------------------------------------------------ domain means, linearization
out <- list()
Ycols <- list()   # every domain mean as a column with NA outside its domain (for the replicate SEs)
for (k in names(cols)) {
  parts <- strsplit(k, "|", fixed = TRUE)[[1]]
  m <- svymean(as.formula(paste0("~", safe[[k]])), lin, na.rm = TRUE)
  key <- paste(parts[1], "all", "all", parts[2], sep = "|")
  out[[key]] <- list(estimate = unname(coef(m)), se_linearization = as.numeric(SE(m)))
  Ycols[[key]] <- cols[[k]]
  for (g in unlist(spec$by)) {
    r <- svyby(as.formula(paste0("~", safe[[k]])), as.formula(paste0("~", g)), lin, svymean, na.rm = TRUE)
    levels <- as.character(r[[g]])
    for (i in seq_along(levels)) {
      key <- paste(parts[1], g, levels[i], parts[2], sep = "|")
      out[[key]] <- list(estimate = unname(coef(r)[i]), se_linearization = as.numeric(as.matrix(SE(r)))[i])
      y <- cols[[k]]
      y[is.na(d[[g]]) | as.character(d[[g]]) != levels[i]] <- NA
      Ycols[[key]] <- y
    }
  }
}

message("svyby: ", format(Sys.time() - t0))
t0 <- Sys.time()
# ------------------------------------------------------------------------------ crosstabs
tests <- list()
for (pair in spec$crosstabs) {
  a <- pair[[1]]
  b <- pair[[2]]
  f <- as.formula(paste0("~", a, " + ", b))
  rs <- svychisq(f, lin, statistic = "F")
  pear <- suppressWarnings(chisq.test(svytable(f, lin, Ntotal = sum(complete.cases(d[, c(a, b)]))), correct = FALSE))
  cells <- list()
  lin$variables$.a <- factor(d[[a]])
  lin$variables$.b <- factor(d[[b]])
  m <- svymean(~interaction(.a, .b), lin, na.rm = TRUE)
  nm <- sub("^interaction\\(\\.a, \\.b\\)", "", names(coef(m)))
  for (i in seq_along(nm)) {
    cells[[nm[i]]] <- list(pct = 100 * unname(coef(m)[i]), pct_se_linearization = 100 * as.numeric(SE(m))[i])
  }
  r <- svyby(~.b, ~.a, lin, svymean, na.rm = TRUE)
  lb <- levels(lin$variables$.b)
  rows <- list()
  se_r <- as.numeric(as.matrix(SE(r)))  # (the columns' order of coef: row levels within column levels)
  for (i in seq_len(nrow(r))) {
    for (j in seq_along(lb)) {
      k <- (j - 1) * nrow(r) + i
      rows[[paste(as.character(r$.a[i]), lb[j], sep = "|")]] <- list(pct_row = 100 * unname(coef(r)[k]),
                                                                    pct_row_se_linearization = 100 * se_r[k])
    }
  }
  tot <- svymean(~.b, subset(lin, !is.na(.a)), na.rm = TRUE)
  for (j in seq_along(lb)) {
    rows[[paste("total", lb[j], sep = "|")]] <- list(pct_row = 100 * unname(coef(tot)[j]),
                                                     pct_row_se_linearization = 100 * as.numeric(SE(tot))[j])
  }
  # the row percentages as domain columns too (their replicate SEs)
  ok <- !is.na(d[[a]]) & !is.na(d[[b]])
  for (la in c(levels(factor(d[[a]])), "total")) {
    for (j in seq_along(lb)) {
      y <- as.numeric(as.character(d[[b]]) == lb[j])
      y[!ok | (la != "total" & as.character(d[[a]]) != la)] <- NA
      Ycols[[paste("crosstab", a, b, la, lb[j], sep = "|")]] <- y
    }
  }
  tests[[paste(a, b, sep = "|")]] <- list(F = unname(rs$statistic), ndf = unname(rs$parameter[["ndf"]]),
                                           ddf = unname(rs$parameter[["ddf"]]), p = unname(rs$p.value),
                                           chisq = unname(pear$statistic), cells = cells, rows = rows)
}

message("crosstabs: ", format(Sys.time() - t0))
t0 <- Sys.time()
# ------------------------------------------------------------------------------ replicate SEs of every domain mean
Y <- do.call(cbind, Ycols)
M <- !is.na(Y)
Y[!M] <- 0
# every domain mean with each replicate's weights, and R's variance of replicates (svrVar: the design's
# scale, rscales and centring), as withReplicates(design, theta) computes it one replicate at a time
rep_se <- function(design) {
  W <- as.matrix(weights(design, "analysis"))
  full <- as.numeric(crossprod(Y, weights(design, "sampling")) / crossprod(M * 1, weights(design, "sampling")))
  thetas <- t(crossprod(Y, W) / crossprod(M * 1, W))
  v <- svrVar(thetas, design$scale, design$rscales, mse = design$mse, coef = full)
  sqrt(diag(as.matrix(v)))
}
se_jk <- rep_se(jk)
se_boot <- rep_se(boot)
# the formula is svyby's own on a replicate design (one variable, one group)
g1 <- unlist(spec$by)[1]
k1 <- names(cols)[1]
chk <- svyby(as.formula(paste0("~", safe[[k1]])), as.formula(paste0("~", g1)), boot, svymean, na.rm = TRUE)
for (i in seq_len(nrow(chk))) {
  key <- paste(strsplit(k1, "|", fixed = TRUE)[[1]][1], g1, as.character(chk[[g1]][i]), "mean", sep = "|")
  stopifnot(abs(SE(chk)[i] / se_boot[match(key, colnames(Y))] - 1) < 1e-10)
}
message("replicates: ", format(Sys.time() - t0))
replicates <- list()
for (j in seq_along(Ycols)) {
  replicates[[colnames(Y)[j]]] <- list(se_jackknife = se_jk[j], se_bootstrap = se_boot[j])
}
for (key in names(out)) out[[key]] <- c(out[[key]], replicates[[key]])

writeLines(toJSON(list(versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                                       survey = as.character(packageVersion("survey"))),
                       means = out, crosstabs = tests, replicates = replicates),
                  auto_unbox = TRUE, digits = NA, pretty = TRUE), outfile)
