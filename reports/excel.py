"""Excel workbook of an evaluation (xlsxwriter): summary, one sheet per unit kind, enterprises,
data issues and the method (every formula, weight and benchmark with its source).

Numbers are written as numbers with number formats (ratios as %, areas in mu), never as
text, so a bureau can sort, filter and recompute in Excel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from analysis.explain import FORMULAS, formula
from analysis.indicators import INDICATORS
from analysis.score import Evaluation
from i18n import layer_label, t
from reports import (
    GRADE_COLOURS,
    base_label,
    column_kind,
    column_label,
    display_value,
    is_missing,
    select_units,
    with_above_scale,
    with_display_grades,
)

NUMBER_FORMATS = {"ratio": "0.0%", "mu": "#,##0.00", "per_mu": "#,##0.00", "money": "#,##0.00", "far": "0.00",
                  "int": "0", "score": "0.0"}
LEAD_COLUMNS = ["unit_id", "unit_kind", "name", "level", "leading_industries", "score", "rank", "grade",
                "reason_not_scored", "score_coverage", "rank_best", "rank_worst"]
FIRM_LEAD = ["uscc", "name", "group", "units", "land_mu", "land_source", "score", "rank", "class", "class_override",
             "scored", "reason_not_scored", "substituted"]
ISSUE_COLUMNS = ["severity", "layer", "feature", "field", "code", "message", "value", "source"]
MAX_WIDTH = 48


class _Book:
    """The workbook with its cell formats, created once per file."""

    def __init__(self, path: Path, lang: str):
        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                                  "strings_to_urls": False})
        self.lang = lang
        self.head = self.wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#eef1f5",
                                        "border": 1, "border_color": "#bbbbbb"})
        self.formats = {k: self.wb.add_format({"num_format": f}) for k, f in NUMBER_FORMATS.items()}
        self.text = self.wb.add_format({})
        self.wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})
        self.grade = {g: self.wb.add_format({"bg_color": c, "font_color": "#ffffff" if g in ("A", "D") else "#111111"})
                      for g, c in GRADE_COLOURS.items()}

    def cell(self, ws, r: int, c: int, value: Any, kind: str) -> None:
        """One value: numbers as numbers with their format, booleans as booleans, missing as blank."""
        fmt = self.formats.get(kind)
        if is_missing(value):
            ws.write_blank(r, c, None, fmt)
        elif isinstance(value, (bool, np.bool_)):
            ws.write_boolean(r, c, bool(value))
        elif isinstance(value, (int, float, np.integer, np.floating)) and kind != "text":
            ws.write_number(r, c, float(value), fmt)
        elif isinstance(value, (int, float, np.integer, np.floating)):
            ws.write_number(r, c, float(value))
        else:
            ws.write_string(r, c, str(value))

    def column(self, ws, j: int, values: pd.Series, kind: str) -> None:
        """One column from row 1 down, typed once for the whole column (the fast path of `cell`)."""
        fmt = self.formats.get(kind)
        if pd.api.types.is_bool_dtype(values.dtype) and not values.isna().any():
            for i, v in enumerate(values.to_numpy(dtype=bool), 1):
                ws.write_boolean(i, j, bool(v))
        elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            finite = np.isfinite(numbers)
            for i, (v, ok) in enumerate(zip(numbers.tolist(), finite.tolist()), 1):
                if ok:
                    ws.write_number(i, j, v, fmt)
                else:
                    ws.write_blank(i, j, None, fmt)
        else:
            for i, v in enumerate(values.to_numpy(dtype=object), 1):
                self.cell(ws, i, j, v, kind)

    def table(self, name: str, frame: pd.DataFrame, kinds: dict[str, str], *, freeze_cols: int = 1,
              grade_column: str | None = None, widths: dict[str, int] | None = None,
              label=column_label) -> None:
        """A sheet with a frozen header row, filters, formatted columns and optional grade colours; `label(column,
        lang)` gives the header."""
        ws = self.wb.add_worksheet(_sheet_name(name))
        cols = list(frame.columns)
        ws.set_row(0, 32)
        for j, col in enumerate(cols):
            ws.write_string(0, j, label(col, self.lang) if col != "units" else t("exp_units_in", self.lang), self.head)
            width = (widths or {}).get(col) or _width(label(col, self.lang), frame[col], kinds.get(col, "text"))
            ws.set_column(j, j, width)
        for j, col in enumerate(cols):
            self.column(ws, j, frame[col], kinds.get(col, "text"))
        n = len(frame)
        ws.freeze_panes(1, freeze_cols)
        ws.autofilter(0, 0, max(n, 1), len(cols) - 1)
        if grade_column and grade_column in cols and n:
            letter = xlsxwriter.utility.xl_col_to_name(cols.index(grade_column))
            for grade, fmt in self.grade.items():
                ws.conditional_format(1, 0, n, len(cols) - 1, {"type": "formula", "criteria": f'=${letter}2="{grade}"',
                                                                "format": fmt})


def export_xlsx(ev: Evaluation, path: Path, *, lang: str = "zh", unit_ids: list[str] | None = None,
                progress: Callable[[str], None] | None = None) -> Path:
    """Write the evaluation workbook to `path`."""
    say = progress or (lambda _m: None)
    positions = select_units(ev.units, unit_ids)
    units = _unit_frame(ev.units.reset_index(drop=True).iloc[positions], lang)
    kinds = {c: column_kind(c) for c in units.columns}
    for c in ("unit_kind", "level", "grade", "name", "unit_id", "leading_industries", "reason_not_scored"):
        kinds[c] = "text"
    book = _Book(path, lang)
    kinds["score_coverage"] = "ratio"
    # unit sheets: the per-mu output figures read 全部企业, their 规上-only twins beside them 规上
    book.table(t("exp_sheet_summary", lang), units, kinds, freeze_cols=3, grade_column="grade",
               widths={"reason_not_scored": 30}, label=base_label)
    raw_kind = ev.units.reset_index(drop=True).iloc[positions]["unit_kind"].to_numpy()
    for kind in pd.unique(raw_kind):
        part = units[raw_kind == kind]
        part = part.assign(_r=pd.to_numeric(part["rank"], errors="coerce")).sort_values(["_r", "unit_id"]).drop(columns="_r")
        book.table(layer_label(kind, lang), part, kinds, freeze_cols=3, grade_column="grade", label=base_label)
    firms = _firm_frame(ev, lang)
    firm_kinds = {c: ("text" if c in ("group", "units") else column_kind(c)) for c in firms.columns}
    book.table(t("exp_sheet_enterprises", lang), firms, firm_kinds,
               freeze_cols=2, grade_column="class", widths={"units": 24, "reason_not_scored": 36})
    issues = pd.DataFrame(ev.warnings).reindex(columns=ISSUE_COLUMNS)
    if len(issues):
        issues["severity"] = issues["severity"].map(lambda s: t(f"severity_{s}", lang) if isinstance(s, str) and s else s)
    book.table(t("data_issues", lang), issues, {c: "text" for c in ISSUE_COLUMNS}, freeze_cols=0, widths={"message": 70})
    _method_sheet(book, ev)
    book.wb.close()
    say(f"xlsx: {len(units)} units, {len(firms)} enterprises, {len(issues)} data issues")
    return path


def _unit_frame(units: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Unit table in export order, kind and line level translated, nullable types made plain."""
    units = with_display_grades(units, lang)  # 未评价 and the reason where there is no score
    rest = [c for c in units.columns if c not in LEAD_COLUMNS]
    rest = list(with_above_scale([c for c in rest if not c.startswith("above_scale_")], rest)) + \
        [c for c in rest if c.startswith("above_scale_") and c.removeprefix("above_scale_") not in rest]  # twins beside
    frame = units[[c for c in LEAD_COLUMNS if c in units.columns] + rest].copy()
    frame["unit_kind"] = frame["unit_kind"].map(lambda k: layer_label(k, lang))
    if "level" in frame:
        frame["level"] = frame["level"].map(lambda v: display_value("level", v, lang) if not is_missing(v) else None)
    return _plain(frame)


def _firm_frame(ev: Evaluation, lang: str) -> pd.DataFrame:
    """Enterprise evaluation: identity, the units it belongs to, inputs, indicators, score parts, result."""
    firms = ev.firms.reset_index()
    ids = ev.units["unit_id"].astype(str).to_numpy()
    if len(ev.members):
        member_units = ev.members.assign(unit=ids[ev.members["unit_pos"].to_numpy()]).groupby("uscc")["unit"].agg(
            lambda s: "、".join(sorted(set(s))) if lang == "zh" else ", ".join(sorted(set(s))))
        firms["units"] = firms["uscc"].astype(str).map(member_units)
    else:
        firms["units"] = None
    firms["group"] = firms["group"].map(lambda g: display_value("group", g, lang) if not is_missing(g) else None)
    lead = [c for c in FIRM_LEAD if c in firms.columns]
    inputs = [c for c in firms.columns if c.endswith(("_10k_yuan", "_tce")) or c in ("electricity_kwh", "emissions", "employees")]
    indicators = [c for c in INDICATORS if c in firms.columns]
    parts = [c for c in firms.columns if c.endswith(("_benchmark", "_weight", "_part"))]
    order = list(dict.fromkeys(lead + inputs + indicators + parts + list(firms.columns)))
    frame = firms[order]
    keep = [c for c in frame.columns if c in lead or frame[c].notna().any()]
    return _plain(frame[keep])


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable pandas dtypes to plain objects/floats so every cell is a Python scalar or None."""
    out = frame.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.BooleanDtype):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
        elif pd.api.types.is_integer_dtype(out[c].dtype) and out[c].isna().any():
            out[c] = out[c].astype("Float64").astype(float)
    return out


def _method_sheet(book: _Book, ev: Evaluation) -> None:
    """Every formula, weight and benchmark the scores used, with where it comes from."""
    lang = book.lang
    rows = _method_rows(ev, lang)
    frame = pd.DataFrame(rows, columns=["section", "item", "formula", "value", "source"])
    ws = book.wb.add_worksheet(_sheet_name(t("exp_sheet_method", lang)))
    heads = [t("exp_section", lang), t("exp_item", lang), t("exp_formula", lang), t("exp_value", lang), t("exp_source", lang)]
    for j, (h, w) in enumerate(zip(heads, (16, 30, 70, 14, 48))):
        ws.write_string(0, j, h, book.head)
        ws.set_column(j, j, w, book.wrap if j in (2, 4) else None)
    for i, r in enumerate(frame.itertuples(index=False), 1):
        for j, value in enumerate(r):
            book.cell(ws, i, j, value, "text")  # numbers in General format: weights and benchmarks keep all digits
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(frame), 1), len(heads) - 1)


def _method_rows(ev: Evaluation, lang: str) -> list[tuple]:
    cfg = ev.config
    rows: list[tuple] = []
    for key, value in _fields(cfg.project):
        rows.append((t("project", lang), key, None, _scalar(value), "landpark.toml [project]"))
    section = t("exp_unit_formulas", lang)
    for key, (label, _) in FORMULAS.items():  # the formula in the export's language (FORMULAS_ZH for zh)
        rows.append((section, f"{label} {key}" if lang == "zh" else key, formula(key, lang), None,
                     "Landpark analysis.explain.FORMULAS"))
    for name, settings in (("units", cfg.units), ("supply", cfg.supply), ("intensity", cfg.intensity),
                           ("land_use", cfg.land_use)):
        for key, value in _fields(settings):
            rows.append((section, key, None, _scalar(value), f"landpark.toml [{name}]"))
    spec = ev.spec
    section = t("exp_composite", lang)
    rows.append((section, "score", t("exp_score_formula", lang), None, "landpark.toml [composite]"))
    for name, w, d, norm in zip(spec.indicators, spec.weights, spec.directions, spec.normalisations):
        label = column_label(name, lang)
        rows.append((section, f"{label} · {t('exp_weight', lang)}", f"{d}, {norm}: {t(f'exp_{d}', lang)}; "
                     f"{t(f'exp_norm_{norm}', lang).format(cap=f'{spec.cap:g}')}", w, "landpark.toml [composite] weights"))
        bench = ev.district.get(name)
        rows.append((section, f"{label} · {t('exp_benchmark', lang)}", None, _scalar(bench), t("exp_computed_district", lang)))
    rows.append((section, "cap", None, spec.cap, "landpark.toml [composite] cap"))
    for grade, value in zip("ABC", spec.grade_thresholds):
        rows.append((section, f"grade {grade} ≥", None, value, "landpark.toml [composite] grade_thresholds"))
    rows.append((section, "sensitivity_step", None, spec.step, "landpark.toml [composite] sensitivity_step"))
    section = t("exp_enterprise_method", lang)
    rows += _enterprise_method_rows(ev, section, lang)
    return rows


def _enterprise_method_rows(ev: Evaluation, section: str, lang: str) -> list[tuple]:
    """The 亩均 method the firms were scored with: title, source, open rules, then per list each indicator's
    expression, weight and applied 基准值, and the class rule."""
    from analysis.methods import INLINE, method_from_settings

    method = ev.method or method_from_settings(ev.config.enterprise)
    origin = method.path or method.name
    rows: list[tuple] = [(section, "method", f"{method.title} [{method.name}]", None, origin),
                         (section, "source", method.source, None, method.url or origin)]
    rows += [(section, t("exp_open_point", lang), point, None, origin) for point in method.open_points]
    inline = method.name == INLINE  # the project's own landpark.toml: name the keys the numbers come from
    for lst in method.lists:
        applied = (ev.enterprises.benchmarks or {}).get(lst.name, {})
        where = f"landpark.toml [enterprise.{lst.name}_scale]" if inline else f"{origin} lists.{lst.name}"
        rows.append((section, f"{lst.label} · when", lst.when.text, None, f"{origin} lists.{lst.name}"))
        for name, weight in zip(lst.indicators, lst.weights):
            ind = method.indicators[name]
            label = f"{lst.label} · {ind.label}"
            rows.append((section, f"{label} · {t('exp_weight', lang)}", f"{ind.expression.text} ({ind.unit})", _scalar(weight),
                         f"{where} weights ({lst.scoring})"))
            rows.append((section, f"{label} · {t('exp_benchmark', lang)}", None, _scalar(applied.get(name)),
                         f"{where} benchmarks ({lst.benchmark})"))
        rows.append((section, f"{lst.label} · classes", f"{lst.classes.method} within {lst.classes.within}",
                     ", ".join(f"{c:g}" for c in lst.classes.cuts),
                     "landpark.toml [enterprise.classes]" if inline else f"{where}.classes"))
    for ex in method.exclusions:
        rows.append((section, "exclusion", f"{ex.when.text}: {ex.reason}", ex.label, origin))
    for adj in method.adjustments:
        what = adj.points if adj.points is not None else (adj.max_class or adj.min_class)
        rows.append((section, adj.kind, adj.label or adj.event or (adj.when.text if adj.when else ""), _scalar(what),
                     f"{origin} {adj.source}"))
    return rows


def _fields(settings: Any) -> list[tuple[str, Any]]:
    """(toml key, value) of every setting of a typed section, in the order of landpark.toml."""
    return [(f.name, getattr(settings, f.name)) for f in dataclasses.fields(settings)]


def _scalar(value: Any) -> Any:
    """A config value as a cell: numbers stay numbers, lists become text."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)  # a date: ISO


def _sheet_name(name: str) -> str:
    """Excel sheet names: ≤ 31 characters, none of []:*?/\\."""
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31]


def _width(label: str, values: pd.Series, kind: str) -> int:
    """Column width from the label and the longest value (CJK characters count double)."""
    def w(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)
    longest = 0
    if kind == "text" and len(values):
        longest = max((w(str(v)) for v in values.head(500) if not is_missing(v)), default=0)
    elif kind != "text":
        longest = 10
    return int(min(MAX_WIDTH, max(8, min(w(label), 22) + 2, longest + 2)))


__all__ = ["export_xlsx"]
