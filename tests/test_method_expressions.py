"""Method-file expressions: the safe parser, units with scale, and vectorised evaluation.

Every expected value below is computed by hand from the small fixtures, not by the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.methods.expressions import Expression, ExpressionError, Unit, check_unit, parse_expression, parse_unit
from spatial.errors import InputError

FIELDS = {"tax_10k_yuan": "万元", "value_added_10k_yuan": "万元", "revenue_10k_yuan": "万元", "rd_10k_yuan": "万元",
          "land_mu": "亩", "energy_tce": "吨标煤", "electricity_kwh": "kWh", "employees": "人", "emissions": "吨",
          "above_scale": "bool", "utility": "bool", "years_in_production": "年", "tenants": "家", "area_ha": "公顷"}


def parse(text: str) -> Expression:
    return parse_expression(text, FIELDS)


def refused(text: str) -> str:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    return str(info.value)


@pytest.fixture
def firms() -> pd.DataFrame:
    return pd.DataFrame({
        "tax_10k_yuan": [30.0, 12.0, 5.0, 8.0, np.nan],
        "value_added_10k_yuan": [100.0, 40.0, 9.0, 0.0, 7.0],
        "land_mu": [10.0, 4.0, 0.0, -2.0, np.nan],
        "energy_tce": [50.0, np.nan, 3.0, 4.0, 1.0],
        "electricity_kwh": [600_000.0, 240_000.0, 0.0, 1_000.0, 500.0],
        "above_scale": [True, None, False, True, None],  # object dtype with a None
        "years_in_production": [5.0, 1.0, np.nan, 1.5, 3.0],
        "utility": [False, False, True, False, False],
    }, index=[101, 102, 103, 104, 105])


def values(series: pd.Series) -> list:
    """Floats with NaN as None and booleans with <NA> as None, for plain comparisons."""
    return [None if pd.isna(v) else v for v in series.tolist()]


# --- evaluation ----------------------------------------------------------------------------------------------------

def test_ratio_per_mu_with_zero_negative_and_missing_denominators(firms):
    result = parse("tax_10k_yuan / land_mu").evaluate(firms)
    assert result.dtype == "float64"
    assert list(result.index) == [101, 102, 103, 104, 105]
    # 30/10 = 3, 12/4 = 3; land 0, -2 and missing give NaN (never inf)
    assert values(result) == [3.0, 3.0, None, None, None]
    assert not np.isinf(result).any()


def test_value_added_per_energy(firms):
    # 100/50 = 2, energy missing, 9/3 = 3, 0/4 = 0, 7/1 = 7
    assert values(parse("value_added_10k_yuan / energy_tce").evaluate(firms)) == [2.0, None, 3.0, 0.0, 7.0]


def test_tax_per_kwh_in_yuan(firms):
    # 30 万元 × 10000 / 600000 kWh = 0.5 元/kWh; 12e4/240000 = 0.5; kWh 0 → NaN; 8e4/1000 = 80; tax missing → NaN
    assert values(parse("tax_10k_yuan * 10000 / electricity_kwh").evaluate(firms)) == [0.5, 0.5, None, 80.0, None]


def test_arithmetic_and_unary_minus(firms):
    result = parse("-(tax_10k_yuan + 2) / 2 - tax_10k_yuan / 2").evaluate(firms)
    # -(30+2)/2 - 15 = -31; -(14)/2 - 6 = -13; -(7)/2 - 2.5 = -6; -(10)/2 - 4 = -9; missing
    assert values(result) == [-31.0, -13.0, -6.0, -9.0, None]


def test_min_and_max(firms):
    assert values(parse("min(tax_10k_yuan, 10)").evaluate(firms)) == [10.0, 10.0, 5.0, 8.0, None]
    assert values(parse("max(tax_10k_yuan, 10)").evaluate(firms)) == [30.0, 12.0, 10.0, 10.0, None]
    both = parse("max(tax_10k_yuan, value_added_10k_yuan)")
    assert values(both.evaluate(firms)) == [100.0, 40.0, 9.0, 8.0, None]  # a missing side stays missing
    assert both.unit_text() == "万元"


def test_not_above_scale_with_none_entries(firms):
    result = parse("not above_scale").evaluate(firms)
    assert result.dtype == "boolean"
    assert values(result) == [False, None, True, False, None]


def test_and_or_use_kleene_logic(firms):
    # above_scale = [T, NA, F, T, NA]; land_mu >= 3 = [T, T, F, F, NA]
    assert values(parse("above_scale and land_mu >= 3").evaluate(firms)) == [True, None, False, False, None]
    # utility = [F, F, T, F, F]
    assert values(parse("above_scale or utility").evaluate(firms)) == [True, None, True, True, None]
    # NA and False = False; NA or True = True
    assert values(parse("above_scale and false").evaluate(firms)) == [False] * 5
    assert values(parse("above_scale or true").evaluate(firms)) == [True] * 5


def test_comparisons_with_missing_values_are_unknown(firms):
    # years_in_production = [5, 1, NaN, 1.5, 3]
    assert values(parse("years_in_production < 2").evaluate(firms)) == [False, True, None, True, False]
    assert values(parse("tax_10k_yuan == 8").evaluate(firms)) == [False, False, False, True, None]
    assert values(parse("tax_10k_yuan != 8").evaluate(firms)) == [True, True, True, False, None]


def test_chained_comparison_means_and(firms):
    # 2 < tax <= 12: [F, T, T, T, NA]
    assert values(parse("2 < tax_10k_yuan <= 12").evaluate(firms)) == [False, True, True, True, None]


def test_plain_field_true_and_python_booleans(firms):
    assert values(parse("utility").evaluate(firms)) == [False, False, True, False, False]
    assert values(parse("true").evaluate(firms)) == [True] * 5
    assert values(parse("False").evaluate(firms)) == [False] * 5
    assert values(parse("above_scale == true").evaluate(firms)) == [True, None, False, True, None]


def test_boolean_column_dtypes_are_coerced():
    expr = parse("not above_scale")
    for column in ([True, False, None], pd.array([True, False, None], dtype="boolean"), [1.0, 0.0, np.nan]):
        assert values(expr.evaluate(pd.DataFrame({"above_scale": column}))) == [False, True, None]
    assert values(expr.evaluate(pd.DataFrame({"above_scale": [True, False]}))) == [False, True]


def test_absent_fields_evaluate_as_missing():
    frame = pd.DataFrame({"other": [1, 2, 3]})
    assert values(parse("tax_10k_yuan / land_mu").evaluate(frame)) == [None, None, None]
    assert values(parse("above_scale").evaluate(frame)) == [None, None, None]
    assert values(parse("not above_scale or true").evaluate(frame)) == [True, True, True]


def test_numbers_written_as_text_are_read_and_junk_is_missing():
    frame = pd.DataFrame({"tax_10k_yuan": ["6", "x", None], "land_mu": [2, 3, 4]})
    assert values(parse("tax_10k_yuan / land_mu").evaluate(frame)) == [3.0, None, None]


def test_empty_frame():
    result = parse("tax_10k_yuan / land_mu").evaluate(pd.DataFrame({"tax_10k_yuan": [], "land_mu": []}))
    assert len(result) == 0 and result.dtype == "float64"


# --- kinds, fields and units ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "unit"), [
    ("tax_10k_yuan / land_mu", "万元/亩"),
    ("value_added_10k_yuan / energy_tce", "万元/吨标煤"),
    ("tax_10k_yuan * 10000 / electricity_kwh", "元/kWh"),
    ("tax_10k_yuan / electricity_kwh", "万元/kWh"),
    ("value_added_10k_yuan / employees", "万元/人"),
    ("rd_10k_yuan / revenue_10k_yuan", ""),
    ("rd_10k_yuan * 100 / revenue_10k_yuan", "%"),
    ("tax_10k_yuan / 10000 / land_mu", "亿元/亩"),
    ("tax_10k_yuan / area_ha", "万元/公顷"),
    ("1 / land_mu", "1/亩"),
    ("land_mu * land_mu", "亩^2"),
    ("min(land_mu, 3)", "亩"),
    ("-tax_10k_yuan * 2 / 2", "万元"),
])
def test_units_computed(text, unit):
    expr = parse(text)
    assert expr.kind == "number"
    assert expr.unit_text() == unit
    check_unit(expr, unit)


def test_unit_values_of_expressions():
    yuan_per_kwh = parse("tax_10k_yuan * 10000 / electricity_kwh").unit
    assert yuan_per_kwh.scale == pytest.approx(1.0) and yuan_per_kwh.exponents == {"元": 1, "kWh": -1}
    wan_per_kwh = parse("tax_10k_yuan / electricity_kwh").unit
    assert wan_per_kwh.scale == pytest.approx(10000.0) and wan_per_kwh.exponents == {"元": 1, "kWh": -1}
    assert parse("tax_10k_yuan / land_mu").unit.same_as(Unit.of(1e4, {"元": 1, "亩": -1}))


def test_kind_and_fields():
    expr = parse("above_scale and land_mu >= 3")
    assert expr.kind == "bool" and expr.unit_text() == "bool"
    assert expr.fields == {"above_scale", "land_mu"}
    assert expr.text == "above_scale and land_mu >= 3"
    assert parse("true").fields == set()
    assert parse(" tax_10k_yuan * 10000 / electricity_kwh ").fields == {"tax_10k_yuan", "electricity_kwh"}


def test_check_unit_mismatch_message():
    with pytest.raises(ExpressionError) as info:
        check_unit(parse("tax_10k_yuan / land_mu"), "万元/吨标煤")
    assert str(info.value) == '"tax_10k_yuan / land_mu" computes 万元/亩, not 万元/吨标煤 as declared'
    with pytest.raises(ExpressionError, match="computes 万元/kWh, not 元/kWh"):
        check_unit(parse("tax_10k_yuan / electricity_kwh"), "元/kWh")  # same dimension, scale 10000 apart
    with pytest.raises(ExpressionError, match="computes 万元/亩, not a pure number"):
        check_unit(parse("tax_10k_yuan / land_mu"), "")
    check_unit(parse("tax_10k_yuan / 10000 / land_mu"), "亿元/亩")
    check_unit(parse("above_scale"), "bool")


def test_adding_money_to_land_is_refused():
    message = refused("tax_10k_yuan + land_mu")
    assert message.startswith('"tax_10k_yuan + land_mu":') and "万元" in message and "亩" in message


def test_same_dimension_other_scale_is_refused():
    message = refused("tax_10k_yuan + tax_10k_yuan * 10000")
    assert "万元" in message and "元" in message


def test_a_constant_factor_changes_the_unit_scale():
    # × c expresses the value in a unit c times smaller: 万元 × 2 is "5000 元", 万元 / 2 is "20000 元"
    assert parse("tax_10k_yuan * 2").unit.same_as(Unit.of(5000.0, {"元": 1}))
    assert parse("tax_10k_yuan * 2 - value_added_10k_yuan * 2").unit_text() == "5000·元"
    assert "5000·元 and 20000·元" in refused("tax_10k_yuan * 2 - tax_10k_yuan / 2")


def test_comparing_with_a_constant_takes_the_quantity_unit():
    assert parse("land_mu >= 3").kind == "bool"
    assert parse("3 < land_mu").kind == "bool"
    assert "亩" in refused("land_mu >= tax_10k_yuan")


def test_kind_mismatches_are_refused():
    assert "needs true/false" in refused("not land_mu")
    assert "needs true/false" in refused("land_mu and above_scale")
    assert "needs a number" in refused("above_scale + 1")
    assert "true/false" in refused("land_mu < above_scale")
    assert "true/false" in refused("above_scale < utility")


# --- refused constructs ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "part"), [
    ("__import__('os')", "calling __import__ is not allowed"),
    ("a.b", "a.b (attribute access) is not allowed"),
    ("x[0]", "x[0] (indexing) is not allowed"),
    ("'text'", "text 'text' is not allowed"),
    ("tax_10k_yuan ** 2", "operator ** is not allowed; use + - * /"),
    ("land_mu // 2", "operator // is not allowed"),
    ("land_mu % 2", "operator % is not allowed"),
    ("above_scale & utility", "operator & is not allowed; use and, or, not"),
    ("abs(land_mu)", "calling abs is not allowed"),
    ("land_mu.real()", "calling land_mu.real is not allowed"),
    ("min(land_mu)", "min takes exactly two arguments"),
    ("max(land_mu, 1, 2)", "max takes exactly two arguments"),
    ("min(a=1, b=2)", "min takes exactly two arguments"),
    ("lambda: 1", "(a lambda) is not allowed"),
    ("land_mu if utility else 0", "(if/else) is not allowed"),
    ("land_mu is None", "operator is is not allowed"),
    ("None", "the constant None is not allowed"),
    ("[land_mu]", "(a list) is not allowed"),
    ("land_mu / 0", "a constant divisor must be positive"),
    ("land_mu / -2", "a constant divisor must be positive"),
])
def test_refused_constructs_name_the_expression_and_the_part(text, part):
    message = refused(text)
    assert message.startswith(f'"{text}":')
    assert part in message


def test_exact_message_for_power():
    assert refused("tax_10k_yuan ** 2") == '"tax_10k_yuan ** 2": operator ** is not allowed; use + - * /'


def test_syntax_errors_and_empty_text():
    assert refused("x +").startswith('"x +": not a valid expression')
    assert "not a valid expression" in refused("land_mu = 3")
    assert "empty" in refused("   ")
    assert "at most" in refused("(" * 600 + "land_mu" + ")" * 600)


def test_unknown_field_suggests_close_names():
    message = refused("tax_10k_yaun / land_mu")
    assert message.startswith('"tax_10k_yaun / land_mu": unknown field tax_10k_yaun; did you mean tax_10k_yuan')
    assert "unknown field zzz; no known field is close" in refused("zzz > 1")


def test_errors_are_input_errors():
    assert issubclass(ExpressionError, InputError) and issubclass(ExpressionError, ValueError)


# --- parse_unit -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "scale", "exponents"), [
    ("万元/亩", 1e4, {"元": 1, "亩": -1}),
    ("元/kWh", 1.0, {"元": 1, "kWh": -1}),
    ("万元/吨标煤", 1e4, {"元": 1, "吨标煤": -1}),
    ("万元/人", 1e4, {"元": 1, "人": -1}),
    ("亿元", 1e8, {"元": 1}),
    ("万元/公顷", 1e4 / 15, {"元": 1, "亩": -1}),
    ("元/万kWh", 1e-4, {"元": 1, "kWh": -1}),
    ("万元/亩·人", 1e4, {"元": 1, "亩": -1, "人": -1}),
    ("万元*人/亩", 1e4, {"元": 1, "亩": -1, "人": 1}),
    ("m²", 1.0, {"m²": 1}),
    ("%", 0.01, {}),
    ("", 1.0, {}),
    ("1", 1.0, {}),
    ("1/亩", 1.0, {"亩": -1}),
])
def test_parse_unit(text, scale, exponents):
    unit = parse_unit(text)
    assert math.isclose(unit.scale, scale, rel_tol=1e-12)
    assert unit.exponents == exponents


def test_unit_texts_round_trip():
    for text in ("万元/亩", "元/kWh", "万元/吨标煤", "万元/人", "%", "", "亿元/公顷", "1/亩", "万元/亩·人"):
        assert parse_unit(text).text() == text
        assert parse_unit(parse_unit(text).text()).same_as(parse_unit(text))


def test_same_as_compares_dimension_and_scale():
    assert parse_unit("万元/亩").same_as(parse_unit("元/亩") * Unit(10000.0))
    assert parse_unit("万元/亩").same_as(parse_unit("亿元/亩") / Unit(1e4))
    assert not parse_unit("万元/亩").same_as(parse_unit("元/亩"))
    assert not parse_unit("万元/亩").same_as(parse_unit("万元/吨"))
    assert parse_unit("万元/公顷").same_as(parse_unit("万元/亩") / Unit(15.0))
    assert Unit(1e4, (("亩", -1), ("元", 1), ("人", 0))) == Unit.of(1e4, {"元": 1, "亩": -1})


@pytest.mark.parametrize(("text", "part"), [
    ("a/b/c", 'unit "a/b/c": more than one "/"'),
    ("万元/", "a factor is empty"),
    ("/亩", "a factor is empty"),
    ("万元··亩", "a factor is empty"),
    ("(万元)", "cannot read '(万元)'"),
])
def test_parse_unit_refuses(text, part):
    with pytest.raises(ExpressionError) as info:
        parse_unit(text)
    assert part in str(info.value)


def test_declared_unit_that_cannot_be_read():
    with pytest.raises(ExpressionError, match="more than one"):
        check_unit(parse("tax_10k_yuan / land_mu"), "万元/亩/年")
