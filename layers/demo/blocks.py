"""Blocks of the demo: network faces cut by local roads, their planned use, micro parks and communities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from layers.demo.cutting import subdivide
from layers.demo.plan import RIVER_BANK_M, ROAD_HALF_WIDTH_M, Plan
from layers.demo.randomness import draw, stage_rng
from spatial.area import MU_M2

ZONE_USES = {  # land-use category mix of the blocks of each zone
    "park": {"industrial": 0.82, "warehouse": 0.07, "commercial": 0.03, "public": 0.04, "residential": 0.04},
    "cluster": {"industrial": 0.74, "warehouse": 0.09, "commercial": 0.05, "public": 0.05, "residential": 0.07},
    "centre": {"commercial": 0.33, "residential": 0.42, "public": 0.19, "green": 0.06},
    "urban": {"residential": 0.62, "commercial": 0.11, "public": 0.13, "industrial": 0.07, "warehouse": 0.03,
              "green": 0.04},
}


@dataclass
class Blocks:
    """Local-road-bounded blocks (sub-blocks of the network faces) and their planned use."""

    geoms: np.ndarray
    face: np.ndarray  # index into Plan.faces
    category: np.ndarray  # land-use category of the block, "micro" for a micro park, "green" if left open
    micro: np.ndarray  # micro park index or -1
    community: np.ndarray  # future community index or -1
    local_roads: np.ndarray


def build_blocks(seed: int, plan: Plan) -> Blocks:
    """Cut the network faces into blocks along local roads and give each block a use by its zone."""
    rng = stage_rng(seed, "blocks")
    road_space = shapely.union_all(np.concatenate([
        shapely.buffer(plan.arterials, ROAD_HALF_WIDTH_M["主干路"], cap_style="flat"),
        shapely.buffer(plan.secondaries, ROAD_HALF_WIDTH_M["次干路"], cap_style="flat"),
        [plan.river.buffer(RIVER_BANK_M + 5.0)]]))  # 5 m setback: simplifying must not reach the red line
    blocks = shapely.simplify(shapely.difference(plan.faces, road_space), 2.5)
    blocks, face = shapely.get_parts(blocks, return_index=True)
    keep = (shapely.get_type_id(blocks) == 3) & (shapely.area(blocks) > 3 * MU_M2)
    blocks, face = blocks[keep], face[keep]
    zone = plan.face_zone[face]
    median = np.select([np.isin(zone, ["park", "cluster"]), zone == "centre"], [320.0, 110.0], 170.0)
    target = median * np.exp(0.3 * rng.standard_normal(len(blocks))) * MU_M2
    subs, parent, cuts = subdivide(blocks, target, 2 * ROAD_HALF_WIDTH_M["支路"], rng, 3 * MU_M2)
    local = shapely.get_parts(np.concatenate(cuts)) if cuts else np.array([])
    local = local[(shapely.get_type_id(local) == 1) & (shapely.length(local) > 60.0)]
    face = face[parent]
    zone = plan.face_zone[face]
    category = np.empty(len(subs), dtype=object)
    for z, table in ZONE_USES.items():
        at = zone == z
        category[at] = draw(rng, table, int(at.sum()))
    micro = _pick_micro_parks(rng, subs, category, zone)
    category[micro >= 0] = "micro"
    community = _grow_communities(rng, subs, category, zone)
    return Blocks(subs, face, category, micro, community, local)


def _pick_micro_parks(rng: np.random.Generator, subs: np.ndarray, category: np.ndarray, zone: np.ndarray,
                      count: int = 24, spacing: float = 900.0) -> np.ndarray:
    """Industrial blocks of 80-250 亩 spread over the industrial zones become micro parks."""
    mu = shapely.area(subs) / MU_M2
    cand = np.flatnonzero((category == "industrial") & np.isin(zone, ["park", "cluster"]) & (mu > 80) & (mu < 250))
    cand = cand[rng.permutation(len(cand))]
    xy = shapely.get_coordinates(shapely.centroid(subs))
    chosen: list[int] = []
    for i in cand:
        if len(chosen) == count:
            break
        if not chosen or np.min(np.hypot(*(xy[chosen] - xy[i]).T)) > spacing:
            chosen.append(int(i))
    out = np.full(len(subs), -1)
    out[chosen] = np.arange(len(chosen))
    return out


def _grow_communities(rng: np.random.Generator, subs: np.ndarray, category: np.ndarray, zone: np.ndarray,
                      count: int = 6, mu_range: tuple[float, float] = (320.0, 1450.0)) -> np.ndarray:
    """Six future industrial communities: clusters of adjacent industrial blocks of 0.2-1 km²."""
    mu = shapely.area(subs) / MU_M2
    tree = shapely.STRtree(subs)
    pairs = tree.query(subs, predicate="dwithin", distance=2 * ROAD_HALF_WIDTH_M["支路"] + 2.0)
    xy = shapely.get_coordinates(shapely.centroid(subs))
    eligible = np.isin(category, ["industrial", "warehouse"]) & np.isin(zone, ["park", "cluster"])
    out = np.full(len(subs), -1)
    seeds = np.flatnonzero(eligible & (category == "industrial"))
    seeds = seeds[rng.permutation(len(seeds))]
    made = 0
    for s in seeds:
        if made == count:
            break
        if out[s] >= 0 or (made and np.min(np.hypot(*(xy[out >= 0] - xy[s]).T)) < 2500.0):
            continue
        goal = rng.uniform(450.0, 1200.0)
        members, total = [s], mu[s]
        while total < goal:
            near = np.unique(pairs[1][np.isin(pairs[0], members)])
            near = near[eligible[near] & (out[near] < 0) & ~np.isin(near, members) & (total + mu[near] < mu_range[1])]
            if len(near) == 0:
                break
            nxt = near[np.argmin(np.hypot(*(xy[near] - xy[s]).T))]
            members.append(nxt)
            total += mu[nxt]
        if total >= mu_range[0]:
            out[members] = made
            made += 1
    return out
