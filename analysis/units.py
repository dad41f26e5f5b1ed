"""Per-unit land indicators: parcels clipped to each evaluation unit, areas ellipsoidal in mu.

Definitions (README "Unit indicators"):
  industrial_land_mu = clipped area of industrial parcels (categories from the toml);
  supplied_mu = status supplied + built + idle; unsupplied_mu = status unsupplied (批而未供);
  approved_mu = supplied_mu + unsupplied_mu; supply_ratio = supplied / approved;
  built_ratio = built / supplied (土地建成率); idle_ratio = idle / supplied (土地闲置率);
  far_industrial = floor area / land area of built industrial parcels (工业用地综合容积率);
  building_coverage = footprint / land area of the same parcels (建筑系数).
A unit no parcel touches has every parcel-derived figure null (PARCEL_COLUMNS), never 0: missing is not zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.config import Config, config_from_dict
from spatial.area import MU_M2
from spatial.overlay import intersection_area_pairs

SUPPLIED_STATUSES = ("supplied", "built", "idle")
# A parcel's or site's "own" unit is the most specific kind that holds it: smallest first.
UNIT_PRIORITY = ("future_communities", "micro_parks", "parks", "protection_lines")
# Unit columns computed from the parcels clipped to the unit: null (NaN) for a unit without any parcel.
PARCEL_COLUMNS = ("industrial_land_mu", "m0_mu", "industrial_share", "supplied_mu", "unsupplied_mu", "approved_mu",
                  "built_mu", "idle_mu", "supply_ratio", "built_ratio", "idle_ratio", "idle_by_date_mu",
                  "idle_by_date_count", "far_industrial", "building_coverage", "low_far_mu")


@dataclass
class UnitOverlay:
    """Every (parcel, unit) piece with its clipped ellipsoidal area in mu and share of the parcel."""

    parcel_pos: np.ndarray
    unit_pos: np.ndarray
    area_mu: np.ndarray
    share: np.ndarray  # clipped area / parcel area


def overlay_units(parcels: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> UnitOverlay:
    """Clip parcels to units (STRtree + contains_properly pre-filter) and convert areas to ellipsoidal mu."""
    pi, ui, planar = intersection_area_pairs(parcels.geometry.to_numpy(), units.geometry.to_numpy())
    scale = parcels["_scale"].to_numpy()[pi] if "_scale" in parcels else np.ones(len(pi))
    area_mu = planar * scale / MU_M2
    parcel_mu = parcels["area_mu"].to_numpy()[pi]
    share = np.divide(area_mu, parcel_mu, out=np.zeros_like(area_mu), where=parcel_mu > 0)
    return UnitOverlay(pi, ui, area_mu, np.minimum(share, 1.0))


def _sum_by_unit(ov: UnitOverlay, values: np.ndarray, n_units: int) -> np.ndarray:
    return np.bincount(ov.unit_pos, weights=values, minlength=n_units)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(len(num), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def status_mask(parcels: pd.DataFrame, *statuses: str) -> np.ndarray:
    """Per parcel, whether its supply_status is one of `statuses`: compared in the column's own storage (Arrow
    strings), without making a Python string of every row."""
    return parcels["supply_status"].isin(statuses).to_numpy(dtype=bool)


def idle_by_date(parcels: pd.DataFrame, evaluation_date: str, idle_after_days: int) -> np.ndarray:
    """Supplied parcels not started a full period after their agreed start date (闲置土地处置办法 art. 2)."""
    if "agreed_start_date" not in parcels:
        return np.zeros(len(parcels), dtype=bool)
    start = pd.to_datetime(parcels["agreed_start_date"], errors="coerce")
    limit = pd.Timestamp(evaluation_date) - pd.Timedelta(days=int(idle_after_days))
    late = (start.notna() & (start <= limit)).to_numpy()
    return status_mask(parcels, "supplied") & late


def land_indicators(parcels: gpd.GeoDataFrame, units: gpd.GeoDataFrame, ov: UnitOverlay,
                    flags: pd.DataFrame) -> pd.DataFrame:
    """Land-use, supply and intensity indicators per unit (index aligned with `units`).

    `flags` is `parcel_flags(parcels, config)`: per-parcel idle-by-date and low-FAR, computed once.
    """
    n = len(units)
    at = ov.parcel_pos  # per piece, its parcel: every per-parcel column below is taken at these rows
    a = ov.area_mu
    industrial = parcels["is_industrial"].to_numpy()[at]
    m0 = parcels["is_m0"].to_numpy()[at]
    supplied = status_mask(parcels, *SUPPLIED_STATUSES)[at]
    unsupplied, built, idle = (status_mask(parcels, s)[at] for s in ("unsupplied", "built", "idle"))
    out = pd.DataFrame(index=units.index)
    out["area_mu"] = units["area_mu"].to_numpy()
    out["parcel_count"] = np.bincount(ov.unit_pos, minlength=n)
    out["industrial_land_mu"] = _sum_by_unit(ov, a * industrial, n)
    out["m0_mu"] = _sum_by_unit(ov, a * m0, n)
    out["industrial_share"] = _ratio(out["industrial_land_mu"].to_numpy(), out["area_mu"].to_numpy())
    out["supplied_mu"] = _sum_by_unit(ov, a * supplied, n)
    out["unsupplied_mu"] = _sum_by_unit(ov, a * unsupplied, n)
    out["approved_mu"] = out["supplied_mu"] + out["unsupplied_mu"]
    out["built_mu"] = _sum_by_unit(ov, a * built, n)
    out["idle_mu"] = _sum_by_unit(ov, a * idle, n)
    out["supply_ratio"] = _ratio(out["supplied_mu"].to_numpy(), out["approved_mu"].to_numpy())
    out["built_ratio"] = _ratio(out["built_mu"].to_numpy(), out["supplied_mu"].to_numpy())
    out["idle_ratio"] = _ratio(out["idle_mu"].to_numpy(), out["supplied_mu"].to_numpy())
    late = flags["idle_by_date"].to_numpy()[ov.parcel_pos]
    out["idle_by_date_mu"] = _sum_by_unit(ov, a * late, n)
    out["idle_by_date_count"] = np.bincount(ov.unit_pos, weights=late.astype(float), minlength=n)  # float: NaN = no parcels
    # Intensity of built industrial land: floor area and footprint apportioned by the clipped share.
    built_ind = industrial & built
    floor = _numeric(parcels, "floor_area_m2")[at]
    foot = _numeric(parcels, "footprint_m2")[at]
    has_floor = built_ind & np.isfinite(floor)
    has_foot = built_ind & np.isfinite(foot)
    land_m2 = a * MU_M2
    out["far_industrial"] = _ratio(_sum_by_unit(ov, np.where(has_floor, floor * ov.share, 0.0), n),
                                   _sum_by_unit(ov, np.where(has_floor, land_m2, 0.0), n))
    out["building_coverage"] = _ratio(_sum_by_unit(ov, np.where(has_foot, foot * ov.share, 0.0), n),
                                      _sum_by_unit(ov, np.where(has_foot, land_m2, 0.0), n))
    out["low_far_mu"] = _sum_by_unit(ov, a * flags["low_far"].to_numpy()[ov.parcel_pos], n)
    # Missing is never zero: a unit no parcel touches (no parcel layer, or outside its coverage) has no
    # land figure at all, not 0 亩 of industrial land (README "Unit indicators").
    out.loc[out["parcel_count"].to_numpy() == 0, list(PARCEL_COLUMNS)] = np.nan
    return out


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as floats (NaN where absent or not a number)."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def parcel_flags(parcels: gpd.GeoDataFrame, config: Config | Mapping[str, Any]) -> pd.DataFrame:
    """Per-parcel flags used by several indicators: idle by date, low FAR (built industrial)."""
    config = config_from_dict(config)
    late = idle_by_date(parcels, config.project.evaluation_date.isoformat(), config.supply.idle_after_days)
    area_m2 = parcels["area_mu"].to_numpy(dtype=float) * MU_M2
    far = np.divide(_numeric(parcels, "floor_area_m2"), area_m2, out=np.full(len(parcels), np.nan), where=area_m2 > 0)
    threshold = config.intensity.low_far_threshold
    low = parcels["is_industrial"].to_numpy() & status_mask(parcels, "built") & (far < threshold)
    return pd.DataFrame({"idle_by_date": late, "far": far, "low_far": low}, index=parcels.index)
