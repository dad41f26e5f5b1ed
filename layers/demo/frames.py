"""Turning the demo's arrays into layer frames: areas in 亩, ISO dates, GeoDataFrames in DEMO_CRS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Proj

from layers.demo.terrain import DEMO_CRS
from spatial.area import MU_M2


def scaled_area_mu(geoms: np.ndarray) -> np.ndarray:
    """Ellipsoidal area in 亩 of DEMO_CRS polygons: planar area over the projection's areal scale."""
    proj = Proj(DEMO_CRS)
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    lon, lat = proj(xy[:, 0], xy[:, 1], inverse=True)
    return shapely.area(geoms) / np.asarray(proj.get_factors(lon, lat).areal_scale) / MU_M2


def iso_dates(dates: np.ndarray) -> list[str | None]:
    """Dates as YYYY-MM-DD text, None for NaT (the layers store dates as ISO text)."""
    text = np.datetime_as_string(dates.astype("datetime64[D]"), unit="D")
    return [None if s == "NaT" else s for s in text]


def layer_frame(records: dict, geoms: np.ndarray) -> gpd.GeoDataFrame:
    """A layer of `records` on DEMO_CRS geometries."""
    return gpd.GeoDataFrame(records, geometry=gpd.GeoSeries(geoms), crs=DEMO_CRS)
