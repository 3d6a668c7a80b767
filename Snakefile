# SCS replication pipeline: raw survey export -> cleaning -> weights -> indices -> figures.
# One rule file per stage under workflow/rules; the functions live in src/scs.
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/synthetic.smk"
include: "workflow/rules/clean.smk"


rule all:
    input:
        rules.clean.output,
    default_target: True
