"""Composite unit score: a transparent weighted sum of normalised indicators (0–100),
its rank within the unit kind, a grade, and how far the rank moves when weights move ±10 %.

score = 100 × Σ wᵢ·nᵢ ÷ Σ wᵢ, over the indicators the unit has a value for (a missing one is
named in the breakdown and its weight left out rather than counted as zero).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pandas as pd

from layers.config import Config, config_from_dict
from layers.settings import DIRECTIONS, NORMALISATIONS, CompositeSettings

__all__ = ["DIRECTIONS", "NORMALISATIONS", "CompositeSpec", "breakdown", "grades", "normalise", "ranks", "scores",
           "sensitivity"]


class CompositeSpec(CompositeSettings):
    """The `[composite]` settings as the scoring functions take them (validated by `layers.settings`)."""

    @classmethod
    def from_config(cls, config: Config | Mapping[str, Any]) -> CompositeSpec:
        """The spec of a validated config (a dict is read over the shipped defaults and validated)."""
        c = config_from_dict(config).composite
        return cls(**{f.name: getattr(c, f.name) for f in fields(c)})

    def with_weights(self, weights: Sequence[float]) -> CompositeSpec:
        """The same spec with other weights (the app's live weights)."""
        return replace(self, weights=tuple(float(w) for w in weights))


def normalise(values: pd.DataFrame, kinds: pd.Series, benchmarks: Mapping[str, float | None],
              spec: CompositeSpec) -> pd.DataFrame:
    """Each indicator mapped to [0, 1] (NaN where the unit has no value).

    `benchmarks` are the district figures of the "benchmark" indicators; a missing or None one (no district
    figure, e.g. no enterprises) leaves that indicator out of every unit's score (NaN), as does one ≤ 0.
    """
    out = pd.DataFrame(index=values.index)
    for name, direction, method in zip(spec.indicators, spec.directions, spec.normalisations):
        v = pd.to_numeric(values[name], errors="coerce").astype(float)
        if method == "ratio":
            n = v.clip(0, 1) if direction == "benefit" else 1 - v.clip(0, 1)
        elif method == "benchmark":
            raw = benchmarks.get(name)
            b = float(raw) if raw is not None else np.nan  # no district figure (e.g. no enterprises): no score part
            if not np.isfinite(b) or b <= 0:
                n = pd.Series(np.nan, index=v.index)
            elif direction == "benefit":
                n = (v / b).clip(lower=0, upper=spec.cap) / spec.cap
            else:
                n = (b / v.where(v > 0)).fillna(spec.cap).clip(0, spec.cap) / spec.cap
                n[v.isna()] = np.nan
        else:  # minmax within each kind
            lo = v.groupby(kinds).transform("min")
            hi = v.groupby(kinds).transform("max")
            span = (hi - lo).where(hi > lo)
            n = ((v - lo) / span).fillna(1.0) if direction == "benefit" else ((hi - v) / span).fillna(1.0)
            n[v.isna()] = np.nan
        out[name] = n
    return out


def scores(norm: pd.DataFrame, weights) -> pd.Series:
    """100 × Σ w·n ÷ Σ w over available indicators."""
    w = np.asarray(weights, dtype=float)
    n = norm.to_numpy(dtype=float)
    avail = np.isfinite(n)
    num = np.where(avail, n, 0.0) @ w
    den = avail.astype(float) @ w
    return pd.Series(np.divide(100 * num, den, out=np.full(len(num), np.nan), where=den > 0), index=norm.index)


def ranks(score: pd.Series, kinds: pd.Series) -> pd.Series:
    """Rank within kind, 1 = best; ties share the better rank; no score → no rank."""
    return score.groupby(kinds).rank(ascending=False, method="min").astype("Int64")


def grades(score: pd.Series, thresholds) -> pd.Series:
    """A/B/C/D by score thresholds (A ≥ t0, B ≥ t1, C ≥ t2, else D)."""
    t0, t1, t2 = thresholds
    g = np.select([score >= t0, score >= t1, score >= t2], ["A", "B", "C"], default="D").astype(object)
    g[score.isna().to_numpy()] = None
    return pd.Series(g, index=score.index)


def sensitivity(norm: pd.DataFrame, kinds: pd.Series, spec: CompositeSpec) -> pd.DataFrame:
    """Best and worst rank of each unit over every single weight moved by ±step (others fixed)."""
    base = ranks(scores(norm, spec.weights), kinds)
    lo = base.astype(float).copy()
    hi = base.astype(float).copy()
    for i in range(len(spec.weights)):
        for sign in (-1, 1):
            w = list(spec.weights)
            w[i] *= 1 + sign * spec.step
            r = ranks(scores(norm, w), kinds).astype(float)
            lo = np.fmin(lo, r)
            hi = np.fmax(hi, r)
    return pd.DataFrame({"rank_best": pd.array(lo, dtype="Int64"), "rank_worst": pd.array(hi, dtype="Int64")}, index=norm.index)


def breakdown(values: pd.Series, norm: pd.Series, benchmarks: Mapping[str, float | None], spec: CompositeSpec) -> list[dict]:
    """Per indicator of one unit: value, benchmark (None when the district has none), normalised value, weight,
    contribution to the score."""
    w = np.asarray(spec.weights, dtype=float)
    avail = np.array([np.isfinite(norm[n]) for n in spec.indicators])
    total = float(w[avail].sum()) if avail.any() else 0.0
    rows = []
    for i, name in enumerate(spec.indicators):
        n = float(norm[name]) if np.isfinite(norm[name]) else None
        rows.append({
            "indicator": name, "value": _num(values.get(name)), "direction": spec.directions[i],
            "normalisation": spec.normalisations[i], "benchmark": _num(benchmarks.get(name)),
            "normalised": n, "weight": spec.weights[i],
            "contribution": None if n is None or total == 0 else 100 * spec.weights[i] * n / total,
        })
    return rows


def _num(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None
