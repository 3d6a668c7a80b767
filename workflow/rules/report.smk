import os

# Stage 5: reproduction report, number registry (numbers.json / numbers.tex), drift check against the pins.

FRAGMENTS = [
    rules.clean.output.numbers,
    rules.weights.output.numbers,
    rules.indices.output.numbers,
    rules.models.output.numbers,
]
TEXT_OUTPUTS = [
    f
    for r in (rules.clean, rules.weights, rules.indices, rules.models)
    for f in r.output
    if f.endswith((".md", ".tex"))
]


rule reproduction:
    input:
        fragments=FRAGMENTS,
        published="data/published.yaml",
        code=pkg("reproduction", "registry"),
    output:
        md=report("results/reproduction.md", caption="../report/reproduction.rst", category="5. Reproduction"),
        numbers="results/reproduction/numbers.json",
    params:
        config=config_digest(),
    log:
        "logs/reproduction.log",
    script:
        "../../scripts/reproduction.py"


rule registry:
    input:
        fragments=FRAGMENTS + [rules.reproduction.output.numbers],
        code=pkg("registry"),
    output:
        json="results/numbers.json",
        tex=report("results/numbers.tex", caption="../report/numbers_tex.rst", category="5. Reproduction"),
        disclosure=report("results/disclosure.md", caption="../report/disclosure.rst", category="5. Reproduction"),
    params:
        config=config_digest(),
    log:
        "logs/registry.log",
    script:
        "../../scripts/registry.py"


PINS = {
    "pins_numbers": f"{config['verify']['pins']}/numbers.json",
    "pins_text": f"{config['verify']['pins']}/text_sha256.json",
}


def existing_pins(wildcards):
    """The pins as inputs when they exist (so a re-pin reruns the check); the script reports missing ones."""
    return [p for p in PINS.values() if os.path.exists(p)]


rule verify:
    input:
        registry=rules.registry.output.json,
        text=TEXT_OUTPUTS + [rules.reproduction.output.md, rules.registry.output.tex, rules.registry.output.disclosure],
        pins=existing_pins,
        code=pkg("registry"),
    output:
        report("results/verify.md", caption="../report/verify.rst", category="5. Reproduction"),
    params:
        config=config_digest(),
        **PINS,
    log:
        "logs/verify.log",
    script:
        "../../scripts/verify.py"
