"""批而未供 / idle / late-start lists on hand-made parcels: categories, dates, areas and units.

Expectations are independent of the code: areas from pyproj.Geod on the squares' lon/lat corners,
day counts by hand from the dates written below, units from the drawing.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from analysis.inputs import prepare_parcels, stack_units
from analysis.supply_lists import LIST_CATEGORIES, evaluation_date, land_lists, list_summary
from analysis.units import parcel_flags

GK = "EPSG:4549"
X0, Y0 = 560_000.0, 3_300_000.0
MU = 10000 / 15
GEOD = pyproj.Geod(a=6378137.0, rf=298.257222101)
TO_GEO = pyproj.Transformer.from_crs(GK, "EPSG:4490", always_xy=True)
CONFIG = {"project": {"year": 2025, "evaluation_date": "2025-12-31"}, "supply": {"idle_after_days": 365},
          "units": {"member_min_share": 0.5}, "land_use": {"industrial_categories": ["industrial"]}}


def square(x: float, y: float, side: float = 100.0):
    return shapely.box(X0 + x, Y0 + y, X0 + x + side, Y0 + y + side)


def geodesic_mu(geom) -> float:
    lonlat = shapely.transform(geom, lambda xy: np.column_stack(TO_GEO.transform(xy[:, 0], xy[:, 1])))
    return abs(GEOD.geometry_area_perimeter(lonlat)[0]) / MU


@pytest.fixture
def district():
    geoms = [square(0, 0), square(200, 0, 200), square(0, 200), square(200, 200), square(400, 400), square(600, 600)]
    parcels = gpd.GeoDataFrame({
        "parcel_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
        "land_use_category": ["industrial"] * 6,
        "land_use": ["0601"] * 6,
        #            unsupplied    idle    late start   on time      built     supplied, no start date
        "supply_status": ["unsupplied", "idle", "supplied", "supplied", "built", "supplied"],
        "approval_id": ["A1", "A2", None, None, None, None],
        "supply_date": [None, "2020-01-01", "2024-01-15", "2025-03-01", "2010-01-01", "2024-01-01"],
        "agreed_start_date": [None, "2021-01-01", "2024-06-30", "2025-06-30", None, None],
    }, geometry=geoms, crs=GK)
    parcels = prepare_parcels(parcels, CONFIG)
    # A park holding P1–P4 whole; a micro park inside it holding P1 whole; a line covering 40 % of P2 only.
    park = gpd.GeoDataFrame({"park_id": ["YQ"], "name": ["园区甲"]},
                            geometry=[shapely.box(X0 - 50, Y0 - 50, X0 + 450, Y0 + 350)], crs=GK)
    micro = gpd.GeoDataFrame({"park_id": ["XW"], "name": ["小微乙"]},
                             geometry=[shapely.box(X0 - 10, Y0 - 10, X0 + 110, Y0 + 110)], crs=GK)
    line = gpd.GeoDataFrame({"line_id": ["L"], "name": ["保护线丙"], "level": ["red"]},
                            geometry=[shapely.box(X0 + 200, Y0, X0 + 280, Y0 + 200)], crs=GK)
    units = stack_units({"parks": park, "micro_parks": micro, "protection_lines": line}, GK)
    approvals = pd.DataFrame({"approval_id": ["A1", "A2"], "approved_date": ["2023-12-31", "2019-05-01"]})
    return parcels, units, approvals


def test_three_disjoint_lists_with_dates_and_areas(district):
    parcels, units, approvals = district
    flags = parcel_flags(parcels, CONFIG)
    lists = land_lists(parcels, units, flags, approvals, CONFIG).set_index("parcel_id")
    # P4 started on time (184 days < 365), P5 is built, P6 has no agreed start date: none listed.
    assert sorted(lists.index) == ["P1", "P2", "P3"]
    assert lists.loc["P1", "category"] == "unsupplied"
    assert lists.loc["P2", "category"] == "idle"
    assert lists.loc["P3", "category"] == "idle_by_date"
    # P1 approved 2023-12-31, evaluated 2025-12-31: 731 days.
    assert lists.loc["P1", "approved_date"] == "2023-12-31"
    assert lists.loc["P1", "years_since_approval"] == pytest.approx(731 / 365.25)
    assert np.isnan(lists.loc["P2", "years_since_approval"])  # only 批而未供 carry the age of their approval
    # P3 agreed to start 2024-06-30: 549 days before 2025-12-31.
    assert lists.loc["P3", "days_since_agreed_start"] == 549
    assert lists.loc["P2", "days_since_agreed_start"] == (pd.Timestamp("2025-12-31") - pd.Timestamp("2021-01-01")).days
    assert lists.loc["P3", "supply_date"] == "2024-01-15"
    for pid, geom in zip(["P1", "P2", "P3"], [square(0, 0), square(200, 0, 200), square(0, 200)]):
        assert lists.loc[pid, "area_mu"] == pytest.approx(geodesic_mu(geom), rel=1e-6)
    assert lists.crs == parcels.crs


def test_units_most_specific_first_and_share_rule(district):
    parcels, units, approvals = district
    lists = land_lists(parcels, units, parcel_flags(parcels, CONFIG), approvals, CONFIG).set_index("parcel_id")
    assert lists.loc["P1", "unit_name"] == "小微乙"  # micro park before park
    assert lists.loc["P1", "unit_kind"] == "micro_parks"
    assert lists.loc["P1", "units"] == "小微乙、园区甲"
    # P2 lies 40 % in the line (below the 50 % share): only the park holds it.
    assert lists.loc["P2", "unit_name"] == "园区甲"
    assert lists.loc["P2", "units"] == "园区甲"
    assert lists.loc["P3", "unit_id"] == "YQ"


def test_parcel_outside_every_unit_has_no_unit():
    parcels = prepare_parcels(gpd.GeoDataFrame({"parcel_id": ["Q"], "land_use_category": ["industrial"],
                                                "supply_status": ["unsupplied"]}, geometry=[square(0, 0)], crs=GK), CONFIG)
    units = stack_units({"parks": gpd.GeoDataFrame({"park_id": ["YQ"], "name": ["远处"]},
                                                   geometry=[square(5000, 5000)], crs=GK)}, GK)
    lists = land_lists(parcels, units, parcel_flags(parcels, CONFIG), None, CONFIG)
    assert lists.loc[0, "unit_name"] is None and lists.loc[0, "units"] == ""
    assert lists.loc[0, "approved_date"] is None


def test_order_and_summary(district):
    parcels, units, approvals = district
    lists = land_lists(parcels, units, parcel_flags(parcels, CONFIG), approvals, CONFIG)
    assert list(lists["category"]) == ["unsupplied", "idle", "idle_by_date"]
    summary = list_summary(lists).set_index("category")
    assert list(summary.index) == list(LIST_CATEGORIES)
    assert summary.loc["idle", "count"] == 1
    assert summary.loc["idle", "area_mu"] == pytest.approx(geodesic_mu(square(200, 0, 200)), rel=1e-6)
    empty = list_summary(lists.iloc[:0])
    assert empty["count"].tolist() == [0, 0, 0] and empty["area_mu"].tolist() == [0.0, 0.0, 0.0]


def test_evaluation_date_defaults_to_year_end():
    assert evaluation_date({"project": {"year": 2024}}) == pd.Timestamp("2024-12-31")
    assert evaluation_date({"project": {"year": 2024, "evaluation_date": "2024-06-30"}}) == pd.Timestamp("2024-06-30")
