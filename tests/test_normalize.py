"""normalize_table: mapped, typed canonical columns and problems that name source/layer/feature/field."""

import json
import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from layers.normalize import normalize_table
from layers.problems import InputError
from layers.schema import LAYERS

HUAWEI = "914403001922038216"  # valid: check character 6 computed by hand in test_uscc.py
TENCENT = "91440300708461136T"  # valid: check character T


def find(problems, code, feature=None):
    return [p for p in problems if p.code == code and (feature is None or p.feature == feature)]


def parcels_frame():
    return gpd.GeoDataFrame(
        {
            "宗地号": ["A1", "A2", None, "A4"],
            "DLBM": ["0601", 601.0, "0508", "0701"],
            "DLMC": ["工业用地", "工业用地", "物流仓储用地", "城镇住宅用地"],
            "供地状态": ["已建成", "批而未供", "abc", "闲置土地"],
            "约定开工日期": ["2023/5/1", 45047, "—", None],
            "总建筑面积": ["1,000", "—", "x", "２５００"],
            "权利人统一社会信用代码": [HUAWEI, "914403001922038217", None, " 91440300708461136t "],
            "备注": ["a", "b", "c", "d"],
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(3, 0, 4, 1)],
        crs="EPSG:4549",
    )


def test_parcels_columns_types_and_geometry():
    src = parcels_frame()
    r = normalize_table(src, "parcels", source="d.shp", layer="d")
    f = r.frame
    assert isinstance(f, gpd.GeoDataFrame) and f.crs == src.crs
    assert f.geometry.equals(src.geometry)
    assert list(f.columns[:1]) == ["_row"] and list(f["_row"]) == [1, 2, 3, 4]
    assert set(LAYERS["parcels"].field_names) <= set(f.columns)
    assert "备注" not in f.columns and "宗地号" not in f.columns
    assert r.unmapped == ["备注"] and r.mapping["DLBM"] == "land_use"
    assert list(f["parcel_id"]) == ["A1", "A2", None, "A4"]
    assert list(f["land_use"]) == ["0601", "0601", "0508", "0701"]
    assert list(f["land_use_category"]) == ["industrial", "industrial", "warehouse", "residential"]
    assert list(f["supply_status"]) == ["built", "unsupplied", None, "idle"]
    assert list(f["agreed_start_date"]) == ["2023-05-01", "2023-05-01", None, None]
    assert f["floor_area_m2"].dtype == "float64"
    assert f["floor_area_m2"][0] == 1000.0 and f["floor_area_m2"][3] == 2500.0
    assert f["floor_area_m2"][[1, 2]].isna().all()
    assert list(f["owner_uscc"]) == [HUAWEI, "914403001922038217", None, TENCENT]
    assert f["supply_date"].isna().all() and f["footprint_m2"].isna().all()


def test_parcels_problems_name_where_and_what():
    r = normalize_table(parcels_frame(), "parcels", source="d.shp", layer="d")
    p = r.problems
    assert all(x.source == "d.shp" and x.layer == "d" for x in p)
    dash = find(p, "placeholder_missing", "A2")
    assert len(dash) == 1 and dash[0].severity == "warning" and dash[0].field == "floor_area_m2" and dash[0].value == "—"
    text = find(p, "not_a_number", "row 3")  # no parcel id on that row: named by its row number
    assert len(text) == 1 and text[0].severity == "error" and text[0].value == "x" and "'x'" in text[0].message
    status = find(p, "unknown_value", "row 3")
    assert status[0].field == "supply_status" and status[0].severity == "error"
    assert all(x.field != "supply_status" for x in find(p, "missing_value", "row 3"))
    missing_id = [x for x in find(p, "missing_value", "row 3") if x.field == "parcel_id"]
    assert len(missing_id) == 1 and missing_id[0].severity == "error"
    bad = find(p, "bad_uscc")
    assert [(x.feature, x.value, x.severity) for x in bad] == [("A2", "914403001922038217", "warning")]
    unmapped = find(p, "unmapped_columns")
    assert len(unmapped) == 1 and "备注" in unmapped[0].message
    assert find(p, "land_use_code_padded") and "601" in find(p, "land_use_code_padded")[0].message
    assumed = find(p, "land_use_standard_assumed")
    assert len(assumed) == 1 and assumed[0].severity == "warning"
    assert r.land_use_standard == "gbt21010" and "0508" in r.land_use_note
    # The "—" of a date column on row 3 is a warning; a blank cell (A4) is silent.
    assert len(find(p, "placeholder_missing", "row 3")) == 1 and not find(p, "placeholder_missing", "A4")


def test_ambiguous_land_use_is_an_error_without_names_or_standard():
    df = pd.DataFrame({"ZDDM": ["P1", "P2"], "DLBM": ["0601", "0601"], "GDZT": ["已建成", "已建成"]})
    r = normalize_table(df, "parcels")
    err = find(r.problems, "land_use_standard_ambiguous")
    assert len(err) == 1 and err[0].severity == "error" and "0601" in err[0].message
    assert r.land_use_standard is None
    assert r.frame["land_use_category"].isna().all()
    assert not isinstance(r.frame, gpd.GeoDataFrame)


def test_given_standard_skips_detection_and_decides_0601():
    df = pd.DataFrame({"ZDDM": ["P1", "P2"], "DLBM": ["0601", "1001"], "GDZT": ["已建成", "已建成"]})
    r = normalize_table(df, "parcels", land_use_standard="ydyh2023")
    assert list(r.frame["land_use_category"]) == ["other", "industrial"]
    assert not find(r.problems, "land_use_standard_assumed") and not find(r.problems, "land_use_standard_ambiguous")
    with pytest.raises(InputError):
        normalize_table(df, "parcels", land_use_standard="gb2020")


def test_land_use_names_only_and_code_column_by_name():
    df = pd.DataFrame({"宗地编号": ["P1", "P2"], "土地用途": ["工业用地", "新型产业用地"], "供地状态": ["已建", "已建"]})
    r = normalize_table(df, "parcels")
    assert list(r.frame["land_use_category"]) == ["industrial", "m0"]
    assert not r.problems.errors
    assert find(r.problems, "land_use_from_names")
    # 用地性质 holding planning codes is read as the code column.
    df = pd.DataFrame({"宗地编号": ["P1", "P2"], "用地性质": ["M1", "M0"], "供地状态": ["已建", "已建"]})
    r = normalize_table(df, "parcels")
    assert list(r.frame["land_use"]) == ["M1", "M0"] and list(r.frame["land_use_category"]) == ["industrial", "m0"]
    assert r.mapping["用地性质"] == "land_use"
    assert r.land_use_standard == "gb50137"


def test_unknown_code_and_name_mismatch_warn():
    df = pd.DataFrame({"宗地编号": ["P1", "P2", "P3"], "DLBM": ["0601", "0699", "0701"],
                       "DLMC": ["工业用地", "工业用地", "工业用地"], "供地状态": ["已建"] * 3})
    r = normalize_table(df, "parcels", land_use_standard="gbt21010")
    unknown = find(r.problems, "land_use_unknown_code")
    assert [(x.feature, x.value) for x in unknown] == [("P2", "0699")]
    assert r.frame["land_use_category"][1] == "industrial"  # from the name
    clash = find(r.problems, "land_use_name_mismatch")
    assert [(x.feature, x.value) for x in clash] == [("P3", "0701")]


def test_missing_required_field_is_one_error():
    df = pd.DataFrame({"宗地编号": ["P1"], "地类编码": ["0601"], "地类名称": ["工业用地"]})
    r = normalize_table(df, "parcels")
    errs = find(r.problems, "missing_field")
    assert [(x.field, x.severity) for x in errs] == [("supply_status", "error")]
    assert "供地状态" in errs[0].message


CUT = ["统一社会信"]  # a DBF name at the 10-byte limit: only such a header matches an alias by prefix


def enterprises_frame():
    return pd.DataFrame({
        "统一社会信": [HUAWEI, "91440300708461136X", 9.14403001922038e17, None],
        "企业名称": ["甲", "乙", "丙", "丁"],
        "是否规上": ["是", "规下", "否", "maybe"],
        "年度": ["2023", "2023年", 2023.0, "2023.5"],
        "实缴税金(元)": ["12,000", "—", "abc", "１００００"],
        "用地面积(平方米)": [6666.666666666667, "1,000", None, "20000"],
        "R＆D经费": [1, 2, 3, 4],
        "不相关": [0, 0, 0, 0],
    }, index=[7, 8, 9, 10])


def test_enterprises_units_and_types():
    r = normalize_table(enterprises_frame(), "enterprises", source="e.dbf", layer="2023", cut_columns=CUT)
    f = r.frame
    assert list(f.index) == [7, 8, 9, 10] and list(f["_row"]) == [1, 2, 3, 4]
    assert f["tax_10k_yuan"][7] == pytest.approx(1.2)  # 12,000 元 = 1.2 万元
    assert f["tax_10k_yuan"][10] == pytest.approx(1.0)
    assert f["tax_10k_yuan"][[8, 9]].isna().all()
    # 1 亩 = 10000/15 m²: 6666.67 m² = 10 亩, 1000 m² = 1.5 亩, 20000 m² = 30 亩.
    assert f["land_area_mu"][7] == pytest.approx(10.0) and f["land_area_mu"][8] == pytest.approx(1.5)
    assert f["land_area_mu"][10] == pytest.approx(30.0) and math.isnan(f["land_area_mu"][9])
    assert "land_area_m2" not in f.columns
    assert list(f["above_scale"][:3]) == [True, False, False] and f["above_scale"][10] is pd.NA
    assert f["year"].dtype == "Int64" and list(f["year"][:3]) == [2023, 2023, 2023] and f["year"][10] is pd.NA
    assert list(f["rd_10k_yuan"]) == [1.0, 2.0, 3.0, 4.0]
    assert r.mapping["统一社会信"] == "uscc" and r.unmapped == ["不相关"]


def test_enterprises_problems():
    r = normalize_table(enterprises_frame(), "enterprises", source="e.dbf", layer="2023", cut_columns=CUT)
    p = r.problems
    nan_tax = find(p, "not_a_number")
    assert [(x.field, x.value) for x in nan_tax] == [("tax_10k_yuan", "abc")]
    dash = find(p, "placeholder_missing")
    assert [(x.feature, x.field) for x in dash] == [("91440300708461136X", "tax_10k_yuan")]
    bad = {x.feature: x for x in find(p, "bad_uscc")}
    assert set(bad) == {"91440300708461136X", "914403001922038016"}
    assert "'T'" in bad["91440300708461136X"].message  # the right check character is named
    assert "number" in bad["914403001922038016"].message  # Excel turned the code into a float
    assert [(x.feature, x.field) for x in find(p, "missing_value")] == [("row 4", "uscc")]
    assert [(x.feature, x.field) for x in find(p, "not_a_bool")] == [("row 4", "above_scale")]
    assert [(x.feature, x.value) for x in find(p, "not_an_integer")] == [("row 4", "2023.5")]
    assert find(p, "unit_converted") and find(p, "column_prefix")
    assert all(x.source == "e.dbf" and x.layer == "2023" for x in p)


def test_row_numbers_from_reader_are_kept():
    df = pd.DataFrame({"_row": [2, 5], "园区编号": ["Y1", None], "园区名称": ["甲园", "乙园"],
                       "园区类型": ["综合园区", "不明"]})
    r = normalize_table(df, "parks")
    assert list(r.frame["_row"]) == [2, 5]
    assert [x.feature for x in find(r.problems, "missing_value")] == ["row 5"]
    assert [(x.feature, x.field) for x in find(r.problems, "unknown_value")] == [("row 5", "kind")]
    assert list(r.frame["kind"]) == ["comprehensive", None]


def test_protection_lines_constraints_and_ratios():
    lines = gpd.GeoDataFrame({"控制线编号": ["L1", "L2", "L3"], "级别": ["一级线", "蓝线", "II"],
                              "工业用地占比": ["60%", 0.65, 70]}, geometry=[box(0, 0, 1, 1)] * 3, crs="EPSG:4549")
    r = normalize_table(lines, "protection_lines")
    assert list(r.frame["level"]) == ["red", "blue", "blue"]
    assert list(r.frame["min_industrial_share"]) == pytest.approx([0.6, 0.65, 0.7])
    assert [(x.feature, x.code) for x in r.problems if x.severity != "info"] == [("L3", "ratio_as_percent")]
    cons = gpd.GeoDataFrame({"类型": ["城镇开发边界", "基本农田", "生态红线"]}, geometry=[box(0, 0, 1, 1)] * 3)
    r = normalize_table(cons, "constraints")
    assert list(r.frame["kind"]) == ["urban_boundary", "permanent_farmland", "ecological_redline"]
    assert not r.problems.errors
    micro = pd.DataFrame({"园区编号": ["M1"], "园区名称": ["小微园"], "入驻率(%)": [85]})
    assert normalize_table(micro, "micro_parks").frame["occupancy_rate"][0] == pytest.approx(0.85)


def test_overrides_and_ignored_columns():
    df = pd.DataFrame({"编码": ["R1"], "备注": ["x"], "道路等级": ["主干路"]})
    r = normalize_table(df, "roads", overrides={"编码": "road_id", "备注": ""})
    assert r.mapping == {"编码": "road_id", "道路等级": "road_class"} and r.unmapped == []
    assert not find(r.problems, "unmapped_columns") and not r.problems.errors


def test_empty_table_and_duplicate_index():
    r = normalize_table(pd.DataFrame({"宗地编号": [], "地类编码": [], "供地状态": []}), "parcels")
    assert len(r.frame) == 0 and not r.problems.errors
    df = pd.DataFrame({"道路编号": ["R1", "R2"]}, index=[0, 0])
    r = normalize_table(df, "roads")
    assert list(r.frame["road_id"]) == ["R1", "R2"] and list(r.frame["_row"]) == [1, 2]


def test_problems_are_json_safe():
    r = normalize_table(enterprises_frame(), "enterprises", cut_columns=CUT)

    text = json.dumps([p.to_dict() for p in r.problems], ensure_ascii=False)  # raises TypeError if not JSON-safe
    assert "不相关" in text
