"""The demo's earlier version of the protection lines (in force from 2022-06-30), derived from the current
one (in force from 2024-06-30) so that the change between them has a known 占补平衡 outcome.

Going from the earlier version to the current one:
  (a) a red line was extended by a piece of about RED_ADDED_MU 亩 that holds at least one residential or
      commercial parcel, which is therefore a new encroachment;
  (b) another red line lost a piece of about RED_REMOVED_MU 亩;
  (c) a piece of about RED_TO_BLUE_MU 亩 on the edge between a red and a blue line went from red to blue;
  (d) a blue line lost a piece of about BLUE_REMOVED_MU 亩, with nothing added in its place.
Red additions (a) exceed red removals (b + c): red is balanced. Blue removals (d) exceed blue additions (c),
even with red's surplus counted: blue is unbalanced (a breach), and the total area of the lines shrinks. The figures
returned beside the layer are measured on the pieces themselves with pyproj.Geod (ellipsoidal areas).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from layers.demo.frames import scaled_area_mu
from layers.demo.randomness import stage_rng
from spatial.area import MU_M2

__all__ = ["CURRENT_VALID_FROM", "EARLIER_VALID_FROM", "build_line_history", "geod_area_mu", "summary_frame"]

EARLIER_VALID_FROM = "2022-06-30"
CURRENT_VALID_FROM = "2024-06-30"
# Target sizes of the moved pieces, 亩 (demo-generation choices; the measured areas are returned).
RED_ADDED_MU = 300.0
RED_REMOVED_MU = 120.0
RED_TO_BLUE_MU = 80.0
BLUE_REMOVED_MU = 250.0
ENCROACHMENT_CATEGORIES = ("residential", "commercial")  # as [units] encroachment_categories of the default toml
SLIVER_M2 = 1.0           # intersections smaller than this are rounding noise, not overlaps
MIN_PARCEL_COVER = 0.6    # share of a removed piece that parcels cover (land, not water or waste)
MIN_EDGE_M = 300.0        # shortest free edge (or shared red/blue edge) a piece is cut from
EXTENSION_TRIALS = 12     # best-screened anchors solved exactly for (a)
EDGE_STEP_M = 50.0        # spacing of the anchors screened along free edges for (a)


def geod_area_mu(geoms: np.ndarray | gpd.GeoSeries, crs: object) -> np.ndarray:
    """Ellipsoidal area in 亩 of each polygon, with pyproj.Geod on the CRS's own ellipsoid (geodesic edges)."""
    source = pyproj.CRS.from_user_input(crs)
    to_geo = pyproj.Transformer.from_crs(source, source.geodetic_crs, always_xy=True)
    geod = source.get_geod() or pyproj.Geod(ellps="GRS80")
    lonlat = shapely.transform(np.asarray(geoms), lambda xy: np.column_stack(to_geo.transform(xy[:, 0], xy[:, 1])))
    return np.array([abs(geod.geometry_area_perimeter(g)[0]) if not g.is_empty else 0.0 for g in lonlat]) / MU_M2


def build_line_history(seed: int, protection_lines_current: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame
                       ) -> tuple[gpd.GeoDataFrame, dict]:
    """The earlier version of the protection lines (same columns and ids) and the known figures of the change
    from it to the current version: pieces moved, 亩 removed/added per level, expected verdicts, new
    encroachments."""
    rng = stage_rng(seed, "line_history")
    lines = protection_lines_current.reset_index(drop=True)
    geoms = np.asarray(lines.geometry.values).copy()
    level = lines["level"].to_numpy()
    ids = lines["line_id"].astype(str).to_numpy()
    red, blue = np.flatnonzero(level == "red"), np.flatnonzero(level == "blue")

    # The earlier version is built up piece by piece; each step checks its lines stay single polygons. Lines
    # not touched yet are tried first, then the others (the pieces never overlap).
    old = geoms.copy()
    r_c, b_c, piece_c = _red_to_blue(rng, geoms, red, blue)
    old[r_c], old[b_c] = shapely.union(old[r_c], piece_c), shapely.difference(old[b_c], piece_c)
    r_a, piece_a = _red_extension(rng, geoms, old, _fresh_first(red, (r_c,)), parcels)
    old[r_a] = shapely.difference(old[r_a], piece_a)
    taken = shapely.union_all(geoms)  # land of the current lines: the removed pieces lie outside it
    land = shapely.STRtree(np.asarray(parcels.geometry.values))
    r_b, piece_b = _outside_piece(rng, geoms, old, _fresh_first(red, (r_a, r_c)), taken, land, RED_REMOVED_MU)
    old[r_b] = shapely.union(old[r_b], piece_b)
    b_z, piece_z = _outside_piece(rng, geoms, old, _fresh_first(blue, (b_c,)), shapely.union(taken, piece_b), land,
                                  BLUE_REMOVED_MU)
    old[b_z] = shapely.union(old[b_z], piece_z)
    old = shapely.normalize(shapely.make_valid(old))
    if not all(_single(g, like) for g, like in zip(old, geoms)):
        raise RuntimeError("the earlier protection lines came out as more than one polygon each")
    earlier = gpd.GeoDataFrame(lines.drop(columns="geometry"), geometry=gpd.GeoSeries(old, crs=lines.crs), crs=lines.crs)

    crs = lines.crs
    x, y, c, z = (float(a) for a in geod_area_mu(np.array([piece_a, piece_b, piece_c, piece_z]), crs))
    pieces = [
        _piece_record("red_extended", None, ids[r_a], None, "red", x, piece_a, parcels),
        _piece_record("red_reduced", ids[r_b], None, "red", None, y, piece_b, parcels),
        _piece_record("red_to_blue", ids[r_c], ids[b_c], "red", "blue", c, piece_c, parcels),
        _piece_record("blue_reduced", ids[b_z], None, "blue", None, z, piece_z, parcels),
    ]
    figures: dict[str, Any] = {
        "valid_from": {"earlier": EARLIER_VALID_FROM, "current": CURRENT_VALID_FROM},
        "pieces": pieces,
        "by_level": _level_figures(old, geoms, level, crs, removed={"red": y + c, "blue": z}, added={"red": x, "blue": c}),
        "new_encroachments": _new_encroachments(old, geoms, level, ids, parcels, crs),
    }
    figures["total"] = {k: round(sum(v[k] for v in figures["by_level"].values()), 2)
                        for k in ("before_mu", "after_mu", "removed_mu", "added_mu")}
    figures["total"]["net_mu"] = round(x - y - z, 2)
    figures["total"]["not_decreasing"] = x - y - z >= 0
    return earlier, figures


def _fresh_first(indices: np.ndarray, used: tuple[int, ...]) -> tuple[list[int], list[int]]:
    """`indices` split into those not in `used` (tried first) and those in it (the fallback)."""
    return [int(i) for i in indices if i not in used], [int(i) for i in indices if i in used]


def _piece_record(change: str, line_before: str | None, line_after: str | None, level_before: str | None,
                  level_after: str | None, area_mu: float, piece: shapely.Geometry, parcels: gpd.GeoDataFrame) -> dict:
    """One moved piece: what changed, the lines and levels before/after, its 亩 and the parcels it touches."""
    return {"change": change, "line_before": line_before, "line_after": line_after, "level_before": level_before,
            "level_after": level_after, "area_mu": round(float(area_mu), 2), "geometry": piece,
            "parcel_ids": _touched(parcels, piece)}


def _touched(parcels: gpd.GeoDataFrame, piece: shapely.Geometry) -> list[str]:
    """Ids of the parcels overlapping `piece` by more than a sliver."""
    geoms = np.asarray(parcels.geometry.values)
    hit = shapely.STRtree(geoms).query(piece, predicate="intersects")
    hit = hit[shapely.area(shapely.intersection(geoms[hit], piece)) > SLIVER_M2]
    return sorted(parcels["parcel_id"].astype(str).to_numpy()[hit].tolist())


def _level_figures(old: np.ndarray, new: np.ndarray, level: np.ndarray, crs: object, *, removed: dict, added: dict
                   ) -> dict[str, dict]:
    """Per level: area before and after (Geod, unions of the lines), the moved 亩, the 占补平衡 ledger and verdict.

    Blue removals may be made good by red additions beyond red's own removals (a stricter level counts for a
    looser one: `from_stricter_mu`); blue is short either way (`shortfall_same_level_mu` without that help).
    The words follow analysis/line_versions.py: verdict balanced / unbalanced, not_decreasing."""
    out = {}
    surplus = 0.0
    for lv in ("red", "blue"):
        before, after = geod_area_mu(np.array([shapely.union_all(old[level == lv]), shapely.union_all(new[level == lv])]), crs)
        balance = added[lv] + surplus - removed[lv]
        out[lv] = {"before_mu": round(float(before), 2), "after_mu": round(float(after), 2),
                   "removed_mu": round(float(removed[lv]), 2), "added_mu": round(float(added[lv]), 2),
                   "net_mu": round(float(added[lv] - removed[lv]), 2), "not_decreasing": added[lv] >= removed[lv],
                   "from_stricter_mu": round(float(surplus), 2), "balance_mu": round(float(balance), 2),
                   "shortfall_mu": round(float(max(-balance, 0.0)), 2),
                   "shortfall_same_level_mu": round(float(max(removed[lv] - added[lv], 0.0)), 2),
                   "verdict": "balanced" if balance >= 0 else "unbalanced"}
        surplus = max(balance, 0.0)
    return out


def _new_encroachments(old: np.ndarray, new: np.ndarray, level: np.ndarray, ids: np.ndarray,
                       parcels: gpd.GeoDataFrame, crs: object) -> list[dict]:
    """Residential/commercial parcels inside a red line now and inside none before (overlaps over a sliver)."""
    cat = parcels["land_use_category"].isin(ENCROACHMENT_CATEGORIES).to_numpy()
    geoms = np.asarray(parcels.geometry.values)[cat]
    pid = parcels["parcel_id"].astype(str).to_numpy()[cat]
    before = shapely.union_all(old[level == "red"])
    out = []
    for i in np.flatnonzero(level == "red"):
        hit = shapely.STRtree(geoms).query(new[i], predicate="intersects")
        now = shapely.intersection(geoms[hit], new[i])
        fresh = (shapely.area(now) > SLIVER_M2) & (shapely.area(shapely.intersection(geoms[hit], before)) <= SLIVER_M2)
        for k, g in zip(hit[fresh], now[fresh]):
            out.append({"parcel_id": str(pid[k]), "line_id": str(ids[i]),
                        "area_mu": round(float(geod_area_mu(np.array([g]), crs)[0]), 2)})
    return sorted(out, key=lambda r: r["parcel_id"])


def _solve_box(region: shapely.Geometry, anchor: shapely.Point, target_mu: float, keep=None) -> shapely.Geometry | None:
    """region ∩ (square around `anchor`), its half-side solved by bisection so that the piece is `target_mu`
    亩 (planar-scaled; the exact area is measured afterwards); `keep` filters the parts. None when the region
    cannot give that much."""
    def piece(r: float) -> shapely.Geometry:
        cut = shapely.intersection(region, shapely.buffer(anchor, r, cap_style="square"))
        return keep(cut) if keep else cut

    def mu(g: shapely.Geometry) -> float:
        return float(scaled_area_mu(np.array([g]))[0]) if not g.is_empty else 0.0

    lo, hi = 1.0, 2000.0
    if mu(piece(hi)) < target_mu:
        return None
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if mu(piece(mid)) < target_mu else (lo, mid)
    return piece(hi)


def _single(g: shapely.Geometry, like: shapely.Geometry | None = None) -> bool:
    """A valid single polygon with no more holes than `like` (none when not given): a moved piece must not
    split a line or punch a new hole in it."""
    holes = len(like.interiors) if like is not None and like.geom_type == "Polygon" else 0
    return g.geom_type == "Polygon" and g.is_valid and len(g.interiors) <= holes


def _free_edges(geoms: np.ndarray, i: int) -> list[shapely.LineString]:
    """The parts of line i's outline shared with no other line, longest first, at least MIN_EDGE_M long."""
    others = shapely.union_all(shapely.boundary(np.delete(geoms, i)))
    free = shapely.difference(shapely.boundary(geoms[i]), shapely.buffer(others, 0.5))
    parts = shapely.get_parts(shapely.line_merge(free)) if not free.is_empty else np.array([])
    parts = [p for p in parts if p.length >= MIN_EDGE_M]
    return sorted(parts, key=lambda p: -p.length)


def _red_to_blue(rng: np.random.Generator, geoms: np.ndarray, red: np.ndarray, blue: np.ndarray
                 ) -> tuple[int, int, shapely.Geometry]:
    """(c): a square piece of a blue line at the middle of an edge it shares with a red line, red before."""
    pairs = [(r, b) for r in red for b in blue
             if shapely.length(shapely.intersection(shapely.boundary(geoms[r]), shapely.boundary(geoms[b]))) >= MIN_EDGE_M]
    for k in rng.permutation(len(pairs)):
        r, b = pairs[k]
        edge = max(shapely.get_parts(shapely.line_merge(shapely.intersection(shapely.boundary(geoms[r]),
                                                                             shapely.boundary(geoms[b])))),
                   key=lambda p: p.length)
        piece = _solve_box(geoms[b], shapely.line_interpolate_point(edge, 0.5, normalized=True), RED_TO_BLUE_MU,
                           keep=_largest)
        if piece is not None and _single(shapely.difference(geoms[b], piece), geoms[b]) \
                and _single(shapely.union(geoms[r], piece), geoms[r]):
            return int(r), int(b), piece
    raise RuntimeError("no red/blue pair with a shared edge to move a piece across")


def _largest(g: shapely.Geometry) -> shapely.Geometry:
    """The largest polygon of `g` (empty stays empty)."""
    parts = shapely.get_parts(g)
    return parts[np.argmax(shapely.area(parts))] if len(parts) else g


def _red_extension(rng: np.random.Generator, geoms: np.ndarray, old: np.ndarray, candidates: tuple[list[int], list[int]],
                   parcels: gpd.GeoDataFrame) -> tuple[int, shapely.Geometry]:
    """(a): a piece at the free edge of a red line holding as few residential/commercial parcels as possible
    but at least one; every such parcel the piece cuts is taken whole (its part in the line), so each is wholly
    new or wholly old. Anchors are screened every EDGE_STEP_M along the free edges with a square of the
    target's size, then the best few solved exactly."""
    enc = parcels[parcels["land_use_category"].isin(ENCROACHMENT_CATEGORIES).to_numpy()]
    egeoms = np.asarray(enc.geometry.values)
    tree = shapely.STRtree(egeoms)
    half = float(np.sqrt(RED_ADDED_MU * MU_M2 / 2.0))  # a square half inside the line
    trials = []
    for rank, group in enumerate(candidates):
        for i in group:
            for edge in _free_edges(geoms, int(i)):
                points = shapely.line_interpolate_point(edge, np.arange(EDGE_STEP_M / 2, edge.length, EDGE_STEP_M))
                boxes = shapely.intersection(shapely.buffer(points, half, cap_style="square"), geoms[i])
                box_at, enc_at = tree.query(boxes, predicate="intersects")
                real = shapely.area(shapely.intersection(boxes[box_at], egeoms[enc_at])) > SLIVER_M2
                count = np.bincount(box_at[real], minlength=len(points))
                trials += [(rank, int(c), float(rng.random()), int(i), pt) for c, pt in zip(count, points) if c > 0]
    for *_order, i, anchor in sorted(trials, key=lambda t: t[:3])[:EXTENSION_TRIALS]:
        box = _solve_box(geoms[i], anchor, RED_ADDED_MU, keep=_largest)
        if box is None:
            continue
        cut = egeoms[shapely.area(shapely.intersection(egeoms, box)) > SLIVER_M2]
        piece = shapely.normalize(shapely.intersection(shapely.union_all(np.r_[cut, [box]]), geoms[i]))
        if len(cut) and _single(piece) and _single(shapely.difference(old[i], piece), geoms[i]):
            return i, piece
    raise RuntimeError("no red line with a residential or commercial parcel near its free edge")


def _outside_piece(rng: np.random.Generator, geoms: np.ndarray, old: np.ndarray, candidates: tuple[list[int], list[int]],
                   taken: shapely.Geometry, land: shapely.STRtree, target_mu: float) -> tuple[int, shapely.Geometry]:
    """(b), (d): a square piece outside `taken` (every current line, the pieces already cut) against the free
    edge of one of `candidates` (the preferred lines in random order, then the fallback ones), over land: at
    least MIN_PARCEL_COVER of it covered by the parcels in `land`."""
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    outside = shapely.difference(shapely.box(x0 - 5000, y0 - 5000, x1 + 5000, y1 + 5000), taken)
    preferred, fallback = candidates
    for i in [*rng.permutation(preferred), *rng.permutation(fallback)]:
        line = geoms[int(i)]

        def against(g: shapely.Geometry, line: shapely.Geometry = line) -> shapely.Geometry:
            parts = shapely.get_parts(g)
            shared = shapely.length(shapely.intersection(shapely.buffer(parts, 0.01), shapely.boundary(line)))
            return shapely.union_all(parts[shared > 1.0]) if len(parts) else g

        for edge in _free_edges(geoms, int(i)):
            piece = _solve_box(outside, shapely.line_interpolate_point(edge, 0.5, normalized=True), target_mu, keep=against)
            if piece is None or not _single(shapely.union(old[int(i)], piece), geoms[int(i)]):
                continue
            covered = shapely.area(shapely.intersection(land.geometries.take(land.query(piece)), piece)).sum()
            if covered >= MIN_PARCEL_COVER * piece.area:
                return int(i), shapely.normalize(piece)
    raise RuntimeError("no line with a free edge to cut a piece against")


def summary_frame(figures: dict) -> pd.DataFrame:
    """The moved pieces as a small table (change, lines, levels, 亩) for reports and checks."""
    return pd.DataFrame([{k: v for k, v in p.items() if k not in ("geometry", "parcel_ids")} for p in figures["pieces"]])
