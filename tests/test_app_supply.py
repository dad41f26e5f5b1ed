"""供地分析 page: district figures, supply ratio by cohort against the floor, the 批而未供/idle lists and
their map — under AppTest and in Chromium.

Expectations: list sizes counted straight from the parcels layer (status, agreed start date), the
批而未供 area from pyproj.Geod on each parcel, the cohort ratios from the evaluation (`ev.cohorts`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import pytest

from tests.apphelp import map_frame, open_page, page_app, screenshot, tick_list_frame, wait_for_map_drawn


@pytest.fixture(scope="module")
def supply_app(demo_project_whole_lists):
    """The page under AppTest on the demo, its whole list on one page (LANDPARK_PROJECT set for the module's reruns)."""
    import os

    old = os.environ.get("LANDPARK_PROJECT")
    os.environ["LANDPARK_PROJECT"] = str(demo_project_whole_lists.root)
    try:
        yield page_app("supply_page").run()
    finally:
        if old is None:
            os.environ.pop("LANDPARK_PROJECT", None)
        else:
            os.environ["LANDPARK_PROJECT"] = old


def show(at, view: str):
    """The page with one of its parts drawn (the part chooser: lists, cohorts, units, mix)."""
    if at.session_state["supply_view"] != view:
        at.session_state["supply_view"] = view
        at.run()
        assert not at.exception
    return at


def _frame_with(at, column: str) -> pd.DataFrame:
    if column == "宗地编号":  # the parcel list (ui.tick_list)
        return tick_list_frame(show(at, "lists"))
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with column {column!r}"
    return frames[0]


def test_page_opens_with_figures_chart_and_lists(supply_app):
    at = supply_app
    assert not at.exception
    assert at.title[0].value.startswith("供地分析")
    labels = [m.label for m in at.metric]
    for label in ("已批准（亩）", "批而未供（亩）", "供地率", "近5年供地率", "闲置率", "逾期未开工（宗）"):
        assert label in labels
    show(at, "lists")
    assert [m.label for m in at.multiselect] == ["类别"]
    assert "所在单元" in [s.label for s in at.selectbox]
    assert len(at.get("vega_lite_chart")) == 0  # one part of the page at a time
    assert len(show(at, "cohorts").get("vega_lite_chart")) == 1  # the cohort chart


def test_cohort_ratios_equal_the_evaluation(supply_app, demo_evaluation):
    ev = demo_evaluation
    table = _frame_with(show(supply_app, "cohorts"), "当年批次供地率")
    assert table["批准年度"].tolist() == ev.cohorts["year"].astype(int).tolist()
    np.testing.assert_allclose(table["当年批次供地率"].to_numpy(float), ev.cohorts["cohort_ratio"].to_numpy(float), rtol=1e-12)
    np.testing.assert_allclose(table["近5年滚动供地率"].to_numpy(float), ev.cohorts["rolling_ratio"].to_numpy(float), rtol=1e-12)
    # The floor flag agrees with the configured 60 % floor, and the last year's warning is shown.
    floor = ev.config.supply.floor_ratio
    assert table["低于底线"].tolist() == (ev.cohorts["rolling_ratio"] < floor).tolist()
    last = ev.cohorts.iloc[-1]
    if last["rolling_ratio"] < floor:
        assert any(f"{last['rolling_ratio']:.1%}" in w.value for w in supply_app.warning)
    batches = _frame_with(supply_app, "批次编号")
    assert len(batches) == len(ev.batches)


def test_list_counts_and_unsupplied_area_from_the_parcels_layer(supply_app, demo_project):
    parcels = demo_project.read_layer("parcels")
    when = pd.Timestamp(demo_project.config.project.evaluation_date)
    days = demo_project.config.supply.idle_after_days
    status = parcels["supply_status"]
    agreed = pd.to_datetime(parcels["agreed_start_date"], errors="coerce")
    late = (status == "supplied") & (agreed <= when - pd.Timedelta(days=days))
    expected = {"批而未供": int((status == "unsupplied").sum()), "闲置土地": int((status == "idle").sum()),
                "逾期未开工": int(late.sum())}
    table = _frame_with(supply_app, "宗地编号")
    assert table["类别"].value_counts().to_dict() == expected
    metrics = {m.label: m.value for m in supply_app.metric}
    for label, count in expected.items():
        assert metrics[label].startswith(f"{count:,} 宗")
    # 批而未供 area: geodesic area of every unsupplied parcel on the CGCS2000 ellipsoid.
    geod = pyproj.Geod(a=6378137.0, rf=298.257222101)
    lonlat = parcels[status == "unsupplied"].to_crs("EPSG:4490").geometry
    mu = sum(abs(geod.geometry_area_perimeter(g)[0]) for g in lonlat) / (10000 / 15)
    assert int(metrics["批而未供（亩）"].replace(",", "")) == pytest.approx(mu, abs=1.0)
    # Every listed parcel exists in the layer, each once.
    assert table["宗地编号"].is_unique and set(table["宗地编号"]) <= set(parcels["parcel_id"])


def test_filters_narrow_the_list(supply_app):
    at = show(supply_app, "lists")
    at.multiselect(key="supply_filter_category").set_value(["idle"])
    at.number_input(key="supply_filter_min_mu").set_value(20.0)
    at.run()
    assert not at.exception
    table = _frame_with(at, "宗地编号")
    assert set(table["类别"]) == {"闲置土地"}
    assert (table["面积（亩）"] >= 20.0).all()


def test_english_labels(demo_project, monkeypatch):
    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    at = page_app("supply_page", session={"lang": "en"}).run()
    assert not at.exception
    assert at.title[0].value.startswith("Land supply")
    assert "Approved, not supplied (mu)" in [m.label for m in at.metric]


@pytest.mark.browser
def test_supply_page_in_chromium_selects_and_zooms(app_server, browser_page):
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_page(page, app_server, "supply")
    assert page.locator("h1").first.inner_text().startswith("供地分析")
    frame = map_frame(page, "() => document.querySelectorAll('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path')"
                            ".length > 0")
    zoom_before = frame.evaluate("() => window.map.getZoom()")
    screenshot(page, "supply-page")
    first = page.locator(".st-key-supply_list tbody input").first  # the first row's tick box
    first.scroll_into_view_if_needed()
    first.click()
    page.wait_for_selector("text=已选 1 宗")
    frame = map_frame(page, f"() => window.map.getZoom() > {zoom_before}", timeout=30_000)
    assert frame.evaluate("() => window.landparkOverlayGroup.getLayers().length") >= 1
    wait_for_map_drawn(frame)  # the zoom to the selection over, its outline drawn
    screenshot(page, "supply-selected")
    # The cohort chart is one click away, and the selection is still there when the list comes back.
    page.locator(".st-key-supply_view").get_by_role("radio", name="按批准年度供地率").click()
    page.wait_for_selector('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg')
    page.locator(".st-key-supply_view").get_by_role("radio", name="批而未供与闲置清单").click()
    page.wait_for_selector("text=已选 1 宗")
    assert page.locator(".st-key-supply_list tbody input").first.is_checked()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors
