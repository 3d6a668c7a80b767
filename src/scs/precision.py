"""The precision of every number the pipeline writes as text: rounded once, here.

Floating-point results carry noise in their last digits that depends on the CPU's kernels (the order
in which BLAS sums), so the same build on two machines agrees to about 1e-13 relative, not to the
last bit. Every number that enters a text output (CSV tables, numbers.json, the registry's macros,
the values figures draw) is rounded here to a precision far coarser than that noise, so that a build
on any machine writes the same text:

* estimates, SEs, intervals, weights, shares: ``SIGNIFICANT`` (7) significant digits, enough for a
  comparison with R at 1e-6 relative;
* p-values: ``P_SIGNIFICANT`` (4) significant digits (a p-value in the far tail of a t distribution
  carries the noise of its t statistic multiplied many times);
* numerical diagnostics whose size is the noise itself (how far calibrated weights miss their
  margins): the power of ten above them, read "below 1e-12".

The Markdown and LaTeX tables print fewer digits still (registry formats).
"""

from __future__ import annotations

import math

import numpy as np

SIGNIFICANT = 7
P_SIGNIFICANT = 4


def round_sig(x, digits: int = SIGNIFICANT):
    """``x`` (a number or an array) rounded to ``digits`` significant digits; NaN, inf and 0 unchanged."""
    a = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(np.isfinite(a) & (a != 0), np.floor(np.log10(np.abs(a))), 0.0)
        scale = 10.0 ** (digits - 1 - mag)
        out = np.where(np.isfinite(a) & (a != 0), np.round(a * scale) / scale, a)
    # a * scale may overflow for huge or tiny magnitudes: keep those as they are
    out = np.where(np.isfinite(out), out, a)
    return float(out) if np.ndim(x) == 0 else out


def noise_bound(x: float) -> float:
    """The power of ten at or above |x| (0 stays 0): how a noise-sized diagnostic is reported."""
    if x is None or not math.isfinite(x) or x == 0:
        return x
    return 10.0 ** math.ceil(math.log10(abs(x)))


def is_p_column(name: str) -> bool:
    """p-value columns of the tables: ``p``, ``p_...`` and ``..._p``."""
    n = str(name)
    return n == "p" or n.startswith("p_") or n.endswith("_p")


def _round_object(s, digits: int):
    """An object column (numbers mixed with withheld cells such as "<10"): its floats rounded."""
    return s.map(lambda v: round_sig(v, digits) if isinstance(v, (float, np.floating)) else v)


def round_frame(df):
    """A table for release (a pandas DataFrame): every float column rounded (p-value columns to fewer digits)."""
    import pandas as pd

    out = df.copy()
    for c in out.columns:
        digits = P_SIGNIFICANT if is_p_column(c) else SIGNIFICANT
        s = out[c]
        if pd.api.types.is_float_dtype(s):
            out[c] = round_sig(s.to_numpy(dtype=float), digits)
        elif s.dtype == object:
            out[c] = _round_object(s, digits)
    return out


def round_json(obj, digits: int = SIGNIFICANT):
    """Every float of a JSON-able structure rounded (keys named like p-values to fewer digits)."""
    if isinstance(obj, dict):
        return {k: round_json(v, P_SIGNIFICANT if is_p_column(k) else digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [round_json(v, digits) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return round_sig(float(obj), digits)
    return obj
