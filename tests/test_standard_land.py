"""标准地 (issue 16, items 4 and 5): layers/standard_land_settings.py, analysis/standard_land.py, the demo's commitments.

Every verdict and gap below is worked out by hand from the fixture's figures (areas in 亩; 1 亩 = 10000/15 m²).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib

import numpy as np
import pandas as pd
import pytest

from analysis.standard_land import conditions_for, format_review, review, to_json
from layers.demo.standard_land import add_commitments, demo_settings, investment_column
from layers.problems import InputError
from layers.settings import Reader
from layers.standard_land_settings import DEFAULT_TOML, DEMO_TOML, INDICATORS, StandardLandSettings

AS_OF = dt.date(2025, 12, 31)
SOURCE = "测试来源"


def read(section: dict) -> StandardLandSettings:
    """A [standard_land] table read as the config loader reads it (unknown keys refused)."""
    reader = Reader(section, "standard_land", "test.toml")
    settings = StandardLandSettings.read(reader)
    reader.finish()
    return settings


# --------------------------------------------------------------------------- the 达产复核 fixture
# P1 met on every term; P2 misses 亩均税收 only (20 against 25: gap −5); P3 not due until 2027; P4 has no firm;
# P5's firm reports no emissions (the term it committed to) and meets the rest; P6 is not 标准地 (left out).
COMMITTED = {"committed_investment_intensity": 200.0, "committed_far_min": 1.2, "committed_tax_per_mu": 20.0,
             "committed_value_added_per_energy": 2.0, "committed_value_added_per_emission": 1000.0,
             "committed_rd_ratio": 0.02}


def fixture() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six parcels (areas in 亩, floor areas in m²) and the firms linked to them (one year of data)."""
    rows = [
        # parcel, 标准地, firm, area 亩, floor m², due date, committed tax
        ("P1", True, "F1", 15.0, 15000.0, "2024-06-30", 20.0),    # FAR = 15000 / 10000 = 1.5
        ("P2", True, "F2", 30.0, 24000.0, "2025-03-31", 25.0),    # FAR = 24000 / 20000 = 1.2 (exactly the minimum)
        ("P3", True, "F3", 15.0, 0.0, "2027-01-01", 20.0),
        ("P4", True, None, 15.0, 15000.0, "2024-01-01", 20.0),
        ("P5", True, "F5", 15.0, 18000.0, "2025-12-31", 20.0),    # due on the review date itself: due
        ("P6", False, "F1", 15.0, 15000.0, None, None),
    ]
    parcels = pd.DataFrame([{"parcel_id": p, "standard_land": s, "firm_uscc": f, "area_mu": a, "floor_area_m2": fl,
                             "production_due_date": d, **{**COMMITTED, "committed_tax_per_mu": tax}} | (
                                {k: None for k in COMMITTED} if not s else {})
                            for p, s, f, a, fl, d, tax in rows])
    # land_area_mu declared, so each firm's land is its own figure (F1 holds P1 and P6: 30 亩 declared)
    firms = pd.DataFrame([
        # F1: 6600 / 30 = 220 万元/亩; tax 660 / 30 = 22; 600 / 200 = 3; 600 / 0.5 = 1200; 60 / 2000 = 0.03
        {"uscc": "F1", "name": "甲公司", "year": 2025, "land_area_mu": 30.0, "fixed_investment_10k_yuan": 6600.0,
         "tax_10k_yuan": 660.0, "value_added_10k_yuan": 600.0, "energy_tce": 200.0, "emissions": 0.5,
         "rd_10k_yuan": 60.0, "revenue_10k_yuan": 2000.0},
        # F2: 7500 / 30 = 250; tax 600 / 30 = 20 (< 25); 900 / 300 = 3; 900 / 0.6 = 1500; 50 / 1000 = 0.05
        {"uscc": "F2", "name": "乙公司", "year": 2025, "land_area_mu": 30.0, "fixed_investment_10k_yuan": 7500.0,
         "tax_10k_yuan": 600.0, "value_added_10k_yuan": 900.0, "energy_tce": 300.0, "emissions": 0.6,
         "rd_10k_yuan": 50.0, "revenue_10k_yuan": 1000.0},
        {"uscc": "F3", "name": "丙公司", "year": 2025, "land_area_mu": 15.0, "fixed_investment_10k_yuan": 100.0,
         "tax_10k_yuan": 10.0, "value_added_10k_yuan": 50.0, "energy_tce": 50.0, "emissions": 1.0,
         "rd_10k_yuan": 1.0, "revenue_10k_yuan": 500.0},
        # F5: 4500 / 15 = 300; 450 / 15 = 30; 300 / 100 = 3; no emissions; 40 / 1000 = 0.04
        {"uscc": "F5", "name": "丁公司", "year": 2025, "land_area_mu": 15.0, "fixed_investment_10k_yuan": 4500.0,
         "tax_10k_yuan": 450.0, "value_added_10k_yuan": 300.0, "energy_tce": 100.0, "emissions": None,
         "rd_10k_yuan": 40.0, "revenue_10k_yuan": 1000.0},
    ])
    return parcels, firms


def by_id(doc: list[dict]) -> dict[str, dict]:
    return {item["parcel_id"]: item for item in doc}


def test_review_verdicts_and_gaps_by_hand():
    parcels, firms = fixture()
    doc = by_id(to_json(review(parcels, firms, read({}), AS_OF)))
    assert set(doc) == {"P1", "P2", "P3", "P4", "P5"}  # P6 is not 标准地
    assert {k: v["verdict"] for k, v in doc.items()} == {"P1": "met", "P2": "not_met", "P3": "not_due",
                                                         "P4": "undetermined", "P5": "undetermined"}
    p1 = doc["P1"]["terms"]
    assert p1["investment_intensity"]["actual"] == pytest.approx(220.0)
    assert p1["investment_intensity"]["gap"] == pytest.approx(20.0)
    assert p1["far_min"]["actual"] == pytest.approx(1.5) and p1["far_min"]["gap"] == pytest.approx(0.3)
    assert p1["tax_per_mu"]["actual"] == pytest.approx(22.0)
    assert p1["value_added_per_energy"]["actual"] == pytest.approx(3.0)
    assert p1["value_added_per_emission"]["actual"] == pytest.approx(1200.0)
    assert p1["rd_ratio"]["actual"] == pytest.approx(0.03) and p1["rd_ratio"]["gap"] == pytest.approx(0.01)
    assert all(term["met"] is True for term in p1.values())
    p2 = doc["P2"]["terms"]
    assert p2["tax_per_mu"] == {"committed": 25.0, "actual": pytest.approx(20.0), "gap": pytest.approx(-5.0),
                                "met": False, "unit": "万元/亩"}
    assert p2["far_min"]["actual"] == pytest.approx(1.2) and p2["far_min"]["met"] is True  # equal to the minimum
    assert [k for k, term in p2.items() if term["met"] is False] == ["tax_per_mu"]
    assert doc["P3"]["reason"] is None and all(term["met"] is None for term in doc["P3"]["terms"].values())
    assert doc["P4"]["reason"] == "no_firm" and doc["P4"]["firm"] is None
    p5 = doc["P5"]
    assert p5["reason"] == "missing_actuals" and p5["missing"] == ["value_added_per_emission"]
    assert p5["terms"]["value_added_per_emission"]["actual"] is None  # missing is null, never 0
    assert p5["terms"]["value_added_per_emission"]["met"] is None
    assert doc["P2"]["due_date"] == "2025-03-31" and doc["P2"]["firm"] == "F2" and doc["P2"]["verdict_zh"] == "不达标"
    json.dumps(list(doc.values()), allow_nan=False)


def test_tolerance_meets_a_shortfall_within_it():
    parcels, firms = fixture()
    # 20 ≥ 25 × (1 − 0.2) = 20: P2's 亩均税收 is met with a 20 % tolerance (the gap stays −5 against the commitment)
    doc = by_id(to_json(review(parcels, firms, read({"tolerance": 0.2, "tolerance_source": SOURCE}), AS_OF)))
    assert doc["P2"]["verdict"] == "met" and doc["P2"]["terms"]["tax_per_mu"]["gap"] == pytest.approx(-5.0)
    doc = by_id(to_json(review(parcels, firms, read({"tolerance": 0.19}), AS_OF)))
    assert doc["P2"]["verdict"] == "not_met"


def test_undetermined_reasons_and_not_due_boundary():
    parcels, firms = fixture()
    # the day before P5's date it is not yet due; P1 with firm data of 2023 (before its 2024 date) cannot be judged
    firms.loc[firms["uscc"] == "F1", "year"] = 2023
    firms.loc[firms["uscc"] == "F2", "energy_tce"] = 0.0  # a zero denominator is no figure, not an infinite one
    doc = by_id(to_json(review(parcels, firms.loc[firms["uscc"] != "F3"], None, dt.date(2025, 12, 30))))
    assert doc["P5"]["verdict"] == "not_due"
    assert (doc["P1"]["verdict"], doc["P1"]["reason"], doc["P1"]["data_year"]) == ("undetermined", "data_before_due", 2023)
    assert doc["P3"]["verdict"] == "not_due"
    assert doc["P2"]["terms"]["value_added_per_energy"]["actual"] is None
    assert doc["P2"]["verdict"] == "not_met" and doc["P2"]["missing"] == ["value_added_per_energy"]
    parcels.loc[parcels["parcel_id"] == "P3", "production_due_date"] = "2025-01-01"
    doc = by_id(to_json(review(parcels, firms.loc[firms["uscc"] != "F3"], None, AS_OF)))
    assert (doc["P3"]["verdict"], doc["P3"]["reason"]) == ("undetermined", "no_firm_data")


def test_review_text_in_both_languages():
    parcels, firms = fixture()
    doc = to_json(review(parcels, firms, None, AS_OF))
    zh = format_review(doc, "zh")
    assert "达标 1 宗，不达标 1 宗，未到达产期 1 宗，无法判定 2 宗" in zh
    line = next(x for x in zh.splitlines() if "P2" in x)
    assert "亩均税收 承诺 25.00、实际 20.00、差距 −5.00 万元/亩" in line and "乙公司" in line
    assert "宗地未关联企业" in zh and "缺少实际数据：单位排放工业增加值" in zh
    assert not re.search(r"\b(met|not_met|undetermined|not_due|None|True|False|nan|stdland_\w+)\b", zh)
    en = format_review(doc, "en")
    assert "1 met, 1 not met, 1 not yet due, 2 undetermined" in en
    assert format_review([], "zh").startswith("没有标准地宗地")


# --------------------------------------------------------------------------- the lookup


def lookup_settings() -> StandardLandSettings:
    return read({
        "items": [
            {"name": "汽车制造业", "codes": ["C36"], "tax_per_mu": 30.0, "far_min": 1.2, "source": SOURCE},
            {"name": "汽车零部件", "codes": ["367"], "tax_per_mu": 35.0, "source": SOURCE,
             "sources": {"tax_per_mu": "零部件专门来源"}},
            {"name": "高端装备集群", "cluster": "高端装备", "tax_per_mu": 28.0, "source": SOURCE},
        ],
        "default": {"tax_per_mu": 15.0, "investment_intensity": 200.0, "source": "默认来源"},
    })


def test_lookup_precedence_code_then_cluster_then_default():
    settings = lookup_settings()
    finer = conditions_for("3670", "高端装备", settings)  # the longest code prefix beats the shorter one and the cluster
    assert finer["tax_per_mu"] == 35.0 and finer["matched"] == {"by": "code", "entry": "汽车零部件", "code": "367"}
    assert finer["sources"]["tax_per_mu"] == "零部件专门来源" and finer["far_min"] is None
    assert conditions_for("36", None, settings)["tax_per_mu"] == 30.0    # "36" and "C36" are one 大类
    assert conditions_for("C3610", None, settings)["far_min"] == 1.2
    cluster = conditions_for("C34", "高端装备", settings)
    assert cluster["tax_per_mu"] == 28.0 and cluster["matched"]["by"] == "cluster"
    assert conditions_for(None, "高端装备", settings)["tax_per_mu"] == 28.0
    default = conditions_for("C34", "不存在的集群", settings)
    assert (default["tax_per_mu"], default["investment_intensity"], default["matched"]["by"]) == (15.0, 200.0, "default")
    assert default["sources"]["tax_per_mu"] == "默认来源" and default["sources"]["rd_ratio"] is None
    keys = set(INDICATORS)
    assert set(default) == keys | {"units", "sources", "matched"}
    assert set(default["units"]) == keys and set(default["sources"]) == keys
    assert default["units"]["value_added_per_energy"] == "万元/吨标煤"


def test_lookup_section_letter_and_off():
    settings = read({"items": [{"codes": ["C"], "tax_per_mu": 10.0, "source": SOURCE}],
                     "default": {"tax_per_mu": 5.0, "source": SOURCE}})
    assert conditions_for("2610", None, settings)["tax_per_mu"] == 10.0   # 26 is in 门类 C (13–43)
    assert conditions_for("D44", None, settings)["tax_per_mu"] == 5.0
    off = conditions_for("C36", "汽车", read({}))
    assert all(off[k] is None for k in INDICATORS) and off["matched"]["by"] is None


# --------------------------------------------------------------------------- the settings reader


@pytest.mark.parametrize("section, key", [
    ({"items": [{"codes": ["C27"], "rd_ratio": 3.0, "source": SOURCE}]}, "items[0].rd_ratio"),          # 3 % as 3
    ({"items": [{"codes": ["C27"], "far_min": 2.0, "far_max": 1.5, "source": SOURCE}]}, "items[0].far_max"),
    ({"items": [{"codes": ["C27"], "tax_per_mu": 20.0}]}, "items[0].source"),                          # no source
    ({"items": [{"codes": ["C27"], "tax_per_mu": -1.0, "source": SOURCE}]}, "items[0].tax_per_mu"),
    ({"items": [{"codes": ["C27"], "tax_per_mu": 0.0, "source": SOURCE}]}, "items[0].tax_per_mu"),
    ({"items": [{"codes": ["A36"], "tax_per_mu": 20.0, "source": SOURCE}]}, "items[0].codes[0]"),     # 36 is in C
    ({"items": [{"codes": ["C3x"], "tax_per_mu": 20.0, "source": SOURCE}]}, "items[0].codes[0]"),
    ({"items": [{"tax_per_mu": 20.0, "source": SOURCE}]}, "items[0].codes"),                          # neither
    ({"items": [{"codes": ["C27"], "source": SOURCE}]}, "items[0].investment_intensity"),             # no value
    ({"items": [{"codes": ["C27"], "tax_per_mu": 20.0, "source": SOURCE, "tax": 1}]}, "items[0].tax"),  # typo
    ({"items": [{"codes": ["C27"], "tax_per_mu": 20.0, "source": SOURCE, "sources": {"rd_ratio": "x"}}]},
     "items[0].sources.rd_ratio"),                                                                    # unset value
    ({"items": [{"codes": ["C36"], "tax_per_mu": 20.0, "source": SOURCE},
                {"codes": ["36"], "tax_per_mu": 25.0, "source": SOURCE}]}, "items[1].codes"),         # listed twice
    ({"tolerance": 1.0}, "standard_land.tolerance"),
    ({"tolerance": -0.1}, "standard_land.tolerance"),
    ({"default": {"source": SOURCE}}, "default.investment_intensity"),
])
def test_settings_reader_refuses(section, key):
    with pytest.raises(InputError) as caught:
        read(section)
    assert key in str(caught.value)


def test_default_and_demo_toml_read():
    default = read(tomllib.loads(DEFAULT_TOML)["standard_land"])
    assert not default.configured and default.tolerance == 0.0
    demo = demo_settings()
    assert demo.configured and len(demo.items) == 10 and demo.default is not None
    assert all("[U: demo]" in s for e in demo.items for s in e.sources.values() if s)
    both = read(tomllib.loads(DEFAULT_TOML + DEMO_TOML)["standard_land"])
    assert conditions_for("36", None, both)["tax_per_mu"] == 6.0  # C36 汽车制造业 in DEMO_TOML


# --------------------------------------------------------------------------- the demo's commitments


def test_demo_commitments_on_a_small_table():
    parcels = pd.DataFrame({
        "parcel_id": ["A", "B", "C", "D", "E"],
        "land_use_category": ["industrial", "industrial", "industrial", "residential", "industrial"],
        "supply_type": ["出让", "租赁", "出让", "出让", "弹性年期出让"],
        "supply_date": ["2020-05-01", "2021-01-01", "2017-12-31", "2022-01-01", "2019-03-15"],
        "owner_uscc": ["F36", "F36", "F26", "F36", "FXX"],
    })
    import geopandas as gpd
    import shapely

    squares = [shapely.box(0, 0, 100, 100 * (i + 1)) for i in range(5)]  # 10000 m² × (i + 1) = 15 亩 × (i + 1)
    parcels = gpd.GeoDataFrame(parcels, geometry=squares, crs="EPSG:4549")
    firms = pd.DataFrame({"uscc": ["F36", "F26", "FXX"], "industry_code": ["36", "26", "99"], "year": 2025,
                          "land_area_mu": [np.nan, 40.0, np.nan]})
    out = add_commitments(1, parcels, firms)
    assert out["standard_land"].tolist() == [True, False, False, False, True]  # 租赁, before 2018, residential: not
    assert out.loc[0, "committed_tax_per_mu"] == 6.0 and out.loc[0, "committed_investment_intensity"] == 300.0
    assert out.loc[4, "committed_tax_per_mu"] == 5.0          # code 99 is not listed: the demo's default
    assert np.isnan(out.loc[1, "committed_tax_per_mu"])
    due = pd.to_datetime(out.loc[0, "production_due_date"])
    assert pd.Timestamp("2022-05-01") <= due <= pd.Timestamp("2023-05-01")  # 2–3 years after supply
    assert out.loc[1, "production_due_date"] is None
    invest = investment_column(1, out, firms)
    assert invest.name == "fixed_investment_10k_yuan" and np.isnan(invest[1])  # F26 holds no 标准地 parcel
    # F36 owns A, B, D: 15 + 30 + 60 = 105 亩; committed 300 万元/亩 × 105 × a factor in [0.6, 0.95] or [1.05, 1.6]
    ratio = invest[0] / (300.0 * 105.0)
    assert 0.6 <= ratio <= 0.95 or 1.05 <= ratio <= 1.6
