"""`landpark import`: validate a source, then add it to a project in one atomic write."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from layers.problems import InputError, Problem
from layers.project import Project
from layers.validation import ValidationReport, validate_source
from spatial.crs import gk_epsg


def project_crs_for(frame: gpd.GeoDataFrame) -> str:
    """The metric CRS a new project takes from its first layer: that CRS when projected,
    else the CGCS2000 3-degree Gauss-Krüger (CM form) zone containing the data."""
    if frame.crs is not None and frame.crs.is_projected:
        epsg = frame.crs.to_epsg()
        return f"EPSG:{epsg}" if epsg else frame.crs.to_wkt()
    lonlat = frame.geometry.to_crs(4490) if frame.crs is not None else frame.geometry
    minx, _, maxx, _ = lonlat.total_bounds
    cm = int(round(((minx + maxx) / 2) / 3.0)) * 3
    return f"EPSG:{gk_epsg(cm, prefixed=False)}"


def project_extent(project: Project) -> tuple[float, float, float, float] | None:
    """Bounding box (project CRS) of every polygon layer already in the project."""
    boxes = []
    for name in project.layer_names():
        if name in ("data_issues", "enterprises"):
            continue
        info = pyogrio.read_info(project.gpkg, layer=name)
        if info.get("total_bounds") is not None and info.get("geometry_type"):
            boxes.append(info["total_bounds"])
    if not boxes:
        return None
    b = np.array(boxes, dtype=float)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def import_source(source: str | Path, kind: str, into: str | Path, *, layer: str | None = None,
                  encoding: str | None = None, crs: str | int | None = None,
                  land_use_standard: str | None = None, overrides: dict[str, str] | None = None,
                  source_label: str | None = None) -> ValidationReport:
    """Validate `source` as `kind` and write it into the project at `into`.

    Nothing is written when the report has blocking problems: an InputError carrying them is raised.
    `source_label` (e.g. the original name of a file uploaded to a temporary folder) replaces the
    source path in the data issues recorded.
    """
    into = Path(into)
    existing = (into / "landpark.toml").exists() or (into / "project.gpkg").exists()
    project = Project.open(into) if existing else None
    config = project.config if project else None
    extent = project_extent(project) if project else None
    report = validate_source(source, kind, layer=layer, encoding=encoding, crs=crs,
                             land_use_standard=land_use_standard, overrides=overrides,
                             project_extent=extent, project_crs=project.crs if project else None, config=config)
    if not report.ok:
        raise InputError(f"{source}: not imported, {len(report.blocking)} blocking problem(s): "
                         + "; ".join(p.message for p in report.blocking), report.blocking)
    frame = report.frame
    if project is None:
        target_crs = project_crs_for(frame) if isinstance(frame, gpd.GeoDataFrame) else "EPSG:4549"
        project = Project.create(into, crs=target_crs)
    if isinstance(frame, gpd.GeoDataFrame):
        frame = frame.to_crs(project.crs)
        if kind == "enterprises":
            frame = _empty_to_none(frame)
    kept: list[Problem] = [p for p in report.problems if p.severity in ("warning", "error")]
    if source_label:
        kept = [_relabelled(p, str(source), source_label) for p in kept]
    project.write_layer(kind, frame, issues=[_as_layer_issue(p, kind) for p in kept])
    return report


def _empty_to_none(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    geoms = frame.geometry.to_numpy().copy()
    geoms[shapely.is_empty(geoms)] = None
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


def _relabelled(problem: Problem, path: str, label: str) -> Problem:
    return replace(problem, source=problem.source.replace(path, label), message=problem.message.replace(path, label))


def _as_layer_issue(problem: Problem, kind: str) -> Problem:
    """Record an issue against the canonical layer name, keeping the source location in `source`."""
    src = problem.source + (f" [{problem.layer}]" if problem.layer and problem.layer != kind else "")
    return Problem(problem.severity if problem.severity != "error" else "warning", problem.code, problem.message,
                   source=src, layer=kind, feature=problem.feature, field=problem.field, value=problem.value)


__all__ = ["import_source", "project_crs_for", "project_extent"]
