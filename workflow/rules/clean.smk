# Stage 1: check the raw export against the codebook (every problem at once), then clean it.


rule check_data:
    """Read the raw export once, check every cell against the codebook (all problems at once), and write
    the checked, typed export that the cleaning stage reads (identifying columns as integer codes, free
    text dropped; kept in .work/, never among the released outputs)."""
    input:
        raw=RAW,
        codebook=CODEBOOK,
        code=code_of("check_data"),
    output:
        md=out("clean", "data_problems.md"),
        html=exhibit(out("clean", "data_problems.html"), "data_problems", "1. Cleaning"),
        csv=out("clean", "data_problems.csv"),
        export=os.path.join(PRIVATE, "export.parquet"),  # typed; identifiers as codes for the duplicate rule
    log:
        logs("check_data.log"),
    benchmark:
        logs("benchmarks/check_data.tsv")
    conda:
        ENV
    resources:
        mem_mb=mem_for(600, 6.0),
        runtime=runtime_for(10, 10),
    params:
        cfg=cfg("data.format"),
        raw_sha256=content_sha256(RAW),
        checksums=os.path.join(os.path.dirname(RAW), "SHA256SUMS"),
    message:
        "Checking the raw export {input.raw} against the codebook"
    script:
        "../../scripts/check_data.py"


rule clean:
    """Apply the exclusion rules to the checked export: cleaned data and exclusion flow."""
    input:
        export=rules.check_data.output.export,
        raw=RAW,  # read through the checked export; its checksum stays in this rule's provenance
        codebook=CODEBOOK,
        problems=rules.check_data.output.csv,
        problems_md=rules.check_data.output.md,
        code=code_of("clean"),
    output:
        data=out("clean", "clean.parquet"),
        flow_csv=out("clean", "exclusion_flow.csv"),
        flow_md=out("clean", "exclusion_flow.md"),
        flow_html=exhibit(out("clean", "exclusion_flow.html"), "exclusion_flow", "1. Cleaning"),
        excluded=out("clean", "exclusion_log.csv"),
        profile=out("clean", "exclusion_profile.csv"),
        numbers=out("numbers", "clean.json"),
    log:
        logs("clean.log"),
    benchmark:
        logs("benchmarks/clean.tsv")
    conda:
        ENV
    resources:
        mem_mb=mem_for(700, 4.0),
        runtime=runtime_for(10, 10),
    params:
        cfg=cfg("data.raw", "cleaning", "scales", "weighting.variables", "disclosure"),
    message:
        f"Cleaning: exclusion rules on the checked export of {RAW}"
    script:
        "../../scripts/clean.py"
