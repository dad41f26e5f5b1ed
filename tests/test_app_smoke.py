"""The app's frame: navigation over eleven pages in four groups, each opening without an exception."""

from __future__ import annotations

import importlib.util

import pytest

from tests.apphelp import open_page, page_app, screenshot

PAGES = ["map", "scores", "enterprises", "compare", "supply", "standard-land", "lines", "targets", "clusters", "siting", "data"]


def test_main_script_opens_the_map_by_default(demo_project, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    script = importlib.util.find_spec("streamlit_app").origin  # the installed entry script, wherever it lives
    at = AppTest.from_file(script, default_timeout=180).run()
    assert not at.exception
    assert at.title[0].value.startswith("总览地图")


@pytest.mark.browser
def test_every_page_opens_in_chromium(app_server, browser_page):
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    titles = {}
    for path in PAGES:
        open_page(page, app_server, path)
        titles[path] = page.locator("h1").first.inner_text(timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0, f"{path}: exception shown"
        screenshot(page, f"smoke-{path}")
    assert titles["map"].startswith("总览地图")
    assert titles["scores"].startswith("园区评分")
    assert titles["data"].startswith("数据管理")
    assert not errors, errors


@pytest.mark.parametrize("module", ["scores_page", "enterprises_page", "supply_page", "siting_page"])
def test_a_failing_evaluation_is_a_message_not_a_traceback(module, tmp_path, monkeypatch):
    import ui.state
    from layers.project import Project
    from tests.demolayers import demo_layers

    project = Project.create(tmp_path / module, crs="EPSG:4549")
    layers = demo_layers(3)
    project.write_layers({"parks": layers["parks"], "parcels": layers["parcels"].head(300)}, issues=[])

    def broken(_project, *_args):
        raise ValueError("landpark.toml [composite]: weights must be numbers")

    monkeypatch.setattr(ui.state, "_evaluate", broken)
    monkeypatch.setenv("LANDPARK_PROJECT", str(project.root))
    at = page_app(module).run()
    assert not at.exception
    assert any("评价计算失败" in e.value and "weights must be numbers" in e.value for e in at.error)
