"""供地分析: supply ratio by approval cohort against the national floor, 批而未供 and idle land lists
with their locations, and the supply figures of each unit.

Everything shown comes from the cached evaluation (`ev.district`, `ev.cohorts`, `ev.batches`,
`ev.units`) and `analysis.supply_lists.land_lists`; selecting rows of the list highlights the
parcels on the map and zooms to them without re-sending the map (streamlit-folium dynamic group).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from i18n import layer_label
from i18n.numbers import format_count, format_mu, format_ratio
from layers.project import Project
from layers.settings import AppSupply
from ui.state import cached, current_project, evaluation_or_stop, lang, leaflet_urls, page_header, tr

CATEGORY_COLOURS = {"unsupplied": "#f0a202", "idle": "#d7263d", "idle_by_date": "#7b2cbf"}
SELECTED_COLOUR = "#00e5ff"


def _lists(project: Project):
    """The 批而未供 / idle / idle-by-date parcels of the project (cached on its content hash)."""
    from analysis.supply_lists import land_lists

    inputs, ev = evaluation_or_stop(project)
    return land_lists(inputs.parcels, inputs.units, ev.parcel_flags, inputs.approvals, inputs.config)


def _base_map(project: Project):
    """Context layers and every listed parcel by category (lon/lat GeoJSON, published as static files; cached)."""
    from maps.overlays import context_layers, lonlat_geojson, project_stem, publish_geojson

    layers, bounds = context_layers(project)
    lists = cached("supply_lists", project, _lists)
    shown = lists[["parcel_id", "category", "geometry"]].assign(area_mu=lists["area_mu"].round(2))
    parcels = {}
    for cat in CATEGORY_COLOURS:
        data = lonlat_geojson(shown[shown["category"] == cat], ["parcel_id", "area_mu"])
        parcels[cat] = (data, publish_geojson(data, project_stem(project, f"supply-{cat}")), len(data["features"]))
    return layers, bounds, parcels


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


def _list_frame(lists: pd.DataFrame) -> pd.DataFrame:
    """The list as shown: translated headings, category and unit kind in words."""
    return pd.DataFrame({
        tr("supply_col_parcel"): lists["parcel_id"].to_numpy(),
        tr("supply_col_category"): [tr(f"supply_cat_{c}") for c in lists["category"]],
        tr("supply_col_area_mu"): lists["area_mu"].to_numpy(dtype=float),
        tr("supply_col_unit"): lists["unit_name"].fillna("—").to_numpy(),
        tr("supply_col_unit_kind"): [layer_label(k, lang()) if isinstance(k, str) else "—" for k in lists["unit_kind"]],
        tr("supply_col_batch"): lists["approval_id"].fillna("—").to_numpy(),
        tr("supply_col_approved_date"): lists["approved_date"].fillna("—").to_numpy(),
        tr("supply_col_years"): lists["years_since_approval"].to_numpy(dtype=float),
        tr("supply_col_supply_date"): lists["supply_date"].fillna("—").to_numpy(),
        tr("supply_col_start_date"): lists["agreed_start_date"].fillna("—").to_numpy(),
        tr("supply_col_days"): lists["days_since_agreed_start"].to_numpy(dtype=float),
        tr("supply_col_land_use"): lists["land_use"].fillna("—").to_numpy(),
        tr("supply_col_units"): lists["units"].replace("", "—").to_numpy(),
    })


def _selection_group(selected: pd.DataFrame):
    import folium

    from maps.overlays import lonlat_geojson

    group = folium.FeatureGroup(name=tr("supply_selected"))
    if len(selected):
        folium.GeoJson(lonlat_geojson(selected, ["parcel_id", "area_mu"]), name="selected",
                       style_function=lambda f: {"color": SELECTED_COLOUR, "weight": 4, "fillOpacity": 0.35,
                                                 "fillColor": SELECTED_COLOUR},
                       tooltip=folium.GeoJsonTooltip(["parcel_id", "area_mu"],
                                                     aliases=[tr("supply_col_parcel"), tr("supply_col_area_mu")])
                       ).add_to(group)
    return group


def _map(project: Project, selected: pd.DataFrame, settings: AppSupply) -> None:
    from streamlit_folium import st_folium

    from maps.overlays import add_geojson, corner_legend, layer_control_last, view_for_bounds
    from maps.webmap import build_map, lonlat_bounds

    layers, bounds, parcels = cached("supply_base_map", project, _base_map)
    fmap = build_map(layers, lang=lang(), bounds=bounds, demo=project.config.project.demo,
                     leaflet_urls=leaflet_urls())
    tip = [tr("supply_col_parcel"), tr("supply_col_area_mu")]
    for cat, colour in CATEGORY_COLOURS.items():
        data, url, count = parcels[cat]
        if count:
            add_geojson(fmap, data, url, name=f"{tr(f'supply_cat_{cat}')} ({count})", fields=["parcel_id", "area_mu"],
                        aliases=tip, style={"color": colour, "weight": 0.6, "fillColor": colour, "fillOpacity": 0.6})
    layer_control_last(fmap, collapsed=True)
    fmap.get_root().add_child(corner_legend(tr("supply_map_legend"), [
        (c, tr(f"supply_cat_{k}"), "fill") for k, c in CATEGORY_COLOURS.items()] + [
        (SELECTED_COLOUR, tr("supply_selected"), "line")], element_id="landpark-supply-legend"))
    centre, zoom = None, None
    if len(selected):
        centre, zoom = view_for_bounds(lonlat_bounds(selected), settings.map_width_px,
                                       settings.map_height_px, max_zoom=settings.selection_zoom_max,
                                       padding_px=settings.selection_padding_px)
    st_folium(fmap, key="supply-map", height=settings.map_height_px, use_container_width=True,
              returned_objects=[], feature_group_to_add=_selection_group(selected), center=centre, zoom=zoom)


def _lists_section(project: Project, ev, settings: AppSupply) -> None:
    from analysis.supply_lists import LIST_CATEGORIES, list_summary

    st.subheader(tr("supply_lists_title"))
    st.caption(tr("supply_lists_caption", days=ev.config.supply.idle_after_days))
    lists = cached("supply_lists", project, _lists)
    summary = list_summary(lists)
    cols = st.columns(len(LIST_CATEGORIES))
    for col, row in zip(cols, summary.itertuples(index=False)):
        col.metric(tr(f"supply_cat_{row.category}"), tr("supply_count_area", count=format_count(row.count),
                                                          area=format_mu(row.area_mu, 0)))
    f1, f2, f3 = st.columns([2, 2, 1])
    categories = f1.multiselect(tr("supply_filter_category"), list(LIST_CATEGORIES), default=list(LIST_CATEGORIES),
                                format_func=lambda c: tr(f"supply_cat_{c}"), key="supply_filter_category")
    names = sorted(lists["unit_name"].dropna().unique().tolist())
    unit = f2.selectbox(tr("supply_filter_unit"), [None, *names], key="supply_filter_unit",
                        format_func=lambda u: tr("all") if u is None else u)
    min_mu = f3.number_input(tr("supply_filter_min_mu"), min_value=0.0, value=0.0, step=5.0, key="supply_filter_min_mu")
    shown = lists[lists["category"].isin(categories) & (lists["area_mu"] >= min_mu)]
    if unit is not None:
        shown = shown[shown["units"].str.split("、").map(lambda names_: unit in names_)]
    shown = shown.reset_index(drop=True)
    left, right = st.columns([1, 1])
    with left:
        st.caption(tr("supply_list_hint", n=format_count(len(shown)), area=format_mu(shown['area_mu'].sum())))
        event = st.dataframe(_list_frame(shown), hide_index=True, width="stretch", height=settings.map_height_px,
                             on_select="rerun", selection_mode="multi-row", key="supply_list", column_config={
                                 tr("supply_col_area_mu"): st.column_config.NumberColumn(format="%.2f"),
                                 tr("supply_col_years"): st.column_config.NumberColumn(format="%.1f"),
                                 tr("supply_col_days"): st.column_config.NumberColumn(format="%d")})
        rows = [r for r in (event.selection.rows if event is not None and hasattr(event, "selection") else [])
                if r < len(shown)]
        csv = _list_frame(shown).to_csv(index=False).encode("utf-8-sig")
        st.download_button(tr("supply_download_list"), csv, file_name="supply_lists.csv", mime="text/csv",
                           key="supply_download_list", on_click="ignore")
    with right:
        selected = shown.iloc[rows]
        if len(selected):
            st.caption(tr("supply_selection", n=len(selected), area=format_mu(selected['area_mu'].sum())))
        else:
            st.caption(tr("supply_select_hint"))
        _map(project, selected, settings)


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


def render() -> None:
    project = current_project()
    info = page_header(project, "page_supply", with_region=True)
    if "parcels" not in project.layer_names():
        st.info(tr("supply_no_parcels"))
        return
    _inputs, ev = evaluation_or_stop(project)
    settings = project.config.app.supply
    st.caption(tr("supply_as_of", date=info.evaluation_date.isoformat()))
    _metrics(ev.district)
    _supply_section(ev)
    _lists_section(project, ev, settings)
    _units_section(ev)
