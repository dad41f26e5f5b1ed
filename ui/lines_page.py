"""保护线版本: two stored versions of the protection lines side by side — the area of each level (一级/二级) before
and after, the pieces removed and added with the parcels and units they touch, the 占补平衡 ledger, the industrial
share per line against the [lines] floors, the level rules, new encroachments, and a before/after map.

Everything shown comes from `analysis.line_history.compare_versions` and `analysis.line_versions.to_json` (what
`landpark lines --json` prints), cached per pair of versions and language; the page only lays the figures out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import ui.text.lines_page  # noqa: F401  (registers the linespage_ text)
from layers.project import Project
from ui.state import cached, current_project, lang, leaflet_urls, page_header, tr

LINES = "protection_lines"
FROM_KEY, TO_KEY = "linespage_from_version", "linespage_to_version"  # session keys of the two version choices
VIEW_KEY = "linespage_map_view"  # session key of the map's view: 0 = every line, else a change id
# Map layout (pure display choices, not domain settings): height, simplification tolerance in metres, styles.
MAP_HEIGHT_PX, MAP_WIDTH_PX = 560, 1100  # MAP_WIDTH_PX: the width assumed when fitting a view (wide layout)
VIEW_PADDING_PX, VIEW_MAX_ZOOM = 60, 17   # a change shown alone: margin around it and the closest zoom
SIMPLIFY_M = 1.0
REMOVED_COLOUR, ADDED_COLOUR, BEFORE_COLOUR = "#ff7f00", "#33a02c", "#222222"
BEFORE_STYLE = {"color": BEFORE_COLOUR, "weight": 2, "dashArray": "6 5", "fillOpacity": 0.0}
AFTER_STYLE = {"weight": 1.5, "fillOpacity": 0.25}
CHANGE_STYLE = {"weight": 3, "fillOpacity": 0.75}
# Verdict colours of the ledger (background, text): a layout choice.
VERDICT_COLOURS = {"balanced": ("#d9f2e3", "#1e6b3a"), "unbalanced": ("#fbe0e0", "#a11d1d")}


# --------------------------------------------------------------------------- versions


def _line_versions(project: Project) -> pd.DataFrame:
    """The stored versions of the protection lines, oldest first (empty when the layer is absent)."""
    versions = project.versions()
    return versions[versions["layer"] == LINES].sort_values("version").reset_index(drop=True)


def _label(row: pd.Series) -> str:
    """第 2 版（2024-06-30 起）, with （当前） for the version analysis reads by default."""
    from analysis.line_history import version_label

    return version_label(row, lang()) + (tr("linespage_current") if bool(row["current"]) else "")


def _choose(rows: pd.DataFrame) -> tuple[int, int]:
    """The two selectboxes (earlier, later); by default the current version and the one before it."""
    numbers = [int(v) for v in rows["version"]]
    labels = {int(r["version"]): _label(r) for _, r in rows.iterrows()}
    current = rows.loc[rows["current"].astype(bool), "version"]
    later = int(current.iloc[-1]) if len(current) else numbers[-1]
    earlier = max((n for n in numbers if n < later), default=numbers[0])
    for key, default in ((FROM_KEY, earlier), (TO_KEY, later)):
        if st.session_state.get(key) not in numbers:
            st.session_state[key] = default
    left, right = st.columns(2)
    a = left.selectbox(tr("linespage_from"), numbers, key=FROM_KEY, format_func=labels.get)
    b = right.selectbox(tr("linespage_to"), numbers, key=TO_KEY, format_func=labels.get)
    return int(a), int(b)


def _comparison(project: Project, earlier: int, later: int) -> tuple[Any, dict[str, Any]]:
    """(LineComparison, its JSON document) of the two versions in the page's language, cached per content hash."""
    from analysis.line_history import compare_versions
    from analysis.line_versions import to_json

    language = lang()

    def compute(p: Project) -> tuple[Any, dict[str, Any]]:
        """Computed once per content hash (see `cached`)."""
        cmp = compare_versions(p, earlier, later, lang=language)
        return cmp, to_json(cmp)

    return cached(f"lines:{earlier}>{later}:{language}", project, compute)


# --------------------------------------------------------------------------- figures


def _mu(value: Any) -> str:
    """亩 with one decimal and thousands separators (no "-0.0")."""
    from i18n.numbers import format_mu

    return format_mu(value if value is None else round(float(value), 1) + 0.0)


def _sep() -> str:
    """The list separator of the language."""
    return "、" if lang() == "zh" else ", "


def _ids(ids: list[str]) -> str:
    """Ids joined, the em dash for none."""
    from i18n.numbers import MISSING

    return _sep().join(ids) if ids else MISSING


def _totals(doc: dict[str, Any]) -> None:
    """Metrics (areas before/after, removed, added) and the two verdicts: area not smaller, and the ledger."""
    from analysis.line_versions import code_labels

    total, levels = doc["total"], doc["levels"]
    cols = st.columns(4)
    cols[0].metric(tr("linespage_metric_before"), _mu(total["area_before_mu"]))
    cols[1].metric(tr("linespage_metric_after"), _mu(total["area_after_mu"]), delta=_mu(total["net_mu"]))
    cols[2].metric(tr("linespage_metric_removed"), _mu(sum(x["removed_mu"] for x in levels)))
    cols[3].metric(tr("linespage_metric_added"), _mu(sum(x["added_mu"] for x in levels)))
    values = {"before": _mu(total["area_before_mu"]), "after": _mu(total["area_after_mu"])}
    if total["not_decreasing"]:
        st.success(tr("linespage_total_ok", net=_mu(total["net_mu"]), **values))
    else:
        st.error(tr("linespage_total_bad", loss=_mu(-total["net_mu"]), **values))
    level_names = code_labels(lang())["level"]
    short = [x for x in levels if x["verdict"] == "unbalanced"]
    if not short:
        st.success(tr("linespage_balance_ok"))
    else:
        st.error(tr("linespage_balance_bad", levels=_sep().join(
            tr("linespage_level_short", level=level_names[x["level"]], shortfall=_mu(x["shortfall_mu"])) for x in short)))


def _label_style(colours: dict[str, tuple[str, str]]):
    """A Styler function colouring a cell by the label it starts with ({label: (background, text)}); longer
    labels are tried first, so 不平衡（缺口 …） is never taken for 平衡."""
    ordered = sorted(colours.items(), key=lambda kv: -len(kv[0]))

    def style(value: Any) -> str:
        """The style of one cell or feature."""
        for label, (bg, fg) in ordered:
            if isinstance(value, str) and value.startswith(label):
                return f"background-color: {bg}; color: {fg}; font-weight: 600"
        return ""

    return style


def _status_colours() -> dict[str, tuple[str, str]]:
    """Colours of the verdict and status labels in the page's language (good: green, bad: red)."""
    from analysis.line_versions import code_labels

    labels = code_labels(lang())
    return {labels["verdict"]["balanced"]: VERDICT_COLOURS["balanced"], labels["verdict"]["unbalanced"]:
            VERDICT_COLOURS["unbalanced"], labels["status"]["pass"]: VERDICT_COLOURS["balanced"],
            labels["status"]["fail"]: VERDICT_COLOURS["unbalanced"]}


def _show(frame: pd.DataFrame, key: str, *, numbers: tuple[str, ...] = (), coloured: tuple[str, ...] = ()) -> None:
    """A table with `numbers` shown with one decimal (blank when missing) and the `coloured` columns' verdicts
    and statuses in colour."""
    styled = frame.style
    if numbers:
        styled = styled.format("{:,.1f}", subset=list(numbers), na_rep="")
    if coloured:
        styled = styled.map(_label_style(_status_colours()), subset=list(coloured))
    st.dataframe(styled, hide_index=True, width="stretch", key=key)


def _ledger(doc: dict[str, Any]) -> None:
    """The ledger per level: verdict, areas, net, not smaller, removed, added, from stricter, balance, shortfall (the
    totals are in the verdicts above the table)."""
    from analysis.line_versions import code_labels

    labels = code_labels(lang())
    yes, no = tr("lines_yes"), tr("lines_no")
    levels = doc["levels"]

    def verdict(x: dict[str, Any]) -> str:
        """平衡, or 不平衡 with the shortfall."""
        if x["verdict"] == "balanced":
            return labels["verdict"]["balanced"]
        return tr("linespage_verdict_short", shortfall=_mu(x["shortfall_mu"]))

    rows = {
        tr("lines_col_level"): [labels["level"][x["level"]] for x in levels],
        tr("lines_col_verdict"): [verdict(x) for x in levels],
        tr("linespage_col_area_before"): [x["area_before_mu"] for x in levels],
        tr("linespage_col_area_after"): [x["area_after_mu"] for x in levels],
        tr("linespage_col_net"): [x["net_mu"] for x in levels],
        tr("lines_col_not_decreasing"): [yes if x["not_decreasing"] else no for x in levels],
        tr("linespage_col_removed"): [x["removed_mu"] for x in levels],
        tr("linespage_col_added"): [x["added_mu"] for x in levels],
        tr("linespage_col_from_stricter"): [x["from_stricter_mu"] for x in levels],
        tr("linespage_col_balance"): [x["balance_mu"] for x in levels],
        tr("linespage_col_shortfall"): [x["shortfall_mu"] for x in levels],
    }
    frame = pd.DataFrame(rows)
    numbers = tuple(c for c in frame.columns if c.endswith("（亩）") or c.endswith("(mu)"))
    st.subheader(tr("linespage_ledger"))
    _show(frame, "linespage_ledger_table", numbers=numbers, coloured=(tr("lines_col_verdict"),))
    for x in levels:
        level = labels["level"][x["level"]]
        if x["verdict"] == "unbalanced":
            st.caption(tr("lines_shortfall", level=level, removed=_mu(x["removed_mu"]),
                          available=_mu(x["added_mu"] + x["from_stricter_mu"]), shortfall=_mu(x["shortfall_mu"])))
        sl = x["slivers"]
        if sl["removed_count"] or sl["added_count"]:
            st.caption(tr("lines_slivers", level=level, n=sl["removed_count"] + sl["added_count"],
                          removed=_mu(sl["removed_mu"]), added=_mu(sl["added_mu"])))


def _changes(doc: dict[str, Any]) -> None:
    """Every removed and added piece: kind, level, 亩, other level held, lines before/after, parcels and units."""
    from analysis.line_versions import code_labels

    labels = code_labels(lang())
    changes = [c for x in doc["levels"] for c in x["changes"]]
    st.subheader(tr("lines_changes", n=len(changes)))
    if not changes:
        st.info(tr("linespage_changes_none"))
        return
    frame = pd.DataFrame({
        tr("lines_col_change"): [c["change_id"] for c in changes],
        tr("lines_col_kind"): [labels["kind"][c["kind"]] for c in changes],
        tr("lines_col_level"): [labels["level"][c["level"]] for c in changes],
        tr("lines_col_area"): [c["area_mu"] for c in changes],
        tr("lines_col_other_levels"): [_sep().join(f"{labels['level'][k]} {_mu(v)}" for k, v in c["other_levels_mu"].items())
                                       or _ids([]) for c in changes],
        tr("lines_col_before_lines"): [_ids(c["before_line_ids"]) for c in changes],
        tr("lines_col_after_lines"): [_ids(c["after_line_ids"]) for c in changes],
        tr("lines_col_units"): [_ids(c["unit_ids"]) for c in changes],
        tr("linespage_col_parcel_count"): [len(c["parcel_ids"]) for c in changes],
        tr("lines_col_parcels"): [_ids(c["parcel_ids"]) for c in changes],
    })
    _show(frame, "linespage_changes_table", numbers=(tr("lines_col_area"),))


def _shares(doc: dict[str, Any]) -> None:
    """Each line's area and industrial share before and after (in an expander: one row per line)."""
    from analysis.line_versions import code_labels

    level_names = code_labels(lang())["level"]
    with st.expander(tr("linespage_shares"), expanded=False):
        if not doc["parcels_given"]:
            st.info(tr("lines_no_parcels"))
            return
        shares = doc["line_shares"]

        def level(code: str | None) -> str:
            """A level's display name (the em dash for none)."""
            from i18n.numbers import MISSING

            return MISSING if code is None else level_names.get(code, code)

        def pct(value: float | None) -> float | None:
            """A share as a percentage (None stays None)."""
            return None if value is None else value * 100

        frame = pd.DataFrame({
            tr("lines_col_line"): [x["line_id"] for x in shares],
            tr("linespage_col_name"): [x["name"] or "" for x in shares],
            tr("lines_col_level_before"): [level(x["level_before"]) for x in shares],
            tr("lines_col_level_after"): [level(x["level_after"]) for x in shares],
            tr("linespage_col_area_before_line"): [x["area_before_mu"] for x in shares],
            tr("linespage_col_area_after_line"): [x["area_after_mu"] for x in shares],
            tr("lines_col_share_before"): [pct(x["share_before"]) for x in shares],
            tr("lines_col_share_after"): [pct(x["share_after"]) for x in shares],
        })
        area = st.column_config.NumberColumn(format="%.1f")
        share = st.column_config.NumberColumn(format="%.1f%%")
        st.dataframe(frame, hide_index=True, width="stretch", key="linespage_shares_table", column_config={
            tr("linespage_col_area_before_line"): area, tr("linespage_col_area_after_line"): area,
            tr("lines_col_share_before"): share, tr("lines_col_share_after"): share})


def _floors(doc: dict[str, Any]) -> None:
    """Each [lines] floor: measure, level, floor, value and status before and after, lines below it, source."""
    from analysis.line_versions import code_labels
    from i18n.numbers import format_ratio

    labels = code_labels(lang())
    st.subheader(tr("linespage_floors"))
    floors = doc["floors"]
    if not floors:
        st.caption(tr("lines_no_floors"))
        return

    def failing(v: dict[str, Any]) -> str:
        """The lines below the floor with their shares (the em dash for none)."""
        return _sep().join(f"{x['line_id']} {format_ratio(x['share'])}" for x in v["failing"]) or _ids([])

    frame = pd.DataFrame({
        tr("linespage_col_name"): [f["name"] for f in floors],
        tr("linespage_col_share_base"): ["≥ " + format_ratio(f["share"]) for f in floors],
        tr("linespage_col_value_before"): [format_ratio(f["before"]["value"]) for f in floors],
        tr("linespage_col_status_before"): [labels["status"][f["before"]["status"]] for f in floors],
        tr("linespage_col_value_after"): [format_ratio(f["after"]["value"]) for f in floors],
        tr("linespage_col_status_after"): [labels["status"][f["after"]["status"]] for f in floors],
        tr("linespage_col_failing"): [failing(f["after"]) for f in floors],
        tr("linespage_col_scope"): [labels["scope"][f["scope"]] for f in floors],
        tr("linespage_col_applies"): [labels["level"][f["level"]] for f in floors],
        tr("linespage_col_source"): [f["source"] for f in floors],
    })
    _show(frame, "linespage_floors_table",
          coloured=(tr("linespage_col_status_before"), tr("linespage_col_status_after")))


def _rules(doc: dict[str, Any]) -> None:
    """Each level rule: level, what it checks with the values before and after, status, lines over it, source."""
    from analysis.line_versions import code_labels
    from i18n.numbers import format_mu, format_ratio

    labels = code_labels(lang())
    st.subheader(tr("linespage_rules"))
    rules = doc["rules"]
    if not rules:
        st.caption(tr("lines_no_rules"))
        return

    def check(r: dict[str, Any]) -> str:
        """What the rule measures, with its values before and after."""
        fmt = format_ratio if r["kind"] == "max_category_share" else format_mu
        return labels["rule"][r["kind"]].format(before=fmt(r["before"]), after=fmt(r["after"]), share=format_ratio(r["share"]))

    def items(r: dict[str, Any]) -> str:
        """The lines over the rule with their value (the em dash for none)."""
        return _sep().join(f"{i['line_id']} " + (format_ratio(i["value"]) if "value" in i else
                                                 f"{format_mu(i['area_mu'])} {tr('lines_mu')}") for i in r["items"]) or _ids([])

    frame = pd.DataFrame({
        tr("linespage_col_name"): [r["name"] for r in rules],
        tr("linespage_col_status"): [labels["status"][r["status"]] for r in rules],
        tr("linespage_col_check"): [check(r) for r in rules],
        tr("linespage_col_items"): [items(r) for r in rules],
        tr("linespage_col_applies"): [labels["level"][r["level"]] for r in rules],
        tr("linespage_col_source"): [r["source"] for r in rules],
    })
    _show(frame, "linespage_rules_table", coloured=(tr("linespage_col_status"),))


def _encroachments(doc: dict[str, Any]) -> None:
    """Parcels of encroachment categories inside red lines now that were not before: parcel, line, category, 亩."""
    from analysis.supply_mix import code_labels as supply_labels
    from i18n.numbers import MISSING

    st.subheader(tr("linespage_encroachments"))
    if not doc["parcels_given"]:
        st.caption(tr("lines_no_parcels"))
        return
    enc = doc["encroachments"]
    st.caption(tr("lines_encroachments", before=enc["before_count"], after=enc["after_count"], new=len(enc["new"])))
    if not enc["new"]:
        st.info(tr("linespage_no_encroachments"))
        return
    categories = supply_labels(lang())["category"]
    frame = pd.DataFrame({
        tr("lines_col_parcel"): [x["parcel_id"] for x in enc["new"]],
        tr("lines_col_line"): [x["line_id"] for x in enc["new"]],
        tr("lines_col_category"): [categories.get(x["land_use_category"] or "unknown", MISSING) for x in enc["new"]],
        tr("lines_col_area"): [x["area_mu"] for x in enc["new"]],
    })
    _show(frame, "linespage_encroachments_table", numbers=(tr("lines_col_area"),))


# --------------------------------------------------------------------------- map


def _map_data(project: Project, earlier: int, later: int, cmp: Any) -> dict[str, Any]:
    """The map's GeoJSON in EPSG:4326 (simplified, rounded): both versions' lines, the removed and added pieces,
    and the lon/lat bounds of everything; cached with the comparison."""
    import geopandas as gpd

    from analysis.line_versions import code_labels
    from maps.overlays import lonlat_geojson

    language = lang()

    def compute(p: Project) -> dict[str, Any]:
        """Computed once per content hash (see `cached`)."""
        labels = code_labels(language)
        out: dict[str, Any] = {}
        frames = []
        for key, version in (("before", earlier), ("after", later)):
            lines = p.read_layer(LINES, version=version)
            lines = lines[~(lines.geometry.isna() | lines.geometry.is_empty).to_numpy()]
            shown = gpd.GeoDataFrame({
                "line_id": lines["line_id"].astype(str).to_numpy(),
                "name": lines["name"].astype(object).where(lines["name"].notna(), "").to_numpy() if "name" in lines
                else [""] * len(lines),
                "level_code": lines["level"].astype(str).str.strip().str.lower().to_numpy(),
            }, geometry=lines.geometry.to_numpy(), crs=lines.crs)
            shown["level"] = shown["level_code"].map(labels["level"]).fillna(shown["level_code"])
            out[key] = lonlat_geojson(shown, ["line_id", "name", "level", "level_code"], simplify_m=SIMPLIFY_M)
            frames.append(shown.geometry)
        changes = cmp.changes
        for kind in ("removed", "added"):
            part = changes[(changes["kind"] == kind).to_numpy()]
            shown = gpd.GeoDataFrame({
                "change_id": part["change_id"].astype(int).to_numpy(),
                "kind": [labels["kind"][kind]] * len(part),
                "level": part["level"].map(labels["level"]).to_numpy(),
                "area_mu": part["area_mu"].astype(float).round(1).to_numpy(),
            }, geometry=part.geometry.to_numpy(), crs=changes.crs)
            out[kind] = lonlat_geojson(shown, ["change_id", "kind", "level", "area_mu"], simplify_m=SIMPLIFY_M)
            out[f"{kind}_count"] = len(part)
        lonlat = changes.geometry.to_crs(4326).bounds if len(changes) and changes.crs is not None else None
        out["change_bounds"] = {} if lonlat is None else {
            int(i): tuple(float(v) for v in row) for i, row in zip(changes["change_id"], lonlat.to_numpy())}
        every = pd.concat([f.to_crs(4326) for f in frames if f.crs is not None and len(f)], ignore_index=True) \
            if any(len(f) for f in frames) else None
        out["bounds"] = None if every is None or not len(every) else tuple(float(v) for v in every.total_bounds)
        return out

    return cached(f"lines_map:{earlier}>{later}:{language}", project, compute)


def _map(project: Project, earlier: int, later: int, cmp: Any, doc: dict[str, Any]) -> None:
    """The before/after map: earlier lines dashed, later lines filled by level, removed and added pieces on top."""
    import folium
    from streamlit_folium import st_folium

    from maps.overlays import corner_legend, layer_control_last
    from maps.webmap import LINE_COLOURS, build_map

    st.subheader(tr("linespage_map"))
    data = _map_data(project, earlier, later, cmp)
    if data["bounds"] is None:
        st.info(tr("linespage_map_empty"))
        return
    st.caption(tr("linespage_map_caption"))
    centre, zoom = _view(doc, data)
    fmap = build_map({}, lang=lang(), bounds=data["bounds"], demo=project.config.project.demo,
                     leaflet_urls=leaflet_urls(), legend=False)
    line_tip = [tr("lines_col_line"), tr("linespage_col_name"), tr("lines_col_level")]
    change_tip = [tr("lines_col_change"), tr("lines_col_kind"), tr("lines_col_level"), tr("lines_col_area")]

    def line_style(base: dict[str, Any]):
        """Lines drawn in their level's colour over `base`."""
        def style(feature: dict) -> dict[str, Any]:
            """The style of one cell or feature."""
            colour = LINE_COLOURS.get(feature["properties"].get("level_code"), "#333333")
            return {**base, "color": colour, "fillColor": colour}
        return style

    def add(name: str, geojson: dict, style, fields: list[str], aliases: list[str]) -> None:
        """One toggleable layer of the map with its tooltip."""
        group = folium.FeatureGroup(name=name, show=True)
        folium.GeoJson(geojson, style_function=style,
                       tooltip=folium.GeoJsonTooltip(fields, aliases=aliases)).add_to(group)
        group.add_to(fmap)

    if data["after"]["features"]:
        add(tr("linespage_layer_after", label=doc["after"]["label"]), data["after"], line_style(AFTER_STYLE),
            ["line_id", "name", "level"], line_tip)
    for kind, colour, key in (("removed", REMOVED_COLOUR, "linespage_layer_removed"),
                              ("added", ADDED_COLOUR, "linespage_layer_added")):
        if data[f"{kind}_count"]:
            style = {**CHANGE_STYLE, "color": colour, "fillColor": colour}
            add(tr(key, n=data[f"{kind}_count"]), data[kind], lambda f, s=style: dict(s),
                ["change_id", "kind", "level", "area_mu"], change_tip)
    if data["before"]["features"]:
        add(tr("linespage_layer_before", label=doc["before"]["label"]), data["before"], lambda f: dict(BEFORE_STYLE),
            ["line_id", "name", "level"], line_tip)
    layer_control_last(fmap, collapsed=False)
    fmap.get_root().add_child(corner_legend(tr("linespage_legend"), [
        (BEFORE_COLOUR, tr("linespage_legend_before"), "line"),
        (LINE_COLOURS["red"], tr("linespage_legend_red"), "fill"),
        (LINE_COLOURS["blue"], tr("linespage_legend_blue"), "fill"),
        (REMOVED_COLOUR, tr("linespage_legend_removed"), "fill"),
        (ADDED_COLOUR, tr("linespage_legend_added"), "fill")], element_id="landpark-lines-legend"))
    st_folium(fmap, key=f"lines-map-{earlier}-{later}-{lang()}", height=MAP_HEIGHT_PX, use_container_width=True,
              returned_objects=[], center=centre, zoom=zoom)


def _view(doc: dict[str, Any], data: dict[str, Any]) -> tuple[Any, int | None]:
    """The map's view chooser (every line, or one change up close) and the (centre, zoom) it asks for."""
    from analysis.line_versions import code_labels
    from maps.overlays import view_for_bounds

    labels = code_labels(lang())
    changes = {c["change_id"]: c for x in doc["levels"] for c in x["changes"]}
    options = [0, *sorted(i for i in changes if i in data["change_bounds"])]
    if st.session_state.get(VIEW_KEY) not in options:
        st.session_state[VIEW_KEY] = 0

    def label(i: int) -> str:
        """The option's text: every line, or the change's number, kind, level and 亩."""
        if not i:
            return tr("linespage_view_all")
        c = changes[i]
        return tr("linespage_view_change", id=i, kind=labels["kind"][c["kind"]], level=labels["level"][c["level"]],
                  area=_mu(c["area_mu"]))

    chosen = st.columns([2, 3])[0].selectbox(tr("linespage_view"), options, key=VIEW_KEY, format_func=label)
    bounds = data["change_bounds"][chosen] if chosen else data["bounds"]
    centre, zoom = view_for_bounds(bounds, MAP_WIDTH_PX, MAP_HEIGHT_PX, padding_px=VIEW_PADDING_PX, max_zoom=VIEW_MAX_ZOOM)
    return centre, zoom


# --------------------------------------------------------------------------- page


def render() -> None:
    """The page: version choices, then the verdicts, ledger, changes, map, floors, rules, encroachments, shares."""
    project = current_project()
    page_header(project, "linespage_title", with_region=True)
    st.caption(tr("linespage_caption"))
    rows = _line_versions(project)
    if not len(rows):
        st.info(tr("linespage_no_layer"))
        return
    if len(rows) < 2:
        st.info(tr("linespage_one_version", label=_label(rows.iloc[0])))
        return
    earlier, later = _choose(rows)
    if earlier == later:
        st.warning(tr("linespage_same"))
        return
    if earlier > later:
        st.warning(tr("linespage_reversed"))
    try:
        cmp, doc = _comparison(project, earlier, later)
    except Exception as exc:  # any failure reaches the user as text, never a traceback
        if type(exc).__name__ in ("StopException", "RerunException"):
            raise
        from spatial.errors import LandparkError, text

        detail = text(exc, lang()) if isinstance(exc, LandparkError) else f"{type(exc).__name__}: {exc}"
        st.error(tr("linespage_failed", detail=detail))
        return
    st.caption(tr("lines_header", before=doc["before"]["label"], after=doc["after"]["label"],
                  n_before=doc["before"]["lines"], n_after=doc["after"]["lines"]))
    st.caption(tr("lines_definition", min=f"{doc['settings']['min_change_mu']:g}",
                  tol=f"{doc['settings']['balance_tolerance_mu']:g}"))
    _totals(doc)
    _ledger(doc)
    _changes(doc)
    _map(project, earlier, later, cmp, doc)
    _floors(doc)
    _rules(doc)
    _encroachments(doc)
    _shares(doc)

