"""The configuration as typed, frozen settings: parsed once, passed to the library.

``config.yaml`` is checked against its schema (:mod:`scs.config`, which also fills in the schema's
defaults: the defaults live in the schema only) and turned here into one frozen dataclass per section.
Library functions take the settings they need (a section, or the whole :class:`Settings`), never the
configuration dict; a variant of the analysis (the multiverse, a test) is made with :func:`replace`.

A rule's script receives only the sections its rule declares (so that it reruns only when they change):
:func:`from_config` accepts such a slice, and a section the slice lacks fails on first use with a line that
names it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scs.errors import PipelineError


class FrozenDict(dict):
    """A dict that cannot be changed (a mapping inside frozen settings); picklable."""

    def _frozen(self, *args, **kwargs):
        raise TypeError("settings cannot be changed in place; use scs.settings.replace")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _frozen

    def __reduce__(self):
        return (FrozenDict, (dict(self),))

    def __hash__(self):
        return hash(tuple(sorted(self.items(), key=repr)))


# ----------------------------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class Data:
    source: str            # synthetic | simulated | real
    label: str             # printed on every output
    raw: str
    format: str
    codebook: str
    targets: str


@dataclass(frozen=True)
class Output:
    dir: str


@dataclass(frozen=True)
class Rule:
    """One exclusion rule; the fields its kind does not use are None or empty."""

    name: str
    kind: str              # keep_values | keep_at_least | straightline | duplicate
    description: str | None = None
    var: str | None = None
    values: tuple[int, ...] = ()
    min: float | None = None
    grids: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    order_by: str | None = None


@dataclass(frozen=True)
class Cleaning:
    rules: tuple[Rule, ...]

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)


@dataclass(frozen=True)
class Bounds:
    lower: float
    upper: float


@dataclass(frozen=True)
class Infeasible:
    policy: tuple[str, ...]
    collapsible: tuple[str, ...]
    headroom: float
    max_steps: int


@dataclass(frozen=True)
class Jackknife:
    max_rows: int


@dataclass(frozen=True)
class Replicates:
    kind: str
    n: int
    seed: int
    dtype: str
    max_rows: int | None


@dataclass(frozen=True)
class Weighting:
    method: str
    variables: tuple[str, ...]
    base_weight: str | None
    bounds: Bounds
    tol: float
    max_iter: int
    trim_cycles: int
    infeasible: Infeasible
    jackknife: Jackknife
    replicates: Replicates


@dataclass(frozen=True)
class SampleDesign:
    """The sampling design (R: ``svydesign(ids = ~psu, strata = ~strata, weights = ~w, nest = TRUE)``): analysis
    variables of the stratum and of the first-stage cluster (PSU); None: one stratum, each respondent its own PSU
    (``ids = ~1``)."""

    strata: str | None
    psu: str | None
    nest: bool             # PSU codes repeat across strata (R's nest = TRUE); false: a repeated one is an error
    lonely_psu: str        # a stratum with one PSU: fail | certainty | adjust (R's options(survey.lonely.psu))

    @property
    def clustered(self) -> bool:
        """Strata or PSUs named: anything but today's single-stage design of respondents (ids = ~1)."""
        return self.strata is not None or self.psu is not None


@dataclass(frozen=True)
class Item:
    var: str
    label: str
    reverse: bool


@dataclass(frozen=True)
class Scale:
    label: str
    min_answered: int
    items: tuple[Item, ...]
    response_scale: ResponseScale | None = None   # None: the configuration's response_scale

    @property
    def vars(self) -> list[str]:
        return [it.var for it in self.items]


@dataclass(frozen=True)
class ResponseScale:
    """The answer codes of a scale's items (``labels``: code -> label), the codes counted as agreement
    (``support``) and disagreement (``oppose``), the words for the two shares and the scale's midpoint."""

    labels: Mapping[int, str]
    support: tuple[int, ...]
    oppose: tuple[int, ...]
    agree: str
    disagree: str
    midpoint: float | None = None        # None: halfway between the lowest and the highest code

    @property
    def codes(self) -> list[int]:
        return sorted(self.labels)

    @property
    def middle(self) -> float:
        return float(self.midpoint) if self.midpoint is not None else (min(self.labels) + max(self.labels)) / 2


@dataclass(frozen=True)
class Reliability:
    missing: str           # listwise: respondents who answered every item; pairwise: each pair of items apart
    threshold: float       # a scale used in a model with a (weighted) alpha below it is flagged


@dataclass(frozen=True)
class Estimates:
    ci_level: float
    variance: str          # auto | jackknife | linearization | bootstrap


@dataclass(frozen=True)
class Disclosure:
    min_cell: int


@dataclass(frozen=True)
class Figures:
    dpi: int
    titles: Mapping[str, str]


@dataclass(frozen=True)
class Predict:
    by: str
    levels: tuple[float, ...]
    level_labels: Mapping[object, str]


@dataclass(frozen=True)
class Models:
    outcomes: tuple[str, ...]
    formulas: Mapping[str, str]
    full: str
    common_sample: bool
    political_capital: tuple[str, ...]
    alternative_formula: str
    predict: Predict
    ordered_terms: tuple[str, ...]
    term_labels: Mapping[str, str]


@dataclass(frozen=True)
class Reproduction:
    published: str
    compare: object        # "auto", True or False


@dataclass(frozen=True)
class Domains:
    """Estimates by groups (``by``) and crosstabs (pairs of variables); labels of variables and their levels."""

    by: tuple[str, ...]
    crosstabs: tuple[tuple[str, ...], ...]
    labels: Mapping[str, str]
    level_labels: Mapping[str, Mapping[object, str]]

    @property
    def configured(self) -> bool:
        return bool(self.by or self.crosstabs)

    @property
    def variables(self) -> list[str]:
        """Every variable the section names, in order: the groups, then the crosstabs' own."""
        return list(dict.fromkeys([*self.by, *(v for pair in self.crosstabs for v in pair)]))


@dataclass(frozen=True)
class Tolerance:
    match: str
    abs: float | None = None
    rel: float | None = None


@dataclass(frozen=True)
class Verify:
    pins: str
    default_abs: float
    default_rel: float
    tolerances: tuple[Tolerance, ...]


@dataclass(frozen=True)
class Synthetic:
    spec: str
    seed: int
    truth: str
    sav: str | None = None


@dataclass(frozen=True)
class Paper:
    """The manuscript (rule ``paper``): the study's text, title page and data statement."""

    prose: str | None          # the study's text: abstract, sections, references
    title: str | None          # None: the title of the citation file
    subtitle: str | None
    date: str | None           # YYYY-MM-DD; None: date-released of the citation file
    citation: str              # CITATION.cff: authors, date, keywords
    macro_prefix: str          # numbers.tex: \<prefix>ItemsSurveillanceMean{}
    allowed_numbers: str | None
    availability: str          # the study's statement on its microdata


@dataclass(frozen=True)
class Numbering:
    """One numbering of the tables and figures (the paper, the report's captions, the list of tables and
    programs). ``figures``: ``items`` and ``specification_curves`` number the first of a run (one figure per
    battery, one per multiverse outcome)."""

    tables: Mapping[str, int]
    figures: Mapping[str, int]


@dataclass(frozen=True)
class Dimension:
    """One dimension of the multiverse: its options (name -> the change it makes, as configured)."""

    options: Mapping[str, object]
    label: str | None = None
    default: str | None = None


@dataclass(frozen=True)
class Constraint:
    when: Mapping[str, object]
    only: Mapping[str, object]


@dataclass(frozen=True)
class Multiverse:
    outcomes: tuple[str, ...]
    direction: str
    null_draws: int
    seed: int
    shards: int
    exclusions: Mapping[str, Dimension]
    weights: Dimension
    index: Dimension
    assumed_items: tuple[str, ...]
    political_capital: Dimension
    controls: tuple[str, ...]
    default_controls: str | None
    constraints: tuple[Constraint, ...]


class _Absent:
    """A section the rule did not declare (its params slice lacks it): any use names it."""

    def __init__(self, section: str):
        self._section = section

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise PipelineError(f"the configuration section {self._section!r} was not given to this step "
                            "(add it to the rule's params)", file="workflow/rules")

    def __bool__(self):
        return False

    def __repr__(self):
        return f"<absent section {self._section}>"


@dataclass(frozen=True)
class Settings:
    """The whole configuration, typed. ``file``: the configuration file it came from (for messages)."""

    data: Data
    output: Output
    cleaning: Cleaning
    weighting: Weighting
    design: SampleDesign
    batteries: tuple[str, ...]
    scales: Mapping[str, Scale]
    response_scale: ResponseScale
    reliability: Reliability
    estimates: Estimates
    disclosure: Disclosure
    figures: Figures
    models: Models
    reproduction: Reproduction
    verify: Verify
    synthetic: Synthetic | None
    multiverse: Multiverse | None
    paper: Paper
    numbering: Numbering
    domains: Domains | None
    file: str = "config.yaml"

    def scale_of(self, name: str) -> Scale:
        return self.scales[name]

    def response_scale_of(self, name: str) -> ResponseScale:
        """The response scale of a scale's items: its own, else the configuration's ``response_scale``."""
        return self.scales[name].response_scale or self.response_scale


# ----------------------------------------------------------------------------------------------- parsing



def _convert(tp, value, where: str):
    """``value`` (parsed YAML, defaults filled) as type ``tp``."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, where) if len(inner) == 1 else value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise PipelineError(f"invalid configuration at {where}: expected a mapping, got {value!r}")
        hints = typing.get_type_hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in value:
                kwargs[f.name] = _convert(hints[f.name], value[f.name], f"{where}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                # not in the slice of the configuration a rule declared (the whole file was validated)
                kwargs[f.name] = _Absent(f"{where}.{f.name}")
        return tp(**kwargs)
    if origin is tuple:
        return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value or []))
    if origin in (Mapping, dict):
        kt, vt = args
        return FrozenDict({_convert(kt, k, where): _convert(vt, v, f"{where}.{k}") for k, v in (value or {}).items()})
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if tp is object or tp is str or tp is int or tp is bool:
        return value
    return value


def from_config(cfg: Mapping, *, file: str | Path = "config.yaml", defaults: bool = True) -> Settings:
    """Settings from a configuration, or the slice of one that a rule declares. ``defaults``: fill in what the
    schema defaults (a configuration written by hand, as in tests); a rule's slice is cut from the validated,
    already filled configuration (``defaults=False``), so that a setting the slice lacks fails on first use
    instead of taking the schema's default in place of the user's value."""
    from scs.config import with_defaults

    hints = typing.get_type_hints(Settings)
    kwargs: dict = {"file": str(file)}
    for f in dataclasses.fields(Settings):
        if f.name == "file":
            continue
        if f.name not in cfg:
            kwargs[f.name] = _Absent(f.name)
        elif cfg[f.name] is None:
            kwargs[f.name] = None
        else:
            value = cfg[f.name]
            if defaults and isinstance(value, Mapping):
                value = with_defaults(f.name, dict(value))
            kwargs[f.name] = _convert(hints[f.name], value, f.name)
    return Settings(**kwargs)


def load(path: str | Path) -> Settings:
    """Read, validate and parse a configuration file."""
    from scs.config import load_config

    return from_config(load_config(path), file=path)


def replace(obj, changes: Mapping | None = None, **kw):
    """A copy of frozen settings ``obj`` with ``changes`` applied: a nested mapping in the configuration's
    own shape ({"bounds": {"lower": 0.3}} changes one bound of a Weighting) and/or keyword fields."""
    changes = {**(changes or {}), **kw}
    if not changes:
        return obj
    hints = typing.get_type_hints(type(obj))
    names = {f.name for f in dataclasses.fields(obj)}
    new = {}
    for k, v in changes.items():
        if k not in names:
            raise PipelineError(f"unknown setting {k!r} of {type(obj).__name__}", expected=", ".join(sorted(names)))
        cur = getattr(obj, k)
        if dataclasses.is_dataclass(cur) and isinstance(v, Mapping):
            new[k] = replace(cur, v)
        elif dataclasses.is_dataclass(v) or isinstance(v, (FrozenDict, tuple)) or v is None:
            new[k] = v
        else:
            new[k] = _convert(hints[k], v, k)
    return dataclasses.replace(obj, **new)


def as_dict(obj) -> object:
    """Settings back in the configuration's shape (plain dicts and lists), e.g. to write or hash them."""
    if isinstance(obj, _Absent):
        return None
    if dataclasses.is_dataclass(obj):
        return {f.name: as_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name != "file"}
    if isinstance(obj, Mapping):
        return {k: as_dict(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [as_dict(v) for v in obj]
    return obj
