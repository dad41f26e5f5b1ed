"""Firms linked to land, visibly (issue 11, item 3): link table → credit code → normalised name;
ambiguous names reported, not guessed; a branch never linked to its parent; no link at all is an
error-level evaluation warning shown in the score JSON, the CLI and the scorecards.

Geometry: 1 km squares in EPSG:4549 (1 km² = 1500 亩), so per-mu figures are computed by hand.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from analysis.inputs import load_inputs
from analysis.land_links import link_parcels, normalise_name
from analysis.score import evaluate, to_json
from layers.project import Project
from tests.test_cli_foundation import landpark

X0, Y0 = 560_000.0, 3_300_000.0
CRS = "EPSG:4549"


def box(x, y, w, h):
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def parcels(**owner) -> pd.DataFrame:
    """Parcels P1…Pn with the given owner columns (owner_uscc=[…], owner_name=[…])."""
    n = len(next(iter(owner.values())))
    return pd.DataFrame({"parcel_id": [f"P{i + 1}" for i in range(n)], **owner})


def firms(codes, names, **extra) -> pd.DataFrame:
    return pd.DataFrame({"uscc": codes, "name": names, **extra})


# --------------------------------------------------------------------------- matching rules


def test_code_match_is_trimmed_and_case_blind():
    links = link_parcels(parcels(owner_uscc=[" 91330000abc ", "913300000XYZ", None]),
                         firms(["91330000ABC", "913300000XYZ"], ["甲公司", "乙公司"]))
    assert list(links.firm) == ["91330000ABC", "913300000XYZ", None]
    assert list(links.method) == ["code", "code", None]
    assert links.report.by_code == ["91330000ABC", "913300000XYZ"] and links.report.parcels_linked == 2
    assert links.report.owner_columns == "code"


@pytest.mark.parametrize(("owner", "firm"), [
    ("浙江甲乙机械有限公司（台州）", "浙江甲乙机械有限公司(台州)"),       # full- vs half-width brackets
    ("浙江甲乙机械有限责任公司", "浙江甲乙机械有限公司"),                 # company-form variant
    ("浙江 甲乙\u3000机械有限公司", "浙江甲乙机械有限公司"),              # spaces (and an ideographic space)
    ("浙江ＡＢＣ机械有限公司", "浙江abc机械有限公司"),                    # full-width letters, case
    ("台州市黄岩甲乙模具有限公司杭州分公司", "台州市黄岩甲乙模具有限公司（杭州分公司）"),  # a branch to itself
])
def test_name_match_through_normalisation(owner, firm):
    links = link_parcels(parcels(owner_name=[owner]), firms(["C1", "C2"], [firm, "无关公司"]))
    assert list(links.firm) == ["C1"] and list(links.method) == ["name"]
    assert links.report.by_name == ["C1"] and links.report.owner_columns == "name"
    assert normalise_name(owner) == normalise_name(firm)


def test_code_first_then_name():
    # P1's code names firm C2 although its name is C1's: the code wins; P2's code is unknown, its name links it
    links = link_parcels(parcels(owner_uscc=["C2", "UNKNOWN"], owner_name=["甲公司", "甲公司"]),
                         firms(["C1", "C2"], ["甲公司", "乙公司"]))
    assert list(links.firm) == ["C2", "C1"] and list(links.method) == ["code", "name"]
    assert links.report.owner_columns == "both"


def test_ambiguous_name_is_reported_not_linked():
    links = link_parcels(parcels(owner_name=["浙江甲有限公司", "浙江乙有限公司、浙江丙有限公司"]),
                         firms(["C1", "C2", "C3", "C4"],
                               ["浙江甲有限公司", "浙江甲有限责任公司", "浙江乙有限公司", "浙江丙有限公司"]))
    assert links.firm.isna().all()
    reasons = {a["parcel_id"]: a for a in links.report.ambiguous}
    assert reasons["P1"]["candidates"] == ["C1", "C2"] and reasons["P1"]["reason"] == "several firms with this name"
    assert reasons["P2"]["candidates"] == ["C3", "C4"] and reasons["P2"]["reason"] == "several owner names"
    assert links.report.owner_without_firm == []  # ambiguous parcels are listed once, as ambiguous
    assert [p.code for p in links.report.problems()] == ["no_land_links", "ambiguous_owner", "ambiguous_owner"]


def test_branch_is_not_linked_to_its_parent():
    links = link_parcels(parcels(owner_name=["浙江甲有限公司杭州分公司", "浙江乙有限公司"]),
                         firms(["C1", "C2"], ["浙江甲有限公司", "浙江乙有限公司宁波分公司"]))
    assert links.firm.isna().all()
    orphans = {o["parcel_id"]: o for o in links.report.owner_without_firm}
    assert orphans["P1"]["hints"] == ["C1"] and orphans["P2"]["hints"] == ["C2"]  # named as hints, not linked


def test_link_table_overrides_a_wrong_code():
    table = pd.DataFrame({"uscc": ["C2", "C9", "C1"], "parcel_id": ["P1", "P2", "P404"]})
    links = link_parcels(parcels(owner_uscc=["C1", "C1"]), firms(["C1", "C2"], ["甲公司", "乙公司"]), table)
    assert list(links.firm) == ["C2", "C1"] and list(links.method) == ["table", "code"]
    assert links.report.by_table == ["C2"] and links.report.by_code == ["C1"]
    assert {r["reason"] for r in links.report.table_ignored} == {"no firm has this code", "no parcel has this id"}


def test_link_table_rows_are_trimmed_deduplicated_and_reported_in_table_order():
    """Every rule of the link table on one hand-made table: ids and codes compared trimmed (codes also case-blind),
    a number compared as str() writes it, a repeated row counted once, a parcel id named with two firms left
    unlinked and reported with both in the table's order, and each row it cannot apply reported with its reason."""
    plots = pd.DataFrame({"parcel_id": ["P1", "P2", "P3", "7", "P5", "P6"],
                          "owner_uscc": ["C3", None, None, None, "C3", None]})
    table = pd.DataFrame({
        "uscc": ["c1 ", "C1", "C2", "C1", "C9", None, "C3", "C2", "C1", "C2", "C3"],
        "parcel_id": [" P1", "P1", "P3", "P2", "P2", "P5", None, 7, 7.0, "P6\u3000", "P6"],
    }, dtype=object)
    links = link_parcels(plots, firms(["C1", "C2", "C3"], ["甲", "乙", "丙"]), table)
    # P1: C1 twice (trimmed, upper-cased) → C1; P2: C1 (C9 unknown); P3: C2; "7": the number 7 is "7" → C2, 7.0
    # is "7.0" (no parcel); P6: C2 (the ideographic space trimmed) and C3 → ambiguous; P5: its row has no code, so
    # its own code C3 links it
    assert list(links.firm) == ["C1", "C1", "C2", "C2", "C3", None]
    assert list(links.method) == ["table", "table", "table", "table", "code", None]
    assert links.report.ambiguous == [{"parcel_id": "P6", "owner": "", "candidates": ["C2", "C3"],
                                       "reason": "several firms in the link table"}]
    assert links.report.table_ignored == [
        {"uscc": "C9", "parcel_id": "P2", "reason": "no firm has this code"},
        {"uscc": "None", "parcel_id": "P5", "reason": "empty code or parcel id"},
        {"uscc": "C3", "parcel_id": "", "reason": "empty code or parcel id"},
        {"uscc": "C1", "parcel_id": "7.0", "reason": "no parcel has this id"},
    ]


def test_firms_declaring_land_but_unlinked():
    links = link_parcels(parcels(owner_uscc=["C1"]),
                         firms(["C1", "C2", "C3"], ["甲", "乙", "丙"], land_area_mu=[10.0, 5.0, None]))
    assert links.report.declaring_unlinked == ["C2"]
    assert links.report.counts()["firms_linked"] == 1


# --------------------------------------------------------------------------- projects


def make_project(root, *, owner: dict | None, link_table: pd.DataFrame | None = None) -> Project:
    """Park K1 = parcel P1 (1500 亩, industrial, built); firm C1 浙江甲乙机械有限公司 pays 3000 万元 tax."""
    frame = gpd.GeoDataFrame({"parcel_id": ["P1"], "land_use": ["0601"], "land_use_category": ["industrial"],
                              "supply_status": ["built"], "floor_area_m2": [1.5e6], "footprint_m2": [5e5],
                              **(owner or {})}, geometry=[box(0, 0, 1000, 1000)], crs=CRS)
    park = gpd.GeoDataFrame({"park_id": ["K1"], "name": ["园区K1"], "kind": ["comprehensive"]},
                            geometry=[box(0, 0, 1000, 1000)], crs=CRS)
    firm = gpd.GeoDataFrame({"uscc": ["C1"], "name": ["浙江甲乙机械有限公司"], "above_scale": [False],
                             "tax_10k_yuan": [3000.0], "value_added_10k_yuan": [9000.0], "electricity_kwh": [1e6]},
                            geometry=[None], crs=CRS)
    project = Project.create(root, region="测试区", year=2025, crs=CRS)
    layers = {"parcels": frame, "parks": park, "enterprises": firm}
    if link_table is not None:
        layers["land_links"] = gpd.GeoDataFrame(link_table, geometry=[None] * len(link_table), crs=CRS)
    project.write_layers(layers, issues=[])
    return project


@pytest.fixture(scope="module")
def unlinked(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("none") / "p", owner=None)
    inputs = load_inputs(project)
    return project, inputs, evaluate(inputs)


def test_no_link_is_an_error_level_warning(unlinked):
    _, _, ev = unlinked
    errors = [w for w in ev.warnings if w["code"] == "no_land_links"]
    assert len(errors) == 1 and errors[0]["severity"] == "error"
    assert "no firm is linked to any parcel" in errors[0]["message"] and "没有企业关联到宗地" in errors[0]["message"]
    assert ev.units["tax_per_mu"].isna().all()
    doc = json.loads(json.dumps(to_json(ev)))
    assert doc["links"]["no_links"] is True and doc["links"]["owner_columns"] == "none"
    assert doc["links"]["counts"]["parcels"] == 1 and doc["links"]["counts"]["firms"] == 1
    assert any(w["code"] == "no_land_links" for w in doc["warnings"])


def test_no_link_in_cli_and_json(unlinked):
    project, _, _ = unlinked
    run = landpark("score", str(project.root))
    assert run.returncode == 0, run.stderr
    assert "企业—宗地关联" in run.stdout and "没有任何企业关联到宗地" in run.stdout
    doc = json.loads(landpark("score", str(project.root), "--json").stdout)
    assert doc["links"]["no_links"] is True


def test_no_link_on_the_scorecard(unlinked, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    from reports.pdf import export_pdf

    _, inputs, ev = unlinked
    pdf = export_pdf(ev, inputs, tmp_path / "score.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    # in Chinese (no raw code), on the summary and on the unit's page
    assert flat.count("没有任何企业关联到宗地") >= 2 and "no_land_links" not in flat


def test_per_mu_output_once_firms_link_by_name(tmp_path):
    project = make_project(tmp_path / "p", owner={"owner_name": ["浙江甲乙机械有限责任公司"]})
    ev = evaluate(load_inputs(project))
    unit = ev.units.iloc[0]
    land = unit["member_land_mu"]
    assert land == pytest.approx(1500.0, rel=2e-3)  # 1 km² parcel
    assert unit["tax_per_mu"] == pytest.approx(3000.0 / land) and unit["tax_per_mu"] == pytest.approx(2.0, rel=2e-3)
    assert unit["value_added_per_mu"] == pytest.approx(9000.0 / land)
    assert not any(w["code"] == "no_land_links" for w in ev.warnings)
    assert ev.links.by_name == ["C1"]
    firm = ev.enterprises.table.set_index("uscc").loc["C1"]
    assert firm["land_source"] == "parcels" and firm["land_mu"] == pytest.approx(land)


def test_imported_link_table_overrides(tmp_path):
    project = make_project(tmp_path / "p", owner={"owner_uscc": ["WRONG"]})
    source = tmp_path / "links.csv"
    pd.DataFrame({"统一社会信用代码": ["C1"], "宗地编号": ["P1"]}).to_csv(source, index=False)
    run = landpark("import", str(source), "--kind", "land_links", "--into", str(project.root), "--json")
    assert run.returncode == 0, run.stderr + run.stdout
    doc = json.loads(landpark("score", str(project.root), "--json").stdout)
    assert doc["links"]["by_table"] == ["C1"] and doc["links"]["no_links"] is False
    assert doc["units"][0]["tax_per_mu"] == pytest.approx(2.0, rel=2e-3)


def test_validate_says_which_owner_columns(tmp_path):
    source = tmp_path / "parcels.csv"
    pd.DataFrame({"宗地编号": ["P1"], "地类编码": ["0601"], "供地状态": ["built"], "权利人": ["浙江甲乙机械有限公司"],
                  "经度": [121.3], "纬度": [28.6]}).to_csv(source, index=False)
    run = landpark("validate", str(source), "--kind", "parcels")
    assert "宗地权利人字段: 仅权利人名称" in run.stdout, run.stdout + run.stderr
    doc = json.loads(landpark("validate", str(source), "--kind", "parcels", "--json").stdout)
    assert doc["owner_columns"] == "name"


# --------------------------------------------------------------------------- the app


def test_app_page_shows_the_link_error(unlinked, monkeypatch):
    from tests.apphelp import page_app

    project, _, _ = unlinked
    monkeypatch.setenv("LANDPARK_PROJECT", str(project.root))
    at = page_app("enterprises_page").run()
    assert not at.exception, at.exception
    assert any(s.value == "企业与宗地关联" for s in at.subheader)
    assert any("没有任何企业关联到宗地" in e.value for e in at.error)
    assert any("宗地权利人字段: 无" in m.value for m in at.markdown)


def test_app_page_shows_demo_links(demo_project, demo_evaluation, monkeypatch):
    from tests.apphelp import page_app

    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    at = page_app("enterprises_page").run()
    assert not at.exception, at.exception
    assert not at.error
    c = demo_evaluation.links.counts()
    assert c["by_code"] > 0 and c["by_name"] == 0 and c["parcels_linked"] > 0
    summary = next(m.value for m in at.markdown if "已关联宗地" in m.value)
    assert f"按信用代码 {c['by_code']}" in summary


def test_per_distinct_keeps_list_results_whole_and_gives_missing_its_own_value():
    """Owners repeat across parcels: the function runs once per distinct value, and list results of equal length
    are not broadcast into the array."""
    import numpy as np

    from analysis.land_links import _per_distinct

    calls: list = []

    def split(value):
        calls.append(value)
        return value.split(";") if value else ["—"]

    got = _per_distinct(np.array(["a;b", None, "a;b", "c;d", float("nan")], dtype=object), split)
    assert [list(v) for v in got] == [["a", "b"], ["—"], ["a", "b"], ["c", "d"], ["—"]]
    assert sorted(map(str, calls)) == ["None", "a;b", "c;d"]  # once per distinct value, once for the missing


def test_the_vectorised_normalising_equals_the_rules_value_by_value():
    """normalise_codes / normalise_names take values already in normal form as they are and normalise the rest:
    every value must come out as normalise_code / normalise_name says, whatever the column's dtype."""
    from analysis.land_links import normalise_code, normalise_codes, normalise_name, normalise_names

    codes = ["91330100MA2AAAAA1X", " 91330100ma2aaaaa1x ", "９１３３０１００ＭＡ２ＡＡＡＡＡ１Ｘ", "9133 0100", "", None,
             float("nan"), 913301, "91330100MA2AAAAA1X", "abc"]
    names = ["宁波嘉浩模具有限公司", "宁波嘉浩模具有限责任公司", "宁波嘉浩（台州）模具有限公司", "ＡＢＣ科技有限公司",
             "abc科技有限公司", "Abc 科技有限公司", "宁波嘉浩模具有限公司。", "", None, float("nan"), 12345, "企业1"]
    for values, vectorised, rule in ((codes, normalise_codes, normalise_code), (names, normalise_names, normalise_name)):
        for series in (pd.Series(values, dtype=object), pd.Series([v for v in values if isinstance(v, str)], dtype="string")):
            got = list(vectorised(series))
            assert got == [rule(v) for v in series.astype(object).where(series.notna(), None)]


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0]])
def test_each_owner_value_is_read_as_written_whatever_the_order(order):
    """Owners are matched once per distinct value; 12345 and 12345.0 (equal numbers, read "12345" and "12345.0"),
    or 7 and 7.0 as names, are still told apart, whichever comes first."""
    firms = pd.DataFrame({"uscc": ["12345", "91330100MA2AAAAA7X"], "name": ["丁厂", "7"]})
    rows = pd.DataFrame({"parcel_id": ["int", "float", "name int", "name float"],
                         "owner_uscc": pd.Series([12345, 12345.0, None, None], dtype=object),
                         "owner_name": pd.Series([None, None, 7, 7.0], dtype=object)}).iloc[order].reset_index(drop=True)
    links = link_parcels(rows, firms)
    got = dict(zip(rows["parcel_id"], links.firm))
    assert got == {"int": "12345", "float": None, "name int": "91330100MA2AAAAA7X", "name float": None}
    assert dict(zip(rows["parcel_id"], links.method)) == {"int": "code", "float": None, "name int": "name",
                                                          "name float": None}


def test_codes_equal_as_numbers_but_not_as_text_are_normalised_apart():
    """1.0 and True are equal in Python (and hash alike) but read "1.0" and "TRUE" as codes: each keeps its own
    normal form, in either order."""
    from analysis.land_links import normalise_codes

    for values in ([1.0, True], [True, 1.0]):
        got = normalise_codes(pd.Series(values, dtype=object))
        assert list(got) == ["1.0" if v is not True else "TRUE" for v in values]
