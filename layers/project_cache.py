"""A columnar cache of a project folder's big layers: GeoParquet under `<project>/.landpark-cache/`.

Decoding a GeoPackage layer of a million parcels (and their ellipsoidal areas, a reprojection of every vertex)
costs seconds on every `score` and every app start; the same rows come back from GeoParquet faster. project.gpkg
stays the one source of truth: an entry is a folder `<key>/<table>/` written by the one GeoParquet writer
(layers/geoparquet.py, atomic) where `<key>` is the project's content hash (`Project.content_hash`, which changes
with any write to project.gpkg or landpark.toml) and `<table>` the GeoPackage table read — `parcels`, or an
archived version such as `parcels__v1` — so a version is never served for another. Derived per-row columns (the
parcels' ellipsoidal areas) are kept the same way under `<table>.<name>/`, also keyed by the code that computes them.

Every failure is a miss: a cache of another format or software version, a partial or corrupt folder, a
read-only or full disk, a concurrent writer — the caller then reads project.gpkg as before, and a cache that
cannot be written costs one logged warning. Set LANDPARK_CACHE=0 to switch the cache off.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from layers import geoparquet as gp

__all__ = ["CACHE_DIR", "CACHE_FORMAT", "MIN_ROWS", "ENV_SWITCH", "enabled", "entry_folder", "load_table", "store_table",
           "cached_column", "clear"]

CACHE_DIR = ".landpark-cache"
CACHE_FORMAT = "landpark-project-cache/1"  # bump when what an entry holds changes: older entries are then misses
ENV_SWITCH = "LANDPARK_CACHE"  # "0", "off", "no" or "false" switch the cache off
MIN_ROWS = 10_000  # performance constant: smaller tables decode from the GeoPackage faster than a cache is written
CACHE_ROWS_PER_PARTITION = 100_000  # layout constant: bounds the memory a cache write takes beside the frame
CACHE_COMPRESSION = "lz4"  # layout constant: WKB hardly compresses; lz4 decodes faster than zstd for ~25 % more disk
# Entries are written without dictionary pages or statistics (write_layer(plain=True)): the cache is read whole, never
# filtered by value, and 1M parcels then write in 0.58 s instead of 0.84-1.12 s and read as fast (benchmark, stop 28).
STALE_TEMP_SECONDS = 3600  # a writer's temporary folder untouched this long was left by a killed process

_log = logging.getLogger(__name__)
_warned: set[str] = set()


def enabled() -> bool:
    """False when the environment switches the cache off (LANDPARK_CACHE=0/off/no/false)."""
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "off", "no", "false")


def _software() -> str:
    """Landpark's version and those of the libraries that decide what a read gives (types, geometry): an entry
    written under other versions is never trusted."""
    global _SOFTWARE
    if _SOFTWARE is None:
        import geopandas  # noqa: PLC0415
        import pyarrow  # noqa: PLC0415
        import pyogrio  # noqa: PLC0415
        import shapely  # noqa: PLC0415

        try:
            from importlib.metadata import version  # noqa: PLC0415

            own = version("landpark")
        except Exception:  # noqa: BLE001 - running from a source tree without metadata
            own = "source"
        _SOFTWARE = (f"landpark {own}; pyogrio {pyogrio.__version__}; gdal {pyogrio.__gdal_version_string__}; "
                     f"pandas {pd.__version__}; geopandas {geopandas.__version__}; pyarrow {pyarrow.__version__}; "
                     f"shapely {shapely.__version__}; numpy {np.__version__}")
    return _SOFTWARE


_SOFTWARE: str | None = None


def _warn_once(root: Path, what: str, exc: BaseException) -> None:
    """Log (once per project folder and process) that the cache could not be used; scoring goes on without it."""
    if str(root) in _warned:
        return
    _warned.add(str(root))
    _log.warning("landpark: the layer cache in %s could not be %s (%s); layers are read from project.gpkg",
                 root / CACHE_DIR, what, exc)


def entry_folder(root: Path, key: str, table: str) -> Path:
    """The cache folder of GeoPackage table `table` at project state `key`."""
    return Path(root) / CACHE_DIR / key / table


def _entry_meta(key: str, table: str, **extra: Any) -> dict[str, Any]:
    """What an entry must say about itself to be trusted: cache format, software, project state and table."""
    return {"cache": CACHE_FORMAT, "software": _software(), "project_hash": key, "table": table, **extra}


def _trusted(manifest: dict[str, Any], expected: dict[str, Any]) -> bool:
    """True when the manifest's meta carries every expected value."""
    meta = manifest.get("meta") or {}
    return all(meta.get(k) == v for k, v in expected.items())


def load_table(root: Path, key: str, table: str, columns: Sequence[str] | None = None) -> pd.DataFrame | None:
    """Table `table` from the cache as project.gpkg gave it at state `key` (only `columns` and the geometry when
    given, in the layer's order, as pyogrio reads them); None on any miss — absent, stale, foreign, damaged."""
    if not enabled():
        return None
    folder = entry_folder(root, key, table)
    if not folder.exists():
        return None
    try:
        manifest = gp.read_manifest(folder)
        frame = _checked_frame(folder, manifest, key, table, columns)
    except Exception:  # noqa: BLE001 - a damaged or foreign cache is a miss, never an error
        frame = None
    if frame is None:
        _discard(folder)  # so that it is written again
    return frame


def _checked_frame(folder: Path, manifest: dict[str, Any], key: str, table: str,
                   columns: Sequence[str] | None) -> pd.DataFrame | None:
    """The entry's frame when the manifest vouches for it and the rows and columns read agree with it, else None."""
    if not _trusted(manifest, _entry_meta(key, table)) or manifest.get("stringified"):
        return None  # stale, foreign, or a column Parquet could only hold as text (it would not come back the same)
    stored = list(manifest["columns"])
    geometry = manifest["geometry"]
    wanted = None
    if columns is not None:
        asked = set(columns)
        wanted = [c for c in stored if c in asked and c != geometry]
    frame = gp.read_layer(folder, columns=wanted)
    names = [c for c in stored if wanted is None or c in wanted or c == geometry]
    if len(frame) != manifest["rows"] or sorted(map(str, frame.columns)) != sorted(names):
        return None
    frame = frame[names].reset_index(drop=True)  # the GeoPackage's column order and RangeIndex
    if geometry:
        import geopandas as gpd  # noqa: PLC0415

        crs = (manifest.get("meta") or {}).get("crs_input")  # the CRS as the GeoPackage read gave it, not PROJJSON's
        frame = gpd.GeoDataFrame(frame, geometry=geometry, crs=frame.crs)
        if crs:
            frame = frame.set_crs(crs, allow_override=True)
    return frame


def _discard(folder: Path) -> None:
    """Remove a cache entry found unusable (renamed away first, so no reader sees it half removed)."""
    try:
        doomed = folder.with_name(f".{folder.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(folder, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
    except OSError:
        pass


def store_table(root: Path, key: str, table: str, frame: pd.DataFrame, *, min_rows: int | None = None,
                wkb: Callable[[], Any] | None = None) -> bool:
    """Keep `frame` (table `table` as read from project.gpkg at state `key`) in the cache; entries of other states
    are removed. Small tables are not kept. False when nothing was written (off, small, or the write failed).
    `wkb()`: a context giving the frame's geometries as WKB, a stream of arrays in row order read again from
    project.gpkg (None when it is no longer in state `key`; the stream raises if it changes while read): written
    as they are, so no geometry is encoded again."""
    if not enabled() or len(frame) < (MIN_ROWS if min_rows is None else min_rows):
        return False
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        return False  # not a frame as read: its index would not come back
    folder = entry_folder(root, key, table)
    try:
        if gp.is_layer_folder(folder):
            return False  # another process wrote it
        import geopandas as gpd  # noqa: PLC0415

        crs = frame.crs if isinstance(frame, gpd.GeoDataFrame) else None
        with wkb() if wkb is not None and crs is not None else nullcontext() as encoded:
            gp.write_layer(frame, folder, sort=False, rows_per_partition=CACHE_ROWS_PER_PARTITION, layer=table,
                           meta=_entry_meta(key, table, crs_input=crs.srs if crs is not None else None), digest=False,
                           replace=False, compression=CACHE_COMPRESSION, wkb=encoded, plain=True)
    except Exception as exc:  # noqa: BLE001 - read-only folder, disk full, a type Parquet cannot hold …
        _warn_once(Path(root), "written", exc)
        return False
    prune(root, keep=key)
    return True


def _code_key(parts: Sequence[str]) -> str:
    """A short hash of the source files and library versions a derived column is computed with."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def cached_column(root: Path | None, key: str | None, table: str | None, name: str, rows: int,
                  compute: Callable[[], np.ndarray], *, depends_on: Sequence[str] = (),
                  min_rows: int | None = None, unchanged: Callable[[], bool] = lambda: True) -> np.ndarray:
    """A per-row float column derived from table `table` at project state `key`: from the cache when an entry made
    with the same `depends_on` (source texts, library versions, CRS …) and `rows` exists, else `compute()`d and
    kept. Without a key (no cache for this store) it is just computed. `unchanged()` says the project is still in
    state `key` (the rows the column is for were read in it): otherwise nothing is taken from or kept in the cache."""
    if root is None or key is None or table is None or not enabled() or rows < (MIN_ROWS if min_rows is None else min_rows):
        return compute()
    code = _code_key(depends_on)
    entry = f"{table}.{name}.{code}"  # another computation of the same column is another entry
    expected = _entry_meta(key, entry, code=code, derived=name)
    folder = entry_folder(root, key, entry)
    if folder.exists():
        try:
            manifest = gp.read_manifest(folder)
            if _trusted(manifest, expected) and manifest["rows"] == rows:
                values = gp.read_layer(folder)[name].to_numpy(dtype=float)
                if len(values) == rows and unchanged():
                    return values
                if len(values) == rows:
                    return compute()  # the project changed meanwhile: the entry is not for the rows read
        except Exception:  # noqa: BLE001 - stale or damaged: computed below
            pass
        _discard(folder)
    values = np.asarray(compute(), dtype=float)
    if len(values) == rows and unchanged():
        try:
            gp.write_layer(pd.DataFrame({name: values}), folder, sort=False, rows_per_partition=max(rows, 1),
                           layer=entry, meta=expected, replace=False)
            prune(root, keep=key)
        except Exception as exc:  # noqa: BLE001 - the value is right; only keeping it failed
            _warn_once(Path(root), "written", exc)
    return values


def prune(root: Path, *, keep: str) -> None:
    """Remove the entries of other project states and what killed writers left; errors are ignored (a concurrent
    reader of a removed entry falls back to project.gpkg)."""
    base = Path(root) / CACHE_DIR
    try:
        children = list(base.iterdir())
    except OSError:
        return
    now = time.time()
    for child in children:
        if child.name == keep:
            for sub in _listing(child):  # temporaries of killed writers inside the live state
                if sub.name.startswith(".") and _age(sub, now) > STALE_TEMP_SECONDS:
                    shutil.rmtree(sub, ignore_errors=True)
            continue
        if child.name.startswith(".") and _age(child, now) <= STALE_TEMP_SECONDS:
            continue  # another process is removing it
        try:
            doomed = child
            if not child.name.startswith("."):  # renamed away first: no reader sees it half removed
                doomed = child.with_name(f".{child.name}.old-{uuid.uuid4().hex[:8]}")
                os.replace(child, doomed)
            if doomed.is_dir():
                shutil.rmtree(doomed, ignore_errors=True)
            else:
                doomed.unlink(missing_ok=True)
        except OSError:
            continue


def _listing(folder: Path) -> list[Path]:
    """The entries of `folder`, [] when it cannot be listed."""
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _age(path: Path, now: float) -> float:
    """Seconds since `path` was last modified (0 when it is gone)."""
    try:
        return now - path.stat().st_mtime
    except OSError:
        return 0.0


def clear(root: Path) -> None:
    """Remove the project's whole cache folder (it is rebuilt on the next read)."""
    shutil.rmtree(Path(root) / CACHE_DIR, ignore_errors=True)
