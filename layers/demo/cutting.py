"""Recursive jittered cutting of polygons: how blocks and parcels tile their area without overlap."""

from __future__ import annotations

import numpy as np
import shapely


def _is_convex(polys: np.ndarray) -> np.ndarray:
    """True for polygons without holes that fill their convex hull."""
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


def subdivide(polys: np.ndarray, target_m2: np.ndarray, gap: float, rng: np.random.Generator,
              min_m2: float, rounds: int = 18, jog_share: float = 0.0
              ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Cut polygons repeatedly until every piece is at most its target area; drop pieces below `min_m2`.

    Returns the pieces, the index of the polygon each came from, and the cut centre-lines of each round.
    """
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
