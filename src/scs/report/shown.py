"""What readers see instead of the names in the data: the configured labels of the variables and their
categories, and each scale's response scale, as the workflow passes them to the notebooks (a light module: the
workflow imports it when it starts)."""

from __future__ import annotations

from scs.settings import Settings


def label_maps(s: Settings) -> dict:
    """The configured labels the notebooks show (the workflow passes them in each notebook's parameters):
    ``variables`` (a scale's label, then ``models.term_labels``, then ``domains.labels``, the later winning)
    and ``levels`` (``domains.level_labels``)."""
    variables = {name: sc.label for name, sc in s.scales.items() if sc.label}
    variables.update({k: v for k, v in s.models.term_labels.items() if v})
    levels: dict = {}
    if s.domains:
        variables.update({k: v for k, v in s.domains.labels.items() if v})
        levels = {var: {str(k): str(v) for k, v in lv.items()} for var, lv in s.domains.level_labels.items()}
    return {"variables": variables, "levels": levels}


def response_scales(s: Settings) -> dict[str, dict]:
    """Each scale's response scale (its own, else the configuration's) as the notebooks read it: ``labels``,
    ``support``, ``oppose`` and the words of the two shares (``agree``, ``disagree``)."""
    out = {}
    for name in s.scales:
        rs = s.response_scale_of(name)
        out[name] = {"labels": {int(k): str(v) for k, v in rs.labels.items()}, "support": list(rs.support),
                     "oppose": list(rs.oppose), "agree": rs.agree or "support", "disagree": rs.disagree or "oppose"}
    return out
