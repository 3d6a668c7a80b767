"""Re-pin on purpose: record the current build's numbers and text files as the pins.

    make repin        (runs snakemake first, then this script)
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from scs import registry  # noqa: E402


def main():
    import yaml

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    pins_dir = ROOT / cfg["verify"]["pins"]
    reg = registry.load_json(ROOT / "results" / "numbers.json")
    pins_dir.mkdir(exist_ok=True)
    (pins_dir / "numbers.json").write_text(json.dumps(registry.pins_from(reg), indent=1, sort_keys=True) + "\n")
    import os

    os.chdir(ROOT)
    text = registry.text_checksums(registry.text_outputs(Path("results")))
    (pins_dir / "text_sha256.json").write_text(json.dumps(text, indent=1, sort_keys=True) + "\n")
    print(f"pinned {len(reg['numbers']):,} numbers and {len(text)} text files in {pins_dir.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
