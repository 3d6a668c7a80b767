# Checks the configuration before any rule is defined: one clear line for a bad config.
# (Type coercion of --config values, schema defaults and cross-references: scs.config.)
import os
import re
import sys

# the scs package of this checkout, also where it is not installed (a conda environment from environment.yml, an
# unpacked replication package run with another checkout's environment)
sys.path.insert(0, os.path.join(workflow.basedir, "src"))
from scs.io.codebook import load_codebook  # noqa: E402
from scs.config import recorded_checksums, validate_config  # noqa: E402
from scs.settings import from_config  # noqa: E402
from scs.survey.formula import check_formula_names  # noqa: E402
from scs.stages.preflight import check_names, check_ordered_terms  # noqa: E402
from scs.errors import PipelineError  # noqa: E402

# Byte-compile the package and the adapters once, here: every job imports them, and where Python is told not to
# write its caches (PYTHONDONTWRITEBYTECODE, set on some machines) each job would compile them all again.
# (Only changed files are compiled; Python ignores a cache older than its source.)
import compileall  # noqa: E402

for _d in ("src/scs", "scripts"):
    compileall.compile_dir(os.path.join(workflow.basedir, _d), quiet=1, workers=1)

CONFIG_FILE = str(workflow.overwrite_configfiles[-1]) if workflow.overwrite_configfiles else "config.yaml"
try:
    validate_config(config, file=os.path.relpath(CONFIG_FILE), cache=os.path.join(".snakemake", "scs-valid-configs"))
    SETTINGS = from_config(config, file=os.path.relpath(CONFIG_FILE))
    # the raw file may be missing while the stand-in's generator makes it (`snakemake synthetic`)
    _targets = set(getattr(workflow.dag_settings, "targets", None) or ())
    _needed = ("codebook", "targets") if "synthetic" in _targets else ("raw", "codebook", "targets")
    for _key in _needed:
        if not os.path.isfile(config["data"][_key]):
            raise PipelineError(
                f"the {_key} file named in {os.path.relpath(CONFIG_FILE)} (data.{_key}) does not exist",
                file=config["data"][_key],
                expected="an existing file (paths are relative to the project folder)",
            )
    if config["data"]["source"] == "real" and re.search(r"synthetic|simulated", config["data"]["label"], re.I):
        # (every output prints the label: real data must not be called generated ones, nor the reverse)
        raise PipelineError(
            f"data.source is real in {os.path.relpath(CONFIG_FILE)}, but data.label calls the data "
            f"{config['data']['label']!r}",
            file=os.path.relpath(CONFIG_FILE),
            expected="a label that says what your data are (it is printed on every output)",
        )
    if "raw" in _needed and config["data"]["source"] == "synthetic":
        # (every output would call these data the stand-in: a file the generator did not write must say what it is)
        _sums = os.path.join(os.path.dirname(config["data"]["raw"]), "SHA256SUMS")
        if os.path.basename(config["data"]["raw"]) not in recorded_checksums(_sums):
            raise PipelineError(
                f"data.source is synthetic in {os.path.relpath(CONFIG_FILE)}, but {config['data']['raw']} is not a "
                "file of the stand-in (no checksum of it in SHA256SUMS beside it)",
                file=config["data"]["raw"],
                expected="data.source: real (or simulated) for any other export",
            )
    try:
        _cb = load_codebook(config["data"]["codebook"])
    except PipelineError:
        _cb = None  # the check_data rule reports every problem of the codebook
    # (`make check-data` runs the data check alone, which reads the export and the codebook only: a draft
    # codebook is checked against the export before the analysis names of the configuration exist in it)
    if _cb is not None and os.environ.get("SCS_DATA_CHECK_ONLY") != "1":
        check_formula_names(
            [*SETTINGS.models.formulas.values(), SETTINGS.models.alternative_formula],
            {*_cb.by_var, *_cb.derived, *SETTINGS.scales},
            where=SETTINGS.file,
        )
        for _what in ("strata", "psu"):  # the sampling design names analysis variables
            _var = getattr(SETTINGS.design, _what)
            if _var is not None and _var not in {*_cb.by_var, *_cb.derived}:
                raise PipelineError(
                    f"invalid configuration at design.{_what}: {_var!r} is not an analysis variable of the codebook",
                    file=SETTINGS.file,
                    expected="an analysis name from the codebook (a variable or a derived one), or null",
                )
        from scs.stages.domains import check as check_domains  # noqa: E402

        check_domains(SETTINGS, _cb)  # every group and crosstab variable exists and has a label
        # the scales' items, the exclusion rules', the weighting's and the multiverse options' variables
        check_names(SETTINGS, _cb)
    check_ordered_terms(SETTINGS)  # the terms shown of the ordered logits are terms of the full model
    if SETTINGS.multiverse:
        from scs.stages.multiverse_grid import check  # noqa: E402

        check(SETTINGS)  # every option, default and constraint refers to something that exists
except PipelineError as _exc:
    sys.stderr.write(f"ERROR: {_exc}\n")
    sys.exit(1)
