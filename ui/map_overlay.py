"""A run's overlay for a prepared map, sent apart from the map (an `st.components.v2` component of the page).

Through streamlit-folium, an overlay rides in the map component's arguments: every run that changes it sends
the whole map script again (~22 KB for 供地分析) and the map's frame handles it all again. Here the map's arguments
stay the same from run to run (Streamlit then sends a reference to the copy the browser keeps) and this small
element carries the overlay: the selection's features, which listed rows to show and the view. The map's side is
`maps.overlays.OverlayChannel`; both name the same channel.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import streamlit as st

ASSETS = Path(__file__).parent / "assets"


@lru_cache(maxsize=1)
def _component() -> Any:
    return st.components.v2.component("landpark_map_overlay", js=(ASSETS / "map_overlay.js").read_text(encoding="utf-8"))


def send_overlay(channel: str, overlay: dict[str, Any], *, key: str, prefetch: tuple[str, ...] = ()) -> None:
    """Hand `overlay` ({"layers": [...], "masks": {...}, "view": {"center": [lat, lon], "zoom": z} | None}) to the
    map whose base carries `OverlayChannel(channel)`. The element draws nothing. `prefetch`: files the map's frame
    will ask for, asked for by the page at once (once per page), so they are in the browser's cache when it does."""
    _component()(key=key, data={"channel": channel, "overlay": overlay, "prefetch": list(prefetch)}, height=0)


__all__ = ["send_overlay"]
