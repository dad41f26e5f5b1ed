"""Excel workbook of an evaluation (xlsxwriter): summary, one sheet per unit kind, enterprises,
data issues and the method (every formula, weight and benchmark with its source).

Numbers are written as numbers at full precision with a number format on every numeric column
(ratios as %, areas in mu with one decimal, per-mu figures with two), never as text, so a bureau
can sort, filter and recompute in Excel; the format rounds for display only. Every sheet is set up
to print on A4: one page wide, header row repeated, title and page numbers in the header and
footer; the long firm sheet prints its key columns only. The Chinese edition shows no codes:
booleans read 是/否, layers, fields, problem codes, land sources and method words are in Chinese.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
import xlsxwriter.utility

from analysis.explain import FORMULAS, formula
from analysis.indicators import INDICATORS
from analysis.score import Evaluation
from i18n import TEXT, feature_label, field_label, layer_label, t
from i18n.numbers import format_bool
from layers.landuse import category_label
from reports import (
    GRADE_COLOURS,
    base_label,
    column_kind,
    column_label,
    display_value,
    is_missing,
    report_order,
    select_units,
    with_above_scale,
    with_display_grades,
)
from reports.briefing import time_view
from reports.scope import firm_level_allowed
from reports.text.excel import has_phrase, phrase

# Number formats by column kind (i18n.numbers.column_kind): what a cell shows, never what it stores.
NUMBER_FORMATS = {"ratio": "0.0%", "mu": "#,##0.0", "per_mu": "#,##0.00", "money": "#,##0.00", "far": "0.00",
                  "int": "#,##0", "score": "0.0", "year": "0", "detail": "#,##0.00##"}
# Firm inputs and method terms whose kind the shared table leaves as text.
COLUMN_FORMATS = {"electricity_kwh": "#,##0", "employees": "#,##0", "energy_tce": "#,##0.0", "emissions": "#,##0.000",
                  "value_added_per_energy": "#,##0.00", "value_added_per_emission": "#,##0.00", "tax_per_kwh": "0.000",
                  "years_in_production": "0.0", "rank_of": "#,##0", "score_base": "0.0"}
SUFFIX_FORMATS = (("_part", "0.00"), ("_benchmark", NUMBER_FORMATS["detail"]), ("_weight", NUMBER_FORMATS["detail"]))
LEAD_COLUMNS = ["unit_id", "unit_kind", "name", "level", "leading_industries", "score", "rank", "grade",
                "reason_not_scored", "score_coverage", "rank_best", "rank_worst"]
# The firm sheet's first columns, also its print area (a 局长 prints identity, class and the two per-mu figures).
FIRM_KEY = ["uscc", "name", "group", "units", "class", "score", "rank", "tax_per_mu", "value_added_per_mu", "land_mu"]
FIRM_LEAD = FIRM_KEY + ["land_source", "class_override", "scored", "reason_not_scored", "substituted"]
FIRM_TEXT = ("group", "units", "land_source", "list_label", "sector", "class_override", "substituted", "adjustments",
             "excluded_label", "scored", "above_scale", "reason_not_scored")
ISSUE_COLUMNS = ["severity", "layer", "feature", "field", "code", "message", "value", "source"]
# Unit ratios bounded by 1 by construction; a quotient of sums of clipped areas may exceed 1 by float noise
# (1.0000000178 on the demo). Values within RATIO_NOISE above 1 are stored as 1; a larger excess is a data
# problem and is kept as computed.
BOUNDED_RATIOS = ("industrial_share", "m0_share", "supply_ratio", "built_ratio", "idle_ratio", "building_coverage",
                  "score_coverage")
RATIO_NOISE = 1e-6

# Layout (pure page geometry, not domain choices). Column widths are Excel characters (≈ 7 px each + 5 px).
MAX_WIDTH = 40
NUMBER_WIDTH = (9, 13)  # numeric columns: narrow, their header wraps over up to three lines
HEAD_HEIGHT = 45  # points: three lines of header
PAPER_A4 = 9
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.75, "bottom": 0.6}  # inches; header/footer sit in top/bottom
PRINTABLE_PX = {"portrait": (8.27 - 0.8) * 96, "landscape": (11.69 - 0.8) * 96}  # width inside the margins
LONG_SHEET_ROWS = 500  # more rows than this: portrait whatever the width (the firm sheet: 75 pages, not 200)
GRADE_TINT = 0.5  # grade fills are the map's grade colours mixed half with white, under dark text
GRADE_TEXT = "#111111"


class _Book:
    """The workbook with its cell formats, created once per file."""

    def __init__(self, path: Path, lang: str, title: str):
        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                                  "strings_to_urls": False})
        self.lang = lang
        self.title = title
        self.head = self.wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#eef1f5",
                                        "border": 1, "border_color": "#bbbbbb"})
        self._formats: dict[str, Any] = {}
        self.wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})
        self.grade = {g: self.wb.add_format({"bg_color": _tint(c, GRADE_TINT), "font_color": GRADE_TEXT, "bold": True})
                      for g, c in GRADE_COLOURS.items()}

    def number_format(self, num_format: str | None):
        """The cell format of a number format string (one per distinct string)."""
        if num_format is None:
            return None
        if num_format not in self._formats:
            self._formats[num_format] = self.wb.add_format({"num_format": num_format})
        return self._formats[num_format]

    def cell(self, ws, r: int, c: int, value: Any, num_format: str | None) -> None:
        """One value: numbers as numbers with their format (General never), booleans as 是/否, missing as blank."""
        if is_missing(value):
            ws.write_blank(r, c, None, self.number_format(num_format))
        elif isinstance(value, (bool, np.bool_)):
            ws.write_string(r, c, format_bool(bool(value), self.lang))
        elif isinstance(value, (int, float, np.integer, np.floating)):
            ws.write_number(r, c, float(value), self.number_format(num_format or _detail_format(value)))
        else:
            ws.write_string(r, c, str(value))

    def column(self, ws, j: int, values: pd.Series, num_format: str | None) -> None:
        """One column from row 1 down, typed once for the whole column (the fast path of `cell`)."""
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            fmt = self.number_format(num_format or NUMBER_FORMATS["detail"])
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            for i, (v, ok) in enumerate(zip(numbers.tolist(), np.isfinite(numbers).tolist()), 1):
                if ok:
                    ws.write_number(i, j, v, fmt)
                else:
                    ws.write_blank(i, j, None, fmt)
        else:
            for i, v in enumerate(values.to_numpy(dtype=object), 1):
                self.cell(ws, i, j, v, num_format)

    def table(self, name: str, frame: pd.DataFrame, formats: dict[str, str | None], *, freeze_cols: int = 1,
              grade_column: str | None = None, widths: dict[str, int] | None = None,
              label: Callable[[str, str], str] = column_label, print_columns: int | None = None) -> None:
        """A sheet with a frozen, repeated header row, filters, a number format on every numeric column, grade
        colours on the grade cell only, set up to print; `label(column, lang)` gives the header and
        `print_columns` limits the printed columns to the first n (the rest stays on screen)."""
        ws = self.wb.add_worksheet(_sheet_name(name))
        cols = list(frame.columns)
        ws.set_row(0, HEAD_HEIGHT)
        px: list[float] = []
        for j, col in enumerate(cols):
            head = label(col, self.lang)
            ws.write_string(0, j, head, self.head)
            numeric = pd.api.types.is_numeric_dtype(frame[col].dtype) and not pd.api.types.is_bool_dtype(frame[col].dtype)
            width = (widths or {}).get(col) or _width(head, frame[col], numeric)
            ws.set_column(j, j, width, None if numeric else self.wrap)
            px.append(width * 7 + 5)
        for j, col in enumerate(cols):
            self.column(ws, j, frame[col], formats.get(col))
        n = len(frame)
        ws.freeze_panes(1, freeze_cols)
        ws.autofilter(0, 0, max(n, 1), len(cols) - 1)
        if grade_column and grade_column in cols and n:
            g = cols.index(grade_column)
            letter = xlsxwriter.utility.xl_col_to_name(g)
            for grade, fmt in self.grade.items():
                ws.conditional_format(1, g, n, g, {"type": "formula", "criteria": f'=${letter}2="{grade}"', "format": fmt})
        printed = len(cols) if print_columns is None else min(print_columns, len(cols))
        if print_columns is not None:
            ws.print_area(0, 0, max(n, 1), printed - 1)
        self.print_setup(ws, sum(px[:printed]), n)

    def print_setup(self, ws, width_px: float, rows: int) -> None:
        """A4, one page wide (as many pages tall as needed), the header row on every page, the workbook's title
        and the sheet's name in the page header, 第 N 页 共 M 页 in the footer, gridlines printed."""
        ws.set_paper(PAPER_A4)
        if _orientation(width_px, rows) == "landscape":
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.set_margins(**MARGINS)
        ws.set_header(f"&L{_escape(self.title)}&C&\"-,Bold\"&A", {"margin": 0.3})
        ws.set_footer(f"&C{phrase('xlsx_footer', self.lang)}", {"margin": 0.3})
        ws.hide_gridlines(0)  # 0: shown on screen and printed


def export_xlsx(ev: Evaluation, path: Path, *, lang: str = "zh", unit_ids: list[str] | None = None,
                progress: Callable[[str], None] | None = None) -> Path:
    """Write the evaluation workbook to `path` (a temporary file beside it, moved in when complete)."""
    say = progress or (lambda _m: None)
    path = Path(path)
    positions = select_units(ev.units, unit_ids)
    chosen = ev.units.reset_index(drop=True).iloc[positions].reset_index(drop=True)
    chosen = chosen.iloc[report_order(chosen)].reset_index(drop=True)  # by kind, then rank: every export's order
    units = _unit_frame(chosen, lang)
    formats = {c: _column_format(c) for c in units.columns}
    project = ev.config.project
    title = phrase("xlsx_print_title", lang).format(region=project.region, year=project.year)
    tmp = path.with_name(f".{path.name}.tmp")
    book = _Book(tmp, lang, title)
    try:
        # unit sheets: the per-mu output figures read 全部企业, their 规上-only twins beside them 规上
        book.table(t("exp_sheet_summary", lang), units, formats, freeze_cols=3, grade_column="grade",
                   widths={"reason_not_scored": 24}, label=base_label)
        raw_kind = chosen["unit_kind"].astype(str).to_numpy()
        for kind in pd.unique(raw_kind):
            book.table(layer_label(kind, lang), units[raw_kind == kind], formats, freeze_cols=3, grade_column="grade",
                       widths={"reason_not_scored": 24}, label=base_label)
        firms = _firm_frame(ev, lang)
        if firm_level_allowed(ev):  # an aggregates-only export (a viewer's) has no 企业评价 sheet at all
            firm_formats = {c: (None if c in FIRM_TEXT else _column_format(c)) for c in firms.columns}
            book.table(t("exp_sheet_enterprises", lang), firms, firm_formats, freeze_cols=2, grade_column="class",
                       widths={"uscc": 22, "name": 26, "group": 6, "units": 14, "class": 6, "score": 8, "rank": 8,
                               "tax_per_mu": 11, "value_added_per_mu": 11, "land_mu": 10, "reason_not_scored": 30,
                               "adjustments": 24},
                       label=_firm_label, print_columns=len([c for c in FIRM_KEY if c in firms.columns]))
        issues = _issue_frame(ev.warnings, lang)
        book.table(t("data_issues", lang), issues, {c: None for c in issues.columns}, freeze_cols=0,
                   widths={"message": 60, "feature": 20, "source": 20, "code": 18, "field": 16})
        _time_sheets(book, ev)
        _cluster_sheets(book, ev)
        reviewed = _standard_land_sheet(book, ev)
        _method_sheet(book, ev)
        book.wb.close()
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    say(f"xlsx: {len(units)} units, {len(firms)} enterprises, {len(issues)} data issues"
        + (f", {reviewed} standard-land parcels" if reviewed is not None else ""))
    return path


# --------------------------------------------------------------------------- tables


def _unit_frame(units: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Unit table in export order, kind and line level translated, bounded ratios cleared of float noise,
    nullable types made plain."""
    units = with_display_grades(units, lang)  # 未评价 and the reason where there is no score
    rest = [c for c in units.columns if c not in LEAD_COLUMNS]
    rest = list(with_above_scale([c for c in rest if not c.startswith("above_scale_")], rest)) + \
        [c for c in rest if c.startswith("above_scale_") and c.removeprefix("above_scale_") not in rest]  # twins beside
    frame = units[[c for c in LEAD_COLUMNS if c in units.columns] + rest].copy()
    frame["unit_kind"] = frame["unit_kind"].map(lambda k: layer_label(k, lang))
    if "level" in frame:
        frame["level"] = frame["level"].map(lambda v: display_value("level", v, lang) if not is_missing(v) else None)
    for c in BOUNDED_RATIOS:
        if c in frame:
            frame[c] = clip_ratio_noise(frame[c])
    return _plain(frame, lang)


def clip_ratio_noise(values: pd.Series) -> pd.Series:
    """A bounded ratio with float noise above 1 (at most RATIO_NOISE) set to exactly 1; other values unchanged."""
    v = pd.to_numeric(values, errors="coerce").astype(float)
    return v.where(~((v > 1.0) & (v <= 1.0 + RATIO_NOISE)), 1.0)


def _firm_frame(ev: Evaluation, lang: str) -> pd.DataFrame:
    """Enterprise evaluation: key columns first (the printed ones), then the rest of identity and result,
    inputs, indicators, score parts; coded values in `lang`."""
    firms = ev.firms.reset_index()
    ids = ev.units["unit_id"].astype(str).to_numpy()
    if len(ev.members):
        member_units = ev.members.assign(unit=ids[ev.members["unit_pos"].to_numpy()]).groupby("uscc")["unit"].agg(
            lambda s: "、".join(sorted(set(s))) if lang == "zh" else ", ".join(sorted(set(s))))
        firms["units"] = firms["uscc"].astype(str).map(member_units)
    else:
        firms["units"] = None
    firms["group"] = firms["group"].map(lambda g: display_value("group", g, lang) if not is_missing(g) else None)
    if "list" in firms and "list_label" in firms:
        firms = firms.drop(columns="list")  # the list's code beside its label
    coded = {"land_source": lambda v: _phrase_or("xlsx_src_", v, lang), "class_override": lambda v: _override_text(v, lang),
             "substituted": lambda v: _indicator_names(v, lang), "adjustments": lambda v: _adjustments_text(v, lang)}
    for column, fn in coded.items():
        if column in firms:
            firms[column] = firms[column].map(lambda v, fn=fn: None if _empty(v) else fn(v))
    lead = [c for c in FIRM_LEAD if c in firms.columns]
    inputs = [c for c in firms.columns if c.endswith(("_10k_yuan", "_tce")) or c in ("electricity_kwh", "emissions", "employees")]
    indicators = [c for c in INDICATORS if c in firms.columns]
    parts = [c for c in firms.columns if c.endswith(("_benchmark", "_weight", "_part"))]
    order = list(dict.fromkeys(lead + inputs + indicators + parts + list(firms.columns)))
    frame = firms[order]
    keep = [c for c in frame.columns if c in lead or frame[c].notna().any()]
    return _plain(frame[keep], lang)


def _firm_label(name: str, lang: str) -> str:
    """Header of a firm column: the shared column label, this section's where the shared table has none."""
    if name == "units":
        return t("exp_units_in", lang)
    label = column_label(name, lang)
    if label == name and has_phrase(f"xlsx_col_{name}"):
        return phrase(f"xlsx_col_{name}", lang)
    if label == name and lang != "zh":  # an input field the English table does not name: its words
        return name.replace("_", " ").capitalize()
    return label


def _issue_frame(warnings: list[dict], lang: str) -> pd.DataFrame:
    """The data issues with severity, layer, field and code in `lang` and the message in Chinese for zh."""
    issues = pd.DataFrame(warnings).reindex(columns=ISSUE_COLUMNS + ["message_zh"])
    if not len(issues):
        return issues[ISSUE_COLUMNS]
    issues["severity"] = issues["severity"].map(lambda s: t(f"severity_{s}", lang) if isinstance(s, str) and s else s)
    records = issues.to_dict("records")
    issues["message"] = [_issue_message(r, lang) for r in records]
    if lang == "zh":
        issues["field"] = [_field_text(r.get("layer"), r.get("field")) for r in records]
        issues["layer"] = issues["layer"].map(lambda k: layer_label(k, lang) if isinstance(k, str) and k else k)
        issues["feature"] = issues["feature"].map(lambda f: feature_label(f, lang) if not _empty(f) else None)
        issues["code"] = issues["code"].map(lambda c: code_label(c, lang) if isinstance(c, str) and c else c)
    issues["value"] = issues["value"].map(lambda v: format_bool(v, lang) if isinstance(v, (bool, np.bool_)) else v)
    return issues[ISSUE_COLUMNS].astype(object).where(issues[ISSUE_COLUMNS].notna(), None)


def code_label(code: str, lang: str = "zh") -> str:
    """A problem code as a person reads it: the shared table's data_code_* text, else this section's."""
    if f"data_code_{code}" in TEXT:
        return TEXT[f"data_code_{code}"].get(lang) or code
    return phrase(f"xlsx_code_{code}", lang) if has_phrase(f"xlsx_code_{code}") else code


_IDENTIFIER = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![A-Za-z0-9])")


def _issue_message(record: dict, lang: str) -> str | None:
    """A problem's message in `lang`: its own Chinese text for zh (else the English one with its field codes named
    in Chinese); the English message for en."""
    message = record.get("message")
    zh = record.get("message_zh")
    if lang == "zh" and isinstance(zh, str) and zh.strip():
        return zh
    if not isinstance(message, str):
        return None
    if lang != "zh":
        return message
    given = record.get("layer")
    layer = given if isinstance(given, str) else ""
    return _IDENTIFIER.sub(lambda w: _zh_word(w.group(0), layer), message)


def _zh_word(word: str, layer: str) -> str:
    """An identifier inside a message in Chinese: an indicator, a column or a field of the layer; else itself."""
    if word in INDICATORS:
        return INDICATORS[word].label_zh
    label = column_label(word, "zh")
    if label != word:
        return label
    return field_label(layer, word, "zh") if layer else word


def _field_text(layer: Any, name: Any) -> str | None:
    """A problem's field in Chinese (its canonical name's label); the name itself when it has none."""
    if _empty(name):
        return None
    name = str(name)
    if isinstance(layer, str) and layer:
        label = field_label(layer, name, "zh")
        if label != name:
            return label
    label = column_label(name, "zh")
    return label if label != name else _zh_word(name, "")


def _phrase_or(prefix: str, value: Any, lang: str) -> Any:
    """This section's text for a coded value (prefix + value), the value itself when there is none."""
    return phrase(prefix + str(value), lang) if has_phrase(prefix + str(value)) else value


_FOLLOWS = re.compile(r"tenancy: follows (\S+): (.+)")
_ADJUSTED = re.compile(r"(.+?): ([A-DT]→[A-DT])")


def _override_text(text: Any, lang: str) -> Any:
    """A class override (analysis.methods.engine `class_override`) in `lang`: the inline method's "new firm" and
    the tenancy rule worded here; a method file's own labels are kept."""
    if lang != "zh" or not isinstance(text, str):
        return text
    if m := _FOLLOWS.fullmatch(text):
        return phrase("xlsx_override_follows", lang).format(owner=m.group(1), change=m.group(2))
    if m := _ADJUSTED.fullmatch(text):
        label = phrase("xlsx_override_new_firm", lang) if m.group(1) == "new firm" else m.group(1)
        return f"{label}：{m.group(2)}"
    return text


def _indicator_names(codes: Any, lang: str) -> Any:
    """Comma-separated indicator codes as their names (Chinese for zh)."""
    if lang != "zh" or not isinstance(codes, str):
        return codes
    return "、".join(INDICATORS[c].label_zh if c in INDICATORS else c for c in codes.split(",") if c)


def _adjustments_text(items: Any, lang: str) -> Any:
    """A firm's adjustment records (type, cap or points, where in the method) as one line of text."""
    if not isinstance(items, (list, tuple)):
        return items
    parts = []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = _phrase_or("xlsx_adjust_", item.get("type"), lang)
        what = item.get("cap") if item.get("cap") is not None else item.get("points")
        what = f"{what:+g}" if isinstance(what, (int, float)) else (what or "")
        source = str(item.get("source") or "")
        if lang == "zh":
            source = source.replace("new firm", phrase("xlsx_override_new_firm", lang))
            source = re.sub(r"[A-Za-z_.]+\[?\d*\]?\s*", "", source).strip()  # the method file's key path
        parts.append(f"{kind} {what}" + (f"（{source}）" if source and lang == "zh" else f" ({source})" if source else ""))
    return ("；" if lang == "zh" else "; ").join(parts) or None


def _plain(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Nullable pandas dtypes to plain objects/floats so every cell is a Python scalar or None; booleans as
    是/否 (yes/no) text."""
    out = frame.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.BooleanDtype) or pd.api.types.is_bool_dtype(out[c].dtype) or column_kind(c) == "bool":
            out[c] = out[c].astype(object).map(lambda v: None if is_missing(v) else format_bool(bool(v), lang))
        elif pd.api.types.is_integer_dtype(out[c].dtype) and out[c].isna().any():
            out[c] = out[c].astype("Float64").astype(float)
    return out


def _column_format(name: str) -> str | None:
    """The number format of a column by its kind; None for text columns."""
    if name in COLUMN_FORMATS:
        return COLUMN_FORMATS[name]
    for suffix, fmt in SUFFIX_FORMATS:
        if name.endswith(suffix):
            return fmt
    if name == "score_coverage":
        return NUMBER_FORMATS["ratio"]
    return NUMBER_FORMATS.get(column_kind(name))


def _detail_format(value: Any) -> str:
    """The format of a number without a column format: whole numbers without decimals, others with 2–4."""
    return NUMBER_FORMATS["int"] if float(value).is_integer() else NUMBER_FORMATS["detail"]


def _empty(value: Any) -> bool:
    """None, NaN, an empty string or an empty list."""
    if isinstance(value, (list, tuple, dict)):
        return not value
    return is_missing(value) or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------- year on year and targets

# Number formats of a target's value by its unit (analysis.targets INDICATOR_UNITS and the checks' units).
TARGET_FORMATS = {"ratio": NUMBER_FORMATS["ratio"], "per_mu": "#,##0.00", "per_person": "#,##0.00", "count": "#,##0",
                  "km2": "#,##0.00", "mu": NUMBER_FORMATS["mu"]}


def _signed(fmt: str | None) -> str:
    """A number format showing the sign of a change ("+1.23", "-0.50", "0.00")."""
    fmt = fmt or NUMBER_FORMATS["detail"]
    return f"+{fmt};-{fmt};{fmt}"


def _cell_sheet(book: _Book, name: str, heads: list[str], rows: list[list[Any]], formats: list[list[str | None]] | None,
                widths: list[int], *, freeze_cols: int = 0, filters: bool = True):
    """A sheet of `rows` under a frozen, repeated header whose cells each carry their own number format (`formats`
    row by row: a column holds figures of different units), set up to print like the other sheets."""
    ws = book.wb.add_worksheet(_sheet_name(name))
    ws.set_row(0, HEAD_HEIGHT)
    for j, (head, width) in enumerate(zip(heads, widths)):
        ws.write_string(0, j, head, book.head)
        ws.set_column(j, j, width, book.wrap)
    for i, row in enumerate(rows, 1):
        for j, value in enumerate(row):
            book.cell(ws, i, j, value, formats[i - 1][j] if formats else None)
    ws.freeze_panes(1, freeze_cols)
    if filters:
        ws.autofilter(0, 0, max(len(rows), 1), len(heads) - 1)
    book.print_setup(ws, sum(w * 7 + 5 for w in widths), len(rows))
    return ws


def _state_label(state: str, lang: str, column: bool) -> str:
    """A class state as a heading: A类 …, 未评价, 上年无 (as a row) / 本年无 (as a column)."""
    if state == "absent":
        return t("yoy_state_absent_to" if column else "yoy_state_absent_from", lang)
    if state == "unscored":
        return t("yoy_state_unscored", lang)
    return t("yoy_class", lang).format(c=state)


def _time_sheets(book: _Book, ev: Evaluation) -> None:
    """The 同比 sheets (units and the district × indicators, the class transition counts, and the firms' transitions in a
    whole, named export only) and the 目标进度 sheet, when the evaluation carries them; nothing otherwise."""
    view = time_view(ev)
    if view is None:
        return
    if view.has_yoy:
        _yoy_sheet(book, view)
        _matrix_sheet(book, view)
        if view.firms is not None and len(view.firms):
            _firm_transition_sheet(book, view)
    if view.targets:
        _targets_sheet(book, view.targets)


def _yoy_sheet(book: _Book, view) -> None:
    """One row per district or unit and indicator: before, after, change (ratios in percentage points), relative
    change, direction and whether it is the better one; the district first."""
    from analysis.year_on_year import direction_label, indicator_label

    lang = book.lang
    verdict = {"improved": t("rtime_improved", lang), "worsened": t("rtime_worsened", lang), "flat": t("rtime_flat", lang)}
    district = view.district.assign(unit_id="", unit_kind="", name=t("rtime_district", lang))
    table = pd.concat([district, view.units], ignore_index=True)
    rows, formats = [], []
    for r in table.to_dict("records"):
        key = r["indicator"]
        ratio = column_kind(key) == "ratio"
        fmt = _column_format(key)
        change = r["change"] * 100 if ratio and not is_missing(r["change"]) else r["change"]
        kind = layer_label(str(r["unit_kind"]), lang) if r["unit_kind"] else ""
        rows.append([r["unit_id"], kind, r["name"], indicator_label(key, lang), r["before"], r["after"], change,
                     r["relative_change"], direction_label(r["direction"] if isinstance(r["direction"], str) else None, lang),
                     verdict.get(r["assessment"], "—")])
        points = '+0.0" {p}";-0.0" {p}";0.0" {p}"'.format(p=t("yoy_points", lang).strip())
        formats.append([None, None, None, None, fmt, fmt, points if ratio else _signed(fmt), _signed("0.0%"), None, None])
    heads = [t(f"rtime_col_{k}", lang) for k in ("unit_id", "unit_kind", "name", "indicator")]
    heads += [t("yoy_year", lang).format(year=view.year_from), t("yoy_year", lang).format(year=view.year_to)]
    heads += [t(f"rtime_col_{k}", lang) for k in ("change_value", "relative", "direction", "assessment")]
    _cell_sheet(book, t("rtime_sheet_yoy", lang), heads, rows, formats, [9, 12, 22, 18, 12, 12, 14, 9, 7, 7], freeze_cols=4)


def _matrix_sheet(book: _Book, view) -> None:
    """The class transitions as counts (rows: the year before, columns: this year, with totals), then the upgraded,
    downgraded, entering and leaving counts."""
    lang = book.lang
    m = view.matrix
    states = list(m.index)
    heads = [t("rtime_matrix_corner", lang), *(_state_label(s, lang, True) for s in states), t("yoy_total", lang)]
    rows: list[list[Any]] = [[_state_label(f, lang, False), *(int(m.at[f, c]) for c in states), int(m.loc[f].sum())]
                             for f in states]
    rows.append([t("yoy_total", lang), *(int(m[c].sum()) for c in states), int(m.to_numpy().sum())])
    rows.append([""] * len(heads))
    for key in ("up", "down", "same", "entered", "left"):
        rows.append([t(f"rtime_move_{key}", lang), view.summary.get(key, 0)] + [""] * (len(heads) - 2))
    formats = [[None] + [NUMBER_FORMATS["int"]] * (len(heads) - 1) for _ in rows]
    _cell_sheet(book, t("rtime_sheet_matrix", lang), heads, rows, formats, [14] + [9] * (len(heads) - 1), filters=False)


def _firm_transition_sheet(book: _Book, view) -> None:
    """Every firm of either year: credit code, name, class before and after, and the movement."""
    lang = book.lang
    firms = view.firms
    words = {k: t(f"rtime_move_{k}", lang) for k in ("up", "down", "same", "entered", "left", "other")}
    rows = [[r["uscc"], r["name"] if isinstance(r["name"], str) else "", _state_label(r["class_before"], lang, False),
             _state_label(r["class_after"], lang, True), words.get(r["movement"], words["other"])]
            for r in firms.to_dict("records")]
    heads = [t(f"rtime_col_{k}", lang) for k in ("uscc", "firm", "from", "to", "movement")]
    _cell_sheet(book, t("rtime_sheet_firms", lang), heads, rows, None, [22, 30, 10, 10, 8], freeze_cols=2)


def _targets_sheet(book: _Book, items: list[dict]) -> None:
    """Every target the export may carry: name, scope, year, value, target, gap (numbers in the target's unit),
    the requirement as text, unit, status, base and source."""
    from analysis.targets import base_label as target_base
    from analysis.targets import name_text, scope_label, status_label, target_text, unit_text

    lang = book.lang
    rows, formats = [], []
    for item in items:
        unit = "count" if item["kind"] == "size" else item["unit"]
        fmt = TARGET_FORMATS.get(unit)
        gap = item["gap"] if item["kind"] not in ("size", "unit_size") else None
        rows.append([name_text(item, lang), scope_label(item["scope"], item.get("scope_name"), lang), item["year"],
                     item["value"], item["target"], gap, target_text(item, lang),
                     unit_text(unit, lang) if unit != "ratio" else "%", status_label(item["status"], lang),
                     target_base(item.get("base"), lang) or "—", item.get("source") or ""])
        formats.append([None, None, "0", fmt, fmt, _signed(fmt), None, None, None, None, None])
    heads = [t(f"rtime_col_{k}", lang) for k in ("target", "scope", "year", "value", "target_value", "gap")]
    heads += [t("rtime_col_requirement", lang), t("rtime_col_unit_of", lang), t("rtime_col_status", lang),
              t("rtime_col_base", lang), t("rtime_col_source", lang)]
    _cell_sheet(book, t("rtime_sheet_targets", lang), heads, rows, formats, [30, 14, 7, 11, 11, 11, 18, 9, 9, 10, 50],
                freeze_cols=1)


# --------------------------------------------------------------------------- 标准地 review

# Number format of each reviewed term's committed and actual value (its gap: the same, signed).
TERM_FORMATS = {"investment_intensity": "#,##0.00", "far_min": NUMBER_FORMATS["far"], "tax_per_mu": "#,##0.00",
                "value_added_per_energy": "#,##0.00", "value_added_per_emission": "#,##0.00", "rd_ratio": "0.00%"}
# Column widths (Excel characters) of the sheet: the parcel's own columns, then four per term.
REVIEW_WIDTHS = [12, 9, 11, 22, 36, 24, 20, 8]
TERM_WIDTHS = [10, 10, 10, 6]
REVIEW_PRINTED = 6  # printed columns: parcel, verdict, due date, firm, terms missed, why undetermined (A4 portrait)


def _standard_land_sheet(book: _Book, ev: Evaluation) -> int | None:
    """The 标准地复核 sheet when the evaluation carries the 达产复核 (`ev.standard_land_review`): one row per 标准地
    parcel (verdict, due date, firm, terms missed, why undetermined), then per term committed, actual, gap and
    是/否 met; not met first. Returns the number of parcels written (None without a review)."""
    import reports.text.standard_land  # noqa: F401  (registers the stdpage_ text)
    from analysis.standard_land import TERMS, term_label, unit_text
    from reports.scope import review_rows

    result = getattr(ev, "standard_land_review", None)
    if result is None:
        return None
    lang = book.lang
    table = review_rows(result, lang)
    heads = [t(f"stdpage_col_{k}", lang) for k in ("parcel", "verdict", "due", "firm", "failed", "reason", "uscc",
                                                   "data_year")]
    row_formats: list[str | None] = [None, None, None, None, None, None, None, "0"]
    for key in TERMS:
        unit = unit_text(key, lang)
        term = term_label(key, lang) + ((f"（{unit}）" if lang == "zh" else f" ({unit})") if unit else "")
        heads += [t("stdpage_term_col", lang).format(term=term, what=t(f"stdpage_col_{w}", lang))
                  for w in ("committed", "actual", "gap", "met")]
        row_formats += [TERM_FORMATS[key], TERM_FORMATS[key], _signed(TERM_FORMATS[key]), None]

    def day(value: Any) -> str | None:
        """A date as ISO text (blank when missing)."""
        return None if is_missing(value) else pd.Timestamp(value).date().isoformat()

    def met(value: Any) -> str | None:
        """是 / 否, blank where the term has no verdict."""
        return None if is_missing(value) else t("stdpage_yes" if bool(value) else "stdpage_no", lang)

    rows = []
    for r in pd.DataFrame(table.drop(columns="geometry", errors="ignore")).to_dict("records"):
        row = [r["parcel_id"], r["verdict_text"], day(r["due_date"]), r["firm_name"], r["failed_text"],
               r["reason_text"] if r["verdict"] == "undetermined" else None, r["firm_uscc"],
               None if is_missing(r["data_year"]) else int(r["data_year"])]
        for key in TERMS:
            row += [r[f"{key}_committed"], r[f"{key}_actual"], r[f"{key}_gap"], met(r[f"{key}_met"])]
        rows.append(row)
    widths = REVIEW_WIDTHS + TERM_WIDTHS * len(TERMS)
    ws = _cell_sheet(book, t("stdpage_sheet", lang), heads, rows, [row_formats] * len(rows), widths, freeze_cols=2)
    ws.print_area(0, 0, max(len(rows), 1), REVIEW_PRINTED - 1)  # the terms' figures stay on screen, as the firm sheet's
    book.print_setup(ws, sum(w * 7 + 5 for w in widths[:REVIEW_PRINTED]), len(rows))
    return len(rows)


# --------------------------------------------------------------------------- method sheet


def _cluster_sheets(book: _Book, ev: Evaluation) -> None:
    """The 产业图谱 sheets (clusters, units' cluster shares and missing segments, concentration, the 3–5 rule) when
    the evaluation carries the cluster document; a scoped export's document holds only its own units."""
    if ev.clusters is None:
        return
    from analysis.clusters import export_tables
    from analysis.score import time_blocks
    from reports.scope import scope_of

    scope = scope_of(ev)
    scoped = scope is not None and (scope.unit_ids is not None or scope.redacted)
    document = time_blocks(ev, scoped=scoped, digits=None).get("clusters")
    if not document:
        return
    lang = book.lang
    percent = {t(k, lang) for k in ("clusters_col_share", "clusters_col_unit_share", "clusters_col_concentration",
                                    "clusters_col_progress")}
    for title, frame in export_tables(document, lang).items():
        formats = {c: ("0.0%" if c in percent else "#,##0.0") if pd.api.types.is_numeric_dtype(frame[c].dtype) else None
                   for c in frame.columns}
        book.table(title, frame, formats, freeze_cols=1, label=lambda column, _lang: str(column))


def _method_sheet(book: _Book, ev: Evaluation) -> None:
    """Every formula, weight and benchmark the scores used, with where it comes from; values as numbers with
    the format of what they are (shares as %)."""
    lang = book.lang
    rows = _method_rows(ev, lang)
    ws = book.wb.add_worksheet(_sheet_name(t("exp_sheet_method", lang)))
    heads = [t("exp_section", lang), t("exp_item", lang), t("exp_formula", lang), t("exp_value", lang), t("exp_source", lang)]
    widths = (14, 30, 60, 14, 40)
    ws.set_row(0, HEAD_HEIGHT)
    for j, (h, w) in enumerate(zip(heads, widths)):
        ws.write_string(0, j, h, book.head)
        ws.set_column(j, j, w, book.wrap)  # a text value (a list of categories) wraps; numbers keep their format
    for i, (*cells, kind) in enumerate(rows, 1):
        for j, value in enumerate(cells):
            book.cell(ws, i, j, value, NUMBER_FORMATS.get(kind) if j == 3 else None)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(heads) - 1)
    book.print_setup(ws, sum(w * 7 + 5 for w in widths), len(rows))


def _method_rows(ev: Evaluation, lang: str) -> list[tuple]:
    """(section, item, formula, value, source, value kind) of every setting, formula, weight and benchmark."""
    cfg = ev.config
    rows: list[tuple] = []
    for key, value in _fields(cfg.project):
        item = phrase(f"xlsx_project_{key}", lang) if has_phrase(f"xlsx_project_{key}") else key
        rows.append((t("project", lang), item, None, _scalar(value, lang), f"landpark.toml [project] {key}",
                     "year" if key == "year" else None))
    section = t("exp_unit_formulas", lang)
    for key, (label, _) in FORMULAS.items():  # the formula in the export's language (FORMULAS_ZH for zh)
        rows.append((section, label if lang == "zh" else key, formula(key, lang), None, phrase("xlsx_formula_source", lang),
                     None))
    for name, settings in (("units", cfg.units), ("supply", cfg.supply), ("intensity", cfg.intensity),
                           ("land_use", cfg.land_use)):
        for key, value in _fields(settings):
            item = phrase(f"xlsx_setting_{key}", lang) if has_phrase(f"xlsx_setting_{key}") else key
            if key.endswith("_categories"):
                value = [category_label(v, lang) for v in value]
            kind = "ratio" if key.endswith(("_share", "_ratio")) else ("int" if isinstance(value, int) else "detail")
            rows.append((section, item, None, _scalar(value, lang), f"landpark.toml [{name}] {key}", kind))
    rows += _composite_rows(ev, lang)
    rows += _enterprise_method_rows(ev, t("exp_enterprise_method", lang), lang)
    return rows


def _composite_rows(ev: Evaluation, lang: str) -> list[tuple]:
    """The composite score: formula, each indicator's weight, direction, normalisation and benchmark, grades."""
    spec = ev.spec
    section = t("exp_composite", lang)
    rows: list[tuple] = [(section, phrase("xlsx_composite_score", lang), t("exp_score_formula", lang), None,
                          "landpark.toml [composite]", None)]
    for name, w, d, norm in zip(spec.indicators, spec.weights, spec.directions, spec.normalisations):
        label = column_label(name, lang)
        how = f"{t(f'exp_{d}', lang)}; {t(f'exp_norm_{norm}', lang).format(cap=f'{spec.cap:g}')}"
        if lang == "zh":
            how = how.replace("; ", "；")
        rows.append((section, f"{label} · {t('exp_weight', lang)}", how if lang == "zh" else f"{d}, {norm}: {how}", w,
                     "landpark.toml [composite] weights", "detail"))
        bench = ev.district.get(name)
        kind = column_kind(name) if column_kind(name) in ("ratio", "per_mu", "far", "mu", "money") else "detail"
        rows.append((section, f"{label} · {t('exp_benchmark', lang)}", None, _scalar(bench, lang),
                     t("exp_computed_district", lang), kind))
    rows.append((section, phrase("xlsx_composite_cap", lang), None, spec.cap, "landpark.toml [composite] cap", "detail"))
    for grade, value in zip("ABC", spec.grade_thresholds):
        rows.append((section, phrase("xlsx_composite_grade", lang).format(grade=grade), None, value,
                     "landpark.toml [composite] grade_thresholds", "detail"))
    rows.append((section, phrase("xlsx_composite_step", lang), None, spec.step, "landpark.toml [composite] sensitivity_step",
                 "ratio"))
    return rows


def _enterprise_method_rows(ev: Evaluation, section: str, lang: str) -> list[tuple]:
    """The 亩均 method the firms were scored with: title, source, open rules, then per list each indicator's
    expression, weight and applied 基准值, and the class rule."""
    from analysis.methods import INLINE, method_from_settings

    method = ev.method or method_from_settings(ev.config.enterprise)
    origin = method.path or method.name
    title = method.title if lang == "zh" else f"{method.title} [{method.name}]"
    rows: list[tuple] = [(section, phrase("xlsx_method_name", lang), title, None, origin, None),
                         (section, phrase("xlsx_method_source", lang), method.source, None, method.url or origin, None)]
    rows += [(section, t("exp_open_point", lang), point, None, origin, None) for point in method.open_points]
    inline = method.name == INLINE  # the project's own landpark.toml: name the keys the numbers come from
    for lst in method.lists:
        applied = (ev.enterprises.benchmarks or {}).get(lst.name, {})
        where = f"landpark.toml [enterprise.{lst.name}_scale]" if inline else f"{origin} lists.{lst.name}"
        scoring = _phrase_or("xlsx_scoring_", lst.scoring, lang)
        bench_mode = _phrase_or("xlsx_benchmarks_", lst.benchmark, lang)
        rows.append((section, f"{lst.label} · {phrase('xlsx_method_when', lang)}", _expression(lst.when.text, lang), None,
                     f"{origin} lists.{lst.name}", None))
        for name, weight in zip(lst.indicators, lst.weights):
            ind = method.indicators[name]
            label = f"{lst.label} · {ind.label}"
            unit = (f"（{ind.unit}）" if lang == "zh" else f" ({ind.unit})") if ind.unit else ""
            rows.append((section, f"{label} · {t('exp_weight', lang)}", f"{_expression(ind.expression.text, lang)}{unit}",
                         _scalar(weight, lang), f"{where} weights" + (f"（{scoring}）" if lang == "zh" else f" ({scoring})"),
                         "detail"))
            kind = "ratio" if column_kind(name) == "ratio" else "detail"
            rows.append((section, f"{label} · {t('exp_benchmark', lang)}", None, _scalar(applied.get(name), lang),
                         f"{where} benchmarks（{bench_mode}）" if lang == "zh" else f"{where} benchmarks ({bench_mode})", kind))
        classes = f"{_phrase_or('xlsx_classes_', lst.classes.method, lang)}, " \
                  f"{_phrase_or('xlsx_within_', lst.classes.within, lang)}"
        rows.append((section, f"{lst.label} · {phrase('xlsx_method_classes', lang)}", classes.replace(", ", "，")
                     if lang == "zh" else classes, ", ".join(f"{c:g}" for c in lst.classes.cuts),
                     "landpark.toml [enterprise.classes]" if inline else f"{where}.classes", None))
    for ex in method.exclusions:
        rows.append((section, phrase("xlsx_method_exclusion", lang), f"{_expression(ex.when.text, lang)}: {ex.reason}",
                     ex.label, origin, None))
    for adj in method.adjustments:
        what = adj.points if adj.points is not None else (adj.max_class or adj.min_class)
        label = adj.label or adj.event or (_expression(adj.when.text, lang) if adj.when else "")
        if lang == "zh" and label == "new firm":
            label = phrase("xlsx_override_new_firm", lang)
        rows.append((section, _phrase_or("xlsx_adjust_", adj.kind, lang), label, _scalar(what, lang),
                     f"{origin} {adj.source}", "detail"))
    return rows


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = {"*": " × ", "/": " ÷ "}


def _expression(expression: Any, lang: str) -> Any:
    """A method file's expression as a person reads it: in zh its names are the enterprise table's Chinese field
    names and * / are × ÷ (tax_10k_yuan / land_mu → 实缴税金 ÷ 用地面积)."""
    if lang != "zh" or not isinstance(expression, str):
        return expression
    words = {"and": phrase("xlsx_word_and", lang), "or": phrase("xlsx_word_or", lang), "not": phrase("xlsx_word_not", lang),
             "true": t("exp_yes", lang), "false": t("exp_no", lang), "True": t("exp_yes", lang), "False": t("exp_no", lang)}

    def name(word: str) -> str:
        if word in words:
            return words[word]
        label = field_label("enterprises", word, "zh")
        if label == word and has_phrase(f"xlsx_col_{word}"):
            label = phrase(f"xlsx_col_{word}", lang)
        if label == word:
            label = column_label(word, "zh")
        return label.split("（")[0]

    text = _NAME.sub(lambda m: name(m.group(0)), expression)
    for op, shown in _OPERATORS.items():
        text = text.replace(f" {op} ", shown).replace(op, shown)
    return re.sub(r"\s{2,}", " ", text).strip()


def _fields(settings: Any) -> list[tuple[str, Any]]:
    """(toml key, value) of every setting of a typed section, in the order of landpark.toml."""
    return [(f.name, getattr(settings, f.name)) for f in dataclasses.fields(settings)]


def _scalar(value: Any, lang: str = "zh") -> Any:
    """A config value as a cell: numbers stay numbers, booleans 是/否, lists become text."""
    if isinstance(value, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, bool):
        return format_bool(value, lang)
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)  # a date: ISO


# --------------------------------------------------------------------------- layout


def _orientation(width_px: float, rows: int) -> str:
    """Landscape when the printed columns are wider than a portrait page, except on a long sheet: there the
    page count is the cost (fitted to the width, a portrait page holds more rows), so it prints portrait."""
    wide = width_px > PRINTABLE_PX["portrait"]
    return "landscape" if wide and rows <= LONG_SHEET_ROWS else "portrait"


def _tint(colour: str, share: float) -> str:
    """`colour` (#rrggbb) mixed with white: `share` of white."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in rgb)


def _escape(text: str) -> str:
    """Text for an Excel page header: & doubled (a single & starts a control code)."""
    return text.replace("&", "&&")


def _sheet_name(name: str) -> str:
    """Excel sheet names: ≤ 31 characters, none of []:*?/\\."""
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31]


def _width(label: str, values: pd.Series, numeric: bool) -> int:
    """Column width: numeric columns narrow with their header wrapped over up to three lines; text columns from
    the longest value (CJK characters count double)."""
    def w(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)
    if numeric:
        return int(min(NUMBER_WIDTH[1], max(NUMBER_WIDTH[0], math.ceil(w(label) / 3) + 1)))
    longest = max((w(str(v)) for v in values.head(500) if not is_missing(v)), default=0) if len(values) else 0
    return int(min(MAX_WIDTH, max(8, min(w(label), 16) + 2, longest + 2)))


__all__ = ["clip_ratio_noise", "code_label", "export_xlsx"]
