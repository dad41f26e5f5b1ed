"""Spatially partitioned GeoParquet (layers/geoparquet.py) and the evaluation partitioned on dask (analysis/partitioned.py)."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity

from layers import geoparquet as gp

CRS = "EPSG:4549"
X0, Y0 = 500000.0, 3320000.0  # metres, inside EPSG:4549's zone


def _grid(n: int, size: float = 100.0, seed: int = 1) -> gpd.GeoDataFrame:
    """n × n square parcels of `size` metres, in a shuffled row order, with their cell as attributes."""
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    i, j = i.ravel(), j.ravel()
    geoms = shapely.box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)
    frame = gpd.GeoDataFrame({"parcel_id": [f"P{a:02d}{b:02d}" for a, b in zip(i, j)], "col": i, "row": j},
                             geometry=geoms, crs=CRS)
    return frame.iloc[np.random.default_rng(seed).permutation(len(frame))].reset_index(drop=True)


# ---- the Hilbert curve -------------------------------------------------------------------------------------

def test_hilbert_index_visits_every_cell_once_through_neighbours():
    """Order-3 curve: 64 distinct distances 0..63, consecutive cells share an edge, starts at (0, 0)."""
    x, y = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    d = gp._hilbert_index(x.ravel(), y.ravel(), 3)
    assert sorted(d.tolist()) == list(range(64))
    walk = np.column_stack([x.ravel(), y.ravel()])[np.argsort(d)]
    assert (np.abs(np.diff(walk, axis=0)).sum(axis=1) == 1).all()
    assert walk[0].tolist() == [0, 0]
    assert d[(x.ravel() == 1) & (y.ravel() == 1)][0] == 2  # order 1 pattern (0,0) (0,1) (1,1) (1,0) in the first block


def test_missing_and_empty_geometries_sort_last():
    geoms = np.array([None, shapely.box(0, 0, 1, 1), shapely.Polygon(), shapely.box(5, 5, 6, 6)], dtype=object)
    order = gp.hilbert_order(geoms)
    assert set(order[:2].tolist()) == {1, 3}
    assert order[2:].tolist() == [0, 2]  # stable among the unsortable


# ---- partitions ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("parts", "block"), [(4, 20), (16, 10)])
def test_partitions_are_hilbert_blocks_of_the_grid(tmp_path, parts, block):
    """A shuffled 40 × 40 grid cut in 4 (16) partitions: each is one 20 × 20 (10 × 10) block of cells."""
    frame = _grid(40)
    manifest = gp.write_layer(frame, tmp_path / "parcels", npartitions=parts)
    assert len(manifest["partitions"]) == parts == len(gp.partition_paths(tmp_path / "parcels"))
    assert [p["rows"] for p in manifest["partitions"]] == [1600 // parts] * parts
    whole = 4000.0 * 4000.0
    for part, path in zip(manifest["partitions"], gp.partition_paths(tmp_path / "parcels")):
        minx, miny, maxx, maxy = part["bbox"]
        assert (maxx - minx, maxy - miny) == (block * 100.0, block * 100.0)
        assert (maxx - minx) * (maxy - miny) == pytest.approx(whole / parts)  # compact: 1/parts of the extent
        cells = pd.read_parquet(path, columns=["col", "row"])
        assert cells["col"].max() - cells["col"].min() == block - 1 and cells["row"].max() - cells["row"].min() == block - 1


def test_default_partition_count_follows_rows_per_partition(tmp_path):
    manifest = gp.write_layer(_grid(10), tmp_path / "p", rows_per_partition=30)
    assert len(manifest["partitions"]) == math.ceil(100 / 30) == 4
    assert sum(p["rows"] for p in manifest["partitions"]) == 100


# ---- round trip --------------------------------------------------------------------------------------------

def _mixed_layer() -> gpd.GeoDataFrame:
    """Ids, text, integers, floats with NaN, dates, None; a polygon, a multipolygon, a hole and a missing shape."""
    hole = shapely.Polygon([(X0, Y0), (X0 + 50, Y0), (X0 + 50, Y0 + 50), (X0, Y0 + 50)],
                           [[(X0 + 10, Y0 + 10), (X0 + 20, Y0 + 10), (X0 + 20, Y0 + 20)]])
    multi = shapely.MultiPolygon([shapely.box(X0 + 100, Y0, X0 + 110, Y0 + 10), shapely.box(X0 + 120, Y0, X0 + 130, Y0 + 10)])
    return gpd.GeoDataFrame({
        "parcel_id": ["330201001", "330201002", "330201003", "330201004", "330201005"],
        "owner": ["宁波甲公司", None, "乙公司", "丙", "丁"],
        "floor_area_m2": [1200.5, np.nan, 0.0, 3.25, 1e7],
        "plots": [1, 2, 3, 4, 5],
        "supply_date": pd.to_datetime(["2020-01-02", None, "2021-06-30", "2019-12-31", "2024-02-29"]),
        "agreed": [dt.date(2021, 1, 1), None, dt.date(2022, 3, 4), dt.date(2020, 5, 6), dt.date(2025, 1, 1)],
    }, geometry=[hole, multi, None, shapely.box(X0 + 900, Y0 + 900, X0 + 950, Y0 + 990),
                 shapely.box(X0 - 500, Y0 - 500, X0 - 400, Y0 - 400)], crs=CRS, index=[10, 11, 12, 13, 14])


def test_round_trip_keeps_ids_attributes_crs_geometry_and_index(tmp_path):
    frame = _mixed_layer()
    gp.write_layer(frame, tmp_path / "layer", npartitions=2)
    back = gp.read_layer(tmp_path / "layer")
    assert back.crs == frame.crs and back.crs.to_epsg() == 4549
    assert back.index.tolist() == [10, 11, 12, 13, 14]
    assert back["parcel_id"].tolist() == frame["parcel_id"].tolist()
    pd.testing.assert_frame_equal(pd.DataFrame(back.drop(columns="geometry")), pd.DataFrame(frame.drop(columns="geometry")))
    assert back.geometry.iloc[2] is None
    same = [a.equals_exact(b, 0) and a.wkb == b.wkb for a, b in zip(frame.geometry, back.geometry) if a is not None]
    assert same == [True] * 4
    assert len(back.geometry.iloc[0].interiors) == 1 and back.geometry.iloc[1].geom_type == "MultiPolygon"


def test_columns_and_bbox_reads(tmp_path):
    gp.write_layer(_grid(10), tmp_path / "g", npartitions=4)
    # cells with col 2..3 and row 0..1 intersect the box's interior; the box edges touch col 1/4 and row 2 too
    box = (X0 + 250.0, Y0 + 50.0, X0 + 350.0, Y0 + 150.0)
    part = gp.read_layer(tmp_path / "g", columns=["parcel_id"], bbox=box)
    assert list(part.columns) == ["parcel_id", "geometry"]
    assert sorted(part["parcel_id"]) == ["P0200", "P0201", "P0300", "P0301"]
    assert len(gp.partition_paths(tmp_path / "g", box)) == 1  # one Hilbert quadrant holds them all


def test_table_without_geometry(tmp_path):
    table = pd.DataFrame({"uscc": ["91330201MA2AAAAA1X", "91330201MA2AAAAA2X"], "code": ["C34", 7]})
    manifest = gp.write_layer(table, tmp_path / "t")
    back = gp.read_layer(tmp_path / "t")
    assert manifest["geometry"] is None and manifest["stringified"] == ["code"]
    assert back["uscc"].tolist() == table["uscc"].tolist() and back["code"].tolist() == ["C34", "7"]


def test_rewrite_is_atomic(tmp_path, monkeypatch):
    """A write that fails half-way leaves the old folder whole and no temporary folder behind."""
    target = tmp_path / "layer"
    gp.write_layer(_grid(4), target, npartitions=2)
    calls = {"n": 0}
    real = gpd.GeoDataFrame.to_parquet

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", failing)
    with pytest.raises(OSError, match="disk full"):
        gp.write_layer(_grid(6), target, npartitions=3)
    monkeypatch.undo()
    assert len(gp.read_layer(target)) == 16
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layer"]
    gp.write_layer(_grid(6), target, npartitions=3)
    assert len(gp.read_layer(target)) == 36 and sorted(p.name for p in tmp_path.iterdir()) == ["layer"]


def test_other_format_is_refused(tmp_path):
    gp.write_layer(_grid(2), tmp_path / "g")
    manifest = tmp_path / "g" / gp.MANIFEST
    manifest.write_text(manifest.read_text().replace(gp.FORMAT, "landpark-geoparquet/0"))
    assert not gp.is_layer_folder(tmp_path / "g")
    with pytest.raises(ValueError, match="format"):
        gp.read_layer(tmp_path / "g")


def test_export_project_writes_every_layer(demo_project, tmp_path):
    manifest = gp.write_project(demo_project, tmp_path / "pq")
    assert set(manifest["layers"]) == set(demo_project.layer_names())
    assert manifest["project_hash"] == demo_project.content_hash()
    parcels = gp.read_layer(tmp_path / "pq" / "parcels")
    original = demo_project.read_layer("parcels")
    assert len(parcels) == manifest["layers"]["parcels"]["rows"] == len(original)
    assert parcels["parcel_id"].tolist() == original["parcel_id"].tolist() and parcels.crs == original.crs


# ---- the partitioned evaluation ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 worker processes, 1 thread each, on 127.0.0.1, reached by its address (--scheduler)."""
    pytest.importorskip("dask_geopandas")
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    from analysis.partitioned import open_client

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        with open_client(cluster.scheduler_address) as c:
            assert len(c.scheduler_info()["workers"]) == 2
            yield c


def test_unreachable_scheduler_is_an_input_error():
    pytest.importorskip("distributed")
    from analysis.partitioned import open_client
    from spatial.errors import InputError

    with pytest.raises(InputError, match="cannot reach the dask scheduler") as caught:
        with open_client("tcp://127.0.0.1:9", connect_timeout=1):
            pass
    assert "无法连接 dask 调度器" in caught.value.message_zh and "Error" not in caught.value.message_zh


def test_partitioned_overlay_hand_computed(client):
    """Four 100 m squares over 2 partitions; a unit covering x 50..250 takes half, all, half and none of them."""
    from analysis.partitioned import overlay_units_partitioned

    geoms = shapely.box(X0 + np.arange(4) * 100.0, Y0, X0 + np.arange(1, 5) * 100.0, Y0 + 100.0)
    parcels = gpd.GeoDataFrame({"parcel_id": ["A", "B", "C", "D"], "area_mu": [15.0] * 4}, geometry=geoms, crs=CRS)
    units = gpd.GeoDataFrame({"unit_id": ["U"]}, geometry=[shapely.box(X0 + 50, Y0 - 10, X0 + 250, Y0 + 110)], crs=CRS)
    ov = overlay_units_partitioned(parcels, units, client, npartitions=2)
    assert ov.parcel_pos.tolist() == [0, 1, 2] and ov.unit_pos.tolist() == [0, 0, 0]
    np.testing.assert_allclose(ov.area_mu, [5000 / 666.6666666666666, 10000 / 666.6666666666666, 5000 / 666.6666666666666])
    np.testing.assert_allclose(ov.share, [0.5, 1.0, 0.5])


def _close(a, b, path="") -> None:
    """Assert two JSON documents equal, floats to 1e-9 relative."""
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            assert a == b, path
        elif math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), path
        else:
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12), path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


def test_demo_partitioned_on_two_workers_equals_in_memory(client, demo_inputs, demo_evaluation, tmp_path):
    """The demo scored with the overlay on 2 dask workers (8 spatial partitions) gives the in-memory unit indicators."""
    from analysis.partitioned import evaluate_partitioned
    from analysis.score import to_json

    timings: dict[str, float] = {}
    ev = evaluate_partitioned(demo_inputs, client=client, npartitions=8, workdir=tmp_path, timings=timings)
    assert "overlay_s" in timings  # the partitioned overlay really ran
    mem = demo_evaluation.units
    numeric = mem.select_dtypes("number").columns
    assert len(numeric) > 30 and mem["parcel_count"].sum() > 10000
    assert list(ev.units.columns) == list(mem.columns)
    np.testing.assert_allclose(ev.units[numeric].to_numpy(float), mem[numeric].to_numpy(float), rtol=1e-9, equal_nan=True)
    assert ev.units["unit_id"].tolist() == mem["unit_id"].tolist() and ev.units["grade"].tolist() == mem["grade"].tolist()
    _close(to_json(ev)["units"], to_json(demo_evaluation)["units"])
    assert len(ev.encroachments) == len(demo_evaluation.encroachments)
    assert list(tmp_path.iterdir()) == []  # the temporary partitions are removed


def test_exported_parcels_folder_is_used_when_it_matches(client, demo_project, demo_inputs, tmp_path):
    """An export-parquet parcels folder of the same parcels is read as is; another order or one moved vertex is not."""
    from analysis import partitioned
    from analysis.units import overlay_units

    parcels, units = demo_inputs.parcels.reset_index(drop=True), demo_inputs.units.reset_index(drop=True)
    gp.write_layer(demo_project.read_layer("parcels"), tmp_path / "parcels", npartitions=3)
    assert partitioned._folder_matches(tmp_path / "parcels", parcels)
    assert not partitioned._folder_matches(tmp_path / "parcels", parcels.iloc[::-1].reset_index(drop=True))
    moved = parcels.copy()
    moved.loc[7, "geometry"] = shapely.affinity.translate(moved.geometry.iloc[7], 0.001)  # a re-import, same ids
    assert not partitioned._folder_matches(tmp_path / "parcels", moved)
    ov = partitioned.overlay_units_partitioned(parcels, units, client, folder=tmp_path / "parcels")
    ref = overlay_units(parcels, units)
    for name in ("parcel_pos", "unit_pos", "area_mu", "share"):
        np.testing.assert_array_equal(getattr(ov, name), getattr(ref, name))


def test_generated_city_partitioned_equals_in_memory(client, tmp_path):
    """A generated city (3,000 complex parcels, benchmarks.synthetic): the whole `score --json` document agrees."""
    from analysis.inputs import load_inputs
    from analysis.partitioned import evaluate_partitioned
    from analysis.score import evaluate, to_json
    from benchmarks.overlay_bench import write_project
    from benchmarks.synthetic import make_city
    from layers.project import Project

    write_project(make_city(3000, complex=True, seed=3), tmp_path / "city")
    inputs = load_inputs(Project.open(tmp_path / "city"))
    memory, dask = evaluate(inputs), evaluate_partitioned(inputs, client=client, npartitions=6)
    assert memory.units["parcel_count"].sum() > 300 and memory.units["score"].notna().sum() > 0
    got, want = to_json(dask), to_json(memory)
    got["meta"].pop("generated_at"), want["meta"].pop("generated_at")  # the clock, not the evaluation
    _close(got, want)


def test_both_overlays_reach_evaluate_from_one_partitioned_copy(client, demo_inputs, monkeypatch):
    """evaluate_partitioned hands evaluate the unit overlay and the approval-batch pairs, both computed on the
    cluster, and they equal the in-memory kernel's; the parcels are written once for both."""
    from analysis import partitioned, score
    from spatial.overlay import intersection_area_pairs

    seen: dict = {}
    writes: list = []
    real_write = partitioned.write_layer
    monkeypatch.setattr(partitioned, "write_layer", lambda *a, **k: writes.append(a[1]) or real_write(*a, **k))

    def fake_evaluate(inputs, *, overlay=None, area_pairs=None, weights=None):
        parcels = inputs.parcels.reset_index(drop=True)
        seen["units"] = overlay(parcels, inputs.units.reset_index(drop=True))
        seen["batches"] = area_pairs(parcels, inputs.approvals.geometry.to_numpy())
        return "evaluated"

    monkeypatch.setattr(score, "evaluate", fake_evaluate)
    timings: dict = {}
    assert partitioned.evaluate_partitioned(demo_inputs, client=client, weights=[1.0], timings=timings) == "evaluated"
    assert len(writes) == 1 and {"overlay_s", "supply_overlay_s"} <= set(timings)
    geoms = demo_inputs.parcels.geometry.to_numpy()
    want_u = intersection_area_pairs(geoms, demo_inputs.units.geometry.to_numpy())
    assert np.array_equal(seen["units"].parcel_pos, want_u[0]) and np.array_equal(seen["units"].unit_pos, want_u[1])
    want_b = intersection_area_pairs(geoms, demo_inputs.approvals.geometry.to_numpy())
    got_b = seen["batches"]
    assert np.array_equal(got_b[0], want_b[0]) and np.array_equal(got_b[1], want_b[1])
    assert np.allclose(got_b[2], want_b[2], rtol=1e-12, atol=0)


def test_area_pairs_match_the_kernel_both_ways(client, demo_inputs):
    """Parcels × approval batches (more parcels: tree on batches) and 3 parcels × 43 batches (tree on parcels)."""
    from analysis.partitioned import area_pairs_partitioned
    from spatial.overlay import intersection_area_pairs

    parcels = demo_inputs.parcels.reset_index(drop=True)
    batches = demo_inputs.approvals.geometry.to_numpy()
    hit = intersection_area_pairs(parcels.geometry.to_numpy(), batches)[0]
    few = parcels.iloc[np.unique(hit)[:3]].reset_index(drop=True)
    for left in (parcels, few):
        got = area_pairs_partitioned(left, batches, client, npartitions=3)
        want = intersection_area_pairs(left.geometry.to_numpy(), batches)
        assert len(want[0]) > 0
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
