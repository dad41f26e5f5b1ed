"""Parcels of the demo: every non-green block cut into parcels sized by its use."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from layers.demo.blocks import ZONE_USES, Blocks
from layers.demo.cutting import subdivide
from layers.demo.plan import Plan
from layers.demo.randomness import draw, stage_rng
from spatial.area import MU_M2

_PARCEL_MU = {  # median and log-sd of the block's parcel target size (亩); parcels end at 40-100 % of it
    "industrial": (22.0, 0.7), "warehouse": (50.0, 0.4), "residential": (10.0, 0.4),
    "commercial": (7.0, 0.45), "public": (18.0, 0.5), "micro": (6.0, 0.25),
}


@dataclass
class Parcels:
    """Parcels in the local frame, the block each lies in and its land-use category."""

    geoms: np.ndarray
    block: np.ndarray
    category: np.ndarray


def build_parcels(seed: int, plan: Plan, blocks: Blocks) -> Parcels:
    """Cut every non-green block into parcels sized by its use; a few parcels take another use."""
    rng = stage_rng(seed, "parcels")
    built_up = np.flatnonzero(blocks.category != "green")
    cat = blocks.category[built_up]
    median = np.array([_PARCEL_MU[c][0] for c in cat])
    sigma = np.array([_PARCEL_MU[c][1] for c in cat])
    target_mu = np.clip(median * np.exp(sigma * rng.standard_normal(len(cat))), 3.0, 190.0)
    target_mu = np.where(cat == "micro", np.clip(target_mu, 3.0, 9.0), target_mu)
    geoms, parent, _ = subdivide(blocks.geoms[built_up], target_mu * MU_M2, 0.0, rng, 1.01 * MU_M2, jog_share=0.1)
    corners = shapely.get_num_coordinates(shapely.get_exterior_ring(geoms)) - 1
    geoms, parent = geoms[corners >= 4], parent[corners >= 4]  # corner triangles stay open space
    block = built_up[parent]
    category = blocks.category[block].copy()
    zone = plan.face_zone[blocks.face[block]]
    mixed = (rng.random(len(geoms)) < 0.07) & (category != "micro")
    for z, table in ZONE_USES.items():
        at = mixed & (zone == z)
        category[at] = draw(rng, {k: v for k, v in table.items() if k != "green"}, int(at.sum()))
    in_community = blocks.community[block] >= 0
    category[in_community & (category == "industrial") & (rng.random(len(geoms)) < 0.25)] = "m0"
    return Parcels(geoms, block, category)
