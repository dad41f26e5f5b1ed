"""The evaluation partitioned with dask-geopandas: the parcel-unit overlay runs per spatial partition on a cluster.

The overlay of parcels with evaluation units is the one heavy, geometry-bound step of `analysis.score.evaluate`
(every other step works on the (parcel, unit) pieces and plain attribute columns). Here parcels are read as
Hilbert-partitioned GeoParquet (layers/geoparquet.py) by dask-geopandas; each partition is overlaid with all
units (broadcast: a few thousand polygons even for a province) on a dask worker with the same GEOS calls as
the in-memory kernel, and only (parcel position, unit position, planar area) comes back. The pieces are put in
the in-memory order and converted to mu exactly as `analysis.units.overlay_units` does, so `evaluate` then
produces the same unit indicators, bit for bit, as the in-memory run.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.inputs import EvaluationInputs
from analysis.units import UnitOverlay
from layers.geoparquet import ROW_COLUMN, geometry_digest, partition_paths, read_manifest, write_layer
from spatial.area import MU_M2
from spatial.errors import InputError, UsageError
from spatial.overlay import _overlap, intersection_area_pairs
from spatial.validity import as_geometry_array

__all__ = ["dask_available", "open_client", "area_pairs_partitioned", "overlay_units_partitioned", "overlay_from_pairs",
           "evaluate_partitioned", "PAIR_COLUMNS"]

PAIR_COLUMNS = ("parcel_pos", "other_pos", "planar")
DEFAULT_WORKERS = 2
CONNECT_TIMEOUT_S = 10  # seconds to wait for a --scheduler before giving up


def dask_available() -> bool:
    """True when dask, distributed and dask-geopandas can be imported (an optional extra)."""
    try:
        import dask_geopandas  # noqa: F401, PLC0415
        import distributed  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def _require_dask() -> None:
    """Raise a UsageError naming the extra when dask is not installed."""
    if not dask_available():
        raise UsageError("the partitioned evaluation needs dask: pip install 'landpark[dask]' "
                         "(dask-geopandas, distributed, pyarrow)",
                         zh="分区评价需要 dask：请安装 landpark[dask]（dask-geopandas、distributed、pyarrow）")


@contextlib.contextmanager
def open_client(scheduler: str | None = None, *, workers: int = DEFAULT_WORKERS, threads_per_worker: int = 1,
                processes: bool = True, memory_limit: str | int = "auto",
                connect_timeout: float = CONNECT_TIMEOUT_S) -> Iterator[Any]:
    """A dask Client on `scheduler` (an address such as tcp://host:8786), else on a private LocalCluster of
    `workers` workers bound to 127.0.0.1 with no dashboard; the cluster is closed on exit."""
    _require_dask()
    from distributed import Client, LocalCluster  # noqa: PLC0415

    if scheduler:
        try:
            client = Client(scheduler, timeout=connect_timeout)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the dask scheduler at {scheduler} ({type(exc).__name__}): start it with "
                             "`dask scheduler` and its workers with `dask worker ADDRESS`, or leave out --scheduler",
                             zh=f"无法连接 dask 调度器 {scheduler}：请先用 dask scheduler 启动调度器、"
                                "用 dask worker 启动计算节点，或不指定 --scheduler") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=processes,
                      host="127.0.0.1", dashboard_address=None, memory_limit=memory_limit) as cluster:
        with Client(cluster) as client:
            yield client


def _partition_pairs(part: pd.DataFrame, unit_geoms: np.ndarray, tree_on_units: bool) -> pd.DataFrame:
    """Overlay one partition of parcels with every other polygon (units, batches): (parcel position, other
    position, planar area) pieces.

    With `tree_on_units` the candidates come from an STRtree over all the others, as in the in-memory kernel
    when parcels outnumber them, so the pieces of each parcel come in the same order; the areas are the same
    GEOS calls on the same geometries (spatial.overlay._overlap)."""
    geoms = as_geometry_array(part.geometry.to_numpy() if isinstance(part, gpd.GeoDataFrame) else part["geometry"])
    rows = part[ROW_COLUMN].to_numpy(dtype=np.int64)
    if len(geoms) == 0 or len(unit_geoms) == 0:
        li = ri = np.empty(0, dtype=np.intp)
        areas = np.empty(0, dtype=float)
    elif tree_on_units:
        li, ri = shapely.STRtree(unit_geoms).query(geoms)
        # one thread per task: dask already runs a task per worker core
        li, ri, areas, _ = _overlap(geoms, unit_geoms, li.astype(np.intp), ri.astype(np.intp), want_geometry=False,
                                    threads=1)
    else:
        li, ri, areas = intersection_area_pairs(geoms, unit_geoms, threads=1)
    return pd.DataFrame({"parcel_pos": rows[li], "other_pos": ri.astype(np.int64), "planar": areas})


def _folder_matches(folder: Path, parcels: gpd.GeoDataFrame) -> bool:
    """True if a written parcel folder holds exactly these parcel shapes in this order (row count, WKB digest)."""
    try:
        manifest = read_manifest(folder)
    except (OSError, ValueError):
        return False
    return (manifest["rows"] == len(parcels) and manifest.get("geometry_digest") is not None
            and manifest["geometry_digest"] == geometry_digest(parcels.geometry.to_numpy()))


def _gather_pairs(client: Any, paths: list[Path], unit_geoms: np.ndarray, tree_on_units: bool) -> pd.DataFrame:
    """Read the partition files with dask-geopandas and overlay each on the cluster; the pieces gathered."""
    import dask_geopandas  # noqa: PLC0415

    ddf = dask_geopandas.read_parquet([str(p) for p in paths], columns=[ROW_COLUMN, "geometry"])
    meta = pd.DataFrame({"parcel_pos": pd.Series(dtype=np.int64), "other_pos": pd.Series(dtype=np.int64),
                         "planar": pd.Series(dtype=float)})
    units_future = client.scatter(unit_geoms, broadcast=True)
    pieces = ddf.map_partitions(_partition_pairs, units_future, tree_on_units, meta=meta)
    return client.compute(pieces).result()


def area_pairs_partitioned(parcels: gpd.GeoDataFrame, others: Any, client: Any, *, folder: str | Path | None = None,
                           workdir: str | Path | None = None,
                           npartitions: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`spatial.overlay.intersection_area_pairs(parcels, others)` on a dask cluster, the parcels read per spatial
    partition: the same (parcel, other, planar area) triples in the same order.

    `folder`: a parcels GeoParquet folder (`landpark export-parquet`) used when it holds these parcel shapes
    in this order (checked by the WKB digest in its manifest), else the parcel geometries are written to a
    temporary partitioned folder in `workdir` (which remote workers must see at the same path).
    `npartitions` defaults to two per worker."""
    _require_dask()
    other_geoms = as_geometry_array(others)
    n = len(parcels)
    # the in-memory kernel indexes the smaller side (spatial.overlay._bbox_pairs): mirror its choice
    tree_on_others = n >= len(other_geoms)
    with contextlib.ExitStack() as stack:
        if folder is not None and _folder_matches(Path(folder), parcels):
            where = Path(folder)
        elif n and len(other_geoms):
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix=".landpark-dask-", dir=workdir))
            where = Path(tmp) / "parcels"
            parts = npartitions or max(1, 2 * len(client.scheduler_info().get("workers", {})))
            write_layer(gpd.GeoDataFrame(geometry=parcels.geometry.to_numpy(), crs=parcels.crs), where,
                        npartitions=parts, layer="parcels")
        pairs = (_gather_pairs(client, partition_paths(where), other_geoms, tree_on_others) if n and len(other_geoms)
                 else pd.DataFrame({c: np.empty(0, dtype=float) for c in PAIR_COLUMNS}))
    pi = pairs["parcel_pos"].to_numpy(dtype=np.intp)
    oi = pairs["other_pos"].to_numpy(dtype=np.intp)
    # in-memory order: by parcel, then the other side's tree order (kept within a partition) or by index
    order = np.argsort(pi, kind="stable") if tree_on_others else np.lexsort((oi, pi))
    return pi[order], oi[order], pairs["planar"].to_numpy(dtype=float)[order]


def overlay_units_partitioned(parcels: gpd.GeoDataFrame, units: gpd.GeoDataFrame, client: Any, *,
                              folder: str | Path | None = None, workdir: str | Path | None = None,
                              npartitions: int | None = None) -> UnitOverlay:
    """`analysis.units.overlay_units` on a dask cluster: the same pieces, in the same order, with the same areas
    (see area_pairs_partitioned for `folder`, `workdir`, `npartitions`)."""
    pi, ui, planar = area_pairs_partitioned(parcels, units.geometry.to_numpy(), client, folder=folder, workdir=workdir,
                                            npartitions=npartitions)
    return overlay_from_pairs(parcels, pi, ui, planar)


def overlay_from_pairs(parcels: gpd.GeoDataFrame, pi: np.ndarray, ui: np.ndarray, planar: np.ndarray) -> UnitOverlay:
    """Planar piece areas to a UnitOverlay in ellipsoidal mu, with the formula of analysis.units.overlay_units."""
    scale = parcels["_scale"].to_numpy()[pi] if "_scale" in parcels else np.ones(len(pi))
    area_mu = planar * scale / MU_M2
    parcel_mu = parcels["area_mu"].to_numpy()[pi]
    share = np.divide(area_mu, parcel_mu, out=np.zeros_like(area_mu), where=parcel_mu > 0)
    return UnitOverlay(pi, ui, area_mu, np.minimum(share, 1.0))


def evaluate_partitioned(inputs: EvaluationInputs, *, client: Any = None, scheduler: str | None = None,
                         workers: int = DEFAULT_WORKERS, folder: str | Path | None = None,
                         workdir: str | Path | None = None, npartitions: int | None = None,
                         timings: dict[str, float] | None = None, **kwargs: Any) -> Any:
    """`analysis.score.evaluate` with both geometric overlays (parcels with units, and with approval batches) run
    per spatial partition on dask; the parcels are partitioned once and the folder serves both.

    Uses `client`, else a Client on `scheduler`, else a LocalCluster of `workers` processes; `kwargs` go to
    evaluate (weights, method, progress). `timings`, if given, receives the overlays' seconds."""
    import time  # noqa: PLC0415

    from analysis.score import evaluate  # noqa: PLC0415

    _require_dask()

    def run(c: Any) -> Any:
        with contextlib.ExitStack() as stack:
            shared = folder
            if shared is None or not _folder_matches(Path(shared), inputs.parcels):
                # one partitioned copy of the parcels for both overlays (written once, removed afterwards)
                tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix=".landpark-dask-", dir=workdir))
                shared = Path(tmp) / "parcels"
                parts = npartitions or max(1, 2 * len(c.scheduler_info().get("workers", {})))
                parcels = inputs.parcels
                write_layer(gpd.GeoDataFrame(geometry=parcels.geometry.to_numpy(), crs=parcels.crs), shared,
                            npartitions=parts, layer="parcels")

            def overlay(parcels: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> UnitOverlay:
                start = time.perf_counter()
                ov = overlay_units_partitioned(parcels, units, c, folder=shared, workdir=workdir, npartitions=npartitions)
                if timings is not None:
                    timings["overlay_s"] = time.perf_counter() - start
                return ov

            def area_pairs(parcels: gpd.GeoDataFrame, others: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
                start = time.perf_counter()
                pairs = area_pairs_partitioned(parcels, others, c, folder=shared, workdir=workdir, npartitions=npartitions)
                if timings is not None:
                    timings["supply_overlay_s"] = time.perf_counter() - start
                return pairs

            return evaluate(inputs, overlay=overlay, area_pairs=area_pairs, **kwargs)

    if client is not None:
        return run(client)
    with open_client(scheduler, workers=workers) as c:
        return run(c)
