"""The data page (to be built)."""

from __future__ import annotations

import streamlit as st

from ui.state import tr


def render() -> None:
    st.title(tr("page_data"))
