"""Builders of hostile source files, as bureaus send them, written into a test's tmp_path.

DBF tables and zip member names are written byte by byte here (not through GDAL), so the
fixtures are exactly what ArcGIS on a Chinese Windows produces: GBK text, no .cpg, LDID 0,
member names without the UTF-8 flag. Readers are then checked against the literal values below.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

# Attribute values of the three test parcels; tests compare decoded text against these literals.
PARCEL_IDS = ("ZD-001", "ZD-002", "ZD-003")
PARK_NAMES = ("宁波高新区", "鄞州工业园", "东钱湖智造园")
AREAS_MU = (15.0, 22.5, 7.25)
SUPPLY_DATES = (dt.date(2021, 3, 15), dt.date(2022, 11, 1), None)
ENTERPRISE_NAMES = ("宁波甬江科技有限公司", "鄞州精密机械厂", "东钱湖新材料股份有限公司")

# Three 100 m × 100 m squares near Ningbo (about 121.55E 29.87N) in CGCS2000 3-degree
# Gauss-Krüger CM 120E metres without zone prefix (EPSG:4549); add 40 000 000 for zone 40 (EPSG:4528).
CM120_BOXES = tuple((649_000.0 + 200 * i, 3_306_000.0, 649_100.0 + 200 * i, 3_306_100.0) for i in range(3))
ZONE40_PREFIX = 40_000_000.0
# The same places in longitude/latitude (degrees), for GeoJSON and CSV fixtures.
LONLAT_POINTS = ((121.551, 29.871), (121.553, 29.872), (121.555, 29.873))

_GCS_CGCS2000 = (
    'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",'
    'SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]]'
)
# .prj texts as ArcGIS writes them (ESRI WKT1, no EPSG code inside).
PRJ_TEXTS = {
    "zone40": (
        'PROJCS["CGCS2000_3_Degree_GK_Zone_40",' + _GCS_CGCS2000 + ',PROJECTION["Gauss_Kruger"],'
        'PARAMETER["False_Easting",40500000.0],PARAMETER["False_Northing",0.0],'
        'PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],'
        'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
    ),
    "esri_cm120": (
        'PROJCS["CGCS2000_3_Degree_GK_CM_120E",' + _GCS_CGCS2000 + ',PROJECTION["Gauss_Kruger"],'
        'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
        'PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],'
        'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
    ),
}

UTF8_NAME_FLAG = 0x800

# (name, DBF type, length, decimals) of the parcel table; every name fits 10 bytes in GBK.
PARCEL_FIELDS = (("地块编号", "C", 20, 0), ("园区名称", "C", 40, 0), ("用地面积", "N", 12, 2), ("供地日期", "D", 8, 0))


def parcel_records() -> list[tuple]:
    return list(zip(PARCEL_IDS, PARK_NAMES, AREAS_MU, SUPPLY_DATES))


# ------------------------------------------------------------------------------------------
# DBF and shapefiles


def write_dbf(path: Path, fields: Iterable[tuple[str, str, int, int]], records: Iterable[tuple], *,
              encoding: str = "gbk", ldid: int = 0) -> Path:
    """Write a dBase III table byte by byte: names and text in `encoding`, LDID in header byte 29.

    Field names are cut to 10 bytes as DBF requires (possibly inside a character, as some
    writers do).
    """
    fields = list(fields)
    records = list(records)
    header_length = 32 + 32 * len(fields) + 1
    record_length = 1 + sum(f[2] for f in fields)
    today = dt.date(2024, 5, 20)
    head = bytearray(32)
    head[0] = 0x03
    head[1:4] = bytes((today.year - 1900, today.month, today.day))
    head[4:8] = len(records).to_bytes(4, "little")
    head[8:10] = header_length.to_bytes(2, "little")
    head[10:12] = record_length.to_bytes(2, "little")
    head[29] = ldid
    out = bytearray(head)
    for name, kind, length, decimals in fields:
        desc = bytearray(32)
        raw = name.encode(encoding)[:10]
        desc[0:len(raw)] = raw
        desc[11] = ord(kind)
        desc[16] = length
        desc[17] = decimals
        out += desc
    out += b"\x0d"
    for rec in records:
        out += b" "
        for (_name, kind, length, decimals), value in zip(fields, rec):
            if value is None:
                cell = b" " * length
            elif kind == "C":
                cell = str(value).encode(encoding)[:length].ljust(length, b" ")
            elif kind == "N":
                cell = f"{value:.{decimals}f}".encode("ascii").rjust(length, b" ")
            elif kind == "D":
                cell = value.strftime("%Y%m%d").encode("ascii")
            else:
                raise ValueError(f"unsupported DBF type {kind}")
            out += cell
    out += b"\x1a"
    Path(path).write_bytes(bytes(out))
    return Path(path)


def write_shapefile(folder: Path, stem: str, boxes: Iterable[tuple[float, float, float, float]], *,
                    fields: Iterable[tuple[str, str, int, int]] = PARCEL_FIELDS,
                    records: Iterable[tuple] | None = None, encoding: str = "gbk", ldid: int = 0,
                    cpg: str | None = None, prj: str | None = None) -> Path:
    """A polygon shapefile whose .dbf is hand-written (see write_dbf); `cpg`/`prj` are file texts or None."""
    folder.mkdir(parents=True, exist_ok=True)
    geoms = [shapely.box(*b) for b in boxes]
    shp = folder / f"{stem}.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "'crs' was not provided": the .prj is written below
        gpd.GeoDataFrame({"n": range(len(geoms))}, geometry=geoms).to_file(shp, engine="pyogrio")
    for suffix in (".cpg", ".prj"):
        shp.with_suffix(suffix).unlink(missing_ok=True)
    write_dbf(shp.with_suffix(".dbf"), fields, records if records is not None else parcel_records(),
              encoding=encoding, ldid=ldid)
    if cpg is not None:
        shp.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    if prj is not None:
        shp.with_suffix(".prj").write_text(PRJ_TEXTS.get(prj, prj), encoding="ascii")
    return shp


def parcel_boxes(zoned: bool) -> list[tuple[float, float, float, float]]:
    dx = ZONE40_PREFIX if zoned else 0.0
    return [(a + dx, b, c + dx, d) for a, b, c, d in CM120_BOXES]


# ------------------------------------------------------------------------------------------
# zip archives with GBK member names


def _unflagged_zipinfo(name: str, codec: str) -> zipfile.ZipInfo:
    """A member whose name is stored as `codec` bytes with the UTF-8 flag unset, as Chinese Windows writes it."""

    class _Info(zipfile.ZipInfo):
        def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's private hook for name bytes and flags)
            return self.filename.encode(codec), self.flag_bits & ~UTF8_NAME_FLAG

    return _Info(name)


def write_zip(path: Path, members: dict[str, bytes | Path], *, name_codec: str | None = "gbk") -> Path:
    """A zip of `members` (name → bytes or file). Names are stored as `name_codec` bytes without the
    UTF-8 flag; name_codec=None lets zipfile store them normally (UTF-8 with the flag when needed)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            data = content.read_bytes() if isinstance(content, Path) else content
            info = _unflagged_zipinfo(name, name_codec) if name_codec else zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def shapefile_members(shp: Path, prefix: str) -> dict[str, Path]:
    """Every file of the shapefile `shp` keyed by its name under `prefix/` inside a zip."""
    return {f"{prefix}/{p.name}" if prefix else p.name: p for p in sorted(shp.parent.glob(shp.stem + ".*"))}


def make_gbk_parcels_zip(tmp_path: Path, prj: str | None = "zone40", with_cpg: bool = False,
                         folder: str = "宗地数据", *, ldid: int = 0, stem: str = "宗地",
                         zoned: bool | None = None, omit: Iterable[str] = (), macosx_junk: bool = False) -> Path:
    """A zip with `folder/stem.shp` etc.: GBK attributes (园区名称 …), member names GBK without UTF-8 flag.

    prj: "zone40" (EPSG:4528 text), "esri_cm120" (EPSG:4549 text) or None (no .prj). Coordinates
    carry the zone-40 prefix when `zoned` (default: unless prj is "esri_cm120"). `omit` lists
    suffixes (".dbf", ".shx") left out of the zip.
    """
    zoned = (prj != "esri_cm120") if zoned is None else zoned
    build = tmp_path / f"build-{stem}-{prj}-{with_cpg}-{ldid}"
    shp = write_shapefile(build, stem, parcel_boxes(zoned), ldid=ldid, cpg="936" if with_cpg else None, prj=prj)
    members: dict[str, bytes | Path] = {f"{folder}/": b""} if folder else {}
    members.update({k: v for k, v in shapefile_members(shp, folder).items()
                    if Path(k).suffix.lower() not in {s.lower() for s in omit}})
    if macosx_junk:
        members[f"__MACOSX/{folder}/._{stem}.shp"] = b"\x00\x05\x16\x07junk"
    name = f"parcels-{prj}-{'cpg' if with_cpg else 'nocpg'}-{ldid}-{'-'.join(omit) or 'all'}.zip"
    return write_zip(tmp_path / name, members)


def make_multi_shapefile_zip(tmp_path: Path) -> Path:
    """A zip holding two shapefiles, 宗地 and 园区, under one folder."""
    build = tmp_path / "build-multi"
    members: dict[str, bytes | Path] = {}
    for stem in ("宗地", "园区"):
        shp = write_shapefile(build, stem, parcel_boxes(True), cpg="GBK", prj="zone40")
        members.update(shapefile_members(shp, "数据"))
    return write_zip(tmp_path / "multi.zip", members)


def make_zip_slip(tmp_path: Path, evil: str = "../../evil.txt") -> Path:
    """A zip with one harmless member and one whose path escapes the extraction folder."""
    path = tmp_path / "slip.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ok/readme.txt", b"fine")
        zf.writestr(zipfile.ZipInfo(evil), b"owned")
    return path


# ------------------------------------------------------------------------------------------
# other formats


def parcels_frame(crs: int | str | None = 4549, *, zoned: bool = False) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"地块编号": list(PARCEL_IDS), "园区名称": list(PARK_NAMES), "用地面积": list(AREAS_MU)},
        geometry=[shapely.box(*b) for b in parcel_boxes(zoned)], crs=crs,
    )


def make_gpkg(tmp_path: Path, *, layers: Iterable[str] = ("宗地图层", "园区图层")) -> Path:
    """A GeoPackage in EPSG:4549 with Chinese layer and field names; the first layer holds the parcels."""
    path = tmp_path / "宗地.gpkg"
    for i, name in enumerate(layers):
        frame = parcels_frame(4549) if i == 0 else parcels_frame(4549).iloc[:1]
        frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path


def geojson_text(features: list[dict[str, Any]], crs_name: str | None) -> str:
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs_name is not None:
        doc["crs"] = {"type": "name", "properties": {"name": crs_name}}
    return json.dumps(doc, ensure_ascii=False)


def _square(lon: float, lat: float, d: float = 0.0005) -> list[list[list[float]]]:
    return [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]


def make_geojson(tmp_path: Path, *, crs_name: str | None = "urn:ogc:def:crs:EPSG::4490",
                 name: str = "园区.geojson", extra_properties: list[dict[str, Any]] | None = None) -> Path:
    """Three square parks near Ningbo in lon/lat; `crs_name` is written as the legacy "crs" member."""
    features = [
        {"type": "Feature", "properties": {"园区名称": n, "启用日期": "2020-01-01", **extra},
         "geometry": {"type": "Polygon", "coordinates": _square(lon, lat)}}
        for n, (lon, lat), extra in zip(PARK_NAMES, LONLAT_POINTS, extra_properties or [{}, {}, {}])
    ]
    path = tmp_path / name
    path.write_text(geojson_text(features, crs_name), encoding="utf-8")
    return path


def make_mixed_geometry_geojson(tmp_path: Path) -> Path:
    """Two polygons, one line and one point in one layer (lon/lat, no crs member)."""
    (lon, lat) = LONLAT_POINTS[0]
    geoms = [
        {"type": "Polygon", "coordinates": _square(lon, lat)},
        {"type": "MultiPolygon", "coordinates": [_square(lon + 0.01, lat)]},
        {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.001, lat + 0.001]]},
        {"type": "Point", "coordinates": [lon, lat]},
    ]
    features = [{"type": "Feature", "properties": {"编号": str(i)}, "geometry": g} for i, g in enumerate(geoms)]
    path = tmp_path / "mixed.geojson"
    path.write_text(geojson_text(features, None), encoding="utf-8")
    return path


def make_filegdb(tmp_path: Path, *, layer: str = "宗地") -> Path:
    """A FileGDB folder in EPSG:4549 with a date field, written by GDAL's OpenFileGDB driver."""
    path = tmp_path / "宗地库.gdb"
    frame = parcels_frame(4549)
    frame["供地日期"] = pd.to_datetime(["2021-03-15", "2022-11-01", None])
    frame.to_file(path, driver="OpenFileGDB", layer=layer, engine="pyogrio")
    return path


def make_csv_wkt(tmp_path: Path) -> Path:
    """A UTF-8 (with BOM, as Excel saves it) CSV with a WKT column of lon/lat polygons."""
    lines = ["园区名称,面积,WKT"]
    for n, (lon, lat) in zip(PARK_NAMES, LONLAT_POINTS):
        ring = ", ".join(f"{x} {y}" for x, y in _square(lon, lat)[0])
        lines.append(f'{n},"1,234.5","POLYGON (({ring}))"')
    path = tmp_path / "园区_wkt.csv"
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    return path


def make_csv_lonlat_gbk(tmp_path: Path, *, blank_row: bool = False) -> Path:
    """A GBK CSV of enterprises with 经度/纬度 columns (what Excel "CSV" saves on Chinese Windows)."""
    lines = ["企业名称,统一社会信用代码,经度,纬度,税收（万元）"]
    for i, (n, (lon, lat)) in enumerate(zip(ENTERPRISE_NAMES, LONLAT_POINTS)):
        if blank_row and i == 1:
            lines.append(f"{n},91330212MA2AB{i:05d},,,—")
        else:
            lines.append(f"{n},91330212MA2AB{i:05d},{lon},{lat},{100 + i}")
    path = tmp_path / "企业.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def make_xlsx(tmp_path: Path, *, title_row: bool = False) -> Path:
    """An Excel workbook: Chinese headers, a "—" and a "1,234.5" text cell in the money column, a date cell,
    and a second sheet. With `title_row`, a merged title line sits above the header."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "企业数据"
    if title_row:
        ws.append(["2024年度工业企业亩均效益评价表"])
        ws.merge_cells("A1:E1")
    ws.append(["企业名称", "统一社会信用代码", "税收（万元）", "用地面积（亩）", "填报日期"])
    ws.append([ENTERPRISE_NAMES[0], "91330212MA2AB00000", 1234.5, 30, dt.datetime(2024, 3, 1)])
    ws.append([ENTERPRISE_NAMES[1], "91330212MA2AB00001", "—", 12.5, dt.datetime(2024, 3, 2)])
    ws.append([ENTERPRISE_NAMES[2], "91330212MA2AB00002", "1,234.5", None, None])
    other = wb.create_sheet("说明")
    other.append(["数据来源：区经信局"])
    path = tmp_path / "企业亩均.xlsx"
    wb.save(path)
    return path


def make_geoparquet(tmp_path: Path) -> Path:
    """A GeoParquet file of the parcels in EPSG:4549 with a date column."""
    frame = parcels_frame(4549)
    frame["供地日期"] = pd.to_datetime(["2021-03-15", "2022-11-01", None])
    path = tmp_path / "宗地.parquet"
    frame.to_parquet(path)
    return path


# ------------------------------------------------------------------------------------------
# the hostile battery of issue 11: inputs that once ended in a traceback or lost data silently


def _features(geoms: list[dict[str, Any]], props: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    props = props or [{"园区名称": f"园区{i}", "园区编号": f"YQ{i:02d}"} for i in range(len(geoms))]
    return [{"type": "Feature", "properties": p, "geometry": g} for p, g in zip(props, geoms)]


def _good_parks(n: int = 2) -> list[dict[str, Any]]:
    return [{"type": "Polygon", "coordinates": _square(lon, lat)} for lon, lat in LONLAT_POINTS[:n]]


def make_short_ring_geojson(tmp_path: Path, points: int = 2) -> Path:
    """Two good parks and one whose ring has only `points` (1 or 2) positions."""
    (lon, lat) = LONLAT_POINTS[2]
    ring = [[lon, lat], [lon + 0.001, lat]][:points]
    geoms = _good_parks() + [{"type": "Polygon", "coordinates": [ring]}]
    path = tmp_path / f"ring{points}.geojson"
    path.write_text(geojson_text(_features(geoms), None), encoding="utf-8")
    return path


def make_nan_ring_geojson(tmp_path: Path) -> Path:
    """Two good parks and one whose ring holds NaN (written as the bare token NaN, as Python's json does)."""
    (lon, lat) = LONLAT_POINTS[2]
    ring = _square(lon, lat)[0]
    ring[1] = [float("nan"), lat]
    geoms = _good_parks() + [{"type": "Polygon", "coordinates": [ring]}]
    path = tmp_path / "nan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": _features(geoms)}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def make_tin_shapefile(tmp_path: Path) -> Path:
    """A MultiPatch shapefile (shape type 31, read by GDAL as TIN / `Unknown WKB type 16`) of two triangles."""
    import struct

    folder = tmp_path / "tin"
    folder.mkdir(parents=True, exist_ok=True)
    xs = [649_000.0, 649_100.0, 649_000.0]
    ys = [3_306_000.0, 3_306_000.0, 3_306_100.0]
    records = []
    for i in range(2):
        pts = [(x + 200 * i, y) for x, y in zip(xs, ys)]
        box = (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))
        body = struct.pack("<i4d2i", 31, *box, 1, 3) + struct.pack("<i", 0) + struct.pack("<i", 0)  # one triangle strip
        body += b"".join(struct.pack("<2d", *p) for p in pts)
        body += struct.pack("<2d", 0.0, 0.0) + struct.pack("<3d", 0.0, 0.0, 0.0)  # z range and values
        records.append(body)
    shp, shx = bytearray(), bytearray()
    offset = 50
    for n, body in enumerate(records, 1):
        shp += struct.pack(">2i", n, len(body) // 2) + body
        shx += struct.pack(">2i", offset, len(body) // 2)
        offset += 4 + len(body) // 2
    bbox = struct.pack("<4d", 649_000.0, 3_306_000.0, 649_300.0, 3_306_100.0) + struct.pack("<4d", 0, 0, 0, 0)

    def header(length_words: int) -> bytes:
        return struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length_words) + struct.pack("<2i", 1000, 31) + bbox

    (folder / "tin.shp").write_bytes(header(50 + len(shp) // 2) + bytes(shp))
    (folder / "tin.shx").write_bytes(header(50 + len(shx) // 2) + bytes(shx))
    write_dbf(folder / "tin.dbf", (("ID", "C", 10, 0),), [("T1",), ("T2",)], encoding="ascii")
    (folder / "tin.prj").write_text(PRJ_TEXTS["esri_cm120"], encoding="ascii")
    return folder / "tin.shp"


def make_filegdb_binary_field(tmp_path: Path) -> Path:
    """A FileGDB of parcels with a binary (blob) column holding bytes that are not UTF-8."""
    path = tmp_path / "blob.gdb"
    frame = parcels_frame(4549)
    frame["附件"] = [b"\xff\xfe\x00\x81", b"\x89PNG\r\n", b"\xc3\x28"]
    frame.to_file(path, driver="OpenFileGDB", layer="宗地", engine="pyogrio")
    return path


def make_parquet_wkb_column(tmp_path: Path) -> Path:
    """A plain Parquet file (no geo metadata) whose `geometry` column holds WKB bytes of lon/lat squares."""
    geoms = [shapely.Polygon(_square(lon, lat)[0]) for lon, lat in LONLAT_POINTS]
    frame = pd.DataFrame({"园区编号": ["YQ01", "YQ02", "YQ03"], "园区名称": list(PARK_NAMES),
                          "geometry": shapely.to_wkb(geoms)})
    path = tmp_path / "plain.parquet"
    frame.to_parquet(path)
    return path


def make_csv_curve_wkt(tmp_path: Path) -> Path:
    """A CSV with two polygon rows and one CURVEPOLYGON row (row 3 of the data)."""
    lines = ["园区编号,园区名称,WKT"]
    for i, (n, (lon, lat)) in enumerate(zip(PARK_NAMES[:2], LONLAT_POINTS)):
        ring = ", ".join(f"{x} {y}" for x, y in _square(lon, lat)[0])
        lines.append(f'YQ0{i},{n},"POLYGON (({ring}))"')
    lon, lat = LONLAT_POINTS[2]
    lines.append(f'YQ02,{PARK_NAMES[2]},"CURVEPOLYGON (CIRCULARSTRING ({lon} {lat}, {lon + 0.001} {lat + 0.001}, '
                 f'{lon} {lat + 0.002}, {lon - 0.001} {lat + 0.001}, {lon} {lat}))"')
    path = tmp_path / "curve.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_list_property_geojson(tmp_path: Path) -> Path:
    """Parks whose 主导产业 property is a JSON list on one feature and an object on another."""
    props = [{"园区名称": n, "园区编号": f"YQ{i:02d}", "主导产业": v}
             for i, (n, v) in enumerate(zip(PARK_NAMES, (["智能制造", "新材料"], {"a": 1}, "汽车零部件")))]
    path = tmp_path / "lists.geojson"
    path.write_text(geojson_text(_features(_good_parks(3), props), None), encoding="utf-8")
    return path


def make_outside_china_geojson(tmp_path: Path) -> Path:
    """Three lon/lat parks in Germany (WGS 84), nowhere near China."""
    geoms = [{"type": "Polygon", "coordinates": _square(13.40 + 0.01 * i, 52.52)} for i in range(3)]
    path = tmp_path / "berlin.geojson"
    path.write_text(geojson_text(_features(geoms), None), encoding="utf-8")
    return path


def make_world_geojson(tmp_path: Path) -> Path:
    """A near-Ningbo park plus squares spread over the whole globe, up to ±180° and the poles."""
    geoms = _good_parks(1)
    for lon in (-179.0, -90.0, 0.0, 90.0, 179.0):
        for lat in (-89.0, 0.0, 89.0):
            geoms.append({"type": "Polygon", "coordinates": _square(lon, lat, 0.5)})
    path = tmp_path / "world.geojson"
    path.write_text(geojson_text(_features(geoms), None), encoding="utf-8")
    return path


def make_xlsx_formulas_uncached(tmp_path: Path) -> Path:
    """An enterprise workbook whose 税收 column holds formulas saved without cached values (as openpyxl saves)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "企业数据"
    ws.append(["企业名称", "统一社会信用代码", "税收（万元）", "用地面积（亩）"])
    for i, n in enumerate(ENTERPRISE_NAMES):
        ws.append([n, f"91330212MA2AB{i:05d}", f"=D{i + 2}*10", 10 + i])
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    return path


def make_xlsx_two_row_header(tmp_path: Path) -> Path:
    """A workbook whose header spans two rows: merged group cells above (经济指标 over 税收 / 增加值)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "企业数据"
    ws.append(["企业名称", "统一社会信用代码", "经济指标（万元）", None, "用地面积（亩）"])
    ws.append([None, None, "税收", "增加值", None])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:B2")
    ws.merge_cells("C1:D1")
    ws.merge_cells("E1:E2")
    for i, n in enumerate(ENTERPRISE_NAMES):
        ws.append([n, f"91330212MA2AB{i:05d}", 100 + i, 300 + i, 10 + i])
    path = tmp_path / "two_rows.xlsx"
    wb.save(path)
    return path


def make_truncated_shapefile(tmp_path: Path, n: int = 50) -> Path:
    """A parcel shapefile of `n` squares whose .shp is cut in the middle of record n // 2 + 1."""
    folder = tmp_path / "truncated"
    boxes = [(649_000.0 + 200 * i, 3_306_000.0, 649_100.0 + 200 * i, 3_306_100.0) for i in range(n)]
    records = [(f"ZD-{i:03d}", PARK_NAMES[0], 10.0, None) for i in range(n)]
    shp = write_shapefile(folder, "宗地", boxes, records=records, cpg="GBK", prj="esri_cm120")
    data = shp.read_bytes()
    record_bytes = (len(data) - 100) // n
    shp.write_bytes(data[:100 + record_bytes * (n // 2) + record_bytes // 2])
    return shp


def make_duplicate_key_geojson(tmp_path: Path) -> Path:
    """Parks whose first feature carries the key 园区名称 twice with different values."""
    text = geojson_text(_features(_good_parks(2)), None)
    text = text.replace('"园区名称": "园区0"', '"园区名称": "甲园区", "园区名称": "园区0"', 1)
    path = tmp_path / "dupkey.geojson"
    path.write_text(text, encoding="utf-8")
    return path


def make_bang_name_geojson(tmp_path: Path) -> Path:
    """A good parks GeoJSON whose file name starts with `!`."""
    return make_geojson(tmp_path, name="!test.geojson",
                        extra_properties=[{"园区编号": f"YQ0{i}"} for i in range(3)])


def make_structured_value_geojson(tmp_path: Path, kind: str, field: str, value: Any) -> Path:
    """Three good features of `kind` (parks or parcels) whose second feature's `field` holds `value` (a list or an
    object, written as JSON). Parks carry 园区编号/园区名称/园区类型/批准级别; parcels 宗地编号/地类编码/供地状态."""
    if kind == "parcels":
        props = [{"宗地编号": pid, "地类编码": "0601", "地类名称": "工业用地", "供地状态": "已供应"} for pid in PARCEL_IDS]
    else:
        props = [{"园区编号": f"YQ{i:02d}", "园区名称": n, "园区类型": "综合园区", "批准级别": "省级"}
                 for i, n in enumerate(PARK_NAMES)]
    props[1][field] = value
    path = tmp_path / f"structured-{kind}.geojson"
    path.write_text(geojson_text(_features(_good_parks(3), props), None), encoding="utf-8")
    return path


def make_csv_all_curves(tmp_path: Path) -> Path:
    """A CSV whose every WKT is a curve (CIRCULARSTRING, COMPOUNDCURVE)."""
    lon, lat = LONLAT_POINTS[0]
    lines = ["园区编号,园区名称,WKT",
             f'YQ00,{PARK_NAMES[0]},"CIRCULARSTRING ({lon} {lat}, {lon + 0.001} {lat + 0.001}, {lon + 0.002} {lat})"',
             f'YQ01,{PARK_NAMES[1]},"COMPOUNDCURVE (({lon} {lat}, {lon + 0.001} {lat}))"']
    path = tmp_path / "curves.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def damage_geopackage(gpkg: Path, damage: str) -> Path:
    """Damage a project GeoPackage while keeping it a sound SQLite file: `no_gpkg_contents` drops the
    gpkg_contents table, `layer_table_dropped` drops the parks table (still listed in gpkg_contents),
    `plain_sqlite` replaces the file by an SQLite database without any gpkg_* table."""
    import sqlite3

    if damage == "plain_sqlite":
        gpkg.unlink()
    con = sqlite3.connect(gpkg)
    try:
        if damage == "no_gpkg_contents":
            con.execute("DROP TABLE gpkg_contents")
        elif damage == "layer_table_dropped":
            con.execute("DROP TABLE parks")
        elif damage == "plain_sqlite":
            con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
            con.execute("INSERT INTO notes (text) VALUES ('not a GeoPackage')")
        else:
            raise ValueError(damage)
        con.commit()
    finally:
        con.close()
    return gpkg


# ------------------------------------------------------------------------------------------
# equivalents of Fiona's test fixtures (Fiona is not installed; rebuilt here as the issue allows)


def make_mixed_multi_shapefile(tmp_path: Path) -> Path:
    """A parcel shapefile holding a Polygon, a two-part MultiPolygon and a Polygon (as GDAL writes a mixed layer)."""
    folder = tmp_path / "mixed_multi"
    folder.mkdir(parents=True, exist_ok=True)
    a, b, c = (shapely.box(*box) for box in parcel_boxes(False))
    second = shapely.MultiPolygon([b, shapely.affinity.translate(b, 0.0, 150.0)])
    frame = gpd.GeoDataFrame({"ZDBH": list(PARCEL_IDS), "DLBM": ["0601"] * 3, "DLMC": ["工业用地"] * 3,
                              "GDZT": ["已供应"] * 3}, geometry=[a, second, c], crs=4549)
    path = folder / "mixed.shp"
    frame.to_file(path, engine="pyogrio", encoding="utf-8")
    return path


def make_z_polygon_geojson(tmp_path: Path) -> Path:
    """Three parks whose polygons carry a Z (height) on every position."""
    geoms = [{"type": "Polygon", "coordinates": [[[x, y, 12.5] for x, y in _square(lon, lat)[0]]]}
             for lon, lat in LONLAT_POINTS]
    path = tmp_path / "z.geojson"
    path.write_text(geojson_text(_features(geoms), None), encoding="utf-8")
    return path


def make_gpkg_wanted_second(tmp_path: Path) -> Path:
    """A GeoPackage with a one-feature 行政区 layer first and the parks layer 园区 second."""
    path = tmp_path / "two_layers.gpkg"
    district = gpd.GeoDataFrame({"名称": ["鄞州区"]}, geometry=[shapely.box(648_000, 3_305_000, 652_000, 3_308_000)],
                                crs=4549)
    district.to_file(path, layer="行政区", driver="GPKG", engine="pyogrio")
    parks = gpd.GeoDataFrame({"园区编号": ["YQ00", "YQ01", "YQ02"], "园区名称": list(PARK_NAMES)},
                             geometry=[shapely.box(*b) for b in parcel_boxes(False)], crs=4549)
    parks.to_file(path, layer="园区", driver="GPKG", engine="pyogrio")
    return path


def make_empty_layer_gpkg(tmp_path: Path) -> Path:
    """A GeoPackage whose only layer has the parks' columns and no feature."""
    path = tmp_path / "empty.gpkg"
    frame = gpd.GeoDataFrame({"园区编号": pd.Series([], dtype=str), "园区名称": pd.Series([], dtype=str)},
                             geometry=gpd.GeoSeries([], crs=4549))
    frame.to_file(path, layer="园区", driver="GPKG", engine="pyogrio")
    return path


def make_null_geometry_geojson(tmp_path: Path) -> Path:
    """Three parks, the second with `"geometry": null`."""
    geoms: list[Any] = _good_parks(3)
    geoms[1] = None
    path = tmp_path / "nullgeom.geojson"
    path.write_text(geojson_text(_features(geoms), None), encoding="utf-8")
    return path


def make_gbk_shapefile_lying_cpg(tmp_path: Path) -> Path:
    """A GBK parcel shapefile (Chinese field names and values) with a .cpg that says UTF-8."""
    fields = (("宗地编号", "C", 20, 0), ("地类编码", "C", 10, 0), ("地类名称", "C", 20, 0), ("供地状态", "C", 20, 0),
              ("园区名称", "C", 40, 0))
    records = [(pid, "0601", "工业用地", "已供应", park) for pid, park in zip(PARCEL_IDS, PARK_NAMES)]
    return write_shapefile(tmp_path / "lying_cpg", "宗地", parcel_boxes(False), fields=fields, records=records,
                           cpg="UTF-8", prj="esri_cm120")
