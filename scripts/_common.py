"""Shared plumbing for the thin Snakemake adapter scripts (scripts/<rule>.py).

Each script reads only ``snakemake.params.cfg``: the slice of the configuration its rule declares, parsed
into typed settings once (:func:`settings_of`); the library never sees the dict.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# the scs package from this checkout, whatever environment runs the script (venv or --sdm conda)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from scs.errors import run_step  # noqa: F401  (re-exported for the scripts)


def settings_of(smk):
    """The rule's configuration slice as typed settings (scs.settings); ``_file`` names the configuration file."""
    from scs.settings import from_config

    return from_config(smk.params.cfg, file=smk.params.cfg.get("_file", "config.yaml"), defaults=False)


def config_sha256(smk) -> str:
    """The checksum of the configuration slice the rule read (recorded beside its numbers)."""
    from scs.config import config_hash

    return config_hash(smk.params.cfg)


def write_text(path, text: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8", newline="\n")


def write_table(md_path, html_path, text: str) -> None:
    """A Markdown table and its HTML rendering (what the report shows inline)."""
    from scs.report.htmltable import markdown_page

    write_text(md_path, text)
    write_text(html_path, markdown_page(text, str(md_path)))


def write_json(path, obj, *, released: bool = True) -> None:
    """JSON output; a released one (a summary of numbers) has its floats rounded as every released number is
    (scs.precision); a record that later stages compute with (design.json) keeps them exact."""
    from scs.precision import round_json

    obj = round_json(obj) if released else obj
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n")


def write_csv(path, df, s) -> None:
    """A released table: its first column names the data it was built from; its numbers are rounded to the
    precision of scs.precision (the same text on any machine)."""
    from scs.precision import round_frame

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    out = round_frame(df)
    out.insert(0, "data_source", s.data.source)
    out.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")


def write_parquet(path, df, s) -> None:
    """Data for the next stage, with the data source and its label in the file's metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = {**(table.schema.metadata or {}), b"scs_data_source": s.data.source.encode(),
            b"scs_data_label": s.data.label.encode()}
    pq.write_table(table.replace_schema_metadata(meta), path, compression="zstd")


# intermediate binary data that every build remakes: their bytes carry the machine's last floating-point
# digits, so the registry does not record their checksums (provenance.json does)
INTERMEDIATE = (".parquet", ".npy")


def rule_inputs(smk) -> dict:
    """The input files of the running rule whose checksums the registry records (path -> path): the
    given files (raw export, codebook, targets), the code and the released tables; not the intermediate
    binary data (their checksums are in provenance.json)."""
    return {str(p): str(p) for p in smk.input if not str(p).endswith(INTERMEDIATE)}


def write_numbers(smk, rule: str, result, files: dict, s, *, min_cell: int | None = None) -> None:
    """The rule's registry fragment to output `numbers`: every number of the stage ``result``, each with the
    file of the table that prints it (``files``: table name -> file), and the rule's provenance."""
    from scs.report.registry import Numbers

    nums = Numbers(rule).take_result(result, files, min_cell=min_cell)
    write_json(smk.output.numbers, nums.fragment(inputs=rule_inputs(smk), data=s.data, config_sha256=config_sha256(smk)))


def read_final_weight(smk, frame):
    """The final weight of each respondent of ``frame``, as the weights rule stored it; one line if the stored
    weights list other respondents (matched by the key that design.json names)."""
    import pandas as pd

    from scs.errors import PipelineError
    from scs.stages import stored_design

    key = json.loads(Path(smk.input.design).read_text(encoding="utf-8"))["key"]
    stored = pd.read_parquet(smk.input.weights, columns=[key, stored_design.WEIGHT])
    if not stored_design.same_respondents(frame[key], stored[key]):
        raise PipelineError("the stored weights are for other respondents than the data; rerun the weights rule",
                            file=smk.input.weights)
    return stored[stored_design.WEIGHT].to_numpy()


def read_design(smk, frame, *, replicates: bool = True, **kw):
    """The design of the estimates, rebuilt from what the weights rule stored (no calibration here), with
    the reported SEs of estimates.variance (auto: the jackknife when it was stored, else linearization)."""
    import pandas as pd

    from scs.stages import stored_design


    record = json.loads(Path(smk.input.design).read_text(encoding="utf-8"))
    columns = None if replicates else [record["key"], stored_design.WEIGHT, stored_design.BASE, stored_design.UNBOUNDED,
                                       *stored_design.design_columns(record)]
    stored = pd.read_parquet(smk.input.weights, columns=columns)
    jk = pd.read_parquet(smk.input.jackknife) if replicates else None
    s = settings_of(smk)
    variance = stored_design.reported_variance(s.estimates.variance, record)
    return stored_design.load_design(frame, stored, record, label=s.data.label, replicates=replicates,
                               jackknife=jk, variance=variance, **kw)
