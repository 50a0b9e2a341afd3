"""``frame_records`` is ``DataFrame.to_dict('records')``: the same dicts, values and value types."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from shared_services.utils.frames import frame_records


def _typed(records: list[dict[str, Any]]) -> list[list[tuple[str, type, str]]]:
    return [[(k, type(v), repr(v)) for k, v in r.items()] for r in records]


FRAMES = {
    "every processor dtype": pd.DataFrame({
        "i": pd.array([1, None, 3], dtype="Int64"), "f": [1.5, np.nan, 2.0],
        "s": pd.array(["a", None, "c"], dtype="str"), "b": pd.array([True, None, False], dtype="boolean"),
        "bb": [True, False, True], "n": np.array([1, 2, 3]), "ff": pd.array([1.5, None, 2.0], dtype="Float64"),
        "o": [np.array(["x"]), [], None], "c": pd.Categorical(["g", "g", "s"]),
        "t": pd.to_datetime(["2025-01-01", None, "2025-01-02"], utc=True),
        "d": [dt.date(2025, 1, 1)] * 3, "m": [{"a": 1}, {"b": [1]}, None],
    }),
    "empty": pd.DataFrame({"a": pd.array([], dtype="Int64"), "b": []}),
    "no columns": pd.DataFrame(index=range(2)),
    "naive datetimes (to_dict's own path)": pd.DataFrame({"t": pd.to_datetime(["2025-01-01", None])}),
    "duplicate labels": pd.DataFrame([[1, 2]], columns=["a", "a"]),
    "integer labels": pd.DataFrame([[1, 2]]),
}


@pytest.mark.filterwarnings("ignore:DataFrame columns are not unique")  # to_dict's own, both sides
@pytest.mark.parametrize("name", sorted(FRAMES))
def test_the_same_records_as_to_dict(name: str) -> None:
    frame = FRAMES[name]
    expected = frame.to_dict("records")
    got = frame_records(frame)
    assert _typed(got) == _typed(expected)
    assert len(got) == len(frame)
