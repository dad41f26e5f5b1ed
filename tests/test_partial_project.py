"""A project with some layers missing still evaluates: what can be computed is, the rest is missing."""

from __future__ import annotations

import numpy as np
import shapely

from analysis.inputs import load_inputs
from analysis.score import evaluate
from layers.project import Project
from tests.demolayers import demo_layers


def test_units_and_firms_without_parcels(tmp_path):
    layers = demo_layers(3)
    project = Project.create(tmp_path / "p", crs="EPSG:4549")
    project.write_layers({"parks": layers["parks"], "enterprises": layers["enterprises"]}, issues=[])
    ev = evaluate(load_inputs(project))
    parks, firms = layers["parks"].to_crs(4549), layers["enterprises"].to_crs(4549)
    assert list(ev.units["unit_id"]) == list(parks["park_id"])
    assert ev.units["supply_ratio"].isna().all()  # no parcels: no land-supply figure, not zero
    assert (ev.units["low_efficiency_mu"].to_numpy(dtype=float) >= 0).all()
    # with no parcels every member is a member by its point: count firms inside each park independently
    points = firms.geometry.to_numpy()
    for pos, geom in enumerate(parks.geometry.to_numpy()):
        inside = int(np.count_nonzero(shapely.intersects(geom, points[~shapely.is_missing(points)])))
        assert int(ev.units["member_count"].iloc[pos]) == inside
