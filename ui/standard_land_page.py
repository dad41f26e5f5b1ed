"""标准地复核: the 达产复核 of the parcels sold as 标准地 — counts by verdict, a filterable list with each term missed
(committed, actual, gap) and the missing data, a map of the 标准地 parcels coloured by verdict, and one parcel's terms.

Everything shown is `analysis.standard_land.project_review` of the sidebar's evaluation year (the layers and firm data
of that year, reviewed on its evaluation date), the same result as `landpark review DIR`, cached on the project's
content hash. The chosen parcel is a parcel id in `st.session_state[CHOSEN_KEY]`, set by the chooser, by ticking a
row of the list or by clicking a parcel on the map (a click or a tick acts once, when it changes).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

import reports.text.standard_land  # noqa: F401  (registers the page's stdpage_ text)
from i18n.numbers import MISSING, format_count, format_ratio, is_missing
from layers.auth import Permission
from layers.project import Project
from ui import auth
from ui.state import cached, chosen_year, current_project, lang, leaflet_urls, page_header, tr

TABLE_KEY = "stdpage_table"            # the list's st.dataframe (its selection holds row positions)
DRAWN_KEY = "stdpage_table_ids"        # the parcel ids of the list's rows as last drawn
TICKED_KEY = "stdpage_ticked"          # the ticked parcel last acted on (a tick acts once)
CLICKED_KEY = "stdpage_clicked"        # the map click last acted on (a click acts once)
CHOSEN_KEY = "stdpage_chosen"          # the parcel whose terms are shown ("" = none)
VERDICT_KEY = "stdpage_verdicts"
SEARCH_KEY = "stdpage_search"
# Layout (pure page geometry): the map's size in pixels and how close it zooms to a chosen parcel.
MAP_HEIGHT_PX = 520
MAP_WIDTH_PX = 900
CHOSEN_MAX_ZOOM = 17
CHOSEN_COLOUR = "#00e5ff"
PARCEL_STYLE = {"weight": 0.6, "fillOpacity": 0.65}


def _review(project: Project, year: int | None):
    """The 达产复核 of `year`'s firm data on its evaluation date (None: the project's year), cached per content hash."""
    from analysis.standard_land import project_review

    return cached(f"stdpage_review@{year or ''}", project, lambda p: project_review(p, year=year))


def _rows(project: Project, year: int | None, language: str) -> gpd.GeoDataFrame:
    """The review's rows as the exports show them (reports.scope.review_rows), cached per year and language."""
    from reports.scope import review_rows

    return cached(f"stdpage_rows@{year or ''}:{language}", project, lambda p: review_rows(_review(p, year), language))


def _map_features(project: Project, year: int | None, rows: gpd.GeoDataFrame, language: str) -> dict[str, Any]:
    """Per verdict the lon/lat GeoJSON features of its parcels (id, verdict, firm), the features by parcel id, and
    the bounds of every parcel and of each one (cached per year and language)."""
    from maps.overlays import lonlat_geojson

    def compute(_p: Project) -> dict[str, Any]:
        shown = rows[["parcel_id", "verdict", "verdict_text", "firm_name", "geometry"]].copy()
        shown["firm_name"] = shown["firm_name"].where(shown["firm_name"].notna(), tr("stdland_no_firm"))
        features = lonlat_geojson(shown, ["parcel_id", "verdict", "verdict_text", "firm_name"])["features"]
        index = {f["properties"]["parcel_id"]: f for f in features}
        lonlat = shown.to_crs(4326) if shown.crs is not None else shown
        bounds = {pid: tuple(float(v) for v in b) for pid, b in zip(shown["parcel_id"], lonlat.geometry.bounds.to_numpy())}
        every = tuple(float(v) for v in lonlat.total_bounds) if len(lonlat) else None
        return {"features": features, "index": index, "bounds": bounds, "every": every}

    return cached(f"stdpage_map@{year or ''}:{language}", project, compute)


# --------------------------------------------------------------------------- parts of the page


def _metrics(result: Any) -> None:
    """The number of 标准地 parcels and of each verdict."""
    from analysis.standard_land import VERDICTS

    counts = result.counts()
    cols = st.columns(len(VERDICTS) + 1)
    cols[0].metric(tr("stdpage_metric_total"), format_count(len(result.table)))
    for col, verdict in zip(cols[1:], VERDICTS):
        col.metric(tr(f"stdland_verdict_{verdict}"), format_count(counts[verdict]))


def _filters() -> tuple[list[str], str]:
    """The verdicts to list (default every one) and the search text."""
    from reports.scope import REVIEW_ORDER

    c1, c2 = st.columns([3, 2])
    chosen = c1.multiselect(tr("stdpage_filter_verdict"), list(REVIEW_ORDER), default=list(REVIEW_ORDER), key=VERDICT_KEY,
                            format_func=lambda v: tr(f"stdland_verdict_{v}"))
    text = c2.text_input(tr("stdpage_filter_search"), key=SEARCH_KEY, help=tr("stdpage_filter_search_help"))
    return chosen, text.strip()


def _filtered(rows: gpd.GeoDataFrame, verdicts: list[str], text: str) -> pd.DataFrame:
    """The rows of the chosen verdicts whose parcel id, firm name or credit code contains `text`."""
    keep = rows["verdict"].isin(verdicts)
    if text:
        needle = text.upper()
        hay = pd.concat([rows[c].astype("string").fillna("").str.upper() for c in ("parcel_id", "firm_name", "firm_uscc")],
                        axis=1)
        keep &= hay.apply(lambda col: col.str.contains(needle, regex=False)).any(axis=1)
    return pd.DataFrame(rows.loc[keep.to_numpy()].drop(columns="geometry"))


def _table(shown: pd.DataFrame) -> None:
    """The list: verdict, parcel, firm, due date, the terms missed and the missing data; a ticked row chooses its parcel."""
    st.subheader(tr("stdpage_table", n=format_count(len(shown))))
    if not len(shown):
        st.info(tr("stdpage_no_rows"))
        return
    st.caption(tr("stdpage_table_hint"))
    due = pd.to_datetime(shown["due_date"], errors="coerce")
    frame = pd.DataFrame({
        tr("stdpage_col_verdict"): shown["verdict_text"].to_numpy(),
        tr("stdpage_col_parcel"): shown["parcel_id"].to_numpy(),
        tr("stdpage_col_firm"): shown["firm_name"].fillna(shown["firm_uscc"]).fillna(tr("stdland_no_firm")).to_numpy(),
        tr("stdpage_col_due"): due.dt.strftime("%Y-%m-%d").fillna(MISSING).to_numpy(),
        tr("stdpage_col_failed"): shown["failed_text"].fillna("").to_numpy(),
        tr("stdpage_col_missing"): shown["missing_text"].fillna("").to_numpy(),
        tr("stdpage_col_reason"): shown["reason_text"].where(shown["verdict"] == "undetermined").fillna("").to_numpy(),
    })
    ids = list(shown["parcel_id"].astype(str))
    if st.session_state.get(DRAWN_KEY) != ids:  # other rows: a stale tick must not pick a parcel
        st.session_state.pop(TABLE_KEY, None)
    event = st.dataframe(frame, key=TABLE_KEY, on_select="rerun", selection_mode="single-row", hide_index=True,
                         width="stretch", height=360)
    st.session_state[DRAWN_KEY] = ids
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    ticked = ids[rows[0]] if rows and rows[0] < len(ids) else None
    if ticked != st.session_state.get(TICKED_KEY):
        st.session_state[TICKED_KEY] = ticked
        if ticked:
            st.session_state[CHOSEN_KEY] = ticked


def _highlight(feature: dict | None):
    """The chosen parcel outlined (streamlit-folium's dynamic group: the map is not rebuilt)."""
    import folium

    group = folium.FeatureGroup(name=tr("stdpage_chosen_parcel"))
    if feature is not None:
        folium.GeoJson({"type": "FeatureCollection", "features": [feature]}, name="chosen",
                       style_function=lambda f: {"color": CHOSEN_COLOUR, "weight": 4, "fillOpacity": 0.0}).add_to(group)
    return group


def _map(project: Project, year: int | None, rows: gpd.GeoDataFrame, verdicts: list[str], chosen: str) -> None:
    """The 标准地 parcels of the chosen verdicts coloured by verdict over the project's context layers (offline, no
    tiles); a click on a parcel chooses it."""
    import folium
    from streamlit_folium import st_folium

    from maps.overlays import context_layers, corner_legend, layer_control_last, view_for_bounds
    from maps.webmap import build_map
    from reports.scope import REVIEW_ORDER, VERDICT_COLOURS

    st.subheader(tr("stdpage_map"))
    st.caption(tr("stdpage_map_caption"))
    data = _map_features(project, year, rows, lang())
    layers, bounds = cached("stdpage_context", project, context_layers)
    fmap = build_map(layers, lang=lang(), bounds=data["every"] or bounds, demo=project.config.project.demo,
                     leaflet_urls=leaflet_urls(), legend=False)
    tip = [tr("stdpage_col_parcel"), tr("stdpage_col_verdict"), tr("stdpage_col_firm")]
    for verdict in REVIEW_ORDER:
        if verdict not in verdicts:
            continue
        features = [f for f in data["features"] if f["properties"]["verdict"] == verdict]
        if not features:
            continue
        colour = VERDICT_COLOURS[verdict]
        group = folium.FeatureGroup(name=f"{tr(f'stdland_verdict_{verdict}')} ({format_count(len(features))})")
        folium.GeoJson({"type": "FeatureCollection", "features": features},
                       style_function=lambda f, c=colour: {**PARCEL_STYLE, "color": c, "fillColor": c},
                       tooltip=folium.GeoJsonTooltip(["parcel_id", "verdict_text", "firm_name"], aliases=tip)).add_to(group)
        group.add_to(fmap)
    layer_control_last(fmap, collapsed=False)
    fmap.get_root().add_child(corner_legend(tr("stdpage_legend"), [
        (VERDICT_COLOURS[v], tr(f"stdland_verdict_{v}"), "fill") for v in REVIEW_ORDER] + [
        (CHOSEN_COLOUR, tr("stdpage_chosen_parcel"), "line")], element_id="landpark-stdland-legend"))
    view = data["bounds"].get(chosen) if chosen else None
    view = view or data["every"] or bounds
    centre, zoom = (None, None)
    if view is not None:
        centre, zoom = view_for_bounds(view, MAP_WIDTH_PX, MAP_HEIGHT_PX, max_zoom=CHOSEN_MAX_ZOOM)
    value = st_folium(fmap, key=f"stdpage-map-{year or ''}-{lang()}-{'.'.join(verdicts)}", height=MAP_HEIGHT_PX,
                      use_container_width=True, returned_objects=["last_active_drawing"],
                      feature_group_to_add=_highlight(data["index"].get(chosen)), center=centre, zoom=zoom)
    drawing = (value or {}).get("last_active_drawing") or {}
    clicked = (drawing.get("properties") or {}).get("parcel_id")
    if clicked and clicked != st.session_state.get(CLICKED_KEY):
        st.session_state[CLICKED_KEY] = clicked
        if clicked != chosen:
            st.session_state[CHOSEN_KEY] = clicked
            st.rerun()


def _chooser(shown: pd.DataFrame) -> str:
    """The parcel whose terms are shown: any listed parcel, or the one chosen on the map or in the list."""
    options = ["", *shown["parcel_id"].astype(str)]
    current = st.session_state.get(CHOSEN_KEY) or ""
    if current and current not in options:
        options.insert(1, current)  # chosen on the map though the filters hide it from the list
    if st.session_state.get(CHOSEN_KEY) not in options:
        st.session_state[CHOSEN_KEY] = ""
    return st.selectbox(tr("stdpage_choose"), options, key=CHOSEN_KEY,
                        format_func=lambda p: tr("stdpage_choose_none") if not p else p)


def _detail(rows: gpd.GeoDataFrame, parcel: str) -> None:
    """One parcel: verdict, firm, due date and data year, why it cannot be judged, and each term's committed, actual,
    gap and 是/否 met."""
    from analysis.standard_land import TERMS, format_term_gap, format_term_value, term_label, unit_text

    match = rows[rows["parcel_id"].astype(str) == parcel]
    if not len(match):
        return
    r = match.iloc[0]
    st.markdown(f"**{tr('stdpage_detail', parcel=parcel, verdict=r['verdict_text'])}**")
    due = pd.to_datetime(r["due_date"], errors="coerce")
    firm = r["firm_name"] if isinstance(r["firm_name"], str) else (r["firm_uscc"] or tr("stdland_no_firm"))
    st.caption(tr("stdpage_detail_line", firm=firm, due=MISSING if pd.isna(due) else due.date().isoformat(),
                  year=MISSING if is_missing(r["data_year"]) else int(r["data_year"])))
    if r["verdict"] == "undetermined" and isinstance(r["reason_text"], str):
        st.warning(r["reason_text"])
    if r["verdict"] == "not_due":
        st.info(tr("stdpage_not_due_note"))

    def met(value: Any) -> str:
        """是 / 否, a dash where the term has no verdict."""
        return MISSING if is_missing(value) else tr("stdpage_yes" if bool(value) else "stdpage_no")

    terms = pd.DataFrame([{
        tr("stdpage_col_term"): term_label(key, lang()), tr("stdpage_col_unit"): unit_text(key, lang()) or MISSING,
        tr("stdpage_col_committed"): format_term_value(key, r[f"{key}_committed"]),
        tr("stdpage_col_actual"): format_term_value(key, r[f"{key}_actual"]),
        tr("stdpage_col_gap"): format_term_gap(key, r[f"{key}_gap"], lang()),
        tr("stdpage_col_met"): met(r[f"{key}_met"])} for key in TERMS])
    st.dataframe(terms, hide_index=True, width="stretch")


# --------------------------------------------------------------------------- page


def render() -> None:
    """The page: counts by verdict, the filterable list, the map, and the chosen parcel's terms."""
    auth.require(Permission.FIRM_DATA)  # the 达产复核 lists firms with their figures
    project = current_project()
    page_header(project, "stdpage_title", with_region=True)
    year = chosen_year()
    try:
        result = _review(project, year)
    except Exception as exc:  # any failure reaches the user as text, never a traceback
        if type(exc).__name__ in ("StopException", "RerunException"):
            raise
        from spatial.errors import LandparkError, text

        detail = text(exc, lang()) if isinstance(exc, LandparkError) else f"{type(exc).__name__}: {exc}"
        st.error(tr("stdpage_failed", detail=detail))
        return
    if not len(result.table):
        st.info(tr("stdpage_none"))
        return
    st.caption(tr("stdpage_caption", as_of=result.as_of.isoformat()))
    if result.tolerance:
        st.caption(tr("stdpage_tolerance", tolerance=format_ratio(result.tolerance)))
    rows = _rows(project, year, lang())
    _metrics(result)
    verdicts, text = _filters()
    shown = _filtered(rows, verdicts, text)
    _table(shown)
    _map(project, year, rows, verdicts, st.session_state.get(CHOSEN_KEY) or "")
    parcel = _chooser(shown)
    if parcel:
        _detail(rows, parcel)
