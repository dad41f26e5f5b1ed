"""Explain and repair invalid geometries, and classify geometry kinds, per feature.

Repair keeps the polygonal part of what GEOS `make_valid` returns, so a polygon layer stays a
polygon layer; nothing that can be repaired is dropped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely import GeometryType
from shapely.errors import UnsupportedGEOSVersionError

from spatial.errors import UsageError

__all__ = ["as_geometry_array", "explain", "repair", "geometry_kinds", "polygonal_parts", "reason_zh", "KIND_ZH"]

# Geometry kinds (`geometry_kinds`, and a layer's expected geometry) in Chinese, for messages.
KIND_ZH = {"polygon": "面", "line": "线", "point": "点", "collection": "几何集合", "empty": "空几何",
           "missing": "无几何", "point_or_none": "点（或无几何）"}

# GEOS's reasons (shapely.is_valid_reason) in Chinese; the location in brackets is kept as GEOS gives it.
_REASONS_ZH = {
    "Ring Self-intersection": "环自相交", "Self-intersection": "自相交", "Too few points": "点数过少",
    "Hole lies outside shell": "内环位于外环之外", "Nested holes": "内环嵌套", "Nested shells": "外环嵌套",
    "Interior is disconnected": "内部不连通", "Duplicate Rings": "重复的环", "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环未闭合", "Topology Validation Error": "拓扑错误", "missing": "无几何", "empty": "空几何",
}

_POLYGONAL = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON)
_EMPTY_POLYGON = shapely.Polygon()


def as_geometry_array(geoms: Any) -> np.ndarray:
    """1-D object array of shapely geometries (None allowed) from an array, list or GeoSeries."""
    values = getattr(geoms, "values", geoms)
    arr = np.asarray(values, dtype=object)
    return arr.reshape(-1) if arr.ndim != 1 else arr


def explain(geoms: Any) -> np.ndarray:
    """Per geometry: "" if valid, "missing" for None, "empty" for empty, else GEOS's reason."""
    arr = as_geometry_array(geoms)
    missing = shapely.is_missing(arr)
    empty = ~missing & shapely.is_empty(arr)
    valid = shapely.is_valid(arr)
    out = np.full(len(arr), "", dtype=object)
    bad = ~(missing | empty | valid)
    if bad.any():
        out[bad] = shapely.is_valid_reason(arr[bad])
    out[missing] = "missing"
    out[empty] = "empty"
    return out


def polygonal_parts(geoms: Any) -> np.ndarray:
    """Keep only the polygonal parts: polygons pass, collections become MultiPolygons of their
    polygons, anything else (lines, points, empty) becomes an empty Polygon; None stays None."""
    arr = as_geometry_array(geoms)
    out = arr.copy()
    types = shapely.get_type_id(arr)
    is_polygonal = np.isin(types, _POLYGONAL)
    present = types >= 0
    out[present & ~is_polygonal] = _EMPTY_POLYGON
    collections = np.flatnonzero(types == GeometryType.GEOMETRYCOLLECTION)
    if len(collections):
        out[collections] = _collection_polygons(arr[collections])
    return out


def _collection_polygons(collections: np.ndarray) -> np.ndarray:
    """MultiPolygon of every polygon found (recursively) inside each collection."""
    parts, owner = shapely.get_parts(collections, return_index=True)
    # Collections may nest collections or multipolygons: flatten until only simple parts remain.
    while True:
        kinds = shapely.get_type_id(parts)
        nested = np.isin(kinds, (GeometryType.MULTIPOLYGON, GeometryType.GEOMETRYCOLLECTION,
                                 GeometryType.MULTILINESTRING, GeometryType.MULTIPOINT))
        if not nested.any():
            break
        sub, sub_owner = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        owner = np.concatenate([owner[~nested], owner[nested][sub_owner]])
    keep = (shapely.get_type_id(parts) == GeometryType.POLYGON) & ~shapely.is_empty(parts)
    result = np.full(len(collections), _EMPTY_POLYGON, dtype=object)
    if keep.any():
        order = np.argsort(owner[keep], kind="stable")
        polys, idx = parts[keep][order], owner[keep][order]
        has = np.unique(idx)
        result[has] = shapely.multipolygons(polys, indices=np.searchsorted(has, idx))
    return result


def repair(geoms: Any, *, keep: str = "polygon") -> np.ndarray:
    """Make invalid geometries valid (GEOS make_valid, "structure" method when available).

    keep="polygon" keeps only polygonal parts (a collection becomes a MultiPolygon); keep="all"
    returns make_valid's output as is. Valid geometries pass unchanged; None stays None.
    """
    if keep not in ("polygon", "all"):
        raise UsageError(f"keep must be 'polygon' or 'all', got {keep!r}")
    arr = as_geometry_array(geoms)
    out = arr.copy()
    invalid = ~shapely.is_valid(arr) & ~shapely.is_missing(arr)
    if invalid.any():
        out[invalid] = _make_valid(arr[invalid])
    return polygonal_parts(out) if keep == "polygon" else out


def _make_valid(geoms: np.ndarray) -> np.ndarray:
    try:
        return shapely.make_valid(geoms, method="structure", keep_collapsed=False)
    except (TypeError, ValueError, UnsupportedGEOSVersionError):
        return shapely.make_valid(geoms)


_KIND_BY_TYPE = {
    GeometryType.POINT: "point",
    GeometryType.MULTIPOINT: "point",
    GeometryType.LINESTRING: "line",
    GeometryType.LINEARRING: "line",
    GeometryType.MULTILINESTRING: "line",
    GeometryType.POLYGON: "polygon",
    GeometryType.MULTIPOLYGON: "polygon",
    GeometryType.GEOMETRYCOLLECTION: "collection",
}


def geometry_kinds(geoms: Any) -> np.ndarray:
    """Per geometry: "polygon", "line", "point", "collection", "empty" or "missing"."""
    arr = as_geometry_array(geoms)
    types = shapely.get_type_id(arr)
    out = np.full(len(arr), "missing", dtype=object)
    for type_id, kind in _KIND_BY_TYPE.items():
        out[types == type_id] = kind
    out[(types >= 0) & shapely.is_empty(arr)] = "empty"
    return out


def reason_zh(reason: str) -> str:
    """A reason of `explain` in Chinese ("Self-intersection[1 2]" → "自相交[1 2]"); an unknown one as GEOS gives it."""
    for english in sorted(_REASONS_ZH, key=len, reverse=True):
        if reason.startswith(english):
            return _REASONS_ZH[english] + reason[len(english):]
    return reason
