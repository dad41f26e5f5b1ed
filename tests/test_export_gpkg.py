"""The QGIS-ready GeoPackage (issue 14, item 5), read by its real clients: ogrinfo lists the layers, sqlite3 reads the
`layer_styles` and `gpkg_data_columns` tables, and PyQGIS (Debian: python3-qgis) loads every layer with its default
style. Expected values come from the fixture below (hand-drawn squares, hand-computed areas)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import reports.gpkg as gpkg_module
from analysis.inputs import load_inputs
from analysis.score import evaluate
from analysis.units import UNIT_PRIORITY
from layers.problems import Problem
from layers.project import Project
from reports.gpkg import export_gpkg, read_aliases
from reports.qgis_styles import KIND_LINES

X0, Y0 = 560_000.0, 3_300_000.0  # EPSG:4549
SLD = "{http://www.opengis.net/sld}"
SE = "{http://www.opengis.net/se}"
OGC = "{http://www.opengis.net/ogc}"
# layer → features, per edition: one protection line L1, parks K1 and K2, micro park M1, community C1, 4 firms, 6 parcels
ZH = {"宗地供地状态": 6, "工业用地保护线评价": 1, "产业园区评价": 2, "小微产业园评价": 1, "未来工业社区评价": 1,
      "企业亩均评价": 4}
EN = {"parcels": 6, "protection_line_scores": 1, "park_scores": 2, "micro_park_scores": 1, "future_community_scores": 1,
      "enterprise_scores": 4}
UNIT_LAYERS = {"zh": ["工业用地保护线评价", "产业园区评价", "小微产业园评价", "未来工业社区评价"],
               "en": ["protection_line_scores", "park_scores", "micro_park_scores", "future_community_scores"]}
SYSTEM_PYTHON = "/usr/bin/python3"  # PyQGIS lives in the system interpreter (Debian python3-qgis), not in the venv


def box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def build(root: Path) -> Project:
    """L1 (red line) and park K1 are the same 1 km square; K2 east of it holds micro park M1; community C1 has no
    parcel, so it is not scored. Four firms own parcels P1, P2, P5, P6."""
    parcels = gpd.GeoDataFrame({
        "parcel_id": [f"P{i}" for i in range(1, 7)], "land_use": ["0601"] * 6, "land_use_category": ["industrial"] * 6,
        "supply_status": ["built", "supplied", "unsupplied", "idle", "built", "built"],
        "owner_uscc": ["X", "Y", None, None, "Z", "W"],
    }, geometry=[box(100, 100, 200, 200), box(600, 100, 200, 200), box(400, 400, 100, 100), box(600, 600, 100, 100),
                 box(1300, 100, 200, 200), box(1300, 500, 150, 150)], crs="EPSG:4549")
    layers = {
        "parcels": parcels,
        "protection_lines": gpd.GeoDataFrame({"line_id": ["L1"], "name": ["东区保护线"], "level": ["red"]},
                                             geometry=[box(0, 0, 1000, 1000)], crs="EPSG:4549"),
        "parks": gpd.GeoDataFrame({"park_id": ["K1", "K2"], "name": ["甲园区", "乙园区"]},
                                  geometry=[box(0, 0, 1000, 1000), box(1200, 0, 600, 800)], crs="EPSG:4549"),
        "micro_parks": gpd.GeoDataFrame({"park_id": ["M1"], "name": ["丙小微园"]}, geometry=[box(1250, 450, 300, 300)],
                                        crs="EPSG:4549"),
        "future_communities": gpd.GeoDataFrame({"community_id": ["C1"], "name": ["丁社区"]},
                                               geometry=[box(3000, 0, 300, 300)], crs="EPSG:4549"),
        "enterprises": gpd.GeoDataFrame({
            "uscc": ["X", "Y", "Z", "W"], "name": ["甲公司", "乙公司", "丙公司", "丁公司"],
            "tax_10k_yuan": [100.0, 50.0, 10.0, 1.0], "value_added_10k_yuan": [300.0, 100.0, 50.0, 5.0],
            "electricity_kwh": [1e6] * 4, "above_scale": [False] * 4}, geometry=[None] * 4, crs="EPSG:4549"),
    }
    project = Project.create(root, region="测试区", year=2025, crs="EPSG:4549")
    project.write_layers(layers, issues=[Problem("warning", "small_area", "parcel P1 has a sliver", layer="parcels",
                                                 feature="P1")])
    return project


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    inputs = load_inputs(build(tmp_path_factory.mktemp("gpkg") / "p"))
    return evaluate(inputs), inputs


@pytest.fixture(scope="module")
def files(evaluated, tmp_path_factory):
    """The GeoPackage in both editions."""
    ev, inputs = evaluated
    out = tmp_path_factory.mktemp("gpkg_out")
    return {lang: export_gpkg(ev, inputs, out / f"score_{lang}.gpkg", lang=lang) for lang in ("zh", "en")}


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed (Debian: gdal-bin)")
    return path


def ogr_counts(path: Path) -> dict[str, int]:
    """Layer → feature count as ogrinfo reports it (tables without geometry included)."""
    text = subprocess.run([need("ogrinfo"), "-ro", "-so", "-al", str(path)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    names = re.findall(r"^Layer name: (.+)$", text, flags=re.M)
    counts = [int(n) for n in re.findall(r"^Feature Count: (\d+)$", text, flags=re.M)]
    return dict(zip(names, counts, strict=True))


def styles(path: Path) -> dict[str, dict]:
    """layer_styles rows by table, with the table's geometry column as GeoPackage registers it."""
    with sqlite3.connect(path) as con:
        con.row_factory = sqlite3.Row
        rows = [dict(r) for r in con.execute("SELECT * FROM layer_styles")]
        geoms = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
    out: dict[str, dict] = {}
    for row in rows:
        assert row["f_table_name"] not in out or not (row["useAsDefault"] and out[row["f_table_name"]]["useAsDefault"])
        row["geometry_column"] = geoms.get(row["f_table_name"], "")
        out[row["f_table_name"]] = row
    return out


def qml(text: str) -> ET.Element:
    return ET.fromstring(text.split("\n", 1)[1] if text.startswith("<!DOCTYPE") else text)


def option(layer: ET.Element, name: str) -> str:
    """A QGIS symbol layer property, read from its <Option> map."""
    return layer.find(f"Option/Option[@name='{name}']").get("value")


def rgb(qgis_colour: str) -> tuple[str, int]:
    """"r,g,b,a" → ("#rrggbb", alpha 0–255)."""
    r, g, b, a = (int(v) for v in qgis_colour.split(","))
    return f"#{r:02x}{g:02x}{b:02x}", a


# --------------------------------------------------------------------------- layers


def test_ogrinfo_lists_one_layer_per_unit_kind_in_the_edition_language(files, evaluated):
    ev, _inputs = evaluated
    zh, en = ogr_counts(files["zh"]), ogr_counts(files["en"])
    issues = len(ev.warnings)
    assert zh == {**ZH, "数据问题": issues, "layer_styles": 7}
    assert en == {**EN, "data_issues": issues, "layer_styles": 7}
    assert not any(re.search(r"[a-z]", name) for name in zh if name != "layer_styles")  # no English name in zh


def test_units_of_each_kind_and_the_selection(evaluated, files, tmp_path):
    ev, inputs = evaluated
    assert set(gpkg_module.UNIT_KINDS) == set(UNIT_PRIORITY) == set(KIND_LINES)  # no kind left without a layer
    kinds = {name: sorted(gpd.read_file(files["zh"], layer=name)["unit_id"]) for name in UNIT_LAYERS["zh"]}
    assert kinds == {"工业用地保护线评价": ["L1"], "产业园区评价": ["K1", "K2"], "小微产业园评价": ["M1"],
                     "未来工业社区评价": ["C1"]}
    issues = gpd.read_file(files["zh"], layer="数据问题").set_index("feature")["message"]
    assert issues["C1"].startswith("未评价") and issues["P1"] == "parcel P1 has a sliver"  # zh text where there is one
    parcels = gpd.read_file(files["zh"], layer="宗地供地状态").set_index("parcel_id")
    assert parcels.loc["P1", "area_mu"] == pytest.approx(40_000 / (10_000 / 15), rel=1e-3)  # 200 m × 200 m = 60 亩
    only = export_gpkg(ev, inputs, tmp_path / "k2.gpkg", lang="zh", unit_ids=["K2"])
    counts = ogr_counts(only)
    assert {n: c for n, c in counts.items() if n in UNIT_LAYERS["zh"]} == {"产业园区评价": 1}


# --------------------------------------------------------------------------- styles


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_layer_has_one_default_style_in_qml_and_sld(files, lang):
    path = files[lang]
    found = styles(path)
    tables = set(ogr_counts(path)) - {"layer_styles"}
    assert set(found) == tables
    for table, row in found.items():
        assert row["useAsDefault"] == 1 and row["f_geometry_column"] == row["geometry_column"], table
        root = qml(row["styleQML"])
        assert root.tag == "qgis" and root.find("aliases") is not None
        if table in ("数据问题", "data_issues"):
            assert root.find("renderer-v2") is None and row["styleSLD"] == ""
            continue
        renderer = root.find("renderer-v2")
        categories = renderer.findall("categories/category")
        assert renderer.get("type") == "categorizedSymbol" and len(categories) == 5
        sld = ET.fromstring(row["styleSLD"].encode("utf-8"))
        assert sld.tag == f"{SLD}StyledLayerDescriptor" and sld.get("version") == "1.1.0"
        assert sld.find(f"{SLD}NamedLayer/{SE}Name").text == table
        rules = sld.findall(f"{SLD}NamedLayer/{SLD}UserStyle/{SE}FeatureTypeStyle/{SE}Rule")
        assert len(rules) == len(categories)
        for rule, category in zip(rules, categories, strict=True):
            literal = rule.find(f"{OGC}Filter/{OGC}PropertyIsEqualTo/{OGC}Literal")
            if category.get("value"):
                assert literal.text == category.get("value")
            else:
                assert literal is None and rule.find(f"{SE}ElseFilter") is not None
            assert any(child.tag.endswith("Symbolizer") for child in rule)
        unit = table in UNIT_LAYERS[lang]
        assert (root.get("labelsEnabled") == "1") == unit
        if unit:
            expression = root.find("labeling/settings/text-style").get("fieldName")
            assert root.find("labeling").get("type") == "simple" and '"name"' in expression and '"grade"' in expression
            for rule in rules:
                label = rule.find(f"{SE}TextSymbolizer/{SE}Label")
                assert label.find(f"{OGC}PropertyName").text == "name"
            grades = ["A", "B", "C", "D"]
            label_d = "".join(rules[3].find(f"{SE}TextSymbolizer/{SE}Label").itertext())
            assert [c.get("value") for c in categories][:4] == grades and label_d == ("name（D）" if lang == "zh" else "name (D)")


def unit_symbols(path: Path, lang: str) -> dict[str, list[ET.Element]]:
    """Unit layer → the symbol layers of its first (grade A) class."""
    found = styles(path)
    return {name: qml(found[name]["styleQML"]).findall("renderer-v2/symbols/symbol[@name='0']/layer")
            for name in UNIT_LAYERS[lang]}


def test_unit_kinds_look_different_and_fills_let_parcels_show(files):
    outlines = set()
    for name, layers in unit_symbols(files["zh"], "zh").items():
        fills = [layer for layer in layers if layer.get("class") == "SimpleFill"]
        assert fills and all(rgb(option(f, "color"))[1] <= 64 for f in fills), name  # ≤ 25 % opaque (was 85 %)
        assert all(option(f, "outline_style") == "no" for f in fills)
        lines = [layer for layer in layers if layer.get("class") == "SimpleLine"]
        band = [line for line in lines if option(line, "draw_inside_polygon") == "1"]
        assert band and rgb(option(band[0], "line_color"))[0] == "#1a9850"  # grade A's colour, inside the outline
        outer = lines[-1]  # drawn last, on top
        outlines.add((rgb(option(outer, "line_color"))[0], option(outer, "line_style")))
    assert len(outlines) == 4  # four kinds, four different outlines


def test_firm_palette_is_disjoint_from_the_units_and_shapes_differ(files):
    found = styles(files["zh"])
    unit_colours = set()
    for name in UNIT_LAYERS["zh"]:
        for layer in qml(found[name]["styleQML"]).iter("layer"):
            unit_colours |= {rgb(option(layer, k))[0] for k in ("color", "line_color") if
                             layer.find(f"Option/Option[@name='{k}']") is not None}
    firm = qml(found["企业亩均评价"]["styleQML"])
    markers = {c.get("value"): firm.find(f"renderer-v2/symbols/symbol[@name='{c.get('symbol')}']/layer")
               for c in firm.findall("renderer-v2/categories/category")}
    firm_colours = {rgb(option(m, "color"))[0] for m in markers.values()}
    assert len(firm_colours) == 5 and not firm_colours & unit_colours
    assert len({option(markers[c], "name") for c in "ABCD"}) == 4
    # the SLD says the same: marks of four shapes, colours none of the units' SLD colours
    sld = ET.fromstring(found["企业亩均评价"]["styleSLD"].encode("utf-8"))
    marks = {m.findtext(f"{SE}WellKnownName") for m in sld.iter(f"{SE}Mark")}
    assert marks >= {"star", "circle", "square", "triangle"}
    sld_units = {p.text for name in UNIT_LAYERS["zh"] for p in
                 ET.fromstring(found[name]["styleSLD"].encode("utf-8")).iter(f"{SE}SvgParameter") if p.get("name") in
                 ("fill", "stroke") and p.text != "#ffffff"}
    sld_firms = {p.text for p in sld.iter(f"{SE}SvgParameter") if p.get("name") == "fill"}
    assert not sld_firms & sld_units


# --------------------------------------------------------------------------- aliases


def test_aliases_read_back_from_data_columns_and_qml(files):
    zh, en = files["zh"], files["en"]
    with sqlite3.connect(zh) as con:
        rows = {(t, c): (n, ti) for t, c, n, ti in
                con.execute("SELECT table_name, column_name, name, title FROM gpkg_data_columns")}
    assert rows[("宗地供地状态", "area_mu")] == ("宗地面积（亩）", "宗地面积（亩）")
    assert rows[("产业园区评价", "area_mu")][1] == "单元面积（亩）"
    assert rows[("企业亩均评价", "point_source")][1] == "点位来源"
    assert read_aliases(zh, "宗地供地状态")["area_mu"] == "宗地面积（亩）"  # GDAL ≥ 3.7 (the wheel's) reads `name`
    assert read_aliases(en, "parcels")["area_mu"] == "Parcel area (mu)"
    parcels_qml = qml(styles(zh)["宗地供地状态"]["styleQML"])
    assert parcels_qml.find("aliases/alias[@field='area_mu']").get("name") == "宗地面积（亩）"  # QGIS on GDAL 3.6 reads this
    # the zh edition labels every column in Chinese (units such as m² aside)
    ascii_only = [k for k, (_n, title) in rows.items() if re.fullmatch(r"[ -~]+", title)]
    assert ascii_only == []


def test_a_failed_write_leaves_the_old_file_and_no_temp_files(evaluated, tmp_path, monkeypatch):
    ev, inputs = evaluated
    target = tmp_path / "score.gpkg"
    target.write_bytes(b"previous")

    def boom(_style):
        raise RuntimeError("disk full")

    monkeypatch.setattr(gpkg_module, "build_sld", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        export_gpkg(ev, inputs, target, lang="zh")
    assert target.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["score.gpkg"]


# --------------------------------------------------------------------------- PyQGIS

QGIS_CHECK = r"""
import json, os, sys
from qgis.core import QgsApplication, QgsRenderContext, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
path, names, units = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
out = {}
for name in names:
    layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
    info = {"valid": layer.isValid(), "count": layer.featureCount(), "labels": layer.labelsEnabled(),
            "renderer": layer.renderer().type() if layer.renderer() else None,
            "alias_area_mu": layer.attributeAlias(layer.fields().indexOf("area_mu")),
            "widgets": sorted(f.name() for i, f in enumerate(layer.fields()) if layer.editorWidgetSetup(i).type() == "ValueMap")}
    if name in units:
        renderer, context = layer.renderer(), QgsRenderContext()
        renderer.startRender(context, layer.fields())
        labels = {item.ruleKey(): item.label() for item in renderer.legendSymbolItems()}
        info["classes"] = {f["unit_id"]: [labels[k] for k in renderer.legendKeysForFeature(f, context)]
                           for f in layer.getFeatures()}
        renderer.stopRender(context)
    out[name] = info
print(json.dumps(out, ensure_ascii=False), flush=True)
os._exit(0)  # QGIS 3.22 may crash in its own teardown (exitQgis); the answer is out
"""


def pyqgis() -> str:
    """The system Python when it has PyQGIS; skip otherwise (LANDPARK_REQUIRE_ALL=1 turns the skip into a failure)."""
    if not Path(SYSTEM_PYTHON).exists() or subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True,
                                                         timeout=60).returncode != 0:
        pytest.skip("PyQGIS is not installed (Debian: apt-get install --no-install-recommends python3-qgis)")
    return SYSTEM_PYTHON


def test_qgis_loads_every_layer_with_its_default_style(files, evaluated):
    python = pyqgis()
    ev, _inputs = evaluated
    names = [*ZH, "数据问题"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([python, "-c", QGIS_CHECK, str(files["zh"]), json.dumps(names), json.dumps(UNIT_LAYERS["zh"])],
                          capture_output=True, text=True, timeout=120, env=env, check=True)
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert {n: (g["valid"], g["count"]) for n, g in got.items()} == {**{n: (True, c) for n, c in ZH.items()},
                                                                    "数据问题": (True, len(ev.warnings))}
    for name in ZH:
        assert got[name]["renderer"] == "categorizedSymbol", name  # the stored style, not QGIS's single symbol
        assert got[name]["labels"] == (name in UNIT_LAYERS["zh"]), name
    assert got["数据问题"]["renderer"] is None and "severity" in got["数据问题"]["widgets"]
    assert got["宗地供地状态"]["alias_area_mu"] == "宗地面积（亩）" and "supply_status" in got["宗地供地状态"]["widgets"]
    assert got["产业园区评价"]["alias_area_mu"] == "单元面积（亩）"
    assert "scored" in got["企业亩均评价"]["widgets"]  # 是/否 instead of true/false
    grades = dict(zip(ev.units["unit_id"], ev.units["grade"], strict=True))
    assert pd.isna(grades["C1"])  # the community has no parcel: not scored
    classes = {uid: labels for name in UNIT_LAYERS["zh"] for uid, labels in got[name]["classes"].items()}
    assert classes["C1"] == ["未评价"]  # a NULL grade falls in the catch-all class
    assert classes["K2"] == [f"{grades['K2']} 级"]
