"""Result DataFrames: the vectorised DATE column equals db_dtypes' own conversion."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from shared_services.bigquery.jobs import _date_series

CASES = [
    [],
    [None],
    [dt.date(2025, 1, 15), None, dt.date(1999, 12, 31), dt.date(2025, 1, 15)],
    [dt.date(1678, 1, 1), dt.date(2262, 1, 1)],          # the ends of the vectorised range
    [dt.date(1677, 9, 22), dt.date(2262, 4, 11)],        # beyond it: db_dtypes' path, still in bounds
    ["2025-01-15", None],                                # not dates: db_dtypes' path
    [dt.datetime(2025, 1, 15, 23, 59), dt.date(2025, 1, 16)],
]


@pytest.mark.parametrize("values", CASES, ids=range(len(CASES)))
def test_a_date_column_is_what_db_dtypes_makes(values: list[object]) -> None:
    expected = pd.Series(values, dtype="dbdate")
    got = _date_series(values)
    pd.testing.assert_series_equal(got, expected)


def test_a_date_out_of_range_fails_as_db_dtypes_does() -> None:
    with pytest.raises(Exception) as expected:
        pd.Series([dt.date(1, 1, 1)], dtype="dbdate")
    with pytest.raises(expected.type):
        _date_series([dt.date(1, 1, 1)])
