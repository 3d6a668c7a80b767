"""The HTML report (`make report`): Snakemake's report of the build, then finished so that each exhibit's
title opens it beside its caption, the data it was built from and the command that rebuilds it
(scs.report.report_page).

    python tools/report.py [CONFIG] [REPORT]

REPORT defaults to report.html in the configuration's output folder (results/ for the stand-in).
"""

import subprocess
import sys
from pathlib import Path

from scs.config import is_shipped, load_config, output_dir
from scs.report.report_page import finish_file
from scs.settings import from_config


def main(config: str = "config.yaml", report: str | None = None) -> None:
    cfg = load_config(config)
    path = Path(report) if report else Path(output_dir(cfg, config)) / "report.html"
    snakemake = Path(sys.executable).parent / "snakemake"
    subprocess.run([str(snakemake), f"--configfile={config}", "--report", str(path)], check=True)
    finish_file(path, from_config(cfg).data, configfile=None if is_shipped(config) else config)
    print(f"report: {path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
