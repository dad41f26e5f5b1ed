"""Read any supported source into a raw frame, with its CRS and text encoding decided and reported.

Formats: zipped or plain Shapefile, GeoPackage, GeoJSON, FileGDB (folder or zipped), CSV,
Excel .xlsx and GeoParquet. Columns stay as in the source (mapping to canonical names happens
downstream), geometry stays in the source CRS, and every failure is an InputError naming the
file, the layer and the problem.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import io
import json
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import shapely
import shapely.errors

from layers.aliases import CoordinateColumns, coordinate_columns
from layers.archive import extract_zip, find_datasets, sidecar
from layers.encoding import (
    ENCODING_METHODS_ZH,
    EncodingDetection,
    dbf_decodes_as,
    detect_bytes_encoding,
    detect_dbf_content_encoding,
    detect_dbf_encoding,
    normalise_codec,
)
from layers.problems import InputError, ProblemList, Severity
from spatial.crs import CHINA_NORTHING, CRS_METHODS_ZH, LOCAL_EASTING, CRSDetection, CRSError, detect_crs
from spatial.errors import text as error_text
from spatial.gcj02 import WEB_DATUMS, WEB_DATUMS_ZH, geometries_from_datum, in_china

__all__ = ["SourceRead", "SourceCRSError", "read_source", "SUPPORTED_FORMATS"]

SUPPORTED_FORMATS = (
    "zipped or plain Shapefile (.zip, .shp with .shx and .dbf), GeoPackage (.gpkg), GeoJSON "
    "(.geojson, .json), FileGDB (.gdb folder or zipped), CSV (.csv), Excel (.xlsx), GeoParquet (.parquet)"
)
SUPPORTED_FORMATS_ZH = (
    "Shapefile（zip 压缩包，或 .shp 及同名 .shx、.dbf）、GeoPackage（.gpkg）、GeoJSON（.geojson、.json）、"
    "FileGDB（.gdb 文件夹或其 zip）、CSV（.csv）、Excel（.xlsx）、GeoParquet（.parquet）"
)

# Column names (compared case-insensitively, spaces trimmed) that carry geometry in a table;
# coordinate columns (经度/纬度, lng_wgs84, 经度_GCJ02, X坐标 …) are matched by layers/aliases.py.
WKT_COLUMNS = ("wkt", "geometry", "geom", "shape", "the_geom")
# The CRS a datum named in coordinate headers stands for (GCJ-02/BD-09: converted to CGCS2000).
_COLUMN_DATUM_CRS = {"wgs84": "EPSG:4326", "cgcs2000": "EPSG:4490", "gcj02": "GCJ-02", "bd09": "BD-09"}
_OGR_FORMATS = {".gpkg": "GeoPackage", ".gdb": "FileGDB", ".geojson": "GeoJSON", ".json": "GeoJSON"}
_SELF_DESCRIBED_TEXT = "text in this format is always UTF-8"
_SELF_DESCRIBED_TEXT_ZH = "该格式的文本固定为 UTF-8"
_WHAT_ZH = {"folder": "文件夹", "zip archive": "压缩包"}
_GEOMETRY_FAMILIES_ZH = {"point": "点", "line": "线", "polygon": "面", "geometry collection": "几何集合"}
_LISTED_ROWS = 10  # how many row numbers a message shows before "…"
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")
_GEOMETRY_FAMILIES = {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon",
                      7: "geometry collection"}


@dataclass
class SourceRead:
    """What a reader found in one source: the raw frame, its CRS and encoding, and the problems met."""

    frame: gpd.GeoDataFrame | pd.DataFrame  # raw columns as in the source; geometry in the SOURCE crs
    crs: CRSDetection | None  # None for a table without geometry
    encoding: EncodingDetection | None
    source: str  # the path as the user gave it
    layer: str  # layer / sheet name actually read
    layers_available: list[str] = field(default_factory=list)
    problems: ProblemList = field(default_factory=ProblemList)
    # Columns whose DBF field name fills all 10 bytes in the file's own encoding: they may be cut
    # from a longer header, so only they may match an alias by prefix (layers.aliases.match_columns).
    cut_columns: frozenset[str] = frozenset()


class SourceCRSError(CRSError):
    """The CRS of a source cannot be decided or contradicts its coordinates (both an InputError and a CRSError)."""


@dataclass
class _Context:
    """Where a read happens, for messages: the path the user gave and the dataset inside it."""

    source: str
    label: str  # "parcels.zip [宗地数据/宗地.shp]" or just the source
    problems: ProblemList = field(default_factory=ProblemList)

    def add(self, severity: Severity, code: str, message: str, layer: str = "", *, zh: str = "", **where: Any) -> None:
        self.problems.add(severity, code, message, zh=zh, source=self.source, layer=layer, **where)


def read_source(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    crs: str | int | None = None,
) -> SourceRead:
    """Read `path` (any supported format, zipped or not) with its CRS and text encoding decided.

    `layer` picks a layer, sheet or dataset inside a zip (by file stem); `encoding` overrides
    encoding detection for shapefiles and CSV; `crs` overrides CRS detection. Raises InputError
    (SourceCRSError for CRS refusals) whose message names the file, the layer and the problem.
    """
    source = str(path)
    p = Path(path)
    if encoding is not None and normalise_codec(encoding) is None:
        raise InputError(f"{source}: unknown encoding {encoding!r}; use e.g. gbk, gb18030 or utf-8",
                         zh=f"{source}：未知的字符编码 {encoding!r}；请用 gbk、gb18030 或 utf-8 等")
    if not p.exists():
        raise InputError(f"{source}: no such file or folder", zh=f"{source}：文件或文件夹不存在")
    ctx = _Context(source, source)
    if p.is_dir() and p.suffix.lower() != ".gdb":
        return _read_collection(p, ctx, layer, encoding, crs, what="folder")
    if p.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="landpark-zip-") as tmp:
            extract_zip(p, Path(tmp))
            return _read_collection(Path(tmp), ctx, layer, encoding, crs, what="zip archive")
    return _read_dataset(p, ctx, layer, encoding, crs)


# ----------------------------------------------------------------------------------------------
# collections (zip archives, folders)


def _read_collection(folder: Path, ctx: _Context, layer: str | None, encoding: str | None,
                     crs: str | int | None, *, what: str) -> SourceRead:
    """Pick the dataset inside an unpacked zip or a folder, by `layer` when there are several."""
    datasets = find_datasets(folder, label=ctx.source)
    if not datasets:
        held = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        shown = ", ".join(held[:_LISTED_ROWS]) + (" …" if len(held) > _LISTED_ROWS else "")
        raise InputError(
            f"{ctx.source}: no dataset found in the {what}; expected one of {SUPPORTED_FORMATS}; "
            f"it holds: {shown or 'nothing'}",
            zh=f"{ctx.source}：{_WHAT_ZH[what]}中没有可读取的数据集；支持 {SUPPORTED_FORMATS_ZH}；"
               f"其中包含：{shown or '（空）'}",
        )
    names = [d.relative_to(folder).as_posix() for d in datasets]
    inner_layer = layer
    chosen = datasets[0]
    if len(datasets) > 1:
        listing = ", ".join(names)
        if layer is None:
            raise InputError(
                f"{ctx.source}: the {what} holds {len(datasets)} datasets ({listing}); choose one with "
                f"layer=<name>, e.g. layer={datasets[0].stem!r}",
                zh=f"{ctx.source}：{_WHAT_ZH[what]}中有 {len(datasets)} 个数据集（{listing}）；请选择一个图层，"
                   f"如 {datasets[0].stem!r}",
            )
        matches = [d for d, n in zip(datasets, names) if layer in (d.stem, d.name, n)]
        if not matches:
            raise InputError(f"{ctx.source}: no dataset named {layer!r} in the {what}; it holds: {listing}",
                             zh=f"{ctx.source}：{_WHAT_ZH[what]}中没有名为 {layer!r} 的数据集；其中包含：{listing}")
        if len(matches) > 1:
            inside = ', '.join(m.relative_to(folder).as_posix() for m in matches)
            raise InputError(
                f"{ctx.source}: {layer!r} names {len(matches)} datasets in the {what} "
                f"({inside}); give the path inside it instead",
                zh=f"{ctx.source}：{layer!r} 对应{_WHAT_ZH[what]}中的 {len(matches)} 个数据集（{inside}）；请改填其中的路径",
            )
        chosen, inner_layer = matches[0], None
    inner = chosen.relative_to(folder).as_posix()
    inner_ctx = _Context(ctx.source, f"{ctx.source} [{inner}]", ctx.problems)
    if len(datasets) > 1:
        inner_ctx.add("warning", "several_datasets",
                      f"the {what} holds {len(datasets)} datasets ({', '.join(names)}); read {inner}",
                      layer=chosen.stem,
                      zh=f"{_WHAT_ZH[what]}中有 {len(datasets)} 个数据集（{'、'.join(names)}）；已读取 {inner}")
    read = _read_dataset(chosen, inner_ctx, inner_layer, encoding, crs)
    if len(datasets) > 1:
        read.layers_available = [d.stem for d in datasets]
    return read


def _read_dataset(p: Path, ctx: _Context, layer: str | None, encoding: str | None,
                  crs: str | int | None) -> SourceRead:
    suffix = p.suffix.lower()
    if suffix == ".shp":
        return _read_shapefile(p, ctx, layer, encoding, crs)
    if suffix in _OGR_FORMATS:
        return _read_ogr(p, ctx, layer, encoding, crs)
    if suffix == ".csv":
        return _read_csv(p, ctx, layer, encoding, crs)
    if suffix == ".xlsx":
        return _read_excel(p, ctx, layer, encoding, crs)
    if suffix == ".parquet":
        return _read_parquet(p, ctx, layer, encoding, crs)
    if suffix in (".shx", ".dbf", ".prj", ".cpg"):
        raise InputError(f"{ctx.label}: this is one part of a shapefile; give the .shp file or a zip of all its parts",
                         zh=f"{ctx.label}：这只是 Shapefile 的一个组成文件；请提供 .shp 文件，或包含全部组成文件的 zip 压缩包")
    if suffix == ".xls":
        raise InputError(f"{ctx.label}: old Excel .xls files are not read; save the sheet as .xlsx",
                         zh=f"{ctx.label}：不读取旧版 Excel .xls 文件；请另存为 .xlsx")
    raise InputError(f"{ctx.label}: unsupported format {suffix or '(no extension)'!r}; supported: {SUPPORTED_FORMATS}",
                     zh=f"{ctx.label}：不支持的格式 {suffix or '（无扩展名）'!r}；支持：{SUPPORTED_FORMATS_ZH}")


# ----------------------------------------------------------------------------------------------
# vector formats through GDAL (pyogrio)


def _read_shapefile(p: Path, ctx: _Context, layer: str | None, encoding: str | None,
                    crs: str | int | None) -> SourceRead:
    lacking = [p.stem + s for s in (".shx", ".dbf") if sidecar(p, s) is None]
    if lacking:
        raise InputError(
            f"{ctx.label}: incomplete shapefile: {' and '.join(lacking)} missing beside {p.name} "
            "(a shapefile needs its .shp, .shx and .dbf files together)",
            zh=f"{ctx.label}：Shapefile 不完整：{p.name} 旁缺少 {'、'.join(lacking)}"
               "（Shapefile 需要 .shp、.shx、.dbf 三个文件齐全）",
        )
    if layer is not None and layer != p.stem:
        raise InputError(f"{ctx.label}: a shapefile has one layer, {p.stem!r}; there is no layer {layer!r}",
                         zh=f"{ctx.label}：Shapefile 只有一个图层 {p.stem!r}，没有图层 {layer!r}")
    name = p.stem
    dbf = sidecar(p, ".dbf")
    assert dbf is not None
    _refuse_truncated_shapefile(p, ctx)
    detected = _checked_dbf_encoding(dbf, ctx, name, encoding)
    prj = sidecar(p, ".prj")
    wkt = _read_prj(prj) if prj is not None else None
    if prj is None:
        ctx.add("info", "no_prj",
                f"{p.name} has no .prj file: the CRS comes from the one stated on import or from the coordinates", layer=name,
                zh=f"{p.name} 没有 .prj 文件：坐标系取导入时指定的，或根据坐标推测")
    frame = _ogr_read(p, ctx, name, detected.encoding, single_layer=True,
                      header_only_broken=lambda: dbf_decodes_as(dbf, "utf-8"))
    read = _finish_vector(frame, ctx, name, [name], detected, crs, wkt=wkt, embedded=None)
    read.cut_columns = dbf_names_at_limit(dbf, detected.encoding, [str(c) for c in read.frame.columns])
    return read


def dbf_names_at_limit(dbf: Path, encoding: str, columns: list[str]) -> frozenset[str]:
    """The `columns` whose stored DBF field name fills all 10 bytes (11th byte NUL or absent).

    Read from the field descriptors (32 bytes each from byte 32; the name is bytes 0-10), so the
    test is on the bytes in the file's own encoding, not on the decoded text. A name cut inside a
    character decodes with the broken bytes dropped or replaced; every such spelling is matched.
    """
    try:
        with dbf.open("rb") as fh:
            head = fh.read(32)
            header_length = int.from_bytes(head[8:10], "little") if len(head) == 32 else 0
            descriptors = fh.read(max(header_length - 32, 0))
    except OSError:
        return frozenset()
    spellings: set[str] = set()
    for start in range(0, len(descriptors) - 31, 32):
        if descriptors[start] == 0x0D:
            break
        raw = descriptors[start:start + 11].split(b"\0", 1)[0]
        if len(raw) < 10:
            continue
        raw = raw[:10]
        for errors in ("ignore", "replace"):
            try:
                spellings.add(raw.decode(encoding, errors=errors).strip().rstrip("\ufffd?"))
            except LookupError:
                return frozenset()
    return frozenset(c for c in columns if c.strip().rstrip("\ufffd?") in spellings)


def _refuse_truncated_shapefile(p: Path, ctx: _Context) -> None:
    """A .shp/.shx shorter than its header says (a copy or download cut off) is refused: GDAL would read
    the records past the cut as features without geometry."""
    for part in (p, sidecar(p, ".shx")):
        if part is None:
            continue
        size = part.stat().st_size
        with open(part, "rb") as f:
            head = f.read(100)
        declared = int.from_bytes(head[24:28], "big") * 2 if len(head) >= 28 else 0
        if len(head) < 100 or declared > size:
            raise InputError(f"{ctx.label}: {part.name} is truncated: its header declares {declared} bytes but the file "
                             f"holds {size}; the copy is incomplete — copy or download it again",
                             zh=f"{ctx.label}：{part.name} 不完整：文件头声明 {declared} 字节，实际只有 {size} 字节；"
                                "文件未拷贝完整，请重新拷贝或下载")
    shx = sidecar(p, ".shx")
    if shx is not None and shx.stat().st_size >= 108:
        data = shx.read_bytes()
        offset, length = (int.from_bytes(data[-8:-4], "big") * 2, int.from_bytes(data[-4:], "big") * 2)
        if offset + 8 + length > p.stat().st_size:
            n = (len(data) - 100) // 8
            raise InputError(f"{ctx.label}: {p.name} is truncated: the index ({shx.name}) lists {n} records, the last "
                             f"ending at byte {offset + 8 + length}, but the file holds {p.stat().st_size} bytes; "
                             "the copy is incomplete — copy or download it again",
                             zh=f"{ctx.label}：{p.name} 不完整：索引文件（{shx.name}）列出 {n} 条记录，最后一条止于第 "
                                f"{offset + 8 + length} 字节，但文件只有 {p.stat().st_size} 字节；"
                                "文件未拷贝完整，请重新拷贝或下载")


def _checked_dbf_encoding(dbf: Path, ctx: _Context, layer: str, encoding: str | None) -> EncodingDetection:
    """Detect the DBF encoding and, when a .cpg or LDID declared it, check the bytes agree."""
    detected = detect_dbf_encoding(dbf, user_encoding=encoding)
    cpg = sidecar(dbf, ".cpg")
    if cpg is not None and detected.method not in ("cpg", "user"):
        cpg_text = cpg.read_bytes()[:40].decode("ascii", errors="replace").strip()
        ctx.add("warning", "unknown_cpg", f"{cpg.name} names an unknown code page {cpg_text!r}; "
                f"the text was decoded as {detected.encoding} ({detected.method})", layer=layer,
                zh=f"{cpg.name} 中的代码页 {cpg_text!r} 无法识别；文本按 {detected.encoding.upper()} 解码"
                   f"（{ENCODING_METHODS_ZH.get(detected.method, detected.method)}）")
    if detected.method in ("cpg", "ldid") and not dbf_decodes_as(dbf, detected.encoding):
        declared = "the .cpg file" if detected.method == "cpg" else "the DBF language driver byte (LDID)"
        declared_zh = ".cpg 文件" if detected.method == "cpg" else "DBF 语言驱动标识（LDID）"
        content = detect_dbf_content_encoding(dbf)
        enc, found = detected.encoding.upper(), content.encoding.upper()
        if content.method in ("utf8_strict", "gb18030_strict") and content.encoding != detected.encoding:
            ctx.add("warning", "encoding_mismatch",
                    f"{declared} says {detected.encoding} but the attribute text is not valid "
                    f"{detected.encoding}; it is valid {content.encoding}, which was used "
                    f"(pass encoding= to choose otherwise)", layer=layer,
                    zh=f"{declared_zh}声明编码为 {enc}，但属性文本不是合法的 {enc}，而是合法的 {found}，已按 {found} 读取"
                       "（可在“字符编码”中另选）")
            return content
        ctx.add("warning", "encoding_mismatch",
                f"{declared} says {detected.encoding} but some attribute text is not valid "
                f"{detected.encoding}; those characters may be wrong (pass encoding= to choose)", layer=layer,
                zh=f"{declared_zh}声明编码为 {enc}，但部分属性文本不是合法的 {enc}，这些字符可能有误（可在“字符编码”中另选）")
    if detected.method == "charset_normalizer":
        ctx.add("warning", "encoding_guessed",
                f"the attribute text is neither UTF-8 nor GB18030; guessed {detected.encoding} by "
                "statistics (pass encoding= if names look wrong)", layer=layer,
                zh=f"属性文本既不是 UTF-8 也不是 GB18030；按统计推测为 {detected.encoding.upper()}"
                   "（如中文显示异常，请在“字符编码”中指定）")
    return detected


def _read_prj(prj: Path) -> str:
    data = prj.read_bytes()
    for codec in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_ogr(p: Path, ctx: _Context, layer: str | None, encoding: str | None,
              crs: str | int | None) -> SourceRead:
    """GeoPackage, FileGDB, GeoJSON: choose the layer, read it, decide the CRS from the embedded one."""
    fmt = _OGR_FORMATS[p.suffix.lower()]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with _gdal_safe_path(p) as safe:
                listed = pyogrio.list_layers(safe)
    except (RuntimeError, OSError, ValueError) as exc:
        raise InputError(f"{ctx.label}: cannot open as {fmt}: {_gdal_message(exc)}",
                         zh=f"{ctx.label}：无法作为 {fmt} 打开：{_gdal_message(exc)}") from None
    names = [str(n) for n, _ in listed]
    if not names:
        raise InputError(f"{ctx.label}: the {fmt} holds no layers", zh=f"{ctx.label}：该 {fmt} 中没有图层")
    if layer is None:
        spatial = [str(n) for n, g in listed if g is not None]
        chosen = (spatial or names)[0]
        if len(names) > 1:
            ctx.add("warning", "several_layers",
                    f"the {fmt} holds {len(names)} layers ({', '.join(names)}); read {chosen!r} "
                    "(choose another with layer=)", layer=chosen,
                    zh=f"该 {fmt} 中有 {len(names)} 个图层（{'、'.join(names)}）；已读取 {chosen!r}（可另选图层）")
    elif layer in names:
        chosen = layer
    else:
        raise InputError(f"{ctx.label}: no layer {layer!r}; its layers are: {', '.join(names)}",
                         zh=f"{ctx.label}：没有图层 {layer!r}；其图层为：{'、'.join(names)}")
    if encoding is not None:
        ctx.add("info", "encoding_ignored", f"encoding={encoding!r} ignored: {_SELF_DESCRIBED_TEXT} ({fmt})",
                layer=chosen, zh=f"已忽略指定的字符编码 {encoding!r}：{_SELF_DESCRIBED_TEXT_ZH}（{fmt}）")
    frame = _ogr_read(p, ctx, chosen, None, single_layer=len(names) == 1)
    if p.suffix.lower() in (".geojson", ".json"):
        _report_duplicate_keys(p, ctx, chosen)
    frame = _structured_values(frame, ctx, chosen, json_text=True)
    if not isinstance(frame, gpd.GeoDataFrame):
        return _finish_table(frame, ctx, chosen, names, None, crs)
    return _finish_vector(frame, ctx, chosen, names, None, crs, wkt=None, embedded=frame.crs)


_SCALAR = (str, int, float, bool, np.integer, np.floating, np.bool_)
_A_WHAT = {"list": "a list", "object": "an object"}
_A_WHAT_ZH = {"list": "列表", "object": "对象"}


def _one_value(v: Any, json_text: bool) -> tuple[Any, str | None]:
    """(cell, None) for a single value; (None, 'list'/'object') for a list or mapping. A one-item list is its item
    (GDAL turns a whole column into lists when one feature holds a list); with `json_text`, JSON text of a list
    or object (how GDAL hands GeoJSON arrays and objects over) counts as one."""
    if json_text and isinstance(v, str) and v[:1] in "[{" and v.rstrip()[-1:] in "]}":
        try:
            v = json.loads(v)
        except ValueError:
            return v, None
    if isinstance(v, dict):
        return None, "object"
    if isinstance(v, (list, tuple, set, np.ndarray)):
        items = list(v.tolist() if isinstance(v, np.ndarray) else v)
        if len(items) == 1 and isinstance(items[0], _SCALAR):
            return items[0], None
        return None, "list"
    return v, None


def _structured_values(frame: pd.DataFrame, ctx: _Context, layer: str, *, json_text: bool) -> pd.DataFrame:
    """List and object property values are reported (unsupported_value, feature and field) and read as missing."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    changed: dict[Any, np.ndarray] = {}
    for col in frame.columns:
        series = frame[col]
        if col == geometry or not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
            continue
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind == "empty" or (kind == "string" and not json_text):
            continue
        if kind == "string" and not series.astype(object).str[:1].isin(["[", "{"]).any():
            continue
        cells = series.to_numpy(dtype=object, copy=True)
        touched = False
        for i, v in enumerate(cells):
            if v is None or isinstance(v, (float, int)):
                continue
            value, what = _one_value(v, json_text)
            if what is not None:
                shown = str(v.tolist() if isinstance(v, np.ndarray) else v)
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
                ctx.add("warning", "unsupported_value", f"feature {i + 1}: field {str(col)!r} holds {_A_WHAT[what]} ({shown}), "
                        "not a single value; read as missing", layer=layer, feature=f"feature {i + 1}",
                        field=str(col), value=shown,
                        zh=f"第 {i + 1} 个要素：字段 {str(col)!r} 的值是{_A_WHAT_ZH[what]}（{shown}），不是单个取值；按空值读取")
            if value is not v:
                cells[i] = value
                touched = True
        if touched:
            changed[col] = cells
    for col, cells in changed.items():
        frame[col] = pd.Series(cells, index=frame.index, dtype=object)
    return frame


class _PairsDict(dict):
    duplicates: list[tuple[str, Any, Any]]


def _pairs_hook(pairs: list[tuple[str, Any]]) -> _PairsDict:
    out = _PairsDict()
    out.duplicates = []
    for key, value in pairs:
        if key in out:
            out.duplicates.append((key, out[key], value))
        out[key] = value
    return out


def _report_duplicate_keys(p: Path, ctx: _Context, layer: str, max_bytes: int = 200_000_000) -> None:
    """A GeoJSON feature whose properties repeat a key keeps only the last value (GDAL, like JSON parsers): said."""
    if p.stat().st_size > max_bytes:
        return
    try:
        doc = json.loads(p.read_bytes(), object_pairs_hook=_pairs_hook)
    except (ValueError, RecursionError):
        return  # GDAL read it; its own leniencies are not ours to second-guess here
    features = doc.get("features") if isinstance(doc, dict) else None
    for i, feature in enumerate(features if isinstance(features, list) else []):
        props = feature.get("properties") if isinstance(feature, dict) else None
        for key, first, last in getattr(props, "duplicates", [])[:5]:
            ctx.add("warning", "duplicate_key", f"feature {i + 1}: property {key!r} is given twice ({first!r}, then "
                    f"{last!r}); the last value was kept", layer=layer, feature=f"feature {i + 1}", field=str(key),
                    value=str(last),
                    zh=f"第 {i + 1} 个要素：属性 {key!r} 出现两次（先 {first!r}，后 {last!r}）；保留后一个值")


def _ogr_read(p: Path, ctx: _Context, layer: str, encoding: str | None, *, single_layer: bool,
              header_only_broken: Callable[[], bool] | None = None) -> gpd.GeoDataFrame | pd.DataFrame:
    """Read one layer with pyogrio; GDAL warnings become problems, GDAL errors InputErrors.

    GDAL does not recode UTF-8, so a DBF field name cut inside a character (10-byte limit)
    reaches Python broken. When `header_only_broken()` confirms the records themselves are
    valid UTF-8, the read is retried naming the codec "UTF8", which routes the text through
    iconv and drops the incomplete bytes.
    """
    kwargs: dict[str, Any] = {"engine": "pyogrio"}
    if not single_layer:
        kwargs["layer"] = layer
    if encoding is not None:
        kwargs["encoding"] = encoding
    try:
        try:
            frame, caught = _pyogrio_read(p, kwargs)
        except UnicodeDecodeError as exc:
            utf8 = encoding is not None and normalise_codec(encoding) == "utf-8"
            if not (utf8 and header_only_broken is not None and header_only_broken()):
                raise InputError(
                    f"{ctx.label}, layer {layer!r}: text cannot be decoded as {encoding or 'UTF-8'} "
                    f"({exc.reason} at byte {exc.start}); pass encoding= (e.g. gbk, gb18030 or utf-8)",
                    zh=f"{ctx.label}，图层 {layer!r}：文本无法按 {(encoding or 'UTF-8').upper()} 解码"
                       f"（第 {exc.start} 字节：{exc.reason}）；"
                       "请指定字符编码（如 GBK、GB18030 或 UTF-8）",
                ) from None
            frame, caught = _pyogrio_read(p, {**kwargs, "encoding": "UTF8"})
            ctx.add("warning", "text_cut_in_character",
                    "some field names end inside a character (DBF field names hold at most 10 bytes); "
                    "the incomplete bytes were dropped", layer=layer,
                    zh="部分字段名在汉字中间被截断（DBF 字段名最长 10 字节）；已去掉不完整的字节")
    except InputError:
        raise
    except (RuntimeError, OSError, ValueError) as exc:
        raise InputError(f"{ctx.label}, layer {layer!r}: cannot read: {_gdal_message(exc)}",
                         zh=f"{ctx.label}，图层 {layer!r}：无法读取：{_gdal_message(exc)}") from None
    _gdal_warnings(caught, ctx, layer)
    return frame


def _pyogrio_read(p: Path, kwargs: dict[str, Any]) -> tuple[gpd.GeoDataFrame | pd.DataFrame, list]:
    with _gdal_safe_path(p) as safe, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = gpd.read_file(safe, **kwargs)
        except shapely.errors.GEOSException:
            # a geometry GEOS cannot build (ring of 1-2 points, TIN/PolyhedralSurface …): read the rest,
            # then find the features whose geometry was lost (see _unreadable_geometries)
            frame = gpd.read_file(safe, **kwargs, on_invalid="ignore")
            frame.attrs["unreadable_geometry"] = _unreadable_geometries(safe, kwargs)
    return frame, list(caught)


def _unreadable_geometries(p: Path, kwargs: dict[str, Any]) -> dict[int, str]:
    """Position → GEOS's reason for every feature whose stored geometry cannot be built."""
    raw_kwargs = {k: v for k, v in kwargs.items() if k in ("layer", "encoding")}
    _meta, _fids, wkb, _fields = pyogrio.raw.read(p, columns=[], **raw_kwargs)
    out: dict[int, str] = {}
    for i, blob in enumerate(wkb if wkb is not None else []):
        if blob is None:
            continue
        try:
            shapely.from_wkb(blob)
        except shapely.errors.GEOSException as exc:
            out[i] = str(exc).split(": ", 1)[-1]
    return out


@contextlib.contextmanager
def _gdal_safe_path(p: Path) -> Iterator[Path]:
    """`p`, or a link to it without `!` in the path: pyogrio reads `a!b` as member b of archive a."""
    if "!" not in str(p):
        yield p
        return
    with tempfile.TemporaryDirectory(prefix="landpark-name-") as tmp:
        target = Path(p).resolve()
        safe_stem = target.stem.replace("!", "_") or "source"
        if target.is_dir():
            link = Path(tmp) / (safe_stem + target.suffix)
            os.symlink(target, link)
        else:  # the file and its sidecars (.shx, .dbf, .prj, .cpg …) side by side
            for part in target.parent.glob(glob.escape(target.stem) + ".*"):
                os.symlink(part, Path(tmp) / (safe_stem + part.name[len(target.stem):]))
            link = Path(tmp) / (safe_stem + target.suffix)
        yield link


_NOT_NUMBERS = "coordinates that are not numbers (NaN or infinite)"
_NOT_NUMBERS_ZH = "坐标不是数值（NaN 或无穷大）"


def _drop_unreadable(frame: gpd.GeoDataFrame, ctx: _Context, layer: str) -> gpd.GeoDataFrame:
    """Features whose geometry could not be read, or holds NaN/infinite coordinates, are reported and skipped."""
    bad: dict[int, str] = dict(frame.attrs.pop("unreadable_geometry", {}) or {})
    geoms = frame.geometry.to_numpy()
    present = pd.notna(geoms)
    if present.any():
        coords_ok = np.ones(len(geoms), dtype=bool)
        for k in np.flatnonzero(present):
            if not np.isfinite(shapely.get_coordinates(geoms[k], include_z=False)).all():
                coords_ok[k] = False
        for j in np.flatnonzero(~coords_ok):
            bad.setdefault(int(j), _NOT_NUMBERS)
    if not bad:
        return frame
    for i, reason in sorted(bad.items()):
        ctx.add("warning", "unreadable_geometry", f"geometry cannot be read ({reason}); "
                "the feature is skipped", layer=layer, feature=f"feature {i + 1}",
                zh=f"几何无法读取（{_NOT_NUMBERS_ZH if reason == _NOT_NUMBERS else reason}）；已跳过该要素")
    if len(bad) >= len(frame):
        first = next(iter(sorted(bad.items())))
        first_zh = _NOT_NUMBERS_ZH if first[1] == _NOT_NUMBERS else first[1]
        raise InputError(f"{ctx.label}, layer {layer!r}: no feature has a readable geometry "
                         f"(feature {first[0] + 1}: {first[1]})", problems=list(ctx.problems),
                         zh=f"{ctx.label}，图层 {layer!r}：没有一个要素的几何可以读取（第 {first[0] + 1} 个要素：{first_zh}）")
    keep = np.ones(len(frame), dtype=bool)
    keep[list(bad)] = False
    return frame.iloc[np.flatnonzero(keep)].reset_index(drop=True)


def _gdal_warnings(caught: list[warnings.WarningMessage], ctx: _Context, layer: str) -> None:
    seen: set[str] = set()
    for w in caught:
        text = str(w.message).strip()
        if text and text not in seen and issubclass(w.category, RuntimeWarning):
            seen.add(text)
            ctx.add("warning", "gdal_warning", f"GDAL: {text}", layer=layer, zh=f"GDAL 警告：{text}")


def _gdal_message(exc: BaseException) -> str:
    """The first line of a GDAL/pyogrio error, without the advice GDAL appends."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.split("; It might help")[0]


def _finish_vector(frame: gpd.GeoDataFrame, ctx: _Context, layer: str, layers: list[str],
                   encoding: EncodingDetection | None, crs: str | int | None, *,
                   wkt: str | None, embedded: Any) -> SourceRead:
    """Dates to text, unreadable geometries skipped, mixed geometry reported, CRS decided and set on the frame."""
    frame = _drop_unreadable(frame, ctx, layer)
    frame = _dates_to_text(frame, ctx, layer)
    _report_mixed_geometry(frame.geometry.to_numpy(), ctx, layer)
    detection = _detect(ctx, layer, wkt=wkt, embedded=embedded, geometries=frame.geometry.to_numpy(), crs=crs)
    if detection.datum_shift is not None:
        shifted = _undo_web_datum(frame.geometry.to_numpy(), detection, ctx, layer)
        frame[frame.geometry.name] = gpd.GeoSeries(shifted, index=frame.index, crs=frame.crs)
    frame = frame.set_crs(detection.crs, allow_override=True)
    return SourceRead(frame, detection, encoding, ctx.source, layer, layers, ctx.problems)


def _undo_web_datum(geometries: np.ndarray, detection: CRSDetection, ctx: _Context, layer: str) -> np.ndarray:
    """Geometries in GCJ-02 / BD-09 → CGCS2000 lon/lat; coordinates outside China are left as they are."""
    key = detection.datum_shift
    assert key is not None
    label = WEB_DATUMS[key][0]
    label_zh = WEB_DATUMS_ZH[key][0]
    coords = shapely.get_coordinates(geometries)
    inside = in_china(coords[:, 0], coords[:, 1]) if len(coords) else np.zeros(0, dtype=bool)
    if len(coords) and not inside.any():
        ctx.add("warning", "datum_outside_china",
                f"{label} was stated but no coordinate lies in China, where {label} applies; nothing was shifted",
                layer=layer, zh=f"指定了 {label_zh}，但没有坐标位于适用 {label} 的中国境内；未作任何偏移")
        return geometries
    if (~inside).any():
        ctx.add("warning", "datum_outside_china",
                f"{int((~inside).sum())} of {len(coords)} coordinates lie outside China, where {label} does not "
                "apply: they were not shifted", layer=layer,
                zh=f"{len(coords)} 个坐标中有 {int((~inside).sum())} 个位于中国境外，{label} 不适用：这些坐标未偏移")
    ctx.add("info", "datum_converted",
            f"coordinates converted from {label} to CGCS2000 longitude/latitude (EPSG:4490); the inverse is "
            f"accurate to under 1 m ({int(inside.sum())} coordinates shifted)", layer=layer,
            zh=f"坐标已由 {label_zh} 转换为 CGCS2000 经纬度（EPSG:4490），反算误差小于 1 米（偏移 {int(inside.sum())} 个坐标）")
    return geometries_from_datum(geometries, key)


def _detect(ctx: _Context, layer: str, *, wkt: str | None, embedded: Any, geometries: np.ndarray,
            crs: str | int | None, columns: CoordinateColumns | None = None) -> CRSDetection:
    bounds = shapely.total_bounds(geometries) if len(geometries) else None
    bounds_tuple: tuple[float, float, float, float] | None = None
    if bounds is not None and np.isfinite(bounds).all():
        xmin, ymin, xmax, ymax = (float(b) for b in bounds)
        bounds_tuple = (xmin, ymin, xmax, ymax)
    named = columns.datum if columns is not None else None
    try:
        if crs is None and named is not None:  # the headers name the datum: 经度_GCJ02, lng_wgs84 …
            detection = _datum_named_by_columns(columns, named, bounds_tuple)
        else:
            detection = detect_crs(wkt=wkt, bounds=bounds_tuple, user_crs=crs, embedded=embedded)
    except CRSError as exc:
        raise SourceCRSError(f"{ctx.label}, layer {layer!r}: coordinate reference system: {exc}",
                             zh=f"{ctx.label}，图层 {layer!r}：坐标系：{error_text(exc)}") from None
    if crs is not None and named is not None and columns is not None:
        _check_named_datum(ctx, layer, columns, named, detection)
    if not detection.is_guess:  # a guess is carried by detection.is_guess/note; validation warns about it
        where = f"EPSG:{detection.epsg}" if detection.epsg is not None else detection.crs.name
        where_zh = f"EPSG:{detection.epsg}" if detection.epsg is not None else detection.name("zh")
        ctx.add("info", "crs_detected", f"coordinate reference system {where} ({detection.method}): {detection.note}",
                layer=layer, zh=f"坐标系 {where_zh}（{CRS_METHODS_ZH.get(detection.method, detection.method)}）："
                                f"{detection.note_in('zh')}")
    return detection


def _datum_named_by_columns(columns: CoordinateColumns | None, named: str,
                            bounds: tuple[float, float, float, float] | None) -> CRSDetection:
    assert columns is not None
    found = detect_crs(bounds=bounds, user_crs=_COLUMN_DATUM_CRS[named])
    how = f"named by the coordinate columns {columns.x!r}/{columns.y!r}"
    how_zh = f"坐标列名 {columns.x!r}/{columns.y!r} 注明"
    note = found.note.replace(f"given by the user ({_COLUMN_DATUM_CRS[named]})", how).replace("given by the user", how)
    note_zh = found.note_zh.replace(f"用户指定（{_COLUMN_DATUM_CRS[named]}）", how_zh).replace("用户指定", how_zh)
    return replace(found, method="column_name", note=note, note_zh=note_zh)


def _check_named_datum(ctx: _Context, layer: str, columns: CoordinateColumns, named: str,
                       detection: CRSDetection) -> None:
    """The CRS stated wins over the datum the headers name; a contradiction is reported."""
    stated = detection.datum_shift or ("wgs84" if detection.epsg in (4326, 4490) else None)
    if stated == named or (named in ("wgs84", "cgcs2000") and stated == "wgs84"):
        return
    label = WEB_DATUMS[named][0] if named in WEB_DATUMS else named.upper()
    where = f"EPSG:{detection.epsg}" if detection.epsg is not None else detection.crs.name
    shift = f", {WEB_DATUMS[detection.datum_shift][0]}" if detection.datum_shift else ""
    ctx.add("warning", "datum_conflict",
            f"the columns {columns.x!r}/{columns.y!r} name {label} but the CRS stated is {where}{shift}; "
            "the stated CRS was used — check which is right", layer=layer,
            zh=f"坐标列 {columns.x!r}/{columns.y!r} 注明为 {label}，但指定的坐标系为 {where}{shift}；"
               "已按指定的坐标系读取，请核对哪个正确")


def _report_mixed_geometry(geometries: np.ndarray, ctx: _Context, layer: str) -> None:
    ids = shapely.get_type_id(geometries)
    families = pd.Series(ids[ids >= 0]).map(_GEOMETRY_FAMILIES).value_counts()
    if len(families) > 1:
        counts = ", ".join(f"{n} {kind}" for kind, n in families.items())
        counts_zh = "、".join(f"{_GEOMETRY_FAMILIES_ZH.get(kind, kind)} {n} 个" for kind, n in families.items())
        ctx.add("warning", "mixed_geometry", f"mixed geometry types: {counts}", layer=layer,
                zh=f"几何类型混杂：{counts_zh}")


# ----------------------------------------------------------------------------------------------
# dates and other values that break JSON downstream


def _iso_text(values: pd.Series) -> pd.Series:
    """Datetimes as ISO text: YYYY-MM-DD when every value is at midnight, else YYYY-MM-DDTHH:MM:SS."""
    s = pd.to_datetime(values)
    if s.dt.tz is not None:
        # FileGDB and others report stored wall-clock times as UTC: keep the clock reading.
        s = s.dt.tz_convert("UTC").dt.tz_localize(None) if str(s.dt.tz) == "UTC" else s.dt.tz_localize(None)
    present = s.notna()
    midnight = bool((s[present] == s[present].dt.normalize()).all())
    text = s.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S").astype(object)
    return text.where(present, None)


def _dates_to_text(frame: pd.DataFrame, ctx: _Context, layer: str) -> pd.DataFrame:
    """DATE/datetime columns → ISO strings and Decimals → text, so maps and JSON can carry them."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    dates: list[str] = []
    for col in frame.columns:
        if col == geometry:
            continue
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            frame[col] = _iso_text(s)
            dates.append(str(col))
        elif s.dtype == object:
            kind = pd.api.types.infer_dtype(s, skipna=True)
            if kind in ("date", "datetime", "datetime64"):
                frame[col] = _iso_text(s)
                dates.append(str(col))
            elif kind in ("time", "decimal"):
                frame[col] = s.map(lambda v: v.isoformat() if isinstance(v, dt.time) else str(v),
                                   na_action="ignore")
    if dates:
        ctx.add("info", "dates_converted", f"date field(s) {', '.join(dates)} converted to ISO 8601 text (YYYY-MM-DD)",
                layer=layer, zh=f"日期字段 {'、'.join(dates)} 已转为 ISO 8601 文本（YYYY-MM-DD）")
    return frame


# ----------------------------------------------------------------------------------------------
# tables: CSV, Excel, Parquet without geometry metadata


def _single_layer(p: Path, ctx: _Context, layer: str | None, what: str) -> str:
    if layer is not None and layer != p.stem:
        raise InputError(f"{ctx.label}: a {what} holds one table, {p.stem!r}; there is no layer {layer!r}",
                         zh=f"{ctx.label}：{_TABLE_FILE_ZH.get(what, what)}只有一个表 {p.stem!r}，没有图层 {layer!r}")
    return p.stem


_TABLE_FILE_ZH = {"CSV file": "CSV 文件", "Parquet file": "Parquet 文件"}


def _read_csv(p: Path, ctx: _Context, layer: str | None, encoding: str | None,
              crs: str | int | None) -> SourceRead:
    name = _single_layer(p, ctx, layer, "CSV file")
    raw = p.read_bytes()
    if encoding is not None:
        codec = normalise_codec(encoding)
        if codec is None:
            raise InputError(f"{ctx.label}: unknown encoding {encoding!r}; use e.g. gbk, gb18030 or utf-8",
                             zh=f"{ctx.label}：未知的字符编码 {encoding!r}；请用 gbk、gb18030 或 utf-8 等")
        detected = EncodingDetection(codec, "user")
    else:
        detected = detect_bytes_encoding(raw)
    try:
        text = raw.decode("utf-8-sig" if detected.encoding == "utf-8" else detected.encoding)
    except UnicodeDecodeError as exc:
        if detected.method == "user":
            raise InputError(f"{ctx.label}: the text is not valid {detected.encoding} ({exc.reason} at byte "
                             f"{exc.start}); check encoding=",
                             zh=f"{ctx.label}：文本不是合法的 {detected.encoding.upper()}（第 {exc.start} 字节：{exc.reason}）；"
                                "请检查指定的字符编码") from None
        text = raw.decode(detected.encoding, errors="replace")
        ctx.add("warning", "encoding_guessed", f"the text is neither UTF-8 nor GB18030; read as "
                f"{detected.encoding} with undecodable bytes replaced (pass encoding=)", layer=name,
                zh=f"文本既不是 UTF-8 也不是 GB18030；已按 {detected.encoding.upper()} 读取，"
                   "无法解码的字节已替换（可指定字符编码）")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=_delimiter(text), dtype=str, keep_default_na=False,
                            na_values=[""])
    except pd.errors.EmptyDataError:
        raise InputError(f"{ctx.label}: the CSV file is empty (no header line)",
                         zh=f"{ctx.label}：CSV 文件为空（没有表头行）") from None
    except (pd.errors.ParserError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1]
        raise InputError(f"{ctx.label}: malformed CSV: {detail}", zh=f"{ctx.label}：CSV 格式有误：{detail}") from None
    return _finish_table(frame, ctx, name, [name], detected, crs)


def _delimiter(text: str) -> str:
    """The field separator: whichever of , ; tab | occurs most in the header line (comma on a tie)."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", "\t", ";", "|")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > counts[","] else ","


def _read_excel(p: Path, ctx: _Context, layer: str | None, encoding: str | None,
                crs: str | int | None) -> SourceRead:
    try:
        book = pd.ExcelFile(p, engine="openpyxl")
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for broken files
        raise InputError(f"{ctx.label}: cannot open as an Excel .xlsx workbook: {exc}",
                         zh=f"{ctx.label}：无法作为 Excel .xlsx 工作簿打开：{exc}") from None
    with book:
        sheets = [str(s) for s in book.sheet_names]
        if layer is None:
            sheet = sheets[0]
            if len(sheets) > 1:
                ctx.add("warning", "several_layers", f"the workbook has {len(sheets)} sheets ({', '.join(sheets)}); "
                        f"read the first, {sheet!r} (choose another with layer=)", layer=sheet,
                        zh=f"工作簿有 {len(sheets)} 个工作表（{'、'.join(sheets)}）；已读取第一个 {sheet!r}（可另选工作表）")
        elif layer in sheets:
            sheet = layer
        else:
            raise InputError(f"{ctx.label}: no sheet {layer!r}; its sheets are: {', '.join(sheets)}",
                             zh=f"{ctx.label}：没有工作表 {layer!r}；其工作表为：{'、'.join(sheets)}")
        grid = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
    if encoding is not None:
        ctx.add("info", "encoding_ignored", f"encoding={encoding!r} ignored: {_SELF_DESCRIBED_TEXT} (Excel)",
                layer=sheet, zh=f"已忽略指定的字符编码 {encoding!r}：{_SELF_DESCRIBED_TEXT_ZH}（Excel）")
    _refuse_uncached_formulas(p, ctx, sheet)
    frame = _grid_to_frame(grid, ctx, sheet, merged=_merged_ranges(p, sheet))
    return _finish_table(frame, ctx, sheet, sheets, None, crs)


def _refuse_uncached_formulas(p: Path, ctx: _Context, sheet: str) -> None:
    """Formula cells saved without a computed value (written by a program that does not calculate) read as
    empty: refused, naming the cells, rather than imported as missing values."""
    from openpyxl import load_workbook

    try:
        formulas = load_workbook(p, read_only=True, data_only=False)[sheet]
        values = load_workbook(p, read_only=True, data_only=True)[sheet]
        cells: list[str] = []
        for frow, vrow in zip(formulas.iter_rows(), values.iter_rows()):
            for fcell, vcell in zip(frow, vrow):
                if getattr(fcell, "data_type", None) == "f" and vcell.value is None:
                    cells.append(f"{fcell.coordinate} ({fcell.value})")
    except Exception:  # noqa: BLE001 (pandas already read the sheet; this check is best effort)
        return
    if cells:
        shown = ", ".join(cells[:10]) + (f", … ({len(cells)} cells)" if len(cells) > 10 else "")
        raise InputError(f"{ctx.label}, sheet {sheet!r}: {len(cells)} formula cell(s) have no saved value: {shown}; "
                         "the workbook was saved by a program that does not calculate formulas — open it in "
                         "Excel or WPS, recalculate and save, or paste the values",
                         zh=f"{ctx.label}，工作表 {sheet!r}：{len(cells)} 个公式单元格没有保存计算结果：{shown}；"
                            "该工作簿由不计算公式的程序保存——请用 Excel 或 WPS 打开，重新计算后保存，或粘贴为数值")


def _merged_ranges(p: Path, sheet: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of every merged cell range of the sheet, 0-based."""
    from openpyxl import load_workbook

    try:
        ws = load_workbook(p, read_only=False, data_only=True)[sheet]
        return [(r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in ws.merged_cells.ranges]
    except Exception:  # noqa: BLE001 (best effort: pandas already read the sheet)
        return []


def _grid_to_frame(grid: pd.DataFrame, ctx: _Context, sheet: str,
                   merged: list[tuple[int, int, int, int]] | None = None) -> pd.DataFrame:
    """Header row found below any title lines; cells as text; trailing empty rows and columns dropped."""
    if grid.empty:
        raise InputError(f"{ctx.label}, sheet {sheet!r}: the sheet is empty", zh=f"{ctx.label}，工作表 {sheet!r}：工作表为空")
    filled = grid.notna().sum(axis=1).to_numpy()
    # Title lines above the header ("2024年亩均效益评价表", one merged cell) hold a single value.
    header_at = int(np.argmax(filled > 1)) if grid.shape[1] > 1 and (filled > 1).any() else 0
    if header_at:
        ctx.add("info", "title_rows_skipped", f"{header_at} title row(s) above the header skipped; "
                f"the header is spreadsheet row {header_at + 1}", layer=sheet,
                zh=f"已跳过表头上方的 {header_at} 行标题；表头为工作表第 {header_at + 1} 行")
    _refuse_two_row_header(merged or [], header_at, ctx, sheet)
    header = grid.iloc[header_at]
    body = grid.iloc[header_at + 1:].reset_index(drop=True)
    keep = header.notna().to_numpy() | body.notna().any(axis=0).to_numpy()
    body, header = body.loc[:, keep], header[keep]
    body.columns = _unique_names([_cell_text(v) if pd.notna(v) else f"Unnamed: {i}" for i, v in enumerate(header)])
    rows_with_data = np.flatnonzero(body.notna().any(axis=1).to_numpy())
    body = body.iloc[: rows_with_data[-1] + 1 if len(rows_with_data) else 0]
    dates = [str(c) for c in body.columns if body[c].map(lambda v: isinstance(v, (dt.date, dt.time))).any()]
    if dates:
        ctx.add("info", "dates_converted", f"date cell(s) in {', '.join(dates)} converted to ISO 8601 text (YYYY-MM-DD)",
                layer=sheet, zh=f"{'、'.join(dates)} 中的日期单元格已转为 ISO 8601 文本（YYYY-MM-DD）")
    return body.map(_cell_text, na_action="ignore").astype(object).where(body.notna(), None)


def _refuse_two_row_header(merged: list[tuple[int, int, int, int]], header_at: int, ctx: _Context, sheet: str) -> None:
    """A header of two rows (group cells merged across columns above their sub-headers, or cells merged down
    over both rows) would import the second header row as data and lose the grouped columns: refused."""
    from openpyxl.utils import get_column_letter

    spans = [m for m in merged if m[0] <= header_at <= m[2] and (m[2] > m[0] or m[3] > m[1])]
    if not spans:
        return
    shown = ", ".join(f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}"
                      for r0, c0, r1, c1 in spans[:6])
    raise InputError(f"{ctx.label}, sheet {sheet!r}: the header spans more than one row (merged cells {shown} at "
                     f"spreadsheet row {header_at + 1}); make it a single row with one name per column "
                     "(e.g. 税收（万元）, 增加值（万元）) and import again",
                     zh=f"{ctx.label}，工作表 {sheet!r}：表头占了不止一行（第 {header_at + 1} 行有合并单元格 {shown}）；"
                        "请改为单行表头、每列一个名称（如 税收（万元）、增加值（万元））后重新导入")


def _cell_text(value: Any) -> str:
    """A cell as text: dates ISO (date only at midnight), numbers as Python writes them."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}.{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out


def _read_parquet(p: Path, ctx: _Context, layer: str | None, encoding: str | None,
                  crs: str | int | None) -> SourceRead:
    name = _single_layer(p, ctx, layer, "Parquet file")
    try:
        frame = gpd.read_parquet(p)
    except ValueError as exc:
        if "geo" not in str(exc).lower():
            raise InputError(f"{ctx.label}: cannot read as GeoParquet: {exc}",
                             zh=f"{ctx.label}：无法作为 GeoParquet 读取：{exc}") from None
        try:
            table = pd.read_parquet(p)
        except Exception as exc2:  # pyarrow raises its own error classes
            raise InputError(f"{ctx.label}: cannot read as Parquet: {exc2}",
                             zh=f"{ctx.label}：无法作为 Parquet 读取：{exc2}") from None
        ctx.add("info", "no_geo_metadata", "Parquet file without GeoParquet metadata: read as a table", layer=name,
                zh="Parquet 文件没有 GeoParquet 元数据：按属性表读取")
        table = _structured_values(table, ctx, name, json_text=False)
        return _finish_table(_dates_to_text(table, ctx, name), ctx, name, [name], None, crs)
    except Exception as exc:  # pyarrow.ArrowInvalid, OSError
        raise InputError(f"{ctx.label}: cannot read as GeoParquet: {exc}",
                         zh=f"{ctx.label}：无法作为 GeoParquet 读取：{exc}") from None
    frame = _structured_values(frame, ctx, name, json_text=False)
    return _finish_vector(frame, ctx, name, [name], None, crs, wkt=None, embedded=frame.crs)


def _finish_table(frame: pd.DataFrame, ctx: _Context, layer: str, layers: list[str],
                  encoding: EncodingDetection | None, crs: str | int | None) -> SourceRead:
    """A table: geometry from a WKT column or coordinate columns when present, else a plain table."""
    frame, geometries, columns = _table_geometry(frame, ctx, layer)
    if geometries is None:
        if crs is not None:
            ctx.add("info", "crs_ignored", f"crs={crs!r} ignored: the table has no geometry columns", layer=layer,
                    zh=f"已忽略指定的坐标系 {crs!r}：该表没有几何列")
        return SourceRead(frame, None, encoding, ctx.source, layer, layers, ctx.problems)
    _report_mixed_geometry(geometries, ctx, layer)
    detection = _detect(ctx, layer, wkt=None, embedded=None, geometries=geometries, crs=crs, columns=columns)
    if detection.datum_shift is not None:
        geometries = _undo_web_datum(geometries, detection, ctx, layer)
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, index=frame.index, crs=detection.crs))
    return SourceRead(gdf, detection, encoding, ctx.source, layer, layers, ctx.problems)


def _rows(mask: np.ndarray) -> str:
    """'row 2, row 5, …' for the true positions of `mask` (1-based data rows, as validation counts)."""
    rows = np.flatnonzero(mask) + 1
    shown = ", ".join(f"row {r}" for r in rows[:_LISTED_ROWS])
    return shown + (f", … ({len(rows)} rows)" if len(rows) > _LISTED_ROWS else "")


def _rows_zh(mask: np.ndarray) -> str:
    """'第 2、5 行…' for the true positions of `mask` (as `_rows`, in Chinese)."""
    rows = np.flatnonzero(mask) + 1
    shown = "、".join(str(r) for r in rows[:_LISTED_ROWS])
    return f"第 {shown} 行" + (f"…（共 {len(rows)} 行）" if len(rows) > _LISTED_ROWS else "")


def _column_lookup(frame: pd.DataFrame) -> dict[str, Any]:
    lookup: dict[str, Any] = {}
    for col in frame.columns:
        lookup.setdefault(str(col).strip().lower(), col)
    return lookup


def _as_text_array(values: pd.Series) -> np.ndarray:
    text = values.astype(object).where(values.notna(), None).to_numpy()
    present = pd.notna(text)
    binary = np.array([isinstance(v, (bytes, bytearray, memoryview)) for v in text], dtype=bool)
    if binary.any():  # binary cells (WKB, blobs): hex text, which _parse_wkt reads as WKB
        text = text.copy()
        text[binary] = [bytes(v).hex() for v in text[binary]]
    out = np.full(len(text), None, dtype=object)
    out[present] = np.char.strip(text[present].astype(str)).astype(object)
    out[present & (out == "")] = None
    return out


def _table_geometry(frame: pd.DataFrame, ctx: _Context, layer: str,
                    ) -> tuple[pd.DataFrame, np.ndarray | None, CoordinateColumns | None]:
    """Geometry of a table's rows from a WKT (or hex WKB) column, else from lon/lat or x/y columns.

    The columns used become the geometry and are dropped from the attributes; the coordinate
    columns chosen are returned too (their headers may name the datum).
    """
    lookup = _column_lookup(frame)
    for key in WKT_COLUMNS:
        if key not in lookup:
            continue
        col = lookup[key]
        text = _as_text_array(frame[col])
        geoms = _parse_wkt(text)
        given = pd.notna(text)
        parsed = pd.notna(geoms)
        curves = _curve_types(text, given & ~parsed)
        if curves and parsed.any():
            frame, geoms, text = _skip_curve_rows(frame, geoms, text, curves, ctx, layer, str(col))
            given, parsed = pd.notna(text), pd.notna(geoms)
        elif curves:
            first = min(curves)
            raise InputError(f"{ctx.label}, layer {layer!r}: column {col!r} holds curved geometry "
                             f"(row {first + 1}: {curves[first]}), which cannot be read; convert the curves "
                             "to straight segments (e.g. ogr2ogr -nlt CONVERT_TO_LINEAR) and import again",
                             problems=list(ctx.problems),
                             zh=f"{ctx.label}，图层 {layer!r}：列 {col!r} 含曲线几何（第 {first + 1} 行：{curves[first]}），"
                                "无法读取；请将曲线转为直线段（如 ogr2ogr -nlt CONVERT_TO_LINEAR）后重新导入")
        if not parsed.any():
            if given.any():
                ctx.add("warning", "not_geometry", f"column {col!r} holds no WKT geometry; ignored as geometry",
                        layer=layer, field=str(col), zh=f"列 {col!r} 中没有 WKT 几何；不作为几何使用")
            continue
        bad = given & ~parsed
        if bad.any():
            ctx.add("warning", "invalid_wkt", f"column {col!r}: text that is not WKT in {_rows(bad)}",
                    layer=layer, field=str(col), zh=f"列 {col!r}：{_rows_zh(bad)}的文本不是 WKT 几何")
        if (~given).any():
            ctx.add("warning", "missing_geometry", f"column {col!r} is empty in {_rows(~given)}",
                    layer=layer, field=str(col), zh=f"列 {col!r} 在{_rows_zh(~given)}为空")
        return frame.drop(columns=[col]), geoms, None
    pair, others = coordinate_columns([str(c) for c in frame.columns])
    if pair is None:
        return frame, None, None
    named = {str(c): c for c in frame.columns}
    xcol, ycol = named[pair.x], named[pair.y]
    if others:
        listed = ", ".join(f"{o.x}/{o.y}" for o in others)
        ctx.add("info", "other_coordinates", f"points read from {pair.x}/{pair.y}; the other coordinate columns "
                f"({listed}) are kept as attributes", layer=layer,
                zh=f"点位取自 {pair.x}/{pair.y}；其余坐标列（{listed}）作为属性保留")
    x = pd.to_numeric(pd.Series(_as_text_array(frame[xcol]), index=frame.index), errors="coerce").to_numpy(float)
    y = pd.to_numeric(pd.Series(_as_text_array(frame[ycol]), index=frame.index), errors="coerce").to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        ctx.add("warning", "no_coordinates", f"columns {xcol!r}/{ycol!r} hold no usable numbers; "
                "the table is read without geometry", layer=layer,
                zh=f"列 {xcol!r}/{ycol!r} 中没有可用的数值；按无几何的属性表读取")
        return frame, None, None
    if (~ok).any():
        ctx.add("warning", "missing_geometry", f"no usable coordinates in {xcol!r}/{ycol!r} in {_rows(~ok)}",
                layer=layer, zh=f"{xcol!r}/{ycol!r} 在{_rows_zh(~ok)}没有可用的坐标")
    if pair.survey_names and _northing_first(x[ok], y[ok]):
        x, y = y, x
        ctx.add("warning", "survey_axes", f"{xcol!r} holds northings and {ycol!r} eastings (Chinese surveying "
                "writes X for the northing): read as easting = "
                f"{ycol!r}, northing = {xcol!r}", layer=layer,
                zh=f"{xcol!r} 为北坐标、{ycol!r} 为东坐标（测量坐标系中 X 为北坐标）：已按东坐标 = {ycol!r}、"
                   f"北坐标 = {xcol!r} 读取")
    geoms = np.full(len(frame), None, dtype=object)
    geoms[ok] = shapely.points(x[ok], y[ok])
    return frame.drop(columns=[xcol, ycol]), geoms, pair


_CURVE_WKT = re.compile(r"^\s*(?:SRID=\d+;\s*)?(CIRCULARSTRING|COMPOUNDCURVE|CURVEPOLYGON|MULTICURVE|MULTISURFACE|"
                        r"CURVE|SURFACE|POLYHEDRALSURFACE|TIN|TRIANGLE)\b", re.IGNORECASE)


def _curve_types(text: np.ndarray, candidates: np.ndarray) -> dict[int, str]:
    """Position → WKT type of every candidate row whose text is a curve (or other non-simple) WKT geometry."""
    out: dict[int, str] = {}
    for i in np.flatnonzero(candidates):
        m = _CURVE_WKT.match(str(text[i]))
        if m:
            out[int(i)] = m.group(1).upper()
    return out


def _skip_curve_rows(frame: pd.DataFrame, geoms: np.ndarray, text: np.ndarray, curves: dict[int, str],
                     ctx: _Context, layer: str, col: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Rows whose WKT is a curve type are reported (row and type) and skipped; `_row` keeps the others' numbers."""
    for i, kind in sorted(curves.items()):
        ctx.add("warning", "curve_geometry", f"column {col!r}, row {i + 1}: {kind} is a curved geometry, which "
                "cannot be read; the row is skipped (convert curves to straight segments to import it)",
                layer=layer, feature=f"row {i + 1}", field=col, value=kind,
                zh=f"列 {col!r} 第 {i + 1} 行：{kind} 为曲线几何，无法读取；已跳过该行（将曲线转为直线段后可导入）")
    keep = np.ones(len(frame), dtype=bool)
    keep[list(curves)] = False
    if "_row" not in frame.columns:
        frame = frame.assign(_row=np.arange(1, len(frame) + 1))
    return frame.iloc[np.flatnonzero(keep)], geoms[keep], text[keep]


def _northing_first(x: np.ndarray, y: np.ndarray) -> bool:
    """True when x can only be Gauss-Krüger northings and y eastings (zone-prefixed or not)."""
    def within(v: np.ndarray, lo: float, hi: float) -> bool:
        return bool(len(v)) and lo <= float(v.min()) and float(v.max()) <= hi
    easting = within(y, *LOCAL_EASTING) or (within(y, 1.3e7, 4.6e7) and len({int(v // 1e6) for v in (y.min(), y.max())}) == 1)
    return within(x, LOCAL_EASTING[1], CHINA_NORTHING[1]) and easting


def _one_wkt(text: Any) -> Any:
    try:
        return shapely.from_wkt(text, on_invalid="ignore") if text is not None else None
    except NotImplementedError:
        return None


def _parse_wkt(text: np.ndarray) -> np.ndarray:
    """Geometries from WKT strings (None where unparseable), falling back to hex WKB/EWKB."""
    try:
        geoms = shapely.from_wkt(text, on_invalid="ignore")
    except NotImplementedError:  # curves (CURVEPOLYGON, CIRCULARSTRING …) anywhere in the column
        geoms = np.array([_one_wkt(t) for t in text], dtype=object)
    retry = pd.notna(text) & pd.isna(geoms)
    if retry.any():
        hexes = np.array([t if _HEX.match(t) else None for t in text[retry]], dtype=object)
        if pd.notna(hexes).any():
            geoms[retry] = shapely.from_wkb(hexes, on_invalid="ignore")
    return geoms

