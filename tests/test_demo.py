"""The demo district: determinism, schema, realism ranges and internal consistency.

Expectations are independent of the generator: geodesic areas come from pyproj.Geod on the
CGCS2000 ellipsoid, credit codes are checked by layers.uscc (itself tested against hand-computed
GB 32100-2015 checks), organisation codes are recomputed here from GB 11714-1997, field names and
allowed values come from the layer schema.
"""

from __future__ import annotations

import hashlib
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Geod, Transformer

from layers.demo import build_demo_dem, build_demo_layers
from layers.schema import CONSTRAINT_KINDS, LAND_USE_CATEGORIES, LAYERS, LINE_LEVELS, PARK_KINDS, SUPPLY_STATUSES
from layers.uscc import is_valid_uscc
from spatial.area import MU_M2

GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000 ellipsoid
INDUSTRIAL = ["industrial", "m0"]
KINDS = {"protection_lines", "parks", "micro_parks", "future_communities", "parcels", "land_approvals",
         "enterprises", "constraints", "roads"}


@pytest.fixture(scope="module")
def demo() -> dict[str, gpd.GeoDataFrame]:
    """The generated layers (how long that takes, and its goal, is `python -m benchmarks.demo_bench`)."""
    return build_demo_layers()


@pytest.fixture(scope="module")
def dem(demo):
    return build_demo_dem(demo)


def geodesic_mu(frame: gpd.GeoDataFrame) -> np.ndarray:
    lonlat = frame.to_crs("EPSG:4490")
    return np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in lonlat.geometry]) / MU_M2


def digest(layers: dict[str, gpd.GeoDataFrame]) -> str:
    h = hashlib.sha256()
    for kind in sorted(layers):
        frame = layers[kind]
        h.update(kind.encode())
        h.update(b"".join(shapely.to_wkb(frame.geometry.values, hex=False)))
        h.update(pd.util.hash_pandas_object(frame.drop(columns="geometry"), index=True).to_numpy().tobytes())
    return h.hexdigest()


def org_code_ok(code9: str) -> bool:
    """GB 11714-1997: weights 3 7 9 10 5 8 4 2, letters A=10…Z=35, check 11 - Σ mod 11 (10 → X, 11 → 0)."""
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in code9[:8]]
    r = (11 - sum(v * w for v, w in zip(values, [3, 7, 9, 10, 5, 8, 4, 2])) % 11) % 11
    return code9[8] == ("X" if r == 10 else str(r))


# ---- determinism and contract -----------------------------------------------------------------------


def test_same_seed_gives_identical_layers_and_dem(demo, dem):
    again = build_demo_layers()
    assert digest(again) == digest(demo)
    array, transform, crs = build_demo_dem(again)
    assert np.array_equal(array, dem[0]) and transform == dem[1] and crs == dem[2]


def test_dem_depends_on_seed(demo, dem):
    other, _, _ = build_demo_dem(demo, seed=7)
    assert other.shape == dem[0].shape
    assert not np.array_equal(other, dem[0])


def test_layers_have_exactly_the_schema_fields_and_crs(demo):
    assert set(demo) == KINDS
    for kind, frame in demo.items():
        assert CRS(frame.crs) == CRS("EPSG:4549"), kind
        # the demo's parcels carry the owner's credit code, not the name (owner_name links by name: test_land_links);
        # the firms' half-year column comes with the earlier years the project adds (layers/demo/history.py),
        # and so do the 标准地 commitments and the firms' fixed investment (layers/demo/standard_land.py)
        committed = {f for f in LAYERS["parcels"].field_names if f.startswith("committed_")}
        left_out = {"parcels": {"owner_name", "standard_land", "production_due_date", *committed},
                    "enterprises": {"half", "fixed_investment_10k_yuan"}}.get(kind, set())
        assert set(frame.columns) - {"geometry"} == set(LAYERS[kind].field_names) - left_out, kind
        assert frame.geometry.is_valid.all() and not frame.geometry.is_empty.any(), kind
        id_field = LAYERS[kind].id_field
        if id_field:
            assert frame[id_field].is_unique and frame[id_field].notna().all(), kind


def test_values_are_normalised(demo):
    parcels = demo["parcels"]
    assert set(parcels["supply_status"]) <= set(SUPPLY_STATUSES)
    assert set(parcels["land_use_category"]) <= set(LAND_USE_CATEGORIES)
    gb21010 = {"industrial": {"0601"}, "m0": {"0601"}, "warehouse": {"0508"}, "residential": {"0701"},
               "commercial": {"05H1"}, "public": {"08H1", "08H2"}}
    for category, codes in parcels.groupby("land_use_category")["land_use"]:
        assert set(codes) <= gb21010[category], category
    assert set(demo["protection_lines"]["level"]) == set(LINE_LEVELS)
    assert set(demo["parks"]["kind"]) <= set(PARK_KINDS)
    assert set(demo["constraints"]["kind"]) == set(CONSTRAINT_KINDS)
    assert set(demo["roads"]["road_class"]) == {"主干路", "次干路", "支路"}
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for kind, column in [("parcels", "supply_date"), ("parcels", "agreed_start_date"),
                         ("land_approvals", "approved_date"), ("enterprises", "production_start_date")]:
        values = demo[kind][column].dropna()
        assert len(values) and values.map(lambda s: bool(iso.match(s))).all(), column
        if column != "agreed_start_date":  # a start agreed in 2025 may fall in 2026
            assert (pd.to_datetime(values) <= "2025-12-31").all(), column


def test_district_sits_near_ningbo_with_plausible_extent(demo):
    urban = demo["constraints"].query("kind == 'urban_boundary'")
    assert len(urban) == 1
    everything = pd.concat([f.geometry for f in demo.values()])
    minx, miny, maxx, maxy = everything.total_bounds
    assert 15_000 < maxx - minx < 30_000 and 10_000 < maxy - miny < 25_000
    lon, lat = Transformer.from_crs("EPSG:4549", "EPSG:4490", always_xy=True).transform(
        (minx + maxx) / 2, (miny + maxy) / 2)
    assert abs(lon - 121.5) < 0.1 and abs(lat - 29.85) < 0.1


# ---- parcels -------------------------------------------------------------------------------------------


def test_parcels_tile_without_overlap_in_plausible_sizes(demo):
    parcels = demo["parcels"]
    assert 10_000 <= len(parcels) <= 30_000
    geoms = parcels.geometry.values
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    assert pairs.sum() > len(geoms)  # they do share edges …
    assert shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]])).sum() < 1.0  # … not area
    corners = shapely.get_num_coordinates(shapely.get_exterior_ring(geoms)) - 1
    assert corners.min() >= 4 and corners.max() <= 12
    assert (shapely.get_type_id(geoms) == 3).all()
    planar = parcels.geometry.area.to_numpy()
    order = np.argsort(planar)
    extremes = geodesic_mu(parcels.iloc[np.r_[order[:50], order[-50:]]])  # planar and geodesic rank alike
    assert extremes.min() >= 1.0 and extremes.max() <= 200.0
    by_use = pd.Series(planar).groupby(parcels["land_use_category"].to_numpy()).median()
    assert by_use["industrial"] > by_use["residential"]


def test_land_use_mix(demo):
    parcels = demo["parcels"]
    area = parcels.geometry.area
    share = area.groupby(parcels["land_use_category"]).sum() / area.sum()
    assert share[["industrial", "m0"]].sum() > 0.35 and share["residential"] > 0.15
    assert share[["commercial", "public", "warehouse"]].min() > 0.01
    in_parks = parcels.geometry.representative_point().within(demo["parks"].geometry.union_all())
    inside = area[in_parks].groupby(parcels["land_use_category"][in_parks]).sum()
    assert inside[INDUSTRIAL].sum() / inside.sum() > 0.6


def test_m0_is_0601_inside_future_communities(demo):
    parcels = demo["parcels"]
    m0 = parcels[parcels["land_use_category"] == "m0"]
    assert len(m0) > 0 and (m0["land_use"] == "0601").all()
    communities = demo["future_communities"].geometry.union_all().buffer(1.0)
    assert m0.geometry.within(communities).all()
    industrial = parcels.geometry.area[parcels["land_use_category"].isin(INDUSTRIAL)].sum()
    assert 0.005 < m0.geometry.area.sum() / industrial < 0.05


def test_supply_status_mix_and_dates(demo):
    parcels = demo["parcels"]
    industrial = parcels[parcels["land_use_category"].isin(INDUSTRIAL)]
    area = industrial.geometry.area
    share = area.groupby(industrial["supply_status"]).sum() / area.sum()
    assert 0.62 <= share["built"] <= 0.80
    assert 0.05 <= share["supplied"] <= 0.15
    assert 0.07 <= share["unsupplied"] <= 0.18
    assert 0.025 <= share["idle"] <= 0.06
    unsupplied = parcels["supply_status"] == "unsupplied"
    assert parcels.loc[unsupplied, ["supply_date", "agreed_start_date", "owner_uscc"]].isna().all().all()
    assert parcels.loc[~unsupplied, ["supply_date", "agreed_start_date"]].notna().all().all()
    supplied, agreed = pd.to_datetime(parcels["supply_date"]), pd.to_datetime(parcels["agreed_start_date"])
    assert (agreed > supplied).sum() == (~unsupplied).sum()
    # idle by date but not labelled: agreed start more than a year before 2025-12-31, still only supplied
    overdue = (parcels["supply_status"] == "supplied") & (pd.to_datetime(parcels["agreed_start_date"]) < "2024-12-31")
    assert overdue.sum() >= 10
    built = parcels["supply_status"] == "built"
    assert (parcels.loc[built, "floor_area_m2"] > 0).all() and (parcels.loc[~built, "floor_area_m2"] == 0).all()


def test_industrial_intensity(demo):
    parcels = demo["parcels"]
    built = parcels[(parcels["supply_status"] == "built") & (parcels["land_use_category"] == "industrial")]
    far = built["floor_area_m2"] / built.geometry.area
    cover = built["footprint_m2"] / built.geometry.area
    assert 0.8 <= far.median() <= 2.5 and 0.1 < (far < 1.0).mean() < 0.4
    assert ((cover >= 0.3 - 1e-6) | (cover <= far + 1e-6)).all() and (cover <= 0.6 + 1e-6).all()
    assert (built["footprint_m2"] <= built["floor_area_m2"] + 0.1).all()


def test_approvals_cover_their_parcels(demo):
    parcels, approvals = demo["parcels"], demo["land_approvals"]
    assert len(approvals) >= 7
    years = pd.to_datetime(approvals["approved_date"]).dt.year
    assert set(years) == set(range(2019, 2026))
    assert np.allclose(approvals["approved_area_mu"], geodesic_mu(approvals), rtol=1e-4, atol=0.01)
    linked = parcels.dropna(subset=["approval_id"])
    assert set(linked["approval_id"]) == set(approvals["approval_id"])
    cover = approvals.set_index("approval_id").geometry.buffer(0.01)
    assert all(cover[a].contains(g) for a, g in zip(linked["approval_id"], linked.geometry))
    approved = linked["approval_id"].map(approvals.set_index("approval_id")["approved_date"])
    has_supply = linked["supply_date"].notna()
    assert (pd.to_datetime(linked["supply_date"][has_supply]) > pd.to_datetime(approved[has_supply])).all()
    # 批而未供 concentrates in recent batches
    year = pd.to_datetime(approved).dt.year
    unsupplied = (linked["supply_status"] == "unsupplied").groupby(year >= 2024).mean()
    assert unsupplied[True] > 2 * unsupplied[False]


# ---- units ---------------------------------------------------------------------------------------------


def test_parks_communities_and_micro_parks(demo):
    parks = demo["parks"]
    assert len(parks) == 4 and parks["name"].str.endswith("园区").sum() + parks["name"].str.endswith("产业园").sum() == 4
    assert parks["level"].isin(["国家级", "省级", "市级"]).all()
    communities = demo["future_communities"]
    assert len(communities) == 6 and communities["name"].str.endswith("未来工业社区").all()
    assert ((geodesic_mu(communities) >= 0.2 * 1500) & (geodesic_mu(communities) <= 1.0 * 1500)).all()
    micro = demo["micro_parks"]
    assert len(micro) >= 20 and micro["name"].str.endswith("小微企业园").all()
    mu = geodesic_mu(micro)
    assert mu.min() >= 50.0 and mu.max() <= 300.0
    assert micro["occupancy_rate"].between(0.6, 1.0).all() and (micro["floor_area_m2"] > 0).all()
    for frame in (parks, communities, micro, demo["protection_lines"]):  # no overlaps within a layer
        g = frame.geometry.values
        a, b = shapely.STRtree(g).query(g, predicate="intersects")
        assert shapely.area(shapely.intersection(g[a[a < b]], g[b[a < b]])).sum() < 1.0


def test_protection_lines_cover_most_industrial_land(demo):
    lines = demo["protection_lines"]
    assert {"red", "blue"} <= set(lines["level"])
    parcels = demo["parcels"]
    industrial = parcels[parcels["land_use_category"].isin(INDUSTRIAL)]
    covered = industrial.geometry.intersection(lines.geometry.union_all()).area.sum()
    assert covered / industrial.geometry.area.sum() > 0.8


# ---- constraints ---------------------------------------------------------------------------------------


def test_constraints_are_consistent(demo):
    c = demo["constraints"]
    urban = c.loc[c["kind"] == "urban_boundary"].geometry.union_all()
    farmland = c.loc[c["kind"] == "permanent_farmland"].geometry.union_all()
    redline = c.loc[c["kind"] == "ecological_redline"].geometry.union_all()
    assert (c["kind"] == "permanent_farmland").sum() >= 10
    for kind in ("parcels", "parks", "micro_parks", "future_communities"):
        assert demo[kind].geometry.within(urban.buffer(0.01)).all(), kind
    assert farmland.intersection(redline).area < 1.0
    parcels = demo["parcels"]

    def overlapping(area: shapely.Geometry) -> pd.DataFrame:
        hits = parcels.iloc[parcels.sindex.query(area, predicate="intersects")]
        return hits[hits.geometry.intersection(area).area > 1.0]

    on_farm = overlapping(farmland)
    assert 1 <= len(on_farm) <= 10 and (on_farm["supply_status"] == "unsupplied").all()
    assert len(overlapping(redline)) == 0
    assert farmland.difference(urban).area / farmland.area > 0.99


# ---- enterprises ---------------------------------------------------------------------------------------


def test_enterprise_codes_are_valid_and_unique(demo):
    firms = demo["enterprises"]
    assert len(firms) >= 2000 and firms["uscc"].is_unique
    assert firms["uscc"].map(is_valid_uscc).all()
    assert firms["uscc"].str[8:17].map(org_code_ok).all()
    assert firms["uscc"].str.startswith("91").all()
    assert firms["name"].is_unique and firms["name"].str.match(r"^宁波.+有限公司$").all()


def test_enterprises_own_the_industrial_parcels(demo):
    parcels, firms = demo["parcels"], demo["enterprises"]
    owned = parcels.dropna(subset=["owner_uscc"])
    assert set(owned["owner_uscc"]) <= set(firms["uscc"])
    industrial_built = parcels[(parcels["supply_status"] == "built") & parcels["land_use_category"].isin(INDUSTRIAL)]
    assert industrial_built["owner_uscc"].notna().all()
    assert owned["land_use_category"].isin(INDUSTRIAL).all()
    counts = owned["owner_uscc"].value_counts()
    assert counts.max() == 3 and (counts >= 2).sum() >= 50
    assert (~firms["uscc"].isin(owned["owner_uscc"])).sum() == 5
    # each owner's point lies in one of its own parcels
    hit = gpd.sjoin(firms[["uscc", "geometry"]], owned[["owner_uscc", "geometry"]], predicate="within")
    assert set(hit.loc[hit["uscc"] == hit["owner_uscc"], "uscc"]) == set(owned["owner_uscc"])
    assert (firms.geom_type == "Point").all()


def test_enterprise_figures(demo):
    parcels, firms = demo["parcels"], demo["enterprises"]
    assert (firms["year"] == 2025).all()
    assert 0.3 <= firms["above_scale"].mean() <= 0.5
    assert 1 <= firms["listed"].sum() <= 50
    above = firms[firms["above_scale"]]
    assert (above["revenue_10k_yuan"] >= 2000).all()
    assert (firms.loc[~firms["above_scale"], "revenue_10k_yuan"] < 2000).all()
    missing = above["emissions"].isna().mean()
    assert 0.0 < missing < 0.2
    assert 0.0 < firms["land_area_mu"].notna().mean() < 0.5
    assert (firms[["tax_10k_yuan", "electricity_kwh", "employees"]] >= 0).all().all()
    # district mean 亩均税收 = Σtax / Σland over firms; land = stated land_area_mu, else owned parcel area
    owned = parcels.dropna(subset=["owner_uscc"])
    owned_mu = pd.Series(geodesic_mu(owned), index=owned.index).groupby(owned["owner_uscc"]).sum()
    land = firms["land_area_mu"].fillna(firms["uscc"].map(owned_mu))
    assert land.notna().all() and (land > 0).all()
    tax_per_mu = firms["tax_10k_yuan"].sum() / land.sum()
    assert 20.0 <= tax_per_mu <= 40.0
    # per-firm 亩均税收 spreads like real data (heavy right tail)
    per_firm = firms["tax_10k_yuan"] / land
    assert per_firm.quantile(0.9) > 3 * per_firm.median()


# ---- DEM -----------------------------------------------------------------------------------------------


def test_dem_has_plain_and_hills(demo, dem):
    array, transform, crs = dem
    assert array.dtype == np.float32 and crs == "EPSG:4549"
    assert transform.a == 30.0 and transform.e == -30.0
    left, top = transform.c, transform.f
    right, bottom = left + transform.a * array.shape[1], top + transform.e * array.shape[0]
    minx, miny, maxx, maxy = pd.concat([f.geometry for f in demo.values()]).total_bounds
    assert left <= minx and right >= maxx and bottom <= miny and top >= maxy
    assert float(array.max() - array.min()) > 150.0 and 200.0 <= float(array.max()) <= 600.0
    points = demo["parcels"].geometry.representative_point()
    cols = ((points.x - left) / transform.a).astype(int)
    rows = ((points.y - top) / transform.e).astype(int)
    assert np.percentile(array[rows, cols], 99) < 15.0  # the town sits on the plain
    urban_plain = array[rows, cols]
    assert urban_plain.min() >= 0.0
    hills = demo["constraints"].query("name.str.contains('山')", engine="python").geometry.union_all()
    inside = hills.representative_point()
    assert array[int((inside.y - top) / transform.e), int((inside.x - left) / transform.a)] > 40.0
    dy, dx = np.gradient(array.astype(float), 30.0)
    assert np.percentile(np.hypot(dx, dy), 99.9) < 1.5  # smooth: no cliffs steeper than ~56°
