# Stage 6: execute the notebooks on the pipeline's outputs (they read; they do not recompute).
# Each notebook gets only the config slice it reads, injected as its parameters cell; the sentences that
# read its figures quote the registry (numbers.json).

# what readers see for a variable and its categories instead of their names in the data, and each scale's
# response scale, from the settings (scs.report.notebooks.label_maps, response_scales)
SHOWN = {"labels": label_maps(SETTINGS), "response_scales": response_scales(SETTINGS)}

NOTEBOOKS = {
    "01_data_cleaning": {
        "inputs": [*rules.clean.output, rules.weights.output.margins, rules.registry.output.json, CODEBOOK],
        "cfg": cfg("data.codebook", "cleaning", "weighting.variables", "disclosure") | SHOWN,
    },
    "02_weights": {
        "inputs": [
            *rules.weights.output,
            rules.clean.output.data,
            rules.item_estimates.output.estimates,
            rules.registry.output.json,
            CODEBOOK,
        ],
        "cfg": cfg("data.codebook", "scales", "disclosure") | SHOWN,
    },
    "03_indices_items": {
        "inputs": [
            *rules.indices.output,
            *rules.item_estimates.output,
            *rules.figures.output,
            rules.registry.output.json,
        ],
        "cfg": cfg("scales", "batteries", "response_scale", "reliability", "disclosure", "numbering.figures") | SHOWN,
    },
    "04_models": {
        "inputs": [
            *rules.regressions.output,
            *rules.robustness.output,
            rules.indices.output.analysis,
            *rules.figures.output,
            rules.reproduction.output.md,
            rules.registry.output.json,
            CODEBOOK,
            *synthetic_truth(),
        ],
        "cfg": cfg("data.codebook", "models", "scales", "synthetic.truth", "numbering.figures", "figures.titles") | SHOWN,
    },
}


rule notebooks:
    """Execute the notebooks on the pipeline's outputs, one after the other in one kernel: .ipynb and .html."""
    input:
        notebooks=[f"notebooks/{name}.py" for name in NOTEBOOKS],
        data=sorted({str(f) for nb in NOTEBOOKS.values() for f in nb["inputs"]}),
        template="notebooks/templates/scs/index.html.j2",
        code=sorted({f for name in NOTEBOOKS for f in notebook_code(name)}),
    output:
        **notebook_outputs(NOTEBOOKS),
    log:
        logs("notebooks.log"),
    benchmark:
        logs("benchmarks/notebooks.tsv")
    priority: 2  # see PRIORITY in common.smk
    conda:
        ENV
    resources:
        mem_mb=1200,
        runtime=20,
    params:
        cfg=cfg(),
        notebooks={name: nb["cfg"] for name, nb in NOTEBOOKS.items()},
        out=lambda wc, output: os.path.dirname(os.path.dirname(output[0])),
    message:
        "Notebooks: " + ", ".join(NOTEBOOKS)
    script:
        "../../scripts/notebooks.py"
