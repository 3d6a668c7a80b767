# The figures of the tables: Figures 1 and 2 and the Likert charts (one each per battery), Figure 3, the
# distribution of the weights and (with groups in the domains section) the indices by group. One job draws them
# all: each takes well under a second, while starting a job that imports matplotlib takes about one (the
# specification curves: multiverse.smk).


rule figures:
    """Figures 1 and 2 (items by weighted mean, with CIs and the index mean), the Likert charts (the weighted
    share of every answer), Figure 3 (full-model coefficients and predictive margins), the histogram of
    the weights and, when groups are configured, the index means by group."""
    input:
        **({"domains": rules.domains.output.estimates} if DOMAIN_FIGURE else {}),
        estimates=rules.item_estimates.output.estimates,
        distribution=rules.item_estimates.output.distribution,
        coefficients=rules.regressions.output.coefficients,
        predicted=rules.regressions.output.predicted,
        weights=rules.weights.output.weights,
        summary=rules.weights.output.summary,
        code=code_of("figures"),
    output:
        **battery_figure_outputs(),
        **likert_figure_outputs(),
        **domain_figure_outputs(),
        figure3_png=exhibit(models_figure("png"), "figure3", "4. Models", title=FIGURE_TITLES["models"]),
        figure3_pdf=models_figure("pdf"),
        weights_png=exhibit(
            out("weights", "weight_distribution.png"), "weight_distribution", "2. Weights", title=FIGURE_TITLES["weights"]
        ),
        weights_pdf=out("weights", "weight_distribution.pdf"),
    log:
        logs("figures.log"),
    benchmark:
        logs("benchmarks/figures.tsv")
    priority: 2  # see PRIORITY in common.smk
    conda:
        ENV
    resources:
        mem_mb=mem_for(600, 0.5),
        runtime=15,
    params:
        cfg=cfg(
            "batteries", "scales", "response_scale", "estimates.ci_level", "models", "figures", "weighting.method", "design"
        ),
    message:
        "Figures 1-3, the Likert charts and the distribution of the weights"
    script:
        "../../scripts/figures.py"
