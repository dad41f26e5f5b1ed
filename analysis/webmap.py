"""Folium maps of a project's layers, shared by the app and the HTML export.

Display only: geometry is simplified, converted to lon/lat (CGCS2000 ≈ WGS84 at map scale)
and rounded to 6 decimals (~0.1 m) so a district of 20,000 parcels stays a few MB.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path

import folium
import geopandas as gpd
import shapely
from branca.element import Element, MacroElement, Template

from layers.i18n import field_label, layer_label, t

LEAFLET_DIRS = (Path("/usr/share/javascript/leaflet"),)
SUPPLY_COLOURS = {"unsupplied": "#f0a202", "supplied": "#4f9dd9", "built": "#9e9e9e", "idle": "#d7263d"}
CONSTRAINT_COLOURS = {"urban_boundary": "#6a4c93", "permanent_farmland": "#8ac926", "ecological_redline": "#2a9d8f"}
LINE_COLOURS = {"red": "#e31a1c", "blue": "#1f78b4"}
UNIT_STYLE = {
    "parks": {"color": "#ff7f00", "weight": 2.5, "fillOpacity": 0.05},
    "micro_parks": {"color": "#a65628", "weight": 2, "fillOpacity": 0.15},
    "future_communities": {"color": "#984ea3", "weight": 2, "fillOpacity": 0.12, "dashArray": "6 4"},
}
# Layers drawn bottom to top; tooltip fields per layer (canonical names).
DRAW_ORDER = ["constraints", "land_approvals", "parcels", "roads", "protection_lines", "future_communities",
              "parks", "micro_parks", "enterprises"]
TOOLTIP_FIELDS = {
    "parcels": ["parcel_id", "land_use", "supply_status"],
    "protection_lines": ["line_id", "name", "level"],
    "parks": ["park_id", "name", "kind", "leading_industries"],
    "micro_parks": ["park_id", "name", "leading_industries"],
    "future_communities": ["community_id", "name", "leading_industries"],
    "land_approvals": ["approval_id", "approved_date"],
    "constraints": ["kind", "name"],
    "roads": ["road_class", "name"],
    "enterprises": ["uscc", "name", "industry"],
}
SHOWN_BY_DEFAULT = {"parcels", "protection_lines", "parks", "micro_parks", "future_communities", "roads"}


@dataclass
class DisplayLayer:
    """One layer ready for the web map: GeoJSON text in lon/lat and its feature count."""

    kind: str
    geojson: str
    count: int
    fields: list[str]


def to_display(frame: gpd.GeoDataFrame, kind: str, *, simplify_m: float = 1.0) -> DisplayLayer:
    """Simplify (in the metric CRS), reproject to EPSG:4326, round to 1e-6° and keep tooltip fields only."""
    fields = [f for f in TOOLTIP_FIELDS.get(kind, []) if f in frame.columns]
    style_field = {"parcels": "supply_status", "protection_lines": "level", "constraints": "kind"}.get(kind)
    if style_field and style_field in frame.columns and style_field not in fields:
        fields.append(style_field)
    data = frame[fields + [frame.geometry.name]].copy()
    data = data[~(data.geometry.isna() | data.geometry.is_empty)]
    if simplify_m and data.crs is not None and data.crs.is_projected and kind != "enterprises":
        data[data.geometry.name] = data.geometry.simplify(simplify_m, preserve_topology=True)
    data = data.to_crs(4326)
    data[data.geometry.name] = shapely.set_precision(data.geometry.to_numpy(), 1e-6)
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
        return lambda f: {"color": "#444444", "weight": 2.5 if f["properties"].get("road_class") in ("主干路", "arterial") else 1.2}
    if kind == "land_approvals":
        return lambda f: {"color": "#2b8a3e", "weight": 1, "fillOpacity": 0.0, "dashArray": "3 3"}
    style = UNIT_STYLE.get(kind, {"color": "#333", "weight": 1})
    return lambda f: dict(style)


def build_map(layers: dict[str, DisplayLayer], *, lang: str = "zh", basemap: str | None = None,
              bounds: tuple[float, float, float, float] | None = None, demo: bool = False,
              leaflet_urls: tuple[str, str] | None = None) -> folium.Map:
    """A folium map with one toggleable group per layer, a layer control and a legend; no basemap by default.

    Leaflet comes from `leaflet_urls` (js, css) when given (the app serves its own copy), else is inlined
    from a local copy when one exists, else from folium's CDN: offline pages must still draw.
    """
    fmap = folium.Map(tiles=None, prefer_canvas=True, control_scale=True, zoom_control=True)
    if leaflet_urls is not None:
        fmap.default_js = [("leaflet", leaflet_urls[0])]
        fmap.default_css = [("leaflet_css", leaflet_urls[1])]
    else:
        leaflet = find_leaflet()
        if leaflet is not None:
            inline_leaflet(fmap, leaflet)
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(fmap)
    elif basemap == "cartodb":
        folium.TileLayer("CartoDB positron", name="CartoDB").add_to(fmap)
    for kind in DRAW_ORDER:
        layer = layers.get(kind)
        if layer is None or layer.count == 0:
            continue
        group = folium.FeatureGroup(name=f"{layer_label(kind, lang)} ({layer.count})", show=kind in SHOWN_BY_DEFAULT)
        fields = layer.fields
        tooltip = folium.GeoJsonTooltip(fields=fields, aliases=[field_label(kind, f, lang) for f in fields]) if fields else None
        if kind == "enterprises":
            folium.GeoJson(layer.geojson, name=kind, tooltip=tooltip,
                           marker=folium.CircleMarker(radius=2, color="#222", fill=True, fill_opacity=0.7, weight=0)).add_to(group)
        else:
            folium.GeoJson(layer.geojson, name=kind, style_function=_style(kind), tooltip=tooltip,
                           highlight_function=lambda f: {"weight": 3, "color": "#000"} if kind != "parcels" else {"weight": 1.5}).add_to(group)
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().add_child(_legend(lang, demo))
    if bounds is not None:
        fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return fmap


def _legend(lang: str, demo: bool) -> MacroElement:
    """A fixed legend box drawn in HTML (folium has none for categorical styles)."""
    rows = [(SUPPLY_COLOURS[s], t(s, lang), "fill") for s in SUPPLY_COLOURS]
    rows += [(LINE_COLOURS[s], t(s, lang), "line") for s in LINE_COLOURS]
    rows += [(UNIT_STYLE[k]["color"], layer_label(k, lang), "line") for k in UNIT_STYLE]
    rows += [(CONSTRAINT_COLOURS[k], t(k, lang), "fill") for k in CONSTRAINT_COLOURS]
    items = "".join(
        f'<div><span style="display:inline-block;width:14px;height:10px;margin-right:6px;'
        + (f"background:{c};opacity:.7" if kind == "fill" else f"border:2px solid {c}") + f'"></span>{label}</div>'
        for c, label, kind in rows)
    banner = f'<div style="color:#b00;font-weight:bold;margin-bottom:4px">{t("demo_banner", lang)}</div>' if demo else ""
    html = f"""{{% macro html(this, kwargs) %}}
<div id="landpark-legend" style="position:absolute;bottom:24px;left:12px;z-index:9999;background:rgba(255,255,255,.92);
 padding:8px 10px;border:1px solid #bbb;border-radius:4px;font:12px/1.5 sans-serif;">
<div style="font-weight:bold;margin-bottom:4px">{t("legend", lang)}</div>{banner}{items}</div>
{{% endmacro %}}"""
    macro = MacroElement()
    macro._template = Template(html)
    return macro


def find_leaflet(folder: Path | None = None) -> Path | None:
    """A folder holding leaflet.js and leaflet.css: the argument, $LANDPARK_LEAFLET_DIR, then Debian's copy."""
    env = os.environ.get("LANDPARK_LEAFLET_DIR")
    for candidate in ([folder] if folder else []) + ([Path(env)] if env else []) + list(LEAFLET_DIRS):
        if (candidate / "leaflet.js").is_file() and (candidate / "leaflet.css").is_file():
            return candidate
    return None


def inline_leaflet(fmap: folium.Map, folder: Path) -> None:
    """Replace folium's CDN links by Leaflet's JS and CSS inlined (images as data URIs)."""
    fmap.default_js = []
    fmap.default_css = []
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match) -> str:
        image = folder / match.group(1)
        if not image.is_file():
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode('ascii')})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, css)
    js_file = folder / "leaflet.min.js" if (folder / "leaflet.min.js").is_file() else folder / "leaflet.js"
    js = js_file.read_text(encoding="utf-8").replace("</script", "<\\/script")
    header = fmap.get_root().header
    header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_inline", index=0)
    header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js_inline", index=0)


def lonlat_bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Bounds of a layer in EPSG:4326 (minx, miny, maxx, maxy)."""
    return tuple(float(v) for v in frame.to_crs(4326).total_bounds)


__all__ = ["DisplayLayer", "to_display", "build_map", "lonlat_bounds", "find_leaflet", "inline_leaflet", "SUPPLY_COLOURS"]
