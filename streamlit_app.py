"""Landpark's web front door (Streamlit). Pages only call `layers` and `analysis`.

The project comes from $LANDPARK_PROJECT (a folder; set by `landpark app`); with none set,
the demo project is opened, and built first when missing.
"""

from __future__ import annotations

import os
import time

import streamlit as st

from layers.i18n import layer_label, t
from layers.project import Project

st.set_page_config(page_title="Landpark", page_icon="🏭", layout="wide")


@st.cache_resource(show_spinner=False)
def open_project(location: str | None) -> Project:
    """Open the configured project, or the demo (building it when missing)."""
    from layers.demo_project import ensure_demo

    if location:
        if location.startswith("postgresql"):
            st.error("PostGIS projects are not available in this version; pass a project folder.")
            st.stop()
        return Project.open(location)
    return ensure_demo()


@st.cache_data(show_spinner=False, max_entries=4)
def display_layers(root: str, content_hash: str) -> tuple[dict, tuple, dict]:
    """Every layer prepared for the map, cached on the project's content hash."""
    from analysis.webmap import lonlat_bounds, to_display

    project = Project.open(root)
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


@st.cache_resource(show_spinner=False)
def leaflet_urls() -> tuple[str, str] | None:
    """Serve a local Leaflet (Debian libjs-leaflet or $LANDPARK_LEAFLET_DIR) from Streamlit's static folder,
    so maps draw with no internet; None falls back to folium's CDN links."""
    import shutil
    from pathlib import Path

    from analysis.webmap import find_leaflet

    source = find_leaflet()
    if source is None:
        return None
    static = Path(__file__).resolve().with_name("static")
    static.mkdir(exist_ok=True)
    for name in ("leaflet.js", "leaflet.css"):
        if not (static / name).exists():
            shutil.copyfile(source / name, static / name)
    return "/app/static/leaflet.js", "/app/static/leaflet.css"


def language() -> str:
    return st.session_state.get("lang", "zh")


def map_page() -> None:
    from streamlit_folium import st_folium

    from analysis.webmap import build_map

    lang = language()
    project = open_project(os.environ.get("LANDPARK_PROJECT"))
    cfg = project.config["project"]
    st.title(f"{t('page_map', lang)} · {cfg.get('region', '')}")
    if cfg.get("demo"):
        st.caption(t("demo_banner", lang))
    start = time.perf_counter()
    with st.spinner("…"):
        layers, bounds, counts = display_layers(str(project.root), project.content_hash())
    if not layers:
        st.info(t("no_layers", lang))
        return
    basemap_labels = {None: t("basemap_none", lang), "osm": "OpenStreetMap", "cartodb": "CartoDB"}
    basemap = st.sidebar.selectbox(t("basemap", lang), list(basemap_labels), format_func=basemap_labels.get)
    fmap = build_map(layers, lang=lang, basemap=basemap, bounds=bounds, demo=bool(cfg.get("demo")),
                     leaflet_urls=leaflet_urls())
    st_folium(fmap, height=720, use_container_width=True, returned_objects=[], key="overview-map")
    with st.sidebar:
        st.subheader(t("layers", lang))
        st.dataframe({t("layers", lang): [layer_label(k, lang) for k in counts],
                      t("features", lang): list(counts.values())}, hide_index=True, width="stretch")
        st.caption(f"{time.perf_counter() - start:.2f} s · {project.root}")


def main() -> None:
    st.sidebar.radio(t("language", language()), ["zh", "en"], key="lang", horizontal=True,
                     format_func=lambda v: "中文" if v == "zh" else "English")
    lang = language()
    page = st.navigation([st.Page(map_page, title=t("page_map", lang), url_path="map", default=True)])
    page.run()


main()
