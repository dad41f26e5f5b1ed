"""A real SIGKILL during an import (issue 11, item 8): the project stays as it was, the killed write's temp
files are removed by the next command, and a killed *fresh* import leaves a folder every command calls
incomplete. The kill is a real `kill -9` of a CLI process caught while it writes, not a simulation."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from layers.project import INCOMPLETE_MARKER, Project
from tests.demolayers import demo_layers

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")


def big_parcels(tmp_path: Path, around: tuple[float, float], n_side: int = 260) -> Path:
    """n_side² small industrial parcels (67 600 by default) in EPSG:4549: a write that takes seconds."""
    x0, y0 = around
    xs, ys = np.meshgrid(np.arange(n_side) * 30.0 + x0, np.arange(n_side) * 30.0 + y0)
    boxes = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 25, ys.ravel() + 25)
    gdf = gpd.GeoDataFrame({"宗地代码": [f"P{i:06d}" for i in range(len(boxes))], "地类编码": "0601",
                            "地类名称": "工业用地", "供地状态": "已建成"}, geometry=boxes, crs="EPSG:4549")
    path = tmp_path / "big.gpkg"
    gdf.to_file(path, layer="宗地", engine="pyogrio")
    return path


def start_import(source: Path, folder: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "cli", "import", str(source), "--kind", "parcels", "--into",
                             str(folder), *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def temps(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob(".project.gpkg.*") if not p.name.endswith(".lock"))


def temp_sizes(folder: Path) -> list[int]:
    """Sizes of the temp files that still exist: SQLite's journal comes and goes between a listing and a stat."""
    sizes = []
    for path in temps(folder):
        try:
            sizes.append(path.stat().st_size)
        except FileNotFoundError:
            continue
    return sizes


def kill_while_writing(proc: subprocess.Popen, folder: Path, min_bytes: int = 200_000, timeout: float = 240) -> int:
    """SIGKILL `proc` once its temp GeoPackage beside project.gpkg holds `min_bytes`; returns the temp size."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the import ended (exit {proc.returncode}) before it could be killed while writing:\n{out!r}\n{err!r}")
        sizes = temp_sizes(folder)
        if sizes and max(sizes) >= min_bytes:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            return max(sizes)
        time.sleep(0.002)
    proc.kill()
    pytest.fail("no temp file appeared while the import ran")


def landpark(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_kill_during_replace_keeps_the_project_and_the_next_run_cleans_up(tmp_path):
    folder = tmp_path / "p"
    project = Project.create(folder, crs="EPSG:4549")
    parks = demo_layers(3)["parks"]
    project.write_layers({"parks": parks}, issues=[])
    before = digest(project.gpkg)
    x0, y0, _, _ = parks.total_bounds
    source = big_parcels(tmp_path, (x0, y0))
    proc = start_import(source, folder, "--mode", "replace")
    kill_while_writing(proc, folder)
    assert proc.returncode == -signal.SIGKILL
    left = temps(folder)
    assert left, "a killed write leaves its temp file (this is what the next run must clean)"
    assert digest(project.gpkg) == before  # the project was never touched
    run = landpark("score", str(folder), "--json")
    assert run.returncode == 0, run.stderr
    assert temps(folder) == [] and not list(folder.glob(".project.gpkg.*"))  # temp, journal and lock removed
    assert digest(project.gpkg) == before
    assert "parcels" not in Project.open(folder).layer_names()


def test_kill_during_a_fresh_import_leaves_a_folder_called_incomplete(tmp_path):
    parks = demo_layers(3)["parks"]
    x0, y0, _, _ = parks.total_bounds
    source = big_parcels(tmp_path, (x0, y0))
    folder = tmp_path / "fresh"
    proc = start_import(source, folder)
    kill_while_writing(proc, folder)
    assert (folder / INCOMPLETE_MARKER).exists()
    for args in (("score", str(folder), "--json"), ("explain", str(folder), "P01"), ("site", str(folder), "--area-mu", "50")):
        run = landpark(*args)
        assert run.returncode in (1, 2) and "Traceback" not in run.stderr + run.stdout, args
    score = landpark("score", str(folder))
    assert score.returncode == 1 and "incomplete" in (score.stdout + score.stderr)
    again = landpark("import", str(source), "--kind", "parcels", "--into", str(folder), "--mode", "replace")
    assert again.returncode == 0, again.stderr + again.stdout
    assert not (folder / INCOMPLETE_MARKER).exists() and temps(folder) == []
    assert len(Project.open(folder).read_layer("parcels")) == 260 * 260
