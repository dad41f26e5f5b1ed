"""Helpers for app tests: run one page under AppTest, and drive the real app in Chromium."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SCREENSHOTS


def page_app(module: str, *, timeout: float = 180.0, session: dict | None = None):
    """An AppTest running `ui.<module>.render()` alone (the page as `st.navigation` would run it)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(f"from ui import {module}\n{module}.render()\n", default_timeout=timeout)
    for key, value in (session or {}).items():
        at.session_state[key] = value
    return at


def wait_for_app(page, *, timeout: float = 90_000, quiet_ms: int = 1200) -> None:
    """Wait until Streamlit has finished running the script: no status widget, spinner or skeleton for
    `quiet_ms` in a row (the script may start a moment after the page loads, so one idle look is not enough)."""
    page.wait_for_selector('[data-testid="stMainBlockContainer"], [data-testid="stAppViewContainer"]', timeout=timeout)
    page.wait_for_function(
        """(quiet) => {
            const busy = document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSpinner"],'
                                                + ' [data-testid="stSkeleton"]');
            const now = performance.now();
            if (busy) { window.__landparkIdleSince = undefined; return false; }
            if (window.__landparkIdleSince === undefined) window.__landparkIdleSince = now;
            return now - window.__landparkIdleSince >= quiet;
        }""", arg=quiet_ms, timeout=timeout, polling=200)
    page.evaluate("() => { window.__landparkIdleSince = undefined; }")


def open_page(page, base: str, path: str, *, timeout: float = 90_000) -> None:
    """Open an app page by its url path (map (served at /), scores, enterprises, supply, siting, data) and wait for it."""
    page.goto(f"{base}/{'' if path == 'map' else path}", wait_until="domcontentloaded")  # the default page is at /
    wait_for_app(page, timeout=timeout)


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the whole page under build/screenshots (or $LANDPARK_SCREENSHOTS) for review.

    Streamlit scrolls inside its main block, so the viewport is grown to the content's height first.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size or {"width": 1600, "height": 1000}
    height = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                           " return m ? m.scrollHeight : 0; }")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height or 0) + 40, 6000))})
    page.wait_for_timeout(400)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path
