"""`landpark import`: validate a source, then add it to a project in one atomic write."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from i18n import t
from i18n.numbers import format_count
from layers.postgis import is_postgres_url
from layers.problems import InputError, Problem, UsageError
from layers.project import INCOMPLETE_MARKER, Project
from layers.schema import layer_spec
from layers.validation import ValidationReport, period_suffix, validate_source
from layers.versions import VersionNote, parse_version_date
from spatial.crs import gk_epsg

# What an import does to a layer already in the project. (When layer versions arrive, replace will make a
# version holding only the new features and append one holding the old and the new.)
IMPORT_MODES = ("replace", "append")
SHOWN_IDS = 20  # colliding ids named in the refusal before "… (N in all)"


class ModeRequired(UsageError):
    """The layer already exists and no mode was given: the caller must say replace or append."""

    def __init__(self, kind: str, before: int):
        self.kind, self.before, self.choices = kind, before, IMPORT_MODES
        super().__init__(f"the project already has layer {kind} with {before} feature(s); say whether the import "
                         f"replaces them or appends to them: {', '.join(IMPORT_MODES)}",
                         zh=f"项目中已有 {kind} 图层（{before} 个要素）；请说明导入是替换（replace）还是追加（append）")


@dataclass(frozen=True)
class ImportChange:
    """What an import changed in its layer: features before → after, how many added and how many replaced."""

    mode: str  # replace | append
    before: int
    after: int
    added: int
    replaced: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self, lang: str = "zh") -> str:
        """One sentence saying what the import did to the layer: created, replaced (before → after) or appended."""
        if self.before == 0 and self.mode == "replace":
            text = t("data_change_created", lang)
        elif self.mode == "append":
            text = t("data_change_append", lang)
        else:
            text = t("data_change_replace", lang)
        return text.format(before=format_count(self.before), after=format_count(self.after),
                           added=format_count(self.added), replaced=format_count(self.replaced))


@dataclass
class ImportResult:
    """The validation report of the imported source and the change made to the layer."""

    report: ValidationReport
    change: ImportChange

    @property
    def feature_count(self) -> int:
        return self.report.feature_count

    @property
    def problems(self):
        return self.report.problems


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
        info = project.layer_info(name)
        if info.get("total_bounds") is not None and info.get("geometry_type"):
            boxes.append(info["total_bounds"])
    if not boxes:
        return None
    b = np.array(boxes, dtype=float)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def import_source(source: str | Path, kind: str, into: str | Path, *, layer: str | None = None,
                  encoding: str | None = None, crs: str | int | None = None,
                  land_use_standard: str | None = None, overrides: dict[str, str] | None = None,
                  source_label: str | None = None, mode: str | None = None,
                  use_saved_mapping: bool = False, valid_from: str | None = None) -> ImportResult:
    """Validate `source` as `kind` and write it into the project at `into`.

    `mode`: "replace" (the layer holds only the new features) or "append" (old and new; a new feature whose
    id is already in the layer refuses the import). A layer not yet in the project needs no mode (it is
    created: "replace" from 0); a layer that exists needs one (ModeRequired, a UsageError, otherwise).
    Nothing is written when the report has blocking problems or ids collide: an InputError carrying them
    is raised. `source_label` (e.g. the original name of a file uploaded to a temporary folder) replaces
    the source path in the data issues recorded.

    The field mapping the import used is saved with the project (`Project.save_mapping`); with
    `use_saved_mapping` the mapping saved by the last import of `kind` applies to the columns the source
    has, under `overrides` (`report.saved_mapping_used` lists what it decided).

    Every import is kept as a new version of the layer (layers.versions), in force from `valid_from` (ISO date;
    default: since always for a new layer, from today for a later version); earlier versions are never lost.
    """
    start = parse_version_date(valid_from, "--valid-from")
    if mode is not None and mode not in IMPORT_MODES:
        raise UsageError(f"unknown import mode {mode!r}; valid modes: {', '.join(IMPORT_MODES)}",
                         zh=f"未知的导入方式 {mode!r}；可用：{'、'.join(IMPORT_MODES)}")
    database = is_postgres_url(into)
    project: Any
    if database:  # a schema of the shared PostGIS database (layers/pg_project.py): each write is one transaction
        from layers.pg_project import PostgisProject

        project = PostgisProject.open(str(into)) if PostgisProject.holds_project(str(into)) else None
    else:
        into = Path(into)
        existing = (into / "landpark.toml").exists() or (into / "project.gpkg").exists()
        if existing and (into / INCOMPLETE_MARKER).exists() and not (into / "project.gpkg").exists():
            existing = False  # a fresh import into this folder was killed: start it again
        project = Project.open(into) if existing else None
    had_layer = project is not None and project.has_layer(kind)
    before = project.feature_count(kind) if project is not None and had_layer else 0
    if had_layer and mode is None:
        raise ModeRequired(kind, before)
    mode = mode or "replace"
    config = project.config if project else None
    extent = project_extent(project) if project else None
    report = validate_source(source, kind, layer=layer, encoding=encoding, crs=crs,
                             land_use_standard=land_use_standard, overrides=overrides,
                             project_extent=extent, project_crs=project.crs if project else None, config=config,
                             project=project,
                             saved_mapping=project.saved_mapping(kind) if project is not None and use_saved_mapping else None)
    if not report.ok:
        raise InputError(f"{source}: not imported, {len(report.blocking)} blocking problem(s): "
                         + "; ".join(p.message for p in report.blocking), report.blocking,
                         zh=f"{source}：未导入，存在 {len(report.blocking)} 个阻断性问题："
                            + "；".join(p.text("zh") for p in report.blocking))
    frame = report.frame
    if frame is None:
        raise InputError(f"{source}: not imported, nothing was read", zh=f"{source}：未导入，没有读到任何数据")
    appending = mode == "append" and had_layer
    old = project.read_layer(kind) if appending and project is not None else None
    if old is not None:
        _refuse_id_collisions(old, frame, kind, source_label or str(source))
    marker = None
    if project is None:
        target_crs = project_crs_for(frame) if isinstance(frame, gpd.GeoDataFrame) else "EPSG:4549"
        if database:
            from layers.pg_project import PostgisProject

            project = PostgisProject.create(str(into), crs=target_crs)
        else:
            into = Path(into)
            into.mkdir(parents=True, exist_ok=True)
            marker = into / INCOMPLETE_MARKER  # until the first layer is written, every command calls it incomplete
            marker.write_text("an import creating this project has not finished\n", encoding="utf-8")
            project = Project.create(into, crs=target_crs)
    if isinstance(frame, gpd.GeoDataFrame):
        frame = frame.to_crs(project.crs)
        if kind == "enterprises":
            frame = _empty_to_none(frame)
    added = len(frame)
    if old is not None:
        frame = _appended(old, frame)
    kept: list[Problem] = [p for p in report.problems if p.severity in ("warning", "error")]
    if source_label:
        kept = [_relabelled(p, str(source), source_label) for p in kept]
    note = VersionNote(None if start is None else start.isoformat(), Path(source_label or str(source)).name, mode)
    project.write_layer(kind, frame, issues=[_as_layer_issue(p, kind) for p in kept], keep_issues=appending,
                        version=note)
    _save_mapping(project, kind, report, source_label or str(source))
    if marker is not None:
        marker.unlink(missing_ok=True)
    change = ImportChange(mode, before, len(frame), added, before if mode == "replace" else 0)
    return ImportResult(report, change)


def _save_mapping(project: Project, kind: str, report: ValidationReport, source: str) -> None:
    """Keep the mapping this import used for the next import of `kind`; the layer is already written, so a
    failure here (e.g. a read-only file) loses only the offer, which is said as a warning."""
    from layers.mapping_edits import used_mapping

    try:
        project.save_mapping(kind, used_mapping(report.mapping, report.overrides), source=Path(source).name)
    except OSError as exc:
        report.problems.add("warning", "mapping_not_saved", f"the field mapping used was not saved with the project: {exc}",
                            source=source, zh=f"本次使用的字段对应未能保存到项目：{exc}")


def _id_keys(frame: pd.DataFrame, kind: str) -> pd.Series | None:
    """The identity of each feature for an append: its id (enterprises: credit code, year and half-year)."""
    id_field = layer_spec(kind).id_field
    if not id_field or id_field not in frame.columns:
        return None
    keys = frame[id_field].astype("string").str.strip()
    if kind == "enterprises" and "year" in frame.columns:
        keys = keys + period_suffix(frame)
    return keys.where(frame[id_field].notna())


def _refuse_id_collisions(old: pd.DataFrame, new: pd.DataFrame, kind: str, source: str) -> None:
    """An append whose features reuse ids of the layer is refused (error), naming the first ids and the count."""
    old_keys, new_keys = _id_keys(old, kind), _id_keys(new, kind)
    if old_keys is None or new_keys is None:
        return
    taken = set(old_keys.dropna())
    clash = list(dict.fromkeys(k for k in new_keys.dropna() if k in taken))
    if not clash:
        return
    shown = ", ".join(clash[:SHOWN_IDS]) + (f", … ({len(clash)} in all)" if len(clash) > SHOWN_IDS else "")
    id_field = layer_spec(kind).id_field
    message = (f"{source}: not appended, {len(clash)} feature id(s) already in layer {kind} ({id_field}): {shown}; "
               "nothing was written — replace the layer instead, or renumber or remove these features")
    shown_zh = "、".join(clash[:SHOWN_IDS]) + (f"…（共 {len(clash)} 个）" if len(clash) > SHOWN_IDS else "")
    label = layer_spec(kind).label_zh
    message_zh = (f"{source}：未追加，{len(clash)} 个要素编号（{id_field}）在{label}图层中已存在：{shown_zh}；"
                  "未写入任何数据——请改为替换该图层，或重新编号、删除这些要素")
    problems = [Problem("error", "id_collision", f"{id_field} {k} is already in layer {kind}", source=source, layer=kind,
                        feature=str(k), field=id_field or "", value=str(k),
                        message_zh=f"编号 {k}（{id_field}）在{label}图层中已存在") for k in clash]
    raise InputError(message, problems, zh=message_zh)


def _appended(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The old features followed by the new, in the old layer's geometry column and CRS."""
    new = new.drop(columns=[c for c in new.columns if str(c).startswith("_")], errors="ignore")
    if isinstance(old, gpd.GeoDataFrame) and isinstance(new, gpd.GeoDataFrame):
        if new.geometry.name != old.geometry.name:
            new = new.rename_geometry(old.geometry.name)
        new = new.to_crs(old.crs) if old.crs is not None and new.crs is not None else new
        merged = pd.concat([old, new], ignore_index=True)
        return gpd.GeoDataFrame(merged, geometry=old.geometry.name, crs=old.crs)
    return pd.concat([pd.DataFrame(old), pd.DataFrame(new)], ignore_index=True)


def _empty_to_none(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    geoms = frame.geometry.to_numpy().copy()
    geoms[shapely.is_empty(geoms)] = None
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


def _relabelled(problem: Problem, path: str, label: str) -> Problem:
    return replace(problem, source=problem.source.replace(path, label), message=problem.message.replace(path, label),
                   message_zh=problem.message_zh.replace(path, label))


def _as_layer_issue(problem: Problem, kind: str) -> Problem:
    """Record an issue against the canonical layer name, keeping the source location in `source`."""
    src = problem.source + (f" [{problem.layer}]" if problem.layer and problem.layer != kind else "")
    return Problem(problem.severity if problem.severity != "error" else "warning", problem.code, problem.message,
                   source=src, layer=kind, feature=problem.feature, field=problem.field, value=problem.value,
                   message_zh=problem.message_zh)


__all__ = ["IMPORT_MODES", "ImportChange", "ImportResult", "ModeRequired", "import_source", "project_crs_for",
           "project_extent"]
