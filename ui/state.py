"""What every page shares: the language, the open project and its cached analysis.

Analysis results are cached on the project's content hash (size + mtime of its files), so a
map click or a widget change never recomputes them; an import changes the hash and with it
the cache key. The caches are plain module-level dictionaries behind a lock (not
`st.cache_*`) so that a background thread can warm them while the first page draws.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from i18n import t
from layers.project import Project
from layers.settings import ProjectSettings

T = TypeVar("T")
PROJECT_KEY = "project_root"  # session key set by the data page to switch project
LANG_KEY = "lang"
_CACHE: OrderedDict[tuple, Any] = OrderedDict()  # least recently used first
_FAILED: dict[tuple, Exception] = {}
_LOCKS: dict[tuple, threading.Lock] = {}
_GLOBAL = threading.Lock()
_log = logging.getLogger("landpark.cache")


def lang() -> str:
    """The UI language chosen in the sidebar: "zh" (default) or "en"."""
    return st.session_state.get(LANG_KEY, "zh")


def tr(key: str, **values: Any) -> str:
    """`i18n.t` in the session's language, with `str.format` values."""
    text = t(key, lang())
    return text.format(**values) if values else text


def project_location() -> str | None:
    """The project chosen on the data page, else $LANDPARK_PROJECT, else None (the demo)."""
    return st.session_state.get(PROJECT_KEY) or os.environ.get("LANDPARK_PROJECT") or None


def current_project() -> Project:
    """The open project; stops the page with a clear message when it cannot be opened."""
    location = project_location()
    try:
        if location:
            from layers.projects import open_project

            return open_project(location)
        from layers.demo import ensure_demo

        with st.spinner(tr("loading_layers")):
            return ensure_demo()
    except Exception as exc:  # any failure to open is shown, never a blank page
        if type(exc).__name__ in ("StopException", "RerunException"):
            raise
        st.error(f"{tr('project_error')}: {location or 'demo'} — {exc}")
        st.stop()
        raise


def page_header(project: Project, title_key: str, *, with_region: bool = False) -> ProjectSettings:
    """The page title (with the project's region when asked) and the demo banner; returns `[project]` of the toml."""
    info = project.config.project
    year_choice(project)
    st.title(f"{tr(title_key)} · {info.region}" if with_region else tr(title_key))
    if info.demo:
        st.caption(tr("demo_banner"))
    return info


def cached(name: str, project: Project, compute: Callable[[Project], T]) -> T:
    """`compute(project)` once per (name, project folder, content hash); concurrent callers wait for one run.

    The server keeps the `[app.server] cache_entries` most recently used results; a page that needs an evicted
    one computes it again."""
    key = (name, str(project.root), project.content_hash())
    with _GLOBAL:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        lock = _LOCKS.setdefault(key, threading.Lock())
    with lock:
        with _GLOBAL:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
            if key in _FAILED:  # the same content failed before: say so again, don't recompute
                raise _FAILED[key]
        started = time.perf_counter()
        try:
            value = compute(project)
        except Exception as exc:
            with _GLOBAL:
                _FAILED[key] = exc
                _LOCKS.pop(key, None)
            raise
        evicted: list[str] = []
        with _GLOBAL:
            _CACHE[key] = value
            _LOCKS.pop(key, None)
            while len(_CACHE) > project.config.app.server.cache_entries:
                evicted.append(_CACHE.popitem(last=False)[0][0])
        _log.info("computed %s in %.2f s; %d results kept%s", name, time.perf_counter() - started, len(_CACHE),
                  f", evicted {', '.join(evicted)}" if evicted else "")
        _settle_collector(thaw=bool(evicted))
    return value


def _settle_collector(*, thaw: bool) -> None:
    """Move the cached tables out of the cyclic collector's reach (after collecting what is garbage now).

    The tables hold millions of tracked objects that live as long as the server: left in the collector's oldest
    generation, every full collection walks them all (≈ 200 ms per click on the demo). Freezing also freezes the
    objects other sessions' runs hold at that moment, and an evicted table's own cycles: with `thaw` (a result
    was evicted) everything frozen before is collected again first, so frozen garbage does not outlive the next
    eviction."""
    if thaw:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


def is_cached(name: str, project: Project) -> bool:
    """Whether `cached(name, project, …)` would answer (a value or the earlier error) without computing."""
    key = (name, str(project.root), project.content_hash())
    return key in _CACHE or key in _FAILED


METHOD_KEY = "enterprise_method"  # the 亩均 method chosen in the sidebar ("" = the project's landpark.toml)
YEAR_KEY = "evaluation_year"  # the evaluation year chosen in the sidebar (0 = the project's year, current layers)


def _evaluate(project: Project, method: str | None = None, year: int | None = None):
    from analysis.inputs import load_inputs
    from analysis.score import evaluate

    inputs = load_inputs(project, year=year)
    return inputs, evaluate(inputs, method=method or None)


def chosen_method() -> str:
    """The 亩均 method chosen in the sidebar: a preset name, or "" for the project's own landpark.toml setting."""
    return str(st.session_state.get(METHOD_KEY) or "")


def chosen_year() -> int | None:
    """The evaluation year chosen in the sidebar; None = the project's year with the current layers."""
    value = st.session_state.get(YEAR_KEY)
    return int(value) if value else None


def project_firm_years(project: Project) -> list[int]:
    """The years of whole-year firm rows in the project (layers.years.firm_years), once per content hash."""
    from layers.years import firm_years

    def compute(p: Project) -> list[int]:
        if "enterprises" not in p.layer_names():
            return []
        return firm_years(p.read_layer("enterprises", columns=[c for c in ("year", "half") if c in _columns(p)]))

    return cached("firm_years", project, compute)


def _columns(project: Project) -> list[str]:

    return [str(c) for c in project.layer_info("enterprises")["fields"]]


def year_choice(project: Project) -> None:
    """The sidebar's evaluation-year choice, shown when the firm data hold more than one year: every page then
    evaluates that year's firms with the layers in force on its evaluation date."""
    years = project_firm_years(project)
    if len(years) < 2:
        st.session_state.pop(YEAR_KEY, None)
        return
    options = [0, *sorted(years, reverse=True)]
    if st.session_state.get(YEAR_KEY) not in options:
        st.session_state[YEAR_KEY] = 0
    default = project.config.project.year
    st.sidebar.selectbox(tr("year_choice"), options, key=YEAR_KEY,
                         format_func=lambda y: tr("year_project").format(year=default) if not y else tr("year_item")
                         .format(year=y), help=tr("year_choice_help"))


def evaluation_key() -> str:
    """The cache name of the evaluation with the chosen method and year."""
    method, year = chosen_method(), chosen_year()
    name = f"evaluation:{method}" if method else "evaluation"
    return f"{name}@{year}" if year else name


def evaluation(project: Project):
    """(EvaluationInputs, Evaluation) of the project with the chosen method and year, computed once per content hash."""
    method, year = chosen_method(), chosen_year()
    name = evaluation_key()

    def compute(p: Project):
        return _evaluate(p, method, year)

    if is_cached(name, project):
        return cached(name, project, compute)
    with st.spinner(tr("evaluating")):
        return cached(name, project, compute)


def evaluation_of_year(project: Project, year: int):
    """(EvaluationInputs, Evaluation) of `year`'s firm data with the chosen method (layers in force then), cached."""
    method = chosen_method()
    name = (f"evaluation:{method}" if method else "evaluation") + f"@{year}"
    if is_cached(name, project):
        return cached(name, project, lambda p: _evaluate(p, method, year))
    with st.spinner(tr("evaluating")):
        return cached(name, project, lambda p: _evaluate(p, method, year))


def evaluation_or_stop(project: Project):
    """`evaluation(project)`; a failure is shown as a message naming it and the page stops (never a traceback)."""
    try:
        return evaluation(project)
    except Exception as exc:  # any analysis failure must reach the user as text
        if type(exc).__name__ in ("StopException", "RerunException"):
            raise
        st.error(f"{tr('evaluation_failed')}: {type(exc).__name__}: {exc}")
        st.stop()
        raise


def warm_up(project: Project) -> None:
    """Start computing the evaluation in a background thread so the first click finds it ready, with what naming the
    parcel under a click needs: the parcels' spatial index and the lon/lat → project CRS transformer (its
    operation is looked up in PROJ's database once, ~0.2 s)."""
    if is_cached("evaluation", project):
        return
    def run() -> None:
        from spatial.transform import transformer

        try:
            inputs, _ = cached("evaluation", project, _evaluate)
            if project.crs is not None:
                transformer(4326, project.crs)
            if len(inputs.parcels):
                inputs.parcels.sindex  # noqa: B018 - built on first access and kept by the frame
        except Exception:  # kept in _FAILED; the page that needs the evaluation shows the error
            pass

    threading.Thread(target=run, daemon=True, name="landpark-warm-up").start()


def leaflet_urls() -> tuple[str, str]:
    """Leaflet as the app serves it from its static folder (shipped in maps/vendor, copied there by `landpark app`)."""
    from maps.assets import leaflet_urls as served

    return served()
