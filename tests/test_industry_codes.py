"""GB/T 4754-2017 code table, code normalisation and the coding of firms (layers/industry_codes.py).

Expected names and codes are read from the standard by hand, not from the table under test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from i18n import TEXT
from layers import industry_codes as ic

# 门类 → its 大类 range, as the standard's summary table prints them.
SECTION_DIVISIONS = {"A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52), "G": (53, 60),
                     "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79),
                     "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97)}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return ic.code_table().set_index("code")


def test_table_levels_and_counts(table):
    counts = table["level"].value_counts().to_dict()
    assert counts == {"section": 20, "division": 97, "group": 179, "class": 609}
    assert set(table.loc[table["level"] == "section"].index) == set("ABCDEFGHIJKLMNOPQRST")
    assert sorted(table.loc[table["level"] == "division"].index) == [f"{n:02d}" for n in range(1, 98)]
    # every 中类 and 小类 of the table is in 门类 C (13–43)
    fine = table.loc[table["level"].isin(["group", "class"])].index
    assert all(13 <= int(code[:2]) <= 43 for code in fine)


def test_each_division_sits_in_its_section(table):
    divisions = table.loc[table["level"] == "division", "parent"]
    for section, (first, last) in SECTION_DIVISIONS.items():
        assert sorted(divisions[divisions == section].index) == [f"{n:02d}" for n in range(first, last + 1)], section


def test_parents_are_prefixes(table):
    deeper = table.loc[table["level"].isin(["group", "class"])]
    assert (deeper.index.str[:-1] == deeper["parent"]).all()
    assert (table.loc[deeper["parent"], "level"].to_numpy() == np.where(deeper["level"] == "group", "division", "group")).all()


@pytest.mark.parametrize(("code", "name"), [
    ("C", "制造业"), ("K", "房地产业"), ("T", "国际组织"),
    ("13", "农副食品加工业"), ("36", "汽车制造业"), ("39", "计算机、通信和其他电子设备制造业"),
    ("11", "开采专业及辅助性活动"),  # the 2017 name (2011: 开采辅助活动)
    ("05", "农、林、牧、渔专业及辅助性活动"), ("65", "软件和信息技术服务业"), ("97", "国际组织"),
    ("367", "汽车零部件及配件制造"), ("3670", "汽车零部件及配件制造"), ("3525", "模具制造"),
    ("398", "电子元件及电子专用材料制造"),
    ("3612", "新能源车整车制造"), ("3741", "飞机制造"), ("3841", "锂离子电池制造"), ("3973", "集成电路制造"),
    ("3482", "紧固件制造"), ("2929", "塑料零件及其他塑料制品制造"), ("194", "羽毛（绒）加工及制品制造"),
])
def test_official_names(table, code, name):
    assert table.loc[code, "name"] == name


@pytest.mark.parametrize(("text", "expected"), [
    ("C36", "36"), ("36", "36"), ("3670", "3670"), ("C3670", "3670"), ("C-36", "36"), ("c 367", "367"),
    ("Ｃ３６", "36"), ("３６７０", "3670"), (3670, "3670"), (3670.0, "3670"), ("3670.0", "3670"), (5, "05"),
    ("C", "C"), ("3670汽车零部件及配件制造", "3670"), ("C36 汽车制造业", "36"),
    ("6520", "6520"),  # 集成电路设计: finer than the table's 门类 I, kept as given
    ("A36", None), ("3699", None), ("367A", None), ("36号", None), ("98", None), ("X", None), ("", None),
    (None, None), (float("nan"), None), (True, None), ("123456", None),
])
def test_normalise_code(text, expected):
    assert ic.normalise_code(text) == expected


def test_describe():
    assert ic.describe("C367") == "C 制造业 › 36 汽车制造业 › 367 汽车零部件及配件制造"
    assert ic.describe("3525") == "C 制造业 › 35 专用设备制造业 › 352 化工、木材、非金属加工专用设备制造 › 3525 模具制造"
    assert ic.describe("6520") == ("I 信息传输、软件和信息技术服务业 › 65 软件和信息技术服务业 › 652 （代码表未列出的细类） › "
                                   "6520 （代码表未列出的细类）")
    assert ic.describe("99") == "“99”不是国民经济行业分类代码"
    assert "C" not in ic.describe("99") and "C" not in ic.describe("6520").split("›", 1)[1]


def test_within():
    codes = pd.Series(["3670", "36", "39", None, "6520"])
    assert ic.within(codes, "C").tolist() == [True, True, True, False, False]
    assert ic.within(codes, "C36").tolist() == [True, True, False, False, False]
    assert ic.within(codes, "367").tolist() == [True, False, False, False, False]
    assert ic.within(codes, "I").tolist() == [False, False, False, False, True]
    assert not ic.within(codes, "nonsense").any()


@pytest.mark.parametrize(("text", "code", "reason"), [
    ("汽车零部件", "367", ""), ("汽配", "367", ""), ("汽车制造", "36", ""), ("模具", "3525", ""), ("精密模具加工", "3525", ""),
    ("电子元件", "398", ""), ("锂离子电池制造", "3841", ""), ("家用电力器具", "385", ""), ("纺织服装", "18", ""),
    ("家电及照明", "38", ""),  # two groups of one 大类 → that 大类
    ("电动自行车", "377", ""),  # 自行车 (376) lies inside the longer keyword
    ("新能源汽车零部件", "36", ""),  # 新能源汽车 (3612) and 汽车零部件 (367) overlap: their 大类
    ("集成电路设计", "6520", ""), ("房地产业", "70", ""), ("C39", "39", ""),
    ("新材料", None, "ambiguous"), ("智能装备", None, "ambiguous"), ("汽车销售", None, "ambiguous"),
    ("模具及电子元件", None, "ambiguous"),  # 35 and 39: no common 大类
    ("批发和零售业", None, "coarse"), ("不知道", None, "no_match"),
])
def test_derive_from_text(text, code, reason):
    derived = ic.derive_codes(pd.Series([text])).loc[text]
    assert (derived["code"] if pd.notna(derived["code"]) else None) == code
    assert derived["reason"] == reason


def test_assign_codes_precedence_and_report():
    firms = pd.DataFrame({
        "uscc": ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U7", "U8", "U9"],
        "industry": ["模具", "汽车零部件", "新材料", None, "服装", "不知道", "制造业", "制造业", "模具", "批发"],
        "industry_code": ["C3670", None, None, None, "9999", "", "C", "C", "C", "C"],
    })
    codes, report = ic.assign_codes(firms)
    # U1: a valid code wins over its text; U5: an invalid code falls back to the text; U8: the text refines a 门类
    # within it; U9: the text (批发, 门类 F) contradicts the 门类 given (C)
    assert codes.tolist() == ["3670", "367", None, None, "18", None, None, None, "3525", None]
    assert codes.index.equals(firms.index)
    assert report[["uscc", "reason"]].values.tolist() == [
        ["U3", "ambiguous"], ["U4", "no_text"], ["U6", "no_match"], ["U7", "coarse"], ["U9", "ambiguous"]]  # U7 once
    assert report.loc[report["uscc"] == "U3", "candidates"].item() == "新材料"
    assert report.loc[report["uscc"] == "U9", "candidates"].item() == "C;51"
    detail = ic.assign_codes_detail(firms)
    assert detail["source"].tolist() == ["code", "text", None, None, "text", None, None, None, "text", None]


def test_assign_codes_invalid_code_reported():
    firms = pd.DataFrame({"uscc": ["U1", "U2"], "industry": [None, "不知道"], "industry_code": [3699.0, np.nan]})
    codes, report = ic.assign_codes(firms)
    assert codes.isna().all()
    assert report["reason"].tolist() == ["invalid_code", "no_match"]


def test_assign_codes_without_columns():
    codes, report = ic.assign_codes(pd.DataFrame({"uscc": ["U1"]}))
    assert codes.tolist() == [None]
    assert report["reason"].tolist() == ["no_text"]


def test_text_labels_exist_in_both_languages():
    assert ic.REASONS == ("no_text", "no_match", "ambiguous", "invalid_code", "coarse")
    for reason in ic.REASONS:
        assert ic.reason_label(reason, "zh") == TEXT[f"industry_reason_{reason}"]["zh"]
        assert not any(ch.isascii() and ch.isalpha() for ch in ic.reason_label(reason, "zh"))
    assert [ic.level_label(level) for level in ic.LEVELS] == ["门类", "大类", "中类", "小类"]


def test_coverage_counts_levels():
    cover = ic.coverage(pd.Series(["36", "367", "3670", None]))
    assert cover == {"firms": 4, "coded": 3, "share": 0.75, "division": 1, "group": 1, "class": 1}


def test_demo_firms(demo_project):
    """The demo fills industry_code from its own 大类 table: every row is coded from it; without the column, the text
    alone codes every industry but the two that span several 大类 (智能装备, 新材料)."""
    firms = demo_project.read_layer("enterprises")
    codes, report = ic.assign_codes(firms)
    assert ic.coverage(codes)["share"] == 1.0 and report.empty
    from_text, report = ic.assign_codes(firms.drop(columns="industry_code"))
    uncoded = firms.loc[from_text.isna(), "industry"]
    assert set(uncoded) == {"智能装备", "新材料"}
    assert set(report["reason"]) == {"ambiguous"}
    assert (from_text[firms["industry"] == "汽车零部件"] == "367").all()
    # the text's code always lies within the demo's 大类
    both = from_text.notna()
    assert (from_text[both].str[:2] == firms.loc[both, "industry_code"].astype(str)).all()
