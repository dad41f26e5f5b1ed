"""GCJ-02 transform: published test vectors, round-trip accuracy, size of the offset."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from spatial.gcj02 import gcj02_to_wgs84, geometries_from_gcj02, geometries_to_gcj02, wgs84_to_gcj02

GEOD = pyproj.Geod(ellps="WGS84")

# (wgs lat, wgs lon, gcj lat, gcj lon): googollee/eviltransform python/test.py (Shanghai,
# Shenzhen, Beijing), checked there to 6 decimals.
VECTORS = np.array(
    [
        (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
        (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
        (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
    ]
)


def _metres(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def test_forward_matches_published_vectors() -> None:
    lon, lat = wgs84_to_gcj02(VECTORS[:, 1], VECTORS[:, 0])
    np.testing.assert_allclose(lon, VECTORS[:, 3], atol=1e-6)
    np.testing.assert_allclose(lat, VECTORS[:, 2], atol=1e-6)


def test_inverse_recovers_published_vectors() -> None:
    lon, lat = gcj02_to_wgs84(VECTORS[:, 3], VECTORS[:, 2])
    assert (_metres(lon, lat, VECTORS[:, 1], VECTORS[:, 0]) < 0.5).all()


def test_offset_at_beijing_is_a_few_hundred_metres() -> None:
    lon, lat = wgs84_to_gcj02(116.391, 39.907)
    offset = _metres(116.391, 39.907, lon, lat)
    assert 100.0 < offset < 1000.0


def test_round_trip_over_china_grid() -> None:
    lon, lat = np.meshgrid(np.linspace(75.0, 134.0, 60), np.linspace(18.0, 53.0, 36))
    lon, lat = lon.ravel(), lat.ravel()
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert (_metres(lon, lat, g_lon, g_lat) > 1.0).all()  # the shift really happens everywhere
    back_lon, back_lat = gcj02_to_wgs84(g_lon, g_lat)
    assert _metres(lon, lat, back_lon, back_lat).max() < 0.5
    rough_lon, rough_lat = gcj02_to_wgs84(g_lon, g_lat, exact=False)
    assert _metres(lon, lat, rough_lon, rough_lat).max() < 10.0


def test_points_outside_china_are_unchanged() -> None:
    lon = np.array([2.35, 151.2, -74.0, 140.0])
    lat = np.array([48.85, -33.9, 40.7, 35.7])
    for func in (wgs84_to_gcj02, gcj02_to_wgs84):
        out_lon, out_lat = func(lon, lat)
        np.testing.assert_array_equal(out_lon, lon)
        np.testing.assert_array_equal(out_lat, lat)


def test_scalars_work() -> None:
    lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)
    assert float(lon) == pytest.approx(121.531541859215, abs=1e-6)


def test_geometries_shift_like_their_vertices() -> None:
    poly = shapely.box(116.38, 39.90, 116.40, 39.92)
    shifted = geometries_to_gcj02(np.array([poly, None], dtype=object))
    assert shifted[1] is None
    coords = shapely.get_coordinates(poly)
    lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
    np.testing.assert_allclose(shapely.get_coordinates(shifted[0]), np.column_stack([lon, lat]))
    back = geometries_from_gcj02(shifted)
    assert shapely.hausdorff_distance(back[0], poly) < 1e-7  # degrees, ~1 cm
