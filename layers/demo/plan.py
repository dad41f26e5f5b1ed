"""The district plan in the local frame: outline, river, hills, urban edge, arterial network and zones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from layers.demo.catalogue import PARKS
from layers.demo.randomness import lattice_noise, stage_rng
from layers.demo.shapes import irregular_outline, largest_part
from layers.demo.terrain import Terrain, contour_polygons

ROAD_HALF_WIDTH_M = {"主干路": 20.0, "次干路": 12.0, "支路": 7.0}
RIVER_BANK_M = 30.0
_SECONDARY_SPACING_M = (800.0, 1150.0)


@dataclass
class Plan:
    """The district in the local frame before parcels: outline, water, hills, road network and zones."""

    district: shapely.Geometry
    river: shapely.Geometry
    hills_redline: shapely.Geometry
    foothills: shapely.Geometry  # above 25 m: no farmland
    slopes: shapely.Geometry  # above 11 m plus 350 m: no town
    urban: shapely.Geometry
    arterials: np.ndarray
    arterial_line: np.ndarray  # which generated line each arterial piece belongs to (for its name)
    secondaries: np.ndarray
    secondary_line: np.ndarray
    faces: np.ndarray  # faces of the arterial/secondary network inside the urban edge
    face_zone: np.ndarray  # "park" / "cluster" / "centre" / "urban"
    face_park: np.ndarray  # index into PARKS, or -1
    town_centre: np.ndarray


def build_plan(seed: int, t: Terrain) -> Plan:
    """Outline, water, hills, urban edge, arterial/secondary network and the zone of every network face."""
    rng = stage_rng(seed, "plan")
    coast_v = np.linspace(-12000, 12000, 200)
    land = shapely.Polygon(np.vstack([np.column_stack([t.coast_u(coast_v) - 250.0, coast_v]),
                                      [[-20000, 12000], [-20000, -12000]]]))
    district = largest_part(shapely.intersection(irregular_outline((-200.0, 0.0), 10300.0, 7700.0, rng), land))
    district = shapely.simplify(district, 10.0)
    river = shapely.intersection(_river_polygon(t, (-16000.0, 13000.0)), land.buffer(300.0))
    hills, foothills, slopes = contour_polygons(t, [40.0, 25.0, 11.0], (-14000.0, -11000.0, 12000.0, 11000.0))
    hills = shapely.intersection(hills, district)
    hills_redline = shapely.union_all([p for p in shapely.get_parts(hills) if p.area > 300_000])
    slopes = slopes.buffer(350.0)

    u_town = rng.uniform(-2600, -1200)
    town_centre = np.array([u_town, t.river_v(np.array([u_town]))[0] + 300.0])
    blob = irregular_outline((900.0, 0.5 * float(t.river_v(np.array([900.0]))[0])), 8000.0, 5600.0, rng,
                             wobble=0.08)
    blob = largest_part(blob.difference(slopes).intersection(district.buffer(-600.0)))
    urban = shapely.simplify(blob.buffer(400.0).buffer(-400.0), 20.0)

    arterials, arterial_line, secondaries, secondary_line = _road_network(rng, district, urban, town_centre)
    noded = shapely.union_all(np.concatenate([arterials, secondaries, [shapely.get_exterior_ring(district)]]))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[shapely.within(shapely.point_on_surface(faces), urban)]
    zone, face_park = _zones(seed, rng, faces, urban, town_centre)
    return Plan(district, river, hills_redline, foothills, slopes, urban, arterials, arterial_line, secondaries,
                secondary_line, faces, zone, face_park, town_centre)


def _river_polygon(t: Terrain, u_range: tuple[float, float]) -> shapely.Polygon:
    """The river as a polygon of its varying width along its centre-line."""
    u = np.arange(u_range[0], u_range[1], 50.0)
    v = t.river_v(u)
    du, dv = np.gradient(u), np.gradient(v)
    norm = np.hypot(du, dv)
    nu, nv = -dv / norm, du / norm
    w = t.river_half_width(u)
    left = np.column_stack([u + nu * w, v + nv * w])
    right = np.column_stack([u - nu * w, v - nv * w])[::-1]
    return shapely.Polygon(np.vstack([left, right]))


def _road_family(rng: np.random.Generator, offsets: np.ndarray, along: tuple[float, float], vertical: bool,
                 spacing: float, step: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """Arterials `across = offset + slope*along + amp*sin(...)` and secondaries interpolated between them.

    Interpolating keeps the roads of one family from crossing each other while each still bends a little.
    `vertical` swaps the axes (north-south family). Returns (arterial lines, secondary lines).
    """
    s = np.arange(along[0], along[1] + step, step)
    k = len(offsets)
    art = (offsets[:, None] + rng.uniform(-0.02, 0.02, k)[:, None] * s
           + rng.uniform(120, 320, k)[:, None] * np.sin(2 * np.pi * s / rng.uniform(9000, 18000, k)[:, None]
                                                        + rng.uniform(0, 2 * np.pi, k)[:, None]))
    bounds = np.vstack([art[:1] - 3200.0, art, art[-1:] + 3200.0])
    rows = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        m = max(int(round(float(np.mean(b - a)) / spacing)) - 1, 0)
        for j in range(m):
            w = (j + 1) / (m + 1) + rng.uniform(-0.05, 0.05)
            wiggle = rng.uniform(15, 60) * np.sin(2 * np.pi * s / rng.uniform(3000, 7000) + rng.uniform(0, 2 * np.pi))
            rows.append((1 - w) * a + w * b + wiggle)
    sec = np.array(rows)

    def lines(across: np.ndarray) -> np.ndarray:
        ss = np.broadcast_to(s, across.shape)
        return shapely.linestrings(np.stack([across, ss], -1) if vertical else np.stack([ss, across], -1))

    return lines(art), lines(sec)


def _road_network(rng: np.random.Generator, district: shapely.Geometry, urban: shapely.Geometry,
                  town_centre: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arterials across the district (plus one diagonal), secondaries inside the urban edge, a ring road.

    Returns arterial pieces and the generated line each belongs to, then the same for secondaries
    (line 0 is the ring road along the urban edge).
    """
    spacing = rng.uniform(*_SECONDARY_SPACING_M)
    ew_art, ew_sec = _road_family(rng, np.linspace(-5600, 5000, 4) + rng.uniform(-500, 500, 4),
                                  (-14000, 14000), False, spacing)
    ns_art, ns_sec = _road_family(rng, np.linspace(-7600, 7200, 5) + rng.uniform(-600, 600, 5),
                                  (-12000, 12000), True, spacing * rng.uniform(1.0, 1.2))
    x = np.linspace(town_centre[0] - 1500, 11000, 80)
    diagonal = shapely.LineString(np.column_stack(
        [x, town_centre[1] + 0.62 * (x - town_centre[0]) + 500 * np.sin(np.linspace(0, np.pi, 80))]))
    arterials, arterial_line = shapely.get_parts(
        shapely.intersection(np.concatenate([ew_art, ns_art, [diagonal]]), district), return_index=True)
    long_enough = shapely.length(arterials) > 300.0
    arterials, arterial_line = arterials[long_enough], arterial_line[long_enough]

    sec = np.concatenate([ew_sec, ns_sec])
    n_ew, k = len(ew_sec), len(sec)
    trimmed = rng.random(k) < 0.3  # some secondaries end early: T-junctions and dead ends
    a0 = np.where(trimmed, rng.uniform(-9000, 3000, k), -20000.0)
    a1 = np.where(trimmed, a0 + rng.uniform(3000, 9000, k), 20000.0)
    box = np.where(np.arange(k) < n_ew, shapely.box(a0, -20000.0, a1, 20000.0),
                   shapely.box(-20000.0, a0, 20000.0, a1))
    sec, sec_line = shapely.get_parts(shapely.intersection(shapely.intersection(sec, box), urban.buffer(5.0)),
                                      return_index=True)
    long_enough = shapely.length(sec) > 300.0
    ring = shapely.linestrings(shapely.get_coordinates(shapely.get_exterior_ring(urban)))
    secondaries = np.concatenate([[ring], sec[long_enough]])
    secondary_line = np.concatenate([[0], sec_line[long_enough] + 1])
    return arterials, arterial_line, secondaries, secondary_line


def _zones(seed: int, rng: np.random.Generator, faces: np.ndarray, urban: shapely.Geometry,
           town_centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Four parks around seeds near the urban edge, the town centre, industrial clusters, the rest urban."""
    centroids = shapely.get_coordinates(shapely.centroid(faces))
    bc = np.array(urban.centroid.coords[0])
    minx, miny, maxx, maxy = urban.bounds
    half = np.array([(maxx - minx) / 2, (maxy - miny) / 2])
    angles = np.array([0.0, 4.75, 1.45, 3.05]) + rng.uniform(-0.3, 0.3, 4)  # east (coast), south, north, west
    reach = np.array([0.6, 0.55, 0.55, 0.72])
    targets = bc + reach[:, None] * half * np.column_stack([np.cos(angles), np.sin(angles)])
    seeds = centroids[np.argmin(np.hypot(*(centroids[None] - targets[:, None]).transpose(2, 0, 1)), axis=1)]
    radius = np.array([2600.0, 1900.0, 1900.0, 1500.0]) * rng.uniform(0.9, 1.1, 4)
    wobble = 1.0 + 0.22 * lattice_noise(seed + 3, centroids[:, 0], centroids[:, 1], 1500.0)
    rel = np.hypot(*(centroids[None] - seeds[:, None]).transpose(2, 0, 1)) / radius[:, None] / wobble
    dist_town = np.hypot(*(centroids - town_centre).T)
    face_park = np.where((rel.min(0) < 1.0) & (dist_town > 1900.0), rel.argmin(0), -1)
    for p in range(len(PARKS)):  # keep each park in one piece
        member = face_park == p
        if member.any():
            body = largest_part(shapely.union_all(faces[member]).buffer(1.0))
            face_park[member & ~shapely.within(shapely.point_on_surface(faces), body)] = -1
    field = lattice_noise(seed + 7, centroids[:, 0], centroids[:, 1], 2500.0)
    zone = np.full(len(faces), "urban", dtype=object)
    zone[dist_town < 1900.0] = "centre"
    zone[(field > 0.55) & (dist_town > 2200.0)] = "cluster"
    zone[face_park >= 0] = "park"
    return zone, face_park
