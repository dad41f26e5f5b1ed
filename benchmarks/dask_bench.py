"""The evaluation partitioned on dask with 1 and 2 workers, beside the in-memory run, on a synthetic city.

`python -m benchmarks.dask_bench --parcels 100000 [--complex] [--workers 1,2] [--repeat N]` builds the city
(benchmarks.synthetic), writes it as a project, reads its inputs once, exports the parcels as partitioned
GeoParquet, then times `evaluate` in memory and `evaluate_partitioned` on a LocalCluster of each worker
count (1 thread per worker): seconds, the overlay's share, peak memory of every worker process and of the
driver, the scaling ratio (1-worker time / 2-worker time) and the largest relative difference of the unit
indicators from the in-memory run. One JSON document on stdout; without dask it says so and skips (exit 0).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["max_relative_difference", "bench_dask", "main"]


def say(message: str) -> None:
    """Progress on stderr (stdout carries only the JSON)."""
    print(f"dask_bench: {message}", file=sys.stderr, flush=True)


def max_relative_difference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Largest |a - b| / max(|a|, |b|) over the numeric unit columns (0 where both are equal, NaN matching NaN)."""
    cols = a.select_dtypes("number").columns
    x, y = a[cols].to_numpy(float), b[cols].to_numpy(float)
    both_nan = np.isnan(x) & np.isnan(y)
    if (np.isnan(x) != np.isnan(y)).any():
        return math.inf
    scale = np.maximum(np.abs(x), np.abs(y))
    diff = np.divide(np.abs(x - y), scale, out=np.zeros_like(x), where=(scale > 0) & ~both_nan)
    return float(diff.max()) if diff.size else 0.0


def _worker_peaks(client: Any) -> dict[str, float]:
    """Peak resident memory (MiB) of each worker process since its last reset."""
    from benchmarks.memory import peak_rss_mb  # noqa: PLC0415

    return {addr: round(v, 1) for addr, v in client.run(peak_rss_mb).items()}


def _warm_up() -> None:
    """Import the overlay's modules in a worker, so the first timed task does not pay for them."""
    import dask_geopandas  # noqa: F401, PLC0415
    import pyarrow.parquet  # noqa: F401, PLC0415

    import analysis.partitioned  # noqa: F401, PLC0415


def bench_dask(n_parcels: int, *, complex: bool, workers: list[int], repeat: int, workdir: Path) -> dict[str, Any]:
    """Every measurement of one city, as a JSON-ready dict."""
    from analysis.inputs import load_inputs  # noqa: PLC0415
    from analysis.partitioned import evaluate_partitioned, open_client  # noqa: PLC0415
    from analysis.score import evaluate  # noqa: PLC0415
    from benchmarks.memory import peak_rss_mb, reset_peak_rss  # noqa: PLC0415
    from benchmarks.overlay_bench import write_project  # noqa: PLC0415
    from benchmarks.synthetic import make_city  # noqa: PLC0415
    from layers.geoparquet import ROWS_PER_PARTITION, write_layer  # noqa: PLC0415
    from layers.project import Project  # noqa: PLC0415

    out: dict[str, Any] = {"parcels": n_parcels, "variant": "complex" if complex else "simple", "repeat": repeat,
                           "cpu_count": os.cpu_count(), "load_average_at_start": list(os.getloadavg())}
    root = workdir / "project"
    say(f"{n_parcels} parcels: building the city and its project")
    out["write_project_s"] = round(write_project(make_city(n_parcels, complex=complex), root), 3)
    project = Project.open(root)
    start = time.perf_counter()
    inputs = load_inputs(project)
    out["read_s"] = round(time.perf_counter() - start, 3)
    # enough partitions for every worker to get several, and none over the writer's default size
    parts = max(4 * max(workers), math.ceil(n_parcels / ROWS_PER_PARTITION))
    start = time.perf_counter()
    folder = workdir / "parquet" / "parcels"
    write_layer(project.read_layer("parcels"), folder, npartitions=parts, layer="parcels")
    out["export_parcels_s"] = round(time.perf_counter() - start, 3)
    out["partitions"] = parts

    say("in-memory evaluation")
    runs = []
    reference = None
    for _ in range(repeat):
        start = time.perf_counter()
        reference = evaluate(inputs)
        runs.append(time.perf_counter() - start)
    out["in_memory"] = {"evaluate_median_s": round(statistics.median(runs), 3), "runs_s": [round(r, 3) for r in runs]}
    assert reference is not None

    by_workers: dict[str, Any] = {}
    for count in workers:
        say(f"{count} worker(s)")
        start = time.perf_counter()
        with open_client(workers=count, threads_per_worker=1) as client:
            result: dict[str, Any] = {"cluster_start_s": round(time.perf_counter() - start, 3)}
            start = time.perf_counter()
            client.run(_warm_up)
            result["warm_up_s"] = round(time.perf_counter() - start, 3)
            totals, overlays, peaks, diffs = [], [], [], []
            for _ in range(repeat):
                client.run(reset_peak_rss)
                reset_peak_rss()
                timings: dict[str, float] = {}
                start = time.perf_counter()
                ev = evaluate_partitioned(inputs, client=client, folder=folder, timings=timings)
                totals.append(time.perf_counter() - start)
                overlays.append(timings["overlay_s"])
                peaks.append(_worker_peaks(client))
                diffs.append(max_relative_difference(ev.units, reference.units))
            result.update({
                "evaluate_median_s": round(statistics.median(totals), 3), "runs_s": [round(t, 3) for t in totals],
                "overlay_median_s": round(statistics.median(overlays), 3),
                "worker_peak_rss_mb": max(peaks, key=lambda p: max(p.values())),
                "driver_peak_rss_mb": round(peak_rss_mb(), 1),
                "max_relative_difference": max(diffs),
            })
        by_workers[str(count)] = result
    out["dask"] = by_workers
    if "1" in by_workers and "2" in by_workers:
        one, two = by_workers["1"], by_workers["2"]
        out["scaling_1_to_2"] = {"evaluate": round(one["evaluate_median_s"] / two["evaluate_median_s"], 3),
                                 "overlay": round(one["overlay_median_s"] / two["overlay_median_s"], 3)}
    out["parity_1e-9"] = all(r["max_relative_difference"] <= 1e-9 for r in by_workers.values())
    out["load_average_at_end"] = list(os.getloadavg())
    return out


def _workers(text: str) -> list[int]:
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected worker counts such as 1,2, got {text!r}")
    return values


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: one JSON document on stdout; exit 1 when the partitioned run differs by more than 1e-9."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dask_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--complex", action="store_true", help="16-vertex parcels, 400-vertex units")
    parser.add_argument("--workers", type=_workers, default=[1, 2], help="worker counts, e.g. 1,2")
    parser.add_argument("--repeat", type=int, default=1, help="runs per timing (median reported)")
    parser.add_argument("--workdir", type=Path, help="where the temporary project and GeoParquet go")
    args = parser.parse_args(argv)
    from analysis.partitioned import dask_available  # noqa: PLC0415

    if not dask_available():
        message = "dask, distributed or dask-geopandas is not installed: the dask benchmark is skipped"
        say(message)
        print(json.dumps({"skipped": message}))
        return 0
    with tempfile.TemporaryDirectory(prefix="dask-bench-", dir=args.workdir) as tmp:
        document = bench_dask(args.parcels, complex=args.complex, workers=args.workers, repeat=max(1, args.repeat),
                              workdir=Path(tmp))
    print(json.dumps(document, indent=2))
    return 0 if document["parity_1e-9"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
