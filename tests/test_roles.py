"""Roles end to end (issue 17, item 5): with sign-in on, a viewer's session cannot reach firm-level data through any
page, download or URL of the real app (streamlit_app.py under AppTest), and an analyst's session on the same pages
does see firms — so each check can fail.

"Firm-level data" is tested by its identifiers: every firm name and credit code of the demo's enterprise layer (all
years) and every parcel owner's code. They are looked for in everything a page renders (the protobuf of every element,
folium's map HTML included, and each table's values), in every download button's payload (static and deferred,
captured where Streamlit's media file manager receives them) and in every file under the folder the app serves
statically.
"""

from __future__ import annotations

import html
import importlib.util
import io
import os
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from layers import auth as users_file

VIEWER, ANALYST = ("wang", "viewer pass 42"), ("li", "analyst pass 1")
UNIT = "XW19"  # 潘火电器小微企业园: 19 member firms
# the entry script as the suite runs it: the source tree's, or the installed wheel's (.ci/wheel_check)
APP = Path(importlib.util.find_spec("streamlit_app").origin)
NAME_CHARS = "\u3400-\u9fff\uff08\uff09"  # the characters of the demo's firm names (CJK, full-width brackets)


def _page_table() -> list[tuple[str, str, str]]:
    """(module, url path, permission) of every page in streamlit_app.PAGES, read from its source (importing the
    script would run the app)."""
    text = APP.read_text(encoding="utf-8")
    block = text[text.index("PAGES = ["):text.index("]\n", text.index("PAGES = ["))]
    rows = re.findall(r"\((\w+), \"\w+\", \"([\w-]+)\", \"\w+\", Permission\.(\w+)\)", block)
    return [(m, p, perm.lower()) for m, p, perm in rows]


PAGES = _page_table()


@pytest.fixture(scope="module")
def bureau(demo_project, tmp_path_factory):
    """A copy of the demo with sign-in on (a users file beside it, outside the project), its firm identifiers, and
    LANDPARK_PROJECT pointing at it for the module."""
    base = tmp_path_factory.mktemp("bureau")
    root = base / "district"
    shutil.copytree(demo_project.root, root, ignore=shutil.ignore_patterns(".landpark-cache*", "cache"))
    users = base / "etc" / "users.json"
    users_file.add_user(users, VIEWER[0], "viewer", VIEWER[1])
    users_file.add_user(users, ANALYST[0], "analyst", ANALYST[1])
    toml = root / "landpark.toml"
    text = toml.read_text(encoding="utf-8")
    head, section = text.split("\n[auth]\n", 1)  # the demo writes the section with sign-in off
    section = re.sub(r"(?m)^enabled = false$", "enabled = true", section, count=1)
    section = re.sub(r'(?m)^users_file = ""$', f'users_file = "{users}"', section, count=1)
    toml.write_text(f"{head}\n[auth]\n{section}", encoding="utf-8")
    firms = pyogrio.read_dataframe(root / "project.gpkg", layer="enterprises", read_geometry=False,
                                   columns=["uscc", "name"])
    owners = pyogrio.read_dataframe(root / "project.gpkg", layer="parcels", read_geometry=False, columns=["owner_uscc"])
    names = {n for n in firms["name"].dropna().astype(str) if len(n) >= 4}
    codes = set(firms["uscc"].dropna().astype(str)) | set(owners["owner_uscc"].dropna().astype(str))
    # what firm_hits relies on: every name of those characters, every code 18 of 0-9A-Z
    assert all(re.fullmatch(f"[{NAME_CHARS}]+", n) for n in names) and all(re.fullmatch("[0-9A-Z]{18}", c) for c in codes)
    # the module's own served folder: other tests of this process publish maps without sign-in (firm layer
    # included) into the session's folder, which says nothing about what this server serves a viewer
    saved = {key: os.environ.get(key) for key in ("LANDPARK_PROJECT", "LANDPARK_STATIC_DIR")}
    os.environ["LANDPARK_PROJECT"] = str(root)
    os.environ["LANDPARK_STATIC_DIR"] = str(base / "static")
    yield {"root": root, "names": names, "codes": codes, "firms": firms}
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def payloads(monkeypatch):
    """Every download payload the app hands to Streamlit during the test (static bytes and deferred callables)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: list[tuple[str, object]] = []
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def spy_add(self, data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if is_for_static_download:
            seen.append((str(file_name), data))
        return add(self, data, mimetype, coordinates, file_name=file_name, is_for_static_download=is_for_static_download)

    def spy_deferred(self, callable_, mimetype, coordinates, file_name=None, **kwargs):
        seen.append((str(file_name), callable_))
        return add_deferred(self, callable_, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", spy_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_deferred)
    return seen


# ---- what a session sees -----------------------------------------------------------------------------------------

def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else []:
        yield from _walk(child)


def rendered_text(at) -> str:
    """Everything the session's last run rendered: each element's protobuf as UTF-8 text and each table's values."""
    from google.protobuf.text_format import MessageToString

    parts = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(MessageToString(proto, as_utf8=True))
        if type(node).__name__ in ("Dataframe", "Table"):
            value = node.value
            if isinstance(value, pd.DataFrame):
                parts.append(value.to_csv())
    return "\n".join(parts)


def leaking_elements(at, bureau: dict) -> list[str]:
    """The elements of the last run that show a firm identifier (type, key or id, the first identifier): the failure
    message says where a leak is."""
    from google.protobuf.text_format import MessageToString

    out = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or getattr(node, "children", None):
            continue
        hits = firm_hits(MessageToString(proto, as_utf8=True), bureau)
        if hits:
            out.append(f"{type(node).__name__}:{getattr(node, 'key', None) or getattr(proto, 'id', '')}:{hits[0]}")
    return out


def _bytes_text(name: str, data: bytes) -> str:
    """A payload's text: the members of a zip (xlsx, docx, shapefile zip), a GeoPackage's rows, else the bytes."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if data[:16] == b"SQLite format 3\x00":
        import sqlite3
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "payload.gpkg"
            path.write_bytes(data)
            con = sqlite3.connect(path)
            rows = []
            for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                rows += [" ".join(str(v) for v in row if not isinstance(v, bytes))
                         for row in con.execute(f'SELECT * FROM "{table}"')]
            con.close()
            return "\n".join(rows)
    return data.decode("utf-8", "replace")


def payload_text(seen: list[tuple[str, object]]) -> str:
    """The text of every captured download payload (deferred ones are generated here, as a click would)."""
    out = []
    for name, data in seen:
        if callable(data):
            data = data()
        if isinstance(data, str):
            data = data.encode("utf-8")
        out.append(_bytes_text(name, bytes(data)))
    return "\n".join(out)


def firm_hits(text: str, bureau: dict, typed: list[str] = ()) -> list[str]:
    """Firm names and credit codes (and parcel owners' codes) of the demo that occur in `text`, apart from what the
    session typed itself (`typed`: a search text or an address echoed back is no leak)."""
    # JSON's \\uXXXX escapes (at any depth of quoting: folium's GeoJSON inside a component's HTML inside a protobuf
    # string) and HTML character references undone, so an escaped name is still found
    text = html.unescape(re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text))
    for word in typed:
        text = text.replace(word, "")
    found: set[str] = set()
    # one pass per needle length over the runs of the needles' characters (thousands of needles, megabytes of text);
    # the demo's codes are 18 of 0-9A-Z and its names Chinese characters and full-width brackets (checked in bureau)
    for needles, klass in ((bureau["codes"], "0-9A-Z"), (bureau["names"], NAME_CHARS)):
        widths, windows = {len(n) for n in needles}, set()
        for run in re.findall(f"[{klass}]{{{min(widths)},}}", text):
            for w in widths:
                windows.update(run[i:i + w] for i in range(len(run) - w + 1))
        found |= windows & needles
    return sorted(found)


def signed_in(user: tuple[str, str], query: dict[str, str] | None = None):
    """The real app, signed in as `user` (after the first run: the sign-in form only), optionally opened from a URL
    with `query` parameters."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=240)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert [t.value for t in at.title] == ["登录 Landpark"] and not at.dataframe  # nothing before signing in
    at.text_input(key="auth_form_name").input(user[0])
    at.text_input(key="auth_form_password").input(user[1])
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def open_url_path(at, url_path: str):
    """Open `/url_path` in the session, as typing the address does (the page's script hash is its url path's;
    Streamlit falls back to the default page when the path is not routed for the session)."""
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(url_path)  # AppTest.switch_page only knows file pages; st.Page hashes its url_path
    return at.run()


# ---- the tests -----------------------------------------------------------------------------------------------------

def test_page_table_is_read_from_the_app():
    # eleven pages, three of them firm-level (企业评价, 标准地复核) or analyst-only (选址, 数据); checked against the source
    assert len(PAGES) == 11
    assert {p for _m, p, perm in PAGES if perm == "firm_data"} == {"enterprises", "standard-land"}
    assert {perm for *_x, perm in PAGES} == {"maps", "scorecards", "firm_data", "siting", "import"}


def static_files_text() -> str:
    """Every file under the folder the app serves statically (/app/static: published map layers, assets)."""
    from maps.assets import static_dir

    folder = static_dir()
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


def test_a_viewer_reaches_no_firm_through_any_page_url_or_download(bureau, payloads):
    at = signed_in(VIEWER)
    seen_titles, leaks = set(), {}
    for _module, url_path, _permission in PAGES:
        at = open_url_path(at, url_path)
        assert not at.exception, (url_path, at.exception)
        if url_path == "scores":  # the page's export: aggregates only, whatever the session asks
            assert not any(w.key == "scores_redact" for w in at.toggle)  # no choice: the server decides
            assert any("只能导出汇总结果" in c.value for c in at.caption)
            at = _generate_export(at, "xlsx")  # the whole district, every unit
            hits = firm_hits(rendered_text(at), bureau)
            at.multiselect(key="scores_units").set_value([UNIT]).run()  # a scorecard: its members are refused
            assert not at.exception and any(i.value.startswith("无权访问：企业层级数据") for i in at.info)
        hits = firm_hits(rendered_text(at), bureau) + (hits if url_path == "scores" else [])
        if hits:
            leaks[url_path] = (len(hits), leaking_elements(at, bureau)[:3])
        seen_titles |= {t.value for t in at.title}
    assert leaks == {}  # page → (how many firm identifiers it showed, where)
    # pages a viewer may not open were not routed: their URL shows the default page (the map), never their title
    assert "亩均评价" not in seen_titles and "数据管理" not in seen_titles and "园区评分" in seen_titles
    # the download: a workbook of aggregates, no firm sheet, no firm row (not even pseudonymised)
    # every download offered on the way (the supply page's list, the export) holds no firm; the export is a workbook
    # of aggregates: no firm sheet, no firm row (not even pseudonymised)
    text = payload_text(payloads)
    assert firm_hits(text, bureau) == [] and not re.search(r"企业-[0-9A-F]{8}", text)
    workbooks = [data for name, data in payloads if name.endswith(".xlsx")]
    assert len(workbooks) == 1
    with zipfile.ZipFile(io.BytesIO(workbooks[0])) as book:
        sheets = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode("utf-8"))
    assert "企业评价" not in sheets and {"汇总", "产业园区", "小微产业创新园"} <= set(sheets)  # aggregates are there
    assert firm_hits(static_files_text(), bureau) == []


def test_a_viewer_s_deep_links_and_search_name_no_firm(bureau, payloads):
    firm = bureau["firms"].dropna().iloc[0]
    # ?unit=enterprises|<code>: the map's identify of one firm, as a shared link would open it. The code the address
    # carries may be echoed back (the address itself, the map's selection outline); nothing the viewer did not type
    # may appear: not the firm's name, its figures, nor any other firm
    at = signed_in(VIEWER, {"unit": f"enterprises|{firm['uscc']}"})
    assert not at.exception
    assert firm_hits(rendered_text(at), bureau, typed=[firm["uscc"]]) == [], leaking_elements(at, bureau)
    assert any(i.value.startswith("无权访问：企业层级数据") for i in at.info)
    # the map's search box, by a firm's name and by its credit code: no hit names a firm
    for query in (firm["name"], firm["uscc"]):
        at.text_input(key="map_find").input(query).run()
        assert not at.exception
        assert firm_hits(rendered_text(at), bureau, typed=[query, firm["uscc"]]) == [], (query, leaking_elements(at, bureau))
        assert not any("企业 ·" in str(o) for s in at.selectbox for o in s.options)  # no firm among the results
    assert firm_hits(payload_text(payloads), bureau) == []


def _generate_export(at, fmt: str):
    """Choose `fmt` in the scorecards page's export section and generate it (the whole district)."""
    at.radio(key="scores_fmt").set_value(fmt).run()
    at.button(key="scores_generate").click().run()
    assert not at.exception, at.exception
    return at


def test_an_analyst_on_the_same_pages_sees_firms(bureau, payloads):
    """The control: the same checks see firms when the role may (so none of the viewer's checks is blind)."""
    firm = bureau["firms"].dropna().iloc[0]
    at = signed_in(ANALYST)  # on the map
    at.text_input(key="map_find").input(firm["uscc"]).run()
    assert firm["name"] in firm_hits(rendered_text(at), bureau, typed=[firm["uscc"]])  # the search names the firm
    at = open_url_path(at, "enterprises")
    assert at.title[0].value == "亩均评价"
    assert len(firm_hits(rendered_text(at), bureau)) > 10
    at = open_url_path(at, "scores")
    at.multiselect(key="scores_units").set_value([UNIT]).run()  # the scorecard lists the unit's member firms
    assert len(firm_hits(rendered_text(at), bureau)) > 10
    at.multiselect(key="scores_units").set_value([]).run()
    at = _generate_export(at, "xlsx")  # the whole district; the pseudonym toggle is off by default: real names
    assert len(firm_hits(payload_text(payloads), bureau)) > 1000
    # with sign-in on, even an analyst's map keeps the firm layer inline (on the signed-in connection), so nothing
    # naming a firm is in the folder served without a session
    assert firm_hits(static_files_text(), bureau) == []
