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


def test_prepared_map_asks_for_its_layers_before_leaflet_loads(tmp_path):
    """The component runs its scripts in order and the map's script last: the first one, a data: URL, asks for
    every published layer and preloads the later scripts and styles, so they load while Leaflet does."""
    from urllib.parse import unquote

    from ui.folium_map import prepare_map

    layer = parks_layer()
    published = lambda payload, kind: publish_payload(payload, kind, folder=tmp_path)  # noqa: E731
    prepared = prepare_map(("test-prefetch", str(tmp_path)),
                           lambda: build_map({"parks": layer}, publish=published,
                                             leaflet_urls=("/app/static/leaflet.js", "/app/static/leaflet.css")))
    first, *rest = prepared.js_links
    assert rest[0] == "/app/static/leaflet.js" and rest[1].startswith("/app/static/layers/landpark-map-")
    assert first.startswith("data:text/javascript;charset=utf-8,") and " " not in first and "#" not in first
    script = unquote(first.split(",", 1)[1])
    parks_url = f"/app/static/layers/{payload_name('parks', layer.payload)}"
    # its arguments: the layer files, the scripts after Leaflet (asked for right after this one anyway), the styles
    assert script.endswith(f'(["{parks_url}"],["{rest[1]}"],["/app/static/leaflet.css"]);')
    assert "fetch(x)" in script and "l.rel='preload'" in script
    assert f'landparkLayerUrl("{parks_url}"' in prepared.script        # and taken from there by the map's script
    assert len(first) < 1200  # sent again with every rerun
