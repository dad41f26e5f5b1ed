"""标准地复核 in the exports (issue 16 item 5): the Excel sheet, the GeoPackage layer with its style, the HTML section,
a scoped export (`--units`) and a redacted one — on a tiny project whose verdicts and gaps are worked out by hand.

Geometry: squares in EPSG:4549 on its central meridian (x = 500 000 m), where a w × h m rectangle holds w·h m² to ~1e-8
(tests/test_line_versions.py), so 100 m × 100 m = 15 亩 (1 亩 = 10000/15 m²). Park K1 holds P1, P2, P5; park K2 P3, P4.
Firms declare their land (land_area_mu), so each firm's per-mu figures are its own numbers ÷ that land:

  P1 标准地, firm F1 (甲公司, 30 亩: P1 + P5), due 2024-06-30, committed 200 / 1.2 / 20 / 2 / 1000 / 2 %:
     investment 6600 ÷ 30 = 220, FAR 15000 m² ÷ 10000 m² = 1.5, tax 660 ÷ 30 = 22, VA/energy 600 ÷ 200 = 3,
     VA/emission 600 ÷ 0.5 = 1200, R&D 60 ÷ 2000 = 3 %                                   → 达标
  P2 标准地, firm F2 (乙公司, 30 亩), 200 × 100 m = 30 亩, floor 24000 m² (FAR 1.2), due 2025-03-31, committed tax 25:
     tax 600 ÷ 30 = 20 → gap 20 − 25 = −5 万元/亩 (the only term missed: 7500 ÷ 30 = 250, 900 ÷ 300 = 3,
     900 ÷ 0.6 = 1500, 50 ÷ 1000 = 5 %)                                                   → 不达标
  P3 标准地, firm F3 (丙公司), due 2027-01-01 (after the review date 2025-12-31)        → 未到期
  P4 标准地, no owner, due 2024-01-01                                                      → 无法判定 (未关联企业)
  P5 not 标准地 (owner F1)                                                                 → not reviewed
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sqlite3
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

X0, Y0 = 500_000.0, 3_300_000.0
CRS = "EPSG:4549"
AS_OF = dt.date(2025, 12, 31)
F1, F2, F3 = "913302000000000011", "913302000000000022", "913302000000000033"
NAMES = {F1: "甲精密机械有限公司", F2: "乙新材料有限公司", F3: "丙电子科技有限公司"}
COMMITTED = {"committed_investment_intensity": 200.0, "committed_far_min": 1.2, "committed_tax_per_mu": 20.0,
             "committed_value_added_per_energy": 2.0, "committed_value_added_per_emission": 1000.0,
             "committed_rd_ratio": 0.02}
EXPECTED = {"met": 1, "not_met": 1, "not_due": 1, "undetermined": 1}
EXPECTED_ZH = {"达标": 1, "不达标": 1, "未到期": 1, "无法判定": 1}
P2_TAX_GAP = 600.0 / 30.0 - 25.0  # F2's tax ÷ its land − P2's committed 亩均税收 = −5


def box(x: float, y: float, w: float = 100.0, h: float = 100.0) -> shapely.Polygon:
    """A rectangle given in metres from the fixture origin."""
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def raw_layers(*, standard: bool = True) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(parcels, parks, enterprises) of the fixture; `standard=False` marks no parcel as 标准地."""
    rows = [  # parcel, 标准地, owner, geometry, floor m², due, committed tax
        ("P1", True, F1, box(0, 0), 15000.0, "2024-06-30", 20.0),
        ("P2", True, F2, box(200, 0, 200), 24000.0, "2025-03-31", 25.0),
        ("P3", True, F3, box(5000, 0), 12000.0, "2027-01-01", 20.0),
        ("P4", True, None, box(5200, 0), 15000.0, "2024-01-01", 20.0),
        ("P5", False, F1, box(500, 0), 15000.0, None, None),
    ]
    parcels = gpd.GeoDataFrame([{
        "parcel_id": p, "land_use": "0601", "land_use_category": "industrial", "supply_status": "built",
        "owner_uscc": owner, "floor_area_m2": floor, "standard_land": s and standard,
        "production_due_date": pd.Timestamp(due) if due else pd.NaT,
        **{k: (v if s else None) for k, v in COMMITTED.items()}, "committed_tax_per_mu": tax}
        for p, s, owner, _g, floor, due, tax in rows], geometry=[r[3] for r in rows], crs=CRS)
    parks = gpd.GeoDataFrame({"park_id": ["K1", "K2"], "name": ["园区K1", "园区K2"], "kind": ["comprehensive"] * 2},
                             geometry=[box(-50, -50, 1000, 300), box(4950, -50, 1000, 300)], crs=CRS)
    firms = pd.DataFrame({
        "uscc": [F1, F2, F3], "name": [NAMES[F1], NAMES[F2], NAMES[F3]], "year": [2025] * 3, "above_scale": [True] * 3,
        "land_area_mu": [30.0, 30.0, 15.0], "fixed_investment_10k_yuan": [6600.0, 7500.0, 100.0],
        "tax_10k_yuan": [660.0, 600.0, 10.0], "value_added_10k_yuan": [600.0, 900.0, 50.0],
        "energy_tce": [200.0, 300.0, 50.0], "emissions": [0.5, 0.6, 1.0], "rd_10k_yuan": [60.0, 50.0, 1.0],
        "revenue_10k_yuan": [2000.0, 1000.0, 500.0], "employees": [100.0, 80.0, 20.0],
        "profit_10k_yuan": [100.0, 50.0, 5.0], "electricity_kwh": [1e6, 1e6, 1e5],
    })
    return parcels, parks, gpd.GeoDataFrame(firms, geometry=[None] * len(firms), crs=CRS)


def make_project(root: Path, *, standard: bool = True):
    """The fixture project (region 测试区, year 2025, evaluated on 2025-12-31)."""
    from layers.project import Project

    parcels, parks, firms = raw_layers(standard=standard)
    project = Project.create(root, region="测试区", year=2025, crs=CRS)
    project.write_layers({"parcels": parcels, "parks": parks, "enterprises": firms}, issues=[])
    return project


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """(project, inputs, evaluation with the time context attached as the CLI's score attaches it)."""
    from analysis.inputs import load_inputs
    from analysis.score import evaluate
    from analysis.time_context import attach_time_context

    project = make_project(tmp_path_factory.mktemp("stdland") / "p")
    inputs = load_inputs(project)
    ev = attach_time_context(project, inputs, evaluate(inputs))
    return project, inputs, ev


@pytest.fixture(scope="module")
def whole(evaluated, tmp_path_factory):
    """xlsx, gpkg and html of the whole project."""
    from reports.bundle import export_all

    _project, inputs, ev = evaluated
    return export_all(ev, inputs, tmp_path_factory.mktemp("whole"), ["xlsx", "gpkg", "html"])


def sheet_rows(path: Path, name: str = "标准地复核") -> list[dict]:
    """The rows of one sheet as header → value dicts (the header is row 1)."""
    ws = openpyxl.load_workbook(path, read_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_the_review_matches_the_hand_computed_verdicts(evaluated):
    """The independent check: the raw parcel and firm rows reviewed directly give the hand-worked verdicts and gap."""
    from analysis.standard_land import review

    parcels, _parks, firms = raw_layers()
    direct = review(parcels.assign(firm_uscc=parcels["owner_uscc"]), pd.DataFrame(firms.drop(columns="geometry")), None,
                    AS_OF)
    assert direct.counts() == EXPECTED
    p2 = direct.table.set_index("parcel_id").loc["P2"]
    assert p2["tax_per_mu_gap"] == pytest.approx(P2_TAX_GAP) == pytest.approx(-5.0)
    _project, _inputs, ev = evaluated
    attached = ev.standard_land_review
    assert attached is not None and attached.as_of == AS_OF and attached.counts() == EXPECTED
    assert dict(zip(attached.table["parcel_id"], attached.table["verdict"])) == {
        "P1": "met", "P2": "not_met", "P3": "not_due", "P4": "undetermined"}


def test_excel_sheet(whole):
    rows = {r["宗地编号"]: r for r in sheet_rows(whole["xlsx"])}
    assert set(rows) == {"P1", "P2", "P3", "P4"}
    assert pd.Series([r["复核结论"] for r in rows.values()]).value_counts().to_dict() == EXPECTED_ZH
    assert [r["宗地编号"] for r in sheet_rows(whole["xlsx"])][0] == "P2"  # not met first
    p2 = rows["P2"]
    assert p2["亩均税收（万元/亩）·承诺值"] == pytest.approx(25.0)
    assert p2["亩均税收（万元/亩）·实际值"] == pytest.approx(20.0)
    assert p2["亩均税收（万元/亩）·差距"] == pytest.approx(P2_TAX_GAP)
    assert p2["亩均税收（万元/亩）·是否达标"] == "否" and p2["容积率（下限）·是否达标"] == "是"
    assert p2["容积率（下限）·实际值"] == pytest.approx(1.2)  # 24000 m² on 200 × 100 m
    assert p2["未达标项（承诺 / 实际 / 差距）"] == "亩均税收 承诺 25.00、实际 20.00、差距 −5.00 万元/亩"
    assert p2["企业名称"] == NAMES[F2] and p2["统一社会信用代码"] == F2 and p2["约定达产日期"] == "2025-03-31"
    assert rows["P1"]["研发经费投入占比·实际值"] == pytest.approx(60.0 / 2000.0)
    assert rows["P4"]["无法判定原因"].startswith("宗地未关联企业")
    assert rows["P3"]["亩均税收（万元/亩）·是否达标"] is None  # not due: no verdict on its terms
    ws = openpyxl.load_workbook(whole["xlsx"])["标准地复核"]
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0  # one page wide (absent means 1)
    assert ws.print_area is not None and "$F$" in str(ws.print_area)  # the six text columns print


def test_excel_sheet_has_no_english_codes_in_chinese(whole):
    from tests.test_zh_text import LATIN, allowed

    ws = openpyxl.load_workbook(whole["xlsx"], read_only=True)["标准地复核"]
    english = {v for row in ws.iter_rows(values_only=True) for v in row
               if isinstance(v, str) and LATIN.search(v) and not re.search(r"[\u3400-\u9fff]", v) and not allowed(v)}
    assert not english


def test_geopackage_layer_and_style(whole):
    from reports.gpkg import read_aliases

    path = whole["gpkg"]
    layer = gpd.read_file(path, layer="标准地复核")
    assert layer["verdict"].value_counts().to_dict() == EXPECTED
    by_id = layer.set_index("parcel_id")
    assert by_id.loc["P2", "tax_per_mu_gap"] == pytest.approx(P2_TAX_GAP)
    assert not by_id.loc["P2", "tax_per_mu_met"] and by_id.loc["P2", "far_min_met"]
    assert by_id.loc["P2", "verdict_text"] == "不达标" and by_id.loc["P2", "firm_name"] == NAMES[F2]
    assert by_id.geometry.area.loc["P2"] == pytest.approx(20000.0)  # the parcel's own polygon
    assert str(by_id.loc["P2", "due_date"])[:10] == "2025-03-31"
    assert read_aliases(path, "标准地复核")["tax_per_mu_gap"] == "亩均税收（万元/亩）·差距"
    with sqlite3.connect(path) as con:
        qml, sld = con.execute("SELECT styleQML, styleSLD FROM layer_styles WHERE f_table_name = '标准地复核'").fetchone()
    assert 'attr="verdict"' in qml and 'value="not_met"' in qml and 'label="不达标"' in qml
    assert "215,48,39" in qml  # 不达标 in red (#d73027)
    assert "不达标" in sld and "#d73027" in sld.lower()


def test_html_section(whole):
    text = whole["html"].read_text(encoding="utf-8")
    section = text[text.index('<section id="lp-stdland">'):]
    section = section[:section.index("</section>")]
    for verdict, n in EXPECTED.items():
        assert f'id="lp-stdland-{verdict}">{n}<' in section
    table = section[section.index('id="lp-stdland-not-met"'):]
    assert ">P2<" in table and ">P1<" not in table and ">P3<" not in table
    assert "亩均税收 承诺 25.00、实际 20.00、差距 −5.00 万元/亩" in table


def test_scoped_export_keeps_the_units_parcels(evaluated, tmp_path):
    from reports.bundle import export_all

    _project, inputs, ev = evaluated
    paths = export_all(ev, inputs, tmp_path, ["xlsx", "gpkg", "html"], unit_ids=["K1"])
    assert {r["宗地编号"] for r in sheet_rows(paths["xlsx"])} == {"P1", "P2"}
    assert set(pyogrio.read_dataframe(paths["gpkg"], layer="标准地复核", read_geometry=False)["parcel_id"]) == {"P1", "P2"}
    html = paths["html"].read_text(encoding="utf-8")
    assert 'id="lp-stdland-not_due">0<' in html and 'id="lp-stdland-met">1<' in html
    assert ev.standard_land_review.counts() == EXPECTED  # the shared evaluation is left whole


def test_redacted_export_names_no_firm(evaluated, tmp_path):
    from reports.bundle import export_all
    from reports.scope import scope_export

    _project, inputs, ev = evaluated
    secret = b"k" * 32
    paths = export_all(ev, inputs, tmp_path, ["xlsx", "gpkg", "html"], redact=True, secret=secret)
    rows = {r["宗地编号"]: r for r in sheet_rows(paths["xlsx"])}
    firms = {r["统一社会信用代码"]: r for r in sheet_rows(paths["xlsx"], "企业评价")}
    for path in paths.values():
        data = path.read_bytes()
        for code, name in NAMES.items():
            assert code.encode() not in data and name.encode() not in data, path.name
    p2 = rows["P2"]
    assert p2["企业名称"] and p2["企业名称"] == p2["统一社会信用代码"] and p2["企业名称"] in firms  # the same pseudonym
    cut, _ = scope_export(ev, inputs, None, secret=secret)
    assert set(cut.standard_land_review.table["firm_uscc"].dropna()) == set(firms)
    assert cut.standard_land_review.counts() == EXPECTED


def test_no_review_no_sheet_layer_or_section(evaluated, tmp_path):
    from reports.bundle import export_all

    _project, inputs, ev = evaluated
    paths = export_all(dataclasses.replace(ev, standard_land_review=None), inputs, tmp_path, ["xlsx", "gpkg", "html"])
    assert "标准地复核" not in openpyxl.load_workbook(paths["xlsx"], read_only=True).sheetnames
    assert "标准地复核" not in {name for name, _ in pyogrio.list_layers(paths["gpkg"])}
    assert 'id="lp-stdland"' not in paths["html"].read_text(encoding="utf-8")


def test_english_edition(evaluated, tmp_path):
    from reports.bundle import export_all

    _project, inputs, ev = evaluated
    paths = export_all(ev, inputs, tmp_path, ["xlsx", "gpkg"], lang="en")
    rows = {r["Parcel"]: r for r in sheet_rows(paths["xlsx"], "Standard land")}
    assert rows["P2"]["Verdict"] == "not met" and rows["P2"]["Tax per mu (10k yuan/mu): Gap"] == pytest.approx(P2_TAX_GAP)
    assert "standard_land_review" in {name for name, _ in pyogrio.list_layers(paths["gpkg"])}
