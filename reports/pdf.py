"""PDF scorecards: a cover (district summary, method, ranking) and one A4 page per unit.

Text is set in an embedded CJK font (Noto Sans CJK SC or WenQuanYi Micro Hei, subset by
fpdf2 with a ToUnicode map), so Chinese prints on any PC and `pdftotext` extracts it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode, XPos, YPos

from analysis.inputs import EvaluationInputs
from analysis.score import Evaluation
from i18n import layer_label, t
from reports import (
    GRADE_COLOURS,
    KEY_INDICATORS,
    NO_GRADE_COLOUR,
    CjkFont,
    base_label,
    composite_directions,
    display_value,
    find_cjk_font,
    format_value,
    grade_text,
    indicator_comparison,
    is_demo,
    is_missing,
    select_units,
    short_label,
    unit_issues,
    unit_reason,
    with_above_scale,
)
from reports.staticmap import prepare_layers, register_font, unit_map_png

MARGIN = 12.0
PAGE_W = 210.0
BODY_W = PAGE_W - 2 * MARGIN
GREY = "#555555"
DEMO_RED = "#b00020"
HEAD_FILL = "#eef1f5"
FONT = "cjk"
LEFT_W, GAP = 92.0, 4.0  # unit page: indicator column, gap, then the map
MAP_W = BODY_W - LEFT_W - GAP
MAP_H = MAP_W * 1.18

# District figures on the cover, in order (key of ev.district, number kind taken from the column kind); the per-mu
# output figures over all firms (全部企业), each followed by its 规上-only twin.
COVER_FIGURES = ("tax_per_mu", "above_scale_tax_per_mu", "value_added_per_mu", "above_scale_value_added_per_mu",
                 "supply_ratio", "built_ratio", "idle_ratio", "industrial_share",
                 "far_industrial", "parcels_mu", "industrial_land_mu", "approved_mu", "supplied_mu", "unsupplied_mu",
                 "low_far_mu", "idle_by_date_count", "rolling_supply_ratio", "supply_floor")
# Unit facts printed under the key indicators.
UNIT_FACTS = ("area_mu", "industrial_land_mu", "approved_mu", "supplied_mu", "unsupplied_mu", "idle_mu",
              "low_efficiency_mu", "building_coverage", "output_per_mu")
_EXTRA_LABELS = {"parcels_mu": ("宗地总面积（亩）", "All parcels (mu)"),
                 "rolling_supply_ratio": ("近5年平均供地率", "5-year supply ratio"),
                 "supply_floor": ("供地率下限", "Supply ratio floor")}


class ScorecardPDF(FPDF):
    """A4 portrait with the embedded CJK font and a footer carrying the page number and demo mark."""

    def __init__(self, font: CjkFont, lang: str, footer_note: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.ui_lang = lang
        self.footer_note = footer_note
        # One face only: parsing and subsetting a CJK font costs seconds per face, so bold is drawn
        # as fill + a thin outline of the regular face (see `set_font`).
        self.add_font(FONT, "", str(font.path), collection_font_number=font.index)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=16)
        self.set_lang("zh-CN" if lang == "zh" else "en")
        self.wrap = WrapMode.CHAR if lang == "zh" else WrapMode.WORD

    def set_font(self, family=None, style="", size=0) -> None:
        """Select the CJK face; a "B" style is drawn by `emboldened`, so it maps to the one face here."""
        super().set_font(family, "", size)

    def emboldened(self):
        """Context in which text is filled and outlined in its own colour: bold from the regular face.

        `local_context` wraps the output in q…Q, so the outline mode cannot leak into later text."""
        return self.local_context(text_mode="FILL_STROKE", line_width=max(self.font_size_pt, 1) * 0.012,
                                  draw_color=self.text_color)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 7)
        self.set_text_color(GREY)
        self.cell(BODY_W * 0.75, 5, self.footer_note, align="L")
        self.cell(BODY_W * 0.25, 5, t("exp_page", self.ui_lang).format(i=self.page_no(), n="{nb}"), align="R")
        self.set_text_color(0)

    def text_line(self, text: str, size: float = 9, style: str = "", color: str | None = None, h: float | None = None,
                  w: float = 0, align: str = "L") -> None:
        """One paragraph that wraps inside the width (by character for Chinese)."""
        if color:
            self.set_text_color(color)
        self.set_font(FONT, "", size)
        width = w or (self.w - self.r_margin - self.get_x())
        if "B" in style:
            with self.emboldened():
                self.multi_cell(width, h or size * 0.5, text, align=align, wrapmode=self.wrap, new_x=XPos.LMARGIN,
                                new_y=YPos.NEXT)
        else:
            self.multi_cell(width, h or size * 0.5, text, align=align, wrapmode=self.wrap, new_x=XPos.LMARGIN,
                            new_y=YPos.NEXT)
        self.set_text_color(0)

    def fill_rect(self, x: float, y: float, w: float, h: float, colour: str) -> None:
        """A filled rectangle; the fill colour goes back to white so later tables are not tinted."""
        self.set_fill_color(colour)
        self.rect(x, y, w, h, style="F")
        self.set_fill_color(255)


def export_pdf(ev: Evaluation, inputs: EvaluationInputs, path: Path, *, lang: str = "zh",
               unit_ids: list[str] | None = None, progress: Callable[[str], None] | None = None,
               font: CjkFont | None = None) -> Path:
    """Write the scorecard PDF: a cover with the district summary and ranking, then one page per unit."""
    say = progress or (lambda _m: None)
    font = font or find_cjk_font()
    positions = select_units(ev.units, unit_ids)
    units = ev.units.reset_index(drop=True)
    geoms = inputs.units.reset_index(drop=True)
    directions = composite_directions(ev.spec)
    comparison = indicator_comparison(units, with_above_scale(KEY_INDICATORS), directions)
    issues = unit_issues(ev.warnings, geoms, inputs.parcels, ev.members)
    # project-wide errors (e.g. no firm linked to any parcel) concern every unit: first on every page
    project_errors = [w for w in ev.warnings if w.get("severity") == "error" and not w.get("feature")]
    issues = [project_errors + [w for w in unit if w not in project_errors] for unit in issues]
    layers = prepare_layers(geoms, inputs.parcels, inputs.enterprises, ev.members, ev.firms)
    fontprops = register_font(font)

    project = ev.config.project
    demo = is_demo(ev.config)
    note = t("exp_footer", lang).format(date=dt.date.today().isoformat())
    if demo:
        note = f"{t('demo_banner', lang)} · {note}"
    pdf = ScorecardPDF(font, lang, note)
    title = t("exp_title", lang).format(region=project.region, year=project.year)
    pdf.set_title(title)
    pdf.set_creator("Landpark")
    _cover(pdf, ev, units.iloc[positions], title, demo)
    for k, pos in enumerate(positions, 1):
        png = unit_map_png(layers, int(pos), geoms.geometry.iloc[int(pos)], lang=lang, fontprops=fontprops,
                           size_in=(MAP_W / 25.4, MAP_H / 25.4))
        _unit_page(pdf, ev, units.iloc[int(pos)], {n: c.iloc[int(pos)] for n, c in comparison.items()}, png,
                   issues[int(pos)], demo)
        if k % 10 == 0 or k == len(positions):
            say(f"pdf: {k}/{len(positions)} unit pages")
    pdf.output(str(path))
    return path


# --------------------------------------------------------------------------- cover


def _cover(pdf: ScorecardPDF, ev: Evaluation, units: pd.DataFrame, title: str, demo: bool) -> None:
    lang = pdf.ui_lang
    pdf.add_page()
    pdf.text_line(title, 18, "B", h=9)
    if demo:
        pdf.text_line(t("demo_banner", lang), 11, "B", DEMO_RED, h=6)
    project = ev.config.project
    sub = [t("exp_units_count", lang).format(n=len(units)),
           f"{t('exp_year', lang)} {project.year}",
           f"{t('exp_as_of', lang)} {project.evaluation_date.isoformat()}"]
    pdf.text_line(" · ".join(sub), 9, color=GREY, h=5)
    for w in ev.warnings:  # project-wide errors (no firm linked to any parcel …) head the cover
        if w.get("severity") == "error" and not w.get("feature"):
            pdf.text_line(f"[{t('severity_error', lang)}] {w.get('code', '')}: {w.get('message', '')}", 8.5, color=DEMO_RED,
                          h=4.6)
    pdf.ln(3)
    _section(pdf, t("exp_district_summary", lang))
    _district_table(pdf, ev.district)
    pdf.ln(3)
    _section(pdf, t("exp_method", lang))
    _method_block(pdf, ev)
    pdf.ln(3)
    _section(pdf, t("exp_ranking", lang))
    _ranking_table(pdf, units)


def _section(pdf: ScorecardPDF, text: str) -> None:
    pdf.text_line(text, 11.5, "B", h=7)
    y = pdf.get_y()
    pdf.set_draw_color("#999999")
    pdf.set_line_width(0.3)
    pdf.line(MARGIN, y, MARGIN + BODY_W, y)
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    pdf.ln(1.5)


def _label(name: str, lang: str) -> str:
    if name in _EXTRA_LABELS:
        return _EXTRA_LABELS[name][0 if lang == "zh" else 1]
    return base_label(name, lang)  # 全部企业 / 规上 on the per-mu output figures


def _district_table(pdf: ScorecardPDF, district: dict) -> None:
    lang = pdf.ui_lang
    items = [(k, district.get(k)) for k in COVER_FIGURES if k in district]
    half = (len(items) + 1) // 2
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(col_widths=(58, 35, 58, 35), text_align=("LEFT", "RIGHT", "LEFT", "RIGHT"), first_row_as_headings=False,
                   line_height=5.2, width=BODY_W, borders_layout="HORIZONTAL_LINES", wrapmode=pdf.wrap) as table:
        for left, right in zip(items[:half], items[half:] + [(None, None)]):
            row = table.row()
            for name, value in (left, right):
                row.cell(_label(name, lang) if name else "")
                row.cell(display_value(name, value, lang) if name else "")


def _enterprise_source(ev: Evaluation) -> str:
    """The 亩均 method the firms were scored with: its title and source notice (the inline section's source)."""
    method = getattr(ev, "method", None)
    if method is None:
        return ev.config.enterprise.source
    return f"{method.title} [{method.name}] — {method.source}"


def _open_points(ev: Evaluation) -> tuple[str, ...]:
    method = getattr(ev, "method", None)
    return tuple(method.open_points) if method is not None else ()


def _method_text(source: str, lang: str) -> str:
    """"Enterprise method: source", with the colon of the language."""
    return f"{t('exp_enterprise_method', lang)}：{source}" if lang == "zh" else f"{t('exp_enterprise_method', lang)}: {source}"


def _method_block(pdf: ScorecardPDF, ev: Evaluation) -> None:
    lang = pdf.ui_lang
    spec = ev.spec
    pdf.set_font(FONT, "", 8.5)
    heads = (t("exp_indicator", lang), t("exp_weight", lang), t("exp_direction", lang), t("exp_normalisation", lang),
             t("exp_district_value", lang))
    with pdf.table(col_widths=(52, 20, 28, 56, 30), text_align=("LEFT", "RIGHT", "LEFT", "LEFT", "RIGHT"), line_height=5.2,
                   width=BODY_W, headings_style=FontFace(emphasis="", fill_color=HEAD_FILL), wrapmode=pdf.wrap) as table:
        table.row(heads)
        for name, w, d, norm in zip(spec.indicators, spec.weights, spec.directions, spec.normalisations):
            table.row((base_label(name, lang, short=True), f"{w:g}", t(f"exp_{d}", lang),
                       t(f"exp_norm_{norm}", lang).format(cap=f"{spec.cap:g}"), display_value(name, ev.district.get(name), lang)))
    pdf.ln(1.5)
    a, b, c = spec.grade_thresholds
    pdf.text_line(t("exp_score_formula", lang), 8.5, h=4.6)
    pdf.text_line(t("exp_grade_rule", lang).format(a=f"{a:g}", b=f"{b:g}", c=f"{c:g}"), 8.5, h=4.6)
    source = _enterprise_source(ev)
    if source:
        pdf.text_line(_method_text(source, lang), 8.5, h=4.6, color=GREY)
    for point in _open_points(ev):  # a rule the notice leaves open is said, never filled silently
        pdf.text_line(f"{t('exp_open_point', lang)}：{point}" if lang == "zh" else f"{t('exp_open_point', lang)}: {point}",
                      7.5, h=4.0, color=GREY)


def _ranking_table(pdf: ScorecardPDF, units: pd.DataFrame) -> None:
    lang = pdf.ui_lang
    order = units.assign(_r=pd.to_numeric(units["rank"], errors="coerce").fillna(1e9)).sort_values(["unit_kind", "_r", "unit_id"])
    cols = ("unit_kind", "rank", "unit_id", "name", "score", "grade", "tax_per_mu", "above_scale_tax_per_mu",
            "supply_ratio", "built_ratio")
    widths = (24, 15, 20, 35, 14, 11, 17, 17, 16, 17)
    pdf.set_font(FONT, "", 8)
    with pdf.table(col_widths=widths, text_align=("LEFT", "RIGHT", "LEFT", "LEFT", "RIGHT", "CENTER", "RIGHT", "RIGHT", "RIGHT",
                                                  "RIGHT"),
                   line_height=4.8, width=BODY_W, headings_style=FontFace(emphasis="", fill_color=HEAD_FILL),
                   wrapmode=pdf.wrap) as table:
        table.row([base_label(c, lang, short=True) for c in cols])
        for rec in order.to_dict("records"):
            row = table.row()
            for c in cols:
                value = (layer_label(rec[c], lang) if c == "unit_kind" else grade_text(rec, lang) if c == "grade"
                         else display_value(c, rec.get(c), lang))
                style = FontFace(fill_color=GRADE_COLOURS.get(rec.get("grade"), NO_GRADE_COLOUR)) if c == "grade" else None
                row.cell(value, style=style)


# --------------------------------------------------------------------------- unit page


def _unit_page(pdf: ScorecardPDF, ev: Evaluation, row: pd.Series, comparison: dict[str, pd.Series], png: bytes,
               issues: list[dict], demo: bool) -> None:
    lang = pdf.ui_lang
    pdf.add_page()
    if demo:
        pdf.set_xy(MARGIN, MARGIN - 5)
        pdf.text_line(t("demo_banner", lang), 8, "B", DEMO_RED, h=4, align="R")
    pdf.set_xy(MARGIN, MARGIN)
    pdf.text_line(str(row["name"]), 16, "B", h=8)
    meta = [layer_label(row["unit_kind"], lang), str(row["unit_id"])]
    for key in ("level", "leading_industries"):
        if not is_missing(row.get(key)) and str(row.get(key)).strip():
            meta.append(f"{short_label(key, lang)}：{display_value(key, row.get(key), lang)}" if lang == "zh"
                        else f"{short_label(key, lang)}: {display_value(key, row.get(key), lang)}")
    pdf.text_line(" · ".join(meta), 9, color=GREY, h=5)
    pdf.ln(2)
    _score_banner(pdf, ev, row)
    top = pdf.get_y() + 3
    left_w, gap, map_w, map_h = LEFT_W, GAP, MAP_W, MAP_H
    pdf.image(io.BytesIO(png), x=MARGIN + left_w + gap, y=top, w=map_w, h=map_h)
    pdf.set_xy(MARGIN, top)
    _indicator_table(pdf, ev, row, comparison, left_w)
    pdf.ln(3)
    _facts_table(pdf, row, left_w)
    pdf.ln(3)
    _class_bar(pdf, row, left_w)
    pdf.set_y(max(pdf.get_y(), top + map_h) + 4)
    _issues_block(pdf, issues, bottom=297 - 16 - 26)
    _method_footer(pdf, ev)


def _score_banner(pdf: ScorecardPDF, ev: Evaluation, row: pd.Series) -> None:
    lang = pdf.ui_lang
    y = pdf.get_y()
    grade = row.get("grade")
    colour = GRADE_COLOURS.get(grade, NO_GRADE_COLOUR)
    pdf.fill_rect(MARGIN, y, 16, 14, colour)
    pdf.set_xy(MARGIN, y + 1)
    pdf.set_font(FONT, "", 22)
    pdf.set_text_color("#ffffff" if grade in ("A", "D") else "#111111")
    with pdf.emboldened():
        pdf.cell(16, 12, grade if isinstance(grade, str) else "—", align="C")
    pdf.set_text_color(0)
    n = _scored_in_kind(ev, row)
    pdf.set_xy(MARGIN + 20, y + 1)
    reason = unit_reason(row, lang)
    if is_missing(row.get("score")):  # no score: say so and why, never a grade it has no data for
        sep = "：" if lang == "zh" else ": "
        pdf.text_line(f"{t('grade_not_scored', lang)}{sep}{reason or ''}", 12, "B", h=6.5)
        pdf.set_y(max(pdf.get_y(), y + 14))
        return
    pdf.text_line(t("exp_score_grade", lang).format(score=format_value(row.get("score"), "score"), grade=grade or "—",
                                                    rank=format_value(row.get("rank"), "int"), n=n), 12, "B", h=6.5)
    pdf.set_x(MARGIN + 20)
    pdf.text_line(t("exp_rank_range", lang).format(best=format_value(row.get("rank_best"), "int"),
                                                   worst=format_value(row.get("rank_worst"), "int")), 8.5, color=GREY, h=5)
    pdf.set_y(max(pdf.get_y(), y + 14))


def _indicator_table(pdf: ScorecardPDF, ev: Evaluation, row: pd.Series, comparison: dict[str, pd.Series], width: float) -> None:
    lang = pdf.ui_lang
    heads = (t("exp_indicator", lang), t("exp_this_unit", lang), t("exp_kind_median", lang), t("exp_district_value", lang),
             t("exp_rank_in_kind", lang))
    pdf.set_font(FONT, "", 8)
    # the per-mu output figures over all firms (全部企业), each followed by its 规上-only twin
    with pdf.table(col_widths=(31, 15, 17, 15, 14), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"), line_height=5,
                   width=width, align="LEFT", headings_style=FontFace(emphasis="", fill_color=HEAD_FILL),
                   wrapmode=pdf.wrap) as table:
        table.row(heads)
        for name in with_above_scale(KEY_INDICATORS):
            c = comparison[name]
            rank = f"{int(c['rank'])}/{int(c['n'])}" if not is_missing(c["rank"]) else "—"
            table.row((base_label(name, lang, short=True), display_value(name, row.get(name), lang),
                       display_value(name, c["median"], lang), display_value(name, ev.district.get(name), lang), rank))
        table.row((short_label("score", lang), format_value(row.get("score"), "score"), "", "",
                   f"{format_value(row.get('rank'), 'int')}/{_scored_in_kind(ev, row)}"))
        table.row((short_label("grade", lang), grade_text(row, lang), "", "", ""))


def _scored_in_kind(ev: Evaluation, row: pd.Series) -> int:
    """How many units of the row's kind have a score (ranks count scored units only)."""
    units = ev.units
    return int(((units["unit_kind"] == row["unit_kind"]) & pd.to_numeric(units["score"], errors="coerce").notna()).sum())


def _facts_table(pdf: ScorecardPDF, row: pd.Series, width: float) -> None:
    lang = pdf.ui_lang
    pdf.set_font(FONT, "", 8)
    facts = [(k, row.get(k)) for k in UNIT_FACTS if k in row.index]
    half = (len(facts) + 1) // 2
    with pdf.table(col_widths=(30, 16, 30, 16), text_align=("LEFT", "RIGHT", "LEFT", "RIGHT"), line_height=4.8, width=width,
                   align="LEFT", first_row_as_headings=False, borders_layout="HORIZONTAL_LINES", wrapmode=pdf.wrap) as table:
        for left, right in zip(facts[:half], facts[half:] + [(None, None)]):
            r = table.row()
            for name, value in (left, right):
                r.cell(short_label(name, lang) if name else "")
                r.cell(display_value(name, value, lang) if name else "")


def _class_bar(pdf: ScorecardPDF, row: pd.Series, width: float) -> None:
    """Member firms by class as one stacked bar, each segment labelled with its count."""
    lang = pdf.ui_lang
    counts = {c: int(row.get(f"class_{c}", 0) or 0) for c in GRADE_COLOURS}
    total = sum(counts.values())
    pdf.text_line(t("exp_member_classes", lang).format(n=int(row.get("member_count", total) or 0)), 9, "B", h=5.5, w=width)
    y, h = pdf.get_y() + 0.5, 7.0
    if total == 0:
        pdf.text_line(t("exp_none", lang), 8.5, color=GREY, h=5, w=width)
        return
    x = MARGIN
    pdf.set_font(FONT, "", 8)
    for c, n in counts.items():
        if n == 0:
            continue
        w = width * n / total
        pdf.fill_rect(x, y, w, h, GRADE_COLOURS[c])
        pdf.set_xy(x, y)
        label = f"{c} {n}" if w >= 9 else (f"{n}" if w >= 4 else "")
        pdf.set_text_color("#ffffff" if c in ("A", "D") else "#111111")
        pdf.cell(w, h, label, align="C")
        x += w
    pdf.set_text_color(0)
    pdf.set_xy(MARGIN, y + h + 1)
    pdf.text_line("   ".join(f"{t('exp_class_firms', lang).format(c=c)} {n}" for c, n in counts.items()),
                  7.5, color=GREY, h=4, w=width)


def _issues_block(pdf: ScorecardPDF, issues: list[dict], bottom: float) -> None:
    """The data issues touching the unit, as many as fit above `bottom`; the rest are counted."""
    lang = pdf.ui_lang
    pdf.text_line(t("exp_unit_issues", lang).format(n=len(issues)), 9, "B", h=5.5)
    if not issues:
        pdf.text_line(t("exp_none", lang), 8, color=GREY, h=4.5)
        return
    shown = 0
    for issue in issues:
        if pdf.get_y() > bottom - 9:
            break
        where = " / ".join(str(issue.get(k)) for k in ("layer", "feature", "field") if issue.get(k))
        severity = t(f"severity_{issue.get('severity', 'warning')}", lang)
        pdf.text_line(f"• [{severity}] {where} · {issue.get('code', '')}: {issue.get('message', '')}", 7.5, h=4)
        shown += 1
    if shown < len(issues):
        pdf.text_line(t("exp_more_issues", lang).format(n=len(issues) - shown), 7.5, color=GREY, h=4)


def _method_footer(pdf: ScorecardPDF, ev: Evaluation) -> None:
    """Evaluation year, method, weights and grade rule from landpark.toml, at the foot of the page."""
    lang = pdf.ui_lang
    spec = ev.spec
    project = ev.config.project
    weights = "、".join(f"{short_label(n, lang)} {w:g}" for n, w in zip(spec.indicators, spec.weights)) if lang == "zh" else \
        ", ".join(f"{short_label(n, lang)} {w:g}" for n, w in zip(spec.indicators, spec.weights))
    a, b, c = spec.grade_thresholds
    sep = "；" if lang == "zh" else "; "
    text = sep.join([f"{t('exp_year', lang)} {project.year}",
                     f"{t('exp_as_of', lang)} {project.evaluation_date.isoformat()}",
                     t("exp_score_formula", lang),
                     f"{t('exp_weight', lang)}：{weights}" if lang == "zh" else f"{t('exp_weight', lang)}: {weights}",
                     t("exp_grade_rule", lang).format(a=f"{a:g}", b=f"{b:g}", c=f"{c:g}")])
    source = _enterprise_source(ev)
    if source:
        text += sep + _method_text(source, lang)
    pdf.set_font(FONT, "", 7)
    lines = pdf.multi_cell(BODY_W, 3.6, text, wrapmode=pdf.wrap, dry_run=True, output="LINES")
    y = 297 - 16 - 3.6 * len(lines) - 1
    pdf.set_draw_color("#bbbbbb")
    pdf.line(MARGIN, y - 1, MARGIN + BODY_W, y - 1)
    pdf.set_xy(MARGIN, y)
    pdf.text_line(text, 7, color=GREY, h=3.6)


__all__ = ["export_pdf", "ScorecardPDF"]
