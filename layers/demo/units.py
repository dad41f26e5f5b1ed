"""Evaluation units of the demo: parks, micro parks, future communities and protection lines."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from layers.demo.blocks import Blocks
from layers.demo.catalogue import GENERAL_INDUSTRIES, MICRO_INDUSTRY, PARK_APPROVALS, PARKS, PLACES, micro_theme
from layers.demo.frames import layer_frame, scaled_area_mu
from layers.demo.parcels import Parcels
from layers.demo.plan import Plan
from layers.demo.randomness import stage_rng
from layers.demo.shapes import close_gaps, largest_part
from layers.demo.supply import Supply
from layers.demo.terrain import Terrain


def build_unit_layers(seed: int, t: Terrain, plan: Plan, blocks: Blocks, parcels: Parcels, supply: Supply
                      ) -> dict[str, gpd.GeoDataFrame]:
    """Parks, micro parks, future communities and protection lines, all drawn from the same blocks."""
    rng = stage_rng(seed, "units")
    places = np.array(PLACES)[rng.permutation(len(PLACES))]
    parks = np.array([largest_part(shapely.union_all(plan.faces[plan.face_park == p])) for p in range(len(PARKS))])
    park_geoms = t.to_world(shapely.coverage_simplify(parks, 2.0))
    park_layer = layer_frame({"park_id": [f"YQ{i + 1:02d}" for i in range(len(PARKS))],
                              "name": [p[0] for p in PARKS], "kind": [p[1] for p in PARKS],
                              "level": [p[2] for p in PARKS], "leading_industries": [p[3] for p in PARKS],
                              "approved_area_mu": [round(float(mu) * a[2], 1)
                                                   for mu, a in zip(scaled_area_mu(park_geoms), PARK_APPROVALS)],
                              "approval_date": [a[0] for a in PARK_APPROVALS], "zone_code": [a[1] for a in PARK_APPROVALS]},
                             park_geoms)

    n_micro = int(blocks.micro.max()) + 1
    micro_geoms = blocks.geoms[np.argsort(blocks.micro)[-n_micro:]]
    of_parcel = blocks.micro[parcels.block]
    inside = of_parcel >= 0
    floor = np.bincount(of_parcel[inside], weights=supply.floor_m2[inside], minlength=n_micro)
    area = np.bincount(of_parcel[inside], weights=shapely.area(parcels.geoms[inside]), minlength=n_micro)
    built_area = shapely.area(parcels.geoms[inside]) * (supply.status[inside] == "built")
    built = np.bincount(of_parcel[inside], weights=built_area, minlength=n_micro) / area
    themes = [micro_theme(i) for i in range(n_micro)]
    micro_layer = layer_frame({
        "park_id": [f"XW{i + 1:02d}" for i in range(n_micro)],
        "name": [f"{places[i % len(places)]}{th}小微企业园" for i, th in enumerate(themes)],
        "leading_industries": [MICRO_INDUSTRY[th] for th in themes],
        "floor_area_m2": np.round(floor, 0),
        "occupancy_rate": np.round(np.where(built > 0.6, rng.uniform(0.72, 1.0, n_micro),
                                            rng.uniform(0.6, 0.75, n_micro)), 3),
        "status": np.where(built > 0.6, "已投用", "在建"),
    }, t.to_world(micro_geoms))

    n_comm = int(blocks.community.max()) + 1
    comm_geoms = np.array([largest_part(close_gaps(blocks.geoms[blocks.community == c], 10.0))
                           for c in range(n_comm)])
    comm_park = np.array([np.bincount(np.maximum(plan.face_park[blocks.face[blocks.community == c]], -1) + 1,
                                      minlength=len(PARKS) + 1).argmax() - 1 for c in range(n_comm)])
    leading = [(PARKS[p][3] if p >= 0 else ";".join(rng.choice(GENERAL_INDUSTRIES, 2, replace=False)))
               for p in comm_park]
    comm_layer = layer_frame({
        "community_id": [f"WL{i + 1:02d}" for i in range(n_comm)],
        "name": [f"{places[-1 - i]}未来工业社区" for i in range(n_comm)],
        "leading_industries": leading,
        "status": rng.choice(["已建成", "建设中", "建设中", "规划中"], n_comm),
    }, t.to_world(comm_geoms))

    return {"protection_lines": _protection_lines(t, plan, blocks, parcels, places), "parks": park_layer,
            "micro_parks": micro_layer, "future_communities": comm_layer}


def _blue_blocks(faces: np.ndarray, max_m2: float = 6e6, min_m2: float = 2.5e5) -> np.ndarray:
    """Connected groups of industrial faces; groups above `max_m2` are cut into slabs across their long axis."""
    out = []
    for part in shapely.get_parts(shapely.union_all(faces)):
        k = int(np.ceil(part.area / (max_m2 * 0.6)))
        member = faces[shapely.within(shapely.point_on_surface(faces), part)]
        if part.area <= max_m2 or len(member) <= k:
            out.append(part)
            continue
        xy = shapely.get_coordinates(shapely.centroid(member))
        xy = xy - xy.mean(0)
        along = xy @ np.linalg.svd(xy, full_matrices=False)[2][0]
        slab = np.minimum((np.argsort(np.argsort(along)) * k) // len(member), k - 1)
        for j in range(k):
            out.extend(shapely.get_parts(shapely.union_all(member[slab == j])))
    blocks = np.array(out)
    return blocks[shapely.area(blocks) > min_m2]


def _protection_lines(t: Terrain, plan: Plan, blocks: Blocks, parcels: Parcels, places: np.ndarray
                      ) -> gpd.GeoDataFrame:
    """Network faces that are mostly industrial land: red (一级) inside the parks, blue (二级) elsewhere."""
    face = blocks.face[parcels.block]
    p_area = shapely.area(parcels.geoms)
    industrial = np.isin(parcels.category, ["industrial", "m0", "micro"])
    n_face = len(plan.faces)
    share = (np.bincount(face, weights=p_area * industrial, minlength=n_face)
             / np.maximum(np.bincount(face, weights=p_area, minlength=n_face), 1.0))
    lines, levels, names = [], [], []
    for p, (park_name, *_rest) in enumerate(PARKS):
        parts = shapely.get_parts(shapely.union_all(plan.faces[(plan.face_park == p) & (share >= 0.45)]))
        parts = parts[shapely.area(parts) > 400_000]
        for k, g in enumerate(parts):
            lines.append(g)
            levels.append("red")
            names.append(f"{park_name}工业区块" + (f"{k + 1}" if len(parts) > 1 else ""))
    parts = _blue_blocks(plan.faces[(plan.face_park < 0) & (share >= 0.5)])
    for k, g in enumerate(parts):
        lines.append(g)
        levels.append("blue")
        names.append(f"{places[6 + k % (len(places) - 6)]}二级工业区块")
    n_red = levels.count("red")
    line_ids = [f"GY-R{i + 1:02d}" if lv == "red" else f"GY-B{i + 1 - n_red:02d}" for i, lv in enumerate(levels)]
    min_share = np.full(len(lines), np.nan)
    min_share[0] = 0.65  # one block carries its own floor (Guangzhou 2025 uses 65 %)
    return layer_frame({"line_id": line_ids, "name": names, "level": levels, "min_industrial_share": min_share},
                       t.to_world(shapely.coverage_simplify(np.array(lines), 2.0)))
