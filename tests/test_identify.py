"""Identify and search (issue 13, item 2): a parcel card with the land-use name and the units it lies in; one
search across units, firms and 宗地号, exact matches first."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from analysis.identify import bounds_of, parcel_card, search
from layers.landuse_names import land_use_name


def test_land_use_names():
    assert land_use_name("0601") == "工业用地" and land_use_name("0508") == "物流仓储用地"
    assert land_use_name("05H1") == "商业服务业设施用地" and land_use_name("1001", "ydyh2023") == "工业用地"
    assert land_use_name("M1") == "一类工业用地" and land_use_name("9999") is None and land_use_name(None) is None


def test_parcel_card_units_and_share(demo_inputs, demo_evaluation):
    parcels = demo_inputs.parcels
    row = parcels[parcels["firm_uscc"].notna()].iloc[0]
    card = parcel_card(demo_inputs, demo_evaluation, row["parcel_id"])
    assert card["parcel_id"] == row["parcel_id"] and card["area_mu"] == pytest.approx(row["area_mu"])
    assert card["firms"] and card["firms"][0]["uscc"] == row["firm_uscc"]
    units = demo_inputs.units
    inside = [i for i in range(len(units)) if shapely.intersects(units.geometry.iloc[i], row.geometry)
              and shapely.area(shapely.intersection(units.geometry.iloc[i], row.geometry)) > 0]
    assert sorted(u["unit_id"] for u in card["units"]) == sorted(units["unit_id"].iloc[inside].astype(str))
    for u in card["units"]:
        assert 0 < u["share_inside"] <= 1.0 + 1e-9
    assert parcel_card(demo_inputs, demo_evaluation, "NO-SUCH") is None


def test_search_ranks_exact_then_prefix_then_contains(demo_inputs, demo_evaluation):
    hits = search(demo_inputs, demo_evaluation, "YQ01")
    assert hits[0].key == "parks|YQ01"
    firm = demo_inputs.enterprises.iloc[5]
    by_code = search(demo_inputs, demo_evaluation, firm["uscc"].lower())
    assert by_code[0].key == f"enterprises|{firm['uscc']}"
    parcel = demo_inputs.parcels["parcel_id"].iloc[7]
    assert search(demo_inputs, demo_evaluation, parcel)[0].key == f"parcels|{parcel}"
    assert len(search(demo_inputs, demo_evaluation, "有限公司", limit=15)) == 15
    assert search(demo_inputs, demo_evaluation, "   ") == []
    b = bounds_of(demo_inputs, f"parcels|{parcel}")
    assert b is not None and 100 < b[0] < 130 and 20 < b[1] < 40 and b[0] <= b[2] and b[1] <= b[3]


def test_parcel_at_finds_the_parcel_under_a_map_point(demo_inputs):
    """A point inside a parcel (its representative point, taken to lon/lat by pyproj) names that parcel; in GCJ-02
    (AMap tiles) the shifted point names the same parcel; a point far outside the district names none."""
    from analysis.identify import parcel_at
    from spatial.gcj02 import wgs84_to_gcj02

    parcels = demo_inputs.parcels
    row = parcels.iloc[321]
    inside = gpd.GeoSeries([row.geometry.representative_point()], crs=parcels.crs).to_crs(4326).iloc[0]
    assert parcel_at(demo_inputs, inside.x, inside.y) == row["parcel_id"]
    gx, gy = wgs84_to_gcj02(inside.x, inside.y)
    assert parcel_at(demo_inputs, float(gx), float(gy), gcj02=True) == row["parcel_id"]
    assert parcel_at(demo_inputs, 100.0, 30.0) is None
