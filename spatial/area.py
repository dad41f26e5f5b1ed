"""Ellipsoidal areas in m² and 亩, as the national land survey reports them.

Geometries are reprojected, all at once, to a Lambert Azimuthal Equal Area projection on the
ellipsoid of their own datum, centred on the data's extent; planar area there is the
ellipsoidal area (the projection is equal-area on the ellipsoid).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyproj
import shapely
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import LambertAzimuthalEqualAreaConversion

from spatial.crs import CRSError
from spatial.validity import as_geometry_array

__all__ = ["MU_M2", "ellipsoidal_area_m2", "area_mu", "equal_area_projection", "local_equal_area_crs"]

MU_M2 = 10000 / 15
"""One 亩 (市亩) in square metres, exactly 10000/15 (15 亩 = 1 ha)."""

# Edges longer than this are densified before reprojection so that their projected shape
# follows the source edge; parcels rarely have such long edges, so this costs little.
DEFAULT_MAX_SEGMENT_M = 1000.0
_METRES_PER_DEGREE = 111_000.0  # shortest degree of latitude, rounded down (densify finer)
# Large arrays are reprojected in chunks of CHUNK geometries on at most MAX_THREADS threads (bounds the memory of
# the coordinate arrays; smaller arrays are one call). Layout constants of the computation, not domain choices.
CHUNK = 25_000
MAX_THREADS = 8


def _resolve_crs(geoms: Any, crs: Any) -> pyproj.CRS:
    if crs is None:
        crs = getattr(geoms, "crs", None)
    if crs is None:
        raise CRSError("area needs a CRS: pass crs= or use a GeoSeries with .crs set", zh="计算面积需要坐标系")
    result = pyproj.CRS.from_user_input(crs)
    if not (result.is_geographic or result.is_projected):
        raise CRSError(f"cannot compute ellipsoidal areas in {result.name}: not geographic or projected",
                       zh=f"无法在 {result.name} 中计算椭球面积：既不是地理坐标系也不是投影坐标系")
    return result


def local_equal_area_crs(crs: Any, bounds: tuple[float, float, float, float]) -> pyproj.CRS:
    """Lambert Azimuthal Equal Area on `crs`'s own datum, centred on `bounds` (given in `crs`)."""
    source = pyproj.CRS.from_user_input(crs)
    geographic = source.geodetic_crs
    if geographic is None:
        raise CRSError(f"{source.name} has no geodetic datum; cannot compute ellipsoidal areas",
                       zh=f"{source.name} 没有大地基准，无法计算椭球面积")
    minx, miny, maxx, maxy = bounds
    to_geo = pyproj.Transformer.from_crs(source, geographic, always_xy=True)
    lon, lat = to_geo.transform((minx + maxx) / 2, (miny + maxy) / 2)
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise CRSError(f"the data's extent {bounds} is not valid in {source.name}",
                       zh=f"数据范围 {bounds} 在 {source.name} 中无效")
    conversion = LambertAzimuthalEqualAreaConversion(latitude_natural_origin=float(lat), longitude_natural_origin=float(lon))
    return ProjectedCRS(conversion=conversion, geodetic_crs=geographic, name="local equal-area")


def _projector(geoms: Any, crs: Any, max_segment_m: float) -> tuple[np.ndarray, np.ndarray, pyproj.CRS, Any]:
    """(geometry array, mask of present geometries, local equal-area CRS, function reprojecting a chunk of present
    geometries to it); the CRS is the source's when nothing is present."""
    source = _resolve_crs(geoms, crs)
    arr = as_geometry_array(geoms)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if not present.any():
        return arr, present, source, None
    target = local_equal_area_crs(source, tuple(shapely.total_bounds(arr[present])))
    step = max_segment_m / _METRES_PER_DEGREE if source.is_geographic else max_segment_m
    transformer = pyproj.Transformer.from_crs(source, target, always_xy=True)  # thread-safe since pyproj 3.1

    def _project(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    def densified(work: np.ndarray) -> np.ndarray:
        if step > 0:
            # Only a geometry whose bounding box exceeds the step can have an edge that long.
            box = shapely.bounds(work)
            long = np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]) > step
            if long.any():
                work = work.copy()
                work[long] = shapely.segmentize(work[long], step)
        return work

    def project(work: np.ndarray) -> np.ndarray:
        return shapely.transform(densified(work), _project)

    project.densified = densified  # type: ignore[attr-defined]
    project.coordinates = _project  # type: ignore[attr-defined]
    return arr, present, target, project


def _ring_areas(xy: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Unsigned area of each ring of `sizes[i]` consecutive coordinates of `xy`, computed as GEOS computes a
    linear ring's area (shoelace formula relative to the ring's first x, summed in vertex order, halved), so the
    result is bit-identical to `shapely.area`. Vectorised across rings: step i adds the i-th term of every ring
    that long (rings sorted longest first, so those are a prefix)."""
    sums = np.zeros(len(sizes))
    if not len(sizes):
        return sums
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    order = np.argsort(-sizes, kind="stable")
    long_first, first = sizes[order], starts[order]
    x, y = xy[:, 0], xy[:, 1]
    x0 = x[first]
    acc = np.zeros(len(sizes))
    # rings with at least i + 2 coordinates take a term at step i (GEOS: i = 1 … n - 2)
    counts = np.searchsorted(-long_first, -(np.arange(int(long_first[0]) + 1) + 2), side="right")
    for i in range(1, int(long_first[0]) - 1):
        k = int(counts[i])
        at = first[:k] + i
        acc[:k] += (x[at] - x0[:k]) * (y[at - 1] - y[at + 1])
    sums[order] = np.abs(acc / 2.0)
    return sums


def _in_order(values: np.ndarray, owner: np.ndarray, size: int, *, subtract_after_first: bool) -> np.ndarray:
    """Per owner, its values combined in their order as GEOS does: a polygon's shell area less each hole's
    (`subtract_after_first`), a multipolygon's part areas added one after another."""
    out = np.zeros(size)
    if not len(values):
        return out
    starts = np.r_[True, owner[1:] != owner[:-1]]
    rank = np.arange(len(values)) - np.maximum.accumulate(np.where(starts, np.arange(len(values)), 0))
    for r in range(int(rank.max()) + 1):
        sel = rank == r
        if subtract_after_first and r > 0:
            out[owner[sel]] -= values[sel]
        else:
            out[owner[sel]] += values[sel]
    return out


def _projected_polygon_areas(geoms: np.ndarray, project: Any) -> np.ndarray:
    """Planar areas of polygons and multipolygons after `project`, from their reprojected coordinates alone (no
    geometry is rebuilt, the slowest part of a reprojection); equal to `shapely.area(project(geoms))`."""
    work = project.densified(geoms)
    if (shapely.get_type_id(work) == 3).all():  # polygons: each is its one part (no copy made)
        parts, part_of = work, np.arange(len(work))
    else:
        parts, part_of = shapely.get_parts(work, return_index=True)
    if len(parts) == len(work) and not shapely.get_num_interior_rings(parts).any():
        rings, ring_of = parts, np.arange(len(parts))  # single polygons without holes: each is its ring
    else:
        rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    sizes = np.bincount(coord_of, minlength=len(rings))
    ring_area = _ring_areas(project.coordinates(coords), sizes)
    part_area = _in_order(ring_area, ring_of, len(parts), subtract_after_first=True)
    return _in_order(part_area, part_of, len(work), subtract_after_first=False)


def _areas_of(chunk: np.ndarray, project: Any) -> np.ndarray:
    """Equal-area planar areas of a chunk: from coordinates when it holds only polygons and multipolygons, else
    by reprojecting the geometries."""
    kinds = shapely.get_type_id(chunk)
    if np.isin(kinds, (3, 6)).all():  # Polygon, MultiPolygon
        return _projected_polygon_areas(chunk, project)
    return np.asarray(shapely.area(project(chunk)), dtype=float)


def _in_chunks(geoms: np.ndarray, function: Any) -> np.ndarray:
    """`function` of consecutive chunks of CHUNK geometries, run on up to MAX_THREADS threads and joined in
    order: PROJ and GEOS release the GIL, so a large array uses every core, and a chunk's coordinates are all
    that is held at once. The result equals one call's."""
    if len(geoms) <= CHUNK:
        return function(geoms)
    chunks = np.array_split(geoms, -(-len(geoms) // CHUNK))
    with ThreadPoolExecutor(max(1, min(os.cpu_count() or 1, MAX_THREADS, len(chunks)))) as pool:
        return np.concatenate(list(pool.map(function, chunks)))


def equal_area_projection(
    geoms: Any, crs: Any = None, *, max_segment_m: float = DEFAULT_MAX_SEGMENT_M
) -> tuple[np.ndarray, pyproj.CRS]:
    """Geometries reprojected to a local equal-area CRS (metres) on their datum's ellipsoid.

    Planar areas of the result are ellipsoidal m²; use it to run several area computations
    (overlays, clips) on one projection.
    """
    arr, present, target, project = _projector(geoms, crs, max_segment_m)
    out = arr.copy()
    if project is not None:
        out[present] = _in_chunks(arr[present], project)
    return out, target


def ellipsoidal_area_m2(geoms: Any, crs: Any = None, *, max_segment_m: float = DEFAULT_MAX_SEGMENT_M) -> np.ndarray:
    """Ellipsoidal area (m²) of each geometry; empty, missing and non-polygonal give 0.

    Each chunk is reprojected, measured and dropped, so the projected copy of a large layer is never held whole."""
    arr, present, _target, project = _projector(geoms, crs, max_segment_m)
    areas = np.zeros(len(arr), dtype=float)
    if project is not None:
        areas[present] = _in_chunks(arr[present], lambda chunk: _areas_of(chunk, project))
    return np.nan_to_num(areas, nan=0.0)


def area_mu(geoms: Any, crs: Any = None, *, max_segment_m: float = DEFAULT_MAX_SEGMENT_M) -> np.ndarray:
    """Ellipsoidal area of each geometry in 亩 (m² / MU_M2)."""
    return ellipsoidal_area_m2(geoms, crs, max_segment_m=max_segment_m) / MU_M2
