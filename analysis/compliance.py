"""Protection-line compliance: industrial share against its floor, M0 share against its cap,
and non-industrial parcels inside red (一级) lines (encroachments)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.units import UnitOverlay
from layers.config import Config


def line_compliance(units: gpd.GeoDataFrame, land: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per protection line: required minimum industrial share (per-line field, else toml), pass/fail, M0 share."""
    cfg = config.units
    is_line = (units["unit_kind"] == "protection_lines").to_numpy()
    per_line = pd.to_numeric(units.get("min_industrial_share"), errors="coerce").to_numpy(dtype=float)
    required = np.where(np.isfinite(per_line), per_line, cfg.min_industrial_share)
    out = pd.DataFrame(index=units.index)
    out["min_industrial_share"] = np.where(is_line, required, np.nan)
    share = land["industrial_share"].to_numpy()
    out["industrial_share_ok"] = pd.array(np.where(is_line, share >= required, False), dtype="boolean")
    out.loc[~is_line | ~np.isfinite(share.astype(float)), "industrial_share_ok"] = pd.NA  # no parcels: unknown
    ind = land["industrial_land_mu"].to_numpy()
    m0_share = np.divide(land["m0_mu"].to_numpy(), ind, out=np.full(len(ind), np.nan), where=ind > 0)
    out["m0_share"] = m0_share
    cap = cfg.m0_max_share
    out["m0_max_share"] = np.where(is_line, cap, np.nan)
    ok = np.where(np.isfinite(m0_share), m0_share <= cap, True)
    out["m0_share_ok"] = pd.array(np.where(is_line, ok, False), dtype="boolean")
    out.loc[~is_line | ~np.isfinite(share.astype(float)), "m0_share_ok"] = pd.NA
    return out


def encroachments(units: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame, ov: UnitOverlay, config: Config) -> pd.DataFrame:
    """Parcels of non-industrial categories (toml `encroachment_categories`) inside red lines, with clipped areas."""
    cats = list(config.units.encroachment_categories)
    kinds = units["unit_kind"].to_numpy()[ov.unit_pos]
    levels = units["level"].to_numpy()[ov.unit_pos]
    encroaching = (parcels["land_use_category"].isin(cats).to_numpy(dtype=bool)[ov.parcel_pos] if "land_use_category" in parcels
                   else np.zeros(len(ov.parcel_pos), dtype=bool))
    hit = (kinds == "protection_lines") & (levels == "red") & encroaching
    p = parcels.iloc[ov.parcel_pos[hit]]
    return pd.DataFrame({
        "unit_id": units["unit_id"].to_numpy()[ov.unit_pos[hit]],
        "parcel_id": p["parcel_id"].astype(str).to_numpy(),
        "land_use": p["land_use"].astype(str).to_numpy() if "land_use" in p else None,
        "land_use_category": (p["land_use_category"].to_numpy() if "land_use_category" in p
                              else np.full(len(p), None, dtype=object)),
        "area_mu": ov.area_mu[hit],
    })
