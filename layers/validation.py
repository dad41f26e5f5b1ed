"""Validate a source as a layer kind: read, map fields, normalise values, check geometry.

Every problem is collected first and reported at once (human text or JSON). The same
report decides an import: `blocking` problems stop it, the rest are kept as data issues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from layers.config import Config, default_config
from layers.encoding import EncodingDetection
from layers.normalize import NormalizedTable, normalize_table
from layers.problems import InputError, Problem, ProblemList, Severity
from layers.readers import SourceRead, read_source
from layers.schema import LayerSpec, layer_spec
from layers.settings import ImportSettings
from spatial.area import MU_M2, ellipsoidal_area_m2
from spatial.crs import CRSDetection, CRSError
from spatial.overlay import self_overlaps
from spatial.validity import explain, geometry_kinds, repair

# Problem codes that make a source unusable as a whole: an import stops on any of them.
BLOCKING_CODES = frozenset({
    "read_error", "crs_refused", "missing_field", "no_features", "wrong_geometry_type",
    "land_use_standard_ambiguous", "no_geometry",
})

EXPECTED_KINDS = {"polygon": {"polygon"}, "line": {"line"}, "point": {"point"}, "point_or_none": {"point", "missing", "empty"}}


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
    problems: ProblemList = field(default_factory=ProblemList)
    sample: dict[str, str] = field(default_factory=dict)  # first row's decoded values, to check the encoding by eye
    frame: gpd.GeoDataFrame | pd.DataFrame | None = None  # normalised, in the source CRS, invalid geometry repaired

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
                "epsg": self.crs.epsg, "name": self.crs.crs.name, "method": self.crs.method,
                "note": self.crs.note, "is_guess": self.crs.is_guess},
            "encoding": None if self.encoding is None else {"encoding": self.encoding.encoding, "method": self.encoding.method},
            "field_mapping": self.mapping,
            "unmapped_columns": self.unmapped,
            "sample_values": self.sample,
            "land_use_standard": self.land_use_standard,
            "land_use_note": self.land_use_note,
            "ok": self.ok,
            "problem_counts": self.counts(),
            "problems": [p.to_dict() for p in self.problems],
        }


def validate_source(path: str | Path, kind: str, *, layer: str | None = None, encoding: str | None = None,
                    crs: str | int | None = None, land_use_standard: str | None = None,
                    overrides: dict[str, str] | None = None, project_extent: tuple | None = None,
                    project_crs: str | None = None, config: Config | None = None) -> ValidationReport:
    """Read `path` as layer `kind` and report every problem; never raises for bad content.

    The tolerances are `[import]` of `config` (the project's settings; the shipped defaults without one)."""
    spec = layer_spec(kind)
    report = ValidationReport(source=str(path), kind=kind)
    settings = (config or default_config()).import_
    try:
        read = read_source(path, layer=layer, encoding=encoding, crs=crs)
    except CRSError as exc:
        report.problems.add("error", "crs_refused", str(exc), source=str(path))
        return report
    except InputError as exc:
        report.problems.add("error", "read_error", str(exc), source=str(path))
        report.problems.extend(exc.problems)
        return report
    _absorb_read(report, read)
    report.sample = _sample_values(read.frame)
    table = normalize_table(read.frame, kind, source=str(path), layer=read.layer,
                            land_use_standard=land_use_standard, overrides=overrides)
    _absorb_table(report, table)
    frame = table.frame
    report.feature_count = len(frame)
    if len(frame) == 0:
        report.problems.add("error", "no_features", "the layer has no features/rows", source=str(path), layer=read.layer)
        return report
    ids = _feature_labels(frame, spec)
    _check_duplicate_ids(report, frame, spec, ids)
    if spec.geometry != "point_or_none" or isinstance(frame, gpd.GeoDataFrame):
        frame = _check_geometry(report, frame, spec, ids, settings)
    if isinstance(frame, gpd.GeoDataFrame) and report.crs is not None and frame.crs is not None:
        _check_extent(report, frame, ids, project_extent, project_crs, settings)
        if spec.kind == "parcels":
            _check_parcel_overlaps(report, frame, ids, settings)
    report.frame = frame
    return report


def _absorb_read(report: ValidationReport, read: SourceRead) -> None:
    report.layer = read.layer
    report.layers_available = list(read.layers_available)
    report.crs = read.crs
    report.encoding = read.encoding
    report.problems.extend(read.problems)
    if read.crs is not None and read.crs.is_guess:
        report.problems.add("warning", "crs_guessed", f"CRS guessed from coordinates: {read.crs.note}",
                            source=report.source, layer=read.layer)


def _sample_values(frame: pd.DataFrame, rows: int = 1) -> dict[str, str]:
    """The first non-empty text value of each attribute column (decoded), for a human to eyeball."""
    out = {}
    for col in frame.columns:
        if col == getattr(frame, "_geometry_column_name", None) or str(col).startswith("_"):
            continue
        values = frame[col].dropna()
        values = values[values.astype(str).str.strip() != ""]
        if len(values):
            out[str(col)] = str(values.iloc[0])[:60]
    return out


def _absorb_table(report: ValidationReport, table: NormalizedTable) -> None:
    report.mapping = table.mapping
    report.unmapped = table.unmapped
    report.land_use_standard = table.land_use_standard
    report.land_use_note = table.land_use_note
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


def _check_duplicate_ids(report: ValidationReport, frame: pd.DataFrame, spec: LayerSpec, labels: np.ndarray) -> None:
    if not spec.id_field or spec.id_field not in frame.columns:
        return
    ids = frame[spec.id_field].astype("string")
    dup = ids.notna() & ids.duplicated(keep=False)
    rows = frame["_row"] if "_row" in frame.columns else pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
    for value, group in rows[dup].groupby(ids[dup]):
        report.problems.add("warning", "duplicate_id",
                            f"{spec.id_field} {value} appears {len(group)} times (rows {', '.join(map(str, group.tolist()))})",
                            source=report.source, layer=report.layer, feature=str(value), field=spec.id_field, value=value)


def _check_geometry(report: ValidationReport, frame: gpd.GeoDataFrame, spec: LayerSpec, labels: np.ndarray,
                    settings: ImportSettings) -> gpd.GeoDataFrame:
    """Report missing/empty/invalid/wrong-type geometry and repair invalid polygons (kept polygons)."""
    if not isinstance(frame, gpd.GeoDataFrame):
        report.problems.add("error", "no_geometry", f"a {spec.kind} layer needs geometry, but the source has none",
                            source=report.source, layer=report.layer)
        return frame
    geoms = frame.geometry.to_numpy()
    kinds = geometry_kinds(geoms)
    expected = EXPECTED_KINDS[spec.geometry]
    where = dict(source=report.source, layer=report.layer)
    for code, mask, text in (("missing_geometry", kinds == "missing", "feature has no geometry"),
                             ("empty_geometry", kinds == "empty", "feature has an empty geometry")):
        if spec.geometry == "point_or_none":
            break
        for label in labels[mask]:
            report.problems.add("warning", code, text, feature=str(label), **where)
    present = ~np.isin(kinds, ["missing", "empty"])
    wrong = present & ~np.isin(kinds, list(expected))
    if wrong.any():
        severity: Severity = "error" if wrong.sum() == present.sum() else "warning"
        code = "wrong_geometry_type" if severity == "error" else "mixed_geometry_type"
        for label, k in zip(labels[wrong], kinds[wrong]):
            report.problems.add(severity, code, f"geometry is {k}, a {spec.kind} layer needs {spec.geometry}",
                                feature=str(label), **where)
        if severity == "error":
            return frame
    reasons = explain(geoms)
    invalid = present & (reasons != "")
    if invalid.any():
        for label, reason in zip(labels[invalid], reasons[invalid]):
            report.problems.add("warning", "invalid_geometry", f"invalid geometry ({reason}); repaired with make_valid",
                                feature=str(label), **where)
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
                                feature=str(label), **where)
    return frame


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
            if severity == "error":
                report.problems.add("error", "crs_refused", msg, **where)
            else:
                for label in labels[present][outside][:200]:
                    report.problems.add("warning", code, msg, feature=str(label), **where)
    if project_extent is not None and project_crs is not None:
        buffer_m = settings.outside_extent_buffer_m
        minx, miny, maxx, maxy = project_extent
        box = shapely.box(minx - buffer_m, miny - buffer_m, maxx + buffer_m, maxy + buffer_m)
        in_project = geoms[present].to_crs(project_crs)
        far = ~shapely.intersects(in_project.to_numpy(), box)
        for label in labels[present][far]:
            report.problems.add("warning", "outside_project",
                                f"feature lies more than {buffer_m / 1000:.0f} km outside the project's extent",
                                feature=str(label), **where)
        if not frame.crs.equals(CRS(project_crs)):
            report.problems.add("info", "crs_reprojected",
                                f"source CRS {frame.crs.name} differs from the project's {project_crs}; "
                                "it will be reprojected on import",
                                **where)


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
                            source=report.source, layer=report.layer, feature=str(a), value=str(b))
