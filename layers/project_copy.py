"""`copy_project(src, dest)`: a whole project between a folder and a PostGIS schema, either way, all or nothing.

Into a schema, everything is written in one transaction (a failure rolls it back: the schema is as it was).
Into a folder, everything is written into a staging folder beside the destination and moved into place only
when complete (a failure removes the staging folder: the destination is as it was).
What moves: landpark.toml, every layer with its kept versions and version list, data issues, field mappings
and rasters.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from layers.config import CONFIG_NAME, load_config
from layers.pg_project import PostgisProject, ProjectBundle, mappings_json
from layers.postgis import is_postgres_url
from layers.problems import InputError
from layers.project import DATA_ISSUES, GPKG_NAME, ISSUE_COLUMNS, MAPPINGS_NAME, RASTER_DIR, Project, _write_frame
from layers.versions import VERSION_COLUMNS, VERSIONS_TABLE, versions_frame

__all__ = ["copy_project", "folder_bundle", "open_location"]

SECRET_NAME = ".landpark-secret"  # the folder's pseudonym key (reports/redact.py SECRET_FILE; layers does not import reports)


def _folder_secret(root: Path) -> bytes | None:
    """The folder project's pseudonym key (None when it has none yet); a damaged key file is an InputError."""
    path = Path(root) / SECRET_NAME
    if not path.exists():
        return None
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise InputError(f"{path}: the redaction key file is damaged", zh=f"{path}：脱敏密钥文件已损坏")
    return bytes.fromhex(text)


def open_location(location: Any) -> Project | PostgisProject:
    """An existing project: a PostgreSQL URL opens a PostgisProject, anything else a project folder."""
    if isinstance(location, (Project, PostgisProject)):
        return location
    if is_postgres_url(location):
        return PostgisProject.open(location)
    return Project.open(location)


def folder_bundle(project: Project) -> ProjectBundle:
    """Everything a project folder holds, as read from its files (layers and kept versions table by table)."""
    text = project.config_path.read_text(encoding="utf-8") if project.config_path.exists() else ""
    tables: dict[str, pd.DataFrame] = {}
    issues = None
    if project.gpkg.exists():
        for name, geometry_type in pyogrio.list_layers(project.gpkg):
            name = str(name)
            if name == VERSIONS_TABLE:
                continue
            if name == DATA_ISSUES:
                issues = pyogrio.read_dataframe(project.gpkg, layer=name, read_geometry=False).reindex(columns=ISSUE_COLUMNS)
                continue
            frame = pyogrio.read_dataframe(project.gpkg, layer=name, use_arrow=True, read_geometry=geometry_type is not None)
            if geometry_type is not None and frame.crs is None:
                frame = frame.set_crs(project.crs)
            tables[name] = frame
    try:
        raw = json.loads(project.mappings_path.read_text(encoding="utf-8"))
        mappings = raw if isinstance(raw, dict) else {}
    except (OSError, ValueError):
        mappings = {}
    rasters = {p.stem: p.read_bytes() for p in sorted((project.root / RASTER_DIR).glob("*.tif"))}
    return ProjectBundle(config_text=text, tables=tables, versions=versions_frame(project.gpkg), issues=issues,
                         mappings=mappings, rasters=rasters, secret=_folder_secret(project.root))


def _write_versions(path: Path, frame: pd.DataFrame) -> None:
    """The version list into a GeoPackage, typed as layers.project._record_versions writes it."""
    merged = frame.reindex(columns=VERSION_COLUMNS).copy()
    merged["version"] = pd.to_numeric(merged["version"]).astype("int64")
    merged["features"] = pd.to_numeric(merged["features"]).astype("int64")
    for column in ("imported_at", "valid_from", "source", "mode", "stored_as", "layer"):
        merged[column] = merged[column].astype(object).where(merged[column].notna(), None)
    pyogrio.write_dataframe(merged, path, layer=VERSIONS_TABLE, driver="GPKG", layer_options={"OVERWRITE": "YES"})


def write_folder_bundle(bundle: ProjectBundle, staging: Path) -> None:
    """Write a whole project folder from `bundle` into the empty folder `staging`."""
    (staging / CONFIG_NAME).write_text(bundle.config_text, encoding="utf-8")
    crs = load_config(staging / CONFIG_NAME).project.crs
    gpkg = staging / GPKG_NAME
    for name, frame in bundle.tables.items():
        _write_frame(gpkg, name, frame, crs)
    if len(bundle.versions):
        _write_versions(gpkg, bundle.versions)
    if bundle.issues is not None:
        _write_frame(gpkg, DATA_ISSUES, bundle.issues.reindex(columns=ISSUE_COLUMNS), crs)
    if bundle.mappings:
        (staging / MAPPINGS_NAME).write_text(mappings_json(bundle), encoding="utf-8")
    if bundle.rasters:
        (staging / RASTER_DIR).mkdir()
        for name, data in bundle.rasters.items():
            (staging / RASTER_DIR / f"{name}.tif").write_bytes(data)
    if bundle.secret is not None:  # mode 0600 from its creation, as reports/redact.py makes it
        fd = os.open(staging / SECRET_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(bundle.secret.hex() + "\n")


def _copy_into_folder(bundle: ProjectBundle, dest: Path, *, replace: bool) -> Project:
    """Build the folder beside `dest` and move it into place only when complete."""
    dest = dest.expanduser().absolute()
    if dest.exists() and not dest.is_dir():
        raise InputError(f"{dest}: exists and is not a folder", zh=f"{dest}：已存在且不是文件夹")
    occupied = dest.is_dir() and any(dest.iterdir())
    if occupied and not replace:
        raise InputError(f"{dest}: the folder is not empty; copy into a new folder or replace it",
                         zh=f"{dest}：文件夹不为空；请复制到新文件夹，或选择替换")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.copy-", dir=dest.parent))
    try:
        write_folder_bundle(bundle, staging)
        if dest.is_dir():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
            os.replace(dest, old / "project")  # both renames on one filesystem; the old copy goes last
            os.replace(staging, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, dest)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return Project.open(dest)


def copy_project(src: Any, dest: Any, *, replace: bool = False) -> Project | PostgisProject:
    """Copy the whole project at `src` (folder or PostgreSQL URL, or an open project) to `dest` (folder or URL).

    All or nothing: a failure leaves `dest` as it was. A destination that already holds a project (or a
    non-empty folder) is refused unless `replace`. Returns the project at `dest`."""
    source = open_location(src)
    bundle = source.bundle() if isinstance(source, PostgisProject) else folder_bundle(source)
    if isinstance(dest, PostgisProject) or is_postgres_url(dest):
        target = dest if isinstance(dest, PostgisProject) else PostgisProject(dest)
        if isinstance(source, PostgisProject) and source.url == target.url:
            raise InputError(f"{target.url}: source and destination are the same", zh=f"{target.url}：源与目标相同")
        target.load_bundle(bundle, replace=replace)
        return target
    folder = dest.root if isinstance(dest, Project) else Path(str(dest))
    if isinstance(source, Project) and folder.expanduser().resolve() == source.root.resolve():
        raise InputError(f"{folder}: source and destination are the same", zh=f"{folder}：源与目标相同")
    return _copy_into_folder(bundle, folder, replace=replace)
