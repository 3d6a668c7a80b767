"""The drift check's verdict in one line (`make verify`): read from verify.md in the configuration's output folder.

    python tools/verdict.py [CONFIG]
"""

import sys
from pathlib import Path

from scs.config import load_config, output_dir


def main(config: str = "config.yaml") -> None:
    path = Path(output_dir(load_config(config), config)) / "verify.md"
    if not path.is_file():
        sys.exit(f"ERROR: {path} does not exist: build first (make CONFIG={config})")
    verdict = next((line for line in path.read_text(encoding="utf-8").splitlines()
                    if line.startswith(("No drift", "DRIFT", "No pins"))), None)
    print(f"{verdict or 'no verdict in the file'} ({path})")


if __name__ == "__main__":
    main(*sys.argv[1:])
