# Stage 4b (when config.yaml has a multiverse section): every combination of the analyst's choices,
# fitted in shards (a wildcard over shard ids: every core locally, fanned out on a cluster), merged,
# the joint test of Simonsohn, Simmons and Nelson (2020), and one specification curve per outcome.


rule multiverse_shard:
    """One shard of the specifications: their estimates with design-based SEs and their null draws."""
    input:
        export=rules.check_data.output.export,
        codebook=CODEBOOK,
        # run only after the configured cleaning, weighting and models succeeded (their errors are reported
        # once, there; and on two cores the configured analysis, which the notebooks wait for, goes first)
        cleaned=rules.clean.output.flow_csv,
        weighted=rules.weights.output.design,
        fitted=rules.regressions.output.coefficients,
        targets=TARGETS,
        code=code_of("multiverse_shard"),
    output:
        table=temp(out("multiverse", "shards", "{shard}.parquet")),
        draws=temp(out("multiverse", "shards", "{shard}.npy")),
    log:
        logs("multiverse_shard_{shard}.log"),
    benchmark:
        logs("benchmarks/multiverse_shard_{shard}.tsv")
    wildcard_constraints:
        shard=r"\d+",
    priority: 2  # see PRIORITY in common.smk
    conda:
        ENV
    resources:
        mem_mb=mem_for(800, 4.0),
        runtime=runtime_for(10, 60),
    params:
        cfg=cfg(*MV_CFG),
    message:
        "Multiverse shard {wildcards.shard}"
    script:
        "../../scripts/multiverse_shard.py"


rule multiverse:
    """The shards merged: every specification, the joint test, the summary and its registry numbers."""
    input:
        tables=expand(out("multiverse", "shards", "{shard}.parquet"), shard=MV_SHARDS),
        draws=expand(out("multiverse", "shards", "{shard}.npy"), shard=MV_SHARDS),
        code=code_of("multiverse"),
    output:
        csv=out("multiverse", "specifications.csv"),
        parquet=out("multiverse", "specifications.parquet"),
        joint=out("multiverse", "joint_test.csv"),
        by_option=out("multiverse", "by_option.csv"),
        md=out("multiverse", "summary.md"),
        html=exhibit(out("multiverse", "summary.html"), "multiverse", "4. Models"),
        numbers=out("numbers", "multiverse.json"),
    log:
        logs("multiverse.log"),
    benchmark:
        logs("benchmarks/multiverse.tsv")
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        cfg=cfg(*MV_CFG),
    message:
        "Multiverse: merging the shards and the joint test"
    script:
        "../../scripts/multiverse.py"


rule multiverse_figure:
    """The specification curve of each outcome."""
    input:
        csv=rules.multiverse.output.csv,
        joint=rules.multiverse.output.joint,
        code=code_of("multiverse_figure"),
    output:
        **multiverse_figure_outputs(),
    log:
        logs("multiverse_figure.log"),
    benchmark:
        logs("benchmarks/multiverse_figure.tsv")
    conda:
        ENV
    resources:
        mem_mb=600,
        runtime=10,
    params:
        cfg=cfg(*MV_CFG, "figures"),
    message:
        "Specification curves"
    script:
        "../../scripts/multiverse_figure.py"
