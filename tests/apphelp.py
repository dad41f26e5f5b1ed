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


def wait_for_frames(page_or_frame, frames: int = 2, *, timeout: float = 10_000) -> None:
    """Wait until the browser has rendered `frames` more animation frames (layout and paint after a change).

    The predicate is polled once per animation frame, so it counts them; works on a page or a frame."""
    page_or_frame.evaluate("() => { window.__landparkFrames = 0; }")
    page_or_frame.wait_for_function("(n) => ++window.__landparkFrames > n", arg=frames, timeout=timeout, polling="raf")


# The visible tables have drawn their grid canvas, the visible charts their canvas or svg, no
# lazily loaded element is still a skeleton and the web fonts are in. (A table in a closed expander
# has a box but no canvas: `checkVisibility` leaves it out.)
DRAWN_JS = """() => {
  const shown = (e) => (e.checkVisibility ? e.checkVisibility() : e.getClientRects().length > 0);  // not in a closed expander
  if (document.querySelector('[data-testid="stSkeleton"]') || document.fonts.status !== 'loaded') { return false; }
  const grids = [...document.querySelectorAll('[data-testid="stDataFrame"]')].filter(shown);
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].filter(shown);
  return grids.every((g) => [...g.querySelectorAll('canvas')].some((c) => c.width > 0))
    && charts.every((c) => c.querySelector('canvas, svg') !== null);
}"""


def wait_for_drawn(page, *, timeout: float = 60_000) -> None:
    """Wait until what the page shows has drawn (`DRAWN_JS`), then for two painted frames."""
    page.wait_for_function(DRAWN_JS, timeout=timeout)
    wait_for_frames(page)


def settle(page, ready: str | None = None) -> None:
    """Wait for the script run, for the element `ready` (a CSS selector: the page's last part to
    draw, since the first run may spend seconds evaluating) and for its tables and charts to draw."""
    page.locator("h1").first.wait_for()
    if ready:
        page.locator(ready).first.wait_for(timeout=120_000)
    wait_for_app(page)
    wait_for_drawn(page)


# ---- the Leaflet map inside streamlit-folium's component iframe --------------------------------

# The map is loaded, no zoom or pan animation runs and every canvas renderer has drawn what was
# added to it (Leaflet 1.9 sets `_redrawRequest` until the next frame's redraw).
MAP_DRAWN_JS = """() => {
  const m = window.map;
  if (!m || !m._loaded || m._animatingZoom || (m._panAnim && m._panAnim._inProgress)) { return false; }
  const canvases = Object.values(m._layers).filter((l) => window.L && l instanceof L.Canvas);
  return canvases.every((r) => !r._redrawRequest && r._container && r._container.width > 0)
    && document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane svg') !== null;
}"""


def map_frame(page, ready: str = "() => true", *, timeout: float = 60_000):
    """The frame of the page's streamlit-folium map, once its Leaflet container is there, `window.map`
    exists and `ready` (a JS function of no argument, run in the frame) holds."""
    frame = page.wait_for_selector('iframe[title*="streamlit_folium"]', timeout=timeout).content_frame()
    frame.wait_for_selector(".leaflet-container", state="attached", timeout=timeout)
    frame.wait_for_function(f"() => !!window.map && ({ready})()", timeout=timeout)
    return frame


def wait_for_map_drawn(frame, *, timeout: float = 30_000) -> None:
    """Wait until the map in `frame` stands still and has drawn its layers (`MAP_DRAWN_JS`), then two frames."""
    frame.wait_for_function(MAP_DRAWN_JS, timeout=timeout)
    wait_for_frames(frame)


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the whole page under build/screenshots (or $LANDPARK_SCREENSHOTS) for review.

    Streamlit scrolls inside its main block, so the viewport is grown to the content's height first
    (at most 6000 px), and the shot is taken once the window has that size and the page has drawn.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size or {"width": 1600, "height": 1000}
    height = page.evaluate("() => Math.max(0, ...[...document.querySelectorAll('[data-testid=\"stMain\"], section')]"
                           ".map((e) => e.scrollHeight))")
    tall = {"width": size["width"], "height": max(size["height"], min(int(height or 0) + 40, 6000))}
    page.set_viewport_size(tall)
    page.wait_for_function("([w, h]) => window.innerWidth === w && window.innerHeight === h",
                           arg=[tall["width"], tall["height"]])
    wait_for_drawn(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def open_select(page, key: str) -> None:
    """Open the options of the selectbox with widget key `key`: a click focuses it, and when a rerun closed the
    list at once (the app may still be settling), the arrow key opens it again."""
    page.locator(f".st-key-{key} input[role=combobox]").click()
    try:
        page.get_by_role("option").first.wait_for(timeout=3000)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: the list did not open on the click
        page.locator(f".st-key-{key} input[role=combobox]").press("ArrowDown")


def choose_option(page, key: str, label: str, *, attempts: int = 4) -> None:
    """Choose `label` in the selectbox with widget key `key` and wait until the box shows it.

    On a busy machine the list can open late, or open again under the pointer, and a click on an option then
    chooses nothing (seen in CI: no rerun was sent); the choice is made again, with the list closed first, until
    the box shows the label."""
    shows = "([key, label]) => document.querySelector(`.st-key-${key} input[role=combobox]`)?.value === label"
    for attempt in range(attempts):
        open_select(page, key)
        page.get_by_role("option", name=label, exact=True).click()
        try:
            page.wait_for_function(shows, arg=[key, label], timeout=5000)
            return
        except Exception as exc:  # noqa: BLE001 - playwright's TimeoutError: the choice did not take; close the list, again
            if attempt == attempts - 1:
                raise AssertionError(_choice_state(page, key, label, attempts)) from exc
            page.keyboard.press("Escape")
            wait_for_app(page)


def _choice_state(page, key: str, label: str, attempts: int) -> str:
    """What the page showed when a choice never took (for the next person to read): the box's value, the options
    listed, and a screenshot."""
    value = page.evaluate("(key) => document.querySelector(`.st-key-${key} input[role=combobox]`)?.value ?? null", key)
    options = page.get_by_role("option").all_inner_texts()
    shot = screenshot(page, f"choose-option-failed-{key}")
    return (f"{label!r} not chosen in {key!r} after {attempts} attempts: the box shows {value!r}, options listed "
            f"{options[:20]!r}; screenshot {shot}")


def component_data(at, name: str) -> dict | None:
    """The data an AppTest page gave its `name` component (st.components.v2) in the last run; None when it drew none."""
    import json

    found = [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == name]
    assert len(found) <= 1, f"{len(found)} {name} components"
    return found[0] if found else None


def tick_list_frame(at, name: str = "landpark_tick_list"):
    """The page of a tick list (ui.tick_list) as drawn: its text, numeric columns read back as numbers."""
    import pandas as pd

    data = component_data(at, name)
    assert data is not None, "the list table is missing"
    frame = pd.DataFrame(data["rows"], columns=data["columns"])
    for i in data["numeric"]:
        column = frame.columns[i]
        frame[column] = pd.to_numeric(frame[column].str.replace(",", "").replace("—", None), errors="coerce")
    return frame
