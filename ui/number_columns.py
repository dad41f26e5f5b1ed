"""Column labels and number formats for evaluation tables shown with `st.dataframe`.

Labels come from the one translation table through `reports.column_label` (the same
Chinese labels, with units, as the PDF and Excel exports); formats follow the export's number
kinds (`i18n.numbers.PRINTF_FORMATS`: ratios as percentages, areas and money to 0.1, per-mu values to 0.01,
counts as integers).
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from i18n.numbers import PRINTF_FORMATS, column_kind


def column_config(columns: Iterable[str], lang: str, *, labels: dict[str, str] | None = None,
                  kinds: dict[str, str] | None = None) -> dict:
    """`st.dataframe` column_config for evaluation columns: translated label and number format."""
    from reports import column_label

    labels, kinds = labels or {}, kinds or {}
    out = {}
    for name in columns:
        label = labels.get(name) or column_label(name, lang)
        kind = kinds.get(name) or column_kind(name)
        if kind in PRINTF_FORMATS:
            out[name] = st.column_config.NumberColumn(label, format=PRINTF_FORMATS[kind])
        elif kind == "bool":
            out[name] = st.column_config.CheckboxColumn(label)
        else:
            out[name] = st.column_config.TextColumn(label)
    return out
