"""Siting files: the search area read from a file, the candidates written to one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.siting.request import RequestError
from analysis.siting.result import OUTPUT_CRS, SitingResult
from layers.problems import InputError
from layers.project import atomic_path

__all__ = ["read_search_area", "write_candidates"]


def read_search_area(path: str | Path, crs: Any) -> shapely.Geometry:
    """The union of the polygons in a drawn search area file (GeoJSON or any OGR format), in `crs`.

    A file without a CRS is read as lon/lat (GeoJSON's rule, RFC 7946).
    """
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such search-area file", zh=f"{path}：选址范围文件不存在")
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise InputError(f"{path}: cannot read the search area: {exc}", zh=f"{path}：无法读取选址范围：{exc}") from None
    if not isinstance(frame, gpd.GeoDataFrame) or len(frame) == 0:
        raise InputError(f"{path}: the search area has no features", zh=f"{path}：选址范围中没有要素")
    if frame.crs is None:
        frame = frame.set_crs(OUTPUT_CRS)
    geoms = frame.to_crs(crs).geometry.to_numpy()
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    if not polygonal.any():
        found = ", ".join(sorted(set(frame.geom_type)))
        raise InputError(f"{path}: the search area has no polygon (found {found})",
                         zh=f"{path}：选址范围中没有面要素（只有 {found}）")
    return shapely.union_all(shapely.make_valid(geoms[polygonal]))


def write_candidates(result: SitingResult, path: str | Path) -> Path:
    """Write the candidates to .gpkg (project CRS), .geojson (EPSG:4490) or .csv (WKT in EPSG:4490), atomically."""
    import pyogrio

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gpkg", ".geojson", ".json", ".csv"):
        raise RequestError(f"{path}: candidates are written to a .gpkg, .geojson or .csv file")
    frame = result.to_frame()
    with atomic_path(path) as tmp:
        if suffix == ".gpkg":
            pyogrio.write_dataframe(frame, tmp, layer="siting_candidates", driver="GPKG")
        elif suffix in (".geojson", ".json"):
            pyogrio.write_dataframe(frame.to_crs(OUTPUT_CRS), tmp, driver="GeoJSON")
        else:
            table = pd.DataFrame(frame.drop(columns="geometry"))
            table["wkt_epsg4490"] = shapely.to_wkt(frame.to_crs(OUTPUT_CRS).geometry.to_numpy())
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
    return path
