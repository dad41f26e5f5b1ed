"""The hostile battery of issue 11: every input ends in a clean refusal (exit 1, nothing written) or a correct
import (bad features reported and skipped) — never a traceback, never a partial write, never a silent drop."""

from __future__ import annotations

import contextlib
import hashlib
import traceback
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import cli
from layers.problems import LandparkError
from layers.project import Project, atomic_path, remove_stale_temps
from layers.values import parse_area_mu, parse_bools, parse_dates, parse_numbers, parse_supply_status, parse_text
from tests import hostile
from tests.demolayers import demo_layers

RUNNER = CliRunner()
FIXTURES = Path(__import__("pyogrio").__file__).parent / "tests" / "fixtures"

# builder, kind, expected: ("refused", reason substring) or ("imported", features, warning code or None); the CLI
# speaks Chinese by default (--lang zh), so the reasons are the Chinese messages
BATTERY = {
    "ring1": (lambda t: hostile.make_short_ring_geojson(t, 1), "parks", ("imported", 2, "unreadable_geometry")),
    "ring2": (lambda t: hostile.make_short_ring_geojson(t, 2), "parks", ("imported", 2, "unreadable_geometry")),
    "nan_ring": (hostile.make_nan_ring_geojson, "parks", ("imported", 2, "unreadable_geometry")),
    "tin_shapefile": (hostile.make_tin_shapefile, "parcels", ("refused", "没有一个要素的几何可以读取")),
    "filegdb_binary": (hostile.make_filegdb_binary_field, "parcels", ("refused", "land_use")),
    "parquet_wkb": (hostile.make_parquet_wkb_column, "parks", ("imported", 3, None)),
    "csv_curve": (hostile.make_csv_curve_wkt, "parks", ("imported", 2, "curve_geometry")),
    "list_properties": (hostile.make_list_property_geojson, "parks", ("imported", 3, "unsupported_value")),
    "list_id": (lambda t: hostile.make_structured_value_geojson(t, "parks", "园区编号", ["YQ01", "YQ09"]), "parks",
                ("imported", 3, "unsupported_value")),
    "object_name": (lambda t: hostile.make_structured_value_geojson(t, "parks", "园区名称", {"zh": "甲", "en": "A"}),
                    "parks", ("imported", 3, "unsupported_value")),
    "list_kind": (lambda t: hostile.make_structured_value_geojson(t, "parks", "园区类型", ["综合园区", "特色园区"]),
                  "parks", ("imported", 3, "unsupported_value")),
    "object_level": (lambda t: hostile.make_structured_value_geojson(t, "parks", "批准级别", {"level": "省级"}),
                     "parks", ("imported", 3, "unsupported_value")),
    "list_supply_status": (lambda t: hostile.make_structured_value_geojson(t, "parcels", "供地状态", ["已供应", "闲置"]),
                           "parcels", ("imported", 3, "unsupported_value")),
    "object_parcel_id": (lambda t: hostile.make_structured_value_geojson(t, "parcels", "宗地编号", {"id": 2}),
                         "parcels", ("imported", 3, "unsupported_value")),
    "csv_all_curves": (hostile.make_csv_all_curves, "parks", ("refused", "曲线几何")),
    # equivalents of Fiona's test fixtures
    "fiona_mixed_multi_shp": (hostile.make_mixed_multi_shapefile, "parcels", ("imported", 3, None)),
    "fiona_z_polygons": (hostile.make_z_polygon_geojson, "parks", ("imported", 3, None)),
    "fiona_gpkg_second_layer": (hostile.make_gpkg_wanted_second, "parks", ("imported", 3, None), ["--layer", "园区"]),
    "fiona_gpkg_first_layer_default": (hostile.make_gpkg_wanted_second, "parks", ("refused", "园区编号")),
    "fiona_empty_layer": (hostile.make_empty_layer_gpkg, "parks", ("refused", "没有要素")),
    "fiona_null_geometry": (hostile.make_null_geometry_geojson, "parks", ("imported", 3, "missing_geometry")),
    "fiona_gbk_lying_cpg": (hostile.make_gbk_shapefile_lying_cpg, "parcels", ("imported", 3, "encoding_mismatch")),
    "outside_china": (hostile.make_outside_china_geojson, "parks", ("refused", "中国境外")),
    "world": (hostile.make_world_geojson, "parks", ("refused", "境外")),
    "xlsx_formulas": (hostile.make_xlsx_formulas_uncached, "enterprises", ("refused", "formula")),
    "xlsx_two_rows": (hostile.make_xlsx_two_row_header, "enterprises", ("refused", "表头占了不止一行")),
    "truncated_shp": (hostile.make_truncated_shapefile, "parcels", ("refused", "truncated")),
    "duplicate_key": (hostile.make_duplicate_key_geojson, "parks", ("imported", 2, "duplicate_key")),
    "bang_name": (hostile.make_bang_name_geojson, "parks", ("imported", 3, None)),
}


# Counts of the closing note of issue 11, filled by the tests of this module and printed after them.
COUNTS = {"inputs": 0, "clean refusals": 0, "correct imports": 0, "tracebacks": 0, "partial writes": 0}


@pytest.fixture(scope="module", autouse=True)
def battery_counts(request):
    yield COUNTS
    line = "hostile battery: " + ", ".join(f"{k} {v}" for k, v in COUNTS.items())
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
        print("\n" + line)


def invoke(*args: str) -> tuple[int, str]:
    """Run the CLI in-process as `cli.main` would: exit code and output; a traceback fails the test."""
    result = RUNNER.invoke(cli.app, list(args))
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        if isinstance(exc, LandparkError):
            return 1, f"{result.output}\n{exc}"
        COUNTS["tracebacks"] += 1
        pytest.fail("traceback:\n" + "".join(traceback.format_exception(exc)))
    if "Traceback" in (result.output or ""):
        COUNTS["tracebacks"] += 1
    assert "Traceback" not in (result.output or "")
    return result.exit_code, result.output or ""


def tree_hash(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def existing_project(folder: Path) -> Path:
    project = Project.create(folder, crs="EPSG:4549")
    layers = demo_layers(3)
    project.write_layers({"parks": layers["parks"]}, issues=[])
    return folder


@pytest.mark.parametrize("name", list(BATTERY))
def test_hostile_input(name, tmp_path):
    build, kind, expected, *rest = BATTERY[name]
    extra = list(rest[0]) if rest else []
    source = str(build(tmp_path))
    COUNTS["inputs"] += 1
    outcomes = []
    for args in (["validate", source, "--kind", kind], ["validate", source, "--kind", kind, "--json"]):
        code, _ = invoke(*args, *extra)
        assert code in (0, 1)
        outcomes.append(code)
    fresh = tmp_path / "fresh"
    code, out = invoke("import", source, "--kind", kind, "--into", str(fresh), *extra)
    assert code in (0, 1)
    if expected[0] == "refused":
        assert code == 1 and expected[1] in out, out
        if (fresh / "project.gpkg").exists():
            COUNTS["partial writes"] += 1
        assert not (fresh / "project.gpkg").exists()
        assert outcomes == [1, 1], "validate must refuse what import refuses"
    else:
        assert code == 0, out
        assert Project.open(fresh).feature_count(kind) == expected[1]
        if expected[2]:
            assert expected[2] in out
    existing = existing_project(tmp_path / "existing")
    before = tree_hash(existing)
    code, out = invoke("import", source, "--kind", kind, "--into", str(existing), "--mode", "replace", *extra)
    assert code in (0, 1)
    if code == 1:
        if tree_hash(existing) != before:
            COUNTS["partial writes"] += 1
        assert tree_hash(existing) == before, "a refused import changed the project"
    COUNTS["clean refusals" if expected[0] == "refused" else "correct imports"] += 1
    if expected[0] == "refused" and name not in ("outside_china", "world"):
        assert code == 1


def test_world_layer_into_existing_project_is_refused_not_written(tmp_path):
    existing = existing_project(tmp_path / "p")
    before = tree_hash(existing)
    code, out = invoke("import", str(hostile.make_world_geojson(tmp_path)), "--kind", "parks", "--into", str(existing),
                       "--mode", "replace")
    if code == 1:  # coordinates infinite in the project's CRS: refused, nothing written
        assert "infinite" in out and tree_hash(existing) == before
    else:  # finite there: imported with outside_project warnings, and the project still scores
        assert "outside_project" in out
        assert invoke("score", str(existing), "--json")[0] == 0


@pytest.mark.parametrize("damage", ["zeros_mid", "truncate", "garbage_head", "empty", "no_gpkg_contents",
                                    "layer_table_dropped", "plain_sqlite"])
def test_damaged_project_is_detected(tmp_path, damage):
    folder = existing_project(tmp_path / "p")
    gpkg = folder / "project.gpkg"
    if damage in ("no_gpkg_contents", "layer_table_dropped", "plain_sqlite"):
        hostile.damage_geopackage(gpkg, damage)
        code, out = invoke("score", str(folder))
        assert code == 1 and "damaged" in out and "GeoPackage" in out, out
        COUNTS["inputs"] += 1
        COUNTS["clean refusals"] += 1
        return
    data = bytearray(gpkg.read_bytes())
    if damage == "zeros_mid":
        mid = len(data) // 2
        data[mid: mid + 200_000] = b"\x00" * len(data[mid: mid + 200_000])
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "garbage_head":
        data[:100] = b"x" * 100
    else:
        data = bytearray()
    gpkg.write_bytes(bytes(data))
    code, out = invoke("score", str(folder))
    assert code == 1 and "damaged" in out
    COUNTS["inputs"] += 1
    COUNTS["clean refusals"] += 1


def test_a_check_in_background_still_refuses_a_damaged_project(tmp_path):
    """`landpark score` opens the project with SQLite's whole-file check beside the reads: a file that is not
    SQLite is refused at once, a damaged one when the inputs are handed over, and a sound one reads as before."""
    from analysis.inputs import load_inputs
    from layers.problems import InputError

    sound = existing_project(tmp_path / "sound")
    project = Project.open(sound, check_in_background=True)
    assert project._pending_check is not None  # the check runs on its thread
    inputs = load_inputs(project)
    assert project._pending_check is None and len(inputs.parcels) == Project.open(sound).feature_count("parcels")

    headless = existing_project(tmp_path / "head")
    data = bytearray((headless / "project.gpkg").read_bytes())
    data[:100] = b"x" * 100
    (headless / "project.gpkg").write_bytes(bytes(data))
    with pytest.raises(InputError, match="damaged"):
        Project.open(headless, check_in_background=True)  # refused before anything reads it

    zeroed = existing_project(tmp_path / "mid")
    data = bytearray((zeroed / "project.gpkg").read_bytes())
    mid = len(data) // 2
    data[mid: mid + 200_000] = b"\x00" * len(data[mid: mid + 200_000])
    (zeroed / "project.gpkg").write_bytes(bytes(data))
    project = Project.open(zeroed, check_in_background=True)  # the header is sound: the check goes on beside
    with pytest.raises(InputError, match="damaged"):
        load_inputs(project)


def test_stale_temps_removed_live_ones_kept(tmp_path):
    folder = existing_project(tmp_path / "p")
    stale = folder / ".project.gpkg.abc123.gpkg"
    stale.write_bytes(b"x" * 100)
    (folder / ".project.gpkg.abc123.gpkg-journal").write_bytes(b"j")
    (folder / ".project.gpkg.abc123.gpkg.lock").write_bytes(b"")  # its writer was killed: nobody holds the lock
    with atomic_path(folder / "project.gpkg", copy_existing=True) as live:
        assert not stale.exists() and not (folder / ".project.gpkg.abc123.gpkg-journal").exists()
        assert live.exists()
        assert remove_stale_temps(folder / "project.gpkg") == []  # a running write's temp is locked: kept
        assert live.exists()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".project")) == []


def test_killed_fresh_import_is_recognised_as_incomplete(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "landpark.toml").write_text((Path(cli.__file__).parent / "layers" / "landpark.default.toml")
                                          .read_text(encoding="utf-8"), encoding="utf-8")
    (folder / ".landpark-import-incomplete").write_text("x", encoding="utf-8")
    code, out = invoke("score", str(folder))
    assert code == 1 and "incomplete" in out
    code, out = invoke("import", str(hostile.make_geojson(tmp_path, extra_properties=[{"园区编号": f"Y{i}"} for i in range(3)])),
                       "--kind", "parks", "--into", str(folder))
    assert code == 0, out
    assert not (folder / ".landpark-import-incomplete").exists()


def _fixtures() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix.lower() in
                  {".gpkg", ".shp", ".geojson", ".json", ".parquet", ".csv", ".xlsx", ".zip", ".pbf", ".fgb"})


@pytest.mark.skipif(not _fixtures(), reason="pyogrio ships no test fixtures in this install")
def test_pyogrio_fixtures_never_traceback(tmp_path):
    counts = {"tried": 0, "refused": 0, "imported": 0}
    for i, fixture in enumerate(_fixtures()):
        for kind in ("parks", "roads"):
            counts["tried"] += 1
            for args in (["validate", str(fixture), "--kind", kind, "--json"],
                         ["import", str(fixture), "--kind", kind, "--into", str(tmp_path / f"p{i}-{kind}")]):
                code, _ = invoke(*args)
                assert code in (0, 1)
            counts["imported" if code == 0 else "refused"] += 1
    print(counts)
    assert counts["tried"] > 0


def test_curve_row_is_named_and_skipped(tmp_path):
    code, out = invoke("import", str(hostile.make_csv_curve_wkt(tmp_path)), "--kind", "parks", "--into", str(tmp_path / "p"))
    assert code == 0, out
    assert "curve_geometry" in out and "第 3 行" in out and "CURVEPOLYGON" in out
    parks = Project.open(tmp_path / "p").read_layer("parks")
    assert sorted(parks["park_id"]) == ["YQ00", "YQ01"] and parks.geometry.notna().all()


def test_structured_value_is_reported_and_missing(tmp_path):
    source = hostile.make_structured_value_geojson(tmp_path, "parcels", "供地状态", ["已供应", "闲置"])
    code, out = invoke("import", str(source), "--kind", "parcels", "--into", str(tmp_path / "p"))
    assert code == 0, out
    assert "unsupported_value" in out and "第 2 个要素" in out and "供地状态" in out
    parcels = Project.open(tmp_path / "p").read_layer("parcels").set_index("parcel_id")
    assert parcels.loc["ZD-001", "supply_status"] == "supplied" and pd.isna(parcels.loc["ZD-002", "supply_status"])


def test_value_parsers_read_lists_and_mappings_as_missing():
    cells = pd.Series(["已供应", ["已供应", "闲置"], {"a": 1}, np.array(["x", "y"]), None], dtype=object)
    for parse in (parse_supply_status, parse_text, parse_numbers, parse_dates, parse_bools):
        values, issues = parse(cells)
        assert values.iloc[1:4].isna().all()
        assert [i.row for i in issues if i.code == "unsupported_value"] == [1, 2, 3]
    reading = parse_area_mu(cells)
    assert [i.row for i in reading.issues if i.code == "unsupported_value"] == [1, 2, 3]


def test_lying_cpg_decodes_gbk(tmp_path):
    source = hostile.make_gbk_shapefile_lying_cpg(tmp_path)
    code, out = invoke("import", str(source), "--kind", "parcels", "--into", str(tmp_path / "p"))
    assert code == 0 and "encoding_mismatch" in out, out
    parcels = Project.open(tmp_path / "p").read_layer("parcels")
    assert list(parcels["parcel_id"]) == list(hostile.PARCEL_IDS)
    assert set(parcels["land_use_name"]) == {"工业用地"} and set(parcels["supply_status"]) == {"supplied"}


def test_binary_cells_are_shown_by_size_in_the_sample_row():
    """A FileGDB blob (not UTF-8) in the first row is reported, not decoded (it used to raise UnicodeDecodeError)."""
    import pandas as pd

    from layers.validation import _sample_values

    frame = pd.DataFrame({"园区名称": ["甲园区", "乙园区"], "附件": [b"\xff\xfe\x00abc", None]})
    assert _sample_values(frame) == {"园区名称": "甲园区", "附件": "<6 bytes>"}
