"""Enterprise 亩均 evaluation checked against hand-computed scores, ranks and classes.

Benchmarks and weights are the 黄岩区 2022 ones quoted in docs/methods.md §2.2.
"""

from __future__ import annotations

import copy
import math
import tomllib
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.enterprise import enterprise_land_mu, evaluate_enterprises
from analysis.indicators import INDICATORS, compute_indicators
from layers.config import default_config_text
from layers.problems import InputError

# 黄岩 2022 基准值 (docs/methods.md §2.2): 规上 and 规下
TAX_B, VA_B, ENERGY_B, EMIS_B, LABOUR_B, RD_B = 24.097, 136.16, 2.694, 4929.81, 18.14, 0.0302
SMALL_TAX_B, SMALL_KWH_B = 11.5932, 0.2352


def huangyan_config(**overrides) -> dict:
    cfg = {
        "benchmark_mode": "fixed",
        "k": 2.0,
        "cap_multiple": 0.0,
        "above_scale": {
            "indicators": ["tax_per_mu", "value_added_per_mu", "value_added_per_energy",
                           "value_added_per_emission", "labour_productivity", "rd_ratio"],
            "weights": [30, 20, 20, 10, 10, 10],
            "benchmarks": [TAX_B, VA_B, ENERGY_B, EMIS_B, LABOUR_B, RD_B],
            "missing": {"value_added_per_emission": "group_mean_score"},
            "missing_default": "zero",
        },
        "below_scale": {
            "indicators": ["tax_per_mu", "tax_per_kwh"],
            "weights": [50, 50],
            "benchmarks": [SMALL_TAX_B, SMALL_KWH_B],
            "missing": {},
            "missing_default": "zero",
        },
        "classes": {
            "method": "percentile",
            "percentile_cuts": [0.20, 0.60, 0.95],
            "score_thresholds": [120.0, 90.0, 60.0],
            "new_firm_years": 2,
            "listed_as_t": False,
        },
    }
    cfg.update(overrides)
    return cfg


def tax_only_config(**class_overrides) -> dict:
    """规上 scored on 亩均税收 alone, benchmark 1, weight 100: score = 100 × tax per mu."""
    cfg = huangyan_config()
    cfg["above_scale"] = {"indicators": ["tax_per_mu"], "weights": [100], "benchmarks": [1.0],
                          "missing": {}, "missing_default": "zero"}
    cfg["classes"] = {**cfg["classes"], **class_overrides}
    return cfg


def above_firm(uscc: str, land: float = 1.0, tax_x: float = 1.0, va_per_mu: float = VA_B, **extra) -> dict:
    """A 规上 firm whose indicators sit at the benchmarks (tax scaled by tax_x)."""
    va = va_per_mu * land
    row = {
        "uscc": uscc, "name": f"企业{uscc}", "above_scale": True, "land_area_mu": land,
        "tax_10k_yuan": TAX_B * land * tax_x, "value_added_10k_yuan": va,
        "energy_tce": va / ENERGY_B, "emissions": va / EMIS_B, "employees": va / LABOUR_B,
        "revenue_10k_yuan": 1000.0, "rd_10k_yuan": RD_B * 1000.0,
    }
    row.update(extra)
    return row


def below_firm(uscc: str, tax: float, land: float, kwh: float | None, **extra) -> dict:
    return {"uscc": uscc, "name": f"企业{uscc}", "above_scale": False, "land_area_mu": land,
            "tax_10k_yuan": tax, "electricity_kwh": kwh, **extra}


def by_code(result) -> pd.DataFrame:
    return result.table.set_index("uscc")


# ----------------------------------------------------------------------------- indicators


def test_indicator_formulas_by_hand():
    frame = pd.DataFrame([{
        "land_mu": 4.0, "tax_10k_yuan": 10.0, "value_added_10k_yuan": 80.0, "output_10k_yuan": 200.0,
        "revenue_10k_yuan": 160.0, "energy_tce": 32.0, "emissions": 0.5, "employees": 16.0,
        "rd_10k_yuan": 4.0, "electricity_kwh": 50000.0,
    }])
    got = compute_indicators(frame).iloc[0]
    assert got["tax_per_mu"] == pytest.approx(2.5)
    assert got["value_added_per_mu"] == pytest.approx(20.0)
    assert got["output_per_mu"] == pytest.approx(50.0)
    assert got["revenue_per_mu"] == pytest.approx(40.0)
    assert got["value_added_per_energy"] == pytest.approx(2.5)
    assert got["value_added_per_emission"] == pytest.approx(160.0)
    assert got["labour_productivity"] == pytest.approx(5.0)
    assert got["rd_ratio"] == pytest.approx(0.025)
    assert got["tax_per_kwh"] == pytest.approx(2.0)  # 100000 元 / 50000 kWh
    assert INDICATORS["tax_per_kwh"].unit == "元/kWh" and INDICATORS["tax_per_mu"].unit == "万元/亩"
    assert "用地面积" in INDICATORS["tax_per_mu"].formula


def test_indicators_nan_not_inf_on_zero_or_missing_denominator():
    frame = pd.DataFrame({
        "land_mu": [0.0, np.nan, -1.0], "tax_10k_yuan": [5.0, 5.0, 5.0], "value_added_10k_yuan": [1.0, 1.0, 1.0],
        "energy_tce": [0.0, np.nan, 2.0], "employees": [0, None, 4],
    })  # emissions, electricity, revenue, rd absent
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        got = compute_indicators(frame)
    assert not np.isinf(got.to_numpy()).any()
    assert got["tax_per_mu"].isna().all()
    assert got["value_added_per_energy"].iloc[:2].isna().all()
    assert got["value_added_per_energy"].iloc[2] == pytest.approx(0.5)
    assert got["labour_productivity"].iloc[2] == pytest.approx(0.25)
    assert got["tax_per_kwh"].isna().all() and got["rd_ratio"].isna().all()


# ----------------------------------------------------------------------------- scores


def test_firm_at_every_benchmark_scores_100_in_both_groups():
    kwh = SMALL_TAX_B * 2.5 * 10000 / SMALL_KWH_B
    frame = pd.DataFrame([above_firm("ABOVE1", land=3.0), below_firm("BELOW1", SMALL_TAX_B * 2.5, 2.5, kwh)])
    result = evaluate_enterprises(frame, huangyan_config())
    t = by_code(result)
    assert t.loc["ABOVE1", "score"] == pytest.approx(100.0)
    assert t.loc["BELOW1", "score"] == pytest.approx(100.0)
    assert t.loc["ABOVE1", "group"] == "above" and t.loc["BELOW1", "group"] == "below"
    assert result.warnings == []


def test_double_tax_scores_130_above_scale():
    frame = pd.DataFrame([above_firm("F2X", tax_x=2.0), above_firm("F1X")])
    t = by_code(evaluate_enterprises(frame, huangyan_config()))
    assert t.loc["F2X", "score"] == pytest.approx(130.0)  # 2×30 + 20+20+10+10+10
    assert t.loc["F2X", "tax_per_mu_part"] == pytest.approx(60.0)
    assert t.loc["F1X", "score"] == pytest.approx(100.0)


def test_below_scale_firm_by_hand():
    # 11.5932 万元 on 1 亩 → 亩均税收 11.5932; 115932 元 / 492908.16 kWh = 0.2352 元/kWh → 50 + 50
    kwh = 115932 / 0.2352
    # second firm: 0.5 亩, tax 5.7966 (= 11.5932/亩 → 50), 0.4704 元/kWh (2× → 100): 150
    frame = pd.DataFrame([below_firm("S1", 11.5932, 1.0, kwh), below_firm("S2", 5.7966, 0.5, 57966 / 0.4704)])
    t = by_code(evaluate_enterprises(frame, huangyan_config()))
    assert t.loc["S1", "tax_per_kwh"] == pytest.approx(0.2352)
    assert t.loc["S1", "score"] == pytest.approx(100.0)
    assert t.loc["S2", "score"] == pytest.approx(150.0)
    assert t.loc["S2", "rank"] == 1 and t.loc["S1", "rank"] == 2


def test_default_toml_reproduces_huangyan_100():
    cfg = tomllib.loads(default_config_text())["enterprise"]  # the shipped file, as installed
    frame = pd.DataFrame([above_firm("T1"), below_firm("T2", 11.5932, 1.0, 115932 / 0.2352)])
    t = by_code(evaluate_enterprises(frame, cfg))
    assert t["score"].tolist() == [pytest.approx(100.0), pytest.approx(100.0)]


def test_missing_emission_gets_group_mean_part():
    # E1 emission intensity 2× benchmark → part 20; E2 1× → 10; mean over firms having it = 15.
    # E4 has 10× but no land: unscored, so it must not enter the mean (else (20+10+100)/3).
    va = VA_B
    frame = pd.DataFrame([
        above_firm("E1", emissions=va / (2 * EMIS_B)),
        above_firm("E2"),
        above_firm("E3", emissions=None),
        above_firm("E4", land_area_mu=0.0, emissions=va / (10 * EMIS_B)),
    ])
    result = evaluate_enterprises(frame, huangyan_config())
    t = by_code(result)
    assert t.loc["E1", "score"] == pytest.approx(110.0)
    assert t.loc["E2", "score"] == pytest.approx(100.0)
    assert t.loc["E3", "value_added_per_emission_part"] == pytest.approx(15.0)
    assert t.loc["E3", "score"] == pytest.approx(105.0)
    assert t.loc["E3", "substituted"] == "value_added_per_emission"
    subs = [w for w in result.warnings if w.code == "missing_indicator_substituted"]
    assert [(w.feature, w.field, w.severity) for w in subs] == [("E3", "emissions", "warning")]


def test_missing_rule_zero_and_exclude():
    cfg = huangyan_config()
    cfg["above_scale"]["missing"] = {"value_added_per_emission": "group_mean_score", "rd_ratio": "exclude"}
    frame = pd.DataFrame([
        above_firm("Z1"),
        above_firm("Z2", rd_10k_yuan=None),       # excluded: not scored
        below_firm("Z3", 11.5932, 1.0, None),      # no electricity: 50 + 0 (missing_default zero)
    ])
    result = evaluate_enterprises(frame, cfg)
    t = by_code(result)
    assert t.loc["Z3", "score"] == pytest.approx(50.0)
    assert t.loc["Z3", "tax_per_kwh_part"] == 0.0
    assert not t.loc["Z2", "scored"] and math.isnan(t.loc["Z2", "score"])
    assert "rd_ratio" in t.loc["Z2", "reason_not_scored"]
    codes = {(w.code, w.feature, w.field) for w in result.warnings}
    assert ("enterprise_not_scored", "Z2", "rd_10k_yuan") in codes
    assert ("missing_indicator_substituted", "Z3", "electricity_kwh") in codes


def test_cap_limits_each_part():
    frame = pd.DataFrame([above_firm("C5", tax_x=5.0)])
    uncapped = by_code(evaluate_enterprises(frame, huangyan_config()))
    assert uncapped.loc["C5", "score"] == pytest.approx(220.0)  # 5×30 + 70
    capped = by_code(evaluate_enterprises(frame, huangyan_config(cap_multiple=2.0)))
    assert capped.loc["C5", "tax_per_mu_part"] == pytest.approx(60.0)  # min(150, 2×30)
    assert capped.loc["C5", "score"] == pytest.approx(130.0)


def _mean_mode_frame() -> pd.DataFrame:
    rows = [
        {"uscc": "M1", "tax_10k_yuan": 10.0, "value_added_10k_yuan": 100.0},
        {"uscc": "M2", "tax_10k_yuan": 20.0, "value_added_10k_yuan": 100.0},
        {"uscc": "M3", "tax_10k_yuan": 30.0, "value_added_10k_yuan": 400.0},
        {"uscc": "M4", "tax_10k_yuan": None, "value_added_10k_yuan": 10000.0},  # unscored, not in the mean
    ]
    return pd.DataFrame(rows).assign(above_scale=True, land_area_mu=1.0)


def _mean_mode_config(mode: str) -> dict:
    cfg = huangyan_config(benchmark_mode=mode, k=2.0)
    cfg["above_scale"] = {"indicators": ["tax_per_mu", "value_added_per_mu"], "weights": [60, 40],
                          "missing": {}, "missing_default": "zero"}
    del cfg["below_scale"]
    return cfg


def test_mean_mode_by_hand():
    # means over M1..M3: tax 20, VA 200 → M1 10/20×60 + 100/200×40 = 50; M2 60+20 = 80; M3 90+80 = 170
    result = evaluate_enterprises(_mean_mode_frame(), _mean_mode_config("mean"))
    assert result.benchmarks["above"] == {"tax_per_mu": pytest.approx(20.0), "value_added_per_mu": pytest.approx(200.0)}
    t = by_code(result)
    assert t.loc[["M1", "M2", "M3"], "score"].tolist() == [pytest.approx(50.0), pytest.approx(80.0), pytest.approx(170.0)]
    assert t.loc["M1", "tax_per_mu_benchmark"] == pytest.approx(20.0)


def test_k_mean_mode_by_hand():
    # k = 2: benchmarks 40 and 400 → M1 15+10 = 25; M2 30+10 = 40; M3 45+40 = 85
    result = evaluate_enterprises(_mean_mode_frame(), _mean_mode_config("k_mean"))
    assert result.benchmarks["above"] == {"tax_per_mu": pytest.approx(40.0), "value_added_per_mu": pytest.approx(400.0)}
    t = by_code(result)
    assert t.loc[["M1", "M2", "M3"], "score"].tolist() == [pytest.approx(25.0), pytest.approx(40.0), pytest.approx(85.0)]


# ----------------------------------------------------------------------------- classes


def _tax_frame(taxes, **extra_cols) -> pd.DataFrame:
    frame = pd.DataFrame({"uscc": [f"R{i + 1:02d}" for i in range(len(taxes))], "above_scale": True,
                          "land_area_mu": 1.0, "tax_10k_yuan": taxes})
    return frame.assign(**extra_cols)


def test_percentile_classes_at_boundaries_n20():
    frame = _tax_frame([float(20 - i) for i in range(20)])  # R01 best … R20 worst
    t = evaluate_enterprises(frame, tax_only_config()).table
    assert t["rank"].tolist() == list(range(1, 21))
    # k/n ≤ 0.20 → 1–4 A; ≤ 0.60 → 5–12 B; ≤ 0.95 → 13–19 C; 20 D
    assert t["class"].tolist() == ["A"] * 4 + ["B"] * 8 + ["C"] * 7 + ["D"]


def test_tied_scores_share_the_better_rank():
    taxes = [20.0, 19.0, 18.0, 17.0, 17.0] + [float(15 - i) for i in range(15)]
    t = evaluate_enterprises(_tax_frame(taxes), tax_only_config()).table
    assert t["rank"].tolist()[:6] == [1, 2, 3, 4, 4, 6]
    assert t["class"].tolist()[:6] == ["A", "A", "A", "A", "A", "B"]  # rank 4 of 20 = 0.20 → A


def test_score_threshold_classes():
    t = evaluate_enterprises(_tax_frame([1.2, 1.199, 0.9, 0.6, 0.599]),
                             tax_only_config(method="score", score_thresholds=[120.0, 90.0, 60.0])).table
    assert t["class"].tolist() == ["A", "B", "B", "C", "D"]


def test_new_firm_is_never_d():
    # cuts 0.2/0.4/0.6 over 5 firms: ranks 1 A, 2 B, 3 C, 4 D, 5 D.
    # R04 started exactly 2 years before 2025-12-31 (not new → D); R05 one day later (new → C).
    starts = ["2010-01-01", "2010-01-01", "2010-01-01", "2023-12-31", "2024-01-01"]
    frame = _tax_frame([5.0, 4.0, 3.0, 2.0, 1.0], production_start_date=starts)
    cfg = tax_only_config(percentile_cuts=[0.2, 0.4, 0.6])
    result = evaluate_enterprises(frame, cfg, evaluation_date="2025-12-31")
    t = result.table
    assert t["class"].tolist() == ["A", "B", "C", "D", "C"]
    assert t["class_override"].tolist()[3:] == [None, "new firm: D→C"]
    undated = evaluate_enterprises(frame, cfg)
    assert undated.table["class"].tolist() == ["A", "B", "C", "D", "D"]
    assert any(w.code == "new_firm_rule_skipped" for w in undated.warnings)


def test_listed_firms_become_t_when_configured():
    frame = _tax_frame([3.0, 2.0, 1.0], listed=[False, True, False])
    assert evaluate_enterprises(frame, tax_only_config()).table["class"].tolist() == ["B", "C", "D"]
    t = evaluate_enterprises(frame, tax_only_config(listed_as_t=True)).table
    # T类 is 不适合评价类: no class and outside the ranking (淮安 2024); the other two are ranked alone: 1/2 → B, 2/2 → D
    assert t["class"].tolist() == ["B", None, "D"] and t["excluded_label"].tolist() == [None, "T", None]
    assert t["rank"].tolist()[1] is pd.NA and not t["scored"].iloc[1] and "上市企业" in t["reason_not_scored"].iloc[1]


# ----------------------------------------------------------------------------- unscored firms and land


def test_unscored_firms_are_named_in_warnings_without_division_errors():
    frame = pd.DataFrame([
        above_firm("OK1"),
        above_firm("NOLAND", land_area_mu=0.0),
        above_firm("NANLAND", land_area_mu=None),
        above_firm("NOTAX", tax_10k_yuan=None),
        above_firm("NOGROUP", above_scale=None),
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = evaluate_enterprises(frame, huangyan_config())
    t = by_code(result)
    unscored = ["NOLAND", "NANLAND", "NOTAX", "NOGROUP"]
    assert t.loc["OK1", "scored"] and t.loc["OK1", "rank"] == 1 and t.loc["OK1", "class"] == "D"  # 1/1 > 0.95
    assert not t.loc[unscored, "scored"].any()
    assert t.loc[unscored, "score"].isna().all() and t.loc[unscored, "rank"].isna().all()
    assert t.loc[unscored, "class"].tolist() == [None] * 4
    assert t.loc[unscored, "reason_not_scored"].notna().all()
    named = {(w.feature, w.field) for w in result.warnings if w.code == "enterprise_not_scored"}
    assert named == {("NOLAND", "land_mu"), ("NANLAND", "land_mu"), ("NOTAX", "tax_10k_yuan"),
                     ("NOGROUP", "above_scale")}
    assert all(w.severity == "warning" for w in result.warnings)
    assert not np.isinf(result.table.select_dtypes("number").to_numpy(dtype=float)).any()


def test_land_from_table_parcels_and_leases():
    frame = pd.DataFrame({
        "uscc": ["TAB", "PL", "PO", "NONE", "ZERO", "LEASE"],
        "land_area_mu": [12.0, None, None, None, 0.0, None],
        "leased_in_mu": [5.0, 3.0, None, None, None, 2.0],
        "leased_out_mu": [None, 2.0, 0.0, None, None, None],
    })
    # owner areas as the caller passes them: one entry per parcel, summed per owner
    owned = pd.Series([30.0, 10.0, 5.0, 8.0, 4.0], index=["TAB", "PL", "PL", "po", "ZERO"])
    land, source = enterprise_land_mu(frame, owned)
    expected = [12.0, 10 + 5 + 3 - 2, 8.0, np.nan, 4.0, 2.0]
    np.testing.assert_allclose(land.to_numpy(dtype=float), expected)
    assert source.tolist() == ["table", "parcels+leases", "parcels", "none", "parcels", "leases"]


def test_evaluation_uses_parcel_land():
    # 16 亩 = 15 owned + 3 leased in − 2 leased out; tax 2 × 24.097 per 亩 → tax part 60
    firm = above_firm("P1", land=16.0, tax_x=2.0, land_area_mu=None, leased_in_mu=3.0, leased_out_mu=2.0)
    result = evaluate_enterprises(pd.DataFrame([firm]), huangyan_config(),
                                  parcel_owner_mu=pd.Series([10.0, 5.0], index=["P1", "P1"]))
    t = by_code(result)
    assert t.loc["P1", "land_mu"] == pytest.approx(16.0)
    assert t.loc["P1", "land_source"] == "parcels+leases"
    assert t.loc["P1", "tax_10k_yuan"] == pytest.approx(2 * TAX_B * 16)  # raw input kept for tracing
    assert t.loc["P1", "score"] == pytest.approx(130.0)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("section, key, value", [
    ("above_scale", "weights", [30, 20]),
    ("above_scale", "indicators", ["tax_per_mu", "no_such_indicator"]),
    ("below_scale", "benchmarks", [11.5932, 0.0]),
    ("below_scale", "missing_default", "guess"),
])
def test_bad_config_raises_naming_the_key(section, key, value):
    cfg = copy.deepcopy(huangyan_config())
    cfg[section][key] = value
    with pytest.raises(InputError) as err:
        evaluate_enterprises(pd.DataFrame([above_firm("X1")]), cfg)
    assert f"enterprise.{section}" in str(err.value)


def test_duplicate_credit_codes_raise():
    frame = pd.DataFrame([above_firm("DUP"), above_firm("DUP")])
    with pytest.raises(InputError, match="DUP"):
        evaluate_enterprises(frame, huangyan_config())
