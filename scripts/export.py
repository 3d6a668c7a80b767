"""Snakemake adapter: the analysis file as Stata .dta, SPSS .sav and CSV, with R and Stata scripts that declare
its design (rule `export`, `make export`)."""

import json
import logging
from pathlib import Path

import pandas as pd

from _common import read_design, run_step, settings_of, write_text
from scs.errors import PipelineError
from scs.io import labels
from scs.io.codebook import load_codebook
from scs.report import export
from scs.stages import models, weight_plan
from scs.survey import formula as fml

smk = snakemake  # noqa: F821 - injected by Snakemake


def labels_of(frame: pd.DataFrame, codebook, s) -> tuple[dict, dict]:
    """Variable labels (the codebook's question text; a derived variable's label in models.term_labels; an
    index's label in config.scales) and value labels (the codebook's codes) of the analysis variables."""
    var_labels = {v: labels.variable_label(codebook, v) for v in frame.columns}
    for v, label in s.models.term_labels.items():
        if v in frame.columns and v in codebook.derived:
            var_labels[v] = label
    for name, spec in s.scales.items():
        if name in frame.columns:
            var_labels[name] = (f"{spec.label}: mean of the {len(spec.items)} items, at least "
                                f"{spec.min_answered} answered")
    value_labels = {v: lab for v in frame.columns if (lab := labels.value_labels(codebook, v))}
    return var_labels, value_labels


def text_levels(frame: pd.DataFrame, codebook, plan: weight_plan.Plan) -> dict[str, list[str]]:
    """The categories of every text variable, in the order they are coded 1, 2, ...: a weighting margin's in the
    targets' order, any other derived one's in the codebook's."""
    levels = {}
    for v in frame.columns:
        if v in plan.levels:
            members = plan.members.get(v, {})
            levels[v] = [orig for cat in plan.levels[v] for orig in members.get(cat, [cat])]
        elif (lev := labels.derived_levels(codebook, v)) is not None:
            levels[v] = lev
    return levels


def main():
    s = settings_of(smk)
    data = s.data
    frame = pd.read_parquet(smk.input.analysis)
    record = json.loads(Path(smk.input.design).read_text(encoding="utf-8"))
    if record.get("design"):  # design.R and design.do declare ids = ~1 and the JK1 replicates only
        raise PipelineError("make export does not declare a design with strata or PSUs (the design section) yet: "
                            "design.R and design.do would describe another design", file=smk.input.design,
                            expected="the estimates of the build itself (its CSVs), or an export of a design without "
                                     "strata and PSUs")
    codebook = load_codebook(smk.input.codebook)
    design = read_design(smk, frame)
    plan = weight_plan.Plan.from_json(record["plan"])
    var_labels, value_labels = labels_of(frame, codebook, s)
    af = export.analysis_file(frame, key=record["key"], weight=design.weight, base=design.base,
                              jackknife=design.jackknife, bootstrap=design.replicates, data_source=data.source,
                              levels=text_levels(frame, codebook, plan), variable_labels=var_labels,
                              value_labels=value_labels)
    forms = models.formulas(s)
    m = s.models
    use = list(forms) if m.common_sample else [m.full]
    headline = export.Headline(outcomes=list(m.outcomes), name=m.full, terms=forms[m.full],
                               complete=fml.variables([t for name in use for t in forms[name]]))
    calibration = export.Calibration(method=record["method"], shares=plan.shares, members=plan.members,
                                     lower=plan.lower, upper=plan.upper)
    built_from = (f"{smk.params.raw} (data id {smk.params.data_id}), codebook {smk.input.codebook}, "
                  f"weights and design of {Path(smk.input.design).parent}")
    files = {
        Path(smk.output.dta).name: "Stata 14 or later: data label, variable and value labels",
        Path(smk.output.sav).name: "SPSS: file label and document, variable and value labels",
        Path(smk.output.csv).name: "CSV (UTF-8): the same values (codes; the labels are listed below)",
        Path(smk.output.r).name: "R (survey package): the design, the index means and the full model with SEs",
        Path(smk.output.do).name: "Stata: the same with svyset (not run by the pipeline's tests)",
    }
    reported = design.method
    common = {"data_label": data.label, "data_source": data.source}
    logging.info("%d respondents, %d variables (%d jackknife and %d bootstrap replicate weights)",
                 *af.table.shape, af.n_jackknife, af.n_bootstrap)
    export.write_csv(af, smk.output.csv)
    export.write_dta(af, smk.output.dta, data.label)
    export.write_sav(af, smk.output.sav, data.label, [f"data.source: {data.source}", f"Built from {built_from}"])
    write_text(smk.output.r, export.r_script(af, headline, calibration, reported=reported,
                                             csv_name=Path(smk.output.csv).name, **common))
    write_text(smk.output.do, export.stata_script(af, headline, reported=reported, dta_name=Path(smk.output.dta).name,
                                                  **common))
    write_text(smk.output.readme, export.readme(af, built_from=built_from, reported=reported, calibration=calibration,
                                                files=files, **common))


run_step(main, log=smk.log[0], outputs=list(smk.output))
