"""The app server's result cache (ui/state.cached): least recently used dropped first, at the toml's bound, one
computation for concurrent callers, and an evicted result's memory reclaimed even though it was frozen."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from pathlib import Path
from types import SimpleNamespace

import pytest

from ui import state


class _Project:
    """What `cached` reads of a project: its folder, content hash and [app.server] cache_entries."""

    def __init__(self, root: Path, entries: int) -> None:
        self.root = root
        self.config = SimpleNamespace(app=SimpleNamespace(server=SimpleNamespace(cache_entries=entries)))

    def content_hash(self) -> str:
        return "v1"


@pytest.fixture
def empty_cache(monkeypatch):
    """A cache of this test's own (the module's dictionaries swapped for empty ones); the collector thawed after."""
    from collections import OrderedDict

    monkeypatch.setattr(state, "_CACHE", OrderedDict())
    monkeypatch.setattr(state, "_FAILED", {})
    monkeypatch.setattr(state, "_LOCKS", {})
    yield
    gc.unfreeze()


def test_the_least_recently_used_result_goes_first(tmp_path, empty_cache):
    project = _Project(tmp_path, entries=2)
    computed: list[str] = []

    def compute(name: str):
        return lambda p: computed.append(name) or name.upper()

    assert state.cached("a", project, compute("a")) == "A"
    assert state.cached("b", project, compute("b")) == "B"
    assert state.cached("a", project, compute("a")) == "A"  # a hit: "a" is now the most recently used
    state.cached("c", project, compute("c"))  # over the bound of 2: "b" goes, not the older but busier "a"
    assert state.is_cached("a", project) and not state.is_cached("b", project) and state.is_cached("c", project)
    state.cached("b", project, compute("b"))
    assert computed == ["a", "b", "c", "b"]


def test_concurrent_callers_share_one_computation(tmp_path, empty_cache):
    project = _Project(tmp_path, entries=4)
    calls: list[int] = []

    def slow(p):
        calls.append(1)
        time.sleep(0.2)
        return 42

    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(state.cached("slow", project, slow))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [42] * 4 and len(calls) == 1


class _Cycle:
    """A value that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_an_evicted_result_in_a_cycle_is_freed_although_it_was_frozen(tmp_path, empty_cache):
    project = _Project(tmp_path, entries=1)
    alive = weakref.ref(state.cached("cycle", project, lambda p: _Cycle()))
    assert gc.get_freeze_count() > 0 and alive() is not None  # kept, and out of the collector's reach
    state.cached("next", project, lambda p: 1)  # evicts "cycle"
    gc.collect()
    assert alive() is None
