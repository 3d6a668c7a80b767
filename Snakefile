# SCS replication pipeline: raw survey export -> data check -> cleaning -> weights -> indices and
# items -> models -> registry, reproduction report, drift check -> notebooks -> provenance.
# One rule file per stage under workflow/rules; the functions live in src/scs; every rule runs
# the thin adapter scripts/<rule>.py and reads only its slice of the config.
from snakemake.utils import min_version

min_version("9.0")


# config.yaml unless --configfile names another study's configuration (then that one alone: Snakemake
# would otherwise merge it into config.yaml, and the stand-in's scales would leak into another study)
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/setup.smk"
include: "workflow/rules/common.smk"
include: "workflow/rules/synthetic.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/weights.smk"
include: "workflow/rules/indices.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/domains.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/multiverse.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/notebooks.smk"
include: "workflow/rules/provenance.smk"
include: "workflow/rules/paper.smk"
include: "workflow/rules/export.smk"


rule all:
    """Every output: cleaning, weights, estimates, figures, models, registry, drift check, notebooks, provenance."""
    default_target: True
    input:
        rules.figures.output,
        *([rules.domains.output] if DOMAINS else []),
        *([rules.multiverse_figure.output] if MULTIVERSE else []),
        rules.verify.output,
        rules.drift.output,
        rules.notebooks.output,
        rules.provenance.output,
