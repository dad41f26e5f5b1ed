"""The project folder: creation, toml defaults, atomic writes, data issues."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import pytest
import shapely

from layers.config import default_config, load_config
from layers.problems import InputError, Problem
from layers.project import Project


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parcels(n=3):
    return gpd.GeoDataFrame({"parcel_id": [f"P{i}" for i in range(n)], "land_use": ["0601"] * n,
                             "supply_status": ["built"] * n},
                            geometry=[shapely.box(500000 + i * 100, 3300000, 500050 + i * 100, 3300050) for i in range(n)],
                            crs="EPSG:4549")


def test_default_toml_has_sources_and_huangyan_numbers():
    text = (Project.create.__globals__["config_text_with"])()
    assert "黄岩" in text and "24.097" in text and "0.2352" in text
    cfg = default_config()
    assert cfg.enterprise.above_scale.weights == (30, 20, 20, 10, 10, 10)
    assert cfg.supply.floor_ratio == 0.60


def test_project_roundtrip_and_issues(tmp_path):
    project = Project.create(tmp_path / "p", region="测试区", year=2024)
    assert load_config(project.root).project.region == "测试区"
    assert load_config(project.root).project.year == 2024
    issue = Problem("warning", "duplicate_id", "parcel_id P1 appears 2 times", source="a.zip", layer="parcels", feature="P1")
    project.write_layer("parcels", parcels(), issues=[issue])
    back = project.read_layer("parcels")
    assert list(back["parcel_id"]) == ["P0", "P1", "P2"]
    assert back.crs.to_epsg() == 4549
    issues = project.data_issues()
    assert issues.loc[0, "feature"] == "P1" and issues.loc[0, "code"] == "duplicate_id"
    # re-importing a layer replaces its issues, keeps other layers'
    road = shapely.LineString([(500000, 3300000), (500100, 3300000)])
    project.write_layer("roads", gpd.GeoDataFrame({"road_id": ["R1"]}, geometry=[road],
                                                  crs="EPSG:4549"), issues=[Problem("warning", "x", "road issue", layer="roads")])
    project.write_layer("parcels", parcels(2), issues=[])
    assert set(project.data_issues()["layer"]) == {"roads"}


def test_failed_write_leaves_project_byte_identical(tmp_path, monkeypatch):
    import layers.project as store

    project = Project.create(tmp_path / "p")
    project.write_layer("parcels", parcels(), issues=[])
    before = {p.name: digest(p) for p in project.root.iterdir()}
    real = store._write_frame

    def fail_on_roads(path, layer, frame, crs):
        if layer == "roads":
            raise OSError("disk full (simulated)")
        real(path, layer, frame, crs)

    monkeypatch.setattr(store, "_write_frame", fail_on_roads)
    roads = gpd.GeoDataFrame({"road_id": ["R1"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs="EPSG:4549")
    with pytest.raises(OSError, match="simulated"):
        project.write_layers({"parcels": parcels(5), "roads": roads}, issues=[])
    after = {p.name: digest(p) for p in project.root.iterdir()}
    assert before == after  # no temp files left, every file unchanged


def test_open_refuses_a_folder_that_is_not_a_project(tmp_path):
    with pytest.raises(InputError, match="not a Landpark project"):
        Project.open(tmp_path)


def test_bad_toml_names_the_file(tmp_path):
    project = Project.create(tmp_path / "p")
    project.config_path.write_text("[project\nyear = 2024\n", encoding="utf-8")
    with pytest.raises(InputError, match="landpark.toml"):
        _ = project.config


def test_layer_list_and_versions_are_read_once_per_state_of_the_file(tmp_path, monkeypatch):
    """The layer list and version table are kept per state of project.gpkg: asked again, GDAL is not asked again;
    after a write (another state), the new layer and its version are there at once."""
    import pyogrio

    import layers.project as store

    project = Project.create(tmp_path / "p")
    project.write_layer("parcels", parcels(), issues=[])
    calls: list[str] = []
    real = pyogrio.list_layers
    monkeypatch.setattr(store.pyogrio, "list_layers", lambda path: calls.append(str(path)) or real(path))
    first = project.layer_names()
    assert Project(project.root).layer_names() == first and len(calls) == 1  # another handle on the same file too
    first.append("changed by the caller")
    assert "changed by the caller" not in project.layer_names()  # each caller gets its own list
    versions = project.versions()
    assert list(versions["layer"]) == ["parcels"]
    road = shapely.LineString([(500000, 3300000), (500100, 3300000)])
    project.write_layer("roads", gpd.GeoDataFrame({"road_id": ["R1"]}, geometry=[road], crs="EPSG:4549"), issues=[])
    assert "roads" in project.layer_names()
    assert sorted(project.versions()["layer"]) == ["parcels", "roads"]
