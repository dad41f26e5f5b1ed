"""The PostGIS store against a real private PostgreSQL + PostGIS cluster (tests/pgcluster.py).

Expectations come from the folder project the demo writes and from PostGIS itself (ST_Area on the stored
tables), never from the store's own output echoed back. Geometries must come back exactly: WKB carries the
IEEE doubles unchanged, so `equals_exact` is asked with tolerance 0 (and the areas to 1e-12 relative).
"""

from __future__ import annotations

import threading
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layers.pg_project import PostgisProject
from layers.postgis import parse_url
from layers.problems import InputError
from layers.project import Project
from layers.project_copy import copy_project
from tests.pgcluster import pg_cluster  # noqa: F401  (the session fixture)

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def pg_demo(pg_cluster, demo_project):  # noqa: F811
    """The session's demo folder copied into schema `demo` (timed)."""
    start = time.perf_counter()
    project = copy_project(demo_project.root, pg_cluster.url("demo"))
    TIMINGS["copy folder → schema"] = time.perf_counter() - start
    yield project
    for what, seconds in TIMINGS.items():  # the measured times, for the report (pytest -s shows them)
        print(f"\n{what}: {seconds:.2f} s", end="")


def _attributes(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without its geometry column."""
    return pd.DataFrame(frame.drop(columns=[frame.geometry.name])) if isinstance(frame, gpd.GeoDataFrame) else frame


# ---- URL and password -------------------------------------------------------------------

def test_url_parts_and_password_refused():
    location = parse_url("postgresql://analyst@db.bureau.local:6543/gis?schema=district_a")
    assert (location.user, location.host, location.port, location.dbname, location.schema) == \
        ("analyst", "db.bureau.local", 6543, "gis", "district_a")
    assert location.url == "postgresql://analyst@db.bureau.local:6543/gis?schema=district_a"
    from pathlib import Path  # a CLI argument typed as a path loses one slash of the scheme: still the same place

    assert parse_url(Path("postgresql://analyst@db.bureau.local:6543/gis?schema=district_a")) == location
    assert parse_url("postgres://h/gis").port == 5432 and parse_url("postgres://h/gis").schema == "landpark"
    with pytest.raises(InputError) as caught:
        parse_url("postgresql://analyst:Tr0ub4dor@db:5432/gis?schema=a")
    assert "Tr0ub4dor" not in str(caught.value) and "Tr0ub4dor" not in caught.value.message_zh
    assert "PGPASSWORD" in str(caught.value)
    for bad in ("postgresql://u@h/db?schema=Bad-Name", "postgresql://u@h:5432/?schema=a", "postgresql://u@h/db?sslmode=x"):
        with pytest.raises(InputError):
            parse_url(bad)


def test_password_from_environment_only_and_never_in_errors(pg_cluster, monkeypatch):  # noqa: F811
    url = pg_cluster.url("nothing_here")
    monkeypatch.setenv("PGPASSFILE", str(pg_cluster.folder / "no-such-file"))
    monkeypatch.setenv("PGPASSWORD", "Wrong-Secret-7781")
    with pytest.raises(InputError) as caught:
        PostgisProject.open(url)
    message = str(caught.value) + caught.value.message_zh
    assert "Wrong-Secret-7781" not in message and url in message
    assert "password authentication failed" in message
    monkeypatch.setenv("PGPASSWORD", pg_cluster.password)  # the right one from the environment: connects
    with pytest.raises(InputError) as caught:
        PostgisProject.open(url)
    assert "not a Landpark project" in str(caught.value)
    assert pg_cluster.password not in str(caught.value) + caught.value.message_zh


# ---- the demo through the store -----------------------------------------------------------

def test_demo_layers_read_back(pg_demo, demo_project, pg_cluster):  # noqa: F811
    assert sorted(pg_demo.layer_names()) == sorted(demo_project.layer_names())
    assert pg_demo.config_text() == demo_project.config_path.read_text(encoding="utf-8")
    assert pg_demo.crs == demo_project.crs == "EPSG:4549"
    start = time.perf_counter()
    read = {kind: pg_demo.read_layer(kind) for kind in pg_demo.layer_names() if kind != "data_issues"}
    TIMINGS["read every layer from the schema"] = time.perf_counter() - start
    with pg_cluster.connect() as conn:
        for kind, got in read.items():
            want = demo_project.read_layer(kind)
            assert len(got) == len(want) == pg_demo.feature_count(kind), kind
            pd.testing.assert_frame_equal(_attributes(got), _attributes(want), check_dtype=True, obj=kind)
            if not isinstance(want, gpd.GeoDataFrame):
                continue
            assert got.crs.equals(want.crs)
            g, w = got.geometry.to_numpy(), want.geometry.to_numpy()
            assert shapely.equals_exact(g, w, tolerance=0.0).all(), kind
            areas = np.array([r[0] for r in conn.execute(
                f'SELECT ST_Area(geometry) FROM demo."{kind}" ORDER BY _row')], dtype=float)
            np.testing.assert_allclose(areas, shapely.area(w), rtol=1e-12, atol=0, err_msg=kind)


def test_gist_index_and_tables(pg_demo, pg_cluster):  # noqa: F811
    with pg_cluster.connect() as conn:
        indexed = {r[0] for r in conn.execute(
            "SELECT t.relname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = x.relam JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = 'demo' AND a.amname = 'gist'")}
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'demo'")}
        migrations = conn.execute("SELECT version, note FROM demo.schema_version").fetchall()
    assert {"parcels", "parks", "protection_lines", "protection_lines__v1", "enterprises", "roads"} <= indexed
    assert "chain_leaders" not in indexed  # a table without geometry has no spatial index
    assert {"layer_versions", "landpark_toml", "data_issues", "schema_version", "protection_lines__v1"} <= tables
    assert migrations == [(1, "project tables")]


def test_versions_issues_rasters_and_filters(pg_demo, demo_project):
    got, want = pg_demo.versions(), demo_project.versions()
    columns = ["layer", "version", "valid_from", "source", "mode", "features", "stored_as", "current"]
    pd.testing.assert_frame_equal(got[columns].astype(object), want[columns].astype(object))
    old = pg_demo.read_layer("protection_lines", version=1)
    assert old["line_id"].tolist() == demo_project.read_layer("protection_lines", version=1)["line_id"].tolist()
    assert pg_demo.raster_path("dem").read_bytes() == demo_project.raster_path("dem").read_bytes()
    parcels = demo_project.read_layer("parcels")
    x, y = parcels.geometry.iloc[100].centroid.coords[0]
    box = (x - 500.0, y - 500.0, x + 500.0, y + 500.0)  # a 1 km square around one parcel
    inside = parcels[parcels.intersects(shapely.box(*box))]  # envelope test ⊇ exact test: compare with both
    near = parcels[shapely.intersects(shapely.envelope(parcels.geometry.to_numpy()), shapely.box(*box))]
    got_box = pg_demo.read_layer("parcels", bbox=box, columns=["parcel_id"])
    assert set(inside["parcel_id"]) <= set(got_box["parcel_id"]) == set(near["parcel_id"])
    assert 0 < len(got_box) < len(parcels)
    wanted = parcels["parcel_id"].iloc[[3, 50, 700]].tolist()
    assert pg_demo.read_layer("parcels", ids=wanted)["parcel_id"].tolist() == wanted


def test_hand_made_frame_types_and_layer_info(pg_cluster):  # noqa: F811
    import datetime as dt

    project = PostgisProject.create(pg_cluster.url("types"), crs="EPSG:4549")
    square = shapely.box(500000.0, 3300000.0, 500010.0, 3300020.0)  # 10 m × 20 m
    two = shapely.MultiPolygon([shapely.box(500100.0, 3300000.0, 500101.0, 3300001.0),
                                shapely.box(500200.0, 3300100.0, 500202.0, 3300102.0)])
    frame = gpd.GeoDataFrame({
        "code": pd.Series(["a", None, "中文 \t tab"], dtype="str"),
        "count": np.array([1, -2, 2**40], dtype="int64"),
        "ratio": [0.5, np.nan, 1e-300],
        "flag": [True, False, True],
        "day": [dt.date(2024, 1, 31), None, dt.date(1999, 12, 1)],
        "stamp": pd.to_datetime(["2024-01-01 08:00:00", None, "2025-06-30 23:59:59"]),
        "label": pd.Series(["x", None, "z"], dtype=object),  # as an import hands them over: read back as `str`,
        "n": pd.array([7, 8, 9], dtype="Int64"),  # int64 and bool, the dtypes a GeoPackage gives the folder project
        "ok": pd.array([True, False, True], dtype="boolean"),
        "_scratch": [1, 2, 3],  # a leading underscore marks a working column: not stored, as in the folder
    }, geometry=[square, None, two], crs="EPSG:4549")
    project.write_layer("sketch", frame)
    got = project.read_layer("sketch")
    assert list(got.columns) == ["code", "count", "ratio", "flag", "day", "stamp", "label", "n", "ok", "geometry"]
    assert [str(got[c].dtype) for c in ("label", "n", "ok")] == ["str", "int64", "bool"]
    assert got["label"].iloc[0] == "x" and pd.isna(got["label"].iloc[1]) and got["n"].tolist() == [7, 8, 9]
    assert got["code"].tolist()[0] == "a" and pd.isna(got["code"].iloc[1]) and got["code"].iloc[2] == "中文 \t tab"
    assert got["count"].tolist() == [1, -2, 2**40] and str(got["count"].dtype) == "int64"
    assert got["ratio"].iloc[0] == 0.5 and np.isnan(got["ratio"].iloc[1]) and got["ratio"].iloc[2] == 1e-300
    assert got["flag"].tolist() == [True, False, True] and str(got["flag"].dtype) == "bool"
    assert got["day"].tolist() == [dt.date(2024, 1, 31), None, dt.date(1999, 12, 1)]
    assert got["stamp"].iloc[2] == pd.Timestamp("2025-06-30 23:59:59") and pd.isna(got["stamp"].iloc[1])
    assert got.geometry.iloc[1] is None and shapely.equals_exact(got.geometry.iloc[2], two, tolerance=0.0)
    info = project.layer_info("sketch")
    assert info["features"] == 3
    assert list(info["fields"]) == ["code", "count", "ratio", "flag", "day", "stamp", "label", "n", "ok"]
    assert info["total_bounds"] == (500000.0, 3300000.0, 500202.0, 3300102.0)
    assert info["geometry_type"] in ("Polygon", "MultiPolygon")
    listed = project.versions()  # not a layer kind: no version kept, shown as version 1 without dates (as a folder does)
    assert listed[["layer", "version", "valid_from", "features"]].values.tolist() == [["sketch", 1, None, 3]]
    with pg_cluster.connect() as conn:
        assert conn.execute("SELECT ST_Area(geometry) FROM types.sketch WHERE _row = 0").fetchone()[0] == 200.0
        assert conn.execute("SELECT ST_SRID(geometry) FROM types.sketch WHERE _row = 2").fetchone()[0] == 4549


def _close(a, b, path: str = "$") -> None:
    """`a` and `b` (JSON documents) equal, numbers to 1e-9 relative; the time of writing may differ."""
    if path.endswith("generated_at"):
        return
    if isinstance(a, dict) and isinstance(b, dict):
        assert list(a) == list(b), path
        for key in a:
            _close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float) and not (np.isnan(a) and np.isnan(b)):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), path
    else:
        assert a == b or (a != a and b != b), path  # NaN == NaN here


def test_score_document_same_as_folder(pg_demo, demo_project):
    """What `landpark score --json` prints: load_inputs, evaluate, the time context, to_json — from both stores."""
    import json

    from analysis.inputs import load_inputs
    from analysis.score import evaluate, to_json
    from analysis.time_context import attach_time_context

    documents = []
    for project in (demo_project, pg_demo):
        start = time.perf_counter()
        inputs = load_inputs(project)
        TIMINGS[f"load_inputs from the {type(project).__name__}"] = time.perf_counter() - start
        ev = evaluate(inputs)
        attach_time_context(project, inputs, ev)
        documents.append(json.loads(json.dumps(to_json(ev), default=str)))
    folder, database = documents
    assert len(folder["units"]) > 40 and len(folder["enterprises"]) > 1000
    assert {"industrial_land_mu", "supply_ratio"} <= set(folder["units"][0])
    _close(folder, database)


# ---- copy both ways, all or nothing --------------------------------------------------------

def _folder_files(root) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_copy_back_to_a_folder(pg_demo, demo_project, tmp_path):
    start = time.perf_counter()
    back = copy_project(pg_demo.url, tmp_path / "back")
    TIMINGS["copy schema → folder"] = time.perf_counter() - start
    assert isinstance(back, Project)
    assert back.config_path.read_bytes() == demo_project.config_path.read_bytes()
    assert back.raster_path("dem").read_bytes() == demo_project.raster_path("dem").read_bytes()
    assert sorted(back.layer_names()) == sorted(demo_project.layer_names())
    for kind in ("parcels", "protection_lines", "chain_leaders", "data_issues"):
        got, want = back.read_layer(kind), demo_project.read_layer(kind)
        pd.testing.assert_frame_equal(_attributes(got), _attributes(want), obj=kind)
        if isinstance(want, gpd.GeoDataFrame):
            assert shapely.equals_exact(got.geometry.to_numpy(), want.geometry.to_numpy(), tolerance=0.0).all()
    columns = ["layer", "version", "valid_from", "features", "stored_as", "current"]
    pd.testing.assert_frame_equal(back.versions()[columns].astype(object), demo_project.versions()[columns].astype(object))
    with pytest.raises(InputError, match="not empty"):
        copy_project(pg_demo.url, tmp_path / "back")


def _schema_state(pg_cluster, schema: str) -> list:  # noqa: F811
    """What a schema holds, from the database's own catalogs: tables with row counts, and the revision."""
    with pg_cluster.connect() as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", (schema,))]
        counts = [(t, conn.execute(f'SELECT count(*) FROM "{schema}"."{t}"').fetchone()[0]) for t in tables]
        revision = conn.execute(f'SELECT revision FROM "{schema}".project_state').fetchone() if tables else None
    return [counts, revision]


def test_failed_copy_into_a_schema_changes_nothing(pg_cluster, demo_project, monkeypatch):  # noqa: F811
    url = pg_cluster.url("target")
    small = Project.create(demo_project.root.parent / "small")
    small.write_layer("parks", demo_project.read_layer("parks"))
    copy_project(small.root, url)
    before = _schema_state(pg_cluster, "target")
    assert ["parks", 4] in [list(c) for c in before[0]]
    calls = {"n": 0}
    real = PostgisProject._copy_rows

    def failing(conn, statement, rows):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk full (injected)")
        return real(conn, statement, rows)

    monkeypatch.setattr(PostgisProject, "_copy_rows", staticmethod(failing))
    with pytest.raises(RuntimeError, match="injected"):
        copy_project(demo_project.root, url, replace=True)
    assert calls["n"] == 5
    assert _schema_state(pg_cluster, "target") == before
    calls["n"] = 0
    with pytest.raises(RuntimeError, match="injected"):
        copy_project(demo_project.root, pg_cluster.url("fresh"))
    with pg_cluster.connect() as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'fresh'").fetchone()[0] == 0


def test_failed_copy_into_a_folder_changes_nothing(pg_demo, demo_project, tmp_path, monkeypatch):
    import layers.project_copy as project_copy

    dest = tmp_path / "existing"
    small = Project.create(dest)
    small.write_layer("parks", demo_project.read_layer("parks"))
    before = _folder_files(dest)
    calls = {"n": 0}
    real = project_copy._write_frame

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk full (injected)")
        return real(*args, **kwargs)

    monkeypatch.setattr(project_copy, "_write_frame", failing)
    with pytest.raises(OSError, match="injected"):
        copy_project(pg_demo.url, dest, replace=True)
    assert _folder_files(dest) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing"]  # no staging folder left behind


# ---- writers at once ------------------------------------------------------------------------

def _hold_layer_lock(pg_cluster, schema: str, layer: str):  # noqa: F811
    """A connection holding the write lock of one layer (as an import in progress does) until it commits."""
    import psycopg  # present: the pg_cluster fixture skipped otherwise

    conn = psycopg.connect(host=pg_cluster.host, port=pg_cluster.port, user=pg_cluster.user, dbname=pg_cluster.dbname,
                           password=pg_cluster.password)
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"landpark-layer:{schema}.{layer}",))
    return conn


def test_second_writer_waits_then_fails_cleanly(pg_cluster, demo_project):  # noqa: F811
    project = PostgisProject.create(pg_cluster.url("writers"), crs="EPSG:4549")
    parks = demo_project.read_layer("parks")
    project.write_layer("parks", parks)
    holder = _hold_layer_lock(pg_cluster, "writers", "parks")
    try:
        impatient = PostgisProject(pg_cluster.url("writers"), lock_wait=0.6)
        start = time.perf_counter()
        with pytest.raises(InputError, match="being written by another import") as caught:
            impatient.write_layer("parks", parks.iloc[:2])
        assert 0.6 <= time.perf_counter() - start < 5
        assert "正由另一次导入写入" in caught.value.message_zh
        assert project.feature_count("parks") == 4 and len(project.versions()) == 1

        patient = PostgisProject(pg_cluster.url("writers"), lock_wait=30)
        done = threading.Event()
        thread = threading.Thread(target=lambda: (patient.write_layer("parks", parks.iloc[:3]), done.set()))
        thread.start()
        time.sleep(1.0)
        assert not done.is_set() and project.feature_count("parks") == 4  # waiting, nothing written yet
    finally:
        holder.commit()
        holder.close()
    thread.join(30)
    assert done.is_set() and project.feature_count("parks") == 3
    assert project.versions()["version"].tolist() == [1, 2]


def test_concurrent_writers_a_reader_and_a_copy(pg_cluster, demo_project, monkeypatch, tmp_path):  # noqa: F811
    url = pg_cluster.url("busy")
    project = PostgisProject.create(url, crs="EPSG:4549")
    parcels = demo_project.read_layer("parcels").iloc[:3000].reset_index(drop=True)
    project.write_layer("parcels", parcels.iloc[:1000])
    paused, resume = threading.Event(), threading.Event()
    real = PostgisProject._copy_rows

    def slow(conn, statement, rows):
        real(conn, statement, rows)
        if threading.current_thread().name == "writer-a":
            paused.set()
            resume.wait(30)

    monkeypatch.setattr(PostgisProject, "_copy_rows", staticmethod(slow))
    errors: list[BaseException] = []

    def write(frame):
        try:
            PostgisProject(url).write_layer("parcels", frame)
        except BaseException as exc:  # reported below
            errors.append(exc)

    a = threading.Thread(target=write, args=(parcels.iloc[:2000],), name="writer-a")
    b = threading.Thread(target=write, args=(parcels.iloc[:3000],), name="writer-b")
    a.start()
    assert paused.wait(30)
    b.start()
    time.sleep(0.5)
    seen = project.read_layer("parcels", columns=["parcel_id"])  # while A is mid-write and B waits for A
    assert len(seen) == 1000
    copied: list = []
    copier = threading.Thread(target=lambda: copied.append(copy_project(url, tmp_path / "snapshot")))
    copier.start()  # a whole-project copy waits for A, and B waits for the copy: it sees A's layer, whole
    time.sleep(0.5)
    assert not copied
    resume.set()
    a.join(60)
    b.join(60)
    copier.join(60)
    assert not errors
    assert copied[0].versions()["features"].tolist() == [1000, 2000]
    assert copied[0].read_layer("parcels")["parcel_id"].tolist() == parcels["parcel_id"].iloc[:2000].tolist()
    table = project.versions()
    assert table["version"].tolist() == [1, 2, 3] and table["features"].tolist() == [1000, 2000, 3000]
    assert project.read_layer("parcels")["parcel_id"].tolist() == parcels["parcel_id"].tolist()



def test_import_into_a_database_url_creates_then_versions_the_layer(pg_cluster, tmp_path):  # noqa: F811
    """`landpark import … --into postgresql://…`: the first import creates the project in the schema, a second one
    (replace, with a date) becomes version 2 and keeps version 1 — the same rules as a folder."""
    from layers.importer import import_source

    url = pg_cluster.url("imported")
    for name, ids in (("v1", ["A", "B"]), ("v2", ["C"])):
        boxes = [shapely.box(500000.0 + 200 * i, 3300000.0, 500100.0 + 200 * i, 3300100.0) for i in range(len(ids))]
        gpd.GeoDataFrame({"line_id": ids, "name": ids, "level": ["一级"] * len(ids)}, geometry=boxes,
                         crs="EPSG:4549").to_file(tmp_path / f"{name}.gpkg", driver="GPKG", engine="pyogrio")
    import_source(str(tmp_path / "v1.gpkg"), "protection_lines", url)
    import_source(str(tmp_path / "v2.gpkg"), "protection_lines", url, mode="replace", valid_from="2025-06-30")
    project = PostgisProject.open(url)
    assert sorted(project.read_layer("protection_lines")["line_id"]) == ["C"]
    assert sorted(project.read_layer("protection_lines", version=1)["line_id"]) == ["A", "B"]
    assert project.versions()["valid_from"].tolist() == [None, "2025-06-30"]
    # 100 m squares: PostGIS's own planar area of the current layer
    with project._connection() as conn:
        column = conn.execute("SELECT f_geometry_column FROM geometry_columns WHERE f_table_schema = %s AND "
                              "f_table_name = 'protection_lines'", (project.schema,)).fetchone()[0]
        area = conn.execute(f'SELECT sum(ST_Area("{column}")) FROM "{project.schema}".protection_lines').fetchone()[0]
    assert area == pytest.approx(10_000.0)
