"""Deterministic demo district: a fictional Ningbo-like coastal district with every layer kind and a DEM.

Everything derives from one seed, so the demo project, its tests and screenshots are reproducible.
The place is invented (names, codes and firms are fictional); its numbers follow domain.md.

Layout: an irregular district about 20 x 15 km around lon 121.5 E, lat 29.85 N, sea to the east,
hills (200-600 m) in the south-west, a river crossing west to east, a town centre on the river and
four industrial parks.  Roads are arterial / secondary lines; their faces are cut into blocks by
local roads and the blocks into parcels by recursive jittered cuts, so parcels tile without overlap.

M0 (新型产业用地) has no GB/T 21010 code: M0 parcels carry land_use "0601" with
land_use_category "m0"; about a quarter of the industrial land inside the future industrial
communities is M0 (roughly 1-3 % of the district's industrial land).

Supply: land approved before 2019 is mostly built; batches 2019-2025 cover the urban fringe and
are less supplied the newer they are. Some parcels are `supplied` although their agreed start is
over a year past (idle by date, unlabelled), and six unsupplied edge parcels overlap farmland, so
checks and siting have something to find. Firms' Σtax / Σland is 25 万元/亩. The numbers here shape
demo data only; they are not evaluation settings and so are not in landpark.toml.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from pyproj import Proj
from rasterio import features
from scipy import ndimage

__all__ = ["DEMO_CRS", "USCC_CHARSET", "build_demo_layers", "build_demo_dem", "uscc_check_char"]

DEMO_CRS = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
MU_M2 = 10000.0 / 15.0
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 code characters (no I O S V Z)
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])  # GB 11714-1997 organisation code
_ORIGIN = (645000.0, 3304400.0)  # about lon 121.50 E, lat 29.85 N in EPSG:4549
_EVALUATION_DATE = np.datetime64("2025-12-31")

_SECONDARY_SPACING_M = (800.0, 1150.0)
_ROAD_HALF_WIDTH_M = {"主干路": 20.0, "次干路": 12.0, "支路": 7.0}
_RIVER_BANK_M = 30.0
_HILL_CAP_M = 590.0  # summits approach but never pass 600 m

_PARKS = [  # name, kind, level, leading industries
    ("滨海智造园区", "comprehensive", "国家级", "汽车零部件;智能装备"),
    ("南岭新材料产业园", "specialty", "省级", "新材料;化工"),
    ("北岸电子信息产业园", "specialty", "省级", "电子信息;集成电路"),
    ("云湖生物医药产业园", "cluster_zone", "市级", "生物医药"),
]
_PLACES = ["云溪", "澄浦", "望海", "柳塘", "青屿", "泉口", "石桥", "梅墩", "栖凤", "下洋", "横泾", "东岙",
           "潘火", "桃源", "新碶", "湖塘", "观澜", "龙山", "凤岙", "沙港", "白峰", "松岙", "前洋", "后塘"]
_MICRO_THEMES = ["智能装备", "汽配", "五金", "电子", "新材料", "模具", "文具", "塑胶", "电器", "光电"]
_INDUSTRY_WORDS = {
    "汽车零部件": ["汽车部件", "汽配", "车业", "传动"], "智能装备": ["智能装备", "机械", "自动化", "机器人"],
    "新材料": ["新材料", "高分子", "复合材料"], "化工": ["化工", "化学", "精细化工"],
    "电子信息": ["电子", "光电", "信息科技"], "集成电路": ["半导体", "微电子", "芯片"],
    "生物医药": ["生物科技", "医药", "医疗器械"], "金属制品": ["五金", "金属制品", "紧固件"],
    "纺织服装": ["服饰", "纺织", "针织"], "塑料制品": ["塑业", "塑胶"], "家用电器": ["电器", "家电"],
    "通用设备": ["液压", "轴承", "泵业", "模具"],
}
_MICRO_INDUSTRY = {"智能装备": "智能装备", "汽配": "汽车零部件", "五金": "金属制品", "电子": "电子信息",
                   "新材料": "新材料", "模具": "通用设备", "文具": "塑料制品", "塑胶": "塑料制品", "电器": "家用电器",
                   "光电": "电子信息"}
_GENERAL_INDUSTRIES = ["金属制品", "纺织服装", "塑料制品", "家用电器", "通用设备", "汽车零部件", "智能装备"]
_BRAND_CHARS = list("甬华恒鑫博联凯瑞泰宏远创精科达盛兴信嘉诚海天明丰永昌立德裕隆润宇金亚旭浩中")
_ROAD_NAMES = {
    "主干路": ["滨海大道", "明湖大道", "金谷路", "甬新大道", "望海路", "天童路", "东环大道", "云龙路", "聚贤大道",
               "江南大道", "宁穿路", "丹枫路"],
    "次干路": ["鸿达路", "启运路", "兴业路", "创新路", "科技路", "振兴路", "康庄路", "长丰路", "泰安路", "永昌路",
               "汇源路", "博文路", "通途路", "和美路", "锦绣路", "富民路", "学府路", "海晏路", "瑞祥路", "华严路"],
}
_USE_CODES = {"industrial": "0601", "m0": "0601", "warehouse": "0508", "residential": "0701",
              "commercial": "05H1"}
_ZONE_USES = {  # land-use category mix of the blocks of each zone
    "park": {"industrial": 0.82, "warehouse": 0.07, "commercial": 0.03, "public": 0.04, "residential": 0.04},
    "cluster": {"industrial": 0.74, "warehouse": 0.09, "commercial": 0.05, "public": 0.05, "residential": 0.07},
    "centre": {"commercial": 0.33, "residential": 0.42, "public": 0.19, "green": 0.06},
    "urban": {"residential": 0.62, "commercial": 0.11, "public": 0.13, "industrial": 0.07, "warehouse": 0.03,
              "green": 0.04},
}
_PARCEL_MU = {  # median and log-sd of the block's parcel target size (亩); parcels end at 40-100 % of it
    "industrial": (22.0, 0.7), "warehouse": (50.0, 0.4), "residential": (10.0, 0.4),
    "commercial": (7.0, 0.45), "public": (18.0, 0.5), "micro": (6.0, 0.25),
}
_FAR = {  # median floor-area ratio and log-sd of built parcels, coverage range
    "industrial": (1.35, 0.35, 0.30, 0.60), "m0": (3.4, 0.12, 0.30, 0.45), "warehouse": (1.1, 0.25, 0.40, 0.60),
    "residential": (2.2, 0.2, 0.18, 0.30), "commercial": (2.6, 0.35, 0.30, 0.50), "public": (1.2, 0.3, 0.20, 0.40),
    "micro": (2.2, 0.15, 0.40, 0.55),
}
_UNSUPPLIED_BY_YEAR = {2019: 0.05, 2020: 0.07, 2021: 0.10, 2022: 0.16, 2023: 0.25, 2024: 0.42, 2025: 0.75}


# ---- randomness and frames ------------------------------------------------------------------------


def _rng(seed: int, stage: str) -> np.random.Generator:
    """An independent generator per stage, so tuning one stage does not reshuffle the others."""
    return np.random.default_rng([seed, zlib.crc32(stage.encode())])


@dataclass(frozen=True)
class _Terrain:
    """Seeded shape of the land: local frame (u east, v north, metres), coast, river and hills."""

    seed: int
    angle: float  # rotation of the local frame against grid north (radians)
    coast: tuple[float, float, float, float, float]  # u0, a1, phase1, a2, phase2
    river: tuple[float, float, float, float, float]  # v0, a1, phase1, a2, phase2
    hills: np.ndarray  # (k, 4): u, v, sigma, amplitude

    def coast_u(self, v: np.ndarray) -> np.ndarray:
        u0, a1, p1, a2, p2 = self.coast
        return u0 + a1 * np.sin(v / 3200.0 + p1) + a2 * np.sin(v / 1100.0 + p2)

    def river_v(self, u: np.ndarray) -> np.ndarray:
        v0, a1, p1, a2, p2 = self.river
        return v0 + a1 * np.sin(2 * np.pi * u / 15000.0 + p1) + a2 * np.sin(2 * np.pi * u / 4300.0 + p2)

    def river_half_width(self, u: np.ndarray) -> np.ndarray:
        return 35.0 + 75.0 * np.clip((u + 12000.0) / 22000.0, 0.0, 1.0) ** 2

    def to_world(self, geoms: np.ndarray) -> np.ndarray:
        c, s = np.cos(self.angle), np.sin(self.angle)
        return shapely.transform(geoms, lambda p: np.column_stack(
            [_ORIGIN[0] + c * p[:, 0] - s * p[:, 1], _ORIGIN[1] + s * p[:, 0] + c * p[:, 1]]))

    def to_local(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c, s = np.cos(self.angle), np.sin(self.angle)
        dx, dy = x - _ORIGIN[0], y - _ORIGIN[1]
        return c * dx + s * dy, -s * dx + c * dy


def _terrain(seed: int) -> _Terrain:
    rng = _rng(seed, "terrain")
    n = 6
    hills = np.column_stack([
        rng.uniform(-12500, -3500, n), rng.uniform(-10500, -5600, n),
        rng.uniform(1300, 2300, n), rng.uniform(220, 460, n)])
    uu, vv = np.meshgrid(np.arange(-16000, 2000, 200.0), np.arange(-14000, 0, 200.0))
    peak = _hills(_Terrain(seed, 0.0, (0, 0, 0, 0, 0), (0, 0, 0, 0, 0), hills), uu, vv).max()
    hills[:, 3] *= rng.uniform(400.0, 500.0) / peak  # highest summit 400-500 m before roughness
    return _Terrain(
        seed=seed, angle=np.radians(rng.uniform(8.0, 18.0)),
        coast=(9300.0, rng.uniform(350, 650), rng.uniform(0, 2 * np.pi), rng.uniform(120, 260),
               rng.uniform(0, 2 * np.pi)),
        river=(rng.uniform(300, 1300), rng.uniform(800, 1300), rng.uniform(0, 2 * np.pi), rng.uniform(200, 420),
               rng.uniform(0, 2 * np.pi)),
        hills=hills)


def _lattice_noise(seed: int, u: np.ndarray, v: np.ndarray, spacing: float) -> np.ndarray:
    """Smooth unit-variance noise defined in metres (cubic interpolation of a seeded lattice)."""
    half = 30000.0
    n = int(2 * half / spacing) + 4
    grid = _rng(seed, f"noise{spacing:.0f}").standard_normal((n, n))
    return ndimage.map_coordinates(grid, [(v + half) / spacing, (u + half) / spacing], order=3, mode="nearest")


def _fractal(seed: int, u: np.ndarray, v: np.ndarray, base: float, octaves: int) -> np.ndarray:
    out = np.zeros(np.shape(u))
    for k in range(octaves):
        out += 0.5**k * _lattice_noise(seed, u, v, base / 2**k)
    return out


def _hills(t: _Terrain, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    out = np.zeros(np.shape(u))
    for hu, hv, sigma, amp in t.hills:
        out += amp * np.exp(-((u - hu) ** 2 + (v - hv) ** 2) / (2 * sigma**2))
    return out


def _elevation(t: _Terrain, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Elevation (m): a 2-10 m coastal plain, a lower river corridor, hills in the south-west, sea at 0."""
    inland = np.clip((t.coast_u(v) - u) / 20000.0, 0.0, 1.0)
    plain = 2.4 + 6.6 * inland**0.8 + 0.45 * _fractal(t.seed, u, v, 3000.0, 2)
    dv = np.abs(v - t.river_v(u))
    plain -= 1.4 * np.exp(-((dv / 600.0) ** 2))
    plain = np.clip(plain, 2.0, 10.0)
    water = dv < t.river_half_width(u)
    plain = np.where(water, 1.0 + 0.8 * inland, plain)
    hills = _hills(t, u, v) * np.clip((dv - 500.0) / 2000.0, 0.0, 1.0)  # the river valley stays flat
    upland = hills > 0.5
    rough = _fractal(t.seed + 1, u[upland], v[upland], 1600.0, 4)
    hills[upland] = _HILL_CAP_M * np.tanh(hills[upland] * np.clip(1.0 + 0.25 * rough, 0.5, 1.5) / _HILL_CAP_M)
    elevation = plain + hills
    return np.where(u > t.coast_u(v), 0.0, elevation)


def _contour_polygons(t: _Terrain, levels: list[float], bounds: tuple[float, float, float, float],
                      cell: float = 60.0) -> list[shapely.Geometry]:
    """Regions of the local frame whose elevation exceeds each level, smoothed and simplified."""
    umin, vmin, umax, vmax = bounds
    cols, rows = int((umax - umin) / cell) + 1, int((vmax - vmin) / cell) + 1
    uu, vv = np.meshgrid(umin + (np.arange(cols) + 0.5) * cell, vmax - (np.arange(rows) + 0.5) * cell)
    elevation = _elevation(t, uu, vv)
    out = []
    for level in levels:
        mask = elevation > level
        shapes = [shapely.geometry.shape(g) for g, _ in features.shapes(
            mask.astype(np.uint8), mask=mask, transform=Affine(cell, 0, umin, 0, -cell, vmax))]
        region = shapely.union_all(shapes) if shapes else shapely.Polygon()
        out.append(shapely.simplify(region.buffer(2 * cell).buffer(-2 * cell), cell / 3))
    return out


def _star(centre: tuple[float, float], a: float, b: float, rng: np.random.Generator, n: int = 240,
          wobble: float = 0.08) -> shapely.Polygon:
    """An irregular closed outline: an ellipse whose radius is modulated by a few low harmonics."""
    phi = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 25):
        r += wobble / (k - 1) ** 0.75 * rng.uniform(0.3, 1.0) * np.sin(k * phi + rng.uniform(0, 2 * np.pi))
    return shapely.Polygon(np.column_stack([centre[0] + a * r * np.cos(phi), centre[1] + b * r * np.sin(phi)]))


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


# ---- recursive cutting ----------------------------------------------------------------------------


def _is_convex(polys: np.ndarray) -> np.ndarray:
    hull = shapely.area(shapely.convex_hull(polys))
    return (shapely.get_num_interior_rings(polys) == 0) & (shapely.area(polys) >= hull * (1 - 1e-9))


def _clip_convex(polys: np.ndarray, point: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Keep the part of each convex polygon where (x - point)·normal >= 0 (vectorised Sutherland-Hodgman).

    Crossing points are computed from the edge alone, so clipping one polygon by a line and by its
    reverse yields the same coordinates on the cut: the two pieces tile without slivers.
    """
    coords, ring = shapely.get_coordinates(shapely.get_exterior_ring(polys), return_index=True)
    count = np.bincount(ring, minlength=len(polys))
    open_ = np.ones(len(coords), bool)
    open_[np.cumsum(count) - 1] = False  # drop the closing coordinate
    coords, ring, count = coords[open_], ring[open_], count - 1
    start = np.cumsum(count) - count
    nxt = start[ring] + (np.arange(len(coords)) - start[ring] + 1) % count[ring]
    f = ((coords - point[ring]) * normal[ring]).sum(1)
    fb = f[nxt]
    cross = ((f > 0) & (fb < 0)) | ((f < 0) & (fb > 0))
    ratio = np.divide(f, f - fb, out=np.zeros_like(f), where=cross)
    xy = np.empty((2 * len(coords), 2))
    xy[0::2], xy[1::2] = coords, coords + ratio[:, None] * (coords[nxt] - coords)
    keep = np.empty(2 * len(coords), bool)
    keep[0::2], keep[1::2] = f >= 0, cross
    xy, owner = xy[keep], np.repeat(ring, 2)[keep]
    enough = np.bincount(owner, minlength=len(polys)) >= 3
    out = np.full(len(polys), None, dtype=object)
    sel = enough[owner]
    if sel.any():
        ids = np.flatnonzero(enough)
        compact = np.searchsorted(ids, owner[sel])
        out[ids] = shapely.polygons(shapely.linearrings(xy[sel], indices=compact))
    return out


def _split(polys: np.ndarray, gap: float, rng: np.random.Generator, jitter_deg: float = 4.0,
           jog_share: float | np.ndarray = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut each polygon across its long axis at 38-62 % of its length, leaving a `gap`-wide strip.

    Returns the pieces, the index of the polygon each came from, and (when gap > 0) the cut
    centre-lines. A `jog_share` of the cuts get a small step, as real parcel boundaries often do.
    """
    n_poly = len(polys)
    rings = shapely.get_exterior_ring(shapely.oriented_envelope(polys))
    ok = shapely.get_num_coordinates(rings) == 5
    rings = np.where(ok, rings, shapely.get_exterior_ring(shapely.envelope(polys)))
    c = shapely.get_coordinates(rings).reshape(-1, 5, 2)
    e1, e2 = c[:, 1] - c[:, 0], c[:, 2] - c[:, 1]
    l1, l2 = np.hypot(*e1.T), np.hypot(*e2.T)
    first = l1 >= l2
    length, width = np.where(first, l1, l2), np.where(first, l2, l1)
    d = np.where(first[:, None], e1 / np.maximum(l1, 1e-9)[:, None], e2 / np.maximum(l2, 1e-9)[:, None])
    a = np.radians(rng.uniform(-jitter_deg, jitter_deg, n_poly))
    d = np.column_stack([d[:, 0] * np.cos(a) - d[:, 1] * np.sin(a), d[:, 0] * np.sin(a) + d[:, 1] * np.cos(a)])
    n = np.column_stack([-d[:, 1], d[:, 0]])
    mid = (c[:, 0] + c[:, 2]) / 2 + ((rng.uniform(0.38, 0.62, n_poly) - 0.5) * length)[:, None] * d
    jog = (rng.random(n_poly) < jog_share) & (width > 40.0) & (gap == 0.0)
    step = rng.choice([-1.0, 1.0], n_poly) * rng.uniform(6.0, 14.0, n_poly)
    kink = rng.uniform(-0.3, 0.3, n_poly) * width

    lower = np.full(n_poly, None, dtype=object)
    upper = np.full(n_poly, None, dtype=object)
    fast = _is_convex(polys) & ~jog
    half = gap / 2
    lower[fast] = _clip_convex(polys[fast], mid[fast] - half * d[fast], -d[fast])
    upper[fast] = _clip_convex(polys[fast], mid[fast] + half * d[fast], d[fast])
    slow = np.flatnonzero(~fast)
    if len(slow):
        big = ((l1 + l2)[slow] * 2 + 10.0)[:, None]
        ds, ns, ms = d[slow], n[slow], mid[slow]
        j = jog[slow][:, None]
        pa, pd = ms - big * ns, ms + np.where(j, step[slow, None], 0.0) * ds + big * ns
        pb = ms + np.where(j, kink[slow, None], 0.0) * ns
        pc = pb + np.where(j, step[slow, None], 0.0) * ds
        for out, sign in ((lower, -1.0), (upper, 1.0)):
            shift = sign * half * ds
            ring = np.stack([pa + shift, pb + shift, pc + shift, pd + shift,
                             pd + shift + sign * 2 * big * ds, pa + shift + sign * 2 * big * ds], 1)
            out[slow] = shapely.intersection(polys[slow], shapely.polygons(ring))
    cuts = np.array([], dtype=object)
    if gap > 0:
        big = (l1 + l2)[:, None] * 2 + 10.0
        cuts = shapely.intersection(polys, shapely.linestrings(np.stack([mid - big * n, mid + big * n], 1)))
    pieces, src = shapely.get_parts(np.concatenate([lower, upper]), return_index=True)
    keep = shapely.get_type_id(pieces) == 3
    return pieces[keep], (src % n_poly)[keep], cuts


def _subdivide(polys: np.ndarray, target_m2: np.ndarray, gap: float, rng: np.random.Generator,
               min_m2: float, rounds: int = 18, jog_share: float = 0.0
               ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Cut polygons repeatedly until every piece is at most its target area; drop pieces below `min_m2`."""
    active, parent, target = polys, np.arange(len(polys)), target_m2
    out_geoms, out_parent, cut_lines = [], [], []
    for _ in range(rounds):
        area = shapely.area(active)
        keep = area >= min_m2
        active, parent, target, area = active[keep], parent[keep], target[keep], area[keep]
        done = area <= target
        out_geoms.append(active[done])
        out_parent.append(parent[done])
        active, parent, target, area = active[~done], parent[~done], target[~done], area[~done]
        if len(active) == 0:
            break
        pieces, src, cuts = _split(active, gap, rng, jog_share=np.where(area < 2.2 * target, jog_share, 0.0))
        cut_lines.append(cuts)
        active, parent, target = pieces, parent[src], target[src]
    out_geoms.append(active)
    out_parent.append(parent)
    return np.concatenate(out_geoms), np.concatenate(out_parent), cut_lines


# ---- the district plan ----------------------------------------------------------------------------


@dataclass
class _Plan:
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
    face_park: np.ndarray  # index into _PARKS, or -1
    town_centre: np.ndarray


def _river_polygon(t: _Terrain, u_range: tuple[float, float]) -> shapely.Polygon:
    u = np.arange(u_range[0], u_range[1], 50.0)
    v = t.river_v(u)
    du, dv = np.gradient(u), np.gradient(v)
    norm = np.hypot(du, dv)
    nu, nv = -dv / norm, du / norm
    w = t.river_half_width(u)
    left = np.column_stack([u + nu * w, v + nv * w])
    right = np.column_stack([u - nu * w, v - nv * w])[::-1]
    return shapely.Polygon(np.vstack([left, right]))


def _largest(geom: shapely.Geometry) -> shapely.Geometry:
    parts = shapely.get_parts(geom)
    return parts[np.argmax(shapely.area(parts))]


def _plan(seed: int, t: _Terrain) -> _Plan:
    """Outline, water, hills, urban edge, arterial/secondary network and the zone of every network face."""
    rng = _rng(seed, "plan")
    coast_v = np.linspace(-12000, 12000, 200)
    land = shapely.Polygon(np.vstack([np.column_stack([t.coast_u(coast_v) - 250.0, coast_v]),
                                      [[-20000, 12000], [-20000, -12000]]]))
    district = _largest(shapely.intersection(_star((-200.0, 0.0), 10300.0, 7700.0, rng), land))
    district = shapely.simplify(district, 10.0)
    river = shapely.intersection(_river_polygon(t, (-16000.0, 13000.0)), land.buffer(300.0))
    hills, foothills, slopes = _contour_polygons(t, [40.0, 25.0, 11.0], (-14000.0, -11000.0, 12000.0, 11000.0))
    hills = shapely.intersection(hills, district)
    hills_redline = shapely.union_all([p for p in shapely.get_parts(hills) if p.area > 300_000])
    slopes = slopes.buffer(350.0)

    u_town = rng.uniform(-2600, -1200)
    town_centre = np.array([u_town, t.river_v(np.array([u_town]))[0] + 300.0])
    blob = _star((900.0, 0.5 * float(t.river_v(np.array([900.0]))[0])), 8000.0, 5600.0, rng, wobble=0.08)
    blob = _largest(blob.difference(slopes).intersection(district.buffer(-600.0)))
    urban = shapely.simplify(blob.buffer(400.0).buffer(-400.0), 20.0)

    arterials, arterial_line, secondaries, secondary_line = _road_network(rng, district, urban, town_centre)
    noded = shapely.union_all(np.concatenate([arterials, secondaries, [shapely.get_exterior_ring(district)]]))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[shapely.within(shapely.point_on_surface(faces), urban)]
    zone, face_park = _zones(seed, rng, faces, urban, town_centre)
    return _Plan(district, river, hills_redline, foothills, slopes, urban, arterials, arterial_line, secondaries,
                 secondary_line, faces, zone, face_park, town_centre)


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
    wobble = 1.0 + 0.22 * _lattice_noise(seed + 3, centroids[:, 0], centroids[:, 1], 1500.0)
    rel = np.hypot(*(centroids[None] - seeds[:, None]).transpose(2, 0, 1)) / radius[:, None] / wobble
    dist_town = np.hypot(*(centroids - town_centre).T)
    face_park = np.where((rel.min(0) < 1.0) & (dist_town > 1900.0), rel.argmin(0), -1)
    for p in range(len(_PARKS)):  # keep each park in one piece
        member = face_park == p
        if member.any():
            body = _largest(shapely.union_all(faces[member]).buffer(1.0))
            face_park[member & ~shapely.within(shapely.point_on_surface(faces), body)] = -1
    field = _lattice_noise(seed + 7, centroids[:, 0], centroids[:, 1], 2500.0)
    zone = np.full(len(faces), "urban", dtype=object)
    zone[dist_town < 1900.0] = "centre"
    zone[(field > 0.55) & (dist_town > 2200.0)] = "cluster"
    zone[face_park >= 0] = "park"
    return zone, face_park


# ---- blocks, land use, parcels ----------------------------------------------------------------------


@dataclass
class _Blocks:
    """Local-road-bounded blocks (sub-blocks of the network faces) and their planned use."""

    geoms: np.ndarray
    face: np.ndarray  # index into _Plan.faces
    category: np.ndarray  # land-use category of the block, "micro" for a micro park, "green" if left open
    micro: np.ndarray  # micro park index or -1
    community: np.ndarray  # future community index or -1
    local_roads: np.ndarray


def _draw(rng: np.random.Generator, table: dict[str, float], n: int) -> np.ndarray:
    keys = list(table)
    p = np.array([table[k] for k in keys])
    return np.array(keys, dtype=object)[rng.choice(len(keys), n, p=p / p.sum())]


def _blocks(seed: int, plan: _Plan) -> _Blocks:
    rng = _rng(seed, "blocks")
    road_space = shapely.union_all(np.concatenate([
        shapely.buffer(plan.arterials, _ROAD_HALF_WIDTH_M["主干路"], cap_style="flat"),
        shapely.buffer(plan.secondaries, _ROAD_HALF_WIDTH_M["次干路"], cap_style="flat"),
        [plan.river.buffer(_RIVER_BANK_M + 5.0)]]))  # 5 m setback: simplifying must not reach the red line
    blocks = shapely.simplify(shapely.difference(plan.faces, road_space), 2.5)
    blocks, face = shapely.get_parts(blocks, return_index=True)
    keep = (shapely.get_type_id(blocks) == 3) & (shapely.area(blocks) > 3 * MU_M2)
    blocks, face = blocks[keep], face[keep]
    zone = plan.face_zone[face]
    median = np.select([np.isin(zone, ["park", "cluster"]), zone == "centre"], [320.0, 110.0], 170.0)
    target = median * np.exp(0.3 * rng.standard_normal(len(blocks))) * MU_M2
    subs, parent, cuts = _subdivide(blocks, target, 2 * _ROAD_HALF_WIDTH_M["支路"], rng, 3 * MU_M2)
    local = shapely.get_parts(np.concatenate(cuts)) if cuts else np.array([])
    local = local[(shapely.get_type_id(local) == 1) & (shapely.length(local) > 60.0)]
    face = face[parent]
    zone = plan.face_zone[face]
    category = np.empty(len(subs), dtype=object)
    for z, table in _ZONE_USES.items():
        at = zone == z
        category[at] = _draw(rng, table, int(at.sum()))
    micro = _pick_micro_parks(rng, subs, category, zone)
    category[micro >= 0] = "micro"
    community = _grow_communities(rng, subs, category, zone)
    return _Blocks(subs, face, category, micro, community, local)


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
            chosen.append(i)
    out = np.full(len(subs), -1)
    out[chosen] = np.arange(len(chosen))
    return out


def _grow_communities(rng: np.random.Generator, subs: np.ndarray, category: np.ndarray, zone: np.ndarray,
                      count: int = 6, mu_range: tuple[float, float] = (320.0, 1450.0)) -> np.ndarray:
    """Six future industrial communities: clusters of adjacent industrial blocks of 0.2-1 km²."""
    mu = shapely.area(subs) / MU_M2
    tree = shapely.STRtree(subs)
    pairs = tree.query(subs, predicate="dwithin", distance=2 * _ROAD_HALF_WIDTH_M["支路"] + 2.0)
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


@dataclass
class _Parcels:
    geoms: np.ndarray
    block: np.ndarray
    category: np.ndarray


def _parcels(seed: int, plan: _Plan, blocks: _Blocks) -> _Parcels:
    """Cut every non-green block into parcels sized by its use; a few parcels take another use."""
    rng = _rng(seed, "parcels")
    built_up = np.flatnonzero(blocks.category != "green")
    cat = blocks.category[built_up]
    median = np.array([_PARCEL_MU[c][0] for c in cat])
    sigma = np.array([_PARCEL_MU[c][1] for c in cat])
    target_mu = np.clip(median * np.exp(sigma * rng.standard_normal(len(cat))), 3.0, 190.0)
    target_mu = np.where(cat == "micro", np.clip(target_mu, 3.0, 9.0), target_mu)
    geoms, parent, _ = _subdivide(blocks.geoms[built_up], target_mu * MU_M2, 0.0, rng, 1.01 * MU_M2, jog_share=0.1)
    corners = shapely.get_num_coordinates(shapely.get_exterior_ring(geoms)) - 1
    geoms, parent = geoms[corners >= 4], parent[corners >= 4]  # corner triangles stay open space
    block = built_up[parent]
    category = blocks.category[block].copy()
    zone = plan.face_zone[blocks.face[block]]
    mixed = (rng.random(len(geoms)) < 0.07) & (category != "micro")
    for z, table in _ZONE_USES.items():
        at = mixed & (zone == z)
        category[at] = _draw(rng, {k: v for k, v in table.items() if k != "green"}, int(at.sum()))
    in_community = blocks.community[block] >= 0
    category[in_community & (category == "industrial") & (rng.random(len(geoms)) < 0.25)] = "m0"
    return _Parcels(geoms, block, category)


# ---- land supply ----------------------------------------------------------------------------------


def _random_dates(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    return lo + rng.integers(0, int((hi - lo).astype(int)) + 1, n).astype("timedelta64[D]")


@dataclass
class _Supply:
    """Per parcel: approval batch, status, dates and buildings; per batch: id and approval date."""

    batch: np.ndarray  # batch index or -1 (approved before 2019)
    block_batch: np.ndarray  # batch index of each block or -1
    batch_ids: np.ndarray
    batch_dates: np.ndarray
    status: np.ndarray
    supply_date: np.ndarray  # datetime64[D], NaT when unsupplied
    agreed_start: np.ndarray
    floor_m2: np.ndarray
    footprint_m2: np.ndarray


def _batches(seed: int, plan: _Plan, blocks: _Blocks, new_share: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Approval batches 2019-2025: the outer blocks (plus noise) up to `new_share` of the built-up area,
    grouped by 1.6 km cells. Returns the batch of each block (-1: approved earlier), batch ids and dates."""
    rng = _rng(seed, "batches")
    xy = shapely.get_coordinates(shapely.centroid(blocks.geoms))
    area = shapely.area(blocks.geoms)
    reach = np.hypot(*(xy - plan.town_centre).T)
    weight = reach / reach.max() + 0.35 * _lattice_noise(seed + 11, xy[:, 0], xy[:, 1], 1200.0)
    weight[(blocks.category == "green") | (blocks.micro >= 0) | (blocks.community >= 0)] = -np.inf
    order = np.argsort(-weight, kind="stable")
    chosen = order[np.cumsum(area[order]) <= new_share * area[blocks.category != "green"].sum()]
    cells, cell_of = np.unique(np.floor(xy[chosen] / 1600.0).astype(int), axis=0, return_inverse=True)
    # years by cumulative approved area, so each year approves a steady share of the new land
    cell_area = np.bincount(cell_of.ravel(), weights=area[chosen], minlength=len(cells))
    shuffle = rng.permutation(len(cells))
    done = np.empty(len(cells))
    done[shuffle] = (np.cumsum(cell_area[shuffle]) - cell_area[shuffle] / 2) / cell_area.sum()
    years = 2019 + np.searchsorted(np.cumsum([0.12, 0.13, 0.15, 0.16, 0.16, 0.15, 0.13]), done)
    first = np.array([f"{y}-01-05" for y in years], dtype="datetime64[D]")
    span = np.where(years < 2025, 349, 319)  # to 20 Dec, or 20 Nov in the evaluation year
    dates = first + rng.integers(0, span).astype("timedelta64[D]")
    by_date = np.lexsort((cells[:, 1], cells[:, 0], dates))  # number batches in date order
    label = np.empty(len(cells), int)
    label[by_date] = np.arange(len(cells))
    dates, years = dates[by_date], years[by_date]
    seq = np.arange(len(years)) - np.searchsorted(years, years) + 1
    block_batch = np.full(len(blocks.geoms), -1)
    block_batch[chosen] = label[cell_of.ravel()]
    return block_batch, np.array([f"PC{y}{k:02d}" for y, k in zip(years, seq)], dtype=object), dates


def _supply(seed: int, plan: _Plan, blocks: _Blocks, parcels: _Parcels, new_share: float = 0.36) -> _Supply:
    """Supply status, dates and buildings per parcel: old land is built, new batches supply and build with age."""
    rng = _rng(seed, "supply")
    of_block, batch_ids, dates = _batches(seed, plan, blocks, new_share)
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    unsupplied_by_year = np.array([_UNSUPPLIED_BY_YEAR[y] for y in range(2019, 2026)])
    n = len(parcels.geoms)
    batch = of_block[parcels.block]
    new = batch >= 0
    approved = np.where(new, dates[np.maximum(batch, 0)], np.datetime64("NaT", "D"))
    supply = np.where(new, approved + rng.integers(45, 900, n).astype("timedelta64[D]"),
                      _random_dates(rng, "1998-03-01", "2018-12-31", n))
    p_unsupplied = np.where(new, unsupplied_by_year[years[np.maximum(batch, 0)] - 2019], 0.0)
    unsupplied = (rng.random(n) < p_unsupplied) | (supply > _EVALUATION_DATE)
    agreed = supply + rng.integers(90, 300, n).astype("timedelta64[D]")
    years_since_start = (_EVALUATION_DATE - agreed).astype(float) / 365.25
    p_built = np.where(years_since_start > 0, np.clip(0.05 + 0.33 * years_since_start, 0.05, 0.9), 0.03)
    p_built = np.where(new, p_built, 0.945)
    built = rng.random(n) < p_built
    idle = ~built & (years_since_start > 1.0) & (rng.random(n) < 0.6)
    status = np.where(built, "built", np.where(idle, "idle", "supplied")).astype(object)
    status[unsupplied] = "unsupplied"
    supply = np.where(unsupplied, np.datetime64("NaT", "D"), supply)
    agreed = np.where(unsupplied, np.datetime64("NaT", "D"), agreed)

    area_p = shapely.area(parcels.geoms)
    cat = np.where(blocks.micro[parcels.block] >= 0, "micro", parcels.category)
    med = np.array([_FAR[c][0] for c in cat])
    far = med * np.exp(np.array([_FAR[c][1] for c in cat]) * rng.standard_normal(n))
    cover = rng.uniform([_FAR[c][2] for c in cat], [_FAR[c][3] for c in cat])
    far = np.clip(far, 0.35, 6.0)
    is_built = status == "built"
    floor = np.where(is_built, np.round(far * area_p, 1), 0.0)
    footprint = np.where(is_built, np.round(np.minimum(cover, far) * area_p, 1), 0.0)
    return _Supply(batch, of_block, batch_ids, dates, status, supply, agreed, floor, footprint)


# ---- enterprises ----------------------------------------------------------------------------------


def uscc_check_char(body17: str) -> str:
    """GB 32100-2015 check character of the first 17 characters of a unified social credit code."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(body17, _USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def _usccs(rng: np.random.Generator, n: int, registered_before_2015: np.ndarray) -> np.ndarray:
    """Unique, valid unified social credit codes: 9 + 1 (enterprise) + county + organisation code + check.

    The 9-character organisation code carries its own GB 11714 check character; firms registered
    after the 2015 reform get "MA2…" bodies, older ones a numeric organisation code.
    """
    chars = np.array(list(USCC_CHARSET))
    gb11714_value = np.array([int(c) if c.isdigit() else ord(c) - 55 for c in USCC_CHARSET])  # A=10 … Z=35
    counties = np.array([[USCC_CHARSET.index(c) for c in code] for code in ("330212", "330206", "330211",
                                                                           "330203", "330205")])
    county = counties[rng.choice(len(counties), n, p=[0.8, 0.06, 0.05, 0.05, 0.04])]
    old_body = np.column_stack([rng.integers(1, 8, n), rng.integers(0, 10, (n, 7))])
    new_body = np.column_stack([np.full(n, USCC_CHARSET.index("M")), np.full(n, USCC_CHARSET.index("A")),
                                np.full(n, 2), rng.integers(0, len(USCC_CHARSET), (n, 5))])
    body = np.where(registered_before_2015[:, None], old_body, new_body)
    org_check = (11 - (gb11714_value[body] * _ORG_WEIGHTS).sum(1) % 11) % 11
    org_char = np.where(org_check == 10, USCC_CHARSET.index("X"), org_check)
    first17 = np.column_stack([np.full(n, 9), np.full(n, 1), county, body, org_char])
    check = (31 - (first17 * _USCC_WEIGHTS).sum(1) % 31) % 31
    codes = np.array(["".join(row) for row in chars[np.column_stack([first17, check])]], dtype=object)
    dup = pd.Series(codes).duplicated().to_numpy()
    if dup.any():  # practically never; redraw the duplicates
        codes[dup] = _usccs(rng, int(dup.sum()), registered_before_2015[dup])
    return codes


def _names(rng: np.random.Generator, industries: np.ndarray, listed: np.ndarray) -> np.ndarray:
    """Unique firm names 宁波 + brand + trade word + 有限公司 (股份有限公司 when listed)."""
    brands = np.array([a + b for a in _BRAND_CHARS for b in _BRAND_CHARS if a != b], dtype=object)
    words = np.empty(len(industries), dtype=object)
    for industry, choices in _INDUSTRY_WORDS.items():
        at = industries == industry
        words[at] = rng.choice(choices, int(at.sum()))
    suffix = np.where(listed, "股份有限公司", "有限公司").astype(object)
    names = np.empty(len(industries), dtype=object)
    todo = np.ones(len(industries), bool)
    while todo.any():
        names[todo] = "宁波" + rng.choice(brands, int(todo.sum())) + words[todo] + suffix[todo]
        todo = pd.Series(names).duplicated().to_numpy()
    return names


def _ownership(rng: np.random.Generator, parcels: _Parcels, supply: _Supply, micro: np.ndarray) -> np.ndarray:
    """Owner index per parcel (-1: none): every supplied industrial parcel has one; about a fifth of the
    owners outside micro parks also hold the next parcel of the same block, at most three in all."""
    idx = np.flatnonzero(np.isin(parcels.category, ["industrial", "m0", "micro"]) & (supply.status != "unsupplied"))
    xy = shapely.get_coordinates(shapely.centroid(parcels.geoms[idx]))
    order = np.lexsort((xy[:, 0] + 0.37 * xy[:, 1], parcels.block[idx]))  # neighbours follow each other
    idx = idx[order]
    blk, built = parcels.block[idx], supply.status[idx] == "built"
    join = np.r_[False, (blk[1:] == blk[:-1]) & (built[1:] == built[:-1])]
    join &= (rng.random(len(idx)) < 0.2) & (micro[idx] < 0)
    group = np.cumsum(~join) - 1
    pos = np.arange(len(idx)) - np.flatnonzero(~join)[group]
    join &= pos % 3 != 0
    owner = np.full(len(parcels.geoms), -1)
    owner[idx] = np.cumsum(~join) - 1
    return owner


def _figures(rng: np.random.Generator, land_mu: np.ndarray, producing: np.ndarray, tax_per_mu: float
             ) -> dict[str, np.ndarray]:
    """Annual figures (万元, tce, t, kWh, persons) of each firm, around the 黄岩 2022 benchmarks.

    Revenue grows less than land (big old plots are used loosely) and the tax rate falls with size;
    the revenue level is solved so that Σtax / Σland = `tax_per_mu`. 规上 = revenue ≥ 2000 万元.
    """
    n = len(land_mu)
    shape = np.where(producing, np.maximum(land_mu, 0.5) ** 0.8 * np.exp(1.1 * rng.standard_normal(n)), 0.0)
    rate_noise = np.exp(0.3 * rng.standard_normal(n))
    startup_tax = rng.uniform(0.0, 3.0, n)

    def taxes(level: float) -> tuple[np.ndarray, np.ndarray]:
        sales = shape * level
        rate = np.clip(0.1 * (np.maximum(sales, 1.0) / 2000.0) ** -0.15 * rate_noise, 0.02, 0.25)
        return sales, np.where(producing, sales * rate, startup_tax)

    lo, hi = 1.0, 1e6
    for _ in range(60):  # bisection on the revenue level
        level = np.sqrt(lo * hi)
        lo, hi = (lo, level) if taxes(level)[1].sum() > tax_per_mu * land_mu.sum() else (level, hi)
    revenue, tax = taxes(level)
    revenue = np.round(revenue, 1)
    above = revenue >= 2000.0
    value_added = np.where(producing, revenue * rng.uniform(0.22, 0.34, n), 0.0)
    emissions = np.where(above, value_added / (4900.0 * np.exp(0.6 * rng.standard_normal(n))), np.nan)
    emissions[above & (rng.random(n) < 0.08)] = np.nan  # some 规上 without data: the 黄岩 missing-data rule
    productivity = 18.0 * np.exp(0.4 * rng.standard_normal(n))  # 万元 value added per employee
    employees = np.where(producing, value_added / productivity, rng.uniform(3, 15, n))
    listed = np.zeros(n, bool)
    top = np.argsort(-revenue, kind="stable")[:20]
    listed[top[rng.random(20) < 0.6]] = True
    return {
        "above_scale": above, "tax_10k_yuan": np.round(tax, 2), "value_added_10k_yuan": np.round(value_added, 1),
        "output_10k_yuan": np.round(np.where(producing, revenue * rng.uniform(0.95, 1.08, n), 0.0), 1),
        "revenue_10k_yuan": revenue,
        "energy_tce": np.round(value_added / (2.7 * np.exp(0.5 * rng.standard_normal(n))), 1),
        "emissions": np.round(emissions, 3),
        "electricity_kwh": np.round(tax * 1e4 / (0.235 * np.exp(0.45 * rng.standard_normal(n))), -2),
        "rd_10k_yuan": np.round(np.where(above, revenue * 0.028 * np.exp(0.6 * rng.standard_normal(n)), np.nan), 1),
        "employees": np.maximum(np.round(employees), 3.0), "listed": listed,
    }


def _enterprises(seed: int, plan: _Plan, blocks: _Blocks, parcels: _Parcels, supply: _Supply,
                 area_mu: np.ndarray, tax_per_mu: float = 25.0, point_only: int = 5
                 ) -> tuple[pd.DataFrame, np.ndarray]:
    """Firms owning the supplied industrial parcels plus a few point-only tenants of micro parks.

    Returns the enterprise table with a local-frame `geometry` column, and the owner index per parcel.
    land_area_mu is stated for about one firm in eight (owned minus leased out, or leased in for the
    tenants); for the rest it is left to be derived from the parcels.
    """
    rng = _rng(seed, "enterprises")
    micro = blocks.micro[parcels.block]
    owner = _ownership(rng, parcels, supply, micro)
    idx = np.flatnonzero(owner >= 0)
    frame = pd.DataFrame({"parcel": idx, "firm": owner[idx], "mu": area_mu[idx],
                          "built": supply.status[idx] == "built", "supply": supply.supply_date[idx]})
    by_firm = frame.groupby("firm")
    main = frame.loc[by_firm["mu"].idxmax()]
    n_own = len(main)
    host = rng.choice(np.flatnonzero(micro >= 0), point_only, replace=False)
    n = n_own + point_only
    inner = shapely.buffer(parcels.geoms[host], -8.0)
    inner = np.where(shapely.is_empty(inner), parcels.geoms[host], inner)
    geoms = np.concatenate([shapely.point_on_surface(parcels.geoms[main["parcel"]]), shapely.point_on_surface(inner)])
    home = np.r_[main["parcel"].to_numpy(), host]
    producing = np.r_[by_firm["built"].any().to_numpy(), np.ones(point_only, bool)]

    owned = np.r_[by_firm["mu"].sum().to_numpy(), np.zeros(point_only)]
    leased_in, leased_out, land = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    leased_in[n_own:] = land[n_own:] = np.round(rng.uniform(1.5, 6.0, point_only), 2)
    stated = np.r_[rng.random(n_own) < 0.12, np.zeros(point_only, bool)]
    lease_out = stated & (rng.random(n) < 0.35) & (owned > 8)
    leased_out[lease_out] = np.round(owned[lease_out] * rng.uniform(0.1, 0.3, int(lease_out.sum())), 2)
    land[stated] = np.round(owned[stated] - np.nan_to_num(leased_out[stated]), 2)
    figures = _figures(rng, np.where(np.isnan(land), owned, land), producing, tax_per_mu)

    # industry: a park's leading industries, a micro park's theme, or the general mix
    park = plan.face_park[blocks.face[parcels.block[home]]]
    industry = rng.choice(_GENERAL_INDUSTRIES, n).astype(object)
    in_park = (park >= 0) & (rng.random(n) < 0.75)
    for p, (_, _, _, leading) in enumerate(_PARKS):
        at = in_park & (park == p)
        industry[at] = rng.choice(leading.split(";"), int(at.sum()))
    theme = micro[home]
    industry[theme >= 0] = [_MICRO_INDUSTRY[_MICRO_THEMES[k % len(_MICRO_THEMES)]] for k in theme[theme >= 0]]

    supplied = np.r_[main["supply"].to_numpy(), _random_dates(rng, "2012-01-01", "2022-12-31", point_only)]
    start = supplied + rng.integers(300, 1000, n).astype("timedelta64[D]")
    start = np.minimum(start, _EVALUATION_DATE - rng.integers(20, 200, n).astype("timedelta64[D]"))
    start = np.where(producing, start, np.datetime64("NaT", "D"))
    registered = np.where(producing, start, supplied) - np.timedelta64(400, "D")
    table = pd.DataFrame({
        "uscc": _usccs(rng, n, registered < np.datetime64("2015-10-01")),
        "name": _names(rng, industry, figures["listed"]), "industry": industry, "year": 2025,
        **figures, "land_area_mu": land, "leased_in_mu": leased_in, "leased_out_mu": leased_out,
        "production_start_date": start, "geometry": geoms,
    })
    return table, owner


# ---- assembling the layers ------------------------------------------------------------------------


def _area_mu(geoms: np.ndarray) -> np.ndarray:
    """Ellipsoidal area in 亩 of EPSG:4549 polygons: planar area over the projection's areal scale."""
    proj = Proj(DEMO_CRS)
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    lon, lat = proj(xy[:, 0], xy[:, 1], inverse=True)
    return shapely.area(geoms) / np.asarray(proj.get_factors(lon, lat).areal_scale) / MU_M2


def _iso(dates: np.ndarray) -> list[str | None]:
    text = np.datetime_as_string(dates.astype("datetime64[D]"), unit="D")
    return [None if s == "NaT" else s for s in text]


def _frame(records: dict, geoms: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(records, geometry=gpd.GeoSeries(geoms), crs=DEMO_CRS)


def _close(geoms: np.ndarray, gap: float) -> np.ndarray:
    """Union then close gaps narrower than `gap` (local roads between member blocks)."""
    return shapely.buffer(shapely.buffer(shapely.union_all(geoms), gap, join_style="mitre"), -gap,
                          join_style="mitre")


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
    out = np.array(out)
    return out[shapely.area(out) > min_m2]


def _unit_layers(seed: int, t: _Terrain, plan: _Plan, blocks: _Blocks, parcels: _Parcels, supply: _Supply
                 ) -> dict[str, gpd.GeoDataFrame]:
    """Parks, micro parks, future communities and protection lines, all drawn from the same blocks."""
    rng = _rng(seed, "units")
    places = np.array(_PLACES)[rng.permutation(len(_PLACES))]
    parks = np.array([_largest(shapely.union_all(plan.faces[plan.face_park == p])) for p in range(len(_PARKS))])
    park_layer = _frame({"park_id": [f"YQ{i + 1:02d}" for i in range(len(_PARKS))],
                         "name": [p[0] for p in _PARKS], "kind": [p[1] for p in _PARKS],
                         "level": [p[2] for p in _PARKS], "leading_industries": [p[3] for p in _PARKS]},
                        t.to_world(shapely.coverage_simplify(parks, 2.0)))

    n_micro = int(blocks.micro.max()) + 1
    micro_geoms = blocks.geoms[np.argsort(blocks.micro)[-n_micro:]]
    of_parcel = blocks.micro[parcels.block]
    inside = of_parcel >= 0
    floor = np.bincount(of_parcel[inside], weights=supply.floor_m2[inside], minlength=n_micro)
    area = np.bincount(of_parcel[inside], weights=shapely.area(parcels.geoms[inside]), minlength=n_micro)
    built_area = shapely.area(parcels.geoms[inside]) * (supply.status[inside] == "built")
    built = np.bincount(of_parcel[inside], weights=built_area, minlength=n_micro) / area
    themes = [_MICRO_THEMES[i % len(_MICRO_THEMES)] for i in range(n_micro)]
    micro_layer = _frame({
        "park_id": [f"XW{i + 1:02d}" for i in range(n_micro)],
        "name": [f"{places[i % len(places)]}{th}小微企业园" for i, th in enumerate(themes)],
        "leading_industries": [_MICRO_INDUSTRY[th] for th in themes],
        "floor_area_m2": np.round(floor, 0),
        "occupancy_rate": np.round(np.where(built > 0.6, rng.uniform(0.72, 1.0, n_micro),
                                            rng.uniform(0.6, 0.75, n_micro)), 3),
        "status": np.where(built > 0.6, "已投用", "在建"),
    }, t.to_world(micro_geoms))

    n_comm = int(blocks.community.max()) + 1
    comm_geoms = np.array([_largest(_close(blocks.geoms[blocks.community == c], 10.0)) for c in range(n_comm)])
    comm_park = np.array([np.bincount(np.maximum(plan.face_park[blocks.face[blocks.community == c]], -1) + 1,
                                      minlength=len(_PARKS) + 1).argmax() - 1 for c in range(n_comm)])
    leading = [(_PARKS[p][3] if p >= 0 else ";".join(rng.choice(_GENERAL_INDUSTRIES, 2, replace=False)))
               for p in comm_park]
    comm_layer = _frame({
        "community_id": [f"WL{i + 1:02d}" for i in range(n_comm)],
        "name": [f"{places[-1 - i]}未来工业社区" for i in range(n_comm)],
        "leading_industries": leading,
        "status": rng.choice(["已建成", "建设中", "建设中", "规划中"], n_comm),
    }, t.to_world(comm_geoms))

    return {"protection_lines": _protection_lines(t, plan, blocks, parcels, places), "parks": park_layer,
            "micro_parks": micro_layer, "future_communities": comm_layer}


def _protection_lines(t: _Terrain, plan: _Plan, blocks: _Blocks, parcels: _Parcels, places: np.ndarray
                      ) -> gpd.GeoDataFrame:
    """Network faces that are mostly industrial land: red (一级) inside the parks, blue (二级) elsewhere."""
    face = blocks.face[parcels.block]
    p_area = shapely.area(parcels.geoms)
    industrial = np.isin(parcels.category, ["industrial", "m0", "micro"])
    n_face = len(plan.faces)
    share = (np.bincount(face, weights=p_area * industrial, minlength=n_face)
             / np.maximum(np.bincount(face, weights=p_area, minlength=n_face), 1.0))
    lines, levels, names = [], [], []
    for p, (park_name, *_rest) in enumerate(_PARKS):
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
    return _frame({"line_id": line_ids, "name": names, "level": levels, "min_industrial_share": min_share},
                  t.to_world(shapely.coverage_simplify(np.array(lines), 2.0)))


def _constraints(seed: int, t: _Terrain, plan: _Plan, parcels: _Parcels, supply: _Supply) -> gpd.GeoDataFrame:
    """城镇开发边界 around the built area, 永久基本农田 patches on the rural plain, 生态保护红线 on hills and river."""
    rng = _rng(seed, "constraints")
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

    # a handful of unsupplied parcels at the urban edge overlap farmland: siting must exclude them
    outside = shapely.difference(plan.district.buffer(3000.0), urban)
    cand = np.flatnonzero(supply.status == "unsupplied")
    gap = shapely.distance(parcels.geoms[cand], outside)
    picked: list[int] = []
    for i in cand[np.argsort(gap, kind="stable")]:
        if len(picked) == 6:
            break
        if parcels.block[i] not in parcels.block[picked]:
            picked.append(i)
    bites = []
    for i in picked:
        near = shapely.get_point(shapely.shortest_line(parcels.geoms[i], outside), 1)
        radius = shapely.distance(parcels.geoms[i], outside) + 45.0
        bites.append(shapely.intersection(parcels.geoms[i], shapely.buffer(near, radius, quad_segs=4)))
    bites = np.array([b for b in bites if shapely.area(b) > MU_M2 / 2])

    redline = [(g, "青峰山生态保护红线") for g in shapely.get_parts(plan.hills_redline)]
    redline.append((shapely.intersection(plan.river.buffer(_RIVER_BANK_M), plan.district), "澄江生态保护红线"))
    kinds = (["urban_boundary"] + ["permanent_farmland"] * (len(fields) + len(bites))
             + ["ecological_redline"] * len(redline))
    names = (["城镇开发边界"] + [f"永久基本农田{i + 1:03d}" for i in range(len(fields) + len(bites))]
             + [n for _, n in redline])
    geoms = np.concatenate([[urban], fields, bites, [g for g, _ in redline]])
    return _frame({"kind": kinds, "name": names}, t.to_world(geoms))


def _roads(t: _Terrain, plan: _Plan, blocks: _Blocks) -> gpd.GeoDataFrame:
    art_names = np.array(_ROAD_NAMES["主干路"], dtype=object)[plan.arterial_line % len(_ROAD_NAMES["主干路"])]
    base = _ROAD_NAMES["次干路"]
    suffix = ["路", "街", "东路", "西路", "北路", "南路"]
    sec_names = np.array(["环城路"] + [base[(k - 1) % len(base)][:-1] + suffix[((k - 1) // len(base)) % len(suffix)]
                                      for k in plan.secondary_line[1:]], dtype=object)
    geoms = np.concatenate([plan.arterials, plan.secondaries, blocks.local_roads])
    classes = (["主干路"] * len(plan.arterials) + ["次干路"] * len(plan.secondaries)
               + ["支路"] * len(blocks.local_roads))
    names = np.concatenate([art_names, sec_names, np.full(len(blocks.local_roads), None, dtype=object)])
    return _frame({"road_id": [f"R{i + 1:05d}" for i in range(len(geoms))], "road_class": classes, "name": names},
                  t.to_world(geoms))


def build_demo_layers(seed: int = 20251231) -> dict[str, gpd.GeoDataFrame]:
    """Generate every layer kind of the demo district (canonical fields, values normalised) in DEMO_CRS."""
    t = _terrain(seed)
    plan = _plan(seed, t)
    blocks = _blocks(seed, plan)
    parcels = _parcels(seed, plan, blocks)
    supply = _supply(seed, plan, blocks, parcels)
    world = t.to_world(parcels.geoms)
    area_mu = _area_mu(world)
    firms, owner = _enterprises(seed, plan, blocks, parcels, supply, area_mu)

    rng = _rng(seed, "codes")
    cat = np.where(parcels.category == "micro", "industrial", parcels.category)
    code = np.array([_USE_CODES.get(c, "") for c in cat], dtype=object)
    public = cat == "public"
    code[public] = rng.choice(["08H1", "08H2"], int(public.sum()), p=[0.4, 0.6])
    parcel_layer = _frame({
        "parcel_id": [f"ZD{i + 1:06d}" for i in range(len(world))],
        "land_use": code, "land_use_category": cat.astype(object), "supply_status": supply.status,
        "approval_id": np.where(supply.batch >= 0, supply.batch_ids[np.maximum(supply.batch, 0)], None),
        "supply_date": _iso(supply.supply_date), "agreed_start_date": _iso(supply.agreed_start),
        "floor_area_m2": supply.floor_m2, "footprint_m2": supply.footprint_m2,
        "owner_uscc": np.where(owner >= 0, firms["uscc"].to_numpy()[np.maximum(owner, 0)], None),
    }, world)

    # a batch covers its blocks (they never touch: local roads run between them)
    members = np.flatnonzero(supply.block_batch >= 0)
    members = members[np.argsort(supply.block_batch[members], kind="stable")]
    approvals = t.to_world(shapely.multipolygons(blocks.geoms[members], indices=supply.block_batch[members]))
    approval_layer = _frame({"approval_id": supply.batch_ids, "approved_date": _iso(supply.batch_dates),
                             "approved_area_mu": np.round(_area_mu(approvals), 2)}, approvals)

    firms = firms.assign(production_start_date=_iso(firms["production_start_date"].to_numpy()))
    enterprise_layer = gpd.GeoDataFrame(firms.drop(columns="geometry"),
                                        geometry=gpd.GeoSeries(t.to_world(firms["geometry"].to_numpy())),
                                        crs=DEMO_CRS)
    layers = _unit_layers(seed, t, plan, blocks, parcels, supply)
    layers.update(parcels=parcel_layer, land_approvals=approval_layer, enterprises=enterprise_layer,
                  constraints=_constraints(seed, t, plan, parcels, supply), roads=_roads(t, plan, blocks))
    order_keys = ["protection_lines", "parks", "micro_parks", "future_communities", "parcels", "land_approvals",
                  "enterprises", "constraints", "roads"]
    return {k: layers[k] for k in order_keys}


def build_demo_dem(layers: dict[str, gpd.GeoDataFrame], seed: int = 20251231, resolution_m: float = 30.0
                   ) -> tuple[np.ndarray, Affine, str]:
    """Elevation (float32, metres) over the layers' extent plus 2 km, from the terrain of the same seed.

    A 2-10 m coastal plain with a lower river corridor, hills of 200-600 m in the south-west and sea
    at 0 m; smooth (Gaussian hills with fractal roughness) and identical for identical inputs.
    """
    t = _terrain(seed)
    bounds = np.array([frame.total_bounds for frame in layers.values() if len(frame)])
    margin = 2000.0
    xmin = np.floor((bounds[:, 0].min() - margin) / resolution_m) * resolution_m
    ymin = np.floor((bounds[:, 1].min() - margin) / resolution_m) * resolution_m
    xmax = np.ceil((bounds[:, 2].max() + margin) / resolution_m) * resolution_m
    ymax = np.ceil((bounds[:, 3].max() + margin) / resolution_m) * resolution_m
    cols, rows = int(round((xmax - xmin) / resolution_m)), int(round((ymax - ymin) / resolution_m))
    x, y = np.meshgrid(xmin + (np.arange(cols) + 0.5) * resolution_m, ymax - (np.arange(rows) + 0.5) * resolution_m)
    u, v = t.to_local(x, y)
    elevation = _elevation(t, u, v).astype(np.float32)
    return elevation, Affine(resolution_m, 0.0, xmin, 0.0, -resolution_m, ymax), DEMO_CRS
