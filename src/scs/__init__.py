"""Pure, tested functions behind the SCS replication pipeline, in layers.

* foundation (this folder): ``errors``, ``precision`` (how released numbers are rounded), ``config``
  (reading and checking config.yaml), ``settings`` (the typed settings every function takes),
  ``codedeps`` (what a rule's script imports); they import nothing else of the package;
* ``io``: reading and checking a survey export against its codebook;
* ``survey``: the estimators (calibration, the survey design and its variances, means, regression,
  ordered logit, model formulas), knowing nothing of the study;
* ``stages``: one module per stage of the workflow (clean, weights, indices, items, descriptives,
  models, multiverse, reproduction), each turning inputs and settings into a StageResult: tables,
  the numbers the outputs state (with their registry keys) and diagnostics;
* ``report``: renderers that only format (Markdown, HTML, LaTeX tables, figures, notebooks), the
  registry of numbers, the paper and provenance;
* ``synth``: the synthetic stand-in's generator.

What a layer may import is checked by tests/test_layers.py (each subpackage's docstring says it too).
Snakemake rules and the scripts in scripts/ are thin adapters around these functions.
"""

__version__ = "0.1.0"
