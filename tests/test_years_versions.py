"""Years as data and layer versions (issue 15 items 1 and 4): firm rows by year and half-year, every import kept
as a dated version, analysis as of a year's evaluation date, and the demo's two versions of the protection lines.

Expectations are independent of the code under test: row counts taken from the raw layer with pandas, the areas
and verdicts the demo generator was built to have (layers/demo/line_history.py, checked there with pyproj.Geod),
hand-made versions whose features are known."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from analysis.inputs import load_inputs
from analysis.score import evaluate
from cli import app
from layers.importer import import_source
from layers.problems import InputError
from layers.project import Project
from layers.values import parse_half
from layers.versions import VersionNote
from layers.years import evaluation_date_of, firm_years, resolve_firm_year, rows_of_year

CRS = "EPSG:4549"


def _lines(ids: list[str], x0: float = 500000.0) -> gpd.GeoDataFrame:
    """Protection lines of 100 m squares side by side (one per id), all red."""
    boxes = [shapely.box(x0 + 200 * i, 3300000, x0 + 200 * i + 100, 3300100) for i in range(len(ids))]
    return gpd.GeoDataFrame({"line_id": ids, "name": [f"线{i}" for i in ids], "level": ["一级"] * len(ids)},
                            geometry=boxes, crs=CRS)


# ---- firm rows by year and half-year ----------------------------------------------------------------

def test_half_year_spellings_read_as_periods() -> None:
    values, issues = parse_half(pd.Series(["上半年", "H2", "1-6月", 2, "全年", None, "第三季度"]))
    assert values.tolist() == ["1", "2", "1", "2", None, None, None]
    assert [i.row for i in issues] == [6]  # 全年 is the whole year, not an error; 第三季度 is not a half


def test_rows_of_year_and_the_year_chosen() -> None:
    rows = pd.DataFrame({"uscc": ["A", "A", "A", "B", "B"], "year": [2024, 2025, 2025, 2025, None],
                         "half": [None, None, "1", None, None]})
    assert firm_years(rows) == [2024, 2025]
    assert rows_of_year(rows, 2025)["uscc"].tolist() == ["A", "B"]  # whole-year rows only
    assert rows_of_year(rows, 2025, half=1)["uscc"].tolist() == ["A"]
    assert resolve_firm_year(rows, None, 2025) == (2025, "")
    year, note = resolve_firm_year(rows, None, 2026)  # the project's year is not held: the latest, said
    assert year == 2025 and "2026" in note
    with pytest.raises(InputError, match="2023"):
        resolve_firm_year(rows, 2023, 2025)
    assert evaluation_date_of(dt.date(2026, 3, 31), 2025, 2023) == dt.date(2024, 3, 31)
    assert evaluation_date_of(dt.date(2024, 2, 29), 2024, 2025) == dt.date(2025, 2, 28)


def test_a_second_year_appends_and_the_same_period_is_refused(tmp_path) -> None:
    def table(year: int, half: str | None = None) -> str:
        path = tmp_path / f"firms_{year}_{half}.csv"
        pd.DataFrame({"统一社会信用代码": ["91330200MA2AAAAA1X"], "企业名称": ["甲公司"], "年度": [year],
                      "半年度": [half or ""], "实缴税金": [100.0]}).to_csv(path, index=False)
        return str(path)

    # a credit code that is not valid only warns; the layer is what we test
    import_source(table(2024), "enterprises", tmp_path / "p")
    import_source(table(2025), "enterprises", tmp_path / "p", mode="append")
    import_source(table(2025, "上半年"), "enterprises", tmp_path / "p", mode="append")
    with pytest.raises(InputError, match="already in layer"):
        import_source(table(2025), "enterprises", tmp_path / "p", mode="append")
    layer = Project.open(tmp_path / "p").read_layer("enterprises")
    assert sorted(zip(layer["year"], layer["half"].fillna("-"))) == [(2024, "-"), (2025, "-"), (2025, "1")]


# ---- versions ----------------------------------------------------------------------------------------

def test_every_import_is_a_version_and_none_is_lost(tmp_path) -> None:
    folder = tmp_path / "p"
    for name, ids in (("v1", ["A", "B"]), ("v2", ["A", "B", "C"]), ("v3", ["D"])):
        _lines(ids).to_file(tmp_path / f"{name}.gpkg", driver="GPKG", engine="pyogrio")
    import_source(str(tmp_path / "v1.gpkg"), "protection_lines", folder)
    import_source(str(tmp_path / "v2.gpkg"), "protection_lines", folder, mode="replace", valid_from="2024-06-30")
    import_source(str(tmp_path / "v3.gpkg"), "protection_lines", folder, mode="replace", valid_from="2025-06-30")
    project = Project.open(folder)
    assert project.layer_names() == ["protection_lines", "data_issues"]  # kept versions are not layers
    table = project.versions()
    assert table["version"].tolist() == [1, 2, 3] and table["current"].tolist() == [False, False, True]
    assert table["valid_from"].tolist() == [None, "2024-06-30", "2025-06-30"]  # the first: since always
    assert table["source"].tolist() == ["v1.gpkg", "v2.gpkg", "v3.gpkg"]
    ids = {v: sorted(project.read_layer("protection_lines", version=v)["line_id"]) for v in (1, 2, 3)}
    assert ids == {1: ["A", "B"], 2: ["A", "B", "C"], 3: ["D"]}
    on = {d: sorted(project.read_layer("protection_lines", as_of=dt.date.fromisoformat(d))["line_id"])
          for d in ("2000-01-01", "2024-06-29", "2024-06-30", "2025-12-31")}
    assert on == {"2000-01-01": ["A", "B"], "2024-06-29": ["A", "B"], "2024-06-30": ["A", "B", "C"], "2025-12-31": ["D"]}
    assert sorted(project.read_layer("protection_lines")["line_id"]) == ["D"]
    with pytest.raises(InputError, match="no version 4"):
        project.read_layer("protection_lines", version=4)

    done = CliRunner().invoke(app, ["versions", str(folder), "--json"])
    assert done.exit_code == 0, done.output
    listed = json.loads(done.stdout)["versions"]
    assert [(v["version"], v["valid_from"], v["features"], v["current"]) for v in listed] == [
        (1, None, 2, False), (2, "2024-06-30", 3, False), (3, "2025-06-30", 1, True)]
    bad = CliRunner().invoke(app, ["import", str(tmp_path / "v1.gpkg"), "--kind", "protection_lines", "--into",
                                   str(folder), "--mode", "replace", "--valid-from", "30/06/2024"])
    assert bad.exit_code == 2 and "--valid-from" in bad.output
    assert len(Project.open(folder).versions()) == 3  # nothing written


def test_versions_written_before_versions_were_kept_become_version_one(tmp_path) -> None:
    project = Project.create(tmp_path / "p", crs=CRS)
    import pyogrio

    pyogrio.write_dataframe(_lines(["A"]), project.gpkg, layer="protection_lines", driver="GPKG")  # an older project
    assert project.versions()[["version", "valid_from", "current"]].values.tolist() == [[1, None, True]]
    project.write_layers({"protection_lines": _lines(["B"])}, versions={"protection_lines": VersionNote("2025-01-01")})
    assert sorted(project.read_layer("protection_lines", version=1)["line_id"]) == ["A"]
    assert project.versions()["version"].tolist() == [1, 2]


# ---- the demo: three years of firm data, two versions of the lines -------------------------------------

def test_score_of_a_year_reads_its_firms_and_the_layers_of_its_day(demo_project) -> None:
    raw = demo_project.read_layer("enterprises")
    whole = raw["half"].isna()
    expected = {y: int(((raw["year"] == y) & whole).sum()) for y in (2023, 2024, 2025)}
    assert expected[2023] < expected[2024] < expected[2025]
    areas = {}
    for year in (2023, 2024, 2025):
        inputs = load_inputs(demo_project, year=year)
        assert len(inputs.enterprises) == expected[year]
        assert inputs.config.project.evaluation_date == dt.date(year, 12, 31)
        assert inputs.versions["protection_lines"] == (1 if year < 2024 else 2)  # v2 in force from 2024-06-30
        units = inputs.units.set_index("unit_id")
        areas[year] = units["area_mu"] if "area_mu" in units else None
    default = load_inputs(demo_project)
    assert default.year == 2025 and default.versions == {} and len(default.enterprises) == expected[2025]
    # the earlier GY-R03 held the 120 亩 cut from it later; GY-R02 lacked the 300 亩 added to it
    ev_2023 = evaluate(load_inputs(demo_project, year=2023)).units.set_index("unit_id")["area_mu"]
    ev_2025 = evaluate(default).units.set_index("unit_id")["area_mu"]
    assert ev_2023["GY-R03"] - ev_2025["GY-R03"] == pytest.approx(120.0, abs=0.01)
    assert ev_2025["GY-R02"] - ev_2023["GY-R02"] == pytest.approx(300.0, abs=0.01)


def test_score_year_without_data_is_refused_with_the_years_held(demo_project) -> None:
    done = CliRunner().invoke(app, ["score", str(demo_project.root), "--year", "2030", "--json"])
    assert done.exit_code == 1
    assert "2023, 2024, 2025" in json.loads(done.stdout)["error"]


def test_lines_ledger_of_the_demo(demo_project) -> None:
    done = CliRunner().invoke(app, ["lines", str(demo_project.root), "--json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    levels = {lv["level"]: lv for lv in doc["levels"]}
    # the changes the generator made: red −200 (120 cut, 80 turned blue) +300, blue −250 +80
    assert levels["red"]["removed_mu"] == pytest.approx(200.0, abs=0.01)
    assert levels["red"]["added_mu"] == pytest.approx(300.0, abs=0.01)
    assert levels["red"]["verdict"] == "balanced"
    assert levels["blue"]["removed_mu"] == pytest.approx(250.0, abs=0.01)
    assert levels["blue"]["added_mu"] == pytest.approx(80.0, abs=0.01)
    assert levels["blue"]["verdict"] == "unbalanced"
    assert levels["blue"]["shortfall_mu"] == pytest.approx(70.0, abs=0.01)  # 250 − 80 − red's 100 surplus
    assert doc["total"]["net_mu"] == pytest.approx(-70.0, abs=0.01) and doc["total"]["not_decreasing"] is False
    assert [e["parcel_id"] for e in doc["encroachments"]["new"]] == ["ZD009066"]
    same = CliRunner().invoke(app, ["lines", str(demo_project.root), "--from", "2", "--to", "2"])
    assert same.exit_code == 1


def test_compare_counts_match_two_separate_evaluations(demo_project) -> None:
    firms = {y: evaluate(load_inputs(demo_project, year=y)).enterprises.table.set_index("uscc")["class"] for y in (2024, 2025)}
    both = firms[2024].index.intersection(firms[2025].index)
    a_to_b = int(((firms[2024].loc[both] == "A") & (firms[2025].loc[both] == "B")).sum())
    entered = len(firms[2025].index.difference(firms[2024].index))
    left = len(firms[2024].index.difference(firms[2025].index))
    done = CliRunner().invoke(app, ["compare", str(demo_project.root), "--json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert (doc["from"], doc["to"]) == (2024, 2025)
    assert doc["transitions"]["matrix"]["A"]["B"] == a_to_b > 0
    assert doc["transitions"]["entered"] == entered and doc["transitions"]["left"] == left > 0
    assert doc["half_year"] is not None and doc["half_year"]["previous_year"] == 2024
