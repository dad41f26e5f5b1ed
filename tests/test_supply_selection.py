"""供地分析 selections are parcel ids, not row positions; the map draws exactly the listed rows; an empty
filter says so; the unit filter zooms to the unit; the selection exports as GeoPackage and GBK Shapefile.

Expectations are independent of the page's code: list membership from the parcels layer's status and
dates, areas from pyproj.Geod on each parcel (CGCS2000 ellipsoid), unit bounds from the unit's own
layer, Shapefile field names read from the DBF header bytes.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest

from tests.apphelp import (
    choose_option,
    component_data,
    map_frame,
    open_page,
    page_app,
    screenshot,
    tick_list_frame,
    wait_for_app,
    wait_for_map_drawn,
)

MU = 10000 / 15
GEOD = pyproj.Geod(a=6378137.0, rf=298.257222101)  # CGCS2000
CATEGORY = {"unsupplied": "批而未供", "idle": "闲置土地", "idle_by_date": "逾期未开工"}


# --------------------------------------------------------------------------- independent expectations


@pytest.fixture(scope="module")
def layer(demo_project) -> gpd.GeoDataFrame:
    """The parcels layer with each parcel's list (None when on none) and, for listed ones, geodesic area in 亩;
    indexed by parcel id."""
    parcels = demo_project.read_layer("parcels")
    when = pd.Timestamp(demo_project.config.project.evaluation_date)
    days = demo_project.config.supply.idle_after_days
    status = parcels["supply_status"]
    agreed = pd.to_datetime(parcels["agreed_start_date"], errors="coerce")
    late = (status == "supplied") & (agreed <= when - pd.Timedelta(days=days))
    category = np.select([status == "unsupplied", status == "idle", late], ["unsupplied", "idle", "idle_by_date"], None)
    listed = category != None  # noqa: E711 (element-wise)
    area = np.full(len(parcels), np.nan)
    area[listed] = [abs(GEOD.geometry_area_perimeter(g)[0]) / MU for g in parcels[listed].to_crs("EPSG:4490").geometry]
    out = parcels.assign(category=category, geo_mu=area)
    out.index = pd.Index(out["parcel_id"].astype(str).to_numpy())
    return out


def mu_of(layer: gpd.GeoDataFrame, ids) -> float:
    return float(layer.loc[list(ids), "geo_mu"].sum())


def caption_mu(text: str) -> float:
    """The 亩 of a selection summary "已选 N 宗，X 亩…"."""
    found = re.search(r"已选 [\d,]+ 宗，([\d,.]+) 亩", text)
    assert found, text
    return float(found.group(1).replace(",", ""))


# --------------------------------------------------------------------------- AppTest helpers


@pytest.fixture
def app(demo_project_whole_lists, monkeypatch):
    """The page on the demo with the whole list on one page (the tests read every listed row)."""
    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project_whole_lists.root))
    at = page_app("supply_page").run()
    assert not at.exception
    return at


@pytest.fixture
def paged_app(demo_project, monkeypatch):
    """The page on the demo as shipped: the list a page at a time."""
    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    at = page_app("supply_page").run()
    assert not at.exception
    return at


def table(at) -> pd.DataFrame:
    return tick_list_frame(at)


def tick(at, rows: list[int]) -> None:
    """What a click on a box sends: the ids of the page's rows and those ticked (`rows`, positions on the page)."""
    ids = component_data(at, "landpark_tick_list")["ids"]
    n = float(at.session_state["supply_tick_applied"]) + 1 if "supply_tick_applied" in at.session_state else 1.0
    at.session_state["supply_list"] = {"ticks": {"page": ids, "ticked": [ids[r] for r in rows], "n": n}}
    at.run()
    assert not at.exception


def ticked_ids(at) -> list[str]:
    """The parcels of the page the list shows ticked (the ticks Python sends back with every run)."""
    return component_data(at, "landpark_tick_list_state")["selected"]


def summary(at) -> str:
    found = [c.value for c in at.caption if c.value.startswith("已选 ")]
    assert len(found) == 1, [c.value for c in at.caption]
    return found[0]


def map_args(at) -> dict:
    maps = [c for c in at.get("component_instance") if c.proto.component_name.endswith("st_folium")]
    assert len(maps) == 1
    return json.loads(maps[0].proto.json_args)


def overlay(at) -> dict:
    """This run's overlay of the map (ui.map_overlay): selection layers, list masks, view."""
    data = component_data(at, "landpark_map_overlay")
    assert data is not None and data["channel"] == "supply-map", "the run sends no overlay"
    return data["overlay"]


def drawn_ids(at) -> dict[str, set[str]]:
    """Parcel ids each list layer of the page's map shows: its published GeoJSON (every listed parcel, in order),
    read where the map fetches it, kept where this run's mask (the overlay's `masks`) says "1"."""
    from maps.assets import static_dir

    masks = overlay(at)["masks"]
    out: dict[str, set[str]] = {}
    names = re.findall(r"generated/(supply-[\w-]+?\.geojson)", map_args(at)["script"])
    assert names or '"parcel_id"' not in map_args(at)["script"], "the list layers are inlined, not published"
    for name in names:
        cat = next(c for c in sorted(CATEGORY, key=len, reverse=True) if name.startswith(f"supply-{c}-"))
        features = json.loads((static_dir() / "generated" / name).read_text(encoding="utf-8"))["features"]
        assert len(masks[cat]) == -(-len(features) // 4)  # four parcels to a hexadecimal digit
        bits = [int(digit, 16) >> (3 - k) & 1 for digit in masks[cat] for k in range(4)]
        shown = {f["properties"]["parcel_id"] for f, bit in zip(features, bits) if bit}
        if shown:
            out.setdefault(cat, set()).update(shown)
    return out


def selected_on_map(at) -> set[str]:
    return {f["properties"]["parcel_id"] for layer in overlay(at)["layers"] for f in layer["data"]["features"]}


# --------------------------------------------------------------------------- selection: ids, not rows


def test_a_tick_changes_only_the_ids_of_its_page():
    from ui.tick_list import read_event, ticks_after

    event = read_event({"page": ["A", "B", "C"], "ticked": ["A", "C", "Z"], "n": 3})
    assert event is not None and event.ticked == {"A", "C"} and event.n == 3.0  # Z is not on the page: ignored
    assert ticks_after({"X"}, event) == {"X", "A", "C"}                      # X is on another page: it stays
    assert ticks_after({"A", "B", "X"}, read_event({"page": ["A", "B"], "ticked": [], "n": 4})) == {"X"}
    assert read_event(None) is None and read_event({"page": ["A"]}) is None    # no tick yet, or a malformed one


def test_filter_and_sort_helpers():
    from analysis.supply_lists import filter_lists, sort_lists

    lists = pd.DataFrame({
        "parcel_id": ["A", "B", "C", "D", "E"],
        "category": ["idle", "unsupplied", "idle_by_date", "unsupplied", "idle"],
        "area_mu": [5.0, 1.0, 3.0, 1.0, 9.0],
        "years_since_approval": [np.nan, 2.0, np.nan, 4.0, np.nan],
        "days_since_agreed_start": [400.0, np.nan, 900.0, np.nan, np.nan],
        "units": ["园区甲、保护线丙", "园区甲乙", "", "园区甲", None],
    })
    assert filter_lists(lists, ["idle"])["parcel_id"].tolist() == ["A", "E"]
    assert filter_lists(lists, unit="园区甲")["parcel_id"].tolist() == ["A", "D"]  # a whole name, not a prefix
    assert filter_lists(lists, min_mu=3.0)["parcel_id"].tolist() == ["A", "C", "E"]
    assert filter_lists(lists, [])["parcel_id"].tolist() == []
    order = {o: sort_lists(lists, o)["parcel_id"].tolist() for o in
             ("category", "area_desc", "area_asc", "parcel_id", "years_desc", "days_desc")}
    assert order == {"category": ["B", "D", "E", "A", "C"], "area_desc": ["E", "A", "C", "B", "D"],
                     "area_asc": ["B", "D", "C", "A", "E"], "parcel_id": ["A", "B", "C", "D", "E"],
                     "years_desc": ["D", "B", "E", "A", "C"], "days_desc": ["C", "A", "E", "B", "D"]}
    with pytest.raises(ValueError, match="unknown order"):
        sort_lists(lists, "colour")


def test_selection_survives_filter_and_sort(app, layer):
    at = app
    first = table(at)
    picked = [3, 5]  # two large 批而未供 parcels (the default order: by list, largest first)
    chosen = first["宗地编号"].iloc[picked].tolist()
    assert set(first["类别"].iloc[picked]) == {"批而未供"}
    tick(at, picked)
    assert set(at.session_state["supply_selected_ids"]) == set(chosen)
    assert caption_mu(summary(at)) == pytest.approx(mu_of(layer, chosen), abs=0.051)

    # Two lists, smallest first: the two parcels sit on other rows, and stay the ones selected.
    at.multiselect(key="supply_filter_category").set_value(["unsupplied", "idle"])
    at.selectbox(key="supply_sort").set_value("area_asc")
    at.run()
    assert not at.exception
    shown = table(at)
    assert set(shown["类别"]) == {"批而未供", "闲置土地"}
    assert shown["面积（亩）"].is_monotonic_increasing
    assert not set(shown["宗地编号"].iloc[picked]) & set(chosen)  # rows 3 and 5 hold other parcels now
    assert sorted(ticked_ids(at)) == sorted(chosen)
    assert set(at.session_state["supply_selected_ids"]) == set(chosen)
    text = summary(at)
    assert text.startswith("已选 2 宗") and "不在当前筛选结果中" not in text
    assert caption_mu(text) == pytest.approx(mu_of(layer, chosen), abs=0.051)
    assert selected_on_map(at) == set(chosen)

    # A tick on the new order adds to the same selection.
    extra = shown["宗地编号"].iloc[0]
    on_page = table(at)["宗地编号"].tolist()
    tick(at, sorted([on_page.index(p) for p in ticked_ids(at)] + [0]))
    assert set(at.session_state["supply_selected_ids"]) == {*chosen, extra}
    assert caption_mu(summary(at)) == pytest.approx(mu_of(layer, [*chosen, extra]), abs=0.051)

    # 逾期未开工 only: all three hidden, still selected and summed, none ticked in the table.
    at.multiselect(key="supply_filter_category").set_value(["idle_by_date"])
    at.run()
    text = summary(at)
    assert text.startswith("已选 3 宗") and "其中 3 宗不在当前筛选结果中" in text
    assert caption_mu(text) == pytest.approx(mu_of(layer, [*chosen, extra]), abs=0.051)
    assert ticked_ids(at) == []
    assert selected_on_map(at) == {*chosen, extra}  # outlined, dashed, on the map

    # Back to every list in the default order: the three are ticked where they now are.
    at.multiselect(key="supply_filter_category").set_value(list(CATEGORY))
    at.selectbox(key="supply_sort").set_value("category")
    at.run()
    assert sorted(ticked_ids(at)) == sorted([*chosen, extra])
    at.button(key="supply_clear_selection").click().run()
    assert not at.exception
    assert set(at.session_state["supply_selected_ids"]) == set() and ticked_ids(at) == []
    assert not [c for c in at.caption if c.value.startswith("已选 ")]


# --------------------------------------------------------------------------- the map follows the list


def test_map_draws_only_the_filtered_rows(app, layer):
    at = app
    everything = drawn_ids(at)
    for cat in CATEGORY:
        assert everything[cat] == set(layer.index[layer["category"] == cat])
    at.multiselect(key="supply_filter_category").set_value(["unsupplied"])
    at.run()
    assert not at.exception
    drawn = drawn_ids(at)
    unsupplied = set(layer.index[layer["category"] == "unsupplied"])
    assert drawn == {"unsupplied": unsupplied}
    assert set(table(at)["宗地编号"]) == unsupplied
    # The minimum area narrows the map as it narrows the table.
    at.number_input(key="supply_filter_min_mu").set_value(50.0).run()
    big = {p for p in unsupplied if layer.loc[p, "geo_mu"] >= 50.0}
    assert drawn_ids(at) == {"unsupplied": big} == {"unsupplied": set(table(at)["宗地编号"])}


def test_a_tick_or_a_filter_changes_only_the_maps_overlay(app):
    """One base map for every tick, filter and sort: the map component's arguments stay the same (Streamlit then
    sends a reference to it); a run's own element carries the overlay: the selection and which parcels to show."""
    at = app
    before, first = map_args(at), overlay(at)
    tick(at, [0])
    assert map_args(at) == before
    ticked = overlay(at)
    assert ticked["masks"] == first["masks"] and selected_on_map(at) == {table(at)["宗地编号"].iloc[0]}
    at.multiselect(key="supply_filter_category").set_value(["idle"]).run()
    assert map_args(at) == before
    assert set(drawn_ids(at)) == {"idle"}
    assert len(json.dumps(ticked, ensure_ascii=False).encode("utf-8")) < 50_000  # the data travel once, as files


def test_a_tick_leaves_the_list_element_as_it_was(paged_app):
    """A tick sends the list's element again unchanged (Streamlit then sends a reference to the copy the browser
    keeps); the ticks travel in a small element of their own."""
    at = paged_app
    rows = component_data(at, "landpark_tick_list")
    assert component_data(at, "landpark_tick_list_state")["selected"] == []
    tick(at, [0, 2])
    assert component_data(at, "landpark_tick_list") == rows
    state = component_data(at, "landpark_tick_list_state")
    assert state["selected"] == [rows["ids"][0], rows["ids"][2]] and state["applied"] == 1.0
    assert len(json.dumps(state, ensure_ascii=False).encode("utf-8")) < 2_000


def test_the_list_is_paged_and_ticks_stay_with_their_parcels_across_pages(paged_app, demo_project, layer):
    """The list a page at a time ([app.supply] list_page_rows); the map shows every listed parcel; a tick on one
    page stays when another is shown and is shown again on its page; a new filter starts at page 1."""
    from ui.supply_page import page_count

    at = paged_app
    per_page = demo_project.config.app.supply.list_page_rows
    listed = layer[layer["category"].notna()]
    assert len(listed) > 2 * per_page  # the demo's lists fill several pages
    first = table(at)
    assert len(first) == per_page
    assert at.number_input(key="supply_list_page").value == 1
    assert set().union(*drawn_ids(at).values()) == set(listed.index)  # every listed parcel on the map
    tick(at, [0])
    on_first = first["宗地编号"].iloc[0]
    at.number_input(key="supply_list_page").set_value(2).run()
    assert not at.exception
    second = table(at)
    assert len(second) == per_page and not set(second["宗地编号"]) & set(first["宗地编号"])
    assert summary(at).startswith("已选 1 宗") and ticked_ids(at) == []
    tick(at, [0])
    assert summary(at).startswith("已选 2 宗")
    at.number_input(key="supply_list_page").set_value(1).run()
    assert ticked_ids(at) == [on_first]
    assert summary(at).startswith("已选 2 宗")
    at.number_input(key="supply_filter_min_mu").set_value(1.0).run()  # a new list: back to its first page
    assert at.number_input(key="supply_list_page").value == 1
    assert page_count(0, per_page) == 1 and page_count(per_page, per_page) == 1 and page_count(per_page + 1, per_page) == 2


def test_map_plan_lists_exactly_the_shown_rows(demo_inputs, demo_evaluation):
    from analysis.supply_lists import filter_lists, land_lists
    from ui.supply_page import map_plan

    inputs, ev = demo_inputs, demo_evaluation
    lists = land_lists(inputs.parcels, inputs.units, ev.parcel_flags, inputs.approvals, inputs.config)
    shown = filter_lists(lists, ["unsupplied"])
    hidden = lists.loc[lists["category"] == "idle", "parcel_id"].iloc[0]
    plan = map_plan(lists, shown, {hidden})
    assert plan.drawn["idle"] == plan.drawn["idle_by_date"] == ()
    assert set(plan.drawn["unsupplied"]) == set(shown["parcel_id"])
    assert plan.selected == () and plan.hidden == (hidden,) and plan.focus == "district" and plan.bounds is None


# --------------------------------------------------------------------------- an empty filter says so


def test_the_selection_view_from_kept_parcel_bounds_equals_the_reprojected_parcels(lists):
    """The page zooms to the selection with the parcels' lon/lat bounds kept once (no reprojection per run): the
    same view as reprojecting the selected parcels."""
    from ui.supply_page import map_plan

    chosen = set(lists["parcel_id"].iloc[[0, 5, 17]])
    lonlat = lists[["parcel_id", "geometry"]].to_crs(4326)
    kept = pd.DataFrame(lonlat.geometry.bounds.to_numpy(), columns=["minx", "miny", "maxx", "maxy"],
                        index=pd.Index(lonlat["parcel_id"].astype(str)))
    direct = map_plan(lists, lists, chosen)
    with_kept = map_plan(lists, lists, chosen, parcel_bounds=kept)
    expected = tuple(lists[lists["parcel_id"].isin(chosen)].to_crs(4326).total_bounds)
    assert direct.focus == with_kept.focus == "selection"
    np.testing.assert_allclose(with_kept.bounds, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(direct.bounds, expected, rtol=0, atol=1e-12)


def test_a_filter_with_no_rows_says_so(app):
    at = app
    at.number_input(key="supply_filter_min_mu").set_value(1e6).run()
    assert not at.exception
    assert "没有符合筛选条件的宗地。" in [i.value for i in at.info]
    assert component_data(at, "landpark_tick_list") is None
    assert drawn_ids(at) == {}


def test_a_filter_with_no_rows_says_so_in_english(demo_project, monkeypatch):
    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    # One run only: AppTest formats a selectbox's value outside the script, where the language is zh.
    at = page_app("supply_page", session={"lang": "en", "supply_filter_min_mu": 1e6}).run()
    assert not at.exception
    assert "No parcels match the filters." in [i.value for i in at.info]


# --------------------------------------------------------------------------- the unit filter zooms


def test_unit_filter_zooms_to_the_unit(app, demo_project, demo_inputs, lists):
    from analysis.supply_lists import filter_lists
    from maps.overlays import view_for_bounds
    from ui.supply_page import map_plan, unit_bounds

    name = "滨海智造园区"
    parks = demo_project.read_layer("parks")
    expected = tuple(parks[parks["name"] == name].to_crs("EPSG:4326").total_bounds)
    np.testing.assert_allclose(unit_bounds(demo_inputs.units, name), expected, atol=1e-9)
    assert unit_bounds(demo_inputs.units, "no such unit") is None
    plan = map_plan(lists, filter_lists(lists, unit=name), set(), units=demo_inputs.units, unit=name)
    assert plan.focus == "unit"
    np.testing.assert_allclose(plan.bounds, expected, atol=1e-9)

    at = app
    at.selectbox(key="supply_filter_unit").set_value(name).run()
    assert not at.exception
    settings = demo_project.config.app.supply
    centre, zoom = view_for_bounds(expected, settings.map_width_px, settings.map_height_px,
                                   max_zoom=settings.selection_zoom_max, padding_px=settings.selection_padding_px)
    view = overlay(at)["view"]
    assert view["zoom"] == zoom
    np.testing.assert_allclose(view["center"], centre, atol=1e-9)
    # Only that unit's parcels are drawn, as listed.
    assert set().union(*drawn_ids(at).values()) == set(table(at)["宗地编号"])
    # A selected parcel shown in the list takes the view over (zoom to it).
    tick(at, [0])
    assert overlay(at)["view"]["zoom"] >= zoom


# --------------------------------------------------------------------------- export


@pytest.fixture(scope="module")
def lists(demo_inputs, demo_evaluation):
    from analysis.supply_lists import land_lists

    inputs = demo_inputs
    return land_lists(inputs.parcels, inputs.units, demo_evaluation.parcel_flags, inputs.approvals, inputs.config)


@pytest.fixture(scope="module")
def export_ids(lists) -> list[str]:
    """Two parcels of each list; the idle ones have an owner (credit code)."""
    ids = []
    for cat in CATEGORY:
        mask = lists["category"] == cat
        if cat != "unsupplied":
            mask &= lists["owner_uscc"].notna()
        ids += lists.loc[mask, "parcel_id"].iloc[:2].tolist()
    return ids


SECRET = 98765.4321  # a firm figure planted in the frame: it must not reach any file
FIRM_COLUMNS = ("tax_10k_yuan", "tax_per_mu", "value_added_10k_yuan", "output_10k_yuan", "owner_score", "owner_class")


def with_firm_figures(lists: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The list joined with firm figures, as a careless caller might pass it."""
    out = lists.copy()
    for c in FIRM_COLUMNS:
        out[c] = SECRET if c != "owner_class" else "A"
    return out


def dbf_field_names(raw: bytes, encoding: str) -> list[str]:
    """Field names straight from a DBF header (32-byte descriptors after the 32-byte header, name in 11 bytes)."""
    header_len = struct.unpack("<H", raw[8:10])[0]
    names = []
    for pos in range(32, header_len - 1, 32):
        names.append(raw[pos:pos + 11].split(b"\x00")[0].decode(encoding))
    return names


def test_export_gpkg_round_trip(lists, export_ids, layer, demo_inputs, tmp_path):
    from reports.gpkg import read_aliases
    from reports.selection import FIELDS, LAYER, export_selection

    out = export_selection(with_firm_figures(lists), export_ids, tmp_path / "sel.gpkg", fmt="gpkg")
    assert out == tmp_path / "sel.gpkg"
    back = pyogrio.read_dataframe(out, layer=LAYER)
    assert sorted(back["parcel_id"]) == sorted(export_ids)
    assert back.crs.equals(lists.crs) and lists.crs.to_epsg() == 4549  # the project's CGCS2000 GK zone
    back = back.set_index("parcel_id")
    src = lists.set_index("parcel_id").loc[back.index]
    np.testing.assert_allclose(back["area_mu"], src["area_mu"], rtol=1e-12)
    np.testing.assert_allclose(back["area_mu"], layer.loc[back.index, "geo_mu"], rtol=1e-5)
    np.testing.assert_allclose(back.geometry.area, src.geometry.area, rtol=1e-9)
    assert back.loc[export_ids[0], "category_name"] == "批而未供"
    owned = back.loc[export_ids[2]]  # an idle parcel: its owner's credit code comes from the parcels layer
    assert owned["owner_uscc"] == layer.loc[export_ids[2], "owner_uscc"]
    aliases = read_aliases(out, LAYER)
    assert aliases["parcel_id"] == "宗地编号" and aliases["area_mu"] == "面积（亩）"
    assert aliases["owner_uscc"] == "权利人统一社会信用代码" and aliases["unit_name"] == "所在单元"
    assert set(back.columns) - {"geometry"} == {f.name for f in FIELDS} - {"parcel_id"}
    assert not set(FIRM_COLUMNS) & set(back.columns)
    raw = out.read_bytes()
    assert struct.pack("<d", SECRET) not in raw and b"98765" not in raw
    # The owners' own tax and output figures are nowhere either (as stored doubles or as text).
    firms = demo_inputs.enterprises
    owners = set(back["owner_uscc"].dropna())
    figures = firms.loc[firms["uscc"].isin(owners), ["tax_10k_yuan", "value_added_10k_yuan", "output_10k_yuan"]]
    values = [float(v) for v in pd.to_numeric(figures.stack(), errors="coerce").dropna() if float(v) != round(float(v))]
    assert values, "the exported owners have no firm figures to look for"
    # as text: the figure as a number of its own, not digits inside another (gpkg_contents' write time
    # "…T14:04:00.480Z" holds "0.48", CI found)
    assert not [v for v in values if struct.pack("<d", v) in raw
                or re.search(rb"(?<![0-9.:])" + re.escape(repr(v).encode()) + rb"(?![0-9])", raw)]


def test_export_gpkg_in_lonlat(lists, export_ids, layer, tmp_path):
    from reports.selection import LAYER, LONLAT_CRS, export_selection

    out = export_selection(lists, export_ids, tmp_path / "lonlat.gpkg", fmt="gpkg", crs=LONLAT_CRS)
    back = pyogrio.read_dataframe(out, layer=LAYER).set_index("parcel_id")
    assert back.crs.to_epsg() == 4490
    geodesic = [abs(GEOD.geometry_area_perimeter(g)[0]) / MU for g in back.geometry]
    np.testing.assert_allclose(geodesic, back["area_mu"], rtol=1e-5)
    np.testing.assert_allclose(back["area_mu"], lists.set_index("parcel_id").loc[back.index, "area_mu"], rtol=1e-12)


def test_export_gbk_shapefile_round_trip(lists, export_ids, layer, tmp_path):
    from reports.selection import FIELDS, LONLAT_CRS, export_selection

    out = export_selection(with_firm_figures(lists), export_ids, tmp_path / "sel.zip", fmt="shp", crs=LONLAT_CRS)
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert names == {f"selected_parcels.{e}" for e in ("shp", "shx", "dbf", "prj", "cpg")} | {"README.txt"}
        assert archive.read("selected_parcels.cpg").strip() == b"GBK"
        assert "GCS_China_Geodetic_Coordinate_System_2000" in archive.read("selected_parcels.prj").decode("ascii")
        dbf = archive.read("selected_parcels.dbf")
        readme = archive.read("README.txt").decode("utf-8-sig")
    fields = dbf_field_names(dbf, "gbk")
    assert fields == [f.shp_zh for f in FIELDS]
    assert all(len(n.encode("gbk")) <= 10 for n in fields)
    assert "宗地编号".encode("gbk") in dbf and "宗地编号".encode() not in dbf
    back = pyogrio.read_dataframe(f"/vsizip/{out}/selected_parcels.shp", encoding="gbk").set_index("宗地编号")
    assert sorted(back.index) == sorted(export_ids)
    assert back.crs.to_epsg() == 4490
    src = lists.set_index("parcel_id").loc[back.index]
    np.testing.assert_allclose(back["面积亩"], src["area_mu"], rtol=1e-9)
    geodesic = [abs(GEOD.geometry_area_perimeter(g)[0]) / MU for g in back.geometry]
    np.testing.assert_allclose(geodesic, layer.loc[back.index, "geo_mu"], rtol=1e-6)
    assert back["所在单元"].tolist() == src["unit_name"].tolist()
    assert back["类别"].tolist() == [CATEGORY[c] for c in src["category"]]
    assert [v if isinstance(v, str) else None for v in back["信用代码"]] == \
        [v if isinstance(v, str) else None for v in src["owner_uscc"]]
    for f in FIELDS:
        assert f"{f.shp_zh} | {f.name} |" in readme
    assert b"98765" not in dbf and not set(FIRM_COLUMNS) & set(back.columns)


def test_export_refuses_unknown_ids_and_leaves_the_old_file(lists, export_ids, tmp_path):
    from reports.selection import export_selection
    from spatial.errors import UsageError

    out = tmp_path / "keep.gpkg"
    export_selection(lists, export_ids[:1], out, fmt="gpkg")
    before = out.read_bytes()
    with pytest.raises(UsageError, match="NOPE"):
        export_selection(lists, [export_ids[0], "NOPE"], out, fmt="gpkg")
    with pytest.raises(UsageError):
        export_selection(lists, [], out, fmt="shp")
    with pytest.raises(UsageError):
        export_selection(lists, export_ids, out, fmt="kml")
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.gpkg"]  # no temporary left behind


def test_export_english_shapefile_names(lists, export_ids, tmp_path):
    from reports.selection import FIELDS, export_selection

    out = export_selection(lists, export_ids, tmp_path / "en.zip", fmt="shp", lang="en")
    with zipfile.ZipFile(out) as archive:
        fields = dbf_field_names(archive.read("selected_parcels.dbf"), "ascii")
    assert fields == [f.shp_en for f in FIELDS]


# --------------------------------------------------------------------------- Chromium


def grid_click(page, row: int) -> None:
    """Click the tick box of a row of the list's page."""
    box = page.locator(".st-key-supply_list tbody input").nth(row)
    box.scroll_into_view_if_needed()
    box.click()


def summary_text(page, starts: str) -> str:
    caption = page.get_by_text(re.compile("^" + re.escape(starts)))
    caption.wait_for(timeout=60_000)
    wait_for_app(page)
    return caption.inner_text()


def map_selection(page) -> set[str]:
    frame = map_frame(page, "() => !!window.landparkOverlayGroup && window.landparkOverlayGroup.getLayers().length > 0")
    return set(frame.evaluate("""() => { const ids = [];
        [window.landparkOverlayGroup].forEach((g) => g.eachLayer(function visit(l) {
            if (l.feature) { ids.push(l.feature.properties.parcel_id); } else if (l.eachLayer) { l.eachLayer(visit); } }));
        return ids; }"""))


@pytest.mark.browser
def test_ticks_follow_parcels_through_filter_and_sort_in_chromium(app_server, browser_page, layer, tmp_path):
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_page(page, app_server, "supply")
    frame = map_frame(page, "() => document.querySelectorAll('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path')"
                            ".length > 0")
    wait_for_map_drawn(frame)
    listed = layer[layer["category"].notna()]
    # The default order: 批而未供 first, largest first: rows 0 and 1 are its two largest parcels.
    top = listed[listed["category"] == "unsupplied"].sort_values("geo_mu", ascending=False).index[:2].tolist()
    grid_click(page, 0)
    summary_text(page, "已选 1 宗")
    grid_click(page, 1)
    text = summary_text(page, "已选 2 宗")
    assert caption_mu(text) == pytest.approx(mu_of(layer, top), abs=0.051)

    # Smallest first: rows 0 and 1 now hold the two smallest parcels; the selection must not move to them.
    choose_option(page, "supply_sort", "面积从小到大")
    wait_for_app(page)
    text = summary_text(page, "已选 2 宗")
    assert caption_mu(text) == pytest.approx(mu_of(layer, top), abs=0.051)
    assert map_selection(page) == set(top)
    # Ticking the new first row adds the smallest parcel: the grid's ticks sit on the selected parcels'
    # new rows (a stale tick on row 0 would turn this click into an untick).
    smallest = listed.sort_values(["geo_mu", "parcel_id"]).index[0]  # of every list: all three are shown
    grid_click(page, 0)
    text = summary_text(page, "已选 3 宗")
    assert caption_mu(text) == pytest.approx(mu_of(layer, [*top, smallest]), abs=0.051)
    screenshot(page, "supply-selection-sorted")

    # Drop 批而未供 from the lists: its two parcels stay selected, counted as outside the filter.
    page.locator(".st-key-supply_filter_category").get_by_role("button", name="Remove 批而未供").click()
    wait_for_app(page)
    hidden = sum(1 for p in [*top, smallest] if listed.loc[p, "category"] == "unsupplied")
    text = summary_text(page, "已选 3 宗")
    assert f"其中 {hidden} 宗不在当前筛选结果中" in text
    assert caption_mu(text) == pytest.approx(mu_of(layer, [*top, smallest]), abs=0.051)
    assert map_selection(page) == {*top, smallest}
    screenshot(page, "supply-selection-filtered")

    # The GeoPackage download holds the three selected parcels.
    with page.expect_download() as info:
        page.locator(".st-key-supply_export_gpkg button").click()
    path = tmp_path / "selection.gpkg"
    info.value.save_as(path)
    assert info.value.suggested_filename == "供地分析_所选宗地_3宗.gpkg"
    assert set(pyogrio.read_dataframe(path, layer="selected_parcels")["parcel_id"]) == {*top, smallest}
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors

