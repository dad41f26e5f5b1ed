"""供地分析: supply ratio by approval cohort against the national floor, 批而未供 and idle land lists
with their locations, and the supply figures of each unit.

Everything shown comes from the cached evaluation (`ev.district`, `ev.cohorts`, `ev.batches`,
`ev.units`) and `analysis.supply_lists.land_lists`.

The selection is a set of parcel ids in `st.session_state[SELECTED_KEY]`, never row positions: the
list (`ui.tick_list`, a page of rows with a box each) sends the ids of its page's ticked rows at once,
merged into the set; a filter, sort or page change redraws the boxes from the ids. A selected parcel
the filters hide stays selected. The map draws exactly the listed rows (every listed parcel published
once; a run sends which of them to show), the selection highlighted in a dynamic group (a tick re-sends
only that group); it zooms to the selected parcels shown, else to the chosen unit, else to the district
(`map_plan`). The selection exports as a GeoPackage or a GBK Shapefile
(`reports.selection.export_selection`).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analysis.supply_lists import CATEGORY_COLOURS
from i18n import layer_label, t
from i18n.numbers import format_count, format_mu, format_ratio
from layers.auth import Permission
from layers.project import Project
from layers.settings import AppSupply
from ui import auth
from ui.state import cached, current_project, evaluation_or_stop, lang, leaflet_urls, page_header, tr

SELECTED_COLOUR = "#00e5ff"
TABLE_KEY = "supply_list"              # the list (ui.tick_list); its state holds the last tick: {"ticks": {...}}
SELECTED_KEY = "supply_selected_ids"   # the selection: a set of parcel ids, kept across filters and sorts
APPLIED_KEY = "supply_tick_applied"    # the number of the last tick applied to the selection
SHOWN_KEY = "supply_shown_list"        # (filters, ShownList): the filtered list, kept while the filters stay
VIEW_KEY = "supply_view"               # the part of the page shown (VIEWS)
VIEWS = ("lists", "cohorts", "units", "mix")
OVERLAY_KEY = "supply_map_overlay"     # the map's overlay of a run (ui.map_overlay): selection, rows shown, view
MAP_KEY = "supply-map"                 # one map for every filter and sort: a run changes only its overlay
PAGE_KEY = "supply_list_page"          # the list page shown (1-based)
PAGE_OF_KEY = "supply_list_page_of"    # which listed rows that page number is for (a new list starts at page 1)
EXPORT_FORMATS = ("gpkg", "shp")
EXPORT_MIME = {"gpkg": "application/geopackage+sqlite3", "shp": "application/zip"}


def _lists(project: Project):
    """The 批而未供 / idle / idle-by-date parcels of the project (cached on its content hash)."""
    from analysis.supply_lists import land_lists

    inputs, ev = evaluation_or_stop(project)
    return land_lists(inputs.parcels, inputs.units, ev.parcel_flags, inputs.approvals, inputs.config)


def _parcel_bounds(project: Project) -> pd.DataFrame:
    """Each listed parcel's lon/lat bounds (minx, miny, maxx, maxy), indexed by parcel id (cached)."""
    lists = cached("supply_lists", project, _lists)
    lonlat = lists[["parcel_id", "geometry"]].to_crs(4326)
    return pd.DataFrame(lonlat.geometry.bounds.to_numpy(), columns=["minx", "miny", "maxx", "maxy"],
                        index=pd.Index(lonlat["parcel_id"].astype(str)))


def _list_features(project: Project):
    """Every listed parcel as a lon/lat GeoJSON feature, by list, and the features by parcel id (cached)."""
    from maps.overlays import lonlat_geojson

    lists = cached("supply_lists", project, _lists)
    shown = lists[["parcel_id", "category", "geometry"]].assign(area_mu=lists["area_mu"].round(2))
    features = {cat: lonlat_geojson(shown[shown["category"] == cat], ["parcel_id", "area_mu"])["features"]
                for cat in CATEGORY_COLOURS}
    index = {f["properties"]["parcel_id"]: f for fs in features.values() for f in fs}
    return features, index


def _pct(value: Any) -> str:
    """A ratio as percent, one decimal (em dash when missing)."""
    return format_ratio(value)


def _mu(value: Any) -> str:
    """A district total in 亩, whole mu (the metric tiles are narrow)."""
    return format_mu(value, 0)


def _metrics(district: dict[str, Any]) -> None:
    """District figures: approved, supplied, 批而未供, supply ratios (the rolling one against the floor), idle."""
    floor = district.get("supply_floor")
    rolling = district.get("rolling_supply_ratio")
    cols = st.columns(7)
    cols[0].metric(tr("supply_m_approved"), _mu(district.get("approved_mu")), help=tr("supply_h_approved"))
    cols[1].metric(tr("supply_m_supplied"), _mu(district.get("supplied_mu")))
    cols[2].metric(tr("supply_m_unsupplied"), _mu(district.get("unsupplied_mu")), help=tr("supply_h_unsupplied"))
    cols[3].metric(tr("supply_m_ratio"), _pct(district.get("supply_ratio")), help=tr("supply_h_ratio"))
    delta = None if rolling is None or floor is None else tr("supply_pp", value=f"{(rolling - floor) * 100:+.1f}")
    cols[4].metric(tr("supply_m_rolling"), _pct(rolling), delta=delta,
                   help=tr("supply_h_rolling", floor=_pct(floor)))
    cols[5].metric(tr("supply_m_idle_ratio"), _pct(district.get("idle_ratio")), help=tr("supply_h_idle_ratio"))
    cols[6].metric(tr("supply_m_idle_by_date"), format_count(district.get('idle_by_date_count', 0)),
                   help=tr("supply_h_idle_by_date"))


def _cohort_chart(cohorts: pd.DataFrame, floor: float) -> None:
    import altair as alt

    year, ratio, kind = tr("supply_c_year"), tr("supply_c_ratio"), tr("supply_c_series")
    cohort_label, rolling_label = tr("supply_cohort_ratio"), tr("supply_rolling_ratio")
    long = pd.concat([
        pd.DataFrame({year: cohorts["year"].astype(int).astype(str), ratio: cohorts["cohort_ratio"], kind: cohort_label}),
        pd.DataFrame({year: cohorts["year"].astype(int).astype(str), ratio: cohorts["rolling_ratio"], kind: rolling_label}),
    ], ignore_index=True)
    colours = alt.Scale(domain=[cohort_label, rolling_label], range=["#4f9dd9", "#e07b00"])
    bars = alt.Chart(long[long[kind] == cohort_label]).mark_bar(opacity=0.85).encode(
        x=alt.X(f"{year}:O", title=year, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{ratio}:Q", title=ratio, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color(f"{kind}:N", scale=colours, legend=alt.Legend(orient="bottom", title=None)),
        tooltip=[year, alt.Tooltip(f"{ratio}:Q", format=".1%"), kind])
    line = alt.Chart(long[long[kind] == rolling_label]).mark_line(point=True, strokeWidth=3).encode(
        x=f"{year}:O", y=f"{ratio}:Q", color=alt.Color(f"{kind}:N", scale=colours),
        tooltip=[year, alt.Tooltip(f"{ratio}:Q", format=".1%"), kind])
    rule_frame = pd.DataFrame({"floor": [floor], "label": [tr("supply_floor_label", floor=_pct(floor))]})
    rule = alt.Chart(rule_frame).mark_rule(color="#d7263d", strokeDash=[6, 4], strokeWidth=2).encode(y="floor:Q")
    text = alt.Chart(rule_frame).mark_text(align="left", dx=4, dy=-7, color="#d7263d", fontWeight="bold").encode(
        y="floor:Q", x=alt.value(0), text="label:N")
    st.altair_chart((bars + line + rule + text).properties(height=320), width="stretch")


def _cohort_table(cohorts: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame({
        tr("supply_c_year"): cohorts["year"].astype(int).to_numpy(),
        tr("supply_col_approved_mu"): cohorts["approved_mu"].to_numpy(dtype=float),
        tr("supply_col_supplied_mu"): cohorts["supplied_mu"].to_numpy(dtype=float),
        tr("supply_cohort_ratio"): cohorts["cohort_ratio"].to_numpy(dtype=float),
        tr("supply_rolling_ratio"): cohorts["rolling_ratio"].to_numpy(dtype=float),
        tr("supply_col_below_floor"): cohorts["below_floor"].to_numpy(dtype=bool),
    })
    return table


def _supply_section(ev) -> None:
    st.subheader(tr("supply_cohorts_title"))
    cohorts = ev.cohorts
    if cohorts is None or len(cohorts) == 0:
        st.info(tr("supply_no_approvals"))
        return
    floor = float(ev.district.get("supply_floor", cohorts["floor"].iloc[-1]))
    window = ev.config.supply.window_years
    st.caption(tr("supply_cohorts_caption", window=window, floor=_pct(floor)))
    below = cohorts[cohorts["below_floor"].to_numpy(dtype=bool)]
    last = cohorts.iloc[-1]
    if bool(last["below_floor"]):
        st.warning(tr("supply_below_floor_warning", year=int(last["year"]), ratio=_pct(last["rolling_ratio"]),
                      floor=_pct(floor), window=window))
    elif len(below):
        st.info(tr("supply_below_floor_years", years=("、" if lang() == "zh" else ", ").join(str(int(y)) for y in below["year"])))
    _cohort_chart(cohorts, floor)
    pct = st.column_config.NumberColumn(format="percent")
    mu = st.column_config.NumberColumn(format="%.1f")
    by_year, by_batch = st.tabs([tr("supply_cohort_table"), tr("supply_batch_table")])
    with by_year:
        st.dataframe(_cohort_table(cohorts), hide_index=True, width="stretch", key="supply_cohort_table", column_config={
            tr("supply_col_approved_mu"): mu, tr("supply_col_supplied_mu"): mu,
            tr("supply_cohort_ratio"): pct, tr("supply_rolling_ratio"): pct})
    with by_batch:
        batches = ev.batches
        if batches is not None and len(batches):
            st.dataframe(pd.DataFrame({
                tr("supply_col_batch"): batches["approval_id"].to_numpy(),
                tr("supply_col_approved_date"): batches["approved_date"].to_numpy(),
                tr("supply_col_approved_mu"): batches["approved_mu"].to_numpy(dtype=float),
                tr("supply_col_supplied_mu"): batches["supplied_mu"].to_numpy(dtype=float),
                tr("supply_col_batch_ratio"): batches["supply_ratio"].to_numpy(dtype=float),
            }), hide_index=True, width="stretch", height=360, key="supply_batch_table", column_config={
                tr("supply_col_approved_mu"): mu, tr("supply_col_supplied_mu"): mu,
                tr("supply_col_batch_ratio"): st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})


def _list_frame(lists: pd.DataFrame, language: str) -> pd.DataFrame:
    """The list as shown: headings, category and unit kind in `language` (each distinct value looked up once)."""
    def tr(key: str) -> str:
        return t(key, language)

    kinds = {k: layer_label(k, language) for k in lists["unit_kind"].unique() if isinstance(k, str)}
    return pd.DataFrame({
        tr("supply_col_parcel"): lists["parcel_id"].to_numpy(),
        tr("supply_col_category"): lists["category"].map({c: tr(f"supply_cat_{c}") for c in lists["category"].unique()})
                                                     .to_numpy(),
        tr("supply_col_area_mu"): lists["area_mu"].to_numpy(dtype=float),
        tr("supply_col_unit"): lists["unit_name"].fillna("—").to_numpy(),
        tr("supply_col_unit_kind"): [kinds.get(k, "—") if isinstance(k, str) else "—" for k in lists["unit_kind"]],
        tr("supply_col_batch"): lists["approval_id"].fillna("—").to_numpy(),
        tr("supply_col_approved_date"): lists["approved_date"].fillna("—").to_numpy(),
        tr("supply_col_years"): lists["years_since_approval"].to_numpy(dtype=float),
        tr("supply_col_supply_date"): lists["supply_date"].fillna("—").to_numpy(),
        tr("supply_col_start_date"): lists["agreed_start_date"].fillna("—").to_numpy(),
        tr("supply_col_days"): lists["days_since_agreed_start"].to_numpy(dtype=float),
        tr("supply_col_land_use"): lists["land_use"].fillna("—").to_numpy(),
        tr("supply_col_units"): lists["units"].replace("", "—").to_numpy(),
    })


# --------------------------------------------------------------------------- selection (ids, not rows)


@dataclass(frozen=True)
class ShownList:
    """The list as filtered and sorted, with what every run of that view needs (kept while the filters stay)."""

    rows: gpd.GeoDataFrame                 # the filtered, sorted rows of the lists
    ids: tuple[str, ...]                   # their parcel ids, in row order
    id_set: frozenset[str]                 # the same, as a set
    known: frozenset[str]                  # every listed parcel id (whatever the filters)
    order: dict[str, int]                  # every listed parcel id → its position in the lists
    area_mu: dict[str, float]              # every listed parcel id → its area (亩)
    drawn: dict[str, tuple[str, ...]]      # list → ids of the rows in it (sorted: a sort keeps the map)
    masks: dict[str, str]                  # which features of each published list layer the map shows


def _shown(project: Project, lists: gpd.GeoDataFrame, categories: list[str], unit: str | None, min_mu: float,
           order: str) -> ShownList:
    """The list for these filters, computed when they (or the project) change and kept in the session: a tick reruns
    the list's part of the page, which then needs neither the filtering nor the map's row masks again."""
    from analysis.supply_lists import filter_lists, sort_lists
    from maps.overlays import shown_row_masks

    key = (str(project.root), project.content_hash(), tuple(lists.columns), tuple(categories), unit, min_mu, order)
    kept = st.session_state.get(SHOWN_KEY)
    if kept is not None and kept[0] == key:
        return kept[1]
    rows = sort_lists(filter_lists(lists, categories, unit=unit, min_mu=min_mu), order)
    ids = tuple(rows["parcel_id"].astype(str).tolist())
    drawn = drawn_by_list(rows)
    features, _index = cached("supply_list_features", project, _list_features)
    known, positions, areas = cached("supply_listed_ids", project, _listed_ids)
    shown = ShownList(rows=rows, ids=ids, id_set=frozenset(ids), known=known, order=positions, area_mu=areas,
                      drawn=drawn, masks=shown_row_masks(drawn, features))
    st.session_state[SHOWN_KEY] = (key, shown)
    return shown


def _listed_ids(project: Project) -> tuple[frozenset[str], dict[str, int], dict[str, float]]:
    """Every listed parcel id; each one's position in the lists; each one's area in 亩 (cached per project)."""
    lists = cached("supply_lists", project, _lists)
    every = lists["parcel_id"].astype(str).tolist()
    return frozenset(every), {p: i for i, p in enumerate(every)}, dict(zip(every, lists["area_mu"].astype(float).tolist()))


def drawn_by_list(shown: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """List → the sorted parcel ids of the rows of `shown` in it (every list named, empty ones too)."""
    ids = np.asarray(shown["parcel_id"].astype(str).tolist(), dtype=object)
    categories = np.asarray(shown["category"].astype(str).tolist(), dtype=object)
    return {cat: tuple(sorted(ids[categories == cat].tolist())) for cat in CATEGORY_COLOURS}


def _apply_ticks(known: frozenset[str]) -> set[str]:
    """The selection, with the list's last tick applied once (its event number is kept); ids gone from the project
    (a new import) are dropped. Runs before the list is drawn, so the list shows the selection it makes."""
    from ui.tick_list import read_event, ticks_after

    selected = set(st.session_state.get(SELECTED_KEY, ()))
    state = st.session_state.get(TABLE_KEY)
    event = read_event(state.get("ticks") if hasattr(state, "get") else None)
    if event is not None and event.n != st.session_state.get(APPLIED_KEY):
        selected = ticks_after(selected, event)
        st.session_state[APPLIED_KEY] = event.n
    selected &= known
    st.session_state[SELECTED_KEY] = selected
    return selected


def _clear_selection() -> None:
    st.session_state[SELECTED_KEY] = set()


def _summary_caption(shown: ShownList, selected: set[str]) -> None:
    chosen = selected & shown.known
    n, area, hidden = len(chosen), math.fsum(shown.area_mu[p] for p in chosen), len(chosen - shown.id_set)
    if not n:
        st.caption(tr("supply_select_hint"))
        return
    text = tr("supply_selection", n=format_count(n), area=format_mu(area))
    if hidden:
        text += tr("supply_selection_hidden", k=format_count(hidden))
    if hidden < n:
        text += tr("supply_selection_zoomed")
    left, right = st.columns([4, 1])
    left.caption(text)
    right.button(tr("supply_clear_selection"), key="supply_clear_selection", on_click=_clear_selection)


# --------------------------------------------------------------------------- map


@dataclass(frozen=True)
class MapPlan:
    """What the page's map shows: the table's rows by list, the selection, and where it looks."""

    drawn: dict[str, tuple[str, ...]]   # list → ids of the table's rows in it (sorted: a sort keeps the map)
    selected: tuple[str, ...]           # selected ids among the table's rows (highlighted)
    hidden: tuple[str, ...]             # selected ids the filters hide (outlined, dashed)
    bounds: tuple[float, float, float, float] | None  # lon/lat bounds to show; None: the district
    focus: str                          # "selection", "unit" or "district"


def unit_bounds(units: gpd.GeoDataFrame | None, name: str) -> tuple[float, float, float, float] | None:
    """Lon/lat bounds of the evaluation unit(s) named `name` (the unit filter matches by name); None if none."""
    from maps.webmap import lonlat_bounds

    if units is None or not len(units) or "name" not in units:
        return None
    held = units[(units["name"].astype(str) == name).to_numpy()]
    held = held[~(held.geometry.isna() | held.geometry.is_empty).to_numpy()]
    return lonlat_bounds(held) if len(held) else None


def map_plan(lists: gpd.GeoDataFrame, shown: pd.DataFrame, selected: Collection[str], *,
             units: gpd.GeoDataFrame | None = None, unit: str | None = None,
             parcel_bounds: pd.DataFrame | None = None, known: Collection[str] | None = None,
             drawn: dict[str, tuple[str, ...]] | None = None, shown_ids: Collection[str] | None = None) -> MapPlan:
    """The map of the table `shown` (rows of `lists`): exactly its rows, the selection, and the view —
    the selected parcels among the rows, else the chosen unit, else the whole district. `parcel_bounds`: the
    listed parcels' lon/lat bounds (minx, miny, maxx, maxy by parcel id), so a run needs no reprojection (a
    script run's thread would set up PROJ again: ~50 ms); `known` (every listed id), `drawn` (`drawn_by_list` of
    `shown`) and `shown_ids` (the ids of `shown`), when the caller keeps them."""
    from maps.webmap import lonlat_bounds

    ids = set(shown["parcel_id"]) if shown_ids is None else shown_ids
    drawn = drawn_by_list(shown) if drawn is None else drawn
    known = set(lists["parcel_id"]) if known is None else known
    chosen = sorted(set(selected) & set(known))
    visible = tuple(p for p in chosen if p in ids)
    hidden = tuple(p for p in chosen if p not in ids)
    if visible:
        if parcel_bounds is not None:
            boxes = parcel_bounds.loc[list(visible)]
            view = (float(boxes["minx"].min()), float(boxes["miny"].min()), float(boxes["maxx"].max()),
                    float(boxes["maxy"].max()))
            return MapPlan(drawn, visible, hidden, view, "selection")
        rows = lists[lists["parcel_id"].isin(visible).to_numpy()]
        return MapPlan(drawn, visible, hidden, lonlat_bounds(rows), "selection")
    bounds = unit_bounds(units, unit) if unit is not None else None
    return MapPlan(drawn, visible, hidden, bounds, "unit" if bounds is not None else "district")


def overlay_of(plan: MapPlan, index: dict[str, dict], masks: dict[str, str],
               view: tuple[tuple[float, float], int] | None) -> dict:
    """What a run changes on the map (`ui.map_overlay`; the map itself stays): the selection (highlighted; the ones the
    filters hide outlined, dashed), which rows of each list the table shows (`shown_row_masks`) and the view
    (centre as [lat, lon], zoom)."""
    styles = ((plan.selected, {"color": SELECTED_COLOUR, "weight": 4, "fillOpacity": 0.35, "fillColor": SELECTED_COLOUR}),
              (plan.hidden, {"color": SELECTED_COLOUR, "weight": 3, "dashArray": "6 4", "fillOpacity": 0.0}))
    layers = [{"data": {"type": "FeatureCollection", "features": [index[p] for p in ids if p in index]}, "style": style,
               "fields": ["parcel_id", "area_mu"], "aliases": [tr("supply_col_parcel"), tr("supply_col_area_mu")]}
              for ids, style in styles if any(p in index for p in ids)]
    return {"layers": layers, "masks": masks,
            "view": None if view is None else {"center": list(view[0]), "zoom": view[1]}}


def _base(project: Project):
    """The map every run of this page draws on, prepared once per project version and language: the overview
    map's context layers (the same published files, which the browser already keeps), every listed parcel by list
    (published once), the legend and the layer control."""
    from maps.overlays import (
        CONTEXT_KINDS,
        OverlayChannel,
        ShowRegisteredRows,
        StaticGeoJson,
        corner_legend,
        layer_control_last,
        project_stem,
        publish_geojson,
    )
    from maps.publish import publish_payload
    from maps.webmap import build_map
    from ui.folium_map import prepare_map
    from ui.map_page import map_layers

    def build():
        prepared = map_layers(project)
        features, _index = cached("supply_list_features", project, _list_features)
        fmap = build_map({k: v for k, v in prepared.layers.items() if k in CONTEXT_KINDS}, lang=lang(),
                         bounds=prepared.bounds, demo=project.config.project.demo, leaflet_urls=leaflet_urls(),
                         publish=auth.session_publisher(publish_payload))
        fmap.add_child(ShowRegisteredRows(), name="landpark_show_lists")
        fmap.add_child(OverlayChannel(MAP_KEY), name="landpark_overlay_channel")
        tip = [tr("supply_col_parcel"), tr("supply_col_area_mu")]
        for cat, colour in CATEGORY_COLOURS.items():
            data = {"type": "FeatureCollection", "features": features[cat]}
            url = publish_geojson(data, project_stem(project, f"supply-{cat}"))  # None: carried in the page
            StaticGeoJson(url, data=data, name=f"{tr(f'supply_cat_{cat}')} ({len(features[cat])})",
                          fields=["parcel_id", "area_mu"], aliases=tip, register=cat,
                          style={"color": colour, "weight": 0.6, "fillColor": colour, "fillOpacity": 0.6}).add_to(fmap)
        layer_control_last(fmap, collapsed=True)
        rows = [(c, tr(f"supply_cat_{k}"), "fill") for k, c in CATEGORY_COLOURS.items()] + [
            (SELECTED_COLOUR, tr("supply_selected"), "line"), (SELECTED_COLOUR, tr("supply_selected_hidden"), "line")]
        fmap.get_root().add_child(corner_legend(tr("supply_map_legend"), rows, element_id="landpark-supply-legend"))
        return fmap

    firm_level = auth.can(Permission.FIRM_DATA)
    return prepare_map(("supply", str(project.root), project.content_hash(), lang(), firm_level), build)


def _overlay(project: Project, plan: MapPlan, masks: dict[str, str], settings: AppSupply) -> None:
    """This run's overlay of the map (`ui.map_overlay`): the selection, the rows shown and the view."""
    from maps.overlays import view_for_bounds
    from ui.map_overlay import send_overlay
    from ui.map_page import map_layers

    _features, index = cached("supply_list_features", project, _list_features)
    bounds = plan.bounds or map_layers(project).bounds
    view = None
    if bounds is not None:
        view = view_for_bounds(bounds, settings.map_width_px, settings.map_height_px,
                               max_zoom=settings.selection_zoom_max, padding_px=settings.selection_padding_px)
    send_overlay(MAP_KEY, overlay_of(plan, index, masks, view), key=OVERLAY_KEY, prefetch=_base(project).prefetch)


def _map(project: Project, settings: AppSupply) -> None:
    """The prepared map, the same from run to run (sent once, then as a reference); its overlay comes apart."""
    from ui.folium_map import show_map

    show_map(_base(project), key=MAP_KEY, height=settings.map_height_px, returned_objects=[])


# --------------------------------------------------------------------------- export


def _export_bytes(lists: gpd.GeoDataFrame, ids: tuple[str, ...], fmt: str, crs: str | None, language: str) -> bytes:
    """The selection as a file (`reports.selection.export_selection`), made when the download is clicked."""
    import tempfile

    from reports.selection import export_selection

    with tempfile.TemporaryDirectory(prefix="landpark-selection-") as folder:
        out = Path(folder) / ("selection.gpkg" if fmt == "gpkg" else "selection.zip")
        return export_selection(lists, ids, out, fmt=fmt, crs=crs, lang=language).read_bytes()


def _crs_label(project: Project) -> str:
    """The listed parcels' CRS as "EPSG:n" (its name when it has no EPSG code; cached: to_epsg takes ~10 ms)."""
    crs = cached("supply_lists", project, _lists).crs
    epsg = crs.to_epsg() if crs is not None else None
    return f"EPSG:{epsg}" if epsg else (crs.name if crs is not None else "—")


def _export(project: Project, lists: gpd.GeoDataFrame, ids: list[str]) -> None:
    """The selection's export (`ids` in the lists' order) as GeoPackage or GBK Shapefile, in the project's CRS or
    lon/lat."""
    from reports.selection import LONLAT_CRS

    ids = tuple(ids)
    project_crs = cached("supply_crs_label", project, _crs_label)
    st.markdown(f"**{tr('supply_export_title')}**")
    c1, c2, c3 = st.columns([3, 2, 2], vertical_alignment="bottom")
    choice = c1.radio(tr("supply_export_crs"), ("project", "lonlat"), key="supply_export_crs", horizontal=True,
                      format_func=lambda c: tr(f"supply_export_crs_{c}", crs=project_crs))
    crs = LONLAT_CRS if choice == "lonlat" else None
    stem = tr("supply_export_file", n=len(ids))
    for col, fmt in ((c2, "gpkg"), (c3, "shp")):
        col.download_button(tr(f"supply_export_{fmt}"), data=partial(_export_bytes, lists, ids, fmt, crs, lang()),
                            file_name=f"{stem}.gpkg" if fmt == "gpkg" else f"{stem}_shp.zip", mime=EXPORT_MIME[fmt],
                            key=f"supply_export_{fmt}", on_click="ignore", disabled=not ids, width="stretch")
    st.caption(tr("supply_export_hint"))


# --------------------------------------------------------------------------- the lists


def _unit_names(project: Project) -> list[str]:
    """The names of the units holding listed parcels, sorted (the unit filter's choices; cached per project)."""
    return sorted(cached("supply_lists", project, _lists)["unit_name"].dropna().unique().tolist())


def _filters(project: Project, lists: pd.DataFrame) -> tuple[list[str], str | None, float, str]:
    from analysis.supply_lists import LIST_CATEGORIES, SORT_ORDERS

    f1, f2, f3, f4 = st.columns([2, 2, 1, 2])
    categories = f1.multiselect(tr("supply_filter_category"), list(LIST_CATEGORIES), default=list(LIST_CATEGORIES),
                                format_func=lambda c: tr(f"supply_cat_{c}"), key="supply_filter_category")
    names = cached("supply_unit_names", project, _unit_names)
    unit = f2.selectbox(tr("supply_filter_unit"), [None, *names], key="supply_filter_unit",
                        format_func=lambda u: tr("all") if u is None else u)
    min_mu = f3.number_input(tr("supply_filter_min_mu"), min_value=0.0, value=0.0, step=5.0, key="supply_filter_min_mu")
    order = f4.selectbox(tr("supply_sort"), list(SORT_ORDERS), key="supply_sort",
                         format_func=lambda o: tr(f"supply_sort_{o}"))
    return categories, unit, float(min_mu), order


def page_count(rows: int, per_page: int) -> int:
    """Pages of a list of `rows` rows, `per_page` to a page (one page for an empty list)."""
    return max(1, -(-rows // per_page))


def _page(shown: pd.DataFrame, ids: tuple[str, ...], settings: AppSupply) -> pd.DataFrame:
    """The rows of the list page chosen: the first page again whenever the rows listed change (a filter or a
    sort), the page box only when there is more than one page. A tick or a filter then sends one page of the
    table, not the whole list (~0.35 MB for the demo's 3,500 parcels); the map still shows every listed parcel."""
    per_page = settings.list_page_rows
    pages = page_count(len(ids), per_page)
    signature = hash(ids)
    if st.session_state.get(PAGE_OF_KEY) != signature or int(st.session_state.get(PAGE_KEY, 1)) > pages:
        st.session_state[PAGE_KEY] = 1
    st.session_state[PAGE_OF_KEY] = signature
    number = 1
    if pages > 1:
        number = int(st.number_input(tr("supply_list_page", pages=format_count(pages), rows=format_count(per_page)),
                                     min_value=1, max_value=pages, step=1, key=PAGE_KEY, help=tr("supply_list_page_help")))
    return shown.iloc[(number - 1) * per_page:number * per_page]


LIST_DECIMALS = {"supply_col_area_mu": 2, "supply_col_years": 1, "supply_col_days": 0}


def _list_csv(shown: pd.DataFrame, language: str) -> bytes:
    """The filtered list as CSV (UTF-8 with BOM, for Excel), made when its download is clicked."""
    return _list_frame(shown, language).to_csv(index=False).encode("utf-8-sig")


def _table(page: pd.DataFrame, shown: ShownList, selected: set[str], listed: int, settings: AppSupply) -> None:
    """The list's page with a box per row (ui.tick_list), ticked where `selected`, and the CSV of every filtered row."""
    from ui.tick_list import tick_list

    st.caption(tr("supply_list_hint", n=format_count(len(shown.rows)), area=format_mu(shown.rows["area_mu"].sum())))
    if not len(shown.rows):
        st.info(tr("supply_no_match") if listed else tr("supply_lists_empty"))
        return
    tick_list(_list_frame(page, lang()), [str(p) for p in page["parcel_id"]], selected, key=TABLE_KEY,
              height=settings.map_height_px, decimals={tr(k): d for k, d in LIST_DECIMALS.items()},
              tick_label=tr("supply_tick_row"), all_label=tr("supply_tick_page"),
              applied=st.session_state.get(APPLIED_KEY))
    st.download_button(tr("supply_download_list"), data=partial(_list_csv, shown.rows, lang()),
                       file_name="supply_lists.csv", mime="text/csv", key="supply_download_list", on_click="ignore")


def _lists_section(project: Project, inputs, ev, settings: AppSupply) -> None:
    from analysis.supply_lists import LIST_CATEGORIES, list_summary

    st.subheader(tr("supply_lists_title"))
    st.caption(tr("supply_lists_caption", days=ev.config.supply.idle_after_days))
    lists = cached("supply_lists", project, _lists)
    if not auth.can(Permission.FIRM_DATA):  # parcel owners (credit code, name) are firm-level data
        from analysis.supply_lists import OWNER_COLUMNS

        lists = lists.drop(columns=list(OWNER_COLUMNS), errors="ignore")
    summary = list_summary(lists)
    cols = st.columns(len(LIST_CATEGORIES))
    for col, row in zip(cols, summary.itertuples(index=False)):
        col.metric(tr(f"supply_cat_{row.category}"), tr("supply_count_area", count=format_count(row.count),
                                                          area=format_mu(row.area_mu, 0)))
    _lists_and_map(project, inputs, lists, settings)


@st.fragment  # a tick, filter, sort or page reruns this part only: the figures, charts and tables around it stay
def _lists_and_map(project: Project, inputs, lists: gpd.GeoDataFrame, settings: AppSupply) -> None:
    with st.container(gap=None):  # the filters, and the map's overlay (it draws nothing) right under them
        categories, unit, min_mu, order = _filters(project, lists)
        shown = _shown(project, lists, categories, unit, min_mu, order)
        selected = _apply_ticks(shown.known)
        plan = map_plan(lists, shown.rows, selected, units=inputs.units, unit=unit, known=shown.known, drawn=shown.drawn,
                        shown_ids=shown.id_set, parcel_bounds=cached("supply_parcel_bounds", project, _parcel_bounds))
        _overlay(project, plan, shown.masks, settings)  # sent first: the browser applies it while the rest arrives
    left, right = st.columns([1, 1])
    with left:
        page = _page(shown.rows, shown.ids, settings)
        _table(page, shown, selected, len(lists), settings)
    with right:
        _summary_caption(shown, selected)
        _map(project, settings)
        _export(project, lists, sorted(selected & shown.known, key=shown.order.__getitem__))


def _units_section(ev) -> None:
    st.subheader(tr("supply_units_title"))
    units = ev.units
    if units is None or len(units) == 0:
        st.info(tr("no_units"))
        return
    table = pd.DataFrame({
        tr("supply_col_unit"): units["name"].to_numpy(),
        tr("supply_col_unit_kind"): [layer_label(k, lang()) for k in units["unit_kind"]],
        tr("supply_col_approved_mu"): units["approved_mu"].to_numpy(dtype=float),
        tr("supply_col_supplied_mu"): units["supplied_mu"].to_numpy(dtype=float),
        tr("supply_m_unsupplied"): units["unsupplied_mu"].to_numpy(dtype=float),
        tr("supply_m_ratio"): units["supply_ratio"].to_numpy(dtype=float),
        tr("supply_col_idle_mu"): units["idle_mu"].to_numpy(dtype=float),
        tr("supply_m_idle_ratio"): units["idle_ratio"].to_numpy(dtype=float),
        tr("supply_col_idle_by_date_mu"): units["idle_by_date_mu"].to_numpy(dtype=float),
    }).sort_values(tr("supply_m_unsupplied"), ascending=False)
    mu = st.column_config.NumberColumn(format="%.1f")
    pct = st.column_config.NumberColumn(format="percent")
    st.dataframe(table, hide_index=True, width="stretch", key="supply_units_table", column_config={
        tr("supply_col_approved_mu"): mu, tr("supply_col_supplied_mu"): mu, tr("supply_m_unsupplied"): mu,
        tr("supply_col_idle_mu"): mu, tr("supply_col_idle_by_date_mu"): mu,
        tr("supply_m_ratio"): pct, tr("supply_m_idle_ratio"): pct})



def _mix(project: Project):
    """The project's yearly supply mix (analysis.supply_mix; cached on the project's content hash)."""
    from analysis.supply_mix import supply_mix

    return supply_mix(project.read_layer("parcels"), project.config)


def _mix_year_table(mix, key: str, names: dict[str, str], with_share: bool) -> pd.DataFrame:
    """Per year: parcels, supplied 亩, 亩 per 供地方式 or category (`key`), and industrial 亩 and share."""
    years = mix.years
    parts = mix.by_type if key == "type" else mix.by_category
    table = pd.DataFrame({tr("supply_mix_col_year"): years["year"].astype(int).to_numpy(),
                          tr("supply_mix_col_parcels"): years["parcels"].astype(int).to_numpy(),
                          tr("supply_mix_col_supplied"): years["supplied_mu"].to_numpy(dtype=float)})
    for column in parts.columns:
        table[names.get(column, column)] = parts[column].to_numpy(dtype=float)
    if with_share:
        table[tr("supply_mix_col_industrial")] = years["industrial_mu"].to_numpy(dtype=float)
        table[tr("supply_mix_col_share")] = years["industrial_share"].to_numpy(dtype=float)
    return table


def _mix_floors(mix, labels: dict[str, dict[str, str]], config) -> None:
    """Each configured floor: what it counts and its source, then its value and verdict per year."""
    from analysis.supply_mix import counts_text

    floors = config.supply_mix.floors
    if not floors:
        st.info(tr("supply_mix_no_floors"))
        return
    for floor in floors:
        st.markdown("**" + tr("supply_mix_floor_line", name=floor.name, share=_pct(floor.share),
                              counts=counts_text(floor.counts, lang()), base=labels["base"].get(floor.base, floor.base))
                    + "**")
        st.caption(tr("supply_mix_floor_source", source=floor.source))
    rows = mix.floors
    failed = rows[rows["status"] == "fail"]
    if len(failed):
        st.warning(tr("supply_mix_page_failed", items=("；" if lang() == "zh" else "; ").join(
            f"{r.name} {int(r.year)}: {_pct(r.value)}" for r in failed.itertuples(index=False))))
    table = pd.DataFrame({
        tr("supply_mix_col_floor"): rows["name"].to_numpy(),
        tr("supply_mix_col_year"): rows["year"].astype(int).to_numpy(),
        tr("supply_mix_col_target"): rows["target"].to_numpy(dtype=float),
        tr("supply_mix_col_counted"): rows["counted_mu"].to_numpy(dtype=float),
        tr("supply_mix_col_industrial"): rows["industrial_mu"].to_numpy(dtype=float),
        tr("supply_mix_col_value"): rows["value"].to_numpy(dtype=float),
        tr("supply_mix_col_status"): [labels["floor_status"].get(s, s) for s in rows["status"]],
    })
    mu, pct = st.column_config.NumberColumn(format="%.1f"), st.column_config.NumberColumn(format="percent")
    st.dataframe(table, hide_index=True, width="stretch", key="supply_mix_floors_table", column_config={
        tr("supply_mix_col_target"): pct, tr("supply_mix_col_value"): pct,
        tr("supply_mix_col_counted"): mu, tr("supply_mix_col_industrial"): mu})


def _mix_leases(mix, labels: dict[str, dict[str, str]]) -> None:
    """The flexible-term leases ended or ending within the window, soonest first."""
    leases = mix.leases
    count = {s: int((leases["status"] == s).sum()) for s in ("ended", "expiring")}
    st.caption(tr("supply_mix_leases", n=format_count(len(leases)), ended=count["ended"], expiring=count["expiring"],
                  months=mix.window_months))
    listed = leases[leases["status"].isin(["ended", "expiring"])]
    if not len(listed):
        st.info(tr("supply_mix_no_leases"))
        return
    types, cats = labels["type"], labels["category"]
    table = pd.DataFrame({
        tr("supply_mix_col_parcel"): listed["parcel_id"].to_numpy(),
        tr("supply_mix_col_type"): [types.get(v if v is not None else "unknown", v) for v in listed["supply_type"]],
        tr("supply_mix_col_category"): [cats.get(v if v is not None else "unknown", v) for v in listed["land_use_category"]],
        tr("supply_mix_col_area"): listed["area_mu"].to_numpy(dtype=float),
        tr("supply_mix_col_term"): listed["term_years"].to_numpy(dtype=float),
        tr("supply_mix_col_start"): listed["start_date"].fillna("—").to_numpy(),
        tr("supply_mix_col_end"): listed["end_date"].fillna("—").to_numpy(),
        tr("supply_mix_col_months_left"): listed["months_left"].to_numpy(dtype=float),
        tr("supply_mix_col_lease_status"): [labels["lease_status"].get(s, s) for s in listed["status"]],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="supply_mix_leases_table", column_config={
        tr("supply_mix_col_area"): st.column_config.NumberColumn(format="%.1f"),
        tr("supply_mix_col_term"): st.column_config.NumberColumn(format="%.1f"),
        tr("supply_mix_col_months_left"): st.column_config.NumberColumn(format="%.1f")})


def _mix_section(project: Project, config) -> None:
    """供地结构: land supplied per year by 供地方式 and category, the industrial share against the configured floors,
    supplied land without a date, and flexible-term leases ended or ending soon."""
    from analysis.supply_mix import code_labels

    st.subheader(tr("supply_mix_title"))
    mix = cached("supply_mix", project, _mix)
    labels = code_labels(lang())
    categories = config.land_use.industrial_categories + (("warehouse",) if config.land_use.include_warehouse else ())
    years = mix.years["year"]
    st.caption(tr("supply_mix_definition", categories=("、" if lang() == "zh" else ", ").join(
        labels["category"].get(c, c) for c in categories)) + " " + tr(
        "supply_mix_page_years", first=int(years.min()), last=int(years.max()), n=len(years)))
    st.caption(tr("supply_mix_undated", n=format_count(mix.undated_parcels), mu=format_mu(mix.undated_mu)))
    mu = st.column_config.NumberColumn(format="%.1f")
    by_type, by_category, floors, leases = st.tabs([tr("supply_mix_page_tab_type"), tr("supply_mix_page_tab_category"),
                                                    tr("supply_mix_page_tab_floors"), tr("supply_mix_page_tab_leases")])
    with by_type:
        table = _mix_year_table(mix, "type", labels["type"], True)
        if float(mix.years["untyped_mu"].sum() + mix.years["uncategorised_mu"].sum()) > 0:
            st.caption(tr("supply_mix_page_untyped"))
        config_columns = {c: mu for c in table.columns[2:]}
        config_columns[tr("supply_mix_col_share")] = st.column_config.NumberColumn(
            format="percent", help=tr("supply_mix_page_share_help"))
        st.dataframe(table, hide_index=True, width="stretch", key="supply_mix_type_table", column_config=config_columns)
    with by_category:
        table = _mix_year_table(mix, "category", labels["category"], False)
        st.dataframe(table, hide_index=True, width="stretch", key="supply_mix_category_table",
                     column_config={c: mu for c in table.columns[2:]})
    with floors:
        _mix_floors(mix, labels, config)
    with leases:
        _mix_leases(mix, labels)


def _chrome() -> None:
    """Streamlit's fixed widget text in the UI language (ui/text/chrome.py: CSS, nothing in English)."""
    from ui.text.chrome import chrome_css, show_chrome_css

    css = chrome_css(lang())
    show_chrome_css(css)


def _view() -> str:
    """Which part of the page is drawn (one at a time: a page holding every part took the browser twice as long to
    redraw after a tick); kept across pages and in the address (`supply_view`)."""
    from ui.view_state import valid_or_drop

    valid_or_drop(VIEW_KEY, VIEWS)
    default = None if VIEW_KEY in st.session_state else VIEWS[0]  # a kept choice is the widget's value already
    chosen = st.segmented_control(tr("supply_view"), VIEWS, default=default, required=True, key=VIEW_KEY,
                                  format_func=lambda v: tr(f"supply_view_{v}"), label_visibility="collapsed")
    return chosen or VIEWS[0]


def render() -> None:
    project = current_project()
    info = page_header(project, "page_supply", with_region=True)
    _chrome()
    if "parcels" not in project.layer_names():
        st.info(tr("supply_no_parcels"))
        return
    inputs, ev = evaluation_or_stop(project)
    settings = project.config.app.supply
    st.caption(tr("supply_as_of", date=info.evaluation_date.isoformat()))
    _metrics(ev.district)
    view = _view()
    if view == "lists":
        _lists_section(project, inputs, ev, settings)
    elif view == "cohorts":
        _supply_section(ev)
    elif view == "units":
        _units_section(ev)
    else:
        _mix_section(project, project.config)
