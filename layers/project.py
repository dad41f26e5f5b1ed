"""The project folder: `project.gpkg` (all layers, one CRS), `rasters/`, `landpark.toml`.

Every write goes to a temporary copy that replaces the original only when the whole
write succeeded (`os.replace` is atomic on one filesystem), so a failed import or a
crash leaves each file of the project byte-identical to what it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from layers.config import CONFIG_NAME, Config, config_text_with, load_config
from layers.problems import InputError, Problem

GPKG_NAME = "project.gpkg"
RASTER_DIR = "rasters"
DATA_ISSUES = "data_issues"
ISSUE_COLUMNS = ["layer", "feature", "field", "severity", "code", "message", "value", "source"]


@contextlib.contextmanager
def atomic_path(target: Path, *, copy_existing: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `target`; move it over `target` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if copy_existing and target.exists():
            shutil.copy2(target, tmp)
        else:
            tmp.unlink()
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


class Project:
    """A Landpark project folder. Open with `Project.open(dir)`, create with `Project.create(dir)`."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.gpkg = self.root / GPKG_NAME
        self.config_path = self.root / CONFIG_NAME

    # ---- lifecycle -------------------------------------------------------------------
    @classmethod
    def create(cls, root: str | Path, *, region: str | None = None, year: int | None = None,
               crs: str | None = None, demo: bool = False) -> Project:
        """Create the folder and its `landpark.toml` (kept if present); the GeoPackage comes with the first layer."""
        project = cls(root)
        project.root.mkdir(parents=True, exist_ok=True)
        if not project.config_path.exists():
            text = config_text_with(region, year, demo=demo, crs=crs)
            with atomic_path(project.config_path) as tmp:
                tmp.write_text(text, encoding="utf-8")
        return project

    @classmethod
    def open(cls, root: str | Path) -> Project:
        """Open an existing project; a folder without `landpark.toml` or `project.gpkg` is refused."""
        project = cls(root)
        if not project.root.is_dir():
            raise InputError(f"{root}: no such project folder")
        if not project.config_path.exists() and not project.gpkg.exists():
            raise InputError(f"{root}: not a Landpark project (no {CONFIG_NAME} or {GPKG_NAME})")
        return project

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    @property
    def crs(self) -> str:
        return self.config.project.crs

    # ---- layers ----------------------------------------------------------------------
    def layer_names(self) -> list[str]:
        if not self.gpkg.exists():
            return []
        return [str(name) for name, _ in pyogrio.list_layers(self.gpkg)]

    def has_layer(self, kind: str) -> bool:
        return kind in self.layer_names()

    def read_layer(self, kind: str, *, columns: list[str] | None = None) -> gpd.GeoDataFrame:
        """Read one canonical layer; an absent layer is an InputError naming the project."""
        if not self.has_layer(kind):
            raise InputError(f"{self.root}: layer {kind!r} is not in the project "
                             f"(has: {', '.join(self.layer_names()) or 'none'})")
        frame = pyogrio.read_dataframe(self.gpkg, layer=kind, columns=columns, use_arrow=True)
        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None:
            frame = frame.set_crs(self.crs)
        return frame

    def read_table(self, name: str) -> pd.DataFrame:
        if not self.has_layer(name):
            return pd.DataFrame()
        return pyogrio.read_dataframe(self.gpkg, layer=name, read_geometry=False)

    def write_layers(self, layers: dict[str, pd.DataFrame], *, issues: list[Problem] | None = None,
                     replace_issues_for: list[str] | None = None) -> None:
        """Write several layers (and their data issues) in one atomic step."""
        with atomic_path(self.gpkg, copy_existing=True) as tmp:
            for name, frame in layers.items():
                _write_frame(tmp, name, frame, self.crs)
            if issues is not None:
                existing = _read_optional(tmp, DATA_ISSUES)
                keep_out = set(layers) if replace_issues_for is None else set(replace_issues_for)
                if len(existing):
                    existing = existing[~existing["layer"].isin(keep_out)]
                new = issues_frame(issues)
                merged = pd.concat([existing, new], ignore_index=True) if len(existing) else new
                _write_frame(tmp, DATA_ISSUES, merged.reindex(columns=ISSUE_COLUMNS), self.crs)

    def write_layer(self, kind: str, frame: pd.DataFrame, *, issues: list[Problem] | None = None,
                    keep_issues: bool = False) -> None:
        """Write one layer and replace its data issues (add to them with `keep_issues`, as an append does), atomically."""
        self.write_layers({kind: frame}, issues=issues, replace_issues_for=[] if keep_issues else [kind])

    def feature_count(self, kind: str) -> int:
        """Features (rows) of one layer; 0 when the layer is absent."""
        if not self.has_layer(kind):
            return 0
        return int(pyogrio.read_info(self.gpkg, layer=kind).get("features") or 0)

    def data_issues(self) -> pd.DataFrame:
        """Every warning kept at import: layer, feature, field, severity, code, message, value, source."""
        frame = self.read_table(DATA_ISSUES)
        return frame.reindex(columns=ISSUE_COLUMNS) if len(frame) else pd.DataFrame(columns=ISSUE_COLUMNS)

    # ---- rasters ---------------------------------------------------------------------
    def raster_path(self, name: str) -> Path:
        return self.root / RASTER_DIR / f"{name}.tif"

    def write_raster(self, name: str, array, transform, crs: str) -> Path:
        """Write a single-band float32 GeoTIFF atomically under `rasters/`."""
        import rasterio

        target = self.raster_path(name)
        with atomic_path(target) as tmp:
            with rasterio.open(tmp, "w", driver="GTiff", height=array.shape[0], width=array.shape[1], count=1,
                               dtype="float32", crs=crs, transform=transform, nodata=-9999.0,
                               compress="deflate", tiled=True) as dst:
                dst.write(array.astype("float32"), 1)
        return target

    # ---- identity --------------------------------------------------------------------
    def content_hash(self) -> str:
        """Hash of the project's files (size + mtime + name) — the cache key for analysis results."""
        digest = hashlib.sha256()
        for path in sorted([self.gpkg, self.config_path, *sorted((self.root / RASTER_DIR).glob("*.tif"))]):
            if path.exists():
                stat = path.stat()
                digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        return digest.hexdigest()[:16]


def issues_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as rows of the `data_issues` table."""
    rows = [{"layer": p.layer, "feature": p.feature, "field": p.field, "severity": p.severity, "code": p.code,
             "message": p.message, "value": "" if p.value is None else str(p.value), "source": p.source}
            for p in problems]
    return pd.DataFrame(rows, columns=ISSUE_COLUMNS)


def _read_optional(path: Path, layer: str) -> pd.DataFrame:
    if not path.exists() or layer not in [str(n) for n, _ in pyogrio.list_layers(path)]:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    return pyogrio.read_dataframe(path, layer=layer, read_geometry=False)


def _write_frame(path: Path, layer: str, frame: pd.DataFrame, crs: str) -> None:
    """Write one layer into a GeoPackage, replacing a layer of that name."""
    frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith("_")], errors="ignore")
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        if frame.crs is None:
            frame = frame.set_crs(crs)
        elif not frame.crs.equals(crs):
            frame = frame.to_crs(crs)
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", promote_to_multi=None,
                                layer_options={"OVERWRITE": "YES"})
    else:
        pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=layer, driver="GPKG",
                                layer_options={"OVERWRITE": "YES"})
