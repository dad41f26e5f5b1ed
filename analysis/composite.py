"""Composite unit score: a transparent weighted sum of normalised indicators (0–100),
its rank within the unit kind, a grade, and how far the rank moves when weights move ±10 %.

score = 100 × Σ wᵢ·nᵢ ÷ Σ wᵢ, over the indicators the unit has a value for (a missing one is
named in the breakdown and its weight left out rather than counted as zero). A unit with no
indicator of positive weight that has a value gets no score, rank or grade (null), and
`not_scored_codes` says why (no parcels, no linked firms …): missing is never graded as worst.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pandas as pd

from i18n import t
from layers.config import Config, config_from_dict
from layers.settings import DIRECTIONS, NORMALISATIONS, CompositeSettings

__all__ = ["DIRECTIONS", "NORMALISATIONS", "NOT_SCORED_CODES", "CompositeSpec", "breakdown", "coverage", "grades",
           "normalise", "not_scored_codes", "ranks", "reason_text", "scores", "sensitivity"]

# Why a unit has no composite score; each code is the i18n key "unit_not_scored_<code>".
NOT_SCORED_CODES = ("no_parcels", "no_linked_firms", "no_firm_data", "zero_weight", "no_data")
_PER_MU = ("tax_per_mu", "value_added_per_mu", "output_per_mu")


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


def coverage(norm: pd.DataFrame, weights) -> pd.Series:
    """Share of the total weight a unit's score rests on (Σ wᵢ over indicators with a value ÷ Σ wᵢ); NaN unscored."""
    w = np.asarray(weights, dtype=float)
    avail = np.isfinite(norm.to_numpy(dtype=float)).astype(float)
    used = avail @ w
    total = float(w.sum())
    return pd.Series(np.where((used > 0) & (total > 0), used / total if total > 0 else np.nan, np.nan), index=norm.index)


def not_scored_codes(units: pd.DataFrame, norm: pd.DataFrame, weights) -> list[tuple[str, ...]]:
    """Per unit, why it has no score (codes of NOT_SCORED_CODES; an empty tuple for a scored unit).

    A unit is scored when at least one indicator of positive weight has a value. Otherwise the reasons
    name what is missing: no parcel touches the unit (no land figure), no member firm is linked to it, its
    members lack tax/land data, or its only indicators with data carry zero weight.
    """
    w = np.asarray(weights, dtype=float)
    avail = np.isfinite(norm.to_numpy(dtype=float))
    scored = (avail.astype(float) @ w) > 0
    parcels = pd.to_numeric(units.get("parcel_count", pd.Series(0, index=units.index)), errors="coerce").fillna(0)
    members = pd.to_numeric(units.get("member_count", pd.Series(0, index=units.index)), errors="coerce").fillna(0)
    per_mu = [c for c in _PER_MU if c in units.columns]
    has_output = (units[per_mu].apply(pd.to_numeric, errors="coerce").notna().any(axis=1).to_numpy() if per_mu
                  else np.zeros(len(units), dtype=bool))
    out: list[tuple[str, ...]] = []
    for i in range(len(units)):
        if scored[i]:
            out.append(())
            continue
        codes = []
        if parcels.iloc[i] <= 0:
            codes.append("no_parcels")
        if members.iloc[i] <= 0:
            codes.append("no_linked_firms")
        elif not has_output[i]:
            codes.append("no_firm_data")
        if avail[i].any():
            codes.append("zero_weight")
        out.append(tuple(codes) or ("no_data",))
    return out


def reason_text(codes, lang: str | None = None) -> str | None:
    """The reason a unit is not scored, in `lang`, or in Chinese with the English in brackets (as the firm records
    word theirs) when `lang` is None; None for a scored unit."""
    codes = [c for c in (codes or ()) if c]
    if not codes:
        return None
    if lang is not None:
        return ("；" if lang == "zh" else "; ").join(t(f"unit_not_scored_{c}", lang) for c in codes)
    return f"{reason_text(codes, 'zh')} ({reason_text(codes, 'en')})"


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
