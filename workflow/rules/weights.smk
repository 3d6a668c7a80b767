# Stage 2: calibrate to the census margins once; store weights, replicates and the design.


rule weights:
    """Weights (bounded raking by default) and re-weighted bootstrap replicates; the stored design."""
    input:
        data=rules.clean.output.data,
        targets=TARGETS,
        codebook=CODEBOOK,
        code=code_of("weights"),
    output:
        weights=out("weights", "weights.parquet"),
        design=out("weights", "design.json"),
        jackknife=out("weights", "jackknife.parquet"),
        margins=out("weights", "margins.csv"),
        md=out("weights", "diagnostics.md"),
        html=exhibit(out("weights", "diagnostics.html"), "weights", "2. Weights"),
        summary=out("weights", "summary.json"),
        numbers=out("numbers", "weights.json"),
    log:
        logs("weights.log"),
    benchmark:
        logs("benchmarks/weights.tsv")
    conda:
        ENV
    resources:
        mem_mb=mem_for(700, 6.0),
        runtime=runtime_for(10, 10),
    params:
        cfg=cfg("weighting", "design", "disclosure"),
        shown=label_maps(SETTINGS),  # the labels of the margins' variables and categories in diagnostics.md
    message:
        "Weighting to the census margins in {input.targets}"
    script:
        "../../scripts/weights.py"
