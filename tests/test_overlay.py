"""Overlays checked against hand-computed areas and a brute-force shapely double loop."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import box

from spatial.overlay import (
    intersection_area_pairs,
    intersection_geometry_pairs,
    intersection_pairs,
    nearest_distance,
    self_overlaps,
)


def _as_dict(li: np.ndarray, ri: np.ndarray, values: np.ndarray) -> dict[tuple[int, int], float]:
    return {(int(i), int(j)): float(v) for i, j, v in zip(li, ri, values)}


def _random_polygons(rng: np.random.Generator, n: int, extent: float = 100.0) -> np.ndarray:
    """Mix of boxes, circles and concave stars, some containing others."""
    x, y = rng.uniform(0, extent, n), rng.uniform(0, extent, n)
    size = rng.uniform(1.0, 15.0, n)
    kind = rng.integers(0, 3, n)
    out = np.empty(n, dtype=object)
    out[kind == 0] = box(x, y, x + size, y + size * 0.6)[kind == 0]
    out[kind == 1] = shapely.buffer(shapely.points(x, y), size / 2, quad_segs=6)[kind == 1]
    angles = np.linspace(0, 2 * np.pi, 11)[:-1]
    for k in np.flatnonzero(kind == 2):
        radius = np.where(np.arange(10) % 2 == 0, size[k], size[k] / 3)
        out[k] = shapely.Polygon(np.column_stack([x[k] + radius * np.cos(angles), y[k] + radius * np.sin(angles)]))
    return out


def _brute_force_areas(left: np.ndarray, right: np.ndarray) -> dict[tuple[int, int], float]:
    found = {}
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            area = a.intersection(b).area
            if area > 0:
                found[(i, j)] = area
    return found


# --- hand-computed -------------------------------------------------------------------------------

LEFT = np.array([box(0, 0, 10, 10), box(100, 100, 101, 101)], dtype=object)
RIGHT = np.array(
    [
        box(5, 0, 15, 10),  # half overlap: 50
        box(2, 2, 4, 4),  # properly inside left 0: 4
        box(10, 0, 20, 10),  # shares an edge: 0, not reported
        box(50, 50, 60, 60),  # disjoint
        box(99, 99, 102, 102),  # properly contains left 1: 1
        box(0, 0, 10, 10),  # identical to left 0: 100
    ],
    dtype=object,
)
EXPECTED = {(0, 0): 50.0, (0, 1): 4.0, (1, 4): 1.0, (0, 5): 100.0}


def test_intersection_area_pairs_hand_computed() -> None:
    li, ri, area = intersection_area_pairs(LEFT, RIGHT)
    assert _as_dict(li, ri, area) == pytest.approx(EXPECTED)
    assert li.dtype.kind == "i" and ri.dtype.kind == "i"


def test_order_of_arguments_does_not_matter() -> None:
    li, ri, area = intersection_area_pairs(RIGHT, LEFT)
    assert _as_dict(ri, li, area) == pytest.approx(EXPECTED)


def test_intersection_pairs_uses_the_predicate() -> None:
    li, ri = intersection_pairs(LEFT, RIGHT)
    assert set(zip(li.tolist(), ri.tolist())) == {(0, 0), (0, 1), (0, 2), (1, 4), (0, 5)}
    li, ri = intersection_pairs(LEFT, RIGHT, predicate="contains_properly")
    assert set(zip(li.tolist(), ri.tolist())) == {(0, 1)}


def test_geometry_pairs_clip_and_keep_only_polygonal_parts() -> None:
    left = np.array([box(0, 0, 10, 10)], dtype=object)
    # overlaps on [5,10]x[0,10] and also touches left's west edge along a line
    right = np.array([shapely.MultiPolygon([box(5, 0, 15, 10), box(-5, 0, 0, 5)])], dtype=object)
    assert shapely.get_type_id(shapely.intersection(left[0], right[0])) == shapely.GeometryType.GEOMETRYCOLLECTION
    li, ri, geoms = intersection_geometry_pairs(left, right)
    assert (li.tolist(), ri.tolist()) == ([0], [0])
    assert shapely.get_type_id(geoms[0]) in (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
    assert geoms[0].area == pytest.approx(50.0)
    assert shapely.equals(geoms[0], box(5, 0, 10, 10))


def test_geometry_pairs_hand_computed() -> None:
    li, ri, geoms = intersection_geometry_pairs(LEFT, RIGHT)
    got = {(int(i), int(j)): g for i, j, g in zip(li, ri, geoms)}
    assert set(got) == set(EXPECTED)
    assert shapely.equals(got[(0, 0)], box(5, 0, 10, 10))
    assert shapely.equals(got[(0, 1)], box(2, 2, 4, 4))
    assert shapely.equals(got[(1, 4)], box(100, 100, 101, 101))


def test_geoseries_and_missing_inputs_are_accepted() -> None:
    left = gpd.GeoSeries([box(0, 0, 10, 10), None, shapely.Polygon()])
    right = gpd.GeoSeries([box(5, 5, 15, 15)])
    li, ri, area = intersection_area_pairs(left, right)
    assert _as_dict(li, ri, area) == pytest.approx({(0, 0): 25.0})
    empty = intersection_area_pairs(left, gpd.GeoSeries([], dtype="geometry"))
    assert all(len(a) == 0 for a in empty)


def test_inputs_are_not_left_prepared() -> None:
    left, right = LEFT.copy(), RIGHT.copy()
    intersection_area_pairs(left, right)
    assert not shapely.is_prepared(left).any() and not shapely.is_prepared(right).any()


# --- brute force ---------------------------------------------------------------------------------


def test_area_pairs_match_brute_force_on_random_polygons() -> None:
    rng = np.random.default_rng(7)
    left, right = _random_polygons(rng, 70), _random_polygons(rng, 90)
    right[:5] = shapely.buffer(left[:5], 2.0)  # some guaranteed containments
    expected = _brute_force_areas(left, right)
    li, ri, area = intersection_area_pairs(left, right)
    got = _as_dict(li, ri, area)
    assert set(got) == set(expected)
    assert got == pytest.approx(expected, rel=1e-9)
    li, ri, geoms = intersection_geometry_pairs(left, right)
    assert _as_dict(li, ri, shapely.area(geoms)) == pytest.approx(expected, rel=1e-9)


def test_self_overlaps_match_brute_force() -> None:
    rng = np.random.default_rng(11)
    geoms = _random_polygons(rng, 120)
    geoms[10] = geoms[3]  # an exact duplicate
    expected = {
        (i, j): geoms[i].intersection(geoms[j]).area
        for i in range(len(geoms))
        for j in range(i + 1, len(geoms))
        if geoms[i].intersection(geoms[j]).area > 0
    }
    i, j, area = self_overlaps(geoms)
    assert (i < j).all()
    got = _as_dict(i, j, area)
    assert set(got) == set(expected) and (3, 10) in got
    assert got == pytest.approx(expected, rel=1e-9)
    threshold = float(np.median(list(expected.values())))
    i, j, area = self_overlaps(geoms, min_area=threshold)
    assert set(_as_dict(i, j, area)) == {k for k, v in expected.items() if v > threshold}


def test_self_overlaps_ignores_a_touching_tessellation() -> None:
    xs, ys = np.meshgrid(np.arange(6) * 10.0, np.arange(6) * 10.0)
    grid = box(xs.ravel(), ys.ravel(), xs.ravel() + 10, ys.ravel() + 10)
    geoms = np.concatenate([grid, [box(12, 12, 14, 14), box(28, 0, 32, 10)]])
    i, j, area = self_overlaps(geoms)
    # the small box lies inside cell (1,1) = index 7; the strip straddles cells 2 and 3
    assert _as_dict(i, j, area) == pytest.approx({(7, 36): 4.0, (2, 37): 20.0, (3, 37): 20.0})


# --- nearest distance ----------------------------------------------------------------------------


def test_nearest_distance_hand_computed() -> None:
    geoms = gpd.GeoSeries([shapely.Point(0, 0), box(20, 0, 21, 1), None, shapely.Point(5, 5)])
    others = np.array([box(3, 4, 10, 10), shapely.LineString([(20, 5), (30, 5)])], dtype=object)
    got = nearest_distance(geoms, others)
    assert got[0] == pytest.approx(5.0)  # to corner (3, 4)
    assert got[1] == pytest.approx(4.0)  # up to the line at y = 5
    assert np.isnan(got[2])
    assert got[3] == pytest.approx(0.0)  # inside the box
    assert np.isnan(nearest_distance(geoms, [])).all()
