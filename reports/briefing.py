"""The briefing's content, built once and rendered by both the PDF (reports/pdf.py) and the Word report
(reports/docx.py), so the two documents have the same structure and the same words.

Everything here is already text in the chosen language: numbers carry their units (万元/亩, 亩, %), floors are
percentages, flags are words. The renderers only lay it out. Maps and charts are drawn by `BriefingFigures`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import reports.text.briefing  # noqa: F401  registers the brief_* text
import reports.text.time  # noqa: F401  registers the rtime_* text
from analysis.indicators import INDICATORS
from analysis.inputs import EvaluationInputs
from analysis.score import Evaluation
from i18n import TEXT, field_label, layer_label, t
from layers.schema import EVALUATION_UNIT_KINDS
from reports import (
    GRADE_COLOURS,
    KEY_INDICATORS,
    NO_GRADE_COLOUR,
    base_label,
    column_kind,
    composite_directions,
    display_value,
    format_value,
    grade_text,
    is_demo,
    is_missing,
    report_order,
    select_units,
    short_label,
    unit_issues,
    unit_reason,
    with_above_scale,
)
from reports.scope import kind_comparison, kind_norm_median, scope_of, scored_in_kind

# Unit facts on each unit page, in order.
UNIT_FACTS = ("area_mu", "industrial_land_mu", "approved_mu", "supplied_mu", "unsupplied_mu", "idle_mu",
              "low_efficiency_mu", "building_coverage", "member_count", "output_per_mu")
# District output and land figures under the floors table.
DISTRICT_FIGURES = ("tax_per_mu", "above_scale_tax_per_mu", "value_added_per_mu", "above_scale_value_added_per_mu",
                    "parcels_mu", "industrial_land_mu", "approved_mu", "supplied_mu", "unsupplied_mu", "built_ratio",
                    "idle_ratio", "industrial_share")
_EXTRA_LABELS = {"parcels_mu": ("宗地总面积", "All parcels")}
DIAGNOSIS_MAX = 3  # indicators named in a C/D unit's diagnosis (layout: three lines fit the page)
DIAGNOSED_GRADES = ("C", "D")
_UNITS_EN = {"万元/亩": "10k yuan/mu", "万元/人": "10k yuan/person", "亩": "mu", "万元": "10k yuan", "元/kWh": "yuan/kWh",
             "万元/吨标煤": "10k yuan/tce", "万元/吨": "10k yuan/t", "吨": "t", "人": "persons"}


# --------------------------------------------------------------------------- model


@dataclass
class Table:
    """A table as text: header row, body rows, alignment per column ("L", "R", "C"), relative widths, and cell
    fill colours {(row, col): "#rrggbb"} for body cells (grade cells)."""

    headers: list[str]
    rows: list[list[str]]
    align: list[str]
    widths: list[float]
    fills: dict[tuple[int, int], str] = field(default_factory=dict)
    emphasis: set[int] = field(default_factory=set)  # body rows to set apart (a breached floor)


@dataclass
class SummaryRow:
    """One district figure against its floor or target."""

    label: str
    value: str
    target: str
    status: str  # "breach", "attention", "ok" or "info"
    status_text: str
    basis: str


@dataclass
class UnitPage:
    """Everything one unit page says."""

    pos: int  # position in ev.units
    unit_id: str
    kind: str
    name: str
    bookmark: str  # "滨海智造园区（YQ01）"
    meta: str  # kind · id · level · industries
    grade: str  # A–D or "" when not scored
    grade_colour: str
    headline: str  # score, grade and rank, or why not scored
    stability: str  # 排名稳定 / rank range; "" when not scored
    indicators: Table
    facts: Table
    classes: dict[str, int]
    classes_title: str
    classes_line: str
    diagnosis_intro: str
    diagnosis: list[str]
    quality: list[str]
    change_line: str = ""  # year on year in one sentence ("" without a comparison)
    targets: Table | None = None  # the unit's relevant targets (None without any)


@dataclass
class TimeSection:
    """The district's year-on-year summary and the targets above unit level, for the front of the briefing."""

    title: str
    yoy_head: str  # "" without a comparison
    yoy: Table | None
    transitions: str  # class transition counts in one sentence ("" without a comparison)
    targets_head: str  # "" without targets
    targets: Table | None
    target_fills: dict[int, str] = field(default_factory=dict)  # behind → tinted
    sources: list[str] = field(default_factory=list)  # "target name: source", once per target


@dataclass
class Briefing:
    """The whole document: cover, summary, overview, method, ranking and unit pages."""

    lang: str
    title: str
    cover_region: str  # the cover's first line (the district)
    cover_title: str  # the cover's title line
    subtitle: str
    demo_banner: str  # "" outside the demo
    cover_lines: list[tuple[str, str]]  # (label, value): district, year, as of, 编制单位 (when set), date, units
    footer: str
    errors: list[str]  # project-wide data errors, shown on the summary page
    summary: list[SummaryRow]
    summary_notes: list[str]  # the breaches as sentences, the rolling 供地率 first
    district: Table
    cohorts: pd.DataFrame
    supply_floor: float
    supply_window: int
    method: Table
    method_lines: list[str]
    ranking: Table
    kinds: list[tuple[str, str, int]]  # (kind, label, number of units) in report order
    units: list[UnitPage]
    body_pt: float
    organisation: str
    time: TimeSection | None = None  # year on year and targets (None when the evaluation carries neither)


# --------------------------------------------------------------------------- numbers with units


def value_unit(name: str, lang: str = "zh") -> str:
    """The unit a figure of column `name` is written with ("万元/亩", "亩", "" for ratios, FAR and scores)."""
    unit = ""
    base = name.removeprefix("above_scale_")
    if base in INDICATORS and INDICATORS[base].unit:
        unit = INDICATORS[base].unit
    else:
        kind = column_kind(name)
        unit = {"per_mu": "万元/亩", "mu": "亩", "money": "万元"}.get(kind, "")
    if base == "labour_productivity":
        unit = "万元/人"
    return unit if lang == "zh" else _UNITS_EN.get(unit, unit)


def with_unit(name: str, value: Any, lang: str = "zh") -> str:
    """A value as text with its unit: "12.30 万元/亩", "1,234.5 亩", "56.7%"; missing values stay an em dash."""
    text = display_value(name, value, lang)
    if is_missing(value):
        return text
    if name in ("member_count", "above_scale_n_firms"):
        text = format_value(value, "count")
        return f"{text} 家" if lang == "zh" else f"{text} firms"
    unit = value_unit(name, lang)
    return f"{text} {unit}" if unit else text


def percent(value: float) -> str:
    """A floor or share as a percentage with no needless decimals: 0.6 → "60%", 0.655 → "65.5%"."""
    return f"{value * 100:.1f}".rstrip("0").rstrip(".") + "%"


def label_of(name: str, lang: str) -> str:
    """The short label of a figure (no unit in brackets: values carry their units)."""
    if name in _EXTRA_LABELS:
        return _EXTRA_LABELS[name][0 if lang == "zh" else 1]
    return base_label(name, lang, short=True)


# --------------------------------------------------------------------------- build


def build_briefing(ev: Evaluation, inputs: EvaluationInputs, *, lang: str = "zh",
                   unit_ids: list[str] | None = None, today: dt.date | None = None) -> Briefing:
    """The briefing's content for the chosen units (all when `unit_ids` is None), in report order."""
    today = today or dt.date.today()
    units = ev.units.reset_index(drop=True)
    chosen = set(select_units(units, unit_ids).tolist())
    order = [int(p) for p in report_order(units) if int(p) in chosen]
    project, report = ev.config.project, ev.config.report
    demo = is_demo(ev.config)
    title = t("brief_title", lang).format(region=project.region)
    cover = [(t("brief_district", lang), project.region), (t("brief_year", lang), str(project.year)),
             (t("brief_as_of", lang), project.evaluation_date.isoformat())]
    if report.organisation.strip():
        cover.append((t("brief_organisation", lang), report.organisation.strip()))
    cover += [(t("brief_date", lang), today.isoformat()),
              (t("brief_units_in_report", lang), t("brief_units_n", lang).format(n=len(order)))]
    footer = t("brief_footer", lang).format(date=today.isoformat())
    if demo:
        footer = f"{t('brief_demo', lang)} · {footer}"
    errors = [t("brief_project_error", lang).format(text=_issue_text(w, lang)) for w in ev.warnings
              if w.get("severity") == "error" and not w.get("feature")]
    summary, notes = summary_rows(ev, units, lang)
    floor = float(ev.config.supply.floor_ratio)
    window = int(ev.config.supply.window_years)
    kinds = [(k, layer_label(k, lang), sum(1 for p in order if units["unit_kind"].iloc[p] == k))
             for k in dict.fromkeys(units["unit_kind"].iloc[order].astype(str))]
    return Briefing(
        lang=lang, title=title, cover_region=project.region, cover_title=t("brief_cover_title", lang),
        subtitle=t("brief_subtitle", lang).format(year=project.year),
        demo_banner=t("brief_demo", lang) if demo else "", cover_lines=cover, footer=footer, errors=errors,
        summary=summary, summary_notes=notes, district=district_table(ev.district, lang),
        cohorts=ev.cohorts if isinstance(ev.cohorts, pd.DataFrame) else pd.DataFrame(),
        supply_floor=floor, supply_window=window, method=method_table(ev, lang), method_lines=method_lines(ev, lang),
        ranking=ranking_table(units, order, lang), kinds=kinds,
        units=list(unit_pages(ev, inputs, units, order, lang)), body_pt=float(report.body_font_pt),
        organisation=report.organisation.strip(), time=time_section(ev, lang))


def summary_rows(ev: Evaluation, units: pd.DataFrame, lang: str) -> tuple[list[SummaryRow], list[str]]:
    """District figures against their floors and targets, the rolling 供地率 first; and the breaches as sentences."""
    cfg, d = ev.config, ev.district
    rows: list[SummaryRow] = []
    notes: list[str] = []
    floor, window = float(cfg.supply.floor_ratio), int(cfg.supply.window_years)
    cohorts = ev.cohorts if isinstance(ev.cohorts, pd.DataFrame) else pd.DataFrame()
    rolling = d.get("rolling_supply_ratio")
    if len(cohorts) and not is_missing(rolling):
        y1 = int(cohorts["year"].iloc[-1])
        y0 = max(int(cohorts["year"].iloc[0]), y1 - window + 1)
        breach = float(rolling) < floor
        rows.append(_row("brief_rolling_supply", lang, format_value(rolling, "ratio"),
                         t("brief_floor_at_least", lang).format(v=percent(floor)), "breach" if breach else "ok",
                         t("brief_basis_supply", lang), w=window, y0=y0, y1=y1))
        gap = f"{(floor - float(rolling)) * 100:.1f}"
        notes.append(t("brief_breach_note" if breach else "brief_ok_note", lang).format(
            w=window, v=format_value(rolling, "ratio"), floor=percent(floor), gap=gap))
    if not is_missing(d.get("supply_ratio")):
        rows.append(_row("brief_supply_ratio", lang, format_value(d.get("supply_ratio"), "ratio"), "—", "info", ""))
    lines = units[units["unit_kind"] == "protection_lines"]
    for col in ("industrial_share_ok", "m0_share_ok"):
        if col in lines and lines[col].notna().any():
            ok = lines[col].dropna().astype(bool)
            k, n = int(ok.sum()), len(ok)
            status = "ok" if k == n else "breach"
            share = col == "industrial_share_ok"
            label = t("brief_blocks_share" if share else "brief_blocks_m0", lang)
            target = (t("brief_each_at_least", lang).format(v=percent(cfg.units.min_industrial_share)) if share
                      else t("brief_each_at_most", lang).format(v=percent(cfg.units.m0_max_share)))
            rows.append(_row("brief_blocks_share" if share else "brief_blocks_m0", lang,
                             t("brief_blocks_n", lang).format(k=k, n=n), target, status,
                             t("brief_basis_industrial_share" if share else "brief_basis_m0_share", lang)))
            if status == "breach":
                names = "、".join(lines.loc[ok.index[~ok.to_numpy()], "name"].astype(str)) if lang == "zh" else \
                    ", ".join(lines.loc[ok.index[~ok.to_numpy()], "name"].astype(str))
                notes.append(f"{label}：{k}/{n}（{names}）" if lang == "zh" else f"{label}: {k} of {n} ({names})")
    n_idle = d.get("idle_by_date_count")
    if not is_missing(n_idle):
        n_idle = int(n_idle)
        rows.append(_row("brief_idle", lang, t("brief_idle_value", lang).format(n=f"{n_idle:,}"), t("brief_zero", lang),
                         "attention" if n_idle else "ok", t("brief_idle_basis", lang)))
        if n_idle:
            notes.append(f"{t('brief_idle', lang)}：{n_idle:,} 宗" if lang == "zh" else f"{t('brief_idle', lang)}: {n_idle:,}")
    enc = ev.encroachments
    if isinstance(enc, pd.DataFrame) and "protection_lines" in set(units["unit_kind"]):
        n_enc, mu = len(enc), float(enc["area_mu"].sum()) if len(enc) else 0.0
        rows.append(_row("brief_encroach", lang, t("brief_encroach_value", lang).format(n=f"{n_enc:,}", mu=f"{mu:,.1f}"),
                         t("brief_zero", lang), "attention" if n_enc else "ok",
                         t("brief_basis_encroach", lang)))
        if n_enc:
            notes.append(f"{t('brief_encroach', lang)}：{n_enc:,} 宗，{mu:,.1f} 亩" if lang == "zh"
                         else f"{t('brief_encroach', lang)}: {n_enc:,} parcels, {mu:,.1f} mu")
    threshold = float(cfg.intensity.low_far_threshold)
    if not is_missing(d.get("far_industrial")):
        far = float(d["far_industrial"])
        rows.append(_row("brief_far", lang, format_value(far, "far"), t("brief_far_target", lang).format(v=f"{threshold:.1f}"),
                         "ok" if far >= threshold else "breach",
                         t("brief_basis_far", lang)))
    if not is_missing(d.get("low_far_mu")):
        rows.append(_row("brief_low_far", lang, with_unit("low_far_mu", d["low_far_mu"], lang), "—",
                         "attention" if float(d["low_far_mu"]) > 0 else "ok", t("brief_basis_far", lang), v=f"{threshold:.1f}"))
    grades = units["grade"].astype(object)
    counts = {g: int((grades == g).sum()) for g in "ABCD"}
    rows.append(_row("brief_grades", lang, t("brief_grades_value", lang).format(a=counts["A"], b=counts["B"], c=counts["C"],
                                                                                 d=counts["D"]),
                     "—", "attention" if counts["D"] else "info", ""))
    d_names = units.loc[grades == "D", "name"].astype(str).tolist()
    notes.append(t("brief_d_units", lang).format(names=("、" if lang == "zh" else ", ").join(d_names)) if d_names
                 else t("brief_no_d_units", lang))
    return rows, notes


def _row(key: str, lang: str, value: str, target: str, status: str, basis: str, **label_values: Any) -> SummaryRow:
    """One summary row; `label_values` fill the label's placeholders."""
    status_text = t("brief_status_breach" if status == "breach" else "brief_status_attention" if status == "attention"
                    else "brief_status_ok" if status == "ok" else "brief_status_info", lang)
    return SummaryRow(t(key, lang).format(**label_values), value, target, status, status_text, basis)


def district_table(district: dict, lang: str) -> Table:
    """The district's output and land figures, two per row, each with its unit."""
    items = [(k, district.get(k)) for k in DISTRICT_FIGURES if k in district]
    half = (len(items) + 1) // 2
    rows = []
    for left, right in zip(items[:half], items[half:] + [(None, None)]):
        rows.append([label_of(left[0], lang), with_unit(left[0], left[1], lang),
                     label_of(right[0], lang) if right[0] else "", with_unit(right[0], right[1], lang) if right[0] else ""])
    return Table([], rows, ["L", "R", "L", "R"], [3.2, 2.0, 3.2, 2.0])


def method_table(ev: Evaluation, lang: str) -> Table:
    """The composite indicators: weight (as %), direction, normalisation and the district value with its unit."""
    spec = ev.spec
    total = float(sum(spec.weights)) or 1.0
    rows = [[label_of(name, lang), percent(w / total), t(f"exp_{d}", lang),
             t(f"exp_norm_{norm}", lang).format(cap=f"{spec.cap:g}"), with_unit(name, ev.district.get(name), lang)]
            for name, w, d, norm in zip(spec.indicators, spec.weights, spec.directions, spec.normalisations)]
    heads = [t("exp_indicator", lang), t("exp_weight", lang), t("exp_direction", lang), t("exp_normalisation", lang),
             t("exp_district_value", lang)]
    return Table(heads, rows, ["L", "R", "L", "L", "R"], [2.6, 1.0, 1.3, 3.0, 1.8])


def method_lines(ev: Evaluation, lang: str) -> list[str]:
    """The score formula, the grade rule, the 亩均 method and its source, and the rules that source leaves open."""
    a, b, c = ev.spec.grade_thresholds
    colon = "：" if lang == "zh" else ": "
    out = [t("exp_score_formula", lang), t("exp_grade_rule", lang).format(a=f"{a:g}", b=f"{b:g}", c=f"{c:g}")]
    method = getattr(ev, "method", None)
    source = f"{method.title} — {method.source}" if method is not None else ev.config.enterprise.source
    if source:
        out.append(f"{t('exp_enterprise_method', lang)}{colon}{source}")
    for point in (tuple(method.open_points) if method is not None else ()):
        out.append(f"{t('exp_open_point', lang)}{colon}{point}")
    return out


def ranking_table(units: pd.DataFrame, order: list[int], lang: str) -> Table:
    """Every chosen unit in report order: kind, rank, id, name, score, grade, 亩均税收, 供地率, rank stability."""
    tax_unit, rows, fills = value_unit("tax_per_mu", lang), [], {}
    for r, pos in enumerate(order):
        rec = units.iloc[pos]
        grade = grade_text(rec, lang)
        rows.append([layer_label(str(rec["unit_kind"]), lang), format_value(rec.get("rank"), "int"), str(rec["unit_id"]),
                     str(rec["name"]), format_value(rec.get("score"), "score"), grade,
                     display_value("tax_per_mu", rec.get("tax_per_mu"), lang),
                     display_value("supply_ratio", rec.get("supply_ratio"), lang), _stability_short(rec, lang)])
        fills[(r, 5)] = GRADE_COLOURS.get(rec.get("grade"), NO_GRADE_COLOUR)
    heads = [t("brief_col_kind", lang), t("brief_col_rank", lang), t("brief_col_id", lang), t("brief_col_name", lang),
             t("brief_col_score", lang), t("brief_col_grade", lang),
             f"{label_of('tax_per_mu', lang)}（{tax_unit}）" if lang == "zh" else f"{label_of('tax_per_mu', lang)} ({tax_unit})",
             label_of("supply_ratio", lang), t("brief_col_stability", lang)]
    return Table(heads, rows, ["L", "R", "L", "L", "R", "C", "R", "R", "C"], [2.2, 1.0, 1.4, 3.6, 1.2, 1.0, 2.0, 1.4, 1.5],
                 fills)


def _stability_short(rec: pd.Series, lang: str) -> str:
    """稳定 when the ±10 % weight range is one rank, else best–worst; — when not scored."""
    best, worst = rec.get("rank_best"), rec.get("rank_worst")
    if is_missing(best) or is_missing(worst) or is_missing(rec.get("score")):
        return "—"
    if int(best) == int(worst):
        return t("brief_stable_short", lang)
    return t("brief_range_short", lang).format(best=int(best), worst=int(worst))


def unit_pages(ev: Evaluation, inputs: EvaluationInputs, units: pd.DataFrame, order: list[int], lang: str) -> Iterator[UnitPage]:
    """One UnitPage per chosen unit, in report order."""
    directions = composite_directions(ev.spec)
    shown = with_above_scale(KEY_INDICATORS, units.columns)
    comparison = kind_comparison(ev, shown, directions)  # medians and ranks over the whole district, even when cut
    geoms = inputs.units.reset_index(drop=True)
    issues = unit_issues(ev.warnings, geoms, inputs.parcels, ev.members)
    project_wide = [w for w in ev.warnings if not w.get("feature")]
    gaps = diagnosis_gaps(ev, units)
    view = time_view(ev)
    for pos in order:
        rec = units.iloc[pos]
        kind = str(rec["unit_kind"])
        kind_label = layer_label(kind, lang)
        grade = rec.get("grade") if isinstance(rec.get("grade"), str) else ""
        meta = [kind_label, str(rec["unit_id"])]
        for key in ("level", "leading_industries"):
            if not is_missing(rec.get(key)) and str(rec.get(key)).strip():
                colon = "：" if lang == "zh" else ": "
                meta.append(f"{short_label(key, lang)}{colon}{display_value(key, rec.get(key), lang)}")
        if is_missing(rec.get("score")):
            headline, stability = t("brief_not_scored", lang).format(reason=unit_reason(rec, lang) or "—"), ""
        else:
            headline = t("brief_headline", lang).format(score=format_value(rec.get("score"), "score"), grade=grade or "—",
                                                        kind=kind_label, rank=format_value(rec.get("rank"), "int"),
                                                        n=scored_in_kind(ev, kind))
            same = not is_missing(rec.get("rank_best")) and rec.get("rank_best") == rec.get("rank_worst")
            stability = t("brief_rank_stable", lang) if same else t("brief_rank_range", lang).format(
                best=format_value(rec.get("rank_best"), "int"), worst=format_value(rec.get("rank_worst"), "int"))
        comp = {n: c.iloc[pos] for n, c in comparison.items()}
        counts = {c: int(rec.get(f"class_{c}", 0) or 0) for c in GRADE_COLOURS}
        n_members = int(rec.get("member_count", sum(counts.values())) or 0)
        diagnosis = diagnosis_lines(gaps, pos, units, comparison, directions, lang) if grade in DIAGNOSED_GRADES else []
        local = [w for w in issues[pos] if w.get("feature")]
        unit_id = str(rec["unit_id"])
        yoy_rows = view.unit_rows(unit_id) if view is not None else None
        yield UnitPage(
            pos=pos, unit_id=str(rec["unit_id"]), kind=kind, name=str(rec["name"]),
            bookmark=f"{rec['name']}（{rec['unit_id']}）" if lang == "zh" else f"{rec['name']} ({rec['unit_id']})",
            meta=" · ".join(meta), grade=grade, grade_colour=GRADE_COLOURS.get(grade, NO_GRADE_COLOUR),
            headline=headline, stability=stability,
            indicators=indicator_table(rec, comp, ev.district, shown, lang, yoy=yoy_rows,
                                       years=(view.year_from, view.year_to) if view is not None else None),
            facts=facts_table(rec, lang), classes=counts,
            classes_title=t("brief_classes", lang).format(n=n_members),
            classes_line=t("brief_classes_line", lang).format(a=counts["A"], b=counts["B"], c=counts["C"], d=counts["D"])
            if sum(counts.values()) else t("brief_no_members", lang),
            diagnosis_intro=t("brief_diag_intro", lang).format(grade=grade) if diagnosis else "",
            diagnosis=diagnosis, quality=quality_lines(project_wide + local, str(rec["unit_id"]), lang),
            change_line=change_line(yoy_rows, shown, view, lang) if view is not None else "",
            targets=unit_target_table(view, unit_id, kind, lang) if view is not None else None)


def indicator_table(rec: pd.Series, comp: dict[str, pd.Series], district: dict, names: tuple[str, ...], lang: str,
                    *, yoy: pd.DataFrame | None = None, years: tuple[int, int] | None = None) -> Table:
    """The unit's key indicators beside its kind's median and the district, each with its unit, and its rank; with
    `yoy` (the unit's change rows, indexed by indicator), last year's value and the change with its trend."""
    rows = []
    for name in names:
        c = comp[name]
        rank = f"{int(c['rank'])}/{int(c['n'])}" if not is_missing(c["rank"]) else "—"
        row = [label_of(name, lang), with_unit(name, rec.get(name), lang)]
        if yoy is not None:
            ch = yoy.loc[name] if name in yoy.index else None
            row += [display_value(name, ch["before"], lang) if ch is not None else "—", change_cell(name, ch, lang)]
        rows.append(row + [with_unit(name, c["median"], lang), with_unit(name, district.get(name), lang), rank])
    heads = [t("exp_indicator", lang), t("exp_this_unit", lang)]
    if yoy is not None and years is not None:
        heads += [t("rtime_col_last", lang).format(year=years[0]), t("rtime_col_change", lang)]
        return Table(heads + [t("exp_kind_median", lang), t("exp_district_value", lang), t("brief_col_rank_kind", lang)],
                     rows, ["L", "R", "R", "R", "R", "R", "R"], [3.2, 2.5, 1.6, 3.0, 2.5, 2.5, 1.4])
    heads += [t("exp_kind_median", lang), t("exp_district_value", lang), t("brief_col_rank_kind", lang)]
    return Table(heads, rows, ["L", "R", "R", "R", "R"], [3.0, 2.1, 2.1, 2.1, 0.9])


def facts_table(rec: pd.Series, lang: str) -> Table:
    """The unit's land figures with their units, one per row."""
    rows = [[label_of(k, lang), with_unit(k, rec.get(k), lang)] for k in UNIT_FACTS if k in rec.index]
    return Table([], rows, ["L", "R"], [1.0, 1.1])


def diagnosis_gaps(ev: Evaluation, units: pd.DataFrame) -> pd.DataFrame:
    """Points each composite indicator adds to or takes from a unit's score compared with the median unit of its
    kind: 100 × weight share × (normalised value − the kind's median normalised value); negative = pulls it down."""
    spec = ev.spec
    norm = ev.norm.reset_index(drop=True).reindex(columns=list(spec.indicators)).astype(float)
    if len(norm) != len(units):
        return pd.DataFrame(index=units.index, columns=list(spec.indicators), dtype=float)
    share = np.asarray(spec.weights, dtype=float) / (float(sum(spec.weights)) or 1.0)
    median = kind_norm_median(ev).reindex(columns=list(spec.indicators)).astype(float).set_axis(norm.index)
    return (norm - median) * share * 100.0


def diagnosis_lines(gaps: pd.DataFrame, pos: int, units: pd.DataFrame, comparison: dict[str, pd.DataFrame],
                    directions: dict[str, str], lang: str) -> list[str]:
    """The indicators that pull unit `pos` down most against the median of its kind, as sentences with units."""
    row = gaps.iloc[pos].dropna()
    worst = row[row < -0.05].sort_values().head(DIAGNOSIS_MAX)
    if worst.empty:
        return [t("brief_diag_none", lang)]
    out = []
    for name, points in worst.items():
        value = units[name].iloc[pos] if name in units else np.nan
        median = comparison[name]["median"].iloc[pos] if name in comparison else units[name].groupby(
            units["unit_kind"]).transform("median").iloc[pos]
        cost = directions.get(name) == "cost"
        text = t("brief_diag_above" if cost else "brief_diag_below", lang).format(
                                   label=label_of(name, lang), value=with_unit(name, value, lang),
                                   median=with_unit(name, median, lang))
        out.append(text + t("brief_diag_points", lang).format(p=f"{-points:.1f}"))
    return out


# --------------------------------------------------------------------------- year on year and targets

TARGET_BEHIND_FILL = "#fde0e0"  # layout: a target behind its path is tinted like a breached floor


@dataclass
class TimeView:
    """What an export may show of `ev.year_on_year` and `ev.targets`: the exported units' changes only, the district
    and the class transition counts, firm transitions only in a whole, named export; targets of other units left out."""

    year_from: int | None
    year_to: int | None
    units: pd.DataFrame  # analysis.year_on_year unit changes of the exported units (empty without a comparison)
    district: pd.DataFrame  # the district's changes (empty without a comparison)
    matrix: pd.DataFrame | None  # class transition counts (rows: before, columns: after)
    summary: dict[str, int]  # up, down, same, other, entered, left
    firms: pd.DataFrame | None  # firm transitions (uscc, name, class_before, class_after, movement); None when cut
    targets: list[dict]  # analysis.targets.to_json items the export may carry
    results: list[Any]  # the matching TargetResult objects (for unit_targets)

    @property
    def has_yoy(self) -> bool:
        """True when the evaluation carries a comparison with an earlier year."""
        return self.year_from is not None

    def unit_rows(self, unit_id: str) -> pd.DataFrame | None:
        """The change rows of one unit indexed by indicator; None without a comparison or for a unit new this year."""
        if not self.has_yoy:
            return None
        rows = self.units[self.units["unit_id"].astype(str) == str(unit_id)]
        if not len(rows) or (rows["present"] != "both").all():
            return None
        return rows.set_index("indicator")


def whole_named_export(ev: Evaluation) -> bool:
    """True when the export holds every unit under real names (not cut to a selection, not pseudonymised): only then
    may firm-level lists leave."""
    scope = scope_of(ev)
    return scope is None or (scope.unit_ids is None and not scope.redacted)


def time_view(ev: Evaluation) -> TimeView | None:
    """The year-on-year and targets content an export of `ev` may carry (None when the evaluation carries neither)."""
    yoy, results = getattr(ev, "year_on_year", None), getattr(ev, "targets", None)
    if yoy is None and not results:
        return None
    kept = set(ev.units["unit_id"].astype(str))
    whole = whole_named_export(ev)
    scoped = scope_of(ev) is not None and scope_of(ev).unit_ids is not None
    if yoy is not None:
        units = yoy.units[yoy.units["unit_id"].astype(str).isin(kept).to_numpy()].reset_index(drop=True)
        moved = yoy.firms["movement"].value_counts()
        summary = {k: int(moved.get(k, 0)) for k in ("up", "down", "same", "other", "entered", "left")}
        firms = yoy.firms.reindex(columns=["uscc", "name", "class_before", "class_after", "movement"]) if whole else None
        view_years = (yoy.year_from, yoy.year_to)
        district, matrix = yoy.district, yoy.matrix
    else:
        units, district, matrix, summary, firms = pd.DataFrame(), pd.DataFrame(), None, {}, None
        view_years = (None, None)
    from analysis.targets import to_json as targets_json

    chosen = [r for r in (results or []) if not (scoped and r.scope.startswith("unit:") and r.scope.split(":", 1)[1] not in kept)]
    return TimeView(view_years[0], view_years[1], units, district, matrix, summary, firms, targets_json(chosen), chosen)


def change_text(name: str, change: Any, lang: str = "zh") -> str:
    """A signed change of indicator `name`: percentage points for ratios, else the value's own format (no unit)."""
    if is_missing(change):
        return "—"
    if column_kind(name) == "ratio":
        text = f"{abs(float(change)) * 100:.1f}" + (" 个百分点" if lang == "zh" else " pp")
    else:
        text = display_value(name, abs(float(change)), lang)
    if not any(ch in "123456789" for ch in text):
        return text
    return ("+" if float(change) > 0 else "−") + text


def change_cell(name: str, change: Any, lang: str = "zh") -> str:
    """The 同比 cell of an indicator: the signed change and its trend ("+1.23 ↑ 向好"), an em dash when unknown."""
    from analysis.year_on_year import trend_text

    if change is None or is_missing(change.get("change")):
        return "—"
    return f"{change_text(name, change['change'], lang)} {trend_text(change, lang)}"


def change_line(rows: pd.DataFrame | None, names: tuple[str, ...], view: TimeView, lang: str) -> str:
    """The unit's year on year in one sentence: how many key indicators got better, worse or stayed flat, and the
    score then and now; "" without a comparison, a note for a unit new this year."""
    if not view.has_yoy:
        return ""
    if rows is None:
        return t("rtime_unit_new", lang).format(after=view.year_to)
    shown = rows.reindex([n for n in names if n in rows.index])
    verdicts = shown["assessment"].astype(object)
    score = ""
    if "score" in rows.index and not is_missing(rows.loc["score", "change"]):
        from analysis.year_on_year import trend_text

        s = rows.loc["score"]
        score = t("rtime_change_score", lang).format(before=format_value(s["before"], "score"),
                                                     after=format_value(s["after"], "score"), trend=trend_text(s, lang))
    return t("rtime_change_line", lang).format(before=view.year_from, after=view.year_to,
                                               up=int((verdicts == "improved").sum()), down=int((verdicts == "worsened").sum()),
                                               flat=int((verdicts == "flat").sum()), score=score)


def target_rows(items: list[dict], lang: str, *, scope: bool, source: bool) -> tuple[list[list[str]], dict[int, str]]:
    """Target items (analysis.targets.to_json) as table rows — name, [scope,] year, value, target, gap, status,
    [base and source] — and the rows behind a target, to tint."""
    from analysis.targets import base_label as target_base
    from analysis.targets import format_gap, name_text, scope_label, status_label, target_text, unit_text, value_text

    rows, fills = [], {}
    for i, item in enumerate(items):
        row = [name_text(item, lang)]
        if scope:
            row.append(scope_label(item["scope"], item.get("scope_name"), lang))
        unit = "" if item["kind"] == "size" or item["unit"] == "ratio" or item["value"] is None else unit_text(item["unit"], lang)
        row += [str(item["year"]), f"{value_text(item, lang)} {unit}".strip(), target_text(item, lang),
                format_gap(item["gap"], item["unit"], lang) if item["kind"] not in ("size", "unit_size") else "—",
                status_label(item["status"], lang)]
        if source:
            row += [target_base(item.get("base"), lang) or "—", str(item.get("source") or "—")]
        rows.append(row)
        if item["status"] == "behind":
            fills[i] = TARGET_BEHIND_FILL
    return rows, fills


def target_heads(lang: str, *, scope: bool, source: bool) -> list[str]:
    """Headers of `target_rows`."""
    heads = [t("rtime_col_target", lang)] + ([t("rtime_col_scope", lang)] if scope else [])
    heads += [t(f"rtime_col_{k}", lang) for k in ("year", "value", "target_value", "gap", "status")]
    return heads + ([t("rtime_col_base", lang), t("rtime_col_source", lang)] if source else [])


def unit_target_table(view: TimeView, unit_id: str, kind: str, lang: str) -> Table | None:
    """The targets a unit's scorecard shows (analysis.targets.unit_targets): value, target, gap, status; None without."""
    from analysis.targets import to_json as targets_json
    from analysis.targets import unit_targets

    items = targets_json(unit_targets(view.results, unit_id, kind))
    if not items:
        return None
    rows, fills = target_rows(items, lang, scope=False, source=False)
    return Table(target_heads(lang, scope=False, source=False), rows, ["L", "C", "R", "R", "R", "C"],
                 [6.8, 1.1, 1.4, 2.2, 1.0, 0.9], emphasis=set(fills))


def time_section(ev: Evaluation, lang: str) -> TimeSection | None:
    """The district's year on year (indicator changes, class transition counts) and the targets above unit level
    (district, kinds, clusters) with status and source; None when the evaluation carries neither."""
    view = time_view(ev)
    if view is None:
        return None
    yoy_head, yoy_table, transitions = "", None, ""
    if view.has_yoy:
        from analysis.year_on_year import indicator_label

        yoy_head = t("rtime_yoy_head", lang).format(before=view.year_from, after=view.year_to)
        rows = [[indicator_label(r["indicator"], lang), with_unit(r["indicator"], r["before"], lang),
                 with_unit(r["indicator"], r["after"], lang), change_cell(r["indicator"], r, lang)]
                for r in view.district.to_dict("records")]
        heads = [t("exp_indicator", lang), t("yoy_year", lang).format(year=view.year_from),
                 t("yoy_year", lang).format(year=view.year_to), t("rtime_col_change", lang)]
        yoy_table = Table(heads, rows, ["L", "R", "R", "R"], [3.4, 2.3, 2.3, 2.6]) if rows else None
        s = view.summary
        transitions = t("rtime_transitions", lang).format(before=view.year_from, after=view.year_to, up=f"{s['up']:,}",
                                                          down=f"{s['down']:,}", entered=f"{s['entered']:,}",
                                                          left=f"{s['left']:,}")
    from analysis.targets import base_label as target_base

    items = [i for i in view.targets if not str(i["scope"]).startswith("unit:")]
    targets_head, targets, fills = "", None, {}
    if items:
        evaluated = sorted({int(i["evaluated_year"]) for i in items})
        targets_head = t("rtime_targets_head", lang).format(year=("、" if lang == "zh" else ", ").join(map(str, evaluated)))
        rows, fills = target_rows(items, lang, scope=True, source=False)
        bases = [target_base(i.get("base"), lang) or "—" for i in items]
        rows = [r + [b] for r, b in zip(rows, bases)]
        targets = Table(target_heads(lang, scope=True, source=False) + [t("rtime_col_base", lang)], rows,
                        ["L", "L", "C", "R", "R", "R", "C", "C"], [3.9, 1.5, 0.9, 1.4, 2.2, 1.9, 0.9, 1.3])
        colon = "：" if lang == "zh" else ": "
        sources = [f"{name}{colon}{source}" for name, source in dict.fromkeys(
            (str(i["name"]), str(i.get("source") or "—")) for i in items)]
    if yoy_table is None and targets is None:
        return None
    return TimeSection(t("rtime_sec", lang), yoy_head, yoy_table, transitions, targets_head, targets, fills,
                       sources if targets is not None else [])


# --------------------------------------------------------------------------- data quality


_RULE = re.compile(r"\(rule (\w+)\)")


def quality_lines(issues: list[dict], unit_id: str, lang: str) -> list[str]:
    """One line per issue type (code, layer, field) touching a unit, counting the records concerned — never the raw
    codes or messages; the details are in the Excel sheet."""
    if not issues:
        return []
    frame = pd.DataFrame(issues).reindex(columns=["severity", "code", "layer", "feature", "field", "message", "message_zh"])
    frame = frame.fillna("").astype(str)
    frame["rule"] = frame["message"].str.extract(_RULE, expand=False).fillna("")
    out = []
    keys = ["code", "layer", "field", "rule", "severity"]
    for (code, layer, fld, rule, severity), group in frame.groupby(keys, sort=False):
        n = group["feature"].replace("", np.nan).nunique() or len(group)
        what = _code_label(code, lang)
        flabel = _field_text(layer, fld, lang)
        if code == "missing_indicator_substituted":
            line = t("brief_dq_missing_indicator_zero" if rule == "zero" else "brief_dq_missing_indicator_substituted",
                     lang).format(n=f"{n:,}", field=flabel)
        elif not group["feature"].str.len().any():  # project-wide: its own (translated) message
            own = group["message_zh"].iloc[0] if lang == "zh" else group["message"].iloc[0]
            line = t("brief_dq_project", lang).format(what=own if own and lang == "zh" else what)
        elif layer in EVALUATION_UNIT_KINDS and set(group["feature"]) == {unit_id}:
            line = t("brief_dq_unit", lang).format(what=what)
        elif fld:
            line = t("brief_dq_generic_field", lang).format(n=f"{n:,}", layer=_layer_text(layer, lang), field=flabel, what=what)
        else:
            line = t("brief_dq_generic", lang).format(n=f"{n:,}", layer=_layer_text(layer, lang), what=what)
        if severity == "error":
            line += t("brief_dq_severity_error", lang)
        out.append(line)
    return out


def _field_text(layer: str, name: str, lang: str) -> str:
    """A field's label in `lang` (Chinese label from the schema; in English the name with spaces)."""
    if not name:
        return ""
    label = field_label(layer, name, lang)
    if lang == "zh" and label == name:
        label = short_label(name, lang) if name in INDICATORS else t("brief_dq_other", lang)
    return label if lang == "zh" else label.replace("_", " ")


def _layer_text(layer: str, lang: str) -> str:
    """A layer's label in `lang`; an unknown layer reads as 数据."""
    label = layer_label(layer, lang)
    return label if label != layer or lang != "zh" else "数据"


def _issue_text(issue: dict, lang: str) -> str:
    """A project-wide issue as a sentence in `lang` (Chinese message, else the code's label)."""
    if lang == "zh":
        if issue.get("message_zh"):
            return str(issue["message_zh"])
        return _code_label(str(issue.get("code", "")), lang)
    return str(issue.get("message", ""))


def _code_label(code: str, lang: str) -> str:
    """The label of a problem code from the table's data_code_* entries, else 其他数据问题 (never the code)."""
    entry = TEXT.get(f"data_code_{code}")
    return entry.get(lang) or entry.get("en") or t("brief_dq_other", lang) if entry else t("brief_dq_other", lang)


# --------------------------------------------------------------------------- figures


class BriefingFigures:
    """The maps and charts of a briefing, drawn once per export with the CJK font (PNG bytes)."""

    def __init__(self, ev: Evaluation, inputs: EvaluationInputs, font, lang: str):
        from reports.staticmap import prepare_layers, register_font

        self.ev, self.inputs, self.lang = ev, inputs, lang
        self.geoms = inputs.units.reset_index(drop=True)
        self.fontprops = register_font(font)
        self.layers = prepare_layers(self.geoms, inputs.parcels, inputs.enterprises, ev.members, ev.firms,
                                     roads=read_roads(inputs))

    def district_map(self, size_in: tuple[float, float]) -> bytes:
        """The overview of every unit by grade."""
        from reports.staticmap import district_map_png

        units = self.ev.units.reset_index(drop=True)
        return district_map_png(self.geoms, units["grade"], self.layers, lang=self.lang, fontprops=self.fontprops,
                                size_in=size_in, labels=units["name"])

    def cohort_chart(self, brief: Briefing, size_in: tuple[float, float]) -> bytes | None:
        """The supply-by-cohort chart; None without approval batches."""
        from reports.staticmap import cohort_chart_png

        if not len(brief.cohorts):
            return None
        return cohort_chart_png(brief.cohorts, brief.supply_floor, brief.supply_window, lang=self.lang,
                                fontprops=self.fontprops, size_in=size_in)

    def unit_map(self, page: UnitPage, size_in: tuple[float, float]) -> bytes:
        """The map of one unit page."""
        from reports.staticmap import unit_map_png

        return unit_map_png(self.layers, page.pos, self.geoms.geometry.iloc[page.pos], lang=self.lang,
                            fontprops=self.fontprops, size_in=size_in, name=page.name)


def write_atomically(path: Path, write: Callable[[str], None]) -> Path:
    """Call `write(tmp)` on a temp file beside `path`, give it the usual permissions, then rename it into place, so
    a failed export never leaves a half-written document."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a document gets the usual permissions
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read_roads(inputs: EvaluationInputs):
    """The project's road layer (for main-road lines and names on the maps), or None when there is none."""
    root = getattr(inputs, "root", None)
    if root is None:
        return None
    try:
        from layers.project import Project

        roads = Project.open(root).read_layer("roads")
    except Exception:  # noqa: BLE001  no road layer (or an unreadable one) only means no roads on the maps
        return None
    crs = getattr(inputs.units, "crs", None)
    if crs is not None and roads.crs is not None and roads.crs != crs:
        roads = roads.to_crs(crs)
    return roads


__all__ = ["Briefing", "BriefingFigures", "SummaryRow", "Table", "TimeSection", "TimeView", "UnitPage", "build_briefing",
           "change_cell", "change_text", "percent", "quality_lines", "target_heads", "target_rows", "time_view", "value_unit",
           "whole_named_export", "with_unit", "write_atomically"]
