"""总览地图: every layer of the project on one map; units coloured by any indicator; click a unit
(or find it by name) to see its scorecard beside the map.

The page only displays and collects input. Layers are prepared once per project content
(`maps.layer_data`, cached through `ui.state.cached`) and drawn compactly in the browser; the
parts that change on an interaction — choropleth fill and legend, the selected unit's outline,
the firms' classes, the view the search asks for — travel in a small element of their own
(`ui.map_overlay`), so the map's element stays the same and is neither re-sent nor re-mounted;
`returned_objects` is limited to the clicked feature, so panning never reruns. The map, its sidebar controls,
the search and the identify panel are one fragment (`_map_view`): an interaction with any of them reruns that
part alone, so the page's title, navigation and other sidebar widgets are not sent again.
Session keys: `map_unit` holds the selected unit ("kind|id"), `map_colour` the colouring indicator.
"""

from __future__ import annotations

import html
import threading
import time

import numpy as np
import pandas as pd
import streamlit as st

from i18n import layer_label
from layers.auth import Permission
from layers.project import Project
from layers.settings import AppMap, ProjectSettings
from ui import auth
from ui.state import cached, current_project, evaluation, evaluation_key, is_cached, lang, leaflet_urls, page_header, tr, warm_up
from ui.view_state import valid_or_drop

SELECTED = "map_unit"          # "kind|id" of the unit whose scorecard is shown
COLOUR_KIND = "map_colour_kind"  # the one unit kind the map colours
SEARCH = "map_search"          # the search box (kept equal to the selection)
VIEW = "map_view"              # (centre, zoom) asked by the search box
LAST_CLICK = "map_last_click"  # the last click seen, so a rerun does not re-apply it
MAP_KEY = "overview-map"       # st_folium's on_change copies the map's answer here before the rerun
OVERLAY_KEY = "overview_map_overlay"  # the run's overlay of the map (ui.map_overlay): fills, outline, legend, view
BASEMAPS = (None, "osm", "cartodb", "tianditu", "amap")
_PREWARM = threading.Event()


def _map_layers(gcj02: bool):
    def compute(project: Project):
        from maps.layer_data import prepare_map_layers, read_map_frames

        cfg = project.config.app.map
        return prepare_map_layers(read_map_frames(project), gcj02=gcj02, precision=cfg.precision_deg,
                                  simplify_m=cfg.simplify_m, parcel_limit=cfg.parcel_limit,
                                  merged_simplify_m=cfg.merged_simplify_m)
    return compute


def map_layers(project: Project, *, gcj02: bool = False):
    """The project's map layers, prepared once per content hash (call it at server start to warm the first map)."""
    return cached(f"map_layers:{'gcj02' if gcj02 else 'cgcs2000'}", project, _map_layers(gcj02))


def _evaluation_if_ready(project: Project, deadline: float):
    """The evaluation when it is cached or becomes so before `deadline` (time.monotonic; warm-up thread), else None."""
    while not is_cached(evaluation_key(), project):
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)
    return _evaluation(project)


def _evaluation(project: Project):
    """The evaluation, or None with the error shown (a failing evaluation must not blank the map)."""
    try:
        return evaluation(project)[1]
    except Exception as exc:  # noqa: BLE001 - shown to the user; the map still draws
        if type(exc).__name__ in ("StopException", "RerunException"):
            raise
        st.error(tr("map_eval_failed", error=exc))
        return None


def _prewarm_mapclassify() -> None:
    """Import mapclassify (~3 s: scipy) in the background once, so the first colouring answers fast."""
    if _PREWARM.is_set():
        return
    _PREWARM.set()
    threading.Thread(target=lambda: __import__("mapclassify"), daemon=True, name="landpark-mapclassify").start()


def _indicator_label(name: str | None) -> str:
    if name is None:
        return tr("map_colour_none")
    from reports import column_label

    return column_label(name, lang())


def _sidebar(cfg: AppMap) -> tuple[str | None, str | None, str | None, str]:
    """Basemap, Tianditu key, colouring indicator and scheme chosen in the sidebar."""
    from analysis.unitcard import COLOUR_INDICATORS
    from maps.basemaps import basemap_label
    from maps.choropleth import SCHEMES

    for key, options in (("map_basemap", BASEMAPS), ("map_colour", (None, *COLOUR_INDICATORS)), ("map_scheme", SCHEMES)):
        valid_or_drop(key, options)  # a value from a shared link that this version does not offer
    with st.sidebar:
        basemap = st.selectbox(tr("basemap"), BASEMAPS, key="map_basemap", help=tr("map_basemap_help"),
                               format_func=lambda b: tr("basemap_none") if b is None else basemap_label(b, lang()))
        key = None
        if basemap == "tianditu":
            key = st.text_input(tr("map_tianditu_key"), type="password", key="map_tianditu_key",
                                help=tr("map_tianditu_key_help")).strip() or None
            if key is None:
                st.warning(tr("map_tianditu_missing"))
        st.subheader(tr("map_colouring"))
        indicator = st.selectbox(tr("map_colour_by"), (None, *COLOUR_INDICATORS), key="map_colour",
                                 format_func=_indicator_label, help=tr("map_colour_help"))
        default_scheme = cfg.scheme if cfg.scheme in SCHEMES else SCHEMES[0]
        scheme = st.selectbox(tr("map_scheme"), SCHEMES, index=SCHEMES.index(default_scheme), key="map_scheme",
                              format_func=lambda s: tr(f"map_scheme_{s}"), disabled=indicator is None)
        st.toggle(tr("map_colour_change"), key=CHANGE, disabled=indicator is None, help=tr("map_colour_change_help"))
    return basemap, key, indicator, scheme


def _colour_kind(layers, selected: str | None) -> str | None:
    """The one unit kind the map colours (a park and its protection line overlap: colouring both at once hides
    which colour is whose). Default: the kind of the selected unit, else parks, else the first kind drawn."""
    kinds = list(dict.fromkeys(layers.units["unit_kind"].astype(str))) if len(layers.units) else []
    if not kinds:
        return None
    valid_or_drop(COLOUR_KIND, kinds)
    if COLOUR_KIND not in st.session_state:
        focus = selected.partition("|")[0] if selected else None
        st.session_state[COLOUR_KIND] = focus if focus in kinds else ("parks" if "parks" in kinds else kinds[0])
    with st.sidebar:
        return st.selectbox(tr("map_colour_kind"), kinds, key=COLOUR_KIND, format_func=lambda k: layer_label(k, lang()),
                            help=tr("map_colour_kind_help"))


def _resolve_unit(layers) -> None:
    """A unit given by its id alone (?unit=YQ01) becomes the map's "kind|id" key; an unknown one is dropped."""
    value = st.session_state.get(SELECTED)
    if not value or not len(layers.units) or str(value).partition("|")[0] in ("parcels", "enterprises"):
        return
    keys = set(layers.units["uk"])
    if value in keys:
        return
    hits = layers.units.loc[layers.units["unit_id"].astype(str) == str(value).partition("|")[2 if "|" in str(value) else 0], "uk"]
    st.session_state[SELECTED] = hits.iloc[0] if len(hits) else None


def _change_values(project: Project, ev, indicator: str) -> tuple[pd.DataFrame, int] | None:
    """Each unit's change of `indicator` against the year before (analysis.year_on_year.unit_change_columns) and
    that year; None with a message when the firm data hold no earlier year."""
    from analysis.time_context import all_firm_rows, previous_year
    from analysis.year_on_year import unit_change_columns
    from ui.state import evaluation_of_year

    year = ev.config.project.year
    before = previous_year(cached("firm_rows", project, all_firm_rows), year)
    if before is None:
        st.info(tr("map_change_none", year=year))
        return None
    earlier = evaluation_of_year(project, before)[1]
    return unit_change_columns(earlier.units, ev.units, indicator), before


def _colouring(ev, indicator: str, scheme: str, cfg: AppMap, kind: str | None,
               change: tuple[pd.DataFrame, int] | None = None) -> tuple[dict, str, str] | None:
    """Unit key → (colour, value text) for the units of `kind`, the legend HTML and a caption; None with a message
    when nothing to colour. With `change` (the units' changes and the earlier year) the change is coloured."""
    from maps.choropleth import NO_DATA_COLOUR, classify
    from maps.webmap import legend_rows_html
    from reports import COST_INDICATORS, display_value

    units = ev.units if kind is None else ev.units[ev.units["unit_kind"].astype(str) == kind].reset_index(drop=True)
    if indicator not in units.columns:
        st.info(tr("map_classes_empty"))
        return None
    directions = dict(zip(ev.spec.indicators, ev.spec.directions))
    cost = directions.get(indicator, "cost" if indicator in COST_INDICATORS else "benefit") == "cost"
    if change is not None:
        return _change_colouring(units, indicator, change, scheme, cfg, kind, cost)
    classes = classify(units[indicator], scheme=scheme, k=cfg.classes, reverse=cost)
    if classes.k == 0:
        st.info(tr("map_classes_empty"))
        return None
    keys = (units["unit_kind"].astype(str) + "|" + units["unit_id"].astype(str)).tolist()
    texts = [display_value(indicator, v, lang()) for v in units[indicator].tolist()]
    fill = dict(zip(keys, zip(classes.colour_of(), texts)))
    rows = [(c, _range_text(indicator, span, n)) for c, span, n in zip(classes.colours, classes.ranges(), classes.counts)]
    if classes.no_data:
        # units without a score are 未评价 (not graded on data they lack); other indicators simply have no data
        missing = tr("grade_not_scored") if indicator == "score" else tr("map_no_data")
        rows.append((NO_DATA_COLOUR, f"{missing}（{classes.no_data}）"))
    label = _indicator_label(indicator) + (f" · {layer_label(kind, lang())}" if kind else "")
    scheme_label = tr(f"map_scheme_{scheme}")
    legend = legend_rows_html(label, rows, tr("map_legend_note", scheme=scheme_label))
    caption = tr("map_classes_caption", label=label, scheme=scheme_label, k=classes.k, n=classes.no_data)
    return fill, legend, caption


def _change_colouring(units: pd.DataFrame, indicator: str, change: tuple[pd.DataFrame, int], scheme: str, cfg: AppMap,
                      kind: str | None, cost: bool) -> tuple[dict, str, str] | None:
    """The units coloured by their change against the earlier year: classes of the change (green the better way,
    by the indicator's direction), the value text "12.3（+1.2）"; units without both years are 无数据."""
    from maps.choropleth import NO_DATA_COLOUR, classify
    from maps.webmap import legend_rows_html
    from reports import display_value

    table, before = change
    delta = units["unit_id"].astype(str).map(dict(zip(table["unit_id"].astype(str), table["change"]))).astype("float64")
    classes = classify(delta, scheme=scheme, k=cfg.classes, reverse=cost)
    if classes.k == 0:
        st.info(tr("map_classes_empty"))
        return None
    keys = (units["unit_kind"].astype(str) + "|" + units["unit_id"].astype(str)).tolist()
    texts = [f"{display_value(indicator, v, lang())}（{_signed(indicator, d)}）" for v, d in zip(units[indicator], delta)]
    fill = dict(zip(keys, zip(classes.colour_of(), texts)))
    rows = [(c, "—" if span is None else f"{_signed(indicator, span[0])} – {_signed(indicator, span[1])}（{n}）")
            for c, span, n in zip(classes.colours, classes.ranges(), classes.counts)]
    if classes.no_data:
        rows.append((NO_DATA_COLOUR, f"{tr('map_no_data')}（{classes.no_data}）"))
    label = tr("map_change_label", indicator=_indicator_label(indicator), before=before) + \
        (f" · {layer_label(kind, lang())}" if kind else "")
    scheme_label = tr(f"map_scheme_{scheme}")
    legend = legend_rows_html(label, rows, tr("map_legend_note", scheme=scheme_label))
    caption = tr("map_classes_caption", label=label, scheme=scheme_label, k=classes.k, n=classes.no_data)
    return fill, legend, caption


def _signed(indicator: str, value: float) -> str:
    """A change as the indicator is shown, with its sign ("+1.2", "−3.4%")."""
    from reports import display_value

    if value is None or not np.isfinite(value):
        return "—"
    text = display_value(indicator, abs(float(value)), lang())
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def _range_text(indicator: str, span: tuple[float, float] | None, n: int) -> str:
    """A legend row: the values a class holds ("12.3 – 45.6（7）"), one value once ("48.2%（1）"), or empty."""
    from reports import display_value

    if span is None:
        return f"—（{n}）"
    lo, hi = (display_value(indicator, v, lang()) for v in span)
    return f"{lo}（{n}）" if lo == hi else f"{lo} – {hi}（{n}）"


FIND = "map_find"  # the search text
CHANGE = "map_change"  # colour by the change against the year before instead of the value


def _search_box(project: Project, height_px: int) -> None:
    """One search across units (name or id), firms (name or credit code) and 宗地号; a pick selects and zooms."""
    from analysis.identify import search

    text = st.text_input(tr("map_search"), key=FIND, placeholder=tr("map_search_placeholder"), help=tr("map_search_help"))
    if not text.strip():
        return
    inputs, ev = evaluation(project)
    hits = search(inputs, ev, text)
    if not auth.can(Permission.FIRM_DATA):  # a firm hit names the firm
        hits = [h for h in hits if h.kind != "firm"]
    if not hits:
        st.caption(tr("map_search_nothing", text=text))
        return
    labels = {h.key: f"{tr('map_search_kind_' + h.kind)} · {h.label}" for h in hits}
    if st.session_state.get(SEARCH) not in labels:
        st.session_state[SEARCH] = None
    st.selectbox(tr("map_search_results", n=len(hits)), [None, *labels], key=SEARCH,
                 format_func=lambda k: tr("map_search_pick") if k is None else labels[k],
                 on_change=_on_search, args=(project, height_px))


def _on_search(project: Project, height_px: int) -> None:
    from analysis.identify import bounds_of
    from maps.webmap import zoom_for_bounds

    key = st.session_state.get(SEARCH)
    if key is None:
        return
    st.session_state[SELECTED] = key
    inputs, _ = evaluation(project)
    bounds = bounds_of(inputs, key)
    if bounds is not None:  # a feature without geometry is selected but not zoomed to
        pad_x, pad_y = max(0.0, 0.001 - (bounds[2] - bounds[0]) / 2), max(0.0, 0.001 - (bounds[3] - bounds[1]) / 2)
        padded = (bounds[0] - pad_x, bounds[1] - pad_y, bounds[2] + pad_x, bounds[3] + pad_y)  # a point: ~200 m around
        centre, zoom = zoom_for_bounds(padded, width_px=900, height_px=height_px)
        st.session_state[VIEW] = ([round(float(centre[0]), 6), round(float(centre[1]), 6)], int(zoom))


def _feature_card(project: Project, ev, key: str) -> None:
    """Identify a parcel or a firm: everything the project knows about it, with the units it lies in."""
    from analysis.identify import firm_card, parcel_card
    from reports import display_value

    kind, _, ident = key.partition("|")
    inputs, _ = evaluation(project)
    card = parcel_card(inputs, ev, ident) if kind == "parcels" else firm_card(inputs, ev, ident)
    if card is None:
        st.warning(tr("map_unit_not_found", key=key))
        return
    if kind == "parcels":
        st.subheader(f"{tr('map_parcel')} {card['parcel_id']}")
        status = card["supply_status"]
        rows = [(tr("map_parcel_land_use"), f"{card['land_use'] or '—'} {card['land_use_name'] or ''}".strip()),
                (tr("map_parcel_area"), display_value("area_mu", card["area_mu"], lang())),
                (tr("map_parcel_owner"), " ".join(x for x in (card["owner_name"], card["owner_uscc"]) if x) or "—"),
                (tr("map_parcel_status"), tr(status) if status else "—"),
                (tr("map_parcel_supply_date"), card["supply_date"] or "—"),
                (tr("map_parcel_start_date"), card["agreed_start_date"] or "—"),
                (tr("map_parcel_approval"), card["approval_id"] or "—"),
                (tr("map_parcel_firms"), "、".join(f"{f['name']}（{f['class'] or '—'}）" for f in card["firms"]) or "—")]
    else:
        st.subheader(card["name"] or card["uscc"])
        rows = [(tr("map_firm_uscc"), card["uscc"]), (tr("map_firm_industry"), card["industry"] or "—"),
                (tr("map_firm_class"), card["class"] or tr("grade_not_scored")),
                (tr("map_firm_land"), display_value("land_mu", card["land_mu"], lang())),
                (tr("map_firm_parcels"), "、".join(card["parcels"][:10]) or "—")]
    st.dataframe(pd.DataFrame(rows, columns=[tr("exp_item"), tr("exp_value")]), hide_index=True, width="stretch")
    if card["units"]:
        st.markdown(f"**{tr('map_parcel_units')}**")
        st.dataframe(pd.DataFrame([{tr("exp_indicator"): layer_label(u["unit_kind"], lang()), tr("map_unit_name"): u["name"],
                                    tr("map_share_inside"): display_value("industrial_share", u["share_inside"], lang())}
                                   for u in card["units"]]), hide_index=True, width="stretch")
    st.button(tr("map_clear_selection"), on_click=_clear_selection, key="map_clear_feature")


def _clicked_unit(value: dict | None) -> str | None:
    """The map key of a click answer from st_folium when a new feature was clicked: a unit ("parks|YQ01"),
    a parcel ("parcels|宗地号") or a firm ("enterprises|credit code")."""
    if not value:
        return None
    drawing = value.get("last_active_drawing") or {}
    props = drawing.get("properties") or {}
    uk = props.get("uk")
    if uk is None and props.get("parcel_id") is not None:
        uk = f"parcels|{props['parcel_id']}"
    elif uk is None and props.get("uscc") is not None:
        uk = f"enterprises|{props['uscc']}"
    where = value.get("last_object_clicked")
    stamp = (uk, None if where is None else (round(where.get("lat", 0), 7), round(where.get("lng", 0), 7)))
    if uk is None or stamp == st.session_state.get(LAST_CLICK):
        return None
    st.session_state[LAST_CLICK] = stamp
    return uk


def _last_click_unit() -> str | None:
    stamp = st.session_state.get(LAST_CLICK)
    return stamp[0] if stamp else None


def render() -> None:
    from ui.text.chrome import chrome_css, show_chrome_css

    css = chrome_css(lang())  # Streamlit's own widget texts in Chinese
    show_chrome_css(css)
    project = current_project()
    pcfg = page_header(project, "page_map", with_region=True)
    warm_up(project)
    _map_view(project, pcfg)
    _prewarm_mapclassify()


@st.fragment
def _map_view(project: Project, pcfg: ProjectSettings) -> None:
    """The map with its sidebar controls, search and identify panel: a click, search, recolour or basemap change
    reruns this part only (the page's title, the language and method choices and the navigation stay as drawn),
    so an interaction sends a few deltas, not the whole page's."""
    from maps.basemaps import basemap_label, needs_gcj02
    from maps.layer_data import firm_class_string
    from maps.overlays import OverlayChannel
    from maps.publish import publish_payload
    from maps.webmap import build_map, overlay_spec
    from ui import view_state
    from ui.folium_map import prepare_map, show_map
    from ui.map_overlay import send_overlay

    start, started = time.perf_counter(), time.monotonic()
    cfg = project.config.app.map  # [app.map], validated when the toml is read
    basemap, tk, indicator, scheme = _sidebar(cfg)
    drawn_basemap = None if basemap == "tianditu" and not tk else basemap
    gcj = needs_gcj02(drawn_basemap)
    with st.spinner(tr("loading_layers")):
        layers = map_layers(project, gcj02=gcj)
    if not layers.layers:
        st.info(tr("no_layers"))
        return

    _resolve_unit(layers)
    clicked = _clicked_unit(st.session_state.get(MAP_KEY))  # the click that caused this rerun (on_change ran first)
    if clicked is not None:
        st.session_state[SELECTED] = clicked
    selected = st.session_state.get(SELECTED)
    colour_kind = _colour_kind(layers, selected) if indicator else None
    # a scorecard or a colouring needs the evaluation; else wait for the background run once per session
    # (firm classes on the first map), never again
    deadline = started + (0.0 if st.session_state.get("map_waited") else cfg.class_wait_s)
    st.session_state["map_waited"] = True
    ev = _evaluation(project) if indicator or selected else _evaluation_if_ready(project, deadline)
    change = _change_values(project, ev, indicator) if indicator and ev is not None and st.session_state.get(CHANGE) \
        else None
    colouring = _colouring(ev, indicator, scheme, cfg, colour_kind, change) if indicator and ev is not None else None
    firm_classes = firm_class_string(layers.firm_order, ev.firms["class"]) if ev is not None and layers.firm_order \
        and auth.can(Permission.FIRM_DATA) else None

    # 一张图: the map takes the page's whole width; the search sits above it, the identified feature below it
    search_col, map_col, panel_col = st.container(), st.container(), st.container()
    with search_col:
        _search_box(project, cfg.height_px)
    # firm points name their firms: a viewer's map has none (the role is part of the prepared map's key, so a
    # viewer never gets a map prepared for an analyst)
    firm_level = auth.can(Permission.FIRM_DATA)
    drawn_layers = layers.layers if firm_level else {k: v for k, v in layers.layers.items() if k != "enterprises"}
    with map_col:
        def build():
            fmap = build_map(drawn_layers, lang=lang(), basemap=drawn_basemap, tianditu_key=tk, bounds=layers.bounds,
                             demo=pcfg.demo, leaflet_urls=leaflet_urls(), publish=auth.session_publisher(publish_payload))
            fmap.add_child(OverlayChannel(MAP_KEY), name="landpark_overlay_channel")
            return fmap

        base = prepare_map((str(project.root), project.content_hash(), lang(), drawn_basemap, tk, gcj, pcfg.demo, firm_level),
                           build)
        spec = overlay_spec(fill=colouring[0] if colouring else None, legend_html=colouring[1] if colouring else None,
                            label=_indicator_label(indicator) if indicator else "",
                            # a viewer's map has no firm points to outline
                            select=None if not firm_level and (selected or "").startswith("enterprises|") else selected,
                            firm_classes=firm_classes, opacity=cfg.fill_opacity)
        centre, zoom = st.session_state.get(VIEW) or (None, None)
        # The map's own element stays the same from run to run (sent once, then as a reference); a click, search or
        # recolour sends only this overlay (ui.map_overlay), applied by the map's OverlayChannel.
        with st.container(gap=None):
            value = show_map(base, height=cfg.height_px, key=MAP_KEY,
                             returned_objects=["last_active_drawing", "last_object_clicked"])
            send_overlay(MAP_KEY, {"spec": spec, "view": None if centre is None else {"center": list(centre), "zoom": zoom}},
                         key=OVERLAY_KEY, prefetch=base.prefetch)
        if _clicked_unit(value) is not None:  # a click not seen through on_change: draw its outline too
            st.session_state[SELECTED] = _last_click_unit()
            st.rerun(scope="fragment")
        if colouring:
            st.caption(colouring[2])
        if gcj:
            st.caption(tr("map_amap_caption"))
        elif drawn_basemap:
            st.caption(tr("map_online_caption", name=basemap_label(drawn_basemap, lang())))
        if layers.parcels_merged:
            st.caption(tr("map_parcels_merged", n=layers.counts.get("parcels", 0), limit=cfg.parcel_limit))
        if ev is None and layers.firm_order:
            st.caption(tr("map_classes_pending"))

    with panel_col:
        selected = st.session_state.get(SELECTED)
        kind = selected.partition("|")[0] if selected else None
        if selected and kind in ("parcels", "enterprises"):
            if auth.check(Permission.FIRM_DATA):  # owners and firm figures (a ?unit=enterprises|… link lands here too)
                _feature_card(project, ev, selected)
        elif selected and ev is not None:
            _parcel_under_click(project, selected, gcj)
            _scorecard(ev, selected)
        elif not selected:
            st.info(tr("map_panel_hint"))

    with st.sidebar:
        with st.expander(tr("map_layer_counts")):
            # a Markdown table, not st.dataframe: the data grid's 1.2 MB of script would delay the first map
            rows = "".join(f"| {layer_label(k, lang())} | {n:,} |\n" for k, n in layers.counts.items())
            st.markdown(f"| {tr('layers')} | {tr('features')} |\n|:--|--:|\n{rows}")
        st.caption(tr("map_timing", s=time.perf_counter() - start, mb=layers.nbytes / 1e6))
    view_state.publish()  # a rerun of this part alone does not reach streamlit_app's publish


def _parcel_under_click(project: Project, selected: str, gcj: bool) -> None:
    """When a unit was selected by a click, name the parcel under the click with a button to identify it: parcels
    inside parks and protection lines stay identifiable although the unit answers the click."""
    from analysis.identify import parcel_at

    stamp = st.session_state.get(LAST_CLICK)
    if not stamp or stamp[0] != selected or stamp[1] is None:
        return
    inputs, _ = evaluation(project)
    lat, lon = stamp[1]
    parcel = parcel_at(inputs, lon, lat, gcj02=gcj)
    if parcel is not None:
        st.button(tr("map_parcel_under_click", id=parcel), key="map_parcel_under_click", on_click=_select_feature,
                  args=(f"parcels|{parcel}",))


def _select_feature(key: str) -> None:
    st.session_state[SELECTED] = key


def _clear_selection() -> None:
    st.session_state[SELECTED] = None
    st.session_state[SEARCH] = None
    st.session_state[FIND] = ""


def _scorecard(ev, key: str) -> None:
    """The selected unit's card: score, grade, rank, key indicators, member classes, and its explanation."""
    from analysis.unitcard import unit_card
    from reports import column_label, display_value, format_value

    kind, _, unit_id = key.partition("|")
    card = unit_card(ev, kind, unit_id)
    if card is None:
        st.warning(tr("map_unit_not_found", key=key))
        return
    st.subheader(card.name)
    st.caption(f"{layer_label(card.unit_kind, lang())} · {card.unit_id}"
               + (f" · {card.leading_industries}" if card.leading_industries else ""))
    if card.score is None:
        reason = card.reason(lang())
        st.warning(tr("map_card_no_score") + (f"（{reason}）" if reason and lang() == "zh" else f" ({reason})" if reason else ""))
    a, b, c = st.columns(3)
    a.metric(tr("map_card_score"), format_value(card.score, "score"))
    b.metric(tr("map_card_grade"), card.grade or (tr("grade_not_scored") if card.score is None else "—"))
    c.metric(tr("map_card_rank"), tr("map_rank_of", rank=card.rank if card.rank is not None else "—", n=card.ranked_in_kind))
    st.caption(tr("exp_rank_range").format(best=format_value(card.rank_best, "int"), worst=format_value(card.rank_worst, "int")))
    st.markdown(f"**{tr('map_card_indicators')}**")
    rows = [{tr("exp_indicator"): column_label(r.name, lang()),
             tr("exp_this_unit"): display_value(r.name, r.value, lang()),
             tr("exp_kind_median"): display_value(r.name, r.kind_median, lang()),
             tr("exp_rank_in_kind"): f"{r.rank}/{r.ranked}" if r.rank is not None else "—"} for r in card.indicators]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=35 * (len(rows) + 1) + 3)
    st.caption(tr("base_note"))  # per-mu figures: all firms unless marked 规上 (the twins of analysis/members.py)
    total = sum(card.class_counts.values())
    st.markdown(f"**{tr('map_card_classes', n=total)}**")
    st.markdown(" ".join(_class_badge(k, v) for k, v in card.class_counts.items()), unsafe_allow_html=True)
    explain = st.expander(tr("map_card_explain"), key="map_explain", on_change="rerun")
    if explain.open:  # computed only when opened
        with explain:
            _explanation(ev, card)
    st.button(tr("map_clear_selection"), on_click=_clear_selection, key="map_clear")


def _class_badge(cls: str, n: int) -> str:
    from maps.webmap import CLASS_COLOURS

    colour = CLASS_COLOURS.get(cls, "#999")
    text = "#fff" if cls in ("A", "D") else "#111"
    return (f'<span style="display:inline-block;background:{colour};color:{text};border-radius:3px;'
            f'padding:1px 7px;margin:0 4px 4px 0;font-size:0.85rem">{cls} {n}</span>')


def _explanation(ev, card) -> None:
    """analysis.explain.explain_unit as tables: indicators with formulas, the score breakdown, inputs, members."""
    from analysis.explain import explain_unit
    from reports import column_label, display_value, format_value

    doc = explain_unit(ev, card.unit_id, lang=lang())
    if doc["unit_kind"] != card.unit_kind:
        st.caption(tr("map_card_id_mismatch", id=card.unit_id))
    lines = [f"- **{column_label(i['indicator'], lang())}** = {display_value(i['indicator'], i['value'], lang())}  \n"
             f"  <span style='color:#666;font-size:0.85em'>{html.escape(i['formula'])}</span>" for i in doc["indicators"]]
    st.markdown("\n".join(lines), unsafe_allow_html=True)
    comp = doc["composite"]
    st.markdown(f"**{tr('map_card_breakdown')}** — {comp['formula']}")
    st.dataframe(pd.DataFrame([{tr("exp_indicator"): column_label(b["indicator"], lang()),
                                tr("exp_value"): display_value(b["indicator"], b["value"], lang()),
                                tr("exp_benchmark"): display_value(b["indicator"], b["benchmark"], lang()),
                                tr("map_card_normalised"): format_value(b["normalised"], "far"),
                                tr("exp_weight"): format_value(b["weight"], "far"),
                                tr("map_card_contribution"): format_value(b["contribution"], "score")}
                               for b in comp["breakdown"]]), hide_index=True, width="stretch")
    st.markdown(f"**{tr('map_card_inputs')}**")
    st.dataframe(pd.DataFrame([{tr("exp_item"): column_label(k, lang()), tr("exp_value"): display_value(k, v, lang())}
                               for k, v in doc["inputs"].items()]), hide_index=True, width="stretch")
    members = pd.DataFrame(doc["members"])
    st.markdown(f"**{tr('map_card_members', n=len(members))}**")
    if len(members) and auth.check(Permission.FIRM_DATA):  # member firms with their tax figures
        shown = members[[c for c in ("uscc", "name", "class", "land_mu", "tax_10k_yuan", "share_inside") if c in members]]
        st.dataframe(shown.rename(columns={c: column_label(c, lang()) for c in shown.columns}), hide_index=True,
                     width="stretch", height=240)
    if doc["encroachments"]:
        enc = pd.DataFrame(doc["encroachments"])
        st.markdown(f"**{tr('map_card_encroachments', n=len(enc))}**")
        st.dataframe(enc, hide_index=True, width="stretch")
