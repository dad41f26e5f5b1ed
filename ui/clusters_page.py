"""产业图谱: the [clusters] of landpark.toml measured on the evaluation year chosen in the sidebar — the clusters'
totals, targets and progress; for one chosen cluster its segments and firms (cluster → segment → firms), the units
where it sits with their shares and missing segments, and a map of its firms coloured by segment with the 链主
starred; each unit's concentration on its declared leading industries; the cluster-by-area rule (3–5).

Everything shown comes from `analysis.clusters.project_clusters` (the same call `landpark clusters` makes), on the
page-wide cached evaluation of the chosen year and method (ui/state.py); the result is cached per year and method.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import i18n.clusters_text  # noqa: F401  (registers the clusters_ text)
from layers.auth import Permission
from layers.project import Project
from ui import auth
from ui.state import cached, chosen_method, chosen_year, current_project, evaluation_or_stop, lang, leaflet_urls, page_header, tr

# Layout choices, not domain settings: segment colours on the map, the 链主 star, the map height, and how many firms
# a segment's table lists (the largest by output; the CLI's JSON has them all).
SEGMENT_COLOURS = {"上游": "#1f77b4", "中游": "#2ca02c", "下游": "#d62728", None: "#7f7f7f"}
LEADER_COLOUR = "#e6a700"
MAP_HEIGHT_PX = 520
FIRMS_SHOWN = 200
CLUSTER_KEY = "clusters_page_cluster"


def _result(project: Project) -> tuple[Any, dict[str, Any]]:
    """(ClusterResult, its JSON document) for the year and method of the sidebar (cached)."""
    from analysis.clusters import project_clusters, to_json

    inputs, ev = evaluation_or_stop(project)
    year = chosen_year()

    def compute(p: Project) -> tuple[Any, dict[str, Any]]:
        result = project_clusters(p, year=year, inputs=inputs, evaluation=ev)
        return result, to_json(result)

    return cached(f"clusters:{chosen_method()}@{year or ''}", project, compute)


def _unit_name(name: Any, unit_id: str) -> str:
    """A unit as "name（id）" (or "name (id)" in English)."""
    return f"{name}（{unit_id}）" if lang() == "zh" else f"{name} ({unit_id})"


def _status(code: str | None) -> str:
    """A target status as a person reads it."""
    from analysis.clusters import status_label

    return status_label(code, lang())


def _yes(flag: Any) -> str:
    """是/否 (yes/no) for a check, — when not checked."""
    return "—" if flag is None else tr("clusters_yes" if flag else "clusters_no")


def _overview(doc: dict[str, Any]) -> None:
    """The clusters' totals, shares, main target and progress."""
    from analysis.clusters import format_number, unit_label

    st.subheader(tr("clusters_page_overview"))
    rows = []
    for c in doc["clusters"]:
        x = c["target"]
        rows.append({tr("clusters_col_name"): c["name"], tr("clusters_col_firms"): c["firms"],
                     tr("clusters_col_output"): c["output"], tr("clusters_col_tax"): c["tax"], tr("clusters_col_land"): c["land"],
                     tr("clusters_col_share"): c["output_share"],
                     tr("clusters_col_target"): (f"{format_number(x['target'], 2)} {unit_label(x['unit'], lang())}".strip()
                                                 if x else "—"),
                     tr("clusters_col_progress"): c["progress"], tr("clusters_col_status"): _status(x["status"] if x else None)})
    frame = pd.DataFrame(rows)
    for key in ("clusters_col_output", "clusters_col_tax", "clusters_col_land", "clusters_col_share", "clusters_col_progress"):
        frame[tr(key)] = pd.to_numeric(frame[tr(key)], errors="coerce")  # numbers even when all are missing
    st.dataframe(frame, hide_index=True, width="stretch", key="clusters_overview", column_config={
        tr("clusters_col_output"): st.column_config.NumberColumn(format="%,.1f"),
        tr("clusters_col_tax"): st.column_config.NumberColumn(format="%,.1f"),
        tr("clusters_col_land"): st.column_config.NumberColumn(format="%,.1f"),
        tr("clusters_col_share"): st.column_config.NumberColumn(format="percent"),
        tr("clusters_col_progress"): st.column_config.NumberColumn(format="percent")})
    d = doc["district"]
    st.caption(tr("clusters_district", firms=d["firms"], output=format_number(d["output"]), cfirms=d["clustered_firms"],
                  coutput=format_number(d["clustered_output"]),
                  share="—" if d["clustered_share"] is None else f"{d['clustered_share'] * 100:.1f}%"))


def _tree(result, cluster: dict[str, Any]) -> None:
    """Cluster → segment → firms: one expander per segment (and the firms without one), firms by output."""
    st.subheader(tr("clusters_page_tree"))
    own = result.memberships[result.memberships["cluster"] == cluster["name"]]
    leaders = set(result.leaders.loc[result.leaders["cluster"] == cluster["name"], "uscc"])
    from analysis.clusters import stage_label

    groups = [(f"{stage_label(s['stage'], lang())} · {s['name']}", s["name"])
              for s in cluster["segments"]] + [(tr("clusters_page_no_segment"), None)]
    for label, name in groups:
        ids = own.loc[own["segment"].isna() if name is None else own["segment"] == name, "uscc"].astype(str)
        if name is None and not len(ids):
            continue
        firms = result.firms.reindex(ids.unique())
        with st.expander(f"{label}（{len(firms)}）" if lang() == "zh" else f"{label} ({len(firms)})", expanded=False):
            if not len(firms):
                st.caption("—")
                continue
            frame = pd.DataFrame({
                tr("clusters_col_name"): _text(firms["name"]), tr("clusters_col_uscc"): firms.index.to_numpy(),
                tr("clusters_col_industry"): _text(firms["industry"]), tr("clusters_col_code"): _text(firms["industry_code"]),
                tr("clusters_col_output"): firms.get("output_10k_yuan"), tr("clusters_col_tax"): firms.get("tax_10k_yuan"),
                tr("clusters_col_unit"): [_join(u) if isinstance(u, list) else "" for u in firms["unit_ids"]],
                tr("clusters_col_leader"): [tr("clusters_yes") if u in leaders else "" for u in firms.index],
            }).sort_values(tr("clusters_col_output"), ascending=False, na_position="last")
            if len(frame) > FIRMS_SHOWN:
                st.caption(tr("clusters_page_firms_more", n=FIRMS_SHOWN))
            st.dataframe(frame.head(FIRMS_SHOWN), hide_index=True, width="stretch", key=f"clusters_tree_{name}",
                         column_config={tr("clusters_col_output"): st.column_config.NumberColumn(format="%,.1f"),
                                        tr("clusters_col_tax"): st.column_config.NumberColumn(format="%,.1f")})


def _text(values: pd.Series) -> list[str]:
    """A text column for display: missing cells empty (never None or nan)."""
    return [v if isinstance(v, str) else "" for v in values]


def _join(items) -> str:
    """A list as text: 、 in Chinese, commas in English."""
    return ("、" if lang() == "zh" else ", ").join(items)


def _numbers(values) -> list[float]:
    """A number column for display: None as NaN, so the column stays numeric even when every value is missing."""
    return [float("nan") if v is None else float(v) for v in values]


def _units(doc: dict[str, Any], cluster: dict[str, Any]) -> None:
    """The units where the cluster has firms: firms, output, share of the unit, developed or not, missing segments."""
    st.subheader(tr("clusters_page_units"))
    rows = sorted(cluster["units"], key=lambda u: -(u["share"] or 0))
    frame = pd.DataFrame({
        tr("clusters_col_unit"): [_unit_name(u["name"], u["unit_id"]) for u in rows],
        tr("clusters_col_kind"): [_kind(u["unit_kind"]) for u in rows],
        tr("clusters_col_firms"): [u["firms"] for u in rows], tr("clusters_col_output"): _numbers(u["output"] for u in rows),
        tr("clusters_col_unit_share"): _numbers(u["share"] for u in rows),
        tr("clusters_col_present"): [_yes(u["present"]) for u in rows],
        tr("clusters_col_segments_missing"): [_join(u["segments_missing"]) for u in rows]})
    st.dataframe(frame, hide_index=True, width="stretch", key="clusters_units", column_config={
        tr("clusters_col_output"): st.column_config.NumberColumn(format="%,.1f"),
        tr("clusters_col_unit_share"): st.column_config.NumberColumn(format="percent")})
    if cluster["segments"] and not any(u["segments_missing"] for u in rows if u["present"]):
        st.caption(tr("clusters_page_none_missing"))
    declared = [u for u in doc["units"] if u["leading_industries"]]
    if declared:
        conc = pd.DataFrame({
            tr("clusters_col_unit"): [_unit_name(u["name"], u["unit_id"]) for u in declared],
            tr("clusters_col_kind"): [_kind(u["unit_kind"]) for u in declared],
            tr("clusters_col_leading"): [u["leading_industries"] for u in declared],
            tr("clusters_col_concentration"): _numbers(u["concentration"] for u in declared),
            tr("clusters_col_present"): [_join(u["clusters_present"]) for u in declared]})
        st.dataframe(conc, hide_index=True, width="stretch", key="clusters_concentration", column_config={
            tr("clusters_col_concentration"): st.column_config.NumberColumn(format="percent")})


def _kind(kind: str) -> str:
    """A unit kind as a person reads it."""
    from i18n import layer_label

    return layer_label(kind, lang())


def _rule(doc: dict[str, Any]) -> None:
    """The cluster-by-area rule: areas per cluster and clusters per area, each within its range or not."""
    ck = doc["checks"]
    st.subheader(tr("clusters_page_rule"))
    st.caption(tr("clusters_rule_header", layer=_kind(ck["area_layer"]), lo_a=ck["rule_areas_per_cluster"][0],
                  hi_a=ck["rule_areas_per_cluster"][1], lo_c=ck["rule_clusters_per_area"][0],
                  hi_c=ck["rule_clusters_per_area"][1], share=f"{ck['present_min_share'] * 100:.1f}%"))
    if not ck["area_layer_found"]:
        st.info(tr("clusters_rule_no_layer"))
        return
    left, right = st.columns(2)
    left.dataframe(pd.DataFrame({tr("clusters_col_name"): [r["cluster"] for r in ck["clusters"]],
                                 tr("clusters_col_n"): [r["n"] for r in ck["clusters"]],
                                 tr("clusters_col_areas"): [_join(r["areas"]) for r in ck["clusters"]],
                                 tr("clusters_col_verdict"): [_yes(r["ok"]) for r in ck["clusters"]]}),
                   hide_index=True, width="stretch", key="clusters_rule_clusters")
    right.dataframe(pd.DataFrame({tr("clusters_col_unit"): [_unit_name(r["name"], r["unit_id"]) for r in ck["areas"]],
                                  tr("clusters_col_n"): [r["n"] for r in ck["areas"]],
                                  tr("clusters_col_clusters"): [_join(r["clusters"]) for r in ck["areas"]],
                                  tr("clusters_col_verdict"): [_yes(r["ok"]) for r in ck["areas"]]}),
                    hide_index=True, width="stretch", key="clusters_rule_areas")
    st.caption(tr("clusters_source", source=ck["source"]))


def _map_layers(project: Project):
    """Context layers for build_map and the district bounds (cached per project)."""
    from maps.overlays import context_layers

    return context_layers(project)


def firm_points(result, cluster: str) -> dict[str, Any]:
    """The cluster's located firms as GeoJSON points (lon/lat) with name, segment and colour (by chain stage)."""
    from analysis.clusters import firm_layer

    layer = firm_layer(result)
    layer = layer[layer["cluster"] == cluster]
    shown = layer[["name", "uscc", "geometry"]].copy()
    shown["name"] = shown["name"].astype(str)
    shown["segment"] = [s if isinstance(s, str) else tr("clusters_page_no_segment") for s in layer["segment"]]
    shown["colour"] = [SEGMENT_COLOURS.get(s, SEGMENT_COLOURS[None]) for s in layer["stage"]]
    return shown.set_geometry(shown.geometry.set_precision(1e-6)).__geo_interface__


def cluster_map(layers: dict, bounds, result, cluster: dict[str, Any], *, demo: bool = False,
                leaflet: tuple[str, str] | None = None):
    """The folium map of a cluster's firms over the context `layers`: points coloured by chain stage, the 链主
    starred, a legend; None when no firm of the cluster has a location. No basemap (offline)."""
    import folium

    from analysis.clusters import stage_label
    from maps.overlays import corner_legend, layer_control_last
    from maps.webmap import build_map

    points = firm_points(result, cluster["name"])
    if not points["features"]:
        return None
    fmap = build_map(layers, lang=lang(), bounds=bounds, demo=demo, leaflet_urls=leaflet)
    firms_group = folium.FeatureGroup(name=f"{cluster['name']} ({len(points['features'])})")
    leaders_group = folium.FeatureGroup(name=tr("clusters_col_leader"))
    folium.GeoJson(points, name=cluster["name"], marker=folium.CircleMarker(radius=4, weight=0.6, fill=True, fill_opacity=0.85),
                   style_function=lambda f: {"fillColor": f["properties"]["colour"], "color": "#333333"},
                   tooltip=folium.GeoJsonTooltip(["name", "segment"], aliases=[tr("clusters_col_name"),
                                                                              tr("clusters_col_segment")])).add_to(firms_group)
    for ld in cluster["leaders"]:
        if ld["lon"] is None or ld["lat"] is None:
            continue
        folium.Marker([ld["lat"], ld["lon"]], tooltip=f"{tr('clusters_col_leader')}：{ld['name'] or ld['uscc']}",
                      icon=folium.DivIcon(html=f'<div style="font-size:20px;color:{LEADER_COLOUR};'
                                               f'text-shadow:0 0 2px #000">★</div>')).add_to(leaders_group)
    firms_group.add_to(fmap)
    leaders_group.add_to(fmap)
    layer_control_last(fmap, collapsed=True)  # after the groups: a control before them breaks the map (maps.overlays)
    stages = [s["stage"] for s in cluster["segments"]]
    rows = [(SEGMENT_COLOURS[s], stage_label(s, lang()), "dot") for s in dict.fromkeys(stages)]
    rows += [(SEGMENT_COLOURS[None], tr("clusters_page_no_segment"), "dot"), (LEADER_COLOUR, tr("clusters_col_leader"), "dot")]
    fmap.get_root().add_child(corner_legend(cluster["name"], rows, element_id="landpark-clusters-legend"))
    return fmap


def _map(project: Project, result, cluster: dict[str, Any]) -> None:
    """The map section: the cluster's firms on the project's context layers (ui: streamlit-folium)."""
    from streamlit_folium import st_folium

    st.subheader(tr("clusters_page_map"))
    layers, bounds = cached("clusters_map_layers", project, _map_layers)
    fmap = cluster_map(layers, bounds, result, cluster, demo=project.config.project.demo, leaflet=leaflet_urls())
    if fmap is None:
        st.caption(tr("clusters_page_no_points"))
        return
    st_folium(fmap, key="clusters-map", height=MAP_HEIGHT_PX, use_container_width=True, returned_objects=[])


def render() -> None:
    from analysis.clusters import format_number, format_share, status_label, unit_label

    project = current_project()
    page_header(project, "clusters_page_title", with_region=True)
    try:
        result, doc = _result(project)
    except Exception as exc:  # any failure reaches the user as text, never a traceback
        if type(exc).__name__ in ("StopException", "RerunException"):
            raise
        st.error(f"{tr('clusters_page_title')}: {type(exc).__name__}: {exc}")
        return
    if not doc["clusters"]:
        st.info(tr("clusters_none"))
        return
    st.caption(tr("clusters_header", year=doc["year"], n=len(doc["clusters"])))
    st.caption(tr("clusters_page_intro"))
    _overview(doc)
    names = [c["name"] for c in doc["clusters"]]
    if st.session_state.get(CLUSTER_KEY) not in names:
        st.session_state[CLUSTER_KEY] = max(doc["clusters"], key=lambda c: c["output"] or 0)["name"]
    chosen = st.selectbox(tr("clusters_page_cluster"), names, key=CLUSTER_KEY)
    cluster = next(c for c in doc["clusters"] if c["name"] == chosen)
    st.caption(tr("clusters_codes_line", codes=_join(cluster["codes"]) or "—",
                  keywords=_join(cluster["keywords"]) or "—"))
    st.caption(tr("clusters_source", source=cluster["source"]))
    for x in cluster["targets"]:
        st.caption(tr("clusters_target_line", name=x["name"], value=format_number(x["value"], 2),
                      target=format_number(x["target"], 2), unit=unit_label(x["unit"], lang()),
                      progress=format_share(x["progress"]), status=status_label(x["status"], lang())))
    if auth.check(Permission.FIRM_DATA):  # the tree names firms with their figures
        _tree(result, cluster)
    _units(doc, cluster)
    if auth.can(Permission.FIRM_DATA):  # the points name every firm of the cluster and star the 链主
        _map(project, result, cluster)
    _rule(doc)
