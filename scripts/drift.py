"""Snakemake adapter: stop the build in one line when the drift check found moved numbers (rule `drift`)."""

import json
from pathlib import Path

from _common import run_step
from scs.errors import PipelineError
from scs.report.registry import commit_advice

smk = snakemake  # noqa: F821 - injected by Snakemake


def main():
    status = json.loads(Path(smk.input.status).read_text(encoding="utf-8"))
    if status["moved"]:
        raise PipelineError(f"{status['moved']} pinned number(s) or file(s) moved from the pins in {status['pins']}; "
                            f"the table is in {status['report']}; if the change is intended, re-pin with "
                            f"`{smk.params.make} repin`{commit_advice(smk.params.make)}")
    Path(smk.output[0]).write_text("no drift\n", encoding="utf-8")


run_step(main, log=smk.log[0], outputs=list(smk.output))
