"""Year on year (analysis/year_on_year.py): firm class transitions, indicator changes, direction with its flat band,
the half-year 效益报表, the JSON document and its CLI text.

Expectations are hand-computed on small explicit tables (written out beside each assertion); the demo test scales
last year's money by a known factor, so every per-mu change is known without the module's help.
"""

from __future__ import annotations

import dataclasses
import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.year_on_year import (
    by_year_json,
    compare_values,
    district_by_year,
    district_changes,
    firm_changes,
    firm_transitions,
    format_year_on_year,
    half_year_report,
    indicators_by_year,
    to_json,
    transition_lists,
    transition_matrix,
    unit_change_columns,
    unit_changes,
    year_on_year,
)

# Six firms. F5's code is written with full-width digits, lower case and a space in 2024: the same firm once
# normalised. F1 A→B, F2 B→B, F3 new in 2025, F4 gone in 2025, F5 C→A, F6 B→ no class (not scored).
F1, F2, F3, F4, F5, F6 = ("91330200000000001A", "91330200000000002B", "91330200000000003C", "91330200000000004D",
                          "91330200000000005E", "91330200000000006F")
F5_2024 = "".join(chr(ord(c) + 0xFEE0) for c in F5[:-1]) + F5[-1].lower() + " "  # full-width digits, "e", a space
FIRMS_2024 = pd.DataFrame({
    "uscc": [F1, F2, F4, F5_2024, F6],
    "name": ["甲公司", "乙公司", "丁公司", "戊公司", "己公司"],
    "class": ["A", "B", "D", "C", "B"],
    "tax_per_mu": [40.0, 20.0, 5.0, 10.0, 15.0],
    "land_mu": [10.0, 20.0, 8.0, 12.0, 6.0],
}).set_index("uscc")
FIRMS_2025 = pd.DataFrame({
    "uscc": [F1, F2, F3, F5, F6],
    "name": ["甲公司", "乙公司", "丙公司", "戊公司", "己公司"],
    "class": ["B", "B", "C", "A", None],
    "tax_per_mu": [30.0, 20.1, 12.0, 25.0, np.nan],
    "land_mu": [10.0, 20.0, 9.0, 12.0, 6.0],
}).set_index("uscc")


def test_transitions_hand_counted():
    tr = firm_transitions(FIRMS_2024, FIRMS_2025).set_index("uscc")
    assert len(tr) == 6  # F5 joined across its two spellings, not counted twice
    assert tr.loc[F1, ["class_before", "class_after", "movement"]].tolist() == ["A", "B", "down"]
    assert tr.loc[F2, ["class_before", "class_after", "movement"]].tolist() == ["B", "B", "same"]
    assert tr.loc[F3, ["class_before", "class_after", "movement"]].tolist() == ["absent", "C", "entered"]
    assert tr.loc[F4, ["class_before", "class_after", "movement"]].tolist() == ["D", "absent", "left"]
    assert tr.loc[F5, ["class_before", "class_after", "movement"]].tolist() == ["C", "A", "up"]
    assert tr.loc[F6, ["class_before", "class_after", "movement"]].tolist() == ["B", "unscored", "other"]
    assert tr.loc[F4, "name"] == "丁公司" and tr.loc[F3, "name"] == "丙公司"

    m = transition_matrix(tr.reset_index())
    assert list(m.index) == list(m.columns) == ["A", "B", "C", "D", "unscored", "absent"]
    expected = {("A", "B"): 1, ("B", "B"): 1, ("absent", "C"): 1, ("D", "absent"): 1, ("C", "A"): 1,
                ("B", "unscored"): 1}
    for frm in m.index:
        for to in m.columns:
            assert m.at[frm, to] == expected.get((frm, to), 0), (frm, to)
    assert m.loc["absent"].sum() == 1 and m["absent"].sum() == 1  # entering and leaving firms apart

    lists = transition_lists(tr.reset_index())
    assert lists == {"A": {"B": [F1]}, "B": {"B": [F2], "unscored": [F6]}, "C": {"A": [F5]}, "D": {"absent": [F4]},
                     "absent": {"C": [F3]}}


def test_firm_indicator_changes_keep_nulls():
    ch = firm_changes(FIRMS_2024, FIRMS_2025, ["tax_per_mu"]).set_index("uscc")
    assert ch.loc[F1, "before"] == 40.0 and ch.loc[F1, "after"] == 30.0
    assert ch.loc[F1, "change"] == pytest.approx(-10.0) and ch.loc[F1, "relative_change"] == pytest.approx(-0.25)
    assert ch.loc[F1, ["direction", "assessment"]].tolist() == ["down", "worsened"]
    assert ch.loc[F5, "change"] == pytest.approx(15.0) and ch.loc[F5, "relative_change"] == pytest.approx(1.5)
    assert ch.loc[F5, ["direction", "assessment"]].tolist() == ["up", "improved"]
    # 20 → 20.1 is +0.5 %, inside the default 1 % band
    assert ch.loc[F2, "direction"] == "flat" and ch.loc[F2, "change"] == pytest.approx(0.1)
    # a missing value on either side gives no change at all, never a change from or to 0
    for code in (F3, F4, F6):
        assert math.isnan(ch.loc[code, "change"]) and ch.loc[code, "direction"] is None
    assert math.isnan(ch.loc[F6, "after"]) and ch.loc[F6, "before"] == 15.0
    assert ch.loc[F3, "after"] == 12.0 and math.isnan(ch.loc[F3, "before"])


def test_direction_flat_band_and_better():
    # per-mu: relative band; 20 → 20.1 (+0.5 %) is flat at 1 %, up at 0.1 %
    assert compare_values([20.0], [20.1], "tax_per_mu")["direction"].tolist() == ["flat"]
    assert compare_values([20.0], [20.1], "tax_per_mu", flat_tolerance=0.001)["direction"].tolist() == ["up"]
    # ratios: band in points; 0.600 → 0.604 is 0.4 point: flat at 0.5, up at 0.1
    assert compare_values([0.600], [0.604], "supply_ratio")["direction"].tolist() == ["flat"]
    up = compare_values([0.600], [0.604], "supply_ratio", flat_points=0.001)
    assert up["direction"].tolist() == ["up"] and up["better"].tolist() == ["up"] and up["assessment"].tolist() == ["improved"]
    # idle land up is bad
    idle = compare_values([0.10], [0.12], "idle_ratio")
    assert idle["change"].iloc[0] == pytest.approx(0.02) and idle["assessment"].tolist() == ["worsened"]
    assert idle["better"].tolist() == ["down"]
    # no better direction for an area: up, but neither better nor worse
    area = compare_values([100.0], [120.0], "area_mu")
    assert area["direction"].tolist() == ["up"] and area["better"].tolist() == [None] and area["assessment"].tolist() == [None]
    # from 0: no relative change, still a direction
    zero = compare_values([0.0], [3.0], "idle_mu")
    assert math.isnan(zero["relative_change"].iloc[0]) and zero["direction"].tolist() == ["up"]
    # the composite's own direction rules: a bureau that scores supply_ratio as a cost
    cost = compare_values([0.5], [0.6], "supply_ratio", better={"supply_ratio": "down"})
    assert cost["assessment"].tolist() == ["worsened"]


UNITS_2024 = pd.DataFrame({
    "unit_id": ["U1", "U2", "U9"], "unit_kind": ["parks", "parks", "parks"], "name": ["一园", "二园", "旧园"],
    "supply_ratio": [0.60, 0.80, 0.5], "idle_ratio": [0.10, 0.05, 0.2], "tax_per_mu": [20.0, np.nan, 3.0],
    "area_mu": [100.0, 50.0, 10.0]})
UNITS_2025 = pd.DataFrame({
    "unit_id": ["U1", "U2", "U3"], "unit_kind": ["parks", "parks", "micro_parks"], "name": ["一园", "二园", "新园"],
    "supply_ratio": [0.66, 0.803, 0.9], "idle_ratio": [0.12, 0.05, 0.0], "tax_per_mu": [20.1, 30.0, 8.0],
    "area_mu": [100.0, 50.0, 60.0]})


def test_unit_changes_hand_computed():
    ch = unit_changes(UNITS_2024, UNITS_2025).set_index(["unit_id", "indicator"])
    u1 = ch.loc["U1"]
    assert u1.loc["supply_ratio", "change"] == pytest.approx(0.06)
    assert u1.loc["supply_ratio", "relative_change"] == pytest.approx(0.1)
    assert u1.loc["supply_ratio", ["direction", "assessment"]].tolist() == ["up", "improved"]
    assert u1.loc["idle_ratio", ["direction", "assessment"]].tolist() == ["up", "worsened"]
    assert u1.loc["tax_per_mu", "direction"] == "flat"
    assert u1.loc["area_mu", ["direction", "assessment"]].tolist() == ["flat", "flat"]
    assert ch.loc[("U2", "supply_ratio"), "direction"] == "flat"  # +0.3 point
    assert ch.loc[("U2", "tax_per_mu"), "direction"] is None  # no 2024 figure: no change
    assert ch.loc[("U3", "tax_per_mu"), "present"] == "after" and ch.loc[("U9", "tax_per_mu"), "present"] == "before"
    assert math.isnan(ch.loc[("U3", "tax_per_mu"), "change"])

    colours = unit_change_columns(UNITS_2024, UNITS_2025, "supply_ratio").set_index("unit_id")
    assert list(colours.index) == ["U1", "U2", "U3"]  # the later year's units; U9 is gone
    assert colours.loc["U1", "change"] == pytest.approx(0.06) and colours.loc["U1", "direction"] == "up"
    assert math.isnan(colours.loc["U3", "change"]) and colours.loc["U3", "direction"] is None


def test_by_year_long_tables_any_number_of_years():
    u2023 = UNITS_2024.assign(tax_per_mu=[18.0, 1.0, 2.0])
    long = indicators_by_year({2025: UNITS_2025, 2023: u2023, 2024: UNITS_2024}, ["tax_per_mu", "supply_ratio"])
    assert sorted(long["year"].unique()) == [2023, 2024, 2025]
    assert len(long) == 3 * 3 * 2
    value = long.set_index(["unit_id", "year", "indicator"])["value"]
    assert value[("U1", 2023, "tax_per_mu")] == 18.0 and value[("U3", 2025, "supply_ratio")] == 0.9
    assert math.isnan(value[("U2", 2024, "tax_per_mu")])  # null kept, not 0
    d = district_by_year({2024: {"tax_per_mu": 20.0, "supply_ratio": None}, 2025: {"tax_per_mu": 22.0}})
    doc = json.loads(json.dumps(by_year_json(long, d), allow_nan=False))
    assert doc["years"] == [2023, 2024, 2025]
    u1 = next(u for u in doc["units"] if u["unit_id"] == "U1")["indicators"]["tax_per_mu"]
    assert u1 == {"2023": 18.0, "2024": 20.0, "2025": 20.1}
    assert doc["district"]["supply_ratio"] == {"2024": None}
    assert d.set_index(["year", "indicator"])["value"][(2025, "tax_per_mu")] == 22.0
    assert math.isnan(d.set_index(["year", "indicator"])["value"][(2024, "supply_ratio")])
    dc = district_changes({"tax_per_mu": 20.0, "idle_ratio": 0.05},
                          {"tax_per_mu": 22.0, "idle_ratio": 0.04}).set_index("indicator")
    assert dc.loc["tax_per_mu", "relative_change"] == pytest.approx(0.1)
    assert dc.loc["idle_ratio", ["direction", "assessment"]].tolist() == ["down", "improved"]


# Half-year rows: X and Y are members of U1 (position 0), Z of U2 (position 1). Land: X 10, Y 30, Z 20 亩.
HALF_UNITS = pd.DataFrame({"unit_id": ["U1", "U2"], "name": ["一园", "二园"]})
HALF_MEMBERS = pd.DataFrame({"unit_pos": [0, 0, 1], "uscc": ["X", "Y", "Z"]})
HALF_LAND = pd.Series({"X": 10.0, "Y": 30.0})  # Z is not in the evaluation: its row's own land_area_mu (20) counts
HALF_ROWS = pd.DataFrame({
    "uscc": ["X", "Y", "Z", "X", "Y", "Z", "X"],
    "year": [2025, 2025, 2025, 2024, 2024, 2024, 2024],
    "half": [1, 1, 1, 1, 1, 1, None],  # the last row is a full-year row: not in any half
    "tax_10k_yuan": [50.0, 70.0, 20.0, 40.0, 60.0, np.nan, 999.0],
    "output_10k_yuan": [400.0, 800.0, 100.0, 300.0, 700.0, 90.0, 9999.0],
    "revenue_10k_yuan": [500.0, 900.0, 150.0, np.nan, np.nan, np.nan, 9999.0],
    "land_area_mu": [np.nan, np.nan, 20.0, np.nan, np.nan, 20.0, np.nan],
})


def test_half_year_report_hand_computed():
    rep = half_year_report(HALF_ROWS, HALF_MEMBERS, HALF_UNITS, firm_land=HALF_LAND)
    assert set(zip(rep["year"], rep["half"])) == {(2025, 1), (2024, 1)}
    cell = rep[rep["year"] == 2025].set_index(["scope", "unit_id", "figure"]).sort_index()
    u1 = cell.xs(("unit", "U1"))
    # U1 H1 2025: tax 50 + 70 = 120 on 10 + 30 = 40 亩 → 3.0; H1 2024: 100 on 40 → 2.5
    assert u1.loc["tax_10k_yuan", "value"] == 120.0 and u1.loc["tax_10k_yuan", "previous"] == 100.0
    assert u1.loc["tax_per_mu", "value"] == pytest.approx(3.0) and u1.loc["tax_per_mu", "previous"] == pytest.approx(2.5)
    assert u1.loc["tax_per_mu", "change"] == pytest.approx(0.5) and u1.loc["tax_per_mu", "relative_change"] == pytest.approx(0.2)
    assert u1.loc["output_per_mu", "value"] == pytest.approx(1200 / 40)
    assert u1.loc["revenue_per_mu", "value"] == pytest.approx(1400 / 40)
    assert math.isnan(u1.loc["revenue_per_mu", "previous"])  # no 2024 revenue: null, not 0
    assert u1.loc["firm_count", "value"] == 2
    u2 = cell.xs(("unit", "U2"))
    assert u2.loc["tax_per_mu", "value"] == pytest.approx(1.0)  # 20 on Z's own 20 亩
    assert math.isnan(u2.loc["tax_per_mu", "previous"]) and u2.loc["tax_per_mu", "direction"] is None
    assert math.isnan(u2.loc["tax_10k_yuan", "previous"])
    d = rep[(rep["scope"] == "district") & (rep["year"] == 2025)].set_index("figure")
    # district 2025: 140 on 60 亩; 2024: 100 on 40 亩 (Z had no tax: its land is left out of the ratio)
    assert d.loc["tax_per_mu", "value"] == pytest.approx(140 / 60)
    assert d.loc["tax_per_mu", "previous"] == pytest.approx(2.5)
    assert d.loc["tax_per_mu", "change"] == pytest.approx(140 / 60 - 2.5)
    assert d.loc["output_10k_yuan", "value"] == 1300.0 and d.loc["output_10k_yuan", "previous"] == 1090.0
    assert d.loc["tax_10k_yuan", "previous"] == 100.0  # the full-year row's 999 is in no half


def _evaluation(firms, units, district, year, members=None):
    """A stand-in for analysis.score.Evaluation with the fields year_on_year reads."""
    return SimpleNamespace(firms=firms, units=units, district=district, spec=None,
                           members=members if members is not None else pd.DataFrame({"unit_pos": [], "uscc": []}),
                           config=SimpleNamespace(project=SimpleNamespace(year=year)))


def _document():
    # the half-year firms X and Y (no class: "unscored" both years) carry their land in both evaluations
    xy = pd.DataFrame({"name": ["X", "Y"], "land_mu": [10.0, 30.0]}, index=["X", "Y"])
    before = _evaluation(pd.concat([FIRMS_2024, xy]), UNITS_2024, {"tax_per_mu": 20.0, "supply_ratio": 0.6}, 2024)
    after = _evaluation(pd.concat([FIRMS_2025, xy]), UNITS_2025.iloc[:2], {"tax_per_mu": 22.0, "supply_ratio": 0.7}, 2025,
                        members=HALF_MEMBERS)  # U1, U2: the positions of the half-year members
    return to_json(year_on_year(before, after, half_rows=HALF_ROWS))


def test_json_document_shape_and_values():
    doc = json.loads(json.dumps(_document(), allow_nan=False))  # plain JSON: no NaN anywhere
    assert (doc["from"], doc["to"]) == (2024, 2025)
    tr = doc["transitions"]
    assert tr["matrix"]["A"]["B"] == 1 and tr["matrix"]["C"]["A"] == 1 and tr["matrix"]["A"]["A"] == 0
    assert tr["entered"] == 1 and tr["left"] == 1  # F3 entered, F4 left
    assert tr["matrix"]["unscored"]["unscored"] == 2  # X and Y
    assert tr["summary"]["up"] == 1 and tr["summary"]["down"] == 1
    assert tr["lists"]["A"]["B"] == [F1]
    firm = {f["uscc"]: f for f in doc["firms"]}
    assert firm[F1]["indicators"]["tax_per_mu"] == {"before": 40.0, "after": 30.0, "change": -10.0, "relative_change": -0.25}
    assert firm[F6]["indicators"]["tax_per_mu"]["after"] is None and firm[F6]["indicators"]["tax_per_mu"]["change"] is None
    units = {u["unit_id"]: u for u in doc["units"]}
    sr = units["U1"]["indicators"]["supply_ratio"]
    assert sr["direction"] == "up" and sr["better"] == "up" and sr["assessment"] == "improved"
    assert sr["change"] == pytest.approx(0.06)
    assert units["U9"]["present"] == "before"
    dist = doc["district"]["indicators"]["tax_per_mu"]
    assert dist["before"] == 20.0 and dist["after"] == 22.0 and dist["relative_change"] == pytest.approx(0.1)
    half = doc["half_year"]
    assert half["year"] == 2025 and half["previous_year"] == 2024
    u1 = next(u for u in half["units"] if u["unit_id"] == "U1")
    assert u1["half"] == 1 and u1["figures"]["tax_per_mu"]["value"] == pytest.approx(3.0)
    assert u1["figures"]["tax_per_mu"]["previous"] == pytest.approx(2.5)
    assert doc["settings"]["better"]["idle_ratio"] == "down"


def test_flat_band_from_the_later_years_config():
    """[year_on_year] flat_tolerance read from the later evaluation's config: U1's 20 → 20.1 亩均税收 (+0.5 %) is
    flat at the default 1 %, up at 0.1 %; an explicit argument wins over the config."""
    before = _evaluation(FIRMS_2024, UNITS_2024, {}, 2024)
    after = _evaluation(FIRMS_2025, UNITS_2025, {}, 2025)

    def u1_tax(yoy) -> str:
        return yoy.units.set_index(["unit_id", "indicator"]).loc[("U1", "tax_per_mu"), "direction"]

    assert u1_tax(year_on_year(before, after)) == "flat"
    after.config.year_on_year = SimpleNamespace(flat_tolerance=0.001, flat_points=0.005)
    assert u1_tax(year_on_year(before, after)) == "up"
    assert u1_tax(year_on_year(before, after, flat_tolerance=0.01)) == "flat"
    assert to_json(year_on_year(before, after))["settings"]["flat_tolerance"] == 0.001


def _cells(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def test_cli_text_chinese_aligned_no_codes():
    doc = _document()
    text = format_year_on_year(doc, "zh")
    assert "年度对比：2024 年 → 2025 年" in text
    for word in ("A类", "上年无", "本年无", "未评价", "向好", "变差", "上半年", "亩均税收", "供地率"):
        assert word in text, word
    for code in ("unscored", "absent", "tax_per_mu", "supply_ratio", "improved", "worsened", "None", "nan", "True"):
        assert code not in text, code
    lines = text.splitlines()
    start = lines.index(next(x for x in lines if x.startswith("企业分类变化")))
    matrix = lines[start + 1:start + 9]  # heading, six states, total
    assert len({_cells(x) for x in matrix}) == 1  # every row as wide: the columns line up
    assert matrix[1].split()[:3] == ["A类", "0", "1"]  # A→A 0, A→B 1
    assert "+6.0个百分点" in text  # U1's supply ratio, 60 % → 66 %
    english = format_year_on_year(doc, "en")
    assert "Class A" in english and "Not in before" in english and "pp" in english


def test_demo_previous_year_scaled(demo_inputs, demo_evaluation):
    """Last year faked from the demo: every firm's tax 0.8 × this year's. District and unit 亩均税收 then rose by
    exactly 1 ÷ 0.8 − 1 = 25 % (the land did not change); every firm is in both years."""
    from analysis.score import evaluate

    ent = demo_inputs.enterprises.copy()
    ent["tax_10k_yuan"] = pd.to_numeric(ent["tax_10k_yuan"], errors="coerce") * 0.8
    before = evaluate(dataclasses.replace(demo_inputs, enterprises=ent))
    yoy = year_on_year(before, demo_evaluation, year_from=2024, year_to=2025)
    n = len(demo_evaluation.firms)
    assert yoy.matrix.to_numpy().sum() == n and yoy.matrix.loc["absent"].sum() == 0 and yoy.matrix["absent"].sum() == 0
    d = yoy.district.set_index("indicator")
    assert d.loc["tax_per_mu", "relative_change"] == pytest.approx(0.25)
    assert d.loc["tax_per_mu", "assessment"] == "improved"
    assert d.loc["supply_ratio", "change"] == 0.0 and d.loc["supply_ratio", "direction"] == "flat"
    taxed = yoy.units[(yoy.units["indicator"] == "tax_per_mu") & yoy.units["before"].notna()]
    assert len(taxed) > 0
    assert np.allclose(taxed["relative_change"].to_numpy(dtype=float), 0.25)
    doc = to_json(yoy, digits=4)
    assert sum(sum(row.values()) for row in doc["transitions"]["matrix"].values()) == n
    assert "亩均税收" in format_year_on_year(doc)
