"""The committed outputs were made from the committed code, configuration and data: a clone's first build
changes no number (the registry fragments record the checksum of every input a rule read)."""

import json

from conftest import ROOT

from scs.config import file_sha256


def test_the_committed_numbers_were_made_from_the_files_in_the_repository():
    fragments = sorted((ROOT / "results" / "numbers").glob("*.json"))
    assert len(fragments) >= 8
    stale, checked = [], 0
    for frag in fragments:
        for path, sha in json.loads(frag.read_text())["inputs_sha256"].items():
            if path.startswith(("src/", "scripts/", "data/", "config")) and (ROOT / path).is_file():
                checked += 1
                if file_sha256(ROOT / path) != sha:
                    stale.append(f"{frag.name}: {path}")
            elif path.startswith(("src/", "scripts/")):
                stale.append(f"{frag.name}: {path} (no longer exists)")
    assert checked > 100
    assert not stale, f"results/ is older than {len(stale)} input(s) (rebuild with `make` and commit): {stale[:5]}"
