"""The browsable firm table (analysis.firm_table) and the enterprise method tables
(analysis.enterprise_method), against small hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.enterprise_method import class_rule, indicator_table, settings_rows
from analysis.firm_table import class_counts, class_floors, filter_firms, firm_table, score_histogram


@pytest.fixture
def table():
    firms = pd.DataFrame({
        "name": ["宁波甲模具有限公司", "宁波乙塑胶有限公司", "宁波丙模具有限公司", "宁波丁电子有限公司", "宁波戊有限公司",
                 "己厂"],
        "group": ["above", "above", "below", "below", "below", None],
        "score": [120.0, 80.0, 60.0, 40.0, np.nan, np.nan],
        "class": ["A", "B", "A", "D", None, None],
        "scored": [True, True, True, True, False, False],
        "reason_not_scored": [None, None, None, None, "实缴税金缺失 (tax missing)", "规上/规下未知 (above_scale missing)"],
    }, index=pd.Index(["913302AAA", "913302BBB", "913302CCC", "913302DDD", "913302EEE", "913302FFF"], name="uscc"))
    # The enterprise layer writes codes in lower case with spaces; the evaluation matches them stripped, upper-cased.
    layer = pd.DataFrame({"uscc": [" 913302aaa", "913302BBB ", "913302CCC", "913302EEE", None],
                          "industry": ["模具", "塑料制品", "模具", "电子", "其他"]})
    return firm_table(firms, layer)


def test_firm_table_joins_industry_on_the_normalised_credit_code(table):
    assert table["uscc"].tolist()[:2] == ["913302AAA", "913302BBB"]
    assert table["industry"].tolist() == ["模具", "塑料制品", "模具", None, "电子", None]


@pytest.mark.parametrize("filters, expected", [
    ({}, ["913302AAA", "913302BBB", "913302CCC", "913302DDD", "913302EEE", "913302FFF"]),
    ({"groups": ["above"]}, ["913302AAA", "913302BBB"]),
    ({"classes": ["A"]}, ["913302AAA", "913302CCC"]),
    ({"groups": ["below"], "classes": ["A", "D"]}, ["913302CCC", "913302DDD"]),
    ({"industries": ["模具"]}, ["913302AAA", "913302CCC"]),
    ({"text": "模具"}, ["913302AAA", "913302CCC"]),
    ({"text": "ccc"}, ["913302CCC"]),          # credit code, any case
    ({"text": "  丁电子 "}, ["913302DDD"]),     # surrounding spaces ignored
    ({"text": "(tax"}, []),                     # literal text, not a regex; reasons are not searched
    ({"unscored_only": True}, ["913302EEE", "913302FFF"]),
    ({"unscored_only": True, "groups": ["below"]}, ["913302EEE"]),
    ({"groups": [], "classes": None}, ["913302AAA", "913302BBB", "913302CCC", "913302DDD", "913302EEE", "913302FFF"]),
])
def test_filter_firms(table, filters, expected):
    assert filter_firms(table, **filters)["uscc"].tolist() == expected


def test_class_counts(table):
    counts = class_counts(table)
    assert counts.index.tolist() == ["above", "below", "unknown"]
    assert counts.columns.tolist() == ["A", "B", "C", "D", "unscored", "total"]
    assert counts.loc["above"].tolist() == [1, 1, 0, 0, 0, 2]
    assert counts.loc["below"].tolist() == [1, 0, 0, 1, 1, 3]
    assert counts.loc["unknown"].tolist() == [0, 0, 0, 0, 1, 1]


def test_score_histogram_bins_and_clipping():
    t = pd.DataFrame({"group": ["above"] * 5 + ["below"], "score": [0.0, 10.0, 20.0, 30.0, 100.0, 5.0],
                      "scored": [True] * 6})
    full = score_histogram(t, bins=3)
    above = full[full["group"] == "above"]
    # Edges 0, 33.3, 66.7, 100: 0, 10, 20, 30 in the first bin, 100 in the last.
    assert above["start"].tolist() == pytest.approx([0.0, 100 / 3, 200 / 3])
    assert above["count"].tolist() == [4, 0, 1]
    assert above["clipped"].iloc[0] == 0
    clipped = score_histogram(t, bins=3, clip_quantile=0.75)
    above = clipped[clipped["group"] == "above"]
    # The 75 % quantile of (0, 10, 20, 30, 100) is 30: edges 0, 10, 20, 30; 100 is counted in the last bin.
    assert above["end"].tolist() == pytest.approx([10.0, 20.0, 30.0])
    assert above["count"].tolist() == [1, 1, 3]
    assert above["clipped"].iloc[0] == 1
    below = clipped[clipped["group"] == "below"]
    assert below["count"].sum() == 1


def test_class_floors(table):
    floors = class_floors(table).set_index(["group", "class"])["score"]
    assert floors.to_dict() == {("above", "A"): 120.0, ("above", "B"): 80.0, ("below", "A"): 60.0, ("below", "D"): 40.0}


def test_indicator_table_from_the_default_config():
    from layers.config import default_config

    ent = default_config().enterprise
    applied = {"above": {"tax_per_mu": 24.097, "value_added_per_mu": 136.16}}
    above = indicator_table(ent, applied, "above").set_index("indicator")
    # [enterprise.above_scale]: weights 30, 20, 20, 10, 10, 10 (sum 100), 黄岩 2022 benchmarks.
    assert above.loc["tax_per_mu", "weight"] == 30
    assert above.loc["tax_per_mu", "weight_share"] == pytest.approx(0.30)
    assert above.loc["rd_ratio", "weight_share"] == pytest.approx(0.10)
    assert above.loc["value_added_per_mu", "benchmark_config"] == pytest.approx(136.16)
    assert above.loc["tax_per_mu", "benchmark_applied"] == pytest.approx(24.097)
    assert np.isnan(above.loc["rd_ratio", "benchmark_applied"])  # not in `applied`
    assert above.loc["value_added_per_emission", "missing_rule"] == "group_mean_score"
    assert above.loc["tax_per_mu", "missing_rule"] == "zero"
    assert above.loc["tax_per_mu", "label"] == "亩均税收"
    below = indicator_table(ent, applied, "below")
    assert below["indicator"].tolist() == ["tax_per_mu", "tax_per_kwh"]
    assert below["weight_share"].tolist() == pytest.approx([0.5, 0.5])


def test_indicator_table_shows_the_listed_benchmarks_in_mean_mode():
    from layers.config import config_from_dict

    ent = config_from_dict({"enterprise": {"benchmark_mode": "mean"}}).enterprise
    assert ent.above_scale.benchmarks is None  # not used by the evaluation in this mode
    above = indicator_table(ent, {}, "above").set_index("indicator")
    assert above.loc["tax_per_mu", "benchmark_config"] == pytest.approx(24.097)  # still shown as configured


def test_class_rule_and_settings_rows():
    from layers.config import enterprise_settings

    ent = enterprise_settings({"benchmark_mode": "k_mean", "k": 2.0,
                               "classes": {"method": "score", "percentile_cuts": [0.2, 0.6, 0.95],
                                           "score_thresholds": [120.0, 90.0, 60.0], "new_firm_years": 2,
                                           "listed_as_t": True}})
    assert class_rule(ent) == {"method": "score", "thresholds": (120.0, 90.0, 60.0), "new_firm_years": 2,
                               "listed_as_t": True}
    rows = settings_rows(ent).set_index("key")["value"].to_dict()
    assert rows["benchmark_mode"] == "k_mean" and rows["k"] == "2"
    assert rows["classes.score_thresholds"] == "120, 90, 60"
    assert "classes.percentile_cuts" not in rows  # the other method's rule is not in use
