"""State that stays and can be shared: the view's filters, colouring, selection, basemap, method and language
survive page switches and language changes, and live in the address (?unit=YQ01&colour=supply_ratio&lang=zh),
so a link in a briefing reopens the same view.

Streamlit forgets a widget's value when its page is not drawn; `keep()` re-assigns every listed key at the
start of each run, which detaches it from that clean-up. `restore()` fills keys the session does not have
from the address; `publish()` writes the current values back. Pages check restored values against their
options (`valid_or_drop`) before drawing a widget, so a stale link cannot break a page.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

# session key → address parameter
URL_STATE: dict[str, str] = {
    "lang": "lang",
    "enterprise_method": "method",
    "map_unit": "unit",
    "map_colour": "colour",
    "map_colour_kind": "kind",
    "map_scheme": "scheme",
    "map_basemap": "basemap",
    "scores_kind": "scores_kind",
    "scores_sort": "sort",
    "scores_order": "order",
    "supply_filter_unit": "supply_unit",
    "supply_view": "supply_view",
}
# kept across pages but not put in the address (lists and numbers the address would only bloat)
KEPT_ONLY = ("supply_filter_category", "supply_filter_min_mu", "supply_sort", "enterprises_group", "enterprises_class",
             "enterprises_industry", "enterprises_search", "enterprises_unscored", "siting_area", "siting_industry")
RESTORED = "_view_state_restored"


def restore() -> None:
    """Once per session: take every listed key the session lacks from the address."""
    if st.session_state.get(RESTORED):
        return
    st.session_state[RESTORED] = True
    params = st.query_params
    for key, name in URL_STATE.items():
        if key not in st.session_state and name in params:
            value = params[name]
            st.session_state[key] = None if value in ("", "none") else value


def keep() -> None:
    """Re-assign every kept key so a page switch does not clear it."""
    for key in (*URL_STATE, *KEPT_ONLY):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def publish() -> None:
    """Write the current values of the address keys into the address (only when they changed)."""
    wanted = {}
    for key, name in URL_STATE.items():
        value = st.session_state.get(key)
        if value is not None and value != "":
            wanted[name] = str(value)
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def valid_or_drop(key: str, options: Iterable[object]) -> None:
    """Drop a restored value that is not one of a widget's `options` (a link from another project or version)."""
    if key in st.session_state and st.session_state[key] not in set(options):
        del st.session_state[key]
