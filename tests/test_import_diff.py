"""After an import, what changed (analysis/import_diff.py and the data page): features added / removed / kept,
and each evaluation unit's score, rank and grade before → after.

The comparisons are checked on small hand-built frames with the expected values written out by hand; the
page once on a small project, its table against `unit_changes` of two evaluations made apart from the app.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from analysis.import_diff import SHOWN_IDS, UNIT_CHANGE_COLUMNS, compare, layer_diff, snapshot, unit_changes
from layers.project import Project

GK = "EPSG:4549"
X0, Y0 = 640000.0, 3300000.0
CODES = ["91330200MA2AAAAA01", "91330200MA2AAAAA02", "91330200MA2AAAAA03", "91330200MA2AAAAA04"]


def box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


pytestmark = pytest.mark.usefixtures("private_app_files")  # recent list and uploads in tmp_path


# =========================================================================== layer_diff


def test_layer_diff_by_id_counts_distinct_ids_and_features_without_one():
    before = pd.DataFrame({"parcel_id": ["A", " B ", "C", "C", None, ""]})
    after = pd.DataFrame({"parcel_id": ["B", "C", "D", None, None, "E"]})
    d = layer_diff(before, after, "parcel_id")
    # ids before {A, B, C} (C twice, one None, one blank), after {B, C, D, E}: D, E new; A gone; B, C kept
    assert d == {"by": "id", "id_field": "parcel_id", "before": 6, "after": 6, "added": 2, "removed": 1, "kept": 2,
                 "added_ids": ["D", "E"], "removed_ids": ["A"], "without_id_before": 2, "without_id_after": 2}


def test_layer_diff_of_a_new_layer_lists_every_id_as_added_up_to_the_shown_limit():
    after = pd.DataFrame({"road_id": [f"R{i:02d}" for i in range(25)]})
    d = layer_diff(None, after, "road_id")
    assert (d["before"], d["after"], d["added"], d["removed"], d["kept"]) == (0, 25, 25, 0, 0)
    assert d["added_ids"] == [f"R{i:02d}" for i in range(SHOWN_IDS)] and SHOWN_IDS == 20


def test_layer_diff_by_count_without_an_id_field():
    five, three = pd.DataFrame(index=range(5)), gpd.GeoDataFrame({"kind": ["urban_boundary"] * 3},
                                                                  geometry=[box(0, 0, 1, 1)] * 3, crs=GK)
    d = layer_diff(five, three, None)
    assert d == {"by": "count", "id_field": None, "before": 5, "after": 3, "added": 0, "removed": 2, "kept": 3,
                 "added_ids": [], "removed_ids": [], "without_id_before": 0, "without_id_after": 0}
    grown = layer_diff(three, five, None)
    assert (grown["added"], grown["removed"], grown["kept"]) == (2, 0, 3)
    # an id field the old layer lacks cannot be matched: by count
    assert layer_diff(five, pd.DataFrame({"x": [1]}), "x")["by"] == "count"


# =========================================================================== unit_changes


def units(rows):
    return pd.DataFrame(rows, columns=["unit_id", "unit_kind", "name", "score", "rank", "grade"]).assign(
        rank=lambda f: f["rank"].astype("Int64"))


def test_unit_changes_hand_computed():
    before = units([
        ("P1", "parks", "甲园", 80.0, 1, "A"),
        ("P2", "parks", "乙园", 60.0, 2, "B"),
        ("P9", "parks", "废园", 30.0, 3, "D"),
        ("C1", "future_communities", "一社", 50.0, 1, "C"),
        ("P1", "micro_parks", "甲小微园", None, None, None),  # same id in another kind: a different unit
    ])
    after = units([
        ("P1", "parks", "甲园", 80.0, 2, "A"),  # same score, rank 1 → 2
        ("P2", "parks", "乙园（新）", 85.0, 1, "A"),  # 60 → 85, rank 2 → 1, B → A, renamed
        ("P3", "parks", "丙园", 40.0, 3, "D"),  # new
        ("C1", "future_communities", "一社", 50.0 + 1e-9, 1, "C"),  # rounding only: unchanged
        ("P1", "micro_parks", "甲小微园", 55.0, 1, "C"),  # now scored
    ])
    got = unit_changes(before, after)
    assert list(got.columns) == UNIT_CHANGE_COLUMNS
    assert list(zip(got["unit_kind"], got["unit_id"])) == [
        ("parks", "P1"), ("parks", "P2"), ("parks", "P3"), ("future_communities", "C1"), ("micro_parks", "P1"),
        ("parks", "P9")]  # the units after the import, then the removed
    assert got["status"].tolist() == ["kept", "kept", "added", "kept", "kept", "removed"]
    assert got["changed"].tolist() == [True, True, True, False, True, True]
    assert got["name"].tolist() == ["甲园", "乙园（新）", "丙园", "一社", "甲小微园", "废园"]
    np.testing.assert_allclose(got["score_before"].to_numpy(float), [80, 60, np.nan, 50, np.nan, 30])
    np.testing.assert_allclose(got["score_after"].to_numpy(float), [80, 85, 40, 50 + 1e-9, 55, np.nan])
    np.testing.assert_allclose(got["score_change"].to_numpy(float), [0, 25, np.nan, 1e-9, np.nan, np.nan], atol=1e-12)
    assert got["rank_before"].tolist() == [1, 2, pd.NA, 1, pd.NA, 3]
    assert got["rank_after"].tolist() == [2, 1, 3, 1, 1, pd.NA]
    assert got["grade_before"].tolist() == ["A", "B", None, "C", None, "D"]
    assert got["grade_after"].tolist() == ["A", "A", "D", "C", "C", None]


def test_unit_changes_with_nothing_before_or_after():
    after = units([("P1", "parks", "甲园", 70.0, 1, "B")])
    got = unit_changes(None, after)
    assert got["status"].tolist() == ["added"] and got["changed"].tolist() == [True]
    assert math.isnan(got["score_before"].iloc[0]) and got["score_after"].iloc[0] == 70.0
    gone = unit_changes(after, units([]))
    assert gone["status"].tolist() == ["removed"] and gone["rank_before"].tolist() == [1]
    assert len(unit_changes(units([]), units([]))) == 0


def test_import_diff_counts_text_and_json():
    before = units([("P1", "parks", "甲园", 80.0, 1, "A"), ("P2", "parks", "乙园", 60.0, 2, "B")])
    after = units([("P1", "parks", "甲园", 70.0, 2, "B"), ("P2", "parks", "乙园", 75.0, 1, "B"),
                   ("P3", "parks", "丙园", None, None, None)])
    from analysis.import_diff import ImportDiff, Snapshot

    diff = compare(Snapshot("parks", pd.DataFrame({"park_id": ["P1", "P2"]}), before),
                   Snapshot("parks", pd.DataFrame({"park_id": ["P1", "P2", "P3"]}), after))
    assert isinstance(diff, ImportDiff)
    assert diff.layer["added_ids"] == ["P3"] and diff.layer["kept"] == 2
    # P1: score, rank and grade moved; P2: score and rank; P3 added (unscored)
    assert diff.unit_counts() == {"units": 3, "changed": 3, "score": 2, "rank": 2, "grade": 1, "added": 1, "removed": 0}
    doc = json.loads(json.dumps(diff.to_dict()))  # JSON-safe: NaN and NA are null
    assert [u["unit_id"] for u in doc["units_changed"]] == ["P1", "P2", "P3"]
    assert doc["units_changed"][2]["score_after"] is None and doc["units_changed"][0]["rank_after"] == 2
    text = diff.to_text()
    assert "parks by park_id: 1 added, 0 removed, 2 kept (2 → 3 features)" in text
    assert "parks P1 甲园: score 80.0 → 70.0, rank 1 → 2, grade A → B (kept)" in text
    unknown = compare(Snapshot("parks", None, None, "boom"), Snapshot("parks", pd.DataFrame({"park_id": ["P1"]}), after))
    assert unknown.units is None and unknown.note == "boom" and "not compared (boom)" in unknown.to_text()


# =========================================================================== a small project


def small_project(root: Path) -> Project:
    """Two parks, four built parcels (two in each) and their four firms: both parks are scored."""
    project = Project.create(root, region="小区", year=2024, crs=GK)
    parks = gpd.GeoDataFrame({"park_id": ["A", "B"], "name": ["甲园", "乙园"]},
                             geometry=[box(0, 0, 1000, 1000), box(2000, 0, 3000, 1000)], crs=GK)
    firms = pd.DataFrame({"uscc": CODES, "name": ["甲", "乙", "丙", "丁"], "year": [2024] * 4,
                          "tax_10k_yuan": [500.0, 100.0, 300.0, 50.0], "value_added_10k_yuan": [2000.0, 500.0, 1500.0, 100.0],
                          "employees": [100.0, 50.0, 80.0, 10.0]})
    land = parcels([("P1", box(100, 100, 300, 300), 0), ("P2", box(400, 100, 600, 300), 1),
                    ("P3", box(2100, 100, 2300, 300), 2), ("P4", box(2400, 100, 2600, 300), 3)])
    project.write_layers({"parks": parks, "parcels": land, "enterprises": firms}, issues=[])
    return project


def parcels(rows) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"parcel_id": [r[0] for r in rows], "land_use": ["0601"] * len(rows),
                             "land_use_name": ["工业用地"] * len(rows),
                             "supply_status": ["built"] * len(rows), "floor_area_m2": [20000.0] * len(rows),
                             "owner_uscc": [CODES[r[2]] for r in rows]}, geometry=[r[1] for r in rows], crs=GK)


def new_parcels_gpkg(folder: Path) -> Path:
    """P2 (park A, firm 乙) leaves; P5 (park B, firm 乙) comes: both parks' indicators change."""
    path = folder / "新宗地.gpkg"
    pyogrio.write_dataframe(parcels([("P1", box(100, 100, 300, 300), 0), ("P3", box(2100, 100, 2300, 300), 2),
                                     ("P4", box(2400, 100, 2600, 300), 3), ("P5", box(2700, 100, 2900, 300), 1)]),
                            path, layer="宗地", driver="GPKG")
    return path


def test_snapshots_around_an_import_on_a_real_project(tmp_path):
    from analysis.inputs import load_inputs
    from analysis.score import evaluate
    from layers.importer import import_source

    project = small_project(tmp_path / "p")
    before = snapshot(project.root, "parcels", evaluate=True)
    old = evaluate(load_inputs(project)).units
    import_source(new_parcels_gpkg(tmp_path), "parcels", project.root, mode="replace")
    after = snapshot(project.root, "parcels", evaluate=True)
    diff = compare(before, after)
    assert (diff.layer["added_ids"], diff.layer["removed_ids"], diff.layer["kept"]) == (["P5"], ["P2"], 3)
    new = evaluate(load_inputs(Project.open(project.root))).units
    expected = unit_changes(old, new)
    pd.testing.assert_frame_equal(diff.units, expected)
    assert diff.units["changed"].all() and set(diff.units["status"]) == {"kept"}
    # a folder that is not a project yet: nothing before, every unit of the new one is added
    fresh = snapshot(tmp_path / "nothing-yet", "parks", evaluate=True)
    assert fresh.layer is None and fresh.units is not None and len(fresh.units) == 0


def test_data_page_shows_what_an_import_changed(tmp_path):
    from analysis.inputs import load_inputs
    from analysis.score import evaluate
    from tests.apphelp import page_app

    project = small_project(tmp_path / "p")
    old = evaluate(load_inputs(project)).units
    source = new_parcels_gpkg(tmp_path)
    at = page_app("data_page", session={"project_root": str(project.root)}, timeout=120).run()
    at.file_uploader[0].upload(source.name, source.read_bytes(), "application/geopackage+sqlite3").run()
    assert not at.exception, at.exception
    kind = next(s for s in at.selectbox if s.label == "图层类型")
    if kind.value != "parcels":
        kind.select("parcels").run()
    at.radio(key="data_mode_parcels").set_value("replace").run()
    at.button(key="data_import").click().run()
    assert not at.exception, at.exception
    assert any("已导入" in s.value for s in at.success)
    text = "\n".join(m.value for m in at.markdown)
    assert "本次导入的变化：宗地" in text
    assert "按宗地编号（parcel_id）比较：新增 1 个、移除 1 个、保留 3 个（要素 4 → 4 个）。" in text
    assert "评价单元 2 个，其中 2 个有变化" in text
    assert any(c.value == "新增：P5" for c in at.caption) and any(c.value == "移除：P2" for c in at.caption)
    table = next(d.value for d in at.dataframe if "得分（导入前）" in d.value.columns)
    expected = unit_changes(old, evaluate(load_inputs(Project.open(project.root))).units)
    assert table["单元编号"].tolist() == expected["unit_id"].tolist() == ["A", "B"]
    np.testing.assert_allclose(table["得分（导入前）"].to_numpy(float), expected["score_before"].to_numpy(float))
    np.testing.assert_allclose(table["得分（导入后）"].to_numpy(float), expected["score_after"].to_numpy(float))
    assert table["排名（导入后）"].tolist() == expected["rank_after"].tolist()
    assert table["等级（导入前）"].tolist() == expected["grade_before"].tolist()
    # the box stays until dismissed (or the next upload), then goes
    at.button(key="data_diff_close").click().run()
    assert "本次导入的变化" not in "\n".join(m.value for m in at.markdown)


def test_data_page_diff_in_english(tmp_path):
    """The box in English (the diff as the import left it in the session: AppTest cannot click through this
    page in English, its selectboxes' labels are formatted outside the script run)."""
    from analysis.import_diff import Snapshot
    from tests.apphelp import page_app

    project = small_project(tmp_path / "p")
    before = units([("A", "parks", "甲园", 69.2, 1, "B"), ("B", "parks", "乙园", 57.3, 2, "C")])
    after = units([("A", "parks", "甲园", 50.0, 2, "C"), ("B", "parks", "乙园", 70.0, 1, "B")])
    diff = compare(Snapshot("roads", None, before), Snapshot("roads", pd.DataFrame({"road_id": ["R1", "R2"]}), after))
    at = page_app("data_page", session={"project_root": str(project.root), "lang": "en",
                                        "data_import_diff": {"project": str(project.root), "diff": diff}}, timeout=120).run()
    assert not at.exception, at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert "What this import changed: Roads" in text
    assert "By road_id: 2 added, 0 removed, 0 kept (0 → 2 features)." in text
    assert "2 of 2 evaluation units changed: score 2, rank 2, grade 2; 0 added, 0 removed." in text
    table = next(d.value for d in at.dataframe if "Score before" in d.value.columns)
    assert table["Status"].tolist() == ["kept", "kept"] and table["Rank after"].tolist() == [2, 1]
    assert table["Unit kind"].tolist() == ["Industrial parks"] * 2
    # another project open: the box belongs to the one imported into
    other = small_project(tmp_path / "q")
    at.session_state["project_root"] = str(other.root)
    at.run()
    assert "What this import changed" not in "\n".join(m.value for m in at.markdown)
