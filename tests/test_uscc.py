"""GB 32100-2015 USCC check, against check characters computed by hand in this file."""

import pytest

from layers.uscc import clean_uscc, is_valid_uscc, uscc_check_char, uscc_problem

# GB 32100-2015: character values 0–9 → 0–9, A10 B11 C12 D13 E14 F15 G16 H17 J18 K19 L20
# M21 N22 P23 Q24 R25 T26 U27 W28 X29 Y30; weights 3^i mod 31 for positions i = 0..16:
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
# check value = (31 - Σ value·weight mod 31) mod 31, written as the character of that value.


def test_weights_written_out_are_powers_of_three_mod_31():
    assert WEIGHTS == [3**i % 31 for i in range(17)]


@pytest.mark.parametrize(
    "code, values, weighted_sum, check",
    [
        # often-cited example code
        ("91350100M000100Y43", [9, 1, 3, 5, 0, 1, 0, 0, 21, 0, 0, 0, 1, 0, 0, 30, 4], 1640, "3"),  # 1640 = 52·31 + 28 → 3
        # 华为技术有限公司
        ("914403001922038216", [9, 1, 4, 4, 0, 3, 0, 0, 1, 9, 2, 2, 0, 3, 8, 2, 1], 831, "6"),  # 831 = 26·31 + 25 → 6
        # 深圳市腾讯计算机系统有限公司
        ("91440300708461136T", [9, 1, 4, 4, 0, 3, 0, 0, 7, 0, 8, 4, 6, 1, 1, 3, 6], 966, "T"),  # 966 = 31·31 + 5 → 26 = T
        # 北京百度网讯科技有限公司
        ("91110000802100433B", [9, 1, 1, 1, 0, 0, 0, 0, 8, 0, 2, 1, 0, 0, 4, 3, 3], 485, "B"),  # 485 = 15·31 + 20 → 11 = B
        # constructed so that the sum is a multiple of 31: check value 0
        ("911100001000000020", [9, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2], 124, "0"),  # 124 = 4·31 → 0
    ],
)
def test_known_valid_codes(code, values, weighted_sum, check):
    assert sum(v * w for v, w in zip(values, WEIGHTS)) == weighted_sum  # the hand arithmetic itself
    assert code[17] == check
    assert uscc_check_char(code[:17]) == check
    assert is_valid_uscc(code)
    assert uscc_problem(code) is None


def test_wrong_check_character_names_the_right_one():
    reason = uscc_problem("914403001922038217")
    assert reason is not None and "'6'" in reason and "'7'" in reason
    assert not is_valid_uscc("914403001922038217")


@pytest.mark.parametrize(
    "code, words",
    [
        ("91440300708461136", "17 characters"),
        ("9144030070846113611", "19 characters"),
        ("110105012345678", "15-digit"),  # pre-2015 registration number
        ("91440300708461I36T", "'I'"),
        ("91440300708461O36T", "'O'"),
        ("91440300708461S36T", "'S'"),
        ("91440300708461136t", "'t'"),  # lower case is not in the charset
    ],
)
def test_problem_reasons(code, words):
    reason = uscc_problem(code)
    assert reason is not None and words in reason
    assert not is_valid_uscc(code)


def test_non_text_and_missing():
    assert "number" in uscc_problem(9.14403001922038e17)
    assert uscc_problem(None) == "no code given"
    assert not is_valid_uscc(float("nan"))


def test_clean_uscc_folds_width_case_and_spaces():
    assert clean_uscc(" ９１４４０３００７０８４６１１３６ｔ ") == "91440300708461136T"
    assert clean_uscc("9144 0300 7084 6113 6T") == "91440300708461136T"
    assert is_valid_uscc(clean_uscc("91440300708461136t"))


def test_check_char_rejects_bad_payload():
    with pytest.raises(ValueError):
        uscc_check_char("9144030070846113")  # 16 characters
    with pytest.raises(ValueError):
        uscc_check_char("9144030070846113Z")
