"""Pure, tested functions behind the SCS replication pipeline, in layers.

* foundation (this folder): ``errors``, ``precision`` (how released numbers are rounded), ``config``
  (reading and checking config.yaml, the schema's defaults), ``settings`` (the configuration as typed,
  frozen settings: what every library function takes instead of the configuration dict), ``numbers``
  (the numbers a stage states, under their registry keys), ``codedeps`` (what a rule's script imports);
  they import nothing else of the package;
* ``io``: reading and checking a survey export against its codebook;
* ``survey``: the estimators (calibration, the survey design and its variances, means, regression,
  ordered logit, model formulas), knowing nothing of the study;
* ``stages``: one module per stage of the workflow (clean, weights, indices, items, descriptives,
  models, multiverse, reproduction): the stage's tables and the numbers its outputs state, under
  registry keys the stage names (``*_numbers`` functions, :class:`scs.numbers.StatedNumbers`);
* ``report``: renderers that only format what a stage computed and stated (Markdown, HTML, LaTeX
  tables, figures, notebooks), the registry of numbers written from the stages' numbers, the paper
  and provenance;
* ``synth``: the synthetic stand-in's generator.

What a layer may import is checked by tests/test_layers.py (each subpackage's docstring says it too).
Snakemake rules and the scripts in scripts/ are thin adapters around these functions.
"""

__version__ = "0.1.0"
