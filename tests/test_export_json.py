"""The score document's `meta` block, its rounding and the firms' unit membership (issue 14, item 7), read from
what `landpark score --json --out DIR --format json` prints and writes; expectations come from the demo's
landpark.toml and pyproject.toml, not from the code under test."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import math
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from analysis.score import software_version, to_json

ROOT = Path(__file__).resolve().parents[1]


def expected_version() -> str:
    """The version pyproject.toml states (source tree), or the installed distribution's (the wheel's suite)."""
    if (ROOT / "pyproject.toml").is_file():
        return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    return importlib.metadata.version("landpark")


FIRM = "91330203166642628G"  # 宁波海润电器有限公司: its parcels lie in micro park XW19, which lies in blue line GY-B05


@pytest.fixture(scope="module")
def documents(demo_project, tmp_path_factory):
    """(stdout document, exported file document, the demo's landpark.toml) of one command-line run."""
    out = tmp_path_factory.mktemp("json") / "out"
    done = subprocess.run([sys.executable, "-c", "from cli import main; main()", "score", str(demo_project.root), "--json",
                           "--out", str(out), "--format", "json"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    config = tomllib.loads((Path(demo_project.root) / "landpark.toml").read_text(encoding="utf-8"))
    return json.loads(done.stdout), json.loads((out / "score.json").read_text(encoding="utf-8")), config


def floats(value, path=""):
    """Every float of a JSON document with where it is (the meta block left out)."""
    if isinstance(value, float):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            if not (path == "" and k == "meta"):
                yield from floats(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from floats(v, f"{path}/{i}")


def test_meta_states_where_when_and_how(documents):
    stdout, exported, config = documents
    for doc in (stdout, exported):
        meta = doc["meta"]
        assert meta["crs"] == config["project"]["crs"] == "EPSG:4549"
        assert meta["evaluation_date"] == config["project"]["evaluation_date"] == "2025-12-31"
        assert meta["year"] == config["project"]["year"] == 2025
        assert meta["schema_version"] and isinstance(meta["schema_version"], str)
        made = dt.datetime.fromisoformat(meta["generated_at"].replace("Z", "+00:00"))
        assert meta["generated_at"].endswith("Z") and abs(dt.datetime.now(dt.UTC) - made) < dt.timedelta(minutes=15)
        assert meta["software"]["version"] == expected_version()
        assert meta["method"]["enterprise"]["source"] == config["enterprise"]["source"]
        assert meta["method"]["composite"]["source"] == "landpark.toml [composite]"
        assert meta["units_requested"] is None and meta["redacted"] is False
    assert stdout["meta"]["float_digits"] is None
    assert exported["meta"]["float_digits"] == config["report"]["json_digits"] == 6


def test_field_dictionary_gives_units_and_meanings(documents):
    fields = documents[1]["meta"]["fields"]
    assert fields["units"]["tax_per_mu"] == {"kind": "per_mu", "unit": "万元/亩", "zh": "亩均税收", "en": "Tax per mu"}
    assert fields["units"]["area_mu"]["unit"] == "亩" and fields["units"]["area_mu"]["zh"] == "单元面积"
    assert fields["units"]["supply_ratio"]["unit"] == "ratio" and fields["units"]["supply_ratio"]["zh"] == "供地率"
    assert fields["units"]["labour_productivity"]["unit"] == "万元/人"
    assert fields["units"]["member_tax_10k_yuan"]["unit"] == "万元"
    assert fields["units"]["rank"]["unit"] == "rank" and fields["units"]["member_count"]["unit"] == "count"
    assert fields["district"]["rolling_supply_ratio"]["unit"] == "ratio"
    assert fields["enterprises"]["unit_ids"]["zh"] == "所属评价单元编号"
    assert fields["supply_cohorts"]["floor"]["unit"] == "ratio"
    for table in fields.values():  # every field says what it means in both languages, no raw key in Chinese
        for name, entry in table.items():
            assert re.search(r"[\u4e00-\u9fff]", entry["zh"]) and entry["en"] and "_" not in entry["en"], (name, entry)
    units = documents[1]["units"][0]
    assert set(fields["units"]) == set(units)  # and the dictionary covers every field of a unit


def test_files_round_floats_while_stdout_keeps_full_precision(documents, demo_evaluation):
    stdout, exported, config = documents
    digits = config["report"]["json_digits"]
    rounded = dict(floats(exported))
    assert rounded and all(round(v, digits) == v for v in rounded.values())
    full = dict(floats(stdout))
    assert set(full) == set(rounded)
    assert any(round(v, digits) != v for v in full.values())  # something had more digits to lose
    assert all(math.isclose(rounded[k], round(v, digits), abs_tol=1e-12) for k, v in full.items())
    tax = demo_evaluation.district["tax_per_mu"]
    assert stdout["district"]["tax_per_mu"] == pytest.approx(tax, abs=1e-9)
    assert exported["district"]["tax_per_mu"] == round(tax, 6) != tax


def test_firms_carry_the_units_they_are_members_of(documents):
    stdout, exported, _ = documents
    for doc in (stdout, exported):
        firm = next(e for e in doc["enterprises"] if e["uscc"] == FIRM)
        assert firm["unit_ids"] == ["GY-B05", "XW19"]
        assert all(isinstance(e["unit_ids"], list) for e in doc["enterprises"])
    members = {e["uscc"] for e in stdout["enterprises"] if "XW19" in e["unit_ids"]}
    xw19 = next(u for u in stdout["units"] if u["unit_id"] == "XW19")
    assert len(members) == xw19["member_count"] == 19


def test_units_asked_for_and_version_from_a_source_tree(demo_evaluation, monkeypatch):
    assert to_json(demo_evaluation, units_requested=["XW19"])["meta"]["units_requested"] == ["XW19"]

    def missing(_name):
        raise importlib.metadata.PackageNotFoundError("landpark")

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert software_version() == "source"
