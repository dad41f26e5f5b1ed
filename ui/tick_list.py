"""A page of a list with a tick box per row, drawn in the app's own page (an `st.components.v2` component).

`st.dataframe` reports a changed row selection only after a fixed 150 ms pause (its frontend debounces it) and
as row positions. This list sends a tick at once and as ids: the ids of the page's rows that are ticked
(`TickEvent`), which `ticks_after` merges into the selection kept by the page. The rows arrive as text,
formatted here; the page's selection comes back with every run, in a small element of its own, and sets the
boxes (ui/assets/tick_list.js).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

ASSETS = Path(__file__).parent / "assets"
NAME = "landpark_tick_list"


@dataclass(frozen=True)
class TickEvent:
    """One tick sent by the list: the ids of the page's rows (`page`), those ticked now (`ticked`) and the event's
    number (`n`: the same event is applied once, however many runs read it)."""

    page: tuple[str, ...]
    ticked: frozenset[str]
    n: float


@lru_cache(maxsize=1)
def _components() -> tuple[Any, Any]:
    """The table and its ticks' messenger, registered once (script and style read from ui/assets)."""
    table = st.components.v2.component(NAME, js=(ASSETS / "tick_list.js").read_text(encoding="utf-8"),
                                       css=(ASSETS / "tick_list.css").read_text(encoding="utf-8"))
    ticks = st.components.v2.component(f"{NAME}_state", js=(ASSETS / "tick_state.js").read_text(encoding="utf-8"))
    return table, ticks


def cell_text(value: Any, decimals: int | None = None) -> str:
    """A cell as shown: numbers with `decimals` places, missing values (None, NaN, "") as an em dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value == "":
        return "—"
    if decimals is not None and isinstance(value, (int, float)):
        return f"{value:,.{decimals}f}"
    return str(value)


def page_rows(frame: pd.DataFrame, decimals: dict[str, int]) -> list[list[str]]:
    """The frame's rows as text, numeric columns named in `decimals` with that many places."""
    columns = [[cell_text(v, decimals.get(name)) for v in frame[name].tolist()] for name in frame.columns]
    return [list(row) for row in zip(*columns)] if columns else []


def read_event(state: Any) -> TickEvent | None:
    """The component's last tick (`{"page": [...], "ticked": [...], "n": ...}`), None when there is none or it is
    malformed."""
    try:
        page = tuple(str(p) for p in state["page"])
        return TickEvent(page, frozenset(str(p) for p in state["ticked"]) & frozenset(page), float(state["n"]))
    except (KeyError, TypeError, ValueError):
        return None


def ticks_after(selected: Collection[str], event: TickEvent) -> set[str]:
    """The selection once `event` is applied: the page's rows as ticked, every other id as it was."""
    return (set(selected) - set(event.page)) | set(event.ticked)


def tick_list(frame: pd.DataFrame, ids: Sequence[str], selected: Collection[str], *, key: str, height: int,
              decimals: dict[str, int], tick_label: str, all_label: str, applied: float | None) -> TickEvent | None:
    """Draw `frame` (one page, headings as shown) with a box per row, ticked where its id (`ids`, row order) is in
    `selected`; returns the list's last tick event (None before the first). `applied`: the number of the last
    event the page applied, sent back so the boxes wait for a newer tick still on its way.

    Two elements: the table (under `key`), the same from run to run while its rows are, so Streamlit sends a
    reference to the copy the browser keeps; and the ticks (under `key`_state), a few hundred bytes."""
    numeric = [i for i, name in enumerate(frame.columns) if name in decimals]
    rows = page_rows(frame, decimals)
    ids = [str(i) for i in ids]
    columns = [str(c) for c in frame.columns]
    table = {"channel": key, "columns": columns, "rows": rows, "ids": ids, "numeric": numeric,
             "height": height, "tick_label": tick_label, "all_label": all_label,
             "signature": str(hash((tuple(ids), tuple(columns), tuple(map(tuple, rows)))))}
    state = {"channel": key, "selected": [i for i in ids if i in selected], "applied": applied}
    table_component, ticks_component = _components()
    with st.container(gap=None):  # the state element draws nothing and takes no room
        result = table_component(key=key, data=table, default={"ticks": None}, on_ticks_change=lambda: None,
                                 height="content")
        ticks_component(key=f"{key}_state", data=state, height=0)
    return read_event(getattr(result, "ticks", None))


__all__ = ["TickEvent", "cell_text", "page_rows", "read_event", "tick_list", "ticks_after"]
