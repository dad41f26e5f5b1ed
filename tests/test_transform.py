"""Reused transformers give what geopandas' to_crs gives, and stay cheap on a new thread."""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import pytest
import shapely

from spatial.transform import reprojected, reprojected_bounds, transformer

PAIRS = [(4326, 4549), (4326, 4490), (4549, 4326), (4490, 4528), (4326, 3857), (4326, 32651)]


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_points_equal_to_crs_bit_for_bit(source: int, target: int) -> None:
    rng = np.random.default_rng(7)
    points = gpd.GeoSeries(gpd.points_from_xy(rng.uniform(119, 122, 500), rng.uniform(28, 31, 500)), crs=4326).to_crs(source)
    expected = points.to_crs(target)
    x, y = transformer(source, target).transform(points.x.to_numpy(), points.y.to_numpy())
    assert np.array_equal(x, expected.x.to_numpy()) and np.array_equal(y, expected.y.to_numpy())


def test_one_transformer_per_pair_of_crss() -> None:
    assert transformer(4326, 4549) is transformer("EPSG:4326", "epsg:4549")
    assert transformer(4326, 4549) is not transformer(4549, 4326)


def test_a_new_thread_gives_the_same_coordinates() -> None:
    """The first use on a thread (every Streamlit rerun has its own) gives the same numbers as on this one."""
    here = transformer(4326, 4549).transform(121.5, 29.85)
    there: list[tuple[float, float]] = []
    thread = threading.Thread(target=lambda: there.append(transformer(4326, 4549).transform(121.5, 29.85)))
    thread.start()
    thread.join()
    assert there == [here]


def test_reprojected_bounds_equal_to_crs_total_bounds() -> None:
    parcels = gpd.GeoSeries([shapely.box(500000, 3300000, 500100, 3300080),
                             shapely.Polygon([(501000, 3301000), (501300, 3301050), (501100, 3301400)])], crs=4549)
    assert reprojected_bounds(parcels.to_numpy(), 4549, 4326) == tuple(parcels.to_crs(4326).total_bounds)
    assert all(np.isnan(v) for v in reprojected_bounds(np.array([None], dtype=object), 4549, 4326))


def test_reprojected_geometries_equal_to_crs_bit_for_bit() -> None:
    """Polygons with holes, multipolygons, points, lines, empty and missing geometries, as to_crs moves them."""
    holed = shapely.Polygon([(500000, 3300000), (500100, 3300000), (500100, 3300100), (500000, 3300100)],
                            [[(500010, 3300010), (500020, 3300010), (500020, 3300020)]])
    geoms = np.array([holed, None, shapely.Point(501000, 3301000), shapely.Polygon(),
                      shapely.MultiPolygon([shapely.box(502000, 3302000, 502010, 3302010),
                                            shapely.box(503000, 3303000, 503010, 3303010)]),
                      shapely.LineString([(500000, 3300000), (500500, 3300500)])], dtype=object)
    expected = gpd.GeoSeries(geoms, crs=4549).to_crs(4326).to_numpy()
    for got, want in zip(reprojected(geoms, 4549, 4326), expected):
        if want is None:
            assert got is None
        else:
            assert got.geom_type == want.geom_type
            assert np.array_equal(shapely.get_coordinates(got), shapely.get_coordinates(want))
            assert shapely.get_num_interior_rings(got) == shapely.get_num_interior_rings(want)
