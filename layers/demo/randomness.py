"""Seeded randomness of the demo: a generator per stage, smooth noise fields, weighted draws and dates."""

from __future__ import annotations

import zlib

import numpy as np
from scipy import ndimage


def stage_rng(seed: int, stage: str) -> np.random.Generator:
    """An independent generator per stage, so tuning one stage does not reshuffle the others."""
    return np.random.default_rng([seed, zlib.crc32(stage.encode())])


def lattice_noise(seed: int, u: np.ndarray, v: np.ndarray, spacing: float) -> np.ndarray:
    """Smooth unit-variance noise defined in metres (cubic interpolation of a seeded lattice)."""
    half = 30000.0
    n = int(2 * half / spacing) + 4
    grid = stage_rng(seed, f"noise{spacing:.0f}").standard_normal((n, n))
    return ndimage.map_coordinates(grid, [(v + half) / spacing, (u + half) / spacing], order=3, mode="nearest")


def fractal(seed: int, u: np.ndarray, v: np.ndarray, base: float, octaves: int) -> np.ndarray:
    """Sum of lattice noise octaves (each half the spacing and amplitude): natural-looking roughness."""
    out = np.zeros(np.shape(u))
    for k in range(octaves):
        out += 0.5**k * lattice_noise(seed, u, v, base / 2**k)
    return out


def draw(rng: np.random.Generator, table: dict[str, float], n: int) -> np.ndarray:
    """`n` keys of `table` drawn with probabilities proportional to its values."""
    keys = list(table)
    p = np.array([table[k] for k in keys])
    return np.array(keys, dtype=object)[rng.choice(len(keys), n, p=p / p.sum())]


def random_dates(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    """`n` uniform days (datetime64[D]) from `start` to `end` inclusive."""
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    return lo + rng.integers(0, int((hi - lo).astype(int)) + 1, n).astype("timedelta64[D]")
