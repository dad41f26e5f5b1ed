"""Industry clusters and chains (analysis/clusters.py, layers/clusters_settings.py): membership by code and keyword,
cluster totals, concentration, missing segments, the 3–5 rule, cluster targets and the presets — on a tiny fixture
of 3 firms and 2 parks whose figures are worked out by hand below."""

from __future__ import annotations

import tomllib
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from analysis.clusters import cluster_figures, export_tables, firm_clusters, firm_layer, format_clusters, normalise_code, to_json
from layers.clusters_settings import (
    DEFAULT_TOML,
    DEMO_TOML,
    PRESET_NAMES,
    PRESET_TARGETS_TOML,
    Cluster,
    ClustersSettings,
    Segment,
    preset_items,
)
from layers.settings import Reader
from layers.targets_settings import TargetItem, TargetsSettings
from spatial.errors import InputError

CRS = "EPSG:4549"  # CGCS2000 / 3-degree GK CM 120E (metres)

# Two clusters: 汽车 (C36, keyword 汽配; segments 零部件 C367 and 整车 C361) and 电子 (C39; segments 芯片 C397 with the
# keyword 集成电路, 整机 C391).
AUTO = Cluster("汽车", ("C36",), ("汽配",), "test plan",
               (Segment("上游", "零部件", ("C367",)), Segment("下游", "整车", ("C361",))))
ELEC = Cluster("电子", ("C39",), ("电子",), "test plan",
               (Segment("上游", "芯片", ("C397",), ("集成电路",)), Segment("中游", "整机", ("C391",))))


@pytest.fixture
def plain_codes(monkeypatch):
    """Firm codes as the code column gives them (no code derived from the industry text), so that these tests check
    the cluster rules alone, whatever layers.industry_codes derives."""
    import analysis.clusters as clusters

    monkeypatch.setattr(clusters, "firm_codes", lambda firms: firms["industry_code"].map(normalise_code).astype(object))


def _settings(**kw) -> ClustersSettings:
    """The two test clusters over parks, with the rule and threshold given."""
    return ClustersSettings((AUTO, ELEC), None, **kw)


def _fixture():
    """(ev, inputs): F1 汽车零部件 code 3670 (output 100, tax 10, land 20 亩), F2 集成电路 code 39 (300, 20, 30),
    F3 汽配 without a code (50, 5, 10); park P1 holds F1 and F2 (leading 汽车), park P2 holds F2 and F3 (leading
    集成电路). F1 and F2 have points; F3 only a parcel (its location is the parcel's centroid)."""
    firms = pd.DataFrame({"output_10k_yuan": [100.0, 300.0, 50.0], "tax_10k_yuan": [10.0, 20.0, 5.0],
                          "land_mu": [20.0, 30.0, 10.0], "revenue_10k_yuan": [110.0, 320.0, 60.0],
                          "above_scale": [True, True, False]}, index=pd.Index(["F1", "F2", "F3"], name="uscc"))
    units = pd.DataFrame({"unit_id": ["P1", "P2"], "unit_kind": ["parks", "parks"], "name": ["一号园", "二号园"],
                          "leading_industries": ["汽车", "集成电路"]})
    members = pd.DataFrame({"unit_pos": [0, 0, 1, 1], "uscc": ["F1", "F2", "F2", "F3"], "share_inside": 1.0,
                            "basis": "parcels"})
    ents = gpd.GeoDataFrame({"uscc": ["F1", "F2", "F3"], "name": ["甲公司", "乙公司", "丙公司"],
                             "industry": ["汽车零部件", "集成电路", "汽配"], "industry_code": ["3670", "39", None]},
                            geometry=[Point(500000, 3300000), Point(501000, 3300000), None], crs=CRS)
    parcels = gpd.GeoDataFrame({"parcel_id": ["Z1"], "firm_uscc": ["F3"]}, geometry=[box(502000, 3300000, 502100, 3300200)],
                               crs=CRS)
    ev = SimpleNamespace(firms=firms, units=units, members=members)
    inputs = SimpleNamespace(enterprises=ents, parcels=parcels, crs=CRS, year=2025)
    return ev, inputs


def test_codes_normalise_and_match_by_prefix_or_keyword(plain_codes):
    assert [normalise_code(v) for v in ("C3670", "36", " c 36.7 ", "C", "汽车", None)] == ["3670", "36", "367", "C", None, None]
    firms = pd.DataFrame({"uscc": ["A", "B", "C", "D", "E"], "industry": ["家用电器", "照明", "厨具", "家电", "纺织"],
                          "industry_code": ["38", "38", "3851", None, "17"]})
    home = Cluster("智能家电", ("C385",), ("家电", "家用电器"), "s")
    cloth = Cluster("纺织", ("C",), (), "s")  # a 门类 letter covers 大类 13–43
    rows = firm_clusters(firms, ClustersSettings((home, cloth), None))
    got = {(r.uscc, r.cluster): r.matched_by for r in rows.itertuples()}
    # A: 大类 38 is too coarse for C385 → its text decides (家用电器); B: coarse, text does not match → out;
    # C: 小类 3851 matches C385; D: no code, text 家电; E: no keyword match but 17 lies in 门类 C.
    assert got == {("A", "智能家电"): "keyword", ("C", "智能家电"): "code", ("D", "智能家电"): "keyword",
                   ("A", "纺织"): "code", ("B", "纺织"): "code", ("C", "纺织"): "code", ("E", "纺织"): "code"}


def test_memberships_and_segments_of_the_fixture(plain_codes):
    ev, inputs = _fixture()
    rows = firm_clusters(inputs.enterprises, _settings())
    got = {(r.uscc, r.cluster): (r.segment, r.matched_by) for r in rows.itertuples()}
    # F1 3670 → 汽车 by code, segment 零部件 (C367); F2 39 → 电子 by code, too coarse for C397/C391 → segment by the
    # keyword 集成电路 (芯片); F3 no code → 汽车 by 汽配, no segment keyword fits → none.
    assert got == {("F1", "汽车"): ("零部件", "code"), ("F2", "电子"): ("芯片", "code"), ("F3", "汽车"): (None, "keyword")}


def test_cluster_totals_shares_and_concentration(plain_codes):
    ev, inputs = _fixture()
    res = cluster_figures(ev, inputs, _settings())
    d = res.district.set_index("cluster")
    # 汽车 = F1 + F3: 2 firms, output 150, tax 15, land 30; 电子 = F2: 300, 20, 30. District output 450.
    assert d.loc["汽车", ["firms", "output", "tax", "land"]].tolist() == [2, 150.0, 15.0, 30.0]
    assert d.loc["电子", ["firms", "output", "tax", "land"]].tolist() == [1, 300.0, 20.0, 30.0]
    assert d.loc["汽车", "output_share"] == pytest.approx(150 / 450)
    assert res.totals["clustered_output"] == 450.0 and res.totals["clustered_share"] == pytest.approx(1.0)
    uc = res.unit_clusters.set_index(["unit_id", "cluster"])
    # P1 (F1 + F2, output 400): 汽车 100/400, 电子 300/400; P2 (F2 + F3, 350): 汽车 50/350, 电子 300/350.
    assert uc.loc[("P1", "汽车"), "share"] == pytest.approx(0.25)
    assert uc.loc[("P1", "电子"), "share"] == pytest.approx(0.75)
    assert uc.loc[("P2", "汽车"), "share"] == pytest.approx(50 / 350)
    assert uc.loc[("P2", "汽车"), "tax"] == 5.0 and uc.loc[("P2", "汽车"), "land"] == 10.0
    units = res.units.set_index("unit_id")
    # P1 declares 汽车: the cluster 汽车's member F1 → 100/400; P2 declares 集成电路: F2's industry text → 300/350.
    assert units.loc["P1", "concentration"] == pytest.approx(0.25)
    assert units.loc["P2", "concentration"] == pytest.approx(300 / 350)
    assert units.loc["P1", "output"] == 400.0


def test_missing_segments_per_unit(plain_codes):
    ev, inputs = _fixture()
    uc = cluster_figures(ev, inputs, _settings()).unit_clusters.set_index(["unit_id", "cluster"])
    assert uc.loc[("P1", "汽车"), "segments_missing"] == ["整车"]
    assert uc.loc[("P1", "电子"), "segments_present"] == ["芯片"]
    assert uc.loc[("P1", "电子"), "segments_missing"] == ["整机"]
    assert uc.loc[("P2", "汽车"), "segments_missing"] == ["零部件", "整车"]  # F3 has no segment


def test_three_to_five_rule(plain_codes):
    ev, inputs = _fixture()
    checks = cluster_figures(ev, inputs, _settings(rule_areas_per_cluster=(1, 2))).checks
    # share ≥ 10 %: every park develops both clusters (P2's 汽车 is 50/350 = 14.3 %) → 2 per park, outside 3–5;
    # each cluster sits in 2 parks, within 1–2.
    assert [(r["unit_id"], r["n"], r["ok"]) for r in checks["areas"]] == [("P1", 2, False), ("P2", 2, False)]
    assert [(r["cluster"], r["n"], r["ok"]) for r in checks["clusters"]] == [("汽车", 2, True), ("电子", 2, True)]
    # share ≥ 20 %: P2 no longer develops 汽车 → 汽车 in P1 only.
    checks = cluster_figures(ev, inputs, _settings(present_min_share=0.2, rule_areas_per_cluster=(2, 5))).checks
    got = [(r["cluster"], r["areas"], r["ok"]) for r in checks["clusters"]]
    assert got == [("汽车", ["P1"], False), ("电子", ["P1", "P2"], True)]
    # or by firm count: 2 member firms of a cluster in an area are enough even below the share
    checks = cluster_figures(ev, inputs, _settings(present_min_share=0.9, present_min_firms=1)).checks
    assert checks["areas"][0]["clusters"] == ["汽车", "电子"]
    # no unit of the area layer: not checked
    checks = cluster_figures(ev, inputs, _settings(area_layer="micro_parks")).checks
    assert checks["area_layer_found"] is False and all(r["ok"] is None for r in checks["clusters"])


def test_cluster_target_progress_and_leaders_and_json(plain_codes):
    ev, inputs = _fixture()
    target = TargetItem("汽车 0.03 亿元", "output", "cluster:汽车", 2025, 0.03, ">=", "all", None, None, "plan")
    leaders = pd.DataFrame({"uscc": ["F1", "X9"], "cluster": ["汽车", "汽车"], "segment": ["零部件", None], "note": [None, None]})
    res = cluster_figures(ev, inputs, _settings(), leaders=leaders, targets=TargetsSettings((target,), (), (), False))
    doc = to_json(res)
    auto = next(c for c in doc["clusters"] if c["name"] == "汽车")
    # 150 万元 = 0.015 亿元 of 0.03 → progress 0.5, behind in the target year
    assert auto["target"]["value"] == pytest.approx(0.015) and auto["progress"] == pytest.approx(0.5)
    assert auto["target"]["status"] == "behind"
    assert (auto["codes"], auto["firms"], auto["output"], auto["tax"], auto["land"]) == (["C36"], 2, 150.0, 15.0, 30.0)
    p2 = next(u for u in doc["units"] if u["unit_id"] == "P2")
    assert p2["cluster_shares"]["电子"] == pytest.approx(300 / 350) and p2["concentration"] == pytest.approx(300 / 350)
    ld = {r["uscc"]: r for r in auto["leaders"]}
    assert ld["F1"]["found"] and ld["F1"]["unit_ids"] == ["P1"] and not ld["X9"]["found"]
    lon, lat = Transformer.from_crs(CRS, 4326, always_xy=True).transform(500000, 3300000)
    assert (ld["F1"]["lon"], ld["F1"]["lat"]) == (pytest.approx(lon), pytest.approx(lat))
    # F3 has no point: located at its parcel's centroid
    lon3, lat3 = Transformer.from_crs(CRS, 4326, always_xy=True).transform(502050, 3300100)
    assert (res.firms.at["F3", "lon"], res.firms.at["F3", "lat"]) == (pytest.approx(lon3), pytest.approx(lat3))
    zh, en = format_clusters(doc, "zh"), format_clusters(doc, "en")
    assert "【汽车】" in zh and "缺失环节：整车" in zh and "clusters_" not in zh and "True" not in zh and "None" not in zh
    assert "[汽车]" in en and "clusters_" not in en
    # exports: the firm points (one per firm and cluster; F1 is the 汽车 链主) and the translated tables
    layer = firm_layer(res).set_index("uscc")
    assert sorted(layer.index) == ["F1", "F2", "F3"] and layer.at["F1", "leader"] and not layer.at["F3", "leader"]
    assert layer.at["F1", "stage"] == "上游" and layer.crs.to_epsg() == 4326
    tables = export_tables(doc, "zh")
    assert list(tables) == ["产业集群", "集群单元分布", "主导产业集中度", "集群布局规则"]
    assert tables["产业集群"].set_index("名称").at["汽车", "完成度"] == pytest.approx(0.5)
    assert not any("clusters_" in str(c) for frame in tables.values() for c in frame.columns)


def test_targets_module_measures_cluster_scope(plain_codes):
    from analysis.targets import target_progress
    from layers.config import config_from_dict

    ev, inputs = _fixture()
    ev.district = {}
    items = (TargetItem("汽车企业 3 家", "firms", "cluster:汽车", 2025, 3, ">=", "all", None, None, "plan"),
             TargetItem("电子税收", "tax", "cluster:电子", 2025, 0.001, ">=", "all", None, None, "plan"),
             TargetItem("未定义", "output", "cluster:船舶", 2025, 1, ">=", "all", None, None, "plan"))
    out = target_progress(ev, config=config_from_dict({}), settings=TargetsSettings(items, (), (), False), year=2025,
                          clusters=_settings(), enterprises=inputs.enterprises)
    got = {r.name: (r.value, r.status, r.reason) for r in out}
    assert got["汽车企业 3 家"] == (2.0, "behind", None)
    assert got["电子税收"][0] == pytest.approx(0.002) and got["电子税收"][1] == "met"  # 20 万元 = 0.002 亿元
    assert got["未定义"] == (None, "no_data", "cluster_missing")
    none = target_progress(ev, config=config_from_dict({}), settings=TargetsSettings(items[:1], (), (), False), year=2025,
                           clusters=ClustersSettings((), None), enterprises=inputs.enterprises)
    assert none[0].reason == "cluster_pending"


def _read(text: str) -> ClustersSettings:
    """[clusters] of a toml text, read and finished."""
    r = Reader(tomllib.loads(text)["clusters"], "clusters", "test.toml")
    out = ClustersSettings.read(r)
    r.finish()
    return out


def test_presets_load_and_own_items_replace_them():
    yz = _read(DEFAULT_TOML + DEMO_TOML)  # as the demo's landpark.toml holds them: the default section, then the items
    assert yz.preset is None and yz.items == preset_items("yinzhou_154")
    assert _read('[clusters]\npreset = "yinzhou_154"\n').items == yz.items
    assert [c.name for c in yz.items][:3] == ["软件与新兴服务", "汽车", "高端装备"]
    assert sum(1 for c in yz.items if c.segments) >= 2 and yz.combined_share_min is None
    xh = _read('[clusters]\npreset = "xihaian_8"\n')
    assert sum(1 for c in xh.items if c.segments) >= 2 and xh.combined_share_min == 0.85
    assert {"智能家电", "高端化工新材料", "芯屏", "船舶海工", "汽车", "高端装备"} <= {c.name for c in xh.items}
    assert all(c.source for n in PRESET_NAMES for c in preset_items(n))
    own = _read('[clusters]\npreset = "yinzhou_154"\nrule_clusters_per_area = [1, 2]\n'
                '[[clusters.items]]\nname = "船舶"\ncodes = ["C373"]\nsource = "x"\n')
    assert [c.name for c in own.items] == ["船舶"] and own.rule_clusters_per_area == (1, 2)
    assert own.rule_areas_per_cluster == (3, 5) and own.area_layer == "parks"
    off = _read(DEFAULT_TOML)
    assert off.items == () and not off.configured
    # every cluster target of the 鄞州 preset names a cluster of the preset
    names = {c.name for c in preset_items("yinzhou_154")}
    targets = tomllib.loads(PRESET_TARGETS_TOML)["targets"]["items"]
    assert {x["scope"].partition(":")[2] for x in targets} == names
    assert next(x for x in targets if x["scope"] == "cluster:汽车")["value"] == 550


@pytest.mark.parametrize("text", ['preset = "nowhere"', "rule_areas_per_cluster = [5, 3]", 'area_layer = "roads"',
                                  'typo = 1', '[[clusters.items]]\nname = "x"\nsource = "s"',
                                  '[[clusters.items]]\nname = "x"\ncodes = ["C1"]\nsource = "s"\n'
                                  '[[clusters.items.segments]]\nstage = "顶游"\nname = "a"\ncodes = ["C1"]'])
def test_bad_settings_are_refused(text: str):
    with pytest.raises(InputError):
        _read("[clusters]\n" + text)


def test_codes_come_from_the_shared_code_table_when_it_exists():
    codes_module = pytest.importorskip("layers.industry_codes")
    from analysis.clusters import firm_codes

    # a firm without a code is coded from its industry text (the official 小类 name), so it joins by code
    firms = pd.DataFrame({"uscc": ["A"], "industry": ["汽车零部件及配件制造"], "industry_code": [None]})
    assert firm_codes(firms).tolist() == ["3670"]
    assert firm_clusters(firms, ClustersSettings((AUTO,), None))["matched_by"].tolist() == ["code"]
    # every code of the presets is a GB/T 4754-2017 code of the shipped table
    bad = [(n, c.name, code) for n in PRESET_NAMES for c in preset_items(n)
           for code in (*c.codes, *(x for s in c.segments for x in s.codes)) if codes_module.normalise_code(code) is None]
    assert bad == []


@pytest.fixture
def demo_preset(monkeypatch) -> ClustersSettings:
    """The 鄞州 preset as the demo's [clusters] (until layers/config.py reads the section, the app asks settings_of)."""
    import analysis.clusters as clusters

    chosen = _read(DEFAULT_TOML + DEMO_TOML)
    monkeypatch.setattr(clusters, "settings_of", lambda config: chosen)
    return chosen


def test_demo_cluster_totals_and_app_page(demo_project, demo_inputs, demo_preset, monkeypatch):
    from tests.apphelp import page_app

    ents = demo_inputs.enterprises
    auto = ents[ents["industry_code"].astype(str) == "36"]  # the demo codes firms at 大类 level: 汽车 = 大类 36
    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    at = page_app("clusters_page").run()
    assert not at.exception, at.exception
    overview = at.dataframe[0].value.set_index("名称")
    assert overview.loc["汽车", "企业数"] == len(auto)
    assert overview.loc["汽车", "产值（万元）"] == pytest.approx(auto["output_10k_yuan"].sum())
    assert len(at.subheader) == 5 and at.selectbox[0].value == overview["产值（万元）"].idxmax()
    at.selectbox[0].set_value("电子信息").run()
    assert not at.exception, at.exception
    # the Chinese edition: no code, boolean or missing marker in the tables' text cells and headers
    cells = {str(v) for d in at.dataframe for c in d.value.columns if d.value[c].dtype == object for v in d.value[c]}
    headers = {str(c) for d in at.dataframe for c in d.value.columns}
    assert not (cells | headers) & {"True", "False", "None", "nan", "code", "keyword", "parks", "behind", "no_data"}


def test_leader_candidates_are_the_largest_firm_of_each_segment(plain_codes):
    from analysis.clusters import leader_candidates

    ev, inputs = _fixture()
    ents = inputs.enterprises.assign(output_10k_yuan=[100.0, 300.0, 50.0])
    got = leader_candidates(ents, _settings())
    # 汽车: 零部件 → F1 (F3, in no segment, leads none); 电子: 芯片 → F2; a cluster without segments: its largest firm
    assert list(zip(got["uscc"], got["cluster"], got["segment"])) == [("F1", "汽车", "零部件"), ("F2", "电子", "芯片")]
    flat = leader_candidates(ents, ClustersSettings((Cluster("汽车", ("C36",), ("汽配",), "s"),), None))
    assert list(zip(flat["uscc"], flat["segment"])) == [("F1", None)]


def test_no_firms_gives_missing_figures_not_zero(plain_codes):
    ev, inputs = _fixture()
    ev.firms, ev.members = ev.firms.iloc[:0], ev.members.iloc[:0]
    inputs.enterprises = pd.DataFrame()  # no enterprise layer at all
    doc = to_json(cluster_figures(ev, inputs, _settings()))
    assert [(c["firms"], c["output"], c["tax"]) for c in doc["clusters"]] == [(0, None, None), (0, None, None)]
    assert all(u["concentration"] is None for u in doc["units"])
    assert "None" not in format_clusters(doc, "zh")


def test_cluster_map_has_points_stars_and_the_layer_control_last(plain_codes):
    """The page's map: one circle per located firm, a star per located 链主, and the layer control after every group
    (a control written before a group it names leaves the map blank in the browser)."""
    import folium

    from ui.clusters_page import cluster_map, firm_points

    ev, inputs = _fixture()
    leaders = pd.DataFrame({"uscc": ["F1"], "cluster": ["汽车"], "segment": ["零部件"], "note": [None]})
    result = cluster_figures(ev, inputs, _settings(), leaders=leaders)
    auto = next(c for c in to_json(result)["clusters"] if c["name"] == "汽车")
    fmap = cluster_map({}, None, result, auto)
    children = list(fmap._children.values())
    assert isinstance(children[-1], folium.LayerControl)
    html = fmap.get_root().render()
    assert html.count("text-shadow:0 0 2px #000") == 1  # one star: F1, the 汽车 链主
    assert "#1f77b4" in html and "#7f7f7f" in html  # F1 in the 上游 colour, F3 (no segment) grey
    assert len(firm_points(result, "汽车")["features"]) == 2  # F1 at its point, F3 at its parcel


def test_unit_ids_by_firm_sorted_distinct_and_only_the_firms_asked():
    from analysis.members import unit_ids_by_firm

    members = pd.DataFrame({"uscc": ["B", "A", "B", "B", "C"], "unit_pos": [2, 0, 0, 2, 1]})
    ids = np.array(["YQ02", "XW01", "LINE1"], dtype=object)
    got = unit_ids_by_firm(members, ids)
    assert got.to_dict() == {"A": ["YQ02"], "B": ["LINE1", "YQ02"], "C": ["XW01"]}
    assert unit_ids_by_firm(members, ids, pd.Index(["C", "Z"])).to_dict() == {"C": ["XW01"]}
    assert unit_ids_by_firm(members.iloc[:0], ids).empty
