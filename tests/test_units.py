"""Unit indicators against hand-made geometry; expected areas from pyproj's geodesic area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from analysis.inputs import load_inputs
from analysis.score import evaluate, to_json
from layers.project import Project

MU = 10000 / 15
GEOD = Geod(ellps="GRS80")
TO_LONLAT = Transformer.from_crs(4549, 4490, always_xy=True)
X0, Y0 = 560_000.0, 3_300_000.0  # EPSG:4549, ~29.8°N, 120.6°E


def geodesic_mu(poly) -> float:
    """Area in mu by pyproj.Geod on the densified polygon in lon/lat (independent of spatial.area)."""
    dense = shapely.segmentize(poly, 5.0)
    lonlat = shapely.transform(dense, lambda xy: np.column_stack(TO_LONLAT.transform(xy[:, 0], xy[:, 1])))
    return abs(GEOD.geometry_area_perimeter(lonlat)[0]) / MU


def box(x, y, w, h):
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


@pytest.fixture()
def tiny(tmp_path):
    park = box(0, 0, 1000, 1000)
    parcels = gpd.GeoDataFrame({
        "parcel_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
        "land_use": ["0601", "0601", "0601", "0701", "0601", "0601"],
        "land_use_category": ["industrial", "industrial", "industrial", "residential", "industrial", "industrial"],
        "supply_status": ["built", "supplied", "unsupplied", "idle", "built", "built"],
        "floor_area_m2": [60000.0, None, None, None, 10000.0, 8000.0],
        "footprint_m2": [20000.0, None, None, None, 5000.0, 4000.0],
        "owner_uscc": ["X", "Y", None, None, "Z", "W"],
        "agreed_start_date": [None, "2023-06-30", None, None, None, None],
        "approval_id": [None] * 6,
    }, geometry=[box(100, 100, 200, 200),   # P1 inside
                 box(900, 100, 200, 200),   # P2 half inside (x 900–1100)
                 box(400, 400, 100, 100),   # P3 inside, unsupplied
                 box(600, 600, 100, 100),   # P4 inside, idle residential
                 box(2000, 0, 100, 100),    # P5 outside
                 box(300, 700, 100, 100)],  # P6 inside, FAR 0.8 < 1.0
        crs="EPSG:4549")
    parks = gpd.GeoDataFrame({"park_id": ["K1"], "name": ["测试园区"], "kind": ["comprehensive"], "level": ["省级"],
                              "leading_industries": ["智能装备"]}, geometry=[park], crs="EPSG:4549")
    firms = gpd.GeoDataFrame({
        "uscc": ["X", "Y", "Z", "W", "V"], "name": ["甲", "乙", "丙", "丁", "戊"],
        "above_scale": [False] * 5, "tax_10k_yuan": [100.0, 50.0, 10.0, 1.0, 30.0],
        "value_added_10k_yuan": [300.0, 100.0, 50.0, 5.0, 60.0], "electricity_kwh": [1e6] * 5,
        "land_area_mu": [None, None, None, None, 3.0],
    }, geometry=[None, None, None, None, shapely.Point(X0 + 500, Y0 + 900)], crs="EPSG:4549")
    project = Project.create(tmp_path / "p", crs="EPSG:4549")
    project.write_layers({"parcels": parcels, "parks": parks, "enterprises": firms}, issues=[])
    return project, park, parcels


def test_land_indicators_match_geodesic_areas(tiny):
    project, park, parcels = tiny
    ev = evaluate(load_inputs(project))
    u = ev.units.iloc[0]
    g = {pid: geodesic_mu(geom) for pid, geom in zip(parcels["parcel_id"], parcels.geometry)}
    half_p2 = geodesic_mu(box(900, 100, 100, 200))
    assert u["area_mu"] == pytest.approx(geodesic_mu(park), rel=1e-4)
    industrial = g["P1"] + half_p2 + g["P3"] + g["P6"]
    assert u["industrial_land_mu"] == pytest.approx(industrial, rel=5e-4)
    supplied = g["P1"] + half_p2 + g["P4"] + g["P6"]
    assert u["supplied_mu"] == pytest.approx(supplied, rel=5e-4)
    assert u["unsupplied_mu"] == pytest.approx(g["P3"], rel=5e-4)
    assert u["supply_ratio"] == pytest.approx(supplied / (supplied + g["P3"]), abs=0.002)
    assert u["built_ratio"] == pytest.approx((g["P1"] + g["P6"]) / supplied, abs=0.002)
    assert u["idle_ratio"] == pytest.approx(g["P4"] / supplied, abs=0.002)
    # FAR over built industrial land: (60000 + 8000) m² floor on 40000 + 10000 m² (planar ≈ ellipsoidal here)
    assert u["far_industrial"] == pytest.approx(68000 / 50000, rel=1e-3)
    assert u["building_coverage"] == pytest.approx(24000 / 50000, rel=1e-3)
    # P2 is supplied with an agreed start 2023-06-30, > 1 year before 2025-12-31: idle by date
    assert u["idle_by_date_count"] == 1
    assert u["idle_by_date_mu"] == pytest.approx(half_p2, rel=5e-4)


def test_members_and_per_mu_output(tiny):
    project, _, parcels = tiny
    ev = evaluate(load_inputs(project))
    u = ev.units.iloc[0]
    g = {pid: geodesic_mu(geom) for pid, geom in zip(parcels["parcel_id"], parcels.geometry)}
    # X (all inside), Y (exactly half inside: ≥ 0.5 is a member), W (inside), V (no parcel, point inside); Z outside
    members = set(ev.members.loc[ev.members["unit_pos"] == 0, "uscc"])
    assert members == {"X", "Y", "W", "V"}
    land = g["P1"] + g["P2"] + g["P6"] + 3.0
    assert u["tax_per_mu"] == pytest.approx((100 + 50 + 1 + 30) / land, rel=2e-3)
    assert u["value_added_per_mu"] == pytest.approx((300 + 100 + 5 + 60) / land, rel=2e-3)
    assert u["member_count"] == 4
    doc = to_json(ev)
    unit = doc["units"][0]
    assert sum(unit["class_counts"].values()) == 4
    for key in ("unit_id", "unit_kind", "area_mu", "supply_ratio", "tax_per_mu", "score", "rank", "grade"):
        assert key in unit


def test_low_efficiency_counts_low_far_and_d_class_land_once(tiny):
    project, _, parcels = tiny
    ev = evaluate(load_inputs(project))
    u = ev.units.iloc[0]
    g = {pid: geodesic_mu(geom) for pid, geom in zip(parcels["parcel_id"], parcels.geometry)}
    d_firms = set(ev.firms.index[ev.firms["class"] == "D"])
    # 5 规下 firms: the 5th of 5 (k/n = 1.0 > 0.95) is D — the lowest score
    assert len(d_firms) == 1
    owned = {"X": "P1", "Y": "P2", "W": "P6", "Z": "P5"}
    expected = g["P6"]  # FAR 0.8 < 1.0
    for firm in d_firms:
        pid = owned.get(firm)
        if pid == "P2":
            expected += geodesic_mu(box(900, 100, 100, 200))
        elif pid in ("P1",):
            expected += g[pid]
    assert u["low_efficiency_mu"] == pytest.approx(expected, rel=5e-4)
