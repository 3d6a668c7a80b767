# Shared helpers for the rule files.
import hashlib
import json

RAW = config["data"]["raw"]
CODEBOOK = config["data"]["codebook"]
TARGETS = config["data"]["targets"]


def config_digest():
    """Hash of the whole configuration; a rule that takes it as a param reruns when config changes."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def content_sha256(path):
    """Checksum of an input file: as a param, a changed file reruns its rule even if its mtime was kept."""
    import os

    if not os.path.isfile(path):
        return "missing"
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def pkg(*modules):
    """Source files of the scs package that a rule depends on."""
    return [f"src/scs/{m}.py" for m in modules]
