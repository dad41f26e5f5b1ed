"""Finding, creating and describing project folders, and remembering the recently used ones.

What the app's project switch calls (and a CLI could): `check_project_folder` says whether a path
is a Landpark project (it must hold `project.gpkg` or `landpark.toml`), `create_empty_project`
makes a new one, `project_summary` lists its settings and layers with feature counts, and
`recent_projects` / `remember_project` keep a short most-recent-first list in a small JSON file
($LANDPARK_RECENT_FILE, else `recent_projects.json` in the user's Landpark cache folder).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from layers.config import CONFIG_NAME
from layers.problems import InputError
from layers.project import DATA_ISSUES, GPKG_NAME, Project
from layers.schema import LAYERS
from layers.versions import is_internal_table

__all__ = ["ProjectFolderError", "ProjectSummary", "is_project_folder", "check_project_folder",
           "create_empty_project", "project_summary", "recent_file", "recent_projects", "remember_project"]

RECENT_ENV = "LANDPARK_RECENT_FILE"


class ProjectFolderError(InputError):
    """A path that cannot be opened or created as a project; `key`/`values` let a UI say why in its language."""

    def __init__(self, message: str, key: str, **values: object):
        super().__init__(message)
        self.key = key
        self.values = values


def _expand(path: str | Path) -> Path:
    text = str(path).strip().strip('"').strip("'")
    if not text:
        raise ProjectFolderError("no folder given", "empty")
    return Path(os.path.expandvars(text)).expanduser()


def is_project_folder(path: str | Path) -> bool:
    """True when `path` is a folder holding `project.gpkg` or `landpark.toml`."""
    p = Path(path)
    return p.is_dir() and ((p / GPKG_NAME).is_file() or (p / CONFIG_NAME).is_file())


def check_project_folder(path: str | Path) -> Path:
    """The absolute path of an existing project folder; ProjectFolderError saying what is wrong otherwise."""
    p = _expand(path)
    if not p.exists():
        raise ProjectFolderError(f"{p}: no such folder", "missing", path=str(p))
    if not p.is_dir():
        raise ProjectFolderError(f"{p}: not a folder", "not_folder", path=str(p))
    if not is_project_folder(p):
        raise ProjectFolderError(f"{p}: not a Landpark project (no {GPKG_NAME} or {CONFIG_NAME})", "not_project",
                                 path=str(p))
    return p.resolve()


def create_empty_project(path: str | Path, *, region: str | None = None, crs: str | None = None) -> Project:
    """Create a project with no layers in `path` (a new or existing folder); refuses a folder that already
    is a project, so nothing of an existing project is overwritten. The CRS defaults to landpark.toml's."""
    p = _expand(path)
    if p.exists() and not p.is_dir():
        raise ProjectFolderError(f"{p}: exists and is not a folder", "not_folder", path=str(p))
    if is_project_folder(p):
        raise ProjectFolderError(f"{p}: already a Landpark project; open it instead", "exists", path=str(p))
    if crs:
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            parsed = CRS.from_user_input(crs)
        except CRSError as exc:
            raise ProjectFolderError(f"{crs!r} is not a coordinate reference system: {exc}", "bad_crs", crs=crs) from None
        if not parsed.is_projected:
            raise ProjectFolderError(f"{crs!r} is not a projected CRS in metres", "bad_crs", crs=crs)
    try:
        return Project.create(p.resolve(), region=region or None, crs=crs or None)
    except OSError as exc:
        raise ProjectFolderError(f"{p}: cannot create the project: {exc.strerror or exc}", "cannot_create",
                                 path=str(p), reason=str(exc.strerror or exc)) from None


@dataclass
class ProjectSummary:
    """What a project holds: its settings and one row per layer (kind, feature count, geometry type)."""

    root: Path
    region: str
    year: int | None
    crs: str
    demo: bool
    layers: pd.DataFrame = field(default_factory=pd.DataFrame)  # layer, features, geometry_type; schema order
    issue_count: int = 0

    @property
    def feature_count(self) -> int:
        return int(self.layers["features"].sum()) if len(self.layers) else 0


def project_summary(project: Project) -> ProjectSummary:
    """Settings and layers of `project`; the `data_issues` table is counted apart from the layers, and the kept
    versions of layers (layers.versions) are not layers."""
    settings = project.config.project
    rows, issues = [], 0
    for name in project.layer_names():  # kept versions and their list are not layers (layers.versions)
        if is_internal_table(name):
            continue
        if name == DATA_ISSUES:
            issues = len(project.data_issues())
            continue
        info = project.layer_info(name)
        rows.append({"layer": name, "features": int(info.get("features") or 0),
                     "geometry_type": info.get("geometry_type") or ""})
    order = {kind: i for i, kind in enumerate(LAYERS)}
    layers = pd.DataFrame(rows, columns=["layer", "features", "geometry_type"])
    if len(layers):
        layers = layers.sort_values("layer", key=lambda s: s.map(lambda k: order.get(k, len(order)))).reset_index(drop=True)
    return ProjectSummary(root=project.root.resolve(), region=settings.region, year=settings.year, crs=settings.crs,
                          demo=settings.demo, layers=layers, issue_count=issues)


def recent_file() -> Path:
    """Where the recent-projects list lives: $LANDPARK_RECENT_FILE, else in the user's Landpark cache folder."""
    env = os.environ.get(RECENT_ENV)
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "landpark" / "recent_projects.json"


def recent_projects(*, limit: int = 8, path: Path | None = None) -> list[str]:
    """Recently opened project folders, most recent first; folders that are no longer projects are left out."""
    path = path or recent_file()
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(items, list):
        return []
    return [str(p) for p in items if isinstance(p, str) and is_project_folder(p)][:limit]


def remember_project(root: str | Path, *, limit: int = 8, path: Path | None = None) -> list[str]:
    """Put `root` first in the recent list (kept to `limit` entries) and return the list.

    A list that cannot be written (read-only home) is simply not kept: switching projects still works.
    """
    path = path or recent_file()
    root = str(Path(root).resolve())
    items = [root] + [p for p in recent_projects(limit=limit, path=path) if p != root]
    items = items[:limit]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    return items


def open_project(location: str | os.PathLike[str], *, check_in_background: bool = False) -> Project:
    """A project folder or a PostgreSQL URL (`postgresql://user@host:port/db?schema=NAME`; the password from
    PGPASSWORD or ~/.pgpass, never the URL), opened. `check_in_background`: see `Project.open` (a folder's
    GeoPackage is then checked while the caller reads; `load_inputs` waits for it)."""
    from layers.postgis import is_postgres_url

    if is_postgres_url(location):
        from layers.pg_project import PostgisProject

        return PostgisProject.open(os.fspath(location))  # type: ignore[return-value]  # the same interface as Project
    return Project.open(os.fspath(location), check_in_background=check_in_background)
