"""One module per stage of the workflow: the stage's computation from its inputs and settings.
May import: the foundation modules, scs.io and scs.survey (never scs.report or scs.synth)."""
