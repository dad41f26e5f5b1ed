"""Time one whole `landpark score` run on a project folder: read the GeoPackage, then evaluate.

Meant to run in its own process so its peak memory is its own:
`python -m benchmarks.score_bench DIR [--profile N]` prints one JSON document on stdout.
"""

from __future__ import annotations

import time

_PROCESS_START = time.perf_counter()

import argparse  # noqa: E402 - the clock above starts before the imports it measures
import cProfile  # noqa: E402
import json  # noqa: E402
import pstats  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

__all__ = ["score_once", "profile_rows", "main"]


def score_once(root: Path) -> dict[str, Any]:
    """Seconds to import the analysis, read the project's inputs and evaluate them, with their sizes."""
    from spatial.allocator import limit_arenas  # noqa: PLC0415

    limit_arenas()  # as `landpark` does before anything else (cli.main)
    start = time.perf_counter()
    from analysis.inputs import load_inputs  # noqa: PLC0415 - import time is measured
    from analysis.score import evaluate  # noqa: PLC0415
    from layers.project import Project  # noqa: PLC0415

    imported = time.perf_counter()
    inputs = load_inputs(Project.open(root, check_in_background=True))  # as `landpark score` opens it
    loaded = time.perf_counter()
    evaluation = evaluate(inputs)
    done = time.perf_counter()
    return {
        "import_s": round(imported - start, 3),
        "read_s": round(loaded - imported, 3),
        "evaluate_s": round(done - loaded, 3),
        "total_s": round(done - imported, 3),  # what the goal counts: reading the GeoPackage + evaluating
        "units": len(inputs.units), "parcels": len(inputs.parcels), "enterprises": len(inputs.enterprises),
        "scored_units": int(evaluation.units["score"].notna().sum()),
    }


def profile_rows(profile: cProfile.Profile, top: int) -> list[dict[str, Any]]:
    """The `top` project functions (analysis/, layers/, spatial/) by cumulative time."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.items():
        parts = Path(filename).parts
        for package in ("analysis", "layers", "spatial"):
            if package in parts and name != "<module>":  # import time is reported as import_s
                where = "/".join(parts[parts.index(package):])
                rows.append({"function": f"{where}:{line}({name})", "calls": calls,
                             "cumulative_s": round(cumtime, 3), "own_s": round(tottime, 3)})
                break
    rows.sort(key=lambda r: -r["cumulative_s"])
    return rows[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="run under cProfile and list the N slowest project functions (slower)")
    parser.add_argument("--cold", action="store_true",
                        help="remove the project's layer cache first (layers/project_cache.py): a first score after an import")
    args = parser.parse_args(argv)
    if args.cold:
        from layers.project_cache import clear  # noqa: PLC0415

        clear(args.project)
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    result = score_once(args.project)
    if profile:
        profile.disable()
        result["profile"] = profile_rows(profile, args.profile)
    result["process_s"] = round(time.perf_counter() - _PROCESS_START, 3)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
