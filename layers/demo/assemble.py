"""Assembling every demo layer from one seed: the stages in order, then the parcel, approval and firm layers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.demo.blocks import Blocks, build_blocks
from layers.demo.constraints import build_constraints
from layers.demo.enterprises import build_enterprises
from layers.demo.frames import iso_dates, layer_frame, scaled_area_mu
from layers.demo.parcels import Parcels, build_parcels
from layers.demo.plan import build_plan
from layers.demo.randomness import stage_rng
from layers.demo.roads import build_roads
from layers.demo.supply import Supply, build_supply, supply_type_columns
from layers.demo.terrain import DEMO_CRS, Terrain, build_terrain
from layers.demo.units import build_unit_layers

_USE_CODES = {"industrial": "0601", "m0": "0601", "warehouse": "0508", "residential": "0701",
              "commercial": "05H1"}  # GB/T 21010; M0 has no code of its own
_LAYER_ORDER = ["protection_lines", "parks", "micro_parks", "future_communities", "parcels", "land_approvals",
                "enterprises", "constraints", "roads"]


def build_demo_layers(seed: int = 20251231) -> dict[str, gpd.GeoDataFrame]:
    """Generate every layer kind of the demo district (canonical fields, values normalised) in DEMO_CRS."""
    t = build_terrain(seed)
    plan = build_plan(seed, t)
    blocks = build_blocks(seed, plan)
    parcels = build_parcels(seed, plan, blocks)
    supply = build_supply(seed, plan, blocks, parcels)
    world = t.to_world(parcels.geoms)
    firms, owner = build_enterprises(seed, plan, blocks, parcels, supply, scaled_area_mu(world))
    layers = build_unit_layers(seed, t, plan, blocks, parcels, supply)
    layers.update(parcels=_parcel_layer(seed, parcels, supply, world, firms["uscc"].to_numpy(), owner),
                  land_approvals=_approval_layer(t, blocks, supply), enterprises=_enterprise_layer(t, firms),
                  constraints=build_constraints(seed, t, plan, parcels, supply), roads=build_roads(t, plan, blocks))
    return {k: layers[k] for k in _LAYER_ORDER}


def _parcel_layer(seed: int, parcels: Parcels, supply: Supply, world: np.ndarray, usccs: np.ndarray,
                  owner: np.ndarray) -> gpd.GeoDataFrame:
    """The parcels with their GB/T 21010 code, supply fields and owner's code."""
    rng = stage_rng(seed, "codes")
    cat = np.where(parcels.category == "micro", "industrial", parcels.category)
    code = np.array([_USE_CODES.get(c, "") for c in cat], dtype=object)
    public = cat == "public"
    code[public] = rng.choice(["08H1", "08H2"], int(public.sum()), p=[0.4, 0.6])
    return layer_frame({
        "parcel_id": [f"ZD{i + 1:06d}" for i in range(len(world))],
        "land_use": code, "land_use_category": cat.astype(object), "supply_status": supply.status,
        "approval_id": np.where(supply.batch >= 0, supply.batch_ids[np.maximum(supply.batch, 0)], None),
        "supply_date": iso_dates(supply.supply_date), "agreed_start_date": iso_dates(supply.agreed_start),
        "floor_area_m2": supply.floor_m2, "footprint_m2": supply.footprint_m2,
        "owner_uscc": np.where(owner >= 0, usccs[np.maximum(owner, 0)], None),
        **supply_type_columns(seed, cat, supply.supply_date),
    }, world)


def _approval_layer(t: Terrain, blocks: Blocks, supply: Supply) -> gpd.GeoDataFrame:
    """One multipolygon per approval batch over its blocks (they never touch: local roads run between them)."""
    members = np.flatnonzero(supply.block_batch >= 0)
    members = members[np.argsort(supply.block_batch[members], kind="stable")]
    approvals = t.to_world(shapely.multipolygons(blocks.geoms[members], indices=supply.block_batch[members]))
    return layer_frame({"approval_id": supply.batch_ids, "approved_date": iso_dates(supply.batch_dates),
                        "approved_area_mu": np.round(scaled_area_mu(approvals), 2)}, approvals)


def _enterprise_layer(t: Terrain, firms: pd.DataFrame) -> gpd.GeoDataFrame:
    """The firm table as points in DEMO_CRS with ISO production start dates."""
    firms = firms.assign(production_start_date=iso_dates(firms["production_start_date"].to_numpy()))
    return gpd.GeoDataFrame(firms.drop(columns="geometry"),
                            geometry=gpd.GeoSeries(t.to_world(firms["geometry"].to_numpy())), crs=DEMO_CRS)
