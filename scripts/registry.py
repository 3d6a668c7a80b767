"""Snakemake adapter: merge the stage fragments into numbers.json and numbers.tex (rule `registry`)."""

from _common import cfg_of, run_step, write_json, write_table, write_text
from scs.report import registry

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    cfg = cfg_of(smk)
    reg = registry.merge([registry.load_json(f) for f in smk.input.fragments], cfg)
    write_json(smk.output.json, reg)
    write_text(smk.output.tex, registry.to_tex(reg))
    write_table(smk.output.catalogue, smk.output.catalogue_html, registry.catalogue_markdown(reg))
    write_table(smk.output.disclosure, smk.output.disclosure_html,
                registry.disclosure_markdown(reg, cfg["disclosure"]["min_cell"]))


run_step(main, log=smk.log[0], outputs=list(smk.output))
