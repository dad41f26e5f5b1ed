"""One self-contained HTML page: the web map (units coloured by score, popups with the indicators)
and the unit table below it.

The map is `maps.webmap.build_map` (same layers, colours and legend as the app) with a
score layer on top. folium links Leaflet from a CDN, and neither folium nor branca ship the
Leaflet files; when a local copy is found ($LANDPARK_LEAFLET_DIR, or Debian's `libjs-leaflet`
in /usr/share/javascript/leaflet) it is inlined so the page works offline. Otherwise the CDN
links stay, and offline the page still shows the table (static HTML) with a note.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, MacroElement, Template

from analysis.inputs import EvaluationInputs
from analysis.score import Evaluation
from i18n import layer_label, t
from layers.schema import LAYERS
from maps.webmap import build_map, find_leaflet, lonlat_bounds, to_display
from reports import (
    GRADE_COLOURS,
    KEY_INDICATORS,
    MISSING,
    NO_GRADE_COLOUR,
    base_label,
    display_value,
    firm_points,
    grade_text,
    is_demo,
    is_missing,
    select_units,
    unit_reason,
    with_above_scale,
)

SCORE_STOPS = ((0.0, (215, 48, 39)), (50.0, (254, 224, 139)), (100.0, (26, 152, 80)))  # red → yellow → green
# the per-mu output figures over all firms (全部企业) each with its 规上-only twin beside it
TABLE_COLUMNS = ("unit_kind", "rank", "unit_id", "name", "score", "grade", *with_above_scale(KEY_INDICATORS), "member_count",
                 "reason_not_scored")
POPUP_COLUMNS = ("unit_id", "unit_kind", "score", "grade", "reason_not_scored", "rank", *with_above_scale(KEY_INDICATORS),
                 "member_count")
MAP_HEIGHT_VH = 68.0
_TABLE_FONT = "font:13px/1.5 'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif"
_TABLE_CSS = ("#landpark-table table{border-collapse:collapse;width:100%}"
              "#landpark-table th,#landpark-table td{border:1px solid #ccc;padding:3px 6px}\n"
              "#landpark-table th{background:#eef1f5;position:sticky;top:0}#landpark-table td.num{text-align:right}\n"
              "#landpark-table .demo{color:#b00020;font-weight:bold}#landpark-table .note{color:#8a5a00}")


def export_html(ev: Evaluation, inputs: EvaluationInputs, path: Path, *, lang: str = "zh",
                unit_ids: list[str] | None = None, progress: Callable[[str], None] | None = None,
                leaflet_dir: Path | None = None) -> Path:
    """Write the map-and-table page; Leaflet is inlined when a local copy exists."""
    say = progress or (lambda _m: None)
    positions = select_units(ev.units, unit_ids)
    units = ev.units.reset_index(drop=True)
    geoms = inputs.units.reset_index(drop=True)
    demo = is_demo(ev.config)
    layers = _context_layers(inputs)
    bounds = lonlat_bounds(geoms.iloc[positions]) if len(positions) else None
    fmap = build_map(layers, lang=lang, bounds=bounds, demo=demo)
    fmap.height = (MAP_HEIGHT_VH, "vh")
    _add_below_layer_control(fmap, _score_layer(units, geoms, positions, lang))
    fmap.get_root().html.add_child(Element(_score_legend(lang)))
    leaflet = find_leaflet(leaflet_dir)
    table = MacroElement()  # a child of the map, so its HTML follows the map's div
    table._template = Template("{% macro html(this, kwargs) %}" + _table_html(ev, units.iloc[positions], lang, demo,
                                                                             offline_ready=leaflet is not None)
                               + "{% endmacro %}")
    fmap.add_child(table, name="landpark_table")
    root = fmap.get_root()
    root.title = t("exp_title", lang).format(region=ev.config.project.region, year=ev.config.project.year)
    text = root.render()
    text = text.replace("<head>", f'<head>\n<meta charset="utf-8"/>\n<title>{html.escape(root.title)}</title>', 1)
    path.write_text(text, encoding="utf-8")
    say(f"html: {len(positions)} units, Leaflet {'inlined' if leaflet else 'from CDN'}")
    return path


def _add_below_layer_control(fmap: folium.Map, element) -> None:
    """Add `element` to the map before its LayerControl, which must come last to list every layer."""
    controls = [(k, v) for k, v in fmap._children.items() if isinstance(v, folium.LayerControl)]
    for key, _ in controls:
        del fmap._children[key]
    element.add_to(fmap)
    for key, control in controls:
        fmap.add_child(control, name=key)


def score_colour(score: float | None) -> str:
    """Colour of a 0–100 score on a red–yellow–green ramp (grey without a score)."""
    if is_missing(score):
        return NO_GRADE_COLOUR
    s = min(max(float(score), 0.0), 100.0)
    for (a, ca), (b, cb) in zip(SCORE_STOPS, SCORE_STOPS[1:]):
        if s <= b:
            f = (s - a) / (b - a)
            return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(ca, cb))
    return "#{:02x}{:02x}{:02x}".format(*SCORE_STOPS[-1][1])


def _context_layers(inputs: EvaluationInputs) -> dict:
    """The app's layers for context: parcels, the four unit kinds under their own names, enterprise points."""
    out = {}
    if len(inputs.parcels):
        out["parcels"] = to_display(inputs.parcels, "parcels")
    units = inputs.units
    for kind in units["unit_kind"].unique() if len(units) else []:
        part = units[units["unit_kind"] == kind].rename(columns={"unit_id": LAYERS[kind].id_field})
        out[kind] = to_display(part, kind)
    points, _source = firm_points(inputs.enterprises, inputs.parcels)
    if len(points) and "uscc" in inputs.enterprises:
        table = pd.DataFrame(inputs.enterprises.drop(columns="geometry", errors="ignore"))
        table["uscc"] = table["uscc"].astype(str)
        table = table.drop_duplicates("uscc").set_index("uscc").reindex(points.index).reset_index(names="uscc")
        out["enterprises"] = to_display(gpd.GeoDataFrame(table, geometry=points.to_numpy(), crs=inputs.units.crs), "enterprises")
    return out


def _score_layer(units: pd.DataFrame, geoms: gpd.GeoDataFrame, positions, lang: str) -> folium.FeatureGroup:
    """Units filled by score, with a popup of the key indicators (display geometry from `to_display`)."""
    # to_display keeps a layer's id field: the units go through it as a polygon layer whose id is
    # the row position (unit ids may repeat across kinds), and get their score properties after.
    frame = gpd.GeoDataFrame({"park_id": positions.astype(str), "name": geoms["name"].to_numpy()[positions]},
                             geometry=geoms.geometry.to_numpy()[positions], crs=geoms.crs)
    shown = json.loads(to_display(frame, "parks").geojson)
    labels = {c: base_label(c, lang, short=True) for c in ("name", *POPUP_COLUMNS)}
    for feature in shown["features"]:
        pos = int(feature["properties"]["park_id"])
        row = units.iloc[pos]
        props = {"name": str(row["name"])}
        for c in POPUP_COLUMNS:
            props[c] = _cell(row, c, lang)
        props["_fill"] = score_colour(row.get("score"))
        feature["properties"] = props
    fields = ["name", *POPUP_COLUMNS]
    group = folium.FeatureGroup(name=t("col_score", lang), show=True)
    folium.GeoJson(
        shown, name="scores",
        style_function=lambda f: {"color": "#222222", "weight": 1.2, "fillColor": f["properties"]["_fill"], "fillOpacity": 0.35},
        highlight_function=lambda f: {"weight": 3},
        tooltip=folium.GeoJsonTooltip(fields=["name", "score", "grade"], aliases=[labels[c] for c in ("name", "score", "grade")]),
        popup=folium.GeoJsonPopup(fields=fields, aliases=[labels[c] for c in fields], localize=False),
    ).add_to(group)
    return group


def _cell(row, column: str, lang: str) -> str:
    """A unit value as shown in the table and popups: 未评价 and the reason where the unit has no score."""
    if column == "unit_kind":
        return layer_label(row[column], lang)
    if column == "grade":
        return grade_text(row, lang)
    if column == "reason_not_scored":
        return unit_reason(row, lang) or MISSING
    return display_value(column, row.get(column), lang)


def _score_legend(lang: str) -> str:
    stops = ", ".join(f"{score_colour(s)} {s:g}%" for s in (0, 25, 50, 75, 100))
    # Both legends sit at the foot of the map, which is MAP_HEIGHT_VH tall (build_map places its own
    # legend for a full-page map, so its bottom is moved up here).
    lift = f"calc({100 - MAP_HEIGHT_VH:g}vh + 44px)"
    return (f"<style>#landpark-legend{{bottom:{lift} !important}}</style>"
            f'<div id="landpark-score-legend" style="position:absolute;bottom:{lift};right:12px;z-index:9999;'
            f'background:rgba(255,255,255,.92);padding:6px 10px;border:1px solid #bbb;border-radius:4px;font:12px sans-serif">'
            f'<div style="font-weight:bold">{html.escape(t("col_score", lang))}</div>'
            f'<div style="width:160px;height:10px;background:linear-gradient(to right, {stops})"></div>'
            f'<div style="display:flex;justify-content:space-between;width:160px">'
            f'<span>0</span><span>50</span><span>100</span></div>'
            f'<div style="margin-top:3px"><span style="display:inline-block;width:12px;height:10px;'
            f'background:{score_colour(None)};vertical-align:middle"></span> '
            f'{html.escape(t("grade_not_scored", lang))}</div></div>')


def _table_html(ev: Evaluation, units: pd.DataFrame, lang: str, demo: bool, *, offline_ready: bool) -> str:
    """Title, demo mark and the unit table (static HTML: readable even when the map cannot load)."""
    project = ev.config.project
    title = t("exp_title", lang).format(region=project.region, year=project.year)
    order = units.assign(_r=pd.to_numeric(units["rank"], errors="coerce").fillna(1e9)).sort_values(["unit_kind", "_r", "unit_id"])
    head = "".join(f"<th>{html.escape(base_label(c, lang, short=True))}</th>" for c in TABLE_COLUMNS)
    rows = []
    for rec in order.to_dict("records"):
        cells = []
        for c in TABLE_COLUMNS:
            value = _cell(rec, c, lang)
            if c == "grade":
                style = f' style="background:{GRADE_COLOURS.get(rec.get("grade"), NO_GRADE_COLOUR)};text-align:center"'
            else:
                style = ' class="num"' if c not in ("unit_kind", "unit_id", "name") else ""
            cells.append(f"<td{style}>{html.escape(value)}</td>")
        rows.append(f'<tr data-unit-id="{html.escape(str(rec["unit_id"]))}">{"".join(cells)}</tr>')
    banner = f'<p class="demo">{html.escape(t("demo_banner", lang))}</p>' if demo else ""
    note = "" if offline_ready else (f'<p id="landpark-offline-note" class="note" style="display:none">'
                                     f'{html.escape(t("exp_offline_note", lang))}</p>'
                                     "<script>if (typeof L === 'undefined') "
                                     "{document.getElementById('landpark-offline-note').style.display='block';}</script>")
    sub = " · ".join([t("exp_units_count", lang).format(n=len(units)), f"{t('exp_year', lang)} {project.year}",
                      f"{t('exp_as_of', lang)} {project.evaluation_date.isoformat()}"])
    return f"""<section id="landpark-table" style="padding:12px 18px;{_TABLE_FONT}">
<style>{_TABLE_CSS}</style>
<h2 style="margin:4px 0">{html.escape(title)}</h2>{banner}<p style="color:#555;margin:2px 0 8px">{html.escape(sub)}</p>{note}
<h3 style="margin:6px 0">{html.escape(t("exp_unit_table", lang))}</h3>
<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></section>"""


__all__ = ["export_html", "find_leaflet", "score_colour"]
