"""园区评分: every unit's composite score, rank and grade; the weights editable with the ranks
updating live; units compared side by side; one unit's scorecard; exports of the selection.

Re-scoring with edited weights is `analysis.rescore.rescored` (no re-evaluation); the scorecard
is `analysis.explain.explain_unit`; the files are `reports.bundle.export_all`.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from i18n import layer_label
from i18n.numbers import MISSING, format_int, format_mu, format_ratio, format_score
from layers.auth import Permission
from layers.settings import AppScores
from ui import auth
from ui.number_columns import column_config
from ui.state import chosen_method, current_project, evaluation_or_stop, lang, page_header, tr

WEIGHT_KEY = "scores_w_{}"
UNITS_KEY = "scores_units"
EXPORT_KEY = "scores_export"
EXPORT_FORMATS = ("pdf", "docx", "xlsx", "gpkg", "html")
MIME = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "gpkg": "application/geopackage+sqlite3", "html": "text/html"}
# Columns of the ranking table after the composite's own indicators.
EXTRA_COLUMNS = ("area_mu", "industrial_land_mu", "approved_mu", "unsupplied_mu", "idle_mu", "idle_by_date_mu",
                 "member_count", "output_per_mu", "low_efficiency_mu", "encroachment_mu")
KIND_RANK = "kind_rank"  # the default sort: by unit kind, then rank within the kind
_EXPLAINED: dict[tuple, dict] = {}  # explain_unit documents by (project root, content hash, unit id)
_EXPLAINED_LOCK = threading.Lock()
_EXPLAINED_LIMIT = 64


# --------------------------------------------------------------------------- weights


def _weight_inputs(spec) -> tuple[list[float], bool]:
    """One number input per composite indicator (defaults from landpark.toml) and a reset button;
    returns the weights in use and whether they differ from the defaults."""
    from analysis.rescore import weights_changed
    from reports import short_label

    keys = [WEIGHT_KEY.format(name) for name in spec.indicators]
    for key, default in zip(keys, spec.weights):
        st.session_state.setdefault(key, float(default))
    big = max(spec.weights) > 1
    step, fmt = (1.0, "%.1f") if big else (0.01, "%.2f")

    def reset() -> None:
        for k, d in zip(keys, spec.weights):
            st.session_state[k] = float(d)

    weights = [float(st.session_state[k]) for k in keys]
    changed = weights_changed(spec, weights)
    title = tr("scores_weights_edited") if changed else tr("scores_weights")
    with st.expander(title, expanded=changed):
        st.caption(tr("scores_weights_help"))
        columns = st.columns(len(keys))
        total = sum(max(w, 0.0) for w in weights)
        for col, name, key, default in zip(columns, spec.indicators, keys, spec.weights):
            with col:
                value = st.number_input(short_label(name, lang()), min_value=0.0, step=step, format=fmt, key=key,
                                        help=tr("scores_weight_default", default=f"{default:g}"))
                share = value / total if total > 0 else 0.0
                st.caption(tr("scores_weight_share", share=format_ratio(share, 0)))
        st.button(tr("scores_reset"), key="scores_reset", on_click=reset, disabled=not changed)
    return [float(st.session_state[k]) for k in keys], changed


# --------------------------------------------------------------------------- ranking


def _ranking(units: pd.DataFrame, spec, settings: AppScores) -> None:
    """The ranking table of all units, filtered by kind and sorted by any indicator."""
    from reports import base_label, column_label, with_above_scale

    kinds = list(dict.fromkeys(units["unit_kind"]))
    # the per-mu output figures over all firms (全部企业), each with its 规上-only twin beside it
    numeric = ["score", "rank", "rank_best", "rank_worst", *with_above_scale([*spec.indicators, *EXTRA_COLUMNS], units.columns)]
    numeric = [c for c in dict.fromkeys(numeric) if c in units.columns]

    c1, c2, c3 = st.columns([2, 3, 2])
    kind = c1.selectbox(tr("unit_kind"), ["all", *kinds], key="scores_kind",
                        format_func=lambda k: tr("all") if k == "all" else layer_label(k, lang()))
    sort = c2.selectbox(tr("scores_sort_by"), [KIND_RANK, *numeric], key="scores_sort",
                        format_func=lambda c: tr("scores_sort_kind_rank") if c == KIND_RANK else column_label(c, lang()))
    order = c3.radio(tr("scores_order"), ["desc", "asc"], key="scores_order", horizontal=True,
                     format_func=lambda o: tr(f"scores_order_{o}"))
    shown = units if kind == "all" else units[units["unit_kind"] == kind]
    if sort == KIND_RANK:  # kinds in table order, best first (desc) or worst first (asc)
        position = shown["unit_kind"].map({k: i for i, k in enumerate(kinds)})
        shown = shown.assign(_kind=position).sort_values(["_kind", "rank"], ascending=[True, order == "desc"],
                                                         na_position="last", kind="stable")
    else:
        shown = shown.sort_values([sort, "unit_kind", "rank"], ascending=[order == "asc", True, True],
                                  na_position="last", kind="stable")
    columns = ["unit_kind", "rank", "unit_id", "name", "score", "grade", "rank_best", "rank_worst",
               *[c for c in numeric if c not in ("score", "rank", "rank_best", "rank_worst")]]
    from reports import with_display_grades

    table = with_display_grades(shown, lang())  # 未评价 and the reason where a unit has no score
    unscored = "reason_not_scored" in table and table["reason_not_scored"].notna().any()
    if unscored:  # the reason column only when some unit is unscored, blank for the scored ones
        columns.insert(columns.index("grade") + 1, "reason_not_scored")
    table = table[columns].copy()
    if unscored:
        table["reason_not_scored"] = table["reason_not_scored"].fillna("")
    table["unit_kind"] = table["unit_kind"].map(lambda k: layer_label(k, lang()))
    st.dataframe(table, hide_index=True, width="stretch", height=settings.ranking_height,
                 column_config=column_config(columns, lang(), labels={c: base_label(c, lang()) for c in columns}),
                 key="scores_table")
    st.caption(tr("scores_ranking_note", n=len(table), step=format_ratio(spec.step, 0)))


# --------------------------------------------------------------------------- comparison and scorecard


def _unit_label(units: pd.DataFrame):
    """"name（id）" in both languages: the browser keeps a multiselect's choices by their label, so
    a label that changed with the language would drop the selection on a language switch."""
    names = dict(zip(units["unit_id"].astype(str), units["name"].astype(str)))
    return lambda uid: f"{names.get(uid, uid)}（{uid}）"


def _comparison(units: pd.DataFrame, norm: pd.DataFrame, spec, ids: list[str]) -> None:
    """Selected units side by side (indicators as rows) and their normalised indicators as bars."""
    import altair as alt

    from reports import base_label, display_value, grade_text, short_label, with_above_scale

    label = _unit_label(units)
    pos = [int(units.index[units["unit_id"].astype(str) == uid][0]) for uid in ids]
    rows = ["unit_kind", "score", "grade", "rank", "rank_best", "rank_worst",
            *with_above_scale([*spec.indicators, *EXTRA_COLUMNS], units.columns)]
    rows = [r for r in dict.fromkeys(rows) if r in units.columns]
    table = {}
    for uid, p in zip(ids, pos):
        row = units.loc[p]
        table[label(uid)] = [layer_label(row["unit_kind"], lang()) if r == "unit_kind" else
                             grade_text(row, lang()) if r == "grade" else display_value(r, row[r], lang()) for r in rows]
    frame = pd.DataFrame(table, index=[base_label(r, lang()) for r in rows])  # 全部企业 / 规上 on the per-mu output
    frame.index.name = tr("scores_indicator")
    st.dataframe(frame, width="stretch", height=38 + 35 * len(rows))
    bars = pd.DataFrame([{"indicator": short_label(name, lang()), "unit": label(uid), "value": norm.loc[p, name]}
                         for uid, p in zip(ids, pos) for name in spec.indicators])
    chart = alt.Chart(bars).mark_bar().encode(
        x=alt.X("indicator:N", title=None, sort=[short_label(n, lang()) for n in spec.indicators],
                axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("unit:N"),
        y=alt.Y("value:Q", title=tr("scores_normalised"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("unit:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=0, columns=4)),
        tooltip=[alt.Tooltip("unit:N", title=tr("scores_unit")), alt.Tooltip("indicator:N", title=tr("scores_indicator")),
                 alt.Tooltip("value:Q", title=tr("scores_normalised"), format=".3f")],
    ).properties(height=300)
    st.altair_chart(chart, width="stretch")
    st.caption(tr("scores_normalised_help"))


def _explained(project, default_ev, uid: str) -> dict:
    """`explain_unit` of the unit under the default weights, kept per project content (its member
    list takes up to a second on a park with a thousand firms; it does not depend on the weights)."""
    from analysis.explain import explain_unit

    key = (str(project.root), project.content_hash(), uid, lang())
    with _EXPLAINED_LOCK:
        if key in _EXPLAINED:
            return _EXPLAINED[key]
    doc = explain_unit(default_ev, uid, lang=lang())
    with _EXPLAINED_LOCK:
        _EXPLAINED[key] = doc
        while len(_EXPLAINED) > _EXPLAINED_LIMIT:
            _EXPLAINED.pop(next(iter(_EXPLAINED)))
    return doc


def _scorecard(project, ev, default_ev, uid: str, changed: bool) -> None:
    """One unit's score, grade, rank, rank range, score breakdown, indicators and members."""
    from analysis.rescore import unit_composite
    from reports import column_label, display_value

    doc = _explained(project, default_ev, uid)
    c = unit_composite(ev, uid) if changed else doc["composite"]
    units = ev.units
    scored = pd.to_numeric(units["score"], errors="coerce").notna()
    n = int(((units["unit_kind"] == doc["unit_kind"]) & scored).sum())  # ranks count scored units only
    st.subheader(f"{doc['name']}（{doc['unit_id']}）· {layer_label(doc['unit_kind'], lang())}")
    m1, m2, m3, m4 = st.columns(4)
    delta = None
    if changed:
        before = default_ev.units.loc[default_ev.units["unit_id"].astype(str) == uid, "score"].iloc[0]
        if c["score"] is not None and pd.notna(before):
            delta = f"{c['score'] - float(before):+.1f}"
    m1.metric(tr("scores_score"), format_score(c["score"]), delta=delta,
              help=tr("scores_delta_help") if changed else None)
    m2.metric(tr("scores_grade"), c["grade"] or (tr("grade_not_scored") if c["score"] is None else "—"))
    m3.metric(tr("scores_rank"), MISSING if c["rank"] is None else f"{format_int(c['rank'])} / {n}")
    best, worst = c["rank_range_weights_pm"]
    m4.metric(tr("scores_rank_range", step=format_ratio(ev.spec.step, 0)),
              MISSING if best is None else (format_int(best) if best == worst else f"{format_int(best)}–{format_int(worst)}"))
    if c["score"] is None and c.get("not_scored_codes"):
        from analysis.composite import reason_text

        st.warning(f"{tr('grade_not_scored')}: {reason_text(c['not_scored_codes'], lang())}")
    st.markdown(f"**{tr('scores_breakdown')}**")
    rows = []
    for b in c["breakdown"]:
        name = b["indicator"]
        rows.append({
            tr("scores_indicator"): column_label(name, lang()),
            tr("scores_this_unit"): display_value(name, b["value"], lang()),
            tr("scores_benchmark"): (display_value(name, b["benchmark"], lang())
                                     if b["normalisation"] == "benchmark" else "—"),
            tr("scores_method"): tr(f"scores_norm_{b['normalisation']}") + " · " + tr(f"scores_{b['direction']}"),
            tr("scores_normalised"): b["normalised"],
            tr("scores_weight"): b["weight"],
            tr("scores_contribution"): b["contribution"],
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        tr("scores_normalised"): st.column_config.ProgressColumn(tr("scores_normalised"), min_value=0.0, max_value=1.0,
                                                                 format="%.3f"),
        tr("scores_weight"): st.column_config.NumberColumn(format="%.3g"),
        tr("scores_contribution"): st.column_config.NumberColumn(format="%.2f")})
    st.caption(tr("scores_formula", a=f"{ev.spec.grade_thresholds[0]:g}", b=f"{ev.spec.grade_thresholds[1]:g}",
                  c=f"{ev.spec.grade_thresholds[2]:g}", cap=f"{ev.spec.cap:g}"))
    missing = [column_label(b["indicator"], lang()) for b in c["breakdown"] if b["normalised"] is None]
    if missing:
        st.warning(tr("scores_missing", names="、".join(missing) if lang() == "zh" else ", ".join(missing)))
    with st.expander(tr("scores_all_indicators")):
        st.dataframe(pd.DataFrame([{tr("scores_indicator"): column_label(i["indicator"], lang()),
                                    tr("scores_value"): display_value(i["indicator"], i["value"], lang()),
                                    tr("scores_formula_col"): i["formula"]} for i in doc["indicators"]]),
                     hide_index=True, width="stretch")
        st.caption(tr("scores_explain_cli", uid=uid))
    members = pd.DataFrame(doc["members"])
    row = units[units["unit_id"].astype(str) == uid].iloc[0]
    counts = "　".join(f"{k}：{int(row.get(f'class_{k}', 0))}" for k in "ABCD")
    with st.expander(tr("scores_members", n=len(members), counts=counts)):
        if len(members) and auth.check(Permission.FIRM_DATA):  # member firms with their figures
            shown = members[["uscc", "name", "class", "land_mu", "tax_10k_yuan", "value_added_10k_yuan", "share_inside",
                             "basis"]].copy()
            shown["basis"] = shown["basis"].map(lambda b: tr(f"basis_{b}") if b in ("parcels", "point") else b)
            st.dataframe(shown, hide_index=True, width="stretch", column_config=column_config(
                shown.columns, lang(), labels={"share_inside": tr("scores_share_inside"), "basis": tr("scores_basis")},
                kinds={"share_inside": "ratio"}))
        else:
            st.caption(tr("scores_no_members"))
    if doc["encroachments"]:
        st.warning(tr("scores_encroachments", n=len(doc["encroachments"]),
                      mu=format_mu(sum(float(e.get('area_mu') or 0) for e in doc['encroachments']))))
        st.dataframe(encroachment_table(doc["encroachments"]), hide_index=True, width="stretch")


def encroachment_table(rows: list[dict]) -> pd.DataFrame:
    """Non-industrial parcels inside a red line, as the page shows them: land use code and name, category, area."""
    from layers.landuse import category_label
    from layers.landuse_names import land_use_name

    frame = pd.DataFrame(rows)
    return pd.DataFrame({
        tr("scores_enc_parcel"): frame["parcel_id"],
        tr("scores_enc_land_use"): [f"{c} {land_use_name(c) or ''}".strip() for c in frame["land_use"]],
        tr("scores_enc_category"): frame["land_use_category"].map(lambda c: category_label(c, lang())),
        tr("scores_enc_area"): frame["area_mu"].astype(float).round(2),
    })


# --------------------------------------------------------------------------- exports


def _file_name(ev, ids: list[str], fmt: str) -> str:
    """园区评分_<year>[_<unit name>].<ext>, with characters a file name cannot hold replaced."""
    parts = [tr("scores_file_stem"), str(ev.config.project.year)]
    if len(ids) == 1:
        parts.append(str(ev.units.loc[ev.units["unit_id"].astype(str) == ids[0], "name"].iloc[0]))
    elif ids:
        parts.append(tr("scores_file_units", n=len(ids)))
    stem = re.sub(r'[\\/:*?"<>|\s]+', "_", "_".join(parts))
    return f"{stem}.{fmt}"


def _exports(ev, inputs, ids: list[str], changed: bool, version: str) -> None:
    """Generate one export of the selection on demand (only the selected units, their member firms and parcels:
    `export_all` scopes it; firms pseudonymised when the toggle is on), then offer it for download."""
    import reports.text.scope  # noqa: F401  (the toggle's text)
    from layers.problems import LandparkError
    from reports.bundle import export_all
    from reports.redact import project_secret_for

    st.subheader(tr("scores_export"))
    c1, c2 = st.columns([3, 2])
    fmt = c1.radio(tr("scores_format"), EXPORT_FORMATS, key="scores_fmt", horizontal=True,
                   format_func=lambda f: tr(f"scores_fmt_{f}"))
    scope = tr("scores_scope_selected", n=len(ids)) if ids else tr("scores_scope_all", n=len(ev.units))
    c2.markdown(f"{tr('scores_scope')}：{scope}" if lang() == "zh" else f"{tr('scores_scope')}: {scope}")
    if fmt in ("pdf", "docx") and not ids:
        c2.caption(tr("scores_pdf_slow"))
    firm_level = auth.can(Permission.FIRM_DATA)  # decided on the server for every run, not by a widget
    if firm_level:
        redact = c2.toggle(tr("scope_redact_toggle"), key="scores_redact", help=tr("scope_redact_help"))
    else:  # a viewer's exports hold aggregates only (reports/scope.py aggregates_only), whatever the session state says
        redact = True
        c2.caption(tr("scope_aggregates_note"))
    st.caption(tr("scores_export_weights_edited") if changed else tr("scores_export_weights_default"))
    signature = (fmt, tuple(ids), tuple(ev.spec.weights), lang(), version, redact, firm_level)
    if st.button(tr("scores_generate"), key="scores_generate", type="primary"):
        st.session_state.pop(EXPORT_KEY, None)
        bar = st.progress(0.0, text=tr("scores_generating"))

        def progress(message: str) -> None:
            found = re.search(r"(\d+)/(\d+)", message)
            if found and int(found.group(2)) > 0:
                bar.progress(min(int(found.group(1)) / int(found.group(2)), 1.0), text=message)

        try:
            with st.spinner(tr("scores_generating")), tempfile.TemporaryDirectory(prefix="landpark-export-") as tmp:
                from analysis.time_context import attach_time_context

                # the year before and the targets go on a copy: the cached evaluation stays as every page reads it
                ev = attach_time_context(current_project(), inputs, dataclasses.replace(ev), method=chosen_method() or None)
                # the key of the project itself: a database project's is in its schema, shared by every user
                secret = project_secret_for(current_project()) if redact and firm_level else None
                written = export_all(ev, inputs, Path(tmp) / "out", [fmt], lang=lang(), unit_ids=ids or None,
                                     progress=progress, redact=redact, secret=secret, firm_level=firm_level)
                data = written[fmt].read_bytes()
                auth.audit("export", format=fmt, units=ids or "all", redact=redact, weights=list(ev.spec.weights),
                           aggregates=not firm_level)
        except LandparkError as exc:
            bar.empty()
            st.error(f"{tr('scores_export_failed')}: {exc}")
            return
        bar.empty()
        st.session_state[EXPORT_KEY] = {"signature": signature, "data": data, "name": _file_name(ev, ids, fmt),
                                        "mime": MIME[fmt]}
    done = st.session_state.get(EXPORT_KEY)
    if done and done["signature"] == signature:
        st.download_button(f"{tr('scores_download')} {done['name']}（{len(done['data']) / 1e6:.1f} MB）",
                           data=done["data"], file_name=done["name"], mime=done["mime"], key="scores_download",
                           on_click="ignore", type="primary")
    elif done:
        st.caption(tr("scores_export_stale"))


# --------------------------------------------------------------------------- page



def _chrome() -> None:
    """Streamlit's fixed widget text in the UI language (ui/text/chrome.py: CSS, nothing in English)."""
    from ui.text.chrome import chrome_css, show_chrome_css

    css = chrome_css(lang())
    show_chrome_css(css)


def render() -> None:
    from analysis.rescore import rescored
    from layers.problems import InputError

    project = current_project()
    info = page_header(project, "page_scores")
    _chrome()
    inputs, default_ev = evaluation_or_stop(project)
    if not len(default_ev.units):
        st.info(tr("no_units"))
        return
    settings = project.config.app.scores
    weights, changed = _weight_inputs(default_ev.spec)
    try:
        ev = rescored(default_ev, weights)
    except InputError as exc:
        st.error(f"{tr('scores_bad_weights')}: {exc}")
        ev, changed = default_ev, False
    st.caption(tr("scores_intro", region=info.region, year=info.year, n=len(ev.units)))
    _ranking(ev.units, ev.spec, settings)

    units = ev.units
    order = units.sort_values(["unit_kind", "rank"], kind="stable")["unit_id"].astype(str).tolist()
    st.session_state[UNITS_KEY] = [u for u in st.session_state.get(UNITS_KEY, []) if u in set(order)]
    ids = st.multiselect(tr("scores_select"), order, key=UNITS_KEY, format_func=_unit_label(units),
                         placeholder=tr("scores_select_placeholder"))
    if not ids:
        st.info(tr("scores_select_hint"))
    elif len(ids) == 1:
        _scorecard(project, ev, default_ev, ids[0], changed)
    else:
        limit = settings.compare_max_units
        st.subheader(tr("scores_compare", n=len(ids)))
        if len(ids) > limit:
            st.caption(tr("scores_compare_limit", n=limit))
        _comparison(units, ev.norm, ev.spec, ids[:limit])
        card = st.selectbox(tr("scores_card_of"), ids, key="scores_card", format_func=_unit_label(units))
        _scorecard(project, ev, default_ev, card, changed)
    st.divider()
    _exports(ev, inputs, ids, changed, project.content_hash())
