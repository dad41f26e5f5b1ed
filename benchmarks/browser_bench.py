"""`python -m benchmarks.browser_bench [PROJECT_DIR]`: the map page as a person meets it, in headless Chromium.

Starts `landpark app` on the project (the demo district, built into a temporary folder, when none is
given), opens the 总览地图 page at 1600×1000 and measures, from the browser's side:

- `first_map`: seconds from navigation until every map layer is drawn and the network is idle, and the
  bytes the page moved (HTTP responses + WebSocket frames), with the map data (published layer files)
  counted apart;
- `click`: a click on a park until its scorecard is shown: seconds and bytes over the WebSocket;
- `recolour`: choosing 综合得分 in the colouring box until the legend is drawn: seconds and bytes.

Targets (issue 13): first map ≤ 2 s and ≤ 2 MB of map data; click / recolour ≤ 300 ms and ≤ 50 KB.
Without Chromium and Playwright it prints {"skipped": reason} and exits 0. One JSON document on stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("LANDPARK_CHROMIUM", "/usr/bin/chromium")
TARGETS = {"first_map_s": 2.0, "first_map_data_mb": 2.0, "interaction_s": 0.3, "interaction_kb": 50.0}


class Traffic:
    """Bytes the page received, split into WebSocket frames, published map layers and other HTTP."""

    def __init__(self, page: Any) -> None:
        self.ws = 0
        self.layers = 0
        self.http = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.on("response", self._response)

    def _frame(self, payload: Any) -> None:
        self.ws += len(payload) if isinstance(payload, (bytes, str)) else 0

    def _response(self, response: Any) -> None:
        try:
            size = len(response.body())
        except Exception:  # redirects and aborted requests carry no body
            return
        if "/app/static/layers/" in response.url:
            self.layers += size
        else:
            self.http += size

    def snapshot(self) -> dict[str, int]:
        return {"ws": self.ws, "layers": self.layers, "http": self.http}


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, float]:
    return {f"{k}_kb": round((after[k] - before[k]) / 1024, 1) for k in after}


def measure(project: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.apphelp import MAP_DRAWN_JS, open_page, wait_for_app
    from tests.conftest import start_app
    from tests.test_app_map import INTERIOR_POINT

    app, base = start_app(project, timeout=180)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM,
                                        args=["--no-sandbox", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            traffic = Traffic(page)
            # warm the server's caches once (a bureau server runs long); the measured visit is a new browser session
            open_page(page, base, "map", timeout=180_000)
            page.wait_for_selector('iframe[title*="streamlit_folium"]', timeout=180_000)
            page.close()
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            traffic = Traffic(page)
            start = time.perf_counter()
            page.goto(f"{base}/", wait_until="domcontentloaded")
            frame = page.wait_for_selector('iframe[title*="streamlit_folium"]', timeout=120_000).content_frame()
            frame.wait_for_function("() => window.landparkLayers && window.landparkLayers.parcels "
                                    "&& window.landparkLayers.parks", timeout=120_000)
            frame.wait_for_function(MAP_DRAWN_JS, timeout=60_000)
            page.wait_for_load_state("networkidle")
            zero = {"ws": 0, "layers": 0, "http": 0}
            first = {"seconds": round(time.perf_counter() - start, 3), **_delta(traffic.snapshot(), zero)}
            name = frame.evaluate("() => window.landparkLayers.parks.getLayers()[0].feature.properties.name")
            page.locator('iframe[title*="streamlit_folium"]').scroll_into_view_if_needed()
            point = frame.evaluate(INTERIOR_POINT, name)
            box = page.locator('iframe[title*="streamlit_folium"]').bounding_box()
            before, start = traffic.snapshot(), time.perf_counter()
            page.mouse.click(box["x"] + point[0], box["y"] + point[1])
            page.locator("h3", has_text=name).wait_for(timeout=60_000)  # the scorecard is shown: the answer is there
            seconds = round(time.perf_counter() - start, 3)
            wait_for_app(page)  # then let the run finish, so the bytes of the whole answer are counted
            click = {"seconds": seconds, **_delta(traffic.snapshot(), before)}
            before, start = traffic.snapshot(), time.perf_counter()
            page.locator(".st-key-map_colour input[role=combobox]").click()
            page.get_by_role("option", name="综合得分").click()
            frame.wait_for_selector(".landpark-choropleth-legend", timeout=60_000)
            seconds = round(time.perf_counter() - start, 3)
            wait_for_app(page)
            recolour = {"seconds": seconds, **_delta(traffic.snapshot(), before)}
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=30)
    return {"first_map": first, "click": click, "recolour": recolour}


def verdict(result: dict[str, Any]) -> dict[str, bool]:
    first, click, recolour = result["first_map"], result["click"], result["recolour"]
    return {
        "first_map_s": first["seconds"] <= TARGETS["first_map_s"],
        "first_map_data_mb": first["layers_kb"] / 1024 <= TARGETS["first_map_data_mb"],
        "click_s": click["seconds"] <= TARGETS["interaction_s"],
        "click_kb": click["ws_kb"] <= TARGETS["interaction_kb"],
        "recolour_s": recolour["seconds"] <= TARGETS["interaction_s"],
        "recolour_kb": recolour["ws_kb"] <= TARGETS["interaction_kb"],
    }


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if not Path(CHROMIUM).exists():
        print(json.dumps({"skipped": f"no Chromium at {CHROMIUM} (set LANDPARK_CHROMIUM)"}))
        return 0
    try:
        import playwright  # noqa: F401
    except ImportError:
        print(json.dumps({"skipped": "playwright is not installed (pip install -e '.[test]')"}))
        return 0
    temp = None
    if args:
        project = Path(args[0])
    else:
        temp = Path(tempfile.mkdtemp(prefix="landpark-browser-bench-"))
        project = temp / "demo"
        print("building the demo district…", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "cli", "demo", str(project)], check=True, stdout=subprocess.DEVNULL)
    try:
        result = measure(project)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    print(json.dumps({"project": str(project), "targets": TARGETS, **result, "meets": verdict(result)}, indent=1,
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
