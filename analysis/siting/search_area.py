"""Search areas for siting from what the app receives: shapes drawn on the web map, uploaded files.

A drawn shape arrives as GeoJSON features in lon/lat (Leaflet; EPSG:4326, equal to CGCS2000
EPSG:4490 at map scale); an upload is a GeoJSON/GeoPackage/KML file or a zipped shapefile.
Both become one polygonal geometry in the project CRS, as `read_search_area` gives for `--within`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from analysis.siting.files import read_search_area
from analysis.siting.result import OUTPUT_CRS
from layers.archive import extract_zip, find_datasets
from layers.problems import InputError
from spatial.area import MU_M2, ellipsoidal_area_m2
from spatial.transform import transformer

__all__ = ["SEARCH_AREA_SUFFIXES", "area_from_features", "area_from_upload", "area_to_geojson", "area_mu"]

# Files accepted as a search area (a .zip holds a shapefile or one of the others).
SEARCH_AREA_SUFFIXES = (".geojson", ".json", ".gpkg", ".kml", ".zip")
POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon


def area_from_features(features: Iterable[Mapping[str, Any]] | None, crs: Any) -> shapely.Geometry | None:
    """The union of the polygons among GeoJSON `features` (lon/lat), in `crs`; None when there are none.

    Lines and points (a stray marker) are ignored; a self-intersecting polygon is repaired.
    """
    geoms = []
    for feature in features or []:
        geometry = feature.get("geometry") if isinstance(feature, Mapping) else None
        if not geometry:
            continue
        try:
            geoms.append(shape(geometry))
        except (ValueError, TypeError, AttributeError, KeyError):
            continue
    arr = np.asarray(geoms, dtype=object)
    if len(arr) == 0:
        return None
    arr = arr[np.isin(shapely.get_type_id(arr), POLYGONAL)]
    if len(arr) == 0:
        return None
    to_project = transformer(OUTPUT_CRS, crs)
    projected = shapely.transform(shapely.make_valid(arr),
                                  lambda xy: np.column_stack(to_project.transform(xy[:, 0], xy[:, 1])))
    merged = shapely.union_all(projected)
    parts = shapely.get_parts(merged)
    parts = parts[np.isin(shapely.get_type_id(parts), POLYGONAL) & (shapely.area(parts) > 0)]
    return shapely.union_all(parts) if len(parts) else None


def area_from_upload(data: bytes, filename: str, crs: Any, *, max_bytes: int = 50 * 1024**2) -> shapely.Geometry:
    """The search area in an uploaded file (`filename` gives its format), in `crs`.

    A zip is unpacked safely and must hold exactly one dataset; a file without a CRS is read as
    lon/lat. Raises InputError naming the file when it cannot be used.
    """
    suffix = Path(filename).suffix.lower()
    if suffix not in SEARCH_AREA_SUFFIXES:
        raise InputError(f"{filename}: use a GeoJSON, GeoPackage, KML file or a zipped shapefile "
                         f"({', '.join(SEARCH_AREA_SUFFIXES)})",
                         zh=f"{filename}：请上传 GeoJSON、GeoPackage、KML 文件或 Shapefile 的 zip 压缩包"
                            f"（{'、'.join(SEARCH_AREA_SUFFIXES)}）")
    if len(data) > max_bytes:
        raise InputError(f"{filename}: {len(data) / 1024**2:.1f} MB is above the limit of {max_bytes / 1024**2:.0f} MB",
                         zh=f"{filename}：{len(data) / 1024**2:.1f} MB，超过上限 {max_bytes / 1024**2:.0f} MB")
    with tempfile.TemporaryDirectory(prefix="landpark-search-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        if suffix == ".zip":
            folder = Path(tmp) / "unzipped"
            extract_zip(path, folder, max_member_bytes=max_bytes, max_total_bytes=4 * max_bytes)
            datasets = [p for p in find_datasets(folder, label=filename)
                        if p.suffix.lower() in (".shp", ".gpkg", ".geojson", ".json", ".kml")]
            if not datasets:
                raise InputError(f"{filename}: the zip holds no shapefile, GeoPackage or GeoJSON",
                                 zh=f"{filename}：压缩包中没有 Shapefile、GeoPackage 或 GeoJSON")
            if len(datasets) > 1:
                names = ", ".join(str(p.relative_to(folder)) for p in datasets)
                raise InputError(f"{filename}: the zip holds several datasets ({names}); upload one search area",
                                 zh=f"{filename}：压缩包中有多个数据集（{names}）；请只上传一个选址范围")
            path = datasets[0]
        try:
            return read_search_area(path, crs)
        except InputError as exc:
            raise InputError(str(exc).replace(str(path), filename),
                             zh=getattr(exc, "message_zh", "").replace(str(path), filename)) from None


def area_to_geojson(geometry: shapely.Geometry, crs: Any) -> str:
    """A search area as a GeoJSON FeatureCollection in EPSG:4490 (lon/lat), readable by `landpark site --within`."""
    to_out = transformer(crs, OUTPUT_CRS)
    geom = shapely.transform(geometry, lambda xy: np.column_stack(to_out.transform(xy[:, 0], xy[:, 1])))
    return json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
                       "features": [{"type": "Feature", "properties": {"name": "search_area"},
                                     "geometry": json.loads(shapely.to_geojson(geom))}]}, ensure_ascii=False)


def area_mu(geometry: shapely.Geometry, crs: Any) -> float:
    """Ellipsoidal area of a search area in 亩."""
    return float(ellipsoidal_area_m2(np.asarray([geometry], dtype=object), crs)[0] / MU_M2)
