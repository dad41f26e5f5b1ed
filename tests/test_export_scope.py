"""Only what was asked for leaves (issue 14, item 1): an export of one small micro park, in every format of
reports.FORMATS, holds no credit code, name or parcel of anything outside it — searched in the raw bytes of
each file (zip members decompressed, PDF text from pdftotext and its zlib-decompressed streams, JSON/HTML
escapes undone) — and with --redact no real code or name of any firm at all.

The expected sets are computed here from the demo's own layers (members from the evaluation's membership
table, parcels by their clipped area with the unit's polygon), not from reports/scope.py."""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from layers.problems import InputError
from reports import FORMATS
from reports.bundle import export_all
from reports.redact import SECRET_FILE, project_secret
from reports.scope import kind_comparison, scope_export, scored_in_kind

UNIT = "XW19"  # 潘火电器小微企业园: 19 member firms, inside the blue line GY-B05 with its ~270 other firms
PSEUDONYM = re.compile(r"企业-[0-9A-F]{8,}")


def need(binary: str) -> str:
    """The path of a system client, or skip (LANDPARK_REQUIRE_ALL=1 turns the skip into a failure)."""
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed (Debian: poppler-utils)")
    return path


# --------------------------------------------------------------------------- what the files hold, as text


def _unescape(text: str) -> str:
    """JSON \\uXXXX escapes and HTML character references undone (folium writes GeoJSON with escaped CJK)."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return html.unescape(text)


def _pdf_streams(data: bytes) -> list[bytes]:
    """Every zlib stream of a PDF decompressed, images left out (their pixels hold no text)."""
    out = []
    for m in re.finditer(rb"<<(.{0,600}?)>>\s*stream\r?\n", data, re.S):
        head = m.group(1)
        end = data.find(b"endstream", m.end())
        if b"/Image" in head or b"FlateDecode" not in head or end < 0:
            continue
        try:
            out.append(zlib.decompressobj().decompress(data[m.end():end]))
        except zlib.error:
            continue
    return out


def file_text(path: Path) -> str:
    """Everything a reader of `path` could see, as one text with whitespace removed (a code wrapped over two
    lines of a PDF reads whole): the raw bytes, every zip member decompressed, a PDF's pdftotext text and its
    decompressed streams."""
    data = path.read_bytes()
    blobs = [data]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            blobs += [z.read(name) for name in z.namelist()]
    if data[:5] == b"%PDF-":
        text = subprocess.run([need("pdftotext"), "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
        blobs += [text, *_pdf_streams(data)]
    joined = "\n".join(_unescape(b.decode("utf-8", errors="replace")) for b in blobs)
    return re.sub(r"\s+", "", joined)


def windows(text: str, chars: str, widths: set[int]) -> set[str]:
    """Every substring of `text` of one of `widths` made only of `chars` (set-intersected with the needles: one
    pass per file however many thousands of needles)."""
    klass = "".join(re.escape(c) for c in sorted(set(chars)))
    out: set[str] = set()
    for run in re.findall(f"[{klass}]{{{min(widths)},}}", text):
        for w in widths:
            out.update(run[i:i + w] for i in range(len(run) - w + 1))
    return out


def found(text: str, needles: set[str]) -> set[str]:
    """The needles that occur in `text`."""
    needles = {n for n in needles if n}
    if not needles:
        return set()
    return windows(text, "".join(needles), {len(n) for n in needles}) & needles


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def selection(demo_evaluation, demo_inputs):
    """Firms and parcels inside and outside UNIT, from the evaluation's membership rows and the geometry."""
    ev, inputs = demo_evaluation, demo_inputs
    pos = int(np.flatnonzero(ev.units["unit_id"].astype(str).to_numpy() == UNIT)[0])
    members = set(ev.members.loc[ev.members["unit_pos"] == pos, "uscc"].astype(str))
    firms = pd.DataFrame(inputs.enterprises[["uscc", "name"]]).astype(str)
    inside = firms["uscc"].isin(members)
    unit = inputs.units.geometry.iloc[pos]
    parcels = inputs.parcels
    clipped = shapely.area(shapely.intersection(parcels.geometry.to_numpy(), unit))
    in_unit = clipped > 1e-6
    owners_out = set(parcels.loc[~in_unit, "owner_uscc"].dropna().astype(str)) - members
    return {
        "members": members, "member_names": set(firms.loc[inside, "name"]),
        "codes_out": set(firms.loc[~inside, "uscc"]),
        "names_out": set(firms.loc[~inside, "name"]) - set(firms.loc[inside, "name"]),
        "parcels_in": set(parcels.loc[in_unit, "parcel_id"].astype(str)),
        "parcels_out": set(parcels.loc[~in_unit, "parcel_id"].astype(str)), "owners_out": owners_out,
        "all_codes": set(firms["uscc"]), "all_names": set(firms["name"]), "unit_name": str(ev.units["name"].iloc[pos]),
    }


@pytest.fixture(scope="module")
def scoped_files(demo_project, demo_evaluation, demo_inputs, tmp_path_factory):
    """Every format of UNIT, exported once, with the year before and the targets attached as the CLI attaches them
    (the year-on-year block names firms of every unit: it must not leak either)."""
    import dataclasses

    from analysis.time_context import attach_time_context

    out = tmp_path_factory.mktemp("scope") / "xw19"
    messages: list[str] = []
    ev = attach_time_context(demo_project, demo_inputs, dataclasses.replace(demo_evaluation))
    assert ev.year_on_year is not None and ev.targets
    paths = export_all(ev, demo_inputs, out, list(FORMATS), unit_ids=[UNIT], progress=messages.append)
    return paths, messages


@pytest.fixture(scope="module")
def redacted_files(demo_evaluation, demo_inputs, tmp_path_factory):
    """Every format of UNIT with --redact, through the command line (the project key lands in the demo folder)."""
    out = tmp_path_factory.mktemp("redact") / "xw19"
    root = demo_inputs.root
    done = subprocess.run([sys.executable, "-c", "from cli import main; main()", "score", str(root), "--units", UNIT,
                           "--out", str(out), "--format", ",".join(FORMATS), "--redact"],
                          capture_output=True, text=True, timeout=600, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    return {fmt: out / f"score.{fmt}" for fmt in FORMATS}


# --------------------------------------------------------------------------- the selection only


def test_every_format_holds_the_selection_and_nothing_outside_it(scoped_files, selection):
    paths, messages = scoped_files
    assert set(paths) == set(FORMATS)
    assert any(m.startswith(f"scope: 1 units, {len(selection['members'])}/") for m in messages), messages
    assert re.fullmatch(r"ZD\d{6}", min(selection["parcels_out"]))  # the id shape the windows below rely on
    carried: set[str] = set()
    for fmt, path in paths.items():
        text = file_text(path)
        assert selection["unit_name"] in text, f"{fmt}: the unit's own name is not found, so the search sees nothing"
        assert not found(text, selection["codes_out"]), f"{fmt}: credit codes of firms outside {UNIT}"
        assert not found(text, selection["names_out"]), f"{fmt}: names of firms outside {UNIT}"
        assert not found(text, selection["parcels_out"]), f"{fmt}: parcels outside {UNIT}"
        assert not found(text, selection["owners_out"]), f"{fmt}: owners of parcels outside {UNIT}"
        if fmt in ("json", "xlsx", "gpkg"):  # the formats with a firm table carry the whole selection
            assert found(text, selection["members"]) == selection["members"], fmt
            assert found(text, selection["member_names"]) == selection["member_names"], fmt
        if fmt == "gpkg":  # and the one with a parcel layer every parcel of the unit
            assert found(text, selection["parcels_in"]) == selection["parcels_in"]
        carried |= found(text, selection["members"])
    assert carried == selection["members"]


def test_scoped_json_lists_only_the_selection(scoped_files, selection, demo_evaluation):
    doc = json.loads(scoped_files[0]["json"].read_text(encoding="utf-8"))
    assert [u["unit_id"] for u in doc["units"]] == [UNIT]
    assert {e["uscc"] for e in doc["enterprises"]} == selection["members"]
    assert all(e["unit_ids"] == [UNIT] for e in doc["enterprises"])  # GY-B05, not exported, is not named
    assert doc["meta"]["units_requested"] == [UNIT] and doc["meta"]["redacted"] is False
    for w in doc["warnings"]:  # every issue left is project-wide or on the unit, its parcels or its firms
        feature = w.get("feature") or ""
        assert not feature or feature in selection["members"] | selection["parcels_in"] | {UNIT}, w
    assert len(doc["warnings"]) < len(demo_evaluation.warnings)
    assert doc["links"]["counts"]["parcels"] == len(selection["parcels_in"]) == doc["units"][0]["parcel_count"]
    assert doc["district"]["tax_per_mu"] == pytest.approx(demo_evaluation.district["tax_per_mu"], abs=1e-6)


def test_scorecard_comparisons_stay_district_aggregates(demo_evaluation, demo_inputs):
    """The kind's median and the unit's rank among its kind come from the whole district, not from the cut."""
    ev = demo_evaluation
    cut, _ = scope_export(ev, demo_inputs, [UNIT])
    micro = ev.units[ev.units["unit_kind"] == "micro_parks"]
    tax = pd.to_numeric(micro["tax_per_mu"], errors="coerce")
    own = float(tax[micro["unit_id"] == UNIT].iloc[0])
    comp = kind_comparison(cut, ["tax_per_mu"], {"tax_per_mu": "benefit"})["tax_per_mu"].iloc[0]
    assert comp["median"] == pytest.approx(float(tax.median()))
    assert comp["rank"] == 1 + int((tax > own).sum()) and comp["n"] == int(tax.notna().sum()) == 24
    assert scored_in_kind(cut, "micro_parks") == int(pd.to_numeric(micro["score"], errors="coerce").notna().sum())
    assert len(ev.units) == 48 and len(cut.units) == 1  # the shared evaluation is left whole


# --------------------------------------------------------------------------- pseudonyms


def test_redacted_files_name_no_real_firm_anywhere(redacted_files, scoped_files, selection):
    seen: dict[str, set[str]] = {}
    for fmt, path in redacted_files.items():
        text = file_text(path)
        assert selection["unit_name"] in text, fmt
        assert not found(text, selection["all_codes"]), f"{fmt}: real credit codes"
        assert not found(text, selection["all_names"]), f"{fmt}: real firm names"
        assert not found(text, selection["parcels_out"]), fmt
        seen[fmt] = set(PSEUDONYM.findall(text))
    doc = json.loads(redacted_files["json"].read_text(encoding="utf-8"))
    pseudonyms = {e["uscc"] for e in doc["enterprises"]}
    assert len(pseudonyms) == len(selection["members"]) and all(PSEUDONYM.fullmatch(p) for p in pseudonyms)
    assert all(e["name"] == e["uscc"] for e in doc["enterprises"])  # a firm's name and code read as one pseudonym
    assert doc["meta"]["redacted"] is True
    for fmt in ("xlsx", "gpkg"):  # the same firm, the same pseudonym, in every format with a firm table
        assert seen[fmt] >= pseudonyms, fmt
    # the redaction messages: the one substituted-emissions warning of the unit names its firm by pseudonym
    assert all(not re.search(r"9133\d{14}", w["message"]) for w in doc["warnings"])


def test_pseudonyms_are_stable_and_keyed_by_the_project(redacted_files, demo_evaluation, demo_inputs, tmp_path):
    key = Path(demo_inputs.root) / SECRET_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not any(p.name == SECRET_FILE for p in redacted_files["json"].parent.iterdir())
    first = json.loads(redacted_files["json"].read_text(encoding="utf-8"))
    again = export_all(demo_evaluation, demo_inputs, tmp_path / "again", ["json"], unit_ids=[UNIT], redact=True)
    second = json.loads(again["json"].read_text(encoding="utf-8"))
    names = [e["uscc"] for e in first["enterprises"]]  # firms in the enterprise layer's order, both times
    assert [e["uscc"] for e in second["enterprises"]] == names and len(set(names)) == len(names)
    other_root = tmp_path / "other-project"  # another project: its own key, other pseudonyms
    other_root.mkdir()
    other = export_all(demo_evaluation, dataclasses.replace(demo_inputs, root=other_root), tmp_path / "other", ["json"],
                       unit_ids=[UNIT], redact=True)
    third = json.loads(other["json"].read_text(encoding="utf-8"))
    assert len(third["enterprises"]) == len(names) and not {e["uscc"] for e in third["enterprises"]} & set(names)
    assert (other_root / SECRET_FILE).read_bytes() != key.read_bytes()


def test_a_project_folder_that_cannot_hold_the_key_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("reports.redact.os.access", lambda *_a, **_k: False)  # root may write anywhere: simulate
    with pytest.raises(InputError, match="read-only") as info:
        project_secret(tmp_path)
    assert "只读" in info.value.message_zh
    assert not (tmp_path / SECRET_FILE).exists()
    (tmp_path / SECRET_FILE).write_text("not a key\n", encoding="ascii")
    monkeypatch.undo()
    with pytest.raises(InputError, match="damaged"):
        project_secret(tmp_path)


def test_redact_needs_out(demo_inputs):
    done = subprocess.run([sys.executable, "-c", "from cli import main; main()", "score", str(demo_inputs.root), "--redact"],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[1],
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 2 and "--out" in done.stderr


def test_the_app_export_uses_the_same_scope_and_pseudonyms(redacted_files, demo_project, selection, monkeypatch,
                                                            tmp_path):
    """园区评分's export of the app's unit selection, toggle on: the same scope and the same pseudonyms as the CLI."""
    from tests.apphelp import page_app

    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    app = page_app("scores_page").run()
    assert not app.exception, app.exception
    app.multiselect(key="scores_units").set_value([UNIT])
    app.radio(key="scores_fmt").set_value("xlsx").run()
    app.toggle(key="scores_redact").set_value(True).run()
    app.button(key="scores_generate").click().run()
    assert not app.exception, app.exception
    path = tmp_path / "app.xlsx"
    path.write_bytes(app.session_state["scores_export"]["data"])
    text = file_text(path)
    assert selection["unit_name"] in text
    assert not found(text, selection["all_codes"]) and not found(text, selection["all_names"])
    cli = json.loads(redacted_files["json"].read_text(encoding="utf-8"))
    assert set(PSEUDONYM.findall(text)) >= {e["uscc"] for e in cli["enterprises"]}


# --------------------------------------------------------------------------- aggregates only (a viewer's export)


@pytest.fixture(scope="module")
def aggregate_files(demo_project, demo_evaluation, demo_inputs, tmp_path_factory):
    """Every format of UNIT with firm_level=False (what a viewer may take), the year before and the targets attached;
    the inputs' folder is an empty one, to show that no project key is needed or made."""
    from analysis.time_context import attach_time_context

    out = tmp_path_factory.mktemp("aggregates") / "xw19"
    keyless = tmp_path_factory.mktemp("keyless")
    ev = attach_time_context(demo_project, demo_inputs, dataclasses.replace(demo_evaluation))
    assert ev.year_on_year is not None and len(ev.year_on_year.firms)  # the comparison does list firms
    inputs = dataclasses.replace(demo_inputs, root=keyless)
    paths = export_all(ev, inputs, out, list(FORMATS), unit_ids=[UNIT], firm_level=False)
    assert not (keyless / SECRET_FILE).exists()
    return paths


def test_aggregates_only_exports_name_no_firm_and_list_none(aggregate_files, selection, demo_inputs):
    owners = set(demo_inputs.parcels["owner_uscc"].dropna().astype(str))
    for fmt, path in aggregate_files.items():
        text = file_text(path)
        assert selection["unit_name"] in text, f"{fmt}: the unit's own name is not found, so the search sees nothing"
        assert not found(text, selection["all_codes"]), f"{fmt}: credit codes"
        assert not found(text, selection["all_names"]), f"{fmt}: firm names"
        assert not found(text, owners), f"{fmt}: parcel owners"
        assert not PSEUDONYM.search(text), f"{fmt}: pseudonymised firm rows are firm-level rows too"


def test_aggregates_only_keeps_the_unit_figures_and_drops_every_firm_table(aggregate_files, demo_evaluation):
    import openpyxl
    import pyogrio

    doc = json.loads(aggregate_files["json"].read_text(encoding="utf-8"))
    own = demo_evaluation.units[demo_evaluation.units["unit_id"] == UNIT].iloc[0]
    assert [u["unit_id"] for u in doc["units"]] == [UNIT]
    assert doc["units"][0]["tax_per_mu"] == pytest.approx(float(own["tax_per_mu"]), rel=1e-6)
    assert doc["units"][0]["member_count"] == int(own["member_count"]) == 19  # how many, not which
    assert doc["enterprises"] == [] and doc["meta"]["redacted"] is True
    assert all(doc["links"][k] == [] for k in ("by_table", "by_code", "by_name", "ambiguous", "owner_without_firm"))
    assert doc["year_on_year"]["firms"] == [] and "lists" not in doc["year_on_year"]["transitions"]
    assert all(w.get("layer") not in ("enterprises", "enterprise_events", "tenancy", "land_links") for w in doc["warnings"])
    sheets = openpyxl.load_workbook(aggregate_files["xlsx"], read_only=True).sheetnames
    assert "企业评价" not in sheets and "汇总" in sheets
    layers = [str(name) for name, _g in pyogrio.list_layers(aggregate_files["gpkg"])]
    assert not any("企业" in name for name in layers) and "宗地供地状态" in layers
    fields = set(pyogrio.read_info(aggregate_files["gpkg"], layer="宗地供地状态")["fields"])
    assert not fields & {"owner_uscc", "owner_name", "firm_uscc", "owner_class", "owner_score"}
    assert '"key":"enterprises"' not in aggregate_files["html"].read_text(encoding="utf-8")


def test_the_named_export_of_the_same_unit_does_list_firms(scoped_files, selection):
    """The control of the two tests above: without firm_level=False the same export holds the member firms."""
    text = file_text(scoped_files[0]["json"])
    assert found(text, selection["members"]) == selection["members"]
