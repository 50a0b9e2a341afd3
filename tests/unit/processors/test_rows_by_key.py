"""``RowsByKey.rows(v)`` is ``frame[frame[col] == v].reset_index(drop=True)``, found once per frame.

Phase 3 reads a day's rows once and takes each game's rows from them; ``RowsByKey`` finds each
key's positions once instead of comparing the whole column per game. Every case compares it
with the boolean mask itself (the same rows, order, columns, dtypes and index).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_processors.analytics.analytics_base import RowsByKey


class _Id(str):
    """A ``str`` subclass value (equal to the plain string)."""

    __slots__ = ()


def _frame(ids: list[object], id_dtype: object) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({
        "game_id": pd.Series(ids, dtype=id_dtype),
        "player": pd.Series([f"Dončić {i}" if i % 3 else None for i in range(n)], dtype="str"),
        "points": pd.array([i if i % 4 else None for i in range(n)], dtype="Int64"),
        "minutes": [float("nan") if i % 5 == 0 else i / 2 for i in range(n)],
        "at": pd.to_datetime([f"2025-01-{1 + i % 28:02d}" for i in range(n)], utc=True),
        "tags": [["a", "b"] if i % 2 else [] for i in range(n)],
    }).set_axis(pd.RangeIndex(100, 100 + n))  # index labels a mask keeps and a reset drops


CONTIGUOUS = ["g1", "g1", "g1", "g2", "g2", "g3"]
INTERLEAVED = ["g1", "g2", "g1", None, "g3", "g1", np.nan, "g2"]
ASKED = ["g1", "g2", "g3", "nope", "", "G1"]


@pytest.mark.parametrize("ids", [CONTIGUOUS, INTERLEAVED, [], [_Id("g1"), "g1", "g2"]],
                         ids=["ordered", "interleaved with missing", "empty", "str subclass"])
@pytest.mark.parametrize("id_dtype", ["str", object])
@pytest.mark.parametrize("reset", [True, False])
def test_rows_equal_the_boolean_mask(ids, id_dtype, reset):
    frame = _frame(ids, id_dtype)
    frame.attrs["source"] = "nbac"
    index = RowsByKey(frame, "game_id")
    for value in ASKED:
        expected = frame[frame["game_id"] == value]
        if reset:
            expected = expected.reset_index(drop=True)
        got = index.rows(value, reset_index=reset)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert got.attrs == expected.attrs
        assert list(got["game_id"]) == list(expected["game_id"])
        assert len(got) == sum(isinstance(i, str) and i == value for i in ids)


@pytest.mark.parametrize("id_dtype", ["Int64", "string[python]", "float64"])
def test_other_columns_and_other_values_take_the_mask_itself(id_dtype):
    ids = [1, 2, 1, None] if id_dtype != "string[python]" else ["1", "2", "1", None]
    frame = _frame(ids, id_dtype)
    index = RowsByKey(frame, "game_id")
    for value in (1, "1", 2.0):
        try:
            expected = frame[frame["game_id"] == value].reset_index(drop=True)
        except (TypeError, ValueError) as err:  # the mask's own error, raised the same way
            with pytest.raises(type(err)):
                index.rows(value)
            continue
        pd.testing.assert_frame_equal(index.rows(value), expected, check_exact=True)


def test_a_non_str_value_on_a_str_column_is_compared_as_the_mask_does():
    frame = _frame(CONTIGUOUS, object)
    frame.loc[frame.index[0], "game_id"] = 7
    index = RowsByKey(frame, "game_id")
    pd.testing.assert_frame_equal(index.rows(7), frame[frame["game_id"] == 7].reset_index(drop=True))
    assert len(index.rows(7)) == 1
