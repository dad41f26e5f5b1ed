"""`python -m benchmarks.app_bench [PROJECT_DIR]`: server-side speed and page weight of the app's map page.

Two fresh processes measure, on the project (the demo district, built into a temporary folder,
when none is given):

- `layers`: the map pipeline alone — reading the layers, encoding them (`maps.layer_data`),
  building the folium map and turning it into what streamlit-folium sends (cold: empty caches,
  after imports; warm: layers cached, the map rebuilt as on every rerun); the page weight (bytes of
  the component's arguments: map script, HTML, header, dynamic group); colouring (classes +
  dynamic group) and a unit's scorecard data with a cached evaluation;
- `page`: the whole page script under Streamlit's AppTest (what the server runs per request):
  first run in a fresh process, a new session on warm caches, a unit click, a colouring change,
  a search; the component payload each run sends is captured from streamlit-folium.

One JSON document goes to stdout (progress to stderr). Targets (issue 6): first map < 3 s, click and
colouring < 0.5 s, page < 5 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPT_TIMES: list[float] = []  # seconds of each map_page.render() run under AppTest (phase "page")
GOALS = {"first_map_max_s": 3.0, "interaction_max_s": 0.5, "page_max_mb": 5.0}


def say(message: str) -> None:
    print(f"app_bench: {message}", file=sys.stderr, flush=True)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def component_payload(fmap, feature_group=None) -> dict[str, int]:
    """Bytes of the arguments st_folium sends to the browser for `fmap` (same functions it uses)."""
    import streamlit_folium as sf

    fmap.get_root().render()
    fmap.render()
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    sf.generate_js_hash(script, "bench", False)
    group = sf._get_feature_group_string(feature_group, map=fmap) if feature_group is not None else ""
    sizes = {"script": len(script.encode()), "html": len(html.encode()), "header": len(header.encode()),
             "feature_group": len(group.encode())}
    sizes["total"] = sum(sizes.values())
    return sizes


# ---------------------------------------------------------------------------------------- phase: layers


def phase_layers(project_dir: str, repeat: int, compare_geojson: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    import streamlit_folium  # noqa: F401

    from layers.project import Project
    from maps.layer_data import firm_class_string, prepare_map_layers, read_map_frames
    from maps.webmap import build_map, overlay_group
    out: dict[str, Any] = {"import_s": round(time.perf_counter() - t0, 3)}

    project = Project.open(project_dir)
    cfg = project.config.app.map
    kwargs = {"precision": cfg.precision_deg, "simplify_m": cfg.simplify_m, "parcel_limit": cfg.parcel_limit}
    t = time.perf_counter()
    frames = read_map_frames(project)
    out["read_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    layers = prepare_map_layers(frames, **kwargs)
    out["encode_s"] = round(time.perf_counter() - t, 3)
    urls = ("/app/static/leaflet.js", "/app/static/leaflet.css")
    t = time.perf_counter()
    fmap = build_map(layers.layers, bounds=layers.bounds, demo=True, leaflet_urls=urls)
    group = overlay_group()
    sizes = component_payload(fmap, group)
    out["build_and_render_s"] = round(time.perf_counter() - t, 3)
    out["first_map_cold_s"] = round(out["read_s"] + out["encode_s"] + out["build_and_render_s"], 3)
    out["first_map_cold_with_imports_s"] = round(out["first_map_cold_s"] + out["import_s"], 3)
    warm = []
    for _ in range(repeat):
        t = time.perf_counter()
        component_payload(build_map(layers.layers, bounds=layers.bounds, demo=True, leaflet_urls=urls), overlay_group())
        warm.append(time.perf_counter() - t)
    out["first_map_warm_s"] = _median(warm)
    out["page_weight_bytes"] = sizes
    out["page_weight_mb"] = round(sizes["total"] / 1e6, 3)
    out["layer_bytes"] = {k: v.nbytes for k, v in layers.layers.items()}
    out["features"] = {k: v.count for k, v in layers.layers.items()}

    # the evaluation (cached in the app) and what a click or a colouring change costs on top of it
    from analysis.inputs import load_inputs
    from analysis.score import evaluate
    t = time.perf_counter()
    ev = evaluate(load_inputs(project))
    out["evaluation_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    import mapclassify  # noqa: F401
    out["mapclassify_import_s"] = round(time.perf_counter() - t, 3)
    from analysis.explain import explain_unit
    from analysis.unitcard import unit_card
    from maps.choropleth import classify
    firm_classes = firm_class_string(layers.firm_order, ev.firms["class"])
    keys = (ev.units["unit_kind"].astype(str) + "|" + ev.units["unit_id"].astype(str)).tolist()
    colouring = []
    for _ in range(repeat):
        t = time.perf_counter()
        classes = classify(ev.units["tax_per_mu"], scheme="natural_breaks", k=5)
        fill = dict(zip(keys, zip(classes.colour_of(), map(str, ev.units["tax_per_mu"].round(2)))))
        fmap = build_map(layers.layers, bounds=layers.bounds, demo=True, leaflet_urls=urls)
        component_payload(fmap, overlay_group(fill=fill, legend_html="<div>legend</div>", firm_classes=firm_classes))
        colouring.append(time.perf_counter() - t)
    out["colouring_change_s"] = _median(colouring)
    first = ev.units.iloc[0]
    click = []
    for _ in range(repeat):
        t = time.perf_counter()
        unit_card(ev, first["unit_kind"], first["unit_id"])
        explain_unit(ev, first["unit_id"])
        fmap = build_map(layers.layers, bounds=layers.bounds, demo=True, leaflet_urls=urls)
        sizes_sel = component_payload(fmap, overlay_group(select=keys[0], firm_classes=firm_classes))
        click.append(time.perf_counter() - t)
    out["unit_card_explain_and_map_s"] = _median(click)
    out["page_weight_with_selection_bytes"] = sizes_sel["total"]
    if compare_geojson:
        from maps.webmap import to_display
        t = time.perf_counter()
        plain = {kind: to_display(frame, kind) for kind, frame in frames.items() if hasattr(frame, "geometry")}
        fmap = build_map(plain, bounds=layers.bounds, demo=True, leaflet_urls=urls)
        out["geojson_map_bytes"] = component_payload(fmap)["total"]
        out["geojson_map_s"] = round(time.perf_counter() - t, 3)
    return out


# ------------------------------------------------------------------------------------------ phase: page


def phase_page(project_dir: str, repeat: int) -> dict[str, Any]:
    os.environ["LANDPARK_PROJECT"] = project_dir
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import streamlit_folium as sf

    sent: list[int] = []
    original = sf._component_func

    def recording(**kwargs):
        sent.append(len(json.dumps({k: v for k, v in kwargs.items() if k != "on_change"}, default=str).encode()))
        return original(**kwargs)

    sf._component_func = recording
    from streamlit.testing.v1 import AppTest

    def app() -> AppTest:
        # the script times render() itself: AppTest's own per-run work (component manifest scan, polling)
        # is not what the server spends on a request
        return AppTest.from_string("import time\nfrom benchmarks import app_bench\nfrom ui import map_page\n"
                                   "_t = time.perf_counter()\nmap_page.render()\n"
                                   "app_bench.SCRIPT_TIMES.append(time.perf_counter() - _t)\n", default_timeout=300)

    from benchmarks import app_bench as this  # the module the AppTest script imports (not __main__)

    def timed(at: AppTest) -> float:
        times = this.SCRIPT_TIMES
        n = len(times)
        at.run()
        if at.exception:
            raise RuntimeError(f"the map page raised: {at.exception[0].value}")
        if len(times) == n:
            raise RuntimeError("the page script did not finish")
        return times[-1]

    out: dict[str, Any] = {}
    at = app()
    out["first_run_cold_s"] = round(timed(at), 3)
    out["first_run_payload_bytes"] = sent[-1]
    runs = [timed(app()) for _ in range(repeat)]
    out["new_session_warm_s"] = _median(runs)

    from layers.project import Project
    from layers.schema import EVALUATION_UNIT_KINDS, LAYERS
    project = Project.open(project_dir)
    kind = next(k for k in reversed(EVALUATION_UNIT_KINDS) if project.has_layer(k))
    unit = {"unit_kind": kind, "unit_id": str(project.read_layer(kind)[LAYERS[kind].id_field].iloc[0])}
    clicks = []
    for i in range(repeat):
        at = app()
        timed(at)
        key = f"{unit['unit_kind']}|{unit['unit_id']}"
        at.session_state["overview-map"] = {"last_active_drawing": {"type": "Feature", "properties": {"uk": key}},
                                            "last_object_clicked": {"lat": 29.85 + i * 1e-4, "lng": 121.5}}
        clicks.append(timed(at))
        shown = [m.value for m in at.metric]
        if not shown:
            raise RuntimeError("a simulated click did not show a scorecard")
    out["unit_click_s"] = _median(clicks)
    out["unit_click_payload_bytes"] = sent[-1]

    import mapclassify  # noqa: F401 - the page imports it in the background after the first map
    colour = []
    scheme = []
    for _ in range(repeat):
        at = app()
        timed(at)
        at.selectbox(key="map_colour").select("tax_per_mu")
        colour.append(timed(at))
        at.selectbox(key="map_scheme").select("natural_breaks")
        scheme.append(timed(at))
    out["colouring_change_s"] = _median(colour)
    out["scheme_change_s"] = _median(scheme)
    out["colouring_payload_bytes"] = sent[-1]
    search = []
    for _ in range(repeat):
        at = app()
        timed(at)
        at.text_input(key="map_find").input(str(unit["unit_id"]))
        timed(at)
        at.selectbox(key="map_search").select(f"{unit['unit_kind']}|{unit['unit_id']}")
        search.append(timed(at))
    out["search_select_s"] = _median(search)
    return out


# ------------------------------------------------------------------------------------------------ main


def _child(phase: str, project_dir: str, repeat: int, extra: list[str] | None = None) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.app_bench", project_dir, "--phase", phase, "--repeat", str(repeat),
               *(extra or [])]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"phase {phase} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)


def goal_checks(doc: dict[str, Any]) -> dict[str, Any]:
    layers, page = doc["layers"], doc["page"]
    return {
        "first_map_cold_s": layers["first_map_cold_s"], "first_map_warm_s": layers["first_map_warm_s"],
        "page_first_run_cold_s": page["first_run_cold_s"], "page_new_session_warm_s": page["new_session_warm_s"],
        "first_map_ok": max(layers["first_map_cold_s"], page["new_session_warm_s"]) < GOALS["first_map_max_s"],
        "unit_click_s": page["unit_click_s"], "colouring_change_s": page["colouring_change_s"],
        "interactions_ok": max(page["unit_click_s"], page["colouring_change_s"], page["scheme_change_s"])
        < GOALS["interaction_max_s"],
        "page_weight_mb": layers["page_weight_mb"], "page_weight_ok": layers["page_weight_mb"] < GOALS["page_max_mb"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.app_bench", description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", help="project folder (default: the demo, built into a temporary folder)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per warm timing (median reported)")
    parser.add_argument("--compare-geojson", action="store_true", help="also size the map drawn as plain folium GeoJSON")
    parser.add_argument("--phase", choices=("layers", "page"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.phase:
        doc = phase_layers(args.project, args.repeat, args.compare_geojson) if args.phase == "layers" \
            else phase_page(args.project, args.repeat)
        print(json.dumps(doc, ensure_ascii=False))
        return 0
    with tempfile.TemporaryDirectory(prefix="landpark-app-bench-") as tmp:
        project_dir = args.project
        if project_dir is None:
            from layers.demo import build_demo_project
            say("building the demo district…")
            project_dir = str(build_demo_project(Path(tmp) / "demo").root)
        from benchmarks.run import machine_info
        doc: dict[str, Any] = {"machine": machine_info(), "project": project_dir, "repeat": args.repeat}
        say("map pipeline in a fresh process…")
        doc["layers"] = _child("layers", project_dir, args.repeat, ["--compare-geojson"] if args.compare_geojson else [])
        say("page script under AppTest in a fresh process…")
        doc["page"] = _child("page", project_dir, args.repeat)
        doc["goals"] = goal_checks(doc)
        doc["machine"]["load_average_at_end"] = list(os.getloadavg())
    print(json.dumps(doc, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
