"""spatial.raster: slope of synthetic DEMs with known gradients, coverage-weighted zonal statistics."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import shapely
from affine import Affine

from spatial.raster import Grid, read_grid, slope_degrees, slope_grid, zonal_stats

GK = "EPSG:4549"  # CGCS2000 3-degree GK CM 120E, metres


def _plane(rows: int, cols: int, cell: float, gx: float, gy: float, origin=(500000.0, 3300000.0)) -> Grid:
    """z = gx·x + gy·y (metres) sampled at cell centres of a north-up grid."""
    x0, y_top = origin[0], origin[1] + rows * cell
    xs = x0 + (np.arange(cols) + 0.5) * cell
    ys = y_top - (np.arange(rows) + 0.5) * cell
    z = gx * xs[None, :] + gy * ys[:, None]
    return Grid(z - z.min(), Affine(cell, 0, x0, 0, -cell, y_top), pyproj.CRS(GK))


def test_slope_of_a_plane_is_its_gradient_everywhere_including_edges():
    grid = _plane(12, 9, 30.0, 0.10, 0.05)
    expected = math.degrees(math.atan(math.hypot(0.10, 0.05)))  # 6.3794°
    slope = slope_degrees(grid.values, grid.transform, grid.crs)
    assert slope.shape == (12, 9)
    assert np.allclose(slope, expected, atol=1e-9)
    assert expected == pytest.approx(6.3794, abs=1e-4)


def test_slope_flat_and_45_degrees_and_z_factor():
    flat = _plane(5, 5, 10.0, 0.0, 0.0)
    assert np.allclose(slope_grid(flat).values, 0.0)
    steep = _plane(5, 5, 10.0, 1.0, 0.0)
    assert np.allclose(slope_grid(steep).values, 45.0)
    # elevations in feet-like units: z_factor rescales them to metres
    assert np.allclose(slope_degrees(steep.values / 2.0, steep.transform, GK, z_factor=2.0), 45.0)


def test_slope_nodata_spreads_to_its_window_only():
    grid = _plane(6, 6, 30.0, 0.1, 0.0)
    values = grid.values.copy()
    values[2, 2] = np.nan
    slope = slope_degrees(values, grid.transform, grid.crs)
    assert np.isnan(slope[1:4, 1:4]).all()
    assert np.isfinite(slope[5, 5]) and slope[5, 5] == pytest.approx(math.degrees(math.atan(0.1)))


def test_slope_on_a_geographic_grid_uses_geodesic_cell_sizes():
    # Elevation rises 0.1 m per geodesic metre northwards near 30°N (EPSG:4490, degrees).
    geod = pyproj.Geod(ellps="GRS80")
    res = 0.0005
    rows, cols = 8, 8
    top = 30.004
    lats = top - (np.arange(rows) + 0.5) * res
    _, _, north_m = geod.inv(np.full(rows, 121.0), np.full(rows, 30.0), np.full(rows, 121.0), lats)
    z = np.repeat((0.1 * np.asarray(north_m))[:, None], cols, axis=1)
    transform = Affine(res, 0, 121.0, 0, -res, top)
    slope = slope_degrees(z, transform, "EPSG:4490")
    assert np.allclose(slope, math.degrees(math.atan(0.1)), atol=0.01)


def test_rotated_grids_are_refused():
    with pytest.raises(ValueError, match="rotated"):
        slope_degrees(np.zeros((3, 3)), Affine(1, 0.1, 0, 0, -1, 3))


def test_zonal_stats_weight_cells_by_covered_fraction():
    # 4x4 grid of 10 m cells, values 0..15 row by row from the top-left.
    values = np.arange(16, dtype=float).reshape(4, 4)
    grid = Grid(values, Affine(10, 0, 0, 0, -10, 40), pyproj.CRS(GK))
    polygons = [
        shapely.box(0, 30, 15, 40),  # all of cell 0 (value 0) and half of cell 1 (value 1)
        shapely.box(21, 11, 24, 14),  # 3x3 m inside one cell (value 10), touching no cell centre
        shapely.box(0, 0, 40, 40),  # everything
        shapely.box(100, 100, 110, 110),  # outside the grid
        None,
    ]
    stats = zonal_stats(grid, polygons, GK)
    assert stats.loc[0, "weight"] == pytest.approx(1.5)
    assert stats.loc[0, "sum"] == pytest.approx(0.5)
    assert stats.loc[0, "mean"] == pytest.approx(0.5 / 1.5)
    assert stats.loc[1, "mean"] == pytest.approx(10.0)
    assert stats.loc[1, "weight"] == pytest.approx(0.09)
    assert stats.loc[2, "mean"] == pytest.approx(7.5)
    assert stats.loc[2, "max"] == pytest.approx(15.0)
    assert stats.loc[3, "weight"] == 0 and np.isnan(stats.loc[3, "mean"])
    assert stats.loc[4, "weight"] == 0 and np.isnan(stats.loc[4, "mean"])


def test_zonal_stats_skip_nodata_and_reproject_polygons():
    values = np.array([[1.0, np.nan], [3.0, 5.0]])
    grid = Grid(values, Affine(100, 0, 500000, 0, -100, 3300200), pyproj.CRS(GK))
    # the whole grid, drawn in lon/lat (EPSG:4490) and reprojected onto the grid
    to_geo = pyproj.Transformer.from_crs(GK, "EPSG:4490", always_xy=True)
    ring = [to_geo.transform(x, y) for x, y in [(500000, 3300000), (500200, 3300000), (500200, 3300200),
                                                  (500000, 3300200)]]
    stats = zonal_stats(grid, [shapely.Polygon(ring)], "EPSG:4490")
    assert stats.loc[0, "weight"] == pytest.approx(3.0, abs=1e-6)
    assert stats.loc[0, "mean"] == pytest.approx(3.0, abs=1e-6)


def test_read_grid_turns_nodata_into_nan(tmp_path):
    import rasterio

    path = tmp_path / "dem.tif"
    data = np.array([[1, 2], [-9999, 4]], dtype="float32")
    with rasterio.open(path, "w", driver="GTiff", height=2, width=2, count=1, dtype="float32", crs=GK,
                       transform=Affine(30, 0, 500000, 0, -30, 3300060), nodata=-9999) as dst:
        dst.write(data, 1)
    grid = read_grid(path)
    assert np.isnan(grid.values[1, 0]) and grid.values[1, 1] == 4.0
    assert grid.crs.to_epsg() == 4549
    assert grid.bounds == (500000, 3300000, 500060, 3300060)
    with pytest.raises(ValueError, match="nowhere.tif"):
        read_grid(tmp_path / "nowhere.tif")
