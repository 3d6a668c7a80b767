# Stage 3 (when config.yaml has a domains section): every battery item and index by the levels of group
# variables, and weighted crosstabs with the Rao-Scott test (their figure: figures.smk).


rule domains:
    """Domain estimates (mean, % support, % oppose with design-based SEs and CIs) of every battery item and
    index in each level of each group of domains.by; the crosstabs of domains.crosstabs with the Rao-Scott
    second-order corrected F test."""
    input:
        **weights_input(),
        analysis=rules.indices.output.analysis,
        codebook=CODEBOOK,
        code=code_of("domains"),
    output:
        estimates=out("domains", "domain_estimates.csv"),
        md=out("domains", "domain_estimates.md"),
        html=exhibit(out("domains", "domain_estimates.html"), "domain_estimates", "3. Indices and items"),
        cells=out("domains", "crosstab_cells.csv"),
        tests=out("domains", "crosstab_tests.csv"),
        crosstabs_md=out("domains", "crosstabs.md"),
        crosstabs_html=exhibit(out("domains", "crosstabs.html"), "crosstabs", "3. Indices and items"),
        numbers=out("numbers", "domains.json"),
    log:
        logs("domains.log"),
    benchmark:
        logs("benchmarks/domains.tsv")
    priority: 2  # see PRIORITY in common.smk (the figures wait for it)
    conda:
        ENV
    resources:
        mem_mb=mem_for(800, 8.0),
        runtime=runtime_for(10, 20),
    params:
        cfg=cfg("domains", "scales", "batteries", "response_scale", "estimates", "disclosure", "weighting.method", "design"),
    message:
        "Estimates by group and crosstabs"
    script:
        "../../scripts/domains.py"
