"""Search areas from the app: drawn GeoJSON features, uploaded files and zips, and the GeoJSON export.

Expectations come from the construction: lon 120° is x = 500 000 m in EPSG:4549 (its central
meridian and false easting), areas from pyproj.Geod, geometry round trips through files.
"""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import pyogrio
import pyproj
import pytest
import shapely
from shapely.geometry import mapping, shape

from analysis.siting import read_search_area
from analysis.siting.search_area import area_from_features, area_from_upload, area_mu, area_to_geojson
from layers.problems import InputError

GK = "EPSG:4549"
MU = 10000 / 15
GEOD = pyproj.Geod(a=6378137.0, rf=298.257222101)
SQUARE = shapely.box(120.0, 30.0, 120.01, 30.01)  # lon/lat


def feature(geom) -> dict:
    return {"type": "Feature", "properties": {}, "geometry": mapping(geom)}


def test_drawn_polygon_becomes_project_crs_and_keeps_its_area():
    area = area_from_features([feature(SQUARE)], GK)
    xmin = area.bounds[0]
    assert xmin == pytest.approx(500_000.0, abs=1e-3)  # lon 120° lies on EPSG:4549's central meridian
    expected_mu = abs(GEOD.geometry_area_perimeter(SQUARE)[0]) / MU
    assert area_mu(area, GK) == pytest.approx(expected_mu, rel=1e-4)


def test_lines_points_and_empty_drawings_are_not_search_areas():
    assert area_from_features(None, GK) is None
    assert area_from_features([], GK) is None
    no_polygon = [feature(shapely.Point(120, 30)), feature(shapely.LineString([(120, 30), (120.1, 30)]))]
    assert area_from_features(no_polygon, GK) is None
    assert area_from_features([{"type": "Feature", "geometry": None}, {"bogus": 1}], GK) is None


def test_two_drawn_shapes_union_and_bowtie_is_repaired():
    other = shapely.box(120.02, 30.0, 120.03, 30.01)
    both = area_from_features([feature(SQUARE), feature(other), feature(shapely.Point(120, 30))], GK)
    assert both.geom_type == "MultiPolygon" and len(both.geoms) == 2
    bowtie = shapely.Polygon([(120, 30), (120.01, 30.01), (120.01, 30), (120, 30.01)])
    repaired = area_from_features([feature(bowtie)], GK)
    assert repaired.is_valid and repaired.area > 0


def test_uploaded_geojson_without_crs_is_lonlat():
    data = json.dumps({"type": "FeatureCollection", "features": [feature(SQUARE)]}).encode()
    area = area_from_upload(data, "范围.geojson", GK)
    assert area.equals_exact(area_from_features([feature(SQUARE)], GK), tolerance=1e-3)


def _zipped_shapefile(tmp_path, frame: gpd.GeoDataFrame, folder: str, extra: gpd.GeoDataFrame | None = None) -> bytes:
    src = tmp_path / "src" / folder
    src.mkdir(parents=True)
    pyogrio.write_dataframe(frame, src / "范围.shp", encoding="utf-8")
    if extra is not None:
        pyogrio.write_dataframe(extra, src / "另一个.shp", encoding="utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(src.iterdir()):
            archive.write(path, f"{folder}/{path.name}")
    return buffer.getvalue()


def test_uploaded_zipped_shapefile_in_a_folder_keeps_its_crs(tmp_path):
    gk_square = shapely.box(560_000, 3_300_000, 561_000, 3_301_000)
    frame = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[gk_square], crs=GK)
    area = area_from_upload(_zipped_shapefile(tmp_path, frame, "选址范围"), "search.zip", GK)
    assert shapely.equals_exact(area.normalize(), gk_square.normalize(), tolerance=1e-6)
    # A shapefile in lon/lat (its .prj says EPSG:4490) is reprojected.
    lonlat = gpd.GeoDataFrame({"name": ["乙"]}, geometry=[SQUARE], crs="EPSG:4490")
    area = area_from_upload(_zipped_shapefile(tmp_path / "b", lonlat, "b"), "b.zip", GK)
    assert area.bounds[0] == pytest.approx(500_000.0, abs=1e-3)


def test_bad_uploads_say_what_is_wrong(tmp_path):
    with pytest.raises(InputError, match="use a GeoJSON"):
        area_from_upload(b"x", "area.txt", GK)
    with pytest.raises(InputError, match="above the limit"):
        area_from_upload(b"x" * 2048, "area.geojson", GK, max_bytes=1024)
    with pytest.raises(InputError, match="not a readable zip"):
        area_from_upload(b"not a zip", "area.zip", GK)
    with pytest.raises(InputError, match="area.geojson"):
        area_from_upload(b"{not json", "area.geojson", GK)
    points = json.dumps({"type": "FeatureCollection", "features": [feature(shapely.Point(120, 30))]}).encode()
    with pytest.raises(InputError, match="no polygon"):
        area_from_upload(points, "points.geojson", GK)
    frame = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=GK)
    with pytest.raises(InputError, match="several datasets"):
        area_from_upload(_zipped_shapefile(tmp_path, frame, "two", extra=frame), "two.zip", GK)


def test_exported_search_area_reads_back_for_the_cli(tmp_path):
    area = area_from_features([feature(SQUARE)], GK)
    path = tmp_path / "search_area.geojson"
    path.write_text(area_to_geojson(area, GK), encoding="utf-8")
    back = read_search_area(path, GK)
    assert back.symmetric_difference(area).area < 1e-3 * area.area
    lonlat = shape(json.loads(path.read_text(encoding="utf-8"))["features"][0]["geometry"])
    assert lonlat.bounds == pytest.approx(SQUARE.bounds, abs=1e-7)
