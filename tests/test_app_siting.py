"""选址分析 page: the request form, a run shown on the map and in tables, search areas, downloads —
under AppTest and in Chromium.

Expectations come from an independent `run_siting` on `SitingData.from_project` (the page builds
its data from the cached evaluation instead), and containment from shapely on the drawn area.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
import shapely.geometry
from shapely.geometry import shape

from tests.apphelp import map_frame, open_page, page_app, screenshot, wait_for_app

INDUSTRY = "智能装备"  # a leading industry of the demo's parks


@pytest.fixture(scope="module")
def project_env(demo_project):
    """LANDPARK_PROJECT set to the demo for the module (AppTest reruns read it)."""
    old = os.environ.get("LANDPARK_PROJECT")
    os.environ["LANDPARK_PROJECT"] = str(demo_project.root)
    yield demo_project
    if old is None:
        os.environ.pop("LANDPARK_PROJECT", None)
    else:
        os.environ["LANDPARK_PROJECT"] = old


@pytest.fixture(scope="module")
def independent(demo_project):
    """SitingData read and evaluated the CLI's way, and the unrestricted request's result."""
    from analysis.siting import SiteRequest, SitingData, run_siting

    data = SitingData.from_project(demo_project)
    return data, run_siting(data, SiteRequest(area_mu=50.0, industry=INDUSTRY))


def _table(at, column: str):
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with column {column!r}"
    return frames[0]


def _submit(at, *, opened: bool = False, **values):
    """Open the page (unless `opened`), fill the form with `values`, press 开始选址."""
    if not opened:
        at.run()
        assert not at.exception, at.exception
    at.number_input(key="siting_area_mu").set_value(values.get("area_mu", 50.0))
    if "industry" in values:
        at.selectbox(key="siting_industry").set_value(values["industry"])
    if "max_area_mu" in values:
        at.number_input(key="siting_max_area_mu").set_value(values["max_area_mu"])
    if "mode" in values:
        at.radio(key="siting_area_mode").set_value(values["mode"])
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_form_has_every_option_of_landpark_site(project_env):
    at = page_app("siting_page").run()
    assert not at.exception
    assert at.title[0].value.startswith("选址分析")
    numbers = [w.label for w in at.number_input]
    for label in ("用地需求面积（亩）", "可接受最大面积（亩）", "候选数量", "最大平均坡度（度）", "主导产业匹配", "道路通达"):
        assert label in numbers
    assert [w.label for w in at.main.selectbox] == ["项目产业", "产业集群"]
    assert {w.label for w in at.radio} == {"评分方法", "选址范围"}
    assert [w.label for w in at.checkbox] == ["纳入闲置土地", "纳入低效用地（腾笼换鸟）", "允许位于工业用地保护线外"]
    assert [b.label for b in at.button] == ["开始选址"]
    # Defaults come from [siting] of the project's toml.
    assert at.number_input(key="siting_top").value == project_env.config.siting.top
    assert at.number_input(key="siting_max_slope").value == pytest.approx(project_env.config.siting.max_slope_deg)
    assert at.number_input(key="siting_w_industry_match").value == pytest.approx(
        project_env.config.siting.weights["industry_match"])


def test_a_run_shows_the_candidates_of_an_independent_run(project_env, independent, tmp_path):
    _data, expected = independent
    at = _submit(page_app("siting_page"), area_mu=50.0, industry=INDUSTRY)
    table = _table(at, "排名")
    assert len(table) == len(expected.candidates) > 0
    assert table["排名"].tolist() == [c["rank"] for c in expected.candidates]
    np.testing.assert_allclose(table["面积（亩）"].to_numpy(float), [c["area_mu"] for c in expected.candidates], rtol=1e-9)
    np.testing.assert_allclose(table["得分"].to_numpy(float), [c["score"] for c in expected.candidates], rtol=1e-9)
    assert table["地块编号"].tolist() == [c["site_id"] for c in expected.candidates]
    excluded = _table(at, "排除数")
    assert excluded["排除数"].sum() == sum(expected.excluded.values())
    # One expander per candidate with its breakdown and its rule checks.
    labels = [e.label for e in at.expander if e.label.startswith("第 ")]
    assert len(labels) == len(expected.candidates)
    assert labels[0].startswith("第 1 名")
    rules = _table(at, "判定条件")
    assert "位于工业用地保护线内" in rules["规则"].tolist()
    assert set(rules["结果"]) <= {"通过", "未检查"} and "通过" in set(rules["结果"])
    breakdown = _table(at, "得分贡献")
    assert breakdown["得分贡献"].sum() == pytest.approx(expected.candidates[0]["score"], abs=0.01)
    # The three downloads hold the same candidates (written by write_candidates).
    assert {b.label for b in at.get("download_button")} >= {"GeoPackage（项目坐标系）", "GeoJSON（CGCS2000 经纬度）",
                                                            "CSV（含 WKT）"}
    stored = at.session_state["siting_result"]
    for suffix in ("gpkg", "geojson", "csv"):
        path = tmp_path / f"c.{suffix}"
        path.write_bytes(stored["downloads"][suffix])
        frame = pd.read_csv(path) if suffix == "csv" else pyogrio.read_dataframe(path)
        assert frame["rank"].tolist() == [c["rank"] for c in expected.candidates]
        np.testing.assert_allclose(frame["area_mu"].to_numpy(float), [c["area_mu"] for c in expected.candidates])


def test_a_drawn_search_area_limits_the_candidates(project_env, independent, tmp_path):
    from analysis.siting import SiteRequest, run_siting

    data, unrestricted = independent
    # A 400 m disc around the best unrestricted site's centre, drawn on the map (lon/lat, as Leaflet sends it).
    area = shapely.buffer(shapely.centroid(unrestricted.candidates[0]["geometry"]), 400.0)
    to_lonlat = pyproj.Transformer.from_crs(data.crs, "EPSG:4326", always_xy=True)
    drawn = shapely.transform(area, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])))
    features = [{"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(drawn)}]
    at = page_app("siting_page", session={"siting_drawn": ("drawn-in-test", features)})
    at = _submit(at, area_mu=50.0, industry=INDUSTRY, mode="draw")
    result = at.session_state["siting_result"]["result"]
    # The independent run takes the search area through the CLI's path: a GeoJSON file read by --within.
    within = tmp_path / "drawn.geojson"
    within.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    expected = run_siting(data, SiteRequest(area_mu=50.0, industry=INDUSTRY, within=str(within)))
    assert 0 < len(result.candidates) == len(expected.candidates)
    for candidate in result.candidates:
        outside = shapely.area(shapely.difference(candidate["geometry"], area))
        assert outside <= 1.0  # m², the boundary tolerance
    table = _table(at, "排名")
    np.testing.assert_allclose(table["面积（亩）"].to_numpy(float), [c["area_mu"] for c in expected.candidates], rtol=1e-9)


def test_bad_requests_get_clear_messages(project_env):
    at = _submit(page_app("siting_page"), area_mu=50.0, mode="draw")
    assert any("请先在地图上绘制选址范围" in e.value for e in at.error)
    at = _submit(at, opened=True, area_mu=50.0, mode="none", max_area_mu=20.0)
    assert any("不能小于需求面积" in e.value for e in at.error)
    at = _submit(at, opened=True, area_mu=50.0, mode="upload", max_area_mu=60.0)
    assert any("请先上传范围文件" in e.value for e in at.error)
    assert "siting_result" not in at.session_state


def test_notices_are_translated(project_env):
    at = _submit(page_app("siting_page"), area_mu=50.0)  # no industry: the criterion is dropped
    assert any("未填写项目产业" in i.value for i in at.info)
    assert not any("--industry" in i.value for i in at.info)


# ---- Chromium --------------------------------------------------------------------------------


def _run_in_browser(page) -> None:
    page.locator(".st-key-siting_industry input").click()
    page.keyboard.type(INDUSTRY)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="开始选址").click()
    page.wait_for_selector(".st-key-siting_candidates", timeout=120_000)


@pytest.mark.browser
def test_siting_in_chromium_shows_numbered_candidates(app_server, browser_page, independent):
    from playwright.sync_api import expect

    _data, expected = independent
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_page(page, app_server, "siting")
    assert page.locator("h1").first.inner_text().startswith("选址分析")
    frame = map_frame(page, "() => window.map.getZoom() > 0")
    screenshot(page, "siting-form")
    _run_in_browser(page)
    frame = map_frame(page, "() => window.map.getZoom() > 0")
    n = len(expected.candidates)
    frame.wait_for_function(f"() => document.querySelectorAll('.landpark-rank').length === {n}", timeout=30_000)
    ranks = sorted(int(t) for t in frame.locator(".landpark-rank").all_inner_texts())
    assert ranks == list(range(1, n + 1))
    page.get_by_text("第 1 名").first.click()  # open the first candidate's breakdown
    expect(page.get_by_test_id("stExpander").filter(has_text="第 1 名").first.get_by_text("规则检查").first).to_be_visible()
    assert page.locator("text=规则检查").count() >= 1
    screenshot(page, "siting-result-map")
    page.locator(".st-key-siting_candidates").scroll_into_view_if_needed()
    expect(page.locator(".st-key-siting_candidates")).to_be_in_viewport()
    screenshot(page, "siting-result-table")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors


@pytest.mark.browser
def test_siting_draw_a_search_area_in_chromium(app_server, browser_page, independent):
    from playwright.sync_api import expect

    from maps.assets import draw_urls

    if draw_urls() is None:
        pytest.skip("Leaflet.draw is not installed (python -m maps.assets)")
    _data, unrestricted = independent
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_page(page, app_server, "siting")
    iframe = page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]')
    frame = map_frame(page, "() => window.map.getZoom() > 0")
    # Draw a rectangle of ±70 px around the best unrestricted site.
    import geopandas as gpd

    centre = gpd.GeoSeries([shapely.centroid(unrestricted.candidates[0]["geometry"])], crs=_data.crs).to_crs(4326).iloc[0]
    x, y = frame.evaluate(
        f"() => {{ const p = window.map.latLngToContainerPoint([{centre.y}, {centre.x}]); return [p.x, p.y]; }}")
    box = iframe.bounding_box()
    frame.click(".leaflet-draw-draw-rectangle")
    page.mouse.move(box["x"] + x - 70, box["y"] + y - 70)
    page.mouse.down()
    page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    page.mouse.move(box["x"] + x + 70, box["y"] + y + 70, steps=5)
    page.mouse.up()
    page.wait_for_selector("text=已在地图上绘制范围")
    drawn = json.loads(frame.evaluate("() => JSON.stringify(window.drawnItems.toGeoJSON())"))
    polygon = shape(drawn["features"][0]["geometry"])
    _run_in_browser(page)
    frame = map_frame(page, "() => window.map.getZoom() > 0")
    frame.wait_for_function("() => document.querySelectorAll('.landpark-rank').length > 0", timeout=30_000)
    with page.expect_download() as download:
        page.get_by_role("button", name="GeoJSON（CGCS2000 经纬度）").click()
    candidates = json.loads(open(download.value.path(), encoding="utf-8").read())["features"]
    assert 0 < len(candidates) == frame.locator(".landpark-rank").count()
    for feature in candidates:  # every candidate inside the drawn rectangle (1e-6° ≈ 0.1 m slack)
        assert polygon.buffer(1e-6).covers(shape(feature["geometry"]))
    wait_for_app(page)
    page.locator("h1").first.scroll_into_view_if_needed()
    expect(page.locator("h1").first).to_be_in_viewport()
    screenshot(page, "siting-drawn-search-area")
    assert not errors, errors


def test_both_pages_work_on_a_sparse_project(demo_project, tmp_path, monkeypatch):
    """Parcels, parks and firms only (no approvals, lines, constraints, roads, DEM): clear notices, no crash."""
    from layers.project import Project

    layers = {kind: demo_project.read_layer(kind) for kind in ("parcels", "parks", "enterprises")}
    sparse = Project.create(tmp_path / "sparse", region="稀疏区", year=2025, crs=str(demo_project.crs))
    sparse.write_layers(layers, issues=[])
    monkeypatch.setenv("LANDPARK_PROJECT", str(sparse.root))
    supply = page_app("supply_page", session={"supply_view": "cohorts"}).run()
    assert not supply.exception
    assert any("批准批次图层" in i.value for i in supply.info)  # no land_approvals: no cohort chart
    assert len(supply.get("vega_lite_chart")) == 0
    siting = page_app("siting_page")
    siting = _submit(siting, area_mu=5.0, industry="智能装备")
    notices = " ".join(i.value for i in siting.info)
    assert "无 DEM" in notices or "项目无 DEM" in notices
    assert "道路" in notices
    assert not any(e for e in siting.error)
