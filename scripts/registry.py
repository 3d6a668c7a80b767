"""Snakemake adapter: merge the stage fragments into numbers.json and numbers.tex (rule `registry`)."""

from _common import config_sha256, run_step, settings_of, write_json, write_table, write_text
from scs.report import registry

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    s = settings_of(smk)
    reg = registry.merge([registry.load_json(f) for f in smk.input.fragments], s.data, config_sha256(smk))
    write_json(smk.output.json, reg)
    write_text(smk.output.tex, registry.to_tex(reg, smk.params.macro_prefix))
    write_table(smk.output.catalogue, smk.output.catalogue_html, registry.catalogue_markdown(reg, smk.params.macro_prefix))
    write_table(smk.output.disclosure, smk.output.disclosure_html,
                registry.disclosure_markdown(reg, s.disclosure.min_cell))


run_step(main, log=smk.log[0], outputs=list(smk.output))
