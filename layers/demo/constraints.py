"""Planning constraints of the demo: urban boundary, permanent farmland and ecological red lines."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from layers.demo.frames import layer_frame
from layers.demo.parcels import Parcels
from layers.demo.plan import RIVER_BANK_M, Plan
from layers.demo.randomness import stage_rng
from layers.demo.supply import Supply
from layers.demo.terrain import Terrain
from spatial.area import MU_M2

_FARMLAND_BITES = 6  # unsupplied edge parcels that overlap farmland, for checks and siting to find


def build_constraints(seed: int, t: Terrain, plan: Plan, parcels: Parcels, supply: Supply) -> gpd.GeoDataFrame:
    """城镇开发边界 around the built area, 永久基本农田 patches on the rural plain, 生态保护红线 on hills and river."""
    rng = stage_rng(seed, "constraints")
    urban = shapely.simplify(plan.urban.buffer(40.0, join_style="mitre"), 5.0)
    rural = shapely.difference(plan.district, shapely.union_all([
        urban.buffer(150.0), plan.foothills.buffer(100.0), plan.hills_redline.buffer(60.0), plan.river.buffer(80.0),
        shapely.union_all(shapely.buffer(plan.arterials, 30.0, cap_style="flat"))]))
    minx, miny, maxx, maxy = rural.bounds
    count = int(rural.area / 200_000) + 8
    pts = shapely.multipoints(np.column_stack([rng.uniform(minx, maxx, count), rng.uniform(miny, maxy, count)]))
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=shapely.box(minx, miny, maxx, maxy)))
    fields = shapely.get_parts(shapely.intersection(cells, rural))
    fields = fields[(shapely.get_type_id(fields) == 3) & (shapely.area(fields) > 40 * MU_M2)]
    fields = fields[rng.random(len(fields)) < 0.75]  # the rest: villages, woods, ponds
    fields = shapely.get_parts(shapely.simplify(shapely.buffer(fields, -15.0, join_style="mitre"), 5.0))
    fields = fields[(shapely.get_type_id(fields) == 3) & (shapely.area(fields) > 30 * MU_M2)]
    bites = _farmland_bites(plan, parcels, supply, urban)

    redline = [(g, "青峰山生态保护红线") for g in shapely.get_parts(plan.hills_redline)]
    redline.append((shapely.intersection(plan.river.buffer(RIVER_BANK_M), plan.district), "澄江生态保护红线"))
    kinds = (["urban_boundary"] + ["permanent_farmland"] * (len(fields) + len(bites))
             + ["ecological_redline"] * len(redline))
    names = (["城镇开发边界"] + [f"永久基本农田{i + 1:03d}" for i in range(len(fields) + len(bites))]
             + [n for _, n in redline])
    geoms = np.concatenate([[urban], fields, bites, [g for g, _ in redline]])
    return layer_frame({"kind": kinds, "name": names}, t.to_world(geoms))


def _farmland_bites(plan: Plan, parcels: Parcels, supply: Supply, urban: shapely.Geometry) -> np.ndarray:
    """Farmland patches over a few unsupplied parcels at the urban edge (one per block): siting must exclude them."""
    outside = shapely.difference(plan.district.buffer(3000.0), urban)
    cand = np.flatnonzero(supply.status == "unsupplied")
    gap = shapely.distance(parcels.geoms[cand], outside)
    picked: list[int] = []
    for i in cand[np.argsort(gap, kind="stable")]:
        if len(picked) == _FARMLAND_BITES:
            break
        if parcels.block[i] not in parcels.block[picked]:
            picked.append(i)
    bites = []
    for i in picked:
        near = shapely.get_point(shapely.shortest_line(parcels.geoms[i], outside), 1)
        radius = shapely.distance(parcels.geoms[i], outside) + 45.0
        bites.append(shapely.intersection(parcels.geoms[i], shapely.buffer(near, radius, quad_segs=4)))
    return np.array([b for b in bites if shapely.area(b) > MU_M2 / 2])
