"""Coordinate transformers between two CRSs, built once per pair and cheap in every thread.

Building a `pyproj.Transformer` from two CRSs searches PROJ's database for the operation (~0.1-0.2 s), and pyproj
builds it again in each thread that uses it (its transformers are thread-local); Streamlit runs every rerun on a
new thread, so a map click that reprojects one point spent nearly all its time there. The operation found is
kept as its PROJ pipeline, which builds in well under a millisecond, when that pipeline gives bit for bit the
same coordinates as the database's choice on probe points across the target CRS's area of use; otherwise the
database-built transformer is used as it is.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import pyproj
import shapely

__all__ = ["transformer", "reprojected", "reprojected_bounds"]

_PROBES_PER_AXIS = 7  # probe grid over the area of use: 49 points


def _probes(crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes spread over `crs`'s area of use (the whole globe without one)."""
    area = crs.area_of_use
    west, south, east, north = (area.west, area.south, area.east, area.north) if area else (-180.0, -85.0, 180.0, 85.0)
    if east < west:  # crosses the antimeridian
        east += 360.0
    lon, lat = np.meshgrid(np.linspace(west, east, _PROBES_PER_AXIS), np.linspace(south, north, _PROBES_PER_AXIS))
    return ((lon.ravel() + 180.0) % 360.0) - 180.0, lat.ravel()


@lru_cache(maxsize=64)
def _by_wkt(source_wkt: str, target_wkt: str) -> pyproj.Transformer:
    source, target = pyproj.CRS.from_wkt(source_wkt), pyproj.CRS.from_wkt(target_wkt)
    found = pyproj.Transformer.from_crs(source, target, always_xy=True)
    try:
        pinned = pyproj.Transformer.from_pipeline(found.definition)
        lon, lat = _probes(target)
        to_source = pyproj.Transformer.from_crs(pyproj.CRS(4326), source, always_xy=True)
        x, y = to_source.transform(lon, lat)
        a, b = found.transform(x, y), pinned.transform(x, y)
        same = all(np.array_equal(u, v, equal_nan=True) for u, v in zip(a, b))
    except pyproj.exceptions.ProjError:
        same = False
    return pinned if same else found


def transformer(source: Any, target: Any) -> pyproj.Transformer:
    """The (x, y) → (x, y) transformer from `source` to `target` (anything pyproj.CRS accepts), longitude first
    for geographic CRSs as geopandas' to_crs uses it, giving the coordinates to_crs gives; one per pair of CRSs."""
    return _by_wkt(pyproj.CRS.from_user_input(source).to_wkt(), pyproj.CRS.from_user_input(target).to_wkt())


def reprojected_bounds(geoms: Any, source: Any, target: Any) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of `geoms` reprojected from `source` to `target`: the extremes of their
    reprojected vertices, as `GeoSeries.to_crs(target).total_bounds` gives them, without rebuilding a geometry;
    NaN when there is no vertex."""
    xy = shapely.get_coordinates(np.asarray(geoms, dtype=object))
    if not len(xy):
        return (math.nan,) * 4
    x, y = transformer(source, target).transform(xy[:, 0], xy[:, 1])
    return float(np.nanmin(x)), float(np.nanmin(y)), float(np.nanmax(x)), float(np.nanmax(y))


def reprojected(geoms: Any, source: Any, target: Any) -> np.ndarray:
    """`geoms` (an array of geometries, None kept) with every coordinate moved from `source` to `target` by the
    reused transformer: the geometries `GeoSeries.to_crs(target)` gives."""
    move = transformer(source, target).transform
    return shapely.transform(np.asarray(geoms, dtype=object), move, interleaved=False)
