"""保护线版本 page (ui/lines_page.py) under AppTest, on a tiny project made by hand with two versions of the lines.

Geometry: rectangles in EPSG:4549 on its central meridian (x = 500 000 m), where the projection's areal scale is 1
to ~1e-8 (tests/test_line_versions.py checks this against pyproj.Geod), so a w × h m rectangle holds w·h m² and
100 m × 100 m = 15 亩 (1 亩 = 10000/15 m²). Hand-computed expectations:

  version 1 (2022-01-01): R1 red 100×100 (15 亩), B1 blue 100×100 (15 亩)              total 30 亩
  version 2 (2024-06-30): R1 red cut to 100×60 (9 亩), R2 red new 60×100 (9 亩), B1 blue cut to 100×60 (9 亩)  total 27
  red:  removed 100×40 = 6 亩 (touches P2), added R2 = 9 亩 (touches P3) → balance +3, 平衡
  blue: removed 100×40 = 6 亩 (touches P4), added 0, 3 亩 surplus from red → balance −3, 不平衡（缺口 3.0 亩）
  total 30 → 27 亩: 面积不减少 否, 净减少 3.0 亩
  new encroachment: P3 (residential, 60×50 = 4.5 亩) inside R2; P2 (residential) was inside R1 before only.
  floor per line ≥ 40 % (share over the line area): before R1 7.5/15 = 50 %, B1 100 % → 达标; after R2 has no
  industrial land (0 %) → 未达标, R2 listed. Rule "blue industrial not decreasing": 15 → 9 亩 → 未达标.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely

from tests.apphelp import page_app

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 3_300_000.0
FLOOR_SOURCE = "测试依据甲：单条控制线工业用地占比不低于40%"
RULE_SOURCE = "测试依据乙：二级线工业用地总规模不减少"
LINES_TOML = f"""
[[lines.floors]]
name = "单条控制线工业用地占比不低于 40%"
share = 0.40
scope = "per_line"
level = "all"
source = "{FLOOR_SOURCE}"

[[lines.rules]]
name = "二级线工业用地不减少"
kind = "industrial_not_decreasing"
level = "blue"
source = "{RULE_SOURCE}"
"""


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle given in metres from the fixture origin."""
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def lines(*rows: tuple[str, str, shapely.Geometry]) -> gpd.GeoDataFrame:
    """Protection lines from (line_id, level, geometry) rows."""
    return gpd.GeoDataFrame({"line_id": [r[0] for r in rows], "name": [f"测试线{r[0]}" for r in rows],
                             "level": [r[1] for r in rows]}, geometry=[r[2] for r in rows], crs=CRS)


def make_project(root, *, two_versions: bool = True):
    """The fixture project: parcels, one park, version 1 of the lines and (unless told) version 2."""
    from layers.project import Project
    from layers.versions import VersionNote

    project = Project.create(root, region="测试区", year=2024, crs=CRS)
    with project.config_path.open("a", encoding="utf-8") as f:
        f.write(LINES_TOML)
    parcels = gpd.GeoDataFrame({
        "parcel_id": ["P1", "P2", "P3", "P4"],
        "land_use_category": ["industrial", "residential", "residential", "industrial"],
        "supply_status": ["supplied"] * 4,
    }, geometry=[box(0, 0, 100, 50), box(0, 60, 100, 100), box(500, 0, 560, 50), box(300, 0, 400, 100)], crs=CRS)
    parks = gpd.GeoDataFrame({"park_id": ["YQ01"], "name": ["测试园区"], "kind": ["park"]},
                             geometry=[box(-50, -50, 650, 150)], crs=CRS)
    since = VersionNote(valid_from="2000-01-01", source="测试")
    project.write_layers({"parcels": parcels, "parks": parks,
                          "protection_lines": lines(("R1", "red", box(0, 0, 100, 100)), ("B1", "blue", box(300, 0, 400, 100)))},
                         versions={"parcels": since, "parks": since,
                                   "protection_lines": VersionNote(valid_from="2022-01-01", source="测试第一版")})
    if two_versions:
        after = lines(("R1", "red", box(0, 0, 100, 60)), ("R2", "red", box(500, 0, 560, 100)),
                      ("B1", "blue", box(300, 0, 400, 60)))
        project.write_layers({"protection_lines": after},
                             versions={"protection_lines": VersionNote(valid_from="2024-06-30", source="测试第二版")})
    return project


def run_page(project, monkeypatch, **session):
    """The page under AppTest on `project` (zh unless `lang` is given)."""
    monkeypatch.setenv("LANDPARK_PROJECT", str(project.root))
    return page_app("lines_page", timeout=120, session=session).run()


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    """The fixture project with both versions, shared by the module's tests."""
    return make_project(tmp_path_factory.mktemp("lines") / "p")


def frame_with(at, column: str):
    """The first table of the page that has `column`."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with column {column!r}: {[list(d.value.columns) for d in at.dataframe]}"
    return frames[0]


def all_text(at) -> str:
    """Every title, caption, alert and markdown text of the page, one per line."""
    parts = [e.value for group in (at.title, at.subheader, at.caption, at.markdown, at.success, at.error, at.warning,
                                   at.info) for e in group]
    return "\n".join(str(p) for p in parts)


def test_ledger_verdicts_and_changes_in_chinese(two_versions, monkeypatch):
    """Default versions, the ledger figures per level, both verdicts and the pieces with their lines, parcels and units."""
    at = run_page(two_versions, monkeypatch)
    assert not at.exception
    assert at.title[0].value == "保护线版本 · 测试区"
    earlier, later = at.selectbox[0], at.selectbox[1]
    assert (earlier.label, later.label) == ("原版本（较早）", "现版本（较晚）")
    assert (earlier.value, later.value) == (1, 2)  # the two latest by default
    assert earlier.options == later.options == ["第 1 版（2022-01-01 起）", "第 2 版（2024-06-30 起）（当前）"]

    ledger = frame_with(at, "平衡差额（亩）").set_index("级别")
    assert list(ledger.index) == ["一级（红线）", "二级（蓝线）"]
    red, blue = ledger.loc["一级（红线）"], ledger.loc["二级（蓝线）"]
    expected = {"red": (15, 18, 3, 6, 9, 0, 3, 0), "blue": (15, 9, -6, 6, 0, 3, -3, 3)}
    columns = ("原面积（亩）", "现面积（亩）", "净变化（亩）", "调出（亩）", "调入（亩）", "更严级别补足（亩）", "平衡差额（亩）",
               "缺口（亩）")
    for row, values in ((red, expected["red"]), (blue, expected["blue"])):
        for column, value in zip(columns, values):
            assert float(row[column]) == pytest.approx(value, abs=1e-5), column
    assert (red["结论"], blue["结论"]) == ("平衡", "不平衡（缺口 3.0 亩）")
    assert (red["面积不减少"], blue["面积不减少"]) == ("是", "否")

    errors = [e.value for e in at.error]
    assert "面积不减少：否（30.0 亩 → 27.0 亩，净减少 3.0 亩）" in errors
    assert "占补平衡：不平衡（二级（蓝线）缺口 3.0 亩）" in errors
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["原版总面积（亩）"], metrics["现版总面积（亩）"]) == ("30.0", "27.0")
    assert metrics["调出合计（亩）"] == "12.0" and metrics["调入合计（亩）"] == "9.0"

    changes = frame_with(at, "涉及宗地")
    rows = {(r["类型"], r["级别"]): r for r in changes.to_dict("records")}
    assert set(rows) == {("调出", "一级（红线）"), ("调入", "一级（红线）"), ("调出", "二级（蓝线）")}
    removed_red, added_red = rows[("调出", "一级（红线）")], rows[("调入", "一级（红线）")]
    removed_blue = rows[("调出", "二级（蓝线）")]
    assert float(removed_red["面积（亩）"]) == pytest.approx(6, abs=1e-5)
    assert float(added_red["面积（亩）"]) == pytest.approx(9, abs=1e-5)
    assert float(removed_blue["面积（亩）"]) == pytest.approx(6, abs=1e-5)
    assert (removed_red["原控制线"], removed_red["现控制线"], removed_red["涉及宗地"]) == ("R1", "—", "P2")
    assert (added_red["原控制线"], added_red["现控制线"], added_red["涉及宗地"]) == ("—", "R2", "P3")
    assert (removed_blue["原控制线"], removed_blue["涉及宗地"]) == ("B1", "P4")
    assert {r["涉及单元"] for r in rows.values()} == {"YQ01"}


def test_floors_rules_and_new_encroachments(two_versions, monkeypatch):
    """The floor and the rule with values, statuses and sources; P3 as the one new encroachment."""
    at = run_page(two_versions, monkeypatch)
    assert not at.exception
    floors = frame_with(at, "未达标的控制线").to_dict("records")
    assert len(floors) == 1
    floor = floors[0]
    assert (floor["原值"], floor["原状态"], floor["现值"], floor["现状态"]) == ("50.0%", "达标", "0.0%", "未达标")
    assert floor["未达标的控制线"] == "R2 0.0%" and floor["依据"] == FLOOR_SOURCE
    assert floor["口径"] == "单条控制线工业用地占比" and floor["下限"] == "≥ 40.0%"
    rules = frame_with(at, "核查结果").to_dict("records")
    assert len(rules) == 1
    assert rules[0]["核查结果"] == "线内工业用地：原 15.0 亩，现 9.0 亩"
    assert (rules[0]["状态"], rules[0]["适用级别"], rules[0]["依据"]) == ("未达标", "二级（蓝线）", RULE_SOURCE)
    new = frame_with(at, "用地类别").to_dict("records")
    assert [(x["宗地编号"], x["控制线编号"], x["用地类别"]) for x in new] == [("P3", "R2", "居住用地")]
    assert float(new[0]["面积（亩）"]) == pytest.approx(4.5, abs=1e-5)
    assert "一级线内非工业用地（侵占）：原 1 宗，现 1 宗，新增 1 宗" in all_text(at)


def test_chinese_edition_shows_no_codes(two_versions, monkeypatch):
    """No verdict, status, level or kind code (nor a boolean) in the Chinese tables and texts."""
    at = run_page(two_versions, monkeypatch)
    codes = {"red", "blue", "all", "balanced", "unbalanced", "pass", "fail", "no_data", "removed", "added", "per_line",
             "True", "False", "nan", "None"}
    cells = {str(v) for d in at.dataframe for column in d.value.columns if d.value[column].dtype == object
             for v in d.value[column]}
    headers = {str(c) for d in at.dataframe for c in d.value.columns}
    assert not (cells | headers) & codes
    assert not re.search(r"\b(?:balanced|unbalanced|pass|fail|no_data)\b", all_text(at))


def test_map_draws_both_versions_and_the_changes_without_tiles(two_versions, monkeypatch):
    """The map holds both versions' lines, the pieces in their colours and the legend, in lon/lat, without tiles."""
    from maps.webmap import LINE_COLOURS
    from ui.lines_page import ADDED_COLOUR, REMOVED_COLOUR

    at = run_page(two_versions, monkeypatch)
    maps = at.get("component_instance")
    assert len(maps) == 1
    args = json.loads(maps[0].proto.json_args)
    script = args["script"] + args.get("html", "")
    for text in ("R1", "R2", "B1", "调出", "调入", REMOVED_COLOUR, ADDED_COLOUR, LINE_COLOURS["red"], "6 5"):
        assert text in script, text
    assert "tile.openstreetmap" not in script and "tileLayer" not in script  # offline: no basemap tiles
    assert "landpark-lines-legend" in args["html"] and "调出图斑" in args["html"]  # the legend
    assert not [link for link in args["js_links"] + args["css_links"] if link.startswith("http")]  # Leaflet served locally
    assert "120.0" in script and "29.8" in script  # lon/lat (EPSG:4326) of the fixture near 120°E, 29.8°N


def test_map_view_zooms_on_a_chosen_change(two_versions, monkeypatch):
    """Change 1 is the red piece removed from R1 (x 0–100 m, y 60–100 m): the view centres on it, at the closest zoom."""
    import pyproj

    from ui.lines_page import VIEW_MAX_ZOOM

    at = run_page(two_versions, monkeypatch, linespage_map_view=1)
    assert not at.exception
    view = [s for s in at.selectbox if s.label == "地图范围"][0]
    assert view.options == ["全部控制线", "第 1 块：调出 · 一级（红线） · 6.0 亩", "第 2 块：调入 · 一级（红线） · 9.0 亩",
                            "第 3 块：调出 · 二级（蓝线） · 6.0 亩"]
    args = json.loads(at.get("component_instance")[0].proto.json_args)
    lon, lat = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + 50, Y0 + 80)
    assert args["center"] == pytest.approx([lat, lon], abs=2e-6)
    assert args["zoom"] == VIEW_MAX_ZOOM  # a 100 m × 40 m piece fits at the closest zoom allowed


def test_english_edition(two_versions, monkeypatch):
    """The sidebar's English: title and verdicts in English."""
    at = run_page(two_versions, monkeypatch, lang="en")
    assert not at.exception
    assert at.title[0].value.startswith("Protection lines across versions")
    ledger = frame_with(at, "Balance (mu)").set_index("Level")
    assert ledger.loc["Blue (level 2)", "Verdict"] == "not balanced (3.0 mu short)"
    assert ledger.loc["Red (level 1)", "Verdict"] == "balanced"


def test_same_version_twice_is_refused_with_a_message(two_versions, monkeypatch):
    """The same version on both sides: a message, no tables."""
    at = run_page(two_versions, monkeypatch, linespage_from_version=2, linespage_to_version=2)
    assert not at.exception
    assert [w.value for w in at.warning] == ["请选择两个不同的版本。"]
    assert not at.dataframe


def test_one_version_says_how_to_import_another(tmp_path, monkeypatch):
    """One version only: a message naming the 数据管理 page's settings and the CLI options, nothing else."""
    project = make_project(tmp_path / "one", two_versions=False)
    at = run_page(project, monkeypatch)
    assert not at.exception
    infos = [i.value for i in at.info]
    assert len(infos) == 1
    message = infos[0]
    assert "只有一个版本（第 1 版（2022-01-01 起）（当前））" in message
    for part in ("数据管理", "替换", "此版本生效日期", "--valid-from", "--kind protection_lines"):
        assert part in message, part
    assert not at.selectbox and not at.dataframe


def test_a_failing_comparison_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    """An error of the comparison reaches the reader as its Chinese text under the page's failure heading."""
    import analysis.line_history
    from spatial.errors import InputError

    def broken(*_args, **_kwargs):
        """Fail as a bad layer would."""
        raise InputError("broken lines", zh="保护线图层损坏")

    monkeypatch.setattr(analysis.line_history, "compare_versions", broken)
    at = run_page(make_project(tmp_path / "broken"), monkeypatch)
    assert not at.exception
    assert [e.value for e in at.error] == ["无法比较保护线版本：保护线图层损坏"]
    assert not at.dataframe
