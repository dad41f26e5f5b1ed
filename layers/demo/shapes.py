"""Small polygon helpers of the demo: irregular outlines, the largest part, closing narrow gaps."""

from __future__ import annotations

import numpy as np
import shapely


def irregular_outline(centre: tuple[float, float], a: float, b: float, rng: np.random.Generator, n: int = 240,
                      wobble: float = 0.08) -> shapely.Polygon:
    """An irregular closed outline: an ellipse whose radius is modulated by a few low harmonics."""
    phi = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 25):
        r += wobble / (k - 1) ** 0.75 * rng.uniform(0.3, 1.0) * np.sin(k * phi + rng.uniform(0, 2 * np.pi))
    return shapely.Polygon(np.column_stack([centre[0] + a * r * np.cos(phi), centre[1] + b * r * np.sin(phi)]))


def largest_part(geom: shapely.Geometry) -> shapely.Geometry:
    """The part of largest area of a (multi-part) geometry."""
    parts = shapely.get_parts(geom)
    return parts[np.argmax(shapely.area(parts))]


def close_gaps(geoms: np.ndarray, gap: float) -> shapely.Geometry:
    """Union then close gaps narrower than `gap` (local roads between member blocks)."""
    return shapely.buffer(shapely.buffer(shapely.union_all(geoms), gap, join_style="mitre"), -gap,
                          join_style="mitre")
