"""`make bench` / `landpark bench --json`: overlay and whole-score benchmarks on synthetic cities.

For every scale and variant, one process builds the city, times the overlay methods
(`benchmarks.overlay_bench`) and writes the project; then `--repeat` fresh processes each time a
whole score run on it (`benchmarks.score_bench`). One more process times the demo district end to
end (`benchmarks.demo_bench`: generation, evaluation, export of every unit, a siting query) as
`demo`, its goals under `goals.demo`. Each process reports its own peak memory. With `--postgis`
(`benchmarks.pg_bench`: the city copied into a PostGIS schema and scored from it) and `--dask`
(`benchmarks.dask_bench`: the overlay partitioned on a LocalCluster of 1 and 2 workers), the largest scale is
also scored those ways, as `postgis` and `dask`; each says "skipped" with its reason where psycopg, PostgreSQL,
PostGIS or dask are missing, so a fresh machine still runs the rest. One JSON document goes to stdout and to
`--out`; progress goes to stderr. Exit 1 if methods disagree, or a PostGIS or dask run differs from the folder's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_SCALES", "VARIANTS", "GOALS", "machine_info", "bench_case", "goal_checks", "bench_postgis", "bench_dask",
           "run_benchmarks", "main"]

DEFAULT_SCALES = (10_000, 100_000, 1_000_000)
VARIANTS = ("simple", "complex")
ROOT = Path(__file__).resolve().parents[1]
# Targets of the speed issue (#18), checked at the largest scale run: the kernel at most 0.8 × the fastest peer
# (DuckDB's best formulation, shapely boundary pairs on 2 threads); a whole cold score (no project cache) within
# the variant's seconds; peak memory of a score run within 2 GB. geopandas.overlay stays at least 3 × slower.
GOALS = {"kernel_vs_fastest_peer_max_ratio": 0.8, "geopandas_vs_kernel_min_ratio": 3.0,
         "score_cold_max_s": {"simple": 6.0, "complex": 10.0}, "score_peak_max_mb": 2 * 1024}
PEERS = ("duckdb", "shapely_boundary_pairs_2t")  # the kernel's rivals in benchmarks/overlay_bench.py


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for module in ("numpy", "pandas", "shapely", "geopandas", "pyogrio", "pyproj", "duckdb"):
        try:
            out[module] = __import__(module).__version__
        except Exception:  # noqa: BLE001 - a missing optional package is just reported
            out[module] = None
    try:
        import pyogrio  # noqa: PLC0415
        import shapely  # noqa: PLC0415

        out["geos"] = shapely.geos_version_string
        out["gdal"] = pyogrio.__gdal_version_string__
    except Exception:  # noqa: BLE001
        pass
    try:
        from importlib.metadata import version  # noqa: PLC0415

        out["duckdb_extension_spatial"] = version("duckdb-extension-spatial")
    except Exception:  # noqa: BLE001
        out["duckdb_extension_spatial"] = None
    return out


def machine_info() -> dict[str, Any]:
    """CPU, cores, memory, load and library versions: what the timings depend on."""
    cpu = next((line.split(":", 1)[1].strip() for line in _read_lines("/proc/cpuinfo") if line.startswith("model name")), None)
    mem_kb = next((int(line.split()[1]) for line in _read_lines("/proc/meminfo") if line.startswith("MemTotal")), None)
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"python": platform.python_version(), "platform": platform.platform(), "cpu": cpu,
            "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024**2, 1) if mem_kb else None,
            "load_average_at_start": list(os.getloadavg()), "host_speed": host_speed(), "commit": commit,
            "versions": _versions()}


PROBE_LOOP = 30_000_000  # iterations of the host-speed probe: about 0.35 s on a quiet day of this 2-core machine


def host_speed() -> dict[str, Any]:
    """How fast this shared machine is right now, so that timings of different days can be compared: seconds of a
    fixed single-thread Python loop (best of 3; ~0.35 s quiet, ~1 s on a busy day here) and the kernel's CPU
    pressure (the share of time runnable tasks waited for a CPU, /proc/pressure/cpu, Linux only)."""
    runs = [probe_loop_s() for _ in range(3)]
    pressure: dict[str, float] = {}
    for line in _read_lines("/proc/pressure/cpu"):
        if line.startswith("some "):
            pressure = {k: float(v) for k, v in (f.split("=") for f in line.split()[1:]) if k.startswith("avg")}
    return {"python_loop_s": round(min(runs), 6), "cpu_pressure_pct": pressure or None}


def probe_loop_s() -> float:
    """Seconds of one run of the host-speed probe loop (see host_speed)."""
    start = time.perf_counter()
    sum(range(PROBE_LOOP))
    return time.perf_counter() - start


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _child(module: str, args: list[str]) -> dict[str, Any]:
    """Run `python -m module args` from the repository root; its stdout is one JSON document."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=None, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        code = proc.returncode
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with {code}"
        return {"error": f"python -m {module} {' '.join(args)} {how} (its stderr is above)", "wall_s": round(wall, 3)}
    result = json.loads(proc.stdout)
    result["wall_s"] = round(wall, 3)
    return result


def _score_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": runs[0].get("error") if runs else "not run", "runs": runs}
    summary: dict[str, Any] = {k: ok[0][k] for k in ("units", "parcels", "enterprises", "scored_units")}
    for key in ("import_s", "read_s", "evaluate_s", "total_s", "process_s"):
        summary[f"{key[:-2]}_median_s"] = round(statistics.median(r[key] for r in ok), 3)
    summary["total_runs_s"] = [r["total_s"] for r in ok]
    summary["host_loop_s"] = [r.get("host_loop_s") for r in ok]  # the probe just before each run: its load
    summary["peak_rss_mb"] = max(r["peak_rss_mb"] for r in ok)
    if len(ok) < len(runs):
        summary["failed_runs"] = [r for r in runs if "error" in r]
    return summary


def _probed(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`run()`'s result with the host-speed probe taken just before it (`host_loop_s`): a slow run on a busy
    moment of the shared machine shows as such."""
    loop = probe_loop_s()
    return {**run(), "host_loop_s": round(loop, 4)}


def bench_case(n_parcels: int, variant: str, repeat: int, workdir: Path, *, profile: int = 0,
               duckdb: bool = True, geopandas: bool = True, score: bool = True) -> dict[str, Any]:
    """Overlay methods and `repeat` whole score runs on one synthetic city."""
    workdir.mkdir(parents=True, exist_ok=True)  # a --workdir that does not exist yet is made
    with tempfile.TemporaryDirectory(prefix=f"city{n_parcels}-{variant}-", dir=workdir) as tmp:
        project = Path(tmp) / "project"
        args = ["--parcels", str(n_parcels), "--repeat", str(repeat)]
        args += ["--complex"] if variant == "complex" else []
        args += ["--project", str(project)] if score else []
        args += [] if duckdb else ["--no-duckdb"]
        args += [] if geopandas else ["--no-geopandas"]
        overlay = _child("benchmarks.overlay_bench", args)
        result: dict[str, Any] = {"parcels": n_parcels, "variant": variant, "overlay": overlay}
        if score and "error" not in overlay:
            runs, warm = [], []
            for i in range(repeat):  # cold: the project's layer cache removed first, as after an import
                say(f"{n_parcels} {variant}: whole score run {i + 1}/{repeat}, cold")
                runs.append(_probed(lambda: _child("benchmarks.score_bench", [str(project), "--cold"])))
            for i in range(repeat):  # warm: the cache the cold runs left
                say(f"{n_parcels} {variant}: whole score run {i + 1}/{repeat}, warm")
                warm.append(_probed(lambda: _child("benchmarks.score_bench", [str(project)])))
            summary = _score_summary(runs)
            summary["warm"] = _score_summary(warm)
            if profile:  # an extra run: profiling slows it, so its times stay out of the medians
                say(f"{n_parcels} {variant}: profiled score run")
                summary["profile"] = _child("benchmarks.score_bench", [str(project), "--profile", str(profile)]).get("profile")
            result["score"] = summary
    return result


def goal_checks(case_simple: dict | None, case_complex: dict | None) -> dict[str, Any]:
    """The issue's targets, checked on the given cases (the largest scale)."""
    out: dict[str, Any] = {"targets": GOALS}
    for case in (case_simple, case_complex):
        if not case or "error" in case.get("overlay", {}):
            continue
        methods = case["overlay"]["methods"]
        kernel = methods["landpark"]["median_s"]
        checks: dict[str, Any] = {"parcels": case["parcels"], "kernel_s": kernel}
        peers = {name: methods[name]["median_s"] for name in PEERS if "median_s" in methods.get(name, {})}
        if peers:
            fastest = min(peers, key=peers.__getitem__)
            checks["fastest_peer"], checks["fastest_peer_s"] = fastest, peers[fastest]
            checks["kernel_over_fastest_peer"] = round(kernel / peers[fastest], 3)
            checks["kernel_within_0_8_of_fastest_peer"] = kernel <= peers[fastest] * GOALS["kernel_vs_fastest_peer_max_ratio"]
        gp = methods.get("geopandas_overlay", {})
        if "median_s" in gp:
            checks["geopandas_over_kernel"] = round(gp["median_s"] / kernel, 3)
            checks["kernel_3x_faster_than_geopandas"] = gp["median_s"] / kernel >= GOALS["geopandas_vs_kernel_min_ratio"]
        score = case.get("score", {})
        if "total_median_s" in score:
            limit = GOALS["score_cold_max_s"][case["variant"]]
            checks["score_cold_s"] = score["total_median_s"]
            checks[f"score_cold_within_{limit:g}_s"] = score["total_median_s"] <= limit
            checks["score_warm_s"] = score.get("warm", {}).get("total_median_s")
            checks["score_peak_rss_mb"] = max(score["peak_rss_mb"], score.get("warm", {}).get("peak_rss_mb", 0))
            checks["score_peak_within_2_gb"] = checks["score_peak_rss_mb"] <= GOALS["score_peak_max_mb"]
        checks["methods_agree"] = case["overlay"].get("all_agree")
        out[case["variant"]] = checks
    return out


def bench_postgis(n_parcels: int, variants: list[str], repeat: int, *, url: str | None = None,
                  workdir: Path | None = None) -> dict[str, Any]:
    """The city of each variant copied into PostGIS and scored from it (benchmarks.pg_bench, its own process), or
    {"skipped": why} when psycopg, PostgreSQL or PostGIS is missing."""
    out: dict[str, Any] = {"cases": []}
    for variant in variants:
        say(f"--- {n_parcels} parcels, {variant}, from PostGIS ---")
        args = ["--parcels", str(n_parcels), "--repeat", str(repeat)] + (["--complex"] if variant == "complex" else [])
        args += (["--url", url] if url else []) + (["--workdir", str(workdir)] if workdir else [])
        result = _child("benchmarks.pg_bench", args)
        if "skipped" in result:
            say(result["skipped"])
            return {"skipped": result["skipped"]}
        out["cases"].extend(result.get("cases", [result]))
    out["agree"] = all(c.get("same_scores_as_folder", False) for c in out["cases"])
    return out


def bench_dask(n_parcels: int, variants: list[str], repeat: int, *, workers: str = "1,2",
               workdir: Path | None = None) -> dict[str, Any]:
    """The city of each variant scored with the overlay on dask LocalClusters (benchmarks.dask_bench, its own
    process), or {"skipped": why} when dask, distributed or dask-geopandas is missing."""
    out: dict[str, Any] = {"cases": []}
    for variant in variants:
        say(f"--- {n_parcels} parcels, {variant}, on dask ({workers} workers) ---")
        args = ["--parcels", str(n_parcels), "--repeat", str(repeat), "--workers", workers]
        args += (["--complex"] if variant == "complex" else []) + (["--workdir", str(workdir)] if workdir else [])
        result = _child("benchmarks.dask_bench", args)
        if "skipped" in result:
            say(result["skipped"])
            return {"skipped": result["skipped"]}
        out["cases"].append(result)
    out["agree"] = all(c.get("parity_1e-9", False) for c in out["cases"])
    return out


def run_benchmarks(scales: list[int], variants: list[str], repeat: int = 3, *, profile: int = 0,
                   duckdb: bool = True, geopandas: bool = True, score: bool = True, demo: bool = True,
                   workdir: Path | None = None, postgis: bool = False, postgis_url: str | None = None,
                   dask: bool = False, dask_workers: str = "1,2") -> dict[str, Any]:
    """Every (scale, variant) case, the demo district, machine information and the goal checks, as one JSON-ready dict."""
    start = time.perf_counter()
    document: dict[str, Any] = {"machine": machine_info(), "repeat": repeat, "cases": []}
    for n in scales:
        for variant in variants:
            say(f"--- {n} parcels, {variant} ---")
            document["cases"].append(bench_case(n, variant, repeat, workdir or Path(tempfile.gettempdir()),
                                                profile=profile, duckdb=duckdb, geopandas=geopandas, score=score))
    largest = [c for c in document["cases"] if c["parcels"] == max(scales)]
    by_variant = {c["variant"]: c for c in largest}
    document["goals"] = goal_checks(by_variant.get("simple"), by_variant.get("complex"))
    if demo:
        say("--- the demo district ---")
        args = ["--workdir", str(workdir)] if workdir else []
        document["demo"] = _child("benchmarks.demo_bench", args)
        document["goals"]["demo"] = document["demo"].get("goals", {"error": document["demo"].get("error")})
    if postgis:
        document["postgis"] = bench_postgis(max(scales), variants, repeat, url=postgis_url, workdir=workdir)
    if dask:
        document["dask"] = bench_dask(max(scales), variants, repeat, workers=dask_workers, workdir=workdir)
    document["all_agree"] = all(c["overlay"].get("all_agree", False) for c in document["cases"]) and \
        all(document[k].get("agree", True) for k in ("postgis", "dask") if k in document)
    document["machine"]["load_average_at_end"] = list(os.getloadavg())
    document["elapsed_s"] = round(time.perf_counter() - start, 1)
    return document


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v.replace("_", "")) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive parcel counts, got {text!r}")
    return values


def _variant_list(text: str) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    bad = [v for v in values if v not in VARIANTS]
    if bad or not values:
        raise argparse.ArgumentTypeError(f"unknown variant(s) {bad or text!r}; choose from {', '.join(VARIANTS)}")
    return values


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; prints the JSON document on stdout. Exit 1 when overlay methods disagree."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=_int_list, default=list(DEFAULT_SCALES), help="parcel counts, e.g. 10000,100000")
    parser.add_argument("--variants", type=_variant_list, default=list(VARIANTS), help="simple,complex")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median reported)")
    parser.add_argument("--out", default="bench-results/bench.json", help="also write the JSON here ('-': do not)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="add one profiled score run per case and list its N slowest project functions")
    parser.add_argument("--no-duckdb", action="store_true")
    parser.add_argument("--no-geopandas", action="store_true")
    parser.add_argument("--no-score", action="store_true", help="overlay benchmarks only")
    parser.add_argument("--no-demo", action="store_true", help="leave out the demo district benchmark")
    parser.add_argument("--workdir", type=Path, help="where the temporary project folders go (default: system temp)")
    parser.add_argument("--postgis", action="store_true",
                        help="also score the largest scale from PostGIS (a private cluster unless --postgis-url)")
    parser.add_argument("--postgis-url", metavar="URL",
                        help="with --postgis: an existing database, postgresql://user@host:port/db (password from "
                             "PGPASSWORD or ~/.pgpass); schemas bench_* in it are replaced")
    parser.add_argument("--dask", action="store_true", help="also score the largest scale on dask LocalClusters")
    parser.add_argument("--dask-workers", default="1,2", metavar="N,N", help="with --dask: worker counts (default 1,2)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    document = run_benchmarks(args.scales, args.variants, args.repeat, profile=args.profile, duckdb=not args.no_duckdb,
                              geopandas=not args.no_geopandas, score=not args.no_score, demo=not args.no_demo,
                              workdir=args.workdir, postgis=args.postgis, postgis_url=args.postgis_url, dask=args.dask,
                              dask_workers=args.dask_workers)
    for variant, checks in document["goals"].items():  # each goal with its verdict, on stderr beside the progress
        if isinstance(checks, dict):
            for name, ok in checks.items():
                if isinstance(ok, bool):
                    say(f"goal {variant}: {name}: {'PASS' if ok else 'FAIL'}")
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if args.out not in ("", "-"):
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
        say(f"wrote {out}")
    print(text)
    return 0 if document["all_agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
