"""Validate a source as a layer kind: read, map fields, normalise values, check geometry.

Every problem is collected first and reported at once (human text or JSON). The same
report decides an import: `blocking` problems stop it, the rest are kept as data issues.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer

from layers.aliases import ColumnMatch
from layers.config import Config, default_config
from layers.encoding import EncodingDetection
from layers.normalize import NormalizedTable, normalize_table
from layers.problems import InputError, Problem, ProblemList, Severity, UsageError, error_text
from layers.readers import SourceRead, read_source
from layers.schema import LayerSpec, layer_spec
from layers.settings import ImportSettings
from layers.values import parse_area_mu
from spatial.area import MU_M2, ellipsoidal_area_m2
from spatial.crs import CRS_METHODS_ZH, CRSDetection, CRSError, crs_name_zh
from spatial.gcj02 import WEB_DATUMS, WEB_DATUMS_ZH, bd09_to_wgs84, gcj02_to_wgs84, in_china
from spatial.overlay import self_overlaps
from spatial.validity import KIND_ZH, explain, geometry_kinds, reason_zh, repair

if TYPE_CHECKING:
    from layers.project import Project

_GEOD = Geod(ellps="WGS84")

# Problem codes that make a source unusable as a whole: an import stops on any of them.
BLOCKING_CODES = frozenset({
    "read_error", "crs_refused", "missing_field", "no_features", "wrong_geometry_type",
    "land_use_standard_ambiguous", "no_geometry", "outside_china", "extent_not_finite",
    "required_not_a_number",
})

EXPECTED_KINDS = {"polygon": {"polygon"}, "line": {"line"}, "point": {"point"}, "point_or_none": {"point", "missing", "empty"}}


class UnknownMappedColumn(UsageError):
    """A mapping override (CLI --map, the app's edits) names a column the source does not have."""


@dataclass
class ValidationReport:
    """What `landpark validate` says about one source, and the normalised layer an import would write."""

    source: str
    kind: str
    layer: str = ""
    layers_available: list[str] = field(default_factory=list)
    feature_count: int = 0
    crs: CRSDetection | None = None
    encoding: EncodingDetection | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    land_use_standard: str | None = None
    land_use_note: str = ""
    land_use_note_zh: str = ""  # `land_use_note` in Chinese
    problems: ProblemList = field(default_factory=ProblemList)
    sample: dict[str, str] = field(default_factory=dict)  # first row's decoded values, to check the encoding by eye
    frame: gpd.GeoDataFrame | pd.DataFrame | None = None  # normalised, in the source CRS, invalid geometry repaired
    # The user's mapping edits applied ({source column: field, "" = ignored}; only columns the source has),
    # the source's columns, and the DBF names stored at the 10-byte limit (the only ones matched by prefix).
    overrides: dict[str, str] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    cut_columns: list[str] = field(default_factory=list)
    saved_mapping_used: dict[str, str] = field(default_factory=dict)
    matches: list[ColumnMatch] = field(default_factory=list)  # how each column was matched (headers and values)

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error" and p.code in BLOCKING_CODES]

    @property
    def ok(self) -> bool:
        return not self.blocking

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.problems:
            out[p.code] = out.get(p.code, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "layer": self.layer,
            "layers_available": self.layers_available,
            "feature_count": self.feature_count,
            "crs": None if self.crs is None else {
                "epsg": self.crs.epsg, "name": self.crs.crs.name, "name_zh": self.crs.name("zh"), "method": self.crs.method,
                "note": self.crs.note, "note_zh": self.crs.note_in("zh"), "is_guess": self.crs.is_guess},
            "encoding": None if self.encoding is None else {"encoding": self.encoding.encoding, "method": self.encoding.method},
            "field_mapping": self.mapping,
            "field_overrides": self.overrides,
            "saved_mapping_used": self.saved_mapping_used,
            "unmapped_columns": self.unmapped,
            "sample_values": self.sample,
            "land_use_standard": self.land_use_standard,
            "land_use_note": self.land_use_note,
            "land_use_note_zh": self.land_use_note_zh,
            "ok": self.ok,
            "problem_counts": self.counts(),
            "problems": [p.to_dict() for p in self.problems],
        }


def validate_source(path: str | Path, kind: str, *, layer: str | None = None, encoding: str | None = None,
                    crs: str | int | None = None, land_use_standard: str | None = None,
                    overrides: dict[str, str] | None = None, project_extent: tuple | None = None,
                    project_crs: str | None = None, config: Config | None = None,
                    project: Project | None = None, saved_mapping: dict[str, str] | None = None) -> ValidationReport:
    """Read `path` as layer `kind` and report every problem; never raises for bad content.

    `overrides` ({source column: field, "" = ignore}) are the user's mapping edits; one naming a column
    the source does not have is a UsageError listing the columns. `saved_mapping` (the mapping the last
    import of `kind` used, `Project.saved_mapping`) applies to the columns the source has, under the
    overrides; the entries used are in `report.saved_mapping_used`.

    The tolerances are `[import]` of `config` (the project's settings; the shipped defaults without one).
    `project`, when given, is the project the source would join: its layers are the reference of
    the web-datum offset check (`datum_gcj02_suspected` / `datum_bd09_suspected`)."""
    spec = layer_spec(kind)
    report = ValidationReport(source=str(path), kind=kind)
    settings = (config or default_config()).import_
    try:
        read = read_source(path, layer=layer, encoding=encoding, crs=crs)
    except CRSError as exc:
        report.problems.add("error", "crs_refused", str(exc), source=str(path), zh=error_text(exc))
        return report
    except InputError as exc:
        report.problems.add("error", "read_error", str(exc), source=str(path), zh=error_text(exc))
        report.problems.extend(exc.problems)
        return report
    _absorb_read(report, read)
    _check_web_datum(report, read, project)
    report.sample = _sample_values(read.frame)
    report.columns = source_columns(read.frame)
    absent = [c for c in (overrides or {}) if c not in report.columns]
    if absent:
        raise UnknownMappedColumn(f"{path}: no column {', '.join(repr(c) for c in absent)} to map; the source's columns are: "
                                  f"{', '.join(report.columns) or 'none'}",
                                  zh=f"{path}：没有要对应的列 {'、'.join(repr(c) for c in absent)}；数据源的列为："
                                     f"{'、'.join(report.columns) or '（无）'}")
    if saved_mapping:
        from layers.mapping_edits import with_saved
        overrides, report.saved_mapping_used = with_saved(kind, report.columns, saved_mapping, overrides,
                                                             cut_columns=read.cut_columns)
    raw_frame = _zone_code_as_id(report, read.frame, kind, overrides) if kind == "parks" else read.frame
    table = normalize_table(raw_frame, kind, source=str(path), layer=read.layer,
                            land_use_standard=land_use_standard, overrides=overrides,
                            cut_columns=read.cut_columns, credit_code_share=settings.credit_code_share)
    report.cut_columns = sorted(read.cut_columns)
    report.matches = list(table.matches)
    report.overrides = {c: f or "" for c, f in (overrides or {}).items() if c in report.columns}
    if spec.get("approved_area_mu") is not None:
        _read_approved_area(table, raw_frame, spec, str(path), read.layer)
    _grade_unreadable_numbers(table, spec)
    _absorb_table(report, table)
    frame = table.frame
    report.feature_count = len(frame)
    if len(frame) == 0:
        report.problems.add("error", "no_features", "the layer has no features/rows", source=str(path), layer=read.layer,
                            zh="图层中没有要素（行）")
        return report
    ids = _feature_labels(frame, spec)
    _check_duplicate_ids(report, frame, spec, ids)
    if spec.geometry != "point_or_none" or isinstance(frame, gpd.GeoDataFrame):
        frame = _check_geometry(report, frame, spec, ids, settings)
    if isinstance(frame, gpd.GeoDataFrame) and report.crs is not None and frame.crs is not None:
        _check_extent(report, frame, ids, project_extent, project_crs, settings)
        if spec.kind == "parcels":
            _check_parcel_overlaps(report, frame, ids, settings)
        if spec.get("approved_area_mu") is not None:
            _check_approved_area(report, frame, ids, settings)
    report.frame = frame
    return report


def source_columns(frame: pd.DataFrame) -> list[str]:
    """The attribute columns of a raw source frame (not its geometry nor the row numbers a reader adds)."""
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame else None
    return [str(c) for c in frame.columns if c != geom and c != "_row"]


def _absorb_read(report: ValidationReport, read: SourceRead) -> None:
    report.layer = read.layer
    report.layers_available = list(read.layers_available)
    report.crs = read.crs
    report.encoding = read.encoding
    report.problems.extend(read.problems)
    if read.crs is not None and read.crs.is_guess:
        report.problems.add("warning", "crs_guessed", f"CRS guessed from coordinates: {read.crs.note}",
                            source=report.source, layer=read.layer, zh=f"坐标系为根据坐标推测：{read.crs.note_in('zh')}")


def _sample_values(frame: pd.DataFrame, rows: int = 1) -> dict[str, str]:
    """The first non-empty text value of each attribute column (decoded), for a human to eyeball."""
    out = {}
    for col in frame.columns:
        if col == getattr(frame, "_geometry_column_name", None) or str(col).startswith("_"):
            continue
        values = frame[col].dropna()
        text = values.map(_display_text)
        text = text[text.str.strip() != ""]
        if len(text):
            out[str(col)] = str(text.iloc[0])[:60]
    return out


def _display_text(value: object) -> str:
    """A cell as text for the report; binary cells (FileGDB blobs) are shown by size, never decoded."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    return str(value)


def _absorb_table(report: ValidationReport, table: NormalizedTable) -> None:
    report.mapping = table.mapping
    report.unmapped = table.unmapped
    report.land_use_standard = table.land_use_standard
    report.land_use_note = table.land_use_note
    report.land_use_note_zh = table.land_use_note_zh
    report.problems.extend(table.problems)


def _feature_labels(frame: pd.DataFrame, spec: LayerSpec) -> np.ndarray:
    """A label per row naming the feature: its id when present, else 'row N' (1-based source row)."""
    rows = frame["_row"].to_numpy() if "_row" in frame.columns else np.arange(1, len(frame) + 1)
    labels = np.array([f"row {r}" for r in rows], dtype=object)
    if spec.id_field and spec.id_field in frame.columns:
        ids = frame[spec.id_field]
        has = ids.notna().to_numpy() & (ids.astype(str).str.strip() != "").to_numpy()
        labels[has] = ids[has].astype(str).to_numpy()
    return labels


def period_suffix(frame: pd.DataFrame) -> pd.Series:
    """" (2024)", " (2025 H1)" …: the year and half-year of each firm row, to tell a firm's periods apart."""
    from layers.years import year_column

    years = year_column(frame).astype("string").fillna("?")
    halves = frame["half"].astype("string") if "half" in frame.columns else pd.Series(pd.NA, index=frame.index, dtype="string")
    return " (" + years + (" H" + halves).fillna("") + ")"


def _check_duplicate_ids(report: ValidationReport, frame: pd.DataFrame, spec: LayerSpec, labels: np.ndarray) -> None:
    if not spec.id_field or spec.id_field not in frame.columns:
        return
    ids = frame[spec.id_field].astype("string")
    if spec.kind == "enterprises":  # one row per firm and period: a firm's rows of other years are not duplicates
        ids = ids + period_suffix(frame)
    dup = ids.notna() & ids.duplicated(keep=False)
    rows = frame["_row"] if "_row" in frame.columns else pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
    for value, group in rows[dup].groupby(ids[dup]):
        rows_shown = ', '.join(map(str, group.tolist()))
        report.problems.add("warning", "duplicate_id",
                            f"{spec.id_field} {value} appears {len(group)} times (rows {rows_shown})",
                            source=report.source, layer=report.layer, feature=str(value), field=spec.id_field, value=value,
                            zh=f"{_field_zh(spec, spec.id_field)} {value} 出现 {len(group)} 次"
                               f"（第 {rows_shown.replace(', ', '、')} 行）")


def _field_zh(spec: LayerSpec, name: str) -> str:
    """A field's Chinese label (its name when it has none)."""
    f = spec.get(name)
    return f.label_zh if f is not None and f.label_zh else name


def _check_geometry(report: ValidationReport, frame: gpd.GeoDataFrame, spec: LayerSpec, labels: np.ndarray,
                    settings: ImportSettings) -> gpd.GeoDataFrame:
    """Report missing/empty/invalid/wrong-type geometry and repair invalid polygons (kept polygons)."""
    if not isinstance(frame, gpd.GeoDataFrame):
        report.problems.add("error", "no_geometry", f"a {spec.kind} layer needs geometry, but the source has none",
                            source=report.source, layer=report.layer,
                            zh=f"{spec.label_zh}图层需要几何，但数据源中没有几何")
        return frame
    geoms = frame.geometry.to_numpy()
    kinds = geometry_kinds(geoms)
    expected = EXPECTED_KINDS[spec.geometry]
    where = dict(source=report.source, layer=report.layer)
    for code, mask, text, text_zh in (("missing_geometry", kinds == "missing", "feature has no geometry", "要素没有几何"),
                                      ("empty_geometry", kinds == "empty", "feature has an empty geometry", "要素的几何为空")):
        if spec.geometry == "point_or_none":
            break
        for label in labels[mask]:
            report.problems.add("warning", code, text, feature=str(label), **where, zh=text_zh)
    present = ~np.isin(kinds, ["missing", "empty"])
    wrong = present & ~np.isin(kinds, list(expected))
    if wrong.any():
        severity: Severity = "error" if wrong.sum() == present.sum() else "warning"
        code = "wrong_geometry_type" if severity == "error" else "mixed_geometry_type"
        for label, k in zip(labels[wrong], kinds[wrong]):
            report.problems.add(severity, code, f"geometry is {k}, a {spec.kind} layer needs {spec.geometry}",
                                feature=str(label), **where,
                                zh=f"几何类型为{KIND_ZH.get(k, k)}，"
                                   f"{spec.label_zh}图层需要{KIND_ZH.get(spec.geometry, spec.geometry)}")
        if severity == "error":
            return frame
    reasons = explain(geoms)
    invalid = present & (reasons != "")
    if invalid.any():
        for label, reason in zip(labels[invalid], reasons[invalid]):
            report.problems.add("warning", "invalid_geometry", f"invalid geometry ({reason}); repaired with make_valid",
                                feature=str(label), **where, zh=f"几何无效（{reason_zh(reason)}）；已用 make_valid 修复")
        if spec.geometry == "polygon":
            fixed = geoms.copy()
            fixed[invalid] = repair(geoms[invalid], keep="polygon")
            frame = frame.copy()
            frame[frame.geometry.name] = gpd.GeoSeries(fixed, index=frame.index, crs=frame.crs)
    if spec.geometry == "polygon":
        areas = np.zeros(len(frame))
        ok = present & ~wrong
        if ok.any():
            areas[ok] = ellipsoidal_area_m2(frame.geometry.to_numpy()[ok], frame.crs)
        small = ok & (areas < settings.min_parcel_area_m2)
        for label, a in zip(labels[small], areas[small]):
            report.problems.add("warning", "tiny_polygon", f"polygon area is only {a:.2f} m² ({a / MU_M2:.4f} 亩)",
                                feature=str(label), **where, zh=f"多边形面积仅 {a:.2f} m²（{a / MU_M2:.4f} 亩）")
    return frame


def _gk_zone_in_china(lon: np.ndarray) -> bool:
    """True when the 3-degree Gauss-Krüger zone a new project would take (mid-longitude) is one of China's."""
    finite = lon[np.isfinite(lon)]
    if not len(finite):
        return False
    cm = int(round(((float(finite.min()) + float(finite.max())) / 2) / 3.0)) * 3
    return 75 <= cm <= 135


def _refuse_not_finite(report: ValidationReport, geoms: np.ndarray, labels: np.ndarray, project_crs,
                       where: dict[str, Any]) -> bool:
    """A layer with coordinates that become infinite (or NaN) in the project's CRS is refused, naming the features."""
    coords_ok = np.array([bool(np.isfinite(shapely.get_coordinates(g)).all()) for g in geoms], dtype=bool)
    if coords_ok.all():
        return False
    bad = [str(x) for x in labels[~coords_ok]]
    shown = ", ".join(bad[:20]) + (f", … ({len(bad)} in all)" if len(bad) > 20 else "")
    shown_zh = "、".join(bad[:20]) + (f"…（共 {len(bad)} 个）" if len(bad) > 20 else "")
    report.problems.add("error", "extent_not_finite",
                        f"{len(bad)} feature(s) cannot be expressed in the project's CRS {project_crs} (their "
                        f"coordinates become infinite there; they lie too far from its zone): {shown}",
                        feature=bad[0], **where,
                        zh=f"{len(bad)} 个要素无法转换到项目坐标系 {project_crs}"
                           f"（转换后坐标为无穷大，距该投影带太远）：{shown_zh}")
    return True


def _check_extent(report: ValidationReport, frame: gpd.GeoDataFrame, labels: np.ndarray, project_extent,
                  project_crs, settings: ImportSettings) -> None:
    """Features outside the CRS's area of use, or far outside the project's extent, are named."""
    where = dict(source=report.source, layer=report.layer)
    geoms = frame.geometry
    present = ~(geoms.isna() | geoms.is_empty).to_numpy()
    if not present.any():
        return
    lonlat = geoms[present].to_crs(4490) if not frame.crs.equals(CRS(4490)) else geoms[present]
    centroids = shapely.centroid(lonlat.to_numpy())
    lon, lat = shapely.get_x(centroids), shapely.get_y(centroids)
    aou = frame.crs.area_of_use
    if aou is not None:
        margin = 1.0  # degrees: GK zones are used up to about a degree past their nominal edge
        outside = ~((lon >= aou.west - margin) & (lon <= aou.east + margin)
                    & (lat >= aou.south - margin) & (lat <= aou.north + margin))
        n_out = int(outside.sum())
        if n_out:
            severity = "error" if n_out == len(lon) else "warning"
            code = "crs_mismatch" if severity == "error" else "outside_crs_area"
            msg = (f"coordinates fall outside the area of use of {frame.crs.name} "
                   f"({aou.west:.1f}–{aou.east:.1f}°E, {aou.south:.1f}–{aou.north:.1f}°N): "
                   "the CRS is probably wrong; state the right one")
            msg_zh = (f"坐标超出 {crs_name_zh(frame.crs)} 的适用范围（{aou.west:.1f}–{aou.east:.1f}°E，"
                      f"{aou.south:.1f}–{aou.north:.1f}°N）：坐标系可能有误，请指定正确的坐标系")
            if severity == "error":
                report.problems.add("error", "crs_refused", msg, **where, zh=msg_zh)
            else:
                for label in labels[present][outside][:200]:
                    report.problems.add("warning", code, msg, feature=str(label), **where, zh=msg_zh)
    if project_crs is None and not frame.crs.is_projected and not _gk_zone_in_china(lon):
        # a new project takes the Gauss-Krüger zone of its first layer, which exists only for China
        report.problems.add("error", "outside_china",
                            f"the layer lies outside China (centre near {float(np.nanmedian(lon)):.2f}°E, "
                            f"{float(np.nanmedian(lat)):.2f}°N): a project's CRS is a CGCS2000 Gauss-Krüger zone "
                            "between 75°E and 135°E; import this layer into a project of its region, or check the "
                            "coordinates", **where,
                            zh=f"图层位于中国境外（中心约 {float(np.nanmedian(lon)):.2f}°E，{float(np.nanmedian(lat)):.2f}°N）："
                               "项目坐标系为 75°E 至 135°E 之间的 CGCS2000 高斯-克吕格投影带；请导入所在地区的项目，或核对坐标")
    if project_extent is not None and project_crs is not None:
        buffer_m = settings.outside_extent_buffer_m
        minx, miny, maxx, maxy = project_extent
        box = shapely.box(minx - buffer_m, miny - buffer_m, maxx + buffer_m, maxy + buffer_m)
        in_project = geoms[present].to_crs(project_crs)
        if _refuse_not_finite(report, in_project.to_numpy(), labels[present], project_crs, where):
            return
        far = ~shapely.intersects(in_project.to_numpy(), box)
        for label in labels[present][far]:
            report.problems.add("warning", "outside_project",
                                f"feature lies more than {buffer_m / 1000:.0f} km outside the project's extent",
                                feature=str(label), **where, zh=f"要素位于项目范围之外 {buffer_m / 1000:.0f} 千米以上")
        if not frame.crs.equals(CRS(project_crs)):
            report.problems.add("info", "crs_reprojected",
                                f"source CRS {frame.crs.name} differs from the project's {project_crs}; "
                                "it will be reprojected on import",
                                **where,
                                zh=f"数据坐标系 {crs_name_zh(frame.crs)} 与项目坐标系 {project_crs} 不同；导入时将转换坐标系")


def _check_parcel_overlaps(report: ValidationReport, frame: gpd.GeoDataFrame, labels: np.ndarray,
                           settings: ImportSettings) -> None:
    """Parcels overlapping other parcels would count land twice: name each pair with its overlap area."""
    tolerance = settings.parcel_overlap_tolerance_m2
    geoms = frame.geometry.to_numpy()
    present = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    idx = np.flatnonzero(present)
    if len(idx) < 2:
        return
    projected = frame.crs.is_projected
    min_area = tolerance if projected else 0.0
    i, j, area = self_overlaps(geoms[idx], min_area=min_area)
    if len(i) == 0:
        return
    pair_geoms = shapely.intersection(geoms[idx][i], geoms[idx][j])
    area_m2 = ellipsoidal_area_m2(pair_geoms, frame.crs)
    keep = area_m2 > tolerance
    for a, b, m2 in zip(labels[idx][i][keep], labels[idx][j][keep], area_m2[keep]):
        report.problems.add("warning", "parcel_overlap",
                            f"overlaps parcel {b} by {m2:.1f} m² ({m2 / MU_M2:.3f} 亩): that land would be counted twice",
                            source=report.source, layer=report.layer, feature=str(a), value=str(b),
                            zh=f"与宗地 {b} 重叠 {m2:.1f} m²（{m2 / MU_M2:.3f} 亩）：这部分土地会被重复计算")


# ---- parks as bureaus list them: zone code, approved area (核准面积) -------------------------------------

APPROVED_AREA = "approved_area_mu"


def _zone_code_as_id(report: ValidationReport, frame: pd.DataFrame, kind: str,
                     overrides: dict[str, str] | None) -> pd.DataFrame:
    """A park list with a zone code (开发区代码) but no id column of its own uses the code as the park id."""
    from layers.aliases import match_columns

    columns = [str(c) for c in frame.columns if c != getattr(frame, "_geometry_column_name", None) and c != "_row"]
    matches = match_columns(columns, kind, overrides=overrides)
    fields = {m.mapped_field: m.column for m in matches if m.mapped_field}
    if "park_id" in fields or "zone_code" not in fields or "park_id" in frame.columns:
        return frame
    out = frame.copy()
    out["park_id"] = frame[fields["zone_code"]]
    report.problems.add("info", "zone_code_as_id",
                        f"no park id column; the zone code of column {fields['zone_code']!r} is used as park_id",
                        source=report.source, field="park_id", value=fields["zone_code"],
                        zh=f"没有园区编号列；以列 {fields['zone_code']!r} 的开发区代码作为园区编号（park_id）")
    return out


def _grade_unreadable_numbers(table: NormalizedTable, spec: LayerSpec) -> None:
    """A cell that cannot be read as a number (`not_a_number`) is graded by what the import does with it, so
    the report says what the project's data issues will keep:

    - in an optional field the row is imported with the cell empty: a warning (the import keeps warnings as
      they are; before, an error here was stored as a warning);
    - in a required field (e.g. the year of an enterprise event) the row is unusable: `required_not_a_number`,
      a blocking error, so nothing is imported until the cell is fixed.
    """
    required = set(spec.required)
    graded = []
    for p in table.problems.items:
        if p.code == "not_a_number" and p.field in required:
            p = replace(p, severity="error", code="required_not_a_number",
                        message=f"{p.message}; {p.field} is required, so the source cannot be imported until it is fixed",
                        message_zh=f"{p.text('zh')}；{p.field} 为必填字段，修正之前不能导入")
        elif p.code == "not_a_number":
            p = replace(p, severity="warning", message=f"{p.message}; imported as empty",
                        message_zh=f"{p.text('zh')}；按空值导入")
        graded.append(p)
    table.problems.items = graded


def _read_approved_area(table: NormalizedTable, raw_frame: pd.DataFrame, spec: LayerSpec, source: str, layer: str) -> None:
    """Re-read 核准面积 with its unit: the header's (公顷 / km² / 亩), else the one the cells carry ('10公顷'), else
    亩 said as an assumption. Values are stored in 亩."""
    column = next((c for c, f in table.mapping.items() if f == APPROVED_AREA), None)
    if column is None or column not in raw_frame.columns:
        return
    match = next((m for m in table.matches if m.column == column), None)
    scale = match.scale if match is not None else 1.0
    header_factor = scale if scale != 1.0 else (1.0 if "亩" in column else None)
    reading = parse_area_mu(raw_frame[column].reset_index(drop=True), header_factor)
    table.frame[APPROVED_AREA] = reading.values.to_numpy()
    labels = _feature_labels(table.frame, spec)
    where = {"source": source, "layer": layer}
    table.problems.items = [p for p in table.problems.items if not (p.field == APPROVED_AREA and p.code == "not_a_number")]
    raw = raw_frame[column].to_numpy(dtype=object)
    for issue in reading.issues:
        i = int(cast(int, issue.row))
        table.problems.add("error", issue.code, f"column {column!r}: {issue.message}", **where, feature=str(labels[i]),
                           field=APPROVED_AREA, value=raw[i], zh=f"列 {column!r}：{issue.message_zh or issue.message}")
    if reading.unit_source == "values":
        table.problems.add("info", "approved_area_unit",
                           f"column {column!r} names no unit; its cells give {reading.unit}, so bare numbers were read "
                           f"in {reading.unit} (stored in 亩)", **where, field=APPROVED_AREA, value=column,
                           zh=f"列 {column!r} 未注明单位；其单元格中注有 {reading.unit}，故不带单位的数字按 {reading.unit} 读取"
                              "（以亩保存）")
    elif reading.unit_source == "assumed":
        table.problems.add("warning", "approved_area_unit_assumed",
                           f"column {column!r} names no unit (公顷 / km² / 亩); its numbers were read as 亩 — if they "
                           f"are not, name the unit in the header, e.g. 核准面积(公顷)", **where, field=APPROVED_AREA,
                           value=column,
                           zh=f"列 {column!r} 未注明单位（公顷 / km² / 亩）；其数字按亩读取——如不是亩，请在表头注明单位，"
                              "如 核准面积(公顷)")


_UNIT_HINTS = ((15.0, "公顷"), (1500.0, "km²"), (1 / 15.0, "亩 while the header says 公顷"))
_UNIT_HINTS_ZH = {"公顷": "公顷而非亩", "km²": "平方千米而非亩", "亩 while the header says 公顷": "亩，而表头注明为公顷"}


def _check_approved_area(report: ValidationReport, frame: gpd.GeoDataFrame, labels: np.ndarray,
                         settings: ImportSettings) -> None:
    """A park whose polygon area differs from its approved area (核准面积) by more than the tolerance is flagged."""
    if APPROVED_AREA not in frame.columns or not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        return
    approved = pd.to_numeric(frame[APPROVED_AREA], errors="coerce").to_numpy(dtype=float)
    geoms = frame.geometry.to_numpy()
    ok = ~(pd.isna(geoms) | shapely.is_empty(geoms)) & np.isfinite(approved) & (approved > 0)
    ok &= np.isin(geometry_kinds(geoms), ["polygon"])
    if not ok.any():
        return
    polygon_mu = np.full(len(frame), np.nan)
    polygon_mu[ok] = ellipsoidal_area_m2(geoms[ok], frame.crs) / MU_M2
    tolerance = settings.approved_area_tolerance
    share = np.abs(polygon_mu - approved) / np.where(ok, approved, 1.0)
    for i in np.flatnonzero(ok & (share > tolerance)):
        ratio = polygon_mu[i] / approved[i]
        unit = next((unit for factor, unit in _UNIT_HINTS if abs(ratio / factor - 1) <= tolerance), None)
        hint = f"; the 核准面积 looks like it is in {unit}, not 亩" if unit else ""
        hint_zh = f"；核准面积似乎是以{_UNIT_HINTS_ZH[unit]}填写" if unit else ""
        report.problems.add("warning", "approved_area_differs",
                            f"polygon area {polygon_mu[i]:,.1f} 亩 differs from the approved area (核准面积) "
                            f"{approved[i]:,.1f} 亩 by {share[i]:.0%} (tolerance {tolerance:.0%}){hint}",
                            source=report.source, layer=report.layer, feature=str(labels[i]), field=APPROVED_AREA,
                            value=round(float(approved[i]), 3),
                            zh=f"多边形面积 {polygon_mu[i]:,.1f} 亩与核准面积 {approved[i]:,.1f} 亩相差 {share[i]:.0%}"
                               f"（容差 {tolerance:.0%}）{hint_zh}")


# ----------------------------------------------------------------------------------------------
# web-map datums (GCJ-02, BD-09) hiding behind a WGS 84 / CGCS2000 label

# Aliyun DataV / AMap district boundaries: `adcode` plus one of these properties.
DATAV_SIGNATURE = frozenset({"center", "centroid", "acroutes", "childrennum", "parent", "subfeatureindex"})
# Offset rule (docs/methods.md §9.1): the median distance from the new layer's
# vertices to the nearest boundary already in the project must be at least OFFSET_MIN_SHARE of
# the local shift (and at least OFFSET_MIN_M) before, and at most OFFSET_AFTER_MAX_M and at most
# OFFSET_AFTER_SHARE of it after undoing the datum.
OFFSET_MIN_SHARE = 0.3  # boundary-to-boundary distance is the shift across the boundary, not all of it
OFFSET_MIN_M = 100.0
OFFSET_AFTER_MAX_M = 50.0
OFFSET_AFTER_SHARE = 0.25
OFFSET_MIN_POINTS = 10
_OFFSET_SAMPLE = 2000  # vertices measured at most
_UNDO = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}


def _check_web_datum(report: ValidationReport, read: SourceRead, project: Project | None) -> None:
    """Warn when a layer read as WGS 84 / CGCS2000 lon/lat in China looks like GCJ-02 or BD-09.

    Evidence: the DataV/AMap property signature, and the offset against the project's layers.
    Nothing is shifted here: the warning names the evidence and how to state the datum.
    """
    frame, detection = read.frame, read.crs
    if detection is None or detection.datum_shift is not None or not isinstance(frame, gpd.GeoDataFrame):
        return
    if frame.crs is None or not frame.crs.is_geographic:
        return
    coords = shapely.get_coordinates(frame.geometry.to_numpy())
    coords = coords[np.isfinite(coords).all(axis=1)] if len(coords) else coords
    if not len(coords) or not in_china(coords[:, 0], coords[:, 1]).mean() > 0.5:
        return  # no shift applies outside China
    evidence: dict[str, list[tuple[str, str]]] = {"gcj02": [], "bd09": []}  # (English, Chinese)
    columns = {str(c).strip().casefold(): str(c) for c in frame.columns}
    signature = sorted(columns[c] for c in DATAV_SIGNATURE & columns.keys())
    if "adcode" in columns and signature:
        shown = ", ".join([columns["adcode"], *signature])
        evidence["gcj02"].append((f"its properties ({shown}) are the Aliyun DataV / AMap boundary signature, "
                                  "and those boundaries are published in GCJ-02",
                                  f"其属性（{shown}）是阿里云 DataV / 高德行政区边界的特征，这类边界以 GCJ-02 发布"))
    if project is not None:
        for key, texts in _offset_evidence(frame, coords, project).items():
            evidence[key].append(texts)
    label_crs = f"EPSG:{detection.epsg}" if detection.epsg is not None else detection.crs.name
    for key, found in evidence.items():
        if not found:
            continue
        label, size = WEB_DATUMS[key]
        label_zh, size_zh = WEB_DATUMS_ZH[key]
        method_zh = CRS_METHODS_ZH.get(detection.method, detection.method)
        report.problems.add(
            "warning", f"datum_{key}_suspected",
            f"the layer is read as {label_crs} ({detection.method}) but looks like {label}: {'; '.join(en for en, _ in found)}. "
            f"{label} is offset from CGCS2000 by {size}; if the data is {label}, state the CRS as {label} "
            "(it is then converted to CGCS2000)",
            source=report.source, layer=read.layer,
            zh=f"图层按 {label_crs}（{method_zh}）读取，但看起来是 {label_zh}：{'；'.join(zh for _, zh in found)}。"
               f"{label} 与 CGCS2000 相差 {size_zh}；如数据确为 {label}，请将坐标系指定为 {label}（将转换为 CGCS2000）")


def _offset_evidence(frame: gpd.GeoDataFrame, coords: np.ndarray, project: Project) -> dict[str, tuple[str, str]]:
    """{datum: (evidence, in Chinese)} for the datums whose undoing brings this layer onto the project's boundaries."""
    reference = _project_boundaries(project)
    if reference is None or len(reference) == 0:
        return {}
    step = max(1, len(coords) // _OFFSET_SAMPLE)
    sample = coords[::step]
    sample = sample[in_china(sample[:, 0], sample[:, 1])]
    if len(sample) < OFFSET_MIN_POINTS:
        return {}
    to_project = Transformer.from_crs(frame.crs, project.crs, always_xy=True)
    tree = shapely.STRtree(reference)

    def median_distance(lon: np.ndarray, lat: np.ndarray) -> float:
        x, y = to_project.transform(lon, lat)
        points = shapely.points(x, y)
        _, dist = tree.query_nearest(points, return_distance=True, all_matches=False)
        return float(np.median(dist))

    before = median_distance(sample[:, 0], sample[:, 1])
    found: dict[str, tuple[float, tuple[str, str]]] = {}
    for key, undo in _UNDO.items():
        lon, lat = undo(sample[:, 0], sample[:, 1])
        shift = float(np.median(_GEOD.inv(sample[:, 0], sample[:, 1], lon, lat)[2]))
        after = median_distance(lon, lat)
        if (before >= max(OFFSET_MIN_M, OFFSET_MIN_SHARE * shift) and after <= OFFSET_AFTER_MAX_M
                and after <= OFFSET_AFTER_SHARE * before):
            label = WEB_DATUMS[key][0]
            found[key] = (after, (f"the median distance from its vertices to the nearest boundary already in the project is "
                                  f"{before:.0f} m, and {after:.0f} m once {label} is undone (a {label} shift here is "
                                  f"{shift:.0f} m)",
                                  f"其顶点到项目中已有边界的最近距离中位数为 {before:.0f} 米，"
                                  f"撤销 {label} 偏移后为 {after:.0f} 米"
                                  f"（此处 {label} 偏移约 {shift:.0f} 米）"))
    if len(found) > 1:  # both cannot fit: keep the one that fits better (the smaller remaining distance)
        best = min(found, key=lambda k: found[k][0])
        found = {best: found[best]}
    return {key: text for key, (_, text) in found.items()}


def _project_boundaries(project: Project) -> np.ndarray | None:
    """Boundaries (project CRS) of every polygon and line layer in the project."""
    parts = []
    for name in project.layer_names():
        if name == "data_issues":
            continue
        try:
            info = project.layer_info(name)
            kind = str(info.get("geometry_type") or "").lower()
            if "polygon" not in kind and "line" not in kind:
                continue
            geoms = project.read_layer(name, columns=[]).geometry.to_numpy()
        except (RuntimeError, OSError, ValueError):
            continue
        geoms = geoms[~(pd.isna(geoms) | shapely.is_empty(geoms))]
        parts.append(np.where(np.isin(shapely.get_type_id(geoms), [3, 6]), shapely.boundary(geoms), geoms))
    return np.concatenate(parts) if parts else None
