"""Parity of the three ways to score (issue 17, item 5): the `landpark score --json` document of a project folder,
of the same project copied into a PostGIS schema (tests/pgcluster.py's private cluster) and of the folder scored
with the parcel overlay on a dask LocalCluster of 2 workers must agree, every number to 1e-9 relative.

Two projects: the demo district and a generated city (benchmarks/synthetic.py, 4,000 parcels). The reference is
the folder run through the CLI; the other two runs are compared with it key by key, and the city's document is
also held to the generator's own counts (parcels, units) so an empty or truncated document cannot pass.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.pgcluster import pg_cluster  # noqa: F401  (the session fixture)

CITY_PARCELS = 4000
REL_TOL = 1e-9
IGNORED_KEYS = {"generated_at"}  # the time of writing differs from run to run


def _differences(a: object, b: object, path: str = "$") -> list[str]:
    """Every place where JSON documents `a` and `b` differ: keys and order, lengths, text, and numbers beyond
    REL_TOL relative (integers exactly; NaN matches NaN). Returns the paths, with both values, for the message."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))} differ or are in another order"]
        return [d for key in a if key not in IGNORED_KEYS for d in _differences(a[key], b[key], f"{path}.{key}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items against {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{path}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        if type(a) is not type(b):  # 3 against 3.0: a column read back with another type
            return [f"{path}: {a!r} against {b!r}"]
        x, y = float(a), float(b)
        if math.isnan(x) and math.isnan(y):
            return []
        if math.isclose(x, y, rel_tol=REL_TOL, abs_tol=0.0):
            return []
        return [f"{path}: {a!r} against {b!r}"]
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} against {b!r}"]


def _score_json(target: str, *extra: str) -> dict:
    """The document `landpark score TARGET --json [extra]` prints, run in this process through the CLI."""
    from cli import app

    result = CliRunner().invoke(app, ["score", target, "--json", *extra], catch_exceptions=False)
    assert result.exit_code == 0, f"score {target} {extra} exited {result.exit_code}: {result.stderr[-2000:]}"
    return json.loads(result.stdout)


def _assert_same(reference: dict, other: dict, what: str) -> None:
    """`other` equals `reference` to REL_TOL; the message lists the first differences."""
    found = _differences(reference, other)
    assert not found, f"{what}: {len(found)} difference(s), first: " + "; ".join(found[:8])


@pytest.fixture(scope="module")
def city_folder(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """A generated 4,000-parcel city written as a project folder, with the generator's layer sizes."""
    from benchmarks.overlay_bench import write_project
    from benchmarks.synthetic import make_city

    city = make_city(CITY_PARCELS, seed=3)
    root = tmp_path_factory.mktemp("city") / "city"
    write_project(city, root)
    return root, {kind: len(frame) for kind, frame in city.items()}


@pytest.fixture(scope="module")
def dask_ready() -> None:
    """Skip (a failure under LANDPARK_REQUIRE_ALL=1) when dask, distributed or dask-geopandas is missing."""
    from analysis.partitioned import dask_available

    if not dask_available():
        pytest.skip("dask, distributed or dask-geopandas is not installed (pip install 'landpark[dask]')")


def test_comparison_catches_what_it_must():
    """The comparison itself: a 2e-9 relative change, a flipped flag, a missing unit and reordered keys are
    all reported; a 5e-10 change, NaN against NaN and a different generated_at are not."""
    base = {"meta": {"generated_at": "2026-01-01T00:00:00Z"}, "units": [{"a": 1.0, "ok": True, "n": 3, "x": float("nan")}]}
    same = {"meta": {"generated_at": "2027-05-05T10:00:00Z"},
            "units": [{"a": 1.0 + 5e-10, "ok": True, "n": 3, "x": float("nan")}]}
    assert _differences(base, same) == []
    assert _differences(base, {**same, "units": [{**same["units"][0], "a": 1.0 + 2e-9}]}) == \
        [f"$.units[0].a: 1.0 against {1.0 + 2e-9!r}"]
    assert len(_differences(base, {**same, "units": [{**same["units"][0], "ok": False}]})) == 1
    assert len(_differences(base, {**same, "units": [{**same["units"][0], "n": 3.0}]})) == 1  # int against float
    assert _differences(base, {**same, "units": []}) == ["$.units: 1 items against 0"]
    assert len(_differences(base, {"units": same["units"], "meta": same["meta"]})) == 1


def _three_documents(folder: Path, schema: str, cluster) -> tuple[dict, dict, dict]:
    """The folder's document, the document of its copy in `schema` (copied with copy_project), and the folder's
    document with the overlay on 2 dask workers."""
    from layers.project_copy import copy_project

    reference = _score_json(str(folder))
    url = cluster.url(schema)
    copy_project(folder, url)
    from_postgis = _score_json(url)
    on_dask = _score_json(str(folder), "--workers", "2")
    return reference, from_postgis, on_dask


def test_demo_folder_postgis_and_dask_agree(pg_cluster, dask_ready, demo_project):  # noqa: F811
    reference, from_postgis, on_dask = _three_documents(demo_project.root, "parity_demo", pg_cluster)
    assert len(reference["units"]) > 40 and len(reference["enterprises"]) > 1000  # the demo is scored, not empty
    assert reference["links"]["counts"]["parcels"] == len(demo_project.read_layer("parcels", columns=["parcel_id"]))
    _assert_same(reference, from_postgis, "demo from PostGIS")
    _assert_same(reference, on_dask, "demo on 2 dask workers")


def test_generated_city_folder_postgis_and_dask_agree(pg_cluster, dask_ready, city_folder):  # noqa: F811
    folder, sizes = city_folder
    reference, from_postgis, on_dask = _three_documents(folder, "parity_city", pg_cluster)
    unit_layers = ("protection_lines", "parks", "micro_parks", "future_communities")
    assert reference["links"]["counts"]["parcels"] == sizes["parcels"] >= CITY_PARCELS
    assert len(reference["units"]) == sum(sizes.get(kind, 0) for kind in unit_layers) > 0
    assert sum(u["score"] is not None for u in reference["units"]) > 0  # some units are scored, so scores are compared
    _assert_same(reference, from_postgis, "city from PostGIS")
    _assert_same(reference, on_dask, "city on 2 dask workers")


def test_generated_city_on_a_scheduler_reached_by_its_address(dask_ready, city_folder):
    """`score --scheduler ADDRESS`: a running cluster (2 worker processes on 127.0.0.1) reached by its address, as a
    bureau's shared cluster would be, gives the folder's document."""
    from distributed import LocalCluster

    folder, _sizes = city_folder
    reference = _score_json(str(folder))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        remote = _score_json(str(folder), "--scheduler", cluster.scheduler_address)
    assert sum(u["score"] is not None for u in reference["units"]) > 0
    _assert_same(reference, remote, "city on a scheduler reached by address")
