# Stage 7: provenance of every output and the list of tables and programs, derived from the rules above.
import json
import os
import re


def _script(rl):
    return os.path.normpath(os.path.join("workflow/rules", rl.script)) if rl.script else None


def _caption(f):
    rep = f.flags.get("report")
    return Path(rep.caption.get_path_or_uri(secret_free=True)).read_text().strip() if rep else None


def describe(proxy, **wildcards):
    """Rule name, script, inputs, outputs and report exhibits of one rule (wildcards filled in)."""
    rl = proxy.rule
    fill = lambda s: re.sub(r"\{(\w+),[^}]*\}", r"{\1}", str(s)).format(**wildcards)
    inputs = []
    for f in proxy.input:
        if callable(f):  # an input function (verify's pins): list the files it can return
            inputs.extend(p for p in PINS.values() if os.path.exists(p))
        else:
            inputs.append(fill(f))
    if wildcards:
        inputs = [fill("notebooks/{name}.py"), "config.yaml", *pkg("notebooks")] + [
            str(x) for x in NOTEBOOK_INPUTS[wildcards["name"]]
        ]
    exhibits = []
    for f in rl.output:
        if f.flags.get("report"):
            rep = f.flags["report"]
            exhibits.append({"file": fill(f), "caption": _caption(f), "category": rep.category})
    return {"rule": rl.name, "script": _script(rl), "inputs": inputs, "outputs": [fill(f) for f in rl.output],
            "exhibits": exhibits}


PROVENANCE_RULES = [
    describe(r)
    for r in (rules.clean, rules.weights, rules.indices, rules.figures_items, rules.models, rules.reproduction,
              rules.registry, rules.verify)
] + [describe(rules.notebook, name=n) for n in NOTEBOOK_INPUTS]


rule provenance:
    input:
        outputs=[o for r in PROVENANCE_RULES for o in r["outputs"]],
        code=pkg("provenance"),
    output:
        json="results/provenance.json",
        md=report("results/tables_and_programs.md", caption="../report/tables_and_programs.rst", category="7. Provenance"),
    params:
        rules=json.dumps(PROVENANCE_RULES, sort_keys=True),
    log:
        "logs/provenance.log",
    script:
        "../../scripts/provenance.py"
