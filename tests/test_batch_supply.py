"""Approval batches' supplied area (analysis.supply.batch_supply) on a hand-drawn fixture."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from analysis.supply import batch_supply
from spatial.area import MU_M2

CRS = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E: metres, scale ≈ 1 near the central meridian


def test_only_supplied_parcels_count_and_pieces_are_clipped_to_the_batch():
    x0, y0 = 500_000.0, 3_300_000.0
    approvals = gpd.GeoDataFrame(
        {"approval_id": ["PZ1", "PZ2"], "approved_date": ["2021-03-01", "2022-05-01"], "approved_area_mu": [np.nan, 90.0]},
        geometry=[shapely.box(x0, y0, x0 + 200, y0 + 100), shapely.box(x0 + 1000, y0, x0 + 1100, y0 + 100)], crs=CRS)
    parcels = gpd.GeoDataFrame(
        {"supply_status": ["supplied", "unsupplied", "built", "idle", "supplied"]},
        geometry=[shapely.box(x0, y0, x0 + 100, y0 + 100),          # whole in PZ1, supplied: 10,000 m²
                  shapely.box(x0 + 100, y0, x0 + 200, y0 + 100),    # in PZ1 but not supplied: 0
                  shapely.box(x0 + 150, y0 + 50, x0 + 250, y0 + 150),  # a quarter inside PZ1, built: 2,500 m²
                  shapely.box(x0 + 1050, y0, x0 + 1150, y0 + 100),  # half inside PZ2, idle: 5,000 m²
                  shapely.box(x0 + 5000, y0, x0 + 5100, y0 + 100)],  # outside every batch
        crs=CRS)
    parcels["_scale"] = 1.0  # planar m² taken as ellipsoidal for the hand figures
    table = batch_supply(approvals, parcels).set_index("approval_id")
    assert np.isclose(table.loc["PZ1", "supplied_mu"], 12_500 / MU_M2, rtol=1e-12)
    assert np.isclose(table.loc["PZ2", "supplied_mu"], 5_000 / MU_M2, rtol=1e-12)
    assert table.loc["PZ2", "approved_mu"] == 90.0  # the field wins over the drawn area
    assert np.isclose(table.loc["PZ2", "supply_ratio"], (5_000 / MU_M2) / 90.0, rtol=1e-12)
    assert table.loc["PZ1", "year"] == 2021


def test_no_supplied_parcel_gives_zero_supplied_not_missing():
    approvals = gpd.GeoDataFrame({"approval_id": ["PZ1"], "approved_date": ["2021-03-01"]},
                                 geometry=[shapely.box(0, 0, 100, 100)], crs=CRS)
    parcels = gpd.GeoDataFrame({"supply_status": ["unsupplied"]}, geometry=[shapely.box(0, 0, 50, 50)], crs=CRS)
    table = batch_supply(approvals, parcels)
    assert table["supplied_mu"].tolist() == [0.0] and table["supply_ratio"].tolist() == [0.0]
