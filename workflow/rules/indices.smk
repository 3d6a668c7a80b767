# Stage 3: surveillance, punishment and trust indices; reliability; item estimates; Figures 1 and 2.


rule indices:
    input:
        data=rules.clean.output.data,
        weights=rules.weights.output.weights,
        targets=TARGETS,
        code=pkg("indices", "weights"),
    output:
        analysis="results/indices/analysis.parquet",
        estimates="results/indices/item_estimates.csv",
        estimates_md=report("results/indices/item_estimates.md", caption="../report/item_estimates.rst", category="3. Indices and items"),
        reliability="results/indices/reliability.csv",
        reliability_md=report("results/indices/reliability.md", caption="../report/reliability.rst", category="3. Indices and items"),
        numbers="results/indices/numbers.json",
    params:
        config=config_digest(),
    log:
        "logs/indices.log",
    script:
        "../../scripts/indices.py"


rule figures_items:
    input:
        estimates=rules.indices.output.estimates,
        code=pkg("figures"),
    output:
        fig1_png=report("results/figures/figure1_surveillance.png", caption="../report/figure1.rst", category="3. Indices and items"),
        fig1_pdf="results/figures/figure1_surveillance.pdf",
        fig2_png=report("results/figures/figure2_punishment.png", caption="../report/figure2.rst", category="3. Indices and items"),
        fig2_pdf="results/figures/figure2_punishment.pdf",
    params:
        config=config_digest(),
    log:
        "logs/figures_items.log",
    script:
        "../../scripts/figures.py"
