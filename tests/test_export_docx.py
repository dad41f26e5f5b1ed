"""The briefing as a Word document, read back with python-docx (headings, real tables, pictures, East Asian font
names, the TOC and PAGE fields) and opened by LibreOffice Writer (converted to PDF, pages counted, text read with
pdftotext). Expected values come from the issue (56.7 % against the 60 % floor) and the evaluation's unit table."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

docx = pytest.importorskip("docx", reason="python-docx is not installed (pip install -e .[test])")

from docx.oxml.ns import qn  # noqa: E402

from reports import report_order  # noqa: E402
from reports.docx import BODY_FONT, HEADING_FONT, TITLE_FONT, export_docx  # noqa: E402

UNITS = ["GY-B08", "YQ04", "XW01", "WL03"]
WRITER_LIBS = (Path("/usr/lib/libreoffice/program/libswlo.so"),)


@pytest.fixture(scope="module")
def report(demo_evaluation, demo_inputs, tmp_path_factory):
    """The zh Word briefing of four demo units (one per kind), exported once."""
    path = tmp_path_factory.mktemp("docx") / "briefing.docx"
    start = time.perf_counter()
    export_docx(demo_evaluation, demo_inputs, path, unit_ids=UNITS)
    print(f"\nbriefing docx: {len(UNITS)} units, {path.stat().st_size:,} bytes, {time.perf_counter() - start:.1f} s")
    return path


def _expected_headings(ev) -> list[str]:
    units = ev.units.reset_index(drop=True)
    chosen = units[units["unit_id"].isin(UNITS)].reset_index(drop=True)
    return [f"{r['name']}（{r['unit_id']}）" for r in chosen.iloc[report_order(chosen)].to_dict("records")]


def test_headings_tables_and_pictures(report, demo_evaluation):
    doc = docx.Document(str(report))
    by_style: dict[str, list[str]] = {}
    for p in doc.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["Heading 1"] == ["一、区县概况与底线指标", "二、区县总览图与逐年供地", "三、评价方法", "四、单元排名",
                                     "五、单元评价"]
    assert by_style["Heading 2"] == ["工业用地保护线（1 个）", "产业园区（1 个）", "小微产业创新园（1 个）",
                                     "未来工业社区（1 个）"]
    assert by_style["Heading 3"] == _expected_headings(demo_evaluation)  # one per unit, in report order
    # real Word tables: the floors table leads with the rolling 供地率, below its floor
    floors = next(t for t in doc.tables if t.rows[0].cells[0].text == "指标" and len(t.columns) == 5
                  and "底线" in t.rows[0].cells[2].text)
    first = [c.text for c in floors.rows[1].cells]
    assert first[0].startswith("近 5 年平均供地率") and first[1] == "56.7%" and first[2] == "不低于 60%" and first[3] == "未达标"
    ranking = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:4] == ["类型", "排名", "编号", "名称"])
    ids = [h.split("（")[1].rstrip("）") for h in _expected_headings(demo_evaluation)]
    assert [r.cells[2].text for r in ranking.rows[1:]] == ids  # the ranking in the unit pages' order
    area = float(demo_evaluation.units.set_index("unit_id").loc["YQ04", "area_mu"])
    def cells(tables) -> list[str]:  # the unit facts sit in a table nested beside the map
        return [x for t in tables for row in t.rows for c in row.cells for x in [c.text, *cells(c.tables)]]

    assert f"{area:,.1f} 亩" in cells(doc.tables)  # figures carry their units
    # the district map, the supply chart and one map per unit
    assert len(doc.inline_shapes) == 2 + len(UNITS)


def test_east_asian_fonts_fields_and_font_fallbacks(report):
    doc = docx.Document(str(report))

    def east_asia(style: str) -> str | None:
        fonts = doc.styles[style].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would override the name
        return fonts.get(qn("w:eastAsia"))

    assert east_asia("Title") == TITLE_FONT == "方正小标宋简体"
    assert east_asia("Heading 1") == east_asia("Heading 3") == HEADING_FONT == "黑体"
    assert east_asia("Normal") == BODY_FONT == "仿宋_GB2312"
    with zipfile.ZipFile(report) as z:
        fonts = z.read("word/fontTable.xml").decode("utf-8")
        document = z.read("word/document.xml").decode("utf-8")
        footers = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/footer"))
        settings = z.read("word/settings.xml").decode("utf-8")
    assert re.search(r'w:name="仿宋_GB2312">\s*<w:altName w:val="仿宋"', fonts)
    assert 'TOC \\o "1-3"' in document and "PAGE" in footers and "updateFields" in settings


def _writer() -> str:
    soffice = shutil.which("soffice")
    if soffice is None or not any(p.exists() for p in WRITER_LIBS):
        pytest.skip("LibreOffice Writer is not installed (Debian: libreoffice-writer-nogui)")
    return soffice


def test_libreoffice_writer_opens_it(report, tmp_path):
    soffice = _writer()
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed")
    # LibreOffice draws with the fonts fontconfig knows: give it the packaged Noto Sans CJK for this run
    from reports.fonts import find_cjk_font

    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                    f'<dir>{find_cjk_font().path.parent}</dir><cachedir>{tmp_path / "fc"}</cachedir></fontconfig>',
                    encoding="utf-8")
    env = dict(os.environ, HOME=str(tmp_path), FONTCONFIG_FILE=str(conf))
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(report)],
                   capture_output=True, timeout=240, check=True, env=env)
    pdf = tmp_path / "briefing.pdf"
    assert pdf.exists(), "LibreOffice did not convert the document"
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                              check=True).stdout).group(1))
    print(f"\nLibreOffice: {pages} pages")
    # cover, contents, summary, overview, method and ranking, then a page or two per unit
    assert len(UNITS) + 5 <= pages <= 2 * len(UNITS) + 8
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "56.7%" in text and "未达标" in text and "云湖生物医药产业园" in text
