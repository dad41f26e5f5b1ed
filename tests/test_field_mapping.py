"""Field mapping that finds real headers and that people can steer (issue 11, item 4).

The truncated-name prefix rule only for DBF names stored at the 10-byte limit; header normalisation
(width, spaces, brackets, units, 日期/时间 and 代码/编码/编号/号 variants); TD/T 1066, 三调 DLTB and
批供用补查 field names; `--map SRC=field` on validate/import; the mapping used saved with the project
and offered at the next import (CLI and app).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.aliases import map_columns, match_column, suffix_variants
from layers.importer import import_source
from layers.normalize import normalize_table
from layers.project import Project
from layers.readers import read_source
from layers.validation import UnknownMappedColumn, validate_source
from spatial.area import MU_M2
from tests import bureau

ROOT = Path(__file__).resolve().parents[1]
OWNER = "宁波甬江机械有限公司"
USCC = "91330200MA2AAAAA1X"


def landpark(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


def parcels_geojson(tmp_path: Path, name: str = "parcels.geojson", **extra: list) -> Path:
    """The six bureau parcels as GeoJSON (CGCS2000 lon/lat), with any extra columns."""
    gdf = bureau.parcels_gdf().set_crs("EPSG:4528").to_crs("EPSG:4490")
    for column, values in extra.items():
        gdf[column] = values
    path = tmp_path / name
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


# ---------------------------------------------------------------------------------------------
# 权利人 is a name, never a cut credit-code header


def test_owner_name_header_is_not_a_credit_code_in_geojson_and_csv(tmp_path):
    geojson = parcels_geojson(tmp_path)
    report = validate_source(geojson, "parcels")
    assert report.mapping["权利人"] == "owner_name"
    assert "owner_uscc" not in report.mapping.values() and "bad_uscc" not in report.counts()
    assert report.frame["owner_name"].iloc[0] == OWNER
    csv = tmp_path / "parcels.csv"
    frame = pd.DataFrame({"宗地代码": ["P1"], "权利人": [OWNER], "wkt": ["POINT (121.5 29.8)"]})
    frame.to_csv(csv, index=False, encoding="utf-8")
    columns = [str(c) for c in read_source(csv).frame.columns]
    assert read_source(csv).cut_columns == frozenset()
    assert map_columns(columns, "parcels")[0].get("权利人") == "owner_name"
    # 9 UTF-8 bytes, but not a DBF name: no prefix rule, whatever its length
    assert match_column("权利人", "parcels").how == "alias"
    assert match_column("权利人统一", "parcels").field is None


def enterprise_shapefile(tmp_path: Path, encoding: str = "gbk") -> Path:
    # GBK bytes: 统一社会信 10 (at the limit), R&D经费支 9, 年平均职 8, 企业名称 8.
    gdf = gpd.GeoDataFrame({"统一社会信": [USCC], "企业名称": ["甲"], "R&D经费支": [1.0], "年平均职": [3]},
                           geometry=[shapely.Point(121.5, 29.8)], crs="EPSG:4490")
    path = tmp_path / "企业.shp"
    gdf.to_file(path, encoding=encoding, engine="pyogrio")
    return path


def test_dbf_prefix_rule_only_for_names_at_the_10_byte_limit(tmp_path):
    shp = enterprise_shapefile(tmp_path)
    read = read_source(shp)
    assert read.cut_columns == frozenset({"统一社会信"})
    report = validate_source(shp, "enterprises")
    assert report.mapping["统一社会信"] == "uscc" and report.cut_columns == ["统一社会信"]
    assert "R&D经费支" in report.unmapped and "年平均职" in report.unmapped  # 9 and 8 bytes: not cut
    assert "column_prefix" in report.counts()
    # the same headers in a CSV: nothing is a truncation
    csv = tmp_path / "企业.csv"
    pd.DataFrame({"统一社会信": [USCC], "企业名称": ["甲"]}).to_csv(csv, index=False)
    assert "统一社会信" in validate_source(csv, "enterprises").unmapped


def test_utf8_dbf_name_cut_inside_a_character_is_at_the_limit(tmp_path):
    from tests import hostile as H

    fields = (("统一社会信用代码", "C", 20, 0), ("名称", "C", 30, 0))
    records = [(USCC, n) for n in H.PARK_NAMES]
    shp = H.write_shapefile(tmp_path / "u", "企业", H.parcel_boxes(True), fields=fields, records=records,
                            encoding="utf-8", cpg="UTF-8", prj="zone40")
    read = read_source(shp)
    assert read.cut_columns == frozenset({"统一社"})  # 9 bytes kept + 1 byte of 会 = 10 stored bytes
    assert validate_source(shp, "enterprises").mapping["统一社"] == "uscc"


# ---------------------------------------------------------------------------------------------
# normalised headers and the national standards' field names


@pytest.mark.parametrize("kind, header, field", [
    ("parcels", "ＺＤＤＭ", "parcel_id"),  # full-width
    ("parcels", "宗 地 代 码", "parcel_id"),
    ("parcels", "【宗地代码】", "parcel_id"),
    ("enterprises", "实缴税金（万元）", "tax_10k_yuan"),
    ("enterprises", "实缴税金 (万元)", "tax_10k_yuan"),
    ("parcels", "供地日期", "supply_date"),
    ("parcels", "供地时间", "supply_date"),
    ("parcels", "供应时间", "supply_date"),  # only 供应日期 is an alias: 日期/时间 variant
    ("parcels", "地类编码", "land_use"),
    ("parcels", "地类代码", "land_use"),
    ("parcels", "地类编号", "land_use"),  # 代码/编码/编号/号 variant
    ("parcels", "宗地面积(㎡)", "declared_area_m2"),
    ("parcels", "建筑面积（平方米）", "floor_area_m2"),
    ("land_approvals", "批准面积（公顷）", "approved_area_mu"),
    ("enterprises", "用地面积(亩)", "land_area_mu"),
])
def test_normalised_headers_map(kind, header, field):
    assert map_columns([header], kind)[0] == {header: field}


def test_suffix_variants_need_a_stem_and_report_ambiguity():
    assert suffix_variants("供地时间") == ["供地日期"]
    assert set(suffix_variants("地类号")) == {"地类代码", "地类编码", "地类编号"}
    assert suffix_variants("代码") == [] and suffix_variants("号") == []
    assert match_column("开发区号", "parks").how == "ambiguous"  # 开发区编号 park_id / 开发区代码 zone_code


def test_units_convert_and_a_conflicting_unit_is_a_warning():
    m = match_column("供地面积（公顷）", "parcels")
    assert m.field == "declared_area_m2" and m.scale == pytest.approx(1e4)
    m = match_column("宗地面积(亩)", "parcels")
    assert m.field == "declared_area_m2" and m.scale == pytest.approx(MU_M2)
    frame = pd.DataFrame({"统一社会信用代码": [USCC], "实缴税金(亩)": [3.0]})
    table = normalize_table(frame, "enterprises")
    conflict = [p for p in table.problems if p.code == "column_unit_mismatch"]
    assert conflict and conflict[0].severity == "warning" and "亩" in conflict[0].message
    assert "tax_10k_yuan" not in table.mapping.values()


@pytest.mark.parametrize("kind, header, field", [
    # TD/T 1066-2012 城镇地籍数据库
    ("parcels", "ZDDM", "parcel_id"), ("parcels", "DJH", "parcel_id"), ("parcels", "BDCDYH", "parcel_id"),
    ("parcels", "QLRMC", "owner_name"), ("parcels", "QLR", "owner_name"), ("parcels", "权利人名称", "owner_name"),
    ("parcels", "TDYT", "land_use_name"), ("parcels", "YT", "land_use_name"), ("parcels", "ZDMJ", "declared_area_m2"),
    ("parcels", "JZMJ", "floor_area_m2"), ("parcels", "JZZDMJ", "footprint_m2"),
    # 第三次全国国土调查 DLTB
    ("parcels", "DLBM", "land_use"), ("parcels", "DLMC", "land_use_name"), ("parcels", "TBMJ", "declared_area_m2"),
    ("parcels", "QSDWMC", "owner_name"), ("parcels", "TBBH", "parcel_id"),
    # 批供用补查 exports
    ("parcels", "电子监管号", "parcel_id"), ("parcels", "批准文号", "approval_id"), ("parcels", "供地面积", "declared_area_m2"),
    ("parcels", "土地使用权人", "owner_name"), ("parcels", "合同签订日期", "supply_date"),
    ("parcels", "约定开工时间", "agreed_start_date"), ("land_approvals", "批准文号", "approval_id"),
    ("land_approvals", "批次名称", "approval_id"), ("land_approvals", "批准日期", "approved_date"),
    # short owner-code headers of bureau exports
    ("parcels", "信用代码", "owner_uscc"), ("parcels", "统一代码", "owner_uscc"), ("parcels", "社会统一信用代码", "owner_uscc"),
    ("parcels", "TYSHXYDM", "owner_uscc"), ("parcels", "SHXYDM", "owner_uscc"), ("parcels", "QLRDM", "owner_uscc"),
])
def test_national_standard_field_names_map(kind, header, field):
    assert match_column(header, kind).field == field


def test_dltb_table_maps_as_parcels():
    columns = ["BSM", "YSDM", "TBYBH", "TBBH", "DLBM", "DLMC", "QSXZ", "QSDWDM", "QSDWMC", "ZLDWDM", "ZLDWMC", "TBMJ"]
    mapping, _ = map_columns(columns, "parcels")
    assert mapping == {"TBBH": "parcel_id", "DLBM": "land_use", "DLMC": "land_use_name", "QSDWMC": "owner_name",
                       "TBMJ": "declared_area_m2"}


# ---------------------------------------------------------------------------------------------
# --map on validate / import


def test_validate_map_maps_and_ignores(tmp_path):
    source = parcels_geojson(tmp_path, 业主编码=[USCC] * 6, 备注=["x"] * 6)
    run = landpark("validate", str(source), "--kind", "parcels", "--json",
                   "--map", "业主编码=owner_uscc", "--map", "备注=-", "--map", "建筑面积=-")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["field_mapping"]["业主编码"] == "owner_uscc"
    assert "建筑面积" not in doc["field_mapping"] and "备注" not in doc["unmapped_columns"]
    assert doc["field_overrides"] == {"业主编码": "owner_uscc", "备注": "", "建筑面积": ""}


def test_bad_map_is_a_usage_error_listing_fields_or_columns(tmp_path):
    source = parcels_geojson(tmp_path)
    run = landpark("validate", str(source), "--kind", "parcels", "--map", "权利人=owner")
    assert run.returncode == 2
    assert "owner_uscc" in run.stderr and "owner_name" in run.stderr and "parcel_id" in run.stderr
    run = landpark("import", str(source), "--kind", "parcels", "--into", str(tmp_path / "p"), "--map", "没有此列=owner_name")
    assert run.returncode == 2 and "没有此列" in run.stderr and "宗地代码" in run.stderr  # names the columns
    assert not (tmp_path / "p" / "project.gpkg").exists()
    assert landpark("validate", str(source), "--kind", "parcels", "--map", "权利人").returncode == 2
    two = landpark("validate", str(source), "--kind", "parcels", "--map", "权利人=owner_name", "--map", "宗地代码=owner_name")
    assert two.returncode == 2
    with pytest.raises(UnknownMappedColumn):
        validate_source(source, "parcels", overrides={"没有此列": ""})


def test_import_saves_the_mapping_and_the_next_import_reuses_it(tmp_path):
    source = parcels_geojson(tmp_path, 业主编码=[USCC] * 6, 备注=["x"] * 6)
    project_dir = tmp_path / "proj"
    run = landpark("import", str(source), "--kind", "parcels", "--into", str(project_dir),
                   "--map", "业主编码=owner_uscc", "--map", "备注=-")
    assert run.returncode == 0, run.stderr
    project = Project.open(project_dir)
    assert project.read_layer("parcels")["owner_uscc"].iloc[0] == USCC
    saved = project.saved_mapping("parcels")
    assert saved["业主编码"] == "owner_uscc" and saved["备注"] == "" and saved["宗地代码"] == "parcel_id"
    assert json.loads(project.mappings_path.read_text(encoding="utf-8"))["parcels"]["source"] == "parcels.geojson"
    # the next import of parcels, from another file with the same columns (and one fewer): reused, and said
    second = parcels_geojson(tmp_path, "second.geojson", 业主编码=[USCC] * 6)
    run = landpark("import", str(second), "--kind", "parcels", "--into", str(project_dir), "--mode", "replace")
    assert run.returncode == 0, run.stderr
    assert "使用项目保存的 parcels 字段对应（1 列）：业主编码 → owner_uscc" in run.stdout
    assert Project.open(project_dir).read_layer("parcels")["owner_uscc"].iloc[0] == USCC
    # --map wins over the saved mapping
    run = landpark("import", str(second), "--kind", "parcels", "--into", str(project_dir), "--mode", "replace",
                   "--map", "业主编码=-", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["report"]["saved_mapping_used"] == {} and "业主编码" not in doc["report"]["field_mapping"]
    assert Project.open(project_dir).read_layer("parcels")["owner_uscc"].isna().all()
    assert Project.open(project_dir).saved_mapping("parcels")["业主编码"] == ""


def test_saved_mapping_applies_only_to_present_columns_and_valid_fields(tmp_path):
    from layers.mapping_edits import used_mapping, with_saved

    saved = {"业主编码": "owner_uscc", "备注": "", "旧列": "parcel_id", "宗地代码": "parcel_id", "x": "no_such_field"}
    columns = ["宗地代码", "业主编码", "备注", "x"]
    overrides, used = with_saved("parcels", columns, saved, None)
    # 宗地代码 → parcel_id is what the matcher does anyway; 旧列 is absent; no_such_field is not a field
    assert used == {"业主编码": "owner_uscc", "备注": ""} and overrides == used
    overrides, used = with_saved("parcels", columns, saved, {"x": "owner_uscc"})
    assert overrides == {"备注": "", "x": "owner_uscc"} and used == {"备注": ""}
    assert used_mapping({"a": "parcel_id"}, {"b": "", "a": "parcel_id"}) == {"a": "parcel_id", "b": ""}
    # the API replays it only with use_saved_mapping (the CLI asks for it; the app pre-fills its table)
    source = parcels_geojson(tmp_path, 业主编码=[USCC] * 6)
    import_source(source, "parcels", tmp_path / "p", overrides={"业主编码": "owner_uscc"})
    assert import_source(source, "parcels", tmp_path / "p", mode="replace",
                         use_saved_mapping=True).report.saved_mapping_used == {"业主编码": "owner_uscc"}
    again = import_source(source, "parcels", tmp_path / "p", mode="replace")
    assert again.report.saved_mapping_used == {} and "业主编码" in again.report.unmapped


# ---------------------------------------------------------------------------------------------
# the app: the mapping table is pre-filled with the saved mapping




def test_app_prefills_the_mapping_editor_with_the_saved_mapping(tmp_path, private_app_files):
    from layers.projects import create_empty_project
    from tests.apphelp import page_app
    from ui.data_page import saved_overrides

    z = bureau.gbk_shapefile_zip(tmp_path)
    project = create_empty_project(tmp_path / "proj", region="测试区")
    import_source(z, "parcels", project.root, overrides={"建筑面积": ""})
    assert saved_overrides(project, "parcels", ["宗地代码", "建筑面积", "其他"]) == {"建筑面积": ""}
    at = page_app("data_page", session={"project_root": str(project.root)}, timeout=120).run()
    at.file_uploader[0].upload(z.name, z.read_bytes(), "application/zip").run()
    assert not at.exception, at.exception
    rows = at.data_editor[0].value.set_index("column")
    assert rows.loc["建筑面积", "field"] == "" and rows.loc["建筑面积", "how"] == "手动忽略"
    assert rows.loc["宗地代码", "field"] == "parcel_id"
    assert any("预填 1 列" in c.value for c in at.caption)
