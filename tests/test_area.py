"""Ellipsoidal areas checked against pyproj.Geod geodesic areas on hand-built polygons."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely import Polygon

from spatial.area import MU_M2, area_mu, ellipsoidal_area_m2
from spatial.crs import CRSError, gk_epsg

CGCS2000_GEOD = pyproj.Geod(a=6378137.0, rf=298.257222101)  # EPSG:4490 ellipsoid, docs/methods.md §9
XIAN1980_GEOD = pyproj.Geod(a=6378140.0, rf=298.257)  # IAG 1975 ellipsoid of Xian 1980
TOLERANCE = 1e-4  # 0.01 %, the agreement docs/methods.md §9 promises


def _geod_area(geom: shapely.Geometry, geod: pyproj.Geod = CGCS2000_GEOD) -> float:
    return abs(geod.geometry_area_perimeter(geom)[0])


def _lonlat_square(lon: float, lat: float, side_m: float) -> Polygon:
    """A lon/lat box roughly side_m on each side, south-west corner at (lon, lat)."""
    dlat = side_m / 110_574.0
    dlon = side_m / (111_320.0 * math.cos(math.radians(lat)))
    return shapely.box(lon, lat, lon + dlon, lat + dlat)


def _to_lonlat(geom: shapely.Geometry, crs: str, step_m: float = 10.0) -> shapely.Geometry:
    """Reference: densify a projected geometry along its straight edges, then to lon/lat."""
    source = pyproj.CRS.from_user_input(crs)
    t = pyproj.Transformer.from_crs(source, source.geodetic_crs, always_xy=True)
    dense = shapely.segmentize(geom, step_m)
    return shapely.transform(dense, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


SIDES = {"1 mu": math.sqrt(MU_M2), "100 mu": math.sqrt(100 * MU_M2), "5 km2": math.sqrt(5e6)}
LATITUDES = (20.0, 30.0, 40.0, 50.0)


def test_a_square_kilometre_on_the_central_meridian_is_1500_mu() -> None:
    """A 1 km Gauss-Krüger square measures 15 亩 per geodesic hectare (1 亩 = 10000/15 m², exactly)."""
    crs = f"EPSG:{gk_epsg(120, prefixed=False)}"
    x0, y0 = pyproj.Transformer.from_crs("EPSG:4490", crs, always_xy=True).transform(120.0, 30.0)
    square = shapely.box(x0, y0, x0 + 1000.0, y0 + 1000.0)
    geodesic_ha = _geod_area(_to_lonlat(square, crs)) / 10_000
    # tight enough that a rounded 亩 (666.67 m², off by 5e-6) would fail
    assert area_mu([square], crs)[0] == pytest.approx(15 * geodesic_ha, rel=1e-7)
    assert area_mu([square], crs)[0] == pytest.approx(1500.0, rel=1e-6)  # GK is true to scale on its meridian


def test_geographic_squares_match_geod() -> None:
    geoms = [_lonlat_square(110.0 + i, lat, side) for i, lat in enumerate(LATITUDES) for side in SIDES.values()]
    got = ellipsoidal_area_m2(np.array(geoms, dtype=object), "EPSG:4490")
    expected = np.array([_geod_area(g) for g in geoms])
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE)
    # and the sizes are what we built: about 1 mu, 100 mu, 5 km²
    np.testing.assert_allclose(got[:3] / np.array([MU_M2, 100 * MU_M2, 5e6]), 1.0, rtol=0.02)


@pytest.mark.parametrize("lat", LATITUDES)
def test_gauss_kruger_squares_match_geod(lat: float) -> None:
    crs = f"EPSG:{gk_epsg(120, prefixed=False)}"  # CGCS2000 3-degree GK CM 120E
    to_gk = pyproj.Transformer.from_crs("EPSG:4490", crs, always_xy=True)
    x0, y0 = to_gk.transform(121.2, lat)  # about 100 km east of the central meridian
    geoms = [shapely.box(x0, y0, x0 + side, y0 + side) for side in SIDES.values()]
    got = ellipsoidal_area_m2(geoms, crs)
    expected = np.array([_geod_area(_to_lonlat(g, crs)) for g in geoms])
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE)
    # Gauss-Krüger enlarges areas away from the central meridian: ellipsoidal < planar
    planar = np.array([side**2 for side in SIDES.values()])
    assert (got < planar).all()


def test_zone_prefixed_gauss_kruger_and_xian_1980_use_their_own_ellipsoid() -> None:
    square = shapely.box(40_520_000.0, 3_300_000.0, 40_521_000.0, 3_301_000.0)
    got = ellipsoidal_area_m2([square], "EPSG:4528")[0]
    assert got == pytest.approx(_geod_area(_to_lonlat(square, "EPSG:4528")), rel=TOLERANCE)
    xian = f"EPSG:{gk_epsg(40, datum='xian1980')}"
    square_local = shapely.box(40_520_000.0, 3_300_000.0, 40_521_000.0, 3_301_000.0)
    got_xian = ellipsoidal_area_m2([square_local], xian)[0]
    assert got_xian == pytest.approx(_geod_area(_to_lonlat(square_local, xian), XIAN1980_GEOD), rel=TOLERANCE)


def test_holes_and_multipolygons() -> None:
    outer = _lonlat_square(120.0, 30.0, 2000.0)
    hole = _lonlat_square(120.005, 30.005, 500.0)
    with_hole = Polygon(outer.exterior.coords, [hole.exterior.coords])
    multi = shapely.MultiPolygon([with_hole, _lonlat_square(120.1, 30.1, 300.0)])
    got = ellipsoidal_area_m2([with_hole, multi], "EPSG:4490")
    hand = _geod_area(outer) - _geod_area(hole)
    assert got[0] == pytest.approx(hand, rel=TOLERANCE)
    assert got[1] == pytest.approx(hand + _geod_area(_lonlat_square(120.1, 30.1, 300.0)), rel=TOLERANCE)
    # Geod subtracts a hole only when it turns opposite to its shell
    assert got[1] == pytest.approx(_geod_area(shapely.orient_polygons(multi)), rel=TOLERANCE)


def test_long_edges_are_densified() -> None:
    # A 60 km triangle in GK with three long straight edges: the reference follows those edges.
    crs = "EPSG:4549"
    tri = Polygon([(440_000.0, 3_000_000.0), (560_000.0, 3_000_000.0), (500_000.0, 3_060_000.0)])
    got = ellipsoidal_area_m2([tri], crs)[0]
    assert got == pytest.approx(_geod_area(_to_lonlat(tri, crs, step_m=100.0)), rel=TOLERANCE)


def test_empty_missing_and_non_polygonal_are_zero() -> None:
    geoms = [None, Polygon(), shapely.LineString([(0, 0), (1, 1)]), shapely.Point(1, 1),
             shapely.box(500_000.0, 3_300_000.0, 500_100.0, 3_300_100.0)]
    got = ellipsoidal_area_m2(geoms, "EPSG:4549")
    assert got[:4].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert got[4] == pytest.approx(10_000.0, rel=1e-3)
    assert ellipsoidal_area_m2([None, Polygon()], "EPSG:4490").tolist() == [0.0, 0.0]
    assert ellipsoidal_area_m2([], "EPSG:4490").shape == (0,)


def test_geoseries_carries_its_crs_and_area_mu_divides_by_mu() -> None:
    square = shapely.box(500_000.0, 3_300_000.0, 500_000.0 + 100 * math.sqrt(MU_M2) / 10, 3_300_000.0 + math.sqrt(MU_M2) * 10)
    series = gpd.GeoSeries([square], crs="EPSG:4549")
    m2 = ellipsoidal_area_m2(series)
    assert m2[0] == pytest.approx(_geod_area(_to_lonlat(square, "EPSG:4549")), rel=TOLERANCE)
    assert area_mu(series)[0] == pytest.approx(m2[0] / MU_M2, rel=1e-12)
    assert area_mu(series)[0] == pytest.approx(100.0, rel=1e-3)  # 100 mu built on the CM, k = 1


def test_missing_crs_is_refused() -> None:
    with pytest.raises(CRSError, match="CRS"):
        ellipsoidal_area_m2([shapely.box(0, 0, 1, 1)], None)


def test_threaded_reprojection_gives_the_single_thread_areas(monkeypatch) -> None:
    """Large arrays are reprojected in threads: chunk edges fall mid-array and the areas stay bit-identical,
    missing and empty geometries included, in their places."""
    import spatial.area as area

    rng = np.random.default_rng(7)
    crs = f"EPSG:{gk_epsg(120, prefixed=False)}"
    x0, y0 = pyproj.Transformer.from_crs("EPSG:4490", crs, always_xy=True).transform(120.3, 30.0)
    geoms = np.array([shapely.box(x, y, x + w, y + w) for x, y, w in
                      zip(x0 + rng.uniform(0, 20_000, 101), y0 + rng.uniform(0, 20_000, 101), rng.uniform(10, 900, 101))],
                     dtype=object)
    geoms[5], geoms[50] = None, Polygon()
    single = ellipsoidal_area_m2(geoms, crs)  # 101 < CHUNK: one call
    single_projected = area.equal_area_projection(geoms, crs)[0]
    monkeypatch.setattr(area, "CHUNK", 7)  # 99 present geometries in 15 uneven chunks on 4 threads
    monkeypatch.setattr(area.os, "cpu_count", lambda: 4)
    threaded = ellipsoidal_area_m2(geoms, crs)
    assert np.array_equal(single, threaded) and single[5] == 0.0 and single[50] == 0.0
    projected = area.equal_area_projection(geoms, crs)[0]
    assert projected[5] is None and projected[50].is_empty
    assert all((a is None and b is None) or shapely.equals_exact(a, b, tolerance=0) for a, b in zip(projected, single_projected))
    expected = np.array([_geod_area(_to_lonlat(g, crs)) if g is not None and not g.is_empty else 0.0 for g in geoms])
    np.testing.assert_allclose(threaded, expected, rtol=TOLERANCE)


def test_areas_from_coordinates_equal_geos_on_the_reprojected_geometries_bit_for_bit():
    """ellipsoidal_area_m2 sums the reprojected coordinates itself (no geometry is rebuilt); it must give exactly
    what GEOS gives for the reprojected geometries: polygons with and without holes, multipolygons, a 2,000-vertex
    ring, a degenerate sliver, mixed with one line (which falls back to the geometry path)."""
    from spatial.area import equal_area_projection

    rng = np.random.default_rng(7)
    x0, y0 = 40_500_000.0, 3_200_000.0  # CGCS2000 / 3-degree GK zone 40 (EPSG:4528), false easting with zone
    shapes = []
    for i in range(300):
        k = int(rng.integers(3, 40)) if i != 7 else 2000
        angles = np.sort(rng.uniform(0, 2 * np.pi, k))
        radius = rng.uniform(20, 400, k)
        cx, cy = x0 + rng.uniform(-30_000, 30_000), y0 + rng.uniform(-30_000, 30_000)
        shell = np.c_[cx + radius * np.cos(angles), cy + radius * np.sin(angles)]
        holes = [np.c_[cx + 5 * np.cos(a), cy + 5 * np.sin(a)] for a in [np.linspace(0, 2 * np.pi, 6)[:-1]]] if i % 4 == 0 else []
        poly = Polygon(shell, holes)
        shapes.append(shapely.MultiPolygon([poly, shapely.affinity.translate(poly, 2_000, 0)]) if i % 9 == 0 else poly)
    shapes.append(Polygon([(x0, y0), (x0 + 1e-3, y0), (x0 + 2e-3, y0)]))  # a zero-area sliver
    polygons = np.array(shapes, dtype=object)
    crs = "EPSG:4528"
    projected, _ = equal_area_projection(polygons, crs)
    assert np.array_equal(ellipsoidal_area_m2(polygons, crs), shapely.area(projected))
    mixed = np.append(polygons, shapely.LineString([(x0, y0), (x0 + 10, y0 + 10)]))
    assert np.array_equal(ellipsoidal_area_m2(mixed, crs)[:-1], shapely.area(projected))
