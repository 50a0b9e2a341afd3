"""Result rows are converted column by column with per-field converters; the values must be
exactly those of :func:`convert_duckdb_value` cell by cell, and ``to_dataframe()`` from the kept
tuples must equal the frame built from the rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest
from google.api_core import exceptions as gexc
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
     [dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 2, tzinfo=PLUS2)], ['{"a": 1}', "null"], {"at": dt.datetime(2025, 1, 1), "k": "v", "extra": 1},
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


@pytest.mark.parametrize("field", [f for f in SCHEMA if f.mode == "REPEATED"] + [SchemaField("xs", "INTEGER", mode="REPEATED")])
def test_a_null_element_is_refused_by_both_paths(field: SchemaField) -> None:
    """Data types, "NULLs and the array type": "GoogleSQL for BigQuery raises an error if the
    query result has an array which contains NULL elements"."""
    element = {"STRING": "p", "TIMESTAMP": dt.datetime(2025, 1, 1), "JSON": "1", "INTEGER": 1}.get(
        field.field_type, {"at": None})
    with pytest.raises(gexc.BadRequest, match=f"Array cannot have a null element; error in writing field {field.name}"):
        convert_duckdb_rows([([element, None],)], [field])
    with pytest.raises(gexc.BadRequest, match="Array cannot have a null element"):
        convert_duckdb_value([None], field)
    assert convert_duckdb_rows([([element],)], [field]) == [(convert_duckdb_value([element], field),)]


def test_records_in_arrays_convert_their_fields() -> None:
    """A TIMESTAMP inside a REPEATED RECORD is in UTC, a DATETIME inside a RECORD stays civil
    (stated here, not read from the cell-by-cell conversion the test above compares with)."""
    recs = SchemaField("recs", "RECORD", mode="REPEATED", fields=[SchemaField("at", "TIMESTAMP"),
                                                                  SchemaField("local", "DATETIME")])
    civil = dt.datetime(2025, 1, 1, 19, 30)
    got = convert_duckdb_rows([([{"at": dt.datetime(2025, 1, 1, 21, 30, tzinfo=PLUS2), "local": civil}],)], [recs])
    assert got == [([{"at": dt.datetime(2025, 1, 1, 19, 30, tzinfo=UTC), "local": civil}],)]
    assert got[0][0][0]["at"].tzinfo is UTC and got[0][0][0]["local"].tzinfo is None


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


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"max_results": -1}, "max_results"), ({"max_results": "2"}, "max_results"), ({"max_results": 1.5}, "max_results"),
    ({"start_index": -3}, "start_index"), ({"start_index": True}, "start_index"), ({"page_size": -1}, "page_size"),
])
def test_result_refuses_a_row_window_that_is_not_a_count(kwargs, named) -> None:
    """``QueryJob.result(max_results=, start_index=, page_size=)`` take non-negative integers;
    anything else is named (the rows are never silently cut by a string or a bool)."""
    from shared_services.bigquery.duckdb_client import DuckDBClient

    client = DuckDBClient(":memory:")
    job = client.query("SELECT x FROM UNNEST([1, 2, 3]) AS x ORDER BY x")
    with pytest.raises(ValueError, match=rf"^{named} must be a non-negative integer, got "):
        job.result(**kwargs)
    assert [r.x for r in job.result(max_results=0)] == [] and [r.x for r in job.result(page_size=1)] == [1, 2, 3]
    client.close()


def test_a_windowed_result_keeps_the_jobs_id_schema_and_frame() -> None:
    """``result(max_results=, start_index=)``: the rows asked for, with the job's id and schema,
    and ``to_dataframe`` of just those rows; the whole result has them too."""
    from shared_services.bigquery.duckdb_client import DuckDBClient

    client = DuckDBClient(":memory:")
    job = client.query("SELECT x, CAST(x AS STRING) AS s FROM UNNEST([1, 2, 3, 4]) AS x ORDER BY x")
    for rows in (job.result(), job.result(start_index=1, max_results=2)):
        assert rows.job_id == job.job_id
        assert [f.name for f in rows.schema] == ["x", "s"] and rows.total_rows == 4
    window = job.result(start_index=1, max_results=2)
    assert window.to_dataframe().to_dict("list") == {"x": [2, 3], "s": ["2", "3"]}
    assert [tuple(r.values()) for r in window] == [(2, "2"), (3, "3")]
    client.close()


def test_result_takes_what_the_clients_result_takes_and_names_anything_else() -> None:
    """``QueryJob.result(max_result=2)`` (misspelt) is a TypeError on BigQuery's client; here it
    returned every row. Retry and timeout arguments are taken, as there."""
    from google.cloud import bigquery

    from shared_services.bigquery.duckdb_client import DuckDBClient

    client = DuckDBClient(":memory:")
    job = client.query("SELECT x FROM UNNEST([1, 2, 3]) AS x ORDER BY x")
    with pytest.raises(TypeError, match=r"\['max_result'\]"):
        job.result(max_result=2)
    assert [r.x for r in job.result(timeout=30, retry=None, job_retry=None)] == [1, 2, 3]
    assert [r.x for r in job.result(None, 2, None, 30)] == [1, 2]
    client.create_dataset("ds")
    load = client.load_table_from_json([{"a": 1}], "ds.t", job_config=bigquery.LoadJobConfig(
        schema=[bigquery.SchemaField("a", "INT64")]))
    assert load.result(timeout=5).output_rows == 1
    with pytest.raises(TypeError, match=r"\['timout'\]"):
        load.result(timout=5)
    client.close()


def test_to_dataframe_names_an_argument_that_would_change_the_frame() -> None:
    """``to_dataframe(dtypes={...})`` / ``int_dtype=...`` change the frame on BigQuery's client;
    here they were ignored. Download choices are taken, and ``QueryJob.to_dataframe``'s
    ``max_results`` limits the rows."""
    from shared_services.bigquery.duckdb_client import DuckDBClient

    client = DuckDBClient(":memory:")
    job = client.query("SELECT x FROM UNNEST([1, 2, 3]) AS x ORDER BY x")
    for call in (lambda: job.result().to_dataframe(dtypes={"x": "float64"}),
                 lambda: job.result().to_dataframe(int_dtype="int32"),
                 lambda: job.to_dataframe(dtypes={"x": "float64"}),
                 lambda: job.result().to_dataframe(None, {"x": "float64"})):
        with pytest.raises(ValueError, match=r"not supported by the embedded warehouse.*frame.astype"):
            call()
    frame = job.result().to_dataframe(create_bqstorage_client=False, progress_bar_type=None, dtypes=None,
                                      geography_as_object=False)
    assert frame["x"].tolist() == [1, 2, 3]
    assert job.to_dataframe(max_results=2)["x"].tolist() == [1, 2]
    client.close()
