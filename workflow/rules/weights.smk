# Stage 2: rake to census margins, re-raked bootstrap replicates, diagnostics.


rule weights:
    input:
        data=rules.clean.output.data,
        targets=TARGETS,
        code=pkg("weights", "figures"),
    output:
        weights="results/weights/weights.parquet",
        margins="results/weights/margins.csv",
        md=report("results/weights/diagnostics.md", caption="../report/weights.rst", category="2. Weights"),
        summary="results/weights/summary.json",
        png=report("results/weights/weight_distribution.png", caption="../report/weight_distribution.rst", category="2. Weights"),
        pdf="results/weights/weight_distribution.pdf",
        numbers="results/weights/numbers.json",
    params:
        config=config_digest(),
    log:
        "logs/weights.log",
    script:
        "../../scripts/weights.py"
