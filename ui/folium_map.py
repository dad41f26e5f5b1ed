"""The overview map's base, rendered once per view and reused by every rerun.

`streamlit_folium.st_folium` renders the whole folium figure three times on every script run (≈ 40 ms and
the same 35 KB of script sent again), although between clicks only the small overlay group changes. Here
the base map is prepared once per project version, basemap and language (`prepare_map`) and `show_map`
sends the prepared script with the run's overlay, centre and zoom through streamlit-folium's own
component, so the browser keeps its map and applies the overlay as before. Pinned to
streamlit-folium 0.27.4 (pyproject.toml), whose component arguments this mirrors.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import folium
import streamlit as st

_LOCK = threading.Lock()       # the overlay is rendered as a child of the shared base map: one at a time
_PREPARED: OrderedDict[Hashable, PreparedMap] = OrderedDict()
_LIMIT = 8


@dataclass(frozen=True)
class PreparedMap:
    """A folium map rendered into the pieces streamlit-folium's component takes."""

    fmap: folium.Map
    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: dict[str, dict[str, float | None]]
    # the files the map's frame will ask for (layers, scripts, styles): the page asks for them first (ui.map_overlay),
    # while the frame is still loading streamlit-folium's own script; the frame then takes them from the cache
    prefetch: tuple[str, ...] = ()


def _links(element: Any) -> tuple[list[str], list[str], list[str]]:
    """CSS and JS links of every element of a figure, in order, without repeats (what the component loads), and
    the published layer files its script fetches."""
    css: list[str] = []
    js: list[str] = []
    data: list[str] = []
    stack = [element]
    while stack:
        item = stack.pop(0)
        css.extend(href for _, href in getattr(item, "default_css", []))
        js.extend(src for _, src in getattr(item, "default_js", []))
        data.extend([item.data_url] if getattr(item, "data_url", None) else [])
        stack[0:0] = list(getattr(item, "_children", {}).values())
    return list(dict.fromkeys(css)), list(dict.fromkeys(js)), list(dict.fromkeys(data))


def prepare_map(key: Hashable, build: Any) -> PreparedMap:
    """The prepared map for `key`, built by `build()` (a folium.Map) and rendered the first time it is asked for."""
    from streamlit_folium import _get_header, _get_html, _get_map_string, get_full_id

    from maps.webmap import prefetch_script

    with _LOCK:
        if key in _PREPARED:
            _PREPARED.move_to_end(key)
            return _PREPARED[key]
    fmap = build()
    fmap.get_root().render()
    fmap.render()
    html, header = _get_html(fmap), _get_header(fmap)
    script = _get_map_string(fmap)
    try:
        (s, w), (n, e) = fmap.get_bounds()
    except (AttributeError, TypeError, ValueError):
        s = w = n = e = None
    css, js, data = _links(fmap)
    files = tuple(u for u in (*data, *js, *css) if u.startswith("/"))  # served by the app (not a data: URL, no CDN)
    if data:  # first, a script asking for the layers and the other files at once (maps.webmap.prefetch_script)
        js = [prefetch_script(data, js[1:], css), *js]
    prepared = PreparedMap(fmap, script, header, html, get_full_id(fmap), tuple(css), tuple(js),
                           {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}}, files)
    with _LOCK:
        _PREPARED[key] = prepared
        while len(_PREPARED) > _LIMIT:
            _PREPARED.popitem(last=False)
    return prepared


def show_map(prepared: PreparedMap, *, key: str, height: int, returned_objects: list[str],
             overlay: folium.FeatureGroup | None = None, center: Any = None, zoom: int | None = None) -> Any:
    """Draw a prepared map with this run's overlay; returns the component's answer (as st_folium does)."""
    from streamlit_folium import _component_func, _get_feature_group_string, generate_js_hash

    group = None
    if overlay is not None:
        with _LOCK:
            group = _get_feature_group_string(overlay, map=prepared.fmap, idx=0)
            prepared.fmap._children.pop(overlay.get_name(), None)  # the base stays as prepared
    hash_key = generate_js_hash(prepared.script, key, False)
    defaults = {"last_object_clicked": None, "last_active_drawing": None, "bounds": prepared.bounds, "zoom": None}
    defaults = {k: v for k, v in defaults.items() if k in returned_objects}

    def _on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return _component_func(script=prepared.script, header=prepared.header, html=prepared.html, id=prepared.map_id,
                           key=hash_key, height=height, width=None, returned_objects=returned_objects,
                           default=defaults, zoom=zoom, center=center, feature_group=group, return_on_hover=False,
                           layer_control=None, pixelated=False, css_links=list(prepared.css_links),
                           js_links=list(prepared.js_links), on_change=_on_change, wrap_longitude=False)


__all__ = ["PreparedMap", "prepare_map", "show_map"]
