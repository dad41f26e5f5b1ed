"""Choropleth classes for colouring evaluation units by an indicator (mapclassify).

folium's own binning breaks on skewed data (folium #1686, #1270), so classes are computed here
with mapclassify and the legend is drawn from the result: every class has its value range,
its member count and its colour; units without a value fall in a separate "no data" class.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spatial.errors import UsageError

SCHEMES = ("quantiles", "natural_breaks", "equal_interval")
NO_DATA_COLOUR = "#d9d9d9"
# ColorBrewer RdYlGn (5 classes), low → high; classes are coloured by interpolating these stops.
RAMP = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")


@dataclass
class Classes:
    """The classes of one indicator: class i holds lower[i] ≤ v ≤ upper[i] (lower bound open above class 0)."""

    scheme: str
    lower: list[float]
    upper: list[float]
    counts: list[int]
    colours: list[str]
    assignment: np.ndarray     # class of each value, -1 where the value is missing
    no_data: int               # how many values are missing
    low: list[float | None] = field(default_factory=list)   # the smallest value in each class (None: empty class)
    high: list[float | None] = field(default_factory=list)  # the largest value in each class

    def ranges(self) -> list[tuple[float, float] | None]:
        """(smallest, largest) value actually in each class, for legends: bounds between classes can round to the
        same text ("48.2%–48.2%"), the values in a class cannot overlap another's. None for an empty class."""
        return [None if lo is None or hi is None else (lo, hi) for lo, hi in zip(self.low, self.high)]

    @property
    def k(self) -> int:
        return len(self.upper)

    def colour_of(self) -> list[str]:
        """Colour of every value, NO_DATA_COLOUR for missing ones."""
        table = np.array([*self.colours, NO_DATA_COLOUR], dtype=object)
        return table[np.where(self.assignment < 0, len(self.colours), self.assignment)].tolist()


def ramp(k: int, *, reverse: bool = False) -> list[str]:
    """k colours from red (low) through yellow to green (high); reversed for indicators where lower is better."""
    stops = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in RAMP], dtype=float)
    if k <= 1:
        picks = [stops[-1]]
    else:
        pos = np.linspace(0, len(stops) - 1, k)
        lo = np.floor(pos).astype(int).clip(0, len(stops) - 2)
        f = (pos - lo)[:, None]
        picks = stops[lo] * (1 - f) + stops[lo + 1] * f
    colours = ["#" + "".join(f"{int(round(v)):02x}" for v in rgb) for rgb in picks]
    return colours[::-1] if reverse else colours


def classify(values, *, scheme: str = "quantiles", k: int = 5, reverse: bool = False) -> Classes:
    """Classes of `values` by mapclassify: quantiles, natural breaks (Fisher–Jenks) or equal interval.

    k is lowered to the number of distinct values when there are fewer (an empty quantile class,
    from tied values, is dropped; an empty equal-interval class is kept); missing and non-finite values
    go to the no-data class. `reverse` colours low values green (cost indicators).
    """
    if scheme not in SCHEMES:
        raise UsageError(f"unknown classification scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    if int(k) < 1:
        raise UsageError(f"the number of classes must be at least 1 (got {k})")
    y = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(y)
    assignment = np.full(len(y), -1, dtype=int)
    distinct = np.unique(y[ok])
    if len(distinct) == 0:
        return Classes(scheme, [], [], [], [], assignment, int((~ok).sum()), [], [])
    k = int(min(int(k), len(distinct)))
    if k == 1:
        upper = np.array([distinct[-1]])
        yb = np.zeros(int(ok.sum()), dtype=int)
    else:
        import mapclassify  # noqa: PLC0415 - slow import (scipy); only when colouring is asked for

        with warnings.catch_warnings():  # "Numba not installed": the pure-Python Fisher–Jenks is fine for units
            warnings.filterwarnings("ignore", message=".*Numba.*")
            cls = {"quantiles": mapclassify.Quantiles, "natural_breaks": mapclassify.FisherJenks,
                   "equal_interval": mapclassify.EqualInterval}[scheme](y[ok], k=k)
        upper, yb = np.asarray(cls.bins, dtype=float), np.asarray(cls.yb, dtype=int)
    if scheme == "quantiles":  # tied values can leave a quantile class empty: drop it
        used = np.unique(yb)
        remap = np.full(len(upper), -1, dtype=int)
        remap[used] = np.arange(len(used))
        yb, upper = remap[yb], upper[used]
    assignment[ok] = yb
    lower = [float(distinct[0])] + [float(u) for u in upper[:-1]]
    counts = np.bincount(yb, minlength=len(upper)).tolist()
    values = pd.Series(y[ok]).groupby(yb)
    lows, highs = values.min(), values.max()
    low = [float(lows[i]) if i in lows.index else None for i in range(len(upper))]
    high = [float(highs[i]) if i in highs.index else None for i in range(len(upper))]
    return Classes(scheme, lower, [float(u) for u in upper], counts, ramp(len(upper), reverse=reverse),
                   assignment, int((~ok).sum()), low, high)


__all__ = ["Classes", "NO_DATA_COLOUR", "RAMP", "SCHEMES", "classify", "ramp"]
