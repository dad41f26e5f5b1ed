"""Shared test setup.

With LANDPARK_REQUIRE_ALL=1 (CI), a test that skips because a component is missing fails
instead: CI must exercise the real database, browser and clients.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REQUIRE_ALL = os.environ.get("LANDPARK_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"LANDPARK_REQUIRE_ALL=1: this test may not skip ({reason})"


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory):
    """The demo district, generated once per test session."""
    from layers.demo_project import build_demo_project

    root = tmp_path_factory.mktemp("demo") / "district"
    return build_demo_project(root)
