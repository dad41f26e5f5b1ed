"""The map page (总览地图): AppTest runs of the page script, and the real app in headless Chromium.

Expected scores and ranks come from the session's `demo_evaluation` (tests/conftest.py), computed
independently of the app's cache.
"""

from __future__ import annotations

from urllib.parse import urlparse

import numpy as np
import pytest

from tests.apphelp import choose_option, map_frame, open_page, page_app, screenshot, wait_for_app, wait_for_map_drawn

# the run's overlay (fills, the selected feature's outline) is on the map: maps.overlays.OverlayChannel
OVERLAY_DRAWN = ("() => !!window.landparkSpecGroup && window.map.hasLayer(window.landparkSpecGroup)"
                 " && window.landparkSpecGroup.getLayers().length > 0")


@pytest.fixture
def app(demo_project, monkeypatch):
    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    return page_app("map_page")


def _expected(ev, kind: str, unit_id: str) -> tuple[str, str, str, str]:
    """(name, score text, grade, "rank / n") of a unit, from the independent evaluation."""
    units = ev.units
    row = units[(units["unit_kind"] == kind) & (units["unit_id"] == unit_id)].iloc[0]
    peers = units.loc[units["unit_kind"] == kind, "score"].astype(float).to_numpy()
    peers = peers[np.isfinite(peers)]
    rank = 1 + int((peers > float(row["score"])).sum())
    return str(row["name"]), f"{float(row['score']):.1f}", str(row["grade"]), f"{rank} / {len(peers)}"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_map_page_opens_with_its_controls(app):
    at = app.run()
    assert not at.exception
    assert at.title[0].value.startswith("总览地图")
    keys = {s.key for s in at.selectbox}
    assert {"map_basemap", "map_colour", "map_scheme"} <= keys
    assert at.text_input(key="map_find").value == ""               # one search box across units, firms, parcels
    assert at.selectbox(key="map_basemap").value is None            # offline: no basemap by default
    assert at.selectbox(key="map_colour").value is None             # no colouring by default
    assert at.selectbox(key="map_scheme").disabled
    assert any("点击地图" in i.value for i in at.info)               # the panel says what to do
    assert not at.metric


def test_selected_unit_in_session_shows_its_scorecard(app, demo_evaluation):
    name, score, grade, rank = _expected(demo_evaluation, "parks", "YQ01")
    app.session_state["map_unit"] = "parks|YQ01"
    at = app.run()
    assert not at.exception
    assert name in [h.value for h in at.subheader]
    assert _metrics(at) == {"综合得分": score, "等级": grade, "同类排名": rank}
    # key indicators with their units
    table = at.dataframe[0].value
    labels = table.iloc[:, 0].tolist()
    assert "亩均税收（万元/亩）" in labels and "供地率" in labels
    units = demo_evaluation.units
    row = units[(units["unit_kind"] == "parks") & (units["unit_id"] == "YQ01")].iloc[0]
    assert table.iloc[labels.index("亩均税收（万元/亩）"), 1] == f"{row['tax_per_mu']:,.2f}"
    assert table.iloc[labels.index("供地率"), 1] == f"{row['supply_ratio']:.1%}"
    ranges = [c.value for c in at.caption if "±10%" in c.value]
    assert ranges == [f"权重各 ±10% 时排名 {int(row['rank_best'])}–{int(row['rank_worst'])}"]
    # the explanation is computed only when its expander is opened; its score breakdown adds up to the score
    assert len(at.dataframe) == 1        # the key indicators (the sidebar's layer counts are a Markdown table)
    at.session_state["map_explain"] = True
    at.run()
    assert not at.exception
    breakdown = next(d.value for d in at.dataframe if "得分贡献" in d.value.columns)
    points = breakdown["得分贡献"].replace("—", np.nan).astype(float)
    assert points.sum() == pytest.approx(float(row["score"]), abs=0.05 * len(points))
    members = next(d.value for d in at.dataframe if "统一社会信用代码" in d.value.columns)
    assert len(members) == int(row["member_count"])


def test_a_click_on_the_map_selects_the_clicked_unit(app, demo_evaluation):
    name, score, _grade, rank = _expected(demo_evaluation, "micro_parks", "XW08")
    at = app.run()
    # what streamlit-folium's on_change leaves in the session after a click on a unit feature
    at.session_state["overview-map"] = {"last_active_drawing": {"type": "Feature", "properties": {"uk": "micro_parks|XW08"}},
                                        "last_object_clicked": {"lat": 29.86, "lng": 121.45}}
    at.run()
    assert not at.exception
    assert at.session_state["map_unit"] == "micro_parks|XW08"
    assert name in [h.value for h in at.subheader]
    assert _metrics(at)["综合得分"] == score and _metrics(at)["同类排名"] == rank


def test_a_click_on_a_unit_also_names_the_parcel_under_it(app, demo_inputs):
    """A park answers a click inside it; the parcel under the click stays one button away."""
    import geopandas as gpd

    units, parcels = demo_inputs.units, demo_inputs.parcels
    park = units[(units["unit_kind"] == "parks") & (units["unit_id"] == "YQ01")].geometry.iloc[0]
    inside = parcels[parcels.geometry.within(park)].iloc[0]
    point = gpd.GeoSeries([inside.geometry.representative_point()], crs=parcels.crs).to_crs(4326).iloc[0]
    at = app.run()
    at.session_state["overview-map"] = {"last_active_drawing": {"type": "Feature", "properties": {"uk": "parks|YQ01"}},
                                        "last_object_clicked": {"lat": point.y, "lng": point.x}}
    at.run()
    assert not at.exception, at.exception
    button = at.button(key="map_parcel_under_click")
    assert button.label == f"查看点击处的宗地 {inside['parcel_id']}"
    button.click().run()
    assert at.session_state["map_unit"] == f"parcels|{inside['parcel_id']}"
    assert f"宗地 {inside['parcel_id']}" in [h.value for h in at.subheader]


def test_a_click_on_a_parcel_identifies_it(app, demo_project, demo_inputs):
    """Identify: 宗地号, land-use code and name, area in 亩, owner, status with dates, linked firms, units."""
    parcels = demo_inputs.parcels
    row = parcels[parcels["firm_uscc"].notna() & (parcels["land_use"] == "0601")].iloc[0]
    at = app.run()
    at.session_state["overview-map"] = {"last_active_drawing": {"type": "Feature", "properties": {
        "parcel_id": row["parcel_id"], "land_use": "0601", "supply_status": row["supply_status"]}},
        "last_object_clicked": {"lat": 29.8, "lng": 121.4}}
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["map_unit"] == f"parcels|{row['parcel_id']}"
    assert f"宗地 {row['parcel_id']}" in [h.value for h in at.subheader]
    card = dict(at.dataframe[0].value.to_numpy().tolist())
    assert card["地类（代码 名称）"] == "0601 工业用地"
    from reports import display_value

    assert card["面积（亩）"] == display_value("area_mu", row["area_mu"], "zh") and row["area_mu"] > 0
    firm = demo_inputs.enterprises.set_index("uscc").loc[row["firm_uscc"], "name"]
    assert firm in card["关联企业（等级）"]
    units = at.dataframe[1].value
    assert len(units) >= 1 and "所在评价单元" in [m.value.strip("*") for m in at.markdown]


def test_search_box_selects_a_unit_and_zooms_to_it(app, demo_evaluation, demo_project):
    name, score, _grade, _rank = _expected(demo_evaluation, "future_communities", "WL03")
    at = app.run()
    at.text_input(key="map_find").input("WL03").run()
    at.selectbox(key="map_search").select("future_communities|WL03").run()
    assert not at.exception
    assert name in [h.value for h in at.subheader]
    assert _metrics(at)["综合得分"] == score
    centre, zoom = at.session_state["map_view"]
    bounds = demo_project.read_layer("future_communities").to_crs(4326)
    minx, miny, maxx, maxy = bounds[bounds["community_id"] == "WL03"].total_bounds
    assert centre == pytest.approx([(miny + maxy) / 2, (minx + maxx) / 2], abs=1e-4)
    assert 12 <= zoom <= 18
    at.button(key="map_clear").click().run()
    assert not at.metric and at.session_state["map_unit"] is None


def test_search_finds_a_firm_by_name_and_a_parcel_by_its_id(app, demo_inputs, demo_evaluation):
    firms = demo_evaluation.firms.rename_axis("uscc").reset_index()
    firm = firms[firms["class"].notna()].iloc[0]
    at = app.run()
    at.text_input(key="map_find").input(str(firm["name"])[2:8]).run()   # part of the name
    options = at.selectbox(key="map_search").options
    assert any(str(firm["uscc"]) in o for o in options), options
    at.selectbox(key="map_search").select(f"enterprises|{firm['uscc']}").run()
    assert not at.exception
    assert str(firm["name"]) in [h.value for h in at.subheader]
    card = dict(at.dataframe[0].value.to_numpy().tolist())
    assert card["统一社会信用代码"] == firm["uscc"] and card["亩均评价等级"] == firm["class"]
    parcel = demo_inputs.parcels["parcel_id"].iloc[100]
    at.text_input(key="map_find").input(parcel).run()
    at.selectbox(key="map_search").select(f"parcels|{parcel}").run()
    assert f"宗地 {parcel}" in [h.value for h in at.subheader]
    assert at.session_state["map_view"] is not None
    at.text_input(key="map_find").input("没有这个名字xyz").run()
    assert any("没有找到" in c.value for c in at.caption)


def test_colouring_by_an_indicator_and_scheme(app, demo_evaluation):
    at = app.run()
    at.selectbox(key="map_colour").select("tax_per_mu").run()
    assert not at.exception
    assert not at.selectbox(key="map_scheme").disabled
    # one unit kind at a time, parks by default: the classes are over the parks alone
    parks = demo_evaluation.units[demo_evaluation.units["unit_kind"] == "parks"]["tax_per_mu"]
    missing, k = int(parks.isna().sum()), min(5, parks.dropna().nunique())
    captions = [c.value for c in at.caption]
    expected = (f"着色：亩均税收（万元/亩） · 产业园区，分位数分 {k} 级（级数见 landpark.toml [app.map] classes）；"
                f"无数据 {missing} 个单元。")
    assert expected in captions
    assert at.selectbox(key="map_colour_kind").value == "parks"
    at.selectbox(key="map_colour_kind").select("micro_parks").run()
    micro = demo_evaluation.units[demo_evaluation.units["unit_kind"] == "micro_parks"]["tax_per_mu"]
    captions = [c.value for c in at.caption]
    assert any(c.startswith("着色：亩均税收（万元/亩） · 小微产业创新园，分位数分 "
                               f"{min(5, micro.dropna().nunique())} 级") for c in captions), captions
    at.selectbox(key="map_scheme").select("natural_breaks").run()
    assert not at.exception
    assert any(c.value.startswith("着色：亩均税收（万元/亩） · 小微产业创新园，自然断点") for c in at.caption)


def test_basemaps_amap_shift_and_tianditu_key(app):
    at = app.run()
    at.selectbox(key="map_basemap").select("amap").run()
    assert not at.exception
    assert any("GCJ-02" in c.value for c in at.caption)
    at.selectbox(key="map_basemap").select("tianditu").run()
    assert not at.exception
    assert any("天地图密钥" in w.value for w in at.warning)        # no key yet: asked for, no tiles
    at.text_input(key="map_tianditu_key").input("0123456789abcdef").run()
    assert not at.exception and not at.warning
    assert any("天地图" in c.value for c in at.caption)


# ------------------------------------------------------------------------------------------ Chromium


INTERIOR_POINT = """(name) => {
  var target = null;
  window.landparkLayers.parks.eachLayer(function (l) { if (l.feature.properties.name === name) { target = l; } });
  if (!target) { return null; }
  var others = [];
  ["micro_parks", "future_communities"].forEach(function (k) {
    if (window.landparkLayers[k]) { window.landparkLayers[k].eachLayer(function (l) { others.push(l); }); } });
  var b = target.getBounds(), map = window.map;
  for (var i = 1; i < 30; i++) { for (var j = 1; j < 30; j++) {
    var ll = L.latLng(b.getSouth() + (b.getNorth() - b.getSouth()) * i / 30, b.getWest() + (b.getEast() - b.getWest()) * j / 30);
    var p = map.latLngToLayerPoint(ll);
    if (!target._containsPoint(p) || others.some(function (o) { return o._containsPoint(p); })) { continue; }
    var c = map.latLngToContainerPoint(ll);
    return [c.x, c.y]; } }
  return null; }"""


@pytest.mark.browser
def test_click_a_park_shows_its_scorecard_and_colour_the_units(app_server, browser_page, demo_project, demo_evaluation):
    from maps.codec import decode_layer, encode_layer
    from maps.webmap import display_geometries

    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_page(page, app_server, "map")
    frame = map_frame(page, "() => window.landparkLayers && window.landparkLayers.parks")
    counts = frame.evaluate("() => Object.fromEntries(Object.entries(window.landparkLayers)"
                            ".map(([k, l]) => [k, l.getLayers().length]))")
    parks = demo_project.read_layer("parks")
    assert counts["parks"] == len(parks)
    assert counts["parcels"] == len(demo_project.read_layer("parcels", columns=["parcel_id"]))
    # the browser's decoder draws what the Python twin decodes
    expected = decode_layer(encode_layer("parks", display_geometries(parks), parks[["park_id"]]).payload)
    drawn = frame.evaluate("() => window.landparkLayers.parks.toGeoJSON()")
    assert [f["geometry"]["coordinates"] for f in drawn["features"]] == \
        [f["geometry"]["coordinates"] for f in expected["features"]]
    wait_for_map_drawn(frame)
    screenshot(page, "map-overview")

    name, score, grade, rank = _expected(demo_evaluation, "parks", str(parks["park_id"].iloc[0]))
    assert name == parks["name"].iloc[0]
    page.locator('iframe[title*="streamlit_folium"]').scroll_into_view_if_needed()
    point = frame.evaluate(INTERIOR_POINT, name)
    assert point is not None, "no interior pixel of the park is visible"
    box = page.locator('iframe[title*="streamlit_folium"]').bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.locator("h3", has_text=name).wait_for()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetricValue\"]').length === 3")
    wait_for_app(page)
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert values == [score, grade, rank]
    page.mouse.move(5, 5)
    frame.wait_for_function(OVERLAY_DRAWN)
    wait_for_map_drawn(frame)  # the selected unit's outline drawn
    screenshot(page, "map-panel")

    choose_option(page, "map_colour", "综合得分")
    wait_for_app(page)
    legend = frame.locator(".landpark-choropleth-legend")
    legend.wait_for()
    assert "综合得分" in legend.inner_text()
    classes = frame.evaluate("() => { var c = {}; window.landparkLayers.enterprises.eachLayer(function (l) {"
                             " var k = l.feature.properties['class']; c[k] = (c[k] || 0) + 1; }); return c; }")
    expected_classes = demo_evaluation.firms["class"].value_counts().to_dict()
    assert {k: v for k, v in classes.items() if k in "ABCD"} == {k: int(v) for k, v in expected_classes.items() if k in "ABCD"}
    frame.get_by_text("企业 (").click()        # show the firms in their classes
    frame.wait_for_function("() => window.map.hasLayer(window.landparkLayers.enterprises)")
    wait_for_app(page)
    wait_for_map_drawn(frame)
    screenshot(page, "map-choropleth")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors


# A pixel of the map where a parcel, and no unit above it, lies; with the parcel's 宗地号.
PARCEL_PIXEL = """(anywhere) => {
  var map = window.map, parcels = window.landparkLayers.parcels, size = map.getSize(), units = [];
  ["protection_lines", "parks", "micro_parks", "future_communities"].forEach(function (k) {
    if (window.landparkLayers[k] && map.hasLayer(window.landparkLayers[k])) {
      window.landparkLayers[k].eachLayer(function (l) { units.push(l); }); } });
  for (var y = 40; y < size.y - 40; y += 7) { for (var x = 60; x < size.x - 60; x += 7) {
    var ll = map.containerPointToLatLng([x, y]), p = map.latLngToLayerPoint(ll), i = parcels.identify(ll);
    if (i < 0) { continue; }
    var under = units.some(function (u) { return u._containsPoint(p); });
    if (!under || anywhere) { return [x, y, parcels.properties(i).parcel_id, under]; } } }
  return null;
}"""


@pytest.mark.browser
def test_a_parcel_clicked_in_the_browser_is_identified(app_server, browser_page, demo_inputs):
    """The parcels are one canvas (maps.packed), not Leaflet objects: a click still identifies the parcel under it,
    hovering shows its tooltip, and every parcel of the project is there."""
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_page(page, app_server, "map")
    frame = map_frame(page, "() => window.landparkLayers && window.landparkLayers.parcels && window.landparkLayers.parks")
    assert frame.evaluate("() => window.landparkLayers.parcels.getLayers().length") == len(demo_inputs.parcels)
    wait_for_map_drawn(frame)
    page.locator('iframe[title*="streamlit_folium"]').scroll_into_view_if_needed()
    hit = frame.evaluate(PARCEL_PIXEL, False)
    assert hit is not None, "no pixel shows a parcel outside every unit"
    x, y, parcel_id, _under = hit
    box = page.locator('iframe[title*="streamlit_folium"]').bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    frame.locator(".leaflet-tooltip", has_text=parcel_id).wait_for()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.locator("h3", has_text=f"宗地 {parcel_id}").wait_for()
    wait_for_app(page)
    frame.wait_for_function(OVERLAY_DRAWN)
    assert not errors, errors


MAP_CENTRE_NEAR = ("([lat, lon, tol]) => { const c = window.map.getCenter();"
                   " return Math.abs(c.lat - lat) < tol && Math.abs(c.lng - lon) < tol; }")


def _search_in_browser(page, text: str, label: str) -> None:
    """Type `text` in the map's search box, commit it (Enter) and pick the result shown as `label`."""
    box = page.locator(".st-key-map_find input")
    box.fill(text)
    box.press("Enter")
    page.locator(".st-key-map_search").wait_for()
    wait_for_app(page)
    choose_option(page, "map_search", label)
    wait_for_app(page)


@pytest.mark.browser
def test_search_finds_a_firm_by_name_and_a_parcel_by_its_id_in_chromium(app_server, browser_page, demo_inputs,
                                                                      demo_evaluation):
    """One search box: part of a firm's name, then a 宗地号, typed in the browser; each pick shows its card and the
    map moves to it (the expected centre is the feature's own lon/lat, reprojected here by geopandas)."""
    from i18n import t

    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_page(page, app_server, "map")
    frame = map_frame(page, "() => window.landparkLayers && window.landparkLayers.parks")
    wait_for_map_drawn(frame)

    firms = demo_inputs.enterprises
    classed = demo_evaluation.firms["class"].dropna().index
    firm = firms[firms["uscc"].isin(classed) & firms.geometry.notna()].iloc[0]
    point = firms[firms["uscc"] == firm["uscc"]].to_crs(4326).geometry.iloc[0]
    _search_in_browser(page, str(firm["name"])[2:8], f"{t('map_search_kind_firm', 'zh')} · {firm['name']}（{firm['uscc']}）")
    page.locator("h3", has_text=str(firm["name"])).wait_for()
    frame.wait_for_function(MAP_CENTRE_NEAR, arg=[point.y, point.x, 2e-4])   # the map went to the firm's point
    assert frame.evaluate("() => window.map.getZoom()") >= 15

    parcels = demo_inputs.parcels
    parcel = parcels.iloc[100]
    minx, miny, maxx, maxy = parcels.iloc[[100]].to_crs(4326).total_bounds
    _search_in_browser(page, str(parcel["parcel_id"]), f"{t('map_search_kind_parcel', 'zh')} · 宗地 {parcel['parcel_id']}")
    page.locator("h3", has_text=f"宗地 {parcel['parcel_id']}").wait_for()
    frame.wait_for_function(MAP_CENTRE_NEAR, arg=[(miny + maxy) / 2, (minx + maxx) / 2, 2e-4])
    frame.wait_for_function(OVERLAY_DRAWN)                                    # its outline drawn over the map
    screenshot(page, "map-search-parcel")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors


@pytest.mark.browser
def test_the_first_map_asks_for_each_layer_once_and_builds_the_hidden_firms_when_shown(app_server, browser_page,
                                                                                      demo_evaluation):
    """Layers are asked for before Leaflet loads (maps.webmap.prefetch_script), and by the page itself as soon as the
    map's element arrives (ui/assets/map_overlay.js), each file once from each; the firm points, hidden at first,
    are built when shown, with their A/B/C/D classes."""
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/app/static/layers/" in r.url and r.url.endswith(".json") else None)
    open_page(page, app_server, "map")
    frame = map_frame(page, "() => !!window.landparkPending && window.landparkAdded === window.landparkPending.length")
    wait_for_map_drawn(frame)
    layers = frame.evaluate("() => window.landparkPending.length")
    assert len(set(asked)) == layers >= 8 and all(asked.count(url) <= 2 for url in asked)  # the page's and the frame's
    by_page = page.evaluate("() => [...window.landparkPageFetched]")
    assert {u for u in by_page if u.endswith(".json")} == {urlparse(u).path for u in asked}
    assert any(u.endswith("/leaflet.js") for u in by_page) and not any(u.startswith("data:") for u in by_page)
    timing = frame.evaluate("""() => { const r = performance.getEntriesByType('resource');
      const start = (pick) => Math.min(...r.filter(pick).map((e) => e.startTime));
      return [start((e) => e.name.includes('/layers/') && e.name.endsWith('.json')),
              start((e) => e.name.endsWith('/leaflet.js'))]; }""")
    assert timing[0] <= timing[1], timing                              # the layers before Leaflet
    assert frame.evaluate("() => window.landparkLayers.enterprises.built()") is False
    frame.get_by_text("企业 (").click()
    frame.wait_for_function("() => window.map.hasLayer(window.landparkLayers.enterprises)")
    assert frame.evaluate("() => window.landparkLayers.enterprises.built()") is True
    expected = {k: int(v) for k, v in demo_evaluation.firms["class"].value_counts().items() if k in "ABCD"}
    count_classes = ("() => { const c = {}; window.landparkLayers.enterprises.eachLayer((l) => {"
                     " const k = l.feature.properties['class']; if (k) { c[k] = (c[k] || 0) + 1; } }); return c; }")
    frame.wait_for_function(f"(want) => {{ const c = ({count_classes})();"
                            " return Object.keys(want).every((k) => c[k] === want[k])"
                            " && Object.keys(c).length === Object.keys(want).length; }",
                            arg=expected)  # classes may arrive after the first map
    drawn = frame.evaluate("() => window.landparkLayers.enterprises.getLayers().filter((l) => window.map.hasLayer(l)).length")
    assert drawn == frame.evaluate("() => window.landparkLayers.enterprises.getLayers().length") > 0
    assert not errors, errors


def test_map_settings_are_the_validated_app_map_section():
    from layers.config import config_from_dict, default_config
    from layers.problems import InputError

    shipped = default_config().app.map  # the defaults live once, in the shipped toml
    assert (shipped.classes, shipped.scheme, shipped.height_px, shipped.precision_deg) == (5, "quantiles", 640, 1e-5)
    cfg = config_from_dict({"app": {"map": {"scheme": "natural_breaks", "simplify_m": 2}}}).app.map
    assert cfg.scheme == "natural_breaks" and cfg.simplify_m == 2.0 and cfg.classes == shipped.classes
    for key, value in (("classes", "five"), ("height_px", 0), ("precision_deg", 0), ("precision_deg", 0.05)):
        with pytest.raises(InputError, match=f"app.map.{key}"):
            config_from_dict({"app": {"map": {key: value}}})
