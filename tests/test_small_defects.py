"""Issue 13, item 6: the small defects.

1. The 选址 exclusion table names what each rule EXCLUDES ("不在工业用地保护线内（排除）"), not the condition.
2. Candidates spread over parks: best per park first (default), at most N per park, or plain score order.
3. The data page keeps the open tab across reruns (Enter in the project-path box, a project switch).
4. A non-numeric cell has the same severity in the validation report and in the stored data issues.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from analysis.inputs import prepare_parcels, stack_units
from analysis.siting import RequestError, SiteRequest, SitingData, run_siting
from analysis.siting.constraints import RULES
from layers.importer import import_source
from layers.problems import InputError
from layers.project import Project
from layers.validation import validate_source

GK = "EPSG:4549"
X0, Y0 = 640000.0, 3300000.0
A = "91330212MA2AAAAA10"  # valid credit codes (tests/test_events_tenancy.py)
B = "91330212MA2BBBBB2B"


def box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


pytestmark = [pytest.mark.filterwarnings("ignore:.crs. was not provided:UserWarning"),  # tests.bureau adds its .prj after
              pytest.mark.usefixtures("private_app_files")]  # recent list and uploads in tmp_path


# =========================================================================== 1. exclusion labels


def test_every_rule_has_an_exclusion_label_worded_as_what_it_excludes():
    import i18n
    import ui.text  # noqa: F401  (registers the page sections)

    for name in RULES:
        entry = i18n.TEXT[f"siting_excl_{name}"]
        assert entry["zh"].endswith("（排除）") and entry["en"].endswith("(excluded)"), name
        assert entry["zh"] != i18n.TEXT[f"siting_rule_{name}"]["zh"]  # the check says what a site must satisfy
    zh = {name: i18n.TEXT[f"siting_excl_{name}"]["zh"] for name in RULES}
    assert zh == {"urban_boundary": "不在城镇开发边界内（排除）", "permanent_farmland": "占用永久基本农田（排除）",
                  "ecological_redline": "占用生态保护红线（排除）", "protection_line": "不在工业用地保护线内（排除）",
                  "search_area": "超出指定选址范围（排除）", "slope": "坡度超过上限（排除）", "area": "面积不符合需求（排除）"}
    assert i18n.TEXT["siting_excl_protection_line"]["en"] == "Outside the industrial protection lines (excluded)"


# =========================================================================== 2. spread over parks


def spread_data(*, parks: bool = True) -> SitingData:
    """Seven isolated 100 m squares (≈15 亩 each, one site each): four in park A (tax 40 万元/亩, district 20),
    three in park B (tax 10): every site of A scores above every site of B. One red line covers all."""
    squares = [box(i * 500, 0, i * 500 + 100, 100) for i in range(7)]
    frame = gpd.GeoDataFrame({"parcel_id": [f"P{i}" for i in range(7)], "supply_status": ["unsupplied"] * 7,
                              "land_use_category": ["industrial"] * 7, "owner_uscc": [None] * 7},
                             geometry=squares, crs=GK)
    layers = {"protection_lines": gpd.GeoDataFrame({"line_id": ["L1"], "level": ["red"]},
                                                   geometry=[box(-5000, -5000, 9000, 5000)], crs=GK)}
    if parks:
        layers["parks"] = gpd.GeoDataFrame({"park_id": ["A", "B"], "name": ["甲园", "乙园"], "leading_industries": ["", ""]},
                                           geometry=[box(-50, -50, 1650, 150), box(1950, -50, 3150, 150)], crs=GK)
    units = stack_units(layers, GK)
    units["tax_per_mu"] = [{"A": 40.0, "B": 10.0}.get(u, 20.0) for u in units["unit_id"]]
    units["supply_ratio"] = 0.6
    constraints = gpd.GeoDataFrame({"kind": ["urban_boundary"]}, geometry=[box(-5000, -5000, 9000, 5000)], crs=GK)
    return SitingData(parcels=prepare_parcels(frame, {}), units=units, config={"siting": {}}, crs=GK,
                      constraints=constraints, district={"tax_per_mu": 20.0})


def parks_of(result) -> list:
    return [(c["park"] or {}).get("unit_id") for c in result.candidates]


def test_best_per_park_first_then_the_rest_by_score():
    data = spread_data()
    request = dict(area_mu=10.0, max_area_mu=20.0, top=4)
    plain = run_siting(data, SiteRequest(**request, per_park=0))
    assert parks_of(plain) == ["A", "A", "A", "A"]  # the old order: the best sites all in one park
    scores = [c["score"] for c in plain.candidates]
    assert scores == sorted(scores, reverse=True)
    a_sites = [c["site_id"] for c in plain.candidates]  # park A's four (equal scores: their order is the pipeline's)
    assert sorted(p for c in plain.candidates for p in c["parcel_ids"]) == ["P0", "P1", "P2", "P3"]
    spread = run_siting(data, SiteRequest(**request))  # the default
    assert parks_of(spread) == ["A", "B", "A", "A"]
    ids = [c["site_id"] for c in spread.candidates]
    assert [ids[0], ids[2], ids[3]] == a_sites[:3]  # A's sites keep their order around B's best
    assert spread.candidates[1]["parcel_ids"][0] in ("P4", "P5", "P6")
    assert [c["rank"] for c in spread.candidates] == [1, 2, 3, 4]
    assert spread.candidates[1]["score"] < spread.candidates[2]["score"]  # B's best comes before A's second
    assert spread.candidates[0]["park"] == {"unit_id": "A", "unit_kind": "parks", "name": "甲园"}
    assert spread.request["per_park"] is None and "best per park first" in spread.to_text()
    for c in spread.candidates:  # the shown rank lies in its sensitivity range
        assert c["sensitivity"]["rank_best"] <= c["rank"] <= c["sensitivity"]["rank_worst"]
    one = run_siting(data, SiteRequest(**request, per_park=1))
    assert parks_of(one) == ["A", "B"]  # one per park: two parks, two candidates
    two = run_siting(data, SiteRequest(**request, per_park=2))
    assert parks_of(two) == ["A", "B", "A", "B"]
    assert [c["site_id"] for c in two.candidates][0::2] == a_sites[:2]
    frame = two.to_frame()
    assert frame["park_id"].tolist() == ["A", "B", "A", "B"] and frame["park_name"].tolist()[:2] == ["甲园", "乙园"]


def test_without_parks_the_sites_group_by_their_unit_and_the_order_is_the_score_order():
    data = spread_data(parks=False)
    request = dict(area_mu=10.0, max_area_mu=20.0, top=5)
    default, plain = run_siting(data, SiteRequest(**request)), run_siting(data, SiteRequest(**request, per_park=0))
    assert [c["site_id"] for c in default.candidates] == [c["site_id"] for c in plain.candidates]
    assert {(c["park"] or {}).get("unit_id") for c in default.candidates} == {"L1"}  # the own unit: the red line


def test_per_park_is_validated():
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(RequestError, match="per_park"):
            SiteRequest(area_mu=10.0, per_park=bad).validate()
    SiteRequest(area_mu=10.0, per_park=0).validate()
    SiteRequest(area_mu=10.0, per_park=np.int64(3)).validate()


def test_siting_page_offers_the_spread_and_shows_exclusions_as_exclusions(demo_project, monkeypatch):
    from tests.apphelp import page_app
    from ui.siting_page import per_park_option

    assert (per_park_option("first", 3), per_park_option("cap", 3), per_park_option("score", 3)) == (None, 3, 0)
    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    at = page_app("siting_page").run()
    assert not at.exception, at.exception
    spread = at.get("button_group")[0]
    assert spread.label == "候选分散到各园区" and spread.value == "first"
    at.number_input(key="siting_area_mu").set_value(50.0)
    at.get("button_group")[0].set_value("score")
    at.button[0].click().run()
    assert not at.exception, at.exception
    stored = at.session_state["siting_result"]["result"]
    assert stored.request["per_park"] == 0
    excluded = next(d.value for d in at.dataframe if "排除数" in d.value.columns)
    assert excluded["排除原因"].tolist() == [
        "不在城镇开发边界内（排除）", "占用永久基本农田（排除）", "占用生态保护红线（排除）", "不在工业用地保护线内（排除）",
        "超出指定选址范围（排除）", "坡度超过上限（排除）", "面积不符合需求（排除）"]
    assert excluded["排除数"].tolist() == [stored.excluded[n] for n in RULES]
    table = next(d.value for d in at.dataframe if "所属园区" in d.value.columns)
    assert table["得分"].tolist() == sorted(table["得分"].tolist(), reverse=True)  # by score only
    assert any("仅按得分排序" in c.value for c in at.caption)


# =========================================================================== 3. the data page keeps its tab


def _open_tab(at) -> int:
    block = next(node for node in at.main if getattr(node, "type", None) == "tab_container")
    return block.proto.tab_container.default_tab_index


def test_data_page_keeps_the_open_tab_on_submit_and_project_switch(tmp_path):
    from layers.projects import create_empty_project
    from tests.apphelp import page_app
    from tests.bureau import gbk_shapefile_zip

    first = create_empty_project(tmp_path / "first", region="甲区")
    import_source(gbk_shapefile_zip(tmp_path), "parcels", first.root)  # 3 data issues: the tab reads 数据问题（3）
    at = page_app("data_page", session={"project_root": str(first.root)}, timeout=120).run()
    assert _open_tab(at) == 0
    at.session_state["data_tab"] = "项目管理"  # the user opens the projects tab
    at.run()
    assert _open_tab(at) == 2
    # Enter (or 打开) with a folder that is no project: the error shows, the tab stays
    at.text_input(key="data_open_path").input(str(tmp_path))
    next(b for b in at.button if b.label == "打开").click().run()
    assert any("不是 Landpark 项目" in e.value for e in at.error)
    assert _open_tab(at) == 2
    # a switch to a new project: new tab labels (数据问题（0）) and a message above the tabs; still the same tab
    at.text_input(key="data_create_path").input(str(tmp_path / "second"))
    next(b for b in at.button if b.label == "新建并打开").click().run()
    assert not at.exception, at.exception
    assert at.session_state["project_root"] == str((tmp_path / "second").resolve())
    assert [t.label for t in at.tabs] == ["导入数据", "数据问题（0）", "项目管理"]
    assert _open_tab(at) == 2
    at.run()  # and on any later rerun
    assert _open_tab(at) == 2


# =========================================================================== 4. 非数字: one severity


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def _severities(problems, code: str) -> list:
    return [(p.feature, p.field, p.severity) for p in problems if p.code == code]


def test_non_numeric_cell_in_an_optional_field_is_a_warning_before_and_after_import(tmp_path):
    from layers.issue_tables import problems_frame

    source = write_csv(tmp_path / "企业.csv", f"""
统一社会信用代码,企业名称,年度,实缴税金
{A},甲公司,2024,abc
{B},乙公司,2024,120
""")
    report = validate_source(source, "enterprises")
    assert report.ok
    assert _severities(report.problems, "not_a_number") == [(A, "tax_10k_yuan", "warning")]
    assert "imported as empty" in next(p.message for p in report.problems if p.code == "not_a_number")
    assert not problems_frame(report.problems)["blocking"].any()
    import_source(source, "enterprises", tmp_path / "p")
    project = Project.open(tmp_path / "p")
    issues = project.data_issues()
    stored = issues[issues["code"] == "not_a_number"]
    assert stored[["feature", "field", "severity"]].values.tolist() == [[A, "tax_10k_yuan", "warning"]]
    assert project.read_layer("enterprises")["tax_10k_yuan"].isna().tolist() == [True, False]  # imported as empty
    # every problem kept by the import has the severity the report gave it, for this code
    kept = {(p.feature, p.field): p.severity for p in report.problems if p.code == "not_a_number"}
    assert {(f, fl): s for f, fl, s in stored[["feature", "field", "severity"]].values} == kept


def test_non_numeric_approved_area_is_a_warning_too(tmp_path):
    parks = gpd.GeoDataFrame({"园区编号": ["K1", "K2"], "园区名称": ["一区", "二区"], "核准面积": ["大约十公顷", "10公顷"]},
                             geometry=[box(0, 0, 400, 400), box(1000, 0, 1400, 400)], crs=GK)
    source = tmp_path / "园区.gpkg"
    parks.to_file(source, driver="GPKG", engine="pyogrio")
    report = validate_source(source, "parks")
    assert report.ok
    assert _severities(report.problems, "not_a_number") == [("K1", "approved_area_mu", "warning")]
    import_source(source, "parks", tmp_path / "p")
    issues = Project.open(tmp_path / "p").data_issues()
    assert issues[issues["code"] == "not_a_number"][["feature", "severity"]].values.tolist() == [["K1", "warning"]]


def test_non_numeric_cell_in_a_required_field_blocks_the_import(tmp_path):
    from layers.issue_tables import problems_frame

    source = write_csv(tmp_path / "事件.csv", f"""
统一社会信用代码,年度,事件
{A},2024,安全生产事故
{B},今年,环境事故
""")
    report = validate_source(source, "enterprise_events")
    assert not report.ok
    assert _severities(report.problems, "required_not_a_number") == [("row 2", "year", "error")]
    assert [p.code for p in report.blocking] == ["required_not_a_number"]
    assert not _severities(report.problems, "not_a_number") and not _severities(report.problems, "missing_value")
    assert problems_frame(report.problems)["blocking"].tolist() == [p.code == "required_not_a_number" for p in report.problems]
    with pytest.raises(InputError, match="1 blocking problem"):
        import_source(source, "enterprise_events", tmp_path / "p")
    assert not (tmp_path / "p" / "project.gpkg").exists()  # nothing stored: no severity to disagree with
