"""Protection lines across versions (analysis/line_versions.py, layers/lines_settings.py).

Fixtures are rectangles in EPSG:4549 (CGCS2000 3° Gauss-Krüger, central meridian 120°E) placed on the central
meridian (x = 500 000 m, y ≈ 3 300 000 m, near Ningbo), where the projection's scale factor is 1: within 1 km of
the meridian the areal scale differs from 1 by less than (1 km / 6 371 km)² ≈ 2.5e-8, so a w × h m rectangle has
an ellipsoidal area of w·h m² to far better than REL = 1e-6 (test_areas_are_ellipsoidal checks this assumption
against pyproj.Geod). Expected 亩 are hand-computed: 1 亩 = 10000/15 m², so 100 m × 100 m = 15 亩.
"""

from __future__ import annotations

import json
import tomllib

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from analysis.line_versions import compare_lines, format_lines, to_json
from layers.lines_settings import DEFAULT_TOML, DEMO_TOML, LinesFloor, LinesRule, LinesSettings
from layers.problems import InputError
from layers.settings import Reader

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 3_300_000.0
REL = 1e-6
MU = 10000 / 15  # m² per 亩
INDUSTRIAL = ("industrial", "m0")
ENCROACHING = ("residential", "commercial")


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle given in metres from the fixture origin."""
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def lines(*rows: tuple[str, str, shapely.Geometry]) -> gpd.GeoDataFrame:
    """Protection lines from (line_id, level, geometry) rows."""
    return gpd.GeoDataFrame({"line_id": [r[0] for r in rows], "name": [f"线{r[0]}" for r in rows],
                             "level": [r[1] for r in rows]}, geometry=[r[2] for r in rows], crs=CRS)


def parcels(*rows: tuple[str, str, shapely.Geometry]) -> gpd.GeoDataFrame:
    """Parcels from (parcel_id, land_use_category, geometry) rows."""
    return gpd.GeoDataFrame({"parcel_id": [r[0] for r in rows], "land_use_category": [r[1] for r in rows]},
                            geometry=[r[2] for r in rows], crs=CRS)


def settings(**kw) -> LinesSettings:
    """Defaults of the tests: 0.1 亩 slivers, 0.01 亩 tolerance, shares over the line area."""
    return LinesSettings(**{"min_change_mu": 0.1, "balance_tolerance_mu": 0.01, "share_base": "line_area", **kw})


def compare(before, after, *, land=None, units=None, cfg=None, **kw):
    """compare_lines with the fixture's categories and labels."""
    return compare_lines(before, after, parcels=land, units=units, settings=cfg or settings(),
                         industrial_categories=INDUSTRIAL, encroachment_categories=ENCROACHING,
                         before_label="2022 版", after_label="2024 版", **kw)


def level(cmp, name: str) -> dict:
    """The ledger row of one level."""
    return cmp.levels.set_index("level").loc[name].to_dict()


def test_areas_are_ellipsoidal():
    """The fixture's premise: a 100 m square on the central meridian has 10 000 m² on the ellipsoid (pyproj.Geod)."""
    square = shapely.segmentize(box(0, 0, 100, 100), 10)
    to_geo = pyproj.Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)
    lon, lat = to_geo.transform(*np.asarray(square.exterior.coords).T)
    geod_m2 = abs(pyproj.Geod(ellps="GRS80").polygon_area_perimeter(lon, lat)[0])
    assert geod_m2 == pytest.approx(10_000, rel=REL)
    cmp = compare(lines(("R1", "red", box(0, 0, 100, 100))), lines(("R1", "red", box(0, 0, 100, 100))))
    assert level(cmp, "red")["area_before_mu"] == pytest.approx(geod_m2 / MU, rel=REL)


def test_removal_balanced_by_larger_red_addition():
    """Red R1 loses 100×40 m (6 亩); a new red R2 of 60×100 m (9 亩) comes in: balanced with 3 亩 to spare."""
    before = lines(("R1", "red", box(0, 0, 100, 100)))
    after = lines(("R1", "red", box(0, 0, 100, 60)), ("R2", "red", box(300, 0, 360, 100)))
    cmp = compare(before, after)
    red = level(cmp, "red")
    assert red["area_before_mu"] == pytest.approx(15, rel=REL)
    assert red["area_after_mu"] == pytest.approx(18, rel=REL)
    assert red["removed_mu"] == pytest.approx(6, rel=REL)
    assert red["added_mu"] == pytest.approx(9, rel=REL)
    assert red["balance_mu"] == pytest.approx(3, rel=REL)
    assert red["shortfall_mu"] == 0 and red["verdict"] == "balanced" and red["not_decreasing"]
    assert cmp.balanced
    removed = cmp.changes[cmp.changes["kind"] == "removed"].iloc[0]
    added = cmp.changes[cmp.changes["kind"] == "added"].iloc[0]
    assert removed["area_mu"] == pytest.approx(6, rel=REL)
    assert removed["geometry"].equals(box(0, 60, 100, 100).normalize()) or \
        removed["geometry"].symmetric_difference(box(0, 60, 100, 100)).area < 1e-6
    assert (removed["before_line_ids"], removed["after_line_ids"]) == (["R1"], [])
    assert (added["before_line_ids"], added["after_line_ids"]) == ([], ["R2"])


def test_red_removal_compensated_only_by_blue_is_not_balanced():
    """6 亩 of red leave and 6 亩 of blue enter: the totals balance (15 → 15 亩) but the red removal does not."""
    before = lines(("R1", "red", box(0, 0, 100, 100)))
    after = lines(("R1", "red", box(0, 0, 100, 60)), ("B1", "blue", box(300, 0, 340, 100)))
    cmp = compare(before, after)
    assert cmp.total["net_mu"] == pytest.approx(0, abs=1e-6) and cmp.total["not_decreasing"]
    red, blue = level(cmp, "red"), level(cmp, "blue")
    assert red["removed_mu"] == pytest.approx(6, rel=REL) and red["added_mu"] == 0
    assert red["verdict"] == "unbalanced"
    assert red["shortfall_mu"] == pytest.approx(6, rel=REL)  # the whole removed area
    assert not red["not_decreasing"]
    assert blue["added_mu"] == pytest.approx(6, rel=REL) and blue["verdict"] == "balanced"
    assert not cmp.balanced  # a ledger on totals only (6 removed, 6 added) would say balanced
    doc = to_json(cmp)
    assert [x["verdict"] for x in doc["levels"]] == ["unbalanced", "balanced"]
    assert doc["levels"][0]["shortfall_mu"] == pytest.approx(6, rel=REL)


def test_red_turned_blue_is_a_red_removal_and_a_blue_addition():
    """The same 100 m square redrawn from red to blue: 15 亩 red removed, 15 亩 blue added, red 15 亩 short."""
    square = box(0, 0, 100, 100)
    cmp = compare(lines(("R1", "red", square)), lines(("B1", "blue", square)))
    red, blue = level(cmp, "red"), level(cmp, "blue")
    assert red["removed_mu"] == pytest.approx(15, rel=REL) and blue["added_mu"] == pytest.approx(15, rel=REL)
    assert red["shortfall_mu"] == pytest.approx(15, rel=REL) and red["verdict"] == "unbalanced"
    assert cmp.total["net_mu"] == pytest.approx(0, abs=1e-6)
    removed = cmp.changes[cmp.changes["kind"] == "removed"].iloc[0]
    assert removed["other_levels_mu"]["blue"] == pytest.approx(15, rel=REL)  # now blue on the same ground
    assert removed["after_line_ids"] == ["B1"]


def test_blue_turned_red_balances_through_the_stricter_surplus():
    """Blue → red on the same ground: the 15 亩 blue removal is met by the red addition (stricter), balanced."""
    square = box(0, 0, 100, 100)
    cmp = compare(lines(("B1", "blue", square)), lines(("R1", "red", square)))
    blue = level(cmp, "blue")
    assert blue["removed_mu"] == pytest.approx(15, rel=REL) and blue["added_mu"] == 0
    assert blue["from_stricter_mu"] == pytest.approx(15, rel=REL)
    assert blue["verdict"] == "balanced" and cmp.balanced


def test_new_encroachment_and_touched_parcels_and_units():
    """P1 (residential) was already inside red R1; P2 (commercial, 20×20 m = 0.6 亩) falls in the new red R2: new.
    P3 (residential) enters a blue line only and P4 is industrial: neither is an encroachment."""
    before = lines(("R1", "red", box(0, 0, 100, 100)))
    after = lines(("R1", "red", box(0, 0, 100, 100)), ("R2", "red", box(300, 0, 400, 100)),
                  ("B1", "blue", box(600, 0, 700, 100)))
    land = parcels(("P1", "residential", box(10, 10, 30, 30)), ("P2", "commercial", box(310, 10, 330, 30)),
                   ("P3", "residential", box(610, 10, 630, 30)), ("P4", "industrial", box(330, 30, 400, 100)))
    units = gpd.GeoDataFrame({"unit_id": ["YQ01"], "unit_kind": ["parks"], "name": ["园区"]},
                             geometry=[box(350, -50, 450, 50)], crs=CRS)
    cmp = compare(before, after, land=land, units=units)
    new = cmp.encroachments_new
    assert new["parcel_id"].tolist() == ["P2"] and new["line_id"].tolist() == ["R2"]
    assert new["area_mu"].iloc[0] == pytest.approx(400 / MU, rel=REL)
    assert cmp.encroachment_counts == {"before": 1, "after": 2}
    added = cmp.changes[cmp.changes["after_line_ids"].map(lambda ids: ids == ["R2"])].iloc[0]
    assert added["parcel_ids"] == ["P2", "P4"] and added["unit_ids"] == ["YQ01"]


def test_industrial_share_per_line_against_floors():
    """R1 = 100×100 m, 70 m of it industrial: 0.70 ≥ 0.65 passes; grown to 100×150 m over residential land it falls to
    10.5/22.5 = 0.4667 and fails. 7.5 亩 of industrial land lie outside: 10.5/18 = 0.5833 < 0.80 of the district."""
    land = parcels(("I1", "industrial", box(0, 0, 100, 70)), ("H1", "residential", box(0, 70, 100, 100)),
                   ("H2", "residential", box(0, 100, 100, 150)), ("I2", "industrial", box(500, 0, 600, 50)))
    floors = (LinesFloor("广州 65%", 0.65, "per_line", "all", "test"),
              LinesFloor("广州 80%", 0.80, "district_in_lines", "all", "test"),
              LinesFloor("深圳 60% of line area", 0.60, "lines_total", "red", "test"))
    cmp = compare(lines(("R1", "red", box(0, 0, 100, 100))), lines(("R1", "red", box(0, 0, 100, 150))), land=land,
                  cfg=settings(floors=floors))
    per_line, district, total = cmp.floors
    assert per_line["before"]["value"] == pytest.approx(0.70, rel=REL) and per_line["before"]["status"] == "pass"
    assert per_line["after"]["value"] == pytest.approx(10.5 / 22.5, rel=REL) and per_line["after"]["status"] == "fail"
    assert [x["line_id"] for x in per_line["after"]["failing"]] == ["R1"]
    assert district["before"]["value"] == pytest.approx(10.5 / 18, rel=REL) and district["after"]["status"] == "fail"
    assert total["before"]["status"] == "pass" and total["after"]["status"] == "fail"
    row = cmp.line_shares.set_index("line_id").loc["R1"]
    assert row["share_before"] == pytest.approx(0.70, rel=REL) and row["industrial_mu_after"] == pytest.approx(10.5, rel=REL)


def test_share_over_parcels_leaves_unparcelled_land_out():
    """R1 = 100×150 m with parcels on 100×100 m of it (70 m industrial): 10.5/22.5 over the line, 10.5/15 over parcels."""
    land = parcels(("I1", "industrial", box(0, 0, 100, 70)), ("H1", "residential", box(0, 70, 100, 100)))
    r1 = lines(("R1", "red", box(0, 0, 100, 150)))
    by_line = compare(r1, r1, land=land).line_shares["share_after"].iloc[0]
    by_parcels = compare(r1, r1, land=land, cfg=settings(share_base="parcels")).line_shares["share_after"].iloc[0]
    assert by_line == pytest.approx(10.5 / 22.5, rel=REL) and by_parcels == pytest.approx(0.70, rel=REL)


def test_sliver_filter():
    """A redrawn edge adds 0.5×100 m = 50 m² (0.075 亩) to R1: a sliver under 0.1 亩, kept out of changes and ledger;
    with min_change_mu = 0.05 it is a change."""
    before = lines(("R1", "red", box(0, 0, 100, 100)))
    after = lines(("R1", "red", box(0, 0, 100.5, 100)))
    cmp = compare(before, after)
    red = level(cmp, "red")
    assert len(cmp.changes) == 0 and red["added_mu"] == 0
    assert red["sliver_added_count"] == 1 and red["sliver_added_mu"] == pytest.approx(0.075, rel=REL)
    assert red["area_after_mu"] - red["area_before_mu"] == pytest.approx(0.075, rel=REL)
    fine = compare(before, after, cfg=settings(min_change_mu=0.05))
    assert len(fine.changes) == 1 and level(fine, "red")["added_mu"] == pytest.approx(0.075, rel=REL)


def test_blue_rules():
    """Blue B1 shrinks from 100×100 to 100×50 m, losing the industrial parcel at its top (100×30 m = 4.5 亩):
    industrial_not_decreasing fails (12 → 7.5 亩); B1 now reaches 20 m into an ecological red line (100×20 m = 3 亩)."""
    land = parcels(("I1", "industrial", box(0, 0, 100, 50)), ("I2", "industrial", box(0, 70, 100, 100)))
    eco = gpd.GeoDataFrame({"kind": ["ecological_redline", "permanent_farmland"], "name": ["生态", "农田"]},
                           geometry=[box(0, -20, 100, 20), box(0, 0, 100, 100)], crs=CRS)
    rules = (LinesRule("稳定工业用地", "industrial_not_decreasing", "blue", "test"),
             LinesRule("不入生态线", "outside_constraint", "blue", "test", constraint_kind="ecological_redline"),
             LinesRule("居住不超 10%", "max_category_share", "blue", "test", categories=("residential",), share=0.10))
    cmp = compare(lines(("B1", "blue", box(0, 20, 100, 100))), lines(("B1", "blue", box(0, 0, 100, 50))), land=land,
                  cfg=settings(rules=rules), constraints=eco)
    stable, eco_rule, residential = cmp.rules
    assert stable["before"] == pytest.approx(30 * 100 / MU + 30 * 100 / MU, rel=REL)  # I1 20..50 and I2 70..100
    assert stable["after"] == pytest.approx(50 * 100 / MU, rel=REL) and stable["status"] == "fail"
    assert eco_rule["before"] == 0 and eco_rule["after"] == pytest.approx(3, rel=REL) and eco_rule["status"] == "fail"
    assert eco_rule["items"] == [{"line_id": "B1", "area_mu": pytest.approx(3, rel=REL)}]
    assert residential["status"] == "pass"
    no_layer = compare(lines(("B1", "blue", box(0, 0, 100, 50))), lines(("B1", "blue", box(0, 0, 100, 50))), land=land,
                       cfg=settings(rules=rules[1:2]))
    assert no_layer.rules[0]["status"] == "no_data"


def test_json_and_text():
    """to_json is plain JSON with per-level changes and GeoJSON pieces; the Chinese text shows no English code."""
    before = lines(("R1", "red", box(0, 0, 100, 100)))
    after = lines(("R1", "red", box(0, 0, 100, 60)), ("B1", "blue", box(300, 0, 340, 100)))
    land = parcels(("P1", "industrial", box(0, 0, 100, 100)))
    floors = (LinesFloor("广州 65%", 0.65, "per_line", "all", "广州 2025"),)
    doc = json.loads(json.dumps(to_json(compare(before, after, land=land, cfg=settings(floors=floors)))))
    red = doc["levels"][0]
    assert set(red) >= {"level", "area_before_mu", "area_after_mu", "removed_mu", "added_mu", "balance_mu", "verdict",
                        "changes"}
    assert red["changes"][0]["geometry"]["type"] == "Polygon" and red["changes"][0]["parcel_ids"] == ["P1"]
    assert shapely.from_geojson(json.dumps(red["changes"][0]["geometry"])).area == pytest.approx(4000, rel=REL)
    zh = format_lines(doc, "zh")
    assert "不平衡" in zh and "一级（红线）" in zh and "6.0" in zh and "广州 65%" in zh
    for code in ("unbalanced", "balanced", "removed", "red", "blue", "True", "False", "None", "lines_", "per_line"):
        assert code not in zh, code
    en = format_lines(doc, "en")
    assert "not balanced" in en and "lines_" not in en


def test_toml_sections_read():
    """DEFAULT_TOML has no floor or rule; DEMO_TOML over it gives Guangzhou's 65 % and 80 % floors and two blue rules."""
    default = tomllib.loads(DEFAULT_TOML)["lines"]
    r = Reader(default, "lines", "landpark.toml")
    base = LinesSettings.read(r)
    r.finish()
    assert (base.floors, base.rules, base.share_base) == ((), (), "line_area")
    merged = {**default, **tomllib.loads(DEMO_TOML)["lines"]}
    r = Reader(merged, "lines", "landpark.toml")
    demo = LinesSettings.read(r)
    r.finish()
    assert [(f.share, f.scope) for f in demo.floors] == [(0.65, "per_line"), (0.80, "district_in_lines")]
    assert [x.kind for x in demo.rules] == ["industrial_not_decreasing", "outside_constraint"]
    bad = {**default, "rules": [{"name": "x", "kind": "industrial_not_decreasing", "level": "blue", "source": "s",
                                 "share": 0.1}]}
    with pytest.raises(InputError, match="unknown key lines.rules\\[0\\].share"):
        r = Reader(bad, "lines", "landpark.toml")
        LinesSettings.read(r)
    with pytest.raises(InputError, match="scope"):
        LinesSettings.read(Reader({**default, "floors": [{"name": "x", "share": 0.5, "scope": "block", "level": "all",
                                                           "source": "s"}]}, "lines", "landpark.toml"))
