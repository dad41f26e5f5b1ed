"""State that stays and can be shared (issue 13, item 4): colouring, selected unit, basemap, method and language
survive page switches and language changes and live in the address, so a link reopens the same view."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.apphelp import choose_option, open_page, screenshot, wait_for_app

ROOT_APP = "streamlit_app.py"


@pytest.fixture
def whole_app(demo_project, monkeypatch):
    import importlib.util

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    script = importlib.util.find_spec(ROOT_APP.removesuffix(".py")).origin  # the source tree's, or the installed one
    return AppTest.from_file(str(script), default_timeout=180)


def test_a_link_opens_its_view_and_the_address_follows_the_view(whole_app, demo_evaluation):
    at = whole_app
    at.query_params["unit"] = "YQ01"
    at.query_params["colour"] = "supply_ratio"
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["map_unit"] == "parks|YQ01"  # an id alone is resolved to its unit
    assert at.selectbox(key="map_colour").value == "supply_ratio"
    name = demo_evaluation.units.set_index("unit_id").loc["YQ01", "name"]
    assert any(s.value == name for s in at.subheader)  # its scorecard is open
    assert at.query_params["unit"] == "parks|YQ01" and at.query_params["colour"] == "supply_ratio"
    at.selectbox(key="map_colour").select("score").run()
    assert at.query_params["colour"] == "score"


def test_a_stale_link_does_not_break_the_page(whole_app):
    at = whole_app
    at.query_params["colour"] = "no_such_indicator"
    at.query_params["unit"] = "NOPE"
    at.query_params["method"] = "no-such-method"
    at.query_params["lang"] = "xx"
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="map_colour").value is None and not at.session_state["map_unit"]


def test_view_survives_a_page_switch_and_a_language_change_in_the_browser(app_server, browser_page):
    page = browser_page
    open_page(page, app_server, "map")
    page.goto(f"{app_server}/?unit=YQ02&colour=supply_ratio", wait_until="domcontentloaded")
    wait_for_app(page)
    page.locator("h3", has_text="南岭新材料产业园").wait_for()
    page.get_by_role("link", name="园区评分").click()
    wait_for_app(page)
    page.get_by_role("link", name="总览地图").click()
    wait_for_app(page)
    page.locator("h3", has_text="南岭新材料产业园").wait_for()  # the selected unit is still open
    page.get_by_text("着色：供地率").wait_for()  # and the colouring
    query = parse_qs(urlparse(page.url).query)
    assert query.get("colour") == ["supply_ratio"] and query.get("unit") == ["parks|YQ02"], page.url
    page.get_by_text("English", exact=True).click()
    wait_for_app(page)
    page.locator("h3", has_text="南岭新材料产业园").wait_for()
    page.get_by_text("Colour").first.wait_for()
    assert page.locator("[data-testid=stCaptionContainer]", has_text="Supply ratio").count() >= 1
    assert parse_qs(urlparse(page.url).query).get("lang") == ["en"]
    screenshot(page, "view-state-en")


def test_a_recolour_reruns_the_map_alone_and_the_address_still_follows(app_server, browser_page):
    """The map and its sidebar controls are one fragment (ui/map_page.py::_map_view): a recolour reruns only it,
    so the page's title is not redrawn, and the address is written by the fragment itself."""
    page = browser_page
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived",
                                          lambda p: frames.append(p if isinstance(p, bytes) else p.encode())))
    open_page(page, app_server, "map")
    page.goto(f"{app_server}/?unit=YQ02", wait_until="domcontentloaded")
    wait_for_app(page)
    page.locator("h3", has_text="南岭新材料产业园").wait_for()
    assert any("总览地图 · ".encode() in f for f in frames)  # a whole run sends the page title
    frames.clear()
    choose_option(page, "map_colour", "供地率")
    wait_for_app(page)
    page.get_by_text("着色：供地率").wait_for()
    assert frames and not any("总览地图 · ".encode() in f for f in frames)  # neither is sent again by a recolour
    query = parse_qs(urlparse(page.url).query)
    assert query.get("colour") == ["supply_ratio"] and query.get("unit") == ["parks|YQ02"], page.url
    page.locator("h3", has_text="南岭新材料产业园").wait_for()  # the scorecard is still shown
