"""Re-scoring units with edited composite weights (analysis.rescore), against hand-computed numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.composite import CompositeSpec
from analysis.rescore import check_weights, rescore, rescored, weights_changed
from layers.problems import InputError

SPEC = CompositeSpec(indicators=("a", "b"), weights=(0.5, 0.5), directions=("benefit", "benefit"),
                     normalisations=("ratio", "ratio"), cap=2.0, grade_thresholds=(80.0, 65.0, 50.0), step=0.10)
# Four units of kind p (U3 has no value for b), one of kind q, and two of kind r tied under equal weights.
NORM = pd.DataFrame({"a": [1.0, 0.4, 0.7, 0.1, 1.0, 0.0], "b": [0.2, 0.6, np.nan, 0.1, 0.0, 1.0]},
                    index=["U1", "U2", "U3", "U4", "U5", "U6"])
KINDS = pd.Series(["p", "p", "p", "q", "r", "r"], index=NORM.index)


def test_default_weights_hand_computed():
    out = rescore(NORM, KINDS, SPEC, (0.5, 0.5))
    # U1: 100 × (0.5·1.0 + 0.5·0.2) ÷ 1 = 60; U2: 100 × (0.2 + 0.3) = 50; U3: b missing → 100 × 0.5·0.7 ÷ 0.5 = 70
    # U4: 10; U5 and U6: 50 each (a tie: both rank 1).
    assert out["score"].tolist() == pytest.approx([60.0, 50.0, 70.0, 10.0, 50.0, 50.0])
    assert out["rank"].tolist() == [2, 3, 1, 1, 1, 1]
    assert out["grade"].tolist() == ["C", "C", "B", "D", "C", "C"]


def test_edited_weights_reorder_ranks_as_computed_by_hand():
    out = rescore(NORM, KINDS, SPEC, (0.2, 0.8))
    # U1: 100 × (0.2·1.0 + 0.8·0.2) = 36; U2: 100 × (0.2·0.4 + 0.8·0.6) = 56; U3 still 70 (only a counts).
    assert out.loc[["U1", "U2", "U3"], "score"].tolist() == pytest.approx([36.0, 56.0, 70.0])
    assert out.loc[["U1", "U2", "U3"], "rank"].tolist() == [3, 2, 1]
    assert out.loc[["U1", "U2", "U3"], "grade"].tolist() == ["D", "C", "B"]
    # Weights count in proportion: (2, 8) gives the same scores as (0.2, 0.8).
    assert rescore(NORM, KINDS, SPEC, (2, 8))["score"].tolist() == pytest.approx(out["score"].tolist())


def test_sensitivity_range_hand_computed():
    out = rescore(NORM, KINDS, SPEC, (0.5, 0.5))
    # U5 (a=1, b=0) and U6 (a=0, b=1) tie at 50. a's weight +10 %: U5 = 55/1.05 ≈ 52.4 beats U6 ≈ 47.6;
    # −10 %: U5 ≈ 47.4 loses to U6 ≈ 52.6; so each ranks 1 or 2.
    assert out.loc[["U5", "U6"], "rank_best"].tolist() == [1, 1]
    assert out.loc[["U5", "U6"], "rank_worst"].tolist() == [2, 2]
    # Kind p is far apart under every ±10 % move: the range is the rank itself.
    assert out.loc[["U1", "U2", "U3"], "rank_best"].tolist() == [2, 3, 1]
    assert out.loc[["U1", "U2", "U3"], "rank_worst"].tolist() == [2, 3, 1]


def test_a_weight_of_zero_leaves_the_indicator_out():
    out = rescore(NORM, KINDS, SPEC, (1.0, 0.0))
    assert out.loc["U1", "score"] == pytest.approx(100.0)
    assert out.loc["U2", "score"] == pytest.approx(40.0)
    # A unit whose only indicator with data has weight 0 has no score, hence no grade:
    only_b = rescore(pd.DataFrame({"a": [np.nan], "b": [0.5]}), pd.Series(["p"]), SPEC, (1.0, 0.0))
    assert math.isnan(only_b["score"].iloc[0])
    assert only_b["grade"].iloc[0] is None


@pytest.mark.parametrize("weights, message", [
    ((0.5,), "1 weights given for 2 indicators"),
    ((0.5, -0.1), "not so for b"),
    ((0.0, 0.0), "at least one weight must be > 0"),
    ((float("nan"), 1.0), "not so for a"),
    (("x", 1.0), "weights must be numbers"),
])
def test_bad_weights_are_refused_with_a_clear_message(weights, message):
    with pytest.raises(InputError, match=message):
        check_weights(SPEC, weights)


def test_weights_changed():
    assert not weights_changed(SPEC, [0.5, 0.5])
    assert weights_changed(SPEC, [0.5, 0.6])
    assert weights_changed(SPEC, [0.5])


def test_rescored_evaluation_equals_a_fresh_evaluation_with_those_weights(demo_inputs, demo_evaluation):
    from analysis.score import evaluate

    inputs, ev = demo_inputs, demo_evaluation
    weights = [0.05, 0.05, 0.30, 0.10, 0.30, 0.10, 0.10]
    before = ev.units.copy()
    new = rescored(ev, weights)
    fresh = evaluate(inputs, weights=weights)
    assert new.spec.weights == pytest.approx(weights)
    assert new.units["score"].to_numpy() == pytest.approx(fresh.units["score"].to_numpy())
    for column in ("rank", "grade", "rank_best", "rank_worst"):
        assert new.units[column].tolist() == fresh.units[column].tolist(), column
    assert (new.units["rank"] != ev.units["rank"]).any()  # these weights do move ranks in the demo
    pd.testing.assert_frame_equal(ev.units, before)  # the cached evaluation is left as it was
    assert rescored(ev, list(ev.spec.weights)) is ev


def test_unit_composite_follows_the_rescored_units(demo_evaluation):
    from analysis.rescore import unit_composite

    ev = demo_evaluation
    weights = [0.05, 0.05, 0.30, 0.10, 0.30, 0.10, 0.10]
    new = rescored(ev, weights)
    row = new.units[new.units["unit_id"] == "YQ02"].iloc[0]
    part = unit_composite(new, "YQ02")
    assert part["score"] == pytest.approx(row["score"])
    assert (part["rank"], part["grade"]) == (row["rank"], row["grade"])
    assert part["rank_range_weights_pm"] == [row["rank_best"], row["rank_worst"]]
    assert [b["weight"] for b in part["breakdown"]] == pytest.approx(weights)
    assert sum(b["contribution"] for b in part["breakdown"]) == pytest.approx(row["score"])
