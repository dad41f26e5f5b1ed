"""Selected parcels of the 供地分析 lists (批而未供 / 闲置 / 逾期未开工) as a GeoPackage or a zipped GBK Shapefile.

`export_selection(parcels, ids, out, fmt=…, crs=…)` is plain Python (no Streamlit): the app's export
button calls it, and so could the CLI. `parcels` is `analysis.supply_lists.land_lists` (or any parcel
frame with `parcel_id`); only the fields of `FIELDS` are written, whatever else the frame carries.

Field names and aliases
  GeoPackage  English snake_case field names (as the scorecard GeoPackage, `reports.gpkg`), the Chinese
              alias of each in `gpkg_data_columns` (GDAL's alternative name) and in the layer's default
              QGIS style (`layer_styles`, coloured by list as on the page).
  Shapefile   a DBF field name holds 10 bytes, so aliases cannot travel with it. The fields are named
              in Chinese of at most 5 characters (10 bytes in GBK: 宗地编号, 面积亩, 所在单元 …), which
              ArcGIS, QGIS and the bureau's own tools show as written when the .cpg says GBK; the zip's
              README.txt gives each field's GeoPackage (English) name and full meaning. Names and values
              are written in GBK (.cpg "GBK"); a character GBK cannot hold becomes "?" and is counted in
              the README. With lang="en" the Shapefile fields get short English names instead.

Coordinates: the parcels' own CRS (the project's CGCS2000 projected CRS) unless `crs` names another
(EPSG:4490, CGCS2000 lon/lat, is the one the app offers). Areas (`area_mu`) are the project's
ellipsoidal areas, copied, never recomputed from the reprojected geometry.

Confidentiality, as for the scorecard exports: a parcel may name its owner (credit code and name: the
parcels layer's own 权利人 fields), but no firm figure is written — no tax, value added, output or
energy figure and nothing derived from them (per-mu figures, scores, classes), of the owner or of any
other firm. The field list is closed: a column not in `FIELDS` never reaches the file.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj

from analysis.supply_lists import CATEGORY_COLOURS, LIST_CATEGORIES
from i18n import layer_label
from layers.project import atomic_path
from spatial.errors import InputError, UsageError

__all__ = ["FIELDS", "FORMATS", "LAYER", "LONLAT_CRS", "SHP_ENCODING", "export_selection", "selection_frame"]

FORMATS = ("gpkg", "shp")
LAYER = "selected_parcels"  # GeoPackage layer and Shapefile base name (ASCII: safe in every zip tool)
LONLAT_CRS = "EPSG:4490"    # CGCS2000 geographic
SHP_ENCODING = "GBK"
SHP_NAME_BYTES = 10         # a DBF field name: at most 10 bytes


@dataclass(frozen=True)
class Field:
    """One exported field: its GeoPackage name, Chinese alias, Shapefile names (Chinese, English) and English label."""

    name: str
    alias_zh: str
    shp_zh: str
    label_en: str
    shp_en: str


FIELDS: tuple[Field, ...] = (
    Field("parcel_id", "宗地编号", "宗地编号", "Parcel id", "parcel_id"),
    Field("category", "清单类别代码", "类别代码", "List (code)", "cat_code"),
    Field("category_name", "清单类别", "类别", "List", "category"),
    Field("supply_status", "供地状态", "供地状态", "Supply status", "status"),
    Field("land_use", "地类编码", "地类编码", "Land use code", "land_use"),
    Field("area_mu", "面积（亩）", "面积亩", "Area (mu)", "area_mu"),
    Field("approval_id", "批次号", "批次号", "Approval batch", "approval"),
    Field("approved_date", "批准日期", "批准日期", "Approved on", "approved"),
    Field("years_since_approval", "批准至今（年）", "批准年数", "Years since approval", "years"),
    Field("supply_date", "供地日期", "供地日期", "Supplied on", "supplied"),
    Field("agreed_start_date", "约定开工日期", "约定开工", "Agreed start", "start_date"),
    Field("days_since_agreed_start", "超约定开工日（天）", "超期天数", "Days past agreed start", "days_late"),
    Field("unit_id", "所在单元编号", "单元编号", "Unit id", "unit_id"),
    Field("unit_name", "所在单元", "所在单元", "Unit", "unit_name"),
    Field("unit_kind", "单元类型", "单元类型", "Unit kind", "unit_kind"),
    Field("units", "涉及单元", "涉及单元", "All units", "units"),
    Field("owner_uscc", "权利人统一社会信用代码", "信用代码", "Owner credit code", "owner_code"),
    Field("owner_name", "权利人名称", "权利人", "Owner", "owner_name"),
)
CATEGORY_LABELS = {  # the page's words for the lists (ui/text/supply.py); the exports must not import ui
    "unsupplied": {"zh": "批而未供", "en": "Approved, not supplied"},
    "idle": {"zh": "闲置土地", "en": "Idle"},
    "idle_by_date": {"zh": "逾期未开工", "en": "Late start"},
}
NUMERIC = frozenset({"area_mu", "years_since_approval", "days_since_agreed_start"})
README = {
    "zh": {"title": "Landpark 供地分析 · 所选宗地", "when": "导出时间", "count": "宗地数", "area": "面积合计（亩）",
           "area_note": "面积为项目计算的椭球面积，未因坐标转换重算。", "crs": "坐标系", "encoding": "编码",
           "encoding_note": "字段名与属性值均为 GBK（见 .cpg）。", "replaced": "含 GBK 无法表示的字符、已替换为 ? 的值",
           "fields": "字段说明（Shapefile 字段 | GeoPackage 字段 | 含义）",
           "secret": "只含宗地及其权利人信息，不含任何企业的税收、增加值、产值、能耗等经济数据。"},
    "en": {"title": "Landpark land supply · selected parcels", "when": "Exported", "count": "Parcels",
           "area": "Total area (mu)", "area_note": "Areas are the project's ellipsoidal areas, not recomputed after "
           "reprojection.", "crs": "Coordinates", "encoding": "Encoding",
           "encoding_note": "Field names and values are GBK (see the .cpg).",
           "replaced": "Values with characters GBK cannot hold, written with ?",
           "fields": "Fields (Shapefile field | GeoPackage field | meaning)",
           "secret": "Parcels and their owners only: no tax, value added, output or energy figure of any firm."},
}


def _check_field_names() -> None:
    for f in FIELDS:
        for name in (f.shp_zh, f.shp_en):
            if len(name.encode(SHP_ENCODING)) > SHP_NAME_BYTES:
                raise AssertionError(f"Shapefile field {name!r} is longer than {SHP_NAME_BYTES} bytes in {SHP_ENCODING}")


_check_field_names()


def _wanted_ids(parcels: pd.DataFrame, ids: Iterable[str]) -> list[str]:
    """`ids` as strings, each once; every one must name a parcel of `parcels`."""
    wanted = list(dict.fromkeys(str(i) for i in ids))
    if not wanted:
        raise UsageError("no parcels selected: nothing to export")
    if "parcel_id" not in parcels.columns:
        raise InputError("the parcels have no parcel_id field")
    known = set(parcels["parcel_id"].astype(str))
    unknown = [i for i in wanted if i not in known]
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise UsageError(f"unknown parcel ids: {', '.join(unknown[:5])}{more}")
    return wanted


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series(np.nan if name in NUMERIC else None, index=frame.index,
                         dtype=float if name in NUMERIC else object)
    values = frame[name]
    if name in NUMERIC:
        return pd.to_numeric(values, errors="coerce").astype(float)
    return values.astype(object).where(values.notna(), None).map(lambda v: v if v is None else str(v))


def selection_frame(parcels: gpd.GeoDataFrame, ids: Iterable[str], *, crs: str | None = None,
                    lang: str = "zh") -> gpd.GeoDataFrame:
    """The selected parcels with exactly the fields of `FIELDS` (in the order of `parcels`), in `crs` (None: their own).

    Coded values get their words in `lang` beside them (`category_name`; `unit_kind` as the layer's name)."""
    if lang not in README:
        raise UsageError(f"language {lang}: choose zh or en")
    wanted = set(_wanted_ids(parcels, ids))
    rows = parcels[parcels["parcel_id"].astype(str).isin(wanted).to_numpy()]
    rows = rows[~rows["parcel_id"].astype(str).duplicated()]
    out = pd.DataFrame({f.name: _column(rows, f.name).to_numpy() for f in FIELDS if f.name != "category_name"})
    out.insert(2, "category_name", [CATEGORY_LABELS[c][lang] if c in CATEGORY_LABELS else c for c in out["category"]])
    out["unit_kind"] = [layer_label(k, lang) if isinstance(k, str) else None for k in out["unit_kind"]]
    frame = gpd.GeoDataFrame(out, geometry=rows.geometry.to_numpy(), crs=rows.crs)
    if frame.crs is None:
        raise InputError("the parcels have no coordinate reference system")
    if crs is not None:
        try:
            target = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as exc:
            raise UsageError(f"unknown coordinate reference system {crs!r}: {exc}") from exc
        frame = frame.to_crs(target)
    return frame


def export_selection(parcels: gpd.GeoDataFrame, ids: Iterable[str], out: Path, *, fmt: str = "gpkg",
                     crs: str | None = None, lang: str = "zh") -> Path:
    """Write the parcels `ids` of `parcels` to `out`: a GeoPackage (fmt "gpkg") or a zip of a GBK Shapefile with
    its .shp/.shx/.dbf/.prj/.cpg and a README.txt (fmt "shp"). Atomic: `out` is replaced only when complete."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}: choose gpkg or shp")
    frame = selection_frame(parcels, ids, crs=crs, lang=lang)
    out = Path(out)
    with atomic_path(out) as tmp:
        if fmt == "gpkg":
            _write_gpkg(frame, tmp, lang)
        else:
            _write_shp_zip(frame, tmp, lang)
    return out


def _label(f: Field, lang: str) -> str:
    return f.alias_zh if lang == "zh" else f.label_en


def _summary(frame: gpd.GeoDataFrame, lang: str) -> str:
    area = float(np.nansum(frame["area_mu"].to_numpy(dtype=float)))
    if lang == "zh":
        return f"供地分析所选宗地：{len(frame)} 宗，{area:,.2f} 亩（Landpark）"
    return f"Parcels selected on the land supply page: {len(frame)}, {area:,.2f} mu (Landpark)"


def _write_gpkg(frame: gpd.GeoDataFrame, path: Path, lang: str) -> None:
    from reports.gpkg import _categorized_qml, _geometry_columns, _write_aliases, _write_styles

    identifier = "所选宗地" if lang == "zh" else "Selected parcels"
    pyogrio.write_dataframe(frame, path, layer=LAYER, driver="GPKG", dataset_options={"VERSION": "1.2"},
                            layer_options={"IDENTIFIER": identifier, "DESCRIPTION": _summary(frame, lang)})
    aliases = {f.name: _label(f, lang) for f in FIELDS}
    categories = [(c, CATEGORY_LABELS[c][lang], CATEGORY_COLOURS[c]) for c in LIST_CATEGORIES]
    qml = _categorized_qml("category", "fill", categories, aliases, aliases["category_name"])
    _write_styles(path, [(LAYER, _geometry_columns(path)[LAYER], qml)])
    _write_aliases(path, {LAYER: aliases})


def _gbk_safe(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Text values with every character GBK cannot hold replaced by "?" (as the DBF would), and how many values changed."""
    out = frame.copy()
    changed = 0
    for f in FIELDS:
        if f.name in NUMERIC:
            continue
        values = []
        for v in out[f.name]:
            if isinstance(v, str):
                safe = v.encode(SHP_ENCODING, errors="replace").decode(SHP_ENCODING)
                changed += safe != v
                v = safe
            values.append(v)
        out[f.name] = pd.Series(values, index=out.index, dtype=object)
    return out, changed


def _write_shp_zip(frame: gpd.GeoDataFrame, path: Path, lang: str) -> None:
    safe, replaced = _gbk_safe(frame)
    names = {f.name: (f.shp_zh if lang == "zh" else f.shp_en) for f in FIELDS}
    shp = safe.rename(columns=names)
    with tempfile.TemporaryDirectory(prefix="landpark-shp-") as folder:
        base = Path(folder) / f"{LAYER}.shp"
        pyogrio.write_dataframe(shp, base, driver="ESRI Shapefile", encoding=SHP_ENCODING)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                member = base.with_suffix(ext)
                if not member.exists():
                    raise InputError(f"the Shapefile driver wrote no {ext} file")
                archive.write(member, member.name)
            archive.writestr("README.txt", _readme(frame, names, replaced, lang).encode("utf-8-sig"))


def _readme(frame: gpd.GeoDataFrame, names: dict[str, str], replaced: int, lang: str) -> str:
    text = README[lang]
    crs = frame.crs
    epsg = crs.to_epsg() if crs is not None else None
    crs_text = f"EPSG:{epsg} {crs.name}" if epsg else (crs.name if crs is not None else "—")
    area = float(np.nansum(frame["area_mu"].to_numpy(dtype=float)))
    lines: list[Any] = [
        text["title"], "",
        f"{text['when']}: {dt.datetime.now().replace(microsecond=0).isoformat(sep=' ')}",
        f"{text['count']}: {len(frame)}",
        f"{text['area']}: {area:,.2f}  ({text['area_note']})",
        f"{text['crs']}: {crs_text}",
        f"{text['encoding']}: {SHP_ENCODING}. {text['encoding_note']}",
    ]
    if replaced:
        lines.append(f"{text['replaced']}: {replaced}")
    lines += ["", text["fields"]]
    lines += [f"  {names[f.name]} | {f.name} | {_label(f, lang)}" for f in FIELDS]
    lines += ["", text["secret"], ""]
    return "\r\n".join(str(x) for x in lines)
