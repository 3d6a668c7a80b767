# The SYNTHETIC stand-in's generator. Not part of the default target: its outputs land in
# build/synthetic/ and are compared with (or copied over) the shipped files in data/ by
# `make synthetic` (see README).


rule synthetic:
    """Generate the synthetic stand-in export (CSV, .sav, truth) from its seeded population model."""
    input:
        spec=config.get("synthetic", {}).get("spec", "data/synthetic/generator.yaml"),
        codebook=CODEBOOK,
        targets=TARGETS,
        code=code_of("synthetic"),
    output:
        csv=f"build/synthetic/{RAW_STEM}.csv",
        sav=f"build/synthetic/{RAW_STEM}.sav",
        truth="build/synthetic/truth.json",
        sums="build/synthetic/SHA256SUMS",
    log:
        logs("synthetic.log"),
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        cfg=cfg("synthetic", "cleaning", "weighting", "scales", "batteries", "response_scale.labels", "models"),
    message:
        "Generating the synthetic stand-in"
    script:
        "../../scripts/synthetic.py"
