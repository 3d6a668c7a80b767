# Stage 5: reproduction report, number registry (numbers.json / numbers.tex), drift check against the pins.

STAGES = [getattr(rules, r) for r in STAGE_RULES + (MULTIVERSE_RULES if MULTIVERSE else [])]
# the registry fragments: every stage that states numbers writes one
FRAGMENTS = [r.output.numbers for r in STAGES if "numbers" in r.output.keys()]
# the text outputs the drift check compares exactly: every Markdown and LaTeX file of the stages
TEXT_OUTPUTS = [str(f) for r in STAGES for f in r.output if str(f).endswith((".md", ".tex"))]
PINS = pins_dir()


rule reproduction:
    """Each published number or pattern beside the computed one, judged with its CI (from the stages'
    numbers; not the multiverse's or the domains', so that the reproduction need not wait for them)."""
    input:
        fragments=[f for f in FRAGMENTS if f not in (rules.multiverse.output.numbers, rules.domains.output.numbers)],
        contrasts=rules.item_estimates.output.contrasts,
        published=config["reproduction"]["published"],
        code=code_of("reproduction"),
    output:
        md=out("reproduction.md"),
        html=exhibit(out("reproduction.html"), "reproduction", "5. Reproduction"),
        numbers=out("numbers", "reproduction.json"),
    log:
        logs("reproduction.log"),
    benchmark:
        logs("benchmarks/reproduction.tsv")
    priority: 2  # see PRIORITY in common.smk
    conda:
        ENV
    resources:
        mem_mb=400,
        runtime=15,
    params:
        cfg=cfg("reproduction", "scales", "estimates.ci_level"),
        raw_sha256=content_sha256(RAW),
    message:
        "Reproduction report"
    script:
        "../../scripts/reproduction.py"


rule registry:
    """Merge the stage fragments into numbers.json and one LaTeX macro per number (numbers.tex)."""
    input:
        fragments=FRAGMENTS + [rules.reproduction.output.numbers],
        code=code_of("registry"),
    output:
        json=out("numbers.json"),
        tex=out("numbers.tex"),
        catalogue=out("numbers_catalogue.md"),
        catalogue_html=exhibit(out("numbers_catalogue.html"), "numbers_tex", "5. Reproduction"),
        disclosure=out("disclosure.md"),
        disclosure_html=exhibit(out("disclosure.html"), "disclosure", "5. Reproduction"),
    log:
        logs("registry.log"),
    benchmark:
        logs("benchmarks/registry.tsv")
    conda:
        ENV
    resources:
        mem_mb=400,
        runtime=15,
    params:
        cfg=cfg("disclosure"),
        # the macros' names (paper.macro_prefix): not a setting of any number, so not in the slice whose
        # checksum numbers.json and numbers.tex record
        macro_prefix=config["paper"]["macro_prefix"],
    message:
        "Registry of every number"
    script:
        "../../scripts/registry.py"


rule checksums:
    """Checksums of every Markdown and LaTeX output (what the drift check and `make repin` compare)."""
    input:
        text=TEXT_OUTPUTS + [rules.reproduction.output.md, rules.registry.output.tex, rules.registry.output.disclosure],
        code=code_of("checksums"),
    output:
        out("text_sha256.json"),
    log:
        logs("checksums.log"),
    benchmark:
        logs("benchmarks/checksums.tsv")
    conda:
        ENV
    resources:
        mem_mb=300,
        runtime=15,
    message:
        "Checksums of the text outputs"
    script:
        "../../scripts/checksums.py"


rule verify:
    """Compare this build with the pins made from the same raw file (none: say so); on drift, verify.md holds
    the table of what moved and the `drift` rule stops the build."""
    input:
        registry=rules.registry.output.json,
        text=rules.checksums.output[0],
        pins=existing_pins,
        code=code_of("verify"),
    output:
        md=out("verify.md"),
        html=exhibit(out("verify.html"), "verify", "5. Reproduction"),
        status=os.path.join(PRIVATE, "verify.json"),
    log:
        logs("verify.log"),
    benchmark:
        logs("benchmarks/verify.tsv")
    conda:
        ENV
    resources:
        mem_mb=300,
        runtime=15,
    params:
        cfg=cfg("verify"),
        pins=PINS,
        raw_sha256=content_sha256(RAW),
        make=MAKE,
    message:
        "Drift check against the pins in {params.pins}"
    script:
        "../../scripts/verify.py"


rule drift:
    """Stop the build in one line when the drift check found numbers or files that moved (the table: verify.md)."""
    input:
        status=rules.verify.output.status,
        code=code_of("drift"),
    output:
        os.path.join(PRIVATE, "no_drift"),
    log:
        logs("drift.log"),
    localrule: True
    conda:
        ENV
    params:
        make=MAKE,
    message:
        "Stop on drift"
    script:
        "../../scripts/drift.py"


rule repin:
    """Record this build's numbers and text checksums as the pins of its raw file (run on purpose: make repin)."""
    input:
        registry=rules.registry.output.json,
        text=rules.checksums.output[0],
        code=code_of("repin"),
    log:
        logs("repin.log"),
    benchmark:
        logs("benchmarks/repin.tsv")
    conda:
        ENV
    resources:
        mem_mb=300,
        runtime=15,
    params:
        pins=PINS,
        raw_sha256=content_sha256(RAW),
        config_sha256=config_digest(),
    message:
        "Pinning this build in {params.pins}"
    script:
        "../../scripts/repin.py"
