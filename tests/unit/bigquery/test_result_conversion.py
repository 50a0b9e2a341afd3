"""Result rows are converted column by column with per-field converters; the values must be
exactly those of :func:`convert_duckdb_value` cell by cell, and ``to_dataframe()`` from the kept
tuples must equal the frame built from the rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest
from google.cloud.bigquery import SchemaField

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.jobs import (
    convert_duckdb_rows,
    convert_duckdb_value,
    rows_to_dataframe,
)

UTC = dt.UTC
PLUS2 = dt.timezone(dt.timedelta(hours=2))

SCHEMA = [
    SchemaField("s", "STRING"), SchemaField("n", "INTEGER"), SchemaField("ts", "TIMESTAMP"),
    SchemaField("j", "JSON"), SchemaField("tags", "STRING", mode="REPEATED"),
    SchemaField("times", "TIMESTAMP", mode="REPEATED"), SchemaField("docs", "JSON", mode="REPEATED"),
    SchemaField("rec", "RECORD", fields=[SchemaField("at", "TIMESTAMP"), SchemaField("k", "STRING")]),
    SchemaField("recs", "RECORD", mode="REPEATED", fields=[SchemaField("at", "TIMESTAMP")]),
]
ROWS = [
    ("a", 1, dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=PLUS2), '{"x": [1, 2]}', ["p", "q"],
     [dt.datetime(2025, 1, 1), None], ['{"a": 1}', None], {"at": dt.datetime(2025, 1, 1), "k": "v", "extra": 1},
     [{"at": dt.datetime(2025, 1, 1, tzinfo=PLUS2)}]),
    (None, None, dt.datetime(2025, 1, 2, 3, 4, 5), b'"text"', None, None, None, None, None),
    ("c", 3, None, None, [], [], [], {"at": None, "k": None}, []),
]


def test_the_same_values_as_converting_cell_by_cell() -> None:
    expected = [tuple(convert_duckdb_value(v, f) for v, f in zip(row, SCHEMA, strict=True)) for row in ROWS]
    got = convert_duckdb_rows(ROWS, SCHEMA)
    assert got == expected
    assert [[type(v) for v in row] for row in got] == [[type(v) for v in row] for row in expected]
    assert [[getattr(v, "tzinfo", None) for v in row] for row in got] == \
        [[getattr(v, "tzinfo", None) for v in row] for row in expected]


def test_plain_columns_among_converted_ones_are_kept() -> None:
    schema = [SchemaField("s", "STRING"), SchemaField("ts", "TIMESTAMP")]
    rows = [("a", dt.datetime(2025, 1, 1)), ("b", None)]
    assert convert_duckdb_rows(rows, schema) == [("a", dt.datetime(2025, 1, 1, tzinfo=UTC)), ("b", None)]
    assert convert_duckdb_rows([], schema) == []


@pytest.fixture
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    yield c
    c.close()


@pytest.mark.parametrize("sql", [
    "SELECT 1 AS n, 'a' AS s, TIMESTAMP '2025-01-01 10:00:00+02' AS ts, [1, 2] AS xs, "
    "DATE '2025-01-02' AS d, 1.5 AS f, TRUE AS b, JSON '{\"a\": [1]}' AS j "
    "UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL",
    "SELECT x FROM UNNEST([3, 1, 2]) AS x WHERE x > 5",   # no rows: dtypes kept
])
def test_to_dataframe_from_the_kept_tuples_equals_the_frame_of_the_rows(client: DuckDBClient, sql: str) -> None:
    job = client.query(sql)
    rows = list(job.result())
    assert job._values is not None
    pd.testing.assert_frame_equal(job.to_dataframe(), rows_to_dataframe(rows, job.schema))
