"""年度对比: two evaluation years side by side — firm class transitions (A→B …) with the firms that moved,
indicator changes of the district and of every unit with their direction, and the half-year 效益报表.

Everything shown comes from `analysis.time_context.compare_years` and `analysis.year_on_year.to_json`, the calls
`landpark compare` makes; the comparison is cached per pair of years and method.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import i18n.yoy_text  # noqa: F401  (registers the yoy_ text)
from analysis.year_on_year import (
    TEXT_UNIT_INDICATORS,
    change_text,
    indicator_label,
    relative_text,
    state_label,
    trend_text,
    value_text,
)
from i18n import layer_label
from i18n.numbers import format_count
from layers.auth import Permission
from layers.project import Project
from ui import auth
from ui.state import cached, chosen_method, current_project, lang, page_header, project_firm_years, tr

FIRMS_SHOWN = 200  # rows of each firm list on the page (the CLI --json and the Excel export hold them all)


def _comparison(project: Project, year_from: int, year_to: int) -> dict[str, Any]:
    """`landpark compare --json` for the two years with the sidebar's method (cached)."""
    from analysis.time_context import compare_years
    from analysis.year_on_year import to_json

    method = chosen_method() or None

    def compute(p: Project) -> dict[str, Any]:
        return to_json(compare_years(p, year_from, year_to, method=method))

    return cached(f"compare:{method or ''}:{year_from}:{year_to}", project, compute)


def _matrix(doc: dict[str, Any]) -> pd.DataFrame:
    """The transition matrix with readable headings (rows: the earlier year, columns: the later)."""
    transitions, language = doc["transitions"], lang()
    states = transitions["states"]
    frame = pd.DataFrame([[transitions["matrix"][f][c] for c in states] for f in states],
                         index=[state_label(s, language, False) for s in states],
                         columns=[state_label(s, language, True) for s in states])
    frame.index.name = tr("compare_matrix_corner", before=doc["from"], after=doc["to"])
    return frame


def _firm_rows(doc: dict[str, Any], movement: str) -> pd.DataFrame:
    """The firms that moved up or down: code, name, classes, 亩均税收 before and after."""
    language = lang()
    rows = [f for f in doc["firms"] if f.get("movement") == movement]
    tax = [(f.get("indicators") or {}).get("tax_per_mu") or {} for f in rows]
    return pd.DataFrame({
        tr("compare_col_uscc"): [f["uscc"] for f in rows][:FIRMS_SHOWN],
        tr("compare_col_firm"): [f.get("name") or "—" for f in rows][:FIRMS_SHOWN],
        tr("compare_col_classes"): [f"{state_label(f['class_before'], language, False)} → "
                                    f"{state_label(f['class_after'], language, True)}" for f in rows][:FIRMS_SHOWN],
        tr("compare_col_tax_before"): [value_text("tax_per_mu", c.get("before"), language) for c in tax][:FIRMS_SHOWN],
        tr("compare_col_tax_after"): [value_text("tax_per_mu", c.get("after"), language) for c in tax][:FIRMS_SHOWN],
    })


def _district(doc: dict[str, Any]) -> pd.DataFrame:
    """The district's indicators: each year's value, the change, the relative change and the trend."""
    language = lang()
    items = doc["district"]["indicators"]
    return pd.DataFrame({
        tr("compare_col_indicator"): [indicator_label(k, language) for k in items],
        tr("compare_col_year", year=doc["from"]): [value_text(k, c["before"], language) for k, c in items.items()],
        tr("compare_col_year", year=doc["to"]): [value_text(k, c["after"], language) for k, c in items.items()],
        tr("compare_col_change"): [change_text(k, c["change"], language) for k, c in items.items()],
        tr("compare_col_relative"): [relative_text(c["relative_change"]) for c in items.values()],
        tr("compare_col_trend"): [trend_text(c, language) for c in items.values()],
    })


def _units(doc: dict[str, Any], indicator: str) -> pd.DataFrame:
    """Every unit's value of `indicator` in both years, its change and trend."""
    language = lang()
    rows = [u for u in doc["units"] if indicator in u["indicators"]]
    changes = [u["indicators"][indicator] for u in rows]
    return pd.DataFrame({
        tr("compare_col_kind"): [layer_label(u.get("unit_kind") or "", language) for u in rows],
        tr("compare_col_unit"): [f"{u.get('name') or '—'}（{u['unit_id']}）" for u in rows],
        tr("compare_col_year", year=doc["from"]): [value_text(indicator, c["before"], language) for c in changes],
        tr("compare_col_year", year=doc["to"]): [value_text(indicator, c["after"], language) for c in changes],
        tr("compare_col_change"): [change_text(indicator, c["change"], language) for c in changes],
        tr("compare_col_trend"): [trend_text(c, language) for c in changes],
    })


def _half_year(doc: dict[str, Any]) -> None:
    """The half-year 效益报表 of the later year against the same half of the year before, district then units."""
    half = doc.get("half_year")
    st.subheader(tr("compare_half_title"))
    if not half:
        st.info(tr("compare_half_none"))
        return
    language = lang()
    keys = ("firm_count", "tax_10k_yuan", "output_10k_yuan", "tax_per_mu", "value_added_per_mu")
    halves = {1: tr("compare_half_1"), 2: tr("compare_half_2")}
    rows = [(tr("compare_district"), d["half"], d["figures"]) for d in half["district"]]
    rows += [(f"{u.get('name') or '—'}（{u['unit_id']}）", u["half"], u["figures"]) for u in half["units"]]
    table: dict[str, list[str]] = {tr("compare_col_unit"): [r[0] for r in rows],
                                   tr("compare_col_half"): [halves.get(r[1], "—") for r in rows]}
    for key in keys:
        table[indicator_label(key, language)] = [
            (_count_text((r[2].get(key) or {}).get("value")) if key == "firm_count"
             else value_text(key, (r[2].get(key) or {}).get("value"), language))
            + (f"（{relative_text((r[2].get(key) or {}).get('relative_change'))}）"
               if (r[2].get(key) or {}).get("relative_change") is not None else "")
            for r in rows]
    st.caption(tr("compare_half_caption", year=half["year"], previous=half.get("previous_year") or "—"))
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")


def _count_text(value: Any) -> str:
    """A firm count as a whole number ("—" when missing)."""
    return "—" if value is None else format_count(int(value))


def render() -> None:
    project = current_project()
    page_header(project, "compare_page_title")
    years = project_firm_years(project)
    if len(years) < 2:
        st.info(tr("compare_one_year", years="、".join(map(str, years)) or "—"))
        return
    c1, c2 = st.columns(2)
    year_to = c2.selectbox(tr("compare_to"), sorted(years, reverse=True), key="compare_to")
    earlier = [y for y in sorted(years, reverse=True) if y < year_to]
    if not earlier:
        st.info(tr("compare_no_earlier", year=year_to))
        return
    year_from = c1.selectbox(tr("compare_from"), earlier, key="compare_from")
    with st.spinner(tr("evaluating")):
        doc = _comparison(project, int(year_from), int(year_to))
    summary = doc["transitions"]["summary"]
    cols = st.columns(5)
    for col, key in zip(cols, ("up", "down", "same", "entered", "left")):
        col.metric(tr(f"compare_metric_{key}"), format_count(summary.get(key, 0)))
    st.subheader(tr("compare_matrix_title"))
    st.dataframe(_matrix(doc), width="stretch")
    if auth.check(Permission.FIRM_DATA):  # the firms that moved, with their figures
        up, down = st.tabs([tr("compare_tab_up"), tr("compare_tab_down")])
        for tab, movement in ((up, "up"), (down, "down")):
            with tab:
                frame = _firm_rows(doc, movement)
                if not len(frame):
                    st.caption(tr("compare_no_firms"))
                else:
                    st.dataframe(frame, hide_index=True, width="stretch")
                    if summary.get(movement, 0) > FIRMS_SHOWN:
                        st.caption(tr("compare_more_firms", n=format_count(summary[movement] - FIRMS_SHOWN)))
    st.subheader(tr("compare_district_title"))
    st.dataframe(_district(doc), hide_index=True, width="stretch")
    st.subheader(tr("compare_units_title"))
    present = [k for k in TEXT_UNIT_INDICATORS if any(k in u["indicators"] for u in doc["units"])]
    if present:
        indicator = st.selectbox(tr("compare_indicator"), present, key="compare_indicator",
                                 format_func=lambda k: indicator_label(k, lang()))
        st.dataframe(_units(doc, indicator), hide_index=True, width="stretch")
    st.caption(tr("compare_flat_caption", relative=f"{doc['settings']['flat_tolerance'] * 100:.1f}%",
                  points=f"{doc['settings']['flat_points'] * 100:.1f}"))
    _half_year(doc)
