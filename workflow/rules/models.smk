# Stage 4: regressions on political capital, robustness, ordered logits, Figure 3.


rule models:
    input:
        analysis=rules.indices.output.analysis,
        weights=rules.weights.output.weights,
        targets=TARGETS,
        code=pkg("models", "weights", "figures"),
    output:
        coefficients="results/models/coefficients.csv",
        table_md=report("results/models/regression_table.md", caption="../report/regression.rst", category="4. Models"),
        table_tex=report("results/models/regression_table.tex", caption="../report/regression_tex.rst", category="4. Models"),
        robustness="results/models/robustness.csv",
        robustness_md=report("results/models/robustness.md", caption="../report/robustness.rst", category="4. Models"),
        ordered="results/models/ordered_logits.csv",
        ordered_md=report("results/models/ordered_logits.md", caption="../report/ordered.rst", category="4. Models"),
        predicted="results/models/predicted_by_ccp.csv",
        predicted_md=report("results/models/predicted_by_ccp.md", caption="../report/predicted.rst", category="4. Models"),
        numbers="results/models/numbers.json",
        fig3_png=report("results/figures/figure3_political_capital.png", caption="../report/figure3.rst", category="4. Models"),
        fig3_pdf="results/figures/figure3_political_capital.pdf",
    params:
        config=config_digest(),
    log:
        "logs/models.log",
    script:
        "../../scripts/models.py"
