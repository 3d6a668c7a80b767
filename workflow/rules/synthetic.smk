# The SYNTHETIC stand-in's generator. Not part of the default target: its
# outputs land in build/synthetic/ and are compared with (or copied over)
# the shipped files in data/ by `make synthetic` (see README).


rule synthetic:
    input:
        spec=config["synthetic"]["spec"],
        codebook=CODEBOOK,
        targets=TARGETS,
        code=pkg("synth", "ingest", "clean", "weights"),
    output:
        csv="build/synthetic/scs_survey_2020_synthetic.csv",
        sav="build/synthetic/scs_survey_2020_synthetic.sav",
        truth="build/synthetic/truth.json",
        sums="build/synthetic/SHA256SUMS",
    params:
        config=config_digest(),
    log:
        "logs/synthetic.log",
    script:
        "../../scripts/generate_synthetic.py"
