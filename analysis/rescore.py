"""Re-score the evaluation units with other composite weights, without re-running the evaluation.

The normalised indicators (`Evaluation.norm`) do not depend on the weights, so a new set of
weights only needs the weighted sum, the ranks within each unit kind, the grades and the ±step
sensitivity again — the same functions of `analysis.composite` the evaluation itself uses, so a
rescored unit has exactly the score `evaluate(inputs, weights=…)` would give it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import pandas as pd

from analysis.composite import CompositeSpec, grades, ranks, scores, sensitivity
from analysis.score import Evaluation, set_not_scored
from layers.problems import InputError

SCORE_COLUMNS = ("score", "rank", "grade", "rank_best", "rank_worst")


def check_weights(spec: CompositeSpec, weights: Sequence[float]) -> tuple[float, ...]:
    """The weights as floats, one per indicator of `spec`, each finite and ≥ 0 with a positive sum;
    anything else is an InputError saying what is wrong."""
    values = list(weights)
    if len(values) != len(spec.indicators):
        raise InputError(f"{len(values)} weights given for {len(spec.indicators)} indicators ({', '.join(spec.indicators)})")
    try:
        out = tuple(float(w) for w in values)
    except (TypeError, ValueError):
        raise InputError(f"weights must be numbers, got {values!r}") from None
    bad = [name for name, w in zip(spec.indicators, out) if not math.isfinite(w) or w < 0]
    if bad:
        raise InputError(f"weights must be finite and ≥ 0; not so for {', '.join(bad)}")
    if sum(out) <= 0:
        raise InputError("at least one weight must be > 0")
    return out


def rescore(norm: pd.DataFrame, kinds: pd.Series, spec: CompositeSpec, weights: Sequence[float]) -> pd.DataFrame:
    """Score (0–100), rank within kind, grade and ±step rank range of every unit under `weights`.

    `norm` holds one column per indicator of `spec` (values in [0, 1], NaN = no data), `kinds` the
    unit kind of each row; the result has the columns of `SCORE_COLUMNS` on `norm`'s index.
    """
    new = spec.with_weights(check_weights(spec, weights))
    table = norm[list(new.indicators)]
    kinds = pd.Series(kinds.to_numpy(), index=table.index)
    score = scores(table, new.weights)
    out = pd.DataFrame({"score": score, "rank": ranks(score, kinds), "grade": grades(score, new.grade_thresholds)},
                       index=table.index)
    return pd.concat([out, sensitivity(table, kinds, new)], axis=1)


def rescored(ev: Evaluation, weights: Sequence[float]) -> Evaluation:
    """A copy of `ev` whose units, spec and composite method carry `weights` (everything else shared).

    Exports and `explain_unit` read the score, rank, grade and rank range from `ev.units` and the
    weights from `ev.spec`, so they describe the rescored evaluation consistently.
    """
    new_weights = check_weights(ev.spec, weights)
    if new_weights == tuple(ev.spec.weights):
        return ev
    units = ev.units.copy()
    fresh = rescore(ev.norm.set_axis(units.index), units["unit_kind"], ev.spec, new_weights)
    for column in SCORE_COLUMNS:
        units[column] = fresh[column]
    set_not_scored(units, ev.norm.set_axis(units.index), new_weights)
    return dataclasses.replace(ev, units=units, spec=ev.spec.with_weights(new_weights))


def unit_composite(ev: Evaluation, unit_id: str) -> dict:
    """The "composite" part of `analysis.explain.explain_unit` for one unit of `ev` (score, rank,
    grade, rank range, breakdown, thresholds) without its member list, so that it is cheap enough
    to recompute on every weight change (the member list does not depend on the weights)."""
    from analysis.explain import explain_unit

    return explain_unit(dataclasses.replace(ev, members=ev.members.iloc[:0]), unit_id)["composite"]


def weights_changed(spec: CompositeSpec, weights: Sequence[float], *, tolerance: float = 1e-12) -> bool:
    """Whether `weights` differ from the weights of `spec` (the landpark.toml defaults)."""
    return len(weights) != len(spec.weights) or any(abs(float(a) - float(b)) > tolerance
                                                    for a, b in zip(weights, spec.weights))


__all__ = ["SCORE_COLUMNS", "check_weights", "rescore", "rescored", "unit_composite", "weights_changed"]
