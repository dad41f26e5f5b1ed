"""The HTML export (issue 14, item 6), parsed as text and driven in headless Chromium offline: one title,
summary → map → table, firm dots in their class colours, a legend of what is drawn, a sortable table
linked to the map, and a print layout that fits A4. Expected values come from the JSON export, the
fixture's geometry and the colours written out here by hand."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from analysis.inputs import load_inputs
from analysis.score import evaluate
from layers.project import Project
from reports.bundle import export_all
from reports.html import export_html

X0, Y0 = 560_000.0, 3_300_000.0  # EPSG:4549, ~29.8°N 120.6°E
# The class colours the legend shows (maps.webmap.CLASS_COLOURS), written out: A green … D red, unclassified grey.
CLASS_HEX = {"A": "#1a9850", "B": "#91cf60", "C": "#fdae61", "D": "#d73027", None: "#777777"}
SELECTED_HEX = "#00c8ff"
A4_TEXT_PX = (210 - 2 * 12) / 25.4 * 96  # A4's short side less the 12 mm margins, in CSS px (703)


def box(x, y, w, h):
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def build(root: Path) -> Project:
    """Line L1 (south part of K1), parks K1 and K2, micro park M1 inside K2; six firms on their parcels,
    己 by its own point, 辛 (no figures: unclassified) by its own point; parcel P9 lies outside every unit."""
    n = 9
    parcels = gpd.GeoDataFrame({
        "parcel_id": [f"P{i}" for i in range(1, n + 1)],
        "land_use": ["0601"] * n,
        "land_use_category": ["industrial"] * n,
        "supply_status": ["built", "supplied", "unsupplied", "idle", "built", "built", "built", "unsupplied", "built"],
        "floor_area_m2": [60000.0, None, None, None, 10000.0, 8000.0, 30000.0, None, 5000.0],
        "footprint_m2": [20000.0, None, None, None, 5000.0, 4000.0, 9000.0, None, 2000.0],
        "owner_uscc": ["X", "Y", None, None, "Z", "W", "U", None, "T"],
        "approval_id": [None] * n,
    }, geometry=[box(100, 100, 200, 200), box(600, 100, 200, 200), box(400, 400, 100, 100), box(600, 500, 100, 100),
                 box(1300, 100, 200, 200), box(300, 700, 100, 100), box(1300, 500, 150, 150), box(1600, 500, 100, 100),
                 box(3000, 3000, 100, 100)], crs="EPSG:4549")
    lines = gpd.GeoDataFrame({"line_id": ["L1"], "name": ["东区保护线"], "level": ["red"]},
                             geometry=[box(0, 0, 1000, 650)], crs="EPSG:4549")
    parks = gpd.GeoDataFrame({"park_id": ["K1", "K2"], "name": ["甲园区", "乙园区"], "kind": ["comprehensive", "specialty"],
                              "level": ["省级", "市级"], "leading_industries": ["智能装备", "新材料"]},
                             geometry=[box(0, 0, 1000, 1000), box(1200, 0, 600, 800)], crs="EPSG:4549")
    micro = gpd.GeoDataFrame({"park_id": ["M1"], "name": ["丙小微园"], "leading_industries": ["模具"]},
                             geometry=[box(1250, 450, 300, 300)], crs="EPSG:4549")
    firms = gpd.GeoDataFrame({
        "uscc": ["X", "Y", "Z", "W", "U", "V", "T", "S"],
        "name": ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司", "己公司", "庚公司", "辛公司"],
        "above_scale": [False] * 8, "tax_10k_yuan": [100.0, 50.0, 10.0, 1.0, 40.0, 30.0, 5.0, None],
        "value_added_10k_yuan": [300.0, 100.0, 50.0, 5.0, 90.0, 60.0, 20.0, None], "electricity_kwh": [1e6] * 7 + [None],
        "land_area_mu": [None, None, None, None, None, 3.0, None, None],
    }, geometry=[None] * 5 + [shapely.Point(X0 + 500, Y0 + 900), None, shapely.Point(X0 + 200, Y0 + 500)],
        crs="EPSG:4549")
    # one approval batch over K2 (600 m × 800 m = 480,000 m²) of which P5 and P7 (62,500 m²) are supplied: 13.0 %
    approvals = gpd.GeoDataFrame({"approval_id": ["PC2022-1"], "approved_date": ["2022-05-01"]},
                                 geometry=[box(1200, 0, 600, 800)], crs="EPSG:4549")
    project = Project.create(root, region="测试区", year=2025, crs="EPSG:4549")
    project.write_layers({"parcels": parcels, "protection_lines": lines, "parks": parks, "micro_parks": micro,
                          "enterprises": firms, "land_approvals": approvals})
    return project


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """The fixture evaluated and exported (JSON and HTML, Chinese), plus the unit geometries in EPSG:4549."""
    root = tmp_path_factory.mktemp("html")
    project = build(root / "p")
    inputs = load_inputs(project)
    ev = evaluate(inputs)
    paths = export_all(ev, inputs, root / "out", ["json", "html"])
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    geoms = {str(i): g for i, g in zip(inputs.units["unit_id"], inputs.units.geometry)}
    return {"ev": ev, "inputs": inputs, "html": paths["html"], "doc": doc, "geoms": geoms, "root": root}


class _Tags(HTMLParser):
    """Start tags in document order (tag, attributes) and the text of <title>."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(path: Path) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.tags


def _lonlat(x: float, y: float) -> tuple[float, float]:
    p = gpd.GeoSeries([shapely.Point(x, y)], crs="EPSG:4549").to_crs(4326).iloc[0]
    return p.x, p.y


# --------------------------------------------------------------------------- the file as text


def test_one_title_and_summary_then_map_then_table(case):
    tags = _tags(case["html"])
    names = [t for t, _ in tags]
    assert names.count("title") == 1 and names.count("h1") == 1
    ids = [a.get("id") for _, a in tags]
    assert ids.index("lp-summary") < names.index("h1") < ids.index("lp-map") < ids.index("lp-units")
    assert [a["src"] for t, a in tags if t == "script" and a.get("src")] == []  # Leaflet inlined, nothing fetched
    rows = [a["data-unit-id"] for t, a in tags if t == "tr" and "data-unit-id" in a]
    assert sorted(rows) == ["K1", "K2", "L1", "M1"]
    text = case["html"].read_text(encoding="utf-8")
    summary = text[text.index('id="lp-summary"'):text.index('id="lp-map"')]
    # the 5-year supply ratio leads the district figures, flagged below its 60 % floor (62,500 / 480,000 = 13.0 %)
    first = re.search(r'<table class="lp-figures"><tr class="lp-first">'
                      r'<th>([^<]*)</th><td>([^<]*) <span class="([^"]*)">([^<]*)<', summary)
    assert first and first.groups() == ("近5年平均供地率", "13.0%", "lp-breach", "低于下限 60.0%")
    grades = [u["grade"] for u in case["doc"]["units"]]
    for g in "ABCD":
        assert re.search(rf">{g}</span> <b>{grades.count(g)}</b>", summary)


def test_legend_lists_only_the_layers_in_the_file(case):
    tags = _tags(case["html"])
    legend = {a["data-layer"] for _, a in tags if "data-layer" in a}
    # the fixture has parcels, a protection line, parks, a micro park and firms, and no future community
    assert legend == {"parcels", "protection_lines", "parks", "micro_parks", "enterprises"}
    text = case["html"].read_text(encoding="utf-8")
    legend_html = text[text.index('id="landpark-legend"'):text.index('id="landpark-table"')]
    assert "未来工业社区" not in legend_html


def test_selected_units_only_carry_their_parcels_and_member_firms(case, tmp_path):
    ev, inputs = case["ev"], case["inputs"]
    page = export_html(ev, inputs, tmp_path / "k2.html", unit_ids=["K2"])
    text = page.read_text(encoding="utf-8")
    rows = [a["data-unit-id"] for t, a in _tags(page) if t == "tr" and "data-unit-id" in a]
    assert rows == ["K2"]
    # K2 (x 1200–1800, y 0–800) holds parcels P5, P7, P8 and firms 丙 (P5) and 戊 (P7); nothing else may leave
    for absent in ("甲公司", "乙公司", "丁公司", "己公司", "庚公司", "辛公司", '"P1"', '"P9"', "甲园区", "东区保护线"):
        assert absent not in text, absent
    for present in ("丙公司", "戊公司", '"P5"', '"P7"', '"P8"'):
        assert present in text, present


def test_english_edition_has_no_chinese_labels(case, tmp_path):
    page = export_html(case["ev"], case["inputs"], tmp_path / "en.html", lang="en")
    text = page.read_text(encoding="utf-8")
    chrome = re.sub(r'<script type="application/json".*?</script>', "", text, flags=re.S)
    chrome = re.sub(r"<td>[^<]*</td>", "", chrome)  # unit names are data
    for name in ("甲园区", "乙园区", "丙小微园", "东区保护线", "测试区"):
        chrome = chrome.replace(name, "")
    assert not re.search(r"[\u4e00-\u9fff]", chrome)
    assert "5-year supply ratio" in text and "<title>" in text


@pytest.mark.slow
def test_demo_page_is_a_fraction_of_its_former_size(demo_inputs, demo_evaluation, tmp_path):
    """The demo's page was 8.1 MB (GeoJSON parcels, units twice, popups); compact layers bring it under 2.5 MB."""
    page = export_html(demo_evaluation, demo_inputs, tmp_path / "demo.html")
    size = page.stat().st_size
    assert size < 2_500_000, size
    tags = _tags(page)
    assert [t for t, _ in tags].count("title") == 1
    assert len([a for t, a in tags if t == "tr" and "data-unit-id" in a]) == len(demo_evaluation.units)


# --------------------------------------------------------------------------- in Chromium, offline


def _open(page, path: Path) -> list[str]:
    """Open the page with every non-file request blocked and recorded; wait until Leaflet has drawn."""
    attempted: list[str] = []

    def guard(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(path.as_uri())
    page.wait_for_function("() => window.landparkMap && window.landparkMap._loaded")
    assert errors == []
    return attempted


def _bounds(page) -> tuple[float, float, float, float]:
    return tuple(page.evaluate("() => { const b = window.landparkMap.getBounds(); "
                               "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"))


@pytest.mark.browser
def test_offline_firm_colours_and_legend_match_what_is_drawn(case, browser_page):
    page = browser_page
    attempted = _open(page, case["html"])
    drawn = page.evaluate("() => Object.keys(window.landparkLayers)")
    legend = page.evaluate("() => [...new Set([...document.querySelectorAll('#landpark-legend [data-layer]')]"
                           ".map((e) => e.dataset.layer))]")
    assert sorted(legend) == sorted(drawn) == sorted(["parcels", "protection_lines", "parks", "micro_parks", "enterprises"])
    assert page.locator(".leaflet-control-layers-overlays label").count() == len(drawn)
    dots = page.evaluate("() => { const out = {}; window.landparkLayers.enterprises.eachLayer("
                         "(l) => { out[l.feature.properties.name] = l.options.fillColor; }); return out; }")
    classes = {f["name"]: f.get("class") for f in case["doc"]["enterprises"]}
    known = {name: c for name, c in classes.items() if c in CLASS_HEX and name in dots}
    assert len(set(known.values())) >= 2 and any(classes[n] is None for n in dots)  # several classes and an unclassified firm
    for name, cls in classes.items():
        if name in dots:
            assert dots[name] == CLASS_HEX[cls if cls in CLASS_HEX else None], (name, cls)
    # the legend's firm rows name exactly the classes drawn
    rows = page.locator('#landpark-legend [data-layer="enterprises"] .lp-lg-row').all_inner_texts()
    expected = [f"{c} 类" for c in "ABCD" if c in {classes[n] for n in dots}]
    expected += ["未分类"] if any(classes[n] not in ("A", "B", "C", "D") for n in dots) else []
    assert [r.strip() for r in rows] == expected
    # the Chinese edition shows no Latin words (codes, booleans, keys) on the page
    visible = page.evaluate("() => document.body.innerText")
    assert not re.findall(r"[A-Za-z_]{2,}", visible), re.findall(r"[A-Za-z_]{2,}", visible)[:10]
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "放大"
    assert attempted == []


@pytest.mark.browser
def test_clicking_a_header_sorts_the_table(case, browser_page):
    page = browser_page
    _open(page, case["html"])
    values = {u["unit_id"]: u["tax_per_mu"] for u in case["doc"]["units"]}
    known = [v for v in values.values() if v is not None]
    assert len(set(known)) == len(known) >= 3  # distinct: one right order
    ascending = sorted((u for u in values if values[u] is not None), key=values.get) + \
        [u for u in values if values[u] is None]
    header = page.locator('#lp-units th[data-col="tax_per_mu"]')
    header.click()
    order = page.locator("#lp-units tbody tr").evaluate_all("(rows) => rows.map((r) => r.dataset.unitId)")
    assert order == ascending and header.get_attribute("aria-sort") == "ascending"
    header.click()
    order = page.locator("#lp-units tbody tr").evaluate_all("(rows) => rows.map((r) => r.dataset.unitId)")
    descending = sorted((u for u in values if values[u] is not None), key=values.get, reverse=True) + \
        [u for u in values if values[u] is None]
    assert order == descending  # missing values stay last


@pytest.mark.browser
def test_rows_and_units_are_linked(case, browser_page):
    page = browser_page
    _open(page, case["html"])
    before = _bounds(page)
    # a click on K1's north part (outside L1, away from every firm) marks K1's row, and only it
    lon, lat = _lonlat(X0 + 900, Y0 + 950)
    pt = page.evaluate("([lat, lon]) => { const p = window.landparkMap.latLngToContainerPoint([lat, lon]);"
                       " const r = window.landparkMap.getContainer().getBoundingClientRect(); return [r.x + p.x, r.y + p.y]; }",
                       [lat, lon])
    page.mouse.click(pt[0], pt[1])
    marked = page.locator("#lp-units tr.lp-selected").evaluate_all("(rows) => rows.map((r) => r.dataset.unitId)")
    assert marked == ["K1"]
    # a click on M1's row zooms to M1 (300 m square) and outlines it
    page.locator('#lp-units tr[data-unit-id="M1"]').click()
    west, south, east, north = _bounds(page)
    c = case["geoms"]["M1"].centroid
    clon, clat = _lonlat(c.x, c.y)
    assert west < clon < east and south < clat < north
    m1_west, _ = _lonlat(X0 + 1250, Y0 + 600)
    m1_east, _ = _lonlat(X0 + 1550, Y0 + 600)
    assert east - west < 4 * (m1_east - m1_west) and east - west < 0.7 * (before[2] - before[0])
    colour = page.evaluate("() => { let c = null; window.landparkLayers.micro_parks.eachLayer("
                           "(l) => { c = l.options.color; }); return c; }")
    assert colour == SELECTED_HEX
    marked = page.locator("#lp-units tr.lp-selected").evaluate_all("(rows) => rows.map((r) => r.dataset.unitId)")
    assert marked == ["M1"]


@pytest.mark.browser
def test_print_fits_a4_with_the_whole_map(case, browser_page):
    page = browser_page
    _open(page, case["html"])
    page.emulate_media(media="print")
    frame = page.evaluate("() => { const r = document.getElementById('lp-map-frame').getBoundingClientRect();"
                          " return [r.left, r.top, r.width, r.height]; }")
    inner = page.evaluate("() => { const r = document.getElementById('lp-map').getBoundingClientRect();"
                          " return [r.left, r.top, r.width, r.height]; }")
    assert 0 < frame[2] <= A4_TEXT_PX and 0 < frame[3] <= A4_TEXT_PX  # fits portrait width and landscape height
    assert inner[2] <= frame[2] + 1 and inner[3] <= frame[3] + 1  # the scaled map lies wholly in its frame: no clipping
    assert page.evaluate("() => getComputedStyle(document.querySelector('.leaflet-control-zoom')).display") == "none"
    assert page.evaluate("() => getComputedStyle(document.querySelector('#lp-units thead')).display") == "table-header-group"
    page.set_viewport_size({"width": int(A4_TEXT_PX), "height": 1000})  # lay the page out at A4 portrait's text width
    assert page.evaluate("() => document.getElementById('lp-units').getBoundingClientRect().width") <= A4_TEXT_PX
    for landscape in (False, True):
        pdf = page.pdf(format="A4", landscape=landscape)
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


@pytest.mark.slow
@pytest.mark.browser
def test_printed_demo_table_repeats_its_header_on_every_page(demo_inputs, demo_evaluation, browser_page, tmp_path):
    """The demo's 48-row table spans pages when printed to A4: every page with unit rows starts with the header
    row (the English edition: Chromium here may have no CJK font, so Chinese would print as boxes)."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian: poppler-utils)")
    page_file = export_html(demo_evaluation, demo_inputs, tmp_path / "demo-en.html", lang="en")
    page = browser_page
    assert _open(page, page_file) == []
    page.emulate_media(media="print")
    pdf = tmp_path / "demo.pdf"
    pdf.write_bytes(page.pdf(format="A4"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    ids = set(demo_evaluation.units["unit_id"].astype(str))
    with_rows = [p for p in text.split("\f") if any(re.search(rf"\s{re.escape(u)}\s", p) for u in ids)]
    assert len(with_rows) >= 2  # the table does span pages
    # the header row on every such page: its first column ("Unit kind") and its last ("Why not scored", wrapped), so
    # no column is cut off at the page's right edge either
    for p in with_rows:
        assert "Unit kind" in p and re.search(r"\bWhy\b", p) and re.search(r"\bGrade\b", p), p[:300]
    found = {u for p in with_rows for u in ids if re.search(rf"\s{re.escape(u)}\s", p)}
    assert found == ids  # no row lost at a page break
