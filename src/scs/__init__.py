"""Pure, tested functions behind the SCS replication pipeline.

One module per stage (ingest, clean, weights, indices, figures) plus the
synthetic stand-in's generator (synth). Snakemake rules and the scripts in
scripts/ are thin adapters around these functions.
"""

__version__ = "0.1.0"
