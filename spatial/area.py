"""Ellipsoidal areas in m² and 亩, as the national land survey reports them.

Geometries are reprojected, all at once, to a Lambert Azimuthal Equal Area projection on the
ellipsoid of their own datum, centred on the data's extent; planar area there is the
ellipsoidal area (the projection is equal-area on the ellipsoid).
"""

from __future__ import annotations

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


def equal_area_projection(
    geoms: Any, crs: Any = None, *, max_segment_m: float = DEFAULT_MAX_SEGMENT_M
) -> tuple[np.ndarray, pyproj.CRS]:
    """Geometries reprojected to a local equal-area CRS (metres) on their datum's ellipsoid.

    Planar areas of the result are ellipsoidal m²; use it to run several area computations
    (overlays, clips) on one projection.
    """
    source = _resolve_crs(geoms, crs)
    arr = as_geometry_array(geoms)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if not present.any():
        return arr.copy(), source
    bounds = tuple(shapely.total_bounds(arr[present]))
    target = local_equal_area_crs(source, bounds)
    step = max_segment_m / _METRES_PER_DEGREE if source.is_geographic else max_segment_m
    out = arr.copy()
    work = arr[present]
    if step > 0:
        # Only a geometry whose bounding box exceeds the step can have an edge that long.
        box = shapely.bounds(work)
        long = np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]) > step
        if long.any():
            work = work.copy()
            work[long] = shapely.segmentize(work[long], step)
    transformer = pyproj.Transformer.from_crs(source, target, always_xy=True)

    def _project(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    out[present] = shapely.transform(work, _project)
    return out, target


def ellipsoidal_area_m2(geoms: Any, crs: Any = None, *, max_segment_m: float = DEFAULT_MAX_SEGMENT_M) -> np.ndarray:
    """Ellipsoidal area (m²) of each geometry; empty, missing and non-polygonal give 0."""
    projected, _ = equal_area_projection(geoms, crs, max_segment_m=max_segment_m)
    areas = shapely.area(projected)
    return np.nan_to_num(np.asarray(areas, dtype=float), nan=0.0)


def area_mu(geoms: Any, crs: Any = None, *, max_segment_m: float = DEFAULT_MAX_SEGMENT_M) -> np.ndarray:
    """Ellipsoidal area of each geometry in 亩 (m² / MU_M2)."""
    return ellipsoidal_area_m2(geoms, crs, max_segment_m=max_segment_m) / MU_M2
