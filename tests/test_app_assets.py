"""The app's front-end assets: Leaflet and Leaflet.draw shipped and pinned, served from a per-user folder; map view."""

from __future__ import annotations

import hashlib
import json

import pytest

from maps import assets
from maps.overlays import view_for_bounds


def test_vendored_leaflet_files_match_their_pinned_sha256():
    assert assets.verify_vendor() == []
    # Every file the npm tarballs' dist/ lists is vendored and pinned.
    pinned = {f"{pkg}/{name}" for pkg, (_, _, files) in assets.NPM_PACKAGES.items() for name in files}
    assert pinned <= set(assets.VENDOR_SHA256)


def test_a_changed_vendored_file_is_reported(tmp_path):
    for name in assets.VENDOR_SHA256:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes((assets.VENDOR_DIR / name).read_bytes())
    assert assets.verify_vendor(tmp_path) == []
    (tmp_path / "leaflet" / "leaflet.js").write_text("// tampered")
    (tmp_path / "leaflet-draw" / "leaflet.draw.css").unlink()
    bad = assets.verify_vendor(tmp_path)
    assert len(bad) == 2 and any("leaflet/leaflet.js: sha256" in b for b in bad) and any("missing" in b for b in bad)


def test_the_app_folder_is_per_user_and_holds_launcher_and_static(tmp_path, monkeypatch):
    monkeypatch.delenv("LANDPARK_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = assets.app_folder()
    assert folder.parent == tmp_path / "cache" / "landpark"
    assert assets.prepare_app_folder(folder) == folder
    assert 'find_spec("streamlit_app")' in (folder / assets.PAGES_SCRIPT_NAME).read_text()
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(folder / assets.LAUNCHER_NAME)  # `streamlit run` serves the launcher's App
    assert found.is_asgi_app and found.app_name == "app", found
    js = folder / "static" / "vendor" / "leaflet" / "leaflet.js"
    assert hashlib.sha256(js.read_bytes()).hexdigest() == assets.VENDOR_SHA256["leaflet/leaflet.js"]
    before = js.stat().st_mtime_ns
    assets.prepare_app_folder(folder)  # a second start rewrites nothing
    assert js.stat().st_mtime_ns == before
    monkeypatch.setenv("LANDPARK_STATIC_DIR", str(folder / "static"))
    assert assets.static_dir() == folder / "static"


def test_draw_urls_only_when_both_files_are_there(tmp_path):
    assert assets.draw_urls(tmp_path) is None
    (tmp_path / "leaflet.draw.js").write_text("//")
    assert assets.draw_urls(tmp_path) is None
    (tmp_path / "leaflet.draw.css").write_text("/**/")
    js, css = assets.draw_urls(tmp_path)
    assert js == "/app/static/vendor/leaflet-draw/leaflet.draw.js" and css.endswith("/leaflet.draw.css")
    assert assets.draw_urls() == (js, css)  # the shipped copy is always there


def test_view_fits_bounds_by_hand():
    # 360/1024° of longitude at the equator is 256 px at zoom 10: it fills a 256 px wide map (no padding).
    centre, zoom = view_for_bounds((0.0, 0.0, 360 / 1024, 0.0), 256, 256, padding_px=0)
    assert zoom == 10 and centre == pytest.approx((0.0, 180 / 1024))
    # Twice the span needs one zoom level less; a single point takes the closest zoom allowed.
    assert view_for_bounds((0.0, 0.0, 720 / 1024, 0.0), 256, 256, padding_px=0)[1] == 9
    assert view_for_bounds((121.5, 29.9, 121.5, 29.9), 800, 600, max_zoom=16)[1] == 16
    # The taller side decides: 1° of latitude at the equator spans 1/360 of the Mercator height.
    _, zoom = view_for_bounds((0.0, -0.5, 0.001, 0.5), 2000, 256, padding_px=0)
    assert zoom == 8  # 256·2^8/360 ≈ 182 px for 1° ≤ 256 px < 364 px at zoom 9


def test_published_geojson_is_written_once_and_old_versions_pruned(tmp_path, monkeypatch):
    import os
    import time

    from maps.overlays import publish_geojson

    monkeypatch.setenv("LANDPARK_STATIC_DIR", str(tmp_path))
    data = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "甲"},
                                                       "geometry": {"type": "Point", "coordinates": [120, 30]}}]}
    url = publish_geojson(data, "layer-abc")
    assert url.startswith("/app/static/generated/layer-abc-") and url.endswith(".geojson")
    path = tmp_path / "generated" / url.rsplit("/", 1)[1]
    assert json.loads(path.read_text(encoding="utf-8")) == data
    assert publish_geojson(data, "layer-abc") == url  # same content, same file
    other = tmp_path / "generated" / "layer-other-0.geojson"
    other.write_text("{}")
    day_old = time.time() - 2 * 86_400
    os.utime(path, (day_old, day_old))
    os.utime(other, (day_old, day_old))
    changed = {**data, "features": []}
    new_url = publish_geojson(changed, "layer-abc")
    assert new_url != url and not path.exists()  # the day-old version of this layer is gone
    assert other.exists()  # another layer's file is left alone
