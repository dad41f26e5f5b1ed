"""Firm events, tenancies and the new firm fields (issue 12, item 2): Chinese headers from CSV and Excel through
`landpark validate` / `import`, read back from the project.

Fixtures are written here cell by cell. Credit codes: A, B, C pass GB 32100 (checked with layers.uscc below);
BAD differs from a valid code in its check character only. Areas: 1 亩 = 10000/15 m² exactly, so 10000 m² = 15 亩
and 2000 m² = 3 亩.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from i18n import layer_label
from layers.aliases import guess_kind, map_columns, match_column
from layers.normalize import normalize_table
from layers.project import Project
from layers.schema import FieldSpec, LayerSpec
from layers.uscc import is_valid_uscc
from tests.test_cli_foundation import landpark

A = "91330212MA2AAAAA10"
B = "91330212MA2BBBBB2B"
C = "91330212MA2CCCCC3N"
BAD = "913302120000000000"  # check character should be T


def test_fixture_codes():
    assert all(is_valid_uscc(c) for c in (A, B, C)) and not is_valid_uscc(BAD)


def write_csv(path, text: str):
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def write_xlsx(path, rows: list[list], sheet: str = "Sheet1"):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def validate(source, kind):
    run = landpark("validate", str(source), "--kind", kind, "--json")
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


def imported(source, kind, into):
    run = landpark("import", str(source), "--kind", kind, "--into", str(into), "--json")
    assert run.returncode == 0, run.stderr + run.stdout
    return json.loads(run.stdout)


def problems(doc, code):
    return [(p["feature"], p["field"], p["severity"]) for p in doc["problems"] if p["code"] == code]


# --------------------------------------------------------------------------- enterprise_events


EVENTS_CSV = f"""
统一社会信用代码,企业名称,年份,事件,扣分,备注,发生时间
{A},甲公司,2024,安全生产事故,5,一般事故,2024-03-05
{B},乙公司,2024年,高新技术企业,,,2024/6/1
{BAD},丙公司,2023,专精特新,,省级,
"""


def test_events_from_csv(tmp_path):
    source = write_csv(tmp_path / "events.csv", EVENTS_CSV)
    doc = validate(source, "enterprise_events")
    assert doc["ok"] is True
    assert doc["field_mapping"] == {"统一社会信用代码": "uscc", "年份": "year", "事件": "event", "扣分": "points",
                                    "备注": "note", "发生时间": "date"}
    assert doc["unmapped_columns"] == ["企业名称"]
    assert problems(doc, "bad_uscc") == [("row 3", "uscc", "warning")]

    out = imported(source, "enterprise_events", tmp_path / "p")
    assert out["features"] == 3
    events = Project.open(tmp_path / "p").read_layer("enterprise_events")
    assert list(events.columns) == ["uscc", "year", "event", "points", "note", "date"]
    assert events["uscc"].tolist() == [A, B, BAD]
    assert events["year"].tolist() == [2024, 2024, 2023]
    assert events["event"].tolist() == ["安全生产事故", "高新技术企业", "专精特新"]
    # 扣分 is taken as written (positive): the method decides the sign
    assert events["points"].iloc[0] == 5.0 and events["points"].iloc[1:].isna().all()
    assert events["note"].iloc[0] == "一般事故" and pd.isna(events["note"].iloc[1]) and events["note"].iloc[2] == "省级"
    assert events["date"].iloc[:2].tolist() == ["2024-03-05", "2024-06-01"] and pd.isna(events["date"].iloc[2])
    issues = Project.open(tmp_path / "p").data_issues()
    assert issues[issues["code"] == "bad_uscc"][["layer", "feature", "value"]].values.tolist() == [
        ["enterprise_events", "row 3", BAD]]


def test_events_from_xlsx(tmp_path):
    source = write_xlsx(tmp_path / "events.xlsx", [
        ["信用代码", "年度", "认定类型", "加分", "说明", "认定日期"],
        [A, "2025年", "专精特新", "+2分", "省级专精特新中小企业", dt.datetime(2025, 4, 18)],
        [C, 2025, "能耗未达标", -3, None, None],
    ])
    out = imported(source, "enterprise_events", tmp_path / "p")
    assert out["report"]["field_mapping"] == {"信用代码": "uscc", "年度": "year", "认定类型": "event", "加分": "points",
                                              "说明": "note", "认定日期": "date"}
    events = Project.open(tmp_path / "p").read_layer("enterprise_events")
    assert events["uscc"].tolist() == [A, C]
    assert events["year"].tolist() == [2025, 2025]
    assert events["event"].tolist() == ["专精特新", "能耗未达标"]
    assert events["points"].tolist() == [2.0, -3.0]
    assert events["date"].iloc[0] == "2025-04-18"


def test_events_need_uscc_year_and_event(tmp_path):
    source = write_csv(tmp_path / "events.csv", f"""
统一社会信用代码,年度,分值
{A},2024,3
""")
    doc = validate(source, "enterprise_events")
    assert doc["ok"] is False
    assert problems(doc, "missing_field") == [("", "event", "error")]
    source = write_csv(tmp_path / "events2.csv", f"""
统一社会信用代码,年度,事件类型
{A},2024,安全生产事故
,2024,环境事故
""")
    doc = validate(source, "enterprise_events")
    assert doc["ok"] is True  # one bad row is reported, not fatal
    assert problems(doc, "missing_value") == [("row 2", "uscc", "error")]


@pytest.mark.parametrize("header, field", [
    ("统一社会信用代码", "uscc"), ("TYSHXYDM", "uscc"), ("信用代码", "uscc"),
    ("年度", "year"), ("年份", "year"), ("ND", "year"),
    ("事件类型", "event"), ("事件", "event"), ("类型", "event"), ("事项", "event"), ("认定类型", "event"),
    ("事故类型", "event"),
    ("分值", "points"), ("加减分", "points"), ("加分", "points"), ("扣分", "points"), ("分值(分)", "points"),
    ("说明", "note"), ("备注", "note"),
    ("发生日期", "date"), ("日期", "date"), ("认定日期", "date"), ("认定时间", "date"),
])
def test_event_headers(header, field):
    assert map_columns([header], "enterprise_events") == ({header: field}, [])


# --------------------------------------------------------------------------- tenancy


def tenancy_rows():
    return [
        ["承租企业信用代码", "出租方信用代码", "宗地编号", "租赁面积(㎡)", "租赁厂房面积", "起租日期", "到期日期"],
        [A, C, None, 10000, 5000, "2022-01-01", "2027-12-31"],
        [B, None, "P1", 2000, None, dt.datetime(2023, 1, 1), None],
        [C, None, None, 1000, 300, None, None],  # neither landlord nor parcel
        [A, BAD, None, None, 800, None, "2026年6月30日"],
    ]


def test_tenancy_from_xlsx(tmp_path):
    source = write_xlsx(tmp_path / "tenancy.xlsx", tenancy_rows())
    doc = validate(source, "tenancy")
    assert doc["ok"] is True
    assert doc["field_mapping"] == {"承租企业信用代码": "tenant_uscc", "出租方信用代码": "landlord_uscc",
                                    "宗地编号": "parcel_id", "租赁面积(㎡)": "leased_area_m2",
                                    "租赁厂房面积": "floor_area_m2", "起租日期": "start_date", "到期日期": "end_date"}
    # rows are numbered from the first data row
    assert problems(doc, "missing_value") == [("row 3", "landlord_uscc", "error")]
    assert problems(doc, "bad_uscc") == [("row 4", "landlord_uscc", "warning")]
    assert ("", "leased_area_mu", "info") in problems(doc, "unit_converted")

    imported(source, "tenancy", tmp_path / "p")
    project = Project.open(tmp_path / "p")
    leases = project.read_layer("tenancy")
    assert list(leases.columns) == ["tenant_uscc", "landlord_uscc", "parcel_id", "leased_area_mu", "floor_area_m2",
                                    "start_date", "end_date"]
    assert len(leases) == 4  # the row without landlord or parcel is reported and kept (its tenant still leases)
    assert leases["tenant_uscc"].tolist() == [A, B, C, A]
    assert leases["landlord_uscc"].iloc[0] == C and leases["landlord_uscc"].iloc[3] == BAD
    assert leases["landlord_uscc"].iloc[1:3].isna().all()
    assert leases["parcel_id"].iloc[1] == "P1"
    # m² → 亩 with 1 亩 = 10000/15 m²: 10000 m² = 15 亩, 2000 m² = 3 亩, 1000 m² = 1.5 亩
    assert leases["leased_area_mu"].iloc[:3].tolist() == pytest.approx([15.0, 3.0, 1.5], rel=1e-12)
    assert pd.isna(leases["leased_area_mu"].iloc[3])
    assert leases["floor_area_m2"].iloc[[0, 2, 3]].tolist() == [5000.0, 300.0, 800.0]
    assert leases["start_date"].iloc[:2].tolist() == ["2022-01-01", "2023-01-01"]
    assert leases["end_date"].iloc[[0, 3]].tolist() == ["2027-12-31", "2026-06-30"]
    issues = project.data_issues()
    kept = issues[issues["layer"] == "tenancy"].set_index("code")
    assert kept.loc["missing_value", "feature"] == "row 3" and kept.loc["bad_uscc", "value"] == BAD


def test_tenancy_from_csv_in_mu(tmp_path):
    source = write_csv(tmp_path / "tenancy.csv", f"""
承租方信用代码,出租人统一社会信用代码,宗地代码,租用面积(亩),租赁建筑面积(平方米),租赁起始时间,租赁截止日期
{B},{A},,12.5,3000,2024-01-01,2028-12-31
{C},,ZD-0007,0.75,,,
""")
    imported(source, "tenancy", tmp_path / "p")
    leases = Project.open(tmp_path / "p").read_layer("tenancy")
    assert leases["tenant_uscc"].tolist() == [B, C]
    assert leases["landlord_uscc"].iloc[0] == A and pd.isna(leases["landlord_uscc"].iloc[1])
    assert leases["parcel_id"].iloc[1] == "ZD-0007"
    assert leases["leased_area_mu"].tolist() == [12.5, 0.75]
    assert leases["floor_area_m2"].iloc[0] == 3000.0
    assert leases["start_date"].iloc[0] == "2024-01-01" and leases["end_date"].iloc[0] == "2028-12-31"


def test_tenancy_m2_column_fills_gaps_of_the_mu_column():
    frame = pd.DataFrame({"承租企业信用代码": [A, B], "宗地编号": ["P1", "P2"],
                          "租赁面积(亩)": [4.0, None], "租赁面积(平方米)": ["1000", "10000"]})
    table = normalize_table(frame, "tenancy")
    assert table.frame["leased_area_mu"].tolist() == pytest.approx([4.0, 15.0], rel=1e-12)
    assert "leased_area_m2" not in table.frame.columns


def test_tenancy_without_landlord_and_parcel_columns_is_not_imported(tmp_path):
    source = write_csv(tmp_path / "tenancy.csv", f"""
承租企业信用代码,租赁面积
{A},10
""")
    doc = validate(source, "tenancy")
    assert doc["ok"] is False
    assert problems(doc, "missing_field") == [("", "landlord_uscc", "error")]
    run = landpark("import", str(source), "--kind", "tenancy", "--into", str(tmp_path / "p"), "--json")
    assert run.returncode == 1 and json.loads(run.stdout)["ok"] is False


@pytest.mark.parametrize("header, field", [
    ("承租企业信用代码", "tenant_uscc"), ("承租方信用代码", "tenant_uscc"), ("承租人统一社会信用代码", "tenant_uscc"),
    ("承租企业代码", "tenant_uscc"), ("承租企业统一社会信用代码", "tenant_uscc"),
    ("出租方信用代码", "landlord_uscc"), ("出租人统一社会信用代码", "landlord_uscc"), ("出租企业信用代码", "landlord_uscc"),
    ("房东信用代码", "landlord_uscc"),
    ("宗地编号", "parcel_id"), ("宗地代码", "parcel_id"),
    ("租赁面积", "leased_area_mu"), ("租用面积", "leased_area_mu"), ("租赁土地面积", "leased_area_mu"),
    ("租赁面积(亩)", "leased_area_mu"), ("租赁面积(㎡)", "leased_area_m2"), ("租赁土地面积(平方米)", "leased_area_m2"),
    ("租赁建筑面积", "floor_area_m2"), ("租赁厂房面积", "floor_area_m2"),
    ("租赁起始日期", "start_date"), ("起租日期", "start_date"),
    ("租赁截止日期", "end_date"), ("到期日期", "end_date"),
])
def test_tenancy_headers(header, field):
    assert map_columns([header], "tenancy") == ({header: field}, [])


def test_a_bare_credit_code_header_names_no_party():
    assert map_columns(["统一社会信用代码"], "tenancy") == ({}, ["统一社会信用代码"])


def test_leased_area_in_hectares_scales():
    m = match_column("租赁面积(公顷)", "tenancy")
    assert m.field == "leased_area_mu" and m.scale == pytest.approx(15.0)


def test_required_any_names_schema_fields():
    with pytest.raises(AssertionError, match="nope"):
        LayerSpec("x", "x", "point_or_none", None, (FieldSpec("a"),), required_any=(("a", "nope"),))


# --------------------------------------------------------------------------- new firm fields


@pytest.mark.parametrize("header, field, scale", [
    ("利润总额", "profit_10k_yuan", 1.0), ("利润", "profit_10k_yuan", 1.0), ("利润总额(万元)", "profit_10k_yuan", 1.0),
    ("利润总额(元)", "profit_10k_yuan", 1e-4), ("LRZE", "profit_10k_yuan", 1.0),
    ("是否公用事业", "utility", 1.0), ("公用事业", "utility", 1.0), ("公用企业", "utility", 1.0),
    ("是否公用企业", "utility", 1.0), ("水电气企业", "utility", 1.0),
    ("技术改造投资", "tech_investment_10k_yuan", 1.0), ("技改投资", "tech_investment_10k_yuan", 1.0),
    ("工业技改投资(万元)", "tech_investment_10k_yuan", 1.0), ("JGTZ", "tech_investment_10k_yuan", 1.0),
    ("行业代码", "industry_code", 1.0), ("国民经济行业代码", "industry_code", 1.0),
    ("行业分类代码", "industry_code", 1.0), ("HYDM", "industry_code", 1.0), ("行业编码", "industry_code", 1.0),
    ("行业代码(GB/T 4754)", "industry_code", 1.0),
    ("行业", "industry", 1.0), ("所属行业", "industry", 1.0), ("国民经济行业", "industry", 1.0),
])
def test_new_firm_headers(header, field, scale):
    m = match_column(header, "enterprises")
    assert (m.field, m.how in ("alias", "canonical")) == (field, True) and m.scale == pytest.approx(scale)


def test_new_firm_fields_imported(tmp_path):
    source = write_xlsx(tmp_path / "firms.xlsx", [
        ["统一社会信用代码", "企业名称", "行业", "行业代码", "年度", "利润总额(万元)", "技改投资(万元)", "是否公用事业"],
        [A, "甲机械有限公司", "通用设备制造业", 3484, 2025, 1234.5, 300, "否"],
        [B, "乙水务有限公司", "水的生产和供应业", "4610", 2025, -20, None, "是"],
    ])
    doc = validate(source, "enterprises")
    assert doc["ok"] is True
    assert {c: f for c, f in doc["field_mapping"].items() if c != "企业名称"} == {
        "统一社会信用代码": "uscc", "行业": "industry", "行业代码": "industry_code", "年度": "year",
        "利润总额(万元)": "profit_10k_yuan", "技改投资(万元)": "tech_investment_10k_yuan", "是否公用事业": "utility"}
    imported(source, "enterprises", tmp_path / "p")
    firms = Project.open(tmp_path / "p").read_layer("enterprises")
    assert firms["industry"].tolist() == ["通用设备制造业", "水的生产和供应业"]
    assert firms["industry_code"].tolist() == ["3484", "4610"]
    assert firms["profit_10k_yuan"].tolist() == [1234.5, -20.0]
    assert firms["tech_investment_10k_yuan"].iloc[0] == 300.0 and pd.isna(firms["tech_investment_10k_yuan"].iloc[1])
    assert firms["utility"].tolist() == [False, True]


# --------------------------------------------------------------------------- kind guessing and labels


@pytest.mark.parametrize("columns, kind", [
    (["统一社会信用代码", "企业名称", "年度", "事件类型", "分值", "说明"], "enterprise_events"),
    (["统一社会信用代码", "年度", "事件"], "enterprise_events"),
    (["承租企业信用代码", "出租方信用代码", "租赁面积(㎡)"], "tenancy"),
    # a firm table with a 类型 and a 备注 column is not an event list, one with a 宗地编号 column not a link table
    (["统一社会信用代码", "企业名称", "年度", "类型", "实缴税金", "用地面积", "备注"], "enterprises"),
    (["统一社会信用代码", "企业名称", "宗地编号", "实缴税金", "用地面积"], "enterprises"),
    (["统一社会信用代码", "宗地编号"], "land_links"),
    (["统一社会信用代码", "企业名称", "宗地编号"], "land_links"),
])
def test_guess_kind(columns, kind):
    assert guess_kind(columns)[0] == kind


def test_tenancy_without_a_landlord_or_parcel_column_is_no_guess():
    assert guess_kind(["承租企业信用代码", "租赁面积"])[0] is None


def test_cli_guesses_events(tmp_path):
    source = write_csv(tmp_path / "events.csv", EVENTS_CSV)
    run = landpark("validate", str(source))
    assert "guessed enterprise_events" in run.stderr, run.stderr
    assert "企业事件 (enterprise_events)" in run.stdout


def test_layer_labels():
    assert layer_label("enterprise_events", "zh") == "企业事件" and layer_label("tenancy", "zh") == "租赁关系"
    assert layer_label("enterprise_events", "en") == "Enterprise events"
    assert layer_label("tenancy", "en") == "Tenancies (leases)"
