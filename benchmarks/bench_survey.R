# R side of benchmarks/bench_vs_r.py: bounded raking, then the delete-one jackknife with every replicate
# calibrated again, the two index means and the two full models with their JK1 SEs. Prints JSON with
# the times (seconds) and the SEs.
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
indir <- args[1]
d <- read.csv(file.path(indir, "pipeline_analysis.csv"), stringsAsFactors = FALSE)
terms <- read.csv(file.path(indir, "pipeline_terms.csv"), stringsAsFactors = FALSE)
targets <- read.csv(file.path(indir, "pipeline_targets.csv"), stringsAsFactors = FALSE)
info <- fromJSON(file.path(indir, "pipeline_design.json"))
margins <- unique(targets$variable)
for (v in margins) d[[v]] <- factor(d[[v]], levels = targets$category[targets$variable == v])
N <- nrow(d); pop <- c("(Intercept)" = N)
for (v in margins) {
  t <- targets[targets$variable == v, ]
  for (i in seq_len(nrow(t))[-1]) pop[paste0(v, t$category[i])] <- N * t$share[i]
}
f <- as.formula(paste("~", paste(margins, collapse = " + ")))
x <- terms$safe[terms$model == info$full]
allx <- unique(terms$safe[terms$model %in% info$models])
d$one <- 1
bounds <- c(info$lower, info$upper)
t_cal <- system.time({
  d1 <- svydesign(ids = ~1, weights = ~one, data = d)
  c1 <- calibrate(d1, f, population = pop, calfun = "logit", bounds = bounds, epsilon = 1e-10, maxit = 200)
})[["elapsed"]]
t_jk <- system.time({
  jk <- calibrate(as.svrepdesign(d1, type = "JK1"), f, population = pop, calfun = "logit", bounds = bounds,
                  epsilon = 1e-10, maxit = 200)
  m <- svymean(as.formula(paste("~", paste(info$outcomes, collapse = " + "))), jk, na.rm = TRUE)
  se_mean <- sapply(info$outcomes, function(y) SE(svymean(as.formula(paste0("~", y)), jk, na.rm = TRUE)))
  se_glm <- sapply(info$outcomes, function(y) {
    ok <- complete.cases(d[, c(y, allx)])
    g <- svyglm(as.formula(paste(y, "~", paste(x, collapse = " + "))), design = subset(jk, ok))
    SE(g)[["x00"]]
  })
})[["elapsed"]]
cat(toJSON(list(calibrate = t_cal, jackknife = t_jk, mean_se = unname(se_mean), first_term_se = unname(se_glm),
                version = as.character(packageVersion("survey"))), auto_unbox = TRUE, digits = NA), "\n")
