"""The one GeoParquet writer and reader: a layer as a folder of spatially partitioned GeoParquet files.

A layer folder holds `part.00000.parquet`, `part.00001.parquet`, … and a manifest `_landpark.json`
(format, rows, CRS, columns, one bounding box per partition, the caller's `meta` such as a cache key).
Rows are sorted along a Hilbert curve over their bounding-box centres and cut into partitions of equal
row counts, so each partition covers a compact patch of the district; within a file, row groups of
ROW_GROUP_ROWS rows keep the same order. Every row carries `_row`, its position in the frame written, so
a reader gets the original order back and a partitioned computation can map results to positions.
Writes are atomic: the folder is built beside its target under a temporary name, then renamed over it.
Used by `landpark export-parquet`, the dask evaluation (analysis/partitioned.py) and the project cache.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

__all__ = ["FORMAT", "MANIFEST", "ROW_COLUMN", "hilbert_order", "geometry_digest", "write_layer", "read_layer", "read_manifest",
           "partition_paths", "is_layer_folder", "write_project", "read_project_manifest"]

FORMAT = "landpark-geoparquet/1"  # bump when the layout changes: a reader refuses folders of another format
MANIFEST = "_landpark.json"
ROW_COLUMN = "_row"
ROWS_PER_PARTITION = 100_000  # layout constant: ~10-40 MB of WKB per file, a few seconds of overlay per task
ROW_GROUP_ROWS = 10_000  # layout constant: row-group size inside a partition file (bbox reads skip whole groups)
HILBERT_LEVEL = 16  # curve order: 65,536 cells per side, ~1 m cells over a 60 km district


def _hilbert_index(x: np.ndarray, y: np.ndarray, level: int) -> np.ndarray:
    """Distance along a Hilbert curve of order `level` for integer cell coordinates in [0, 2**level)."""
    n = 1 << level
    x, y = x.astype(np.int64), y.astype(np.int64)
    d = np.zeros(len(x), dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        # rotate the quadrant so the sub-curve is in standard orientation
        flip = ~ry & rx
        x = np.where(flip, n - 1 - x, x)
        y = np.where(flip, n - 1 - y, y)
        swap = ~ry
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        s >>= 1
    return d


def hilbert_order(geometries: Any, level: int = HILBERT_LEVEL) -> np.ndarray:
    """Stable permutation sorting geometries along a Hilbert curve of their bbox centres; missing/empty last."""
    geoms = np.asarray(gpd.GeoSeries(geometries).to_numpy() if not isinstance(geometries, np.ndarray) else geometries,
                       dtype=object)
    bounds = shapely.bounds(geoms)
    ok = np.isfinite(bounds).all(axis=1)
    key = np.full(len(geoms), np.iinfo(np.int64).max, dtype=np.int64)
    if ok.any():
        cx = (bounds[ok, 0] + bounds[ok, 2]) / 2
        cy = (bounds[ok, 1] + bounds[ok, 3]) / 2
        cells = (1 << level) - 1

        def scaled(v: np.ndarray) -> np.ndarray:
            span = v.max() - v.min()
            return np.zeros(len(v)) if span <= 0 else np.floor((v - v.min()) / span * cells)

        key[ok] = _hilbert_index(scaled(cx), scaled(cy), level)
    return np.argsort(key, kind="stable")


def geometry_digest(geometries: Any) -> str:
    """SHA-256 of the geometries' WKB in order (missing ones as empty): tells whether a folder holds these shapes."""
    import hashlib  # noqa: PLC0415

    geoms = np.asarray(geometries, dtype=object)
    wkb = shapely.to_wkb(geoms)
    blobs = [b if b is not None else b"" for b in wkb.tolist()]
    digest = hashlib.sha256(np.array([len(b) for b in blobs], dtype=np.int64).tobytes())
    digest.update(b"".join(blobs))
    return digest.hexdigest()


def _replace_dir(tmp: Path, target: Path, *, replace: bool = True) -> bool:
    """Move the finished folder `tmp` over `target` (renames only; the old one is removed afterwards).

    With `replace=False` an existing `target` is kept (a concurrent writer got there first, with the same content)
    and False returned; `tmp` is then left for the caller to remove."""
    if not replace:
        try:
            os.rename(tmp, target)  # fails on an existing non-empty folder: never overwrites
        except OSError:
            if target.exists():
                return False
            raise
        return True
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return True


def _temp_dir(target: Path) -> Path:
    """A fresh temporary folder beside `target` (same file system, so the final rename is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    return tmp


def _arrow_safe(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Object columns Arrow cannot type (mixed str/number) as strings, None kept; returns the columns changed."""
    changed = []
    out = frame
    for column in frame.columns:
        if frame[column].dtype != object:  # the geometry column has its own dtype
            continue
        try:
            pa.array(frame[column], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            if out is frame:
                out = frame.copy()
            values = frame[column]
            out[column] = values.where(values.isna(), values.astype(str))
            changed.append(str(column))
    return out, changed


def _partition_bounds(parts: list[gpd.GeoDataFrame]) -> list[list[float] | None]:
    """Each partition's total bounds [minx, miny, maxx, maxy], None when it holds no geometry."""
    out: list[list[float] | None] = []
    for part in parts:
        b = part.geometry.total_bounds if len(part) else np.full(4, np.nan)
        out.append([float(v) for v in b] if np.isfinite(b).all() else None)
    return out


def _wkb_piece(piece: pd.DataFrame, wkb: pa.ChunkedArray, geometry: str, crs: Any) -> pa.Table:
    """A GeoParquet table of `piece` whose geometries are given already encoded (`wkb`, the piece's rows in
    order): its attributes converted by Arrow, the WKB column as it is, GeoParquet 1.0 metadata."""
    table = pa.Table.from_pandas(pd.DataFrame(piece.drop(columns=geometry)), preserve_index=False)
    table = table.append_column(pa.field(geometry, pa.binary()), wkb.cast(pa.binary()))
    geo = {"version": "1.0.0", "primary_column": geometry, "creator": {"library": "landpark"},
           "columns": {geometry: {"encoding": "WKB", "geometry_types": [],
                                  "crs": crs.to_json_dict() if crs is not None else None}}}
    return table.replace_schema_metadata({**(table.schema.metadata or {}), b"geo": json.dumps(geo).encode()})


class _Rows:
    """Consecutive runs of rows from a stream of Arrow arrays (batches as a reader gives them)."""

    def __init__(self, stream: Iterable[pa.Array]) -> None:
        self._stream = iter(stream)
        self._held: list[pa.Array] = []
        self._count = 0

    def take(self, count: int) -> pa.ChunkedArray:
        """The next `count` rows; ValueError when the stream ends first."""
        while self._count < count:
            batch = next(self._stream, None)
            if batch is None:
                raise ValueError(f"the WKB stream ended {count - self._count} rows early")
            self._held.append(batch)
            self._count += len(batch)
        joined = pa.chunked_array(self._held, type=self._held[0].type) if self._held else pa.chunked_array([], pa.binary())
        self._held = [joined.slice(count).combine_chunks()] if self._count > count else []
        self._count -= count
        return joined.slice(0, count)

    def finish(self) -> None:
        """ValueError unless every row of the stream has been taken."""
        if self._count or next(self._stream, None) is not None:
            raise ValueError("the WKB stream holds more rows than the frame")


def write_layer(frame: pd.DataFrame, folder: str | Path, *, npartitions: int | None = None,
                rows_per_partition: int = ROWS_PER_PARTITION, sort: bool = True,
                meta: Mapping[str, Any] | None = None, layer: str | None = None, digest: bool = True,
                replace: bool = True, compression: str = "zstd", wkb: Iterable[pa.Array] | None = None,
                plain: bool = False) -> dict[str, Any]:
    """Write `frame` (a GeoDataFrame, or a plain table) as a partitioned GeoParquet folder, atomically.

    Geometry layers are Hilbert-sorted (`sort`) and cut into `npartitions` (default: one per
    `rows_per_partition` rows) of equal size; the CRS is kept. `digest=False` skips the geometry digest (None in
    the manifest); `replace=False` keeps a folder already at the target (the manifest then says `"kept": true`).
    `wkb`: the frame's geometries already encoded as WKB, a stream of arrays in row order (batches as GDAL reads
    them), written as they are instead of encoding every geometry again; only without `sort`, and it must hold
    exactly the frame's rows. `plain`: no dictionary pages and no column statistics (quicker to write, and as
    quick to read whole; for files nobody filters by value). Returns the manifest written."""
    target = Path(folder)
    n = len(frame)
    parts_n = max(1, npartitions if npartitions is not None else math.ceil(n / max(1, rows_per_partition)))
    parts_n = min(parts_n, max(1, n))
    is_geo = isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns
    if ROW_COLUMN in frame.columns:
        raise ValueError(f"column {ROW_COLUMN!r} is reserved for the row position")
    if wkb is not None and (not is_geo or sort):
        raise ValueError("wkb= needs an unsorted geometry layer")
    encoded = _Rows(wkb) if wkb is not None else None
    order = hilbert_order(frame.geometry.to_numpy()) if is_geo and sort and n else None
    data = frame.assign(**{ROW_COLUMN: np.arange(n, dtype=np.int64)})
    if order is not None:
        data = data.take(order)
    data, stringified = _arrow_safe(data)
    cuts = np.linspace(0, n, parts_n + 1).round().astype(int)
    pieces = [data.iloc[cuts[i]:cuts[i + 1]] for i in range(parts_n)]
    options: dict[str, Any] = {"compression": compression, "row_group_size": ROW_GROUP_ROWS}
    if plain:
        options.update(use_dictionary=False, write_statistics=False)
    tmp = _temp_dir(target)
    try:
        files = []
        for i, piece in enumerate(pieces):
            name = f"part.{i:05d}.parquet"
            if encoded is not None:
                table = _wkb_piece(piece, encoded.take(len(piece)), frame.geometry.name, frame.crs)
                pq.write_table(table, tmp / name, **options)
            elif is_geo:
                piece.to_parquet(tmp / name, **options)
            else:
                pd.DataFrame(piece).to_parquet(tmp / name, **options)
            files.append(name)
        if encoded is not None:
            encoded.finish()
        crs = frame.crs if is_geo else None
        manifest = {
            "format": FORMAT, "layer": layer, "rows": n, "geometry": frame.geometry.name if is_geo else None,
            "crs": crs.to_string() if crs is not None else None,
            "columns": [str(c) for c in frame.columns], "stringified": stringified,
            "sorted": "hilbert" if is_geo and sort else None,
            "geometry_digest": geometry_digest(frame.geometry.to_numpy()) if is_geo and digest else None,
            "partitions": [{"file": f, "rows": len(p), "bbox": b}
                           for f, p, b in zip(files, pieces, _partition_bounds(pieces) if is_geo else [None] * len(pieces))],
            "meta": dict(meta or {}),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        if not _replace_dir(tmp, target, replace=replace):
            manifest["kept"] = True
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return manifest


def is_layer_folder(folder: str | Path) -> bool:
    """True if `folder` holds a layer written by this module in the current format."""
    try:
        return read_manifest(folder)["format"] == FORMAT
    except (OSError, ValueError, KeyError):
        return False


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a layer folder; ValueError when it is of another format (never trusted across versions)."""
    manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{folder}: GeoParquet folder of format {manifest.get('format')!r}, expected {FORMAT!r}")
    return manifest


def partition_paths(folder: str | Path, bbox: Iterable[float] | None = None) -> list[Path]:
    """The partition files of a layer folder in curve order; with `bbox`, only those whose bounds meet it."""
    manifest = read_manifest(folder)
    box = list(bbox) if bbox is not None else None
    out = []
    for part in manifest["partitions"]:
        b = part["bbox"]
        if box is not None and (b is None or b[0] > box[2] or b[2] < box[0] or b[1] > box[3] or b[3] < box[1]):
            continue
        out.append(Path(folder) / part["file"])
    return out


def read_layer(folder: str | Path, *, columns: list[str] | None = None, bbox: Iterable[float] | None = None,
               keep_row: bool = False, original_order: bool = True) -> pd.DataFrame:
    """Read a layer folder back: a GeoDataFrame with its CRS (a DataFrame for a table), rows in their original
    order and with their original index; `columns` limits the attributes read, `bbox` the features."""
    manifest = read_manifest(folder)
    box = list(bbox) if bbox is not None else None
    geometry = manifest["geometry"]
    wanted = None
    if columns is not None:
        wanted = list(dict.fromkeys([*columns, ROW_COLUMN, *([geometry] if geometry else [])]))
    paths = partition_paths(folder, box)
    if geometry:
        frames = [gpd.read_parquet(p, columns=wanted) for p in paths]
        frame = (pd.concat(frames) if frames else
                 gpd.read_parquet(Path(folder) / manifest["partitions"][0]["file"], columns=wanted).iloc[:0])
        frame = gpd.GeoDataFrame(frame, geometry=geometry, crs=frames[0].crs if frames else manifest["crs"])
        if box is not None:
            frame = frame[shapely.intersects(frame.geometry.to_numpy(), shapely.box(*box))]
    else:
        frames = [pd.read_parquet(p, columns=wanted) for p in paths]
        frame = pd.concat(frames) if frames else pd.read_parquet(Path(folder) / manifest["partitions"][0]["file"],
                                                                 columns=wanted).iloc[:0]
    if original_order:
        frame = frame.take(np.argsort(frame[ROW_COLUMN].to_numpy(), kind="stable"))
    return frame if keep_row else frame.drop(columns=ROW_COLUMN)


def write_project(project: Any, out: str | Path, *, layers: list[str] | None = None,
                  rows_per_partition: int = ROWS_PER_PARTITION) -> dict[str, Any]:
    """Every layer of a project (a layers.project.Project) as `out/<layer>/` partitioned GeoParquet, atomically
    as a whole; `out/_landpark.json` names the layers and the project's content hash they were written from."""
    target = Path(out)
    names = layers if layers is not None else project.layer_names()
    key = project.content_hash()
    tmp = _temp_dir(target)
    try:
        written = {}
        for name in names:
            frame = project.read_layer(name)
            if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns and frame.crs is None:
                frame = frame.set_crs(project.crs)
            m = write_layer(frame, tmp / name, rows_per_partition=rows_per_partition, layer=name,
                            meta={"project_hash": key})
            written[name] = {"rows": m["rows"], "partitions": len(m["partitions"]), "crs": m["crs"]}
        manifest = {"format": FORMAT, "project": str(project.root), "project_hash": key, "layers": written}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _replace_dir(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return manifest


def read_project_manifest(out: str | Path) -> dict[str, Any]:
    """The manifest of an exported project folder (layers, rows, partitions, project hash)."""
    return read_manifest(out)
