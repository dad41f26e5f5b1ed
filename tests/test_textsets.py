"""layers/textsets.text_isin gives pandas' own `isin` answer on text, mixed and missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layers.textsets import text_isin

COLUMN = pd.Series(["91330000A", "91330000B", None, "甲公司", "91330000A", ""], dtype="str")


@pytest.mark.parametrize("values, expected", [
    (["91330000A", "甲公司"], [True, False, False, True, True, False]),
    (pd.Index(["91330000B"], dtype="str"), [False, True, False, False, False, False]),
    ({"", "x"}, [False, False, False, False, False, True]),
    (np.array(["甲公司"], dtype=object), [False, False, False, True, False, False]),
    ([], [False] * 6),
    (["91330000A", None], [True, False, True, False, True, False]),  # a missing value matches a missing one
    ([1, "91330000B"], [False, True, False, False, False, False]),  # mixed: pandas decides
])
def test_same_answer_as_pandas_and_by_hand(values, expected):
    got = text_isin(COLUMN, values)
    assert got.dtype == bool and got.tolist() == expected
    assert got.tolist() == COLUMN.isin(list(values) if not isinstance(values, pd.Index) else values).tolist()


def test_object_and_index_columns_are_left_to_pandas():
    column = pd.Series(["a", 1, None], dtype=object)
    assert text_isin(column, ["a", 1]).tolist() == [True, True, False]
    assert text_isin(pd.Index(["a", "b"], dtype="str"), ["b"]).tolist() == [False, True]


def test_a_city_sized_column():
    codes = pd.Series([f"9133{i:014d}" for i in range(200_000)], dtype="str")
    wanted = pd.Index([f"9133{i:014d}" for i in range(0, 400_000, 3)])  # a third exist, a third more do not
    got = text_isin(codes, wanted)
    assert got.sum() == len(range(0, 200_000, 3)) and got[::3].all() and not got[1::3].any()
