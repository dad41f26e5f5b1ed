"""Write the generated demo district as a complete project folder (layers, DEM, toml)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from layers.demo.assemble import build_demo_layers
from layers.demo.dem import build_demo_dem
from layers.demo.terrain import DEMO_CRS
from layers.project import Project
from spatial.errors import InputError

DEMO_REGION = "甬江示范区（虚构）"
DEMO_YEAR = 2025


def build_demo_project(root: str | Path, *, seed: int = 20251231,
                       progress: Callable[[str], None] | None = None) -> Project:
    """Generate the demo district into `root`; built in a temporary folder and moved in whole."""
    say = progress or (lambda _msg: None)
    root = Path(root)
    if (root / "project.gpkg").exists():
        raise InputError(f"{root}: a project already exists there; remove it or choose another folder")
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    try:
        say("generating layers…")
        layers = build_demo_layers(seed)
        project = Project.create(staging, region=DEMO_REGION, year=DEMO_YEAR, crs=DEMO_CRS, demo=True)
        say("writing project.gpkg…")
        project.write_layers(layers, issues=[])
        say("generating DEM…")
        array, transform, crs = build_demo_dem(layers, seed)
        project.write_raster("dem", array, transform, crs)
        if root.exists():
            for item in staging.iterdir():
                os.replace(item, root / item.name)
            staging.rmdir()
        else:
            os.replace(staging, root)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return Project.open(root)


def default_demo_dir() -> Path:
    """Where the app builds the demo when no project is given: $LANDPARK_DEMO_DIR or the user cache."""
    env = os.environ.get("LANDPARK_DEMO_DIR")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "landpark" / "demo"


def ensure_demo(root: str | Path | None = None) -> Project:
    """Open the demo project, building it first when missing."""
    root = Path(root) if root else default_demo_dir()
    if (root / "project.gpkg").exists():
        return Project.open(root)
    return build_demo_project(root)
