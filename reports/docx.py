"""The briefing as an editable Word document (python-docx): the same content and order as the PDF
(`reports.briefing`), with 公文-style typography.

Fonts: the title in 方正小标宋简体, headings in 黑体, body in 仿宋_GB2312, numbers and Latin text in Times New
Roman. The names are written into the styles (w:rFonts w:eastAsia, theme fonts removed) and into the font table
with a substitute (w:altName: 宋体 / 黑体 / 仿宋), so Word and WPS use the 公文 fonts where they are installed and a
standard Windows font where not; LibreOffice draws with whatever CJK font it has (docs/briefing.md).
Tables are real Word tables, maps and charts pictures, the contents a TOC field and the page number a PAGE field.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from analysis.inputs import EvaluationInputs
from analysis.score import Evaluation
from i18n import t
from reports import CjkFont, find_cjk_font
from reports.briefing import Briefing, BriefingFigures, Table, UnitPage, build_briefing, write_atomically

# 公文 fonts (GB/T 9704-2012 practice) and the Windows font each falls back to when it is not installed.
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
FALLBACKS = {TITLE_FONT: "宋体", HEADING_FONT: "SimHei", BODY_FONT: "仿宋"}
# Layout constants (mm / pt): A4 with 25 mm top and bottom and 20 mm side margins; title 二号 22 pt, headings
# 三号 16 pt / 四号 14 pt / 小四 12 pt; body text from config.report.body_font_pt.
PAGE_W, PAGE_H, MARGIN_TB, MARGIN_LR = 210.0, 297.0, 25.0, 20.0
BODY_W = PAGE_W - 2 * MARGIN_LR
TITLE_PT, H1_PT, H2_PT, H3_PT = 22.0, 16.0, 14.0, 14.0
HEAD_FILL = "EEF1F5"
STATUS_FILLS = {"breach": "FDE0E0", "attention": "FFF4D6"}
UNIT_MAP_W, UNIT_MAP_H = 78.0, 112.0
TIME_SMALLER = 1.5  # pt: a unit's tables are set this much smaller when they carry last year and its targets
TIME_MAP_CUT = 34.0  # mm: the unit map is this much shorter then, so the page still holds one unit


def export_docx(ev: Evaluation, inputs: EvaluationInputs, path: Path, *, lang: str = "zh", unit_ids: list[str] | None = None,
                progress: Callable[[str], None] | None = None, font: CjkFont | None = None) -> Path:
    """Write the briefing as a .docx (atomically: a temp file beside `path`, then a rename)."""
    say = progress or (lambda _m: None)
    font = font or find_cjk_font()  # draws the maps' Chinese labels
    brief = build_briefing(ev, inputs, lang=lang, unit_ids=unit_ids)
    figures = BriefingFigures(ev, inputs, font, lang)
    doc = Document()
    _setup(doc, brief)
    _cover(doc, brief)
    _toc(doc, brief)
    _summary(doc, brief)
    _time(doc, brief)
    _overview(doc, brief, figures)
    _method_and_ranking(doc, brief)
    _heading(doc, t("brief_sec_units", lang), 1, page_break=True)
    kind = None
    for k, page in enumerate(brief.units, 1):
        if page.kind != kind:
            kind = page.kind
            label, n = next((lab, n) for key, lab, n in brief.kinds if key == kind)
            _heading(doc, t("brief_sec_kind", lang).format(kind=label, n=n), 2, page_break=k > 1)
            first_of_kind = True
        else:
            first_of_kind = False
        _unit(doc, brief, page, figures, page_break=not first_of_kind)
        if k % 10 == 0 or k == len(brief.units):
            say(f"docx: {k}/{len(brief.units)} unit pages")
    return write_atomically(Path(path), doc.save)


# --------------------------------------------------------------------------- styles and fonts


def set_fonts(element, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts of a style's or run's rPr: w:eastAsia for Chinese, w:ascii/w:hAnsi for Latin; theme fonts,
    which would win over the names, are removed."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _style(doc, name: str, east_asia: str, size: float, *, bold: bool = False, colour: str = "000000") -> None:
    """Fonts, size and colour of a paragraph style."""
    style = doc.styles[name]
    set_fonts(style.element, east_asia)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor.from_string(colour)


def _font_table(doc) -> None:
    """Declare the 公文 fonts in the font table with their substitutes (w:altName), so Word/WPS fall back to a
    standard Windows font instead of a random one when a 公文 font is not installed."""
    part = next((r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable")), None)
    if part is None:
        return
    from lxml import etree

    root = etree.fromstring(part.blob)
    for name, alt in FALLBACKS.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        alt_el = etree.SubElement(font, qn("w:altName"))
        alt_el.set(qn("w:val"), alt)
        charset = etree.SubElement(font, qn("w:charset"))
        charset.set(qn("w:val"), "86")  # GB2312
        family = etree.SubElement(font, qn("w:family"))
        family.set(qn("w:val"), "modern" if name == HEADING_FONT else "roman")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _setup(doc, brief: Briefing) -> None:
    """A4 page and margins, the styles' fonts and sizes, the footer with the page number, core properties."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
    section.top_margin = section.bottom_margin = Mm(MARGIN_TB)
    section.left_margin = section.right_margin = Mm(MARGIN_LR)
    section.different_first_page_header_footer = True  # no page number on the cover
    _style(doc, "Normal", BODY_FONT, brief.body_pt)
    doc.styles["Normal"].paragraph_format.space_after = Pt(2)
    _style(doc, "Title", TITLE_FONT, TITLE_PT)
    _style(doc, "Subtitle", BODY_FONT, H1_PT, colour="444444")
    _style(doc, "Heading 1", HEADING_FONT, H1_PT)
    _style(doc, "Heading 2", HEADING_FONT, H2_PT)
    _style(doc, "Heading 3", HEADING_FONT, H3_PT)
    _style(doc, "Caption", BODY_FONT, max(brief.body_pt - 1, 9), colour="555555")
    for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3"):
        doc.styles[name].font.italic = False
    title_style = doc.styles["Title"].element.get_or_add_pPr()
    border = title_style.find(qn("w:pBdr"))  # the default template underlines the title; 公文 titles have no rule
    if border is not None:
        title_style.remove(border)
    _font_table(doc)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{brief.footer}　　" if brief.lang == "zh" else f"{brief.footer}    ").font.size = Pt(9)
    before, after = t("brief_page", brief.lang).split("{i}")
    footer.add_run(before).font.size = Pt(9)
    _field(footer, "PAGE", "1").font.size = Pt(9)
    footer.add_run(after).font.size = Pt(9)
    props = doc.core_properties
    props.title = brief.title
    props.author = brief.organisation or "Landpark"
    props.language = "zh-CN" if brief.lang == "zh" else "en"


def _field(paragraph, instruction: str, shown: str):
    """A Word field (PAGE, TOC …) as begin/instruction/separate/result/end runs; returns the result run."""
    def char(kind: str):
        run = paragraph.add_run()
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            fld.set(qn("w:dirty"), "true")  # Word recomputes it on open
        run._r.append(fld)
        return run

    char("begin")
    instr = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    instr._r.append(text)
    char("separate")
    result = paragraph.add_run(shown)
    char("end")
    return result


# --------------------------------------------------------------------------- blocks


def _heading(doc, text: str, level: int, *, page_break: bool = False):
    """A heading paragraph (Heading 1–3: in the TOC and the navigation pane)."""
    paragraph = doc.add_heading(text, level)
    paragraph.paragraph_format.page_break_before = page_break
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _para(doc_or_cell, text: str, *, bold: bool = False, colour: str | None = None, size: float | None = None,
          align=None, style: str | None = None):
    """A body paragraph."""
    paragraph = doc_or_cell.add_paragraph(style=style)
    run = paragraph.add_run(text)
    run.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour.lstrip("#").upper())
    if size:
        run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _shade(cell, fill: str) -> None:
    """Fill a table cell (hex colour without #)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill.lstrip("#").upper())
    tc_pr.append(shd)


def _repeat_header(row) -> None:
    """Repeat a table's header row on every page it spans."""
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


ALIGN = {"L": WD_ALIGN_PARAGRAPH.LEFT, "R": WD_ALIGN_PARAGRAPH.RIGHT, "C": WD_ALIGN_PARAGRAPH.CENTER}


def _table(container, table: Table, width_mm: float, *, row_fills: dict[int, str] | None = None, size: float | None = None):
    """A `briefing.Table` as a real Word table (header shaded and repeated, grade cells coloured)."""
    heads = bool(table.headers)
    n_rows = len(table.rows) + (1 if heads else 0)
    out = container.add_table(rows=n_rows, cols=len(table.align))
    out.style = "Table Grid"
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    out.autofit = False
    total = sum(table.widths)
    widths = [Mm(width_mm * w / total) for w in table.widths]
    for column, width in zip(out.columns, widths):  # the grid (LibreOffice reads it) as well as each cell (Word)
        column.width = width
    body = ([table.headers] if heads else []) + table.rows
    for r, cells in enumerate(body):
        row = out.rows[r]
        for c, value in enumerate(cells):
            cell = row.cells[c]
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.alignment = ALIGN["C"] if heads and r == 0 else ALIGN[table.align[c]]
            run = paragraph.add_run(value)
            if size:
                run.font.size = Pt(size)
            if heads and r == 0:
                run.bold = True
                _shade(cell, HEAD_FILL)
                continue
            body_r = r - (1 if heads else 0)
            fill = table.fills.get((body_r, c)) or (row_fills or {}).get(body_r)
            if fill:
                _shade(cell, fill)
                if fill.lower() in ("#1a9850", "#d73027"):
                    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    if heads:
        _repeat_header(out.rows[0])
    return out


def _picture(doc, png: bytes, width_mm: float, caption: str | None = None) -> None:
    """A map or chart as a centred picture, with its caption below."""
    doc.add_picture(io.BytesIO(png), width=Mm(width_mm))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if caption:
        _para(doc, caption, style="Caption", align=WD_ALIGN_PARAGRAPH.CENTER)


# --------------------------------------------------------------------------- sections


def _cover(doc, brief: Briefing) -> None:
    """Title, year, and the cover lines (district, year, as of, 编制单位 when set, date, units)."""
    if brief.demo_banner:
        _para(doc, brief.demo_banner, bold=True, colour="B00020", align=WD_ALIGN_PARAGRAPH.CENTER)
    for _ in range(5):
        doc.add_paragraph()
    region = doc.add_paragraph(brief.cover_region, style="Title")
    region.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = doc.add_paragraph(brief.cover_title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(brief.subtitle, style="Subtitle")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(6):
        doc.add_paragraph()
    lines = Table([], [[label, value] for label, value in brief.cover_lines], ["L", "L"], [1.0, 2.2])
    table = _table(doc, lines, 110, size=14)
    table.style = None  # no grid on the cover
    table.alignment = WD_TABLE_ALIGNMENT.CENTER


def _toc(doc, brief: Briefing) -> None:
    """The contents: a TOC field over Heading 1–3, filled by Word (or LibreOffice) when fields are updated."""
    heading = doc.add_paragraph(t("brief_toc", brief.lang), style="Title")
    heading.paragraph_format.page_break_before = True
    heading.runs[0].font.size = Pt(H1_PT)
    paragraph = doc.add_paragraph()
    _field(paragraph, 'TOC \\o "1-3" \\h \\z \\u', t("brief_toc_field", brief.lang))
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")  # Word offers to update the contents and page numbers on open
    settings.append(update)


def _summary(doc, brief: Briefing) -> None:
    """The breaches (the rolling 供地率 first), the floors table and the district figures."""
    lang = brief.lang
    _heading(doc, t("brief_sec_summary", lang), 1, page_break=True)
    for line in brief.errors:
        _para(doc, line, colour="B00020")
    _para(doc, t("brief_breaches_head", lang), bold=True, size=H3_PT - 2)
    first_breach = bool(brief.summary) and brief.summary[0].status == "breach"
    for k, note in enumerate(brief.summary_notes):
        strong = first_breach and k == 0
        _para(doc, f"■ {note}" if strong else f"• {note}", bold=strong, colour="B00020" if strong else None)
    heads = [t("brief_col_item", lang), t("brief_col_value", lang), t("brief_col_target", lang), t("brief_col_status", lang),
             t("brief_col_basis", lang)]
    rows = [[r.label, r.value, r.target, r.status_text, r.basis] for r in brief.summary]
    fills = {i: STATUS_FILLS[r.status] for i, r in enumerate(brief.summary) if r.status in STATUS_FILLS}
    _table(doc, Table(heads, rows, ["L", "R", "L", "C", "L"], [3.1, 2.2, 2.0, 1.4, 3.4]), BODY_W, row_fills=fills)
    _para(doc, t("brief_district_figures", lang), bold=True, size=H3_PT - 2)
    _table(doc, brief.district, BODY_W)


def _time(doc, brief: Briefing) -> None:
    """The district's year on year (indicator changes, class transition counts) and the targets above unit level;
    nothing when the evaluation carries neither."""
    sec = brief.time
    if sec is None:
        return
    _heading(doc, sec.title, 2, page_break=True)  # under 一、区县概况与底线指标 in the contents
    if sec.yoy is not None:
        _para(doc, sec.yoy_head, bold=True, size=H3_PT - 2)
        _table(doc, sec.yoy, BODY_W)
    if sec.transitions:
        _para(doc, sec.transitions)
    if sec.targets is not None:
        _para(doc, sec.targets_head, bold=True, size=H3_PT - 2)
        fills = {i: c.lstrip("#").upper() for i, c in sec.target_fills.items()}
        _table(doc, sec.targets, BODY_W, row_fills=fills, size=brief.body_pt - 1.5)
        _para(doc, t("rtime_col_source", brief.lang), bold=True)
        for line in sec.sources:
            _para(doc, f"• {line}", colour="555555", size=brief.body_pt - 1.5)


def _overview(doc, brief: Briefing, figures: BriefingFigures) -> None:
    """The district map and the supply-by-cohort chart."""
    lang = brief.lang
    _heading(doc, t("brief_sec_overview", lang), 1, page_break=True)
    _picture(doc, figures.district_map((BODY_W / 25.4, 130 / 25.4)), BODY_W, t("brief_overview_map", lang))
    chart = figures.cohort_chart(brief, (BODY_W / 25.4, 72 / 25.4))
    if chart is None:
        _para(doc, t("brief_no_cohorts", lang))
    else:
        _picture(doc, chart, BODY_W, t("brief_cohort_chart", lang).format(w=brief.supply_window))


def _method_and_ranking(doc, brief: Briefing) -> None:
    """The method, then the ranking in report order."""
    lang = brief.lang
    _heading(doc, t("brief_sec_method", lang), 1, page_break=True)
    _table(doc, brief.method, BODY_W)
    for line in brief.method_lines:
        _para(doc, line)
    _heading(doc, t("brief_sec_ranking", lang), 1)
    _table(doc, brief.ranking, BODY_W)


def _unit(doc, brief: Briefing, page: UnitPage, figures: BriefingFigures, *, page_break: bool) -> None:
    """One unit: heading, meta, grade and score, the indicator table, then facts, classes, diagnosis and data
    quality beside the map (a two-column layout table without borders)."""
    lang = brief.lang
    _heading(doc, page.bookmark, 3, page_break=page_break)
    _para(doc, page.meta, colour="555555")
    head = doc.add_paragraph()
    grade = head.add_run(f" {page.grade or '—'} ")
    grade.bold = True
    grade.font.size = Pt(H2_PT)
    _run_shade(grade, page.grade_colour)
    if page.grade in ("A", "D"):
        grade.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    head.add_run("  ")
    text = head.add_run(page.headline)
    text.bold = True
    if page.stability:
        _para(doc, page.stability, colour="555555")
    timed = bool(page.change_line) or page.targets is not None
    small = brief.body_pt - TIME_SMALLER if timed else None
    _table(doc, page.indicators, BODY_W, size=small)
    if page.change_line:
        _para(doc, page.change_line, colour="555555", size=small)
    if page.targets is not None:
        _para(doc, t("rtime_unit_targets", lang), bold=True)
        _table(doc, page.targets, BODY_W, row_fills={i: STATUS_FILLS["breach"] for i in page.targets.emphasis}, size=small)
    layout = doc.add_table(rows=1, cols=2)
    layout.autofit = False
    left, right = layout.rows[0].cells
    left.width, right.width = Mm(BODY_W - UNIT_MAP_W - 2), Mm(UNIT_MAP_W + 2)
    left.paragraphs[0].add_run(t("brief_facts", lang)).bold = True
    _table(left, page.facts, BODY_W - UNIT_MAP_W - 6)
    _para(left, page.classes_title, bold=True)
    _para(left, page.classes_line)
    if page.diagnosis:
        _para(left, t("brief_diagnosis", lang), bold=True)
        _para(left, page.diagnosis_intro)
        for line in page.diagnosis:
            _para(left, f"• {line}")
    _para(left, t("brief_quality", lang), bold=True)
    for line in page.quality or [t("brief_quality_none", lang)]:
        _para(left, f"• {line}")
    if page.quality:
        _para(left, t("brief_quality_more", lang), colour="555555")
    map_h = UNIT_MAP_H - (TIME_MAP_CUT if timed else 0.0)  # the year-on-year lines and targets take the difference
    png = figures.unit_map(page, (UNIT_MAP_W / 25.4, map_h / 25.4))
    right.paragraphs[0].add_run().add_picture(io.BytesIO(png), width=Mm(UNIT_MAP_W))


def _run_shade(run, colour: str) -> None:
    """Shade a run (the grade letter) in its grade colour."""
    rpr = run._r.get_or_add_rPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour.lstrip("#").upper())
    rpr.append(shd)


__all__ = ["BODY_FONT", "FALLBACKS", "HEADING_FONT", "TITLE_FONT", "export_docx", "set_fonts"]
