"""The briefing PDF: cover, table of contents and bookmarks, a one-page summary of the district against its floors,
the district map and supply chart, the method, the ranking and one page per unit (in `reports.report_order`).

The content comes from `reports.briefing` (shared with the Word report); this module only lays it out with fpdf2.
Text is set in an embedded CJK font (Noto Sans CJK SC or WenQuanYi Micro Hei, subset by fpdf2 with a ToUnicode
map), so Chinese prints on any PC and `pdftotext` extracts it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode, XPos, YPos

from analysis.inputs import EvaluationInputs
from analysis.score import Evaluation
from i18n import t
from reports import GRADE_COLOURS, CjkFont, find_cjk_font
from reports.briefing import Briefing, BriefingFigures, Table, UnitPage, build_briefing, write_atomically

# Page geometry in mm (A4 portrait) and colours: layout constants, not domain choices.
MARGIN = 15.0
PAGE_W, PAGE_H = 210.0, 297.0
BODY_W = PAGE_W - 2 * MARGIN
BOTTOM = 16.0  # footer band
GREY = "#555555"
RED = "#b00020"
HEAD_FILL = "#eef1f5"
BREACH_FILL = "#fde0e0"
ATTENTION_FILL = "#fff4d6"
FONT = "cjk"
FOOTER_PT = 9.0  # footer and captions; body text uses config.report.body_font_pt
LEFT_W, GAP = 96.0, 4.0  # unit page: left column (facts, classes, diagnosis, data quality), gap, then the map
MAP_W = BODY_W - LEFT_W - GAP
TIME_SMALLER = 1.5  # pt: the unit page's tables are set this much smaller when they carry last year and targets
QUALITY_MAX = 6  # data-quality lines on a unit page; the rest are counted and left to the Excel


class BriefingPDF(FPDF):
    """A4 portrait with the embedded CJK font and a footer carrying the page number and the demo mark."""

    def __init__(self, font: CjkFont, lang: str, footer_note: str, body_pt: float):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.ui_lang = lang
        self.footer_note = footer_note
        self.body_pt = body_pt
        # One face only: parsing and subsetting a CJK font costs seconds per face, so bold is drawn
        # as fill + a thin outline of the regular face (see `emboldened`).
        self.add_font(FONT, "", str(font.path), collection_font_number=font.index)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM + 2)
        self.set_lang("zh-CN" if lang == "zh" else "en")
        self.wrap = WrapMode.CHAR if lang == "zh" else WrapMode.WORD
        self.on_cover = False

    def set_font(self, family=None, style="", size=0) -> None:
        """Select the CJK face; a "B" style is drawn by `emboldened`, so it maps to the one face here."""
        super().set_font(family, "", size)

    def emboldened(self):
        """Context in which text is filled and outlined in its own colour: bold from the regular face."""
        return self.local_context(text_mode="FILL_STROKE", line_width=max(self.font_size_pt, 1) * 0.012,
                                  draw_color=self.text_color)

    def footer(self) -> None:
        """The demo mark / generator note and the page number (not on the cover)."""
        if self.page_no() == 1:
            return
        self.set_y(-BOTTOM + 3)
        self.set_font(FONT, "", FOOTER_PT)
        self.set_text_color(GREY)
        self.cell(BODY_W * 0.75, 5, self.footer_note, align="L")
        self.cell(BODY_W * 0.25, 5, t("brief_page", self.ui_lang).format(i=self.page_no()), align="R")
        self.set_text_color(0)

    def para(self, text: str, size: float | None = None, *, bold: bool = False, color: str | None = None,
             h: float | None = None, w: float = 0, align: str = "L") -> None:
        """One paragraph that wraps inside the width (by character for Chinese)."""
        size = size or self.body_pt
        if color:
            self.set_text_color(color)
        self.set_font(FONT, "", size)
        if not w and self.get_x() > self.w - self.r_margin - 10:  # at the right edge: start a fresh line
            self.set_x(self.l_margin)
        width = w or (self.w - self.r_margin - self.get_x())
        x = self.get_x()
        kw = dict(align=align, wrapmode=self.wrap, new_x=XPos.LEFT, new_y=YPos.NEXT)
        if bold:
            with self.emboldened():
                self.multi_cell(width, h or size * 0.52, text, **kw)
        else:
            self.multi_cell(width, h or size * 0.52, text, **kw)
        self.set_x(x)
        self.set_text_color(0)

    def para_height(self, text: str, w: float, size: float | None = None, h: float | None = None) -> float:
        """Height `para` would take."""
        size = size or self.body_pt
        self.set_font(FONT, "", size)
        lines = self.multi_cell(w, h or size * 0.52, text, wrapmode=self.wrap, dry_run=True, output="LINES")
        return len(lines) * (h or size * 0.52)

    def heading(self, text: str, size: float = 14.0, level: int | None = None) -> None:
        """A section heading with a rule under it; with `level`, also a bookmark and a table-of-contents entry."""
        if level is not None:
            self.start_section(text, level=level)
        self.para(text, size, bold=True, h=size * 0.55)
        y = self.get_y() + 0.5
        self.set_draw_color("#999999")
        self.set_line_width(0.3)
        self.line(MARGIN, y, MARGIN + BODY_W, y)
        self.set_draw_color(0)
        self.set_line_width(0.2)
        self.set_y(y + 2)

    def fill_rect(self, x: float, y: float, w: float, h: float, colour: str) -> None:
        """A filled rectangle; the fill colour goes back to white so later tables are not tinted."""
        self.set_fill_color(colour)
        self.rect(x, y, w, h, style="F")
        self.set_fill_color(255)

    def text_table(self, table: Table, width: float, *, size: float | None = None, row_fills: dict[int, str] | None = None,
                   align_left: bool = True) -> None:
        """A `briefing.Table` as an fpdf2 table (header shaded, grade cells filled, flagged rows tinted)."""
        size = size or self.body_pt
        self.set_font(FONT, "", size)
        total = sum(table.widths)
        widths = tuple(width * w / total for w in table.widths)
        aligns = tuple({"L": "LEFT", "R": "RIGHT", "C": "CENTER"}[a] for a in table.align)
        heads = bool(table.headers)
        with self.table(col_widths=widths, text_align=aligns, line_height=size * 0.55, width=width,
                        align="LEFT" if align_left else "CENTER", first_row_as_headings=heads,
                        headings_style=FontFace(emphasis="", fill_color=HEAD_FILL),
                        borders_layout="HORIZONTAL_LINES" if not heads else "ALL", wrapmode=self.wrap,
                        padding=(0.45, 1.0)) as pdf_table:
            if heads:
                pdf_table.row(table.headers)
            for r, cells in enumerate(table.rows):
                row = pdf_table.row()
                for c, value in enumerate(cells):
                    fill = table.fills.get((r, c)) or (row_fills or {}).get(r)
                    colour = "#ffffff" if table.fills.get((r, c)) in ("#1a9850", "#d73027") else None
                    row.cell(value, style=FontFace(fill_color=fill, color=colour) if fill else None)


def export_pdf(ev: Evaluation, inputs: EvaluationInputs, path: Path, *, lang: str = "zh",
               unit_ids: list[str] | None = None, progress: Callable[[str], None] | None = None,
               font: CjkFont | None = None) -> Path:
    """Write the briefing PDF (atomically: a temp file beside `path`, then a rename)."""
    say = progress or (lambda _m: None)
    font = font or find_cjk_font()
    brief = build_briefing(ev, inputs, lang=lang, unit_ids=unit_ids)
    figures = BriefingFigures(ev, inputs, font, lang)
    pdf = BriefingPDF(font, lang, brief.footer, brief.body_pt)
    pdf.set_title(brief.title)
    pdf.set_creator("Landpark")
    if brief.organisation:
        pdf.set_author(brief.organisation)
    _cover(pdf, brief)
    pdf.add_page()
    pdf.insert_toc_placeholder(_render_toc, pages=_toc_pages(brief))  # reserves exactly its pages; ends on a new page
    _summary(pdf, brief)
    if brief.time is not None:
        pdf.add_page()
        _time(pdf, brief)
    pdf.add_page()
    _overview(pdf, brief, figures)
    pdf.add_page()
    _method(pdf, brief)
    pdf.ln(4)
    _ranking(pdf, brief)
    pdf.add_page()
    pdf.start_section(t("brief_sec_units", lang), level=0)
    kind = None
    for k, page in enumerate(brief.units, 1):
        if k > 1:
            pdf.add_page()
        if page.kind != kind:
            kind = page.kind
            label, n = next((lab, n) for key, lab, n in brief.kinds if key == kind)
            pdf.start_section(t("brief_sec_kind", lang).format(kind=label, n=n), level=1)
        _unit_page(pdf, brief, page, figures)
        if k % 10 == 0 or k == len(brief.units):
            say(f"pdf: {k}/{len(brief.units)} unit pages")
    return write_atomically(Path(path), pdf.output)


# --------------------------------------------------------------------------- cover and contents


def _cover(pdf: BriefingPDF, brief: Briefing) -> None:
    pdf.add_page()
    if brief.demo_banner:
        pdf.set_y(MARGIN)
        pdf.para(brief.demo_banner, 11, bold=True, color=RED, align="C")
    pdf.set_y(62)
    pdf.para(brief.cover_region, 20, bold=True, h=11, align="C")
    pdf.ln(3)
    pdf.para(brief.cover_title, 24, bold=True, h=12, align="C")
    pdf.ln(4)
    pdf.para(brief.subtitle, 16, h=9, align="C", color=GREY)
    pdf.set_y(150)
    size = 13.0
    pdf.set_font(FONT, "", size)
    label_w = max(pdf.get_string_width(label) for label, _ in brief.cover_lines) + 6
    value_w = min(BODY_W - label_w, max(pdf.get_string_width(v) for _, v in brief.cover_lines) + 6)
    x = (PAGE_W - label_w - value_w) / 2
    for label, value in brief.cover_lines:
        pdf.set_x(x)
        pdf.set_text_color(GREY)
        pdf.cell(label_w, 9, label, align="L")
        pdf.set_text_color(0)
        pdf.multi_cell(value_w, 9, value, align="L", wrapmode=pdf.wrap, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


TOC_HEAD_PT = 16.0


def _toc_line_h(body_pt: float) -> float:
    """Line height of a contents entry (mm)."""
    return body_pt * 0.6


def _toc_pages(brief: Briefing) -> int:
    """Pages the table of contents takes: one line per section, unit kind and unit, laid out exactly as
    `_render_toc` does (fpdf2 breaks the page when the next line would pass the trigger)."""
    entries = 5 + (brief.time is not None) + len(brief.kinds) + len(brief.units)
    h = _toc_line_h(brief.body_pt)
    trigger = PAGE_H - (BOTTOM + 2)
    first = int((trigger - (MARGIN + TOC_HEAD_PT * 0.55 + 2.5)) // h)
    later = int((trigger - MARGIN) // h)
    return 1 if entries <= first else 1 + math.ceil((entries - first) / later)


def _render_toc(pdf: BriefingPDF, outline: list) -> None:
    """The table of contents: every bookmark, indented by level, with a dotted leader, its page and a link."""
    pdf.set_xy(MARGIN, MARGIN)
    pdf.heading(t("brief_toc", pdf.ui_lang), TOC_HEAD_PT)
    size = pdf.body_pt
    h = _toc_line_h(size)
    pdf.set_font(FONT, "", size)
    for section in outline:
        indent = 7.0 * section.level
        link = pdf.add_link(page=section.page_number)
        page = str(section.page_number)
        page_w = pdf.get_string_width(page) + 1
        name_w = min(pdf.get_string_width(section.name) + 2, BODY_W - indent - page_w - 8)
        pdf.set_x(MARGIN + indent)
        pdf.cell(name_w, h, section.name, link=link)
        dots_w = BODY_W - indent - name_w - page_w
        dot = pdf.get_string_width(".")
        pdf.set_text_color("#999999")
        pdf.cell(dots_w, h, "." * max(int(dots_w / max(dot, 0.1)) - 2, 0), align="R")
        pdf.set_text_color(0)
        pdf.cell(page_w, h, page, align="R", link=link, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


# --------------------------------------------------------------------------- summary, overview, method, ranking


STATUS_FILLS = {"breach": BREACH_FILL, "attention": ATTENTION_FILL}


def _summary(pdf: BriefingPDF, brief: Briefing) -> None:
    """One page: the breaches as sentences (the rolling 供地率 first), the floors table, the district figures."""
    lang = brief.lang
    pdf.heading(t("brief_sec_summary", lang), level=0)
    for line in brief.errors:
        pdf.para(line, color=RED)
    pdf.para(t("brief_breaches_head", lang), 12, bold=True, h=7)
    flagged = {r.label for r in brief.summary if r.status == "breach"}
    for k, note in enumerate(brief.summary_notes):
        first_breach = k == 0 and any(r.status == "breach" for r in brief.summary[:1])
        pdf.para(f"■ {note}" if first_breach else f"• {note}", bold=first_breach, color=RED if first_breach else None)
    if not flagged and not brief.summary_notes:
        pdf.para(t("brief_nothing_flagged", lang))
    pdf.ln(3)
    heads = [t("brief_col_item", lang), t("brief_col_value", lang), t("brief_col_target", lang), t("brief_col_status", lang),
             t("brief_col_basis", lang)]
    rows = [[r.label, r.value, r.target, r.status_text, r.basis] for r in brief.summary]
    fills = {i: STATUS_FILLS[r.status] for i, r in enumerate(brief.summary) if r.status in STATUS_FILLS}
    pdf.text_table(Table(heads, rows, ["L", "R", "L", "C", "L"], [3.1, 2.2, 2.0, 1.4, 3.4]), BODY_W, row_fills=fills)
    pdf.ln(4)
    pdf.para(t("brief_district_figures", lang), 12, bold=True, h=7)
    pdf.text_table(brief.district, BODY_W)


def _time(pdf: BriefingPDF, brief: Briefing) -> None:
    """The district's year on year (indicator changes, class transition counts) and the targets above unit level."""
    sec = brief.time
    pdf.heading(sec.title, level=1)  # under 一、区县概况与底线指标 in the contents and bookmarks
    if sec.yoy is not None:
        pdf.para(sec.yoy_head, 12, bold=True, h=7)
        pdf.text_table(sec.yoy, BODY_W, size=brief.body_pt - 0.5)
        pdf.ln(1.5)
    if sec.transitions:
        pdf.para(sec.transitions)
        pdf.ln(3)
    if sec.targets is not None:
        pdf.para(sec.targets_head, 12, bold=True, h=7)
        pdf.text_table(sec.targets, BODY_W, size=brief.body_pt - 1, row_fills=sec.target_fills)
        pdf.ln(1.5)
        pdf.para(t("rtime_col_source", brief.lang), bold=True)
        for line in sec.sources:
            pdf.para(f"• {line}", FOOTER_PT + 0.5, color=GREY)


def _overview(pdf: BriefingPDF, brief: Briefing, figures: BriefingFigures) -> None:
    """The district overview map and the supply-by-cohort chart, each with its caption."""
    lang = brief.lang
    pdf.heading(t("brief_sec_overview", lang), level=0)
    chart_h = 78.0 if len(brief.cohorts) else 12.0
    map_h = PAGE_H - BOTTOM - 4 - pdf.get_y() - chart_h - 2 * 8
    map_w = BODY_W
    png = figures.district_map((map_w / 25.4, map_h / 25.4))
    pdf.image(io.BytesIO(png), x=MARGIN, y=pdf.get_y(), w=map_w, h=map_h)
    pdf.set_y(pdf.get_y() + map_h + 1)
    pdf.para(t("brief_overview_map", lang), FOOTER_PT + 1, color=GREY, align="C")
    pdf.ln(2)
    chart = figures.cohort_chart(brief, (BODY_W / 25.4, (chart_h - 2) / 25.4))
    if chart is None:
        pdf.para(t("brief_no_cohorts", lang), color=GREY)
        return
    pdf.image(io.BytesIO(chart), x=MARGIN, y=pdf.get_y(), w=BODY_W, h=chart_h - 2)
    pdf.set_y(pdf.get_y() + chart_h - 1)
    pdf.para(t("brief_cohort_chart", lang).format(w=brief.supply_window), FOOTER_PT + 1, color=GREY, align="C")


def _method(pdf: BriefingPDF, brief: Briefing) -> None:
    """The composite indicators and weights, the score and grade rules, the firms' method and its source."""
    pdf.heading(t("brief_sec_method", brief.lang), level=0)
    pdf.text_table(brief.method, BODY_W)
    pdf.ln(2)
    for line in brief.method_lines:
        pdf.para(line, h=brief.body_pt * 0.55)


def _ranking(pdf: BriefingPDF, brief: Briefing) -> None:
    """Every unit in report order (kind, then rank), the grade cell coloured."""
    pdf.heading(t("brief_sec_ranking", brief.lang), level=0)
    pdf.text_table(brief.ranking, BODY_W)


# --------------------------------------------------------------------------- unit page


def _unit_page(pdf: BriefingPDF, brief: Briefing, page: UnitPage, figures: BriefingFigures) -> None:
    """Header, score banner, the indicator table across the page, then facts, classes, diagnosis and data quality
    on the left and the map on the right, sized to fill the page."""
    lang = brief.lang
    pdf.start_section(page.bookmark, level=2)
    if brief.demo_banner:
        pdf.set_xy(MARGIN, MARGIN - 8)
        pdf.para(brief.demo_banner, FOOTER_PT, bold=True, color=RED, align="R")
    pdf.set_xy(MARGIN, MARGIN)
    pdf.para(page.name, 16, bold=True, h=8)
    pdf.para(page.meta, color=GREY)
    pdf.ln(2)
    _score_banner(pdf, page)
    pdf.ln(3)
    pdf.text_table(page.indicators, BODY_W, size=pdf.body_pt - TIME_SMALLER if page.change_line else None)
    if page.change_line:
        pdf.ln(1)
        pdf.para(page.change_line, color=GREY)
    if page.targets is not None:
        pdf.ln(1.5)
        pdf.para(t("rtime_unit_targets", lang), 11.5, bold=True, h=6.5)
        pdf.text_table(page.targets, BODY_W, size=pdf.body_pt - TIME_SMALLER,
                       row_fills={i: BREACH_FILL for i in page.targets.emphasis})
    if page.diagnosis:  # the key message of a C/D unit, across the page under its figures
        pdf.ln(3)
        pdf.para(t("brief_diagnosis", lang), 11.5, bold=True, h=6.5)
        pdf.para(page.diagnosis_intro)
        for line in page.diagnosis:
            pdf.para(f"• {line}")
    top = pdf.get_y() + 4
    bottom = PAGE_H - BOTTOM - 3
    row_h = pdf.body_pt * 0.55 + 1.0
    left_h = 6.5 + len(page.facts.rows) * row_h + 3 + 6.5 + 16 + 2 + 6.5 + 4 * pdf.body_pt * 0.52 + 6
    if top + left_h > bottom:  # a long page (diagnosis, long English labels): the facts two per row, across the page
        pdf.set_xy(MARGIN, top)
        pdf.para(t("brief_facts", lang), 11.5, bold=True, h=6.5)
        rows = page.facts.rows
        half = (len(rows) + 1) // 2
        pairs = [a + (b if b else ["", ""]) for a, b in zip(rows[:half], rows[half:] + [None])]
        pdf.text_table(Table([], pairs, ["L", "R", "L", "R"], [1.0, 1.1, 1.0, 1.1]), BODY_W)
        top = pdf.get_y() + 3
        pdf.set_xy(MARGIN, top)
    else:
        pdf.set_xy(MARGIN, top)
        pdf.para(t("brief_facts", lang), 11.5, bold=True, h=6.5, w=LEFT_W)
        pdf.text_table(page.facts, LEFT_W)
        pdf.ln(3)
    _class_bar(pdf, page)
    pdf.ln(2)
    pdf.para(t("brief_quality", lang), 11.5, bold=True, h=6.5, w=LEFT_W)
    lines = [f"• {line}" for line in page.quality[:QUALITY_MAX]] or [f"• {t('brief_quality_none', lang)}"]
    more = pdf.para_height(t("brief_quality_more", lang), LEFT_W, FOOTER_PT + 0.5) if page.quality else 0.0
    for line in lines:  # as many as fit above the foot of the page: the rest are in the Excel
        if pdf.get_y() + pdf.para_height(line, LEFT_W) + more > bottom:
            break
        pdf.para(line, w=LEFT_W)
    if page.quality:
        pdf.para(t("brief_quality_more", lang), FOOTER_PT + 0.5, color=GREY, w=LEFT_W)
    map_h = max(bottom - top, 40.0)  # the map fills the right column to the foot of the page
    png = figures.unit_map(page, (MAP_W / 25.4, map_h / 25.4))
    pdf.image(io.BytesIO(png), x=MARGIN + LEFT_W + GAP, y=top, w=MAP_W, h=map_h)


def _score_banner(pdf: BriefingPDF, page: UnitPage) -> None:
    """The grade in its colour, the score and rank, and whether the rank holds when weights move."""
    y = pdf.get_y()
    pdf.fill_rect(MARGIN, y, 16, 14, page.grade_colour)
    pdf.set_xy(MARGIN, y + 1)
    pdf.set_font(FONT, "", 22)
    pdf.set_text_color("#ffffff" if page.grade in ("A", "D") else "#111111")
    with pdf.emboldened():
        pdf.cell(16, 12, page.grade or "—", align="C")
    pdf.set_text_color(0)
    pdf.set_xy(MARGIN + 20, y + 0.5)
    pdf.para(page.headline, 12.5, bold=True, h=7)
    if page.stability:
        pdf.set_x(MARGIN + 20)
        pdf.para(page.stability, color=GREY, h=6)
    pdf.set_y(max(pdf.get_y(), y + 14))


def _class_bar(pdf: BriefingPDF, page: UnitPage) -> None:
    """Member firms by class as one stacked bar, each segment labelled with its count, and the counts as text."""
    pdf.para(page.classes_title, 11.5, bold=True, h=6.5, w=LEFT_W)
    total = sum(page.classes.values())
    if total:
        y, h, x = pdf.get_y() + 0.5, 7.0, MARGIN
        pdf.set_font(FONT, "", pdf.body_pt)
        for c, n in page.classes.items():
            if n == 0:
                continue
            w = LEFT_W * n / total
            pdf.fill_rect(x, y, w, h, GRADE_COLOURS[c])
            pdf.set_xy(x, y)
            label = f"{c} {n}" if w >= 12 else (f"{n}" if w >= 6 else "")
            pdf.set_text_color("#ffffff" if c in ("A", "D") else "#111111")
            pdf.cell(w, h, label, align="C")
            x += w
        pdf.set_text_color(0)
        pdf.set_xy(MARGIN, y + h + 1)
    pdf.para(page.classes_line, color=GREY, w=LEFT_W)


__all__ = ["export_pdf", "BriefingPDF"]
