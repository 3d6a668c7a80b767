# Shared helpers for the rule files.
import hashlib
import json

RAW = config["data"]["raw"]
CODEBOOK = config["data"]["codebook"]
TARGETS = config["data"]["targets"]


def config_digest():
    """Hash of the whole configuration; a rule that takes it as a param reruns when config changes."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def pkg(*modules):
    """Source files of the scs package that a rule depends on."""
    return [f"src/scs/{m}.py" for m in modules]
