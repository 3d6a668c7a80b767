# Stage 4: regressions on political capital, robustness, ordered logits, Figure 3.


rule regressions:
    """Survey-weighted least squares of each outcome index (M1-M3) with design-based SEs; predictive margins."""
    input:
        **weights_input(),
        analysis=rules.indices.output.analysis,
        reliability=rules.indices.output.reliability,
        code=code_of("regressions"),
    output:
        coefficients=out("models", "coefficients.csv"),
        table_md=out("models", "regression_table.md"),
        table_html=exhibit(out("models", "regression_table.html"), "regression", "4. Models"),
        table_tex=out("models", "regression_table.tex"),
        table_tex_html=exhibit(out("models", "regression_table_tex.html"), "regression_tex", "4. Models"),
        samples=out("models", "model_samples.csv"),
        predicted=out("models", "predicted.csv"),
        predicted_md=out("models", "predicted.md"),
        predicted_html=exhibit(out("models", "predicted.html"), "predicted", "4. Models"),
        numbers=out("numbers", "regressions.json"),
    log:
        logs("regressions.log"),
    benchmark:
        logs("benchmarks/regressions.tsv")
    priority: 2  # see PRIORITY in common.smk
    conda:
        ENV
    resources:
        mem_mb=mem_for(800, 6.0),
        runtime=runtime_for(10, 10),
    params:
        cfg=cfg("models", "scales", "estimates", "reliability", "figures.titles", "weighting.method", "design"),
    message:
        "Regressions of the indices on political capital and controls"
    script:
        "../../scripts/regressions.py"


rule robustness:
    """The full model unweighted, with unbounded raking weights, and with the alternative political-capital coding."""
    input:
        **weights_input(),
        analysis=rules.indices.output.analysis,
        # run after the configured models were fitted: a model that cannot be estimated is reported once, there
        fitted=rules.regressions.output.coefficients,
        code=code_of("robustness"),
    output:
        csv=out("models", "robustness.csv"),
        md=out("models", "robustness.md"),
        html=exhibit(out("models", "robustness.html"), "robustness", "4. Models"),
        numbers=out("numbers", "robustness.json"),
    log:
        logs("robustness.log"),
    benchmark:
        logs("benchmarks/robustness.tsv")
    priority: 2  # see PRIORITY in common.smk
    conda:
        ENV
    resources:
        mem_mb=mem_for(700, 4.0),
        runtime=runtime_for(10, 10),
    params:
        cfg=cfg("models", "scales", "estimates", "weighting.method", "weighting.bounds", "design"),
    message:
        "Robustness of the political-capital coefficients"
    script:
        "../../scripts/robustness.py"


rule ordered_logits:
    """Weighted ordered logit of every battery item on the full model's covariates (design-based SEs)."""
    input:
        **weights_input(),
        analysis=rules.indices.output.analysis,
        code=code_of("ordered_logits"),
    output:
        csv=out("models", "ordered_logits.csv"),
        md=out("models", "ordered_logits.md"),
        html=exhibit(out("models", "ordered_logits.html"), "ordered", "4. Models"),
        numbers=out("numbers", "ordered_logits.json"),
    log:
        logs("ordered_logits.log"),
    benchmark:
        logs("benchmarks/ordered_logits.tsv")
    # on large exports the longest job of the model stage (benchmarks/bench_scale.py): then started first, so
    # that the other model jobs share the remaining cores with it instead of delaying it
    priority: lambda wildcards, input: 10 if raw_rows() > 100_000 else 2  # (and PRIORITY in common.smk)
    conda:
        ENV
    resources:
        mem_mb=mem_for(800, 6.0),
        runtime=runtime_for(10, 10),
    params:
        cfg=cfg("models", "scales", "batteries", "estimates"),
    message:
        "Weighted ordered logits of every item"
    script:
        "../../scripts/ordered_logits.py"
