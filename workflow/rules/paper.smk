# The manuscript (not in the default target: it needs TeX). `make paper`, or `make CONFIG=<file> paper`.
# paper/ms.tex is the template of any study; the study's text is the file paper.prose of the configuration.


rule paper:
    """The manuscript: the template paper/ms.tex with the study's text (paper.prose), the title page and PDF
    metadata from the configuration and the citation file, every number a macro of numbers.tex, every table
    and figure a workflow output, numbered as the configuration's numbering says."""
    input:
        ms="paper/ms.tex",
        prose=[config["paper"]["prose"]] if config["paper"]["prose"] else [],
        allowed=[config["paper"]["allowed_numbers"]] if config["paper"]["allowed_numbers"] else [],
        citation=config["paper"]["citation"],
        numbers=rules.registry.output.tex,
        descriptives=rules.descriptives.output.tex,
        regressions=rules.regressions.output.table_tex,
        item_figures=battery_figure_pdfs(),
        capital=rules.figures.output.figure3_pdf,
        curves=[rules.multiverse_figure.output[f"pdf_{y}"] for y in MV_OUTCOMES] if MULTIVERSE else [],
        code=code_of("paper"),
    output:
        pdf=out("paper", "ms.pdf"),
        setup=out("paper", "setup.tex"),
    log:
        logs("paper.log"),
    benchmark:
        logs("benchmarks/paper.tsv")
    conda:
        ENV
    resources:
        mem_mb=800,
        runtime=15,
    params:
        cfg=cfg(
            "paper",
            "numbering",
            "batteries",
            "scales",
            "figures.titles",
            "models.predict",
            "models.term_labels",
            "multiverse.outcomes",
        ),
    message:
        "The manuscript (latexmk)"
    script:
        "../../scripts/paper.py"
