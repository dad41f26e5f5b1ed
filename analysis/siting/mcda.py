"""Multi-criteria ranking: transparent weighted sum, TOPSIS (pymcdm), AHP weights with consistency ratio.

The weighted sum is the headline (a bureau can audit every contribution); TOPSIS is offered as
an alternative ranking; AHP only derives weights from a pairwise matrix (Saaty 1980).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from spatial.errors import UsageError

__all__ = ["SAATY_RI", "AHPResult", "ahp_weights", "normalise_weights", "weighted_sum", "topsis", "rank_desc"]

# Saaty's random consistency index for n = 1..10 (docs/methods.md §8.2).
SAATY_RI = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)


def normalise_weights(weights: ArrayLike) -> np.ndarray:
    """Weights scaled to sum 1; negative or all-zero weights are refused."""
    w = np.asarray(weights, dtype=float)
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise UsageError(f"weights must be finite and ≥ 0, got {w.tolist()}")
    total = w.sum()
    if total <= 0:
        raise UsageError("at least one weight must be > 0")
    return w / total


def weighted_sum(matrix: np.ndarray, weights: ArrayLike) -> np.ndarray:
    """Σ_j w_j x_ij with weights scaled to sum 1 (matrix already normalised, benefit direction)."""
    m = np.asarray(matrix, dtype=float)
    return m @ normalise_weights(weights) if m.size else np.zeros(m.shape[0])


def topsis(matrix: np.ndarray, weights: ArrayLike, types: ArrayLike | None = None, *,
           normalisation: str = "vector") -> np.ndarray:
    """TOPSIS closeness (0–1, higher better) via pymcdm (Hwang & Yoon 1981).

    `normalisation`: "vector" (x / ‖column‖, the classic form), "minmax", or "none" for a matrix
    already normalised to benefit values in [0, 1]. `types`: +1 benefit, −1 cost (default all +1).
    A constant column carries no information and is left out (it would divide by zero); inputs are
    checked here, so pymcdm's slower validation is skipped.
    """
    from pymcdm import normalizations
    from pymcdm.methods import TOPSIS

    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or not np.isfinite(m).all():
        raise UsageError("TOPSIS needs a 2-D matrix of finite numbers")
    n_alt, n_crit = m.shape
    t = np.ones(n_crit, dtype=int) if types is None else np.asarray(types, dtype=int)
    w = normalise_weights(weights)
    if len(t) != n_crit or len(w) != n_crit or not np.isin(t, (1, -1)).all():
        raise UsageError(f"TOPSIS needs {n_crit} weights and {n_crit} types of +1/-1, got {len(w)} and {t.tolist()}")
    if n_alt == 0:
        return np.zeros(0)
    informative = np.ptp(m, axis=0) > 0
    if n_alt == 1 or not informative.any():
        return np.ones(n_alt)
    functions = {"vector": normalizations.vector_normalization,
                 "minmax": normalizations.minmax_normalization,
                 "none": lambda x, cost: (np.max(x) + np.min(x) - x) if cost else x}
    if normalisation not in functions:
        raise UsageError(f"unknown TOPSIS normalisation {normalisation!r}; use vector, minmax or none")
    method = TOPSIS(normalization_function=functions[normalisation])
    keep = informative & (w > 0)
    if not keep.any():
        return np.ones(n_alt)
    # pymcdm's own validation warns about dominated alternatives, which are normal among sites
    return np.asarray(method(m[:, keep], normalise_weights(w[keep]), t[keep], validation=False), dtype=float)


@dataclass(frozen=True)
class AHPResult:
    """Weights from a pairwise matrix: principal eigenvector, λmax, CI, CR and whether CR ≤ limit."""

    weights: np.ndarray
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    acceptable: bool


def ahp_weights(matrix: Sequence[Sequence[float]], *, cr_limit: float = 0.1) -> AHPResult:
    """Saaty's AHP: weights = principal right eigenvector, CI = (λmax − n)/(n − 1), CR = CI / RI(n).

    The matrix must be square, positive and reciprocal (a_ji = 1/a_ij, within 1 %); n ≤ 10
    (the RI table's extent). For n ≤ 2 the matrix is always consistent (CR = 0).
    """
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise UsageError(f"AHP matrix must be square, got shape {a.shape}")
    n = a.shape[0]
    if n > len(SAATY_RI):
        raise UsageError(f"AHP matrix has {n} criteria; the random index is tabulated up to {len(SAATY_RI)}")
    if np.any(~np.isfinite(a)) or np.any(a <= 0):
        raise UsageError("AHP matrix entries must be positive numbers")
    bad = np.argwhere(~np.isclose(a * a.T, 1.0, rtol=0.01))
    if len(bad):
        i, j = bad[0]
        raise UsageError(f"AHP matrix is not reciprocal: a[{i}][{j}] = {a[i, j]:g} but a[{j}][{i}] = {a[j, i]:g} "
                         f"(expected {1 / a[i, j]:g})")
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lam = float(values[k].real)
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    # λmax ≥ n for positive reciprocal matrices; clip the rounding error of consistent ones.
    ci = max((lam - n) / (n - 1), 0.0) if n > 2 else 0.0
    ri = SAATY_RI[n - 1]
    cr = ci / ri if ri > 0 else 0.0
    return AHPResult(w, lam, float(ci), float(cr), bool(cr <= cr_limit))


def rank_desc(scores: np.ndarray) -> np.ndarray:
    """1-based ranks, best (highest) score first; ties keep input order."""
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    ranks = np.empty(len(order), dtype=int)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks
