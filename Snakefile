# SCS replication pipeline: raw survey export -> cleaning -> weights -> indices -> figures.
# One rule file per stage under workflow/rules; the functions live in src/scs.
from snakemake.utils import min_version, validate

min_version("9.0")


def check_config(cfg):
    import os
    import sys

    from scs.config import validate_config
    from scs.errors import PipelineError

    try:
        validate_config(cfg, file="config.yaml")
        for key in ("raw", "codebook", "targets"):
            path = cfg["data"][key]
            if not os.path.isfile(path):
                raise PipelineError(f"the {key} file named in config.yaml (data.{key}) does not exist", file=path,
                                    expected="an existing file (paths are relative to the project folder)")
    except PipelineError as exc:
        sys.stderr.write(f"ERROR: {exc}\n")
        sys.exit(1)


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


# One clear line for a bad config (same schema), then snakemake's own check, which fills defaults.
check_config(config)
validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/synthetic.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/weights.smk"
include: "workflow/rules/indices.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/notebooks.smk"
include: "workflow/rules/provenance.smk"


rule all:
    input:
        rules.clean.output,
        rules.weights.output,
        rules.indices.output,
        rules.figures_items.output,
        rules.models.output,
        rules.reproduction.output,
        rules.registry.output,
        rules.verify.output,
        expand(rules.notebook.output, name=NOTEBOOK_INPUTS),
        rules.provenance.output,
    default_target: True
