# Stage 2: rake to census margins, re-raked bootstrap replicates, diagnostics.


rule weights:
    input:
        data=rules.clean.output.data,
        targets=TARGETS,
        code=pkg("weights", "figures"),
    output:
        weights="results/weights/weights.parquet",
        margins="results/weights/margins.csv",
        md="results/weights/diagnostics.md",
        summary="results/weights/summary.json",
        png="results/weights/weight_distribution.png",
        pdf="results/weights/weight_distribution.pdf",
        numbers="results/weights/numbers.json",
    params:
        config=config_digest(),
    log:
        "logs/weights.log",
    script:
        "../../scripts/weights.py"
