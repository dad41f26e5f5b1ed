"""MCDA: AHP weights and consistency ratio, TOPSIS and the weighted sum, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.siting.mcda import ahp_weights, normalise_weights, rank_desc, topsis, weighted_sum


def test_ahp_textbook_three_by_three():
    # Saaty's classic 3x3 example: a12 = 3, a13 = 5, a23 = 3. For any 3x3 reciprocal matrix
    # λmax = 1 + t + 1/t with t = (a12·a23/a13)^(1/3), and the principal eigenvector equals the
    # normalised geometric means of the rows; textbook weights 0.637 / 0.258 / 0.105, CR ≈ 0.033.
    a = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    t = (3 * 3 / 5) ** (1 / 3)
    lam = 1 + t + 1 / t
    result = ahp_weights(a)
    assert result.lambda_max == pytest.approx(lam, abs=1e-9)
    assert result.consistency_index == pytest.approx((lam - 3) / 2, abs=1e-9)
    assert result.consistency_ratio == pytest.approx((lam - 3) / 2 / 0.58, abs=1e-9)
    assert result.consistency_ratio == pytest.approx(0.033, abs=0.0005)
    geo = np.array([15 ** (1 / 3), 1.0, (1 / 15) ** (1 / 3)])
    assert result.weights == pytest.approx(geo / geo.sum(), abs=1e-9)
    assert result.weights == pytest.approx([0.637, 0.258, 0.105], abs=0.001)
    assert result.acceptable


def test_ahp_consistent_matrix_recovers_weights_with_zero_cr():
    w = np.array([0.4, 0.3, 0.2, 0.1])
    a = w[:, None] / w[None, :]
    result = ahp_weights(a)
    assert result.weights == pytest.approx(w, abs=1e-12)
    assert result.lambda_max == pytest.approx(4.0, abs=1e-9)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)


def test_ahp_inconsistent_matrix_is_flagged_with_ri_of_its_size():
    # A prefers B strongly, B prefers C strongly, yet C prefers A strongly: a cycle.
    a = [[1, 9, 1 / 9, 1], [1 / 9, 1, 9, 1], [9, 1 / 9, 1, 1], [1, 1, 1, 1]]
    result = ahp_weights(a)
    # λmax by power iteration (independent of numpy's eigen solver)
    m = np.asarray(a, dtype=float)
    v = np.ones(4)
    for _ in range(500):
        v = m @ v
        v /= v.sum()
    lam = float((m @ v)[0] / v[0])
    assert result.lambda_max == pytest.approx(lam, rel=1e-6)
    assert result.consistency_ratio == pytest.approx((lam - 4) / 3 / 0.90, rel=1e-6)
    assert result.consistency_ratio > 0.1
    assert not result.acceptable


def test_ahp_refuses_bad_matrices():
    with pytest.raises(ValueError, match="reciprocal"):
        ahp_weights([[1, 3], [3, 1]])
    with pytest.raises(ValueError, match="square"):
        ahp_weights([[1, 2, 3], [0.5, 1, 2]])
    with pytest.raises(ValueError, match="positive"):
        ahp_weights([[1, -2], [-0.5, 1]])
    assert ahp_weights([[1, 4], [0.25, 1]]).weights == pytest.approx([0.8, 0.2])
    assert ahp_weights([[1, 4], [0.25, 1]]).consistency_ratio == 0.0  # a 2×2 reciprocal matrix is always consistent


def test_topsis_hand_computed_benefit_criteria():
    # Columns have norm 5, so vector-normalised rows are A1 (0.6, 0.8), A2 (0.8, 0.6), A3 (0, 0).
    # Weights 0.75/0.25: A1 (0.45, 0.2), A2 (0.6, 0.15), A3 (0, 0); ideal (0.6, 0.2), anti-ideal (0, 0).
    # A1: D+ = 0.15, D- = √0.2425 → 0.76652; A2: D+ = 0.05, D- = √0.3825 → 0.92520; A3: 0.
    m = np.array([[3.0, 4.0], [4.0, 3.0], [0.0, 0.0]])
    c = topsis(m, [0.75, 0.25])
    d1 = np.sqrt(0.2425)
    d2 = np.sqrt(0.3825)
    assert c == pytest.approx([d1 / (d1 + 0.15), d2 / (d2 + 0.05), 0.0], abs=1e-9)
    assert c == pytest.approx([0.76652, 0.92520, 0.0], abs=1e-5)


def test_topsis_hand_computed_cost_criterion():
    # Same matrix, second criterion a cost: ideal (0.6, 0), anti-ideal (0, 0.2).
    # A1: D+ = 0.25, D- = 0.45 → 0.642857; A2: D+ = 0.15, D- = √0.3625 → 0.80055; A3: D+ = 0.6, D- = 0.2 → 0.25.
    m = np.array([[3.0, 4.0], [4.0, 3.0], [0.0, 0.0]])
    c = topsis(m, [0.75, 0.25], [1, -1])
    d2 = np.sqrt(0.3625)
    assert c == pytest.approx([0.45 / 0.70, d2 / (d2 + 0.15), 0.25], abs=1e-9)


def test_topsis_on_normalised_matrix_and_degenerate_cases():
    # "none": the matrix is already on a 0-1 benefit scale; ideal (1, 1), anti-ideal (0, 0).
    m = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    c = topsis(m, [0.5, 0.5], normalisation="none")
    assert c == pytest.approx([0.5, 0.5, 1.0])
    assert topsis(np.array([[0.3, 0.4]]), [1, 1]) == pytest.approx([1.0])
    assert topsis(np.array([[0.3, 0.4], [0.3, 0.4]]), [1, 1]) == pytest.approx([1.0, 1.0])


def test_weighted_sum_and_ranks():
    m = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    assert weighted_sum(m, [3, 1]) == pytest.approx([0.75, 0.5, 0.25])
    assert normalise_weights([2, 2, 4]) == pytest.approx([0.25, 0.25, 0.5])
    with pytest.raises(ValueError):
        normalise_weights([0, 0])
    with pytest.raises(ValueError):
        normalise_weights([1, -1])
    assert rank_desc(np.array([0.2, 0.9, 0.5, 0.9])).tolist() == [4, 1, 3, 2]
