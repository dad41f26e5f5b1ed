"""Time one overlay, parcels x parks -> area of every intersecting pair, several ways, and check they agree.

Methods: Landpark's kernel (`spatial.overlay.intersection_area_pairs`), the naive
`geopandas.overlay` + groupby, DuckDB spatial (several SQL formulations, the best reported), and a
reference shapely formulation (bbox candidates, prepared contains_properly, intersection of the
boundary pairs only) on 1 and 2 threads. They are timed in rounds, each method once per round in turn, so that
on a shared machine all of them meet the same spells of load (a method's peak memory then includes the DuckDB
tables held meanwhile). Run as a module it benchmarks one synthetic city and prints JSON:
`python -m benchmarks.overlay_bench --parcels 100000 [--complex] [--project DIR]`.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from benchmarks.memory import peak_rss_mb, process_peak_rss_mb, reset_peak_rss
from benchmarks.synthetic import make_city
from spatial.overlay import intersection_area_pairs

__all__ = ["Pairs", "landpark_overlay", "geopandas_overlay", "boundary_pairs_overlay", "DuckDBOverlay",
           "DUCKDB_FORMULATIONS", "spatial_extension_path", "compare_pairs", "bench_overlay", "write_project"]

RTOL = 1e-6  # per-pair relative agreement required between methods
SLIVER = 1e-9  # pairs smaller than this share of their parcel count as touching, not overlapping


@dataclass
class Pairs:
    """Per-pair overlay result, sorted by (parcel, park); only pairs with area > 0."""

    parcel: np.ndarray
    park: np.ndarray
    area: np.ndarray

    @classmethod
    def of(cls, parcel: Any, park: Any, area: Any) -> Pairs:
        parcel, park, area = (np.asarray(parcel, dtype=np.int64), np.asarray(park, dtype=np.int64),
                              np.asarray(area, dtype=float))
        keep = area > 0
        parcel, park, area = parcel[keep], park[keep], area[keep]
        order = np.lexsort((park, parcel))
        return cls(parcel[order], park[order], area[order])

    def __len__(self) -> int:
        return len(self.area)


def say(message: str) -> None:
    """Progress on stderr (stdout carries the JSON)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- methods


def landpark_overlay(parcels: np.ndarray, parks: np.ndarray, threads: int | None = None) -> Pairs:
    """Landpark's unit-overlay kernel, parcels as `left` and units as `right`, as analysis.units calls it
    (on `threads` worker threads; default: every CPU, see spatial.overlay.default_threads)."""
    return Pairs.of(*intersection_area_pairs(parcels, parks, threads=threads))


def geopandas_overlay(parcels: gpd.GeoDataFrame, parks: gpd.GeoDataFrame) -> Pairs:
    """The naive way: `geopandas.overlay(how="intersection")`, then areas summed per (parcel, park)."""
    left = gpd.GeoDataFrame({"_parcel": np.arange(len(parcels))}, geometry=parcels.geometry.to_numpy(), crs=parcels.crs)
    right = gpd.GeoDataFrame({"_park": np.arange(len(parks))}, geometry=parks.geometry.to_numpy(), crs=parks.crs)
    pieces = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
    areas = pd.Series(pieces.geometry.area.to_numpy(), index=pd.MultiIndex.from_arrays(
        [pieces["_parcel"].to_numpy(), pieces["_park"].to_numpy()])).groupby(level=[0, 1]).sum()
    return Pairs.of(areas.index.get_level_values(0), areas.index.get_level_values(1), areas.to_numpy())


def boundary_pairs_overlay(parcels: np.ndarray, parks: np.ndarray, threads: int = 1) -> Pairs:
    """Reference formulation: bbox candidates from a tree on the parcels, queried by the (few) prepared
    parks; a parcel properly inside a park counts whole; only pairs that touch the boundary are clipped.

    With threads, each thread gets whole parks: a prepared GEOS geometry must not be used by two
    threads at once (its lazily built indexes are not thread-safe, libgeos/geos#825).
    """
    park_idx, parcel_idx = shapely.STRtree(parcels).query(parks)
    order = np.argsort(park_idx, kind="stable")
    park_idx, parcel_idx = park_idx[order], parcel_idx[order]
    shapely.prepare(parks)

    def areas(part: slice) -> np.ndarray:
        pg, kg = parcels[parcel_idx[part]], parks[park_idx[part]]
        inside = shapely.contains_properly(kg, pg)
        out = np.zeros(len(pg))
        out[inside] = shapely.area(pg[inside])
        rest = np.flatnonzero(~inside)
        edge = rest[shapely.intersects(kg[rest], pg[rest])]
        out[edge] = shapely.area(shapely.intersection(pg[edge], kg[edge]))
        return out

    # Cut into `threads` nearly equal runs of pairs, each cut moved back to the start of a park.
    targets = np.linspace(0, len(park_idx), threads + 1).astype(int)[1:-1]
    cuts = np.searchsorted(park_idx, park_idx[np.minimum(targets, max(len(park_idx) - 1, 0))]) if len(park_idx) else targets
    bounds = np.unique(np.concatenate([[0], cuts, [len(park_idx)]]))
    parts = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])] or [slice(0, 0)]
    if len(parts) > 1:
        with ThreadPoolExecutor(len(parts)) as pool:
            area = np.concatenate(list(pool.map(areas, parts)))
    else:
        area = areas(parts[0])
    return Pairs.of(parcel_idx, park_idx, area)


def spatial_extension_path() -> Path:
    """The `spatial.duckdb_extension` file shipped in the duckdb-extension-spatial wheel."""
    import duckdb_extension_spatial  # noqa: PLC0415 - optional benchmark dependency

    root = Path(duckdb_extension_spatial.__file__).parent
    found = sorted(root.rglob("*.duckdb_extension"))
    if not found:
        raise FileNotFoundError(f"no .duckdb_extension file under {root}")
    return found[0]


# Each formulation returns (pid, kid, area) for the parcels x parks tables loaded by DuckDBOverlay.
DUCKDB_FORMULATIONS = {
    # Spatial join on ST_Intersects; a parcel properly inside its park keeps its own area.
    "intersects_join_case_contains_properly": """
        SELECT p.pid, k.kid,
               CASE WHEN ST_ContainsProperly(k.geom, p.geom) THEN ST_Area(p.geom)
                    ELSE ST_Area(ST_Intersection(p.geom, k.geom)) END AS area
        FROM parcels p JOIN parks k ON ST_Intersects(p.geom, k.geom)""",
    # The textbook query: clip every intersecting pair.
    "intersects_join_intersection": """
        SELECT p.pid, k.kid, ST_Area(ST_Intersection(p.geom, k.geom)) AS area
        FROM parcels p JOIN parks k ON ST_Intersects(p.geom, k.geom)""",
    # Bounding-box join, then containment / disjointness tests before clipping.
    "extent_join_case": """
        SELECT p.pid, k.kid,
               CASE WHEN ST_ContainsProperly(k.geom, p.geom) THEN ST_Area(p.geom)
                    WHEN NOT ST_Intersects(p.geom, k.geom) THEN 0.0
                    ELSE ST_Area(ST_Intersection(p.geom, k.geom)) END AS area
        FROM parcels p JOIN parks k ON ST_Intersects_Extent(p.geom, k.geom)""",
}


class DuckDBOverlay:
    """An in-memory DuckDB with the spatial extension loaded from the wheel (no network) and the two tables."""

    def __init__(self, threads: int | None = None):
        import duckdb  # noqa: PLC0415 - optional benchmark dependency

        self.duckdb_version = duckdb.__version__
        self.con = duckdb.connect()
        self.con.execute(f"LOAD '{spatial_extension_path()}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.threads = int(self.con.execute("SELECT current_setting('threads')").fetchone()[0])
        row = self.con.execute("SELECT extension_version FROM duckdb_extensions() WHERE extension_name = 'spatial'").fetchone()
        self.spatial_version = row[0] if row else None

    def load(self, parcels: np.ndarray, parks: np.ndarray) -> None:
        """Tables parcels(pid, geom) and parks(kid, geom), passed as WKB through Arrow."""
        import pyarrow as pa  # noqa: PLC0415

        for name, key, geoms in (("parcels", "pid", parcels), ("parks", "kid", parks)):
            table = pa.table({key: np.arange(len(geoms), dtype=np.int64), "wkb": shapely.to_wkb(geoms)})
            self.con.register("_wkb", table)
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {key}, ST_GeomFromWKB(wkb) AS geom FROM _wkb")
            self.con.unregister("_wkb")

    def run(self, formulation: str) -> Pairs:
        result = self.con.execute(DUCKDB_FORMULATIONS[formulation]).fetchnumpy()
        return Pairs.of(result["pid"], result["kid"], result["area"])


# --------------------------------------------------------------------------- timing and checks


def timed(run: Callable[[], Pairs], repeat: int, reset: Callable[[], None] | None = None) -> tuple[dict, Pairs]:
    """Median of `repeat` runs (time.perf_counter) and the peak RSS reached during them."""
    seconds, result = [], None
    gc.collect()
    reset_peak_rss()
    for _ in range(repeat):
        if reset is not None:
            reset()
        result = None
        gc.collect()
        start = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - start)
    assert result is not None
    return {"median_s": round(statistics.median(seconds), 4), "runs_s": [round(s, 4) for s in seconds],
            "pairs": len(result), "peak_rss_mb": round(peak_rss_mb())}, result


def timed_in_rounds(runs: dict[str, Callable[[], Pairs]], repeat: int,
                    reset: Callable[[], None] | None = None) -> dict[str, tuple[dict, Pairs] | Exception]:
    """`timed` for several methods at once: `repeat` rounds, each running every method once in turn, so that on a
    shared machine each meets the same spells of load and their ratios compare like with like. Per method: its
    timing (median, runs, pairs, peak RSS during its runs) and last result, or the exception a run raised."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    peaks: dict[str, float] = {name: 0.0 for name in runs}
    results: dict[str, Pairs] = {}
    failed: dict[str, Exception] = {}
    for _ in range(repeat):
        for name, run in runs.items():
            if name in failed:
                continue
            if reset is not None:
                reset()
            results.pop(name, None)
            gc.collect()
            reset_peak_rss()
            start = time.perf_counter()
            try:
                results[name] = run()
            except Exception as exc:  # noqa: BLE001 - reported with the method, the others go on
                failed[name] = exc
                continue
            seconds[name].append(time.perf_counter() - start)
            peaks[name] = max(peaks[name], peak_rss_mb())
    out: dict[str, tuple[dict, Pairs] | Exception] = dict(failed)
    for name, result in results.items():
        if name not in failed:
            out[name] = ({"median_s": round(statistics.median(seconds[name]), 4),
                          "runs_s": [round(v, 4) for v in seconds[name]], "pairs": len(result),
                          "peak_rss_mb": round(peaks[name])}, result)
    return out


def compare_pairs(reference: Pairs, other: Pairs, parcel_area: np.ndarray, rtol: float = RTOL) -> dict:
    """Same pairs (ignoring slivers below SLIVER x parcel area) and areas within `rtol` of each other."""
    def solid(p: Pairs) -> Pairs:
        keep = p.area > SLIVER * parcel_area[p.parcel]
        return Pairs(p.parcel[keep], p.park[keep], p.area[keep])

    a, b = solid(reference), solid(other)
    n_parks = int(max(a.park.max(initial=0), b.park.max(initial=0))) + 1
    key_a, key_b = a.parcel * n_parks + a.park, b.parcel * n_parks + b.park
    common, ia, ib = np.intersect1d(key_a, key_b, assume_unique=True, return_indices=True)
    diff = np.abs(a.area[ia] - b.area[ib]) / np.maximum(a.area[ia], b.area[ib])
    max_rel = float(diff.max()) if len(diff) else 0.0
    total_a, total_b = float(reference.area.sum()), float(other.area.sum())
    sum_rel = abs(total_a - total_b) / max(total_a, total_b, 1e-300)
    missing, extra = len(key_a) - len(common), len(key_b) - len(common)
    return {"agree": bool(missing == 0 and extra == 0 and max_rel <= rtol and sum_rel <= rtol),
            "max_rel_diff": max_rel, "sum_rel_diff": sum_rel, "missing_pairs": missing, "extra_pairs": extra,
            "slivers_ignored": (len(reference) - len(a)) + (len(other) - len(b))}


def park_area_check(pairs: Pairs, parks: np.ndarray) -> float:
    """Largest relative gap between a park's area and the sum of its parcel pieces (parcels tile the city)."""
    total = np.bincount(pairs.park, weights=pairs.area, minlength=len(parks))
    return float(np.max(np.abs(total / shapely.area(parks) - 1.0)))


def bench_overlay(city: dict[str, gpd.GeoDataFrame], repeat: int = 3, *, duckdb: bool = True,
                  geopandas: bool = True, reference: bool = True) -> dict:
    """Time every method on the city's parcels x parks, check agreement, and time the kernel on all units."""
    parcels_gdf, parks_gdf = city["parcels"], city["parks"]
    parcels, parks = parcels_gdf.geometry.to_numpy(), parks_gdf.geometry.to_numpy()
    parcel_area = shapely.area(parcels)

    def unprepare() -> None:  # every run starts from unprepared geometries, as a fresh score run does
        shapely.destroy_prepared(parcels)
        shapely.destroy_prepared(parks)

    out: dict[str, Any] = {"parcels": len(parcels), "parks": len(parks),
                           "parcel_vertices": int(shapely.get_num_coordinates(parcels[:1])[0]) - 1,
                           "park_vertices": int(np.median(shapely.get_num_coordinates(parks))) - 1,
                           "bbox_candidates": int(len(shapely.STRtree(parks).query(parcels)[0]))}
    # The kernel and every other method are timed in rounds (each runs once per round, in turn): the kernel's
    # ratios to them compare runs made in the same spells of a shared machine's load.
    runs: dict[str, Callable[[], Pairs]] = {"landpark": lambda: landpark_overlay(parcels, parks)}
    if geopandas:
        runs["geopandas_overlay"] = lambda: geopandas_overlay(parcels_gdf, parks_gdf)
    if reference:
        for threads in (1, 2):
            runs[f"shapely_boundary_pairs_{threads}t"] = lambda threads=threads: boundary_pairs_overlay(parcels, parks, threads)
    db, duck = _duckdb_tables(parcels, parks) if duckdb else (None, None)
    if db is not None:
        for name in DUCKDB_FORMULATIONS:
            runs[f"duckdb:{name}"] = lambda name=name: db.run(name)
    say(f"{len(runs)} methods in {repeat} rounds, {len(parcels)} parcels x {len(parks)} parks: {', '.join(runs)}")
    timings = timed_in_rounds(runs, repeat, unprepare)
    if db is not None:
        db.con.close()
    kernel = timings["landpark"]
    if isinstance(kernel, Exception):
        raise kernel
    methods: dict[str, dict] = {"landpark": kernel[0]}
    ref = kernel[1]
    out["pairs"] = len(ref)
    checks: dict[str, Any] = {"park_area_sum_max_rel": park_area_check(ref, parks)}
    for name in runs:
        if name == "landpark" or name.startswith("duckdb:"):
            continue
        timing = timings[name]
        if isinstance(timing, Exception):
            raise timing
        methods[name], checks[name] = timing[0], compare_pairs(ref, timing[1], parcel_area)
    if duckdb:
        methods["duckdb"], checks["duckdb"] = _duckdb_result(duck, timings, parcel_area, ref)
    out["methods"] = methods
    out["agreement"] = checks
    out["all_agree"] = all(c["agree"] for c in checks.values() if isinstance(c, dict)) and \
        checks["park_area_sum_max_rel"] <= RTOL

    base = methods["landpark"]["median_s"]
    ratios = {}
    for name, m in methods.items():
        if name != "landpark" and m.get("median_s"):
            ratios[f"{name}/landpark"] = round(m["median_s"] / base, 3) if base > 0 else None
    out["ratios"] = ratios

    units = pd.concat([city[k].geometry for k in ("protection_lines", "parks", "micro_parks", "future_communities")],
                      ignore_index=True).to_numpy()
    say(f"landpark kernel on all {len(units)} units")
    unprepare()
    shapely.destroy_prepared(units)
    all_units, res = timed(lambda: landpark_overlay(parcels, units), repeat,
                           lambda: (unprepare(), shapely.destroy_prepared(units)))
    out["landpark_all_units"] = {**all_units, "units": len(units)}
    return out


def _duckdb_tables(parcels: np.ndarray, parks: np.ndarray) -> tuple[DuckDBOverlay | None, dict[str, Any]]:
    """A DuckDB with the two tables loaded and what it took, or (None, the error) when DuckDB or its spatial
    extension is missing (the benchmark goes on without it)."""
    try:
        say("duckdb: loading the spatial extension and the tables")
        start = time.perf_counter()
        db = DuckDBOverlay()
        extension_s = time.perf_counter() - start
        start = time.perf_counter()
        db.load(parcels, parks)
        load_s = time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 - a missing optional dependency must not stop the benchmark
        return None, {"error": f"{type(exc).__name__}: {exc}"}
    return db, {"duckdb_version": db.duckdb_version, "spatial_version": db.spatial_version, "threads": db.threads,
                "extension_load_s": round(extension_s, 4), "table_load_s": round(load_s, 4)}


def _duckdb_result(duck: dict[str, Any] | None, timings: dict[str, Any], parcel_area: np.ndarray,
                   ref: Pairs) -> tuple[dict, dict]:
    """Every DuckDB formulation's timing and agreement; the best agreeing one's median is the method's. Errors are
    reported, not raised."""
    if duck is None or "error" in duck:
        reason = (duck or {}).get("error", "not run")
        return {"error": reason}, {"agree": True, "skipped": reason}
    result: dict[str, Any] = {**duck, "formulations": {}}
    checks: dict[str, Any] = {}
    for name in DUCKDB_FORMULATIONS:
        timing = timings.get(f"duckdb:{name}")
        if timing is None or isinstance(timing, Exception):
            result["formulations"][name] = {"error": f"{type(timing).__name__}: {timing}" if timing else "not run"}
            continue
        result["formulations"][name] = timing[0]
        checks[name] = compare_pairs(ref, timing[1], parcel_area)
    ok = {n: f for n, f in result["formulations"].items() if "median_s" in f and checks[n]["agree"]}
    if ok:
        best = min(ok, key=lambda n: ok[n]["median_s"])
        result.update(best=best, median_s=ok[best]["median_s"], pairs=ok[best]["pairs"])
    else:
        result["error"] = "no DuckDB formulation ran and agreed with the kernel"
    return result, {"agree": all(c["agree"] for c in checks.values()) and bool(ok), "formulations": checks}


def write_project(city: dict[str, gpd.GeoDataFrame], root: Path) -> float:
    """Write the city as a Landpark project folder (EPSG:4549); returns the seconds it took."""
    from layers.project import Project  # noqa: PLC0415 - only the score benchmark needs it

    start = time.perf_counter()
    Project.create(root, crs="EPSG:4549").write_layers(city)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, required=True)
    parser.add_argument("--complex", action="store_true", help="16-vertex parcels, 400-vertex units")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--project", type=Path, help="also write the city as a project folder here")
    parser.add_argument("--no-duckdb", action="store_true")
    parser.add_argument("--no-geopandas", action="store_true")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference shapely formulations")
    args = parser.parse_args(argv)
    variant = "complex" if args.complex else "simple"
    say(f"{args.parcels} parcels, {variant}: building the city")
    start = time.perf_counter()
    city = make_city(args.parcels, complex=args.complex, seed=args.seed)
    result: dict[str, Any] = {"variant": variant, "generate_s": round(time.perf_counter() - start, 3),
                              "layers": {k: len(v) for k, v in city.items()}}
    result.update(bench_overlay(city, args.repeat, duckdb=not args.no_duckdb, geopandas=not args.no_geopandas,
                                reference=not args.no_reference))
    if args.project is not None:
        say(f"writing the project to {args.project}")
        result["write_project_s"] = round(write_project(city, args.project), 3)
    result["process_peak_rss_mb"] = round(process_peak_rss_mb())
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
