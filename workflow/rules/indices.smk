# Stage 3: indices and their reliability; design-based item estimates; Figures 1 and 2.


rule indices:
    """Scale indices (mean of the answered items) and their reliability (Cronbach's alpha)."""
    input:
        data=rules.clean.output.data,
        **weights_input(),
        code=pkg("indices"),
    output:
        analysis=out("indices", "analysis.parquet"),
        reliability=out("indices", "reliability.csv"),
        reliability_md=exhibit(out("indices", "reliability.md"), "reliability", "3. Indices and items"),
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
    script:
        "../../scripts/indices.py"


rule item_estimates:
    """Weighted means, % support / oppose / don't know of every battery item and index, and every
    paired contrast of two items of a battery (for the orderings the reproduction report tests)."""
    input:
        analysis=rules.indices.output.analysis,
        **weights_input(),
        code=pkg("means", "design", "weights", "item_tables"),
    output:
        estimates=out("items", "item_estimates.csv"),
        md=exhibit(out("items", "item_estimates.md"), "item_estimates", "3. Indices and items"),
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
    script:
        "../../scripts/item_estimates.py"


rule figures_items:
    """Figures 1 and 2 (one per battery): items sorted by weighted mean, with CIs and the index mean."""
    input:
        estimates=rules.item_estimates.output.estimates,
        code=pkg("figures"),
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
    script:
        "../../scripts/figures_items.py"
