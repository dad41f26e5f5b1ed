"""Online basemaps for the web map, and which coordinate system each one is drawn in.

The default is no basemap: the map must draw offline (tests, bureau intranets). Tiles load only
when the user picks one of these. Datums (domain facts, not preferences):

- OpenStreetMap and CartoDB tiles are WGS 84 Web Mercator; CGCS2000 lon/lat agree with WGS 84 to
  a few centimetres, so layers are drawn unshifted.
- Tianditu (天地图) `*_w` tiles are CGCS2000 in Web Mercator: no shift. Its API needs a key
  (`tk`) that each bureau applies for at console.tianditu.gov.cn; the user types it in.
- AMap (高德) tiles are in GCJ-02, the obfuscated datum of Chinese web maps: everything drawn
  over them is shifted to GCJ-02 for display only (`spatial.gcj02`); analysis never sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium

from spatial.errors import UsageError


@dataclass(frozen=True)
class Basemap:
    """One tile service: tile URL template(s) with `{s}` subdomains, attribution, and its datum."""

    key: str
    label_zh: str
    label_en: str
    urls: tuple[str, ...]
    attribution: str
    subdomains: str = "abc"
    max_zoom: int = 18
    gcj02: bool = False
    needs_key: bool = False


_TDT = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={{tk}}")

BASEMAPS: dict[str, Basemap] = {b.key: b for b in [
    Basemap("osm", "OpenStreetMap", "OpenStreetMap", ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",),
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors', subdomains="",
            max_zoom=19),
    Basemap("cartodb", "CartoDB 浅色", "CartoDB Positron",
            ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",),
            '&copy; OpenStreetMap contributors &copy; <a href="https://carto.com/attributions">CARTO</a>',
            subdomains="abcd", max_zoom=20),
    Basemap("tianditu", "天地图（需密钥）", "Tianditu (key needed)",
            (_TDT.format(s="{s}", layer="vec"), _TDT.format(s="{s}", layer="cva")),
            '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a> 国家地理信息公共服务平台',
            subdomains="01234567", max_zoom=18, needs_key=True),
    Basemap("amap", "高德地图（GCJ-02）", "AMap (GCJ-02)",
            ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",),
            '&copy; <a href="https://www.amap.com/">高德地图</a>', subdomains="1234", max_zoom=18, gcj02=True),
]}


def basemap_label(key: str | None, lang: str = "zh") -> str:
    """Display name of a basemap key (None: no basemap is labelled by the caller)."""
    spec = BASEMAPS.get(key or "")
    if spec is None:
        return str(key)
    return spec.label_zh if lang == "zh" else spec.label_en


def needs_gcj02(key: str | None) -> bool:
    """Whether layers drawn over this basemap must be shifted to GCJ-02."""
    spec = BASEMAPS.get(key or "")
    return bool(spec and spec.gcj02)


def tile_layers(key: str | None, *, tianditu_key: str | None = None) -> list[folium.TileLayer]:
    """The folium tile layers of a basemap (empty for none); a Tianditu key is required for Tianditu.

    Raises ValueError for an unknown basemap or a missing Tianditu key.
    """
    if not key:
        return []
    spec = BASEMAPS.get(key)
    if spec is None:
        raise UsageError(f"unknown basemap {key!r}; choose one of {', '.join(BASEMAPS)}")
    if spec.needs_key and not (tianditu_key or "").strip():
        raise UsageError("the Tianditu basemap needs your Tianditu key (tk)")
    layers = []
    for i, url in enumerate(spec.urls):
        url = url.replace("{tk}", (tianditu_key or "").strip())
        options = {"subdomains": spec.subdomains} if spec.subdomains else {}
        layers.append(folium.TileLayer(url, attr=spec.attribution, name=spec.label_zh if i == 0 else f"{spec.label_zh} 注记",
                                       max_zoom=spec.max_zoom, overlay=i > 0, control=False, **options))
    return layers


__all__ = ["BASEMAPS", "Basemap", "basemap_label", "needs_gcj02", "tile_layers"]
