"""A synthetic city scored from PostGIS: copy the project folder into a schema, then load_inputs + evaluate from it.

`python -m benchmarks.pg_bench --parcels 100000[,1000000] [--complex] [--repeat N] [--url URL] [--workdir DIR]`
For each scale, separate processes (so each peak memory is that step's own): build the city and write it as a
project folder; `copy_project` it into a schema; score it `--repeat` times from the schema (open_project(URL),
load_inputs, evaluate) and once from the folder, for comparison. Also the schema's size on disk, from PostgreSQL.
Without `--url` a private cluster is started (initdb in a temp folder, 127.0.0.1, a free port, PGPASSFILE) and
removed at the end; with `--url` the password comes from PGPASSWORD or ~/.pgpass and the schema `bench_<n>` is
replaced. One JSON document on stdout; without psycopg, PostgreSQL or PostGIS it says so and skips (exit 0).
PostgreSQL's own server memory is not in the peaks (they are the Python process's).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import pwd
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.run import _int_list
from layers.postgis import find_pg_bin

__all__ = ["missing_component", "private_cluster", "bench_scale", "main"]

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 60  # pg_ctl waits at most this long for the private server
SERVER_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB"  # a throwaway cluster


def say(message: str) -> None:
    """Progress on stderr (stdout carries only the JSON)."""
    print(f"pg_bench: {message}", file=sys.stderr, flush=True)


def missing_component(url: str | None) -> str | None:
    """Why the benchmark cannot run here (psycopg, PostgreSQL or PostGIS missing), or None when it can."""
    try:
        import psycopg  # noqa: F401, PLC0415
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]'): the PostGIS benchmark is skipped"
    if url is None:
        pg_bin = find_pg_bin()
        if pg_bin is None:
            return "PostgreSQL's initdb is not installed (Debian: apt-get install postgresql-15-postgis-3): skipped"
        control = glob.glob("/usr/share/postgresql/*/extension/postgis.control")
        if not glob.glob(str(pg_bin.parent / "lib" / "postgis*.so")) and not control:
            return "PostGIS is not installed for this PostgreSQL (apt-get install postgresql-15-postgis-3): skipped"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root without a 'postgres' account to run a private PostgreSQL as: skipped"
    return None


@contextlib.contextmanager
def private_cluster(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """A throwaway PostGIS server in `folder` on 127.0.0.1; yields (database URL without schema, connect kwargs) with
    PGPASSFILE set for child processes; stops it at the end."""
    import psycopg  # noqa: PLC0415

    pg_bin = find_pg_bin()
    assert pg_bin is not None
    prefix: list[str] = []
    password, user, port = secrets.token_hex(16), "landpark_bench", _free_port()
    data, pwfile = folder / "data", folder / "pw"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        account = pwd.getpwnam("postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
        for path in (folder, pwfile):
            os.chown(path, account.pw_uid, account.pw_gid)
    started = False
    try:
        _run([*prefix, str(pg_bin / "initdb"), "-D", str(data), "-U", user, "--pwfile", str(pwfile),
              "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder} {SERVER_SETTINGS}"
        _run([*prefix, str(pg_bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"),
              "-w", "-t", str(START_TIMEOUT_S), "start"])
        started = True
        kwargs: dict[str, Any] = {"host": "127.0.0.1", "port": port, "user": user, "password": password, "autocommit": True}
        with psycopg.connect(dbname="postgres", **kwargs) as conn:
            conn.execute("CREATE DATABASE landpark_bench")
        kwargs["dbname"] = "landpark_bench"
        with psycopg.connect(**kwargs) as conn:
            conn.execute("CREATE EXTENSION postgis")
        passfile = folder / "pgpass"
        passfile.write_text(f"127.0.0.1:{port}:*:{user}:{password}\n")
        passfile.chmod(0o600)
        os.environ["PGPASSFILE"] = str(passfile)
        os.environ["LANDPARK_PG_CACHE"] = str(folder / "cache")
        yield f"postgresql://{user}@127.0.0.1:{port}/landpark_bench", kwargs
    finally:
        if started:
            subprocess.run([*prefix, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                           capture_output=True, timeout=120)


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket  # noqa: PLC0415

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(command: list[str]) -> None:
    """Run one server program; a failure raises with its own output."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT_S + 60)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[-1] if command[-1] != 'start' else command[0]).name} failed: "
                           f"{done.stdout[-1500:]} {done.stderr[-1500:]}")


# ---- the steps, each run in its own process -------------------------------------------------------

def step_write(n_parcels: int, complex: bool, folder: Path) -> dict[str, Any]:
    """Build the city and write it as a project folder."""
    from benchmarks.memory import peak_rss_mb  # noqa: PLC0415
    from benchmarks.overlay_bench import write_project  # noqa: PLC0415
    from benchmarks.synthetic import make_city  # noqa: PLC0415

    start = time.perf_counter()
    city = make_city(n_parcels, complex=complex)
    generated = time.perf_counter() - start
    written = write_project(city, folder)
    return {"generate_s": round(generated, 3), "write_folder_s": round(written, 3),
            "layers": {k: len(v) for k, v in city.items()}, "peak_rss_mb": round(peak_rss_mb(), 1)}


def step_copy(folder: Path, url: str) -> dict[str, Any]:
    """`copy_project` the folder into the schema (one transaction), replacing what is there."""
    from benchmarks.memory import peak_rss_mb  # noqa: PLC0415
    from layers.project_copy import copy_project  # noqa: PLC0415

    start = time.perf_counter()
    copy_project(folder, url, replace=True)
    return {"copy_s": round(time.perf_counter() - start, 3), "peak_rss_mb": round(peak_rss_mb(), 1)}


def step_score(target: str) -> dict[str, Any]:
    """Open the project (folder or URL), load_inputs and evaluate: seconds of each and the peak memory."""
    from analysis.inputs import load_inputs  # noqa: PLC0415
    from analysis.score import evaluate  # noqa: PLC0415
    from benchmarks.memory import peak_rss_mb  # noqa: PLC0415
    from layers.projects import open_project  # noqa: PLC0415

    start = time.perf_counter()
    project = open_project(target)
    opened = time.perf_counter()
    inputs = load_inputs(project)
    loaded = time.perf_counter()
    ev = evaluate(inputs)
    done = time.perf_counter()
    return {"open_s": round(opened - start, 3), "read_s": round(loaded - opened, 3), "evaluate_s": round(done - loaded, 3),
            "total_s": round(done - start, 3), "parcels": len(inputs.parcels), "units": len(inputs.units),
            "scored_units": int(ev.units["score"].notna().sum()), "score_sum": float(ev.units["score"].fillna(0).sum()),
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def _child(args: list[str]) -> dict[str, Any]:
    """Run one step of this module in a fresh process; its stdout is one JSON document."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "benchmarks.pg_bench", *args], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        return {"error": f"step {args[:2]} exited with {proc.returncode} (its stderr is above)"}
    result = json.loads(proc.stdout)
    result["wall_s"] = round(time.perf_counter() - start, 3)
    return result


def _schema_size_mb(connect: dict[str, Any] | None, schema: str) -> float | None:
    """Bytes the schema's tables and indexes take in the database, in MiB (None without connection details)."""
    if connect is None:
        return None
    import psycopg  # noqa: PLC0415

    with psycopg.connect(**connect) as conn:
        row = conn.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                           "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 't', 'm')",
                           (schema,)).fetchone()
    return round(float(row[0] or 0) / 2**20, 1)


def bench_scale(n_parcels: int, *, complex: bool, repeat: int, base_url: str, workdir: Path,
                connect: dict[str, Any] | None) -> dict[str, Any]:
    """Write, copy in, score from the schema `repeat` times and once from the folder: one JSON-ready dict."""
    variant = "complex" if complex else "simple"
    schema = f"bench_{n_parcels}_{variant}"
    url = f"{base_url}?schema={schema}"
    out: dict[str, Any] = {"parcels": n_parcels, "variant": variant, "schema": schema}
    with tempfile.TemporaryDirectory(prefix=f"pgbench{n_parcels}-", dir=workdir) as tmp:
        folder = Path(tmp) / "project"
        say(f"{n_parcels} {variant}: building the city and its folder")
        out["write"] = _child(["--step", "write", str(n_parcels), variant, str(folder)])
        if "error" in out["write"]:
            return out
        say(f"{n_parcels} {variant}: copying the folder into {schema}")
        out["copy"] = _child(["--step", "copy", str(folder), url])
        if "error" in out["copy"]:
            return out
        out["schema_size_mb"] = _schema_size_mb(connect, schema)
        runs = []
        for i in range(repeat):
            say(f"{n_parcels} {variant}: score from PostGIS {i + 1}/{repeat}")
            runs.append(_child(["--step", "score", url]))
        say(f"{n_parcels} {variant}: score from the folder")
        folder_run = _child(["--step", "score", str(folder)])
    ok = [r for r in runs if "error" not in r]
    out["postgis_runs"] = runs
    out["folder_run"] = folder_run
    if ok:
        summary = {f"{k[:-2]}_median_s": round(statistics.median(r[k] for r in ok), 3)
                   for k in ("read_s", "evaluate_s", "total_s")}
        summary["peak_rss_mb"] = max(r["peak_rss_mb"] for r in ok)
        out["postgis"] = summary
        if "error" not in folder_run:
            out["read_postgis_over_folder"] = round(summary["read_median_s"] / folder_run["read_s"], 2)
            want = folder_run["score_sum"]
            out["same_scores_as_folder"] = all(r["scored_units"] == folder_run["scored_units"]
                                               and abs(r["score_sum"] - want) <= 1e-9 * max(1.0, abs(want)) for r in ok)
    return out


def _step(argv: list[str]) -> int:
    """Run one internal step (`--step write|copy|score ...`) and print its JSON."""
    name, rest = argv[0], argv[1:]
    if name == "write":
        result = step_write(int(rest[0]), rest[1] == "complex", Path(rest[2]))
    elif name == "copy":
        result = step_copy(Path(rest[0]), rest[1])
    elif name == "score":
        result = step_score(rest[0])
    else:
        raise SystemExit(f"unknown step {name!r}")
    print(json.dumps(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: one JSON document on stdout; exit 1 when a step failed or PostGIS scores differ from the folder's."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--step"]:
        return _step(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pg_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=_int_list, default=[100_000], help="parcel counts, e.g. 100000,1000000")
    parser.add_argument("--complex", action="store_true", help="16-vertex parcels, 400-vertex units")
    parser.add_argument("--repeat", type=int, default=1, help="score runs from PostGIS per scale (median reported)")
    parser.add_argument("--url", help="an existing PostGIS database (postgresql://user@host:port/db; password from "
                                      "PGPASSWORD or ~/.pgpass); default: a private cluster started for the run")
    parser.add_argument("--workdir", type=Path, help="where the temporary folders go (default: system temp)")
    args = parser.parse_args(argv)
    reason = missing_component(args.url)
    if reason:
        say(reason)
        print(json.dumps({"skipped": reason}))
        return 0
    document: dict[str, Any] = {"cpu_count": os.cpu_count(), "load_average_at_start": list(os.getloadavg()),
                                "repeat": max(1, args.repeat), "cases": []}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pg-bench-", dir=args.workdir) as tmp:
        if args.url:
            base, connect = args.url.split("?", 1)[0], None
            cluster: contextlib.AbstractContextManager = contextlib.nullcontext((base, connect))
        else:
            say("starting a private PostGIS cluster")
            cluster = private_cluster(Path(tmp))
        with cluster as (base_url, connect):
            for n in args.parcels:
                document["cases"].append(bench_scale(n, complex=args.complex, repeat=max(1, args.repeat), base_url=base_url,
                                                     workdir=Path(tmp), connect=connect))
    document["load_average_at_end"] = list(os.getloadavg())
    document["elapsed_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps(document, indent=2))
    ok = all("postgis" in c and c.get("same_scores_as_folder", False) for c in document["cases"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
