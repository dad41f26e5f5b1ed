"""Validity explanation, repair and geometry kinds on canonical broken geometries."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import wkt

from spatial.validity import explain, geometry_kinds, polygonal_parts, repair

BOW_TIE = wkt.loads("POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))")  # crosses itself at (1, 1)
SELF_TOUCH = wkt.loads("POLYGON ((0 0, 10 0, 5 5, 10 10, 0 10, 5 5, 0 0))")  # shell meets itself at (5, 5)
SQUARE = shapely.box(0, 0, 3, 3)
COLLAPSED = wkt.loads("POLYGON ((0 0, 1 1, 2 2, 0 0))")  # zero area
POLY_AND_LINE = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.LineString([(5, 5), (6, 6)])])


def test_explain() -> None:
    reasons = explain([SQUARE, BOW_TIE, SELF_TOUCH, shapely.Polygon(), None, POLY_AND_LINE])
    assert reasons[0] == ""
    assert "self-intersection" in reasons[1].lower() and "1 1" in reasons[1]
    assert "self-intersection" in reasons[2].lower() and "5 5" in reasons[2]
    assert reasons[3] == "empty"
    assert reasons[4] == "missing"
    assert reasons[5] == ""


def test_repair_bow_tie_keeps_both_triangles() -> None:
    fixed = repair([BOW_TIE])[0]
    assert fixed.is_valid
    # two triangles (0,0)-(1,1)-(0,2) and (2,0)-(2,2)-(1,1), each of area 1
    assert fixed.area == pytest.approx(2.0)
    assert shapely.get_num_geometries(fixed) == 2


def test_repair_ring_self_touch() -> None:
    fixed = repair([SELF_TOUCH])[0]
    assert fixed.is_valid
    assert fixed.area == pytest.approx(50.0)  # triangles of 10 x 5 / 2 = 25 each


def test_repair_keeps_polygonal_parts_of_collections() -> None:
    fixed = repair(gpd.GeoSeries([POLY_AND_LINE]))[0]
    assert fixed.geom_type == "MultiPolygon"
    assert shapely.equals(fixed, shapely.box(0, 0, 1, 1))


def test_repair_leaves_valid_alone_and_empties_empty() -> None:
    fixed = repair([SQUARE, None, shapely.Polygon(), COLLAPSED, shapely.LineString([(0, 0), (1, 1)])])
    assert fixed[0] is SQUARE
    assert fixed[1] is None
    assert fixed[2].is_empty
    assert fixed[3] is not None and fixed[3].is_empty
    assert fixed[4] is not None and fixed[4].is_empty and fixed[4].geom_type == "Polygon"
    assert all(g is None or g.is_valid for g in fixed)


def test_repair_keep_all_returns_make_valid_output() -> None:
    lollipop = wkt.loads("POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0, -3 0, 0 0))")  # square with a spike
    assert not lollipop.is_valid
    kept = repair([lollipop], keep="polygon")[0]
    assert kept.geom_type in ("Polygon", "MultiPolygon") and kept.area == pytest.approx(4.0)
    # keep="all" does not filter: a valid polygon+line collection passes through unchanged
    assert repair([POLY_AND_LINE], keep="all")[0] is POLY_AND_LINE
    assert repair([BOW_TIE], keep="all")[0].area == pytest.approx(2.0)
    with pytest.raises(ValueError, match="keep"):
        repair([SQUARE], keep="lines")


def test_polygonal_parts_of_nested_collections() -> None:
    nested = shapely.GeometryCollection(
        [shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]),
         shapely.GeometryCollection([shapely.box(5, 5, 7, 7), shapely.Point(9, 9)])]
    )
    only_lines = shapely.GeometryCollection([shapely.LineString([(0, 0), (1, 1)])])
    out = polygonal_parts([nested, only_lines, SQUARE])
    assert out[0].geom_type == "MultiPolygon" and out[0].area == pytest.approx(6.0)
    assert out[1].is_empty
    assert out[2] is SQUARE


def test_geometry_kinds() -> None:
    kinds = geometry_kinds(
        [SQUARE, shapely.MultiPolygon([SQUARE]), shapely.LineString([(0, 0), (1, 1)]),
         shapely.MultiPoint([(0, 0), (1, 1)]), POLY_AND_LINE, shapely.Polygon(), None, shapely.Point(1, 1)]
    )
    assert kinds.tolist() == ["polygon", "polygon", "line", "point", "collection", "empty", "missing", "point"]
    assert isinstance(kinds, np.ndarray)
