"""`landpark import --mode replace|append`: an import says what it changes (before → after), in the CLI text,
`--json` and the app; an append refuses ids already in the layer and writes nothing then."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from layers.importer import ImportChange, ModeRequired, import_source
from layers.problems import InputError
from layers.project import Project

ROOT = Path(__file__).resolve().parents[1]
X0, Y0 = 40_500_000.0, 3_300_000.0  # inside CGCS2000 3° GK zone 40 (EPSG:4528)


def landpark(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


def parks_file(folder: Path, name: str, ids: list[str]) -> Path:
    """Parks with Chinese headers, 100 m × 100 m squares in a row, in EPSG:4528."""
    geoms = [shapely.box(X0 + 200 * i, Y0, X0 + 200 * i + 100, Y0 + 100) for i in range(len(ids))]
    gdf = gpd.GeoDataFrame({"园区编号": ids, "园区名称": [f"园区{i}" for i in ids]}, geometry=geoms, crs=4528)
    path = folder / f"{name}.gpkg"
    gdf.to_file(path, driver="GPKG", engine="pyogrio")
    return path


def four_then(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "proj"
    first = parks_file(tmp_path, "four", [f"A{i}" for i in range(4)])
    import_source(first, "parks", project)
    return project, first


def squash(text: str) -> str:
    """Text without spaces and the frame rich draws around a usage error (it wraps lines anywhere)."""
    return "".join(text.replace("│", "").split())


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_new_layer_needs_no_mode_and_is_created_from_zero(tmp_path):
    result = import_source(parks_file(tmp_path, "four", ["A0", "A1", "A2", "A3"]), "parks", tmp_path / "p")
    assert result.change == ImportChange("replace", 0, 4, 4, 0)


def test_replace_states_4_to_10(tmp_path):
    project, _ = four_then(tmp_path)
    ten = parks_file(tmp_path, "ten", [f"B{i}" for i in range(10)])
    result = import_source(ten, "parks", project, mode="replace")
    assert result.change == ImportChange("replace", 4, 10, 10, 4)
    assert sorted(Project.open(project).read_layer("parks")["park_id"]) == sorted(f"B{i}" for i in range(10))


def test_append_4_plus_10_is_14_with_every_id(tmp_path):
    project, _ = four_then(tmp_path)
    ten = parks_file(tmp_path, "ten", [f"B{i}" for i in range(10)])
    result = import_source(ten, "parks", project, mode="append")
    assert result.change == ImportChange("append", 4, 14, 10, 0)
    parks = Project.open(project).read_layer("parks")
    assert sorted(parks["park_id"]) == sorted([f"A{i}" for i in range(4)] + [f"B{i}" for i in range(10)])
    assert parks.crs.to_epsg() == 4528 and shapely.is_valid(parks.geometry.to_numpy()).all()


def test_append_keeps_the_old_data_issues(tmp_path):
    project = tmp_path / "p"
    dup = parks_file(tmp_path, "dup", ["A0", "A0"])  # a duplicate id: a kept warning
    import_source(dup, "parks", project)
    assert len(Project.open(project).data_issues()) == 1
    import_source(parks_file(tmp_path, "two", ["B0", "B1"]), "parks", project, mode="append")
    assert list(Project.open(project).data_issues()["code"]) == ["duplicate_id"]


def test_append_collision_is_refused_naming_ids_and_writes_nothing(tmp_path):
    project, _ = four_then(tmp_path)
    before = digest(project)
    ids = [f"A{i}" for i in range(2)] + [f"C{i}" for i in range(30)]
    first = parks_file(tmp_path, "first", [f"C{i}" for i in range(30)])
    import_source(first, "parks", project, mode="append")  # 4 + 30
    before = digest(project)
    clash = parks_file(tmp_path, "clash", ids)
    with pytest.raises(InputError) as err:
        import_source(clash, "parks", project, mode="append")
    message = str(err.value)
    assert "32 feature id(s) already in layer parks" in message
    assert "A0, A1, C0, C1" in message and "… (32 in all)" in message and "C25" not in message
    assert {p.code for p in err.value.problems} == {"id_collision"} and len(err.value.problems) == 32
    assert all(p.severity == "error" for p in err.value.problems)
    assert digest(project) == before  # nothing written, byte for byte


def test_existing_layer_without_mode_is_a_usage_error(tmp_path):
    project, first = four_then(tmp_path)
    before = digest(project)
    with pytest.raises(ModeRequired) as err:
        import_source(first, "parks", project)
    assert err.value.before == 4 and "replace, append" in str(err.value)
    assert digest(project) == before


def test_cli_existing_layer_without_mode_exits_2_naming_choices_and_count(tmp_path):
    project, first = four_then(tmp_path)
    before = digest(project)
    run = landpark("import", str(first), "--kind", "parks", "--into", str(project), "--json")
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""  # nothing on stdout for a usage error
    err = squash(run.stderr)
    assert "--mode" in err and "replace,append" in err and "4feature(s)" in err
    assert digest(project) == before
    bad = landpark("import", str(first), "--kind", "parks", "--into", str(project), "--mode", "merge")
    assert bad.returncode == 2 and "replace,append" in squash(bad.stderr)


def test_cli_text_and_json_state_the_change(tmp_path):
    project, _ = four_then(tmp_path)
    ten = parks_file(tmp_path, "ten", [f"B{i}" for i in range(10)])
    run = landpark("import", str(ten), "--kind", "parks", "--into", str(project), "--mode", "replace")
    assert run.returncode == 0, run.stderr
    assert "已替换：4 → 10 个要素" in run.stdout
    more = parks_file(tmp_path, "more", [f"D{i}" for i in range(3)])
    run = landpark("import", str(more), "--kind", "parks", "--into", str(project), "--mode", "append", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert {k: doc[k] for k in ("mode", "before", "after", "added", "replaced")} == \
        {"mode": "append", "before": 10, "after": 13, "added": 3, "replaced": 0}
    run = landpark("import", str(more), "--kind", "parks", "--into", str(project), "--mode", "append", "--json")
    assert run.returncode == 1
    doc = json.loads(run.stdout)
    assert doc["ok"] is False and "D0, D1, D2" in doc["error"]
    fresh = landpark("import", str(more), "--kind", "parks", "--into", str(tmp_path / "new"), "--lang", "en")
    assert fresh.returncode == 0 and "New layer: 3 features." in fresh.stdout


def test_app_data_page_asks_the_mode_and_shows_before_after(tmp_path):
    from tests.apphelp import page_app

    project, _ = four_then(tmp_path)
    ten = parks_file(tmp_path, "ten", [f"B{i}" for i in range(10)])
    at = page_app("data_page", session={"project_root": str(project)}, timeout=120).run()
    at.file_uploader[0].upload(ten.name, ten.read_bytes(), "application/geopackage+sqlite3").run()
    assert not at.exception, at.exception
    kind_box = next(s for s in at.selectbox if s.label == "图层类型")
    if kind_box.value != "parks":
        kind_box.select("parks").run()
    assert any("已有“产业园区”图层（4 个要素）" in w.value for w in at.warning)
    radio = at.radio(key="data_mode_parks")
    assert radio.value is None and at.button(key="data_import").disabled
    radio.set_value("replace").run()
    assert not at.button(key="data_import").disabled
    at.button(key="data_import").click().run()
    assert not at.exception, at.exception
    assert any("已替换：4 → 10 个要素" in s.value for s in at.success), [s.value for s in at.success]
    assert len(Project.open(project).read_layer("parks")) == 10
