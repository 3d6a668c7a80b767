# Stage 3: indices and their reliability; design-based item estimates; Figures 1 and 2.


rule indices:
    """Scale indices (mean of the answered items) and their reliability (Cronbach's alpha)."""
    input:
        **weights_input(),
        data=rules.clean.output.data,
        code=code_of("indices"),
    output:
        analysis=out("indices", "analysis.parquet"),
        reliability=out("indices", "reliability.csv"),
        reliability_md=out("indices", "reliability.md"),
        reliability_html=exhibit(out("indices", "reliability.html"), "reliability", "3. Indices and items"),
        numbers=out("numbers", "indices.json"),
    log:
        logs("indices.log"),
    benchmark:
        logs("benchmarks/indices.tsv")
    priority: 2  # see PRIORITY in common.smk
    conda:
        ENV
    resources:
        mem_mb=mem_for(600, 3.0),
        runtime=runtime_for(10, 10),
    params:
        cfg=cfg("scales", "batteries", "response_scale.labels", "reliability", "models", "disclosure"),
    message:
        "Indices and reliability"
    script:
        "../../scripts/indices.py"


rule item_estimates:
    """Weighted means, % support / oppose / don't know of every battery item and index, and every
    paired contrast of two items of a battery (for the orderings the reproduction report tests)."""
    input:
        **weights_input(),
        analysis=rules.indices.output.analysis,
        code=code_of("item_estimates"),
    output:
        estimates=out("items", "item_estimates.csv"),
        md=out("items", "item_estimates.md"),
        html=exhibit(out("items", "item_estimates.html"), "item_estimates", "3. Indices and items"),
        distribution=out("items", "item_distribution.csv"),
        contrasts=out("items", "contrasts.csv"),
        numbers=out("numbers", "item_estimates.json"),
    log:
        logs("item_estimates.log"),
    benchmark:
        logs("benchmarks/item_estimates.tsv")
    priority: 2  # see PRIORITY in common.smk
    conda:
        ENV
    resources:
        mem_mb=mem_for(800, 8.0),
        runtime=runtime_for(10, 10),
    params:
        cfg=cfg("scales", "batteries", "response_scale", "estimates", "disclosure", "weighting.method", "design"),
    message:
        "Design-based estimates of every item and index"
    script:
        "../../scripts/item_estimates.py"


rule descriptives:
    """Descriptive statistics of every analysis variable (weighted and unweighted)."""
    input:
        analysis=rules.indices.output.analysis,
        weights=out("weights", "weights.parquet"),
        design=out("weights", "design.json"),
        code=code_of("descriptives"),
    output:
        csv=out("indices", "descriptives.csv"),
        md=out("indices", "descriptives.md"),
        html=exhibit(out("indices", "descriptives.html"), "descriptives", "3. Indices and items"),
        tex=out("indices", "descriptives.tex"),
        tex_html=exhibit(out("indices", "descriptives_tex.html"), "descriptives_tex", "3. Indices and items"),
        numbers=out("numbers", "descriptives.json"),
    log:
        logs("descriptives.log"),
    benchmark:
        logs("benchmarks/descriptives.tsv")
    priority: 2  # see PRIORITY in common.smk
    conda:
        ENV
    resources:
        mem_mb=mem_for(500, 2.0),
        runtime=runtime_for(10, 10),
    params:
        cfg=cfg("models", "scales"),
    message:
        "Descriptive statistics of the analysis variables"
    script:
        "../../scripts/descriptives.py"
