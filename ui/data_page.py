"""数据管理: upload a source, see how it reads and the full validation report BEFORE anything is
written, edit the field mapping, import; the project's data issues; switch between projects.

Computation lives in `layers`: uploads (`layers.uploads`), validation and import
(`layers.validation.validate_source`, `layers.importer.import_source`: atomic, a failed import
leaves the project byte-identical), the mapping table and its edits (`layers.mapping_edits`),
problem tables (`layers.issue_tables`) and project folders (`layers.projects`). An import changes
the project's content hash, which every page's cache keys on, so they all see the new data.

After an import the page says what changed (`analysis.import_diff`): the layer's features added,
removed and kept, and each evaluation unit's score, rank and grade before → after (before: the
evaluation cached for the old content; after: the new content's, computed and cached at once).

The open tab is kept in the session (`TAB_NAME`): a rerun that changes the tab labels (the issue
count after a project switch) or moves the tabs (a message above them) opens the same tab again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from i18n import feature_label, field_label, layer_label
from i18n.numbers import format_count
from layers.aliases import fields_of, guess_kind
from layers.auth import Permission
from layers.issue_tables import count_issues, filter_issues, problems_frame, severity_counts
from layers.landuse import STANDARD_LABELS, STANDARDS
from layers.mapping_edits import apply_edits, field_options, mapping_rows
from layers.problems import InputError, error_text
from layers.project import Project
from layers.schema import LAYERS, layer_spec
from layers.settings import AppData
from ui import auth
from ui.state import PROJECT_KEY, current_project, evaluation, lang, tr

ENCODINGS = ("", "gbk", "gb18030", "utf-8", "big5")  # "" = detect
FILES_KEY = "data_files"
UPLOAD_STATE = "data_upload_state"
REPORT_STATE = "data_report_state"
OVERRIDES_STATE = "data_overrides"
SAVED_STATE = "data_overrides_saved"  # okey → number of columns pre-filled from the project's saved mapping
FLASH_STATE = "data_flash"
VERSION_STATE = "data_uploader_version"  # bumped after an import: a fresh, empty uploader
DIFF_STATE = "data_import_diff"  # what the last import changed, shown until the next upload or a project switch
TAB_KEY = "data_tab"  # st.tabs' own state (the open tab's label)
TAB_NAME = "data_tab_name"  # the open tab by name: labels change with the issue count and the language
TABS = ("import", "issues", "projects")
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "Unknown")


def _t_or(key: str, fallback: str, **values: Any) -> str:
    """Translation of `key`, or `fallback` when the table has no such key."""
    text = tr(key, **values)
    return fallback if text == key else text


def code_label(code: str) -> str:
    return _t_or(f"data_code_{code}", code)


def _severity_label(severity: str) -> str:
    return tr("severity_" + severity)


def _geometry_label(geometry_type: object) -> str:
    """A layer's geometry type (GDAL's name) in the UI language; a table without geometry says so."""
    if not isinstance(geometry_type, str) or not geometry_type:
        return tr("data_geom_none")
    name = geometry_type.replace(" Z", "").replace(" M", "")
    return tr("data_geom_" + name) if name in GEOMETRY_TYPES else geometry_type


def _messages(frame: pd.DataFrame) -> pd.Series:
    """The problems' messages in the UI language: Chinese where the problem carries it (issues recorded before
    Chinese messages existed keep their English text)."""
    if lang() != "zh" or "message_zh" not in frame.columns:
        return frame["message"]
    zh = frame["message_zh"].fillna("").astype(str)
    return zh.where(zh.str.strip() != "", frame["message"])


def _values(frame: pd.DataFrame) -> pd.Series:
    """The problems' values; a land-use standard named by its code is named as people know it (GB/T 21010 …)."""
    from layers.landuse import STANDARD_SHORT_ZH

    if lang() != "zh":
        return frame["value"]
    standard = frame["code"].astype(str).str.startswith("land_use_standard")
    return frame["value"].where(~standard, frame["value"].map(lambda v: STANDARD_SHORT_ZH.get(v, v)))


def _fields(frame: pd.DataFrame, kind: str | None) -> pd.Series:
    """The problems' fields as a person reads them: the canonical field's Chinese name with its code (zh)."""
    if lang() != "zh":
        return frame["field"]
    kinds = frame["layer"] if kind is None else pd.Series(kind, index=frame.index)

    def one(k, name) -> str:
        name = "" if not isinstance(name, str) else name
        label = field_label(k, name, "zh") if isinstance(k, str) and k in LAYERS and name else name
        return f"{label}（{name}）" if label and label != name else name

    return pd.Series([one(k, f) for k, f in zip(kinds, frame["field"])], index=frame.index, dtype=object)


def _files_key() -> str:
    return f"{FILES_KEY}_{st.session_state.get(VERSION_STATE, 0)}"


def _fit(rows: int, limit: int) -> int:
    """Height of a table showing `rows` rows (header included) up to `limit` pixels, then scrolling."""
    return min(35 * (rows + 1) + 3, limit)


def _field_text(kind: str, name: str) -> str:
    if not name:
        return tr("data_unused")
    spec = next((f for f in fields_of(kind) if f.name == name), None)
    label = spec.label_zh if spec is not None and lang() == "zh" and spec.label_zh else ""
    required = spec is not None and spec.required
    return f"{name} · {label}{' *' if required else ''}" if label else f"{name}{' *' if required else ''}"


def _flash(kind: str, text: str) -> None:
    st.session_state[FLASH_STATE] = (kind, text)


def _show_flash() -> None:
    item = st.session_state.pop(FLASH_STATE, None)
    if item:
        getattr(st, item[0])(item[1])


# --------------------------------------------------------------------------- header


def _summary(project: Project):
    from layers.projects import project_summary

    return project_summary(project)


def _header(project: Project, summary) -> None:
    bits = [f"{tr('data_path')}：`{summary.root}`"]
    if summary.region:
        bits.append(f"{tr('data_region')}：{summary.region}")
    if summary.year:
        bits.append(f"{tr('data_year')}：{summary.year}")
    st.markdown(f"**{tr('data_current')}** · " + " · ".join(bits))
    if summary.demo:
        st.caption(tr("data_demo_badge"))
    a, b, c, d = st.columns(4)
    a.metric(tr("data_layer_count"), len(summary.layers))
    b.metric(tr("data_feature_count"), format_count(summary.feature_count))
    c.metric(tr("data_issue_count"), format_count(summary.issue_count))
    d.metric(tr("data_crs"), summary.crs)


# --------------------------------------------------------------------------- upload


def _uploaded_files() -> list:
    files = st.session_state.get(_files_key())
    if files is None:
        return []
    return list(files) if isinstance(files, list) else [files]


def _saved_upload(files: list, settings: AppData):
    """The Upload of the widget's current files, saved once per set of files; None after a refusal (shown)."""
    from layers.uploads import UploadError, cleanup_stale_uploads, discard_upload, save_upload

    ids = tuple(getattr(f, "file_id", f.name) for f in files)
    state = st.session_state.get(UPLOAD_STATE)
    if state and state["ids"] == ids:
        upload = state.get("upload")
    else:
        if state and state.get("upload") is not None:
            discard_upload(state["upload"])
        cleanup_stale_uploads(settings.stale_upload_hours)
        upload, error = None, None
        try:
            upload = save_upload([(f.name, f.getvalue()) for f in files],
                                 max_bytes=int(settings.max_upload_mb * 2**20))
        except UploadError as exc:
            error = _t_or(f"data_err_{exc.key}", str(exc), **exc.values)
        except InputError as exc:
            error = f"{tr('data_upload_failed')}：{error_text(exc, lang())}"
        state = {"ids": ids, "upload": upload, "error": error, "uid": hashlib.sha1(repr(ids).encode()).hexdigest()[:10]}
        st.session_state[UPLOAD_STATE] = state
        st.session_state.pop(REPORT_STATE, None)
    if state.get("error"):
        st.error(state["error"])
        return None, state["uid"]
    return state["upload"], state["uid"]


def _memo(name: str, key: tuple, compute):
    """`compute()` once per key within the session (the last key only); exceptions are remembered too."""
    slot = st.session_state.get(name)
    if slot is not None and slot[0] == key:
        value, error = slot[1], slot[2]
    else:
        value, error = None, None
        try:
            value = compute()
        except InputError as exc:
            error = exc
        st.session_state[name] = (key, value, error)
    if error is not None:
        raise error
    return value


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(n, 1) / 1024:.0f} KB"


def _read_options(upload, uid: str) -> dict | None:
    """Layer, encoding, CRS override, layer kind and land-use standard; None until a kind is chosen."""
    from layers.uploads import relabel, source_columns, source_layers

    st.caption(tr("data_uploaded", name=upload.label, size=_size(upload.size_bytes)))
    try:
        layers = _memo("data_layers_memo", (uid,), lambda: source_layers(upload.path))
    except InputError as exc:
        st.error(f"{tr('data_upload_failed')}：{relabel(error_text(exc, lang()), upload)}")
        return None
    c1, c2, c3, c4, c5 = st.columns([1.1, 0.7, 0.9, 1.0, 1.3])
    with c1:
        if len(layers) > 1:
            layer = st.selectbox(tr("data_layer"), layers, key=f"data_layer_{uid}", help=tr("data_layer_help", n=len(layers)))
        else:
            layer = None
            st.text_input(tr("data_layer"), value=layers[0] if layers else "", disabled=True, key=f"data_layer_one_{uid}")
    with c2:
        encoding = st.selectbox(tr("data_encoding"), ENCODINGS, key=f"data_encoding_{uid}", help=tr("data_encoding_help"),
                                format_func=lambda e: tr("data_encoding_auto") if not e else e.upper()) or None
    with c3:
        crs = st.text_input(tr("data_crs_input"), key=f"data_crs_{uid}", placeholder=tr("data_crs_placeholder")).strip() or None
    peek_error = None
    try:
        columns = _memo("data_columns_memo", (uid, layer, encoding, crs),
                        lambda: source_columns(upload.path, layer=layer, encoding=encoding, crs=crs))
    except InputError as exc:  # the validation report says it again, with every problem, once a kind is chosen
        columns, peek_error = [], relabel(error_text(exc, lang()), upload)
    guess, why = guess_kind(columns) if columns else (None, "")
    kinds = list(LAYERS)
    with c4:
        kind = st.selectbox(tr("data_kind"), kinds, index=kinds.index(guess) if guess else None,
                            key=f"data_kind_{uid}_{layer}", format_func=lambda k: layer_label(k, lang()),
                            placeholder=tr("data_kind_placeholder"))
        if guess:
            st.caption(tr("data_kind_guess", kind=layer_label(guess, lang())))
        elif columns:
            st.caption(tr("data_kind_no_guess"))
    if kind is None:
        if peek_error:
            st.error(f"{tr('data_upload_failed')}：{peek_error}")
        st.info(tr("data_choose_kind"))
        return None
    standard = None
    if kind == "parcels":
        with c5:
            standard = st.selectbox(tr("data_land_use_std"), [None, *STANDARDS], key=f"data_std_{uid}",
                                    format_func=lambda s: tr("data_land_use_auto") if s is None else STANDARD_LABELS[s])
    return {"layer": layer, "encoding": encoding, "crs": crs, "kind": kind, "land_use_standard": standard,
            "columns": columns}


def saved_overrides(project: Project, kind: str, columns: list[str]) -> dict[str, str]:
    """The pre-filled mapping edits of a new upload: the mapping saved by the project's last import of
    `kind`, for the columns the upload has, where it differs from the automatic matching."""
    from layers.mapping_edits import with_saved

    return with_saved(kind, columns, project.saved_mapping(kind), None)[0]


def _overrides_key(uid: str, opts: dict) -> str:
    return f"{uid}|{opts['layer']}|{opts['kind']}"


def _validate(project: Project, upload, opts: dict, overrides: dict):
    """The validation report of the upload as the import would see it (project extent, CRS and settings)."""
    from layers.importer import project_extent
    from layers.validation import validate_source

    key = (str(upload.path), opts["layer"], opts["kind"], opts["encoding"], opts["crs"], opts["land_use_standard"],
           tuple(sorted(overrides.items())), str(project.root), project.content_hash())

    def run():
        with st.spinner(tr("data_validating")):
            return validate_source(upload.path, opts["kind"], layer=opts["layer"], encoding=opts["encoding"],
                                   crs=opts["crs"], land_use_standard=opts["land_use_standard"],
                                   overrides=overrides or None, project_extent=project_extent(project),
                                   project_crs=project.crs, config=project.config, project=project)

    return _memo(REPORT_STATE, key, run)


# --------------------------------------------------------------------------- report


def _read_result(report, upload) -> None:
    """CRS, encoding, land-use standard and the first decoded values (plain text, for the eye)."""
    st.markdown(f"**{tr('data_read_result')}**")
    lines = []
    if report.layer:
        shown = report.layer + (f"（{len(report.layers_available)}）" if len(report.layers_available) > 1 else "")
        lines.append(f"- {tr('report_layer')}：{shown}")
    lines.append(f"- {tr('report_features')}：{format_count(report.feature_count)}")
    if report.crs is not None:
        epsg = f"EPSG:{report.crs.epsg} " if report.crs.epsg else ""
        method = _t_or(f"data_crs_m_{report.crs.method}", report.crs.method)
        guess = tr("report_crs_guess") if report.crs.is_guess else ""
        lines.append(f"- {tr('data_crs_detected')}：**{epsg}{report.crs.name(lang())}**{guess}（{method}）")
    else:
        lines.append(f"- {tr('data_crs_detected')}：{tr('data_crs_none')}")
    if report.encoding is not None:
        method = _t_or(f"data_enc_m_{report.encoding.method}", report.encoding.method)
        lines.append(f"- {tr('data_encoding_found')}：**{report.encoding.encoding.upper()}**（{method}）")
    else:
        lines.append(f"- {tr('data_encoding_found')}：{tr('data_not_applicable')}")
    if report.kind == "parcels" and (report.land_use_standard or report.land_use_note):
        std = STANDARD_LABELS.get(report.land_use_standard or "", tr("report_none"))
        lines.append(f"- {tr('report_land_use')}：{std}")
    st.markdown("\n".join(lines))
    if report.crs is not None and report.crs.is_guess:
        st.warning(tr("data_crs_is_guess"))
    if report.crs is not None and report.crs.note:
        st.caption(report.crs.note_in(lang()))
    if report.land_use_note:
        st.caption(report.land_use_note_zh or report.land_use_note if lang() == "zh" else report.land_use_note)
    if report.sample:
        st.markdown(f"**{tr('data_sample')}**")
        sample = pd.DataFrame({tr("data_col_column"): list(report.sample),
                               tr("data_col_sample"): list(report.sample.values())})
        st.table(sample.set_index(tr("data_col_column")))


def _mapping_editor(report, opts: dict, okey: str) -> None:
    """The field mapping as an editable table; an edit becomes an override and the report is redone."""
    overrides = dict(st.session_state.get(OVERRIDES_STATE, {}).get(okey, {}))
    columns = opts["columns"] or [*report.mapping, *[c for c in report.unmapped if c not in report.mapping]]
    if not columns:
        return
    kind = opts["kind"]
    rows = mapping_rows(columns, kind, report.mapping, overrides=overrides, sample=report.sample,
                        matches=report.matches, lang=lang())
    st.markdown(f"**{tr('data_mapping')}**")
    st.caption(tr("data_mapping_help"))
    table = rows.assign(how=rows["how"].map(lambda h: _t_or(f"data_how_{h}", h)))
    digest = hashlib.sha1(repr((okey, sorted(overrides.items()))).encode()).hexdigest()[:10]
    options = field_options(kind)
    edited = st.data_editor(
        table, key=f"data_map_{digest}", hide_index=True, num_rows="fixed", width="stretch",
        disabled=["column", "sample", "how", "note"],
        column_order=["column", "sample", "field", "how", "note"],
        column_config={
            "column": st.column_config.TextColumn(tr("data_col_column")),
            "sample": st.column_config.TextColumn(tr("data_col_sample")),
            "field": st.column_config.SelectboxColumn(tr("data_col_field"), options=options, required=False,
                                                      format_func=lambda f: _field_text(kind, f or "")),
            "how": st.column_config.TextColumn(tr("data_col_how")),
            "note": st.column_config.TextColumn(tr("data_col_note")),
        })
    before = dict(zip(rows["column"], rows["field"]))
    after = {c: (f if isinstance(f, str) else "") for c, f in zip(edited["column"], edited["field"])}
    if after != before:
        st.session_state.setdefault(OVERRIDES_STATE, {})[okey] = apply_edits(overrides, before, after)
        st.rerun()
    mapped = set(report.mapping.values())
    missing = [f for f in layer_spec(kind).required if f not in mapped and not (f == "land_use" and "land_use_name" in mapped)]
    if missing:
        st.warning(tr("data_mapping_missing", fields=", ".join(_field_text(kind, f) for f in missing)))
    saved_n = st.session_state.get(SAVED_STATE, {}).get(okey, 0)
    if saved_n:
        st.caption(tr("data_mapping_saved", n=saved_n))
    if overrides:
        st.caption(tr("data_mapping_edited", n=len(overrides)))
        if st.button(tr("data_mapping_reset"), key=f"data_map_reset_{digest}"):
            st.session_state[OVERRIDES_STATE][okey] = {}  # not popped: a missing key would pre-fill again
            st.session_state.get(SAVED_STATE, {}).pop(okey, None)
            st.rerun()


def _by_severity(frame: pd.DataFrame) -> pd.DataFrame:
    """Errors first, then warnings, then notes; the source order kept within each."""
    rank = frame["severity"].map({"error": 0, "warning": 1, "info": 2}).fillna(3)
    return frame.iloc[rank.argsort(kind="stable")]


def _issue_table(frame: pd.DataFrame, *, key: str, height: int, show_layer: bool, show_blocking: bool,
                 kind: str | None = None) -> None:
    """Counts by type (all rows), then filters (severity, type, layer, text) over the full table of problems."""
    by = ("layer", "severity", "code") if show_layer else ("severity", "code")
    counts = count_issues(frame, by=by)
    st.markdown(f"**{tr('data_issue_counts') if show_layer else tr('data_problem_counts')}**")
    counts_view = pd.DataFrame({
        **({tr("data_col_layer"): counts["layer"].map(lambda k: layer_label(k, lang()))} if show_layer else {}),
        tr("data_col_severity"): counts["severity"].map(_severity_label),
        tr("data_col_code_label"): counts["code"].map(code_label),
        tr("col_code"): counts["code"],
        tr("data_col_count"): counts["count"].astype(int),
    })
    st.dataframe(counts_view, hide_index=True, width="stretch", height=_fit(len(counts_view), height))
    cols = st.columns([1, 1.4, 1, 1.2] if show_layer else [1, 1.4, 1.2])
    severities = [s for s in ("error", "warning", "info") if s in set(frame["severity"])]
    with cols[0]:
        pick_sev = st.multiselect(tr("data_filter_severity"), severities, key=f"{key}_sev", format_func=_severity_label,
                                  placeholder=tr("all"))
    with cols[1]:
        pick_code = st.multiselect(tr("data_filter_code"), sorted(set(frame["code"])), key=f"{key}_code",
                                   format_func=lambda c: f"{code_label(c)} ({c})", placeholder=tr("all"))
    pick_layer = []
    if show_layer:
        with cols[2]:
            pick_layer = st.multiselect(tr("data_filter_layer"), sorted(set(frame["layer"])), key=f"{key}_layer",
                                        format_func=lambda k: layer_label(k, lang()), placeholder=tr("all"))
    with cols[-1]:
        text = st.text_input(tr("data_filter_text"), key=f"{key}_text")
    shown = filter_issues(frame, layers=pick_layer, severities=pick_sev, codes=pick_code, text=text)
    st.markdown(f"**{tr('data_problems_all', shown=len(shown), total=len(frame))}**")
    view = pd.DataFrame({
        **({tr("data_col_layer"): shown["layer"].map(lambda k: layer_label(k, lang()))} if show_layer else {}),
        tr("data_col_severity"): shown["severity"].map(_severity_label),
        tr("data_col_code_label"): shown["code"].map(code_label),
        tr("col_feature"): shown["feature"].map(lambda f: feature_label(f, lang())),
        tr("col_field"): _fields(shown, kind),
        tr("col_message"): _messages(shown),
        tr("col_value"): _values(shown),
        **({tr("data_col_blocking"): shown["blocking"]} if show_blocking else {}),
        tr("col_code"): shown["code"],
        tr("col_source"): shown["source"],
    })
    st.dataframe(view, hide_index=True, width="stretch", height=_fit(len(view), height))
    st.download_button(tr("data_download_csv"), view.to_csv(index=False).encode("utf-8-sig"),
                       file_name=f"{key}.csv", mime="text/csv", key=f"{key}_csv")


def _blocking_list(blocking: pd.DataFrame) -> str:
    """One line per blocking (code, message), naming the features it concerns (first ten)."""
    lines = []
    blocking = blocking.assign(message=_messages(blocking).to_numpy())
    for (code, message), group in blocking.groupby(["code", "message"], sort=False):
        features = [feature_label(f, lang()) for f in group["feature"] if f]
        where = ""
        if features:
            shown = "、".join(features[:10]) + ("…" if len(features) > 10 else "")
            where = f" — {tr('data_blocking_features', n=len(features), features=shown)}"
        lines.append(f"- **{code_label(code)}**（{code}）：{message}{where}")
    return "\n".join(lines)


def _report(report, upload, opts: dict, okey: str, settings: AppData) -> None:
    from layers.uploads import relabel

    st.subheader(tr("data_report_title"))
    frame = _by_severity(problems_frame(report.problems, relabel=lambda text: relabel(text, upload)))
    counts = severity_counts(frame)
    if report.ok:
        st.success(tr("data_report_ok", n=format_count(report.feature_count), errors=counts["error"], warnings=counts["warning"]))
    else:
        blocking = frame[frame["blocking"]]
        st.error(tr("data_report_blocked", n=len(blocking)))
        st.markdown(f"**{tr('data_blocking_title')}**")
        st.markdown(_blocking_list(blocking))
    if report.crs is not None or report.encoding is not None or report.sample:
        left, right = st.columns([1, 1.5])
        with left:
            _read_result(report, upload)
        with right:
            _mapping_editor(report, opts, okey)
    if len(frame):
        _issue_table(frame, key="data_report", height=settings.table_height, show_layer=False, show_blocking=True,
                     kind=opts["kind"])
    else:
        st.info(tr("data_no_problems"))


def _import_box(project: Project, upload, opts: dict, overrides: dict, report) -> None:
    from layers.importer import import_source
    from layers.uploads import relabel

    st.subheader(tr("data_import_title"))
    kind = opts["kind"]
    label = layer_label(kind, lang())
    st.caption(tr("data_import_into", kind=label, path=str(project.root)))
    if project.config.project.demo:
        st.info(tr("data_import_demo"))
    mode = _mode_choice(project, kind, label)
    valid_from = st.date_input(tr("data_valid_from"), value=None, key=f"data_valid_from_{kind}", format="YYYY-MM-DD",
                               help=tr("data_valid_from_help"))
    if not report.ok:
        st.caption(tr("data_import_blocked_hint"))
    elif project.has_layer(kind) and mode is None:
        st.caption(tr("data_import_mode_needed"))
    clicked = st.button(tr("data_import_button"), type="primary", key="data_import",
                        disabled=not report.ok or (project.has_layer(kind) and mode is None))
    if not clicked:
        return
    before = _snapshot(project, kind, "data_diff_before")
    try:
        with st.spinner(tr("data_importing")):
            done = import_source(upload.path, kind, project.root, layer=opts["layer"], encoding=opts["encoding"],
                                 crs=opts["crs"], land_use_standard=opts["land_use_standard"],
                                 overrides=overrides or None, source_label=upload.label, mode=mode,
                                 valid_from=None if valid_from is None else valid_from.isoformat())
    except InputError as exc:
        st.error(f"{tr('data_import_failed')}：{relabel(error_text(exc, lang()), upload)}")
        return
    except Exception as exc:  # any other failure: the atomic write left the project as it was
        st.error(f"{tr('data_import_failed')}：{type(exc).__name__}: {relabel(str(exc), upload)}")
        return
    after = _snapshot(project.root, kind, "data_diff_after")
    if before is not None and after is not None:
        from analysis.import_diff import compare

        st.session_state[DIFF_STATE] = {"project": str(project.root), "diff": compare(before, after)}
    kept = sum(1 for p in done.problems if p.severity in ("warning", "error"))
    _flash("success", tr("data_imported", kind=label, n=format_count(done.feature_count), name=upload.label, issues=kept)
           + " " + done.change.describe(lang()))
    st.session_state.pop(REPORT_STATE, None)
    st.session_state[VERSION_STATE] = st.session_state.get(VERSION_STATE, 0) + 1  # the next run shows an empty uploader
    st.rerun()


def _snapshot(where: Project | Path, kind: str, spinner_key: str):
    """The layer's ids and the units' evaluation (the app's cached one; computed and cached when absent), or None
    when the layer cannot be read: the import stands either way, only its comparison is left out."""
    from analysis.import_diff import snapshot

    try:
        project = where if isinstance(where, Project) else Project.open(where)
        try:
            with st.spinner(tr(spinner_key)):
                _inputs, ev = evaluation(project)
        except Exception as exc:  # the evaluation fails on this content: the layer comparison still stands
            if type(exc).__name__ in ("StopException", "RerunException"):
                raise
            shot = snapshot(project, kind)
            shot.note = f"{type(exc).__name__}: {exc}"
            return shot
        return snapshot(project, kind, units=ev.units)
    except (InputError, OSError, RuntimeError, ValueError):
        return None


# --------------------------------------------------------------------------- after an import


def _ids_text(ids: list[str], total: int) -> str:
    shown = "、".join(ids) if lang() == "zh" else ", ".join(ids)
    return shown + (tr("data_diff_more", n=format_count(total)) if total > len(ids) else "")


def _layer_lines(diff) -> None:
    d = diff.layer
    if d["by"] == "id":
        spec = next((f for f in fields_of(diff.kind) if f.name == d["id_field"]), None)
        label = spec.label_zh if spec is not None and spec.label_zh and lang() == "zh" else ""
        field = f"{label}（{d['id_field']}）" if label else d["id_field"]
        st.markdown(tr("data_diff_layer_id", field=field, added=format_count(d["added"]), removed=format_count(d["removed"]),
                       kept=format_count(d["kept"]), before=format_count(d["before"]), after=format_count(d["after"])))
        if d["without_id_before"] or d["without_id_after"]:
            st.caption(tr("data_diff_without_id", before=format_count(d["without_id_before"]),
                          after=format_count(d["without_id_after"])))
        if d["added_ids"]:
            st.caption(tr("data_diff_added_ids", ids=_ids_text(d["added_ids"], d["added"])))
        if d["removed_ids"]:
            st.caption(tr("data_diff_removed_ids", ids=_ids_text(d["removed_ids"], d["removed"])))
    else:
        change = d["after"] - d["before"]
        st.markdown(tr("data_diff_layer_count", before=format_count(d["before"]), after=format_count(d["after"]),
                       change=f"{change:+,d}"))


def unit_change_table(units: pd.DataFrame) -> pd.DataFrame:
    """The units' before → after table as the page shows it (translated headers and values)."""
    return pd.DataFrame({
        tr("data_diff_col_kind"): units["unit_kind"].map(lambda k: layer_label(k, lang())),
        tr("data_diff_col_unit"): units["unit_id"],
        tr("data_diff_col_name"): units["name"],
        tr("data_diff_col_status"): units["status"].map({"kept": tr("data_diff_status_kept"),
                                                         "added": tr("data_diff_status_added"),
                                                         "removed": tr("data_diff_status_removed")}),
        tr("data_diff_col_score_before"): units["score_before"],
        tr("data_diff_col_score_after"): units["score_after"],
        tr("data_diff_col_score_change"): units["score_change"],
        tr("data_diff_col_rank_before"): units["rank_before"],
        tr("data_diff_col_rank_after"): units["rank_after"],
        tr("data_diff_col_grade_before"): units["grade_before"],
        tr("data_diff_col_grade_after"): units["grade_after"],
    })


def _unit_lines(diff, settings: AppData) -> None:
    if diff.units is None:
        st.caption(tr("data_diff_units_unknown", note=diff.note or "—"))
        return
    if not len(diff.units):
        st.caption(tr("data_diff_units_none"))
        return
    c = diff.unit_counts()
    st.markdown(tr("data_diff_units", n=format_count(c["units"]), changed=format_count(c["changed"]),
                   score=format_count(c["score"]), rank=format_count(c["rank"]), grade=format_count(c["grade"]),
                   added=format_count(c["added"]), removed=format_count(c["removed"])))
    if not c["changed"]:
        st.info(tr("data_diff_units_same"))
        return
    every = st.checkbox(tr("data_diff_show_all"), key="data_diff_all")
    shown = diff.units if every else diff.units[diff.units["changed"]]
    numbers = {label: st.column_config.NumberColumn(format="%.1f") for label in (
        tr("data_diff_col_score_before"), tr("data_diff_col_score_after"), tr("data_diff_col_score_change"))}
    st.dataframe(unit_change_table(shown), hide_index=True, width="stretch", key="data_diff_units_table",
                 height=_fit(len(shown), settings.table_height), column_config=numbers)
    st.caption(tr("data_diff_units_help"))


def _diff_box(project: Project, settings: AppData) -> None:
    """What the last import changed: its layer's features, then the units' scores and ranks (until dismissed)."""
    stored = st.session_state.get(DIFF_STATE)
    if not stored or stored["project"] != str(project.root):
        return
    diff = stored["diff"]
    with st.container(border=True, key="data_diff"):
        st.markdown(f"**{tr('data_diff_title', kind=layer_label(diff.kind, lang()))}**")
        _layer_lines(diff)
        _unit_lines(diff, settings)
        if st.button(tr("data_diff_dismiss"), key="data_diff_close"):
            st.session_state.pop(DIFF_STATE, None)
            st.rerun()


def _mode_choice(project: Project, kind: str, label: str) -> str | None:
    """Replace or append, asked (no default) when the project already has the layer; None until chosen."""
    if not project.has_layer(kind):
        return None
    n = format_count(project.feature_count(kind))
    st.warning(tr("data_import_replaces", kind=label, n=n))
    options = {"replace": tr("data_mode_replace", n=n), "append": tr("data_mode_append", n=n)}
    return st.radio(tr("data_import_mode"), list(options), index=None, format_func=options.__getitem__,
                    key=f"data_mode_{kind}")


def _import_tab(project: Project, settings: AppData) -> None:
    from layers.uploads import UPLOAD_SUFFIXES, discard_upload

    st.file_uploader(tr("data_upload"), type=[s.lstrip(".") for s in UPLOAD_SUFFIXES], accept_multiple_files=True,
                     key=_files_key(), help=tr("data_upload_help"), max_upload_size=int(settings.max_upload_mb))
    files = _uploaded_files()
    if not files:
        state = st.session_state.pop(UPLOAD_STATE, None)
        if state and state.get("upload") is not None:
            discard_upload(state["upload"])
        _diff_box(project, settings)
        st.info(tr("data_upload_hint"))
        return
    st.session_state.pop(DIFF_STATE, None)  # a new upload: the last import's changes are history
    upload, uid = _saved_upload(files, settings)
    if upload is None:
        return
    opts = _read_options(upload, uid)
    if opts is None:
        return
    okey = _overrides_key(uid, opts)
    store = st.session_state.setdefault(OVERRIDES_STATE, {})
    if okey not in store:  # first look at this source as this kind: offer the mapping saved with the project
        store[okey] = saved_overrides(project, opts["kind"], opts["columns"] or [])
        st.session_state[SAVED_STATE] = {**st.session_state.get(SAVED_STATE, {}), okey: len(store[okey])}
    overrides = dict(store.get(okey, {}))
    try:
        report = _validate(project, upload, opts, overrides)
    except InputError as exc:  # e.g. an override the reader refuses; drop the overrides and say why
        from layers.uploads import relabel

        st.error(relabel(error_text(exc, lang()), upload))
        if overrides and st.button(tr("data_mapping_reset"), key="data_map_reset_error"):
            st.session_state[OVERRIDES_STATE][okey] = {}  # not popped: a missing key would pre-fill again
            st.session_state.get(SAVED_STATE, {}).pop(okey, None)
            st.rerun()
        return
    _report(report, upload, opts, okey, settings)
    _import_box(project, upload, opts, overrides, report)


# --------------------------------------------------------------------------- data issues


def _issues_tab(project: Project, settings: AppData) -> None:
    issues = project.data_issues()
    if not len(issues):
        st.info(tr("data_issues_none"))
        return
    st.caption(tr("data_issues_intro"))
    counts = severity_counts(issues)
    cols = st.columns(3)
    for col, sev in zip(cols, ("error", "warning", "info")):
        col.metric(_severity_label(sev), format_count(counts[sev]))
    frame = _by_severity(issues.fillna("").astype(str).assign(blocking=False))
    _issue_table(frame, key="data_issues", height=settings.table_height, show_layer=True, show_blocking=False)


# --------------------------------------------------------------------------- projects


def _folder_error(exc) -> str:
    return _t_or(f"data_proj_err_{exc.key}", str(exc), **exc.values)


def _switch_to(current: Project, root: Path, message_key: str, settings: AppData) -> None:
    from layers.projects import remember_project

    limit = settings.recent_projects
    remember_project(current.root, limit=limit)
    remember_project(root, limit=limit)
    st.session_state[PROJECT_KEY] = str(root)
    for key in (REPORT_STATE, "data_layers_memo", "data_columns_memo", DIFF_STATE):
        st.session_state.pop(key, None)
    _flash("success", tr(message_key, path=str(root)))
    st.rerun()


def _versions_box(project: Project) -> None:
    """Every kept version of each layer (`landpark versions`): number, in force from, imported at, features."""
    versions = project.versions()
    if not len(versions):
        return
    with st.expander(tr("data_versions_title", n=format_count(len(versions)))):
        modes = {"replace": tr("data_versions_mode_replace"), "append": tr("data_versions_mode_append")}
        st.dataframe(pd.DataFrame({
            tr("data_col_layer"): versions["layer"].map(lambda k: layer_label(k, lang())),
            tr("data_versions_col_version"): versions["version"].astype(int),
            tr("data_versions_col_current"): versions["current"].map({True: "✓", False: ""}),
            tr("data_versions_col_valid_from"): versions["valid_from"].fillna(tr("data_versions_always")),
            tr("data_versions_col_imported_at"): versions["imported_at"].fillna("").astype(str).str[:16].str.replace("T", " "),
            tr("data_col_features"): versions["features"].astype(int),
            tr("data_versions_col_mode"): versions["mode"].map(modes).fillna(""),
            tr("data_versions_col_source"): versions["source"].fillna(""),
        }), hide_index=True, width="stretch")
        st.caption(tr("data_versions_caption"))


def _projects_tab(project: Project, summary, settings: AppData) -> None:
    from layers.projects import ProjectFolderError, check_project_folder, create_empty_project, recent_projects

    st.markdown(f"**{tr('data_layers_table')}**")
    if len(summary.layers):
        table = pd.DataFrame({
            tr("data_col_layer"): summary.layers["layer"].map(lambda k: layer_label(k, lang())),
            tr("data_col_kind"): summary.layers["layer"],
            tr("data_col_features"): summary.layers["features"].astype(int),
            tr("data_col_geometry"): summary.layers["geometry_type"].map(_geometry_label),
        })
        st.table(table.set_index(tr("data_col_layer")))
    else:
        st.info(tr("no_layers"))
    _versions_box(project)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tr('data_open_title')}**")
        with st.form("data_open_form", border=False):
            path = st.text_input(tr("data_open_path"), key="data_open_path")
            if st.form_submit_button(tr("data_open_button")):
                try:
                    root = check_project_folder(path)
                except ProjectFolderError as exc:
                    st.error(_folder_error(exc))
                else:
                    _switch_to(project, root, "data_switched", settings)
        st.markdown(f"**{tr('data_recent')}**")
        here = str(project.root.resolve())
        recent = [p for p in recent_projects(limit=settings.recent_projects) if p != here]
        if recent:
            pick = st.selectbox(tr("data_recent"), recent, key="data_recent_pick", label_visibility="collapsed")
            if st.button(tr("data_recent_button"), key="data_recent_open"):
                try:
                    _switch_to(project, check_project_folder(pick), "data_switched", settings)
                except ProjectFolderError as exc:
                    st.error(_folder_error(exc))
        else:
            st.caption(tr("data_recent_none"))
        st.markdown(f"**{tr('data_demo_title')}**")
        if st.button(tr("data_demo_button"), key="data_demo", disabled=summary.demo):
            from layers.demo import ensure_demo

            with st.spinner(tr("loading_layers")):
                demo = ensure_demo()
            _switch_to(project, demo.root.resolve(), "data_switched", settings)
    with right:
        st.markdown(f"**{tr('data_create_title')}**")
        with st.form("data_create_form", border=False):
            folder = st.text_input(tr("data_create_path"), key="data_create_path")
            region = st.text_input(tr("data_create_region"), key="data_create_region")
            crs = st.text_input(tr("data_create_crs"), key="data_create_crs", placeholder="EPSG:4549")
            if st.form_submit_button(tr("data_create_button")):
                try:
                    created = create_empty_project(folder, region=region.strip() or None, crs=crs.strip() or None)
                except ProjectFolderError as exc:
                    st.error(_folder_error(exc))
                else:
                    _switch_to(project, created.root.resolve(), "data_created", settings)


# --------------------------------------------------------------------------- page


def _remember_tab(names: dict[str, str]) -> None:
    """on_change of the tabs: the tab the user opened, by name (its label may differ on the next run)."""
    name = names.get(str(st.session_state.get(TAB_KEY)))
    if name is not None:
        st.session_state[TAB_NAME] = name


def _tabs(summary):
    """The three tabs, opening on the one the user had open: st.tabs tracks it (on_change) and the page keeps
    it by name, since new labels (another issue count) or a moved block (a message above) make new tabs."""
    labels = {"import": tr("data_tab_import"), "issues": tr("data_tab_issues", n=format_count(summary.issue_count)),
              "projects": tr("data_tab_projects")}
    current = st.session_state.get(TAB_NAME)
    current = current if current in labels else "import"
    tabs = st.tabs(list(labels.values()), key=TAB_KEY, default=labels[current], on_change=_remember_tab,
                   args=({label: name for name, label in labels.items()},))
    opened = next((name for name, tab in zip(TABS, tabs) if tab.open), None)
    if opened is not None:
        st.session_state[TAB_NAME] = opened
    return tabs



def _chrome(settings: AppData) -> None:
    """Streamlit's fixed widget text in the UI language, the file uploader's limit line worded as this page's
    uploader has it (ui/text/chrome.py: CSS, nothing in English)."""
    from layers.uploads import UPLOAD_SUFFIXES
    from ui.text.chrome import chrome_css, show_chrome_css

    css = chrome_css(lang(), upload_mb=int(settings.max_upload_mb),
                     upload_types=tuple(s.lstrip(".") for s in UPLOAD_SUFFIXES))
    show_chrome_css(css)


def render() -> None:
    st.title(tr("page_data"))
    auth.require(Permission.IMPORT)
    project = current_project()
    settings = project.config.app.data
    _chrome(settings)
    summary = _summary(project)
    _header(project, summary)
    _show_flash()
    tab_import, tab_issues, tab_projects = _tabs(summary)
    with tab_import:
        _import_tab(project, settings)
    with tab_issues:
        _issues_tab(project, settings)
    with tab_projects:
        _projects_tab(project, summary, settings)
