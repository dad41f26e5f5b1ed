"""The demo DEM: the terrain's elevation rasterised over the layers' extent."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from affine import Affine

from layers.demo.terrain import DEMO_CRS, build_terrain, elevation


def build_demo_dem(layers: dict[str, gpd.GeoDataFrame], seed: int = 20251231, resolution_m: float = 30.0
                   ) -> tuple[np.ndarray, Affine, str]:
    """Elevation (float32, metres) over the layers' extent plus 2 km, from the terrain of the same seed.

    A 2-10 m coastal plain with a lower river corridor, hills of 200-600 m in the south-west and sea
    at 0 m; smooth (Gaussian hills with fractal roughness) and identical for identical inputs.
    """
    t = build_terrain(seed)
    bounds = np.array([frame.total_bounds for frame in layers.values() if len(frame)])
    margin = 2000.0
    xmin = np.floor((bounds[:, 0].min() - margin) / resolution_m) * resolution_m
    ymin = np.floor((bounds[:, 1].min() - margin) / resolution_m) * resolution_m
    xmax = np.ceil((bounds[:, 2].max() + margin) / resolution_m) * resolution_m
    ymax = np.ceil((bounds[:, 3].max() + margin) / resolution_m) * resolution_m
    cols, rows = int(round((xmax - xmin) / resolution_m)), int(round((ymax - ymin) / resolution_m))
    x, y = np.meshgrid(xmin + (np.arange(cols) + 0.5) * resolution_m, ymax - (np.arange(rows) + 0.5) * resolution_m)
    u, v = t.to_local(x, y)
    height = elevation(t, u, v).astype(np.float32)
    return height, Affine(resolution_m, 0.0, xmin, 0.0, -resolution_m, ymax), DEMO_CRS
