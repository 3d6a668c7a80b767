# R side of benchmarks/bench_vs_r.py: raking, then B re-raked bootstrap replicates with both index
# means and both full models. Prints JSON with times (seconds) and estimates.
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
indir <- args[1]; B <- as.integer(args[2])
d <- read.csv(file.path(indir, "pipeline_analysis.csv"), stringsAsFactors = FALSE)
terms <- read.csv(file.path(indir, "pipeline_terms.csv"), stringsAsFactors = FALSE)
targets <- read.csv(file.path(indir, "pipeline_targets.csv"), stringsAsFactors = FALSE)
margins <- unique(targets$variable)
for (v in margins) d[[v]] <- factor(d[[v]], levels = targets$category[targets$variable == v])
N <- nrow(d); pop <- c("(Intercept)" = N)
for (v in margins) { t <- targets[targets$variable == v, ]; for (i in seq_len(nrow(t))[-1]) pop[paste0(v, t$category[i])] <- N * t$share[i] }
f <- as.formula(paste("~", paste(margins, collapse = " + ")))
rhs <- paste(terms$safe, collapse = " + ")
d$one <- 1
t_rake <- system.time({
  d1 <- svydesign(ids = ~1, weights = ~one, data = d)
  c1 <- calibrate(d1, f, population = pop, calfun = "raking", epsilon = 1e-10, maxit = 1000)
})[["elapsed"]]
set.seed(1)
t_boot <- system.time({
  r <- as.svrepdesign(d1, type = "bootstrap", replicates = B)
  rc <- calibrate(r, f, population = pop, calfun = "raking", epsilon = 1e-10, maxit = 1000)
  m <- svymean(~surveillance + punishment, rc)
  g1 <- svyglm(as.formula(paste("surveillance ~", rhs)), design = rc)
  g2 <- svyglm(as.formula(paste("punishment ~", rhs)), design = rc)
})[["elapsed"]]
cat(toJSON(list(rake = t_rake, boot = t_boot, mean_se = unname(SE(m)), ccp_se = c(SE(g1)[["x00_ccp"]], SE(g2)[["x00_ccp"]]),
                version = as.character(packageVersion("survey"))), auto_unbox = TRUE, digits = NA))
