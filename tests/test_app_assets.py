"""The app's own front-end assets: Leaflet.draw fetched once, verified, served locally; map view helpers."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile

import pytest

from maps import assets
from maps.overlays import view_for_bounds


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/dist/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_draw_urls_only_when_both_files_are_there(tmp_path):
    assert assets.draw_urls(tmp_path) is None
    (tmp_path / "leaflet.draw.js").write_text("//")
    assert assets.draw_urls(tmp_path) is None
    (tmp_path / "leaflet.draw.css").write_text("/**/")
    js, css = assets.draw_urls(tmp_path)
    assert js == "/app/static/vendor/leaflet-draw/leaflet.draw.js" and css.endswith("/leaflet.draw.css")


def test_a_tarball_with_another_checksum_is_refused(tmp_path):
    fake = _tarball({name: b"x" for name in assets.DRAW_FILES})
    with pytest.raises(ValueError, match="does not match"):
        assets.fetch_leaflet_draw(tmp_path / "leaflet-draw", tarball=fake)
    assert not (tmp_path / "leaflet-draw").exists()


def test_a_verified_tarball_is_unpacked_with_its_version(tmp_path, monkeypatch):
    files = {name: name.encode() for name in assets.DRAW_FILES}
    data = _tarball(files)
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    monkeypatch.setattr(assets, "DRAW_INTEGRITY", digest)
    folder = assets.fetch_leaflet_draw(tmp_path / "vendor" / "leaflet-draw", tarball=data)
    assert (folder / "images" / "spritesheet.svg").read_bytes() == b"images/spritesheet.svg"
    assert json.loads((folder / "VERSION.json").read_text())["integrity"] == digest
    assert assets.draw_urls(folder) is not None


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

    import ui.state
    from maps.overlays import publish_geojson

    monkeypatch.setattr(ui.state, "STATIC_DIR", tmp_path)
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
