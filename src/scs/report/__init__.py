"""What readers see: renderers that only format results (Markdown, HTML and LaTeX tables, figures,
notebooks), the registry of numbers (numbers.json, numbers.tex, the drift check), the paper and provenance.
May import: the foundation modules and scs.survey's constants (never scs.stages, scs.io or scs.synth)."""
