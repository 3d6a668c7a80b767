"""The multiverse's grid of specifications: every combination of the options declared in ``config.yaml``
(section ``multiverse``), constraints applied, checked against the configuration (see :mod:`scs.stages.multiverse`
for what the options mean and how the specifications are fitted).

Light on purpose: the workflow checks the grid each time it starts, before any job runs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from scs.errors import PipelineError
from scs.settings import Dimension, Multiverse, Settings
from scs.survey import formula as fml


@dataclass(frozen=True)
class Option:
    dim: str
    name: str
    change: object  # what the option does (a dict, None or a string; see the module docstring)


@dataclass
class Universe:
    dims: list[str]                       # dimension names, in order (exclusion dimensions first)
    options: dict[str, list[Option]]      # dimension -> options (index options per outcome below)
    index_options: dict[str, list[Option]]
    defaults: dict[str, str]
    specs: object                         # a pandas DataFrame: spec_id, one column per dimension, group


def multiverse_settings(s: Settings) -> Multiverse:
    m = s.multiverse
    if not m:
        raise PipelineError("the configuration has no multiverse section", file=s.file,
                            expected="multiverse: dimensions, outcomes, null_draws (see the README)")
    return m


def _options(dim: str, spec: Dimension, file: str) -> tuple[list[Option], str]:
    opts = [Option(dim, str(k), v) for k, v in spec.options.items()]
    default = str(spec.default if spec.default is not None else opts[0].name)
    if default not in {o.name for o in opts}:
        raise PipelineError(f"multiverse.{dim}.default {default!r} is not one of its options", file=file,
                            expected=", ".join(o.name for o in opts))
    return opts, default


def _index_options(m: Multiverse, s: Settings, outcome: str) -> list[Option]:
    out = []
    for name, change in m.index.options.items():
        change = change or {}
        if change.get("drop") == "each":
            out += [Option("index", f"without {v}", {"drop": [v]}) for v in s.scales[outcome].vars]
        elif change.get("drop") == "assumed":
            scale = set(s.scales[outcome].vars)
            assumed = [v for v in m.assumed_items if v in scale]
            if assumed:  # a scale without assumed items has no such variant
                out.append(Option("index", str(name), {"drop": assumed}))
        else:
            out.append(Option("index", str(name), change))
    return out


def _matches(value: str, wanted) -> bool:
    wanted = wanted if isinstance(wanted, list) else [wanted]
    pos = [str(w) for w in wanted if not str(w).startswith("!")]
    neg = [str(w)[1:] for w in wanted if str(w).startswith("!")]
    return (not pos or value in pos) and value not in neg


def _matches_column(values, wanted) -> np.ndarray:
    """:func:`_matches` for a whole column of option names."""
    wanted = wanted if isinstance(wanted, list) else [wanted]
    pos = [str(w) for w in wanted if not str(w).startswith("!")]
    neg = [str(w)[1:] for w in wanted if str(w).startswith("!")]
    return ((values.isin(pos) if pos else np.ones(len(values), dtype=bool)) & ~values.isin(neg)).to_numpy()


def check(s: Settings) -> None:
    """The multiverse section refers only to things that exist, and the configured analysis survives the
    constraints (the workflow's check before any job runs; no table is built)."""
    m = multiverse_settings(s)
    _, defaults, index_options, _ = _validated(s)
    for y in m.outcomes:
        row = {**defaults, "outcome": y}
        if defaults["index"] not in {o.name for o in index_options[y]} or not all(
                not all(_matches(row[d], v) for d, v in c.when.items())
                or all(_matches(row[d], v) for d, v in c.only.items()) for c in m.constraints):
            raise PipelineError(f"the constraints exclude the default specification of {y!r}", file=s.file)


def _validated(s: Settings):
    """The options of every dimension and their defaults, each checked against the configuration."""
    m = multiverse_settings(s)
    options, defaults = {}, {}
    rule_names = {r.name for r in s.cleaning.rules}
    for dim, spec in m.exclusions.items():
        options[dim], defaults[dim] = _options(dim, spec, s.file)
        for o in options[dim]:
            bad = [r for r in (o.change or {}) if r not in rule_names]
            if bad:
                raise PipelineError(f"multiverse.exclusions.{dim} option {o.name!r} changes rule(s) {bad}, not in "
                                    f"cleaning.rules", file=s.file, expected=", ".join(sorted(rule_names)))
    for dim in ("weights", "political_capital"):
        options[dim], defaults[dim] = _options(dim, getattr(m, dim), s.file)
    for o in options["political_capital"]:
        names = [t.name for t in fml.parse_formula(o.change["terms"], where=s.file)]
        if not set(o.change["focal"]) <= set(names):
            raise PipelineError(f"multiverse.political_capital option {o.name!r}: focal term(s) "
                                f"{sorted(set(o.change['focal']) - set(names))} are not among its terms",
                                file=s.file, expected=f"some of {names}")
    options["controls"] = [Option("controls", str(c), c) for c in m.controls]
    defaults["controls"] = str(m.default_controls or s.models.full)
    unknown = [c for c in m.controls if c not in s.models.formulas]
    if unknown:
        raise PipelineError(f"multiverse.controls names {unknown}, not formulas of models.formulas", file=s.file)
    defaults["index"] = str(m.index.default if m.index.default is not None else next(iter(m.index.options)))
    for y in m.outcomes:
        if y not in s.scales:
            raise PipelineError(f"multiverse.outcomes names {y!r}, which is not a scale of config.scales",
                                file=s.file)
    in_scales = {v for y in m.outcomes for v in s.scales[y].vars}
    stray = [v for v in m.assumed_items if v not in in_scales]
    if stray:
        raise PipelineError(f"multiverse.assumed_items names {stray}, not items of the outcomes' scales",
                            file=s.file, expected="items of config.scales (or an empty list)")
    index_options = {y: _index_options(m, s, y) for y in m.outcomes}
    dims = [*m.exclusions, "weights", "index", "political_capital", "controls", "outcome"]
    return options, defaults, index_options, dims


def universe(s: Settings) -> Universe:
    """Every specification the configuration declares, constraints applied, in a fixed order."""
    import pandas as pd

    m = multiverse_settings(s)
    options, defaults, index_options, dims = _validated(s)
    rows = []
    fixed = [d for d in dims if d not in ("index", "outcome")]
    for y in m.outcomes:
        for combo in itertools.product(*[[o.name for o in options[d]] for d in fixed]):
            for ix in index_options[y]:
                rows.append((*combo, ix.name, y))
    specs = pd.DataFrame(rows, columns=[*fixed, "index", "outcome"])[dims]
    keep = np.ones(len(specs), dtype=bool)
    for c in m.constraints:  # a specification matching every `when` must match every `only`
        when = np.logical_and.reduce([_matches_column(specs[d], v) for d, v in c.when.items()])
        only = np.logical_and.reduce([_matches_column(specs[d], v) for d, v in c.only.items()])
        keep &= ~when | only
    specs = specs[keep].reset_index(drop=True)
    group_dims = [*m.exclusions, "weights"]
    specs["group"] = specs.groupby(group_dims, sort=False).ngroup()
    specs["_y"] = specs["outcome"].map({y: i for i, y in enumerate(m.outcomes)})
    specs = specs.sort_values(["group", "_y"], kind="stable").drop(columns="_y").reset_index(drop=True)
    specs.insert(0, "spec_id", np.arange(1, len(specs) + 1))
    return Universe(dims=dims, options=options, index_options=index_options, defaults=defaults, specs=specs)


def default_spec(u: Universe, outcome: str) -> int:
    """The spec_id of the configured analysis (every dimension at its default) for an outcome."""
    s = u.specs
    mask = s["outcome"] == outcome
    for d, v in u.defaults.items():
        mask &= s[d] == v
    if not mask.any():
        raise PipelineError(f"multiverse.constraints exclude the default specification of {outcome!r}")
    return int(s.loc[mask, "spec_id"].iloc[0])



def shard_groups(s: Settings, shard: int, n_shards: int) -> list[int]:
    """The groups of one shard: groups dealt out largest first to the shard with the fewest specifications."""
    sizes = universe(s).specs.groupby("group").size().sort_values(ascending=False, kind="stable")
    load = [0] * n_shards
    own: list[list[int]] = [[] for _ in range(n_shards)]
    for g, size in sizes.items():
        k = int(np.argmin(load))
        own[k].append(int(g))
        load[k] += int(size)
    return sorted(own[shard])
