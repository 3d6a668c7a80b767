# R's survey package on its api data as stratified and clustered with-replacement designs (ultimate clusters,
# no fpc), for tests/test_design_r.py: linearization and the cluster jackknife (JK1 of the PSUs without strata,
# JKn with them), each without and with raking to target shares (population totals = the sum of the design
# weights times the shares, as the pipeline calibrates), every replicate calibrated again.
#
#   Rscript tests/reference/design_api.R OUTDIR
#
# Writes OUTDIR/strat.csv, clus1.csv, clus2.csv (the data the test gives the pipeline) and OUTDIR/r.json.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
out <- commandArgs(trailingOnly = TRUE)[1]
data(api)

cols <- c("stype", "dnum", "sch.wide", "awards", "pw", "api00", "api99", "ell", "meals", "avg.ed", "enroll")
st <- apistrat[, cols]
# a stratum with a single PSU: the high schools of the first such district, on their own
first_h <- st$dnum[st$stype == "H"][1]
st$st2 <- ifelse(st$stype == "H" & st$dnum == first_h, "X", as.character(st$stype))
frames <- list(strat = st, clus1 = apiclus1[, cols], clus2 = apiclus2[, cols])
for (nm in names(frames)) {
  f <- frames[[nm]]
  f$id <- seq_len(nrow(f))
  write.csv(f, file.path(out, paste0(nm, ".csv")), row.names = FALSE)
}

shares <- list(sch.wide = c(No = 0.2, Yes = 0.8), awards = c(No = 0.4, Yes = 0.6),
               stype = c(E = 0.71, H = 0.12, M = 0.17))
cases <- list(
  strat = list(data = "strat", strata = "stype", psu = NULL, margins = c("sch.wide", "awards"), lonely = "fail"),
  clus1 = list(data = "clus1", strata = NULL, psu = "dnum", margins = c("stype", "sch.wide"), lonely = "fail"),
  clus2 = list(data = "clus2", strata = NULL, psu = "dnum", margins = c("stype", "sch.wide"), lonely = "fail"),
  stratclus = list(data = "strat", strata = "stype", psu = "dnum", margins = c("sch.wide", "awards"), lonely = "fail"),
  certainty = list(data = "strat", strata = "st2", psu = "dnum", margins = c("sch.wide", "awards"),
                   lonely = "certainty"),
  adjust = list(data = "strat", strata = "st2", psu = "dnum", margins = c("sch.wide", "awards"), lonely = "adjust")
)
means_of <- c("api00", "api99", "avg.ed", "enroll")

estimates <- function(des) {
  m <- list()
  for (v in means_of) {
    e <- svymean(reformulate(v), des, na.rm = TRUE)
    m[[v]] <- list(mean = as.numeric(coef(e)), se = as.numeric(SE(e)))
  }
  g <- svyglm(api00 ~ ell + meals + stype, design = des)
  list(means = m, glm = list(coef = as.numeric(coef(g)), se = as.numeric(SE(g)), df = g$df.residual))
}

res <- list(versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                            survey = as.character(packageVersion("survey"))))
for (nm in names(cases)) {
  cs <- cases[[nm]]
  options(survey.lonely.psu = cs$lonely)
  d <- read.csv(file.path(out, paste0(cs$data, ".csv")))
  ids <- if (is.null(cs$psu)) ~1 else reformulate(cs$psu)
  des <- if (is.null(cs$strata)) svydesign(ids = ids, weights = ~pw, data = d) else
    svydesign(ids = ids, strata = reformulate(cs$strata), weights = ~pw, data = d, nest = TRUE)
  f <- reformulate(cs$margins)
  N <- sum(d$pw)
  pop <- N
  for (v in cs$margins) pop <- c(pop, N * shares[[v]][-1])
  names(pop) <- colnames(model.matrix(f, d))
  rep <- as.svrepdesign(des, type = if (is.null(cs$strata)) "JK1" else "JKn")
  designs <- list(
    linearization = des,
    linearization_calibrated = calibrate(des, f, pop, calfun = "raking", epsilon = 1e-13, maxit = 200),
    jackknife = rep,
    jackknife_calibrated = calibrate(rep, f, pop, calfun = "raking", epsilon = 1e-13, maxit = 200)
  )
  res[[nm]] <- c(lapply(designs, estimates), list(degf = degf(des), replicates = ncol(rep$repweights$weights)))
}
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out, "r.json"))
