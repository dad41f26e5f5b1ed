"""The columnar cache of a project folder (layers/project_cache.py): hit, miss, stale, versions, damage, read-only
folders and concurrent readers. Every expectation is the layer read straight from project.gpkg (cache off)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import sqlite3
import threading

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from pandas.testing import assert_frame_equal

import layers.project as store
from analysis.inputs import ALL_COLUMNS, load_inputs
from analysis.score import evaluate
from layers import geoparquet as gp
from layers import project_cache
from layers.project import Project
from layers.versions import VersionNote

X0, Y0 = 560_000.0, 3_300_000.0  # EPSG:4549


def parcels_frame(category: str = "industrial", status: str = "built", n: int = 8) -> gpd.GeoDataFrame:
    """An n×n grid of 100 m parcels inside the park, all of one land-use category and supply status."""
    cells = [(i, j) for i in range(n) for j in range(n)]
    return gpd.GeoDataFrame({
        "parcel_id": [f"P{i}-{j}" for i, j in cells],
        "land_use": ["0601" if category == "industrial" else "0701"] * len(cells),
        "land_use_category": [category] * len(cells),
        "supply_status": [status] * len(cells),
        "floor_area_m2": [8000.0 + 100 * k for k in range(len(cells))],
        "footprint_m2": [4000.0] * len(cells),
        "owner_uscc": [f"F{k % 5}" for k in range(len(cells))],
        "supply_date": pd.to_datetime(["2019-05-01"] * len(cells)),
    }, geometry=[shapely.box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * i + 90, Y0 + 100 * j + 90) for i, j in cells],
        crs="EPSG:4549")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Project:
    """A small project with two dated parcel versions: v1 industrial (in force from 2020), v2 residential (from
    2024-07-01); built once, copied for each test."""
    park = gpd.GeoDataFrame({"park_id": ["K1"], "name": ["园区"], "kind": ["comprehensive"], "level": ["省级"],
                             "leading_industries": ["装备"], "zone_code": ["Z1"]},
                            geometry=[shapely.box(X0 - 10, Y0 - 10, X0 + 1000, Y0 + 1000)], crs="EPSG:4549")
    firms = gpd.GeoDataFrame({"uscc": [f"F{k}" for k in range(5)], "name": [f"企业{k}" for k in range(5)],
                              "tax_10k_yuan": [100.0, 50.0, 10.0, 1.0, 30.0],
                              "value_added_10k_yuan": [300.0, 100.0, 50.0, 5.0, 60.0]},
                             geometry=[None] * 5, crs="EPSG:4549")
    project = Project.create(tmp_path_factory.mktemp("cache") / "p", crs="EPSG:4549", year=2025)
    links = pd.DataFrame({"uscc": ["F0", "F1"], "parcel_id": ["P0-0", "P0-1"]})  # a table without geometry
    project.write_layers({"parcels": parcels_frame(), "parks": park, "enterprises": firms, "land_links": links},
                         issues=[], versions={"parcels": VersionNote("2020-01-01")})
    project.write_layers({"parcels": parcels_frame("residential", "idle")}, issues=[],
                         versions={"parcels": VersionNote("2024-07-01")})
    return project


@pytest.fixture()
def small(template, tmp_path, monkeypatch) -> Project:
    """A fresh copy of the template whose every table is cached (MIN_ROWS lowered to 1)."""
    monkeypatch.setattr(project_cache, "MIN_ROWS", 1)
    monkeypatch.delenv(project_cache.ENV_SWITCH, raising=False)
    shutil.copytree(template.root, tmp_path / "p")
    return Project.open(tmp_path / "p")


def cache_entries(project: Project) -> list[str]:
    """The entries `<state>/<table>` now in the project's cache."""
    base = project.root / project_cache.CACHE_DIR
    return sorted(f"{s.name}/{t.name}" for s in base.iterdir() if s.is_dir() for t in s.iterdir()) if base.exists() else []


def direct(project: Project, kind: str, **kw) -> pd.DataFrame:
    """The layer as project.gpkg gives it (cache off): the expectation."""
    return project.read_layer(kind, **kw)


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same rows, columns, dtypes, index, geometry and CRS (as text, so the CRS's form counts too)."""
    assert_frame_equal(a, b, check_exact=True)
    assert type(a) is type(b) and str(getattr(a, "crs", None)) == str(getattr(b, "crs", None))


def no_gpkg_reads(monkeypatch) -> None:
    """From now on a read of a parcels table from project.gpkg fails: parcels that still read came from the cache
    (the version list is still read from project.gpkg, the source of truth)."""
    real = store.pyogrio.read_dataframe

    def refuse(path, *a, layer=None, **k):
        assert not str(layer).startswith("parcels"), f"project.gpkg's {layer} was read"
        return real(path, *a, layer=layer, **k)

    monkeypatch.setattr(store.pyogrio, "read_dataframe", refuse)


def test_miss_then_hit_gives_the_gpkg_frame(small, monkeypatch):
    expected = direct(small, "parcels")
    narrowed = direct(small, "parcels", columns=["supply_status", "parcel_id", "no_such_field"])
    first = small.read_layer("parcels", cache=True)
    assert_same(first, expected)
    key = small.content_hash()
    assert f"{key}/parcels" in cache_entries(small)
    no_gpkg_reads(monkeypatch)
    assert_same(small.read_layer("parcels", cache=True), expected)
    got = small.read_layer("parcels", cache=True, columns=["supply_status", "parcel_id", "no_such_field"])
    assert list(got.columns) == ["parcel_id", "supply_status", "geometry"]  # pyogrio's order: the layer's
    assert_same(got, narrowed)


def test_touching_the_gpkg_makes_the_cache_stale_and_it_is_rebuilt(small):
    small.read_layer("parcels", cache=True)
    old = small.content_hash()
    stat = small.gpkg.stat()
    os.utime(small.gpkg, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    new = small.content_hash()
    assert new != old
    assert_same(small.read_layer("parcels", cache=True), direct(small, "parcels"))
    entries = cache_entries(small)
    assert f"{new}/parcels" in entries and not any(e.startswith(old) for e in entries)  # the stale state is removed


def test_an_edit_in_place_with_the_old_mtime_is_still_seen(small):
    """Size and mtime alone miss an in-place SQLite edit whose mtime was put back (a GIS or a copy tool keeping
    times): the content hash also covers ctime, inode and SQLite's change counter."""
    assert list(small.read_layer("land_links", cache=True)["uscc"]) == ["F0", "F1"]
    stat = small.gpkg.stat()
    con = sqlite3.connect(small.gpkg)  # (a table without geometry: no GeoPackage R-tree triggers to satisfy)
    con.execute("UPDATE land_links SET uscc = 'F4' WHERE parcel_id = 'P0-1'")
    con.commit()
    con.close()
    os.utime(small.gpkg, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert small.gpkg.stat().st_size == stat.st_size and small.gpkg.stat().st_mtime_ns == stat.st_mtime_ns
    assert list(small.read_layer("land_links", cache=True)["uscc"]) == ["F0", "F4"]


def test_a_wal_file_changes_the_content_hash(small):
    before = small.content_hash()
    wal = small.gpkg.with_name(small.gpkg.name + "-wal")
    wal.write_bytes(b"\0" * 32)
    try:
        assert small.content_hash() != before
    finally:
        wal.unlink()
    assert small.content_hash() == before


def test_archived_versions_are_cached_apart_and_never_mixed(small, monkeypatch):
    v1, v2 = direct(small, "parcels", version=1), direct(small, "parcels", version=2)
    assert set(v1["land_use_category"]) == {"industrial"} and set(v2["land_use_category"]) == {"residential"}
    assert_same(small.read_layer("parcels", version=1, cache=True), v1)
    assert_same(small.read_layer("parcels", cache=True), v2)
    key = small.content_hash()
    assert {f"{key}/parcels", f"{key}/parcels__v1"} <= set(cache_entries(small))
    no_gpkg_reads(monkeypatch)
    assert_same(small.read_layer("parcels", version=1, cache=True), v1)
    assert_same(small.read_layer("parcels", as_of=dt.date(2023, 12, 31), cache=True), v1)
    assert_same(small.read_layer("parcels", cache=True), v2)


def test_score_of_an_earlier_year_reads_its_version_with_and_without_cache(small, monkeypatch):
    """score --year 2023 (parcels v1 in force) and 2025 (v2): the same units, cold cache, warm cache and no cache."""
    for year, industrial in ((2023, True), (2025, False)):
        monkeypatch.setenv(project_cache.ENV_SWITCH, "0")
        expected = evaluate(load_inputs(small, year=year)).units
        monkeypatch.delenv(project_cache.ENV_SWITCH)
        assert (expected["industrial_land_mu"].iloc[0] > 0) == industrial  # the version read is the one in force
        for _run in ("cold", "warm"):
            inputs = load_inputs(small, year=year)
            assert inputs.versions["parcels"] == (1 if industrial else 2)
            assert_frame_equal(evaluate(inputs).units, expected, check_exact=True)
    assert any(e.endswith("/parcels__v1") for e in cache_entries(small))


@pytest.mark.parametrize("damage", ["truncated_part", "garbage_part", "missing_part", "garbage_manifest",
                                    "foreign_format", "other_state", "fewer_rows", "renamed_column"])
def test_a_damaged_or_foreign_cache_is_ignored_and_rebuilt(small, damage):
    expected = direct(small, "parcels")
    small.read_layer("parcels", cache=True)
    folder = project_cache.entry_folder(small.root, small.content_hash(), "parcels")
    part = folder / "part.00000.parquet"
    manifest_path = folder / gp.MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if damage == "truncated_part":
        part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    elif damage == "garbage_part":
        part.write_bytes(b"PAR1 not really parquet PAR1")
    elif damage == "missing_part":
        part.unlink()
    elif damage == "garbage_manifest":
        manifest_path.write_text("{ not json", encoding="utf-8")
    elif damage == "foreign_format":
        manifest["format"] = "landpark-geoparquet/0"
    elif damage == "other_state":
        manifest["meta"]["project_hash"] = "0" * 16
    elif damage == "fewer_rows":  # a frame of 3 rows in a folder that claims the whole layer
        frame = pd.read_parquet(part).iloc[:3]
        frame.to_parquet(part)
    elif damage == "renamed_column":
        manifest["columns"] = [c.replace("supply_status", "status") for c in manifest["columns"]]
    if damage in ("foreign_format", "other_state", "renamed_column"):
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert_same(small.read_layer("parcels", cache=True), expected)
    assert gp.is_layer_folder(folder)  # rebuilt
    assert_same(project_cache.load_table(small.root, small.content_hash(), "parcels"), expected)


def test_a_damaged_area_column_is_recomputed(small):
    expected = load_inputs(small, columns=ALL_COLUMNS, cache=False).parcels
    load_inputs(small)
    state = small.root / project_cache.CACHE_DIR / small.content_hash()
    [area] = [p for p in state.iterdir() if p.name.startswith("parcels.ellipsoidal_m2.")]
    (area / "part.00000.parquet").write_bytes(b"garbage")
    assert_same(load_inputs(small).parcels, expected)
    assert_same(load_inputs(small).parcels, expected)  # and again from the rebuilt entry


def test_load_inputs_returns_with_the_tables_kept_as_read_on_their_own_thread(small, monkeypatch):
    """load_inputs keeps a table read from project.gpkg in the cache on a thread of its own, and has kept it when
    it returns: the entry holds the table's own columns (not those the evaluation adds to its frame meanwhile)
    and serves the next read."""
    writers: list[str] = []
    real_store = project_cache.store_table

    def noting(*args, **kwargs):
        writers.append(threading.current_thread().name)
        return real_store(*args, **kwargs)

    monkeypatch.setattr(project_cache, "store_table", noting)
    inputs = load_inputs(small)
    assert writers and all(name.startswith("landpark-cache-write") for name in writers)
    entry = project_cache.entry_folder(small.root, small.content_hash(), "parcels")
    assert gp.is_layer_folder(entry)  # written before load_inputs returned
    expected = direct(small, "parcels")
    added = set(inputs.parcels.columns) - set(expected.columns)
    assert {"firm_uscc", "area_mu"} <= added  # the evaluation's own columns, added while the entry was written
    kept = gp.read_layer(entry)
    assert set(kept.columns) == set(expected.columns)
    no_gpkg_reads(monkeypatch)
    assert_same(small.read_layer("parcels", cache=True), expected)


def test_cached_area_column_is_used_on_a_warm_read(small, monkeypatch):
    expected = load_inputs(small, cache=False).parcels
    load_inputs(small)
    import analysis.inputs as inputs_module

    real = inputs_module.ellipsoidal_area_m2

    def units_only(geoms, crs=None, **kw):
        assert len(geoms) == 1, "the parcels' areas were computed again"  # the one park's area is always computed
        return real(geoms, crs, **kw)

    monkeypatch.setattr(inputs_module, "ellipsoidal_area_m2", units_only)
    assert_same(load_inputs(small).parcels, expected)


@pytest.mark.parametrize("how", ["cannot_write", "cache_path_is_a_file"])
def test_a_folder_where_the_cache_cannot_be_written_still_scores(small, monkeypatch, caplog, how):
    monkeypatch.setattr(project_cache, "_warned", set())
    expected = evaluate(load_inputs(small, columns=ALL_COLUMNS, cache=False)).units
    if how == "cannot_write":  # a read-only folder or file system: every folder creation fails (also as root)
        def read_only(target):
            raise OSError(30, "Read-only file system", str(target))

        monkeypatch.setattr(gp, "_temp_dir", read_only)
    else:
        (small.root / project_cache.CACHE_DIR).write_text("not a folder", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger=project_cache.__name__):
        for _run in range(2):
            assert_frame_equal(evaluate(load_inputs(small)).units, expected, check_exact=True)
    warnings = [r for r in caplog.records if r.name == project_cache.__name__]
    assert len(warnings) == 1 and "project.gpkg" in warnings[0].getMessage()  # one warning, not one per table


def test_switched_off_by_the_environment(small, monkeypatch):
    monkeypatch.setenv(project_cache.ENV_SWITCH, "0")
    assert_same(load_inputs(small).parcels, load_inputs(small, cache=False).parcels)
    assert not (small.root / project_cache.CACHE_DIR).exists()


def test_small_tables_are_not_cached(small, monkeypatch):
    monkeypatch.setattr(project_cache, "MIN_ROWS", 65)  # the parcels have 64 rows
    small.read_layer("parcels", cache=True)
    assert cache_entries(small) == []


def test_concurrent_readers_agree_and_leave_one_entry(small):
    expected = direct(small, "parcels")
    results: list[pd.DataFrame] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def reader() -> None:
        try:
            start.wait()
            for _ in range(3):
                results.append(small.read_layer("parcels", cache=True))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 12
    for frame in results:
        assert_same(frame, expected)
    key = small.content_hash()
    assert cache_entries(small) == [f"{key}/parcels"]
    assert not [p for p in (small.root / project_cache.CACHE_DIR / key).iterdir() if p.name.startswith(".")]


def test_a_second_writer_keeps_the_first_entry(tmp_path):
    frame = gpd.GeoDataFrame({"a": np.arange(5)}, geometry=shapely.points(np.arange(5), np.arange(5)), crs="EPSG:4549")
    first = gp.write_layer(frame, tmp_path / "t", replace=False, meta={"n": 1})
    second = gp.write_layer(frame.assign(a=frame["a"] + 10), tmp_path / "t", replace=False, meta={"n": 2})
    assert "kept" not in first and second["kept"] is True
    assert gp.read_manifest(tmp_path / "t")["meta"] == {"n": 1}
    assert list(gp.read_layer(tmp_path / "t")["a"]) == [0, 1, 2, 3, 4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]  # the loser's temporary folder is gone


def test_areas_kept_for_another_project_state_are_not_used(small):
    """Areas cached under a state the project is no longer in (it changed while being read) are neither used nor
    joined by areas of the rows read now."""
    from analysis.inputs import _area_code, _parcel_areas

    parcels = direct(small, "parcels")
    old = "0" * 16
    planted = project_cache.cached_column(small.root, old, "parcels", "ellipsoidal_m2", len(parcels),
                                          lambda: np.zeros(len(parcels)),
                                          depends_on=[*_area_code(), str(parcels.crs)])  # the entry _parcel_areas looks for
    assert not planted.any() and len(cache_entries(small)) == 1
    got = _parcel_areas(small, "parcels", parcels, old)
    assert np.allclose(got, 8100.0, rtol=1e-3)  # 90 m × 90 m parcels in a Gauss-Krüger CRS: within 0.1 % of planar
    assert len(cache_entries(small)) == 1  # nothing kept for a state the rows were not read in



def test_a_project_changed_while_its_geometries_are_read_for_the_cache_keeps_no_entry(small, monkeypatch):
    """The cache writes the geometries as GDAL reads them a second time; if project.gpkg changes during that
    read, the entry would mix two states: nothing is kept, and the frame read is still the file's."""
    expected = direct(small, "parcels")
    key = small.content_hash()
    real = store.pyogrio.open_arrow

    class Touching:  # the reader's batches, then the file changes before the stream ends
        def __init__(self, reader):
            self.schema = reader.schema
            self._reader = reader

        def __iter__(self):
            yield from self._reader
            os.utime(small.gpkg, ns=(small.gpkg.stat().st_atime_ns, small.gpkg.stat().st_mtime_ns + 10**9))

    @contextlib.contextmanager
    def touching(*args, **kwargs):
        with real(*args, **kwargs) as (meta, reader):
            yield meta, Touching(reader)

    monkeypatch.setattr(store.pyogrio, "open_arrow", touching)
    assert_same(small.read_layer("parcels", cache=True), expected)
    assert f"{key}/parcels" not in cache_entries(small)
    assert not project_cache.entry_folder(small.root, key, "parcels").exists()


def test_a_wkb_stream_of_the_wrong_length_writes_nothing(tmp_path):
    frame = gpd.GeoDataFrame({"a": np.arange(5)}, geometry=shapely.points(np.arange(5), np.arange(5)), crs="EPSG:4549")
    wkb = shapely.to_wkb(frame.geometry.to_numpy())
    for stream in ([pa.array(list(wkb[:3]), pa.binary())], [pa.array(list(wkb), pa.binary()), pa.array([wkb[0]], pa.binary())]):
        with pytest.raises(ValueError, match="WKB stream"):
            gp.write_layer(frame, tmp_path / "layer", sort=False, wkb=stream)
        assert not (tmp_path / "layer").exists() and not list(tmp_path.iterdir())
    batches = [pa.array(list(wkb[:2]), pa.binary()), pa.array(list(wkb[2:]), pa.binary())]  # cut across partitions
    gp.write_layer(frame, tmp_path / "layer", sort=False, wkb=batches, rows_per_partition=2)
    back = gp.read_layer(tmp_path / "layer")
    assert back["a"].tolist() == list(range(5))
    assert shapely.equals_exact(back.geometry.to_numpy(), frame.geometry.to_numpy(), 0).all()
