"""Exit codes as the README documents them (0 success, 1 invalid input, 2 usage error with the valid
choices listed), `score --units` on stdout, and the one number formatting of `i18n.numbers`."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from i18n.numbers import (
    MISSING,
    column_kind,
    format_count,
    format_far,
    format_int,
    format_money,
    format_mu,
    format_per_mu,
    format_ratio,
    format_score,
    format_value,
    is_missing,
)
from tests.test_cli_foundation import landpark


def said(run) -> str:
    """stderr without the box drawing and line wrapping of click/rich, so phrases can be searched."""
    return re.sub(r"\s+", " ", re.sub(r"[│╭╮╰╯─]", " ", run.stderr))


@pytest.fixture(scope="module")
def project(demo_project) -> str:
    """The session's demo project folder (read-only here)."""
    return str(demo_project.root)


@pytest.fixture(scope="module")
def unit_ids(project) -> list[str]:
    """Every unit id of the demo, from one `score --json` run."""
    run = landpark("score", project, "--json")
    assert run.returncode == 0, run.stderr
    return [u["unit_id"] for u in json.loads(run.stdout)["units"]]


# ---------------------------------------------------------------- usage errors: exit 2, choices listed


def test_unknown_format_lists_the_valid_formats(project, tmp_path):
    run = landpark("score", project, "--out", str(tmp_path / "out"), "--format", "odt")
    assert run.returncode == 2, run.stderr
    text = said(run)
    assert "--format" in text and "odt" in text
    assert all(f in text for f in ("xlsx", "pdf", "docx", "gpkg", "html", "json"))
    assert not (tmp_path / "out").exists()


def test_format_without_out_is_a_usage_error(project):
    run = landpark("score", project, "--format", "pdf")
    assert run.returncode == 2 and run.stdout == ""
    assert "--format" in said(run) and "--out" in said(run)


def test_unknown_unit_lists_valid_ids_truncated(project, unit_ids):
    run = landpark("score", project, "--units", f"NOPE-1,{unit_ids[0]}")
    assert run.returncode == 2 and run.stdout == ""
    text = said(run)
    assert "--units" in text and "NOPE-1" in text
    assert unit_ids[0] in text and unit_ids[19] in text
    assert unit_ids[-1] not in text and f"({len(unit_ids)} in all)" in text


def test_empty_units_is_a_usage_error(project):
    run = landpark("score", project, "--units", ",")
    assert run.returncode == 2 and "--units" in said(run)


def test_unknown_unit_for_explain_is_a_usage_error(project, unit_ids):
    run = landpark("explain", project, "NOPE-1")
    assert run.returncode == 2
    assert "NOPE-1" in said(run) and unit_ids[0] in said(run)


@pytest.mark.parametrize("args, flag, choices", [
    (("score", "{p}", "--lang", "fr"), "--lang", ("zh", "en")),
    (("site", "{p}", "--area-mu", "50", "--method", "electre"), "--method", ("wsum", "topsis")),
    (("site", "{p}", "--area-mu", "50", "--out", "x.shp"), "--out", (".gpkg", ".geojson", ".csv")),
    (("validate", "{p}/project.gpkg", "--kind", "farms"), "--kind", ("parcels", "enterprises", "roads")),
    (("validate", "{p}/project.gpkg", "--kind", "parcels", "--land-use-standard", "x"), "--land-use-standard",
     ("gbt21010", "ydyh2023", "gb50137")),
    (("import", "{p}/project.gpkg", "--kind", "farms", "--into", "{p}"), "--kind", ("parcels", "parks")),
    (("bench", "--variants", "huge"), "--variants", ("simple", "complex")),
])
def test_option_with_choices_lists_them(project, args, flag, choices):
    run = landpark(*(a.format(p=project) for a in args))
    assert run.returncode == 2, run.stderr
    text = said(run)
    assert flag in text and all(c in text for c in choices), text


@pytest.mark.parametrize("args, flag", [
    (("site", "{p}", "--area-mu", "0"), "--area-mu"),
    (("site", "{p}", "--area-mu", "50", "--top", "0"), "--top"),
    (("site", "{p}", "--area-mu", "50", "--max-slope", "120"), "--max-slope"),
    (("site", "{p}", "--area-mu", "50", "--weight", "road_access"), "--weight"),
    (("validate", "{p}/project.gpkg", "--kind", "parcels", "--encoding", "klingon"), "--encoding"),
    (("bench", "--scales", "10,many"), "--scales"),
    (("bench", "--repeat", "0"), "--repeat"),
    (("demo",), "directory"),
])
def test_bad_parameter_exits_2_naming_the_flag(project, args, flag):
    run = landpark(*(a.format(p=project) for a in args))
    assert run.returncode == 2, run.stderr
    assert flag in said(run)


# ---------------------------------------------------------------- invalid input: exit 1


def test_invalid_input_exits_1(project, tmp_path):
    assert landpark("score", str(tmp_path / "nowhere")).returncode == 1
    missing = landpark("validate", str(tmp_path / "nope.zip"), "--kind", "parcels")
    assert missing.returncode == 1 and "nope.zip" in missing.stderr
    within = landpark("site", project, "--area-mu", "50", "--within", str(tmp_path / "area.geojson"))
    assert within.returncode == 1 and "area.geojson" in within.stderr
    exists = landpark("demo", project)
    assert exists.returncode == 1


# ---------------------------------------------------------------- --units on stdout


def test_ranking_on_stdout_honours_units(project, unit_ids):
    chosen = [unit_ids[1], unit_ids[-1]]
    run = landpark("score", project, "--units", ",".join(chosen))
    assert run.returncode == 0, run.stderr
    known = set(unit_ids)
    shown = {token for line in run.stdout.splitlines() for token in line.split() if token in known}
    assert shown == set(chosen)
    as_json = landpark("score", project, "--units", chosen[0], "--json")
    assert [u["unit_id"] for u in json.loads(as_json.stdout)["units"]] == [chosen[0]]


# ---------------------------------------------------------------- i18n.numbers


@pytest.mark.parametrize("value", [None, float("nan"), np.nan, pd.NA, math.inf, -math.inf, np.float64("nan"), pd.NaT])
def test_missing_values_are_an_em_dash(value):
    assert is_missing(value)
    for kind in ("ratio", "mu", "money", "per_mu", "far", "score", "int", "bool", "text"):
        assert format_value(value, kind) == MISSING == "—"
    assert format_ratio(value) == format_mu(value) == format_count(value) == "—"


def test_formats_by_kind():
    assert format_mu(1234.56) == "1,234.6"
    assert format_mu(1234.56, 0) == "1,235"
    assert format_money(1234567.89) == "1,234,567.9"
    assert format_ratio(0.567) == "56.7%"
    assert format_ratio(0.567, 0) == "57%"
    assert format_ratio(np.float64(1.0)) == "100.0%"
    assert format_per_mu(12345.678) == "12,345.68"
    assert format_far(1.234) == "1.23"
    assert format_score(83.46) == "83.5"
    assert format_int(np.int64(7)) == "7" and format_int(7.0) == "7"
    assert format_count(20259) == "20,259"
    assert format_value(0, "ratio") == "0.0%" and format_value(0.0, "mu") == "0.0"
    assert format_value(True, "bool", "en") != format_value(False, "bool", "en")
    assert format_value("红线", "text") == "红线"


def test_column_kinds_drive_the_export_format():
    assert [column_kind(c) for c in ("supply_ratio", "industrial_share", "area_mu", "tax_per_mu", "member_tax_10k_yuan",
                                     "far_industrial", "rank", "score", "class_A", "scored", "name")] == \
        ["ratio", "ratio", "mu", "per_mu", "money", "far", "int", "score", "int", "bool", "text"]


def test_reports_reexports_the_same_functions():
    import reports

    assert reports.format_value is format_value and reports.is_missing is is_missing
    assert reports.column_kind is column_kind
    assert reports.display_value("supply_ratio", 0.567) == "56.7%"
    assert reports.display_value("area_mu", 1234.56) == "1,234.6"
