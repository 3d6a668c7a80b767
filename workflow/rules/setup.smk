# Checks the configuration before any rule is defined: one clear line for a bad config.
# (Type coercion of --config values, schema defaults and cross-references: scs.config.)
import os
import sys

sys.path.insert(0, os.path.join(workflow.basedir, "src"))  # the scs package of this checkout
from scs.config import validate_config  # noqa: E402
from scs.errors import PipelineError  # noqa: E402

try:
    validate_config(config, file="config.yaml")
    for _key in ("raw", "codebook", "targets"):
        if not os.path.isfile(config["data"][_key]):
            raise PipelineError(f"the {_key} file named in config.yaml (data.{_key}) does not exist",
                                file=config["data"][_key],
                                expected="an existing file (paths are relative to the project folder)")
except PipelineError as _exc:
    sys.stderr.write(f"ERROR: {_exc}\n")
    sys.exit(1)
