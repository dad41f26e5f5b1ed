"""Single-band grids: reading, slope (Horn's 3x3 method) and coverage-weighted zonal statistics.

A `Grid` is a north-up array with its affine transform and CRS; nodata cells are NaN. Zonal
statistics weight each cell by the fraction of it a polygon covers (exactextract), so a polygon
smaller than a cell still gets a value and sums compose: the weighted sum and weight of a union
of disjoint polygons are the sums of theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely
from affine import Affine

from spatial.errors import InputError

__all__ = ["Grid", "read_grid", "slope_degrees", "slope_grid", "zonal_stats"]


@dataclass(frozen=True)
class Grid:
    """A north-up single-band grid: `values[row, col]` (NaN = no data), transform and CRS."""

    values: np.ndarray
    transform: Affine
    crs: pyproj.CRS | None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the grid's outer edges."""
        rows, cols = self.values.shape
        t = self.transform
        xs = (t.c, t.c + t.a * cols)
        ys = (t.f, t.f + t.e * rows)
        return min(xs), min(ys), max(xs), max(ys)


def _check_north_up(transform: Affine, where: str) -> None:
    if transform.b != 0 or transform.d != 0:
        raise InputError(f"{where}: rotated grids are not supported (transform {tuple(transform)[:6]}); "
                         "warp it north-up first, e.g. gdalwarp",
                         zh=f"{where}：不支持旋转的栅格（仿射参数 {tuple(transform)[:6]}）；请先重采样为正北向上，如用 gdalwarp")
    if transform.a <= 0 or transform.e >= 0:
        raise InputError(f"{where}: grid must be north-up with positive cell width (transform {tuple(transform)[:6]})",
                         zh=f"{where}：栅格须正北向上、像元宽度为正（仿射参数 {tuple(transform)[:6]}）")


def read_grid(path: str | Path, *, band: int = 1) -> Grid:
    """Read one band as float64 with nodata cells set to NaN; the error names the file."""
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        with rasterio.open(path) as src:
            values = src.read(band, masked=True).astype("float64").filled(np.nan)
            transform = src.transform
            crs = pyproj.CRS.from_user_input(src.crs.to_wkt()) if src.crs else None
    except (RasterioIOError, IndexError) as exc:
        raise InputError(f"{path}: cannot read band {band}: {exc}", zh=f"{path}：无法读取第 {band} 波段：{exc}") from None
    _check_north_up(transform, str(path))
    return Grid(values, transform, crs)


def _cell_sizes_m(shape: tuple[int, int], transform: Affine, crs: pyproj.CRS | None) -> tuple[np.ndarray, np.ndarray]:
    """Cell width and height in metres for each row (geodesic for geographic grids)."""
    rows = shape[0]
    if crs is None or not crs.is_geographic:
        return np.full(rows, abs(transform.a)), np.full(rows, abs(transform.e))
    geod = crs.get_geod()
    assert geod is not None  # a geographic CRS always has an ellipsoid
    lat = transform.f + transform.e * (np.arange(rows) + 0.5)
    lon0 = np.full(rows, transform.c)
    _, _, width = geod.inv(lon0, lat, lon0 + transform.a, lat)
    _, _, height = geod.inv(lon0, lat + transform.e / 2, lon0, lat - transform.e / 2)
    return np.asarray(width, dtype=float), np.asarray(height, dtype=float)


def slope_degrees(values: np.ndarray, transform: Affine, crs: Any = None, *, z_factor: float = 1.0) -> np.ndarray:
    """Slope in degrees of an elevation grid by Horn's (1981) 3x3 weighted differences.

    Edge cells use a linear extrapolation of the grid (exact on planes); a NaN cell, or any NaN
    in its 3x3 window, makes its slope NaN. Elevations times `z_factor` must be in metres.
    """
    _check_north_up(transform, "slope")
    z = np.asarray(values, dtype=float) * z_factor
    if z.ndim != 2 or min(z.shape) < 2:
        raise InputError(f"slope needs a 2-D grid of at least 2x2 cells, got shape {z.shape}",
                         zh=f"计算坡度需要至少 2×2 个像元的二维栅格，实际形状为 {z.shape}")
    crs = None if crs is None else pyproj.CRS.from_user_input(crs)
    p = np.pad(z, 1, mode="reflect", reflect_type="odd")
    a, b, c = p[:-2, :-2], p[:-2, 1:-1], p[:-2, 2:]
    d, f = p[1:-1, :-2], p[1:-1, 2:]
    g, h, i = p[2:, :-2], p[2:, 1:-1], p[2:, 2:]
    width, height = _cell_sizes_m(z.shape, transform, crs)
    dz_dx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8.0 * width[:, None])
    dz_dy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8.0 * height[:, None])
    slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
    slope[np.isnan(z)] = np.nan  # Horn's window skips the centre cell; a no-data cell has no slope
    return slope


def slope_grid(elevation: Grid, *, z_factor: float = 1.0) -> Grid:
    """The slope (degrees) of an elevation `Grid`, on the same cells."""
    return Grid(slope_degrees(elevation.values, elevation.transform, elevation.crs, z_factor=z_factor),
                elevation.transform, elevation.crs)


def _feature_source(wkbs: list[bytes], srs_wkt: str):
    """An exactextract feature source over WKB polygons, each carrying its position as `_pos`.

    Faster than exactextract's GeoDataFrame source, which converts every polygon to GeoJSON.
    """
    from exactextract.feature import Feature, FeatureSource

    class _Feature(Feature):
        def __init__(self, wkb: bytes, pos: int):
            Feature.__init__(self)
            self._wkb, self._fields = wkb, {"_pos": pos}

        def geometry(self) -> bytes:
            return self._wkb

        def set_geometry(self, wkb: bytes) -> None:
            self._wkb = wkb

        def set_geometry_format(self) -> str:
            return "wkb"

        def get(self, name: str) -> Any:
            return self._fields[name]

        def set(self, name: str, value: Any) -> None:
            self._fields[name] = value

        def fields(self) -> list[str]:
            return list(self._fields)

    class _Source(FeatureSource):
        def count(self) -> int:
            return len(wkbs)

        def __iter__(self):
            for pos, wkb in enumerate(wkbs):
                yield _Feature(wkb, pos)

        def srs_wkt(self) -> str:
            return srs_wkt

    return _Source()


def zonal_stats(grid: Grid, geoms: Any, crs: Any = None) -> pd.DataFrame:
    """Coverage-weighted statistics of `grid` under each polygon: sum, weight, mean, max.

    `sum` is Σ value × covered fraction and `weight` Σ covered fraction over non-NaN cells, so
    `mean = sum / weight`; `max` is over cells the polygon touches. Polygons are reprojected to
    the grid's CRS when `crs` differs. Missing, empty or uncovered polygons give weight 0, NaN mean.
    """
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object).reshape(-1)
    out = pd.DataFrame({"sum": np.zeros(len(arr)), "weight": np.zeros(len(arr)),
                        "mean": np.full(len(arr), np.nan), "max": np.full(len(arr), np.nan)})
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if not present.any():
        return out
    work = arr[present]
    source_crs = crs if crs is not None else getattr(geoms, "crs", None)
    if grid.crs is not None and source_crs is not None:
        source = pyproj.CRS.from_user_input(source_crs)
        if not source.equals(grid.crs):
            transformer = pyproj.Transformer.from_crs(source, grid.crs, always_xy=True)
            work = shapely.transform(work, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    wkt = grid.crs.to_wkt() if grid.crs is not None else ""
    xmin, ymin, xmax, ymax = grid.bounds
    raster = NumPyRasterSource(grid.values, xmin, ymin, xmax, ymax, srs_wkt=wkt or None)
    features = _feature_source(list(shapely.to_wkb(work)), wkt)
    stats = exact_extract(raster, features, ["sum", "count", "max"], include_cols=["_pos"], output="pandas",
                          strategy="raster-sequential")
    idx = np.flatnonzero(present)[stats["_pos"].to_numpy(dtype=int)]
    total = stats["sum"].to_numpy(dtype=float)
    weight = stats["count"].to_numpy(dtype=float)
    out.loc[idx, "sum"] = total
    out.loc[idx, "weight"] = weight
    out.loc[idx, "mean"] = np.divide(total, weight, out=np.full(len(total), np.nan), where=weight > 0)
    out.loc[idx, "max"] = pd.to_numeric(stats["max"], errors="coerce").to_numpy(dtype=float)
    return out
