"""Composite score: normalisation, weighted sum, ranks, grades, sensitivity — by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.composite import CompositeSpec, grades, normalise, ranks, scores, sensitivity
from layers.problems import InputError

SPEC = CompositeSpec(indicators=("tax_per_mu", "supply_ratio", "idle_ratio"), weights=(0.5, 0.3, 0.2),
                     directions=("benefit", "benefit", "cost"), normalisations=("benchmark", "ratio", "ratio"),
                     cap=2.0, grade_thresholds=(80.0, 65.0, 50.0), step=0.10)


def table():
    return pd.DataFrame({"tax_per_mu": [40.0, 20.0, 100.0, np.nan], "supply_ratio": [0.8, 0.5, 1.0, 0.6],
                         "idle_ratio": [0.1, 0.0, 0.3, 0.2]})


def test_hand_computed_scores():
    kinds = pd.Series(["parks"] * 4)
    norm = normalise(table(), kinds, {"tax_per_mu": 20.0}, SPEC)
    # tax: 40/20 = 2 → capped 2 → 2/2 = 1; 20/20 = 1 → 0.5; 100/20 = 5 → cap → 1
    assert norm["tax_per_mu"].tolist()[:3] == pytest.approx([1.0, 0.5, 1.0])
    assert norm["idle_ratio"].tolist() == pytest.approx([0.9, 1.0, 0.7, 0.8])
    s = scores(norm, SPEC.weights)
    assert s[0] == pytest.approx(100 * (0.5 * 1 + 0.3 * 0.8 + 0.2 * 0.9))   # 92
    assert s[1] == pytest.approx(100 * (0.5 * 0.5 + 0.3 * 0.5 + 0.2 * 1.0))  # 60
    assert s[2] == pytest.approx(100 * (0.5 * 1 + 0.3 * 1.0 + 0.2 * 0.7))   # 94
    # the 4th unit has no tax: its weight is left out and the rest rescaled: (0.3*0.6 + 0.2*0.8) / 0.5
    assert s[3] == pytest.approx(100 * (0.3 * 0.6 + 0.2 * 0.8) / 0.5)      # 68
    assert ranks(s, kinds).tolist() == [2, 4, 1, 3]
    assert grades(s, SPEC.grade_thresholds).tolist() == ["A", "C", "A", "B"]


def test_grade_boundaries_are_inclusive():
    assert grades(pd.Series([80.0, 79.999, 65.0, 50.0, 49.9]), (80, 65, 50)).tolist() == ["A", "B", "B", "C", "D"]


def test_ranks_are_per_kind_and_ties_share_the_better_rank():
    s = pd.Series([50.0, 50.0, 10.0, 90.0])
    k = pd.Series(["parks", "parks", "parks", "micro_parks"])
    assert ranks(s, k).tolist() == [1, 1, 3, 1]


def test_sensitivity_range_contains_base_rank_and_detects_a_swap():
    # two units whose order flips when tax weight drops 10 %: A strong on tax, B on supply
    t = pd.DataFrame({"tax_per_mu": [40.0, 30.0], "supply_ratio": [0.50, 0.86], "idle_ratio": [0.0, 0.0]})
    kinds = pd.Series(["parks", "parks"])
    norm = normalise(t, kinds, {"tax_per_mu": 20.0}, SPEC)
    base = scores(norm, SPEC.weights)
    # by hand: A = 0.5*1 + 0.3*0.5 + 0.2 = 0.85; B = 0.5*0.75 + 0.3*0.86 + 0.2 = 0.833 → A first
    assert base[0] > base[1]
    sens = sensitivity(norm, kinds, SPEC)
    # tax weight 0.45: A = (0.45 + 0.15 + 0.2)/0.95 = 0.8421, B = (0.3375 + 0.258 + 0.2)/0.95 = 0.8374 → A still first;
    # supply weight 0.33: A = (0.5 + 0.165 + 0.2)/1.03 = 0.8398, B = (0.375 + 0.2838 + 0.2)/1.03 = 0.8338 → A first
    assert sens["rank_best"].tolist() == [1, 2] and sens["rank_worst"].tolist() == [1, 2]
    t.loc[1, "supply_ratio"] = 0.92  # B = 0.375+0.276+0.2 = 0.851 > 0.85: base flips; ±10 % moves it back
    norm = normalise(t, kinds, {"tax_per_mu": 20.0}, SPEC)
    sens = sensitivity(norm, kinds, SPEC)
    assert sens["rank_best"].tolist() == [1, 1] and sens["rank_worst"].tolist() == [2, 2]


def test_config_errors_name_the_key():
    with pytest.raises(InputError, match="composite.weights"):
        CompositeSpec.from_config({"composite": {"indicators": ["tax_per_mu", "supply_ratio"], "weights": [1],
                                                 "directions": ["benefit", "benefit"], "normalisations": ["ratio", "ratio"]}})
    with pytest.raises(InputError, match="composite.indicators"):
        CompositeSpec.from_config({"composite": {"indicators": ["a", "b"], "weights": [1, 1],
                                                 "directions": ["benefit", "benefit"], "normalisations": ["ratio", "ratio"]}})


def test_benchmark_indicator_without_a_district_figure_is_missing_not_an_error():
    """A project with no enterprises has no district 亩均税收: that indicator is NaN for every unit."""
    import numpy as np
    import pandas as pd

    from analysis.composite import CompositeSpec, normalise
    from layers.config import default_config

    spec = CompositeSpec.from_config(default_config())
    bench_names = [n for n, m in zip(spec.indicators, spec.normalisations) if m == "benchmark"]
    values = pd.DataFrame({name: [1.0, 2.0] for name in spec.indicators})
    norm = normalise(values, pd.Series(["parks", "parks"]), {name: None for name in bench_names}, spec)
    assert bench_names and all(norm[name].isna().all() for name in bench_names)
    others = [n for n in spec.indicators if n not in bench_names]
    assert all(np.isfinite(norm[n]).all() for n in others)
