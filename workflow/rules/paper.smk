# The manuscript (not in the default target: it needs TeX). `make paper`.


rule paper:
    """The manuscript: every number a macro of numbers.tex, every figure and table a workflow output."""
    input:
        ms="paper/ms.tex",
        allowed="paper/allowed_numbers.txt",
        numbers=rules.registry.output.tex,
        tables=[rules.regressions.output.table_tex, rules.descriptives.output.tex],
        figures=[
            *battery_figure_pdfs(),
            rules.figures.output.figure3_pdf,
            *([rules.multiverse_figure.output[f"pdf_{y}"] for y in MV_OUTCOMES] if MULTIVERSE else []),
        ],
        code=code_of("paper"),
    output:
        pdf=out("paper", "ms.pdf"),
    log:
        "logs/paper.log",
    benchmark:
        "logs/benchmarks/paper.tsv"
    conda:
        ENV
    resources:
        mem_mb=800,
        runtime=15,
    params:
        epoch=1588291200,  # 2020-05-01: a fixed date, so that two builds give the same bytes
    message:
        "The manuscript (latexmk)"
    script:
        "../../scripts/paper.py"
