"""选址分析: the request form of `landpark site`, an optional search area (drawn on the map or
uploaded), and the ranked candidates on the map (numbered), in a table, with each candidate's
score breakdown and rule checks, and downloads (GeoPackage / GeoJSON / CSV).

All analysis is `analysis.siting.run_siting` on a `SitingData` built once per project content
hash from the cached evaluation. The map is sent once; candidates and the search area travel as
a dynamic layer (streamlit-folium `feature_group_to_add`), so drawings survive a run.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from i18n import layer_label
from i18n.numbers import (
    MISSING,
    format_count,
    format_far,
    format_general,
    format_length,
    format_mu,
    format_per_mu,
    format_ratio,
    format_score,
    is_missing,
)
from layers.auth import Permission
from layers.project import Project
from layers.settings import AppSiting
from ui import auth
from ui.state import cached, current_project, evaluation_or_stop, lang, leaflet_urls, page_header, tr

RESULT_KEY = "siting_result"
DRAWN_KEY = "siting_drawn"  # (signature of the last drawings received, their GeoJSON features in lon/lat)
MODE_KEY = "siting_area_mode"
CANDIDATE_COLOUR = "#0b3d91"
SEARCH_COLOUR = "#e6007e"
AREA_MODES = ("none", "draw", "upload")
SPREADS = ("first", "cap", "score")  # candidates over parks: best per park first, at most N per park, by score only
OFFERED_STATUSES = ("unsupplied", "idle")  # parcels drawn under the candidates (what a request can take)
DOWNLOADS = (("gpkg", "application/geopackage+sqlite3"), ("geojson", "application/geo+json"), ("csv", "text/csv"))


# ---- cached data -----------------------------------------------------------------------------


def _siting_data(project: Project):
    """(SitingData, lock) built from the cached evaluation; the lock serialises runs (SitingData caches inside)."""
    from analysis.siting import SitingData

    inputs, ev = evaluation_or_stop(project)
    return SitingData.from_project(project, inputs=inputs, evaluation=ev), threading.Lock()


def _map_layers(project: Project):
    """Context layers for build_map, and the parcels a request can take (批而未供, 闲置) published as static files."""
    from maps.overlays import context_layers, lonlat_geojson, project_stem, publish_geojson

    layers, bounds = context_layers(project)
    offered = {}
    if "parcels" in project.layer_names():
        parcels = project.read_layer("parcels", columns=["parcel_id", "supply_status"])
        for status in OFFERED_STATUSES:
            data = lonlat_geojson(parcels[parcels["supply_status"] == status], ["parcel_id"])
            if data["features"]:
                url = publish_geojson(data, project_stem(project, f"siting-{status}"))
                offered[status] = (data, url, len(data["features"]))
    return layers, bounds, offered


def _industries(project: Project) -> list[str]:
    """Distinct leading industries named by the project's units (suggestions for the form)."""
    from analysis.industry_match import split_industries

    inputs, _ev = evaluation_or_stop(project)
    units = inputs.units
    if "leading_industries" not in units:
        return []
    return sorted({name for cell in units["leading_industries"] for name in split_industries(cell)})


# ---- formatting --------------------------------------------------------------------------------


def _sep() -> str:
    """List separator of the session language."""
    return "、" if lang() == "zh" else ", "


def _measure(value: Any, unit: str) -> str:
    """A raw criterion or rule value with its unit, as a bureau reads it (numbers by `i18n.numbers`)."""
    if is_missing(value):
        return MISSING
    if unit in ("share", "ratio"):
        return format_ratio(value)
    if unit == "10k_yuan_per_mu":
        return f"{format_per_mu(value)} {tr('siting_u_10k_per_mu')}"
    if unit == "mu":
        return f"{format_mu(value)} {tr('siting_u_mu')}"
    if unit == "m2":
        return f"{format_length(value, 1)} m²"
    if unit == "m":
        return f"{format_length(value)} m"
    if unit == "deg":
        return f"{format_far(value)}°"
    return format_general(value)


def _limit(limit: Any, unit: str) -> str:
    if isinstance(limit, (list, tuple)) and len(limit) == 2:
        return f"{_measure(limit[0], unit)} – {_measure(limit[1], unit)}"
    return _measure(limit, unit)


DETAIL_ZH = [  # English fragments of analysis details → Chinese
    (re.compile(r"\(synonym: ([^)]*)\)"), r"（同义词组：\1）"),
    (re.compile(r"\(contains\)"), "（名称包含）"),
    (re.compile(r"\(equal\)"), "（名称相同）"),
    (re.compile(r"\(district ([^)]*)\)"), r"（全区 \1）"),
    (re.compile(r"no unit with a matching leading industry"), "所在单元主导产业不匹配"),
    (re.compile(r"not in a unit"), "不在评价单元内"),
    (re.compile(r"no data"), "无数据"),
    (re.compile(r"no road"), "附近无道路"),
    (re.compile(r"not covered by the DEM"), "DEM 未覆盖"),
]


def _detail(text: str | None) -> str:
    if not text:
        return ""
    if lang() == "zh":
        for pattern, repl in DETAIL_ZH:
            text = pattern.sub(repl, text)
    return text


NOTICE_KEYS = [  # run_siting's notices (English) → translation keys; unknown ones are shown as they are
    (re.compile(r"^no available parcels"), "siting_n_no_available"),
    (re.compile(r"^no DEM"), "siting_n_no_dem"),
    (re.compile(r"^slope rule: DEM does not cover"), "siting_n_dem_partial"),
    (re.compile(r"^every criterion .* weight 0"), "siting_n_zero_weights"),
    (re.compile(r"^no industry given"), "siting_n_no_industry"),
    (re.compile(r"^no evaluation units with leading industries"), "siting_n_no_leading"),
    (re.compile(r"^no site lies in a unit with (\S+)"), "siting_n_no_performance"),
    (re.compile(r"^district (\S+) is unavailable"), "siting_n_no_benchmark"),
    (re.compile(r"^no site lies in a unit with a supply ratio"), "siting_n_no_supply"),
    (re.compile(r"^no roads layer"), "siting_n_no_roads"),
    (re.compile(r"^no protection_lines layer"), "siting_n_no_lines"),
    (re.compile(r"^(urban_boundary|permanent_farmland|ecological_redline|protection_line) rule: no "),
     "siting_n_rule_unchecked"),
    (re.compile(r"^no clusters in \[clusters\]"), "siting_chain_n_no_clusters"),
    (re.compile(r"^industry code (\S+) lies in no cluster"), "siting_chain_n_no_cluster_for_code"),
]


def _notice(text: str) -> str:
    # The supply-ratio pattern must win over the generic "no site lies in a unit with X".
    for pattern, key in sorted(NOTICE_KEYS, key=lambda pk: pk[1] != "siting_n_no_supply"):
        match = pattern.search(text)
        if match:
            what = match.group(1) if match.groups() else ""
            return tr(key, what=tr(f"siting_rule_{what}") if key == "siting_n_rule_unchecked" else what)
    return text


# ---- the map -----------------------------------------------------------------------------------


def _draw_controls(fmap, urls: tuple[str, str]) -> None:
    """Leaflet.draw (served locally) for polygons and rectangles, with Chinese or English tooltips."""
    from branca.element import MacroElement, Template
    from folium.plugins import Draw

    locale = MacroElement()
    texts = {k: tr(f"siting_draw_{k}") for k in ("polygon", "rectangle", "finish", "undo", "cancel", "start_polygon",
                                                "continue_polygon", "end_polygon", "start_rectangle", "release",
                                                "edit", "remove", "save", "clear_all")}
    locale._template = Template("""{% macro script(this, kwargs) %}
(function () { if (!(window.L && L.drawLocal)) return; var t = """ + json.dumps(texts, ensure_ascii=False) + """;
  var d = L.drawLocal.draw, e = L.drawLocal.edit;
  d.toolbar.buttons.polygon = t.polygon; d.toolbar.buttons.rectangle = t.rectangle;
  d.toolbar.actions.text = t.cancel; d.toolbar.actions.title = t.cancel;
  d.toolbar.finish.text = t.finish; d.toolbar.finish.title = t.finish;
  d.toolbar.undo.text = t.undo; d.toolbar.undo.title = t.undo;
  d.handlers.polygon.tooltip.start = t.start_polygon; d.handlers.polygon.tooltip.cont = t.continue_polygon;
  d.handlers.polygon.tooltip.end = t.end_polygon;
  d.handlers.rectangle.tooltip.start = t.start_rectangle; d.handlers.simpleshape.tooltip.end = t.release;
  e.toolbar.buttons.edit = t.edit; e.toolbar.buttons.remove = t.remove;
  e.toolbar.actions.save.text = t.save; e.toolbar.actions.cancel.text = t.cancel;
  e.toolbar.actions.clearAll.text = t.clear_all;
})();
{% endmacro %}""")
    locale.add_to(fmap)
    shape = {"color": SEARCH_COLOUR, "weight": 3, "fill": True, "fillOpacity": 0.05}
    draw = Draw(position="topleft", show_geometry_on_click=False,
                draw_options={"polyline": False, "circle": False, "marker": False, "circlemarker": False,
                              "polygon": {"allowIntersection": False, "showArea": False, "shapeOptions": shape},
                              "rectangle": {"showArea": False, "shapeOptions": shape}},
                edit_options={"edit": True, "remove": True})
    draw.default_js = [("leaflet_draw_js", urls[0])]
    draw.default_css = [("leaflet_draw_css", urls[1])]
    draw.add_to(fmap)


def _dynamic_group(project: Project, stored: dict | None, search):
    """Candidates (outlined, numbered by rank) and the search area in use, as one dynamic feature group."""
    import folium
    import geopandas as gpd
    import shapely

    from maps.overlays import lonlat_geojson, rank_marker
    from spatial.transform import reprojected

    group = folium.FeatureGroup(name=tr("siting_candidates"))
    crs = project.crs
    if search is not None:
        frame = gpd.GeoDataFrame({"name": [tr("siting_search_area")]}, geometry=[search], crs=crs)
        folium.GeoJson(lonlat_geojson(frame, ["name"]), name="search_area",
                       style_function=lambda f: {"color": SEARCH_COLOUR, "weight": 2.5, "dashArray": "8 6",
                                                 "fillOpacity": 0.03, "fillColor": SEARCH_COLOUR}).add_to(group)
    if stored is not None and stored["result"].candidates:
        cands = stored["result"].candidates
        frame = gpd.GeoDataFrame({
            "rank": [c["rank"] for c in cands], "score": [round(c["score"], 1) for c in cands],
            "area_mu": [round(c["area_mu"], 1) for c in cands]}, geometry=[c["geometry"] for c in cands], crs=crs)
        folium.GeoJson(lonlat_geojson(frame, ["rank", "score", "area_mu"], simplify_m=0.5), name="candidates",
                       style_function=lambda f: {"color": CANDIDATE_COLOUR, "weight": 3, "fillColor": "#3d7eff",
                                                 "fillOpacity": 0.35},
                       tooltip=folium.GeoJsonTooltip(["rank", "score", "area_mu"], aliases=[
                           tr("siting_col_rank"), tr("siting_col_score"), tr("siting_col_area")])).add_to(group)
        points = reprojected(shapely.point_on_surface(frame.geometry.to_numpy()), crs, 4326)
        for c, point in zip(cands, points):
            rank_marker(point.y, point.x, c["rank"], tr("siting_marker_tip", rank=c["rank"], score=format_score(c['score']),
                                                       area=format_mu(c['area_mu'])), colour=CANDIDATE_COLOUR).add_to(group)
    return group


def _view(project: Project, stored: dict | None, settings: AppSiting):
    """Centre and zoom fitting the candidates (and search area) of the last run; None before a run."""
    import geopandas as gpd

    from maps.overlays import view_for_bounds
    from maps.webmap import lonlat_bounds

    if stored is None:
        return None, None
    geoms = [c["geometry"] for c in stored["result"].candidates]
    if stored.get("search") is not None:
        geoms.append(stored["search"])
    if not geoms:
        return None, None
    bounds = lonlat_bounds(gpd.GeoDataFrame(geometry=geoms, crs=project.crs))
    return view_for_bounds(bounds, settings.map_width_px, settings.map_height_px,
                           max_zoom=settings.candidate_zoom_max, padding_px=settings.view_padding_px)


def _map(project: Project, stored: dict | None, settings: AppSiting) -> None:
    """Draw the map and take in the search area drawn on it (kept in the session)."""
    from streamlit_folium import st_folium

    from analysis.siting.search_area import area_from_features
    from maps.assets import draw_urls
    from maps.overlays import add_geojson, corner_legend, fold_legend, layer_control_last
    from maps.webmap import SUPPLY_COLOURS, build_map

    layers, bounds, offered = cached("siting_map_layers", project, _map_layers)
    fmap = build_map(layers, lang=lang(), bounds=bounds, demo=project.config.project.demo,
                     leaflet_urls=leaflet_urls())
    for status, (data, url, count) in offered.items():
        colour = SUPPLY_COLOURS[status]
        add_geojson(fmap, data, url, name=f"{tr(status)} ({count})", fields=["parcel_id"],
                    aliases=[tr("siting_col_parcel")],
                    style={"color": "#555555", "weight": 0.4, "fillColor": colour, "fillOpacity": 0.6})
    layer_control_last(fmap, collapsed=True)  # expanded, it hides candidates near the top right
    fold_legend(fmap)  # likewise near the bottom left
    urls = draw_urls()
    if urls is not None:
        _draw_controls(fmap, urls)
    fmap.get_root().add_child(corner_legend(tr("siting_legend"), [
        (CANDIDATE_COLOUR, tr("siting_legend_candidate"), "dot"), (SEARCH_COLOUR, tr("siting_search_area"), "line")],
        element_id="landpark-siting-legend"))
    # The area the shown candidates used; before a run, the drawn one (outlined again in case the map
    # was re-mounted, e.g. after a language switch, and lost its drawing).
    search = stored.get("search") if stored is not None else None
    if search is None and st.session_state.get(MODE_KEY) == "draw":
        search = _drawn_area(project)
    centre, zoom = _view(project, stored, settings)
    out = st_folium(fmap, key="siting-map", height=settings.map_height_px, use_container_width=True,
                    returned_objects=["all_drawings"] if urls is not None else [],
                    feature_group_to_add=_dynamic_group(project, stored, search), center=centre, zoom=zoom)
    if urls is None:
        st.caption(tr("siting_draw_unavailable"))
        return
    drawings = (out or {}).get("all_drawings")
    if drawings is None:  # the map has not reported yet (first draw of the component): keep what we had
        return
    signature = json.dumps(drawings, sort_keys=True)
    if signature != st.session_state.get(DRAWN_KEY, (None, None))[0]:
        st.session_state[DRAWN_KEY] = (signature, drawings)
        if area_from_features(drawings, project.crs) is not None:
            st.session_state[MODE_KEY] = "draw"
        elif st.session_state.get(MODE_KEY) == "draw":
            st.session_state[MODE_KEY] = "none"


# ---- the form ----------------------------------------------------------------------------------


def _form(project: Project, settings: AppSiting) -> dict[str, Any] | None:
    """The request form; returns the submitted values or None."""
    from analysis.siting.criteria import CRITERIA

    cfg = project.config.siting
    drawn = _drawn_area(project)
    with st.form("siting_form"):
        area = st.number_input(tr("siting_area_mu"), min_value=0.1, value=settings.default_area_mu,
                               step=5.0, key="siting_area_mu", help=tr("siting_area_help"))
        max_area = st.number_input(tr("siting_max_area_mu"), min_value=0.1, value=None, step=5.0,
                                   key="siting_max_area_mu",
                                   placeholder=tr("siting_max_area_placeholder", factor=f"{cfg.max_area_factor:g}"))
        industry = st.selectbox(tr("siting_industry"), cached("siting_industries", project, _industries), index=None,
                                accept_new_options=True, key="siting_industry", placeholder=tr("siting_industry_placeholder"),
                                help=tr("siting_industry_help"))
        k1, k2 = st.columns(2)
        code = k1.text_input(tr("siting_chain_code"), key="siting_industry_code", max_chars=8,
                             placeholder=tr("siting_chain_code_placeholder"), help=tr("siting_chain_code_help"))
        names = cluster_names(project)
        cluster = k2.selectbox(tr("siting_chain_cluster"), names, index=None, key="siting_cluster", disabled=not names,
                               placeholder=tr("siting_chain_cluster_placeholder") if names else tr("siting_chain_no_clusters"),
                               help=tr("siting_chain_cluster_help"))
        c1, c2 = st.columns(2)
        top = c1.number_input(tr("siting_top"), min_value=1, max_value=50, value=cfg.top, step=1,
                              key="siting_top")
        method = c2.radio(tr("siting_method"), ["wsum", "topsis"], index=0 if cfg.method == "wsum" else 1,
                          key="siting_method", format_func=lambda m: tr(f"siting_method_{m}"), horizontal=True)
        s1, s2 = st.columns([2, 1], vertical_alignment="bottom")
        spread = s1.segmented_control(tr("siting_spread"), SPREADS, default="first", required=True, key="siting_spread",
                                      format_func=lambda m: tr(f"siting_spread_{m}"), help=tr("siting_spread_help"))
        per_park = s2.number_input(tr("siting_per_park"), min_value=1, max_value=50, value=2, step=1, key="siting_per_park",
                                   help=tr("siting_per_park_help"))
        include_idle = st.checkbox(tr("siting_include_idle"), key="siting_include_idle")
        include_low = st.checkbox(tr("siting_include_low"), key="siting_include_low", help=tr("siting_include_low_help"))
        outside = st.checkbox(tr("siting_allow_outside"), key="siting_allow_outside")
        slope = st.number_input(tr("siting_max_slope"), min_value=0.5, max_value=90.0, value=cfg.max_slope_deg,
                                step=1.0, key="siting_max_slope")
        weights = {}
        with st.expander(tr("siting_weights")):
            if cfg.ahp.enabled:
                st.caption(tr("siting_weights_ahp"))
            st.caption(tr("siting_weights_help"))
            for name in CRITERIA:
                weights[name] = st.number_input(tr(f"siting_crit_{name}"), min_value=0.0, max_value=1.0,
                                                value=_default_weight(cfg, name),
                                                step=settings.weight_step, key=f"siting_w_{name}")
        if st.session_state.get(MODE_KEY) not in AREA_MODES:
            st.session_state[MODE_KEY] = "none"
        mode = st.radio(tr("siting_search_area"), AREA_MODES, key=MODE_KEY, format_func=lambda m: tr(f"siting_area_{m}"))
        st.caption(tr("siting_drawn_status", area=_drawn_mu(project, drawn)) if drawn is not None
                   else tr("siting_drawn_none"))
        upload = st.file_uploader(tr("siting_upload"), type=["geojson", "json", "gpkg", "kml", "zip"], key="siting_upload",
                                  help=tr("siting_upload_help"))
        submitted = st.form_submit_button(tr("siting_run"), type="primary", width="stretch")
    if not submitted:
        return None
    changed = {n: w for n, w in weights.items() if not math.isclose(w, _default_weight(cfg, n))}
    return {"area_mu": area, "max_area_mu": max_area, "industry": (industry or "").strip() or None, "top": int(top),
            "industry_code": (code or "").strip() or None, "cluster": cluster or None,
            "method": method, "include_idle": include_idle, "include_low_efficiency": include_low,
            "allow_outside_lines": outside, "max_slope_deg": slope, "weights": changed or None, "mode": mode,
            "upload": upload, "drawn": drawn, "per_park": per_park_option(spread, per_park)}


def _default_weight(cfg: Any, name: str) -> float:
    """A criterion's weight in [siting.weights] (chain_fit: its shipped default until the toml carries it)."""
    from layers.siting_chain_settings import DEFAULT_WEIGHT

    return float(cfg.weights.get(name, DEFAULT_WEIGHT if name == "chain_fit" else 0.0))


def cluster_names(project: Project) -> list[str]:
    """The cluster names of the project's [clusters] (own items or the preset's), for the cluster select."""
    settings = getattr(project.config, "clusters", None)
    return [c.name for c in getattr(settings, "items", ()) or ()]


def per_park_option(spread: str | None, n: int | float | None) -> int | None:
    """SiteRequest.per_park of the form's choice: best per park first (None), at most N per park (N), by score (0)."""
    if spread == "score":
        return 0
    if spread == "cap" and n is not None:
        return int(n)
    return None


def _drawn_area(project: Project):
    """The polygons drawn on the map (kept in lon/lat, so a project switch reprojects them), or None."""
    from analysis.siting.search_area import area_from_features

    return area_from_features(st.session_state.get(DRAWN_KEY, (None, None))[1], project.crs)


def _drawn_mu(project: Project, geometry) -> str:
    from analysis.siting.search_area import area_mu

    return format_mu(area_mu(geometry, project.crs), 0)


def _run(project: Project, values: dict[str, Any], settings: AppSiting) -> None:
    """Validate the form, resolve the search area, run the request; the result goes to the session."""
    from analysis.siting import RequestError, SiteRequest, run_siting
    from analysis.siting.search_area import area_from_upload
    from layers.problems import InputError, error_text

    if values["max_area_mu"] is not None and values["max_area_mu"] < values["area_mu"]:
        st.error(tr("siting_err_max_area", max=f"{values['max_area_mu']:g}", area=f"{values['area_mu']:g}"))
        return
    search = None
    if values["mode"] == "draw":
        search = values["drawn"]
        if search is None:
            st.error(tr("siting_err_no_drawing"))
            return
    elif values["mode"] == "upload":
        upload = values["upload"]
        if upload is None:
            st.error(tr("siting_err_no_upload"))
            return
        try:
            search = area_from_upload(upload.getvalue(), upload.name, project.crs,
                                      max_bytes=int(settings.upload_max_mb) * 1024**2)
        except InputError as exc:
            st.error(f"{tr('siting_err_upload')}: {error_text(exc, lang())}")
            return
    request = SiteRequest(area_mu=float(values["area_mu"]), max_area_mu=values["max_area_mu"],
                          industry=values["industry"], top=values["top"], method=values["method"],
                          include_idle=values["include_idle"], include_low_efficiency=values["include_low_efficiency"],
                          allow_outside_lines=values["allow_outside_lines"], max_slope_deg=float(values["max_slope_deg"]),
                          within=search, weights=values["weights"], per_park=values.get("per_park"),
                          industry_code=values.get("industry_code"), cluster=values.get("cluster"))
    try:
        request.validate()
        data, lock = cached("siting_data", project, _siting_data)
        with st.spinner(tr("siting_running")), lock:
            result = run_siting(data, request)
    except RequestError as exc:
        st.error(f"{tr('siting_err_request')}: {error_text(exc, lang())}")
        return
    except InputError as exc:
        st.error(f"{tr('siting_err_input')}: {error_text(exc, lang())}")
        return
    except (ValueError, TypeError, KeyError, OSError) as exc:  # a defect in the data or the code: say so, keep the page
        st.error(f"{tr('siting_err_input')}: {type(exc).__name__}: {exc}")
        return
    st.session_state[RESULT_KEY] = {"result": result, "search": search, "project": (str(project.root), project.content_hash()),
                                    "downloads": {}}


# ---- results -----------------------------------------------------------------------------------


def _rule_state(rule: dict) -> str:
    if rule.get("passed") is None:
        return tr("siting_rule_not_checked")
    return tr("siting_rule_pass") if rule["passed"] else tr("siting_rule_fail")


def _candidate_table(result) -> pd.DataFrame:
    rows = []
    for c in result.candidates:
        units = _sep().join(f"{u['name']} {format_ratio(u['share'], 0)}" for u in c["units"][:3]) or "—"
        source = _sep().join(f"{tr(f'siting_reason_{r}')} {n}" for r, n in c["availability"].items())
        rows.append({tr("siting_col_rank"): c["rank"], tr("siting_col_score"): c["score"],
                     tr("siting_col_area"): c["area_mu"], tr("siting_col_parcels"): len(c["parcel_ids"]),
                     tr("siting_col_units"): units,
                     tr("siting_col_park"): (c.get("park") or {}).get("name") or "—",
                     tr("siting_col_source"): source,
                     tr("siting_col_rank_range"): f"{c['sensitivity']['rank_best']}–{c['sensitivity']['rank_worst']}",
                     tr("siting_col_site"): c["site_id"]})
        if c.get("chain"):
            rows[-1][tr("siting_chain_col_reason")] = c["chain"]["reason"][lang()]
        if c.get("standard_land") and (c["standard_land"].get("matched") or {}).get("entry"):
            rows[-1][tr("siting_chain_col_standard")] = standard_short(c["standard_land"])
    return pd.DataFrame(rows)


def _number(value: Any) -> str:
    """A 标准地 value for display: up to four significant digits, or the missing mark."""
    return MISSING if is_missing(value) else f"{float(value):.4g}"


def standard_short(standard: dict) -> str:
    """The 标准地 conditions of a candidate in one line: investment intensity, FAR range, tax per mu."""
    lo, hi = standard.get("far_min"), standard.get("far_max")
    far = f"{_number(lo)}–{_number(hi)}" if not (is_missing(lo) and is_missing(hi)) else MISSING
    return tr("siting_chain_sl_short", investment=_number(standard.get("investment_intensity")), far=far,
              tax=_number(standard.get("tax_per_mu")))


def standard_table(standard: dict) -> pd.DataFrame:
    """Every 标准地 control indicator of a candidate: name, value, unit and source (unset ones say so)."""
    from analysis.siting.result import STANDARD_LAND_KEYS

    units, sources = standard.get("units") or {}, standard.get("sources") or {}
    return pd.DataFrame([{tr("siting_chain_sl_col_item"): tr(f"siting_chain_sl_{k}"),
                          tr("siting_chain_sl_col_value"): tr("siting_chain_sl_none") if is_missing(standard.get(k))
                          else _number(standard.get(k)),
                          tr("siting_chain_sl_col_unit"): units.get(k) or "",
                          tr("siting_chain_sl_col_source"): sources.get(k) or ""} for k in STANDARD_LAND_KEYS])


def _criteria_table(candidate: dict) -> pd.DataFrame:
    rows = []
    for name, crit in candidate["criteria"].items():
        chain = candidate.get("chain") if name == "chain_fit" else None
        rows.append({tr("siting_col_criterion"): tr(f"siting_crit_{name}"),
                     tr("siting_col_raw"): _measure(crit.get("raw"), crit.get("unit", "")),
                     tr("siting_col_normalised"): crit["normalised"], tr("siting_col_weight"): crit["weight"],
                     tr("siting_col_points"): crit["contribution"],
                     tr("siting_col_detail"): chain["reason"][lang()] if chain else _detail(crit.get("detail"))})
    return pd.DataFrame(rows)


def _rules_table(candidate: dict) -> pd.DataFrame:
    rows = []
    for name, rule in candidate["rules"].items():
        rows.append({tr("siting_col_rule"): tr(f"siting_rule_{name}"), tr("siting_col_result"): _rule_state(rule),
                     tr("siting_col_value"): _measure(rule.get("value"), rule.get("unit", "")),
                     tr("siting_col_limit"): _limit(rule.get("limit"), rule.get("unit", "")),
                     tr("siting_col_comparison"): tr(f"siting_cmp_{rule.get('comparison', '')}"),
                     tr("siting_col_note"): _notice_note(rule.get("note", ""))})
    return pd.DataFrame(rows)


def _styled_rules(table: pd.DataFrame):
    """Rule checks with the result in green (pass), red (fail) or grey (not checked)."""
    colours = {tr("siting_rule_pass"): "color:#1b7f3b;font-weight:bold", tr("siting_rule_fail"): "color:#c62828;font-weight:bold",
               tr("siting_rule_not_checked"): "color:#888"}
    return table.style.map(lambda v: colours.get(v, ""), subset=[tr("siting_col_result")])


def _notice_note(note: str) -> str:
    if not note:
        return ""
    for fragment, key in (("no search area", "siting_note_no_search"), ("allowed outside", "siting_note_outside"),
                          ("no DEM", "siting_note_no_dem"), ("DEM does not cover", "siting_note_dem_partial"),
                          ("no urban_boundary", "siting_note_no_urban"), ("no constraints layer", "siting_note_no_constraints"),
                          ("no protection_lines", "siting_note_no_lines")):
        if fragment in note:
            return tr(key)
    return note


def _download_bytes(stored: dict, suffix: str) -> bytes:
    """The candidates written by `write_candidates` in one format (kept in the session once made)."""
    from analysis.siting import write_candidates

    cache = stored.setdefault("downloads", {})
    if suffix not in cache:
        with tempfile.TemporaryDirectory(prefix="landpark-site-") as tmp:
            path = write_candidates(stored["result"], Path(tmp) / f"siting_candidates.{suffix}")
            cache[suffix] = path.read_bytes()
    return cache[suffix]


def _spread_text(per_park: int | None) -> str:
    if per_park == 0:
        return tr("siting_spread_used_score")
    if per_park is None:
        return tr("siting_spread_used_first")
    return tr("siting_spread_used_cap", n=per_park)


def _results(project: Project, stored: dict) -> None:
    from analysis.siting.constraints import RULES
    from analysis.siting.search_area import area_to_geojson

    result = stored["result"]
    r = result.request
    st.subheader(tr("siting_results"))
    st.caption(tr("siting_request_summary", area=f"{r['area_mu']:g}", max=f"{r['max_area_mu']:g}",
                  industry=r["industry"] or "—", method=tr(f"siting_method_{r['method']}"), top=r["top"])
               + ("；" if lang() == "zh" else "; ") + _spread_text(r.get("per_park")))
    if r.get("industry_code") or r.get("cluster"):
        st.caption(tr("siting_chain_request", code=r.get("industry_code") or "—", cluster=r.get("cluster") or "—"))
    s = result.summary
    cols = st.columns(4)
    cols[0].metric(tr("siting_m_available"), format_count(s.get('available_parcels', 0)))
    cols[1].metric(tr("siting_m_generated"), format_count(s.get('sites_generated', 0)))
    cols[2].metric(tr("siting_m_passed"), format_count(s.get('sites_passed', 0)))
    cols[3].metric(tr("siting_m_returned"), format_count(len(result.candidates)))
    for notice in result.notices:
        st.info(_notice(notice))
    left, right = st.columns([3, 1.3])
    with left, st.container(key="siting_candidates"):
        if result.candidates:
            st.dataframe(_candidate_table(result), hide_index=True, width="stretch", key="siting_candidates_table",
                         column_config={tr("siting_col_score"): st.column_config.NumberColumn(format="%.1f"),
                                        tr("siting_col_area"): st.column_config.NumberColumn(format="%.1f")})
        else:
            st.warning(tr("siting_no_candidates"))
    with right:
        st.markdown(f"**{tr('siting_excluded')}**")
        st.dataframe(pd.DataFrame({tr("siting_col_excluded_by"): [tr(f"siting_excl_{n}") for n in RULES],
                                   tr("siting_col_excluded"): [int(result.excluded.get(n, 0)) for n in RULES]}),
                     hide_index=True, width="stretch", key="siting_excluded_table")
        st.caption(tr("siting_excluded_help"))
    weights = result.method.get("weights", {})
    if weights:
        st.caption(tr("siting_weights_used", method=tr(f"siting_method_{result.method['name']}"),
                      weights=_sep().join(f"{tr(f'siting_crit_{n}')} {format_far(w)}" for n, w in weights.items())))
    for c in result.candidates:
        label = tr("siting_expander", rank=c["rank"], score=format_score(c['score']), area=format_mu(c['area_mu']),
                   site=c["site_id"])
        with st.expander(label, expanded=False):
            st.markdown(f"**{tr('siting_breakdown')}**")
            st.dataframe(_criteria_table(c), hide_index=True, width="stretch", column_config={
                tr("siting_col_normalised"): st.column_config.NumberColumn(format="%.3f"),
                tr("siting_col_weight"): st.column_config.NumberColumn(format="%.3f"),
                tr("siting_col_points"): st.column_config.NumberColumn(format="%.1f"),
                tr("siting_col_detail"): st.column_config.TextColumn(width="large")})
            st.markdown(f"**{tr('siting_rules')}**")
            st.dataframe(_styled_rules(_rules_table(c)), hide_index=True, width="stretch")
            if c.get("chain"):
                st.markdown(f"**{tr('siting_chain_heading')}**")
                st.caption(c["chain"]["reason"][lang()])
            if c.get("standard_land"):
                st.markdown(f"**{tr('siting_chain_sl_heading')}**")
                entry = (c["standard_land"].get("matched") or {}).get("entry")
                if entry:
                    st.caption(tr("siting_chain_sl_matched", entry=entry))
                    st.dataframe(standard_table(c["standard_land"]), hide_index=True, width="stretch")
                else:
                    st.caption(tr("siting_chain_sl_unmatched"))
            units = _sep().join(tr("siting_unit_entry", name=u["name"], kind=layer_label(u["unit_kind"], lang()),
                                      share=format_ratio(u['share'], 0)) for u in c["units"])
            st.caption(tr("siting_units_line", units=units or "—"))
            st.caption(tr("siting_parcels_line", ids=_sep().join(c["parcel_ids"])))
            st.caption(tr("siting_sensitivity_line", best=c["sensitivity"]["rank_best"], worst=c["sensitivity"]["rank_worst"],
                          step=format_ratio(c['sensitivity']['weight_step'], 0)))
    if result.candidates:
        st.markdown(f"**{tr('siting_downloads')}**")
        cols = st.columns(4)
        for col, (suffix, mime) in zip(cols, DOWNLOADS):
            col.download_button(tr(f"siting_download_{suffix}"), _download_bytes(stored, suffix),
                                file_name=f"siting_candidates.{suffix}", mime=mime, key=f"siting_download_{suffix}",
                                on_click="ignore")
        if stored.get("search") is not None:
            cols[3].download_button(tr("siting_download_search"), area_to_geojson(stored["search"], project.crs).encode("utf-8"),
                                    file_name="search_area.geojson", mime="application/geo+json",
                                    key="siting_download_search", on_click="ignore")



def _chrome() -> None:
    """Streamlit's fixed widget text in the UI language (ui/text/chrome.py: CSS, nothing in English)."""
    from ui.text.chrome import chrome_css, show_chrome_css

    css = chrome_css(lang())
    show_chrome_css(css)


def render() -> None:
    auth.require(Permission.SITING)
    project = current_project()
    page_header(project, "page_siting", with_region=True)
    _chrome()
    if "parcels" not in project.layer_names():
        st.info(tr("siting_no_parcels"))
        return
    settings = project.config.app.siting
    stored = st.session_state.get(RESULT_KEY)
    if stored is not None and stored.get("project") != (str(project.root), project.content_hash()):
        stored = None  # another project, or the data changed: the old candidates no longer hold
        st.session_state.pop(RESULT_KEY, None)
    st.caption(tr("siting_intro"))
    form_col, map_col = st.columns([1, 2], gap="medium")
    with map_col:
        _map(project, stored, settings)
    with form_col:
        values = _form(project, settings)
    if values is not None:
        _run(project, values, settings)
        if st.session_state.get(RESULT_KEY) is not stored:
            st.rerun()  # redraw the map with the new candidates
    if stored is not None:
        _results(project, stored)
