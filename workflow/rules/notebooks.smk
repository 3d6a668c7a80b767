# Stage 6: execute the notebooks on the pipeline's outputs (they read; they do not recompute).
# Each notebook gets only the config slice it reads, injected as its parameters cell.

NOTEBOOKS = {
    "01_data_cleaning": {
        "inputs": [*rules.clean.output, rules.weights.output.margins],
        "cfg": cfg("cleaning", "weighting.variables", "disclosure"),
    },
    "02_weights": {
        "inputs": [*rules.weights.output, rules.clean.output.data, rules.item_estimates.output.estimates],
        "cfg": cfg("disclosure"),
    },
    "03_indices_items": {
        "inputs": [*rules.indices.output, *rules.item_estimates.output, *rules.figures_items.output,
                   *rules.figures_likert.output],
        "cfg": cfg("scales", "batteries", "response_scale", "disclosure"),
    },
    "04_models": {
        "inputs": [*rules.regressions.output, *rules.robustness.output, rules.indices.output.analysis,
                   *rules.figure3.output, rules.reproduction.output.md, *synthetic_truth()],
        "cfg": cfg("models", "scales", "synthetic.truth"),
    },
}


rule notebook:
    """Execute one notebook on the pipeline's outputs: .ipynb and .html."""
    input:
        notebook="notebooks/{name}.py",
        data=lambda wc: NOTEBOOKS[wc.name]["inputs"],
        template="notebooks/templates/scs/index.html.j2",
        code=lambda wc: notebook_code(wc.name),
    output:
        ipynb=out("notebooks", "{name}.ipynb"),
        html=exhibit(out("notebooks", "{name}.html"), "notebook", "6. Notebooks", subcategory="{name}"),
    params:
        cfg=lambda wc: NOTEBOOKS[wc.name]["cfg"],
        out=lambda wc, output: os.path.dirname(os.path.dirname(output.ipynb)),
    wildcard_constraints:
        name="|".join(NOTEBOOKS),
    message:
        "Notebook {wildcards.name}"
    benchmark:
        "logs/benchmarks/notebook_{name}.tsv"
    log:
        "logs/notebook_{name}.log",
    conda:
        ENV
    resources:
        mem_mb=900,
        runtime=15,
    script:
        "../../scripts/notebook.py"
