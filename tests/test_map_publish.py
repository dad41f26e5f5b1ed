"""Map layers published once as static files (issue 13, item 1): the page carries URLs, not the data, so a
click or recolour re-sends kilobytes; offline exports keep the data inline."""

from __future__ import annotations

import json

import geopandas as gpd
import shapely

from maps.codec import encode_layer
from maps.publish import payload_name, publish_payload
from maps.webmap import build_map


def parks_layer():
    frame = gpd.GeoDataFrame({"park_id": ["P1", "P2"], "name": ["甲园", "乙园"]},
                             geometry=[shapely.box(121.0, 29.0, 121.01, 29.01), shapely.box(121.02, 29.0, 121.03, 29.01)],
                             crs=4326)
    return encode_layer("parks", frame.geometry.to_numpy(), frame[["park_id", "name"]])


def test_payload_is_written_once_under_its_content_hash(tmp_path):
    layer = parks_layer()
    url = publish_payload(layer.payload, "parks", folder=tmp_path)
    name = payload_name("parks", layer.payload)
    assert url == f"/app/static/layers/{name}"
    path = tmp_path / "layers" / name
    assert path.read_text(encoding="utf-8") == layer.payload and json.loads(path.read_text(encoding="utf-8"))
    stamp = path.stat().st_mtime_ns
    assert publish_payload(layer.payload, "parks", folder=tmp_path) == url and path.stat().st_mtime_ns == stamp
    other = publish_payload(layer.payload.replace("甲园", "丙园"), "parks", folder=tmp_path)
    assert other != url  # new content, new URL: a browser never keeps stale data


def test_published_map_carries_the_url_not_the_data(tmp_path):
    layer = parks_layer()
    published = build_map({"parks": layer}, publish=lambda payload, kind: publish_payload(payload, kind, folder=tmp_path))
    page = published.get_root().render()
    assert "landparkLayerUrl(\"/app/static/layers/parks-" in page and layer.payload not in page
    inline = build_map({"parks": layer}).get_root().render()
    assert layer.payload in inline and "landparkLayerUrl(\"" not in inline
    assert len(page) < len(inline)


def test_unwritable_folder_falls_back_to_inline(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("x", encoding="utf-8")  # a file where the folder should be
    layer = parks_layer()
    assert publish_payload(layer.payload, "parks", folder=blocked) is None
    page = build_map({"parks": layer}, publish=lambda p, k: publish_payload(p, k, folder=blocked)).get_root().render()
    assert layer.payload in page
