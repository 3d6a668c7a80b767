# Stage 7: provenance of every output and the list of tables and programs, derived from the rules above.
import json

PROVENANCE_RULES = [
    describe_rule(r)
    for r in STAGE_RULES + REPORT_RULES + ([r for r in MULTIVERSE_RULES if r != "multiverse_shard"] if MULTIVERSE else [])
] + [describe_notebook(n) for n in NOTEBOOKS]


rule provenance:
    """provenance.json (rule, script, checksums of inputs and outputs, environment) and the list of tables and programs."""
    input:
        outputs=[o for r in PROVENANCE_RULES for o in r["outputs"]],
        captions=sorted({e["caption"] for e in EXHIBITS}),
        code=code_of("provenance"),
    output:
        json=out("provenance.json"),
        md=out("tables_and_programs.md"),
        html=exhibit(out("tables_and_programs.html"), "tables_and_programs", "7. Provenance"),
    log:
        logs("provenance.log"),
    benchmark:
        logs("benchmarks/provenance.tsv")
    conda:
        ENV
    resources:
        mem_mb=300,
        runtime=15,
    params:
        rules=lambda wc: json.dumps(PROVENANCE_RULES, sort_keys=True),
        exhibits=lambda wc: json.dumps(sorted(EXHIBITS, key=exhibit_place), sort_keys=True),  # in reading order
        cfg=cfg("numbering", "batteries", "multiverse.outcomes", "figures.titles", "scales"),  # the captions: numbers, titles
        config_sha256=config_digest(),
    message:
        "Provenance of every output"
    script:
        "../../scripts/provenance.py"
