"""The yearly supply mix (analysis/supply_mix.py, `landpark supply`, the 供地分析 page's 供地结构 section).

Expectations are hand-computed on small explicit parcel tables, or computed here from the demo's parcel layer
with plain pandas (planar areas straight from the GeoPackage, not the module's ellipsoidal ones), and compared
with the figures the issue gives for the demo (0.62 / 0.44 / 0.52 / 0.54 / 0.56 for 2021–25).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from analysis.supply_mix import SUPPLY_TYPE_KEYS, mix_json, supply_mix
from layers.config import config_from_dict, default_config
from layers.problems import InputError
from layers.schema import LAYERS, SUPPLY_TYPES

ISSUE_SHARES = {2021: 0.62, 2022: 0.44, 2023: 0.52, 2024: 0.54, 2025: 0.56}  # issue #15, computed by hand
LAND_SOLD = {"name": "浙江 30%", "share": 0.70, "counts": ["出让", "弹性年期出让"], "base": "land_sold", "source": "test"}
NEW_LAND = {"name": "鄞州 25%", "share": 0.25, "counts": ["all"], "base": "new_construction_land", "source": "test"}


def frame(rows: list[tuple]) -> pd.DataFrame:
    """Parcels as (id, category, status, supply_date, supply_type, area_mu) rows (areas given, no geometry)."""
    return pd.DataFrame(rows, columns=["parcel_id", "land_use_category", "supply_status", "supply_date", "supply_type",
                                       "area_mu"])


def settings(floors=(LAND_SOLD, NEW_LAND), **mix) -> dict:
    return {"supply_mix": {"floors": list(floors), **mix}}


THREE = frame([
    ("A", "industrial", "built", "2023-03-01", "出让", 10.0),
    ("B", "commercial", "supplied", "2023-06-30", "出让", 5.0),
    ("C", "industrial", "idle", "2023-12-31", "划拨", 5.0),
    ("D", "industrial", "unsupplied", "2023-05-01", "出让", 7.0),   # not supplied: in no year, whatever its date
    ("E", "industrial", "built", None, "出让", 3.0),                # supplied, no date: counted apart
    ("F", "residential", "built", "2021-04-01", "出让", 8.0),
])


def test_three_parcels_in_2023_hand_computed():
    mix = supply_mix(THREE, settings(), years=[2021, 2022, 2023])
    years = mix.years.set_index("year")
    assert years.loc[2023, "supplied_mu"] == 20.0 and years.loc[2023, "parcels"] == 3
    assert years.loc[2023, "industrial_mu"] == 15.0
    assert years.loc[2023, "industrial_share"] == pytest.approx(15 / 20)
    assert years.loc[2021, "industrial_share"] == 0.0  # 8 亩 supplied, none industrial: a real 0
    # 2022: nothing supplied → no share (null, never 0)
    assert years.loc[2022, "supplied_mu"] == 0.0 and np.isnan(years.loc[2022, "industrial_share"])
    assert mix.by_type.loc[2023].to_dict() == {"出让": 15.0, "划拨": 5.0}
    assert mix.by_category.loc[2023].to_dict() == {"industrial": 15.0, "residential": 0.0, "commercial": 5.0}
    floors = mix.floors.set_index(["name", "year"])
    sold = floors.loc[("浙江 30%", 2023)]
    assert sold["counted_mu"] == 15.0 and sold["value"] == pytest.approx(10 / 15) and sold["status"] == "fail"  # < 0.70
    new = floors.loc[("鄞州 25%", 2023)]
    assert new["counted_mu"] == 20.0 and new["value"] == pytest.approx(15 / 20) and new["status"] == "pass"
    assert floors.loc[("鄞州 25%", 2021), "status"] == "fail"  # 0 < 0.25
    assert floors.loc[("鄞州 25%", 2022), "status"] == "no_data" and np.isnan(floors.loc[("鄞州 25%", 2022), "value"])
    assert (mix.undated_parcels, mix.undated_mu) == (1, 3.0)


def test_json_keeps_missing_as_null_and_reports_undated():
    doc = mix_json(supply_mix(THREE, settings(), years=[2022, 2023]), settings())
    json.dumps(doc, allow_nan=False)  # no NaN anywhere
    y2022, y2023 = doc["years"]
    assert y2022["industrial_share"] is None and [f["value"] for f in y2022["floors"]] == [None, None]
    assert [f["status"] for f in y2022["floors"]] == ["no_data", "no_data"]
    assert y2023["industrial_share"] == pytest.approx(0.75)
    assert doc["undated"] == {"parcels": 1, "area_mu": 3.0}
    assert doc["floors"][0] == {**LAND_SOLD, "counts": ["出让", "弹性年期出让"]}


def test_missing_supply_type_makes_a_partial_floor_incomplete():
    parcels = pd.concat([THREE, frame([("G", "industrial", "built", "2023-08-01", None, 4.0)])], ignore_index=True)
    mix = supply_mix(parcels, settings(), years=[2023])
    assert mix.by_type.loc[2023].to_dict() == {"出让": 15.0, "划拨": 5.0, "unknown": 4.0}
    floors = mix.floors.set_index("name")
    assert floors.loc["浙江 30%", "status"] == "incomplete" and floors.loc["浙江 30%", "missing_mu"] == 4.0
    assert floors.loc["浙江 30%", "value"] == pytest.approx(10 / 15)  # over the land whose type is known
    assert floors.loc["鄞州 25%", "status"] == "pass" and floors.loc["鄞州 25%", "value"] == pytest.approx(19 / 24)


def test_industrial_follows_the_projects_categories():
    parcels = frame([("A", "industrial", "built", "2024-01-01", "出让", 6.0),
                     ("B", "warehouse", "built", "2024-02-01", "出让", 4.0),
                     ("C", "m0", "built", "2024-03-01", "出让", 2.0),
                     ("D", None, "built", "2024-04-01", "出让", 8.0)])
    mix = supply_mix(parcels, settings(), years=[2024])
    plain = mix.years.iloc[0]
    # industrial + m0 (the default), over the 12 亩 whose category is known: D's 8 亩 is missing, not "not industrial"
    assert plain["industrial_share"] == pytest.approx(8 / 12) and plain["uncategorised_mu"] == 8.0
    assert mix.by_category.loc[2024].to_dict() == {"industrial": 6.0, "m0": 2.0, "warehouse": 4.0, "unknown": 8.0}
    assert set(mix.floors["status"]) == {"incomplete"} and set(mix.floors["missing_mu"]) == {8.0}
    with_warehouse = supply_mix(parcels, {**settings(), "land_use": {"include_warehouse": True}}, years=[2024]).years.iloc[0]
    assert with_warehouse["industrial_share"] == pytest.approx(12 / 12)
    only = supply_mix(parcels, {**settings(), "land_use": {"industrial_categories": ["industrial"]}}, years=[2024]).years.iloc[0]
    assert only["industrial_share"] == pytest.approx(6 / 12)
    nothing_known = supply_mix(parcels.iloc[3:], settings(), years=[2024])
    assert np.isnan(nothing_known.years.iloc[0]["industrial_share"])  # 8 亩 supplied, none categorised: no share
    assert set(nothing_known.floors["status"]) == {"no_data"}


def leases() -> pd.DataFrame:
    """Flexible-term parcels around the default evaluation date 2025-12-31."""
    out = frame([
        ("L5", "industrial", "built", "2021-06-01", "先租后让", 2.0),      # ends 2026-05-31: 5 months
        ("L7", "industrial", "built", "2021-08-01", "租赁", 3.0),          # ends 2026-07-31: 7 months
        ("LX", "industrial", "built", "2020-07-01", "先租后让", 4.0),      # ended 2025-06-30
        ("LT", "industrial", "built", "2023-03-15", "先租后让", 5.0),      # start + 3 years → 2026-03-14
        ("G", "industrial", "built", "2010-01-01", "出让", 6.0),           # a plain grant: not a lease
        ("F", "industrial", "built", "2024-01-01", "弹性年期出让", 7.0),   # 10 years: current
    ])
    out["lease_start_date"] = ["2021-06-01", "2021-08-01", "2020-07-01", None, None, "2024-01-01"]
    out["lease_end_date"] = ["2026-05-31", "2026-07-31", "2025-06-30", None, None, "2033-12-31"]
    out["lease_term_years"] = [5.0, 5.0, 5.0, 3.0, None, 10.0]
    return out


def test_lease_expiry_window():
    listed = supply_mix(leases(), settings(expiry_window_months=6), years=[2025]).leases.set_index("parcel_id")
    assert set(listed.index) == {"L5", "L7", "LX", "LT", "F"}  # the plain grant is no lease
    assert listed["status"].to_dict() == {"LX": "ended", "LT": "expiring", "L5": "expiring", "L7": "current",
                                          "F": "current"}
    assert listed.loc["LT", "end_date"] == "2026-03-14" and listed.loc["LT", "start_date"] == "2023-03-15"
    assert listed.loc["L5", "months_left"] == pytest.approx(151 / (365.25 / 12), abs=0.05)
    wider = supply_mix(leases(), settings(expiry_window_months=8), years=[2025]).leases.set_index("parcel_id")
    assert wider.loc["L7", "status"] == "expiring"
    doc = mix_json(supply_mix(leases(), settings(expiry_window_months=6), years=[2025]), settings(expiry_window_months=6))
    assert [x["parcel_id"] for x in doc["leases"]["listed"]] == ["LX", "LT", "L5"]  # soonest end first
    assert doc["leases"]["by_status"] == {"ended": 1, "expiring": 2, "current": 2, "no_end": 0}


def test_floor_settings_are_checked():
    assert default_config().supply_mix.floors == ()  # a plan's floor is the project's to add
    typed = config_from_dict(settings()).supply_mix.floors
    assert [(f.share, f.counts, f.base) for f in typed] == [(0.70, ("出让", "弹性年期出让"), "land_sold"),
                                                           (0.25, ("all",), "new_construction_land")]
    for bad in ({"counts": ["all", "出让"]}, {"counts": ["招拍挂"]}, {"counts": []}, {"base": "sold"}, {"share": 1.5},
                {"typo": 1}):
        with pytest.raises(InputError):
            config_from_dict(settings(floors=[{**LAND_SOLD, **bad}]))


def test_schema_fields_are_optional_and_labels_cover_every_type():
    spec = LAYERS["parcels"]
    assert not any(spec.get(n).required for n in ("supply_type", "lease_term_years", "lease_start_date", "lease_end_date"))
    assert tuple(code for code, _ in SUPPLY_TYPE_KEYS) == SUPPLY_TYPES


def test_import_reads_the_chinese_supply_type(tmp_path):
    from layers.importer import import_source
    from layers.project import Project

    boxes = [shapely.box(500000 + i * 100, 3300000, 500050 + i * 100, 3300050) for i in range(2)]
    source = tmp_path / "供地.geojson"
    gpd.GeoDataFrame({"宗地编号": ["P1", "P2"], "地类编码": ["0601", "0601"], "供地状态": ["已建成", "已建成"],
                      "供地方式": ["先租后让", "划拨"], "使用权终止日期": ["2026-05-31", None]},
                     geometry=boxes, crs="EPSG:4549").to_file(source, driver="GeoJSON")
    import_source(source, "parcels", tmp_path / "p", land_use_standard="gbt21010")
    parcels = Project.open(tmp_path / "p").read_layer("parcels")
    assert parcels["supply_type"].tolist() == ["先租后让", "划拨"]
    assert parcels["lease_end_date"].tolist()[0] == "2026-05-31"


# ---- the demo ----------------------------------------------------------------------------------------------------


def test_demo_shares_equal_the_issue_figures(demo_project):
    raw = gpd.read_file(demo_project.gpkg, layer="parcels")
    supplied = raw[raw["supply_status"].isin(["supplied", "built", "idle"])].copy()
    supplied["year"] = pd.to_datetime(supplied["supply_date"]).dt.year
    supplied["planar_mu"] = supplied.geometry.area / (10000 / 15)
    supplied["industrial_mu"] = supplied["planar_mu"].where(supplied["land_use_category"].isin(["industrial", "m0"]), 0.0)
    sums = supplied.groupby("year")[["industrial_mu", "planar_mu"]].sum()
    by_hand = (sums["industrial_mu"] / sums["planar_mu"]).loc[2021:2025]
    assert by_hand.round(2).to_dict() == ISSUE_SHARES
    mix = supply_mix(demo_project.read_layer("parcels"), demo_project.config)
    assert mix.years["year"].tolist() == [2021, 2022, 2023, 2024, 2025]
    np.testing.assert_allclose(mix.years["industrial_share"].to_numpy(), by_hand.to_numpy(), atol=5e-4)
    assert mix.years["industrial_share"].round(2).tolist() == list(ISSUE_SHARES.values())
    assert mix.undated_parcels == 0 and float(mix.years[["untyped_mu", "uncategorised_mu"]].sum().sum()) == 0.0


def test_demo_supply_types_and_leases_are_plausible(demo_project):
    parcels = demo_project.read_layer("parcels")
    assert (parcels["supply_type"].isna() == parcels["supply_date"].isna()).all()  # a type exactly where supplied
    assert set(parcels["supply_type"].dropna()) <= set(SUPPLY_TYPES)
    public = parcels[parcels["land_use_category"] == "public"]["supply_type"].dropna()
    assert (public == "划拨").mean() > 0.7
    end = pd.to_datetime(parcels["lease_end_date"])
    soon = (end >= "2025-12-31") & (end <= "2026-06-30")
    assert soon.sum() >= 5  # some leases end within the demo's 6-month window


# ---- the command line and the app --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_document(demo_project):
    from cli import app

    done = CliRunner().invoke(app, ["supply", str(demo_project.root), "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_cli_json_shape(cli_document, demo_project):
    doc = cli_document
    assert {"ok", "as_of", "years", "floors", "undated", "leases", "industrial_categories"} <= set(doc)
    assert [y["year"] for y in doc["years"]] == [2021, 2022, 2023, 2024, 2025]
    assert [round(y["industrial_share"], 2) for y in doc["years"]] == list(ISSUE_SHARES.values())
    assert [f["base"] for f in doc["floors"]] == ["new_construction_land", "land_sold"]
    for y in doc["years"]:
        assert {"parcels", "supplied_mu", "industrial_mu", "by_category", "by_supply_type", "floors"} <= set(y)
        assert sum(y["by_supply_type"].values()) == pytest.approx(y["supplied_mu"])
        assert [f["status"] for f in y["floors"]] == ["pass", "pass"]  # 44–62 % against 25 % and 30 %
        assert y["floors"][0]["value"] == pytest.approx(y["industrial_share"])
    leases = doc["leases"]
    assert leases["window_months"] == 6
    assert len(leases["listed"]) == leases["by_status"]["ended"] + leases["by_status"]["expiring"] > 0
    assert {x["status"] for x in leases["listed"]} <= {"ended", "expiring"}
    assert all(x["end_date"] <= "2026-06-30" for x in leases["listed"])


def test_cli_text_year_and_exit_codes(demo_project, tmp_path):
    from cli import app
    from layers.project import Project

    runner = CliRunner()
    text = runner.invoke(app, ["supply", str(demo_project.root), "--year", "2023"])
    assert text.exit_code == 0 and "供地结构" in text.stdout and "52.3%" in text.stdout and "达标" in text.stdout
    assert "2024" not in text.stdout.split("工业用地占比底线")[0].split("按供地方式")[1]  # one year only
    english = runner.invoke(app, ["supply", str(demo_project.root), "--year", "2023", "--lang", "en"])
    assert english.exit_code == 0 and "Industrial share" in english.stdout and "meets the floor" in english.stdout
    assert runner.invoke(app, ["supply", str(demo_project.root), "--year", "1800"]).exit_code == 2
    assert runner.invoke(app, ["supply", str(demo_project.root), "--lang", "fr"]).exit_code == 2
    Project.create(tmp_path / "empty", region="测试区", year=2025)
    empty = runner.invoke(app, ["supply", str(tmp_path / "empty"), "--json"])
    assert empty.exit_code == 1 and json.loads(empty.stdout)["ok"] is False


def test_app_section_in_chinese(demo_project, cli_document):
    import os

    from tests.apphelp import page_app

    old = os.environ.get("LANDPARK_PROJECT")
    os.environ["LANDPARK_PROJECT"] = str(demo_project.root)
    try:
        at = page_app("supply_page", session={"supply_view": "mix"}).run()
    finally:
        if old is None:
            os.environ.pop("LANDPARK_PROJECT", None)
        else:
            os.environ["LANDPARK_PROJECT"] = old
    assert not at.exception
    assert "供地结构" in [h.value for h in at.subheader]
    assert {"按供地方式", "按用地类别", "占比底线", "弹性年期与租赁到期"} <= {tab.label for tab in at.tabs}
    tables = {tuple(d.value.columns): d.value for d in at.dataframe}
    by_type = next(v for k, v in tables.items() if "出让" in k and "工业占比" in k)
    assert by_type["年度"].tolist() == [2021, 2022, 2023, 2024, 2025]
    assert by_type["工业占比"].round(2).tolist() == list(ISSUE_SHARES.values())
    floors = next(v for k, v in tables.items() if "结论" in k)
    assert set(floors["结论"]) == {"达标"} and len(floors) == 10
    leases = next(v for k, v in tables.items() if "剩余月数" in k)
    assert leases["宗地编号"].tolist() == [x["parcel_id"] for x in cli_document["leases"]["listed"]]
    assert set(leases["状态"]) <= {"已到期", "即将到期"}


def test_supply_types_and_lease_terms_as_registers_write_them():
    """A bureau table's 出让方式 column with 挂牌出让 / 协议出让 / 行政划拨 / 作价出资 reads as 出让 / 出让 / 划拨 / 其他;
    出让年限 and 使用期限止 are found by their headers; an unknown spelling is reported, not guessed."""
    from layers.aliases import match_column
    from layers.schema import SUPPLY_TYPES
    from layers.values import parse_choices

    values, issues = parse_choices(pd.Series(["挂牌出让", "协议出让", "行政划拨", "作价出资", "弹性年期", "租让结合", "置换"]),
                                   SUPPLY_TYPES)
    assert values.tolist()[:6] == ["出让", "出让", "划拨", "其他", "弹性年期出让", "先租后让"]
    assert pd.isna(values.iloc[6]) and [i.code for i in issues] == ["unknown_value"]
    assert [match_column(c, "parcels").field for c in ("出让方式", "出让年限", "使用期限止", "供应方式")] == \
        ["supply_type", "lease_term_years", "lease_end_date", "supply_type"]
