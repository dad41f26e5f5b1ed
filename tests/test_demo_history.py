"""The demo's earlier years of firm data and its earlier protection-line version (issue 15's demo).

Firm rows: deterministic, the 2025 rows untouched, valid and consistent credit codes, no firm before it
produced. Lines: the change from the earlier version to the current one is measured here again with
pyproj.Geod on the two layers (not on the generator's pieces) and checked against the design figures
(red +300 / −120 / −80 → balanced; blue −250 / +80 → breach) and against the figures returned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from layers.demo.assemble import build_demo_layers
from layers.demo.history import LEAVERS, build_firm_history, firm_history_summary, with_firm_history
from layers.demo.line_history import build_line_history
from layers.uscc import uscc_problem

SEED = 20251231
TOL_MU = 0.05  # 亩: Geod on the layers vs the generator's own Geod on the pieces
MU_M2 = 10000 / 15


@pytest.fixture(scope="module")
def demo():
    """The demo layers once, a copy of its 2025 firm rows taken before any history is built, and both histories."""
    layers = build_demo_layers(SEED)
    firms_before = layers["enterprises"].copy(deep=True)
    history = build_firm_history(SEED, layers["enterprises"], parcels=layers["parcels"])
    earlier, figures = build_line_history(SEED, layers["protection_lines"], layers["parcels"])
    return layers, firms_before, history, earlier, figures


def _geod_mu(geom: shapely.Geometry) -> float:
    """Ellipsoidal area in 亩 of a DEMO_CRS (EPSG:4549, CGCS2000) geometry: vertices to lon/lat, Geod on CGCS2000."""
    if geom.is_empty:
        return 0.0
    to_geo = pyproj.Transformer.from_crs("EPSG:4549", "EPSG:4490", always_xy=True)
    lonlat = shapely.transform(geom, lambda xy: np.column_stack(to_geo.transform(xy[:, 0], xy[:, 1])))
    return abs(pyproj.Geod(a=6378137.0, f=1 / 298.257222101).geometry_area_perimeter(lonlat)[0]) / MU_M2


def _full_year(history: pd.DataFrame, year: int) -> pd.DataFrame:
    return history[(history["year"] == year).to_numpy() & history["half"].isna().to_numpy()]


# ---- firms ------------------------------------------------------------------------------------------

def test_firm_history_is_deterministic_and_seeded(demo):
    layers, _, history, _, _ = demo
    again = build_firm_history(SEED, layers["enterprises"], parcels=layers["parcels"])
    pd.testing.assert_frame_equal(history.drop(columns="geometry"), again.drop(columns="geometry"))
    assert history.geometry.geom_equals_exact(again.geometry, 0.0).all()
    other = build_firm_history(SEED + 1, layers["enterprises"], parcels=layers["parcels"])
    assert not np.allclose(_full_year(other, 2024)["tax_10k_yuan"].sum(), _full_year(history, 2024)["tax_10k_yuan"].sum())


def test_2025_rows_untouched(demo):
    layers, firms_before, history, _, _ = demo
    pd.testing.assert_frame_equal(layers["enterprises"], firms_before)  # the input is not modified
    # the 2025 rows as generated before issue 15 (a pin: the 黄岩 2022 reproduction stands on them)
    assert len(firms_before) == 6268
    assert firms_before["tax_10k_yuan"].sum() == pytest.approx(1842720.79, abs=0.01)
    assert set(firms_before["year"]) == {2025}
    # the history adds no whole-year 2025 row, and the same columns plus `half`
    assert _full_year(history, 2025).empty
    assert list(history.columns) == [c for c in firms_before.columns if c != "geometry"] + ["half", "geometry"]
    assert set(history.loc[history["year"] == 2025, "half"]) == {"1"}
    assert history.crs == firms_before.crs


def test_codes_are_valid_and_follow_the_firms(demo):
    _, firms, history, _, _ = demo
    assert history["uscc"].map(uscc_problem).isna().all()
    key = history["uscc"] + "/" + history["year"].astype(str) + "/" + history["half"].fillna("-")
    assert not key.duplicated().any()  # one row per firm and period
    same = history[history["uscc"].isin(firms["uscc"])]
    ref = firms.set_index("uscc").loc[same["uscc"]]
    for column in ("name", "industry", "industry_code", "production_start_date", "land_area_mu", "listed"):
        pd.testing.assert_series_equal(same[column].reset_index(drop=True), ref[column].reset_index(drop=True),
                                       check_names=False)
    assert shapely.equals_exact(same.geometry.values, ref.geometry.values, 0.0).all()


def test_firms_that_left(demo):
    layers, firms, history, _, _ = demo
    gone = history[~history["uscc"].isin(firms["uscc"])]
    assert gone["half"].isna().all()
    per_year = gone.groupby("year")["uscc"].nunique()
    assert per_year.to_dict() == {2023: LEAVERS, 2024: LEAVERS}
    assert not gone["name"].isin(firms["name"]).any()
    # each sits on an idle industrial parcel of the current layer, as a tenant with its land stated
    parcels = layers["parcels"]
    hosts = parcels[parcels["land_use_category"].isin(["industrial", "m0"]) & (parcels["supply_status"] == "idle")]
    tree = shapely.STRtree(np.asarray(hosts.geometry.values))
    points = np.asarray(gone.geometry.values)
    assert len(np.unique(tree.query(points, predicate="within")[0])) == len(points)
    assert (gone["land_area_mu"] == gone["leased_in_mu"]).all() and (gone["land_area_mu"] > 0).all()
    summary = firm_history_summary(history, firms)
    assert summary["left"] == sorted(gone["uscc"].unique())
    assert summary["firms_per_year"][2025] == len(firms) and summary["half_year_rows"] == (history["half"] == "1").sum()


def test_whole_layer_keeps_2025_first(demo):
    layers, firms, history, _, _ = demo
    whole = with_firm_history(SEED, layers["enterprises"], layers["parcels"])
    assert len(whole) == len(firms) + len(history)
    pd.testing.assert_frame_equal(whole.iloc[: len(firms)].drop(columns="half"), firms)
    assert whole["half"].iloc[: len(firms)].isna().all() and whole.crs == firms.crs


def test_no_firm_before_it_produced(demo):
    layers, firms, history, _, _ = demo
    start = pd.to_datetime(history["production_start_date"], errors="coerce")
    for year in (2023, 2024):
        rows = _full_year(history, year)
        began = start.loc[rows.index]
        assert (began.dropna() < pd.Timestamp(f"{year}-01-01")).all()
        # and every 2025 firm producing before that year is there
        producing = firms[pd.to_datetime(firms["production_start_date"]) < pd.Timestamp(f"{year}-01-01")]
        assert set(producing["uscc"]) <= set(rows["uscc"])
        # a firm not producing yet is there only once it held land
        idle = rows[began.isna().to_numpy()]
        owned = layers["parcels"].dropna(subset=["owner_uscc"])
        first = pd.to_datetime(owned["supply_date"]).groupby(owned["owner_uscc"]).min()
        assert (idle["uscc"].map(first) < pd.Timestamp(f"{year}-01-01")).all()
    n23, n24 = len(_full_year(history, 2023)), len(_full_year(history, 2024))
    assert n23 < n24 < len(firms) + LEAVERS  # the district grows


def test_growth_and_scale_are_plausible(demo):
    _, firms, history, _, _ = demo
    y24 = _full_year(history, 2024).set_index("uscc")
    revenue_24 = y24["revenue_10k_yuan"]
    revenue_25 = firms.set_index("uscc")["revenue_10k_yuan"].reindex(revenue_24.index)
    live = revenue_25.notna() & (revenue_24 > 0)
    growth = revenue_25[live] / revenue_24[live]
    assert 1.05 < growth.median() < 1.11  # the 8 % district trend
    assert growth.between(1 / 1.3 - 0.01, 1.6 + 0.01).all()  # the clip of the yearly growth
    above = history["revenue_10k_yuan"] >= 2000.0
    full = history["half"].isna()  # half-year rows keep the year's 规上 flag
    assert (history.loc[full, "above_scale"] == above[full]).all()  # 规上 follows revenue in every year
    assert history.loc[full & ~above, "profit_10k_yuan"].isna().all()
    assert history.loc[full & above, "profit_10k_yuan"].notna().all()


def test_half_year_rows(demo):
    _, firms, history, _, _ = demo
    half = history[(history["half"] == "1") & (history["year"] == 2025)].set_index("uscc")
    expected = firms[firms["above_scale"] & (pd.to_datetime(firms["production_start_date"]) < pd.Timestamp("2025-07-01"))]
    assert set(half.index) == set(expected["uscc"])
    share = half["revenue_10k_yuan"] / firms.set_index("uscc").loc[half.index, "revenue_10k_yuan"]
    assert 0.48 < share.median() < 0.52
    assert share.between(0.4 * 0.9, 0.6 * 1.1).all()
    assert (half["employees"] == firms.set_index("uscc").loc[half.index, "employees"]).all()  # a head count, not a flow
    # the same half of 2024 for the 规上 firms of 2024 producing before July 2024, half their 2024 flows
    y24 = _full_year(history, 2024)
    earlier = history[(history["half"] == "1") & (history["year"] == 2024)].set_index("uscc")
    started = pd.to_datetime(y24["production_start_date"]) < pd.Timestamp("2024-07-01")
    assert set(earlier.index) == set(y24.loc[y24["above_scale"].astype(bool) & started, "uscc"])
    share = earlier["revenue_10k_yuan"] / y24.set_index("uscc").loc[earlier.index, "revenue_10k_yuan"]
    assert 0.48 < share.median() < 0.52


# ---- protection lines ----------------------------------------------------------------------------

def test_line_history_is_deterministic(demo):
    layers, _, _, earlier, figures = demo
    again, figures_again = build_line_history(SEED, layers["protection_lines"], layers["parcels"])
    assert shapely.equals_exact(earlier.geometry.values, again.geometry.values, 0.0).all()
    assert figures_again["by_level"] == figures["by_level"]
    assert figures_again["new_encroachments"] == figures["new_encroachments"]


def test_earlier_version_has_the_current_layout(demo):
    layers, _, _, earlier, figures = demo
    current = layers["protection_lines"]
    pd.testing.assert_frame_equal(earlier.drop(columns="geometry"), current.drop(columns="geometry"))
    assert earlier.crs == current.crs
    assert earlier.is_valid.all() and (earlier.geom_type == "Polygon").all()
    changed = set(current.loc[~shapely.equals(current.geometry.values, earlier.geometry.values), "line_id"])
    involved = {v for p in figures["pieces"] for v in (p["line_before"], p["line_after"]) if v}
    assert changed == involved and len(involved) >= 4
    assert figures["valid_from"] == {"earlier": "2022-06-30", "current": "2024-06-30"}


def test_known_ledger_recomputed_with_geod(demo):
    layers, _, _, earlier, figures = demo
    current = layers["protection_lines"]
    for level, removed_design, added_design in (("red", 120 + 80, 300), ("blue", 250, 80)):
        before = shapely.union_all(earlier.geometry.values[(earlier["level"] == level).to_numpy()])
        after = shapely.union_all(current.geometry.values[(current["level"] == level).to_numpy()])
        removed, added = _geod_mu(shapely.difference(before, after)), _geod_mu(shapely.difference(after, before))
        known = figures["by_level"][level]
        assert removed == pytest.approx(known["removed_mu"], abs=TOL_MU)
        assert added == pytest.approx(known["added_mu"], abs=TOL_MU)
        assert _geod_mu(before) == pytest.approx(known["before_mu"], abs=TOL_MU)
        assert _geod_mu(after) == pytest.approx(known["after_mu"], abs=TOL_MU)
        # the design: pieces cut to these sizes (the red addition may grow by whole parcels it takes in)
        assert removed == pytest.approx(removed_design, abs=0.5)
        assert added_design - 0.5 <= added <= added_design + 60
    red, blue = figures["by_level"]["red"], figures["by_level"]["blue"]
    assert red["added_mu"] >= red["removed_mu"] and red["verdict"] == "balanced" and red["shortfall_mu"] == 0
    assert blue["added_mu"] < blue["removed_mu"] and blue["verdict"] == "unbalanced"
    assert blue["shortfall_same_level_mu"] == pytest.approx(250 - 80, abs=0.5)
    surplus = red["added_mu"] - red["removed_mu"]  # red's surplus may make good blue removals
    assert blue["from_stricter_mu"] == pytest.approx(surplus, abs=0.02)
    assert blue["shortfall_mu"] == pytest.approx(170 - surplus, abs=0.5)
    assert blue["shortfall_mu"] > 0  # short even when red's surplus counts
    total_before, total_after = _geod_mu(shapely.union_all(earlier.geometry.values)), _geod_mu(
        shapely.union_all(current.geometry.values))
    assert total_after - total_before == pytest.approx(figures["total"]["net_mu"], abs=TOL_MU)
    assert figures["total"]["not_decreasing"] is False and total_after < total_before


def test_each_piece_moved_where_it_says(demo):
    layers, _, _, earlier, figures = demo
    old = dict(zip(earlier["line_id"], earlier.geometry.values))
    new = dict(zip(layers["protection_lines"]["line_id"], layers["protection_lines"].geometry.values))
    by_change = {p["change"]: p for p in figures["pieces"]}
    ext, red_cut = by_change["red_extended"], by_change["red_reduced"]
    swap, blue_cut = by_change["red_to_blue"], by_change["blue_reduced"]
    line = ext["line_after"]
    assert _geod_mu(shapely.difference(new[line], old[line])) == pytest.approx(ext["area_mu"], abs=TOL_MU)
    line = red_cut["line_before"]
    assert _geod_mu(shapely.difference(old[line], new[line])) == pytest.approx(red_cut["area_mu"], abs=TOL_MU)
    assert _geod_mu(shapely.intersection(old[swap["line_before"]], new[swap["line_after"]])) == pytest.approx(
        swap["area_mu"], abs=TOL_MU)
    line = blue_cut["line_before"]
    assert _geod_mu(shapely.difference(old[line], new[line])) == pytest.approx(blue_cut["area_mu"], abs=TOL_MU)
    assert swap["area_mu"] == pytest.approx(80, abs=0.5)
    levels = dict(zip(earlier["line_id"], earlier["level"]))
    assert levels[swap["line_before"]] == "red" and levels[swap["line_after"]] == "blue"
    assert all(p["parcel_ids"] for p in figures["pieces"])  # every piece touches parcels


def test_new_encroachment(demo):
    layers, _, _, earlier, figures = demo
    parcels = layers["parcels"].set_index("parcel_id")
    red_before = shapely.union_all(earlier.geometry.values[(earlier["level"] == "red").to_numpy()])
    current = layers["protection_lines"]
    red_after = shapely.union_all(current.geometry.values[(current["level"] == "red").to_numpy()])
    assert len(figures["new_encroachments"]) >= 1
    for hit in figures["new_encroachments"]:
        parcel = parcels.loc[hit["parcel_id"]]
        assert parcel["land_use_category"] in ("residential", "commercial")
        assert shapely.area(shapely.intersection(parcel.geometry, red_before)) <= 1.0
        inside = shapely.intersection(parcel.geometry, red_after)
        assert _geod_mu(inside) == pytest.approx(hit["area_mu"], abs=0.01) and hit["area_mu"] > 1.0
    # the new ones are those of the extended line, inside the piece that was added
    ext = next(p for p in figures["pieces"] if p["change"] == "red_extended")
    assert {h["line_id"] for h in figures["new_encroachments"]} == {ext["line_after"]}
    assert {h["parcel_id"] for h in figures["new_encroachments"]} <= set(ext["parcel_ids"])
