"""Pairwise overlays between two geometry arrays: index pairs, intersection areas and shapes.

All functions take numpy arrays of shapely geometries or GeoSeries, use an STRtree query and
vectorised GEOS calls (spread over worker threads: shapely releases the GIL inside GEOS), and return
parallel numpy arrays. Inputs are expected valid (see
`spatial.validity.repair`); areas and distances are in the units of the inputs' CRS.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
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
    "default_threads",
]

MAX_THREADS = 8  # beyond this the serial STRtree query and the GIL-held bookkeeping dominate
MIN_CHUNK_PAIRS = 2000  # fewer candidate pairs per slice and the thread hand-off costs more than it saves
CHUNKS_PER_THREAD = 4  # slices per worker, so one slow slice (a large, detailed unit) does not idle the rest


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


def default_threads() -> int:
    """Worker threads for the overlay kernel: the CPUs this process may run on, at most MAX_THREADS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_THREADS))


def _clones(geoms: np.ndarray) -> np.ndarray:
    """Fresh GEOS copies of `geoms` (same coordinates, SRID and dimensions) that no other thread can see."""
    return shapely.set_srid(geoms, shapely.get_srid(geoms))


def _distinct(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, inverse): the position of each distinct value of `idx` and, per element, which distinct value it is."""
    _, first, inverse = np.unique(idx, return_index=True, return_inverse=True)
    return first, inverse


def _private_prepared(geoms: np.ndarray, idx: np.ndarray,
                      distinct: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """`geoms` with each geometry replaced by a prepared private copy, one copy per distinct `idx` value
    (`distinct`: `_distinct(idx)` when the caller has it).

    Prepared GEOS geometries build their indexes lazily and are not safe to share between threads
    (libgeos/geos#825); a chunk that owns its copies cannot race another chunk on the same input.
    """
    if len(idx) == 0:
        return geoms
    first, inverse = _distinct(idx) if distinct is None else distinct
    private = _clones(geoms[first])
    shapely.prepare(private)
    return private[inverse]


def _inside_box(inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """Per row, whether bounds `inner` (minx, miny, maxx, maxy) lie within bounds `outer`."""
    return ((inner[:, 0] >= outer[:, 0]) & (inner[:, 1] >= outer[:, 1])
            & (inner[:, 2] <= outer[:, 2]) & (inner[:, 3] <= outer[:, 3]))


def _a_vertex_inside(geoms: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per pair, whether some vertex of `geoms[k]` lies strictly inside `targets[k]` (prepared). Each geometry's
    first vertex is tried, then the one halfway along its coordinates (across the geometry from the first), and only
    the geometries both leave undecided have all their vertices tried: most crossing parcels are decided by the two
    probes (synthetic complex city: 48 % by the first), so most point tests are saved. The answer is the same."""
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    found = np.zeros(len(geoms), dtype=bool)
    if not len(owner):
        return found
    first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])  # owner is ascending: each geometry's first vertex
    middle = first + np.diff(np.r_[first, len(owner)]) // 2
    for probe in (first, middle):
        probe = probe[~found[owner[probe]]]
        found[owner[probe]] = shapely.contains_xy(targets[owner[probe]], xy[probe, 0], xy[probe, 1])
    left = np.flatnonzero(~found[owner])
    inside = shapely.contains_xy(targets[owner[left]], xy[left, 0], xy[left, 1])
    found[owner[left[inside]]] = True
    return found


def _overlap_chunk(
    lg: np.ndarray,
    rg: np.ndarray,
    left_idx: np.ndarray,
    right_idx: np.ndarray,
    *,
    want_geometry: bool,
    interiors_only: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Area (and optionally shape) of lg[k] ∩ rg[k] for each candidate pair k; 0 where they do not overlap.

    A geometry properly contained in its partner contributes itself whole with no intersection call; pairs
    that do not intersect, or only touch (a parcel beside a batch or a unit, sharing its edge), are dropped
    by predicates before the costly intersection. A geometry covered while sharing part of its partner's
    boundary is still clipped: its clipped area can differ from its own in the last bit, and results stay
    bit for bit what they were. The geometries prepared for those predicates are private copies, never the inputs:
    nothing is left prepared, and no prepared state is shared with another thread or caller.
    """
    n = len(left_idx)
    # the few right geometries (units, batches) each own many pairs: their bounds and prepared copies, once each
    distinct = _distinct(right_idx) if n else (np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp))
    lb, rb = shapely.bounds(lg), shapely.bounds(rg[distinct[0]])[distinct[1]]
    # Containment is only possible where one bounding box holds the other.
    left_in_box, right_in_box = _inside_box(lb, rb), _inside_box(rb, lb)
    # Predicate targets: a prepared private copy of every right geometry and of every left geometry boxing its
    # partner; the inputs elsewhere.
    targets = _private_prepared(rg, right_idx, distinct)
    left_targets = lg
    if right_in_box.any():  # rare (a unit smaller than a parcel): only then is a copy of the inputs made
        left_targets = lg.copy()
        left_targets[right_in_box] = _private_prepared(lg[right_in_box], left_idx[right_in_box])
    left_inside = np.zeros(n, dtype=bool)
    right_inside = np.zeros(n, dtype=bool)
    boxed = np.flatnonzero(left_in_box)
    left_inside[boxed] = shapely.contains_properly(targets[boxed], lg[boxed])
    boxed = np.flatnonzero(right_in_box & ~left_inside)
    right_inside[boxed] = shapely.contains_properly(left_targets[boxed], rg[boxed])
    rest = np.flatnonzero(~(left_inside | right_inside))
    rest = rest[shapely.intersects(targets[rest], lg[rest])]
    if interiors_only:
        rest = rest[shapely.relate_pattern(lg[rest], rg[rest], "T********")]
    elif len(rest):
        # A vertex strictly inside the partner proves the interiors meet; the others may only touch (no area,
        # nothing to clip), which the DE-9IM matrix tells.
        doubt = ~_a_vertex_inside(lg[rest], targets[rest])
        doubt[doubt] = ~shapely.relate_pattern(lg[rest[doubt]], rg[rest[doubt]], "T********")
        rest = rest[~doubt]
    del targets, left_targets  # the private copies go with them

    clipped = _checked_intersection(lg[rest], rg[rest], left_idx[rest], right_idx[rest])
    if want_geometry:
        clipped = polygonal_parts(clipped)
    areas = np.zeros(n, dtype=float)
    areas[left_inside] = shapely.area(lg[left_inside])
    areas[right_inside] = shapely.area(rg[right_inside])
    areas[rest] = shapely.area(clipped)
    geometry = None
    if want_geometry:
        geometry = np.empty(n, dtype=object)
        geometry[left_inside] = lg[left_inside]
        geometry[right_inside] = rg[right_inside]
        geometry[rest] = clipped
    return areas, geometry


def _overlap_sorted(
    left_arr: np.ndarray,
    right_arr: np.ndarray,
    left_idx: np.ndarray,
    right_idx: np.ndarray,
    *,
    want_geometry: bool,
    interiors_only: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """`_overlap_chunk` over the pairs grouped by right geometry (its coordinates stay in cache), then the pairs
    with area > 0 in the order given."""
    order = np.argsort(right_idx, kind="stable")
    li, ri = left_idx[order], right_idx[order]
    sorted_areas, sorted_geometry = _overlap_chunk(left_arr[li], right_arr[ri], li, ri, want_geometry=want_geometry,
                                                   interiors_only=interiors_only)
    areas = np.empty(len(order), dtype=float)
    areas[order] = sorted_areas
    keep = areas > 0
    geometry = None
    if sorted_geometry is not None:
        geometry = np.empty(len(order), dtype=object)
        geometry[order] = sorted_geometry
        geometry = geometry[keep]
    return left_idx[keep], right_idx[keep], areas[keep], geometry


_Result = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]


def _concat(results: list[_Result], want_geometry: bool) -> _Result:
    """The per-slice results one after the other, in slice order."""
    if not results:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty.copy(), np.empty(0, dtype=float), np.empty(0, dtype=object) if want_geometry else None
    li, ri, areas, geometry = (list(column) for column in zip(*results))
    return (np.concatenate(li), np.concatenate(ri), np.concatenate(areas),
            np.concatenate(geometry) if want_geometry else None)


def _run(pool: ThreadPoolExecutor, futures: list[Future[_Result]], want_geometry: bool) -> _Result:
    """Wait for the slices in order; on the first failure cancel what has not started and re-raise it."""
    try:
        return _concat([f.result() for f in futures], want_geometry)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise


def _threads(threads: int | None) -> int:
    """The requested worker count, or the default one."""
    return default_threads() if threads is None else max(1, int(threads))


def _any_prepared(*arrays: np.ndarray) -> bool:
    """True if a caller already prepared one of the inputs: that prepared state would be shared between threads."""
    return any(bool(shapely.is_prepared(a).any()) for a in arrays)


def _overlap(
    left_arr: np.ndarray,
    right_arr: np.ndarray,
    left_idx: np.ndarray,
    right_idx: np.ndarray,
    *,
    want_geometry: bool,
    interiors_only: bool = False,
    threads: int | None = None,
) -> _Result:
    """Areas (and optionally shapes) of left[i] ∩ right[j] over candidate pairs; keeps area > 0, in the given order.

    The pairs are cut into consecutive slices worked on by `threads` threads (default `default_threads()`;
    shapely releases the GIL in GEOS calls), several slices per thread for balance. Each slice prepares
    private copies, so no prepared geometry is shared between threads; inputs a caller has already prepared
    (whose prepared state the predicates would share) are worked through on one thread. Each pair gets the
    same GEOS calls in the same argument order whatever the slicing: results do not depend on `threads`.
    """
    n, threads = len(left_idx), _threads(threads)
    count = min(threads * CHUNKS_PER_THREAD, n // MIN_CHUNK_PAIRS) if threads > 1 else 1
    if count < 2 or _any_prepared(left_arr, right_arr):
        return _overlap_sorted(left_arr, right_arr, left_idx, right_idx, want_geometry=want_geometry,
                               interiors_only=interiors_only)
    bounds = np.linspace(0, n, count + 1).astype(int)
    with ThreadPoolExecutor(threads, thread_name_prefix="landpark-overlay") as pool:
        futures = [pool.submit(_overlap_sorted, left_arr, right_arr, left_idx[a:b], right_idx[a:b],
                               want_geometry=want_geometry, interiors_only=interiors_only)
                   for a, b in zip(bounds[:-1], bounds[1:])]
        return _run(pool, futures, want_geometry)


def _overlay(left: Any, right: Any, *, want_geometry: bool, threads: int | None) -> _Result:
    """Pairs of left x right with area > 0: STRtree candidates, then `_overlap`.

    With several threads and more left than right geometries, the left side is queried against a tree on
    the right in consecutive slices, each slice overlaid on the pool while the next is queried (the same
    pairs in the same order as one query of all of them).
    """
    left_arr, right_arr = as_geometry_array(left), as_geometry_array(right)
    threads = _threads(threads)
    n = len(left_arr)
    count = min(threads * CHUNKS_PER_THREAD, n // MIN_CHUNK_PAIRS) if threads > 1 else 1
    if count < 2 or len(right_arr) == 0 or n < len(right_arr) or _any_prepared(left_arr, right_arr):
        li, ri = _bbox_pairs(left_arr, right_arr)
        return _overlap(left_arr, right_arr, li, ri, want_geometry=want_geometry, threads=threads)
    tree = shapely.STRtree(right_arr)
    bounds = np.linspace(0, n, count + 1).astype(int)
    with ThreadPoolExecutor(threads, thread_name_prefix="landpark-overlay") as pool:
        futures = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            li, ri = tree.query(left_arr[a:b])
            futures.append(pool.submit(_overlap_sorted, left_arr, right_arr, li.astype(np.intp) + a,
                                       ri.astype(np.intp, copy=False), want_geometry=want_geometry,
                                       interiors_only=False))
        return _run(pool, futures, want_geometry)


def intersection_area_pairs(left: Any, right: Any, *, threads: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left_idx, right_idx, area) for every pair whose intersection has area > 0 (CRS units²).

    `threads`: worker threads for the GEOS work (default `default_threads()`); the result does not depend on it.
    """
    li, ri, areas, _ = _overlay(left, right, want_geometry=False, threads=threads)
    return li, ri, areas


def intersection_geometry_pairs(left: Any, right: Any, *,
                                threads: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left_idx, right_idx, geometry) for pairs overlapping with area > 0; polygonal parts only (`threads` as above)."""
    li, ri, _, geometry = _overlay(left, right, want_geometry=True, threads=threads)
    assert geometry is not None
    return li, ri, geometry


def self_overlaps(geoms: Any, min_area: float = 0.0, *, threads: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, area) for pairs i < j whose interiors overlap by more than `min_area` (CRS units²).

    Containment and exact duplicates count as overlaps (unlike the DE-9IM "overlaps" predicate).
    `threads` as in `intersection_area_pairs`.
    """
    arr = as_geometry_array(geoms)
    i, j = _bbox_pairs(arr, arr)
    upper = i < j
    i, j, areas, _ = _overlap(arr, arr, i[upper], j[upper], want_geometry=False, interiors_only=True, threads=threads)
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
