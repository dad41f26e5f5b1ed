"""Header → canonical field mapping: aliases, spelling variants, units, DBF truncation, conflicts."""

import pytest

from layers.aliases import ALIASES, map_columns, match_column
from layers.problems import InputError
from layers.schema import LAYERS

COVERAGE = {
    "parcels": {
        "parcel_id": ["宗地号", "宗地代码", "宗地编号", "地块编号", "ZDDM", "ZDH"],
        "land_use": ["地类编码", "DLBM", "用地代码", "用途代码"],
        "land_use_name": ["地类名称", "DLMC"],
        "supply_status": ["供地状态", "供应状态"],
        "approval_id": ["批次号", "批准文号"],
        "supply_date": ["供地日期", "出让日期", "合同签订日期"],
        "agreed_start_date": ["约定开工日期", "合同约定开工时间"],
        "floor_area_m2": ["建筑面积", "总建筑面积"],
        "footprint_m2": ["基底面积", "建筑占地面积"],
        "owner_uscc": ["权利人统一社会信用代码", "统一社会信用代码"],
        "declared_area_m2": ["ZDMJ", "宗地面积"],
    },
    "enterprises": {
        "uscc": ["统一社会信用代码"],
        "name": ["企业名称", "单位名称"],
        "industry": ["行业", "所属行业", "行业类别"],
        "above_scale": ["是否规上", "规上企业", "企业规模"],
        "year": ["年度"],
        "tax_10k_yuan": ["实缴税金(万元)", "实缴税金（万元）", "税收", "入库税收", "税收实绩"],
        "value_added_10k_yuan": ["工业增加值", "增加值"],
        "output_10k_yuan": ["工业总产值", "产值"],
        "revenue_10k_yuan": ["营业收入", "主营业务收入", "销售收入"],
        "energy_tce": ["综合能耗", "能耗(吨标煤)"],
        "emissions": ["排放量", "主要污染物排放量"],
        "electricity_kwh": ["用电量", "用电(千瓦时)"],
        "rd_10k_yuan": ["R&D经费", "研发经费", "R＆D经费"],
        "employees": ["年平均职工人数", "从业人员"],
        "land_area_mu": ["用地面积(亩)", "实际用地面积", "占地面积(亩)"],
        "land_area_m2": ["用地面积(平方米)", "用地面积(㎡)", "实际用地面积（m²）"],
    },
    "parks": {"name": ["园区名称", "名称"], "park_id": ["园区编号"], "kind": ["园区类型"], "level": ["园区级别"],
              "leading_industries": ["主导产业"]},
    "micro_parks": {"occupancy_rate": ["入驻率", "入驻率(%)"], "floor_area_m2": ["建筑面积"]},
    "future_communities": {"name": ["社区名称", "名称"]},
    "protection_lines": {"level": ["控制线级别", "级别", "线级别"], "line_id": ["控制线编号"], "name": ["名称"]},
    "constraints": {"kind": ["类型", "控制线类型"]},
    "roads": {"road_class": ["道路等级"]},
}


@pytest.mark.parametrize("kind, field, header",
                         [(k, f, h) for k, fields in COVERAGE.items() for f, hs in fields.items() for h in hs])
def test_required_coverage(kind, field, header):
    mapping, unmapped = map_columns([header], kind)
    assert mapping == {header: field} and unmapped == []


@pytest.mark.parametrize("kind", list(LAYERS))
def test_canonical_names_always_map(kind):
    names = LAYERS[kind].field_names
    mapping, unmapped = map_columns(names, kind)
    assert mapping == {n: n for n in names} and unmapped == []
    upper = [n.upper() for n in names]
    assert map_columns(upper, kind)[0] == dict(zip(upper, names))


@pytest.mark.parametrize("kind", list(ALIASES))
def test_no_alias_is_shadowed_by_another_field(kind):
    for field, aliases in ALIASES[kind].items():
        for alias in aliases:
            assert match_column(alias, kind).field == field, (kind, alias)


@pytest.mark.parametrize("header", [" zddm ", "Ｚｄｄｍ", "宗地 编号", "宗地编号：", "*宗地编号", "ZD_DM", "zddm\t"])
def test_case_width_spacing_and_marks_are_ignored(header):
    assert map_columns([header], "parcels")[0] == {header: "parcel_id"}


def test_unit_in_header_scales_values():
    m = match_column("实缴税金(元)", "enterprises")
    assert m.field == "tax_10k_yuan" and m.scale == pytest.approx(1e-4)  # 1 元 = 0.0001 万元
    m = match_column("用电量(万千瓦时)", "enterprises")
    assert m.field == "electricity_kwh" and m.scale == pytest.approx(1e4)
    m = match_column("批准面积(公顷)", "land_approvals")
    assert m.field == "approved_area_mu" and m.scale == pytest.approx(15.0)  # 1 ha = 15 亩
    m = match_column("批准面积(平方米)", "land_approvals")
    assert m.field == "approved_area_mu" and m.scale == pytest.approx(15 / 10000)
    m = match_column("实缴税金(万元/年)", "enterprises")
    assert m.field == "tax_10k_yuan" and m.scale == 1.0
    m = match_column("占地面积亩", "enterprises")  # unit without brackets
    assert m.field == "land_area_mu" and m.scale == 1.0


def test_square_metres_never_map_to_mu():
    mapping, unmapped = map_columns(["用地面积(平方米)", "用地面积(亩)"], "enterprises")
    assert mapping == {"用地面积(平方米)": "land_area_m2", "用地面积(亩)": "land_area_mu"}


def test_contradicting_unit_is_reported_not_mapped():
    mapping, unmapped = map_columns(["用地面积(万元)", "实缴税金(亩)"], "enterprises")
    assert mapping == {} and unmapped == ["用地面积(万元)", "实缴税金(亩)"]
    assert match_column("用地面积(万元)", "enterprises").how == "unit_mismatch"


def test_bracket_text_that_is_not_a_unit_is_a_qualifier():
    assert match_column("实缴税金(2023年)", "enterprises").field == "tax_10k_yuan"


def test_dbf_truncated_headers_match_by_prefix():
    # Only headers the reader marks as DBF names at the 10-byte limit (cut=True / cut_columns) match by
    # prefix: GBK 5 Chinese characters = 10 bytes. The byte test itself is in tests/test_field_mapping.py.
    cut = ["统一社会信", "年平均职工", "主营业务收"]
    mapping, unmapped = map_columns(["统一社会信", "年平均职工", "主营业务收", "企业名称"], "enterprises", cut_columns=cut)
    assert mapping == {"统一社会信": "uscc", "年平均职工": "employees", "主营业务收": "revenue_10k_yuan", "企业名称": "name"}
    assert map_columns(cut, "enterprises")[0] == {}  # not a DBF name at the limit: never a truncation
    # Both truncations point at owner_uscc; 权利人统一社会信用代码 comes first in ALIASES, so it wins.
    cut = ["统一社会信", "合同约定开", "权利人统一"]
    assert map_columns(cut, "parcels", cut_columns=cut) == (
        {"合同约定开": "agreed_start_date", "权利人统一": "owner_uscc"}, ["统一社会信"])
    m = match_column("合同约定开", "parcels", cut=True)
    assert m.field == "agreed_start_date" and m.how == "prefix"
    assert match_column("统一社", "enterprises", cut=True).field == "uscc"  # UTF-8 name cut inside 会
    assert match_column("统一社", "enterprises").field is None
    # Cut inside the bracket: 实缴税金( is 9 GBK bytes; the unit is lost and assumed.
    m = match_column("实缴税金(", "enterprises")
    assert m.field == "tax_10k_yuan" and m.unit_assumed
    m = match_column("实缴税金(万", "enterprises")
    assert m.field == "tax_10k_yuan" and not m.unit_assumed and m.scale == 1.0


def test_two_columns_for_one_field_better_match_wins():
    mapping, unmapped = map_columns(["统一社会信", "统一社会信用代码"], "enterprises")
    assert mapping == {"统一社会信用代码": "uscc"} and unmapped == ["统一社会信"]
    mapping, unmapped = map_columns(["宗地号", "parcel_id"], "parcels")
    assert mapping == {"parcel_id": "parcel_id"} and unmapped == ["宗地号"]
    mapping, unmapped = map_columns(["税收", "实缴税金"], "enterprises")  # earlier alias in ALIASES wins
    assert mapping == {"实缴税金": "tax_10k_yuan"} and unmapped == ["税收"]
    mapping, unmapped = map_columns(["名称", "名称 "], "parks")  # same spelling twice: the first keeps it
    assert mapping == {"名称": "name"} and unmapped == ["名称 "]


def test_unknown_columns_are_listed():
    mapping, unmapped = map_columns(["宗地号", "备注", "Shape_Area", ""], "parcels")
    assert mapping == {"宗地号": "parcel_id"} and unmapped == ["备注", "Shape_Area", ""]


def test_overrides():
    mapping, unmapped = map_columns(["宗地号", "备注", "宗地代码"], "parcels",
                                    overrides={"宗地代码": "parcel_id", "备注": ""})
    assert mapping == {"宗地代码": "parcel_id"} and unmapped == ["宗地号"]
    with pytest.raises(InputError, match="no field"):
        map_columns(["a"], "parcels", overrides={"a": "tax_10k_yuan"})
    with pytest.raises(InputError, match="several columns"):
        map_columns(["a", "b"], "parcels", overrides={"a": "parcel_id", "b": "parcel_id"})


def test_kinds_do_not_leak_fields():
    assert map_columns(["实缴税金"], "parcels") == ({}, ["实缴税金"])
    assert map_columns(["宗地号"], "enterprises") == ({}, ["宗地号"])
    with pytest.raises(ValueError, match="valid kinds"):
        map_columns(["a"], "nonsense")
