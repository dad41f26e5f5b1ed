"""Siting knows the chains (issue 16 item 6) and every candidate carries its 标准地 conditions (item 4).

Fixture, drawn by hand in GK metres: park 甲 (x 0–1000) and park 乙 (x 2000–3000), each with one unsupplied parcel of
300 × 100 m (45 亩): 甲's at x 700–1000, 乙's at x 2000–2300. Cluster 汽车 (C36) has two segments, 上游 汽车零部件
(C367) and 中游 整车制造 (C361). Park 甲's two member firms are both C3670 (上游 only); park 乙 has no member firm.
The 链主 (a 中游 firm, C3610, member of no park) stands at x = 1500, y = 50: 500 m from each parcel.
With [siting.chain] defaults (missing 1.0, present 0.5, leader share 0.4, 3000 m) the hand-computed chain_fit:
  中游 request: 甲 = 0.6 × 1.0 + 0.4 × (1 − 500/3000) = 0.9333…; 乙 = 0.6 × 0 + 0.4 × 5/6 = 0.3333…
  上游 request: 甲 = 0.6 × 0.5 + 0.4 × 5/6 = 0.6333…;            乙 = 0.3333…
Both sites are the same shape in parks with the same figures, so every other criterion ties.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from analysis.inputs import prepare_parcels, stack_units
from analysis.siting import RequestError, SiteRequest, SitingData, run_siting, write_candidates
from layers.clusters_settings import Cluster, ClustersSettings, Segment
from layers.settings import Reader
from layers.standard_land_settings import StandardLandSettings

GK = "EPSG:4549"
X0, Y0 = 640000.0, 3300000.0
KEYS = ("investment_intensity", "far_min", "far_max", "tax_per_mu", "value_added_per_energy", "value_added_per_emission",
        "rd_ratio")


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle in fixture metres (offset into the GK zone)."""
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


CLUSTERS = ClustersSettings(items=(Cluster("汽车", ("C36",), ("汽车",), "test fixture", (
    Segment("上游", "汽车零部件", ("C367",)), Segment("中游", "整车制造", ("C361",)))),), preset=None)

STANDARD = StandardLandSettings.read(Reader({"items": [
    {"name": "汽车制造业", "codes": ["C36"], "investment_intensity": 300.0, "far_min": 1.2, "far_max": 3.0,
     "tax_per_mu": 30.0, "value_added_per_energy": 2.5, "value_added_per_emission": 200.0, "rd_ratio": 0.025,
     "source": "test source"}]}, "standard_land", "test"))


def make_data(*, leaders: bool = True) -> SitingData:
    """The two-park fixture of the module docstring as a SitingData, with the settings objects given directly."""
    # 乙's parcel comes first, so that on equal scores it would be listed first: only chain_fit puts 甲 ahead
    parcels = gpd.GeoDataFrame({"parcel_id": ["PB", "PA"], "supply_status": ["unsupplied"] * 2,
                                "land_use_category": ["industrial"] * 2, "owner_uscc": [None, None]},
                               geometry=[box(2000, 0, 2300, 100), box(700, 0, 1000, 100)], crs=GK)
    parcels = prepare_parcels(parcels, {})
    layers = {
        "parks": gpd.GeoDataFrame({"park_id": ["A", "B"], "name": ["园区甲", "园区乙"], "leading_industries": ["", ""]},
                                  geometry=[box(0, -500, 1000, 500), box(2000, -500, 3000, 500)], crs=GK),
        "protection_lines": gpd.GeoDataFrame({"line_id": ["L1"], "level": ["red"]}, geometry=[box(-5000, -5000, 5000, 5000)],
                                             crs=GK),
    }
    units = stack_units(layers, GK)
    units["tax_per_mu"] = 20.0
    units["supply_ratio"] = 0.6
    park_a = int(units.index[units["unit_id"] == "A"][0])
    firms = gpd.GeoDataFrame({"uscc": ["F1", "F2", "L1"], "name": ["零部件一厂", "零部件二厂", "链主汽车"],
                              "industry": ["汽车零部件", "汽车零部件", "汽车整车"],
                              "industry_code": ["C3670", "C3670", "C3610"], "output_10k_yuan": [100.0, 50.0, 900.0]},
                             geometry=[shapely.Point(X0 + 100, Y0 + 50), shapely.Point(X0 + 200, Y0 + 50),
                                       shapely.Point(X0 + 1500, Y0 + 50)], crs=GK)
    members = pd.DataFrame({"unit_pos": [park_a, park_a], "uscc": ["F1", "F2"]})
    chain_leaders = pd.DataFrame({"uscc": ["L1"], "cluster": ["汽车"], "segment": ["整车制造"], "note": [""]}) if leaders \
        else None
    constraints = gpd.GeoDataFrame({"kind": ["urban_boundary"]}, geometry=[box(-5000, -5000, 5000, 5000)], crs=GK)
    return SitingData(parcels=parcels, units=units, config={"siting": {}}, crs=GK, constraints=constraints,
                      district={"tax_per_mu": 20.0}, firms=firms, members=members, chain_leaders=chain_leaders,
                      clusters=CLUSTERS, standard_land=STANDARD)


def run(**request) -> dict:
    """`landpark site --json` of a 40–50 亩 request on the fixture, as a dict."""
    return run_siting(make_data(leaders=request.pop("leaders", True)),
                      SiteRequest(area_mu=40, max_area_mu=50, **request)).to_json()


def test_midstream_request_ranks_the_park_missing_it_first_with_the_reason():
    doc = run(cluster="汽车", industry_code="C3610")
    first, second = doc["candidates"]
    assert first["parcel_ids"] == ["PA"] and second["parcel_ids"] == ["PB"]
    assert first["chain"]["status"] == "missing_segment"
    assert second["chain"]["status"] == "cluster_absent"
    assert first["chain"]["segments"] == ["整车制造"]
    assert first["chain"]["leader"] == {"uscc": "L1", "name": "链主汽车", "distance_m": 500.0}
    assert first["chain"]["score"] == pytest.approx(0.6 + 0.4 * 5 / 6)
    assert second["chain"]["score"] == pytest.approx(0.4 * 5 / 6)
    assert first["chain"]["reason"]["zh"] == "园区甲已有汽车企业，但缺少中游·整车制造环节（补链）；距链主企业链主汽车约 500 米"
    assert first["chain"]["reason"]["en"] == ("园区甲 has 汽车 firms but lacks the midstream·整车制造 segment (fills a gap); "
                                              "500 m from the chain leader 链主汽车")
    assert second["chain"]["reason"]["zh"] == "园区乙尚无汽车企业；距链主企业链主汽车约 500 米"
    # the only criterion that differs is chain_fit, so the score gap is its weight share × the chain gap × 100
    crit = first["criteria"]["chain_fit"]
    assert crit["normalised"] == pytest.approx(0.6 + 0.4 * 5 / 6, abs=1e-6)
    assert first["score"] - second["score"] == pytest.approx(100 * crit["weight"] * 0.6, abs=0.01)
    assert doc["request"]["cluster"] == "汽车" and doc["request"]["industry_code"] == "C3610"


def test_code_alone_finds_the_cluster_and_segment():
    doc = run(industry_code="3610")  # digits only: the 门类 letter is implied (C)
    assert doc["request"]["industry_code"] == "C3610"
    assert [c["parcel_ids"] for c in doc["candidates"]] == [["PA"], ["PB"]]
    assert doc["candidates"][0]["chain"]["cluster"] == "汽车"
    assert doc["candidates"][0]["chain"]["status"] == "missing_segment"


def test_upstream_request_gets_the_smaller_present_bonus():
    doc = run(industry_code="C367")
    a = next(c for c in doc["candidates"] if c["parcel_ids"] == ["PA"])
    assert a["chain"]["status"] == "cluster_present"
    assert a["chain"]["score"] == pytest.approx(0.6 * 0.5 + 0.4 * 5 / 6)
    assert a["chain"]["reason"]["zh"].startswith("园区甲已有汽车的上游·汽车零部件环节")


def test_without_leaders_the_reason_says_so_and_the_park_part_alone_counts():
    doc = run(cluster="汽车", industry_code="C361", leaders=False)
    first = doc["candidates"][0]
    assert first["parcel_ids"] == ["PA"]
    assert first["chain"]["leader"] is None
    assert first["chain"]["score"] == pytest.approx(0.6)
    assert first["chain"]["reason"]["zh"].endswith("汽车未登记链主企业")


def test_no_chain_in_the_request_drops_the_criterion():
    doc = run()
    assert [c["parcel_ids"] for c in doc["candidates"]] == [["PB"], ["PA"]]  # all else equal (areas differ in the 6th digit)
    assert doc["candidates"][0]["score"] == pytest.approx(doc["candidates"][1]["score"], abs=0.01)
    assert all(c["chain"] is None and "chain_fit" not in c["criteria"] for c in doc["candidates"])
    assert "chain_fit" in doc["method"]["dropped"]


def test_standard_land_on_every_candidate_and_in_the_export(tmp_path: Path):
    doc = run(industry_code="C3610", top=5)
    assert len(doc["candidates"]) == 2
    for c in doc["candidates"]:
        sl = c["standard_land"]
        assert set(KEYS) <= set(sl) and set(sl["units"]) == set(KEYS) and set(sl["sources"]) == set(KEYS)
        assert (sl["investment_intensity"], sl["far_min"], sl["far_max"], sl["rd_ratio"]) == (300.0, 1.2, 3.0, 0.025)
        assert sl["units"]["investment_intensity"] == "万元/亩" and sl["sources"]["tax_per_mu"] == "test source"
    # no code: the keys are there, without values (nothing configured matches)
    for c in run()["candidates"]:
        assert all(c["standard_land"][k] is None for k in KEYS) and set(c["standard_land"]["units"]) == set(KEYS)
    # the siting export (--out) carries the conditions and the chain reason
    result = run_siting(make_data(), SiteRequest(area_mu=40, max_area_mu=50, cluster="汽车", industry_code="C3610"))
    out = write_candidates(result, tmp_path / "sites.csv")
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert table["sl_investment_intensity"].tolist() == [300.0, 300.0]
    assert table["sl_tax_per_mu_unit"].tolist() == ["万元/亩", "万元/亩"]
    assert table["chain_status"].tolist() == ["missing_segment", "cluster_absent"]
    assert table["parcel_ids"].tolist() == ["PA", "PB"]
    assert table["chain_reason_zh"][0].startswith("园区甲已有汽车企业")
    # the terminal text names the entry and its values
    text = result.to_text()
    assert "标准地: 汽车制造业: investment_intensity 300 万元/亩; far_min 1.2; far_max 3;" in text
    assert "chain: 园区甲 has 汽车 firms but lacks the midstream·整车制造 segment" in text


def test_bad_requests_are_refused():
    with pytest.raises(RequestError, match="unknown cluster"):
        run(cluster="不存在的集群")
    with pytest.raises(RequestError, match="GB/T 4754"):
        run(industry_code="X99")


# ---- the 选址 page ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_env(demo_project):
    """LANDPARK_PROJECT set to the demo for the module (AppTest reruns read it)."""
    import os

    old = os.environ.get("LANDPARK_PROJECT")
    os.environ["LANDPARK_PROJECT"] = str(demo_project.root)
    yield demo_project
    if old is None:
        os.environ.pop("LANDPARK_PROJECT", None)
    else:
        os.environ["LANDPARK_PROJECT"] = old


def test_page_takes_a_code_and_cluster_and_shows_reasons_and_conditions(demo_env):
    from tests.apphelp import page_app
    from ui.siting_page import cluster_names

    at = page_app("siting_page").run()
    assert not at.exception, at.exception
    assert at.text_input(key="siting_industry_code").label == "行业代码（GB/T 4754）"
    select = at.selectbox(key="siting_cluster")
    assert select.label == "产业集群"
    names = cluster_names(demo_env)
    assert list(select.options) == names
    at.number_input(key="siting_area_mu").set_value(50.0)
    at.text_input(key="siting_industry_code").set_value("C3670")
    at.button[0].click().run()
    assert not at.exception, at.exception
    # an independent run of the same request on the CLI's data
    expected = run_siting(SitingData.from_project(demo_env), SiteRequest(area_mu=50.0, industry_code="C3670"))
    table = next(d.value for d in at.dataframe if "排名" in d.value.columns)
    assert table["排名"].tolist() == [c["rank"] for c in expected.candidates]
    if names:  # [clusters] configured: every candidate says why in Chinese
        assert table["补链理由"].tolist() == [c["chain"]["reason"]["zh"] for c in expected.candidates]
    else:
        assert "项目未配置产业集群：不计产业链补链得分" in [i.value for i in at.info]
    first = expected.candidates[0]["standard_land"]
    if first["matched"]["entry"]:
        shown = table["标准地条件"].tolist()[0]
        assert shown == (f"投资强度 {first['investment_intensity']:.4g} 万元/亩；容积率 {first['far_min']:.4g}–"
                         f"{first['far_max']:.4g}；亩均税收 {first['tax_per_mu']:.4g} 万元/亩")
    else:
        assert "未找到适用的标准地条件（landpark.toml 的 [standard_land]）" in [c.value for c in at.caption]
