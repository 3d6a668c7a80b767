# Stage 1: check the raw export against the codebook (every problem at once), then clean it.


rule check_data:
    """Check every cell of the raw export against the codebook; report all problems at once."""
    input:
        raw=RAW,
        codebook=CODEBOOK,
        code=pkg("ingest", "codebook", "datacheck"),
    output:
        md=out("clean", "data_problems.md"),
        html=exhibit(out("clean", "data_problems.html"), "data_problems", "1. Cleaning"),
        csv=out("clean", "data_problems.csv"),
    params:
        cfg=cfg("data.format"),
        raw_sha256=content_sha256(RAW),
    message:
        "Checking the raw export {input.raw} against the codebook"
    benchmark:
        "logs/benchmarks/check_data.tsv"
    log:
        "logs/check_data.log",
    conda:
        ENV
    resources:
        mem_mb=mem_for(600, 2.0),
    script:
        "../../scripts/check_data.py"


rule clean:
    """Read the export through the codebook, apply the exclusion rules: cleaned data and exclusion flow."""
    input:
        raw=RAW,
        codebook=CODEBOOK,
        problems=rules.check_data.output.csv,
        code=pkg("ingest", "codebook", "clean"),
    output:
        data=out("clean", "clean.parquet"),
        flow_csv=out("clean", "exclusion_flow.csv"),
        flow_md=out("clean", "exclusion_flow.md"),
        flow_html=exhibit(out("clean", "exclusion_flow.html"), "exclusion_flow", "1. Cleaning"),
        excluded=out("clean", "exclusion_log.csv"),
        profile=out("clean", "exclusion_profile.csv"),
        numbers=out("numbers", "clean.json"),
    params:
        cfg=cfg("data.format", "cleaning", "scales", "weighting.variables", "disclosure"),
        raw_sha256=content_sha256(RAW),
        checksums=os.path.join(os.path.dirname(RAW), "SHA256SUMS"),
    message:
        "Cleaning: exclusion rules on {input.raw}"
    benchmark:
        "logs/benchmarks/clean.tsv"
    log:
        "logs/clean.log",
    conda:
        ENV
    resources:
        mem_mb=mem_for(700, 2.5),
    script:
        "../../scripts/clean.py"
