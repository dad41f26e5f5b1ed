"""Shared test setup.

With LANDPARK_REQUIRE_ALL=1 (CI), a test that skips because a component is missing fails
instead: CI must exercise the real database, browser and clients.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the folder holding tests/ (a checkout, or CI's copy beside the wheel)

REQUIRE_ALL = os.environ.get("LANDPARK_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"LANDPARK_REQUIRE_ALL=1: this test may not skip ({reason})"


@pytest.fixture(scope="session", autouse=True)
def component_scan_once():
    """Each new AppTest scans every installed distribution for Streamlit component manifests (0.8 s; a server does
    it once at start). The installed packages do not change during a test session, so the scan is made once per
    test process and its result handed to every AppTest."""
    from streamlit.components.v2 import manifest_scanner

    real = manifest_scanner.scan_component_manifests
    found: list = []

    def scan_once(max_workers: int | None = None) -> list:
        if not found:
            found.append(real(max_workers))
        return list(found[0])

    manifest_scanner.scan_component_manifests = scan_once
    yield
    manifest_scanner.scan_component_manifests = real


@pytest.fixture(scope="session", autouse=True)
def private_runtime_folder(tmp_path_factory):
    """The app's per-user runtime folder (launcher, served static files) lives in the session's tmp dir."""
    folder = tmp_path_factory.mktemp("runtime")
    saved = {key: os.environ.get(key) for key in ("LANDPARK_RUNTIME_DIR", "LANDPARK_STATIC_DIR")}
    os.environ["LANDPARK_RUNTIME_DIR"] = str(folder)
    os.environ.pop("LANDPARK_STATIC_DIR", None)
    yield folder
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory):
    """The demo district, generated once per test session."""
    from layers.demo import build_demo_project

    root = tmp_path_factory.mktemp("demo") / "district"
    return build_demo_project(root)


@pytest.fixture(scope="session")
def demo_project_whole_lists(demo_project, tmp_path_factory):
    """A copy of the demo whose 供地分析 parcel list shows every row on one page ([app.supply] list_page_rows), for
    tests that read the whole list from the page."""
    import re
    import shutil

    from layers.project import Project

    root = tmp_path_factory.mktemp("demo-whole-lists") / "district"
    shutil.copytree(demo_project.root, root, ignore=shutil.ignore_patterns(".landpark*"))
    toml = root / "landpark.toml"
    text, count = re.subn(r"(?m)^list_page_rows = \d+", "list_page_rows = 100000", toml.read_text(encoding="utf-8"))
    assert count == 1, "the demo's landpark.toml has no [app.supply] list_page_rows"
    toml.write_text(text, encoding="utf-8")
    return Project.open(root)


@pytest.fixture(scope="session")
def demo_inputs(demo_project):
    """The demo project's evaluation inputs (`analysis.inputs.load_inputs`), read once per session."""
    from analysis.inputs import load_inputs

    return load_inputs(demo_project)


@pytest.fixture(scope="session")
def demo_evaluation(demo_inputs):
    """The demo evaluated the CLI's way (`analysis.score.evaluate`), once per session and apart from
    the app's cache: the independent expectation of the app tests. Shared: never modify it in place
    (copy a frame, or `dataclasses.replace`, before changing anything)."""
    from analysis.score import evaluate

    return evaluate(demo_inputs)


# ---- the app: AppTest per page, and the real app in headless Chromium ---------------------

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("LANDPARK_SCREENSHOTS", ROOT / "build" / "screenshots"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(project_root: Path, *, timeout: float = 90.0):
    """Start `landpark app PROJECT --port N` and wait for /_stcore/health; returns (process, base URL)."""
    import subprocess
    import time
    import urllib.request

    port = free_port()
    script = Path(sys.executable).with_name("landpark")
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from cli import main; main()"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LANDPARK_PROJECT", None)
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    log = open(SCREENSHOTS.parent / f"app-{port}.log", "w")
    proc = subprocess.Popen([*command, "app", str(project_root), "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"landpark app exited with {proc.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"landpark app did not answer on {base} within {timeout:.0f} s; see {log.name}")


@pytest.fixture(scope="session")
def app_server(demo_project):
    """`landpark app` on the session's demo project, on a free local port (read-only use: don't import into it)."""
    proc, base = start_app(demo_project.root)
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except Exception:
        proc.kill()


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's Chromium driven by Playwright, offline (no background networking)."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e .[test])")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium_browser):
    """A fresh browser tab (1600×1000, downloads allowed); closed after the test."""
    context = chromium_browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True,
                                           locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.fixture
def private_app_files(tmp_path, monkeypatch):
    """Keep the app's recent-projects list and upload folders in the test's tmp_path, never the user's."""
    import tempfile

    monkeypatch.setenv("LANDPARK_RECENT_FILE", str(tmp_path / "recent.json"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
