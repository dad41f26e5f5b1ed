"""Folium maps of a project's layers, shared by the app and the HTML export.

Display only: geometry is simplified in the metric CRS, converted to lon/lat (CGCS2000 ≈ WGS84 at
map scale; optionally shifted to GCJ-02 for AMap tiles) and rounded.

Two ways to put a layer on the map:
- `to_display` → `DisplayLayer`: plain GeoJSON drawn by `folium.GeoJson` (small layers, tests);
- `maps.codec.encode_layer` → `CompactLayer`: quantised, delta-encoded JSON decoded and
  styled in the browser by a small script (`LandparkScript`), a fifth of the size and no
  per-feature work in Python — what the app uses for 20,000 parcels.
`build_map` accepts either kind per layer. `overlay_group` makes the small layer the app swaps
without re-mounting the map: the choropleth fill and legend, the selected unit's outline and the
enterprises' A/B/C/D classes once the evaluation is ready.
"""

from __future__ import annotations

import base64
import html as _html
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement, Template
from folium.elements import JSCSSMixin

from i18n import field_label, layer_label, t
from maps.codec import DECODER_JS, CompactLayer
from maps.packed import PACKED_JS
from spatial.transform import reprojected, reprojected_bounds

SUPPLY_COLOURS = {"unsupplied": "#f0a202", "supplied": "#4f9dd9", "built": "#9e9e9e", "idle": "#d7263d"}
CONSTRAINT_COLOURS = {"urban_boundary": "#6a4c93", "permanent_farmland": "#8ac926", "ecological_redline": "#2a9d8f"}
LINE_COLOURS = {"red": "#e31a1c", "blue": "#1f78b4"}
CLASS_COLOURS = {"A": "#1a9850", "B": "#91cf60", "C": "#fdae61", "D": "#d73027"}
NO_CLASS_COLOUR = "#777777"
SELECTED_COLOUR = "#00c8ff"
UNIT_STYLE = {
    "parks": {"color": "#ff7f00", "weight": 2.5, "fillOpacity": 0.05},
    "micro_parks": {"color": "#a65628", "weight": 2, "fillOpacity": 0.15},
    "future_communities": {"color": "#984ea3", "weight": 2, "fillOpacity": 0.12, "dashArray": "6 4"},
}
UNIT_KINDS = ("protection_lines", "future_communities", "parks", "micro_parks")  # drawn in this order (small on top)
MAJOR_ROADS = ("主干路", "快速路", "arterial", "expressway")
# Layers drawn bottom to top; tooltip fields per layer (canonical names).
DRAW_ORDER = ["constraints", "land_approvals", "parcels", "roads", "protection_lines", "future_communities",
              "parks", "micro_parks", "enterprises"]
TOOLTIP_FIELDS = {
    "parcels": ["parcel_id", "land_use", "supply_status", "parcel_count"],   # parcel_count: merged parcels
    "protection_lines": ["line_id", "name", "level"],
    "parks": ["park_id", "name", "kind", "leading_industries"],
    "micro_parks": ["park_id", "name", "leading_industries"],
    "future_communities": ["community_id", "name", "leading_industries"],
    "land_approvals": ["approval_id", "approved_date"],
    "constraints": ["kind", "name"],
    "roads": ["road_class", "name"],
    "enterprises": ["uscc", "name", "industry"],
}
# Polygon layers drawn by `maps.packed` (one canvas, no Leaflet object per feature): the parcels, by far the most.
PACKED_KINDS = frozenset({"parcels"})
SHOWN_BY_DEFAULT = {"parcels", "protection_lines", "parks", "micro_parks", "future_communities", "roads"}
STYLE_FIELD = {"parcels": "supply_status", "protection_lines": "level", "constraints": "kind", "roads": "road_class",
               "enterprises": "class"}


@dataclass
class DisplayLayer:
    """One layer ready for the web map: GeoJSON text in lon/lat and its feature count."""

    kind: str
    geojson: str
    count: int
    fields: list[str]


def display_geometries(frame: gpd.GeoDataFrame, *, simplify_m: float = 1.0, gcj02: bool = False,
                       precision: float | None = None) -> np.ndarray:
    """Lon/lat geometries for display: simplified in the metric CRS, reprojected, optionally GCJ-02-shifted
    (AMap tiles; display only) and snapped to a `precision`-degree grid."""
    geoms = frame.geometry
    if simplify_m and frame.crs is not None and frame.crs.is_projected:
        simple = shapely.simplify(geoms.to_numpy(), simplify_m, preserve_topology=True)
        geoms = gpd.GeoSeries(simple, crs=frame.crs)
    out = reprojected(geoms.to_numpy(), frame.crs, 4326) if frame.crs is not None else geoms.to_numpy()
    if gcj02:
        from spatial.gcj02 import geometries_to_gcj02  # noqa: PLC0415

        out = geometries_to_gcj02(out)
    if precision:
        out = shapely.set_precision(out, precision)
    return out


def to_display(frame: gpd.GeoDataFrame, kind: str, *, simplify_m: float = 1.0, precision: float = 1e-6,
               gcj02: bool = False) -> DisplayLayer:
    """Simplify (in the metric CRS), reproject to EPSG:4326 (GCJ-02 when asked), round to `precision`°
    and keep tooltip fields only."""
    fields = [f for f in TOOLTIP_FIELDS.get(kind, []) if f in frame.columns]
    style_field = {"parcels": "supply_status", "protection_lines": "level", "constraints": "kind"}.get(kind)
    if style_field and style_field in frame.columns and style_field not in fields:
        fields.append(style_field)
    data = frame[fields + [frame.geometry.name]].copy()
    data = data[~(data.geometry.isna() | data.geometry.is_empty)]
    geoms = display_geometries(data, simplify_m=0 if kind == "enterprises" else simplify_m, gcj02=gcj02,
                               precision=precision)
    data = gpd.GeoDataFrame(data.drop(columns=data.geometry.name), geometry=geoms, crs=4326)
    for col in fields:
        data[col] = data[col].astype(object).where(data[col].notna(), None).map(lambda v: None if v is None else str(v))
    tip = [f for f in TOOLTIP_FIELDS.get(kind, []) if f in fields]
    return DisplayLayer(kind, data.to_json(drop_id=True, ensure_ascii=False), len(data), tip)


def _style(kind: str):
    if kind == "parcels":
        return lambda f: {"color": "#555555", "weight": 0.3, "fillOpacity": 0.55,
                          "fillColor": SUPPLY_COLOURS.get(f["properties"].get("supply_status"), "#cccccc")}
    if kind == "protection_lines":
        return lambda f: {"color": LINE_COLOURS.get(f["properties"].get("level"), "#333"), "weight": 3,
                          "fillOpacity": 0.04, "fillColor": LINE_COLOURS.get(f["properties"].get("level"), "#333")}
    if kind == "constraints":
        return lambda f: {"color": CONSTRAINT_COLOURS.get(f["properties"].get("kind"), "#777"), "weight": 1.5,
                          "fillOpacity": 0.12, "fillColor": CONSTRAINT_COLOURS.get(f["properties"].get("kind"), "#777")}
    if kind == "roads":
        return lambda f: {"color": "#444444", "weight": 2.5 if f["properties"].get("road_class") in MAJOR_ROADS else 1.2}
    if kind == "land_approvals":
        return lambda f: {"color": "#2b8a3e", "weight": 1, "fillOpacity": 0.0, "dashArray": "3 3"}
    style = UNIT_STYLE.get(kind, {"color": "#333", "weight": 1})
    return lambda f: dict(style)


def style_spec(kind: str) -> dict:
    """The browser-side style of a compact layer: base style, and per value of one field the overrides."""
    if kind == "parcels":
        return {"base": {"color": "#555555", "weight": 0.3, "fillOpacity": 0.55, "fillColor": "#cccccc"},
                "field": "supply_status", "values": {k: {"fillColor": c} for k, c in SUPPLY_COLOURS.items()}}
    if kind == "protection_lines":
        return {"base": {"color": "#333333", "weight": 3, "fillOpacity": 0.04, "fillColor": "#333333"},
                "field": "level", "values": {k: {"color": c, "fillColor": c} for k, c in LINE_COLOURS.items()}}
    if kind == "constraints":
        return {"base": {"color": "#777777", "weight": 1.5, "fillOpacity": 0.12, "fillColor": "#777777"},
                "field": "kind", "values": {k: {"color": c, "fillColor": c} for k, c in CONSTRAINT_COLOURS.items()}}
    if kind == "roads":
        return {"base": {"color": "#444444", "weight": 1.2}, "field": "road_class",
                "values": {k: {"weight": 2.5} for k in MAJOR_ROADS}}
    if kind == "land_approvals":
        return {"base": {"color": "#2b8a3e", "weight": 1, "fillOpacity": 0.0, "dashArray": "3 3"}}
    if kind == "enterprises":
        return {"base": {"radius": 3, "color": "#222222", "weight": 0.4, "fillOpacity": 0.85, "fillColor": NO_CLASS_COLOUR},
                "field": "class", "values": {k: {"fillColor": c} for k, c in CLASS_COLOURS.items()}}
    return {"base": dict(UNIT_STYLE.get(kind, {"color": "#333333", "weight": 1}))}


def value_labels(lang: str) -> dict[str, str]:
    """Coded values shown translated in tooltips (supply status, line level, constraint kind, park kind)."""
    from layers.schema import PARK_KINDS  # noqa: PLC0415

    labels = {c: t(c, lang) for c in [*SUPPLY_COLOURS, *LINE_COLOURS, *CONSTRAINT_COLOURS]}
    labels.update({k: t(f"map_kind_{k}", lang) for k in PARK_KINDS})
    return labels


class _RawText(Element):
    """Text added to a figure as is: not compiled as a Jinja template (a megabyte of JSON would take
    0.3 s to tokenise, and `{#` or `{{` inside data must stay data)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class _RawScriptMacro(MacroElement):
    """A MacroElement whose rendered script joins the figure as raw text (see `_RawText`)."""

    def render(self, **kwargs) -> None:
        script = self._template.module.__dict__.get("script")
        if script is not None:
            self.get_root().script.add_child(_RawText(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


# The browser helpers every compact-layer map uses: decoding, drawing and restyling layers, the overlay. The app
# serves them as one cacheable static file (`LandparkScriptLink`); offline pages carry them inline (`LandparkScript`).
LANDPARK_JS = DECODER_JS + PACKED_JS + r"""
function landparkEsc(v) { return String(v).replace(/[&<>"]/g, function (c) {
  return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
function landparkStyler(st) {
  return function (f) { var s = Object.assign({}, st.base || {});
    if (st.field && f && f.properties) { var extra = (st.values || {})[f.properties[st.field]];
      if (extra) { Object.assign(s, extra); } }
    return s; };
}
function landparkTipHtml(tip, p) {   // a feature's tooltip: one row per field, coded values labelled
  var rows = "";
  for (var i = 0; i < tip.fields.length; i++) { var v = p[tip.fields[i]];
    if (v === null || v === undefined || v === "") { v = "—"; } else if (tip.labels[v] !== undefined) { v = tip.labels[v]; }
    rows += "<tr><th style='text-align:left;padding-right:6px'>" + landparkEsc(tip.aliases[i]) + "</th><td>"
      + landparkEsc(v) + "</td></tr>"; }
  return "<table>" + rows + "</table>";
}
function landparkLayer(d, spec) {
  if (spec.packed && d.t === "polygon") { return landparkRegister(d.k, new LandparkPacked(d, spec)); }
  if (spec.lazy) { return landparkRegister(d.k, new LandparkLazy(function () { return landparkBuild(d, spec); })); }
  return landparkRegister(d.k, landparkBuild(d, spec));
}
function landparkBuild(d, spec) {   // one Leaflet object per feature
  var style = landparkStyler(spec.style || {});
  var opts = {style: style, interactive: spec.interactive !== false};
  if (d.t === "point") { opts.pointToLayer = function (f, ll) { return L.circleMarker(ll, style(f)); }; }
  var layer = L.geoJSON(landparkDecode(d), opts);
  var tip = spec.tip;
  if (tip && tip.fields.length) {
    layer.bindTooltip(function (l) { return landparkTipHtml(tip, l.feature.properties); }, {sticky: true});
  }
  if (spec.hover) {
    layer.on("mouseover", function (e) { e.layer.setStyle(spec.hover); window.landparkHoverTop = true; });
    layer.on("mouseout", function (e) { layer.resetStyle(e.layer); window.landparkHoverTop = false; });
  }
  if (spec.interactive !== false) {   // answered here: the packed parcels underneath leave this click alone
    layer.on("click", function (e) { window.landparkTopHit = e.originalEvent; setTimeout(landparkAnswerNow, 0); });
  }
  return layer;
}
// A layer hidden at first (the firms' 6,268 points on the demo) is built when first shown or first asked for
// (eachLayer, getLayers, toGeoJSON): building it had cost the first map about 60 ms. Firm classes that arrive
// before are kept and set when it is built.
var LandparkLazy = L.FeatureGroup.extend({
  initialize: function (build) { L.FeatureGroup.prototype.initialize.call(this); this._build = build; },
  built: function () { return !!this._real; },
  real: function () {
    if (!this._real) { this._real = this._build(); L.FeatureGroup.prototype.addLayer.call(this, this._real);
      if (this._classes) { landparkSetClasses(this._real, this._classes); } }
    return this._real; },
  onAdd: function (map) { map.addLayer(this.real()); },
  onRemove: function (map) { if (this._real) { map.removeLayer(this._real); } },
  setClasses: function (classes) {
    if (this._real) { landparkSetClasses(this._real, classes); } else { this._classes = classes; } },
  eachLayer: function (fn, ctx) { this.real().eachLayer(fn, ctx); return this; },
  getLayers: function () { return this.real().getLayers(); },
  resetStyle: function (l) { this.real().resetStyle(l); return this; },
  toGeoJSON: function () { return this.real().toGeoJSON(); }
});
function landparkSetClasses(layer, classes) {   // A/B/C/D per feature, one character each in feature order
  layer.eachLayer(function (l) { var c = classes.values.charAt(l.feature.id);
    l.feature.properties[classes.field] = (c === "-" || c === "") ? null : c; layer.resetStyle(l); });
}
function landparkRegister(kind, layer) {
  window.landparkLayers = window.landparkLayers || {};
  window.landparkLayers[kind] = layer;
  return layer;
}
// streamlit-folium answers a click after a 250 ms debounce; a feature click is answered at once instead. Runs
// after its own handler has recorded the click, builds the same answer (same keys, same order) and stores it as
// the last one sent, so the debounced call finds nothing new to send.
function landparkAnswerNow() {
  var g = window.__GLOBAL_DATA__, map = window.map;
  if (!g || !map || !window.Streamlit) { return; }
  var all = {last_clicked: g.lat_lng_clicked, last_object_clicked: g.last_object_clicked,
             last_object_clicked_count: g.last_object_clicked_count,
             last_object_clicked_tooltip: g.last_object_clicked_tooltip,
             last_object_clicked_popup: g.last_object_clicked_popup, all_drawings: g.all_drawings,
             last_active_drawing: g.last_active_drawing, last_geocoder_result: g.last_geocoder_result,
             bounds: map.getBounds(), zoom: map.getZoom(), last_circle_radius: g.last_circle_radius,
             last_circle_polygon: g.last_circle_polygon, center: map.getCenter(),
             selected_layers: Object.values(g.selected_layers || {}), selected_tags: g.selected_tags};
  var data = {};
  Object.keys(all).forEach(function (k) { if (!g.returned_objects || g.returned_objects.indexOf(k) >= 0) { data[k] = all[k]; } });
  if (JSON.stringify(g.previous_data) !== JSON.stringify(data)) {
    g.previous_data = data;
    window.Streamlit.setComponentValue(data);
  }
}
window.landparkPending = window.landparkPending || [];
window.landparkChain = window.landparkChain || Promise.resolve();
function landparkFetch(url) {
  return fetch(url).then(function (r) { if (!r.ok) { throw new Error(url + ": HTTP " + r.status); } return r.json(); });
}
function landparkLayerUrl(url, spec, parent) {   // a payload published as a static file (maps.publish)
  var early = window.landparkPrefetched || {}, data = early[url] || landparkFetch(url);   // see `prefetch_script`
  delete early[url];
  // fetched in parallel, added in the page's order: the canvas draws in the order layers are added
  window.landparkChain = window.landparkChain.then(function () { return data; })
    .then(function (d) { landparkLayer(d, spec).addTo(parent); window.landparkAdded = (window.landparkAdded || 0) + 1; })
    .catch(function (e) { console.error("landpark layer", e); });
  window.landparkPending.push(window.landparkChain);
  return window.landparkChain;
}
function landparkOverlay(fg, spec) {   // after every published layer has arrived
  Promise.all(window.landparkPending || []).then(function () { landparkOverlayNow(fg, spec); });
}
function landparkOverlayNow(fg, spec) {
  var layers = window.landparkLayers || {}, legend = null;
  if (spec.classes) { var firms = layers[spec.classes.kind];
    if (firms && firms.setClasses) { firms.setClasses(spec.classes); }
    else if (firms) { landparkSetClasses(firms, spec.classes); } }
  var each = function (visit) { (spec.kinds || []).forEach(function (kind) { var base = layers[kind];
    if (base) { base.eachLayer(function (l) { visit(l, l.feature.properties); }); } }); };
  if (spec.fill) { each(function (l, p) { var f = spec.fill[p.uk]; if (!f) { return; }
    var copy = L.geoJSON(l.toGeoJSON(),
                         {style: {color: "#333333", weight: 1, fillColor: f[0], fillOpacity: spec.opacity || 0.7}});
    copy.bindTooltip("<b>" + landparkEsc(p.name) + "</b><br>" + landparkEsc(spec.label) + "：" + landparkEsc(f[1]),
                     {sticky: true});
    copy.addTo(fg); }); }
  if (spec.select) { each(function (l, p) { if (p.uk !== spec.select) { return; }   // outline above every fill
    L.geoJSON(l.toGeoJSON(), {style: {color: spec.selectColour, weight: 5, opacity: 0.95, fill: false},
                              interactive: false}).addTo(fg);
  });
    // a parcel (宗地号) or a firm (credit code) found by the search or clicked: outlined the same way
    var sk = spec.select.split("|")[0], sid = spec.select.slice(sk.length + 1), base = layers[sk];
    var field = sk === "parcels" ? "parcel_id" : (sk === "enterprises" ? "uscc" : null);
    if (base && field && base.find) { var at = base.find(field, sid);   // packed parcels: one lookup, no proxies
      if (at >= 0) { L.geoJSON(base.feature(at), {style: {color: spec.selectColour, weight: 4, opacity: 0.95, fill: false},
                                                 interactive: false}).addTo(fg); } }
    else if (base && field) { base.eachLayer(function (l) { if (String(l.feature.properties[field]) !== sid) { return; }
      L.geoJSON(l.toGeoJSON(), {pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 9}); },
                                style: {color: spec.selectColour, weight: 4, opacity: 0.95, fill: false},
                                interactive: false}).addTo(fg); }); }
  }
  if (spec.legend) {
    legend = L.control({position: "bottomright"});
    legend.onAdd = function () { var div = L.DomUtil.create("div", "landpark-choropleth-legend");
      div.innerHTML = spec.legend; L.DomEvent.disableClickPropagation(div); return div; };
    fg.on("add", function () { legend.addTo(fg._map); });
    fg.on("remove", function () { legend.remove(); });
    if (fg._map) { legend.addTo(fg._map); }
  }
}
"""


class LandparkScript(_RawScriptMacro):
    """Defines the browser helpers once per map, inline (offline pages: the HTML export)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.js }}{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "LandparkScript"
        self.js = LANDPARK_JS

    def render(self, **kwargs) -> None:
        self.get_root().script.add_child(_RawText(LANDPARK_JS), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class LandparkScriptLink(JSCSSMixin, MacroElement):
    """The browser helpers as a published static file: the component loads it once with Leaflet, so the map's
    own script, sent again with every rerun, stays small."""

    _template = Template("")

    def __init__(self, url: str) -> None:
        super().__init__()
        self._name = "LandparkScriptLink"
        self.default_js = [("landpark_map_js", url)]


class FullscreenControl(MacroElement):
    """A 全屏 button under the zoom buttons: the map fills the screen (Esc or the button again to leave)."""

    _template = Template("""{% macro script(this, kwargs) %}
(function (map) {
  var Control = L.Control.extend({options: {position: "topleft"}, onAdd: function () {
    var box = L.DomUtil.create("div", "leaflet-bar landpark-fullscreen"), a = L.DomUtil.create("a", "", box);
    a.href = "#"; a.title = {{ this.title }}; a.setAttribute("role", "button");
    a.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" style="margin-top:7px" aria-hidden="true">'
      + '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" stroke-width="2"/></svg>';
    L.DomEvent.on(a, "click", function (e) { L.DomEvent.preventDefault(e);
      var page = document.documentElement;
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else if (page.requestFullscreen) { page.requestFullscreen(); } });
    L.DomEvent.disableClickPropagation(box);
    return box; }});
  new Control().addTo(map);
  var box = map.getContainer(), height = box.style.height;
  document.addEventListener("fullscreenchange", function () {   // the map takes the whole screen, then back
    box.style.height = document.fullscreenElement ? "100vh" : height;
    setTimeout(function () { map.invalidateSize(); }, 50); });
})({{ this._parent.get_name() }});
{% endmacro %}""")

    def __init__(self, lang: str = "zh") -> None:
        super().__init__()
        self._name = "FullscreenControl"
        self.title = json.dumps("全屏（Esc 退出）" if lang == "zh" else "Full screen (Esc to leave)", ensure_ascii=False)


class MetricScale(MacroElement):
    """A metric-only scale bar at the bottom right (folium's shows miles too, under the legend)."""

    _template = Template("""{% macro script(this, kwargs) %}
L.control.scale({imperial: false, position: "bottomright"}).addTo({{ this._parent.get_name() }});
{% endmacro %}""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class CompactGeoJson(_RawScriptMacro):
    """Draws a `CompactLayer` into its parent (a FeatureGroup): decoded and styled in the browser; with `url`,
    fetched from a published static file (maps.publish) instead of carried in the page."""

    _template = Template("""{% macro script(this, kwargs) %}
{% if this.url %}landparkLayerUrl({{ this.url }}, {{ this.spec }}, {{ this._parent.get_name() }});
{% else %}var {{ this.get_name() }} = landparkLayer({{ this.payload }}, {{ this.spec }}).addTo({{ this._parent.get_name() }});
{% endif %}{% endmacro %}""")

    def __init__(self, layer: CompactLayer, *, style: dict, tooltip: dict | None = None, hover: dict | None = None,
                 interactive: bool = True, url: str | None = None, packed: bool = False, lazy: bool = False) -> None:
        super().__init__()
        self._name = "CompactGeoJson"
        self.url = json.dumps(url) if url else None
        self.data_url = url  # what `prefetch_script` asks for early
        self.payload = "" if url else layer.payload
        self.spec = json.dumps({"style": style, "tip": tooltip, "hover": hover, "interactive": interactive,
                                "packed": packed, "lazy": lazy}, ensure_ascii=False, separators=(",", ":"))


# Run by `prefetch_script` with the lists of layer files, scripts and styles: kept short, since the component's
# arguments (this among them) are sent again with every rerun.
_PREFETCH_JS = ("(function(u,s,c){var e=window.landparkPrefetched=window.landparkPrefetched||{};"
                "u.forEach(function(x){(e[x]=fetch(x).then(function(r){if(!r.ok){throw new Error(x+': HTTP '+r.status);}"
                "return r.json();})).catch(function(){});});"   # a failure is reported where the layer is added
                "function p(k,h){var l=document.createElement('link');l.rel='preload';l.as=k;l.href=h;"
                "document.head.appendChild(l);}"
                "s.forEach(function(h){p('script',h);});c.forEach(function(h){p('style',h);});})")


def prefetch_script(data_urls: Sequence[str], scripts: Sequence[str] = (), styles: Sequence[str] = ()) -> str:
    """A script, as a data: URL the map's component runs first, that asks at once for the map's published layers
    (kept in `window.landparkPrefetched` for `landparkLayerUrl`) and preloads the scripts and styles loaded after it.

    The component loads its scripts one after another and the layers only once the last has run: asked for
    early, they arrive while Leaflet loads. A data: URL costs no request of its own."""
    lists = json.dumps([list(data_urls), list(scripts), list(styles)], ensure_ascii=False, separators=(",", ":"))
    code = f"{_PREFETCH_JS}({lists[1:-1]});"
    # in a data: URL "%", "#" and spaces must be escaped, and anything beyond ASCII
    return "data:text/javascript;charset=utf-8," + quote(code, safe="!\"$&'()*+,-./:;<=>?@[\\]^_`{|}~")


class LandparkOverlay(_RawScriptMacro):
    """Fills units by class colour, outlines the selected unit, sets firm classes; adds/removes its legend."""

    _template = Template("""{% macro script(this, kwargs) %}
landparkOverlay({{ this._parent.get_name() }}, {{ this.spec }});
{% endmacro %}""")

    def __init__(self, spec: dict) -> None:
        super().__init__()
        self._name = "LandparkOverlay"
        self.spec = json.dumps(spec, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _tooltip_spec(kind: str, columns: list[str], lang: str, labels: dict[str, str]) -> dict | None:
    fields = [f for f in TOOLTIP_FIELDS.get(kind, []) if f in columns]
    if kind == "enterprises" and "class" in columns:
        fields = [f for f in fields if f != "uscc"] + ["class"]
    if not fields:
        return None
    aliases = [t(f"col_{f}", lang) if f in ("class", "parcel_count") else field_label(kind, f, lang) for f in fields]
    return {"fields": fields, "aliases": aliases, "labels": labels}


def build_map(layers: dict[str, DisplayLayer | CompactLayer], *, lang: str = "zh", basemap: str | None = None,
              bounds: tuple[float, float, float, float] | None = None, demo: bool = False,
              leaflet_urls: tuple[str, str] | None = None, tianditu_key: str | None = None,
              value_label_map: dict[str, str] | None = None, legend: bool = True,
              layer_names: dict[str, str] | None = None,
              publish: Callable[[str, str], str | None] | None = None) -> folium.Map:
    """A folium map with one toggleable group per layer, a layer control and a legend; no basemap by default.

    Leaflet comes from `leaflet_urls` (js, css) when given (the app serves its own copy), else is inlined
    from a local copy when one exists, else from folium's CDN: offline pages must still draw.
    `basemap` is a key of `maps.basemaps.BASEMAPS` (Tianditu needs `tianditu_key`). Layers may be
    `DisplayLayer` (GeoJSON) or `CompactLayer` (decoded in the browser); `layer_names` overrides the
    names shown in the layer control. `publish(payload, kind)` (maps.publish.publish_payload in the app)
    turns a compact layer into a URL the browser fetches once; None from it keeps the data inline.
    """
    from maps.basemaps import tile_layers  # noqa: PLC0415

    fmap = folium.Map(tiles=None, prefer_canvas=True, control_scale=False, zoom_control=True)
    fmap.add_child(MetricScale(), name="landpark_scale")
    if leaflet_urls is not None:
        fmap.default_js = [("leaflet", leaflet_urls[0])]
        fmap.default_css = [("leaflet_css", leaflet_urls[1])]
    else:
        leaflet = find_leaflet()
        if leaflet is not None:
            inline_leaflet(fmap, leaflet)
    for tiles in tile_layers(basemap, tianditu_key=tianditu_key):
        tiles.add_to(fmap)
    labels = value_label_map if value_label_map is not None else value_labels(lang)
    if any(isinstance(v, CompactLayer) for v in layers.values()):
        script_url = publish(LANDPARK_JS, "landpark-map.js") if publish is not None else None
        fmap.add_child(LandparkScriptLink(script_url) if script_url else LandparkScript(), name="landpark_script")
    for kind in DRAW_ORDER:
        layer = layers.get(kind)
        if layer is None or layer.count == 0:
            continue
        name = (layer_names or {}).get(kind) or f"{layer_label(kind, lang)} ({layer.count})"
        group = folium.FeatureGroup(name=name, show=kind in SHOWN_BY_DEFAULT)
        if isinstance(layer, CompactLayer):
            hover = {"weight": 3.5, "color": "#000000"} if kind in UNIT_KINDS else None
            url = publish(layer.payload, kind) if publish is not None else None
            CompactGeoJson(layer, style=style_spec(kind), tooltip=_tooltip_spec(kind, layer.columns, lang, labels),
                           hover=hover, url=url, packed=kind in PACKED_KINDS,
                           lazy=kind not in SHOWN_BY_DEFAULT).add_to(group)
        else:
            fields = layer.fields
            tooltip = (folium.GeoJsonTooltip(fields=fields, aliases=[field_label(kind, f, lang) for f in fields])
                       if fields else None)
            if kind == "enterprises":
                marker = folium.CircleMarker(radius=2, color="#222", fill=True, fill_opacity=0.7, weight=0)
                folium.GeoJson(layer.geojson, name=kind, tooltip=tooltip, marker=marker).add_to(group)
            else:
                # folium calls highlight_function when the map is rendered, after this loop: bind this layer's kind.
                highlight: dict[str, Any] = {"weight": 3, "color": "#000"} if kind != "parcels" else {"weight": 1.5}
                folium.GeoJson(layer.geojson, name=kind, style_function=_style(kind), tooltip=tooltip,
                               highlight_function=lambda f, highlight=highlight: dict(highlight)).add_to(group)
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.add_child(FullscreenControl(lang), name="landpark_fullscreen")
    if legend:
        drawn = {k for k, v in layers.items() if v is not None and v.count > 0}
        fmap.get_root().add_child(_legend(lang, demo, firms="enterprises" in drawn, drawn=drawn))
    if bounds is not None:
        fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return fmap


def overlay_group(*, fill: dict[str, tuple[str, str]] | None = None, label: str = "", legend_html: str | None = None,
                  select: str | None = None, firm_classes: str | None = None, opacity: float = 0.7) -> folium.FeatureGroup:
    """The small group the app swaps without re-mounting the map (streamlit-folium `feature_group_to_add`).

    `fill` maps a unit key (`kind|id`, the `uk` property of unit features) to (colour, value text);
    `select` outlines one unit; `firm_classes` is one character per enterprise feature (A–D, "-" none).
    """
    group = folium.FeatureGroup(name="landpark-overlay", control=False)
    spec = overlay_spec(fill=fill, label=label, legend_html=legend_html, select=select, firm_classes=firm_classes,
                        opacity=opacity)
    group.add_child(LandparkOverlay(spec), name="landpark_overlay")
    return group


def overlay_spec(*, fill: dict[str, tuple[str, str]] | None = None, label: str = "", legend_html: str | None = None,
                 select: str | None = None, firm_classes: str | None = None, opacity: float = 0.7) -> dict[str, Any]:
    """What `landparkOverlay` (the map's helpers) draws over a prepared map: the units' fills, the selected feature's
    outline, the legend and the firm classes (the arguments as in `overlay_group`)."""
    spec: dict[str, Any] = {"kinds": list(UNIT_KINDS), "fill": fill or None, "label": label, "legend": legend_html,
                            "select": select, "selectColour": SELECTED_COLOUR, "opacity": opacity}
    if firm_classes is not None:
        spec["classes"] = {"kind": "enterprises", "field": "class", "values": firm_classes}
    return spec


def legend_rows_html(title: str, rows: Sequence[tuple[str, str]], note: str | None = None) -> str:
    """A legend box body: a title, one swatch + label per row, an optional note (HTML, escaped)."""
    items = "".join(f'<div><span style="display:inline-block;width:16px;height:11px;margin-right:6px;vertical-align:middle;'
                    f'background:{c};border:1px solid #888"></span>{_html.escape(label)}</div>' for c, label in rows)
    foot = f'<div style="color:#555;margin-top:3px">{_html.escape(note)}</div>' if note else ""
    return (f'<div style="background:rgba(255,255,255,.93);padding:7px 10px;border:1px solid #bbb;border-radius:4px;'
            f'font:12px/1.5 sans-serif;max-width:260px"><div style="font-weight:bold;margin-bottom:3px">'
            f'{_html.escape(title)}</div>{items}{foot}</div>')


def _legend(lang: str, demo: bool, *, firms: bool = False, drawn: set[str] | None = None) -> MacroElement:
    """A fixed, collapsible legend box drawn in HTML (folium has none for categorical styles); with `drawn`,
    only the entries of the layers the map has."""
    def has(kind: str) -> bool:
        return drawn is None or kind in drawn

    rows = [(SUPPLY_COLOURS[s], t(s, lang), "fill") for s in SUPPLY_COLOURS] if has("parcels") else []
    rows += [(LINE_COLOURS[s], t(s, lang), "line") for s in LINE_COLOURS] if has("protection_lines") else []
    rows += [(UNIT_STYLE[k]["color"], layer_label(k, lang), "line") for k in UNIT_STYLE if has(k)]
    rows += [(CONSTRAINT_COLOURS[k], t(k, lang), "fill") for k in CONSTRAINT_COLOURS] if has("constraints") else []
    rows += [("#444444", layer_label("roads", lang), "road")] if has("roads") else []
    if firms:
        rows += [(CLASS_COLOURS[c], t("exp_class_firms", lang).format(c=c), "dot") for c in CLASS_COLOURS]
    swatch = {"fill": "background:{c};opacity:.7", "line": "border:2px solid {c}",
              "road": "border-top:2px solid {c};height:0;margin-bottom:3px",
              "dot": "background:{c};border-radius:50%;width:9px;height:9px;margin-left:2px;margin-right:9px"}
    items = "".join(
        '<div><span style="display:inline-block;width:14px;height:10px;margin-right:6px;'
        + swatch[kind].format(c=c) + f'"></span>{_html.escape(label)}</div>' for c, label, kind in rows)
    banner = f'<div style="color:#b00;font-weight:bold;margin-bottom:4px">{t("demo_banner", lang)}</div>' if demo else ""
    html = f"""{{% macro html(this, kwargs) %}}
<div id="landpark-legend" style="position:absolute;bottom:24px;left:12px;z-index:9999;background:rgba(255,255,255,.92);
 padding:6px 10px;border:1px solid #bbb;border-radius:4px;font:12px/1.5 sans-serif;max-height:70%;overflow:auto">
<details open><summary style="font-weight:bold;cursor:pointer">{t("legend", lang)}</summary>{banner}
<div style="display:grid;grid-template-columns:auto auto;column-gap:12px">{items}</div></details></div>
{{% endmacro %}}"""
    macro = MacroElement()
    macro._template = Template(html)
    return macro


def find_leaflet(folder: Path | None = None) -> Path | None:
    """A folder holding leaflet.js and leaflet.css: the argument, $LANDPARK_LEAFLET_DIR, then the copy shipped in maps/vendor."""
    from maps.assets import LEAFLET_DIR

    env = os.environ.get("LANDPARK_LEAFLET_DIR")
    for candidate in ([folder] if folder else []) + ([Path(env)] if env else []) + [LEAFLET_DIR]:
        if (candidate / "leaflet.js").is_file() and (candidate / "leaflet.css").is_file():
            return candidate
    return None


def leaflet_inline_parts(folder: Path) -> tuple[str, str]:
    """Leaflet's CSS (images as data URIs) and JS from `folder`, ready to sit inside <style> and <script>."""
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match) -> str:
        image = folder / match.group(1)
        if not image.is_file():
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode('ascii')})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, css)
    js_file = folder / "leaflet.min.js" if (folder / "leaflet.min.js").is_file() else folder / "leaflet.js"
    return css, js_file.read_text(encoding="utf-8").replace("</script", "<\\/script")


def inline_leaflet(fmap: folium.Map, folder: Path) -> None:
    """Replace folium's CDN links by Leaflet's JS and CSS inlined (images as data URIs)."""
    fmap.default_js = []
    fmap.default_css = []
    css, js = leaflet_inline_parts(folder)
    header = fmap.get_root().header
    header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_inline", index=0)
    header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js_inline", index=0)


def lonlat_bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Bounds of a layer in EPSG:4326 (minx, miny, maxx, maxy)."""
    if frame.crs is None:
        raise ValueError("lonlat_bounds needs a layer with a CRS")
    return reprojected_bounds(frame.geometry.to_numpy(), frame.crs, 4326)


def zoom_for_bounds(bounds: tuple[float, float, float, float], *, width_px: int = 900, height_px: int = 700,
                    padding: float = 0.85, min_zoom: int = 3, max_zoom: int = 18) -> tuple[tuple[float, float], int]:
    """Centre (lat, lon) and the largest Web Mercator zoom at which lon/lat `bounds` fit in the map (tiles of
    256 px; `padding` leaves a margin)."""
    minx, miny, maxx, maxy = bounds

    def merc(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    dx = max(maxx - minx, 1e-9)
    dy = max(merc(maxy) - merc(miny), 1e-12)
    zx = math.log2(padding * width_px * 360.0 / (256.0 * dx))
    zy = math.log2(padding * height_px * 2 * math.pi / (256.0 * dy))
    zoom = int(max(min_zoom, min(max_zoom, math.floor(min(zx, zy)))))
    return ((miny + maxy) / 2, (minx + maxx) / 2), zoom


__all__ = ["CLASS_COLOURS", "CompactGeoJson", "DisplayLayer", "LANDPARK_JS", "LandparkOverlay", "LandparkScript",
           "LandparkScriptLink", "SUPPLY_COLOURS", "UNIT_KINDS", "build_map", "display_geometries", "find_leaflet",
           "inline_leaflet", "leaflet_inline_parts", "legend_rows_html", "lonlat_bounds", "overlay_group", "prefetch_script",
           "style_spec", "to_display", "value_labels", "zoom_for_bounds"]
