"""Write environment.yml (the conda route) with the exact pins of requirements.lock.

    python tools/environment_yml.py requirements.lock environment.yml

Every rule's `conda:` directive points at environment.yml, so `snakemake --sdm conda` builds the
same environment as the README's virtual environment. The scs package itself is not installed
there: the adapter scripts import it from src/.
"""

import sys
from pathlib import Path

HEADER = """# Conda route, equivalent to the Makefile's virtual environment: Python 3.11 and the exact
# pins of requirements.lock (generated from it by `make lock`; a test checks they agree).
#   conda env create -f environment.yml && conda activate scs-pipeline && pip install --no-deps -e .
#   snakemake                       # or: snakemake --sdm conda (each rule in this environment)
name: scs-pipeline
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
"""


def main(lock: Path, out: Path) -> None:
    pins = [line.strip() for line in lock.read_text().splitlines() if line.strip() and not line.startswith("#")]
    pins = [p for p in pins if not p.lower().startswith(("scs-pipeline", "-e "))]
    out.write_text(HEADER + "".join(f"      - {p}\n" for p in pins))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
