"""Land-use standard detection and categories (docs/methods.md §7: 0601 collides)."""

import pandas as pd
import pytest

from layers.landuse import categorize, clean_codes, detect_standard


def cats(codes, standard, names=None):
    names_s = pd.Series(names, dtype=object) if names is not None else None
    codes_s = pd.Series(codes, dtype=object) if codes is not None else None
    return list(categorize(codes_s, standard, names_s))


# ---------- detection


def test_letter_codes_are_gb50137():
    std, why = detect_standard(["M1", "M0", "W1", "R2", "B1"])
    assert std == "gb50137" and "M1" in why


@pytest.mark.parametrize("codes", [["0601", "0508", "0701"], ["05H1", "0601"], ["0601", "1004"], ["0810A", "0601"]])
def test_codes_only_in_gbt21010(codes):
    std, why = detect_standard(codes)
    assert std == "gbt21010"
    assert "only in GB/T 21010" in why


@pytest.mark.parametrize("codes", [["100101", "0601"], ["1101", "0703"], ["0901", "1001"], ["1301", "1001"]])
def test_codes_only_in_ydyh2023(codes):
    std, why = detect_standard(codes)
    assert std == "ydyh2023"
    assert "only in 用地用海" in why


def test_bare_0601_without_names_is_undecided_and_says_why():
    std, why = detect_standard(["0601", "0601", "0701"])
    assert std is None
    assert "0601" in why and "工业用地" in why and "乡村道路用地" in why


def test_names_decide_0601_and_1001():
    assert detect_standard(["0601"], ["工业用地"])[0] == "gbt21010"
    assert detect_standard(["0601"], ["乡村道路用地"])[0] == "ydyh2023"
    assert detect_standard(["1001", "1001"], ["工业用地", "工业用地"])[0] == "ydyh2023"
    assert detect_standard(["1001"], ["铁路用地"])[0] == "gbt21010"


def test_contradictions_are_undecided():
    assert detect_standard(["0508", "100101"])[0] is None  # one code per standard
    assert detect_standard(["M1", "0601"])[0] is None  # letters and digits mixed
    assert detect_standard(["0601", "1001"], ["工业用地", "工业用地"])[0] is None  # names back both
    assert detect_standard(["0508", "0601"], ["物流仓储用地", "乡村道路用地"])[0] is None  # 0508 vs the name of 0601


def test_codes_meaning_the_same_in_both_do_not_block():
    # 0701 城镇住宅 and 08xx public services are residential/public in both numeric standards.
    std, why = detect_standard(["0701", "0801"])
    assert std == "gbt21010" and "same" in why


def test_no_codes():
    assert detect_standard([None, ""], ["工业用地", None])[0] is None


def test_lost_leading_zero_is_restored_before_detection():
    cleaned, changes = clean_codes(pd.Series([601.0, "508", "0701", None, "70101"], dtype=object))
    assert list(cleaned) == ["0601", "0508", "0701", None, "070101"]
    assert [(r, a, b) for r, a, b in changes] == [(0, "601.0", "0601"), (1, "508", "0508"), (4, "70101", "070101")]
    assert detect_standard([601, 508])[0] == "gbt21010"


# ---------- categories


def test_gbt21010_categories():
    codes = ["0601", "0602", "0603", "0508", "0604", "0701", "0702", "0501", "05H1", "0505", "08H1", "08H2", "0809",
             "1001", "1101", "0101", "0201K", None, "0699", "XYZ"]
    assert cats(codes, "gbt21010") == [
        "industrial", "other", "other", "warehouse", "warehouse", "residential", "residential", "commercial",
        "commercial", "commercial", "public", "public", "public", "other", "other", "other", "other", None, None, None]


def test_ydyh2023_categories_and_0601_is_not_industrial():
    codes = ["1001", "100101", "100102", "100103", "1002", "1101", "1102", "110101", "0701", "0703", "0901", "0902",
             "0801", "0601", "1201", "1701", "0508", "100100"]
    assert cats(codes, "ydyh2023") == [
        "industrial", "industrial", "industrial", "industrial", "other", "warehouse", "warehouse", "warehouse",
        "residential", "residential", "commercial", "commercial", "public", "other", "other", "other", None, None]


def test_gb50137_categories_with_width_and_case_folded():
    codes = ["M", "M1", "M2", "M3", "M0", "W", "W1", "W3", "R2", "B1", "A33", "S1", "U1", "G1", "m1", "Ｍ０", " w2 ", "Q1"]
    assert cats(codes, "gb50137") == [
        "industrial", "industrial", "industrial", "industrial", "m0", "warehouse", "warehouse", "warehouse",
        "residential", "commercial", "public", "other", "other", "other", "industrial", "m0", "warehouse", None]


def test_names_alone_when_codes_are_missing():
    names = ["工业用地", "新型产业用地", "仓储用地", "物流仓储用地", "城镇住宅用地", "商业服务业设施用地", "科教文卫用地",
             "采矿用地", "乡村道路用地", None, "不知道"]
    expected = ["industrial", "m0", "warehouse", "warehouse", "residential", "commercial", "public", "other", "other",
                None, None]
    assert cats([None] * len(names), "gbt21010", names) == expected
    assert cats(None, None, names) == expected


def test_name_fills_unknown_code_and_marks_m0():
    assert cats(["0699", "1001", "1001"], "ydyh2023", ["工业用地", "新型产业用地", "工业用地"]) == ["industrial", "m0",
                                                                                                   "industrial"]


def test_code_wins_over_a_contradicting_name():
    assert cats(["0601"], "ydyh2023", ["工业用地"]) == ["other"]


def test_unknown_standard_rejected():
    with pytest.raises(ValueError):
        categorize(pd.Series(["0601"]), "gb2020")
