"""The seeded land of the demo: local frame, coast, river and hills, elevation and its contours."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from rasterio import features

from layers.demo.randomness import fractal, stage_rng

DEMO_CRS = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
_ORIGIN = (645000.0, 3304400.0)  # about lon 121.50 E, lat 29.85 N in DEMO_CRS
_HILL_CAP_M = 590.0  # summits approach but never pass 600 m


@dataclass(frozen=True)
class Terrain:
    """Seeded shape of the land: local frame (u east, v north, metres), coast, river and hills."""

    seed: int
    angle: float  # rotation of the local frame against grid north (radians)
    coast: tuple[float, float, float, float, float]  # u0, a1, phase1, a2, phase2
    river: tuple[float, float, float, float, float]  # v0, a1, phase1, a2, phase2
    hills: np.ndarray  # (k, 4): u, v, sigma, amplitude

    def coast_u(self, v: np.ndarray) -> np.ndarray:
        """Local u of the coastline at each v (the sea lies east of it)."""
        u0, a1, p1, a2, p2 = self.coast
        return u0 + a1 * np.sin(v / 3200.0 + p1) + a2 * np.sin(v / 1100.0 + p2)

    def river_v(self, u: np.ndarray) -> np.ndarray:
        """Local v of the river's centre-line at each u."""
        v0, a1, p1, a2, p2 = self.river
        return v0 + a1 * np.sin(2 * np.pi * u / 15000.0 + p1) + a2 * np.sin(2 * np.pi * u / 4300.0 + p2)

    def river_half_width(self, u: np.ndarray) -> np.ndarray:
        """Half width (m) of the river at each u: it widens towards the sea."""
        return 35.0 + 75.0 * np.clip((u + 12000.0) / 22000.0, 0.0, 1.0) ** 2

    def to_world(self, geoms: np.ndarray) -> np.ndarray:
        """Geometries moved from the local frame to DEMO_CRS."""
        c, s = np.cos(self.angle), np.sin(self.angle)
        return shapely.transform(geoms, lambda p: np.column_stack(
            [_ORIGIN[0] + c * p[:, 0] - s * p[:, 1], _ORIGIN[1] + s * p[:, 0] + c * p[:, 1]]))

    def to_local(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """DEMO_CRS coordinates moved to the local frame."""
        c, s = np.cos(self.angle), np.sin(self.angle)
        dx, dy = x - _ORIGIN[0], y - _ORIGIN[1]
        return c * dx + s * dy, -s * dx + c * dy


def build_terrain(seed: int) -> Terrain:
    """The terrain of `seed`: frame rotation, coast and river wiggles, six south-western hills."""
    rng = stage_rng(seed, "terrain")
    n = 6
    hills = np.column_stack([
        rng.uniform(-12500, -3500, n), rng.uniform(-10500, -5600, n),
        rng.uniform(1300, 2300, n), rng.uniform(220, 460, n)])
    uu, vv = np.meshgrid(np.arange(-16000, 2000, 200.0), np.arange(-14000, 0, 200.0))
    peak = _hills(Terrain(seed, 0.0, (0, 0, 0, 0, 0), (0, 0, 0, 0, 0), hills), uu, vv).max()
    hills[:, 3] *= rng.uniform(400.0, 500.0) / peak  # highest summit 400-500 m before roughness
    return Terrain(
        seed=seed, angle=np.radians(rng.uniform(8.0, 18.0)),
        coast=(9300.0, rng.uniform(350, 650), rng.uniform(0, 2 * np.pi), rng.uniform(120, 260),
               rng.uniform(0, 2 * np.pi)),
        river=(rng.uniform(300, 1300), rng.uniform(800, 1300), rng.uniform(0, 2 * np.pi), rng.uniform(200, 420),
               rng.uniform(0, 2 * np.pi)),
        hills=hills)


def _hills(t: Terrain, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Sum of the Gaussian hills (m) at each point."""
    out = np.zeros(np.shape(u))
    for hu, hv, sigma, amp in t.hills:
        out += amp * np.exp(-((u - hu) ** 2 + (v - hv) ** 2) / (2 * sigma**2))
    return out


def elevation(t: Terrain, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Elevation (m): a 2-10 m coastal plain, a lower river corridor, hills in the south-west, sea at 0."""
    inland = np.clip((t.coast_u(v) - u) / 20000.0, 0.0, 1.0)
    plain = 2.4 + 6.6 * inland**0.8 + 0.45 * fractal(t.seed, u, v, 3000.0, 2)
    dv = np.abs(v - t.river_v(u))
    plain -= 1.4 * np.exp(-((dv / 600.0) ** 2))
    plain = np.clip(plain, 2.0, 10.0)
    water = dv < t.river_half_width(u)
    plain = np.where(water, 1.0 + 0.8 * inland, plain)
    hills = _hills(t, u, v) * np.clip((dv - 500.0) / 2000.0, 0.0, 1.0)  # the river valley stays flat
    upland = hills > 0.5
    rough = fractal(t.seed + 1, u[upland], v[upland], 1600.0, 4)
    hills[upland] = _HILL_CAP_M * np.tanh(hills[upland] * np.clip(1.0 + 0.25 * rough, 0.5, 1.5) / _HILL_CAP_M)
    height = plain + hills
    return np.where(u > t.coast_u(v), 0.0, height)


def contour_polygons(t: Terrain, levels: list[float], bounds: tuple[float, float, float, float],
                     cell: float = 60.0) -> list[shapely.Geometry]:
    """Regions of the local frame whose elevation exceeds each level, smoothed and simplified."""
    umin, vmin, umax, vmax = bounds
    cols, rows = int((umax - umin) / cell) + 1, int((vmax - vmin) / cell) + 1
    uu, vv = np.meshgrid(umin + (np.arange(cols) + 0.5) * cell, vmax - (np.arange(rows) + 0.5) * cell)
    height = elevation(t, uu, vv)
    out = []
    for level in levels:
        mask = height > level
        shapes = [shapely.geometry.shape(g) for g, _ in features.shapes(
            mask.astype(np.uint8), mask=mask, transform=Affine(cell, 0, umin, 0, -cell, vmax))]
        region = shapely.union_all(shapes) if shapes else shapely.Polygon()
        out.append(shapely.simplify(region.buffer(2 * cell).buffer(-2 * cell), cell / 3))
    return out
