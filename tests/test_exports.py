"""Scorecard exports, checked by real clients: pdftotext/pdffonts, LibreOffice, ogrinfo, an HTML
parser and headless Chromium. Expected values are hand-computed from the fixture's geometry."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from analysis.inputs import load_inputs
from analysis.score import evaluate
from layers.problems import InputError, Problem
from layers.project import Project
from reports import FORMATS, MissingFontError, find_cjk_font, indicator_comparison, select_units, unit_issues
from reports.bundle import export_all, parse_formats
from reports.gpkg import read_aliases
from reports.html import find_leaflet, score_colour
from reports.staticmap import nice_length, polygon_path

X0, Y0 = 560_000.0, 3_300_000.0  # EPSG:4549, ~29.8°N 120.6°E
NAMES = {"L1": "东区工业保护线", "K1": "甲园区", "K2": "乙园区", "M1": "丙小微园"}


def box(x, y, w, h):
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed (Debian: poppler-utils, libreoffice-calc-nogui, gdal-bin, chromium)")
    return path


def run(*args: str, timeout: float = 120) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=True)
    return done.stdout


def build_small(root: Path) -> Project:
    """A red line L1 = park K1 (1 km square), park K2 east of it, micro park M1 inside K2."""
    parcels = gpd.GeoDataFrame({
        "parcel_id": [f"P{i}" for i in range(1, 9)],
        "land_use": ["0601", "0601", "0601", "0701", "0601", "0601", "0601", "0601"],
        "land_use_category": ["industrial", "industrial", "industrial", "residential", "industrial", "industrial",
                              "industrial", "industrial"],
        "supply_status": ["built", "supplied", "unsupplied", "idle", "built", "built", "built", "unsupplied"],
        "floor_area_m2": [60000.0, None, None, None, 10000.0, 8000.0, 30000.0, None],
        "footprint_m2": [20000.0, None, None, None, 5000.0, 4000.0, 9000.0, None],
        "owner_uscc": ["X", "Y", None, None, "Z", "W", "U", None],
        "agreed_start_date": [None, "2023-06-30", None, None, None, None, None, None],
        "approval_id": [None] * 8,
    }, geometry=[box(100, 100, 200, 200), box(600, 100, 200, 200), box(400, 400, 100, 100), box(600, 600, 100, 100),
                 box(1300, 100, 200, 200), box(300, 700, 100, 100), box(1300, 500, 150, 150), box(1600, 500, 100, 100)],
        crs="EPSG:4549")
    lines = gpd.GeoDataFrame({"line_id": ["L1"], "name": [NAMES["L1"]], "level": ["red"]},
                             geometry=[box(0, 0, 1000, 1000)], crs="EPSG:4549")
    parks = gpd.GeoDataFrame({"park_id": ["K1", "K2"], "name": [NAMES["K1"], NAMES["K2"]],
                              "kind": ["comprehensive", "specialty"], "level": ["省级", "市级"],
                              "leading_industries": ["智能装备", "新材料"]},
                             geometry=[box(0, 0, 1000, 1000), box(1200, 0, 600, 800)], crs="EPSG:4549")
    micro = gpd.GeoDataFrame({"park_id": ["M1"], "name": [NAMES["M1"]], "leading_industries": ["模具"]},
                             geometry=[box(1250, 450, 300, 300)], crs="EPSG:4549")
    firms = gpd.GeoDataFrame({
        "uscc": ["X", "Y", "Z", "W", "U", "V"], "name": ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司", "己公司"],
        "above_scale": [False] * 6, "tax_10k_yuan": [100.0, 50.0, 10.0, 1.0, 40.0, 30.0],
        "value_added_10k_yuan": [300.0, 100.0, 50.0, 5.0, 90.0, 60.0], "electricity_kwh": [1e6] * 6,
        "land_area_mu": [None, None, None, None, None, 3.0],
    }, geometry=[None, None, None, None, None, shapely.Point(X0 + 500, Y0 + 900)], crs="EPSG:4549")
    project = Project.create(root, region="测试区", year=2025, crs="EPSG:4549")
    issues = [Problem("warning", "non_numeric", "tax 'n/a' is not a number", layer="enterprises", feature="X",
                      field="tax_10k_yuan"),
              Problem("warning", "small_area", "parcel P1 has a sliver", layer="parcels", feature="P1")]
    project.write_layers({"parcels": parcels, "protection_lines": lines, "parks": parks, "micro_parks": micro,
                          "enterprises": firms}, issues=issues)
    return project


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    project = build_small(tmp_path_factory.mktemp("exports") / "p")
    inputs = load_inputs(project)
    return evaluate(inputs), inputs


@pytest.fixture(scope="module")
def exported(small, tmp_path_factory):
    ev, inputs = small
    out = tmp_path_factory.mktemp("out") / "scorecards"
    messages: list[str] = []
    paths = export_all(ev, inputs, out, list(FORMATS), progress=messages.append)
    return paths, messages


# --------------------------------------------------------------------------- bundle


def test_every_format_is_written_once_with_progress(exported):
    paths, messages = exported
    assert set(paths) == set(FORMATS)
    assert sorted(p.name for p in paths["pdf"].parent.iterdir()) == sorted(f"score.{f}" for f in FORMATS)
    assert all(p.stat().st_size > 0 for p in paths.values())
    assert any(m.startswith("pdf:") for m in messages)


def test_failed_export_leaves_outdir_as_it_was(small, tmp_path, monkeypatch):
    ev, inputs = small
    out = tmp_path / "out"
    out.mkdir()
    (out / "score.json").write_text("old", encoding="utf-8")
    (out / "notes.txt").write_text("keep", encoding="utf-8")

    def broken(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("reports.html.export_html", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        export_all(ev, inputs, out, ["json", "html"])
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "score.json"]
    assert (out / "score.json").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_bad_formats_units_and_language_are_input_errors(small, tmp_path):
    ev, inputs = small
    with pytest.raises(InputError, match="odt"):
        export_all(ev, inputs, tmp_path / "a", ["json", "odt"])
    with pytest.raises(InputError, match="NOPE"):
        export_all(ev, inputs, tmp_path / "b", ["json"], unit_ids=["K1", "NOPE"])
    with pytest.raises(InputError, match="fr"):
        export_all(ev, inputs, tmp_path / "c", ["json"], lang="fr")
    assert not any(tmp_path.iterdir())
    assert parse_formats("PDF, json,pdf") == ["json", "pdf"]


def test_unit_selection_restricts_every_table(small, tmp_path):
    ev, inputs = small
    paths = export_all(ev, inputs, tmp_path / "k2", ["json", "xlsx", "html"], unit_ids=["K2"], lang="en")
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [u["unit_id"] for u in doc["units"]] == ["K2"]
    ws = openpyxl.load_workbook(paths["xlsx"])["Summary"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["K2"]
    assert _unit_rows(paths["html"]) == ["K2"]


# --------------------------------------------------------------------------- shared pieces


def test_missing_font_error_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.delenv("LANDPARK_CJK_FONT", raising=False)
    with pytest.raises(MissingFontError, match="noto-cjk-sans-otc"):
        find_cjk_font(dirs=(tmp_path,), packaged=False)


def test_indicator_comparison_medians_and_ranks_by_direction():
    units = pd.DataFrame({"unit_kind": ["parks", "parks", "parks", "micro_parks"],
                          "tax_per_mu": [10.0, 30.0, 20.0, 5.0], "idle_ratio": [0.2, 0.1, np.nan, 0.0]})
    c = indicator_comparison(units, ("tax_per_mu", "idle_ratio"), {"idle_ratio": "cost"})
    assert c["tax_per_mu"]["median"].tolist() == [20.0, 20.0, 20.0, 5.0]
    assert c["tax_per_mu"]["rank"].tolist() == [3, 1, 2, 1]  # higher tax ranks first
    assert c["idle_ratio"]["rank"].tolist()[:2] == [2, 1]  # lower idle ratio ranks first
    assert c["idle_ratio"]["n"].tolist() == [2, 2, 2, 1]


def test_issues_touch_units_through_parcels_members_and_ids(small):
    ev, inputs = small
    per_unit = unit_issues(ev.warnings, inputs.units, inputs.parcels, ev.members)
    codes = {uid: {w["code"] for w in ws} for uid, ws in zip(inputs.units["unit_id"], per_unit)}
    # P1 (small_area) and firm X (non_numeric, owner of P1) lie in L1 = K1; K2 and M1 are clean.
    assert codes["L1"] >= {"small_area", "non_numeric"} and codes["K1"] >= {"small_area", "non_numeric"}
    assert not codes["K2"] & {"small_area", "non_numeric"} and not codes["M1"] & {"small_area", "non_numeric"}
    with pytest.raises(InputError, match="ZZ"):
        select_units(ev.units, ["ZZ"])


def test_scale_bar_lengths_and_polygon_holes():
    assert [nice_length(w) for w in (1000.0, 4000.0, 9000.0, 450.0)] == [200.0, 1000.0, 2000.0, 100.0]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch

    # The hole is given with the same orientation as the shell (as shapefiles sometimes do): still a hole.
    ring = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], holes=[[(4, 4), (6, 4), (6, 6), (4, 6)]])
    fig = Figure(figsize=(2.4, 1), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 24), ax.set_ylim(0, 10), ax.axis("off")
    ax.add_artist(PathPatch(polygon_path(np.array([ring, shapely.box(20, 0, 22, 2)])), facecolor="black", edgecolor="none"))
    canvas.draw()
    img = np.asarray(canvas.buffer_rgba())[:, :, 0]

    def pixel(x, y):  # data coordinates → pixel value (0 = drawn, 255 = background)
        return img[int(round((10 - y) * 10)), int(round(x * 10))]

    assert pixel(2, 2) == 0 and pixel(21, 1) == 0
    assert pixel(5, 5) == 255  # inside the hole
    assert pixel(15, 5) == 255


def test_score_colour_ramp_ends():
    assert (score_colour(0), score_colour(50), score_colour(100)) == ("#d73027", "#fee08b", "#1a9850")
    assert score_colour(None) == "#bdbdbd" and score_colour(150) == "#1a9850"


# --------------------------------------------------------------------------- PDF


def test_pdf_has_extractable_chinese_and_an_embedded_cjk_font(exported):
    need("pdftotext"), need("pdffonts"), need("pdfinfo")
    pdf = exported[0]["pdf"]
    # cover, contents, summary, overview (no approvals: no supply chart), method and ranking, 4 unit pages
    assert re.search(r"Pages:\s+9\b", run("pdfinfo", str(pdf)))
    fonts = run("pdffonts", str(pdf)).splitlines()[2:]
    cjk = [line for line in fonts if re.search(r"CJK|WenQuanYi|MicroHei", line)]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk)  # the "emb" column
    pages = [p for p in run("pdftotext", "-layout", str(pdf), "-").split("\f") if p.strip()]
    ranking = next(p for p in pages if re.search(r"四、单元排名\s*\n", p))
    assert "2025" in pages[0] and all(name in ranking for name in NAMES.values())
    by_unit = {uid: next(p for p in pages[1:] if NAMES[uid] == p.splitlines()[0].strip()) for uid in NAMES}
    # K2 has the lower tax per mu of the two parks: 50 万元 on P5 (40000 m²) vs 181 万元 on ≈138 亩.
    tax_row = next(line for line in by_unit["K2"].splitlines() if line.strip().startswith("亩均税收"))
    assert tax_row.split()[-1] == "2/2"
    # Supply ratio of K2 = (P5 + P7) / (P5 + P7 + P8) = 62500 / 72500 m² = 86.2 %.
    assert "86.2%" in by_unit["K2"]
    # the sliver on P1 (in K1 only) is summed up as one parcel issue, without its English code
    assert "1 条宗地记录" in by_unit["K1"] and "宗地记录" not in by_unit["K2"] and "small_area" not in "".join(pages)
    assert "黄岩区" in next(p for p in pages if "三、评价方法" in p and "..." not in p)  # the method source


# --------------------------------------------------------------------------- Excel


def test_workbook_sheets_numbers_and_formats(exported, small):
    ev, _ = small
    wb = openpyxl.load_workbook(exported[0]["xlsx"])
    assert wb.sheetnames == ["汇总", "工业用地保护线", "产业园区", "小微产业创新园", "企业评价", "数据问题", "方法"]
    ws = wb["汇总"]
    head = [c.value for c in ws[1]]
    assert ws.freeze_panes == "D2" and ws.auto_filter.ref.startswith("A1:")
    row = {h: c for h, c in zip(head, next(r for r in ws.iter_rows(min_row=2) if r[0].value == "K2"))}
    assert row["供地率"].data_type == "n" and row["供地率"].number_format == "0.0%"
    assert row["供地率"].value == pytest.approx(62500 / 72500, abs=2e-4)
    assert row["单元面积（亩）"].value == pytest.approx(600 * 800 / (10000 / 15), rel=1e-3)
    assert row["等级"].value == ev.units.set_index("unit_id").loc["K2", "grade"]
    rules = [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules]
    grade_col = openpyxl.utils.get_column_letter(head.index("等级") + 1)
    assert sorted(rules) == sorted(f'${grade_col}2="{g}"' for g in "ABCD")
    firms = {r[0]: r for r in wb["企业评价"].iter_rows(min_row=2, values_only=True)}
    assert set(firms) == {"X", "Y", "Z", "W", "U", "V"} and firms["X"][3] == "K1、L1"
    method = list(wb["方法"].iter_rows(min_row=2, values_only=True))
    tax_weight = next(r for r in method if r[1].startswith("亩均税收") and "权重" in r[1] and r[0] == "综合得分")
    assert tax_weight[3] == 0.3 and "[composite]" in tax_weight[4]
    assert sum("landpark.toml [enterprise.below_scale]" in (r[4] or "") for r in method) >= 2


def test_libreoffice_opens_the_workbook(exported, tmp_path):
    soffice = need("soffice")
    env = dict(os.environ, HOME=str(tmp_path))  # a private LibreOffice profile
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(exported[0]["xlsx"])],
                   capture_output=True, timeout=180, check=True, env=env)
    converted = tmp_path / "score.pdf"
    assert converted.stat().st_size > 0
    if shutil.which("pdftotext"):
        assert NAMES["L1"] in run("pdftotext", str(converted), "-")


# --------------------------------------------------------------------------- GeoPackage


def test_geopackage_layers_aliases_and_default_style(exported):
    need("ogrinfo")
    gpkg = exported[0]["gpkg"]
    listing = run("ogrinfo", "-ro", "-so", "-q", str(gpkg))
    expected = {"工业用地保护线评价": 1, "产业园区评价": 2, "小微产业园评价": 1, "企业亩均评价": 6, "宗地供地状态": 8,
                "数据问题": 2}
    for layer in [*expected, "layer_styles"]:
        assert layer in listing
    counts = {layer: int(re.search(r"Feature Count: (\d+)", run("ogrinfo", "-ro", "-so", str(gpkg), layer)).group(1))
              for layer in expected}
    assert counts == expected
    assert read_aliases(gpkg, "产业园区评价")["tax_per_mu"] == "亩均税收（万元/亩）"
    with sqlite3.connect(gpkg) as con:
        style = con.execute("SELECT f_geometry_column, styleQML, useAsDefault FROM layer_styles "
                            "WHERE f_table_name='产业园区评价'").fetchone()
        geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name='产业园区评价'").fetchone()[0]
        fields = [r[1] for r in con.execute("PRAGMA table_info(产业园区评价)")]
    assert style[0] == geom and style[2] == 1 and max(map(len, fields)) <= 63
    renderer = ET.fromstring(style[1].split("\n", 1)[1]).find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "grade"
    assert [c.get("value") for c in renderer.find("categories")][:4] == ["A", "B", "C", "D"]


# --------------------------------------------------------------------------- HTML


class _Rows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-unit-id" in a:
            self.rows.append(a["data-unit-id"])
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])


def _unit_rows(path: Path) -> list[str]:
    parser = _Rows()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.rows


def test_html_has_every_unit_and_runs_offline(exported):
    page = exported[0]["html"]
    parser = _Rows()
    text = page.read_text(encoding="utf-8")
    parser.feed(text)
    parser.close()
    assert sorted(parser.rows) == sorted(NAMES)
    assert all(name in text for name in NAMES.values())
    assert find_leaflet() is not None  # shipped in maps/vendor: never missing
    assert parser.scripts == []  # Leaflet inlined: nothing to fetch


def test_html_keeps_cdn_links_and_a_note_without_local_leaflet(small, tmp_path, monkeypatch):
    from reports.html import export_html

    ev, inputs = small
    monkeypatch.setattr("maps.assets.LEAFLET_DIR", tmp_path / "no-leaflet")
    monkeypatch.delenv("LANDPARK_LEAFLET_DIR", raising=False)
    page = export_html(ev, inputs, tmp_path / "cdn.html")
    parser = _Rows()
    parser.feed(page.read_text(encoding="utf-8"))
    assert any("leaflet" in s for s in parser.scripts)
    assert "landpark-offline-note" in page.read_text(encoding="utf-8") and sorted(parser.rows) == sorted(NAMES)


@pytest.mark.browser
def test_chromium_draws_the_map_offline(exported):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or need("chromium")
    dom = run(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--virtual-time-budget=5000", "--dump-dom", exported[0]["html"].as_uri(), timeout=120)
    assert "leaflet-control-layers" in dom  # Leaflet ran and built the layer control
    assert "landpark-score-legend" in dom and all(f'data-unit-id="{u}"' in dom for u in NAMES)


# --------------------------------------------------------------------------- demo district


@pytest.mark.slow
def test_demo_district_exports_every_unit(demo_inputs, demo_evaluation, tmp_path):
    """Every unit in every format (its speed goal, under a minute, is `demo_export_s` of
    `python -m benchmarks.demo_bench` / `landpark bench --json`)."""
    ev = demo_evaluation
    paths = export_all(ev, demo_inputs, tmp_path / "demo", list(FORMATS))
    ids = sorted(ev.units["unit_id"].astype(str))
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert sorted(u["unit_id"] for u in doc["units"]) == ids
    assert sorted(_unit_rows(paths["html"])) == ids
    summary = openpyxl.load_workbook(paths["xlsx"], read_only=True).worksheets[0]
    assert sorted(str(r[0]) for r in summary.iter_rows(min_row=2, values_only=True)) == ids
    units = pd.concat([gpd.read_file(paths["gpkg"], layer=name) for name in
                       ("工业用地保护线评价", "产业园区评价", "小微产业园评价", "未来工业社区评价")])
    assert sorted(units["unit_id"]) == ids
    if shutil.which("pdftotext"):
        text = run("pdftotext", str(paths["pdf"]), "-")
        assert all(name in text for name in ev.units["name"])
        assert "示范数据" in text  # the demo mark
