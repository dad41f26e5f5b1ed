"""Where the code under test comes from: one installation, and site-packages when CI tests the wheel."""

from __future__ import annotations

import importlib
import os
import sysconfig
from pathlib import Path

PACKAGES = ("spatial", "layers", "analysis", "maps", "reports", "i18n", "ui", "cli", "streamlit_app")


def _locations() -> dict[str, Path]:
    out = {}
    for name in PACKAGES:
        module = importlib.import_module(name)
        path = Path(module.__file__).resolve()
        out[name] = path.parent.parent if path.name == "__init__.py" else path.parent
    return out


def test_every_package_comes_from_one_installation():
    roots = set(_locations().values())
    assert len(roots) == 1, f"packages imported from several places: {_locations()}"


def test_the_installed_wheel_is_what_runs(tmp_path):
    """With LANDPARK_TEST_INSTALLED=1 (.ci/wheel_check) the modules must come from site-packages, not a checkout."""
    root = next(iter(_locations().values()))
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    if os.environ.get("LANDPARK_TEST_INSTALLED") == "1":
        assert root == site, f"testing {root}, not the installed wheel in {site}"
        assert not (root / "tests").exists() and not (root / "pyproject.toml").exists()
    else:  # the editable checkout: its own source tree
        assert (root / "pyproject.toml").is_file()


def test_shipped_data_files_are_there():
    from layers.config import default_config_text
    from maps.assets import verify_vendor

    assert "[project]" in default_config_text()
    assert verify_vendor() == []
