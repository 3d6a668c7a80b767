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
        estimates_md="results/indices/item_estimates.md",
        reliability="results/indices/reliability.csv",
        reliability_md="results/indices/reliability.md",
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
        fig1_png="results/figures/figure1_surveillance.png",
        fig1_pdf="results/figures/figure1_surveillance.pdf",
        fig2_png="results/figures/figure2_punishment.png",
        fig2_pdf="results/figures/figure2_punishment.pdf",
    params:
        config=config_digest(),
    log:
        "logs/figures_items.log",
    script:
        "../../scripts/figures.py"
