import os

# Stage 1: ingest the raw export through the codebook and apply the exclusion rules.


rule clean:
    input:
        raw=RAW,
        codebook=CODEBOOK,
        code=pkg("ingest", "clean"),
    output:
        data="results/clean/clean.parquet",
        flow_csv="results/clean/exclusion_flow.csv",
        flow_md=report("results/clean/exclusion_flow.md", caption="../report/exclusion_flow.rst", category="1. Cleaning"),
        excluded="results/clean/exclusion_log.csv",
        numbers="results/clean/numbers.json",
    params:
        config=config_digest(),
        raw_sha256=content_sha256(RAW),
        checksums=os.path.join(os.path.dirname(RAW), "SHA256SUMS"),
    log:
        "logs/clean.log",
    script:
        "../../scripts/clean.py"
