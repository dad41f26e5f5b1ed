"""Geometry and CRS kernel: CRS detection, ellipsoidal areas, overlays, GCJ-02, validity.

Knows nothing about land, parks or bureaus; works on arrays of shapely geometries.
"""

from spatial.area import MU_M2, area_mu, ellipsoidal_area_m2, equal_area_projection, local_equal_area_crs
from spatial.crs import CRSDetection, CRSError, detect_crs, gk_epsg
from spatial.gcj02 import (
    gcj02_to_wgs84,
    geometries_from_gcj02,
    geometries_to_gcj02,
    wgs84_to_gcj02,
)
from spatial.overlay import (
    intersection_area_pairs,
    intersection_geometry_pairs,
    intersection_pairs,
    nearest_distance,
    self_overlaps,
)
from spatial.validity import as_geometry_array, explain, geometry_kinds, polygonal_parts, repair

__all__ = [
    "MU_M2",
    "area_mu",
    "ellipsoidal_area_m2",
    "equal_area_projection",
    "local_equal_area_crs",
    "CRSDetection",
    "CRSError",
    "detect_crs",
    "gk_epsg",
    "gcj02_to_wgs84",
    "geometries_from_gcj02",
    "geometries_to_gcj02",
    "wgs84_to_gcj02",
    "as_geometry_array",
    "intersection_area_pairs",
    "intersection_geometry_pairs",
    "intersection_pairs",
    "nearest_distance",
    "self_overlaps",
    "explain",
    "geometry_kinds",
    "polygonal_parts",
    "repair",
]
