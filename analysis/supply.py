"""Land supply over time: supply ratio by approval batch and cohort, rolling 5-year window.

供地率 = supplied area of the batches approved in the window ÷ their approved area; the national
floor (近5年平均供地率不低于60%) comes from the toml.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.units import SUPPLIED_STATUSES, status_mask
from layers.config import Config, config_from_dict
from spatial.area import MU_M2, ellipsoidal_area_m2
from spatial.overlay import intersection_area_pairs

AreaPairs = Callable[[gpd.GeoDataFrame, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def batch_supply(approvals: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame, *,
                 area_pairs: AreaPairs | None = None) -> pd.DataFrame:
    """Per approval batch: year, approved_mu (field, else ellipsoidal area), supplied_mu inside the batch polygon.

    `area_pairs(parcels, batch_geometries)`: (parcel, batch, planar area) of every overlapping pair, computed
    elsewhere (the dask evaluation, analysis.partitioned); by default the supplied parcels are overlaid here."""
    geoms = approvals.geometry.to_numpy()
    geometric_mu = ellipsoidal_area_m2(geoms, approvals.crs) / MU_M2
    field = pd.to_numeric(approvals.get("approved_area_mu"), errors="coerce").to_numpy(dtype=float) \
        if "approved_area_mu" in approvals else np.full(len(approvals), np.nan)
    approved = np.where(np.isfinite(field) & (field > 0), field, geometric_mu)
    # Only supplied parcels add to a batch, so only they are overlaid (unsupplied ones would weigh 0).
    is_supplied = status_mask(parcels, *SUPPLIED_STATUSES)
    if area_pairs is None:
        supplied = np.flatnonzero(is_supplied)
        pi, bi, planar = intersection_area_pairs(parcels.geometry.to_numpy()[supplied], geoms)
        pi = supplied[pi]
    else:  # pairs of every parcel, in the same order: keeping the supplied ones gives the same sums
        pi, bi, planar = area_pairs(parcels, geoms)
        keep = is_supplied[pi]
        pi, bi, planar = pi[keep], bi[keep], planar[keep]
    scale = parcels["_scale"].to_numpy()[pi] if "_scale" in parcels else 1.0
    piece_mu = planar * scale / MU_M2
    supplied_mu = np.bincount(bi, weights=piece_mu, minlength=len(approvals)).astype(float)
    dates = pd.to_datetime(approvals["approved_date"], errors="coerce")
    return pd.DataFrame({
        "approval_id": approvals["approval_id"].astype(str).to_numpy(),
        "approved_date": dates.dt.strftime("%Y-%m-%d").to_numpy(),
        "year": dates.dt.year.to_numpy(),
        "approved_mu": approved,
        "supplied_mu": supplied_mu,
        "supply_ratio": np.divide(supplied_mu, approved, out=np.full(len(approved), np.nan), where=approved > 0),
    })


def cohort_supply(batches: pd.DataFrame, config: Config | Mapping[str, Any]) -> pd.DataFrame:
    """Per approval year: approved, supplied, cohort ratio, and the rolling window ratio ending that year."""
    supply = config_from_dict(config).supply
    window, floor = supply.window_years, supply.floor_ratio
    by_year = batches.dropna(subset=["year"]).groupby("year")[["approved_mu", "supplied_mu"]].sum().sort_index()
    if by_year.empty:
        return pd.DataFrame(columns=["year", "approved_mu", "supplied_mu", "cohort_ratio", "rolling_ratio", "floor",
                                     "below_floor"])
    years = np.arange(int(by_year.index.min()), int(by_year.index.max()) + 1)
    by_year = by_year.reindex(years, fill_value=0.0)
    roll_app = by_year["approved_mu"].rolling(window, min_periods=1).sum()
    roll_sup = by_year["supplied_mu"].rolling(window, min_periods=1).sum()
    out = by_year.reset_index().rename(columns={"index": "year"})
    out["cohort_ratio"] = np.where(out["approved_mu"] > 0,
                                   out["supplied_mu"] / out["approved_mu"].where(out["approved_mu"] > 0), np.nan)
    out["rolling_ratio"] = (roll_sup / roll_app.where(roll_app > 0)).to_numpy()
    out["floor"] = floor
    out["below_floor"] = out["rolling_ratio"] < floor
    return out
