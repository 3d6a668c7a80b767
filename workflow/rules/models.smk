# Stage 4: regressions on political capital, robustness, ordered logits, Figure 3.


rule models:
    input:
        analysis=rules.indices.output.analysis,
        weights=rules.weights.output.weights,
        targets=TARGETS,
        code=pkg("models", "weights", "figures"),
    output:
        coefficients="results/models/coefficients.csv",
        table_md="results/models/regression_table.md",
        table_tex="results/models/regression_table.tex",
        robustness="results/models/robustness.csv",
        robustness_md="results/models/robustness.md",
        ordered="results/models/ordered_logits.csv",
        ordered_md="results/models/ordered_logits.md",
        predicted="results/models/predicted_by_ccp.csv",
        predicted_md="results/models/predicted_by_ccp.md",
        numbers="results/models/numbers.json",
        fig3_png="results/figures/figure3_political_capital.png",
        fig3_pdf="results/figures/figure3_political_capital.pdf",
    params:
        config=config_digest(),
    log:
        "logs/models.log",
    script:
        "../../scripts/models.py"
