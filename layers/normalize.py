"""A raw bureau table → canonical, typed columns of one layer kind, with every problem listed.

Used by validation and import: columns are mapped (layers.aliases), each field is parsed
by its schema type (layers.values), parcels get land-use categories (layers.landuse) and
USCCs are checked (layers.uscc). Nothing is dropped silently: unmapped columns, unread
cells and assumptions each become a Problem naming the source, layer, feature and field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.aliases import M2_SIBLINGS, MU_M2, RATIO_FIELDS, ColumnMatch, fields_of, match_columns, unit_spellings
from layers.column_values import match_by_values
from layers.landuse import (
    STANDARD_LABELS,
    STANDARD_SHORT_ZH,
    STANDARDS,
    categorize,
    category_label,
    clean_codes,
    code_category,
    detect_standard_texts,
    name_category,
)
from layers.problems import InputError, ProblemList, Severity
from layers.schema import CONSTRAINT_KINDS, LINE_LEVELS, PARK_KINDS, SUPPLY_STATUSES, FieldSpec, LayerSpec, layer_spec
from layers.uscc import clean_uscc, uscc_problem
from layers.values import (
    ValueIssue,
    parse_bools,
    parse_choices,
    parse_constraint_kind,
    parse_dates,
    parse_line_level,
    parse_numbers,
    parse_park_kind,
    parse_ratios,
    parse_supply_status,
    parse_text,
)

ROW = "_row"
USCC_FIELDS = ("uscc", "owner_uscc", "tenant_uscc", "landlord_uscc")
_CHOICE_PARSERS = {
    SUPPLY_STATUSES: parse_supply_status,
    LINE_LEVELS: parse_line_level,
    CONSTRAINT_KINDS: parse_constraint_kind,
    PARK_KINDS: parse_park_kind,
}
_CODE_LIKE = r"(?:\d{2}(?:\d{2}|H\d)?[AK]?|\d{6}|[RABMWSUHEG](?:\d{0,2}|X))"
_NULL_DTYPES = {"float": "float64", "int": "Int64", "bool": "boolean"}


@dataclass
class NormalizedTable:
    """Canonical columns of one layer, how they were found, and what was wrong."""

    frame: pd.DataFrame | gpd.GeoDataFrame  # _row, every field of the kind (typed), geometry untouched
    mapping: dict[str, str]  # source column → canonical field
    unmapped: list[str]  # source columns not used
    land_use_standard: str | None
    land_use_note: str
    problems: ProblemList
    matches: list[ColumnMatch] = field(default_factory=list)
    land_use_note_zh: str = ""  # `land_use_note` in Chinese


def _null_column(spec: FieldSpec, index: pd.Index) -> pd.Series:
    dtype = _NULL_DTYPES.get(spec.type)
    if dtype:
        return pd.Series(pd.array([None] * len(index), dtype=dtype), index=index)
    return pd.Series([None] * len(index), index=index, dtype=object)


def _parse_field(spec: FieldSpec, raw: pd.Series,
                 match: ColumnMatch) -> tuple[pd.Series, list[ValueIssue], list[tuple[Any, str, str]]]:
    """Parse one column by its field's type; returns values, value issues and extra (row, message, Chinese) errors."""
    extra: list[tuple[Any, str, str]] = []
    if spec.name in RATIO_FIELDS:
        values, issues = parse_ratios(raw, percent_column=match.scale != 1.0)
    elif spec.choices:
        parser = _CHOICE_PARSERS.get(spec.choices)
        values, issues = parser(raw) if parser else parse_choices(raw, spec.choices, spec.name)
    elif spec.type == "float":
        values, issues = parse_numbers(raw, units=unit_spellings(spec.unit))
        values = values * match.scale
    elif spec.type == "int":
        values, issues = parse_numbers(raw, units=("年",) if spec.name == "year" else unit_spellings(spec.unit))
        values = values * match.scale
        frac = values.notna() & (values != values.round())
        extra = [(i, f"{raw[i]!r} is not a whole number", f"{raw[i]!r} 不是整数") for i in values.index[frac]]
        values = values.where(~frac).round().astype("Int64")
    elif spec.type == "date":
        values, issues = parse_dates(raw)
    elif spec.type == "bool":
        values, issues = parse_bools(raw)
    else:
        values, issues = parse_text(raw)
        if spec.name in USCC_FIELDS:
            cleaned = {c: clean_uscc(c) or None for c in pd.unique(values.dropna())}
            values = _none_for_missing(values.map(cleaned))
    return values, issues, extra


def _none_for_missing(s: pd.Series) -> pd.Series:
    cells = s.to_numpy(dtype=object, copy=True)
    cells[s.isna().to_numpy()] = None
    return pd.Series(cells, index=s.index, dtype=object)


def _looks_like_codes(names: pd.Series) -> bool:
    present = names.dropna().astype(str).str.strip().str.upper()
    return bool(len(present)) and bool(present.str.fullmatch(_CODE_LIKE).mean() >= 0.9)


_At = Callable[[int | np.integer], dict[str, Any]]


def _mapped_columns(frame: pd.DataFrame, positions: list[int],
                    matches: list[ColumnMatch]) -> tuple[dict[str, pd.Series], dict[str, ColumnMatch]]:
    """The raw column and the match of every mapped field."""
    raw_of: dict[str, pd.Series] = {}
    match_of: dict[str, ColumnMatch] = {}
    for j, m in zip(positions, matches):
        if m.mapped and m.field is not None:
            raw_of[m.field] = frame.iloc[:, j]
            match_of[m.field] = m
    return raw_of, match_of


def _report_columns(matches: list[ColumnMatch], kind: str, problems: ProblemList, where: dict[str, str]) -> list[str]:
    """Column-level findings; returns the unmapped source columns."""
    for m in matches:
        if m.how in ("ambiguous", "unit_mismatch", "duplicate"):
            problems.add("warning", f"column_{m.how}", m.note, **where, field=m.field or "", value=m.column,
                         zh=m.note_zh)
        elif m.how == "contradicted":  # a header match its values contradict (layers.column_values)
            problems.add("warning", "column_values_contradict", m.note, **where, value=m.column, zh=m.note_zh)
        elif m.mapped and m.note:
            sev: Severity = "warning" if m.unit_assumed else "info"
            code = "unit_assumed" if m.unit_assumed else ("unit_converted" if m.scale != 1.0 else f"column_{m.how}")
            problems.add(sev, code, m.note, **where, field=m.field, value=m.column, zh=m.note_zh)
    unmapped = [m.column for m in matches if not m.mapped and m.how != "ignored"]
    if unmapped:
        problems.add("warning", "unmapped_columns",
                     f"{len(unmapped)} column(s) not used for {kind}: {', '.join(unmapped)}", **where, value=unmapped,
                     zh=f"有 {len(unmapped)} 列未用于{layer_spec(kind).label_zh}图层：{'、'.join(unmapped)}")
    return unmapped


def _use_codes_as_land_use(raw_of: dict[str, pd.Series], match_of: dict[str, ColumnMatch],
                           problems: ProblemList, where: dict[str, str]) -> None:
    """Parcels whose only land-use column holds codes (用地性质 = M1) use it as land_use."""
    if "land_use" not in raw_of and "land_use_name" in raw_of and _looks_like_codes(raw_of["land_use_name"]):
        raw_of["land_use"] = raw_of.pop("land_use_name")
        match_of["land_use"] = match_of.pop("land_use_name")
        problems.add("info", "column_holds_codes",
                     f"column {match_of['land_use'].column!r} holds land-use codes; used as land_use", **where,
                     field="land_use", value=match_of["land_use"].column,
                     zh=f"列 {match_of['land_use'].column!r} 中是地类编码；作为 land_use（地类编码）使用")


def _report_parse_issues(pending: list[tuple[str, list[ValueIssue], list[tuple[Any, str, str]]]],
                         match_of: dict[str, ColumnMatch], required: set[str], raw: dict[str, np.ndarray],
                         problems: ProblemList, at: _At) -> dict[str, set[int]]:
    """Report the parse issues of every field; returns the rows already reported with an error, per field."""
    unreadable: dict[str, set[int]] = {}
    for name, issues, extra in pending:
        col = match_of[name].column
        # Issue rows are positions: the frame was reset to a RangeIndex before parsing.
        unreadable[name] = {cast(int, iss.row) for iss in issues if iss.severity == "error"} | {i for i, _, _ in extra}
        for iss in issues:
            if name in required and iss.code == "placeholder_missing":
                continue  # reported below as a missing required value
            row = cast(int, iss.row)
            problems.add(iss.severity, iss.code, f"column {col!r}: {iss.message}", **at(row), field=name,
                         value=raw[name][row], zh=f"列 {col!r}：{iss.message_zh or iss.message}")
        for i, msg, msg_zh in extra:
            problems.add("error", "not_an_integer", f"column {col!r}: {msg}", **at(i), field=name, value=raw[name][i],
                         zh=f"列 {col!r}：{msg_zh}")
    return unreadable


def _convert_m2_areas(kind: str, out: dict[str, pd.Series], match_of: dict[str, ColumnMatch],
                      problems: ProblemList, where: dict[str, str]) -> None:
    """Areas in 亩 given in m² (M2_SIBLINGS: enterprises' land area, tenancy's leased area) → 亩; a column
    already in 亩 keeps its values and the m² column fills its gaps."""
    for mu_field, m2_field in M2_SIBLINGS.get(kind, {}).items():
        if m2_field not in out:
            continue
        mu = out.pop(m2_field) / MU_M2
        base = out.get(mu_field)
        out[mu_field] = mu if base is None else base.where(base.notna(), mu)
        what = {"land_area_mu": "land area", "leased_area_mu": "leased area"}.get(mu_field, mu_field)
        what_zh = {"land_area_mu": "用地面积", "leased_area_mu": "租赁面积"}.get(mu_field, mu_field)
        problems.add("info", "unit_converted",
                     f"{what} of column {match_of[m2_field].column!r} converted from m² to 亩 (÷ {MU_M2:.4f})",
                     **where, field=mu_field, value=match_of[m2_field].column,
                     zh=f"列 {match_of[m2_field].column!r} 的{what_zh}已由平方米换算为亩（÷ {MU_M2:.4f}）")


def _check_required_any(spec: LayerSpec, specs: dict[str, FieldSpec], out: dict[str, pd.Series], columns: str,
                        n_rows: int, problems: ProblemList, where: dict[str, str], at: _At) -> None:
    """Every row needs at least one field of each `required_any` group: no column for any of them is a missing
    field (blocking); a row with none of them filled is an error for that row (reported, not blocking)."""
    for group in spec.required_any:
        names = " or ".join(f"{n} ({specs[n].label_zh})" for n in group)
        names_zh = "或".join(f"{specs[n].label_zh}（{n}）" for n in group)
        present_cols = [n for n in group if n in out]
        if not present_cols:
            problems.add("error", "missing_field", f"one of the fields {names} is required; none was found among the "
                         f"columns {columns or '(none)'}", **where, field=group[0],
                         zh=f"必须有字段{names_zh}之一，但在各列（{columns or '无'}）中都没有找到")
            continue
        filled = np.zeros(n_rows, dtype=bool)
        for n in present_cols:
            filled |= out[n].notna().to_numpy()
        for i in np.flatnonzero(~filled):
            problems.add("error", "missing_value", f"the row needs {names}; none is given", **at(i), field=group[0],
                         zh=f"该行须填写{names_zh}，但都为空")


def _check_usccs(out: dict[str, pd.Series], raw: dict[str, np.ndarray], match_of: dict[str, ColumnMatch],
                 problems: ProblemList, at: _At) -> None:
    """USCC check (a bad code is a warning: the row is still usable)."""
    for name in USCC_FIELDS:
        if name in out:
            codes = out[name]
            reasons = {c: uscc_problem(c) for c in pd.unique(codes.dropna())}
            why = codes.map(reasons).to_numpy(dtype=object)
            code_arr = codes.to_numpy(dtype=object)
            for i in np.flatnonzero(pd.notna(why)):
                number = isinstance(raw[name][i], (int, float))
                hint = "; the cell holds a number, store codes as text" if number else ""
                hint_zh = "；单元格是数字，代码应按文本保存" if number else ""
                problems.add("warning", "bad_uscc", f"column {match_of[name].column!r}: {why[i]}{hint}",
                             **at(i), field=name, value=code_arr[i],
                             zh=f"列 {match_of[name].column!r}：{uscc_problem(code_arr[i], 'zh')}{hint_zh}")


def _check_required(required: list[str], specs: dict[str, FieldSpec], out: dict[str, pd.Series],
                    raw: dict[str, np.ndarray], unreadable: dict[str, set[int]], columns: str, n_rows: int,
                    problems: ProblemList, where: dict[str, str], at: _At) -> None:
    """Report required fields without a column and required values missing (unless already reported)."""
    for name in required:
        substitute = name == "land_use" and "land_use_name" in out
        if name not in out and not substitute:
            problems.add("error", "missing_field",
                         f"required field {name} ({specs[name].label_zh}) not found among the columns "
                         f"{columns or '(none)'}", **where, field=name,
                         zh=f"缺少必填字段{specs[name].label_zh}（{name}）：各列（{columns or '无'}）中都没有找到")
            continue
        present = out[name].notna().to_numpy() if name in out else np.zeros(n_rows, dtype=bool)
        if substitute:
            present = present | out["land_use_name"].notna().to_numpy()
        skip = unreadable.get(name, set())
        for i in np.flatnonzero(~present):
            if i in skip:
                continue
            cell = raw[name][i] if name in raw else None
            shown = "" if cell is None or pd.isna(cell) else f" ({cell!r})"
            shown_zh = "" if not shown else f"（{cell!r}）"
            problems.add("error", "missing_value", f"required {name} ({specs[name].label_zh}) is missing{shown}",
                         **at(i), field=name, value=cell if shown else None,
                         zh=f"必填字段{specs[name].label_zh}（{name}）为空{shown_zh}")


def _assemble(frame: pd.DataFrame, rows: pd.Series, specs: dict[str, FieldSpec], out: dict[str, pd.Series],
              geom_col: str | None, skip: set[str]) -> pd.DataFrame:
    """_row, every field of the kind but `skip` (m² siblings, already converted), geometry (indexed by position)."""
    index = frame.index
    columns: dict[str, pd.Series] = {ROW: rows.astype("int64") if rows.notna().all() else rows}
    for name, f in specs.items():
        if name in skip:
            continue
        columns[name] = out[name] if name in out else _null_column(f, index)
    data = pd.DataFrame(columns, index=index)
    if geom_col is not None:
        data[geom_col] = frame[geom_col]
        data = gpd.GeoDataFrame(data, geometry=geom_col, crs=frame.crs)
    return data


def normalize_table(
    frame: pd.DataFrame,
    kind: str,
    *,
    source: str = "",
    layer: str = "",
    land_use_standard: str | None = None,
    overrides: dict[str, str] | None = None,
    cut_columns: Iterable[str] = (),
    credit_code_share: float = 0.9,
) -> NormalizedTable:
    """Map, parse and check a raw table of layer kind `kind`.

    `frame` may carry a `_row` column with the row numbers the user sees (e.g. sheet rows);
    otherwise rows are numbered 1, 2, … in order. `land_use_standard` (parcels) skips
    detection. `cut_columns`: DBF field names stored at the 10-byte limit (only they match by prefix).
    `credit_code_share` ([import] of landpark.toml): columns are also recognised by their values
    (layers.column_values): valid credit codes under any header, names under a credit-code header.
    Raises InputError only for bad arguments; data problems are returned.
    """
    spec = layer_spec(kind)
    if land_use_standard is not None and land_use_standard not in STANDARDS:
        raise InputError(f"unknown land-use standard {land_use_standard!r}; valid: {', '.join(STANDARDS)}",
                         zh=f"未知的用地分类标准 {land_use_standard!r}；可用：{'、'.join(STANDARDS)}")
    # Work by position (row i of every array); the caller's index is restored at the end.
    out_index = frame.index if frame.index.is_unique else pd.RangeIndex(len(frame))
    frame = frame.reset_index(drop=True)
    index = frame.index
    problems = ProblemList()
    where = {"source": source, "layer": layer}
    geom_col = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame else None
    positions = [j for j, c in enumerate(frame.columns) if c != geom_col and c != ROW]
    rows = frame[ROW] if ROW in frame.columns else pd.Series(np.arange(1, len(frame) + 1), index=index)
    matches = match_columns([str(frame.columns[j]) for j in positions], kind, overrides=overrides,
                            cut_columns=cut_columns)
    matches = match_by_values(frame, positions, matches, kind, overrides, min_share=credit_code_share)
    specs = {f.name: f for f in fields_of(kind)}
    raw_of, match_of = _mapped_columns(frame, positions, matches)
    unmapped = _report_columns(matches, kind, problems, where)
    if kind == "parcels":
        _use_codes_as_land_use(raw_of, match_of, problems, where)
    raw = {name: col.to_numpy(dtype=object) for name, col in raw_of.items()}

    # Parse the id first so every later problem can name its feature.
    out: dict[str, pd.Series] = {}
    pending: list[tuple[str, list[ValueIssue], list[tuple[Any, str, str]]]] = []
    order = ([spec.id_field] if spec.id_field in raw_of else []) + [f for f in specs if f in raw_of and f != spec.id_field]
    for name in order:
        values, issues, extra = _parse_field(specs[name], raw_of[name], match_of[name])
        out[name] = values
        pending.append((name, issues, extra))
    labels = ("row " + rows.astype(str)).to_numpy(dtype=object)
    ids = out.get(spec.id_field) if spec.id_field else None
    if ids is not None:
        has_id = ids.notna().to_numpy()
        labels[has_id] = ids.to_numpy(dtype=object)[has_id]

    def at(i: int | np.integer) -> dict[str, Any]:
        return {**where, "feature": str(labels[i])}

    unreadable = _report_parse_issues(pending, match_of, set(spec.required), raw, problems, at)

    # Land use (parcels): clean codes, decide the standard, categorise.
    std, note, note_zh = land_use_standard, "", ""
    if kind == "parcels" and ("land_use" in out or "land_use_name" in out):
        std, note, note_zh = _land_use(out, match_of, land_use_standard, problems, where, at)

    _convert_m2_areas(kind, out, match_of, problems, where)
    _check_usccs(out, raw, match_of, problems, at)
    column_list = ", ".join(str(frame.columns[j]) for j in positions)
    _check_required(spec.required, specs, out, raw, unreadable, column_list, len(index), problems, where, at)
    _check_required_any(spec, specs, out, column_list, len(index), problems, where, at)

    data = _assemble(frame, rows, specs, out, geom_col, skip=set(M2_SIBLINGS.get(kind, {}).values()))
    data.index = out_index
    field_of = {m.column: name for name, m in match_of.items()}
    mapping = {m.column: field_of.get(m.column, m.field) for m in matches if m.mapped and m.field is not None}
    return NormalizedTable(data, mapping, unmapped, std, note, problems, matches, note_zh)


def _land_use(
    out: dict[str, pd.Series],
    match_of: dict[str, ColumnMatch],
    given: str | None,
    problems: ProblemList,
    where: dict[str, str],
    at: _At,
) -> tuple[str | None, str, str]:
    """Fill out['land_use_category'] for parcels; returns (standard, note shown to the user, the note in Chinese)."""
    codes = out.get("land_use")
    names = out.get("land_use_name")
    if codes is not None:
        codes, padded = clean_codes(codes)
        out["land_use"] = codes
        if padded:
            ex = ", ".join(f"{a} → {b}" for _, a, b in padded[:3])
            problems.add("warning", "land_use_code_padded",
                         f"{len(padded)} land-use code(s) had lost their leading zero (a spreadsheet read them as "
                         f"numbers) and were restored: {ex}", **where, field="land_use",
                         zh=f"{len(padded)} 个地类编码丢失了开头的 0（表格软件按数字读取），已补回：{ex}")
    has_codes = codes is not None and bool(codes.notna().any())
    std: str | None
    if given:
        std, note = given, f"land-use standard set by the user: {STANDARD_LABELS[given]}"
        note_zh = f"用地分类标准由用户指定：{STANDARD_LABELS[given]}"
    elif codes is not None and has_codes:
        std, why = detect_standard_texts(codes, names)
        if std:
            note = f"land-use standard assumed: {STANDARD_LABELS[std]} — {why['en']}"
            note_zh = f"用地分类标准推断为 {STANDARD_LABELS[std]}——{why['zh']}"
            problems.add("warning", "land_use_standard_assumed", note, **where, field="land_use", value=std, zh=note_zh)
        else:
            note = f"land-use standard could not be decided — {why['en']}"
            note_zh = f"无法判断用地分类标准——{why['zh']}"
            problems.add("error", "land_use_standard_ambiguous",
                         note + f". Give it explicitly (one of {', '.join(STANDARDS)}).", **where, field="land_use",
                         zh=note_zh + "。请明确指定（" + "、".join(STANDARD_SHORT_ZH[k] for k in STANDARDS) + " 之一）。")
    else:
        std, note = None, "no land-use codes; categories read from the land-use names"
        note_zh = "没有地类编码；按地类名称分类"
        if names is not None:
            problems.add("warning", "land_use_from_names", note, **where, field="land_use", zh=note_zh)
    if not has_codes and names is None:
        return std, note, note_zh
    category = categorize(codes if has_codes else None, std, names)
    given_cat = out.get("land_use_category")
    out["land_use_category"] = category if given_cat is None else given_cat.where(given_cat.notna(), category)
    if codes is None or not (has_codes and std):
        return std, note, note_zh
    by_code = code_category(codes, std)
    col = match_of["land_use"].column
    code_arr, cat_arr = codes.to_numpy(dtype=object), out["land_use_category"].to_numpy(dtype=object)
    for i in np.flatnonzero((codes.notna() & by_code.isna()).to_numpy()):
        tail = f"; category {cat_arr[i]} taken from the name" if cat_arr[i] is not None else "; no category"
        tail_zh = f"；按地类名称归为{category_label(cat_arr[i])}" if cat_arr[i] is not None else "；无法分类"
        problems.add("warning", "land_use_unknown_code", f"column {col!r}: code {code_arr[i]!r} is not a {std} code{tail}",
                     **at(i), field="land_use", value=code_arr[i],
                     zh=f"列 {col!r}：编码 {code_arr[i]!r} 不是 {STANDARD_SHORT_ZH[std]} 编码{tail_zh}")
    if names is not None:
        by_name = name_category(names)
        clash = by_code.notna() & by_name.notna() & (by_code != by_name) & ~((by_code == "industrial") & (by_name == "m0"))
        code_cat, name_cat = by_code.to_numpy(dtype=object), by_name.to_numpy(dtype=object)
        name_arr = names.to_numpy(dtype=object)
        for i in np.flatnonzero(clash.to_numpy()):
            problems.add("warning", "land_use_name_mismatch",
                         f"code {code_arr[i]!r} means {code_cat[i]} in {std} but the name {name_arr[i]!r} says {name_cat[i]}",
                         **at(i), field="land_use", value=code_arr[i],
                         zh=f"编码 {code_arr[i]!r} 在 {STANDARD_SHORT_ZH[std]} 中为{category_label(code_cat[i])}，"
                            f"但地类名称 {name_arr[i]!r} 表示{category_label(name_cat[i])}")
    return std, note, note_zh
