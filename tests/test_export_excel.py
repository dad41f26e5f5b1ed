"""The printable Excel workbook, checked by its real readers: LibreOffice prints the demo's workbook to PDF
(one conversion per module: pdfinfo counts the pages, pdftotext shows what each page holds) and openpyxl
reads the cells, number formats, conditional formats and print setup."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from reports.bundle import export_all
from reports.excel import clip_ratio_noise
from tests.test_exports import build_small, need, run

KIND_ORDER = ["protection_lines", "parks", "micro_parks", "future_communities"]  # the sheets' order in the workbook
SHEETS = ["汇总", "工业用地保护线", "产业园区", "小微产业创新园", "未来工业社区", "企业评价", "数据问题", "方法"]
FIRM_KEY_HEADS = ["统一社会信用代码", "名称", "规模", "所在单元", "分类", "综合得分", "同类排名", "亩均税收（万元/亩）",
                  "亩均增加值（万元/亩）", "用地面积（亩）"]
PAGE_LIMIT = 150  # issue 14: all sheets of the demo print on at most 150 A4 pages

# ASCII words a Chinese workbook may show, each with its reason. Everything else made of two or more Latin
# letters is an untranslated code, key or boolean.
ALLOWED_WORDS = {
    "kWh": "unit of electricity in 用电量（kWh）and 元/kWh",
    "TD": "standard number TD/T 1029 cited by the built and idle ratios",
    "EPSG": "the coordinate system's registry code (EPSG:4549)",
    "Landpark": "the software's name, as the source of its own formulas",
}
# Places a setting's own key may appear, because a technician finds it by that key: a reference into
# landpark.toml ("landpark.toml [supply] floor_ratio", "… [enterprise] lists.above", "… adjustments[1]") and the
# bracketed settings named inside the Chinese formulas ("[supply] idle_after_days"), as analysis.explain writes them.
CONFIG_REFERENCE = re.compile(r"landpark\.toml(?: \[[\w.]+\])?(?: [\w.]+(?:\[\d+\])?)?|\[[a-z_.]+\] [a-z_]+")
WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_]{2,}(?![A-Za-z0-9_])")


@pytest.fixture(scope="module")
def demo_export(demo_evaluation, demo_inputs, tmp_path_factory):
    """The demo's JSON and Chinese workbook, exported once for the module."""
    out = tmp_path_factory.mktemp("excel") / "demo"
    paths = export_all(demo_evaluation, demo_inputs, out, ["json", "xlsx"], lang="zh")
    return paths


@pytest.fixture(scope="module")
def demo_cells(demo_export):
    """Every sheet of the demo workbook read once with openpyxl (read-only): header, then rows of (value, format)."""
    wb = openpyxl.load_workbook(demo_export["xlsx"], read_only=True)
    sheets = {}
    for ws in wb.worksheets:
        rows = [[(c.value, getattr(c, "number_format", "General")) for c in row] for row in ws.iter_rows()]
        sheets[ws.title] = ([v for v, _ in rows[0]], rows[1:])
    wb.close()
    return sheets


@pytest.fixture(scope="module")
def printed(demo_export, tmp_path_factory):
    """The demo workbook printed to PDF by LibreOffice (one run for the module) and its pages as text."""
    soffice = need("soffice")
    need("pdfinfo"), need("pdftotext")
    folder = tmp_path_factory.mktemp("printed")
    env = dict(os.environ, HOME=str(folder))  # a private LibreOffice profile
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(demo_export["xlsx"])],
                   capture_output=True, timeout=300, check=True, env=env)
    pdf = folder / "score.pdf"
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(pdf))).group(1))
    texts = run("pdftotext", "-layout", str(pdf), "-").split("\f")[:pages]
    return pdf, pages, texts


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The small four-unit project of test_exports, evaluated."""
    from analysis.inputs import load_inputs
    from analysis.score import evaluate

    inputs = load_inputs(build_small(tmp_path_factory.mktemp("excel-small") / "p"))
    return evaluate(inputs), inputs


@pytest.fixture(scope="module")
def small_book(small, tmp_path_factory):
    """The small project's Chinese workbook, loaded in full by openpyxl (print setup, formats)."""
    ev, inputs = small
    paths = export_all(ev, inputs, tmp_path_factory.mktemp("excel-small-out") / "o", ["xlsx"], lang="zh")
    return openpyxl.load_workbook(paths["xlsx"])


def _sheet_of(page: str) -> str:
    """The sheet a printed page belongs to: the centre of its page header (the first line)."""
    first = next(line for line in page.splitlines() if line.strip())
    return first.split()[-1]


def test_demo_workbook_prints_on_at_most_150_pages(printed, demo_export):
    pdf, pages, texts = printed
    per_sheet = Counter(_sheet_of(p) for p in texts)
    print(f"\nprinted pages per sheet: {dict(per_sheet)}; total {pages}; "
          f"xlsx {demo_export['xlsx'].stat().st_size} bytes, pdf {pdf.stat().st_size} bytes")
    assert pages <= PAGE_LIMIT
    assert set(per_sheet) == set(SHEETS)  # every sheet prints, and each page's header names its sheet
    assert all(per_sheet[s] == 1 for s in SHEETS[:5])  # a summary or a kind fits on one page
    assert texts[0].count("第 1 页") == 1 and f"共 {pages} 页" in texts[-1]  # page numbers in the footer


def test_firm_sheet_prints_its_key_columns_only(printed, demo_evaluation):
    _, _, texts = printed
    firm_pages = [p for p in texts if _sheet_of(p) == "企业评价"]
    assert all("统一社会信用代码" in p and "亩均税收" in p for p in firm_pages)  # the header row repeats
    assert not any("实缴税金" in p or "单位能耗增加值" in p for p in firm_pages)  # on screen only
    words = set(" ".join(firm_pages).split())
    assert set(demo_evaluation.firms.index.astype(str)) <= words  # every firm is on paper


def test_print_setup_on_every_sheet(small_book):
    assert small_book.sheetnames == SHEETS[:4] + SHEETS[5:]  # the small project has no future communities
    for ws in small_book.worksheets:
        setup = ws.page_setup
        assert setup.paperSize == 9, ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (setup.fitToWidth or 1) == 1 and setup.fitToHeight == 0, ws.title  # absent fitToWidth means 1
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.print_options.gridLines, ws.title
        assert "&A" in ws.oddHeader.center.text and "第 &P 页 共 &N 页" in ws.oddFooter.center.text
        assert ws.page_margins.left < 0.75 and ws.page_margins.top >= 0.5
    orientation = {ws.title: ws.page_setup.orientation for ws in small_book.worksheets}
    assert orientation["汇总"] == "landscape" and orientation["方法"] == "landscape"  # wide
    firms = small_book["企业评价"]
    assert firms.print_area == f"'企业评价'!$A$1:$J${firms.max_row}"
    assert [c.value for c in firms[1]][:10] == FIRM_KEY_HEADS


def test_demo_firm_print_area_covers_every_firm(demo_export, demo_evaluation):
    # openpyxl's read-only mode has no print setup: the defined name is read from the workbook part itself
    import zipfile

    with zipfile.ZipFile(demo_export["xlsx"]) as z:
        workbook = z.read("xl/workbook.xml").decode()
        firm_sheet = z.read(f"xl/worksheets/sheet{SHEETS.index('企业评价') + 1}.xml").decode()
    area = re.search(r'name="_xlnm.Print_Area" localSheetId="\d+">([^<]+)<', workbook).group(1)
    assert area.replace("'", "") == f"企业评价!$A$1:$J${len(demo_evaluation.firms) + 1}"
    # long: portrait, where a page fitted to the width holds more rows (landscape would print ~200 pages)
    assert re.search(r'<pageSetup [^>]*orientation="portrait"', firm_sheet)


def test_every_numeric_cell_has_a_number_format(demo_cells):
    general = Counter()
    for sheet, (_, rows) in demo_cells.items():
        for row in rows:
            for value, fmt in row:
                if isinstance(value, (int, float)) and not isinstance(value, bool) and fmt == "General":
                    general[sheet] += 1
    assert not general
    head, rows = demo_cells["企业评价"]
    # the columns the issue found in General format (AA–AZ) now carry one
    formats = {head[j]: {r[j][1] for r in rows if isinstance(r[j][0], (int, float))} for j in range(26, min(52, len(head)))}
    assert all(fmts and "General" not in fmts for fmts in formats.values())
    summary_head, summary = demo_cells["汇总"]
    fmt = {h: summary[0][j][1] for j, h in enumerate(summary_head)}
    assert fmt["工业用地占比"] == "0.0%" and fmt["单元面积（亩）"] == "#,##0.0"
    assert fmt["亩均税收·全部企业（万元/亩）"] == "#,##0.00" and fmt["同类排名"] == "#,##0"


def test_values_are_stored_at_full_precision(demo_cells, demo_evaluation):
    head, rows = demo_cells["汇总"]
    col = head.index("亩均税收·全部企业（万元/亩）")
    stored = {r[0][0]: r[col][0] for r in rows}
    expected = demo_evaluation.units.set_index("unit_id")["tax_per_mu"]
    for unit_id, value in stored.items():
        if value is None:
            assert math.isnan(expected[unit_id])
        else:
            # the float as written (xlsxwriter keeps 16 significant digits): the format rounds, the cell does not
            assert value == pytest.approx(expected[unit_id], rel=1e-14) and value != round(value, 4)


def test_shares_never_show_float_noise_above_one(demo_cells, demo_evaluation):
    head, rows = demo_cells["汇总"]
    col = head.index("工业用地占比")
    noisy = demo_evaluation.units.loc[demo_evaluation.units["industrial_share"] > 1, "unit_id"].tolist()
    assert noisy  # the demo has them (sums of clipped areas): 1.0000000178 …
    shares = {r[0][0]: r[col][0] for r in rows}
    assert all(shares[u] == 1.0 for u in noisy)
    assert max(v for v in shares.values() if v is not None) == 1.0


def test_clip_ratio_noise_keeps_real_excess():
    import pandas as pd

    out = clip_ratio_noise(pd.Series([1.0000000178, 1.0000009, 1.01, 0.99, float("nan"), 1.0]))
    assert out.iloc[:4].tolist() == [1.0, 1.0, 1.01, 0.99]  # 1 % over is a data problem: kept
    assert math.isnan(out.iloc[4]) and out.iloc[5] == 1.0


def test_grade_colour_only_on_the_grade_cell_with_readable_text(small_book):
    for sheet, column in (("汇总", "等级"), ("产业园区", "等级"), ("企业评价", "分类")):
        ws = small_book[sheet]
        heads = [c.value for c in ws[1]]
        letter = openpyxl.utils.get_column_letter(heads.index(column) + 1)
        ranges = {str(cf.sqref) for cf in ws.conditional_formatting}
        assert ranges == {f"{letter}2:{letter}{ws.max_row}"}, sheet  # one column, never whole rows
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                fill, text = rule.dxf.fill.bgColor.rgb[-6:], rule.dxf.font.color.rgb[-6:]
                assert _contrast(fill, text) >= 4.5, (sheet, rule.formula)  # WCAG AA for normal text
    # no cell of a data row carries a static fill either
    ws = small_book["汇总"]
    assert all(c.fill.fill_type is None for row in ws.iter_rows(min_row=2) for c in row)


def _contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    def luminance(hex6: str) -> float:
        channels = [int(hex6[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_chinese_edition_has_no_english_codes_or_booleans(demo_cells, demo_evaluation):
    units = set(demo_evaluation.units["unit_id"].astype(str))
    ids = re.compile("|".join(sorted(map(re.escape, units), key=len, reverse=True)))  # the data's own unit ids
    stray: dict[str, str] = {}
    for sheet, (head, rows) in demo_cells.items():
        for value in head + [v for row in rows for v, _ in row]:
            if isinstance(value, bool):
                stray[f"{sheet}: boolean"] = str(value)
            elif isinstance(value, str):
                text = CONFIG_REFERENCE.sub(" ", ids.sub(" ", value))
                for word in WORD.findall(text):
                    if word not in ALLOWED_WORDS:
                        stray.setdefault(f"{sheet}: {word}", value)
    assert not stray, stray
    issues_head, issues = demo_cells["数据问题"]
    row = dict(zip(issues_head, [v for v, _ in issues[0]]))
    assert row["图层"] == "企业" or row["图层"].startswith("企业")
    assert row["问题代码"] == "缺失指标已按规则替代" and "主要污染物排放量" in row["字段"]
    assert re.fullmatch(r"企业 \S+ 的单位排放增加值缺失，按组内平均得分（[\d.]+）计分", row["说明"])


def test_summary_is_ordered_by_kind_then_rank(demo_cells, demo_export):
    doc = json.loads(Path(demo_export["json"]).read_text(encoding="utf-8"))

    def key(u):
        return (KIND_ORDER.index(u["unit_kind"]), u["rank"] if u["rank"] is not None else math.inf, u["unit_id"])

    expected = [u["unit_id"] for u in sorted(doc["units"], key=key)]
    _, rows = demo_cells["汇总"]
    assert [r[0][0] for r in rows] == expected
    _, micro = demo_cells["小微产业创新园"]
    assert [r[0][0] for r in micro] == [u for u in expected if u.startswith("XW")]


def test_method_sheet_in_chinese_with_formatted_values(demo_cells):
    head, rows = demo_cells["方法"]
    by_item = {r[1][0]: r for r in rows}
    floor = by_item["供地率下限"]
    assert floor[3] == (0.6, "0.0%") and floor[4][0] == "landpark.toml [supply] floor_ratio"
    assert by_item["示范数据"][3][0] == "是"
    assert by_item["评价年度"][3] == (2025, "0")
    weight = by_item["规上 · 亩均税收 · 权重"]
    assert weight[2][0] == "实缴税金 ÷ 用地面积（万元/亩）"
    assert by_item["工业用地占比"][2][0] == "工业用地面积 ÷ 单元面积"  # FORMULAS_ZH


def test_english_edition_has_words_not_codes(small, tmp_path):
    ev, inputs = small
    path = export_all(ev, inputs, tmp_path / "en", ["xlsx"], lang="en")["xlsx"]
    wb = openpyxl.load_workbook(path, read_only=True)
    firms = list(wb["Enterprises"].iter_rows(values_only=True))
    head = firms[0]
    assert not [h for h in head if "_" in h]  # every header in words
    assert {r[head.index("Scored")] for r in firms[1:]} == {"yes"}
    assert not any(isinstance(v, bool) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    issues = list(wb["Data issues"].iter_rows(values_only=True))
    assert ("warning", "enterprises", "X", "tax_10k_yuan", "non_numeric") in {r[:5] for r in issues}
