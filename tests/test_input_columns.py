"""load_inputs reads only the columns an analysis needs (analysis/inputs.py INPUT_COLUMNS, EVALUATE_COLUMNS), and the
evaluation is the same as from an all-columns read with the cache off (the expectation)."""

from __future__ import annotations

import json

import pytest
from pandas.testing import assert_frame_equal

from analysis.inputs import ALL_COLUMNS, EVALUATE_COLUMNS, load_inputs
from analysis.score import evaluate, to_json
from layers.project import Project


@pytest.fixture(scope="module")
def all_columns_evaluation(demo_project):
    """The demo evaluated from every column of every layer, read straight from project.gpkg."""
    return evaluate(load_inputs(demo_project, columns=ALL_COLUMNS, cache=False))


def spy_reads(monkeypatch) -> dict[str, list[str]]:
    """Record, per table read, the columns of the frame Project.read_layer returned."""
    seen: dict[str, list[str]] = {}
    real = Project.read_layer

    def spy(self, kind, **kw):
        frame = real(self, kind, **kw)
        seen[kind] = [str(c) for c in frame.columns]
        return frame

    monkeypatch.setattr(Project, "read_layer", spy)
    return seen


def same_document(a, b) -> None:
    """The two evaluations' `score --json` documents agree, the time they were made aside."""
    da, db = (json.loads(json.dumps(to_json(e), default=str)) for e in (a, b))
    for doc in (da, db):
        doc["meta"].pop("generated_at", None)
    assert da == db


def assert_same_evaluation(a, b) -> None:
    """Unit table, firm table, members, parcel flags, district figures and the JSON document all agree."""
    assert_frame_equal(a.units, b.units, check_exact=True)
    assert_frame_equal(a.firms, b.firms, check_exact=True)
    assert_frame_equal(a.members, b.members, check_exact=True)
    assert_frame_equal(a.parcel_flags, b.parcel_flags, check_exact=True)
    assert a.district == b.district
    same_document(a, b)


def test_unit_layers_are_read_narrowed_and_the_evaluation_is_unchanged(demo_project, all_columns_evaluation,
                                                                        monkeypatch):
    seen = spy_reads(monkeypatch)
    inputs = load_inputs(demo_project)
    seen = dict(seen)  # what load_inputs read (the reads below are recorded too)
    # parks hold kind, approved_area_mu, approval_date and zone_code, which no analysis of `inputs` reads
    assert seen["parks"] == ["park_id", "name", "level", "leading_industries", "geometry"]
    assert seen["micro_parks"] == ["park_id", "name", "leading_industries", "geometry"]
    assert "status" not in seen["future_communities"]
    full = demo_project.read_layer("parks")
    assert {"zone_code", "approved_area_mu", "kind"} <= set(full.columns)
    # parcels and firms stay whole: exports, the 标准地 review and method files read any of their fields
    assert "committed_tax_per_mu" in inputs.parcels and "fixed_investment_10k_yuan" in inputs.enterprises
    assert_same_evaluation(evaluate(inputs), all_columns_evaluation)


def test_evaluate_columns_are_enough_for_evaluate(demo_project, all_columns_evaluation, monkeypatch):
    seen = spy_reads(monkeypatch)
    inputs = load_inputs(demo_project, columns=EVALUATE_COLUMNS)
    seen = dict(seen)  # what load_inputs read (the reads below are recorded too)
    dropped = {"committed_tax_per_mu", "committed_far_min", "production_due_date", "standard_land", "supply_type",
               "lease_end_date"}
    assert dropped <= set(demo_project.read_layer("parcels").columns)  # the demo holds them …
    assert not dropped & set(seen["parcels"])  # … and they were not read
    assert len(seen["parcels"]) < len(demo_project.read_layer("parcels").columns)
    assert_same_evaluation(evaluate(inputs), all_columns_evaluation)


def test_default_inputs_equal_an_all_columns_read_where_they_are_kept(demo_project):
    """Parcels, firms and approvals of the default read (cache on) are the all-columns read, column for column."""
    default = load_inputs(demo_project)
    everything = load_inputs(demo_project, columns=ALL_COLUMNS, cache=False)
    for name in ("parcels", "enterprises", "approvals"):
        assert_frame_equal(getattr(default, name), getattr(everything, name), check_exact=True)
    assert_frame_equal(default.units, everything.units, check_exact=True)
