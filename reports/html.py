"""One self-contained HTML page: title and summary, the web map, then the sortable unit table.

The page is written directly (not through folium): one `<title>`, one `<h1>`, Leaflet inlined from the
copy shipped in `maps/vendor/` (no CDN, works offline), and the map layers carried once each in the
compact encoding of `maps.codec` (quantised, delta-encoded coordinates, columnar properties) that a
small inline script decodes and styles — the same colours as the app (`maps.webmap`). The legend lists
only what is drawn. Clicking a table row zooms to and outlines that unit; clicking a unit on the map
highlights its row. A print stylesheet prints the map at a fixed width (the on-screen map scaled to
fit, controls hidden) and the table with its header row repeated on every page.

With `unit_ids`, only the selected units, the parcels they overlap and their member firms are drawn.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import reports.text.html  # noqa: F401  (registers the html_* text)
from analysis.inputs import EvaluationInputs
from analysis.score import Evaluation
from i18n import layer_label, t
from layers.schema import EVALUATION_UNIT_KINDS
from maps.codec import DECODER_JS, encode_layer
from maps.webmap import (
    CLASS_COLOURS,
    LINE_COLOURS,
    NO_CLASS_COLOUR,
    SELECTED_COLOUR,
    SUPPLY_COLOURS,
    UNIT_KINDS,
    UNIT_STYLE,
    display_geometries,
    find_leaflet,
    leaflet_inline_parts,
)
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
    report_order,
    select_units,
    unit_reason,
    with_above_scale,
)
from reports.briefing import change_cell, target_heads, target_rows, time_view, with_unit

SCORE_STOPS = ((0.0, (215, 48, 39)), (50.0, (254, 224, 139)), (100.0, (26, 152, 80)))  # red → yellow → green
# the per-mu output figures over all firms (全部企业) each with its 规上-only twin beside it
TABLE_COLUMNS = ("unit_kind", "rank", "unit_id", "name", "score", "grade", *with_above_scale(KEY_INDICATORS), "member_count",
                 "reason_not_scored")
TEXT_COLUMNS = frozenset({"unit_id", "name", "reason_not_scored"})
# District figures in the summary, in order (keys of ev.district); the 5-year supply ratio is compared with its floor.
SUMMARY_FIGURES = ("rolling_supply_ratio", "supply_ratio", *with_above_scale(("tax_per_mu", "value_added_per_mu")),
                   "built_ratio", "idle_ratio", "industrial_share", "far_industrial")

# Layout constants (display only, not domain choices):
MAP_HEIGHT_VH = 60.0            # the map's height on screen
PRINT_MAP_WIDTH_MM = 180.0      # printed map width: inside A4 portrait's text width at PAGE_MARGIN_MM margins (186 mm)
PRINT_MAP_MAX_HEIGHT_MM = 150.0  # and never taller than A4 landscape's text height (186 mm) less a heading
PAGE_MARGIN_MM = 12.0
UNIT_FILL_OPACITY = 0.3         # units filled by score over the parcels: light enough to see the parcels through
FIRM_RADIUS_PX = 4
FIRM_RADII = ((12, 2.0), (14, 3.0), (16, 4.0), (99, 5.5))  # (below this zoom, dot radius px): dots stay apart zoomed out
SIMPLIFY_M = 1.0                # display simplification in the metric CRS (below the coordinate grid's ~1.1 m)
COORD_PRECISION = 1e-5          # degrees (~1.1 m): the compact encoding's grid
SELECTED_ZOOM_MAX = 17          # zooming to a small unit stops here

_FONT = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"


def export_html(ev: Evaluation, inputs: EvaluationInputs, path: Path, *, lang: str = "zh",
                unit_ids: list[str] | None = None, progress: Callable[[str], None] | None = None,
                leaflet_dir: Path | None = None) -> Path:
    """Write the page (summary, map, sortable table) for the chosen units; Leaflet is inlined when a local copy exists."""
    say = progress or (lambda _m: None)
    positions = select_units(ev.units, unit_ids)
    units = ev.units.reset_index(drop=True)
    chosen = units.iloc[positions]
    layers, bounds = _map_layers(ev, inputs, positions, lang)
    leaflet = find_leaflet(leaflet_dir)
    project = ev.config.project
    title = t("exp_title", lang).format(region=project.region, year=project.year)
    body = "\n".join([
        _summary_html(ev, chosen, lang, title=title, subset=bool(unit_ids)),
        _map_section(layers, lang, offline_ready=leaflet is not None),
        _table_html(chosen, lang),
        _time_html(ev, lang),
        _review_html(ev, lang),
    ])
    data = _data_json(layers, bounds, lang)
    text = _page(title, body, data, lang, leaflet)
    _write_atomic(Path(path), text)
    size = len(text.encode("utf-8"))
    say(f"html: {len(positions)} units, {sum(layer['count'] for layer in layers)} map features, {size / 1e6:.1f} MB, "
        f"Leaflet {'inlined' if leaflet else 'from CDN'}")
    return Path(path)


def score_colour(score: float | None) -> str:
    """Colour of a 0–100 score on a red–yellow–green ramp (grey without a score)."""
    if score is None or is_missing(score):  # is_missing is True for None too: the first test only narrows the type
        return NO_GRADE_COLOUR
    s = min(max(float(score), 0.0), 100.0)
    for (a, ca), (b, cb) in zip(SCORE_STOPS, SCORE_STOPS[1:]):
        if s <= b:
            f = (s - a) / (b - a)
            return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(ca, cb))
    return "#{:02x}{:02x}{:02x}".format(*SCORE_STOPS[-1][1])


def unit_key(position: int) -> str:
    """The key linking a table row to its unit on the map (row position: unit ids may repeat across kinds)."""
    return f"u{int(position)}"


# --------------------------------------------------------------------------- map layers


def _map_layers(ev: Evaluation, inputs: EvaluationInputs, positions: np.ndarray,
                lang: str) -> tuple[list[dict], tuple[float, float, float, float] | None]:
    """The layers drawn, bottom to top, each encoded once (`maps.codec`), with its style, tooltip and legend facts;
    and the lon/lat bounds of the chosen units."""
    geoms = inputs.units.reset_index(drop=True).iloc[positions]
    subset = len(positions) < len(ev.units)
    out: list[dict] = []
    parcels = inputs.parcels
    if subset and len(parcels) and len(geoms):
        hit = shapely.STRtree(parcels.geometry.to_numpy()).query(geoms.geometry.to_numpy(), predicate="intersects")[1]
        parcels = parcels.iloc[np.unique(hit)]
    if len(parcels):
        out.append(_parcel_layer(parcels, lang))
    bounds: tuple[float, float, float, float] | None = None
    units = ev.units.reset_index(drop=True)
    for kind in UNIT_KINDS:
        mask = (geoms["unit_kind"] == kind).to_numpy()
        if not mask.any():
            continue
        layer = _unit_layer(kind, units, geoms[mask], positions[mask], lang)
        if layer is not None:
            out.append(layer)
    if len(geoms):
        lonlat = display_geometries(geoms, simplify_m=0)
        ok = ~(shapely.is_missing(lonlat) | shapely.is_empty(lonlat))
        if ok.any():
            x0, y0, x1, y1 = (round(float(v), 6) for v in shapely.total_bounds(lonlat[ok]))  # minx, miny, maxx, maxy
            bounds = (x0, y0, x1, y1)
    firms = _firm_layer(ev, inputs, positions if subset else None, lang)
    if firms is not None:
        out.append(firms)
    return out, bounds


def _parcel_layer(parcels: gpd.GeoDataFrame, lang: str) -> dict:
    """Parcels coloured by supply status, with 宗地号, 地类 code and status in the tooltip."""
    fields = [c for c in ("parcel_id", "land_use", "supply_status") if c in parcels.columns]
    props = pd.DataFrame({c: parcels[c].astype(object).where(parcels[c].notna(), None).to_numpy() for c in fields})
    lonlat = display_geometries(parcels, simplify_m=SIMPLIFY_M)
    layer = encode_layer("parcels", lonlat, props, precision=COORD_PRECISION)
    statuses = [s for s in SUPPLY_COLOURS if "supply_status" in props and (props["supply_status"] == s).any()]
    style = {"base": {"color": "#555555", "weight": 0.3, "fillOpacity": 0.55, "fillColor": "#cccccc"},
             "field": "supply_status", "values": {k: {"fillColor": c} for k, c in SUPPLY_COLOURS.items()}}
    tip = {"title": None, "fields": fields, "aliases": [t(f"html_f_{f}", lang) for f in fields],
           "labels": {s: t(s, lang) for s in SUPPLY_COLOURS}, "empty": MISSING}
    legend = [(SUPPLY_COLOURS[s], t(s, lang), "fill") for s in statuses]
    if "supply_status" not in props or (~props["supply_status"].isin(list(SUPPLY_COLOURS))).any():  # drawn grey
        legend.append(("#cccccc", t("html_status_unknown", lang), "fill"))
    return {"key": "parcels", "name": f"{layer_label('parcels', lang)} ({layer.count})", "count": layer.count,
            "payload": layer.payload, "style": style, "tip": tip, "shown": True, "units": False,
            "legend_title": t("html_legend_parcels", lang), "legend": legend}


def _unit_style(kind: str) -> dict:
    """Outline by unit kind (protection lines by level) and fill by the feature's score colour (property `f`)."""
    if kind == "protection_lines":
        return {"base": {"color": "#333333", "weight": 3, "fillOpacity": UNIT_FILL_OPACITY},
                "field": "level", "values": {k: {"color": c} for k, c in LINE_COLOURS.items()}, "fill": "f"}
    base = {**UNIT_STYLE.get(kind, {"color": "#333333", "weight": 2}), "fillOpacity": UNIT_FILL_OPACITY}
    return {"base": base, "fill": "f"}


def _unit_layer(kind: str, units: pd.DataFrame, geoms: gpd.GeoDataFrame, positions: np.ndarray, lang: str) -> dict | None:
    """One unit kind: each unit keyed to its table row (`uk`), filled by score, with name, score and grade as tooltip."""
    rows = units.iloc[positions]
    records = rows.to_dict("records")
    props = pd.DataFrame({
        "uk": [unit_key(p) for p in positions],
        "name": rows["name"].astype(str).to_numpy(),
        "s": [display_value("score", r.get("score"), lang) for r in records],
        "g": [grade_text(r, lang) for r in records],
        "f": [score_colour(r.get("score")) for r in records],
    })
    if kind == "protection_lines":
        props["level"] = geoms["level"].astype(object).to_numpy() if "level" in geoms else None
    lonlat = display_geometries(geoms, simplify_m=SIMPLIFY_M)
    layer = encode_layer(kind, lonlat, props, precision=COORD_PRECISION)
    if layer.count == 0:
        return None
    style = _unit_style(kind)
    if kind == "protection_lines":
        levels = [lv for lv in LINE_COLOURS if (props["level"] == lv).any()]
        legend = [(LINE_COLOURS[lv], f"{layer_label(kind, lang)} · {t(lv, lang)}", "line") for lv in levels] or \
            [("#333333", layer_label(kind, lang), "line")]
    else:
        legend = [(style["base"]["color"], layer_label(kind, lang), "dash" if "dashArray" in style["base"] else "line")]
    tip = {"title": "name", "fields": ["s", "g"], "aliases": [t("col_score", lang), t("col_grade", lang)], "labels": {},
           "empty": MISSING}
    return {"key": kind, "name": f"{layer_label(kind, lang)} ({layer.count})", "count": layer.count, "payload": layer.payload,
            "style": style, "tip": tip, "shown": True, "units": True, "legend": legend,
            "scored": bool(pd.to_numeric(rows["score"], errors="coerce").notna().any()),
            "unscored": bool(pd.to_numeric(rows["score"], errors="coerce").isna().any())}


def _firm_layer(ev: Evaluation, inputs: EvaluationInputs, positions: np.ndarray | None, lang: str) -> dict | None:
    """Firms as dots filled by their per-mu class A–D (grey when unclassified); with `positions`, only their members."""
    enterprises = inputs.enterprises
    if "uscc" not in enterprises or len(enterprises) == 0:
        return None
    points, _source = firm_points(enterprises, inputs.parcels)
    if positions is not None:
        members = ev.members[ev.members["unit_pos"].isin(positions)]["uscc"].astype(str)
        points = points[points.index.isin(set(members))]
    if len(points) == 0:
        return None
    table = pd.DataFrame(enterprises.drop(columns="geometry", errors="ignore"))
    table["uscc"] = table["uscc"].astype(str)
    table = table.drop_duplicates("uscc").set_index("uscc").reindex(points.index)
    classes = ev.firms["class"] if "class" in ev.firms else pd.Series(dtype=object)
    classes = classes[~classes.index.astype(str).duplicated()]
    classes.index = classes.index.astype(str)
    cls = classes.reindex(points.index).astype(object)
    cls = cls.where(cls.isin(list(CLASS_COLOURS)), None)
    props = pd.DataFrame({c: table[c].astype(object).where(table[c].notna(), None).to_numpy()
                          for c in ("name", "industry") if c in table.columns})
    props["class"] = cls.to_numpy()
    crs = getattr(enterprises, "crs", None) or inputs.parcels.crs
    lonlat = display_geometries(gpd.GeoDataFrame(geometry=points.to_numpy(), crs=crs), simplify_m=0)
    layer = encode_layer("enterprises", lonlat, props, precision=COORD_PRECISION, family="point")
    present = set(props["class"].dropna())
    legend = [(c, t("html_class_firms", lang).format(c=k), "dot") for k, c in CLASS_COLOURS.items() if k in present]
    if props["class"].isna().any():
        legend.append((NO_CLASS_COLOUR, t("html_unclassified", lang), "dot"))
    style = {"base": {"radius": FIRM_RADIUS_PX, "color": "#222222", "weight": 0.8, "opacity": 0.9, "fillOpacity": 0.95,
                      "fillColor": NO_CLASS_COLOUR},
             "field": "class", "values": {k: {"fillColor": c} for k, c in CLASS_COLOURS.items()}}
    fields = [c for c in ("industry", "class") if c in props.columns]
    tip = {"title": "name" if "name" in props else None, "fields": fields, "aliases": [t(f"html_f_{f}", lang) for f in fields],
           "labels": {}, "empty": MISSING, "nulls": {"class": t("html_unclassified", lang)}}
    return {"key": "enterprises", "name": f"{layer_label('enterprises', lang)} ({layer.count})", "count": layer.count,
            "payload": layer.payload, "style": style, "tip": tip, "shown": True, "units": False,
            "legend_title": t("html_legend_firms", lang), "legend": legend}


def _data_json(layers: list[dict], bounds: tuple[float, float, float, float] | None, lang: str) -> str:
    """The map's data as one JSON document (payloads spliced in as text, not re-serialised); `<` escaped so the
    text cannot end its script element."""
    parts = []
    for layer in layers:
        meta = {k: layer[k] for k in ("key", "name", "style", "tip", "shown", "units")}
        head = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
        parts.append(head[:-1] + ',"data":' + layer["payload"] + "}")
    doc = json.dumps({"bounds": bounds, "selected": SELECTED_COLOUR, "maxZoom": SELECTED_ZOOM_MAX, "radii": FIRM_RADII,
                      "print": {"w": PRINT_MAP_WIDTH_MM, "h": PRINT_MAP_MAX_HEIGHT_MM},
                      "words": {k: t(f"html_{k}", lang) for k in ("scale_m", "scale_km", "zoom_in", "zoom_out")}},
                     ensure_ascii=False, separators=(",", ":"))
    text = doc[:-1] + ',"layers":[' + ",".join(parts) + "]}"
    return text.replace("<", "\\u003c")


# --------------------------------------------------------------------------- page parts


def _summary_html(ev: Evaluation, chosen: pd.DataFrame, lang: str, *, title: str, subset: bool) -> str:
    """Title, district and year, then unit counts by kind, grade counts and the key district figures."""
    project = ev.config.project
    esc = html.escape
    meta = " · ".join([str(project.region), f"{t('exp_year', lang)} {project.year}",
                       f"{t('exp_as_of', lang)} {project.evaluation_date.isoformat()}",
                       t("exp_units_count", lang).format(n=len(chosen))])
    banner = f'<p class="lp-demo">{esc(t("demo_banner", lang))}</p>' if is_demo(ev.config) else ""
    only = f'<p class="lp-note">{esc(t("html_units_selected", lang).format(n=len(chosen)))}</p>' if subset else ""
    kinds = chosen["unit_kind"].astype(str).value_counts()
    kind_items = "".join(f"<li>{esc(layer_label(k, lang))} <b>{int(kinds[k])}</b></li>"
                         for k in EVALUATION_UNIT_KINDS if k in kinds.index)
    grades = chosen["grade"].where(chosen["grade"].isin(list(GRADE_COLOURS)), None)
    grade_items = "".join(f'<li><span class="lp-chip" style="background:{c}">{g}</span> <b>{int((grades == g).sum())}</b></li>'
                          for g, c in GRADE_COLOURS.items())
    unscored = int(pd.to_numeric(chosen["score"], errors="coerce").isna().sum())
    if unscored:
        grade_items += (f'<li><span class="lp-chip" style="background:{NO_GRADE_COLOUR}">{esc(t("grade_not_scored", lang))}'
                        f"</span> <b>{unscored}</b></li>")
    return f"""<header id="lp-summary">
<h1>{esc(title)}</h1>
<p class="lp-meta">{esc(meta)}</p>{banner}{only}
<section class="lp-cards">
<div class="lp-card"><h2>{esc(t("html_units_by_kind", lang))}</h2><ul>{kind_items}</ul></div>
<div class="lp-card"><h2>{esc(t("html_grades", lang))}</h2><ul class="lp-grades">{grade_items}</ul></div>
<div class="lp-card lp-wide"><h2>{esc(t("html_district_figures", lang))}</h2>{_district_figures(ev.district, lang)}</div>
</section>
</header>"""


def _district_figures(district: dict, lang: str) -> str:
    """The key district figures as a two-column list; the 5-year supply ratio flagged against its floor."""
    rows = []
    floor = district.get("supply_floor")
    for name in SUMMARY_FIGURES:
        value = district.get(name)
        if name not in district:
            continue
        if name == "rolling_supply_ratio":
            label = t("html_rolling_supply", lang)
            shown = display_value("supply_ratio", value, lang)
            flag = ""
            # is_missing is True for None too: the `is not None` tests only narrow the types for float()
            if value is not None and floor is not None and not is_missing(value) and not is_missing(floor):
                below = float(value) < float(floor)
                key = "html_below_floor" if below else "html_meets_floor"
                flag = (f' <span class="{"lp-breach" if below else "lp-ok"}">'
                        f'{html.escape(t(key, lang).format(floor=display_value("supply_ratio", floor, lang)))}</span>')
            rows.append(f'<tr class="lp-first"><th>{html.escape(label)}</th><td>{html.escape(shown)}{flag}</td></tr>')
            continue
        shown = html.escape(display_value(name, value, lang))
        rows.append(f"<tr><th>{html.escape(base_label(name, lang))}</th><td>{shown}</td></tr>")
    note = f'<p class="lp-small">{html.escape(t("html_district_note", lang))}</p>'
    return f'<table class="lp-figures">{"".join(rows)}</table>{note}'


def _map_section(layers: list[dict], lang: str, *, offline_ready: bool) -> str:
    """The map box, its legend (only what is drawn) and, without a local Leaflet, the offline note."""
    note = "" if offline_ready else (f'<p id="landpark-offline-note" class="lp-note" style="display:none">'
                                     f'{html.escape(t("exp_offline_note", lang))}</p>')
    return f"""<section id="lp-map-section" aria-label="{html.escape(t("html_map", lang))}">{note}
<div id="lp-map-frame"><div id="lp-map"></div></div>
{_legend_html(layers, lang)}
</section>"""


def _swatch(colour: str, kind: str) -> str:
    """A legend swatch: a fill square, an outline (solid or dashed) or a dot in `colour`."""
    styles = {"fill": f"background:{colour};opacity:.8", "line": f"border:2px solid {colour}",
              "dash": f"border:2px dashed {colour}", "dot": f"background:{colour};border:1px solid #222;border-radius:50%;"
                                                            "width:9px;height:9px"}
    return f'<i class="lp-sw" style="{styles[kind]}"></i>'


def _legend_html(layers: list[dict], lang: str) -> str:
    """A legend of exactly the layers drawn: parcels by the statuses present, unit kinds present with the score ramp,
    firm classes present. Each entry carries `data-layer`, the key of the layer it explains."""
    esc = html.escape
    groups = []
    unit_layers = [layer for layer in layers if layer["units"]]
    for layer in layers:
        if layer["units"]:
            continue
        rows = "".join(f'<div class="lp-lg-row">{_swatch(c, k)}{esc(label)}</div>' for c, label, k in layer["legend"])
        groups.append(f'<div class="lp-lg-group" data-layer="{layer["key"]}"><div class="lp-lg-title">'
                      f'{esc(layer["legend_title"])}</div>{rows}</div>')
    if unit_layers:
        rows = "".join(f'<div class="lp-lg-row" data-layer="{layer["key"]}">{_swatch(c, k)}{esc(label)}</div>'
                       for layer in unit_layers for c, label, k in layer["legend"])
        ramp = ""
        if any(layer["scored"] for layer in unit_layers):
            stops = ", ".join(f"{score_colour(s)} {s:g}%" for s in (0, 25, 50, 75, 100))
            ramp = (f'<div id="landpark-score-legend"><div>{esc(t("col_score", lang))}</div>'
                    f'<div class="lp-ramp" style="background:linear-gradient(to right, {stops})"></div>'
                    '<div class="lp-ramp-ticks"><span>0</span><span>50</span><span>100</span></div></div>')
        if any(layer["unscored"] for layer in unit_layers):
            ramp += f'<div class="lp-lg-row">{_swatch(NO_GRADE_COLOUR, "fill")}{esc(t("grade_not_scored", lang))}</div>'
        groups.insert(1 if layers and layers[0]["key"] == "parcels" else 0,
                      f'<div class="lp-lg-group lp-lg-units"><div class="lp-lg-title">{esc(t("html_legend_units", lang))}'
                      f"</div>{rows}{ramp}</div>")
    return (f'<div id="landpark-legend"><details open><summary>{esc(t("legend", lang))}</summary>'
            f'<div class="lp-lg-body">{"".join(groups)}</div></details></div>')


def _sort_value(column: str, row: dict) -> str | None:
    """The value a column sorts by (`data-sort`): numbers as numbers, grades A–D as 1–4, kinds in their report order;
    "" for missing (sorted last); None for text columns (sorted by their text)."""
    if column in TEXT_COLUMNS:
        return None
    if column == "unit_kind":
        kinds = list(EVALUATION_UNIT_KINDS)
        return str(kinds.index(row[column]) if row[column] in kinds else len(kinds))
    if column == "grade":
        grades = list(GRADE_COLOURS)
        return str(grades.index(row["grade"]) + 1) if row.get("grade") in grades else ""
    value = pd.to_numeric(pd.Series([row.get(column)]), errors="coerce").iloc[0]
    return "" if pd.isna(value) else f"{float(value):.10g}"


def _cell_text(row: dict, column: str, lang: str) -> str:
    """A unit value as shown in the table: 未评价 and the reason where the unit has no score."""
    if column == "unit_kind":
        return layer_label(row[column], lang)
    if column == "grade":
        return grade_text(row, lang)
    if column == "reason_not_scored":
        return unit_reason(row, lang) or MISSING
    return display_value(column, row.get(column), lang)


def _table_html(chosen: pd.DataFrame, lang: str) -> str:
    """The unit table in report order; each row keyed to its unit on the map, each header sortable."""
    esc = html.escape
    hint = esc(t("html_sort_hint", lang))
    head = "".join(f'<th scope="col" tabindex="0" title="{hint}" data-col="{c}">{esc(base_label(c, lang, short=True))}</th>'
                   for c in TABLE_COLUMNS)
    order = chosen.index.to_numpy()[report_order(chosen)]
    rows = []
    for pos, rec in zip(order, chosen.loc[order].to_dict("records")):
        cells = []
        for c in TABLE_COLUMNS:
            key = _sort_value(c, rec)
            attrs = "" if key is None else f' data-sort="{key}"'
            if c == "grade":
                colour = GRADE_COLOURS.get(rec.get("grade"), NO_GRADE_COLOUR)
                attrs += f' class="lp-grade" style="background:{colour}"'
            elif c not in TEXT_COLUMNS and c != "unit_kind":
                attrs += ' class="num"'
            elif c == "unit_id":
                attrs += ' class="lp-id"'
            cells.append(f"<td{attrs}>{esc(_cell_text(rec, c, lang))}</td>")
        rows.append(f'<tr data-uk="{unit_key(pos)}" data-unit-id="{esc(str(rec["unit_id"]))}">{"".join(cells)}</tr>')
    return f"""<section id="landpark-table">
<h2>{esc(t("exp_unit_table", lang))}</h2>
<p class="lp-hint">{esc(t("html_table_hint", lang))}</p>
<div id="lp-table-box"><table id="lp-units"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>
</section>"""


# --------------------------------------------------------------------------- year on year and targets

# The unit indicators the page's 同比 table shows (the Excel 同比 sheet and the JSON carry every one).
TIME_UNIT_INDICATORS = ("score", "tax_per_mu", "value_added_per_mu", "supply_ratio", "idle_ratio")


def _trend_cell(name: str, change: Any, lang: str) -> str:
    """A <td> with the signed change and its trend, coloured by whether it is the better direction."""
    text = change_cell(name, change, lang)
    verdict = change.get("assessment") if change is not None else None
    css_of: dict[str | None, str] = {"improved": "num lp-better", "worsened": "num lp-worse"}
    css = css_of.get(verdict, "num")
    return f'<td class="{css}">{html.escape(text)}</td>'


def _time_html(ev: Evaluation, lang: str) -> str:
    """The year on year (the district's indicators, the class transition counts, the exported units' key indicators)
    and the targets with their status and source; "" when the evaluation carries neither."""
    view = time_view(ev)
    if view is None:
        return ""
    from analysis.targets import base_label as target_base
    from analysis.year_on_year import indicator_label

    esc = html.escape
    parts = []
    if view.has_yoy:
        parts.append(f"<h2>{esc(t('rtime_html_yoy', lang).format(before=view.year_from, after=view.year_to))}</h2>")
        head = "".join(f"<th>{esc(h)}</th>" for h in (t("rtime_col_indicator", lang), t("yoy_year", lang).format(
            year=view.year_from), t("yoy_year", lang).format(year=view.year_to), t("rtime_col_change", lang)))
        rows = "".join(f"<tr><th>{esc(indicator_label(r['indicator'], lang))}</th>"
                       f'<td class="num">{esc(with_unit(r["indicator"], r["before"], lang))}</td>'
                       f'<td class="num">{esc(with_unit(r["indicator"], r["after"], lang))}</td>'
                       f"{_trend_cell(r['indicator'], r, lang)}</tr>" for r in view.district.to_dict("records"))
        parts.append(f'<table class="lp-tt" id="lp-yoy-district"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
        counts = {k: f"{view.summary.get(k, 0):,}" for k in ("up", "down", "entered", "left")}
        line = t("rtime_transitions", lang).format(before=view.year_from, after=view.year_to, **counts)
        parts.append(f'<p id="lp-transitions">{esc(line)}</p>')
        units = view.units
        keys = [k for k in TIME_UNIT_INDICATORS if k in set(units["indicator"])]
        if len(units) and keys:
            head = "".join(f"<th>{esc(h)}</th>" for h in [t("rtime_col_unit_id", lang), t("rtime_col_name", lang),
                                                         *(indicator_label(k, lang) for k in keys)])
            body = []
            for unit_id, group in units.groupby("unit_id", sort=False):
                by = group.set_index("indicator")
                cells = "".join(_trend_cell(k, by.loc[k] if k in by.index else None, lang) for k in keys)
                body.append(f"<tr><td>{esc(str(unit_id))}</td><td>{esc(str(group['name'].iloc[0]))}</td>{cells}</tr>")
            parts.append(f"<details><summary>{esc(t('rtime_html_units_hint', lang))}</summary>"
                         f'<table class="lp-tt" id="lp-yoy-units"><thead><tr>{head}</tr></thead>'
                         f"<tbody>{''.join(body)}</tbody></table></details>")
    if view.targets:
        evaluated = sorted({int(i["evaluated_year"]) for i in view.targets})
        years = ("、" if lang == "zh" else ", ").join(map(str, evaluated))
        parts.append(f"<h2>{esc(t('rtime_targets_head', lang).format(year=years))}</h2>")
        target_cells, _fills = target_rows(view.targets, lang, scope=True, source=False)
        heads = [*target_heads(lang, scope=True, source=False), t("rtime_col_base", lang), t("rtime_col_source", lang)]
        body = []
        for item, row_cells in zip(view.targets, target_cells):
            tds = "".join(f'<td class="num">{esc(c)}</td>' if j in (3, 4, 5) else f"<td>{esc(c)}</td>"
                          for j, c in enumerate(row_cells))
            source = esc(str(item.get("source") or ""))
            tds += f'<td>{esc(target_base(item.get("base"), lang) or "—")}</td><td class="lp-src">{source}</td>'

            behind = ' class="lp-behind"' if item["status"] == "behind" else ""
            body.append(f"<tr{behind}>{tds}</tr>")
        parts.append(f'<table class="lp-tt" id="lp-targets"><thead><tr>{"".join(f"<th>{esc(h)}</th>" for h in heads)}</tr>'
                     f"</thead><tbody>{''.join(body)}</tbody></table>")
    return f'<section id="lp-time">{"".join(parts)}</section>'


# --------------------------------------------------------------------------- 标准地 review


def _review_html(ev: Evaluation, lang: str) -> str:
    """The 标准地达产复核 in brief when the evaluation carries it: the review date, the count of each verdict and the
    parcels not met with each term missed (committed, actual, gap); "" without a review."""
    import reports.text.standard_land  # noqa: F401  (registers the stdpage_ text)
    from analysis.standard_land import VERDICTS
    from reports.scope import VERDICT_COLOURS, review_rows

    result = getattr(ev, "standard_land_review", None)
    if result is None:
        return ""
    esc = html.escape
    counts = result.counts()
    rows = review_rows(result, lang)
    parts = [f"<h2>{esc(t('stdpage_html_head', lang))}</h2>",
             f"<p>{esc(t('stdpage_html_as_of', lang).format(as_of=result.as_of.isoformat(), n=f'{len(rows):,}'))}</p>"]
    swatches = "".join(f'<li><span class="lp-sw" style="background:{VERDICT_COLOURS[v]}"></span>'
                       f'{esc(t(f"stdland_verdict_{v}", lang))} <b id="lp-stdland-{v}">{counts[v]:,}</b></li>'
                       for v in VERDICTS)
    parts.append(f'<ul class="lp-stdland-counts">{swatches}</ul>')
    missed = rows[rows["verdict"] == "not_met"]
    parts.append(f"<h3>{esc(t('stdpage_html_not_met', lang).format(n=f'{len(missed):,}'))}</h3>")
    if len(missed):
        heads = "".join(f"<th>{esc(t(f'stdpage_col_{k}', lang))}</th>" for k in ("parcel", "firm", "due", "failed"))
        body = "".join(
            f"<tr><td>{esc(str(r['parcel_id']))}</td><td>{esc(str(r['firm_name'] or r['firm_uscc'] or ''))}</td>"
            f"<td>{esc(pd.Timestamp(r['due_date']).date().isoformat() if not is_missing(r['due_date']) else '—')}</td>"
            f"<td>{esc(str(r['failed_text'] or ''))}</td></tr>"
            for r in pd.DataFrame(missed.drop(columns="geometry", errors="ignore")).to_dict("records"))
        parts.append(f'<table class="lp-tt" id="lp-stdland-not-met"><thead><tr>{heads}</tr></thead>'
                     f"<tbody>{body}</tbody></table>")
    else:
        parts.append(f"<p>{esc(t('stdpage_html_none_not_met', lang))}</p>")
    return f'<section id="lp-stdland">{"".join(parts)}</section>'


# --------------------------------------------------------------------------- the page


def _leaflet_head(folder: Path | None) -> str:
    """Leaflet's CSS (images as data URIs) and JS inlined from a local copy; without one, folium's CDN links."""
    if folder is None:
        js = dict(folium.Map.default_js)["leaflet"]
        css = dict(folium.Map.default_css)["leaflet_css"]
        return f'<link rel="stylesheet" href="{css}"/>\n<script src="{js}"></script>'
    css, js = leaflet_inline_parts(folder)
    return f"<style>{css}</style>\n<script>{js}</script>"


_CSS = """
body{margin:0;font:14px/1.55 %(font)s;color:#1d2327;background:#fff}
#lp-summary,#landpark-table,#lp-map-section,#lp-time,#lp-stdland{margin:0 20px}
#lp-time h2,#lp-stdland h2{margin-top:14px}
.lp-stdland-counts{list-style:none;display:flex;flex-wrap:wrap;gap:16px;padding:0;margin:4px 0}
.lp-tt{border-collapse:collapse;font-size:13px;margin:4px 0 8px}
.lp-tt th,.lp-tt td{border:1px solid #d5d9de;padding:2px 6px}.lp-tt th{background:#eef1f5;white-space:nowrap}
.lp-tt td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.lp-tt tr.lp-behind td{background:#fde0e0}.lp-tt td.lp-src{font-size:12px;color:#555}
.lp-better{color:#1b5e20}.lp-worse{color:#b00020}
h1{font-size:22px;margin:16px 0 4px}h2{font-size:15px;margin:0 0 6px}
.lp-meta{color:#555;margin:0 0 6px}.lp-demo{color:#b00020;font-weight:bold;margin:2px 0}.lp-note{color:#8a5a00;margin:2px 0}
.lp-cards{display:flex;flex-wrap:wrap;align-items:flex-start;gap:12px;margin:8px 0 12px}
.lp-card{border:1px solid #d5d9de;border-radius:6px;padding:8px 12px;min-width:170px}.lp-wide{flex:1 1 420px}
.lp-card ul{list-style:none;margin:0;padding:0}.lp-card li{margin:2px 0}
.lp-grades li{display:inline-block;margin-right:12px}
.lp-chip{display:inline-block;min-width:18px;padding:0 5px;border-radius:3px;text-align:center;font-weight:bold}
.lp-figures{border-collapse:collapse}.lp-figures th{font-weight:normal;text-align:left;padding:1px 14px 1px 0;color:#333}
.lp-figures td{text-align:right;padding:1px 0;font-variant-numeric:tabular-nums}.lp-figures tr.lp-first{font-weight:bold}
.lp-breach{color:#fff;background:#c62828;border-radius:3px;padding:0 5px;margin-left:6px;font-weight:bold}
.lp-ok{color:#1b5e20;margin-left:6px}.lp-small{color:#666;font-size:12px;margin:4px 0 0}
#lp-map-section{position:relative;margin-bottom:12px}
#lp-map-frame{border:1px solid #c8ccd0}#lp-map{height:%(map_h)gvh;width:100%%}
#landpark-legend{position:absolute;left:10px;bottom:28px;z-index:1000;background:rgba(255,255,255,.93);
 border:1px solid #bbb;border-radius:4px;padding:5px 9px;font-size:12px;line-height:1.45;max-height:80%%;overflow:auto}
#landpark-legend summary{font-weight:bold;cursor:pointer}.lp-lg-group{margin-top:4px}.lp-lg-title{font-weight:bold}
.lp-sw{display:inline-block;width:14px;height:10px;margin-right:6px;vertical-align:middle;box-sizing:border-box}
.lp-ramp{width:150px;height:10px}.lp-ramp-ticks{display:flex;justify-content:space-between;width:150px;color:#555}
.lp-hint{color:#555;font-size:13px;margin:0 0 6px}
#lp-table-box{max-height:75vh;overflow:auto;border:1px solid #d5d9de}
#lp-units{border-collapse:collapse;width:100%%;font-size:13px}
#lp-units th,#lp-units td{border:1px solid #d5d9de;padding:3px 6px}
#lp-units th{background:#eef1f5;position:sticky;top:0;cursor:pointer;user-select:none;white-space:nowrap}
#lp-units th[aria-sort=ascending]::after{content:" \\25B2"}#lp-units th[aria-sort=descending]::after{content:" \\25BC"}
#lp-units td.num{text-align:right;font-variant-numeric:tabular-nums}#lp-units td.lp-grade{text-align:center;font-weight:bold}
#lp-units tbody tr{cursor:pointer}#lp-units tbody tr:hover{background:#f4f8fb}
#lp-units tbody tr.lp-selected{background:#d8f4ff;outline:2px solid %(sel)s}
.lp-tip th{text-align:left;padding-right:6px;font-weight:normal;color:#555}
@page{margin:%(margin)gmm}
@media print{
 body{font-size:10.5pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
 #lp-summary,#landpark-table,#lp-map-section,#lp-time{margin:0}
 .lp-tt{font-size:8pt}#lp-time details{display:block}#lp-time details>*{display:block}
 #lp-map-section{break-inside:avoid;page-break-inside:avoid}
 #lp-map-frame{width:calc(var(--lp-w,680px) * var(--lp-s,1));height:calc(var(--lp-h,480px) * var(--lp-s,1));overflow:hidden}
 #lp-map{width:var(--lp-w,680px)!important;height:var(--lp-h,480px)!important;transform:scale(var(--lp-s,1));
  transform-origin:0 0}
 .leaflet-control-zoom,.leaflet-control-layers,.lp-hint{display:none!important}
 #landpark-legend{position:static;max-height:none;border:none;padding:4px 0;background:none}
 #landpark-legend summary{list-style:none}.lp-lg-body{display:flex;flex-wrap:wrap;gap:4px 18px}
 #lp-table-box{max-height:none;overflow:visible;border:none}
 #lp-units{font-size:7pt;width:100%%}#lp-units thead{display:table-header-group}
 #lp-units th{position:static;white-space:normal}#lp-units th,#lp-units td{padding:1px 3px}
 #lp-units td.num,#lp-units td.lp-id{white-space:nowrap}
 #lp-units tr{break-inside:avoid;page-break-inside:avoid}#lp-units th[aria-sort]::after{content:""}
 #lp-units tbody tr.lp-selected{outline:none}
}
"""

# Table sorting runs without Leaflet; the map part only when Leaflet loaded.
_JS = r"""
(function () {
  var table = document.getElementById("lp-units"), box = document.getElementById("lp-table-box");
  var lang = document.documentElement.lang || "zh";
  function key(td) { var v = td.getAttribute("data-sort");
    if (v === null) { return {m: 0, s: td.textContent}; } if (v === "") { return {m: 1}; } return {m: 0, n: parseFloat(v)}; }
  function sortBy(th) {
    var col = th.cellIndex, dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1, body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (r) { return {r: r, k: key(r.cells[col])}; });
    rows.sort(function (a, b) {
      if (a.k.m !== b.k.m) { return a.k.m - b.k.m; }   // missing values last, in both directions
      if (a.k.m === 1) { return 0; }
      if (a.k.n !== undefined) { return dir * (a.k.n - b.k.n); }
      return dir * a.k.s.localeCompare(b.k.s, lang); });
    rows.forEach(function (x) { body.appendChild(x.r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); } });
  });
  function markRow(uk, scroll) {
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      var on = r.getAttribute("data-uk") === uk; r.classList.toggle("lp-selected", on);
      if (on && scroll) { var top = r.offsetTop - table.tHead.offsetHeight;
        if (top < box.scrollTop || top + r.offsetHeight > box.scrollTop + box.clientHeight) { box.scrollTop = top - 8; } } });
  }
  if (typeof L === "undefined") {
    var note = document.getElementById("landpark-offline-note"); if (note) { note.style.display = "block"; }
    document.getElementById("lp-map-frame").style.display = "none";
    document.getElementById("landpark-legend").style.display = "none";
    return;
  }
  var D = JSON.parse(document.getElementById("landpark-data").textContent);
  var map = L.map("lp-map", {preferCanvas: true, attributionControl: false, zoomControl: false, zoomSnap: 0.25});
  L.control.zoom({zoomInTitle: D.words.zoom_in, zoomOutTitle: D.words.zoom_out}).addTo(map);
  window.landparkMap = map; window.landparkLayers = {};
  var byKey = {}, overlays = {}, selected = [];
  function esc(v) { return String(v).replace(/[&<>"]/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  function styler(st) { return function (f) { var s = Object.assign({}, st.base || {}), p = (f && f.properties) || {};
    if (st.field) { var x = (st.values || {})[p[st.field]]; if (x) { Object.assign(s, x); } }
    if (st.fill && p[st.fill]) { s.fillColor = p[st.fill]; }
    return s; }; }
  function tooltip(tip) { return function (l) { var p = l.feature.properties, out = "";
    if (tip.title) { out += "<b>" + esc(p[tip.title] === null ? tip.empty : p[tip.title]) + "</b>"; }
    var rows = "";
    tip.fields.forEach(function (f, i) { var v = p[f];
      if (v === null || v === undefined || v === "") { v = (tip.nulls || {})[f] || tip.empty; }
      else if (tip.labels[v] !== undefined) { v = tip.labels[v]; }
      rows += "<tr><th>" + esc(tip.aliases[i]) + "</th><td>" + esc(v) + "</td></tr>"; });
    return out + '<table class="lp-tip">' + rows + "</table>"; }; }
  D.layers.forEach(function (spec) {
    var style = styler(spec.style), opts = {style: style};
    if (spec.data.t === "point") { opts.pointToLayer = function (f, ll) { return L.circleMarker(ll, style(f)); }; }
    var layer = L.geoJSON(landparkDecode(spec.data), opts);
    layer.bindTooltip(tooltip(spec.tip), {sticky: true});
    if (spec.units) {
      layer.eachLayer(function (l) { var uk = l.feature.properties.uk;
        (byKey[uk] = byKey[uk] || []).push({l: l, group: layer}); });
      layer.on("click", function (e) { select(e.layer.feature.properties.uk, false, true); });
    }
    window.landparkLayers[spec.key] = layer; overlays[spec.name] = layer;
    if (spec.shown) { layer.addTo(map); }
  });
  L.control.layers(null, overlays, {collapsed: false}).addTo(map);
  var scale = L.control.scale({imperial: false, position: "bottomright"});
  scale._updateScale = function (el, text, ratio) {   // the scale bar's units in the page's language
    el.style.width = Math.round(this.options.maxWidth * ratio) + "px";
    el.textContent = text.replace(/ km$/, " " + D.words.scale_km).replace(/ m$/, " " + D.words.scale_m); };
  scale.addTo(map);
  var firms = window.landparkLayers.enterprises;
  function firmRadius() { if (!firms) { return; } var z = map.getZoom(), r = D.radii[D.radii.length - 1][1];
    for (var i = D.radii.length - 1; i >= 0; i--) { if (z < D.radii[i][0]) { r = D.radii[i][1]; } }
    firms.eachLayer(function (l) { l.setRadius(r); }); }
  map.on("zoomend", firmRadius);
  var home = D.bounds ? L.latLngBounds([D.bounds[1], D.bounds[0]], [D.bounds[3], D.bounds[2]]) : null;
  if (home) { map.fitBounds(home, {padding: [16, 16], animate: false}); } else { map.setView([30, 120], 10); }
  firmRadius();
  function select(uk, zoom, fromMap) {
    selected.forEach(function (x) { x.group.resetStyle(x.l); });
    selected = byKey[uk] || [];
    var b = null;
    selected.forEach(function (x) {
      if (!map.hasLayer(x.group)) { x.group.addTo(map); }
      x.l.setStyle({color: D.selected, weight: 5, opacity: 1}); x.l.bringToFront();
      b = b ? b.extend(x.l.getBounds()) : L.latLngBounds(x.l.getBounds().getSouthWest(), x.l.getBounds().getNorthEast()); });
    if (zoom && b) { map.fitBounds(b, {padding: [24, 24], maxZoom: D.maxZoom, animate: false}); }
    window.landparkSelected = uk;
    markRow(uk, fromMap);
  }
  window.landparkSelect = select;
  table.tBodies[0].addEventListener("click", function (e) {
    var row = e.target.closest("tr"); if (!row) { return; }
    var frame = document.getElementById("lp-map-frame"), r = frame.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) { frame.scrollIntoView({block: "nearest"}); }
    select(row.getAttribute("data-uk"), true, false);
  });
  // Print: the on-screen map, scaled to a fixed width (the print stylesheet reads these variables).
  var frame = document.getElementById("lp-map-frame"), mm = 96 / 25.4;
  function printScale() {
    if (window.matchMedia && window.matchMedia("print").matches) { return; }
    var el = map.getContainer(), w = el.offsetWidth, h = el.offsetHeight; if (!w || !h) { return; }
    frame.style.setProperty("--lp-w", w + "px"); frame.style.setProperty("--lp-h", h + "px");
    frame.style.setProperty("--lp-s", String(Math.min(D.print.w * mm / w, D.print.h * mm / h)));
  }
  printScale(); window.addEventListener("resize", printScale); window.addEventListener("beforeprint", printScale);
})();
"""


def _page(title: str, body: str, data: str, lang: str, leaflet: Path | None) -> str:
    """The whole document: one <title>, Leaflet, styles, the body parts, the data and the script."""
    css = _CSS % {"font": _FONT, "map_h": MAP_HEIGHT_VH, "sel": SELECTED_COLOUR, "margin": PAGE_MARGIN_MM}
    return f"""<!DOCTYPE html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{html.escape(title)}</title>
{_leaflet_head(leaflet)}
<style>{css}</style>
</head>
<body>
{body}
<script type="application/json" id="landpark-data">{data}</script>
<script>{DECODER_JS}{_JS}</script>
</body>
</html>
"""


def _write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; the page should get the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["export_html", "find_leaflet", "score_colour", "unit_key"]
