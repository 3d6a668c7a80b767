# Stage 6: execute the notebooks on the pipeline's outputs (they read; they do not recompute).

NOTEBOOK_INPUTS = {
    "01_data_cleaning": [*rules.clean.output, rules.weights.output.margins],
    "02_weights": [*rules.weights.output],
    "03_indices_items": [*rules.indices.output, *rules.figures_items.output],
    "04_models": [*rules.models.output, rules.reproduction.output.md, config["synthetic"]["truth"]],
}


rule notebook:
    input:
        notebook="notebooks/{name}.py",
        data=lambda wc: NOTEBOOK_INPUTS[wc.name],
        config="config.yaml",
        code=pkg("notebooks"),
    output:
        ipynb="results/notebooks/{name}.ipynb",
        html=report("results/notebooks/{name}.html", caption="../report/notebook.rst", category="6. Notebooks", subcategory="{name}"),
    wildcard_constraints:
        name="|".join(NOTEBOOK_INPUTS),
    log:
        "logs/notebook_{name}.log",
    script:
        "../../scripts/run_notebook.py"
