# The hand-off to Stata, SPSS and R (not in the default target: large files, rebuilt on demand). `make export`.


rule export:
    """The analysis file (every analysis variable, the final weight, the JK1 and bootstrap replicate weights) as
    Stata .dta, SPSS .sav and CSV with labels, and R and Stata scripts that declare its design."""
    input:
        **weights_input(),
        analysis=rules.indices.output.analysis,
        codebook=CODEBOOK,
        code=code_of("export"),
    output:
        dta=out("export", "analysis.dta"),
        sav=out("export", "analysis.sav"),
        csv=out("export", "analysis.csv"),
        r=out("export", "design.R"),
        do=out("export", "design.do"),
        readme=out("export", "README.txt"),
    log:
        logs("export.log"),
    benchmark:
        logs("benchmarks/export.tsv")
    conda:
        ENV
    resources:
        mem_mb=mem_for(800, 40.0),
        runtime=runtime_for(10, 30),
    params:
        cfg=cfg("models", "scales", "estimates"),
        raw=RAW,
        data_id=raw_data_id(),
    message:
        "The analysis file for Stata, SPSS and R, with the scripts that declare its design"
    script:
        "../../scripts/export.py"
