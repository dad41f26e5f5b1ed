"""One unit's scorecard as data: the numbers the app's map panel (and anyone else) shows for a unit.

Everything comes from the `Evaluation`: score, grade, rank within the unit kind and out of how
many ranked units, the rank range when each composite weight moves ±10 %, and the key
indicators with the kind median, the district value and the unit's rank on each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.score import Evaluation
from reports import COST_INDICATORS, KEY_INDICATORS, composite_directions, is_missing, with_above_scale

# The per-mu output figures over all firms are each followed by their 规上-only twin (above_scale_…, analysis/members.py).
CARD_INDICATORS = (*with_above_scale(KEY_INDICATORS), "output_per_mu", "building_coverage", "area_mu",
                   "industrial_land_mu", "approved_mu", "unsupplied_mu", "idle_mu", "low_efficiency_mu", "member_count",
                   "above_scale_n_firms")
# Indicators the map can colour units by: the numeric columns of Evaluation.units (not ids, ranks or
# thresholds), the score and the per-mu and supply figures first.
COLOUR_INDICATORS = ("score", "tax_per_mu", "above_scale_tax_per_mu", "value_added_per_mu", "above_scale_value_added_per_mu",
                     "output_per_mu", "supply_ratio", "built_ratio",
                     "idle_ratio", "industrial_share", "far_industrial", "building_coverage", "m0_share", "area_mu",
                     "industrial_land_mu", "approved_mu", "supplied_mu", "unsupplied_mu", "built_mu", "idle_mu",
                     "idle_by_date_mu", "idle_by_date_count", "low_far_mu", "low_efficiency_mu", "encroachment_mu",
                     "encroachment_count", "member_count", "member_tax_10k_yuan", "member_land_mu", "parcel_count",
                     "class_A", "class_B", "class_C", "class_D")


@dataclass
class IndicatorRow:
    """One indicator of the card: the unit's value, its kind's median, the district value, its rank in the kind."""

    name: str
    value: Any
    kind_median: Any
    district: Any
    rank: int | None
    ranked: int


@dataclass
class UnitCard:
    """The scorecard of one unit."""

    key: str
    unit_id: str
    unit_kind: str
    name: str
    position: int                       # row of Evaluation.units
    score: float | None
    grade: str | None
    rank: int | None
    ranked_in_kind: int                 # units of the kind with a score
    units_in_kind: int
    rank_best: int | None
    rank_worst: int | None
    indicators: list[IndicatorRow] = field(default_factory=list)
    class_counts: dict[str, int] = field(default_factory=dict)
    leading_industries: str | None = None
    level: str | None = None
    reason_not_scored: str | None = None   # why the unit has no score (中文 (English)); None when scored
    not_scored_codes: tuple[str, ...] = ()  # the codes of analysis.composite.NOT_SCORED_CODES behind it
    score_coverage: float | None = None     # share of the composite weight the score rests on

    def reason(self, lang: str = "zh") -> str | None:
        """Why the unit is not scored, in `lang`."""
        from analysis.composite import reason_text

        return reason_text(self.not_scored_codes, lang) if self.not_scored_codes else self.reason_not_scored


def _int_or_none(v) -> int | None:
    return None if is_missing(v) else int(v)


def find_unit(ev: Evaluation, kind: str, unit_id: str) -> int | None:
    """Row position of the unit (kind, id) in `ev.units`, None when absent."""
    units = ev.units
    hit = np.flatnonzero((units["unit_kind"].astype(str).to_numpy() == str(kind))
                         & (units["unit_id"].astype(str).to_numpy() == str(unit_id)))
    return int(hit[0]) if len(hit) else None


def unit_card(ev: Evaluation, kind: str, unit_id: str, *, indicators: tuple[str, ...] = CARD_INDICATORS) -> UnitCard | None:
    """The card of unit (kind, id), None when the evaluation has no such unit.

    Per indicator: the kind's median and the unit's rank among units of its kind with a value
    (1 = best; cost indicators rank low values first; ties share the better rank, as pandas'
    rank(method="min")).
    """
    pos = find_unit(ev, kind, unit_id)
    if pos is None:
        return None
    units = ev.units.reset_index(drop=True)
    row = units.iloc[pos]
    same = np.flatnonzero(units["unit_kind"].astype(str).to_numpy() == str(row["unit_kind"]))
    present = [i for i in indicators if i in units.columns]
    directions = composite_directions(ev.spec)
    values = np.column_stack([pd.to_numeric(units[i], errors="coerce").to_numpy(dtype=float) for i in present]) \
        if present else np.zeros((len(units), 0))
    kind_values = values[same]
    mine = values[pos]
    has = np.isfinite(kind_values)
    cost = np.array([directions.get(i, "cost" if i in COST_INDICATORS else "benefit") == "cost" for i in present])
    better = np.where(cost, kind_values < mine, kind_values > mine) & has
    ranks = 1 + better.sum(axis=0)
    ranked = has.sum(axis=0)
    with np.errstate(all="ignore"):
        medians = np.array([np.median(kind_values[has[:, j], j]) if has[:, j].any() else np.nan for j in range(len(present))])
    rows = [IndicatorRow(name, row.get(name), medians[j], ev.district.get(name), int(ranks[j]) if np.isfinite(mine[j]) else None,
                         int(ranked[j])) for j, name in enumerate(present)]
    scores = pd.to_numeric(units["score"], errors="coerce").to_numpy(dtype=float)[same]
    score = None if is_missing(row.get("score")) else float(row["score"])
    return UnitCard(
        key=f"{row['unit_kind']}|{row['unit_id']}", unit_id=str(row["unit_id"]), unit_kind=str(row["unit_kind"]),
        name=str(row["name"]), position=pos, score=score,
        grade=row.get("grade") if isinstance(row.get("grade"), str) else None, rank=_int_or_none(row.get("rank")),
        ranked_in_kind=int(np.isfinite(scores).sum()), units_in_kind=int(len(same)),
        rank_best=_int_or_none(row.get("rank_best")), rank_worst=_int_or_none(row.get("rank_worst")), indicators=rows,
        class_counts={c: int(row.get(f"class_{c}", 0) or 0) for c in "ABCD"},
        leading_industries=None if is_missing(row.get("leading_industries")) else str(row.get("leading_industries")),
        level=None if is_missing(row.get("level")) else str(row.get("level")),
        reason_not_scored=row.get("reason_not_scored") if isinstance(row.get("reason_not_scored"), str) else None,
        not_scored_codes=tuple(str(row["not_scored_codes"]).split(",")) if isinstance(row.get("not_scored_codes"), str)
        else (),
        score_coverage=None if is_missing(row.get("score_coverage")) else float(row["score_coverage"]),
    )


def colourable_indicators(units: pd.DataFrame) -> list[str]:
    """The COLOUR_INDICATORS present in a unit table as numbers."""
    return [c for c in COLOUR_INDICATORS if c in units.columns and pd.api.types.is_numeric_dtype(units[c])
            and not pd.api.types.is_bool_dtype(units[c])]


__all__ = ["CARD_INDICATORS", "COLOUR_INDICATORS", "IndicatorRow", "UnitCard", "colourable_indicators", "find_unit", "unit_card"]
