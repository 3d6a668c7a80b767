"""What readers see: renderers that only format results (Markdown, HTML and LaTeX tables, figures,
notebooks), the registry of numbers (numbers.json, numbers.tex, the drift check), the paper and provenance.
May import: the foundation modules, scs.survey and scs.stages (whose results they format); never scs.io or
scs.synth."""
