"""read_source on hostile input: every case yields the right values, a listed problem or a clear InputError."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from layers.problems import InputError
from layers.readers import SourceCRSError, read_source
from spatial.crs import CRSError
from tests import hostile as H


def codes(read) -> list[str]:
    return [p.code for p in read.problems]


def problem(read, code: str):
    found = [p for p in read.problems if p.code == code]
    assert found, f"no {code!r} problem in {[str(p) for p in read.problems]}"
    return found[0]


def assert_boxes(frame: gpd.GeoDataFrame, zoned: bool) -> None:
    """Geometry is left in the source coordinates: each feature's bounds are the fixture's boxes."""
    expected = np.array(H.parcel_boxes(zoned))
    np.testing.assert_allclose(shapely.bounds(frame.geometry.to_numpy()), expected)


# ------------------------------------------------------------------------------------------
# zipped shapefiles from Chinese Windows


def test_gbk_zip_without_cpg_with_unflagged_chinese_names_decodes_chinese(tmp_path):
    path = H.make_gbk_parcels_zip(tmp_path, prj="zone40")
    with zipfile.ZipFile(path) as zf:
        assert not any(i.flag_bits & H.UTF8_NAME_FLAG for i in zf.infolist())
        assert not any(i.filename.lower().endswith(".cpg") for i in zf.infolist())
    read = read_source(path)
    assert read.frame["园区名称"].tolist() == list(H.PARK_NAMES)
    assert read.frame["地块编号"].tolist() == list(H.PARCEL_IDS)
    assert read.frame["用地面积"].tolist() == list(H.AREAS_MU)
    assert (read.encoding.encoding, read.encoding.method) == ("gb18030", "gb18030_strict")
    assert read.layer == "宗地" and read.layers_available == ["宗地"]
    assert read.source == str(path)
    assert read.crs.epsg == 4528 and not read.crs.is_guess  # CGCS2000 3-degree GK zone 40 (EPSG 4488 + 40)
    assert "EPSG:4528" in problem(read, "crs_detected").message
    assert read.frame.crs.to_epsg() == 4528
    assert_boxes(read.frame, zoned=True)


def test_gbk_zip_with_cpg_uses_the_cpg(tmp_path):
    read = read_source(H.make_gbk_parcels_zip(tmp_path, prj="esri_cm120", with_cpg=True))
    assert (read.encoding.encoding, read.encoding.method) == ("gbk", "cpg")
    assert read.frame["园区名称"].tolist() == list(H.PARK_NAMES)


def test_gbk_zip_with_ldid_only(tmp_path):
    read = read_source(H.make_gbk_parcels_zip(tmp_path, prj="zone40", ldid=0x4D))
    assert (read.encoding.encoding, read.encoding.method) == ("gbk", "ldid")
    assert read.frame["园区名称"].tolist() == list(H.PARK_NAMES)


@pytest.mark.parametrize(("prj", "epsg"), [("zone40", 4528), ("esri_cm120", 4549)])
def test_esri_prj_names_give_the_epsg_code(tmp_path, prj, epsg):
    # 4528 = CGCS2000 3-degree GK zone 40 (FE 40500000); 4549 = CM 120E without prefix (epsg.io).
    read = read_source(H.make_gbk_parcels_zip(tmp_path, prj=prj))
    assert read.crs.epsg == epsg
    assert not read.crs.is_guess
    assert_boxes(read.frame, zoned=prj == "zone40")


def test_no_prj_with_zoned_coordinates_is_a_reported_guess(tmp_path):
    read = read_source(H.make_gbk_parcels_zip(tmp_path, prj=None, zoned=True))
    assert read.crs.epsg == 4528 and read.crs.is_guess
    assert "zone 40" in read.crs.note
    assert "no .prj" in problem(read, "no_prj").message
    assert "crs_detected" not in codes(read)  # a guess is not stated as a finding


def test_no_prj_with_unzoned_coordinates_is_refused_unless_crs_given(tmp_path):
    path = H.make_gbk_parcels_zip(tmp_path, prj=None, zoned=False)
    with pytest.raises(InputError) as info:
        read_source(path)
    message = str(info.value)
    assert str(path) in message and "宗地数据/宗地.shp" in message
    assert "coordinate reference system" in message and "state the CRS" in message
    assert isinstance(info.value, CRSError) and isinstance(info.value, SourceCRSError)
    read = read_source(path, crs="EPSG:4549")
    assert read.crs.epsg == 4549 and read.crs.method == "user" and not read.crs.is_guess
    assert read.frame.crs.to_epsg() == 4549


def test_prj_contradicted_by_coordinates_is_refused(tmp_path):
    # A zone-40 .prj on eastings without the 40 prefix: the data cannot be where the .prj says.
    path = H.make_gbk_parcels_zip(tmp_path, prj="zone40", zoned=False)
    with pytest.raises(SourceCRSError, match="zone"):
        read_source(path)


@pytest.mark.parametrize("missing", [".dbf", ".shx"])
def test_missing_shapefile_part_is_named(tmp_path, missing):
    path = H.make_gbk_parcels_zip(tmp_path, omit=(missing,))
    with pytest.raises(InputError) as info:
        read_source(path)
    message = str(info.value)
    assert message.startswith(f"{path}: incomplete shapefile")
    assert f"宗地{missing}" in message


def test_plain_shp_missing_dbf_is_named(tmp_path):
    shp = H.write_shapefile(tmp_path / "d", "宗地", H.parcel_boxes(True), prj="zone40")
    shp.with_suffix(".dbf").unlink()
    with pytest.raises(InputError, match=r"宗地\.dbf missing beside 宗地\.shp"):
        read_source(shp)


def test_zip_slip_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"member '\.\./\.\./evil\.txt' would be written outside"):
        read_source(H.make_zip_slip(tmp_path))


def test_several_shapefiles_in_a_zip(tmp_path):
    path = H.make_multi_shapefile_zip(tmp_path)
    with pytest.raises(InputError) as info:
        read_source(path)
    message = str(info.value)
    assert "2 datasets" in message and "数据/园区.shp" in message and "数据/宗地.shp" in message
    assert "layer=" in message
    read = read_source(path, layer="园区")
    assert read.layer == "园区"
    assert sorted(read.layers_available) == ["园区", "宗地"]
    assert "read 数据/园区.shp" in problem(read, "several_datasets").message
    assert read.frame["园区名称"].tolist() == list(H.PARK_NAMES)
    with pytest.raises(InputError, match="no dataset named '工业区'.*数据/园区.shp"):
        read_source(path, layer="工业区")


def test_macos_resource_forks_in_a_zip_are_ignored(tmp_path):
    read = read_source(H.make_gbk_parcels_zip(tmp_path, macosx_junk=True))
    assert read.layer == "宗地" and "several_datasets" not in codes(read)


def test_date_field_becomes_iso_text(tmp_path):
    read = read_source(H.make_gbk_parcels_zip(tmp_path))
    assert read.frame["供地日期"].tolist() == ["2021-03-15", "2022-11-01", None]
    assert "供地日期" in problem(read, "dates_converted").message
    json.dumps(read.frame.drop(columns="geometry").to_dict("records"), ensure_ascii=False)


# ------------------------------------------------------------------------------------------
# plain shapefiles: encoding edge cases


def test_plain_gbk_shapefile_and_user_encoding(tmp_path):
    shp = H.write_shapefile(tmp_path / "s", "宗地", H.parcel_boxes(True), prj="zone40")
    read = read_source(shp, encoding="GBK")
    assert (read.encoding.encoding, read.encoding.method) == ("gbk", "user")
    assert read.frame["园区名称"].tolist() == list(H.PARK_NAMES)


def test_wrong_user_encoding_is_a_clear_error(tmp_path):
    shp = H.write_shapefile(tmp_path / "s", "宗地", H.parcel_boxes(True), prj="zone40")
    with pytest.raises(InputError, match=r"宗地\.shp, layer '宗地': text cannot be decoded as utf-8.*encoding="):
        read_source(shp, encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_source(shp, encoding="klingon")


def test_cpg_contradicted_by_the_bytes_is_reported_and_overridden(tmp_path):
    shp = H.write_shapefile(tmp_path / "s", "宗地", H.parcel_boxes(True), prj="zone40", cpg="UTF-8")
    read = read_source(shp)
    assert read.frame["园区名称"].tolist() == list(H.PARK_NAMES)
    message = problem(read, "encoding_mismatch").message
    assert "utf-8" in message and "gb18030" in message


def test_utf8_field_name_cut_inside_a_character(tmp_path):
    # "统一社会信用代码" is 24 bytes in UTF-8; DBF keeps 10, ending inside the 4th character.
    fields = (("统一社会信用代码", "C", 20, 0), ("名称", "C", 30, 0))
    records = [("91330212MA2AB0000X", n) for n in H.PARK_NAMES]
    shp = H.write_shapefile(tmp_path / "u", "企业", H.parcel_boxes(True), fields=fields, records=records,
                            encoding="utf-8", cpg="UTF-8", prj="zone40")
    read = read_source(shp)
    assert list(read.frame.columns[:2]) == ["统一社", "名称"]
    assert read.frame["名称"].tolist() == list(H.PARK_NAMES)
    assert "10 bytes" in problem(read, "text_cut_in_character").message


# ------------------------------------------------------------------------------------------
# GeoPackage, GeoJSON, FileGDB, GeoParquet


def test_geopackage_with_chinese_layer_and_field_names(tmp_path):
    path = H.make_gpkg(tmp_path)
    read = read_source(path)
    assert read.layer == "宗地图层" and read.layers_available == ["宗地图层", "园区图层"]
    assert "园区图层" in problem(read, "several_layers").message
    assert read.frame["园区名称"].tolist() == list(H.PARK_NAMES)
    assert read.crs.epsg == 4549 and read.crs.method == "embedded"
    assert_boxes(read.frame, zoned=False)
    other = read_source(path, layer="园区图层")
    assert len(other.frame) == 1 and "several_layers" not in codes(other)
    with pytest.raises(InputError, match="no layer '道路'; its layers are: 宗地图层, 园区图层"):
        read_source(path, layer="道路")


def test_geojson_with_crs_member_4490(tmp_path):
    read = read_source(H.make_geojson(tmp_path))
    assert read.crs.epsg == 4490
    assert read.frame["园区名称"].tolist() == list(H.PARK_NAMES)
    lon, lat = H.LONLAT_POINTS[0]
    np.testing.assert_allclose(read.frame.geometry.iloc[0].bounds, (lon, lat, lon + 0.0005, lat + 0.0005))


def test_geojson_without_crs_member_is_rfc7946_lonlat(tmp_path):
    read = read_source(H.make_geojson(tmp_path, crs_name=None, name="plain.geojson"))
    assert read.crs.epsg == 4326 and not read.crs.is_guess


def test_mixed_geometry_types_are_listed(tmp_path):
    read = read_source(H.make_mixed_geometry_geojson(tmp_path))
    message = problem(read, "mixed_geometry").message
    assert "2 polygon" in message and "1 line" in message and "1 point" in message
    assert problem(read, "mixed_geometry").severity == "warning"


def _filegdb_writable() -> bool:
    return "w" in pyogrio.list_drivers(write=True).get("OpenFileGDB", "")


@pytest.mark.skipif(not _filegdb_writable(), reason="this GDAL cannot write FileGDB (OpenFileGDB driver read-only)")
@pytest.mark.parametrize("zipped", [False, True])
def test_filegdb_folder_and_zipped(tmp_path, zipped):
    gdb = H.make_filegdb(tmp_path)
    path = gdb
    if zipped:
        members = {f"{gdb.name}/{f.name}": f for f in sorted(gdb.iterdir()) if f.is_file()}
        path = H.write_zip(tmp_path / "库.zip", members)
    read = read_source(path)
    assert read.layer == "宗地"
    assert read.frame["园区名称"].tolist() == list(H.PARK_NAMES)
    assert read.frame["供地日期"].tolist() == ["2021-03-15", "2022-11-01", None]
    assert read.crs.epsg == 4549
    assert_boxes(read.frame, zoned=False)


def test_geoparquet(tmp_path):
    read = read_source(H.make_geoparquet(tmp_path))
    assert read.crs.epsg == 4549 and read.crs.method == "embedded"
    assert read.frame["园区名称"].tolist() == list(H.PARK_NAMES)
    assert read.frame["供地日期"].tolist() == ["2021-03-15", "2022-11-01", None]
    assert_boxes(read.frame, zoned=False)


def test_broken_geopackage_is_an_input_error_without_traceback(tmp_path):
    bad = tmp_path / "坏.gpkg"
    bad.write_text("not a database", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_source(bad)
    message = str(info.value)
    assert message.startswith(f"{bad}: cannot open as GeoPackage")
    assert "Traceback" not in message and "It might help" not in message


# ------------------------------------------------------------------------------------------
# tables: CSV and Excel


def test_csv_with_wkt_column(tmp_path):
    read = read_source(H.make_csv_wkt(tmp_path))
    assert isinstance(read.frame, gpd.GeoDataFrame)
    assert "WKT" not in read.frame.columns
    assert read.frame["园区名称"].tolist() == list(H.PARK_NAMES)
    assert read.frame["面积"].tolist() == ["1,234.5"] * 3  # text kept for the normalisers
    np.testing.assert_allclose(shapely.area(read.frame.geometry.to_numpy()), 0.0005**2)  # square degrees of the fixture squares
    assert read.crs.epsg == 4490 and read.crs.is_guess
    assert (read.encoding.encoding, read.encoding.method) == ("utf-8", "utf8_strict")


def test_csv_gbk_with_lonlat_columns(tmp_path):
    read = read_source(H.make_csv_lonlat_gbk(tmp_path, blank_row=True))
    assert (read.encoding.encoding, read.encoding.method) == ("gb18030", "gb18030_strict")
    assert read.frame["企业名称"].tolist() == list(H.ENTERPRISE_NAMES)
    assert read.frame["税收（万元）"].tolist() == ["100", "—", "102"]
    assert "经度" not in read.frame.columns and "纬度" not in read.frame.columns  # now the geometry
    geoms = read.frame.geometry
    assert geoms.iloc[1] is None
    assert (geoms.iloc[0].x, geoms.iloc[0].y) == H.LONLAT_POINTS[0]
    assert "row 2" in problem(read, "missing_geometry").message
    assert read.crs.epsg == 4490


def test_csv_without_geometry_is_a_plain_table(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes("企业名称,税收\n甲公司,—\n乙公司,\n".encode("gbk"))
    read = read_source(path, crs="EPSG:4549")
    assert not isinstance(read.frame, gpd.GeoDataFrame) and read.crs is None
    assert read.frame["税收"].iloc[0] == "—" and pd.isna(read.frame["税收"].iloc[1])
    assert "crs_ignored" in codes(read)


def test_csv_with_swapped_survey_xy_is_refused(tmp_path):
    # Chinese survey convention: X = northing. Zoned eastings in the y column must not pass silently.
    path = tmp_path / "points.csv"
    path.write_text("name,x,y\na,3306000,40649000\nb,3306100,40649100\n", encoding="utf-8")
    with pytest.raises(SourceCRSError, match="swapped"):
        read_source(path)


def test_excel_with_chinese_headers_and_dash_in_money(tmp_path):
    path = H.make_xlsx(tmp_path)
    read = read_source(path)
    assert read.layer == "企业数据" and read.layers_available == ["企业数据", "说明"]
    assert "说明" in problem(read, "several_layers").message
    assert read.crs is None and not isinstance(read.frame, gpd.GeoDataFrame)
    assert list(read.frame.columns) == ["企业名称", "统一社会信用代码", "税收（万元）", "用地面积（亩）", "填报日期"]
    assert read.frame["企业名称"].tolist() == list(H.ENTERPRISE_NAMES)
    assert read.frame["税收（万元）"].tolist() == ["1234.5", "—", "1,234.5"]
    assert read.frame["用地面积（亩）"].tolist() == ["30", "12.5", None]
    assert read.frame["填报日期"].tolist() == ["2024-03-01", "2024-03-02", None]
    sheet = read_source(path, layer="说明")
    assert sheet.layer == "说明"
    with pytest.raises(InputError, match="no sheet 'Sheet9'; its sheets are: 企业数据, 说明"):
        read_source(path, layer="Sheet9")


def test_excel_title_row_above_the_header_is_skipped(tmp_path):
    read = read_source(H.make_xlsx(tmp_path, title_row=True))
    assert list(read.frame.columns)[:2] == ["企业名称", "统一社会信用代码"]
    assert len(read.frame) == 3
    assert "spreadsheet row 2" in problem(read, "title_rows_skipped").message


# ------------------------------------------------------------------------------------------
# paths that are not sources


def test_missing_and_unsupported_paths(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_source(tmp_path / "nothing.zip")
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(InputError, match=r"notes\.txt: unsupported format '\.txt'; supported: .*GeoPackage"):
        read_source(text)


def test_zip_without_any_dataset_lists_its_content(tmp_path):
    path = H.write_zip(tmp_path / "docs.zip", {"说明/readme.txt": b"x"})
    with pytest.raises(InputError, match="no dataset found in the zip archive.*说明/readme.txt"):
        read_source(path)
