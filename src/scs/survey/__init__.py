"""The estimators of survey statistics: calibration of weights, the survey design and its variances
(linearization, jackknife, bootstrap), means and contrasts, weighted least squares, the weighted ordered
logit and model formulas. They know nothing of the study or the workflow.
May import: the foundation modules only (scs.errors, scs.precision)."""
