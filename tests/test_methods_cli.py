"""Methods as data through the front doors (issue 12): `landpark methods`, `score --method NAME|FILE`,
`explain --firm`, method-file validation naming the line, and a 基准值 change moving scores exactly as the
formula says. Expected values are computed here from the formula, not taken from the engine.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from analysis.methods import list_methods, load_method, preset_paths
from analysis.methods.engine import evaluate_firms
from layers.problems import InputError
from layers.project import Project
from layers.uscc import uscc_check_char
from tests.test_cli_foundation import landpark

CRS = "EPSG:4549"
X0, Y0 = 560_000.0, 3_300_000.0


def code(n: int) -> str:
    head = f"91330200{n:08d}1"
    return head + uscc_check_char(head)


PRESETS = sorted(preset_paths())


def test_every_preset_reads_and_cites_its_source():
    assert {"huangyan-2022", "huangyan-2021", "wenling-2022", "huaian-2024", "changle-2023", "jingde",
            "ningbo-4-0"} <= set(PRESETS)
    for m in list_methods():
        assert m["source"] and m["title"] and m["region"] and 1990 <= m["year"] <= 2100
    run = landpark("methods", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert [set(d) for d in doc] == [{"name", "title", "region", "year", "source"}] * len(PRESETS)
    assert sorted(d["name"] for d in doc) == PRESETS


def test_methods_text_lists_open_points():
    run = landpark("methods")
    assert run.returncode == 0 and "huaian-2024" in run.stdout and "未定" in run.stdout and "来源" in run.stdout


# --------------------------------------------------------------------------- a generated county


def county(tmp_path: Path, n: int = 60, seed: int = 7) -> Project:
    """A small county: one park of 1 km², n firms (规上 and 规下, land 1–40 亩, one utility, new firms), an events
    layer (a 安全生产事故, two 高新技术企业) and a tenancy layer (a 规下 tenant of a 规上 landlord)."""
    rng = np.random.default_rng(seed)
    land = np.round(rng.uniform(1.0, 40.0, n), 2)
    above = rng.random(n) < 0.4
    above[1:4] = True  # the firms the events name are 规上 (昌乐 evaluates 规上 only)
    tax = np.round(land * rng.uniform(5, 50, n), 1)
    revenue = np.where(above, np.round(tax * rng.uniform(8, 15, n), 1), np.round(tax * rng.uniform(5, 10, n), 1))
    firms = pd.DataFrame({
        "uscc": [code(i) for i in range(n)], "name": [f"测试县第{i}企业有限公司" for i in range(n)],
        "industry": rng.choice(["纺织服装", "泵与阀门", "汽车零部件", "电子信息", "金属制品"], n),
        "above_scale": above, "year": 2024, "tax_10k_yuan": tax, "value_added_10k_yuan": np.round(revenue * 0.25, 1),
        "output_10k_yuan": revenue, "revenue_10k_yuan": revenue, "profit_10k_yuan": np.round(revenue * 0.06, 1),
        "energy_tce": np.round(revenue / 3.0, 1), "emissions": np.where(above, np.round(revenue / 5000.0, 3), np.nan),
        "electricity_kwh": np.round(tax * 1e4 / 0.24, -2), "rd_10k_yuan": np.where(above, np.round(revenue * 0.03, 1), np.nan),
        "tech_investment_10k_yuan": np.where(above, np.round(revenue * 0.02, 1), np.nan),
        "employees": np.round(revenue / 40.0 + 5), "land_area_mu": land,
        "production_start_date": pd.to_datetime(np.where(rng.random(n) < 0.1, "2024-03-01", "2015-06-01")),
        "utility": np.arange(n) == 0,
    })
    park = gpd.GeoDataFrame({"park_id": ["K1"], "name": ["测试园"], "kind": ["comprehensive"]},
                            geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=CRS)
    events = pd.DataFrame({"uscc": [code(1), code(2), code(3)], "year": [2024] * 3,
                           "event": ["安全生产事故", "高新技术企业", "高新技术企业"], "points": [np.nan, 2.0, 2.0]})
    tenancy = pd.DataFrame({"tenant_uscc": [code(5)], "landlord_uscc": [code(6)], "leased_area_mu": [2.0]})
    project = Project.create(tmp_path / "county", region="测试县", year=2024, crs=CRS)
    none = [None] * 3
    project.write_layers({"parks": park, "enterprises": gpd.GeoDataFrame(firms, geometry=[None] * n, crs=CRS),
                          "enterprise_events": gpd.GeoDataFrame(events, geometry=none, crs=CRS),
                          "tenancy": gpd.GeoDataFrame(tenancy, geometry=[None], crs=CRS)}, issues=[])
    return project


@pytest.fixture(scope="module")
def county_project(tmp_path_factory) -> Project:
    return county(tmp_path_factory.mktemp("county"))


@pytest.mark.parametrize("name", PRESETS)
def test_score_with_every_preset_on_a_generated_county(county_project, name):
    run = landpark("score", str(county_project.root), "--method", name, "--json")
    assert run.returncode == 0, run.stderr[-2000:]
    doc = json.loads(run.stdout)
    assert doc["method"]["enterprise"]["name"] == name
    firms = doc["enterprises"]
    assert len(firms) == 60
    for f in firms:
        assert {"group", "list", "scored", "reason_not_scored", "adjustments", "class"} <= set(f)
        if f["scored"]:
            assert f["reason_not_scored"] is None and f["list"] is not None and f["rank"] >= 1
        else:
            assert f["class"] is None and f["rank"] is None and f["reason_not_scored"]
    scored = [f for f in firms if f["scored"]]
    assert scored, f"{name}: nobody scored"
    assert {f["class"] for f in scored} <= {"A", "B", "C", "D"}
    assert "above_scale" in doc["district"]


def test_demo_scores_with_every_preset(demo_project, demo_inputs):
    """Every preset scores the demo's firms in process; the CLI's --method is taken through once (a non-default
    preset), since each CLI run also evaluates the year before for its year-on-year block."""
    from analysis.score import evaluate

    for name in PRESETS:
        ev = evaluate(demo_inputs, method=name)
        assert ev.method is not None and ev.method.name == name
        assert int(ev.enterprises.table["scored"].sum()) > 1000, name
    run = landpark("score", str(demo_project.root), "--method", "huaian-2024", "--json")
    assert run.returncode == 0, run.stderr[-1500:]
    doc = json.loads(run.stdout)
    assert doc["meta"]["method"]["enterprise"]["name"] == "huaian-2024"
    assert sum(f["scored"] for f in doc["enterprises"]) > 1000


def test_utility_gets_no_class_under_huaian(county_project):
    doc = json.loads(landpark("score", str(county_project.root), "--method", "huaian-2024", "--json").stdout)
    utility = next(f for f in doc["enterprises"] if f["uscc"] == code(0))
    assert utility["class"] is None and utility["rank"] is None and not utility["scored"]
    assert "公用" in utility["reason_not_scored"] or "T" in (utility.get("excluded_label") or "")


def test_veto_from_the_events_layer_under_changle(county_project):
    doc = json.loads(landpark("score", str(county_project.root), "--method", "changle-2023", "--json").stdout)
    firm = next(f for f in doc["enterprises"] if f["uscc"] == code(1))
    assert firm["scored"] and firm["class"] in ("C", "D")
    assert any(a["type"] == "veto" and a["cap"] == "C" for a in firm["adjustments"]) or firm["class"] == "D"
    others = [f for f in doc["enterprises"] if f["uscc"] != code(1) and f["scored"]]
    assert not any(a["type"] == "veto" for f in others for a in f["adjustments"])


def test_unknown_method_is_a_usage_error(county_project):
    run = landpark("score", str(county_project.root), "--method", "nowhere-2030")
    assert run.returncode == 2 and "nowhere-2030" in run.stderr and "huangyan-2022" in run.stderr


# --------------------------------------------------------------------------- method files by path


def method_text(benchmark_tax: float = 20.0, *, weights: str = "[60, 40]", when: str = "true",
                indicator_unit: str = "万元/吨标煤") -> str:
    return f"""
[method]
name = "test-county"
title = "测试县办法"
region = "测试县"
year = 2024
source = "测试用"

[indicators.tax_per_tce]
label = "单位能耗税收"
expression = "tax_10k_yuan / energy_tce"
unit = "{indicator_unit}"

[[lists]]
name = "all"
label = "全部"
when = "{when}"
indicators = ["tax_per_mu", "tax_per_tce"]
weights = {weights}
weights_sum = 100
scoring = "ratio"
benchmarks = [{benchmark_tax}, 0.5]

[lists.classes]
method = "score"
thresholds = [120, 90, 60]
"""


def test_changing_one_benchmark_changes_scores_as_the_formula_predicts(tmp_path, county_project):
    firms = pd.DataFrame(county_project.read_layer("enterprises").drop(columns="geometry"))
    scores = {}
    for bench in (20.0, 25.0):
        path = tmp_path / f"m{bench:g}.toml"
        path.write_text(method_text(bench), encoding="utf-8")
        scores[bench] = evaluate_firms(firms, load_method(path)).table.set_index("uscc")
    a, b = scores[20.0], scores[25.0]
    tax_per_mu = firms.set_index("uscc")["tax_10k_yuan"] / firms.set_index("uscc")["land_area_mu"]
    # only the 亩均税收 term moves: by 60 × x × (1/25 − 1/20)
    expected = a["score"] + 60 * tax_per_mu * (1 / 25 - 1 / 20)
    pd.testing.assert_series_equal(b["score"], expected.reindex(b.index), check_names=False, rtol=1e-12)
    tax_per_tce = firms.set_index("uscc")["tax_10k_yuan"] / firms.set_index("uscc")["energy_tce"]
    by_hand = 60 * tax_per_mu / 25 + 40 * tax_per_tce / 0.5
    pd.testing.assert_series_equal(b["score"], by_hand.reindex(b.index), check_names=False, rtol=1e-12)


def test_score_accepts_a_method_file_path(tmp_path, county_project):
    path = tmp_path / "my-county.toml"
    path.write_text(method_text(), encoding="utf-8")
    run = landpark("score", str(county_project.root), "--method", str(path), "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["method"]["enterprise"]["name"] == "test-county"


@pytest.mark.parametrize(("change", "names"), [
    ({"weights": "[60, 30]"}, ["lists[1] (全部).weights", "sum to 90"]),
    ({"indicator_unit": "万元/亩"}, ["indicators.tax_per_tce.unit", "万元/吨标煤"]),
    ({"when": "above_scal"}, ["lists[1] (全部).when", "above_scale"]),
    ({"when": "tax_10k_yuan"}, ["lists[1] (全部).when", "expected a bool"]),
])
def test_bad_method_files_are_refused_naming_the_line(tmp_path, change, names):
    path = tmp_path / "bad.toml"
    path.write_text(method_text(**change), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_method(path)
    for piece in [str(path), *names]:
        assert piece in str(err.value), str(err.value)


def test_unknown_key_in_a_method_file_is_refused(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(method_text().replace('scoring = "ratio"', 'scoring = "ratio"\nbenchmark_mod = "mean"'),
                    encoding="utf-8")
    with pytest.raises(InputError, match="unknown key lists"):
        load_method(path)


# --------------------------------------------------------------------------- explain --firm


def test_explain_firm_shows_terms_adjustments_and_rank(county_project):
    run = landpark("explain", str(county_project.root), "--firm", code(2), "--method", "huaian-2024", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["method"]["name"] == "huaian-2024" and doc["uscc"] == code(2)
    assert doc["why_list"][-1]["holds"] is (doc["list"] is not None)
    if doc["scored"]:
        total = sum(t["points"] for t in doc["terms"])
        assert doc["score_base"] == pytest.approx(total)
        for t in doc["terms"]:
            if t["value"] is not None and t["benchmark"]:
                assert t["points"] == pytest.approx(t["value"] / t["benchmark"] * t["weight"])
        assert 1 <= doc["rank"] <= doc["rank_of"]
    text = landpark("explain", str(county_project.root), "--firm", code(2), "--method", "huaian-2024")
    assert text.returncode == 0 and "评价办法" in text.stdout and "名单" in text.stdout


def test_explain_firm_of_an_excluded_utility_says_why(county_project):
    run = landpark("explain", str(county_project.root), "--firm", code(0), "--method", "huaian-2024")
    assert run.returncode == 0, run.stderr
    assert "未评价" in run.stdout


def test_explain_unknown_firm_is_a_usage_error(county_project):
    run = landpark("explain", str(county_project.root), "--firm", "91330200MA0000000X")
    assert run.returncode == 2 and "no firm with credit code" in run.stderr


def test_the_readme_example_is_a_valid_method(tmp_path):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("A whole method file:\n\n```toml\n")[1].split("```")[0]
    path = tmp_path / "my-county.toml"
    path.write_text(block, encoding="utf-8")
    method = load_method(path)
    assert method.name == "my-county-2025" and [lst.name for lst in method.lists] == ["above", "below"]
    assert [a.kind for a in method.adjustments] == ["points", "veto"] and method.plus_cap == 5
    bad = tmp_path / "bad.toml"
    bad.write_text(block.replace("weights = [50, 30, 20]", "weights = [50, 30, 10]"), encoding="utf-8")
    expected = (r"lists\[1\] \(规上\)\.weights = \[50.0, 30.0, 10.0\]: "
                r"expected weights summing to weights_sum = 100 \(they sum to 90\)")
    with pytest.raises(InputError, match=expected):
        load_method(bad)
