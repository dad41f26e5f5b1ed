"""规上-only figures beside the all-firm ones (issue 12, item 5): for the district and every unit, 亩均税收,
亩均增加值, 全员劳动生产率 and 利润率 over the firms flagged above_scale, under the same keys as the pooled
figures, so that a 规上 target (鄞州 58 万元/亩 …) is compared with a 规上 figure.

Tiny project: 1 km squares in EPSG:4549 (1 km² = 1500 亩). Firms declare their land (land_area_mu), so every
expected figure below is Σ numerator ÷ Σ firm land worked out by hand; parcels only make the firms members.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from analysis.inputs import load_inputs
from analysis.score import evaluate, to_json
from layers.project import Project
from tests.test_cli_foundation import landpark

X0, Y0 = 560_000.0, 3_300_000.0
CRS = "EPSG:4549"
FIGURES = ("tax_per_mu", "value_added_per_mu", "labour_productivity", "profit_margin")

# Park K1 holds P1–P3 (A1, A2 规上; B1 规下); park K2 holds P4 (B2 规下 only).
FIRMS = pd.DataFrame({
    "uscc": ["A1", "A2", "B1", "B2"],
    "name": ["甲公司", "乙公司", "丙公司", "丁公司"],
    "above_scale": [True, True, False, False],
    "land_area_mu": [100.0, 50.0, 50.0, 20.0],
    "tax_10k_yuan": [6000.0, 3000.0, 300.0, 150.0],
    "value_added_10k_yuan": [15000.0, 6000.0, 1500.0, 600.0],
    "employees": [500.0, 250.0, 100.0, 50.0],
    "revenue_10k_yuan": [60000.0, 30000.0, 5000.0, 1500.0],
    "profit_10k_yuan": [3000.0, 1500.0, -100.0, 60.0],
    "electricity_kwh": [2.5e7, 1.2e7, 1.3e6, 6e5],
})

# K1 by hand. All firms: Σtax 9300, ΣVA 22500 on 200 亩, 850 staff, Σprofit 4400 on Σrevenue 95000.
# 规上 (A1, A2): Σtax 9000, ΣVA 21000 on 150 亩, 750 staff, Σprofit 4500 on Σrevenue 90000.
K1_ALL = {"tax_per_mu": 9300 / 200, "value_added_per_mu": 22500 / 200, "labour_productivity": 22500 / 850,
          "profit_margin": 4400 / 95000}
K1_ABOVE = {"tax_per_mu": 60.0, "value_added_per_mu": 140.0, "labour_productivity": 28.0, "profit_margin": 0.05}
K2_ALL = {"tax_per_mu": 150 / 20, "value_added_per_mu": 600 / 20, "labour_productivity": 600 / 50,
          "profit_margin": 60 / 1500}
# District: every firm (K1's plus B2); its 规上 firms are K1's.
DISTRICT_ALL = {"tax_per_mu": 9450 / 220, "value_added_per_mu": 23100 / 220, "labour_productivity": 23100 / 900,
                "profit_margin": 4460 / 96500}


def box(x, y, w=1000.0, h=1000.0):
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def make_project(root, firms: pd.DataFrame = FIRMS) -> Project:
    parcels = gpd.GeoDataFrame({"parcel_id": ["P1", "P2", "P3", "P4"], "land_use": ["0601"] * 4,
                                "land_use_category": ["industrial"] * 4, "supply_status": ["built"] * 4,
                                "owner_uscc": ["A1", "A2", "B1", "B2"]},
                               geometry=[box(0, 0), box(1000, 0), box(2000, 0), box(5000, 0)], crs=CRS)
    parks = gpd.GeoDataFrame({"park_id": ["K1", "K2"], "name": ["园区K1", "园区K2"], "kind": ["comprehensive"] * 2},
                             geometry=[box(0, 0, 3000), box(5000, 0)], crs=CRS)
    enterprises = gpd.GeoDataFrame(firms.copy(), geometry=[None] * len(firms), crs=CRS)
    project = Project.create(root, region="测试区", year=2025, crs=CRS)
    project.write_layers({"parcels": parcels, "parks": parks, "enterprises": enterprises}, issues=[])
    return project


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("above") / "p")
    ev = evaluate(load_inputs(project))
    return project, ev, json.loads(json.dumps(to_json(ev)))


def units_by_id(doc) -> dict[str, dict]:
    return {u["unit_id"]: u for u in doc["units"]}


def test_unit_pooled_and_above_scale_figures(tiny):
    _, _, doc = tiny
    k1, k2 = units_by_id(doc)["K1"], units_by_id(doc)["K2"]
    assert k1["member_count"] == 3 and k1["above_scale"]["n_firms"] == 2
    for key in FIGURES:
        assert k1[key] == pytest.approx(K1_ALL[key]), key
        assert k1["above_scale"][key] == pytest.approx(K1_ABOVE[key]), key
        assert k2[key] == pytest.approx(K2_ALL[key]), key
    # land base: the firms' own 用地面积 (200 亩 in K1), not the park's 4500 亩 of industrial land
    assert k1["industrial_land_mu"] == pytest.approx(4500.0, rel=3e-3)
    assert k1["tax_per_mu"] != pytest.approx(9300 / k1["industrial_land_mu"])


def test_unit_with_only_below_scale_firms_has_null_above_scale_figures(tiny):
    _, ev, doc = tiny
    k2 = units_by_id(doc)["K2"]
    assert k2["member_count"] == 1
    assert k2["above_scale"] == {"tax_per_mu": None, "value_added_per_mu": None, "labour_productivity": None,
                                 "profit_margin": None, "n_firms": 0}
    row = ev.units.set_index("unit_id").loc["K2"]
    assert row["above_scale_n_firms"] == 0 and np.isnan(row["above_scale_tax_per_mu"])  # missing, not 0


def test_district_pooled_and_above_scale_figures(tiny):
    _, ev, doc = tiny
    district = doc["district"]
    assert district["above_scale"]["n_firms"] == 2
    for key in FIGURES:
        assert district[key] == pytest.approx(DISTRICT_ALL[key]), key
        assert district["above_scale"][key] == pytest.approx(K1_ABOVE[key]), key
    # the flat columns stay inside the evaluation; the JSON has them only in the above_scale object
    assert not any(k.startswith("above_scale_") for k in district)
    assert ev.district["above_scale_tax_per_mu"] == pytest.approx(60.0)


def test_json_keys_match_between_all_firms_and_above_scale(tiny):
    _, _, doc = tiny
    for obj in (doc["district"], *doc["units"]):
        assert set(obj["above_scale"]) == {*FIGURES, "n_firms"}
        assert set(FIGURES) <= set(obj)


def test_without_profit_data_profit_margin_is_null(tmp_path):
    project = make_project(tmp_path / "p", FIRMS.drop(columns="profit_10k_yuan"))
    doc = json.loads(json.dumps(to_json(evaluate(load_inputs(project)))))
    for obj in (doc["district"], *doc["units"]):
        assert obj["profit_margin"] is None and obj["above_scale"]["profit_margin"] is None
    k1 = units_by_id(doc)["K1"]
    assert k1["above_scale"]["tax_per_mu"] == pytest.approx(60.0) and k1["tax_per_mu"] == pytest.approx(46.5)


def test_above_scale_is_the_flag_not_a_missing_one(tmp_path):
    """A firm whose 规上 flag is unknown counts in the pooled figure only."""
    firms = FIRMS.assign(above_scale=pd.array([True, None, False, False], dtype="boolean"))
    project = make_project(tmp_path / "p", firms)
    doc = json.loads(json.dumps(to_json(evaluate(load_inputs(project)))))
    k1 = units_by_id(doc)["K1"]
    assert k1["above_scale"]["n_firms"] == 1
    assert k1["above_scale"]["tax_per_mu"] == pytest.approx(6000 / 100)
    assert k1["above_scale"]["labour_productivity"] == pytest.approx(15000 / 500)
    assert k1["tax_per_mu"] == pytest.approx(9300 / 200)


def test_cli_score_json_and_text(tiny):
    project, _, _ = tiny
    run = landpark("score", str(project.root), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    k1 = units_by_id(doc)["K1"]
    assert set(k1["above_scale"]) == {*FIGURES, "n_firms"} and set(doc["district"]["above_scale"]) == {*FIGURES, "n_firms"}
    assert k1["above_scale"]["tax_per_mu"] == pytest.approx(60.0)
    assert doc["district"]["above_scale"]["tax_per_mu"] == pytest.approx(60.0)
    text = landpark("score", str(project.root))
    assert text.returncode == 0, text.stderr
    assert "区县整体 亩均税收（万元/亩）：全部企业 42.95，规上 60.00（规上企业 2 家）" in text.stdout
    assert "全部企业" in text.stdout and "规上" in text.stdout
    k1_line = next(line for line in text.stdout.splitlines() if " K1 " in line)
    assert "46.50" in k1_line and "60.00" in k1_line
    english = landpark("score", str(project.root), "--lang", "en")
    assert "District Tax per mu (10k yuan): all firms 42.95, above-scale 60.00 (2 above-scale firms)" in english.stdout


def test_labels_name_the_base():
    from reports import base_label, column_label

    assert base_label("tax_per_mu") == "亩均税收·全部企业（万元/亩）"
    assert column_label("above_scale_tax_per_mu") == "亩均税收·规上（万元/亩）"
    assert base_label("tax_per_mu", "en") == "Tax per mu, all firms (10k yuan)"
    assert column_label("above_scale_tax_per_mu", "en") == "Tax per mu, above-scale (10k yuan)"
    assert base_label("supply_ratio") == column_label("supply_ratio")


# --------------------------------------------------------------------------- the demo district


def _demo_land(inputs) -> pd.Series:
    """Each demo firm's 用地面积 as methods §2.5 documents it: land_area_mu when > 0, else the area of the parcels
    it owns (owner_uscc) plus leased-in minus leased-out land."""
    firms = pd.DataFrame(inputs.enterprises.drop(columns="geometry"))
    parcels = inputs.parcels
    owned = parcels.dropna(subset=["owner_uscc"]).groupby("owner_uscc")["area_mu"].sum()
    own = firms["uscc"].map(owned).fillna(0.0)
    leases = sum((pd.to_numeric(firms[c], errors="coerce").fillna(0.0) * sign
                  for c, sign in (("leased_in_mu", 1), ("leased_out_mu", -1)) if c in firms), pd.Series(0.0, index=firms.index))
    declared = pd.to_numeric(firms.get("land_area_mu"), errors="coerce")
    derived = (own + leases).where((own > 0) | (leases != 0))
    return declared.where(declared > 0, derived)


def test_demo_district_figures_match_the_raw_table(demo_inputs, demo_evaluation):
    firms = pd.DataFrame(demo_inputs.enterprises.drop(columns="geometry"))
    land = _demo_land(demo_inputs)
    tax = pd.to_numeric(firms["tax_10k_yuan"], errors="coerce")
    ok = tax.notna() & (land > 0)
    above = firms["above_scale"].astype("boolean").fillna(False).astype(bool)
    pooled = tax[ok].sum() / land[ok].sum()
    above_only = tax[ok & above].sum() / land[ok & above].sum()
    assert round(pooled, 1) == 25.0 and round(above_only, 1) == 38.8  # docs/methods.md §2.6
    district = to_json(demo_evaluation)["district"]
    assert district["tax_per_mu"] == pytest.approx(pooled, rel=1e-9)
    assert district["above_scale"]["tax_per_mu"] == pytest.approx(above_only, rel=1e-9)
    assert district["above_scale"]["n_firms"] == int(above.sum())
    va = pd.to_numeric(firms["value_added_10k_yuan"], errors="coerce")
    staff = pd.to_numeric(firms["employees"], errors="coerce")
    good = va.notna() & (staff > 0) & above
    assert district["above_scale"]["labour_productivity"] == pytest.approx(va[good].sum() / staff[good].sum(), rel=1e-9)
    profit = pd.to_numeric(firms.get("profit_10k_yuan", pd.Series(np.nan, index=firms.index)), errors="coerce")
    revenue = pd.to_numeric(firms["revenue_10k_yuan"], errors="coerce")
    has = profit.notna() & (revenue > 0)
    if not has.any():  # a demo without profit data: 利润率 null, never 0
        assert district["profit_margin"] is None and district["above_scale"]["profit_margin"] is None
    else:  # each figure over the firms that have its data
        assert district["profit_margin"] == pytest.approx(profit[has].sum() / revenue[has].sum(), rel=1e-9)
        assert district["above_scale"]["profit_margin"] == pytest.approx(
            profit[has & above].sum() / revenue[has & above].sum(), rel=1e-9)


def test_demo_every_unit_carries_the_above_scale_object(demo_evaluation):
    doc = to_json(demo_evaluation)
    for unit in doc["units"]:
        above = unit["above_scale"]
        assert set(above) == {*FIGURES, "n_firms"}
        assert 0 <= above["n_firms"] <= unit["member_count"]
        if above["n_firms"] == 0:
            assert above["tax_per_mu"] is None
