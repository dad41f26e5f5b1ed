"""The project folder: `project.gpkg` (all layers, one CRS), `rasters/`, `landpark.toml`.

Every write goes to a temporary copy that replaces the original only when the whole
write succeeded (`os.replace` is atomic on one filesystem), so a failed import or a
crash leaves each file of the project byte-identical to what it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from layers import project_cache
from layers.config import CONFIG_NAME, Config, config_text_with, load_config
from layers.problems import InputError, Problem
from layers.versions import (
    VERSION_COLUMNS,
    VERSIONS_TABLE,
    VersionNote,
    archive_name,
    is_internal_table,
    list_versions,
    version_for,
    versions_frame,
)

GPKG_NAME = "project.gpkg"
MAPPINGS_NAME = "field_mappings.json"  # the field mapping used by the last import of each layer kind
RASTER_DIR = "rasters"
DATA_ISSUES = "data_issues"
ISSUE_COLUMNS = ["layer", "feature", "field", "severity", "code", "message", "value", "source", "message_zh"]


INCOMPLETE_MARKER = ".landpark-import-incomplete"
STALE_UNLOCKED_SECONDS = 3600  # a temp file without lock file (older versions) is stale after an hour untouched
_SQLITE_COMPANIONS = ("-journal", "-wal", "-shm")


def _try_lock(path: Path) -> Any:
    """An open file holding an exclusive lock on `path`, or None when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; stale files are then judged by age only
        return open(path, "a+b")
    handle = open(path, "a+b")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove the temporary copies (and their SQLite journals) a killed write left beside `target`.

    A live write holds an exclusive lock on `<temp>.lock` for as long as it runs, and the kernel drops the lock
    when its process dies: a temp whose lock can be taken is stale. A temp without lock file is removed only
    when untouched for an hour."""
    removed: list[Path] = []
    folder = target.parent
    if not folder.is_dir():
        return removed
    prefix = f".{target.name}."
    for lock in folder.glob(glob.escape(prefix) + "*.lock"):
        handle = _try_lock(lock)
        if handle is None:
            continue
        try:
            tmp = lock.with_name(lock.name[: -len(".lock")])
            for path in (tmp, *(tmp.with_name(tmp.name + c) for c in _SQLITE_COMPANIONS)):
                if path.exists():
                    path.unlink()
                    removed.append(path)
            lock.unlink(missing_ok=True)
        finally:
            handle.close()
    now = time.time()
    for path in folder.glob(glob.escape(prefix) + "*"):
        base = path.name
        for c in _SQLITE_COMPANIONS:
            base = base[: -len(c)] if base.endswith(c) else base
        if base.endswith(".lock") or (folder / (base + ".lock")).exists() or not path.is_file():
            continue
        try:
            if now - path.stat().st_mtime > STALE_UNLOCKED_SECONDS:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


@contextlib.contextmanager
def atomic_path(target: Path, *, copy_existing: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `target`; move it over `target` only if the block succeeds.

    Stale temporaries of a killed earlier write are removed first; this write's own temp is marked live by
    a lock on `<temp>.lock` (see remove_stale_temps)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    lock_path = tmp.with_name(tmp.name + ".lock")
    lock = _try_lock(lock_path)
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
        for c in _SQLITE_COMPANIONS:
            tmp.with_name(tmp.name + c).unlink(missing_ok=True)
        lock_path.unlink(missing_ok=True)
        if lock is not None:
            lock.close()


# project.gpkg files found sound by check_integrity: path → (size, mtime) when checked.
_SOUND_FILES: dict[str, tuple[int, int]] = {}
# project.gpkg's layer list and version table, per file, with the content hash they were read at: read once per
# state of the file, not per call (GDAL opens the file for every list, ~15 ms; one comparison of two years asked
# for it 104 times)
_GPKG_META: dict[tuple[str, str], tuple[str, Any]] = {}

class Project:
    """A Landpark project folder. Open with `Project.open(dir)`, create with `Project.create(dir)`."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.gpkg = self.root / GPKG_NAME
        self.config_path = self.root / CONFIG_NAME
        self._pending_check: tuple[threading.Thread, list[str]] | None = None  # see _start_integrity_check

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
    def open(cls, root: str | Path, *, check_in_background: bool = False) -> Project:
        """Open an existing project; a folder without `landpark.toml` or `project.gpkg` is refused, and so is a
        damaged project.gpkg (`check_integrity`).

        `check_in_background`: a file that is not SQLite is still refused here, but SQLite's whole-file check runs
        on a thread of its own while the caller reads; the caller must then call `wait_until_checked()` before it
        uses anything it read (analysis.inputs.load_inputs does)."""
        project = cls(root)
        if not project.root.is_dir():
            raise InputError(f"{root}: no such project folder", zh=f"{root}：项目文件夹不存在")
        if not project.config_path.exists() and not project.gpkg.exists():
            raise InputError(f"{root}: not a Landpark project (no {CONFIG_NAME} or {GPKG_NAME})",
                             zh=f"{root}：不是 Landpark 项目（缺少 {CONFIG_NAME} 或 {GPKG_NAME}）")
        if (project.root / INCOMPLETE_MARKER).exists() and not project.gpkg.exists():
            raise InputError(f"{root}: incomplete project: the import that was creating it was interrupted and "
                             f"{GPKG_NAME} was never written; import the first layer again (the folder is reused)",
                             zh=f"{root}：项目不完整：创建它的导入被中断，{GPKG_NAME} 未写入；"
                                "请重新导入第一个图层（沿用该文件夹）")
        project.remove_stale_temps()
        if check_in_background:
            project._start_integrity_check()
        else:
            project.check_integrity()
        return project

    def remove_stale_temps(self) -> list[Path]:
        """Remove what a killed write left in the folder (temp copies, SQLite journals, lock files); a write
        still running holds its lock and is left alone. A read-only folder is left as it is."""
        removed: list[Path] = []
        for target in (self.gpkg, self.root / MAPPINGS_NAME, self.config_path):
            try:
                removed += remove_stale_temps(target)
            except OSError:
                continue
        return removed

    def check_integrity(self) -> None:
        """A damaged project.gpkg (overwritten, cut, not SQLite) is refused before anything reads it.

        SQLite's quick_check reads the whole file, so a file already found sound is not checked again in this
        process until its size or modification time changes (the app opens the project on every rerun)."""
        self._raise_if_damaged(self._integrity_problem())

    def _integrity_problem(self, *, header_only: bool = False) -> str:
        """What is wrong with project.gpkg ("" when sound, or not checked beyond its header with `header_only`);
        a file found sound is remembered in _SOUND_FILES."""
        if not self.gpkg.exists():
            return ""
        stat = self.gpkg.stat()
        signature = (stat.st_size, stat.st_mtime_ns)
        if _SOUND_FILES.get(str(self.gpkg.resolve())) == signature:
            return ""
        problem = ""
        try:
            with open(self.gpkg, "rb") as f:
                head = f.read(16)
            if head != b"SQLite format 3\x00":
                return "it is not an SQLite/GeoPackage file (wrong header)"
            if header_only:
                return ""
            con = sqlite3.connect(f"file:{self.gpkg}?mode=ro", uri=True)
            try:
                rows = con.execute("PRAGMA quick_check").fetchall()
                if [r[0] for r in rows] != ["ok"]:
                    problem = "SQLite integrity check failed: " + "; ".join(str(r[0]) for r in rows[:3])
                else:
                    problem = _geopackage_structure_problem(con)
            finally:
                con.close()
        except (sqlite3.Error, OSError) as exc:
            problem = f"SQLite cannot read it ({exc})"
        if not problem:
            _SOUND_FILES[str(self.gpkg.resolve())] = signature
        return problem

    def _raise_if_damaged(self, problem: str) -> None:
        if problem:
            raise InputError(f"{self.gpkg}: the project's GeoPackage is damaged: {problem}; restore it from a backup "
                             "or re-import the layers into a new project folder",
                             zh=f"{self.gpkg}：项目的 GeoPackage 已损坏：{problem}；"
                                "请从备份恢复，或将各图层重新导入新的项目文件夹")

    def _start_integrity_check(self) -> None:
        """Refuse a file that is not SQLite now; run the rest of `check_integrity` (a read of the whole file, which
        SQLite does without the GIL) on a thread while the caller reads."""
        self._raise_if_damaged(self._integrity_problem(header_only=True))
        outcome: list[str] = []
        thread = threading.Thread(target=lambda: outcome.append(self._integrity_problem()), daemon=True,
                                  name="landpark-integrity")
        thread.start()
        self._pending_check = (thread, outcome)

    def wait_until_checked(self) -> None:
        """Wait for a check started by `open(check_in_background=True)`; InputError if project.gpkg is damaged
        (then nothing read from it may be used). Returns at once when no check is pending."""
        pending = self._pending_check
        if pending is None:
            return
        thread, outcome = pending
        thread.join()
        self._pending_check = None
        self._raise_if_damaged(outcome[0] if outcome else "the integrity check did not finish")

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    @property
    def crs(self) -> str:
        return self.config.project.crs

    # ---- field mappings --------------------------------------------------------------
    @property
    def mappings_path(self) -> Path:
        return self.root / MAPPINGS_NAME

    def saved_mapping(self, kind: str) -> dict[str, str]:
        """The field mapping last used to import layer `kind` ({source column: field, "" = ignored}); {} if none.

        An unreadable file counts as no saved mapping: it only pre-fills the next import."""
        try:
            data = json.loads(self.mappings_path.read_text(encoding="utf-8"))
            entry = data.get(kind, {}) if isinstance(data, dict) else {}
            mapping = entry.get("mapping", {}) if isinstance(entry, dict) else {}
        except (OSError, ValueError):
            return {}
        return {str(c): str(f or "") for c, f in mapping.items()} if isinstance(mapping, dict) else {}

    def save_mapping(self, kind: str, mapping: dict[str, str], *, source: str = "") -> None:
        """Keep the field mapping an import of `kind` used, for the next import of that kind (atomic write)."""
        try:
            data = json.loads(self.mappings_path.read_text(encoding="utf-8"))
            data = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            data = {}
        data[kind] = {"mapping": dict(mapping), "source": source}
        with atomic_path(self.mappings_path) as tmp:
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")

    # ---- layers ----------------------------------------------------------------------
    def layer_names(self) -> list[str]:
        """The project's layers (and its data_issues table); kept versions and their list are not layers."""
        if not self.gpkg.exists():
            return []
        try:
            return list(self._gpkg_meta("layers", lambda: [str(name) for name, _ in pyogrio.list_layers(self.gpkg)
                                                            if not is_internal_table(str(name))]))
        except (RuntimeError, OSError) as exc:  # pyogrio's DataSourceError is a RuntimeError
            raise InputError(f"{self.gpkg}: the project's GeoPackage is damaged: GDAL cannot open it ({exc}); "
                             "restore it from a backup or re-import the layers into a new project folder",
                             zh=f"{self.gpkg}：项目的 GeoPackage 已损坏：GDAL 无法打开（{exc}）；"
                                "请从备份恢复，或将各图层重新导入新的项目文件夹") from None

    def has_layer(self, kind: str) -> bool:
        return kind in self.layer_names()

    def read_layer(self, kind: str, *, columns: list[str] | None = None, version: int | None = None,
                   as_of: dt.date | None = None, cache: bool = False,
                   then: Callable[[pd.DataFrame], None] | None = None,
                   keep_in: Executor | None = None) -> gpd.GeoDataFrame:
        """Read one canonical layer: its current version, version number `version`, or the version in force on
        `as_of` (layers.versions.version_for). An absent layer is an InputError naming the project.

        `columns` limits the attributes read (the geometry always comes; unknown names are ignored, as pyogrio
        does). `cache`: serve a big table from the project's columnar cache (layers/project_cache.py) and keep it
        there when read from project.gpkg; the frame is the same either way. `then(frame)` is called with the frame
        as soon as it is read, before it is kept in the cache, so the caller can start work on it meanwhile.
        `keep_in`: an executor that keeps the frame in the cache while the caller goes on (the caller waits for it,
        e.g. by leaving the executor's `with` block); by default it is kept before this returns."""
        table = self.layer_table(kind, version=version, as_of=as_of)
        if cache and project_cache.enabled():
            return self._read_cached(table, columns, then or (lambda _frame: None), keep_in)
        frame = self._with_crs(pyogrio.read_dataframe(self.gpkg, layer=table, columns=columns, use_arrow=True))
        if then is not None:
            then(frame)
        return frame

    def _with_crs(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` with the project's CRS when it is a GeoDataFrame without one."""
        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None:
            return frame.set_crs(self.crs)
        return frame

    def layer_table(self, kind: str, *, version: int | None = None, as_of: dt.date | None = None) -> str:
        """The GeoPackage table holding layer `kind` (its current one, or the archived `<kind>__v<N>` of a version)."""
        if not self.has_layer(kind):
            raise InputError(f"{self.root}: layer {kind!r} is not in the project "
                             f"(has: {', '.join(self.layer_names()) or 'none'})",
                             zh=f"{self.root}：项目中没有图层 {kind!r}（现有：{'、'.join(self.layer_names()) or '无'}）")
        if version is None and as_of is None:
            return kind
        return str(version_for(self.versions(), kind, version=version, as_of=as_of)[0]["stored_as"])

    def _read_cached(self, table: str, columns: list[str] | None, then: Callable[[pd.DataFrame], None],
                     keep_in: Executor | None = None) -> pd.DataFrame:
        """Table `table` from the columnar cache, else from project.gpkg (all columns, kept in the cache when the
        project did not change during the read, then narrowed to `columns` as pyogrio would; on `keep_in` when
        given); `then(frame)` as soon as the frame is read."""
        key = self.content_hash()
        frame = project_cache.load_table(self.root, key, table, columns)
        if frame is not None:
            frame = self._with_crs(frame)
            then(frame)
            return frame
        if int(pyogrio.read_info(self.gpkg, layer=table).get("features") or 0) < project_cache.MIN_ROWS:
            frame = self._with_crs(pyogrio.read_dataframe(self.gpkg, layer=table, columns=columns, use_arrow=True))
            then(frame)
            return frame
        whole = self._with_crs(pyogrio.read_dataframe(self.gpkg, layer=table, use_arrow=True))
        frame = whole
        if columns is not None:
            asked = set(columns)
            geometry = whole.geometry.name if isinstance(whole, gpd.GeoDataFrame) else None
            frame = whole[[c for c in whole.columns if c in asked or c == geometry]]
        then(frame)
        # Kept even while a background integrity check still runs: an entry of a damaged file is never served, as
        # every open of it is refused (at once, or before load_inputs returns).
        if self.content_hash() == key:  # what was read is the state `key` names
            # a shallow copy: columns the caller adds to its frame meanwhile are not kept (copy-on-write)
            keep = functools.partial(project_cache.store_table, self.root, key, table, whole.copy(deep=False),
                                     wkb=lambda: self._wkb_at(table, key))
            if keep_in is None:
                keep()
            else:
                keep_in.submit(keep)
        return frame

    @contextlib.contextmanager
    def _wkb_at(self, table: str, key: str) -> Iterator[Iterator[Any] | None]:
        """Table `table`'s geometries as GDAL reads them: a stream of WKB arrays in feature order (the GIL is
        released while reading), or None when project.gpkg is no longer in state `key`. The stream raises
        ValueError at its end if the file changed while it was read, so nothing is kept of a moving target."""
        if self.content_hash() != key:
            yield None
            return
        with pyogrio.open_arrow(self.gpkg, layer=table, columns=[], use_pyarrow=True,
                                batch_size=project_cache.CACHE_ROWS_PER_PARTITION) as (meta, reader):
            if reader.schema.names != [meta["geometry_name"]]:
                yield None
                return

            def batches() -> Iterator[Any]:
                for batch in reader:
                    yield batch.column(0)
                if self.content_hash() != key:
                    raise ValueError(f"{self.gpkg} changed while its {table} geometries were read for the cache")

            yield batches()

    def versions(self) -> pd.DataFrame:
        """Every kept version of every layer, oldest first (layers.versions.list_versions)."""
        if not self.gpkg.exists():
            return pd.DataFrame(columns=[*VERSION_COLUMNS, "current"])
        from layers.schema import LAYERS

        def read() -> pd.DataFrame:
            table = list_versions(self.gpkg, [n for n in self.layer_names() if n != DATA_ISSUES])
            order = {kind: i for i, kind in enumerate(LAYERS)}
            rank = table["layer"].map(order).fillna(len(order))
            return table.assign(_rank=rank).sort_values(["_rank", "version"], kind="stable").drop(columns="_rank") \
                .reset_index(drop=True)

        return self._gpkg_meta("versions", read).copy()

    def _gpkg_meta(self, what: str, read: Callable[[], Any]) -> Any:
        """`read()`, or what it gave for this project.gpkg in its current state (content hash); a value read while
        the file changed is not kept."""
        key, state = (str(self.gpkg), what), self.content_hash()
        kept = _GPKG_META.get(key)
        if kept is not None and kept[0] == state:
            return kept[1]
        value = read()
        if self.content_hash() == state:
            _GPKG_META[key] = (state, value)
        return value

    def version_note(self, kind: str, as_of: dt.date) -> tuple[int, str]:
        """The version of `kind` in force on `as_of` and a note when none was (the earliest is then used)."""
        row, note = version_for(self.versions(), kind, as_of=as_of)
        return int(row["version"]), note

    def read_table(self, name: str) -> pd.DataFrame:
        if not self.has_layer(name):
            return pd.DataFrame()
        return pyogrio.read_dataframe(self.gpkg, layer=name, read_geometry=False)

    def write_layers(self, layers: dict[str, pd.DataFrame], *, issues: list[Problem] | None = None,
                     replace_issues_for: list[str] | None = None, versions: dict[str, VersionNote] | None = None) -> None:
        """Write several layers (and their data issues) in one atomic step.

        Each layer kind written becomes a new version (`versions` says when it is in force from and where it
        came from; default: from today, source unnamed); the features it replaces are kept (layers.versions)."""
        from layers.schema import LAYERS

        with atomic_path(self.gpkg, copy_existing=True) as tmp:
            kept = [k for k in layers if k in LAYERS]
            if kept:
                _record_versions(tmp, {k: layers[k] for k in kept}, versions or {}, self.crs)
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
                    keep_issues: bool = False, version: VersionNote | None = None) -> None:
        """Write one layer as its new version and replace its data issues (add to them with `keep_issues`, as an
        append does), atomically."""
        self.write_layers({kind: frame}, issues=issues, replace_issues_for=[] if keep_issues else [kind],
                          versions=None if version is None else {kind: version})

    def layer_info(self, kind: str) -> dict[str, Any]:
        """GDAL's description of one layer (features, geometry_type, total_bounds, fields …), as pyogrio gives it."""
        return dict(pyogrio.read_info(self.gpkg, layer=kind))

    def feature_count(self, kind: str) -> int:
        """Features (rows) of one layer; 0 when the layer is absent."""
        if not self.has_layer(kind):
            return 0
        return int(pyogrio.read_info(self.gpkg, layer=kind).get("features") or 0)

    def data_issues(self) -> pd.DataFrame:
        """Every warning kept at import: layer, feature, field, severity, code, message, value, source, message_zh
        (the message in Chinese; empty in issues recorded before it existed)."""
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
        """Hash of the project's files — the cache key for analysis results and the layer cache.

        Per file: name, size, modification and change times (ns) and inode, so a rewrite (a new file moved in), an
        edit in place, or a copy back with its old mtime all change it; for project.gpkg also SQLite's change
        counter and schema cookie (header bytes 24-27, 40-43, bumped by every committed write) and the size and
        time of a `-wal` file (a GIS editing in WAL mode leaves project.gpkg untouched until a checkpoint)."""
        digest = hashlib.sha256()
        wal = self.gpkg.with_name(self.gpkg.name + "-wal")
        for path in sorted([self.gpkg, wal, self.config_path, *sorted((self.root / RASTER_DIR).glob("*.tif"))]):
            try:
                stat = path.stat()
            except OSError:
                continue
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}".encode())
            if path == self.gpkg:
                try:
                    with open(path, "rb") as f:
                        head = f.read(100)
                    digest.update(head[24:28] + head[40:44])
                except OSError:
                    pass
        return digest.hexdigest()[:16]


def _record_versions(path: Path, layers: dict[str, pd.DataFrame], notes: dict[str, VersionNote], crs: str) -> None:
    """Before `layers` replace their tables in the GeoPackage at `path`: keep each replaced table as an archived
    version and list the new versions in `layer_versions` (layers written before versions were kept become
    version 1, in force since always)."""
    present = {str(n) for n, _ in pyogrio.list_layers(path)} if path.exists() else set()
    table = versions_frame(path)
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    rows = [table] if len(table) else []
    for kind, frame in layers.items():
        mine = table[table["layer"] == kind] if len(table) else table
        last = int(mine["version"].max()) if len(mine) else 0
        if kind in present:
            if not len(mine):  # written before versions were kept
                count = int(pyogrio.read_info(path, layer=kind).get("features") or 0)
                rows.append(pd.DataFrame([{"layer": kind, "version": 1, "imported_at": None, "valid_from": None,
                                           "source": "", "mode": "", "features": count, "stored_as": kind}]))
                last = 1
            old = pyogrio.read_dataframe(path, layer=kind, use_arrow=True)
            _write_frame(path, archive_name(kind, last), old, crs)
            for part in rows:
                part.loc[(part["layer"] == kind) & (part["version"] == last), "stored_as"] = archive_name(kind, last)
        note = notes.get(kind, VersionNote())
        # undated: a layer's first version is in force since always (nothing earlier is known), a later one from today
        start = note.valid_from or (None if last == 0 else dt.date.today().isoformat())
        rows.append(pd.DataFrame([{"layer": kind, "version": last + 1, "imported_at": now, "valid_from": start,
                                   "source": note.source, "mode": note.mode, "features": len(frame), "stored_as": kind}]))
    merged = pd.concat(rows, ignore_index=True).reindex(columns=VERSION_COLUMNS)
    merged["version"] = merged["version"].astype("int64")
    merged["features"] = pd.to_numeric(merged["features"]).astype("int64")
    for column in ("imported_at", "valid_from", "source", "mode", "stored_as", "layer"):
        merged[column] = merged[column].astype(object).where(merged[column].notna(), None)
    pyogrio.write_dataframe(merged, path, layer=VERSIONS_TABLE, driver="GPKG", layer_options={"OVERWRITE": "YES"})


def _geopackage_structure_problem(con: sqlite3.Connection) -> str:
    """What makes a sound SQLite file not a usable GeoPackage ("" when nothing): its gpkg_* tables are missing,
    or a layer listed in gpkg_contents has no table."""
    tables = {str(r[0]) for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    missing = [t for t in ("gpkg_spatial_ref_sys", "gpkg_contents") if t not in tables]
    if missing:
        return f"it is an SQLite file but not a GeoPackage (no {' or '.join(missing)} table)"
    listed = [str(r[0]) for r in con.execute("SELECT table_name FROM gpkg_contents")]
    lost = [t for t in listed if t not in tables]
    if lost:
        return f"layer(s) {', '.join(lost)} listed in gpkg_contents but their table is missing"
    return ""


def issues_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as rows of the `data_issues` table."""
    rows = [{"layer": p.layer, "feature": p.feature, "field": p.field, "severity": p.severity, "code": p.code,
             "message": p.message, "value": "" if p.value is None else str(p.value), "source": p.source,
             "message_zh": p.message_zh}
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
