# Stage 3: indices and their reliability; design-based item estimates; Figures 1 and 2.


rule indices:
    """Scale indices (mean of the answered items) and their reliability (Cronbach's alpha)."""
    input:
        data=rules.clean.output.data,
        **weights_input(),
        code=code_of("indices"),
    output:
        analysis=out("indices", "analysis.parquet"),
        reliability=out("indices", "reliability.csv"),
        reliability_md=out("indices", "reliability.md"),
        reliability_html=exhibit(out("indices", "reliability.html"), "reliability", "3. Indices and items"),
        numbers=out("numbers", "indices.json"),
    params:
        cfg=cfg("scales", "batteries", "disclosure"),
    message:
        "Indices and reliability"
    benchmark:
        "logs/benchmarks/indices.tsv"
    log:
        "logs/indices.log",
    conda:
        ENV
    resources:
        mem_mb=mem_for(600, 3.0),
        runtime=runtime_for(10, 10),
    script:
        "../../scripts/indices.py"


rule item_estimates:
    """Weighted means, % support / oppose / don't know of every battery item and index, and every
    paired contrast of two items of a battery (for the orderings the reproduction report tests)."""
    input:
        analysis=rules.indices.output.analysis,
        **weights_input(),
        code=code_of("item_estimates"),
    output:
        estimates=out("items", "item_estimates.csv"),
        md=out("items", "item_estimates.md"),
        html=exhibit(out("items", "item_estimates.html"), "item_estimates", "3. Indices and items"),
        distribution=out("items", "item_distribution.csv"),
        contrasts=out("items", "contrasts.csv"),
        numbers=out("numbers", "item_estimates.json"),
    params:
        cfg=cfg("scales", "batteries", "response_scale", "estimates", "disclosure"),
    message:
        "Design-based estimates of every item and index"
    benchmark:
        "logs/benchmarks/item_estimates.tsv"
    log:
        "logs/item_estimates.log",
    conda:
        ENV
    resources:
        mem_mb=mem_for(800, 8.0),
        runtime=runtime_for(10, 10),
    script:
        "../../scripts/item_estimates.py"


rule figures_items:
    """Figures 1 and 2 (one per battery): items sorted by weighted mean, with CIs and the index mean."""
    input:
        estimates=rules.item_estimates.output.estimates,
        code=code_of("figures_items"),
    output:
        **battery_figure_outputs(),
    params:
        cfg=cfg("batteries", "response_scale.labels", "estimates.ci_level", "figures"),
    message:
        "Figures of the item estimates, one per battery"
    benchmark:
        "logs/benchmarks/figures_items.tsv"
    log:
        "logs/figures_items.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=15,
    script:
        "../../scripts/figures_items.py"


rule figures_likert:
    """Likert charts: the weighted share of every answer of every item, one chart per battery."""
    input:
        distribution=rules.item_estimates.output.distribution,
        estimates=rules.item_estimates.output.estimates,
        code=code_of("figures_likert"),
    output:
        **likert_figure_outputs(),
    params:
        cfg=cfg("batteries", "scales", "response_scale.labels", "figures.dpi"),
    message:
        "Likert charts of the answers, one per battery"
    benchmark:
        "logs/benchmarks/figures_likert.tsv"
    log:
        "logs/figures_likert.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=15,
    script:
        "../../scripts/figures_likert.py"


rule descriptives:
    """Descriptive statistics of every analysis variable (weighted and unweighted)."""
    input:
        analysis=rules.indices.output.analysis,
        weights=out("weights", "weights.parquet"),
        code=code_of("descriptives"),
    output:
        csv=out("indices", "descriptives.csv"),
        md=out("indices", "descriptives.md"),
        html=exhibit(out("indices", "descriptives.html"), "descriptives", "3. Indices and items"),
        tex=out("indices", "descriptives.tex"),
        tex_html=exhibit(out("indices", "descriptives_tex.html"), "descriptives_tex", "3. Indices and items"),
        numbers=out("numbers", "descriptives.json"),
    params:
        cfg=cfg("models", "scales"),
    message:
        "Descriptive statistics of the analysis variables"
    benchmark:
        "logs/benchmarks/descriptives.tsv"
    log:
        "logs/descriptives.log",
    conda:
        ENV
    resources:
        mem_mb=mem_for(500, 2.0),
        runtime=runtime_for(10, 10),
    script:
        "../../scripts/descriptives.py"
