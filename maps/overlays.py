"""Overlays the supply and siting pages add to `maps.webmap.build_map`: highlighted parcels,
ranked candidates with numbered labels, a search area, a small legend, and the view that fits them.

Display only (no analysis): geometry goes to lon/lat rounded to 1e-6° as in `maps.webmap`.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
from branca.element import MacroElement, Template

from layers.project import Project

__all__ = ["CONTEXT_KINDS", "context_layers", "lonlat_geojson", "view_for_bounds", "rank_marker", "corner_legend",
           "layer_control_last", "publish_geojson", "StaticGeoJson", "add_geojson",
           "fold_legend", "project_stem"]

# Layers drawn under the overlays of both pages (parcels are the pages' own overlays).
CONTEXT_KINDS = ("constraints", "roads", "protection_lines", "parks", "micro_parks", "future_communities")


def context_layers(project: Project) -> tuple[dict, tuple[float, float, float, float] | None]:
    """The context layers of `project` ready for `build_map`, and the district bounds (lon/lat)."""
    from maps.webmap import lonlat_bounds, to_display

    names = set(project.layer_names())
    shown, bounds = {}, None
    for kind in CONTEXT_KINDS:
        if kind in names:
            frame = project.read_layer(kind)
            if len(frame):
                shown[kind] = to_display(frame, kind)
    for kind in ("parcels", "constraints", "protection_lines", "parks"):
        if kind in names:
            frame = project.read_layer(kind, columns=[]) if kind == "parcels" else project.read_layer(kind)
            if len(frame):
                bounds = lonlat_bounds(frame)
                break
    return shown, bounds


def lonlat_geojson(frame: gpd.GeoDataFrame, fields: list[str], *, simplify_m: float = 1.0) -> dict[str, Any]:
    """`frame`'s `fields` and geometry as a GeoJSON dict in EPSG:4326, through the shared display pipeline
    (`maps.webmap.display_geometries`: simplified in metres, rounded to 1e-6°)."""
    from maps.webmap import display_geometries

    data = frame[[*fields, frame.geometry.name]]
    data = data[~(data.geometry.isna() | data.geometry.is_empty)]
    shown = gpd.GeoDataFrame(data[fields].astype(object).where(data[fields].notna(), None),
                             geometry=display_geometries(data, simplify_m=simplify_m, precision=1e-6), crs=4326)
    return shown.__geo_interface__


def view_for_bounds(bounds: tuple[float, float, float, float], width_px: int, height_px: int, *,
                    padding_px: int = 40, min_zoom: int = 3, max_zoom: int = 18) -> tuple[tuple[float, float], int]:
    """((lat, lon) centre, zoom) of a Web Mercator view that shows lon/lat `bounds` in a map of that size.

    At zoom z the world is 256·2^z pixels wide; a span covers its share of that in x (longitude)
    and in Mercator y, so the largest z at which both shares fit the padded map is the floor of a log2.
    """
    minx, miny, maxx, maxy = bounds

    def merc(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    fx = max(maxx - minx, 0.0) / 360.0
    fy = max(merc(maxy) - merc(miny), 0.0) / (2 * math.pi)
    room_x, room_y = max(width_px - 2 * padding_px, 1), max(height_px - 2 * padding_px, 1)
    candidates = [math.log2(room / (256.0 * f)) for room, f in ((room_x, fx), (room_y, fy)) if f > 0]
    zoom = max_zoom if not candidates else int(math.floor(min(candidates)))
    centre_y = (merc(miny) + merc(maxy)) / 2
    centre_lat = math.degrees(2 * math.atan(math.exp(centre_y)) - math.pi / 2)
    return (centre_lat, (minx + maxx) / 2), max(min_zoom, min(max_zoom, zoom))


def rank_marker(lat: float, lon: float, rank: int, tooltip: str, *, colour: str = "#0b3d91") -> folium.Marker:
    """A round numbered label (the candidate's rank) at (lat, lon)."""
    icon = folium.DivIcon(
        html=f'<div class="landpark-rank" style="width:24px;height:24px;border-radius:12px;background:{colour};'
             f'color:#fff;font:bold 13px/24px sans-serif;text-align:center;border:2px solid #fff;'
             f'box-shadow:0 0 3px rgba(0,0,0,.6)">{int(rank)}</div>',
        icon_size=(28, 28), icon_anchor=(14, 14), class_name="landpark-rank-icon")
    return folium.Marker(location=[lat, lon], icon=icon, tooltip=tooltip)


def corner_legend(title: str, rows: list[tuple[str, str, str]], *, element_id: str) -> MacroElement:
    """A small legend box at the bottom right of the map (the layer control is at the top right).

    Rows are (colour, label, "fill" | "line" | "dot").
    """
    swatch = {
        "fill": "background:{c};opacity:.75",
        "line": "border:2px solid {c}",
        "dot": "background:{c};border-radius:6px",
    }
    items = "".join(
        f'<div><span style="display:inline-block;width:14px;height:10px;margin-right:6px;'
        f'{swatch[kind].format(c=colour)}"></span>{html.escape(label)}</div>' for colour, label, kind in rows)
    macro = MacroElement()
    macro._template = Template(f"""{{% macro html(this, kwargs) %}}
<div id="{element_id}" style="position:absolute;bottom:48px;right:10px;z-index:9999;background:rgba(255,255,255,.92);
 padding:6px 9px;border:1px solid #bbb;border-radius:4px;font:12px/1.5 sans-serif;max-width:220px">
<div style="font-weight:bold;margin-bottom:3px">{html.escape(title)}</div>{items}</div>
{{% endmacro %}}""")
    return macro


def layer_control_last(fmap: folium.Map, *, collapsed: bool | None = None) -> folium.Map:
    """Move the map's layer control after the groups added since `build_map` (and collapse it on small maps).

    folium writes the control's script where the control sits among the map's children, and it
    names every overlay group: a group added after it is referenced before its `var` is assigned
    (Leaflet then fails with "Cannot read properties of undefined (reading 'setZIndex')").
    """
    for key, child in list(fmap._children.items()):
        if isinstance(child, folium.LayerControl):
            if collapsed is not None:
                child.options["collapsed"] = collapsed
            del fmap._children[key]
            fmap.add_child(child, name=key)
    return fmap


PUBLISHED_DIR = "generated"  # under the app's static folder


PUBLISHED_KEEP_S = 86_400  # older versions of a published layer are removed after a day


def publish_geojson(data: dict[str, Any], stem: str) -> str | None:
    """Write `data` once as static/generated/<stem>-<digest>.geojson and return its URL (/app/static/…).

    Big layers then travel once, cached by the browser, instead of inside every rerun's map
    script (folium inlines GeoJSON, and each rerun re-sends and re-parses it). Versions of the
    same `stem` (name it per project) older than a day are removed. None when the static folder
    cannot be written: the caller then inlines the data.
    """
    import time

    from maps.assets import static_dir

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    name = f"{stem}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:16]}.geojson"
    target = static_dir() / PUBLISHED_DIR / name
    try:
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        os.utime(target)
    except OSError:
        return None
    for old in target.parent.glob(f"{stem}-*.geojson"):
        try:
            if old != target and old.stat().st_mtime < time.time() - PUBLISHED_KEEP_S:
                old.unlink()
        except OSError:
            pass
    return f"/app/static/{PUBLISHED_DIR}/{name}"


def project_stem(project: Project, kind: str) -> str:
    """A file stem naming `kind` for one project folder (so pruning never touches another project's files)."""
    return f"{kind}-{hashlib.sha1(str(project.root).encode('utf-8')).hexdigest()[:8]}"


class StaticGeoJson(folium.map.Layer):
    """A GeoJSON layer the browser fetches from a URL (or, when it could not be published, carried in the page),
    drawn with one style, with a tooltip of some fields. `register`: the name under which the layer, once its data
    is in, joins `window.landparkLists` (and `window.landparkShowLists` runs, when the page defines it)."""

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.geoJson(null, {
    style: function () { return {{ this.style|tojson }}; },
    onEachFeature: function (feature, layer) {
        var p = feature.properties || {}, fields = {{ this.fields|tojson }}, aliases = {{ this.aliases|tojson }};
        var rows = fields.map(function (f, i) {
            var v = p[f]; return aliases[i] + "：" + ((v === null || v === undefined) ? "—" : v);
        });
        if (rows.length) { layer.bindTooltip(rows.join("<br>"), {sticky: true}); }
    }
});
{% if this.url %}fetch({{ this.url|tojson }}).then(function (r) { return r.json(); })
{%- else %}Promise.resolve({{ this.data|tojson }}){% endif %}
    .then(function (d) { {{ this.get_name() }}.addData(d);
{%- if this.register %}
      window.landparkLists = window.landparkLists || {};
      window.landparkLists[{{ this.register|tojson }}] = {{ this.get_name() }};
      if (window.landparkShowLists) { window.landparkShowLists(); }
{%- endif %} });
{% endmacro %}
""")

    def __init__(self, url: str | None, *, name: str, style: dict[str, Any], fields: list[str] | None = None,
                 aliases: list[str] | None = None, show: bool = True, data: dict[str, Any] | None = None,
                 register: str | None = None):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "StaticGeoJson"
        self.url = url
        self.data = data if url is None else None
        self.style = style
        self.fields = list(fields or [])
        self.aliases = list(aliases or self.fields)
        self.register = register


def shown_row_masks(shown: Mapping[str, Iterable[str]], features: Mapping[str, list[dict[str, Any]]], *,
                    id_field: str = "parcel_id") -> dict[str, str]:
    """Per registered layer (`StaticGeoJson(register=…)`), which of its features (in the layer's order) to show: the
    ids in `shown[name]`, as hexadecimal digits of four features each, the first feature the highest bit."""
    masks = {}
    for name, feats in features.items():
        keep = set(shown.get(name, ()))
        bits = np.array([f["properties"][id_field] in keep for f in feats], dtype=np.uint8)
        bits = np.concatenate([bits, np.zeros(-len(bits) % 4, dtype=np.uint8)]).reshape(-1, 4)
        masks[name] = "".join("0123456789abcdef"[v] for v in (bits @ np.array([8, 4, 2, 1], dtype=np.uint8)).tolist())
    return masks


class ShowRegisteredRows(MacroElement):
    """Part of a base map's script: `window.landparkShowLists()`, which keeps in each registered layer only the
    features its mask (`window.landparkListMasks`, from `ShownRows`) shows; the others are taken out of the layer
    (no drawing, no tooltip) and put back when shown again. Run when a layer's data arrive and when masks change."""

    _template = Template("""{% macro script(this, kwargs) %}
window.landparkShowLists = function () {
  var lists = window.landparkLists || {}, masks = window.landparkListMasks || {};
  Object.keys(lists).forEach(function (name) {
    var layer = lists[name], mask = masks[name];
    if (!layer._landparkAll) { layer._landparkAll = layer.getLayers(); }
    layer._landparkAll.forEach(function (l, i) {
      var show = mask === undefined || ((parseInt(mask.charAt(i >> 2), 16) >> (3 - (i & 3))) & 1) === 1;
      if (show && !layer.hasLayer(l)) { layer.addLayer(l); } else if (!show && layer.hasLayer(l)) { layer.removeLayer(l); }
    });
  });
};
{% endmacro %}""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "ShowRegisteredRows"


class OverlayChannel(MacroElement):
    """Part of a base map's script: the map takes its run's overlay from the app's page, not from its own arguments,
    so a run that changes only the overlay leaves the map component as it was (Streamlit sends a reference to it,
    and the map is not handed its script again).

    The page keeps each channel's latest overlay in `window.parent.landparkOverlays[channel]` and calls
    `window.landparkApplyOverlay(overlay)` on the map's window (ui/map_overlay.py); the map also takes the kept one
    when it starts. An overlay: `layers` (GeoJSON drawn with one style and a tooltip of some fields, each), `masks`
    (`shown_row_masks`, applied by `ShowRegisteredRows`), `spec` (`maps.webmap.overlay_spec`, drawn by the map's
    `landparkOverlay`) and `view` (`{center, zoom}`, applied when it changes)."""

    _template = Template("""{% macro script(this, kwargs) %}
(function (map) {
  window.landparkOverlayChannel = {{ this.channel|tojson }};
  var group = L.featureGroup().addTo(map), lastView = null, lastMasks = null;
  window.landparkOverlayGroup = group;
  window.landparkApplyOverlay = function (overlay) {
    if (!overlay || overlay === window.landparkAppliedOverlay) { return; }
    window.landparkAppliedOverlay = overlay;
    group.clearLayers();
    (overlay.layers || []).forEach(function (spec) {
      L.geoJson(spec.data, {
        style: function () { return spec.style; },
        onEachFeature: function (feature, layer) {
          var p = feature.properties || {};
          var rows = (spec.fields || []).map(function (f, i) {
            var v = p[f]; return spec.aliases[i] + "：" + ((v === null || v === undefined) ? "—" : v);
          });
          if (rows.length) { layer.bindTooltip(rows.join("<br>"), {sticky: true}); }
        }
      }).addTo(group);
    });
    var masks = overlay.masks ? JSON.stringify(overlay.masks) : null;
    if (masks && masks !== lastMasks) {  /* a tick leaves the rows shown as they are */
      window.landparkListMasks = overlay.masks;
      if (window.landparkShowLists) { window.landparkShowLists(); }
    }
    lastMasks = masks;
    if (overlay.spec !== undefined) {  /* the overview map's fills, outline, legend, firm classes (landparkOverlay) */
      if (window.landparkSpecGroup) { map.removeLayer(window.landparkSpecGroup); }
      window.landparkSpecGroup = L.featureGroup().addTo(map);
      if (overlay.spec && window.landparkOverlay) { window.landparkOverlay(window.landparkSpecGroup, overlay.spec); }
    }
    var view = overlay.view ? JSON.stringify(overlay.view) : null;
    /* a view asked by the page (a search, a selection, a filter) is jumped to, as a desktop GIS does: Leaflet's
       animation would hold the map ~0.25 s before the answer stands still */
    if (view && view !== lastView) { map.setView(overlay.view.center, overlay.view.zoom, {animate: false}); }
    lastView = view;
  };
  try {
    var kept = window.parent.landparkOverlays && window.parent.landparkOverlays[window.landparkOverlayChannel];
    if (kept) { window.landparkApplyOverlay(kept); }
  } catch (e) { /* a page of another origin: the overlay comes when it calls */ }
})({{ this._parent.get_name() }});
{% endmacro %}""")

    def __init__(self, channel: str) -> None:
        super().__init__()
        self._name = "OverlayChannel"
        self.channel = channel


class ShownRows(MacroElement):
    """In a run's dynamic group: the masks of `shown_row_masks`, applied at once (`ShowRegisteredRows`). The layers
    keep every feature; a filter sends only these few bytes."""

    _template = Template("""{% macro script(this, kwargs) %}
window.landparkListMasks = {{ this.masks }}; if (window.landparkShowLists) { window.landparkShowLists(); }
{% endmacro %}""")

    def __init__(self, masks: Mapping[str, str]) -> None:
        super().__init__()
        self._name = "ShownRows"
        self.masks = json.dumps(dict(masks), separators=(",", ":"))


def add_geojson(target: Any, data: dict[str, Any], url: str | None, *, name: str, style: dict[str, Any],
                fields: list[str], aliases: list[str], show: bool = True) -> None:
    """Add a layer to `target` (map): fetched from `url` when published, else inlined (folium.GeoJson)."""
    if url is not None:
        StaticGeoJson(url, name=name, style=style, fields=fields, aliases=aliases, show=show).add_to(target)
        return
    group = folium.FeatureGroup(name=name, show=show)
    folium.GeoJson(data, style_function=lambda f: dict(style),
                   tooltip=folium.GeoJsonTooltip(fields, aliases=aliases) if fields else None).add_to(group)
    group.add_to(target)


def fold_legend(fmap: folium.Map, element_id: str = "landpark-legend") -> None:
    """Start the map's collapsible legend (`build_map`'s, a <details> box) folded, so it hides no result;
    one click opens it. Does nothing when the map has no such legend."""
    macro = MacroElement()
    selector = json.dumps(f"#{element_id} details")
    macro._template = Template("{% macro script(this, kwargs) %}\n(function () { var box = document.querySelector("
                               + selector + '); if (box) { box.removeAttribute("open"); } })();\n{% endmacro %}')
    macro.add_to(fmap)
