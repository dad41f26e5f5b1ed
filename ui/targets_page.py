"""目标进度: every [targets] entry of landpark.toml measured on the evaluation year chosen in the sidebar — indicator
targets grouped by scope, the plan checks (unit sizes and counts, protection-line totals) with the units they list,
and the yearly supply floors — each with its value, target, gap, coloured status and source.

Everything shown comes from `analysis.targets.project_progress` (the same call `landpark targets` makes), on the
page-wide cached evaluation of the chosen year and method (ui/state.py); the results are cached per year and method.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import i18n.targets_text  # noqa: F401  (registers the targets_ text)
from layers.project import Project
from ui.state import cached, chosen_method, chosen_year, current_project, evaluation_or_stop, lang, page_header, tr

# Status colours of the tables (background, text): a layout choice, not a domain setting.
STATUS_COLOURS = {"met": ("#d9f2e3", "#1e6b3a"), "on_track": ("#dcecfb", "#1d4f86"),
                  "behind": ("#fbe0e0", "#a11d1d"), "no_data": ("#ececec", "#555555")}


def _progress(project: Project) -> list[dict[str, Any]]:
    """The targets as `landpark targets --json` gives them, for the year and method of the sidebar (cached)."""
    from analysis.targets import project_progress, to_json

    inputs, ev = evaluation_or_stop(project)
    year = chosen_year()

    def compute(p: Project) -> list[dict[str, Any]]:
        return to_json(project_progress(p, year=year, inputs=inputs, evaluation=ev))

    return cached(f"targets:{chosen_method()}@{year or ''}", project, compute)


def _status_style(labels: dict[str, str]):
    """A Styler function colouring a status cell by the status its label stands for."""
    by_label = {label: STATUS_COLOURS[code] for code, label in labels.items()}

    def style(label: Any) -> str:
        colours = by_label.get(label)
        return f"background-color: {colours[0]}; color: {colours[1]}; font-weight: 600" if colours else ""

    return style


def _table(items: list[dict[str, Any]], key: str, *, with_scope: bool = False) -> None:
    """One table of targets: name, year, base, value, target, gap, status (coloured) and source."""
    from analysis.targets import STATUSES, base_label, format_gap, name_text, scope_label, status_label, target_text, value_text

    language = lang()
    rows = {tr("targets_col_name"): [name_text(i, language) for i in items]}
    if with_scope:
        rows[tr("targets_col_scope")] = [scope_label(i["scope"], i.get("scope_name"), language) for i in items]
    rows.update({
        tr("targets_col_year"): [str(i["year"]) for i in items],
        tr("targets_col_base"): [base_label(i["base"], language) or "—" for i in items],
        tr("targets_col_value"): [value_text(i, language) for i in items],
        tr("targets_col_target"): [target_text(i, language) for i in items],
        tr("targets_col_gap"): [format_gap(i["gap"], i["unit"], language) for i in items],
        tr("targets_col_status"): [status_label(i["status"], language) for i in items],
        tr("targets_col_source"): [i["source"] for i in items],
    })
    frame = pd.DataFrame(rows)
    labels = {s: status_label(s, language) for s in STATUSES}
    styled = frame.style.map(_status_style(labels), subset=[tr("targets_col_status")])
    st.dataframe(styled, hide_index=True, width="stretch", key=key)


def _notes(items: list[dict[str, Any]]) -> None:
    """The lines under each target that has any (path, reason, firms counted), as captions."""
    from analysis.targets import detail_lines, name_text

    for item in items:
        lines = [x for x in detail_lines(item, lang()) if item["kind"] not in ("size", "line_total")]
        if lines:
            st.caption(f"**{name_text(item, lang())}**：" + "；".join(x.strip() for x in lines)
                       if lang() == "zh" else f"**{name_text(item, lang())}**: " + "; ".join(x.strip() for x in lines))


def _metrics(items: list[dict[str, Any]]) -> None:
    """How many targets are met, on track, behind and without data."""
    cols = st.columns(4)
    for col, status in zip(cols, ("met", "on_track", "behind", "no_data")):
        col.metric(tr(f"targets_page_metrics_{status}"), sum(1 for i in items if i["status"] == status))


def _indicators(items: list[dict[str, Any]]) -> None:
    """Indicator targets, one table per scope (district first, then unit kinds, units, clusters)."""
    from analysis.targets import scope_label

    st.subheader(tr("targets_page_indicators"))
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(scope_label(item["scope"], item.get("scope_name"), lang()), []).append(item)
    for i, (label, group) in enumerate(groups.items()):
        st.markdown(f"**{label}**")
        _table(group, f"targets_indicators_{i}")
        _notes(group)


def _unit_sizes(item: dict[str, Any], key: str) -> None:
    """The units of a size check with their area and whether they fall within the range (those outside first)."""
    units = item["detail"].get("units", [])
    if not units:
        return
    frame = pd.DataFrame({
        tr("targets_col_unit"): [f"{u['name']}（{u['unit_id']}）" if lang() == "zh" else f"{u['name']} ({u['unit_id']})"
                                 for u in units],
        tr("targets_col_area_mu"): [u["area_mu"] for u in units],
        tr("targets_col_area_km2"): [u["area_km2"] for u in units],
        tr("targets_col_gap_mu"): [u["gap_mu"] for u in units],
        tr("targets_col_ok"): [u["ok"] for u in units],
    }).sort_values(tr("targets_col_ok"), kind="stable")
    st.dataframe(frame, hide_index=True, width="stretch", key=key, column_config={
        tr("targets_col_area_mu"): st.column_config.NumberColumn(format="%.1f"),
        tr("targets_col_area_km2"): st.column_config.NumberColumn(format="%.2f"),
        tr("targets_col_gap_mu"): st.column_config.NumberColumn(format="%+.1f"),
        tr("targets_col_ok"): st.column_config.CheckboxColumn()})


def _checks(items: list[dict[str, Any]]) -> None:
    """Plan checks: unit sizes and counts per kind, with each check's units listed, and protection-line totals."""
    from analysis.targets import detail_lines, format_value, name_text

    st.subheader(tr("targets_page_checks"))
    _table(items, "targets_checks", with_scope=True)
    for i, item in enumerate(items):
        if item["kind"] == "size":
            outside = len(item["detail"].get("outside", []))
            with st.expander(f"{name_text(item, lang())} · {tr('targets_page_units')}", expanded=outside > 0):
                d = item["detail"]
                st.caption(tr("targets_page_size_rule", low=format_value(d.get("low_mu"), "mu", lang()),
                              high=format_value(d.get("high_mu"), "mu", lang()), n=len(d.get("units", [])), k=outside))
                _unit_sizes(item, f"targets_units_{i}")
        elif item["kind"] == "line_total" or item.get("reason"):
            st.caption(f"**{name_text(item, lang())}**：" + "；".join(x.strip() for x in detail_lines(item, lang())))


def _floors(items: list[dict[str, Any]]) -> None:
    """The [supply_mix] floors per year (industrial share of supplied land), as the 供地分析 page computes them."""
    st.subheader(tr("targets_page_floors"))
    _table(items, "targets_floors")
    _notes([i for i in items if i.get("reason")])


def render() -> None:
    project = current_project()
    page_header(project, "targets_page_title", with_region=True)
    try:
        items = _progress(project)
    except Exception as exc:  # any failure reaches the user as text, never a traceback
        if type(exc).__name__ in ("StopException", "RerunException"):
            raise
        st.error(f"{tr('targets_page_failed')}: {type(exc).__name__}: {exc}")
        return
    if not items:
        st.info(tr("targets_none"))
        return
    years = sorted({i["evaluated_year"] for i in items})
    st.caption(tr("targets_header", year="、".join(map(str, years)) if lang() == "zh" else ", ".join(map(str, years))))
    st.caption(tr("targets_page_caption"))
    _metrics(items)
    indicators = [i for i in items if i["kind"] == "indicator"]
    checks = [i for i in items if i["kind"] in ("size", "count", "line_total")]
    floors = [i for i in items if i["kind"] == "supply_floor"]
    if indicators:
        _indicators(indicators)
    if checks:
        _checks(checks)
    if floors:
        _floors(floors)
