"""Pairwise overlays between two geometry arrays: index pairs, intersection areas and shapes.

All functions take numpy arrays of shapely geometries or GeoSeries, use one STRtree query and
vectorised GEOS calls, and return parallel numpy arrays. Inputs are expected valid (see
`spatial.validity.repair`); areas and distances are in the units of the inputs' CRS.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import shapely
from shapely.errors import GEOSException

from spatial.errors import UsageError
from spatial.validity import as_geometry_array, polygonal_parts

__all__ = [
    "as_geometry_array",
    "intersection_pairs",
    "intersection_area_pairs",
    "intersection_geometry_pairs",
    "self_overlaps",
    "nearest_distance",
]


def intersection_pairs(left: Any, right: Any, *, predicate: str = "intersects") -> tuple[np.ndarray, np.ndarray]:
    """(left_idx, right_idx) of all pairs with `predicate(left[i], right[j])` true, via STRtree."""
    left_arr, right_arr = as_geometry_array(left), as_geometry_array(right)
    if len(left_arr) == 0 or len(right_arr) == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    tree = shapely.STRtree(right_arr)
    left_idx, right_idx = tree.query(left_arr, predicate=predicate)
    return left_idx.astype(np.intp, copy=False), right_idx.astype(np.intp, copy=False)


def _bbox_pairs(left_arr: np.ndarray, right_arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs whose bounding boxes intersect (cheap first pass)."""
    if len(left_arr) == 0 or len(right_arr) == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    if len(left_arr) < len(right_arr):  # index the smaller side: cheaper tree, same pairs
        right_idx, left_idx = shapely.STRtree(left_arr).query(right_arr)
        order = np.lexsort((right_idx, left_idx))
        left_idx, right_idx = left_idx[order], right_idx[order]
    else:
        left_idx, right_idx = shapely.STRtree(right_arr).query(left_arr)
    return left_idx.astype(np.intp, copy=False), right_idx.astype(np.intp, copy=False)


@contextmanager
def _prepared(*arrays: np.ndarray) -> Iterator[None]:
    """Prepare geometries for fast predicates, and release what we prepared afterwards."""
    fresh = [a[~shapely.is_prepared(a) & ~shapely.is_missing(a)] for a in arrays]
    for a in fresh:
        shapely.prepare(a)
    try:
        yield
    finally:
        for a in fresh:
            shapely.destroy_prepared(a)


def _checked_intersection(a: np.ndarray, b: np.ndarray, a_idx: np.ndarray, b_idx: np.ndarray) -> np.ndarray:
    """Vectorised intersection; on a GEOS failure name the invalid inputs instead of a bare error."""
    try:
        return shapely.intersection(a, b)
    except GEOSException as exc:
        bad_a = np.unique(a_idx[~shapely.is_valid(a)])
        bad_b = np.unique(b_idx[~shapely.is_valid(b)])
        raise UsageError(
            f"intersection failed ({exc}); invalid geometries: left {bad_a[:20].tolist()}, "
            f"right {bad_b[:20].tolist()}; repair them first with spatial.validity.repair"
        ) from None


def _overlap(
    left_arr: np.ndarray,
    right_arr: np.ndarray,
    left_idx: np.ndarray,
    right_idx: np.ndarray,
    *,
    want_geometry: bool,
    interiors_only: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Areas (and optionally shapes) of left[i] ∩ right[j] over candidate pairs; keeps area > 0.

    A geometry properly contained in its partner contributes itself whole with no
    intersection call; pairs that do not intersect (or, with `interiors_only`, only touch) are
    dropped by cheap predicates before the costly intersection.
    """
    lg, rg = left_arr[left_idx], right_arr[right_idx]
    lb, rb = shapely.bounds(lg), shapely.bounds(rg)
    # Containment is only possible where one bounding box holds the other.
    left_in_box = np.flatnonzero((lb[:, :2] >= rb[:, :2]).all(axis=1) & (lb[:, 2:] <= rb[:, 2:]).all(axis=1))
    right_in_box = np.flatnonzero((rb[:, :2] >= lb[:, :2]).all(axis=1) & (rb[:, 2:] <= lb[:, 2:]).all(axis=1))
    left_inside = np.zeros(len(left_idx), dtype=bool)
    right_inside = np.zeros(len(left_idx), dtype=bool)
    with _prepared(rg[left_in_box], lg[right_in_box]):
        left_inside[left_in_box] = shapely.contains_properly(rg[left_in_box], lg[left_in_box])
        right_in_box = right_in_box[~left_inside[right_in_box]]
        right_inside[right_in_box] = shapely.contains_properly(lg[right_in_box], rg[right_in_box])
        rest = np.flatnonzero(~(left_inside | right_inside))
        rest = rest[shapely.intersects(rg[rest], lg[rest])]
    if interiors_only and len(rest):
        rest = rest[shapely.relate_pattern(lg[rest], rg[rest], "T********")]

    clipped = _checked_intersection(lg[rest], rg[rest], left_idx[rest], right_idx[rest])
    if want_geometry:
        clipped = polygonal_parts(clipped)
    areas = np.zeros(len(left_idx), dtype=float)
    areas[left_inside] = shapely.area(lg[left_inside])
    areas[right_inside] = shapely.area(rg[right_inside])
    areas[rest] = shapely.area(clipped)

    geometry = None
    if want_geometry:
        geometry = np.empty(len(left_idx), dtype=object)
        geometry[left_inside] = lg[left_inside]
        geometry[right_inside] = rg[right_inside]
        geometry[rest] = clipped
    keep = areas > 0
    return left_idx[keep], right_idx[keep], areas[keep], None if geometry is None else geometry[keep]


def intersection_area_pairs(left: Any, right: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left_idx, right_idx, area) for every pair whose intersection has area > 0 (CRS units²)."""
    left_arr, right_arr = as_geometry_array(left), as_geometry_array(right)
    li, ri = _bbox_pairs(left_arr, right_arr)
    li, ri, areas, _ = _overlap(left_arr, right_arr, li, ri, want_geometry=False)
    return li, ri, areas


def intersection_geometry_pairs(left: Any, right: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left_idx, right_idx, geometry) for pairs overlapping with area > 0; polygonal parts only."""
    left_arr, right_arr = as_geometry_array(left), as_geometry_array(right)
    li, ri = _bbox_pairs(left_arr, right_arr)
    li, ri, _, geometry = _overlap(left_arr, right_arr, li, ri, want_geometry=True)
    assert geometry is not None
    return li, ri, geometry


def self_overlaps(geoms: Any, min_area: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, area) for pairs i < j whose interiors overlap by more than `min_area` (CRS units²).

    Containment and exact duplicates count as overlaps (unlike the DE-9IM "overlaps" predicate).
    """
    arr = as_geometry_array(geoms)
    i, j = _bbox_pairs(arr, arr)
    upper = i < j
    i, j, areas, _ = _overlap(arr, arr, i[upper], j[upper], want_geometry=False, interiors_only=True)
    keep = areas > min_area
    return i[keep], j[keep], areas[keep]


def nearest_distance(geoms: Any, others: Any) -> np.ndarray:
    """Distance from each geometry to the nearest of `others` (CRS units); NaN if either is absent."""
    arr, other_arr = as_geometry_array(geoms), as_geometry_array(others)
    result = np.full(len(arr), np.nan)
    if len(arr) == 0 or len(other_arr) == 0:
        return result
    tree = shapely.STRtree(other_arr)
    (source_idx, _), distance = tree.query_nearest(arr, return_distance=True, all_matches=False)
    result[source_idx] = distance
    return result
