"""The exit status of `make check-data`: after the data check (rule check_data) has written its report, stop with
the line the build would stop with (the first error, and how many there are in all) when the report lists an
error; warnings do not stop it.

    python tools/data_check_status.py [CONFIG]
"""

import sys
from pathlib import Path

from scs.config import load_config, output_dir
from scs.errors import PipelineError
from scs.io.datacheck import stop_on_problems


def main(config: str = "config.yaml") -> int:
    try:
        cfg = load_config(config)
        folder = Path(output_dir(cfg, config)) / "clean"
        csv = folder / "data_problems.csv"
        if not csv.is_file():
            raise PipelineError("the data check wrote no report", file=csv, expected="a run of the rule check_data")
        stop_on_problems(str(csv), report=str(folder / "data_problems.md"), raw_file=cfg["data"]["raw"])
    except PipelineError as exc:
        sys.stderr.write(f"ERROR: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
