"""The tick list's text (ui.tick_list): numbers with their places, missing values as an em dash, rows in order."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def test_cells_show_numbers_with_their_places_and_missing_as_a_dash():
    from ui.tick_list import cell_text

    assert cell_text(1234.5, 2) == "1,234.50"
    assert cell_text(7, 0) == "7" and cell_text(2.25, 1) == "2.2"  # Python rounds half to even, as f-strings do
    assert [cell_text(v) for v in (None, math.nan, pd.NA, "")] == ["—"] * 4
    assert cell_text("ZD000024") == "ZD000024" and cell_text("0508", 2) == "0508"  # a code stays as written


def test_page_rows_keep_the_frames_order():
    from ui.tick_list import page_rows

    frame = pd.DataFrame({"宗地编号": ["B", "A"], "面积（亩）": [12.345, np.nan], "类别": ["闲置土地", None]})
    assert page_rows(frame, {"面积（亩）": 2}) == [["B", "12.35", "闲置土地"], ["A", "—", "—"]]
    assert page_rows(frame.iloc[:0], {}) == []
