"""landpark.toml is read into typed settings and validated once: a bad value names file, key, value and expectation."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from layers.config import CONFIG_NAME, Config, default_config, default_config_text, load_config
from layers.problems import InputError
from layers.project import Project
from spatial.errors import LandparkError

ROOT = Path(__file__).resolve().parents[1]

# (toml text of a project's file, dotted key the error must name)
BAD = {
    "date_word": ('[project]\nevaluation_date = "yesterday"\n', "project.evaluation_date"),
    "date_number": ("[project]\nevaluation_date = 12\n", "project.evaluation_date"),
    "year_word": ('[project]\nyear = "twenty"\n', "project.year"),
    "crs_number": ("[project]\ncrs = 123\n", "project.crs"),
    "crs_geographic": ('[project]\ncrs = "EPSG:4326"\n', "project.crs"),
    "weights_strings": ('[enterprise.above_scale]\nweights = ["30", "20", "20", "10", "10", "10"]\n',
                        "enterprise.above_scale.weights.tax_per_mu"),
    "weights_negative": ("[enterprise.above_scale]\nweights = [-30, 20, 20, 10, 10, 10]\n",
                         "enterprise.above_scale.weights.tax_per_mu"),
    "composite_unknown_indicator": ('[composite]\nindicators = ["tax_per_mu", "value_added_per_mu", "supply_ratio", '
                                    '"built_ratio", "idle_ratio", "industrial_share", "beauty"]\n', "composite.indicators"),
    "composite_weights_scalar": ("[composite]\nweights = 5\n", "composite.weights"),
    "window_negative": ("[supply]\nwindow_years = -5\n", "supply.window_years"),
    "member_share_word": ('[units]\nmember_min_share = "half"\n', "units.member_min_share"),
    "two_grade_thresholds": ("[composite]\ngrade_thresholds = [80.0, 65.0]\n", "composite.grade_thresholds"),
    "rising_grade_thresholds": ("[composite]\ngrade_thresholds = [50.0, 65.0, 80.0]\n", "composite.grade_thresholds"),
    "two_class_thresholds": ("[enterprise.classes]\nscore_thresholds = [120.0, 90.0]\n",
                             "enterprise.classes.score_thresholds"),
    "unknown_key": ("[supply]\nfloor_ration = 0.5\n", "supply.floor_ration"),
    "unknown_section": ("[suply]\nfloor_ratio = 0.5\n", "suply"),
}


def _project_file(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "proj"
    folder.mkdir(exist_ok=True)
    (folder / CONFIG_NAME).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_value_is_refused_naming_file_and_key(tmp_path, name):
    text, key = BAD[name]
    folder = _project_file(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_config(folder)
    message = str(err.value)
    assert key in message and CONFIG_NAME in message
    assert isinstance(err.value, LandparkError)


def test_non_utf8_file_is_refused_naming_the_file(tmp_path):
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / CONFIG_NAME).write_bytes('[project]\nregion = "江北区"\n'.encode("gbk"))
    with pytest.raises(InputError, match="UTF-8") as err:
        load_config(folder)
    assert str(folder / CONFIG_NAME) in str(err.value)


def test_the_shipped_default_loads_and_validates():
    config = default_config()
    assert isinstance(config, Config)
    assert config.project.crs == "EPSG:4549" and config.project.evaluation_date.isoformat() == "2025-12-31"
    assert config.enterprise.above_scale.weights == (30, 20, 20, 10, 10, 10)
    assert config.composite.grade_thresholds == (80.0, 65.0, 50.0)
    assert config.siting.weights["industry_match"] == 0.55
    assert config.supply.floor_ratio == 0.60
    assert not isinstance(config, Mapping)  # typed sections only: no dict view
    assert "[siting]" in default_config_text()


def test_an_older_file_missing_sections_still_loads(tmp_path):
    folder = _project_file(tmp_path, '[project]\nregion = "老区"\nyear = 2021\ncrs = "EPSG:4549"\n')
    config = load_config(folder)
    assert config.project.region == "老区" and config.project.year == 2021
    assert config.project.evaluation_date.isoformat() == "2021-12-31"  # year end of its own year, not the template's
    assert config.siting == default_config().siting and config.supply == default_config().supply


def test_a_valid_override_is_read_as_given(tmp_path):
    folder = _project_file(tmp_path, "[enterprise.above_scale]\nweights = [40, 20, 10, 10, 10, 10]\n"
                                     "missing = {}\n[project]\nevaluation_date = 2024-06-30\n")
    config = load_config(folder)
    assert config.enterprise.above_scale.weights == (40, 20, 10, 10, 10, 10)
    assert dict(config.enterprise.above_scale.missing) == {}  # a rule table replaces the default one
    assert config.project.evaluation_date.isoformat() == "2024-06-30"


def test_siting_weights_are_the_typed_config(tmp_path):
    folder = _project_file(tmp_path, "[siting.weights]\nroad_access = 0.2\n")
    assert load_config(folder).siting.weights["road_access"] == 0.2


def _landpark(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


@pytest.mark.parametrize("name", ["weights_negative", "crs_geographic", "two_grade_thresholds"])
def test_score_on_a_bad_file_exits_1_naming_the_key(tmp_path, name):
    text, key = BAD[name]
    project = Project.create(tmp_path / "proj")
    (project.root / CONFIG_NAME).write_text(text, encoding="utf-8")
    run = _landpark("score", str(project.root))
    assert run.returncode == 1, run.stderr
    assert key in run.stderr and "Traceback" not in run.stderr
