# Stage 3 (when config.yaml has a domains section): every battery item and index by the levels of group
# variables, weighted crosstabs with the Rao-Scott test, and the figure of the indices by group.


rule domains:
    """Domain estimates (mean, % support, % oppose with design-based SEs and CIs) of every battery item and
    index in each level of each group of domains.by; the crosstabs of domains.crosstabs with the Rao-Scott
    second-order corrected F test; the figure of the index means by group."""
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
        png=exhibit(out("figures", "domains.png"), "domain_figure", "3. Indices and items"),
        pdf=out("figures", "domains.pdf"),
        numbers=out("numbers", "domains.json"),
    log:
        "logs/domains.log",
    benchmark:
        "logs/benchmarks/domains.tsv"
    conda:
        ENV
    resources:
        mem_mb=mem_for(800, 8.0),
        runtime=runtime_for(10, 20),
    params:
        cfg=cfg("domains", "scales", "batteries", "response_scale", "estimates", "disclosure", "figures.dpi"),
    message:
        "Estimates by group and crosstabs"
    script:
        "../../scripts/domains.py"
