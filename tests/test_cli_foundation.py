"""`landpark validate` / `import` through the real console script, on bureau-shaped data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
import shapely
from pyproj import Transformer

from tests import bureau

ROOT = Path(__file__).resolve().parents[1]


def landpark(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


def test_validate_gbk_zip_zone_prefixed_prj(tmp_path):
    source = bureau.gbk_shapefile_zip(tmp_path)
    run = landpark("validate", str(source), "--kind", "parcels", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)  # stdout is one JSON document and nothing else
    assert doc["crs"]["epsg"] == 4528
    assert doc["encoding"]["encoding"].lower().replace("-", "") in ("gbk", "gb18030", "cp936")
    assert doc["sample_values"]["供地状态"] == "已建成"
    assert doc["field_mapping"]["宗地代码"] == "parcel_id"
    invalid = [p for p in doc["problems"] if p["code"] == "invalid_geometry"]
    assert [p["feature"] for p in invalid] == ["P003"]
    dup = [p for p in doc["problems"] if p["code"] == "duplicate_id"]
    assert [p["feature"] for p in dup] == ["P002"]
    assert "权利人" in doc["unmapped_columns"] or doc["field_mapping"].get("权利人")


def test_validate_text_report_names_features_in_chinese(tmp_path):
    run = landpark("validate", str(bureau.gbk_shapefile_zip(tmp_path)), "--kind", "parcels")
    assert run.returncode == 0, run.stderr
    assert "EPSG:4528" in run.stdout and "P003" in run.stdout and "P002" in run.stdout
    assert "已建成" in run.stdout and "可以导入" in run.stdout


def test_validate_without_kind_guesses_and_says_so(tmp_path):
    run = landpark("validate", str(bureau.gbk_shapefile_zip(tmp_path)), "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["kind"] == "parcels"
    assert "guessed parcels" in run.stderr


def test_usage_and_input_errors_have_their_exit_codes(tmp_path):
    assert landpark("validate").returncode == 2
    assert landpark("validate", "x.zip", "--kind", "nonsense").returncode == 2
    missing = landpark("validate", str(tmp_path / "nope.zip"), "--kind", "parcels")
    assert missing.returncode == 1 and "nope.zip" in missing.stderr


def test_unzoned_gk_without_prj_is_refused_until_crs_given(tmp_path):
    source = bureau.gbk_shapefile_zip(tmp_path, prj="esri_cm120")
    # remove the .prj from the zip: rebuild without it
    import zipfile
    stripped = tmp_path / "noprj.zip"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(stripped, "w") as zout:
        for info in zin.infolist():
            if not info.filename.lower().endswith(".prj"):
                zout.writestr(info, zin.read(info))
    refused = landpark("validate", str(stripped), "--kind", "parcels", "--json")
    assert refused.returncode == 1
    assert any(p["code"] == "crs_refused" for p in json.loads(refused.stdout)["problems"])
    accepted = landpark("validate", str(stripped), "--kind", "parcels", "--crs", "EPSG:4549", "--json")
    assert accepted.returncode == 0, accepted.stdout
    assert json.loads(accepted.stdout)["crs"]["epsg"] == 4549


def test_four_bureau_sources_import_into_one_project_in_place(tmp_path):
    project = tmp_path / "区县项目"
    steps = [
        (bureau.gbk_shapefile_zip(tmp_path), "parcels", []),
        (bureau.parks_geojson_4490(tmp_path), "parks", []),
        (bureau.lines_gpkg_4549(tmp_path), "protection_lines", ["--layer", "工业用地保护线"]),
        (bureau.enterprises_xlsx(tmp_path), "enterprises", []),
    ]
    for source, kind, extra in steps:
        run = landpark("import", str(source), "--kind", kind, "--into", str(project), "--json", *extra)
        assert run.returncode == 0, (kind, run.stdout, run.stderr)
        assert json.loads(run.stdout)["imported"] == kind
    gpkg = project / "project.gpkg"
    layers = {str(n) for n, _ in pyogrio.list_layers(gpkg)}
    assert {"parcels", "parks", "protection_lines", "enterprises", "data_issues"} <= layers
    # every layer in the project CRS, in the right place: parcel P001 lies inside park YQ01
    parcels = pyogrio.read_dataframe(gpkg, layer="parcels")
    parks = pyogrio.read_dataframe(gpkg, layer="parks")
    assert parcels.crs.equals(parks.crs)
    p1 = parcels.loc[parcels["parcel_id"] == "P001"].geometry.iloc[0]
    yq1 = parks.loc[parks["park_id"] == "YQ01"].geometry.iloc[0]
    assert yq1.contains(p1)
    lon, lat = Transformer.from_crs(parcels.crs, 4490, always_xy=True).transform(p1.centroid.x, p1.centroid.y)
    assert 121.0 < lon < 121.7 and 29.6 < lat < 30.1
    # data issues kept: the bow-tie, the duplicate id, the '—' tax, the bad credit code
    issues = pyogrio.read_dataframe(gpkg, layer="data_issues")
    codes = set(zip(issues["layer"], issues["code"], issues["feature"]))
    assert ("parcels", "invalid_geometry", "P003") in codes
    assert ("parcels", "duplicate_id", "P002") in codes
    ent = issues[issues["layer"] == "enterprises"]
    assert ent["field"].eq("tax_10k_yuan").any()
    code = "91440300708461136X"
    assert ent["value"].astype(str).str.contains(code).any() or ent["feature"].astype(str).str.contains(code).any()
    # the repaired bow-tie is a polygon with the two triangles' area (2 × 50 × 100 / 2 m² = 5000 m²)
    p3 = parcels.loc[parcels["parcel_id"] == "P003"].geometry.iloc[0]
    assert p3.geom_type in ("Polygon", "MultiPolygon") and shapely.is_valid(p3)
    assert p3.area == pytest.approx(5000.0, rel=1e-6)


def test_failed_import_leaves_project_byte_identical(tmp_path):
    import hashlib
    project = tmp_path / "p"
    assert landpark("import", str(bureau.lines_gpkg_4549(tmp_path)), "--kind", "protection_lines",
                    "--into", str(project), "--layer", "工业用地保护线").returncode == 0
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in project.iterdir()}
    # a parcels layer with no land-use column at all: blocking
    gdf = bureau.parcels_gdf(zoned=False).drop(columns=["地类编码", "地类名称"]).set_crs(4549)
    bad = tmp_path / "bad.gpkg"
    gdf.to_file(bad, driver="GPKG", engine="pyogrio")
    run = landpark("import", str(bad), "--kind", "parcels", "--into", str(project))
    assert run.returncode == 1 and "bad.gpkg" in run.stderr
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in project.iterdir()}
    assert before == after
