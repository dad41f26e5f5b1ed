"""Year on year and targets in the exports (issue 15, items 2–3): the Excel 同比 / 分类变化 / 目标进度 sheets and the
PDF scorecard's change line, read back with openpyxl and pdftotext.

Expectations come from two independent `evaluate(load_inputs(project, year=Y))` runs of the demo (2024 and 2025)
and from the firm rows themselves, never from analysis/year_on_year.py or analysis/targets.py."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis.inputs import load_inputs
from analysis.score import evaluate
from analysis.time_context import attach_time_context
from reports.briefing import build_briefing
from reports.excel import export_xlsx

UNIT = "XW11"  # 栖凤智能装备小微企业园: a micro park, so its scorecard also carries the parks' size and count targets
TAX_TARGET = "鄞州：亩均税收 58 万元/亩（规上）"


def need(binary: str) -> str:
    """The path of a system client, or skip (LANDPARK_REQUIRE_ALL=1 turns the skip into a failure)."""
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed (Debian: poppler-utils)")
    return path


@pytest.fixture(scope="module")
def years(demo_project):
    """The demo evaluated on its 2024 and on its 2025 firm data, independently of the comparison code."""
    return {y: evaluate(load_inputs(demo_project, year=y)) for y in (2024, 2025)}


@pytest.fixture(scope="module")
def timed(demo_project, demo_evaluation):
    """A copy of the session's 2025 evaluation with the year before and the targets attached (the CLI's way)."""
    inputs = load_inputs(demo_project)
    ev = dataclasses.replace(demo_evaluation)
    return attach_time_context(demo_project, inputs, ev), inputs


@pytest.fixture(scope="module")
def workbook(timed, tmp_path_factory):
    """The whole, named workbook of the timed evaluation, read back with openpyxl."""
    path = tmp_path_factory.mktemp("xlsx") / "score.xlsx"
    export_xlsx(timed[0], path)
    return openpyxl.load_workbook(path, read_only=True)


def _rows(sheet) -> pd.DataFrame:
    """A sheet as a frame (first row: the header)."""
    rows = list(sheet.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _unit_value(ev, column: str) -> float:
    """One column of UNIT in an evaluation."""
    return float(ev.units.loc[ev.units["unit_id"].astype(str) == UNIT, column].iloc[0])


def test_yoy_sheet_matches_two_independent_evaluations(workbook, years):
    table = _rows(workbook["同比"])
    row = table[(table["单元编号"] == UNIT) & (table["指标"] == "亩均税收")]
    assert len(row) == 1
    before, after = _unit_value(years[2024], "tax_per_mu"), _unit_value(years[2025], "tax_per_mu")
    assert row["2024 年"].iloc[0] == pytest.approx(before, rel=1e-9)
    assert row["2025 年"].iloc[0] == pytest.approx(after, rel=1e-9)
    assert row["变化"].iloc[0] == pytest.approx(after - before, rel=1e-9)
    assert abs(after - before) > 0.01 * before  # outside the flat band: the words follow the sign
    assert row["方向"].iloc[0] == ("上升" if after > before else "下降")
    assert row["评价"].iloc[0] == ("向好" if after > before else "变差")  # more tax per 亩 is better
    district = table[(table["名称"] == "全区") & (table["指标"] == "亩均税收")]
    assert district["2024 年"].iloc[0] == pytest.approx(years[2024].district["tax_per_mu"], rel=1e-9)
    assert district["2025 年"].iloc[0] == pytest.approx(years[2025].district["tax_per_mu"], rel=1e-9)
    assert set(table["单元编号"]) == {"", *years[2025].units["unit_id"].astype(str)}  # district rows, then every unit


def test_transition_counts_and_firm_list(workbook, years):
    b = years[2024].firms["class"].rename("before")
    a = years[2025].firms["class"].rename("after")
    both = pd.concat([b, a], axis=1, join="inner")
    matrix = _rows(workbook["分类变化"]).set_index("上年＼本年")
    assert matrix.at["A类", "A类"] == int(((both["before"] == "A") & (both["after"] == "A")).sum())
    assert matrix.at["B类", "C类"] == int(((both["before"] == "B") & (both["after"] == "C")).sum())
    assert matrix.at["上年无", "合计"] == len(a.index.difference(b.index))  # entered
    assert matrix.at["合计", "本年无"] == len(b.index.difference(a.index))  # left
    firms = _rows(workbook["企业分类变化"])  # a whole, named export lists the firms
    assert len(firms) == len(a.index.union(b.index))


def test_targets_sheet_status_of_the_above_scale_tax_target(workbook, demo_project):
    rows = _rows(workbook["目标进度"])
    row = rows[rows["目标"] == TAX_TARGET]
    assert len(row) == 1
    firms = evaluate(load_inputs(demo_project, year=2025)).firms
    flags = load_inputs(demo_project, year=2025).enterprises.drop_duplicates("uscc").set_index("uscc")["above_scale"]
    above = firms[flags.reindex(firms.index).fillna(False).astype(bool).to_numpy()]
    ok = above["tax_10k_yuan"].notna() & above["land_mu"].notna() & (above["land_mu"] > 0)
    value = above.loc[ok, "tax_10k_yuan"].sum() / above.loc[ok, "land_mu"].sum()
    assert row["现状值"].iloc[0] == pytest.approx(value, rel=1e-6)
    assert row["目标值"].iloc[0] == 58
    assert value < 58 and row["年度"].iloc[0] == 2025  # the target year is the data's year: below it is 落后
    assert row["状态"].iloc[0] == "落后"
    assert row["口径"].iloc[0] == "规上"


def test_scoped_workbook_lists_no_firm_and_no_other_unit(timed, years, tmp_path, demo_evaluation):
    from reports.bundle import export_all

    ev, inputs = timed
    out = tmp_path / "xw11"
    export_all(ev, inputs, out, ["xlsx"], unit_ids=[UNIT])
    book = openpyxl.load_workbook(out / "score.xlsx", read_only=True)
    assert "企业分类变化" not in book.sheetnames
    assert set(_rows(book["同比"])["单元编号"]) == {"", UNIT}
    pos = int(np.flatnonzero(demo_evaluation.units["unit_id"].astype(str).to_numpy() == UNIT)[0])
    members = set(demo_evaluation.members.loc[demo_evaluation.members["unit_pos"] == pos, "uscc"].astype(str))
    outside = set(years[2024].firms.index.astype(str)) | set(years[2025].firms.index.astype(str))
    outside -= members
    for name in ("同比", "分类变化", "目标进度"):
        cells = {str(v) for row in book[name].iter_rows(values_only=True) for v in row if v is not None}
        assert not cells & outside, name


def test_pdf_unit_page_carries_last_year_and_the_change(timed, years, tmp_path):
    need("pdftotext")
    from reports.pdf import export_pdf

    ev, inputs = timed
    path = export_pdf(ev, inputs, tmp_path / "score.pdf", unit_ids=[UNIT])
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    page = next(p for p in pages if f"{UNIT}" in p and "用地情况" in p)
    before, after = _unit_value(years[2024], "tax_per_mu"), _unit_value(years[2025], "tax_per_mu")
    change = f"{'+' if after > before else '−'}{abs(after - before):.2f} {'↑ 向好' if after > before else '↓ 变差'}"
    line = next(ln for ln in page.splitlines() if ln.strip().startswith("亩均税收·全部企业"))
    assert f"{before:.2f}" in line and change in line, line
    s0, s1 = _unit_value(years[2024], "score"), _unit_value(years[2025], "score")
    bare = re.sub(r"\s", "", page)  # a line may wrap anywhere
    assert "同比（2024年→2025年）：关键指标" in bare
    assert f"综合得分{s0:.1f}→{s1:.1f}" in bare
    assert "相关目标" in page and "达成" in page


def test_word_unit_page_carries_the_change_line_and_targets(timed, years, tmp_path):
    from docx import Document

    from reports.docx import export_docx

    ev, inputs = timed
    doc = Document(export_docx(ev, inputs, tmp_path / "score.docx", unit_ids=[UNIT]))
    text = "\n".join(p.text for p in doc.paragraphs)
    s0, s1 = _unit_value(years[2024], "score"), _unit_value(years[2025], "score")
    assert f"综合得分 {s0:.1f} → {s1:.1f}" in text
    assert "同比变化与目标进度" in text and "企业分类变化（2024 年 → 2025 年）" in text
    cells = {c.text for table in doc.tables for row in table.rows for c in row.cells}
    before = _unit_value(years[2024], "tax_per_mu")
    assert f"{before:.2f}" in cells and "相关目标" in text and "落后" in cells  # the 规上 tax target is behind


def test_nothing_shown_without_a_comparison_or_targets(demo_evaluation, demo_inputs):
    brief = build_briefing(demo_evaluation, demo_inputs, unit_ids=[UNIT])
    assert brief.time is None
    assert all(p.change_line == "" and p.targets is None for p in brief.units)
    assert len(brief.units[0].indicators.headers) == 5  # no 上年 / 同比 columns
