"""The Chinese app shows Chinese: no user-visible text of the six pages is Latin letters without a Chinese character.

Each page runs under AppTest on the demo project in zh, in the states a person reaches (a unit selected, its
explanation open, a firm explained, a siting run, an upload with its validation report). Every string a person
sees is collected from the element tree: titles, headers, markdown, captions, alerts, widget labels, help,
placeholders, options as displayed, metric labels and values, tab and expander labels, dataframe column headers
(as `column_config` labels them) and string cells. A string with Latin letters and no CJK character fails,
unless ALLOWED says why it may stay (codes, units, ids, file names) — the list is kept short on purpose.

Not covered here: text drawn inside the Leaflet map's own iframe (maps/, checked by the map tests), Streamlit's
fixed widget chrome (the file uploader's is checked in Chromium below; ui/text/chrome.py says what cannot change).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest

from tests.apphelp import open_page, page_app, wait_for_app

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")

# What may be Latin without Chinese, each with its reason. Matched against the whole string (after HTML tags are
# removed), so an allowed token inside an English sentence does not excuse the sentence.
ALLOWED: tuple[tuple[str, str], ...] = (
    (r"[0-9A-HJ-NPQRTUWXY]{18}", "统一社会信用代码 (GB 32100 credit code)"),
    (r"[A-Z]{1,4}(?:[-_][A-Z]{1,3})?[-_]?\d+(?:[-_][A-Z0-9]+)*",
     "feature ids as bureaus number them: YQ01, XW08, GY-R01, ZD-001, P000123"),
    (r"EPSG:\d{4,5}", "a CRS code"),
    (r"(?:GB/T|GB|TD/T) ?\d+(?:[.-]\d+)*", "standard numbers"),
    (r"(?:CGCS2000|GCJ-02|BD-09|WGS ?84)", "geodetic datum names"),
    (r"[A-D]", "firm class letters"),
    (r"S-[0-9a-f]{10}", "candidate site ids of the siting page (a hash of their parcels)"),
    (r"[-+]?[\d.,]+", "numbers"),
    (r"\[[a-z_.]+\]", "a landpark.toml section, as written in the file: [enterprise.classes]"),
    (r"\d{2}[A-Z]\d", "三调 working land-use codes: 05H1, 08H2"),
    (r"OpenStreetMap", "the map service's own name (no Chinese name is in use; 天地图 and CartoDB 浅色 are labelled)"),
    (r"[A-D] ?\d+", "a class badge (A 12)"),
    (r"[-+]?\d[\d.,]*\s*(?:m²|km²|m|km|kWh|MB|KB|%|pp|×)", "numbers with units"),
    (r"[\w.\-\[\]（）()]+\.(?:zip|gpkg|geojson|json|csv|xlsx|shp|dbf|prj|cpg|shx|parquet|gdb|pdf|html|toml)",
     "file names"),
    (r"(?:/|[A-Za-z]:\\)[^\s]*", "file and folder paths"),
    (r"https?://\S+", "URLs"),
    (r"[a-z]+-\d{4}", "method preset ids: huangyan-2022"),
    (r"Landpark", "the product name"),
    (r"GeoPackage|Shapefile|GeoJSON|GeoParquet|CSV|Excel|HTML|PDF|WKT|DEM|GDAL|UTF-8|GBK|GB18030|BIG5|ASCII|AHP|TOPSIS",
     "format, standard and method names used as such in Chinese GIS work"),
    (r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+", "machine codes, only in the columns that show the code next to its "
                                              "Chinese label (CODE_COLUMNS: 问题代码, 类型代码 …)"),
)
# Columns that show a machine code beside its Chinese label, by their zh header; only there may a bare code stand.
CODE_COLUMNS = {"问题代码", "类型代码", "字段"}  # col_code, data_col_kind, col_field (a source column name)
# Columns that show the uploaded source's own content (its column names and cell values) as it is: data, not text.
DATA_COLUMNS = {"源字段", "首个取值", "取值"}
_ALLOWED = [(re.compile(p), why) for p, why in ALLOWED]
_CODE_PATTERN = ALLOWED[-1][0]


def allowed(text: str, *, code_column: bool = False) -> bool:
    """Whether `text` (Latin letters, no CJK) is one of ALLOWED's forms (a bare code only in a code column)."""
    text = text.strip()
    for pattern, _why in _ALLOWED:
        if pattern.pattern == _CODE_PATTERN and not code_column:
            continue
        if pattern.fullmatch(text):
            return True
    parts = [p for p in re.split(r"[\s,;、·|/]+", text) if p]  # a list of allowed tokens ("EPSG:4549 · GB/T 21010")
    return len(parts) > 1 and all(allowed(p, code_column=code_column) for p in parts)


def _plain(text: str) -> str:
    """Markdown/HTML as read: <style>/<script> blocks and tags removed, entities and markup characters dropped."""
    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r":material/[a-z_]+:", " ", text)
    text = re.sub(r"&[a-z]+;", " ", text)
    return text


def _visible_fields(proto) -> list[tuple[str, str]]:
    """(field, text) of the proto fields a person reads."""
    out = []
    for name in ("body", "label", "help", "placeholder", "caption", "text", "title"):
        value = getattr(proto, name, None) if name in {f.name for f in proto.DESCRIPTOR.fields} else None
        if isinstance(value, str) and value.strip():
            out.append((name, value))
    for name in ("options", "display_options"):
        if name in {f.name for f in proto.DESCRIPTOR.fields}:
            out += [(name, str(o)) for o in getattr(proto, name)]
    return out


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _frame_strings(node) -> list[tuple[str, str, bool]]:
    """(where, text, in a code column) of a dataframe's headers (their column_config labels) and string cells."""
    import pandas as pd

    labels: dict[str, str] = {}
    shown_as: dict[str, dict[str, str]] = {}  # selectbox columns: value → the label the cell shows
    raw = getattr(node.proto, "columns", "") if hasattr(node.proto, "columns") else ""
    try:
        config = json.loads(raw) if raw else {}
    except (TypeError, ValueError):
        config = {}
    for key, spec in config.items():
        if isinstance(spec, dict) and spec.get("label"):
            labels[key.removeprefix("col:name:")] = spec["label"]
        options = (spec.get("type_config") or {}).get("options") if isinstance(spec, dict) else None
        if options:
            shown_as[key.removeprefix("col:name:")] = {str(o.get("value")): str(o.get("label")) for o in options
                                                       if isinstance(o, dict)}
    frame = node.value
    if not isinstance(frame, pd.DataFrame):
        return []
    hidden = {k.removeprefix("col:name:") for k, v in config.items() if isinstance(v, dict) and v.get("hidden")}
    order = list(getattr(node.proto, "column_order", []) or [])
    out = []
    if frame.index.dtype == object and not isinstance(frame.index, pd.RangeIndex) and frame.index.name not in DATA_COLUMNS:
        out += [("index", str(v), False) for v in frame.index[:300] if isinstance(v, str)]
    for col in frame.columns:
        if str(col) in hidden or (order and str(col) not in order):
            continue
        header = labels.get(str(col), str(col))
        out.append(("column", header, False))
        series = frame[col]
        if str(col) in shown_as:  # the dropdown's options as it lists them, the cells as they show
            out += [("option", label, False) for label in shown_as[str(col)].values()]
            series = series.map(lambda v, m=shown_as[str(col)]: m.get(str(v), v) if v is not None else v)
        if header in DATA_COLUMNS:
            continue
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            code_column = header in CODE_COLUMNS
            out += [("cell", v, code_column) for v in series.dropna().unique()[:300] if isinstance(v, str)]
    return out


def _component_strings(proto) -> list[tuple[str, str]]:
    """(where, text) of what a page component (st.components.v2) shows: a tick list's headings, labels and cells."""
    import json

    data = json.loads(proto.json) if proto.json else {}
    if proto.component_name != "landpark_tick_list":
        return []  # messengers (ticks, map overlays) draw nothing
    out = [("column", str(c)) for c in data.get("columns", [])]
    out += [("label", str(data[k])) for k in ("tick_label", "all_label") if k in data]
    out += [("cell", str(v)) for row in data.get("rows", [])[:300] for v in row]
    return out


def visible_strings(at) -> list[tuple[str, str, bool]]:
    """(element type · field, text, in a code column) of everything a person reads on the page."""
    out: list[tuple[str, str, bool]] = []
    for node in _walk(at._tree):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind in ("component_instance", "iframe", "html", "deck_gl_json_chart", "vega_lite_chart", "arrow_vega_lite_chart"):
            continue  # the Leaflet map and charts draw their own text in their frames
        if kind in ("dataframe", "arrow_data_frame", "table", "arrow_table", "data_editor"):
            out += [(f"{kind} {where}", text, code) for where, text, code in _frame_strings(node)]
        if kind == "bidi_component":  # the page's own components: what they draw comes in their data
            out += [(f"{proto.component_name} {where}", text, False) for where, text in _component_strings(proto)]
            continue
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            for field, text in _visible_fields(proto):
                if kind in ("markdown", "caption") or field == "body":
                    text = _plain(text)
                out.append((f"{kind}.{field}", text, False))
    return out


def english_only(at) -> list[str]:
    """The visible strings with Latin letters, no CJK character, and no ALLOWED form."""
    bad = []
    for where, text, code in visible_strings(at):
        lines = [line for line in re.split(r"[\n]+", text) if line.strip()]
        for line in lines:
            line = re.sub(r"^\s*(?:[-*>#]+\s+)+", "", line)  # markdown list, quote and heading markers
            line = re.sub(r"\*\*|`", " ", line).strip()
            if LATIN.search(line) and not CJK.search(line) and not allowed(line, code_column=code):
                bad.append(f"{where}: {line[:160]!r}")
    return sorted(set(bad))


def run_zh(module: str, demo_project, *, session: dict | None = None):
    at = page_app(module, session={"project_root": str(demo_project.root), "lang": "zh", **(session or {})},
                  timeout=300)
    return at


def assert_chinese(at, page: str) -> None:
    assert not at.exception, at.exception
    bad = english_only(at)
    assert not bad, f"{page}: English-only text in the zh app ({len(bad)}):\n" + "\n".join(bad)


# ---------------------------------------------------------------------------------------------- the six pages


def test_map_page_in_chinese(demo_project):
    at = run_zh("map_page", demo_project).run()
    assert_chinese(at, "map (nothing selected)")
    at.session_state["map_unit"] = "parks|YQ01"
    at.session_state["map_explain"] = True  # the explanation: indicator formulas, score breakdown, inputs, members
    at.run()
    assert_chinese(at, "map (YQ01 and its explanation)")
    assert any("单元内的面积之和" in m.value for m in at.markdown), "the formulas are Chinese"
    at.session_state["map_colour"] = "supply_ratio"
    at.run()
    assert_chinese(at, "map (coloured by supply ratio)")


def test_map_identify_in_chinese(demo_project, demo_inputs):
    """The identify card of a parcel (地类, status, dates, firms, units) and of a firm."""
    parcels = demo_inputs.parcels
    row = parcels[parcels["firm_uscc"].notna()].iloc[0]
    at = run_zh("map_page", demo_project).run()
    at.session_state["overview-map"] = {"last_active_drawing": {"type": "Feature", "properties": {
        "parcel_id": row["parcel_id"], "land_use": row["land_use"], "supply_status": row["supply_status"]}},
        "last_object_clicked": {"lat": 29.8, "lng": 121.4}}
    at.run()
    assert_chinese(at, "map (a parcel identified)")
    at.session_state["map_unit"] = f"enterprises|{row['firm_uscc']}"
    at.run()
    assert_chinese(at, "map (a firm identified)")


def test_scores_page_in_chinese(demo_project):
    at = run_zh("scores_page", demo_project).run()
    assert_chinese(at, "scores")
    at.multiselect(key="scores_units").set_value(["YQ01"]).run()  # AppTest renders closed expanders' contents too
    assert_chinese(at, "scores (YQ01's card: breakdown, indicators with formulas, members)")
    assert any("单元内的面积之和" in str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())
    at.multiselect(key="scores_units").set_value(["GY-R03"]).run()
    assert_chinese(at, "scores (GY-R03: a red line with non-industrial parcels)")
    at.multiselect(key="scores_units").set_value(["YQ01", "XW08", "GY-R01"]).run()
    assert_chinese(at, "scores (three units compared)")


def test_enterprises_page_in_chinese(demo_project, demo_evaluation):
    at = run_zh("enterprises_page", demo_project).run()
    assert_chinese(at, "enterprises")
    uscc = str(demo_evaluation.firms.dropna(subset=["class"]).index[0])
    at.selectbox(key="enterprises_explain_firm").select(uscc).run(timeout=300)
    assert_chinese(at, "enterprises (one firm explained)")
    from ui.state import METHOD_KEY

    preset = run_zh("enterprises_page", demo_project, session={METHOD_KEY: "ningbo-4-0"}).run()
    assert_chinese(preset, "enterprises (a method preset: its lists, terms and adjustments)")


def test_supply_page_in_chinese(demo_project):
    for view in ("lists", "cohorts", "units", "mix"):  # each part of the page (one is drawn at a time)
        at = run_zh("supply_page", demo_project, session={"supply_view": view}).run()
        assert_chinese(at, f"supply ({view})")
    assert any(e.proto.component_name == "landpark_tick_list" for e in run_zh("supply_page", demo_project).run()
               .get("bidi_component")), "the list's text is checked too"


def test_siting_page_in_chinese(demo_project):
    at = run_zh("siting_page", demo_project).run()
    assert_chinese(at, "siting (the form)")
    at.number_input(key="siting_area_mu").set_value(50.0)
    at.selectbox(key="siting_industry").set_value("智能装备")
    at.button[0].click().run()
    assert_chinese(at, "siting (candidates, breakdowns, rule checks)")


@pytest.mark.parametrize("module", ["compare_page", "targets_page", "lines_page"])
def test_time_pages_in_chinese(module, demo_project):
    """年度对比, 目标进度 and 保护线版本 on the demo's three years and two versions of the lines."""
    at = run_zh(module, demo_project).run()
    assert not at.exception, at.exception
    assert at.dataframe, f"{module}: no table shown"
    assert_chinese(at, module)


@pytest.fixture
def private_uploads(tmp_path, monkeypatch):
    """Uploads and the recent-projects list in the test's tmp_path (as tests/test_app_data.py keeps them)."""
    monkeypatch.setenv("LANDPARK_RECENT_FILE", str(tmp_path / "recent.json"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


def _uploads(folder: Path) -> list[tuple[Path, str | None]]:
    """Sources whose reports between them raise most problem codes: (file, layer kind to choose or None)."""
    from tests import hostile
    from tests.bureau import gbk_shapefile_zip

    for sub in "abcdefg":
        (folder / sub).mkdir(exist_ok=True)
    points = folder / "宗地点.geojson"
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"宗地代码": f"Q{i}", "地类编码": "0601", "供地状态": "已建成"},
         "geometry": {"type": "Point", "coordinates": [121.55 + i * 0.001, 29.87]}} for i in range(3)]},
        ensure_ascii=False), encoding="utf-8")
    return [
        (gbk_shapefile_zip(folder), None),  # .prj read, GB18030, 地类 standard assumed, duplicate id, invalid geometry
        (hostile.make_gbk_parcels_zip(folder / "a"), "parcels"),  # required fields missing: blocked
        (points, None),  # points as parcels: wrong geometry type, blocked
        (hostile.make_csv_lonlat_gbk(folder / "b", blank_row=True), "enterprises"),  # lon/lat guessed, GBK CSV
        (hostile.make_xlsx(folder / "c", title_row=True), "enterprises"),  # title rows skipped, dates
        (hostile.make_outside_china_geojson(folder / "d"), "parks"),  # outside China: blocked
        (hostile.make_xlsx_formulas_uncached(folder / "e"), "enterprises"),  # refused: formulas without values
        (hostile.make_list_property_geojson(folder / "f"), "parks"),  # list values read as missing
        (hostile.make_duplicate_key_geojson(folder / "g"), "parks"),  # a property given twice
    ]


def test_data_page_in_chinese(demo_project, private_uploads):
    at = run_zh("data_page", demo_project).run()
    assert_chinese(at, "data (no upload)")
    seen: list[str] = []
    for i, (source, kind) in enumerate(_uploads(private_uploads)):
        uploader = at.file_uploader[0]
        file = (source.name, source.read_bytes(), "application/octet-stream")
        uploader.upload(*file) if i == 0 else uploader.set_value(file)
        at.run()
        if kind is not None:
            chooser = next((s for s in at.selectbox if s.label == "图层类型"), None)
            if chooser is not None and chooser.value != kind:
                chooser.select(kind).run()
        assert_chinese(at, f"data (report of {source.name} as {kind or 'the guessed kind'})")
        seen += [text for _, text, _ in visible_strings(at)]
    said = "\n".join(seen)
    for fragment in ("出现 2 次", "已用 make_valid 修复", "用地分类标准推断为", "缺少必填字段", "几何类型为点",
                     "位于项目范围之外",
                     "公式单元格没有保存计算结果", "不是单个取值", "坐标系为根据坐标推测", "已跳过表头上方", "不能导入"):
        assert fragment in said, f"the reports say {fragment!r} in Chinese"


def test_data_issues_tab_in_chinese(private_uploads):
    """The issues an import kept, as the 数据问题 tab lists them (messages stored with their Chinese text)."""
    from layers.importer import import_source
    from layers.projects import create_empty_project
    from tests.bureau import gbk_shapefile_zip

    project = create_empty_project(private_uploads / "proj", region="测试区")
    import_source(gbk_shapefile_zip(private_uploads), "parcels", project.root)
    assert len(project.data_issues()) and project.data_issues()["message_zh"].str.len().gt(0).all()
    at = page_app("data_page", session={"project_root": str(project.root), "lang": "zh"}, timeout=300).run()
    assert_chinese(at, "data (the issues tab of a project with data issues)")
    assert any("出现 2 次" in str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())


# ---------------------------------------------------------------------------------------------- Streamlit chrome

# The text a person sees inside an element, as drawn: text nodes not shrunk to nothing by ui/text/chrome.py, plus
# the Chinese it draws with ::after; icon ligatures (material icons) are glyphs, not text.
SHOWN_JS = """(root) => {
  const out = [];
  const walk = (e) => {
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden' || e.dataset.testid === 'stIconMaterial') return;
    const after = getComputedStyle(e, '::after').content;
    if (after && after !== 'none' && after !== 'normal' && after !== '""') out.push(JSON.parse(after));
    for (const n of e.childNodes) {
      if (n.nodeType === 3 && n.textContent.trim() && parseFloat(s.fontSize) > 0) out.push(n.textContent.trim());
      if (n.nodeType === 1) walk(n);
    }
  };
  walk(root);
  return out;
}"""
DRAG_JS = """() => {
  const zone = document.querySelector('[data-testid="stFileUploaderDropzone"]');
  const data = new DataTransfer();
  data.items.add(new File(['x'], '宗地.zip'));
  zone.dispatchEvent(new DragEvent('dragenter', {dataTransfer: data, bubbles: true}));
}"""


def test_file_uploader_chrome_in_chinese_in_chromium(app_server, browser_page):
    """The data page's uploader as Chromium draws it: its button, limit line and drop hint are Chinese."""
    page = browser_page
    open_page(page, app_server, "data")
    uploader = page.locator('[data-testid="stFileUploader"]').first
    uploader.wait_for()
    wait_for_app(page)
    shown = uploader.evaluate(SHOWN_JS)
    assert "选择文件" in shown and any(s.startswith("单个文件不超过 ") and " MB · ZIP、" in s for s in shown), shown
    assert not [s for s in shown if LATIN.search(s) and not CJK.search(s)], shown  # no Upload, no "per file"
    page.evaluate(DRAG_JS)
    page.locator('[data-testid="stFileUploaderDropzone"] > input + div').wait_for()
    dragging = uploader.evaluate(SHOWN_JS)
    assert "将文件拖放到此处" in dragging, dragging
    assert not [s for s in dragging if LATIN.search(s) and not CJK.search(s)], dragging
