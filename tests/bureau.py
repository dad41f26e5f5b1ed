"""Builders of bureau-like data sets (the shapes real 自然资源局 exports take), for CLI tests."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from tests.hostile import PRJ_TEXTS, _unflagged_zipinfo

ZONE40 = 40_000_000.0
X0, Y0 = 630_000.0, 3_305_000.0  # EPSG:4549 — near Ningbo (~121.35°E, 29.86°N)


def parcels_gdf(zoned: bool = True) -> gpd.GeoDataFrame:
    """Six parcels with bureau headers: a bow-tie (P003) and a duplicated id (P002)."""
    dx = ZONE40 if zoned else 0.0
    x, y = X0 + dx, Y0
    geoms = [
        shapely.box(x, y, x + 100, y + 100),
        shapely.box(x + 120, y, x + 220, y + 100),
        shapely.Polygon([(x + 240, y), (x + 340, y + 100), (x + 340, y), (x + 240, y + 100)]),  # bow-tie
        shapely.box(x + 360, y, x + 460, y + 100),
        shapely.box(x, y + 120, x + 100, y + 220),
        shapely.box(x + 120, y + 120, x + 220, y + 220),
    ]
    return gpd.GeoDataFrame({
        "宗地代码": ["P001", "P002", "P003", "P004", "P002", "P006"],
        "地类编码": ["0601", "0601", "0701", "0601", "05H1", "0601"],
        "地类名称": ["工业用地", "工业用地", "城镇住宅用地", "工业用地", "商业服务业设施用地", "工业用地"],
        "供地状态": ["已建成", "批而未供", "已供未建", "闲置", "已建成", "批而未供"],
        "权利人": ["宁波甬江机械有限公司", "", "", "", "", ""],
        "建筑面积": [12000.0, 0.0, 0.0, 0.0, 8000.0, 0.0],
    }, geometry=geoms, crs=None)


def gbk_shapefile_zip(tmp_path: Path, *, prj: str = "zone40", folder: str = "宗地成果", stem: str = "宗地") -> Path:
    """A zip as ArcGIS users send it: GBK attributes, no .cpg, LDID 0, GBK member names, Chinese folder."""
    build = tmp_path / "shp-build"
    build.mkdir(exist_ok=True)
    shp = build / f"{stem}.shp"
    parcels_gdf(zoned=(prj == "zone40")).to_file(shp, encoding="GBK", engine="pyogrio")
    for side in build.glob(f"{stem}.*"):
        if side.suffix.lower() in (".cpg", ".prj"):
            side.unlink()
    dbf = build / f"{stem}.dbf"
    data = bytearray(dbf.read_bytes())
    data[29] = 0  # no LDID: the encoding must be found from the bytes
    dbf.write_bytes(bytes(data))
    (build / f"{stem}.prj").write_text(PRJ_TEXTS[prj], encoding="ascii")
    out = tmp_path / "宗地数据.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for side in sorted(build.glob(f"{stem}.*")):
            zf.writestr(_unflagged_zipinfo(f"{folder}/{side.name}", "gbk"), side.read_bytes())
    return out


def parks_geojson_4490(tmp_path: Path) -> Path:
    """Two parks in EPSG:4490 lon/lat with Chinese headers."""
    from pyproj import Transformer

    to_ll = Transformer.from_crs(4549, 4490, always_xy=True)
    polys = []
    for dx in (0, 600):
        xs = [X0 - 50 + dx, X0 + 550 + dx, X0 + 550 + dx, X0 - 50 + dx]
        ys = [Y0 - 50, Y0 - 50, Y0 + 300, Y0 + 300]
        lon, lat = to_ll.transform(xs, ys)
        polys.append(shapely.Polygon(list(zip(lon, lat))))
    gdf = gpd.GeoDataFrame({"园区编号": ["YQ01", "YQ02"], "园区名称": ["甬江智造园", "滨海新材料园"],
                            "园区类型": ["综合园区", "特色园区"], "主导产业": ["智能装备;汽车零部件", "新材料"]},
                           geometry=polys, crs=4490)
    path = tmp_path / "园区.geojson"
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def lines_gpkg_4549(tmp_path: Path) -> Path:
    """A GeoPackage with a Chinese layer name and Chinese field names in EPSG:4549."""
    gdf = gpd.GeoDataFrame({"控制线编号": ["GY-01"], "控制线名称": ["甬江工业区块"], "控制线级别": ["一级"]},
                           geometry=[shapely.box(X0 - 100, Y0 - 100, X0 + 1200, Y0 + 400)], crs=4549)
    path = tmp_path / "控制线.gpkg"
    gdf.to_file(path, layer="工业用地保护线", driver="GPKG", engine="pyogrio")
    return path


def enterprises_xlsx(tmp_path: Path) -> Path:
    """An enterprise sheet with Chinese headers, a '—' in a money column and a bad credit code."""
    rows = pd.DataFrame({
        "统一社会信用代码": ["91350100M000100Y43", "914403001922038216", "91440300708461136X"],
        "企业名称": ["宁波甬江机械有限公司", "宁波滨海材料有限公司", "宁波某某电子有限公司"],
        "是否规上": ["是", "否", "是"],
        "实缴税金(万元)": ["1,234.5", "—", "88"],
        "工业增加值(万元)": ["5000", "300", "1200"],
        "用地面积(亩)": ["30", "12.5", "20"],
        "用电量(千瓦时)": ["1500000", "200000", "800000"],
    })
    path = tmp_path / "企业亩均数据.xlsx"
    rows.to_excel(path, index=False, sheet_name="2025年度")
    return path
