"""Missing is never zero (issue 11, item 2): an indicator whose inputs are absent is null, and a unit
with no usable indicator gets no score, rank or grade but a `reason_not_scored` — in the evaluation,
the score JSON, the CLI ranking and the exports.

Expectations are built by hand from small square geometries in EPSG:4549 (1 km² = 1500 亩).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from analysis.composite import not_scored_codes, reason_text
from analysis.inputs import load_inputs
from analysis.rescore import rescored
from analysis.score import evaluate, to_json
from analysis.unitcard import unit_card
from layers.project import Project
from tests.test_cli_foundation import landpark

X0, Y0 = 560_000.0, 3_300_000.0
CRS = "EPSG:4549"
LAND_INDICATORS = ("industrial_land_mu", "industrial_share", "supplied_mu", "approved_mu", "supply_ratio", "built_ratio",
                   "idle_ratio", "far_industrial", "building_coverage", "idle_by_date_mu", "low_far_mu")
PER_MU = ("tax_per_mu", "value_added_per_mu", "output_per_mu")


def box(x, y, w, h):
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def parks(*ids: str) -> gpd.GeoDataFrame:
    """Parks K1 at the origin, K2 2 km east, K3 4 km east: 1 km squares."""
    offsets = {"K1": 0, "K2": 2000, "K3": 4000}
    return gpd.GeoDataFrame({"park_id": list(ids), "name": [f"园区{i}" for i in ids],
                             "kind": ["comprehensive"] * len(ids)},
                            geometry=[box(offsets[i], 0, 1000, 1000) for i in ids], crs=CRS)


def parcels(owners: bool) -> gpd.GeoDataFrame:
    """P1 covers K1 exactly (industrial, built, FAR 1.5); P2, P3 lie in K2 (industrial built and residential
    unsupplied); nothing lies in K3."""
    frame = gpd.GeoDataFrame({
        "parcel_id": ["P1", "P2", "P3"], "land_use": ["0601", "0601", "0701"],
        "land_use_category": ["industrial", "industrial", "residential"],
        "supply_status": ["built", "built", "unsupplied"],
        "floor_area_m2": [1.5e6, 2e5, None], "footprint_m2": [5e5, 1e5, None],
    }, geometry=[box(0, 0, 1000, 1000), box(2000, 0, 500, 1000), box(2500, 0, 500, 1000)], crs=CRS)
    if owners:
        frame["owner_uscc"] = ["A1", "B1", None]
    return frame


def firms(located: bool) -> gpd.GeoDataFrame:
    """Firms A1 (owner of P1) and B1 (owner of P2), without a point unless `located` (A1 then stands in K1)."""
    geoms = [shapely.Point(X0 + 500, Y0 + 500), None] if located else [None, None]
    return gpd.GeoDataFrame({"uscc": ["A1", "B1"], "name": ["甲公司", "乙公司"], "above_scale": [False, False],
                             "tax_10k_yuan": [3000.0, 100.0], "value_added_10k_yuan": [9000.0, 400.0],
                             "electricity_kwh": [1e6, 1e6]}, geometry=geoms, crs=CRS)


def project_with(root: Path, layers: dict) -> Project:
    project = Project.create(root, region="测试区", year=2025, crs=CRS)
    project.write_layers(layers, issues=[])
    return project


def unit(ev, unit_id: str) -> pd.Series:
    return ev.units.set_index("unit_id").loc[unit_id]


def doc_unit(doc: dict, unit_id: str) -> dict:
    return next(u for u in doc["units"] if u["unit_id"] == unit_id)


# --------------------------------------------------------------------------- (a) units only


@pytest.fixture(scope="module")
def units_only(tmp_path_factory):
    project = project_with(tmp_path_factory.mktemp("a") / "p", {"parks": parks("K1", "K2")})
    return project, evaluate(load_inputs(project))


def test_units_only_every_indicator_null_and_nothing_graded(units_only):
    _, ev = units_only
    u = ev.units
    assert (u["parcel_count"] == 0).all()
    for name in (*LAND_INDICATORS, *PER_MU, "low_efficiency_mu", "encroachment_mu", "member_tax_10k_yuan"):
        assert u[name].isna().all(), name  # null, never 0.0
    assert u["area_mu"].to_numpy() == pytest.approx([1500.0, 1500.0], rel=2e-3)  # the unit's own area is known
    assert u["score"].isna().all() and u["rank"].isna().all() and u["grade"].isna().all()
    assert u["rank_best"].isna().all() and u["rank_worst"].isna().all()
    assert list(u["not_scored_codes"]) == ["no_parcels,no_linked_firms"] * 2
    assert all("无宗地" in r and "no parcels" in r for r in u["reason_not_scored"])
    codes = {w["feature"]: w for w in ev.warnings if w["code"] == "unit_not_scored"}
    assert set(codes) == {"K1", "K2"} and "no parcels" in codes["K1"]["message"]


def test_units_only_json_has_reason_and_null_grade(units_only):
    _, ev = units_only
    doc = json.loads(json.dumps(to_json(ev)))
    for u in doc["units"]:
        assert u["score"] is None and u["rank"] is None and u["grade"] is None
        assert u["industrial_share"] is None and u["tax_per_mu"] is None
        assert "no parcels" in u["reason_not_scored"] and "无关联企业" in u["reason_not_scored"]
        assert u["not_scored_codes"] == ["no_parcels", "no_linked_firms"]
        assert all(b["contribution"] is None for b in u["score_breakdown"])


def test_cli_ranking_says_not_scored(units_only):
    project, _ = units_only
    run = landpark("score", str(project.root))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout.count("未评价") >= 2 and "单元内无宗地数据" in run.stdout
    assert " D " not in run.stdout  # nothing graded worst for lack of data
    en = landpark("score", str(project.root), "--lang", "en")
    assert "not scored" in en.stdout and "no parcels in the unit" in en.stdout
    doc = json.loads(landpark("score", str(project.root), "--json").stdout)
    assert [u["grade"] for u in doc["units"]] == [None, None]


def test_scorecard_of_unscored_unit(units_only):
    _, ev = units_only
    card = unit_card(ev, "parks", "K1")
    assert card is not None
    assert card.score is None and card.grade is None and card.rank is None and card.ranked_in_kind == 0
    assert card.reason_not_scored is not None and "无宗地" in card.reason_not_scored


# --------------------------------------------------------------------------- (b) parcels without owners


@pytest.fixture(scope="module")
def no_owners(tmp_path_factory):
    project = project_with(tmp_path_factory.mktemp("b") / "p",
                           {"parks": parks("K1", "K2", "K3"), "parcels": parcels(owners=False)})
    return project, evaluate(load_inputs(project))


def test_parcels_without_owners_land_computed_output_null(no_owners):
    _, ev = no_owners
    k1, k2, k3 = unit(ev, "K1"), unit(ev, "K2"), unit(ev, "K3")
    # K1 is exactly one industrial built parcel: share 1, supply 1, built 1, idle 0, FAR 1.5e6 m² ÷ 1e6 m²
    assert k1["industrial_share"] == pytest.approx(1.0, abs=1e-6)
    assert k1["supply_ratio"] == pytest.approx(1.0) and k1["built_ratio"] == pytest.approx(1.0)
    assert k1["idle_ratio"] == pytest.approx(0.0)
    assert k1["far_industrial"] == pytest.approx(1.5, rel=1e-3)  # floor m² ÷ ellipsoidal land m²
    # K2: half industrial built, half residential unsupplied
    assert k2["industrial_share"] == pytest.approx(0.5, abs=1e-6)
    assert k2["supply_ratio"] == pytest.approx(0.5, abs=1e-6)
    for name in PER_MU:
        assert ev.units[name].isna().all(), name  # no linked firm: per-mu output is null
    # scored on what they have (the land indicators: 50 % of the default weight), with that share reported
    assert k1["score_coverage"] == pytest.approx(0.5) and k2["score_coverage"] == pytest.approx(0.5)
    # by hand: n = supply 1, built 1, 1 − idle 1, share 1 (FAR benchmark: district FAR = (1.5e6 + 2e5) ÷ 1.5e6 m²)
    far_n = min(1.5 / (1.7e6 / 1.5e6), 2.0) / 2.0
    assert k1["score"] == pytest.approx(100 * (0.15 + 0.10 + 0.10 + 0.10 + 0.05 * far_n) / 0.50, rel=1e-3)
    assert k1["rank"] == 1 and k2["rank"] == 2
    assert k1["reason_not_scored"] is None
    # K3 lies outside the parcels: unscored, with the reason
    assert pd.isna(k3["score"]) and pd.isna(k3["rank"]) and pd.isna(k3["grade"])
    assert pd.isna(k3["industrial_share"])
    assert k3["not_scored_codes"] == "no_parcels,no_linked_firms"
    assert pd.isna(k3["industrial_share_ok"]) if "industrial_share_ok" in k3 else True


# --------------------------------------------------------------------------- (c) firms without parcels


@pytest.fixture(scope="module")
def firms_no_parcels(tmp_path_factory):
    project = project_with(tmp_path_factory.mktemp("c") / "p",
                           {"parks": parks("K1", "K2"), "enterprises": firms(located=False)})
    return project, evaluate(load_inputs(project))


def test_firms_without_parcels_per_mu_null_and_reason(firms_no_parcels):
    _, ev = firms_no_parcels
    u = ev.units
    for name in (*PER_MU, *LAND_INDICATORS):
        assert u[name].isna().all(), name
    assert (u["member_count"] == 0).all()
    assert u["grade"].isna().all() and u["rank"].isna().all()
    assert list(u["not_scored_codes"]) == ["no_parcels,no_linked_firms"] * 2
    doc = to_json(ev)
    assert all(d["reason_not_scored"] and d["grade"] is None for d in doc["units"])


def test_unit_with_located_members_is_scored_on_output_only(tmp_path):
    located = firms(located=True)
    located["land_area_mu"] = [10.0, None]
    project = project_with(tmp_path / "p", {"parks": parks("K1", "K2"), "enterprises": located})
    ev = evaluate(load_inputs(project))
    k1, k2 = unit(ev, "K1"), unit(ev, "K2")
    # K1's one member is the district's only firm with land: its per-mu figures equal the district's,
    # each normalised to 1 ÷ cap = 0.5, so the score is 50 on 50 % of the weight
    assert k1["tax_per_mu"] == pytest.approx(300.0)
    assert k1["score"] == pytest.approx(50.0) and k1["score_coverage"] == pytest.approx(0.5)
    assert k1["rank"] == 1 and pd.isna(k1["industrial_share"])
    assert pd.isna(k2["score"]) and k2["not_scored_codes"] == "no_parcels,no_linked_firms"


# --------------------------------------------------------------------------- (d) a unit outside the parcels


@pytest.fixture(scope="module")
def normal(tmp_path_factory):
    project = project_with(tmp_path_factory.mktemp("d") / "p",
                           {"parks": parks("K1", "K2", "K3"), "parcels": parcels(owners=True),
                            "enterprises": firms(located=False)})
    return project, evaluate(load_inputs(project))


def test_unit_outside_parcels_unscored_others_ranked_among_scored(normal):
    _, ev = normal
    k1, k2, k3 = unit(ev, "K1"), unit(ev, "K2"), unit(ev, "K3")
    assert np.isfinite(k1["tax_per_mu"]) and np.isfinite(k2["tax_per_mu"])
    assert k1["tax_per_mu"] == pytest.approx(3000.0 / 1500.0, rel=2e-3)
    assert k1["score_coverage"] == pytest.approx(1.0)
    assert sorted([int(k1["rank"]), int(k2["rank"])]) == [1, 2]
    assert k1["grade"] in "ABCD" and k2["grade"] in "ABCD"
    assert pd.isna(k3["score"]) and pd.isna(k3["rank"]) and pd.isna(k3["grade"])
    assert pd.isna(k3["rank_best"]) and pd.isna(k3["rank_worst"])
    assert int(k1["rank_worst"]) <= 2 and int(k2["rank_worst"]) <= 2  # ranks count scored units only
    assert "无宗地" in k3["reason_not_scored"]
    card = unit_card(ev, "parks", "K1")
    assert card is not None and card.ranked_in_kind == 2 and card.units_in_kind == 3


def test_rescore_keeps_unscored_unscored(normal):
    _, ev = normal
    again = rescored(ev, [1, 0, 0, 0, 0, 0, 0])
    k3 = unit(again, "K3")
    assert pd.isna(k3["score"]) and pd.isna(k3["grade"]) and k3["reason_not_scored"]


def test_zero_weight_data_is_not_scored():
    units = pd.DataFrame({"parcel_count": [2], "member_count": [0], "tax_per_mu": [np.nan]})
    norm = pd.DataFrame({"a": [0.7], "b": [np.nan]})
    assert not_scored_codes(units, norm, [0.0, 1.0]) == [("no_linked_firms", "zero_weight")]
    assert not_scored_codes(units, norm, [1.0, 1.0]) == [()]
    assert reason_text(("no_parcels",), "en") == "no parcels in the unit"
    assert reason_text((), "zh") is None


# --------------------------------------------------------------------------- (e) no unit layers


def test_score_without_unit_layers_exits_1_with_a_message(tmp_path):
    project = project_with(tmp_path / "p", {"parcels": parcels(owners=True), "enterprises": firms(located=False)})
    for extra in ((), ("--json",)):
        run = landpark("score", str(project.root), *extra)
        assert run.returncode == 1, run.stderr
        assert "Traceback" not in run.stderr and "KeyError" not in run.stderr
        text = run.stdout + run.stderr
        assert "no evaluation units" in text and "parks" in text
    doc = json.loads(landpark("score", str(project.root), "--json").stdout)
    assert doc["ok"] is False


# --------------------------------------------------------------------------- (f, g) exports


def test_exports_show_not_scored_and_the_reason(normal, tmp_path):
    project, _ = normal
    out = tmp_path / "out"
    run = landpark("score", str(project.root), "--out", str(out), "--format", "xlsx,pdf,json,html,gpkg")
    assert run.returncode == 0, run.stderr
    doc = json.loads((out / "score.json").read_text(encoding="utf-8"))
    k3 = doc_unit(doc, "K3")
    assert pd.isna(k3["grade"]) and k3["rank"] is None and "no parcels" in k3["reason_not_scored"]
    assert doc_unit(doc, "K1")["reason_not_scored"] is None
    wb = openpyxl.load_workbook(out / "score.xlsx", read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    head = list(rows[0])
    by_id = {r[head.index("单元编号")]: r for r in rows[1:]}
    assert by_id["K3"][head.index("等级")] == "未评价"
    assert "单元内无宗地数据" in by_id["K3"][head.index("未评价原因")]
    assert by_id["K1"][head.index("等级")] in ("A", "B", "C", "D")
    html = (out / "score.html").read_text(encoding="utf-8")
    assert "未评价" in html and "单元内无宗地数据" in html
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out / "score.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "未评价" in text and "单元内无宗地数据" in text
