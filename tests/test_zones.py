"""Parks as bureaus list them: 核准面积 with its unit (公顷 / km² / 亩, stored in 亩), 批准级别, 批准时间,
开发区代码; the approved area is compared with the polygon's and large differences are flagged."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from layers.config import default_config
from layers.validation import validate_source
from layers.values import parse_approval_level, parse_area_mu

X0, Y0 = 40_500_000.0, 3_300_000.0  # on the central meridian of CGCS2000 GK zone 40 (EPSG:4528)
SIDE_150_MU = math.sqrt(150 * 10000 / 15)  # a square of 150 亩 = 100 000 m²


def parks(tmp_path: Path, columns: dict, n: int, name: str = "zones") -> Path:
    geoms = [shapely.box(X0 + 1000 * i, Y0, X0 + 1000 * i + SIDE_150_MU, Y0 + SIDE_150_MU) for i in range(n)]
    base = {"园区编号": [f"K{i}" for i in range(n)], "园区名称": [f"开发区{i}" for i in range(n)]}
    path = tmp_path / f"{name}.gpkg"
    gpd.GeoDataFrame({**base, **columns}, geometry=geoms, crs=4528).to_file(path, driver="GPKG", engine="pyogrio")
    return path


def codes(report, code: str) -> list:
    return [p for p in report.problems if p.code == code]


def test_area_values_read_into_mu_hand_computed():
    values = parse_area_mu(["10公顷", "0.2km²", "0.2 ㎢", "300亩", "100000平方米", "10 ha"]).values
    assert values.tolist() == pytest.approx([150.0, 300.0, 300.0, 300.0, 150.0, 150.0])
    header = parse_area_mu([10, "0.2"], header_factor=15.0)
    assert header.values.tolist() == pytest.approx([150.0, 3.0]) and header.unit_source == "header"
    from_cells = parse_area_mu(["10公顷", 20])
    assert from_cells.values.tolist() == pytest.approx([150.0, 300.0]) and from_cells.unit_source == "values"
    bare = parse_area_mu([150, 300])
    assert bare.unit_source == "assumed" and bare.values.tolist() == [150.0, 300.0]
    bad = parse_area_mu(["大约十公顷"])
    assert [i.code for i in bad.issues] == ["not_a_number"]


@pytest.mark.parametrize(("header", "values", "expected"), [
    ("核准面积(公顷)", [10.0, 20.0], [150.0, 300.0]),
    ("核准面积（平方公里）", [0.2, 0.1], [300.0, 150.0]),
    ("核准面积(km²)", [0.2, 0.1], [300.0, 150.0]),
    ("核准面积(亩)", [150.0, 300.0], [150.0, 300.0]),
    ("批准面积公顷", [10.0, 20.0], [150.0, 300.0]),
    ("核准面积", ["10公顷", "0.2km²"], [150.0, 300.0]),
    ("核准面积(公顷)", ["10公顷", "300亩"], [150.0, 300.0]),  # a cell's own unit wins
])
def test_approved_area_units_from_header_or_values(tmp_path, header, values, expected):
    report = validate_source(parks(tmp_path, {header: values}, 2), "parks")
    assert report.ok, [str(p) for p in report.blocking]
    assert report.mapping[header] == "approved_area_mu"
    assert report.frame["approved_area_mu"].tolist() == pytest.approx(expected)
    assert not codes(report, "not_a_number")


def test_bare_numbers_without_a_unit_are_read_as_mu_and_said(tmp_path):
    report = validate_source(parks(tmp_path, {"核准面积": [150.0, 10.0]}, 2), "parks")
    assert [p.severity for p in codes(report, "approved_area_unit_assumed")] == ["warning"]
    # 10 read as 亩 against a polygon of 150 亩: flagged, with the likely unit named
    flagged = codes(report, "approved_area_differs")
    assert [p.feature for p in flagged] == ["K1"] and "公顷" in flagged[0].message


def test_level_date_and_zone_code(tmp_path):
    columns = {"批准级别": ["国家级经济技术开发区", "省级", "区级", "国家"], "批准时间": ["1992-10-01", "2006年3月1日",
                                                                             "20100501", "—"],
               "开发区代码": ["G331001", "S337001", "X1", "G1"]}
    report = validate_source(parks(tmp_path, columns, 4), "parks")
    frame = report.frame
    assert frame["level"].tolist() == ["国家级", "省级", "县级", "国家级"]
    assert frame["approval_date"].tolist()[:3] == ["1992-10-01", "2006-03-01", "2010-05-01"]
    assert frame["zone_code"].tolist() == ["G331001", "S337001", "X1", "G1"]
    assert frame["park_id"].tolist() == ["K0", "K1", "K2", "K3"]  # the park's own id stays the id


def test_unknown_level_is_reported():
    values, issues = parse_approval_level(["乡级", "国家级"])
    assert values.tolist() == [None, "国家级"] and [i.code for i in issues] == ["unknown_value"]


def test_zone_code_is_the_id_when_the_list_has_no_other(tmp_path):
    geoms = [shapely.box(X0, Y0, X0 + 100, Y0 + 100)]
    path = tmp_path / "catalogue.gpkg"
    gpd.GeoDataFrame({"代码": ["G331001"], "开发区名称": ["宁波经济技术开发区"], "核准面积(公顷)": [2960.0]},
                     geometry=geoms, crs=4528).to_file(path, driver="GPKG", engine="pyogrio")
    report = validate_source(path, "parks")
    assert report.ok and report.frame["park_id"].tolist() == ["G331001"]
    assert report.frame["zone_code"].tolist() == ["G331001"] and codes(report, "zone_code_as_id")


def test_approved_area_far_from_polygon_is_flagged_and_close_is_not(tmp_path):
    # polygons are 150 亩 each: approved 300 亩 differs by 50 % (flagged), 160 亩 by 6 % (within 20 %)
    report = validate_source(parks(tmp_path, {"核准面积(亩)": [300.0, 160.0, None]}, 3), "parks")
    flagged = codes(report, "approved_area_differs")
    assert [p.feature for p in flagged] == ["K0"]
    assert flagged[0].severity == "warning" and "150.0 亩" in flagged[0].message and "300.0 亩" in flagged[0].message
    assert "50%" in flagged[0].message and "20%" in flagged[0].message


def test_threshold_comes_from_the_settings(tmp_path):
    assert default_config().import_.approved_area_tolerance == pytest.approx(0.20)
    from layers.config import config_from_dict

    strict = config_from_dict({"import": {"approved_area_tolerance": 0.05}})
    report = validate_source(parks(tmp_path, {"核准面积(亩)": [160.0]}, 1), "parks", config=strict)
    assert [p.feature for p in codes(report, "approved_area_differs")] == ["K0"]
    with pytest.raises(Exception, match="approved_area_tolerance"):
        config_from_dict({"import": {"approved_area_tolerance": 0}})


def test_zone_fields_survive_an_import(tmp_path):
    from layers.importer import import_source
    from layers.project import Project

    source = parks(tmp_path, {"核准面积(公顷)": [20.0], "批准级别": ["省级开发区"], "批准时间": ["2006-03-01"],
                              "开发区代码": ["S337001"]}, 1)
    import_source(source, "parks", tmp_path / "p")
    project = Project.open(tmp_path / "p")
    row = project.read_layer("parks").iloc[0]
    assert row["approved_area_mu"] == pytest.approx(300.0) and row["level"] == "省级"
    assert row["zone_code"] == "S337001" and str(row["approval_date"])[:10] == "2006-03-01"
    assert list(project.data_issues()["code"]) == ["approved_area_differs"]
