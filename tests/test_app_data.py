"""数据管理 page: uploads, the report before import, the import itself, data issues, project switching.

Unit tests of the page's modules (layers.uploads, layers.projects, layers.issue_tables,
layers.mapping_edits) against hand-written expectations; AppTest runs of the page on private
project folders; Chromium runs against the page's OWN server on an empty project (the shared
demo server is never imported into).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.importer import import_source
from layers.problems import InputError, Problem
from layers.project import Project
from tests.bureau import gbk_shapefile_zip
from tests.hostile import (
    make_csv_lonlat_gbk,
    make_filegdb,
    make_gbk_parcels_zip,
    make_gpkg,
    make_multi_shapefile_zip,
    make_xlsx,
    make_zip_slip,
)

OWNER = "宁波甬江机械有限公司"  # first row's 权利人 in tests.bureau.parcels_gdf, GBK in the DBF
BUREAU_IDS = ["P001", "P002", "P003", "P004", "P002", "P006"]


pytestmark = [pytest.mark.filterwarnings("ignore:.crs. was not provided:UserWarning"),  # tests.bureau writes, then adds a .prj
              pytest.mark.usefixtures("private_app_files")]  # recent list and uploads in tmp_path


def empty_project(root: Path, region: str = "测试区") -> Project:
    from layers.projects import create_empty_project

    return create_empty_project(root, region=region)


def points_as_parcels_geojson(folder: Path) -> Path:
    """Parcel columns on POINT geometry: the kind is guessed as parcels, and the geometry blocks the import."""
    features = [{"type": "Feature",
                 "properties": {"宗地代码": f"Q{i}", "地类编码": "0601", "地类名称": "工业用地", "供地状态": "已建成"},
                 "geometry": {"type": "Point", "coordinates": [121.55 + i * 0.001, 29.87]}} for i in range(3)]
    path = folder / "宗地点.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# =========================================================================== layers.uploads


def test_safe_name_keeps_chinese_and_drops_folders():
    from layers.uploads import safe_name

    assert safe_name("宗地数据.zip") == "宗地数据.zip"
    assert safe_name("../../etc/宗地.zip") == "宗地.zip"
    assert safe_name("C:\\Users\\局\\园区.gpkg") == "园区.gpkg"
    assert safe_name("a\x00b?.csv") == "a_b_.csv"
    assert safe_name("..") == "upload"
    assert safe_name("") == "upload"


def test_gbk_zip_is_unpacked_once_and_reads_chinese(tmp_path):
    from layers.readers import read_source
    from layers.uploads import discard_upload, save_upload, source_columns, source_layers

    z = gbk_shapefile_zip(tmp_path)
    upload = save_upload([(z.name, z.read_bytes())], temp_root=tmp_path)
    assert upload.label == "宗地数据.zip"
    assert (upload.folder / "original" / "宗地数据.zip").read_bytes() == z.read_bytes()
    # the GBK member names of the zip (宗地成果/宗地.shp) are repaired when unpacked
    assert (upload.path / "宗地成果" / "宗地.shp").is_file()
    assert source_layers(upload.path) == ["宗地"]
    assert source_columns(upload.path) == ["宗地代码", "地类编码", "地类名称", "供地状态", "权利人", "建筑面积"]
    frame = read_source(upload.path).frame
    assert frame["权利人"].iloc[0] == OWNER
    discard_upload(upload)
    assert not upload.folder.exists()


def test_refused_uploads_leave_nothing_behind(tmp_path):
    from layers.uploads import UploadError, save_upload

    root = tmp_path / "uploads"
    root.mkdir()
    cases = [
        ([("old.xls", b"x")], "bad_type"),
        ([], "no_file"),
        ([("a.zip", b"x"), ("b.csv", b"y")], "zip_with_others"),
        ([("a.csv", b"1"), ("A.CSV", b"2")], "duplicate_names"),
        ([("宗地.dbf", b"x")], "shapefile_part"),
        ([("big.csv", b"x" * 2001)], "too_large"),
    ]
    for files, key in cases:
        with pytest.raises(UploadError) as caught:
            save_upload(files, max_bytes=2000, temp_root=root)
        assert caught.value.key == key
    with pytest.raises(InputError, match="zip slip"):
        save_upload([("slip.zip", make_zip_slip(tmp_path).read_bytes())], temp_root=root)
    with pytest.raises(InputError, match="not a readable zip"):
        save_upload([("broken.zip", b"PK\x03\x04 not really")], temp_root=root)
    assert list(root.iterdir()) == []
    assert not (tmp_path / "evil.txt").exists()


def test_shapefile_parts_uploaded_together_are_read_as_one(tmp_path):
    from layers.readers import read_source
    from layers.uploads import save_upload

    z = gbk_shapefile_zip(tmp_path)
    with zipfile.ZipFile(z) as zf:
        parts = [(Path(i.filename.encode("cp437").decode("gbk")).name, zf.read(i)) for i in zf.infolist()]
    upload = save_upload(parts, temp_root=tmp_path)
    assert upload.label == "宗地.shp"
    assert upload.path == upload.folder / "original"
    assert list(read_source(upload.path).frame["宗地代码"]) == BUREAU_IDS


def test_source_layers_of_several_datasets_layers_and_sheets(tmp_path):
    from layers.uploads import save_upload, source_layers

    multi = make_multi_shapefile_zip(tmp_path)
    upload = save_upload([(multi.name, multi.read_bytes())], temp_root=tmp_path)
    assert sorted(source_layers(upload.path)) == ["园区", "宗地"]
    gdb = zipped_filegdb(tmp_path)
    assert source_layers(save_upload([(gdb.name, gdb.read_bytes())], temp_root=tmp_path).path) == ["宗地"]
    assert source_layers(make_gpkg(tmp_path)) == ["宗地图层", "园区图层"]
    assert source_layers(make_xlsx(tmp_path)) == ["企业数据", "说明"]


def test_cleanup_removes_only_old_upload_folders(tmp_path):
    from layers.uploads import cleanup_stale_uploads, save_upload

    old = save_upload([("a.csv", b"x,y\n1,2\n")], temp_root=tmp_path)
    new = save_upload([("b.csv", b"x,y\n1,2\n")], temp_root=tmp_path)
    other = tmp_path / "keep-me"
    other.mkdir()
    now = time.time()
    os.utime(old.folder, (now - 3 * 3600, now - 3 * 3600))
    assert cleanup_stale_uploads(2.0, temp_root=tmp_path, now=now) == 1
    assert not old.folder.exists() and new.folder.exists() and other.exists()


def test_relabel_replaces_temporary_paths(tmp_path):
    from layers.uploads import relabel, save_upload

    z = gbk_shapefile_zip(tmp_path)
    upload = save_upload([(z.name, z.read_bytes())], temp_root=tmp_path)
    assert relabel(f"{upload.path} [宗地成果/宗地.shp]: bad", upload) == "宗地数据.zip [宗地成果/宗地.shp]: bad"


# =========================================================================== layers.projects


def test_check_project_folder_says_what_is_wrong(tmp_path):
    from layers.projects import ProjectFolderError, check_project_folder

    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "plain").mkdir()
    for path, key in (("", "empty"), (tmp_path / "nope", "missing"), (tmp_path / "file.txt", "not_folder"),
                      (tmp_path / "plain", "not_project")):
        with pytest.raises(ProjectFolderError) as caught:
            check_project_folder(path)
        assert caught.value.key == key
    (tmp_path / "plain" / "project.gpkg").write_bytes(b"")
    assert check_project_folder(f"  {tmp_path / 'plain'}  ") == (tmp_path / "plain").resolve()


def test_create_empty_project_and_refusals(tmp_path):
    import tomllib

    from layers.projects import ProjectFolderError, create_empty_project

    project = create_empty_project(tmp_path / "新项目", region="江北区", crs="EPSG:4528")
    config = tomllib.loads((tmp_path / "新项目" / "landpark.toml").read_text(encoding="utf-8"))
    assert config["project"]["region"] == "江北区" and config["project"]["crs"] == "EPSG:4528"
    assert project.layer_names() == []
    for kwargs, key in (({"path": tmp_path / "新项目"}, "exists"), ({"path": tmp_path / "b", "crs": "EPSG:4490"}, "bad_crs"),
                        ({"path": tmp_path / "c", "crs": "not a crs"}, "bad_crs")):
        path = kwargs.pop("path")
        with pytest.raises(ProjectFolderError) as caught:
            create_empty_project(path, **kwargs)
        assert caught.value.key == key
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def test_project_summary_counts_each_layer(tmp_path):
    from layers.projects import project_summary

    project = empty_project(tmp_path / "p")
    roads = gpd.GeoDataFrame({"road_id": ["R1", "R2"]},
                             geometry=[shapely.LineString([(0, 0), (1, 1)]), shapely.LineString([(1, 1), (2, 0)])],
                             crs=project.crs)
    parks = gpd.GeoDataFrame({"park_id": ["A"], "name": ["甲园"]}, geometry=[shapely.box(0, 0, 10, 10)], crs=project.crs)
    project.write_layers({"roads": roads, "parks": parks},
                         issues=[Problem("warning", "x", "m", layer="roads"), Problem("warning", "y", "n", layer="parks"),
                                 Problem("warning", "z", "o", layer="parks")])
    summary = project_summary(project)
    assert list(summary.layers["layer"]) == ["parks", "roads"]  # schema order, data_issues apart
    assert list(summary.layers["features"]) == [1, 2]
    assert summary.feature_count == 3 and summary.issue_count == 3
    assert summary.region == "测试区" and summary.crs == "EPSG:4549" and not summary.demo


def test_recent_projects_most_recent_first_and_only_existing(tmp_path):
    from layers.projects import recent_projects, remember_project

    a, b, c = (empty_project(tmp_path / n).root for n in "abc")
    store = tmp_path / "r.json"
    remember_project(a, path=store)
    remember_project(b, path=store)
    remember_project(a, path=store)
    assert recent_projects(path=store) == [str(a.resolve()), str(b.resolve())]
    remember_project(c, path=store, limit=2)
    assert recent_projects(path=store) == [str(c.resolve()), str(a.resolve())]
    (c / "landpark.toml").unlink()  # no longer a project: left out
    assert recent_projects(path=store) == [str(a.resolve())]
    store.write_text("{not json")
    assert recent_projects(path=store) == []


# =========================================================================== issue tables, mapping edits


def test_problem_tables_filter_and_count():
    from layers.issue_tables import count_issues, filter_issues, problems_frame, severity_counts

    problems = [Problem("error", "missing_field", "required field land_use missing", source="/tmp/x/a.zip"),
                Problem("error", "not_a_number", "'abc' is not a number", feature="P1", field="floor_area_m2"),
                Problem("warning", "duplicate_id", "P2 appears 2 times", feature="P2"),
                Problem("warning", "duplicate_id", "P3 appears 2 times", feature="P3"),
                Problem("info", "crs_detected", "EPSG:4528")]
    frame = problems_frame(problems, relabel=lambda t: t.replace("/tmp/x/a.zip", "a.zip"))
    assert list(frame["blocking"]) == [True, False, False, False, False]  # not_a_number is an error, not blocking
    assert frame["source"].iloc[0] == "a.zip"
    assert severity_counts(frame) == {"error": 2, "warning": 2, "info": 1}
    assert list(filter_issues(frame, severities=["warning"])["feature"]) == ["P2", "P3"]
    assert list(filter_issues(frame, text="p3")["feature"]) == ["P3"]
    assert len(filter_issues(frame, codes=["duplicate_id"], severities=["error"])) == 0
    counts = count_issues(frame)
    assert counts.values.tolist() == [["error", "missing_field", 1], ["error", "not_a_number", 1],
                                      ["warning", "duplicate_id", 2], ["info", "crs_detected", 1]]


def test_apply_edits_keeps_one_column_per_field():
    from layers.mapping_edits import apply_edits

    before = {"编号": "parcel_id", "代码": "", "权利人": "owner_uscc"}
    assert apply_edits({}, before, {**before, "权利人": None}) == {"权利人": ""}
    assert apply_edits({}, before, {**before, "代码": "parcel_id"}) == {"代码": "parcel_id"}
    # an earlier override to the same field is dropped; unrelated ones stay
    assert apply_edits({"编号": "parcel_id", "x": ""}, {**before, "编号": "parcel_id"},
                       {**before, "代码": "parcel_id"}) == {"x": "", "代码": "parcel_id"}
    assert apply_edits({"a": "b"}, before, dict(before)) == {"a": "b"}


def test_mapping_rows_and_overrides_through_validation(tmp_path):
    from layers.mapping_edits import field_options, mapping_rows
    from layers.validation import validate_source

    z = gbk_shapefile_zip(tmp_path)
    report = validate_source(z, "parcels")
    columns = ["宗地代码", "地类编码", "地类名称", "供地状态", "权利人", "建筑面积"]
    rows = mapping_rows(columns, "parcels", report.mapping, sample=report.sample)
    # 权利人 is the owner's name (issue 11): never read as a cut credit-code header (it is 6 GBK bytes)
    assert list(rows["field"]) == ["parcel_id", "land_use", "land_use_name", "supply_status", "owner_name", "floor_area_m2"]
    assert rows.set_index("column").loc["权利人", "sample"] == OWNER
    assert rows.set_index("column").loc["权利人", "how"] == "alias"
    assert field_options("parcels")[:2] == ["", "parcel_id"] and "declared_area_m2" in field_options("parcels")
    assert "bad_uscc" not in report.counts()
    ignored = validate_source(z, "parcels", overrides={"权利人": ""})
    assert "权利人" not in ignored.mapping
    rows = mapping_rows(columns, "parcels", ignored.mapping, overrides={"权利人": ""})
    assert rows.set_index("column").loc["权利人", ["field", "how"]].tolist() == ["", "ignored"]


def test_import_records_the_upload_name_as_issue_source(tmp_path):
    from layers.uploads import save_upload

    z = gbk_shapefile_zip(tmp_path)
    upload = save_upload([(z.name, z.read_bytes())], temp_root=tmp_path)
    project = empty_project(tmp_path / "p")
    import_source(upload.path, "parcels", project.root, source_label=upload.label)
    issues = project.data_issues()
    assert len(issues) == 3  # duplicate_id, invalid_geometry, land_use_standard_assumed
    assert all(s.startswith("宗地数据.zip") for s in issues["source"])
    assert not any(str(upload.folder) in m for m in issues["message"])


# =========================================================================== AppTest


def data_app(root: Path):
    from tests.apphelp import page_app

    return page_app("data_page", session={"project_root": str(root)}, timeout=120)


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_opens_on_the_demo_with_its_layer_counts(demo_project):
    at = data_app(demo_project.root).run()
    assert not at.exception
    assert at.title[0].value == "数据管理"
    # the kept versions of layers (layer_versions and the <layer>__v<N> archive tables) are not layers
    names = [str(n) for n, _ in pyogrio.list_layers(demo_project.gpkg)
             if str(n) != "data_issues" and str(n) != "layer_versions" and "__v" not in str(n)]
    assert metric(at, "图层数") == str(len(names))
    total = sum(len(pyogrio.read_dataframe(demo_project.gpkg, layer=n, read_geometry=False)) for n in names)
    assert metric(at, "要素总数") == f"{total:,}"
    assert len(at.file_uploader) == 1
    assert [t.label for t in at.tabs][0] == "导入数据"
    assert {"打开", "新建并打开"} <= {b.label for b in at.button}
    assert any("上传文件后" in i.value for i in at.info)


def test_page_in_english(tmp_path):
    from tests.apphelp import page_app

    points = points_as_parcels_geojson(tmp_path)
    project = empty_project(tmp_path / "proj")
    at = page_app("data_page", session={"project_root": str(project.root), "lang": "en"}, timeout=120).run()
    at.file_uploader[0].upload(points.name, points.read_bytes(), "application/geo+json").run()
    assert not at.exception
    assert at.title[0].value == "Data"
    assert [t.label for t in at.tabs] == ["Import data", "Data issues (0)", "Projects"]
    assert any("Cannot be imported: 3 blocking" in e.value for e in at.error)
    assert "wrong geometry type" in "\n".join(m.value for m in at.markdown)
    assert "3 feature(s): Q0、Q1、Q2" in "\n".join(m.value for m in at.markdown)


def test_upload_report_and_import_into_an_empty_project(tmp_path):
    z = gbk_shapefile_zip(tmp_path)
    project = empty_project(tmp_path / "proj")
    at = data_app(project.root).run()
    assert metric(at, "图层数") == "0"
    at.file_uploader[0].upload(z.name, z.read_bytes(), "application/zip").run()
    assert not at.exception, at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert "EPSG:4528" in text and "GB18030" in text
    sample = at.table[0].value
    assert OWNER in sample.to_numpy().ravel().tolist()
    assert at.selectbox(key=next(s.key for s in at.selectbox if s.label == "图层类型")).value == "parcels"
    assert any("仅为推测" in c.value for c in at.caption)
    assert any("可以导入" in s.value and "6 个要素" in s.value for s in at.success)
    assert not project.gpkg.exists()  # nothing written before the click
    editor = at.data_editor[0].value
    assert list(editor["column"]) == ["宗地代码", "地类编码", "地类名称", "供地状态", "权利人", "建筑面积"]
    at.button(key="data_import").click().run()
    assert not at.exception
    assert any("已导入" in s.value and "6 个要素" in s.value for s in at.success)
    assert metric(at, "图层数") == "1" and metric(at, "要素总数") == "6" and metric(at, "数据问题") == "3"
    assert list(Project.open(project.root).read_layer("parcels")["parcel_id"]) == BUREAU_IDS
    assert len(at.data_editor) == 0  # the uploader is emptied after an import: no report any more


def test_mapping_edit_reaches_the_validation(tmp_path):
    z = gbk_shapefile_zip(tmp_path)
    project = empty_project(tmp_path / "proj")
    at = data_app(project.root).run()
    at.file_uploader[0].upload(z.name, z.read_bytes(), "application/zip").run()
    editor = at.data_editor[0]
    row = list(editor.value["column"]).index("权利人")
    at.session_state[editor.key] = {"edited_rows": {row: {"field": None}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    rows = at.data_editor[0].value.set_index("column")
    assert rows.loc["权利人", "field"] == "" and rows.loc["权利人", "how"] == "手动忽略"
    assert any("已手动修改 1 个字段对应" in c.value for c in at.caption)
    at.button(key="data_import").click().run()
    parcels = Project.open(project.root).read_layer("parcels")
    assert parcels["owner_name"].isna().all()  # the ignored column was not imported
    assert "bad_uscc" not in set(Project.open(project.root).data_issues()["code"])


def test_blocking_problems_disable_the_import(tmp_path):
    hostile = make_gbk_parcels_zip(tmp_path)  # 地块编号/园区名称/用地面积/供地日期: no land use, no supply status
    project = empty_project(tmp_path / "proj")
    at = data_app(project.root).run()
    at.file_uploader[0].upload(hostile.name, hostile.read_bytes(), "application/zip").run()
    kind = next(s for s in at.selectbox if s.label == "图层类型")
    kind.select("parcels").run()
    assert not at.exception
    assert any("不能导入" in e.value and "2 个阻断性问题" in e.value for e in at.error)
    blocking = "\n".join(m.value for m in at.markdown)
    assert "land_use" in blocking and "supply_status" in blocking and "缺少必填字段" in blocking
    assert at.button(key="data_import").disabled
    assert not project.gpkg.exists()
    points = points_as_parcels_geojson(tmp_path)
    at.file_uploader[0].set_value((points.name, points.read_bytes(), "application/geo+json")).run()
    assert any("不能导入：存在 3 个阻断性问题" in e.value for e in at.error)  # three points
    assert "几何类型不符" in "\n".join(m.value for m in at.markdown)
    assert at.button(key="data_import").disabled


def test_failed_import_leaves_the_project_untouched(tmp_path, monkeypatch):
    import layers.project as project_module

    z = gbk_shapefile_zip(tmp_path)
    project = empty_project(tmp_path / "proj")
    roads = gpd.GeoDataFrame({"road_id": ["R1"]}, geometry=[shapely.LineString([(630000, 3305000), (630500, 3305000)])],
                             crs=project.crs)
    project.write_layer("roads", roads, issues=[])
    before = file_digest(project.gpkg)
    at = data_app(project.root).run()
    at.file_uploader[0].upload(z.name, z.read_bytes(), "application/zip").run()
    real = project_module._write_frame

    def fail_on_issues(path, layer, frame, crs):
        if layer == "data_issues":
            raise OSError("disk full")
        return real(path, layer, frame, crs)

    monkeypatch.setattr(project_module, "_write_frame", fail_on_issues)
    at.button(key="data_import").click().run()
    assert not at.exception
    assert any("导入失败，项目未作任何改动" in e.value and "disk full" in e.value for e in at.error)
    assert file_digest(project.gpkg) == before
    assert Project.open(project.root).layer_names() == ["roads", "data_issues"]


def zipped_filegdb(folder: Path) -> Path:
    import shutil

    gdb = make_filegdb(folder)  # 宗地库.gdb, layer 宗地, EPSG:4549
    return Path(shutil.make_archive(str(folder / "宗地库"), "zip", folder, gdb.name))


def test_formats_csv_excel_and_zipped_filegdb(tmp_path):
    csv = make_csv_lonlat_gbk(tmp_path)  # GBK, 经度/纬度 columns → enterprises, CRS guessed as EPSG:4490
    project = empty_project(tmp_path / "proj")
    at = data_app(project.root).run()
    at.file_uploader[0].upload(csv.name, csv.read_bytes(), "text/csv").run()
    assert not at.exception
    assert next(s for s in at.selectbox if s.label == "图层类型").value == "enterprises"
    text = "\n".join(m.value for m in at.markdown)
    assert "EPSG:4490" in text and "（推测，请核对）" in text and "GB18030" in text
    assert any("根据坐标数值推测的，请核对" in w.value for w in at.warning)
    assert "宁波甬江科技有限公司" in at.table[0].value.to_numpy().ravel().tolist()
    xlsx = make_xlsx(tmp_path)
    at.file_uploader[0].set_value((xlsx.name, xlsx.read_bytes(), "application/octet-stream")).run()
    assert not at.exception
    assert next(s for s in at.selectbox if s.label == "图层 / 数据集 / 工作表").options == ["企业数据", "说明"]
    assert "无（表格数据，无几何）" in "\n".join(m.value for m in at.markdown)
    gdb = zipped_filegdb(tmp_path)
    at.file_uploader[0].set_value((gdb.name, gdb.read_bytes(), "application/zip")).run()
    assert not at.exception
    assert any("请选择图层类型" in i.value for i in at.info)  # 地块编号/园区名称/…: no kind fits, none is guessed
    next(s for s in at.selectbox if s.label == "图层类型").select("parcels").run()
    text = "\n".join(m.value for m in at.markdown)
    assert "EPSG:4549" in text and "文件内嵌坐标系" in text
    assert any("不能导入" in e.value for e in at.error)


def test_several_datasets_offer_a_layer_choice(tmp_path):
    multi = make_multi_shapefile_zip(tmp_path)
    project = empty_project(tmp_path / "proj")
    at = data_app(project.root).run()
    at.file_uploader[0].upload(multi.name, multi.read_bytes(), "application/zip").run()
    layer = next(s for s in at.selectbox if s.label == "图层 / 数据集 / 工作表")
    assert sorted(layer.options) == ["园区", "宗地"]
    assert not at.exception


def test_bad_upload_is_refused_with_a_clear_message(tmp_path):
    project = empty_project(tmp_path / "proj")
    at = data_app(project.root).run()
    at.file_uploader[0].upload("宗地.dbf", b"not a table", "application/octet-stream").run()
    assert not at.exception
    assert any("Shapefile 的一个组成文件" in e.value for e in at.error)


def test_switch_open_create_and_data_issues(tmp_path):
    from layers.projects import recent_projects

    z = gbk_shapefile_zip(tmp_path)
    first = empty_project(tmp_path / "first")
    import_source(z, "parcels", first.root)
    at = data_app(first.root).run()
    assert metric(at, "数据问题") == "3"
    issue_tables = [d.value for d in at.dataframe if "图层" in d.value.columns and "说明" in d.value.columns]
    assert issue_tables and len(issue_tables[0]) == 3
    # a folder that is not a project is refused, the current project stays
    at.text_input(key="data_open_path").input(str(tmp_path))
    next(b for b in at.button if b.label == "打开").click().run()
    assert any("不是 Landpark 项目" in e.value for e in at.error)
    assert at.session_state["project_root"] == str(first.root)
    # create a new empty project: it becomes the current one, both are remembered
    at.text_input(key="data_create_path").input(str(tmp_path / "second"))
    at.text_input(key="data_create_region").input("北仑区")
    next(b for b in at.button if b.label == "新建并打开").click().run()
    assert not at.exception
    assert at.session_state["project_root"] == str((tmp_path / "second").resolve())
    assert metric(at, "图层数") == "0"
    assert "北仑区" in at.markdown[0].value
    assert recent_projects()[:2] == [str((tmp_path / "second").resolve()), str(first.root.resolve())]
    # and back through the recent list
    next(b for b in at.button if b.label == "打开所选项目").click().run()
    assert at.session_state["project_root"] == str(first.root.resolve())
    assert metric(at, "图层数") == "1"


# =========================================================================== Chromium


def _metric_value(page, label: str) -> str:
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator(
        '[data-testid="stMetricValue"]').inner_text().strip()


@pytest.fixture(scope="module")
def data_server(tmp_path_factory):
    """`landpark app` on a NEW empty project of this module (the shared demo server is read-only)."""
    from tests.conftest import start_app

    folder = tmp_path_factory.mktemp("data-app")
    project = empty_project(folder / "project", region="浏览器测试区")
    (folder / "tmp").mkdir()
    private = {"LANDPARK_RECENT_FILE": str(folder / "recent.json"), "TMPDIR": str(folder / "tmp")}  # uploads land here
    saved = {k: os.environ.get(k) for k in private}
    os.environ.update(private)
    try:
        proc, base = start_app(project.root)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield base, project, folder
    proc.terminate()
    try:
        proc.wait(10)
    except Exception:
        proc.kill()


@pytest.mark.browser
def test_browser_upload_gbk_zip_see_report_and_import(data_server, browser_page):
    from tests.apphelp import open_page, screenshot, wait_for_app

    base, project, folder = data_server
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    z = gbk_shapefile_zip(folder)
    open_page(page, base, "data")
    before = int(_metric_value(page, "图层数"))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(z))
    page.get_by_text("导入前检查报告").wait_for()
    # the first-row table shows the GBK attributes decoded (waits until it is drawn)
    page.locator('[data-testid="stTable"]').filter(has_text=OWNER).wait_for()
    page.get_by_role("button", name="导入到项目").wait_for()
    wait_for_app(page)
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "EPSG:4528" in body  # from the .prj's ESRI name, zone 40
    assert OWNER in body and "工业用地" in body  # GBK attributes decoded
    assert "宗地数据.zip" in body  # the original (Chinese) file name kept
    assert "可以导入" in body
    screenshot(page, "data-report")
    page.get_by_role("button", name="导入到项目").click()
    page.get_by_text("已导入“宗地”图层").wait_for()
    wait_for_app(page)
    assert int(_metric_value(page, "图层数")) == before + 1
    assert _metric_value(page, "要素总数") == "6"
    screenshot(page, "data-imported")
    page.get_by_role("tab", name="数据问题").click()
    # while Streamlit swaps the tab's elements after the import's rerun, the old panel may stand beside the new one
    page.get_by_text("按图层和问题类型统计").first.wait_for()
    wait_for_app(page)
    screenshot(page, "data-issues")
    assert Project.open(project.root).has_layer("parcels")
    assert not errors, errors


@pytest.mark.browser
def test_browser_blocking_upload_disables_import(data_server, browser_page):
    from tests.apphelp import open_page, screenshot, wait_for_app

    base, project, folder = data_server
    page = browser_page
    before = file_digest(project.gpkg) if project.gpkg.exists() else None
    points = points_as_parcels_geojson(folder)
    open_page(page, base, "data")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(points))
    page.get_by_text("导入前检查报告").wait_for()
    page.get_by_role("button", name="导入到项目").wait_for()
    wait_for_app(page)
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "不能导入" in body and "几何类型不符" in body
    assert page.get_by_role("button", name="导入到项目").is_disabled()
    screenshot(page, "data-blocked")
    page.get_by_role("tab", name="项目管理").click()
    page.get_by_text("新建空项目").wait_for()
    screenshot(page, "data-projects")
    assert (file_digest(project.gpkg) if project.gpkg.exists() else None) == before
