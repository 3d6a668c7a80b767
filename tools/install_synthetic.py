"""Install a regenerated stand-in (build/synthetic/) where its configuration expects it: the raw export
and its checksums beside data.raw, the truth file at synthetic.truth (`make synthetic`).

    python tools/install_synthetic.py [CONFIG]
"""

import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def main(config: str = "config.yaml") -> None:
    cfg = yaml.safe_load((ROOT / config).read_text(encoding="utf-8"))
    raw = ROOT / cfg["data"]["raw"]
    stem = raw.stem
    build = ROOT / "build" / "synthetic"
    raw.parent.mkdir(parents=True, exist_ok=True)
    exts = ("csv", "sav") if raw.suffix == ".csv" and cfg["data"]["source"] == "synthetic" else (raw.suffix[1:],)
    for ext in exts:  # the main stand-in ships both formats; another, the one its config reads
        shutil.copyfile(build / f"{stem}.{ext}", raw.parent / f"{stem}.{ext}")
    shutil.copyfile(build / "SHA256SUMS", raw.parent / "SHA256SUMS")
    shutil.copyfile(build / "truth.json", ROOT / cfg["synthetic"]["truth"])
    print(f"installed {', '.join(f'{stem}.{e}' for e in exts)} and SHA256SUMS in {raw.parent.relative_to(ROOT)}/, "
          f"the truth in {cfg['synthetic']['truth']}")


if __name__ == "__main__":
    main(*sys.argv[1:])
