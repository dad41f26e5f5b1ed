"""Cell parsers against hostile bureau values."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from layers.values import (
    MISSING_TOKENS,
    parse_bools,
    parse_constraint_kind,
    parse_dates,
    parse_line_level,
    parse_numbers,
    parse_park_kind,
    parse_ratios,
    parse_supply_status,
    parse_text,
)


def issues_by_row(issues):
    return {i.row: i for i in issues}


# ---------- numbers


def test_numbers_hostile_money_column():
    s = pd.Series(["1,234.5", "１，２３４．５", " 12 ", "—", "abc", "", None, 3, "-7.5", "1.2e3"],
                  index=[10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    values, issues = parse_numbers(s)
    assert values.dtype == "float64"
    assert values[10] == 1234.5 and values[11] == 1234.5 and values[12] == 12.0
    assert values[17] == 3.0 and values[18] == -7.5 and values[19] == 1200.0
    assert values[[13, 14, 15, 16]].isna().all()
    by_row = issues_by_row(issues)
    assert set(by_row) == {13, 14}  # blanks are silently missing; the dash and the text are reported
    assert by_row[13].code == "placeholder_missing" and by_row[13].severity == "warning" and "'—'" in by_row[13].message
    assert by_row[14].code == "not_a_number" and by_row[14].severity == "error" and "'abc'" in by_row[14].message


@pytest.mark.parametrize("token", sorted(MISSING_TOKENS - {""}) + ["null".upper(), "n/a"])
def test_every_missing_token_warns(token):
    values, issues = parse_numbers(pd.Series([token]))
    assert math.isnan(values[0])
    assert [i.code for i in issues] == ["placeholder_missing"]


@pytest.mark.parametrize("bad", ["12.5万", "3亿", "1,5", "1.2.3", "¥100", "5%", "inf", True])
def test_ambiguous_or_foreign_numbers_are_errors(bad):
    values, issues = parse_numbers(pd.Series([bad], dtype=object))
    assert math.isnan(values[0])
    assert [i.code for i in issues] == ["not_a_number"]
    assert repr(bad) in issues[0].message


def test_column_unit_may_trail_a_value():
    values, issues = parse_numbers(pd.Series(["35亩", "12 亩", "7"]), units=("亩",))
    assert list(values) == [35.0, 12.0, 7.0] and issues == []
    _, issues = parse_numbers(pd.Series(["35公顷"]), units=("亩",))
    assert issues[0].code == "not_a_number"


def test_numeric_dtype_fast_path_flags_infinity():
    values, issues = parse_numbers(pd.Series([1.0, np.inf, None]))
    assert values[0] == 1.0 and values[1:].isna().all()
    assert [(i.row, i.code) for i in issues] == [(1, "not_a_number")]


def test_ratios():
    s = pd.Series(["85%", 0.5, 85, 150, "abc", "１００％"])
    values, issues = parse_ratios(s)
    assert values[0] == pytest.approx(0.85) and values[1] == 0.5 and values[2] == pytest.approx(0.85)
    assert values[5] == pytest.approx(1.0)
    assert values[[3, 4]].isna().all()
    assert {i.row: i.code for i in issues} == {2: "ratio_as_percent", 3: "ratio_out_of_range", 4: "not_a_number"}
    # 85 read as 85 % is kept with a warning; 150 (%) and text are errors
    assert {i.row: i.severity for i in issues} == {2: "warning", 3: "error", 4: "error"}
    values, issues = parse_ratios(pd.Series([85, 5]), percent_column=True)
    assert list(values) == pytest.approx([0.85, 0.05]) and issues == []


# ---------- dates


def test_dates_all_spellings():
    # Excel 1900 system: serial 44927 is 2023-01-01; +31+28+31+30 = 120 days → 45047 is 2023-05-01.
    s = pd.Series(["2023-05-01", "2023/5/1", "2023年5月1日", "2023.05.01", "２０２３－０５－０１", 20230501, "20230501",
                   45047, "45047", 45047.75, dt.datetime(2023, 5, 1, 8, 30), dt.date(2023, 5, 1),
                   pd.Timestamp("2023-05-01"), "2023-05-01 08:00:00", "2023-05-01T08:00:00+08:00"], dtype=object)
    values, issues = parse_dates(s)
    assert issues == []
    assert set(values) == {"2023-05-01"}


@pytest.mark.parametrize("bad, words", [("2023-02-30", "calendar"), ("2023-05", "no day"), ("2023年5月", "no day"),
                                        ("01/05/2023", "ambiguous"), (2023, "year"), ("someday", "not a date"),
                                        (20231301, "YYYYMMDD"), (123, "serial")])
def test_bad_dates_are_errors_naming_the_value(bad, words):
    values, issues = parse_dates(pd.Series([bad], dtype=object))
    assert values[0] is None
    assert len(issues) == 1 and issues[0].code == "not_a_date" and issues[0].severity == "error"
    assert words in issues[0].message and repr(bad) in issues[0].message


def test_dates_missing_and_datetime_dtype():
    values, issues = parse_dates(pd.Series(["—", None, ""], dtype=object))
    assert list(values) == [None, None, None]
    assert [i.code for i in issues] == ["placeholder_missing"]
    values, issues = parse_dates(pd.Series(pd.to_datetime(["2024-02-29", None])))
    assert list(values) == ["2024-02-29", None] and issues == []


# ---------- booleans and choices


def test_bools():
    s = pd.Series(["是", "否", "Y", "n", 1, 0.0, True, "规上", "规下", "TRUE", "maybe", None, "无"], dtype=object)
    values, issues = parse_bools(s)
    assert values.dtype == "boolean"
    assert list(values[:10]) == [True, False, True, False, True, False, True, True, False, True]
    assert values[10:].isna().all()
    assert {i.row: i.code for i in issues} == {10: "not_a_bool", 12: "placeholder_missing"}


def test_supply_status():
    s = pd.Series(["批而未供", "未供应", "已供未建", "已供应未建设", "已出让未开工", "已建成", "建成", "闲置土地", "闲置",
                   "BUILT", " idle ", "在建", "—"])
    values, issues = parse_supply_status(s)
    assert list(values[:11]) == ["unsupplied", "unsupplied", "supplied", "supplied", "supplied", "built", "built",
                                 "idle", "idle", "built", "idle"]
    assert values[11] is None and values[12] is None
    assert {i.row: i.code for i in issues} == {11: "unknown_value", 12: "placeholder_missing"}
    assert "'在建'" in issues[0].message and "unsupplied" in issues[0].message


def test_line_levels():
    s = pd.Series(["一级", "一级线", "红线", "保护红线", "I", "Ⅰ", "一级控制线", "二级", "二级线", "蓝线", "控制线", "II", "Ⅱ",
                   "red", "三级"])
    values, issues = parse_line_level(s)
    assert list(values[:7]) == ["red"] * 7
    assert list(values[7:14]) == ["blue"] * 6 + ["red"]
    assert [(i.row, i.code) for i in issues] == [(14, "unknown_value")]


def test_constraint_and_park_kinds():
    values, issues = parse_constraint_kind(pd.Series(["城镇开发边界", "永久基本农田", "基本农田", "生态保护红线", "生态红线",
                                                      "urban_boundary", "耕地"]))
    assert list(values[:6]) == ["urban_boundary", "permanent_farmland", "permanent_farmland", "ecological_redline",
                                "ecological_redline", "urban_boundary"]
    assert [(i.row, i.code) for i in issues] == [(6, "unknown_value")]
    kinds = ["综合园区", "综合型", "特色园区", "专业园区", "集聚区", "产业集聚区", "Specialty"]
    values, issues = parse_park_kind(pd.Series(kinds))
    assert list(values) == ["comprehensive", "comprehensive", "specialty", "specialty", "cluster_zone", "cluster_zone",
                            "specialty"]
    assert issues == []


def test_text_drops_spreadsheet_float_suffix():
    values, issues = parse_text(pd.Series([123.0, " A-01 ", None, 1.5], dtype=object))
    assert list(values) == ["123", "A-01", None, "1.5"] and issues == []


def test_text_placeholders_warn_and_blanks_do_not():
    values, issues = parse_text(pd.Series(["—", "－", "ＮＵＬＬ", "无", "  ", "无锡园区", "NA-3"], dtype=object))
    assert list(values) == [None, None, None, None, None, "无锡园区", "NA-3"]
    assert [(i.row, i.code) for i in issues] == [(0, "placeholder_missing"), (1, "placeholder_missing"),
                                                 (2, "placeholder_missing"), (3, "placeholder_missing")]


def test_every_emitted_code_has_a_severity():
    s = pd.Series(["x", "—", 150], dtype=object)
    for parser in (parse_numbers, parse_dates, parse_bools, parse_supply_status, parse_ratios):
        for issue in parser(s)[1]:
            assert issue.severity in ("warning", "error")
