"""Web-map datums (GCJ-02, BD-09): stated, read from column names, suspected, converted to < 1 m."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely

from layers.project import Project
from layers.readers import read_source
from layers.validation import validate_source
from spatial.crs import detect_crs
from spatial.gcj02 import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometries_to_datum,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

ROOT = Path(__file__).resolve().parents[1]
GEOD = pyproj.Geod(ellps="WGS84")
TO_GK = pyproj.Transformer.from_crs(4490, 4549, always_xy=True)
FROM_GK = pyproj.Transformer.from_crs(4549, 4490, always_xy=True)
# Park centres near Ningbo (CGCS2000 lon/lat) and one far from the others.
CENTRES = [(121.55, 29.87), (121.58, 29.88), (121.52, 29.85), (121.60, 29.90), (121.56, 29.92), (121.50, 29.89)]


def landpark(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def park_polygons(centres=CENTRES, radius_m: float = 400.0) -> list[shapely.Polygon]:
    """Sixteen-sided parks of `radius_m` around `centres`, as CGCS2000 lon/lat polygons."""
    out = []
    for lon, lat in centres:
        x, y = TO_GK.transform(lon, lat)
        ring = np.asarray(shapely.Point(x, y).buffer(radius_m, quad_segs=4).exterior.coords)
        lons, lats = FROM_GK.transform(ring[:, 0], ring[:, 1])
        out.append(shapely.Polygon(np.column_stack([lons, lats])))
    return out


def write_geojson(path: Path, geoms, *, crs_member: str | None = None, properties=None) -> Path:
    features = []
    for i, g in enumerate(geoms):
        props = {"园区编号": f"Y{i + 1:02d}", "园区名称": f"园区{i + 1}"}
        if properties is not None:
            props.update(properties(i))
        features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(g)})
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs_member:
        doc["crs"] = {"type": "name", "properties": {"name": crs_member}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def shifted(geoms, datum: str) -> list:
    return list(geometries_to_datum(np.asarray(geoms, dtype=object), datum))


def max_vertex_error(got, truth) -> float:
    a, b = shapely.get_coordinates(np.asarray(got, dtype=object)), shapely.get_coordinates(np.asarray(truth, dtype=object))
    assert a.shape == b.shape
    return float(metres(a[:, 0], a[:, 1], b[:, 0], b[:, 1]).max())


def codes(problems) -> list[str]:
    return [p.code for p in problems]


# --------------------------------------------------------------------------- transforms


def china_grid():
    lon, lat = np.meshgrid(np.linspace(73.7, 134.9, 240), np.linspace(18.2, 53.4, 160))
    return lon.ravel(), lat.ravel()


def test_gcj02_round_trip_over_china_is_far_below_a_metre():
    lon, lat = china_grid()
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    shift = metres(lon, lat, g_lon, g_lat)
    assert 10 < shift.min() and shift.max() < 720  # the size the notes state: 20–710 m
    back = gcj02_to_wgs84(g_lon, g_lat)
    assert metres(lon, lat, *back).max() < 0.01  # measured: ~1e-6 m


def test_bd09_round_trip_over_china_is_far_below_a_metre():
    lon, lat = china_grid()
    b_lon, b_lat = wgs84_to_bd09(lon, lat)
    shift = metres(lon, lat, b_lon, b_lat)
    assert 650 < shift.min() and shift.max() < 1550  # the size the notes state: 0.7–1.5 km
    assert metres(lon, lat, *bd09_to_wgs84(b_lon, b_lat)).max() < 0.01
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    bg = bd09_to_gcj02(*gcj02_to_bd09(g_lon, g_lat))
    assert metres(g_lon, g_lat, *bg).max() < 0.01


def test_bd09_matches_the_published_vector():
    # wandergis/coordTransform README (Beijing): gcj02tobd09(116.404, 39.915) and bd09togcj02(116.404, 39.915);
    # the latter is the closed-form inverse, which the iterated inverse here improves by a few centimetres.
    b_lon, b_lat = gcj02_to_bd09(116.404, 39.915)
    assert abs(b_lon - 116.41036949371029) < 1e-9 and abs(b_lat - 39.92133699351021) < 1e-9
    g_lon, g_lat = bd09_to_gcj02(116.404, 39.915)
    assert metres(g_lon, g_lat, 116.39762729119315, 39.90865673957631) < 0.3


def test_no_shift_outside_china():
    lon, lat = np.array([2.35, -74.0, 151.2]), np.array([48.85, 40.7, -33.9])
    for func in (wgs84_to_bd09, bd09_to_wgs84, gcj02_to_bd09, bd09_to_gcj02):
        out_lon, out_lat = func(lon, lat)
        np.testing.assert_array_equal(out_lon, lon)
        np.testing.assert_array_equal(out_lat, lat)


# --------------------------------------------------------------------------- --crs parsing


@pytest.mark.parametrize("text, key", [("GCJ-02", "gcj02"), ("gcj02", "gcj02"), ("gcj-02", "gcj02"), ("GCJ02", "gcj02"),
                                       ("高德", "gcj02"), ("BD-09", "bd09"), ("BD09", "bd09"), ("bd09ll", "bd09"),
                                       ("百度", "bd09")])
def test_crs_option_accepts_web_datums(text, key):
    found = detect_crs(user_crs=text, bounds=(121.5, 29.8, 121.6, 29.9))
    assert found.datum_shift == key and found.epsg == 4490 and found.method == "user" and not found.is_guess
    label = {"gcj02": "GCJ-02", "bd09": "BD-09"}[key]
    assert f"{label} (converted to CGCS2000, inverse < 1 m)" in found.note


def test_web_datum_with_metre_coordinates_is_refused():
    from spatial.crs import CRSError
    with pytest.raises(CRSError, match="not degrees"):
        detect_crs(user_crs="GCJ-02", bounds=(500000, 3300000, 510000, 3310000))


def test_guess_note_for_degrees_names_gcj02_and_bd09_with_their_error():
    found = detect_crs(bounds=(121.5, 29.8, 121.6, 29.9))
    assert found.is_guess
    assert "GCJ-02" in found.note and "20–710 m" in found.note
    assert "BD-09" in found.note and "0.7–1.5 km" in found.note


# --------------------------------------------------------------------------- CLI validate / import


@pytest.mark.parametrize("spelling, datum", [("GCJ-02", "gcj02"), ("gcj02", "gcj02"), ("BD09", "bd09")])
def test_cli_validate_and_import_convert_to_within_a_metre(tmp_path, spelling, datum):
    truth = park_polygons()
    source = write_geojson(tmp_path / "parks.geojson", shifted(truth, datum))  # RFC 7946: labelled WGS 84
    run = landpark("validate", str(source), "--kind", "parks", "--crs", spelling, "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads(run.stdout)
    label = {"gcj02": "GCJ-02", "bd09": "BD-09"}[datum]
    assert doc["crs"]["epsg"] == 4490 and f"{label} (converted to CGCS2000, inverse < 1 m)" in doc["crs"]["note"]
    assert "datum_converted" in [p["code"] for p in doc["problems"]]
    assert landpark("validate", str(source), "--kind", "parks", "--crs", spelling).returncode == 0
    project = tmp_path / "proj"
    run = landpark("import", str(source), "--kind", "parks", "--into", str(project), "--crs", spelling)
    assert run.returncode == 0, run.stdout + run.stderr
    layer = Project.open(project).read_layer("parks").to_crs(4490)
    assert max_vertex_error(layer.geometry.to_numpy(), truth) < 1.0


def test_without_crs_a_shifted_layer_lands_hundreds_of_metres_off(tmp_path):
    """What the conversion prevents: read as labelled, GCJ-02 boundaries sit ~500 m off near Ningbo."""
    truth = park_polygons()
    read = read_source(write_geojson(tmp_path / "p.geojson", shifted(truth, "gcj02")))
    assert 300 < max_vertex_error(read.frame.geometry.to_numpy(), truth) < 700


# --------------------------------------------------------------------------- DataV signature


@pytest.mark.parametrize("crs_member", [None, "urn:ogc:def:crs:OGC:1.3:CRS84"])
def test_datav_geojson_gets_the_warning(tmp_path, crs_member):
    geoms = shifted(park_polygons()[:2], "gcj02")

    def props(i):
        return {"adcode": 330203 + i, "name": f"区{i}", "center": [121.55, 29.87], "centroid": [121.55, 29.87],
                "childrenNum": 0, "level": "district", "acroutes": [100000, 330000, 330200], "parent": {"adcode": 330200}}

    source = write_geojson(tmp_path / "330200.json", geoms, crs_member=crs_member, properties=props)
    report = validate_source(source, "parks")
    warned = [p for p in report.problems if p.code == "datum_gcj02_suspected"]
    assert len(warned) == 1 and warned[0].severity == "warning"
    assert "adcode" in warned[0].message and "acroutes" in warned[0].message and "DataV" in warned[0].message
    assert "GCJ-02" in warned[0].message and "20–710 m" in warned[0].message
    stated = validate_source(source, "parks", crs="GCJ-02")  # once stated, no suspicion
    assert "datum_gcj02_suspected" not in codes(stated.problems)


def test_plain_geojson_without_signature_gets_no_warning(tmp_path):
    report = validate_source(write_geojson(tmp_path / "p.geojson", park_polygons()), "parks")
    assert not [c for c in codes(report.problems) if c.startswith("datum_")]


# --------------------------------------------------------------------------- coordinate columns


def write_csv(path: Path, header: tuple[str, str], points, extra=None) -> Path:
    lines = ["企业名称,统一社会信用代码," + ",".join(header) + ("," + ",".join(extra[0]) if extra else "")]
    for i, (x, y) in enumerate(points):
        row = f"企业{i},91330212MA2AB{i:05d},{float(x):.10f},{float(y):.10f}"
        if extra:
            row += "," + ",".join(f"{float(v):.10f}" for v in extra[1][i])
        lines.append(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("header, datum", [(("经度_GCJ02", "纬度_GCJ02"), "gcj02"), (("lng_gcj02", "lat_gcj02"), "gcj02"),
                                           (("百度经度", "百度纬度"), "bd09"), (("经度(BD09)", "纬度(BD09)"), "bd09")])
def test_csv_columns_naming_a_web_datum_are_converted(tmp_path, header, datum):
    lon, lat = np.array(CENTRES).T
    s_lon, s_lat = (wgs84_to_gcj02 if datum == "gcj02" else wgs84_to_bd09)(lon, lat)
    source = write_csv(tmp_path / "企业.csv", header, zip(s_lon, s_lat))
    read = read_source(source)
    assert read.crs.datum_shift == datum and read.crs.method == "column_name" and read.crs.epsg == 4490
    assert header[0] in read.crs.note and "inverse < 1 m" in read.crs.note
    pts = read.frame.geometry.to_numpy()
    assert metres(shapely.get_x(pts), shapely.get_y(pts), lon, lat).max() < 1.0
    report = validate_source(source, "enterprises")
    assert report.ok and "datum_converted" in codes(report.problems)


@pytest.mark.parametrize("header", [("经度_WGS84", "纬度_WGS84"), ("lng_wgs84", "lat_wgs84"), ("WGS84经度", "WGS84纬度")])
def test_csv_columns_naming_wgs84_are_read_as_4326(tmp_path, header):
    lon, lat = np.array(CENTRES).T
    read = read_source(write_csv(tmp_path / "企业.csv", header, zip(lon, lat)))
    assert read.crs.epsg == 4326 and read.crs.datum_shift is None and read.crs.method == "column_name"
    pts = read.frame.geometry.to_numpy()
    np.testing.assert_allclose(shapely.get_x(pts), lon)
    assert header[0] not in read.frame.columns  # the coordinate columns became the geometry


def test_csv_with_both_wgs84_and_gcj02_columns_reads_the_wgs84_pair(tmp_path):
    lon, lat = np.array(CENTRES).T
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    source = write_csv(tmp_path / "企业.csv", ("经度_GCJ02", "纬度_GCJ02"), zip(g_lon, g_lat),
                       extra=(("经度_WGS84", "纬度_WGS84"), list(zip(lon, lat))))
    read = read_source(source)
    assert read.crs.epsg == 4326 and "other_coordinates" in codes(read.problems)
    assert "经度_GCJ02" in read.frame.columns


def test_stated_crs_wins_over_column_datum_with_a_warning(tmp_path):
    lon, lat = np.array(CENTRES).T
    source = write_csv(tmp_path / "企业.csv", ("经度_GCJ02", "纬度_GCJ02"), zip(lon, lat))
    read = read_source(source, crs="EPSG:4490")
    assert read.crs.epsg == 4490 and read.crs.datum_shift is None
    assert "datum_conflict" in codes(read.problems)
    np.testing.assert_allclose(shapely.get_x(read.frame.geometry.to_numpy()), lon)


def test_xy_columns_in_a_projected_crs(tmp_path):
    x, y = TO_GK.transform(*np.array(CENTRES).T)
    read = read_source(write_csv(tmp_path / "企业.csv", ("X坐标", "Y坐标"), zip(x, y)), crs="EPSG:4549")
    assert read.crs.epsg == 4549 and read.frame.crs.to_epsg() == 4549
    np.testing.assert_allclose(shapely.get_x(read.frame.geometry.to_numpy()), x)
    read = read_source(write_csv(tmp_path / "b.csv", ("横坐标", "纵坐标"), zip(x, y)), crs="EPSG:4549")
    np.testing.assert_allclose(shapely.get_y(read.frame.geometry.to_numpy()), y)


def test_survey_order_xy_columns_are_recognised(tmp_path):
    """Chinese surveying writes X for the northing: X坐标 holding northings is read as such, with a warning."""
    x, y = TO_GK.transform(*np.array(CENTRES).T)
    read = read_source(write_csv(tmp_path / "企业.csv", ("X坐标", "Y坐标"), zip(y, x)), crs="EPSG:4549")
    assert "survey_axes" in codes(read.problems)
    np.testing.assert_allclose(shapely.get_x(read.frame.geometry.to_numpy()), x)


# --------------------------------------------------------------------------- offset against the project


@pytest.fixture()
def parks_project(tmp_path):
    source = write_geojson(tmp_path / "parks.geojson", park_polygons(), crs_member="urn:ogc:def:crs:EPSG::4490")
    run = landpark("import", str(source), "--kind", "parks", "--into", str(tmp_path / "proj"))
    assert run.returncode == 0, run.stdout + run.stderr
    return Project.open(tmp_path / "proj")


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_offset_rule_warns_on_a_shifted_copy(tmp_path, parks_project, datum):
    source = write_geojson(tmp_path / "copy.geojson", shifted(park_polygons(), datum))
    report = validate_source(source, "parks", project=parks_project)
    warned = [p for p in report.problems if p.code.startswith("datum_") and p.code.endswith("_suspected")]
    assert [p.code for p in warned] == [f"datum_{datum}_suspected"]
    assert "median distance" in warned[0].message and "nearest boundary" in warned[0].message


def test_offset_rule_is_silent_on_an_unshifted_copy(tmp_path, parks_project):
    source = write_geojson(tmp_path / "copy.geojson", park_polygons())
    report = validate_source(source, "parks", project=parks_project)
    assert not [c for c in codes(report.problems) if c.startswith("datum_")]


def test_offset_rule_is_silent_on_a_stated_gcj02_layer(tmp_path, parks_project):
    source = write_geojson(tmp_path / "copy.geojson", shifted(park_polygons(), "gcj02"))
    report = validate_source(source, "parks", project=parks_project, crs="GCJ-02")
    assert "datum_gcj02_suspected" not in codes(report.problems)
    assert max_vertex_error(report.frame.to_crs(4490).geometry.to_numpy(), park_polygons()) < 1.0


def test_outside_china_nothing_is_shifted_or_suspected(tmp_path, parks_project):
    paris = park_polygons([(2.35, 48.85), (2.37, 48.86)])
    source = write_geojson(tmp_path / "paris.geojson", paris)
    assert not [c for c in codes(validate_source(source, "parks", project=parks_project).problems) if c.startswith("datum_")]
    read = read_source(source, crs="GCJ-02")
    assert "datum_outside_china" in codes(read.problems)
    assert max_vertex_error(read.frame.geometry.to_numpy(), paris) < 1e-6
