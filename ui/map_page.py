"""总览地图: every layer of the project on one folium map, with a layer control and a legend."""

from __future__ import annotations

import time

import streamlit as st

from layers.i18n import layer_label
from layers.project import Project
from ui.state import cached, current_project, lang, leaflet_urls, tr, warm_up


def _display_layers(project: Project) -> tuple[dict, tuple | None, dict]:
    """Every layer prepared for the map (lon/lat, simplified, rounded)."""
    from analysis.webmap import lonlat_bounds, to_display

    shown, counts, bounds = {}, {}, None
    for kind in project.layer_names():
        if kind == "data_issues":
            continue
        frame = project.read_layer(kind)
        counts[kind] = len(frame)
        if hasattr(frame, "geometry"):
            shown[kind] = to_display(frame, kind)
            if kind in ("parcels", "constraints") or bounds is None:
                bounds = lonlat_bounds(frame)
    return shown, bounds, counts


def render() -> None:
    from streamlit_folium import st_folium

    from analysis.webmap import build_map

    project = current_project()
    cfg = project.config["project"]
    st.title(f"{tr('page_map')} · {cfg.get('region', '')}")
    if cfg.get("demo"):
        st.caption(tr("demo_banner"))
    start = time.perf_counter()
    with st.spinner(tr("loading_layers")):
        layers, bounds, counts = cached("display_layers", project, _display_layers)
    warm_up(project)
    if not layers:
        st.info(tr("no_layers"))
        return
    basemap_labels = {None: tr("basemap_none"), "osm": "OpenStreetMap", "cartodb": "CartoDB"}
    basemap = st.sidebar.selectbox(tr("basemap"), list(basemap_labels), format_func=basemap_labels.get)
    fmap = build_map(layers, lang=lang(), basemap=basemap, bounds=bounds, demo=bool(cfg.get("demo")),
                     leaflet_urls=leaflet_urls())
    st_folium(fmap, height=720, use_container_width=True, returned_objects=[], key="overview-map")
    with st.sidebar:
        st.subheader(tr("layers"))
        st.dataframe({tr("layers"): [layer_label(k, lang()) for k in counts],
                      tr("features"): list(counts.values())}, hide_index=True, width="stretch")
        st.caption(f"{time.perf_counter() - start:.2f} s · {project.root}")
