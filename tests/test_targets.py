"""Targets and progress (issue 15, item 3): layers/targets_settings.py, analysis/targets.py.

Every expectation is worked out by hand on small explicit fixtures: a 3-firm district evaluated for real (its 规上
亩均税收 by hand), the straight-line path of a future target, micro parks and communities of known area, protection
lines of known area, and the supply floors over a tiny parcel table.
"""

from __future__ import annotations

import json
import re
import tomllib
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from analysis.inputs import load_inputs
from analysis.score import evaluate
from analysis.supply_mix import supply_mix
from analysis.targets import format_targets, judge, target_progress, to_json, unit_targets
from layers.config import config_from_dict
from layers.problems import InputError
from layers.project import Project
from layers.settings import Reader
from layers.targets_settings import DEFAULT_TOML, DEMO_TOML, TargetsSettings

X0, Y0, CRS = 560_000.0, 3_300_000.0, "EPSG:4549"
REQUIRED_KEYS = {"name", "scope", "value", "target", "gap", "status", "base", "source"}


def read(section: dict) -> TargetsSettings:
    """A [targets] table read as the config loader reads it (unknown keys refused)."""
    reader = Reader(section, "targets", "test.toml")
    settings = TargetsSettings.read(reader)
    reader.finish()
    return settings


def item(**kw) -> dict:
    """One [[targets.items]] table: a district 亩均税收 target of 58 by 2025 unless overridden."""
    return {"name": "亩均税收", "indicator": "tax_per_mu", "scope": "district", "year": 2025, "value": 58.0,
            "source": "测试", **kw}


def fake_ev(units: pd.DataFrame | None = None, firms: pd.DataFrame | None = None, members: pd.DataFrame | None = None,
            district: dict | None = None) -> SimpleNamespace:
    """The parts of an Evaluation analysis/targets.py reads."""
    return SimpleNamespace(units=units if units is not None else pd.DataFrame(columns=["unit_id", "unit_kind", "name"]),
                           firms=firms if firms is not None else pd.DataFrame(),
                           members=members if members is not None else pd.DataFrame(columns=["unit_pos", "uscc"]),
                           district=district or {})


def by_name(results) -> dict:
    return {(r.name, r.kind, r.year): r for r in results}


# ---- the 3-firm district, evaluated for real ---------------------------------------------------------------------

def box(x: float, w: float = 1000.0):
    return shapely.box(X0 + x, Y0, X0 + x + w, Y0 + 1000.0)


def three_firm_project(root, with_flag: bool = True) -> Project:
    """One park holding three firms: F1, F2 规上 and F3 规下, each declaring its land (land_area_mu)."""
    firms = pd.DataFrame({"uscc": ["F1", "F2", "F3"], "name": ["甲公司", "乙公司", "丙公司"],
                          "land_area_mu": [100.0, 50.0, 50.0], "tax_10k_yuan": [6000.0, 1500.0, 100.0],
                          "value_added_10k_yuan": [20000.0, 4000.0, 400.0], "employees": [400.0, 200.0, 40.0],
                          "revenue_10k_yuan": [50000.0, 10000.0, 2000.0], "profit_10k_yuan": [5000.0, 400.0, 20.0]})
    if with_flag:
        firms["above_scale"] = [True, True, False]
    parcels = gpd.GeoDataFrame({"parcel_id": ["P1", "P2", "P3"], "land_use": ["0601"] * 3,
                                "land_use_category": ["industrial"] * 3, "supply_status": ["built"] * 3,
                                "owner_uscc": ["F1", "F2", "F3"]}, geometry=[box(0), box(1000), box(2000)], crs=CRS)
    parks = gpd.GeoDataFrame({"park_id": ["K1"], "name": ["园区K1"], "kind": ["comprehensive"]},
                             geometry=[box(0, 3000)], crs=CRS)
    enterprises = gpd.GeoDataFrame(firms, geometry=[None] * 3, crs=CRS)
    project = Project.create(root, region="测试区", year=2025, crs=CRS)
    project.write_layers({"parcels": parcels, "parks": parks, "enterprises": enterprises}, issues=[])
    return project


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    project = three_firm_project(tmp_path_factory.mktemp("targets") / "p")
    return project, evaluate(load_inputs(project))


def test_above_scale_tax_per_mu_of_a_three_firm_district(three):
    project, ev = three
    settings = read({"items": [item(name="规上", base="规上"), item(name="全部", value=38.0),
                               item(name="园区规上", scope="unit:K1", base="above_scale"),
                               item(name="利润率", indicator="profit_margin", value=0.08, base="规上")]})
    results = by_name(target_progress(ev, config=project.config, settings=settings, year=2025))
    # 规上 (F1, F2): Σtax 7,500 ÷ Σland 150 亩 = 50.0; all three firms: 7,600 ÷ 200 = 38.0
    above = results[("规上", "indicator", 2025)]
    assert above.value == pytest.approx(50.0) and above.gap == pytest.approx(-8.0)
    assert above.status == "behind" and above.base == "above_scale" and above.detail["n_firms"] == 2
    everyone = results[("全部", "indicator", 2025)]
    assert everyone.value == pytest.approx(38.0) and everyone.status == "met"  # exactly at its target of 38
    park = results[("园区规上", "indicator", 2025)]
    assert park.value == pytest.approx(50.0) and park.scope_name == "园区K1"
    # 规上 利润率: Σprofit 5,400 ÷ Σrevenue 60,000 = 0.09 ≥ 0.08
    margin = results[("利润率", "indicator", 2025)]
    assert margin.value == pytest.approx(0.09) and margin.status == "met"


def test_above_scale_without_the_flag_is_no_data_not_all_firms(tmp_path):
    project = three_firm_project(tmp_path / "p", with_flag=False)
    ev = evaluate(load_inputs(project))
    settings = read({"items": [item(base="规上"), item(name="全部")]})
    results = by_name(target_progress(ev, config=project.config, settings=settings, year=2025))
    above = results[("亩均税收", "indicator", 2025)]
    assert above.value is None and above.status == "no_data" and above.reason == "no_above_scale_flag"
    assert above.gap is None
    assert results[("全部", "indicator", 2025)].value == pytest.approx(38.0)


# ---- status: the straight-line path -----------------------------------------------------------------------------

def test_future_target_on_track_at_the_interpolated_threshold():
    # base 40 in 2020, target 58 in 2025: in 2023 the path is 40 + 18 × 3/5 = 50.8
    assert judge(50.8, 58.0, ">=", 2025, 2023, 2020, 40.0) == ("on_track", pytest.approx(50.8), None)
    assert judge(50.7, 58.0, ">=", 2025, 2023, 2020, 40.0)[0] == "behind"
    # "at most": 0.10 idle in 2020 down to 0.05 in 2025 → 0.07 due in 2023
    assert judge(0.07, 0.05, "<=", 2025, 2023, 2020, 0.10)[0] == "on_track"
    assert judge(0.075, 0.05, "<=", 2025, 2023, 2020, 0.10)[0] == "behind"
    # the target year reached: met or behind against the target itself, whatever the base
    assert judge(57.9, 58.0, ">=", 2025, 2025, 2020, 40.0)[0] == "behind"
    assert judge(58.0, 58.0, ">=", 2025, 2026)[0] == "met"
    # future, no base: compared with the target itself, and said so
    assert judge(50.8, 58.0, ">=", 2025, 2023) == ("behind", None, "no_base")
    assert judge(None, 58.0, ">=", 2025, 2023, 2020, 40.0)[0] == "no_data"


def test_future_target_through_target_progress():
    firms = pd.DataFrame({"land_mu": [10.0, 10.0], "tax_10k_yuan": [500.0, 516.0], "above_scale": [True, True]},
                         index=pd.Index(["A", "B"], name="uscc"))
    settings = read({"items": [item(base="规上", base_year=2020, base_value=40.0)]})
    (result,) = target_progress(fake_ev(firms=firms), config={}, settings=settings, year=2023)
    assert result.value == pytest.approx(50.8) and result.path == pytest.approx(50.8) and result.status == "on_track"
    firms.loc["B", "tax_10k_yuan"] = 514.0  # 50.7 < 50.8
    (result,) = target_progress(fake_ev(firms=firms), config={}, settings=settings, year=2023)
    assert result.status == "behind" and result.gap == pytest.approx(50.7 - 58.0)


# ---- plan checks --------------------------------------------------------------------------------------------------

UNITS = pd.DataFrame({
    "unit_id": ["XW1", "XW2", "XW3", "WL1", "WL2", "WL3", "WL4"],
    "unit_kind": ["micro_parks"] * 3 + ["future_communities"] * 4,
    "name": ["一园", "二园", "三园", "甲社区", "乙社区", "丙社区", "丁社区"],
    "area_mu": [320.0, 200.0, 45.0, 1500.0, 1000.0, 1700.0, 1360.0],
})
SIZES = {"sizes": [
    {"name": "小微园", "kind": "micro_parks", "min_mu": 50, "max_mu": 300, "min_count": 20, "year": 2025, "source": "s"},
    {"name": "社区", "kind": "future_communities", "target_km2": 1.0, "tolerance": 0.1, "min_count": 4, "year": 2025,
     "source": "s"}]}


def test_micro_park_of_320_mu_flagged_and_count_below_minimum():
    results = by_name(target_progress(fake_ev(UNITS), config={}, settings=read(SIZES), year=2025))
    size = results[("小微园", "size", 2025)]
    assert size.detail["outside"] == ["XW1", "XW3"]  # 320 > 300, 45 < 50
    assert size.value == 2 and size.status == "behind"
    gaps = {u["unit_id"]: u["gap_mu"] for u in size.detail["units"]}
    assert gaps == {"XW1": pytest.approx(20.0), "XW2": 0.0, "XW3": pytest.approx(-5.0)}
    count = results[("小微园", "count", 2025)]
    assert count.value == 3 and count.target == 20 and count.status == "behind"


def test_communities_about_one_square_kilometre():
    results = by_name(target_progress(fake_ev(UNITS), config={}, settings=read(SIZES), year=2025))
    size = results[("社区", "size", 2025)]
    # 1 km² = 1,500 亩, ± 10 % → 1,350–1,650 亩: 1,000 and 1,700 are outside, 1,500 and 1,360 within
    assert (size.detail["low_mu"], size.detail["high_mu"]) == (pytest.approx(1350.0), pytest.approx(1650.0))
    assert size.detail["outside"] == ["WL2", "WL3"] and size.status == "behind"
    assert results[("社区", "count", 2025)].status == "met"
    own = unit_targets(list(results.values()), "WL2", "future_communities")
    mine = [r for r in own if r.kind == "unit_size"]
    assert len(mine) == 1 and mine[0].value == 1000.0 and mine[0].target == 1500.0 and mine[0].status == "behind"
    assert mine[0].detail["gap_mu"] == pytest.approx(-350.0)
    ok = [r for r in unit_targets(list(results.values()), "WL4", "future_communities") if r.kind == "unit_size"]
    assert ok[0].status == "met"


def test_an_absent_unit_kind_is_no_data_not_zero():
    settings = read({"sizes": [{"name": "社区", "kind": "future_communities", "target_km2": 1.0, "min_count": 6,
                                "year": 2025, "source": "s"}]})
    results = target_progress(fake_ev(UNITS[UNITS["unit_kind"] == "micro_parks"]), config={}, settings=settings, year=2025)
    assert [(r.kind, r.value, r.status, r.reason) for r in results] == [
        ("size", None, "no_data", "kind_missing"), ("count", None, "no_data", "kind_missing")]


def test_protection_line_totals_by_level():
    lines = pd.DataFrame({"level": ["red", "red", "blue"], "area_mu": [1500.0, 750.0, 1500.0]})
    settings = read({"line_totals": [
        {"name": "合计", "target_km2": 141.6, "year": 2025, "source": "s"},
        {"name": "红线", "level": "red", "target_km2": 1.5, "year": 2025, "source": "s"}]})
    results = by_name(target_progress(fake_ev(), config={}, settings=settings, year=2025, lines=lines))
    total = results[("合计", "line_total", 2025)]
    assert total.value == pytest.approx(2.5) and total.gap == pytest.approx(2.5 - 141.6) and total.status == "behind"
    assert total.detail["by_level_km2"] == {"blue": pytest.approx(1.0), "red": pytest.approx(1.5)}
    assert results[("红线", "line_total", 2025)].value == pytest.approx(1.5)
    assert results[("红线", "line_total", 2025)].status == "met"


def test_supply_floors_read_from_supply_mix_per_year():
    parcels = pd.DataFrame([
        ("A", "industrial", "built", "2023-03-01", "出让", 10.0),
        ("B", "commercial", "supplied", "2023-06-30", "出让", 5.0),
        ("C", "industrial", "idle", "2023-12-31", "划拨", 5.0),
        ("D", "residential", "built", "2024-04-01", "出让", 8.0),
    ], columns=["parcel_id", "land_use_category", "supply_status", "supply_date", "supply_type", "area_mu"])
    config = config_from_dict({"supply_mix": {"floors": [
        {"name": "新增 25%", "share": 0.25, "counts": ["all"], "base": "new_construction_land", "source": "a"},
        {"name": "出让 80%", "share": 0.80, "counts": ["出让"], "base": "land_sold", "source": "b"}]}})
    mix = supply_mix(parcels, config, years=[2022, 2023, 2024])
    results = by_name(target_progress(fake_ev(), config=config, settings=read({}), year=2023, supply_mix=mix))
    # 2023: industrial 15 of 20 亩 supplied = 0.75 ≥ 0.25; of land sold (出让) 10 of 15 = 0.667 < 0.80
    assert results[("新增 25%", "supply_floor", 2023)].value == pytest.approx(0.75)
    assert results[("新增 25%", "supply_floor", 2023)].status == "met"
    sold = results[("出让 80%", "supply_floor", 2023)]
    assert sold.value == pytest.approx(10 / 15) and sold.status == "behind" and sold.base == "land_sold"
    assert results[("新增 25%", "supply_floor", 2022)].status == "no_data"  # nothing supplied: no share, not 0
    assert results[("新增 25%", "supply_floor", 2022)].value is None
    assert ("新增 25%", "supply_floor", 2024) not in results  # after the year measured
    off = target_progress(fake_ev(), config=config, settings=read({"supply_floors": False}), year=2023, supply_mix=mix)
    assert off == []


# ---- settings ------------------------------------------------------------------------------------------------------

def test_default_section_is_empty_and_demo_section_reads():
    empty = read(tomllib.loads(DEFAULT_TOML)["targets"])
    assert (empty.items, empty.sizes, empty.line_totals) == ((), (), ()) and not empty.configured
    demo = read(tomllib.loads(DEMO_TOML)["targets"])
    assert [(i.indicator, i.value, i.base) for i in demo.items] == [
        ("tax_per_mu", 58.0, "above_scale"), ("labour_productivity", 37.8, "above_scale"), ("profit_margin", 0.08, "above_scale")]
    assert [(s.kind, s.min_mu, s.max_mu, s.target_km2, s.min_count) for s in demo.sizes] == [
        ("micro_parks", 50.0, 300.0, None, 20), ("future_communities", None, None, 1.0, 6)]
    assert demo.line_totals[0].target_km2 == 141.6


@pytest.mark.parametrize("section, key", [
    ({"items": [item(typo=1)]}, "targets.items[0].typo"),
    ({"items": [item(indicator="industrial_share", base="规上")]}, "targets.items[0].base"),
    ({"items": [item(base_year=2020)]}, "targets.items[0].base_value"),
    ({"items": [item(base_year=2025, base_value=1.0)]}, "targets.items[0].base_year"),
    ({"items": [item(scope="kind:nowhere")]}, "targets.items[0].scope"),
    ({"items": [item(direction=">")]}, "targets.items[0].direction"),
    ({"sizes": [{"name": "x", "kind": "micro_parks", "min_mu": 300, "max_mu": 50, "year": 2025, "source": "s"}]},
     "targets.sizes[0].max_mu"),
    ({"line_totals": [{"name": "x", "level": "green", "target_km2": 1.0, "year": 2025, "source": "s"}]},
     "targets.line_totals[0].level"),
])
def test_bad_settings_name_the_key(section, key):
    with pytest.raises(InputError) as caught:
        read(section)
    assert key in str(caught.value)


def test_cluster_scope_is_reported_without_data():
    settings = read({"items": [item(scope="cluster:汽车")]})
    (result,) = target_progress(fake_ev(firms=pd.DataFrame({"land_mu": [1.0], "tax_10k_yuan": [99.0]})), config={},
                                settings=settings, year=2025)
    assert (result.value, result.status, result.reason) == (None, "no_data", "cluster_pending")


# ---- output ---------------------------------------------------------------------------------------------------------

def test_json_and_text_of_every_kind(three):
    project, ev = three
    settings = read({**SIZES, "items": [item(base="规上"), item(name="集群", scope="cluster:汽车")],
                     "line_totals": [{"name": "保护线", "target_km2": 141.6, "year": 2025, "source": "s"}]})
    results = target_progress(ev, config=project.config, settings=settings, year=2025, units=UNITS,
                              lines=pd.DataFrame({"level": ["red"], "area_mu": [1500.0]}))
    doc = json.loads(json.dumps(to_json(results), allow_nan=False))
    assert all(REQUIRED_KEYS <= set(d) for d in doc)
    assert [d["scope"] for d in doc][:3] == ["district", "district", "kind:micro_parks"]  # district first, then kinds
    assert doc[-1]["scope"] == "cluster:汽车"
    zh = format_targets(doc, "zh")
    assert "落后" in zh and "（WL2）" in zh and "依据：s" in zh and "产业集群：汽车" in zh
    # the Chinese edition shows no code, key or English status
    for code in ("targets_", "above_scale", "no_data", "behind", "kind:", "cluster:", "micro_parks", "None", "nan"):
        assert code not in zh, code
    assert not re.search(r"\b(met|on_track|True|False)\b", zh)
    en = format_targets(doc, "en")
    assert "behind" in en and "above-scale" in en
    assert format_targets([], "zh").startswith("未设置目标")


# ---- a project with two years of firm data, through project_progress and the page ---------------------------------

@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """The 3-firm park with firm rows for 2024 and 2025: in 2024 F1 paid 4,500 and F2 1,500 (规上 6,000 ÷ 150 亩
    = 40.0), in 2025 6,000 and 1,500 (50.0)."""
    project = three_firm_project(tmp_path_factory.mktemp("years") / "p")
    firms = project.read_layer("enterprises")
    earlier = firms.assign(year=2024, tax_10k_yuan=[4500.0, 1500.0, 100.0])
    both = pd.concat([earlier, firms.assign(year=2025)], ignore_index=True)
    project.write_layers({"enterprises": gpd.GeoDataFrame(both, geometry=[None] * len(both), crs=CRS)}, issues=[])
    return Project.open(project.root)


def test_project_progress_measures_the_year_asked(two_years, monkeypatch):
    import analysis.targets as targets

    settings = read({"items": [item(base="规上", base_year=2020, base_value=30.0)],
                     "sizes": [{"name": "园区", "kind": "parks", "min_count": 2, "year": 2026, "source": "s"}]})
    monkeypatch.setattr(targets, "settings_of", lambda config: settings)
    (tax, count) = targets.project_progress(two_years, year=2024)
    # 2024: 40.0 against the path 30 + (58 − 30) × 4/5 = 52.4 → behind; one park of two wanted by 2026, no base
    assert tax.evaluated_year == 2024 and tax.value == pytest.approx(40.0) and tax.path == pytest.approx(52.4)
    assert tax.status == "behind"
    assert (count.value, count.status, count.note) == (1, "behind", "no_base")
    (tax, _) = targets.project_progress(two_years, year=2025)
    assert tax.value == pytest.approx(50.0) and tax.status == "behind" and tax.path is None  # the target year itself


def test_page_shows_the_targets_coloured_with_their_source(two_years, monkeypatch):
    import analysis.targets as targets
    from tests.apphelp import page_app

    settings = read({**SIZES, "items": [item(base="规上")]})
    monkeypatch.setattr(targets, "settings_of", lambda config: settings)
    monkeypatch.setenv("LANDPARK_PROJECT", str(two_years.root))
    at = page_app("targets_page").run()
    assert not at.exception and not at.error
    # the 规上 target behind; both size checks (size and count) without data: the project has neither kind
    assert {m.label: m.value for m in at.metric} == {"达成": "0", "进度正常": "0", "落后": "1", "无数据": "4"}
    first = at.dataframe[0].value
    table = first.data if hasattr(first, "data") else first
    assert table.loc[0, "现值"] == "50.00" and table.loc[0, "状态"] == "落后" and table.loc[0, "依据"] == "测试"
    assert "目标进度" in at.title[0].value
