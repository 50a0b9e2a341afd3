"""A STRING query parameter read as a DATE, DATETIME or TIMESTAMP must hold that type's text.

Conversion rules, "Query parameter coercion": a STRING parameter coerces to DATE, DATETIME, TIME
and TIMESTAMP, and "If the parameter value can't be coerced successfully to the target type, an
error is provided." DuckDB cast the text its own way: ``WHERE game_date = @d`` with ``@d =
'2025/01/15'`` matched the date here and fails on BigQuery. The format is the one literals are
held to (data types, "Canonical format"); the statement rules find which parameters are read as
dates once per statement shape, and each query's values are checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.g (k STRING, d DATE, ts TIMESTAMP)").result()
    c.query("INSERT INTO ds.g VALUES ('2025/01/15', DATE '2025-01-15', TIMESTAMP '2025-01-16 00:30:00+00')").result()
    yield c
    c.close()


def run(client: DuckDBClient, sql: str, **params: str | None) -> list[tuple]:
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter(name, "STRING", value) for name, value in params.items()])
    return [tuple(r.values()) for r in client.query(sql, job_config=config).result()]


def test_a_date_parameter_in_the_canonical_format_is_read_as_a_date(client: DuckDBClient) -> None:
    assert run(client, "SELECT k FROM ds.g WHERE d = @d", d="2025-01-15") == [("2025/01/15",)]
    assert run(client, "SELECT k FROM ds.g WHERE d IN (@a, @b)", a="2025-1-15", b="2025-01-31") == \
        [("2025/01/15",)]
    assert run(client, "SELECT k FROM ds.g WHERE ts = @t", t="2025-01-15 19:30:00 America/New_York") == \
        [("2025/01/15",)]
    assert run(client, "SELECT k FROM ds.g WHERE d = @d", d=None) == []


@pytest.mark.parametrize("sql, value, target", [
    ("SELECT k FROM ds.g WHERE d = @p", "2025/01/15", "DATE"),
    ("SELECT k FROM ds.g WHERE d IN (@p)", "15-01-2025", "DATE"),
    ("SELECT k FROM ds.g WHERE @p < ts", "2025-01-15 24:00:00", "TIMESTAMP"),
    ("INSERT INTO ds.g (k, d) VALUES ('x', @p)", "2025-01-15 10:00:00", "DATE"),
    ("UPDATE ds.g SET ts = @p WHERE TRUE", "yesterday", "TIMESTAMP"),
])
def test_a_value_out_of_the_format_is_refused_naming_the_parameter(client: DuckDBClient, sql: str, value: str,
                                                                   target: str) -> None:
    with pytest.raises(gexc.BadRequest, match=f"Query parameter 'p' of type STRING cannot be coerced to {target}"):
        run(client, sql, p=value)
    assert run(client, "SELECT k, d, ts FROM ds.g") == \
        [("2025/01/15", dt.date(2025, 1, 15), dt.datetime(2025, 1, 16, 0, 30, tzinfo=dt.UTC))]


def test_each_query_is_checked_even_when_the_statement_passed_before(client: DuckDBClient) -> None:
    # the statement's rules are walked once per shape; the values of every query are checked
    sql = "SELECT k FROM ds.g WHERE d = @d"
    assert run(client, sql, d="2025-01-15") == [("2025/01/15",)]
    with pytest.raises(gexc.BadRequest, match="cannot be coerced to DATE: '2025/01/15'"):
        run(client, sql, d="2025/01/15")
    assert run(client, sql, d="2025-01-16") == []


def test_the_parameter_is_a_date_wherever_it_is_read_as_one(client: DuckDBClient) -> None:
    # DuckDB compared a DATE with a text parameter only by `=`: `<` and BETWEEN were binder
    # errors ("Cannot compare values of type DATE and type VARCHAR"); BigQuery coerces it.
    for _ in range(2):  # the second time from the statement's stored verdict
        assert run(client, "SELECT k FROM ds.g WHERE d < @d", d="2025-01-16") == [("2025/01/15",)]
        assert run(client, "SELECT k FROM ds.g WHERE d BETWEEN @a AND @b", a="2025-01-01", b="2025-01-31") == \
            [("2025/01/15",)]
        assert run(client, "SELECT k FROM ds.g WHERE ts >= @t", t="2025-01-15 19:30:00 America/New_York") == \
            [("2025/01/15",)]
    # read as a date in one place and as text in another: each place keeps its type
    assert run(client, "SELECT CONCAT(@d, '!') FROM ds.g WHERE d <= @d", d="2025-01-15") == [("2025-01-15!",)]


def test_a_typed_parameter_is_not_recast(client: DuckDBClient) -> None:
    # a DATETIME parameter against a DATE column: the DATE coerces to DATETIME, not the other way
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("t", "DATETIME", dt.datetime(2025, 1, 15, 10))])
    assert [tuple(r.values()) for r in client.query("SELECT d < @t FROM ds.g", job_config=config).result()] == \
        [(True,)]


def test_a_string_parameter_read_as_a_string_is_any_text(client: DuckDBClient) -> None:
    assert run(client, "SELECT d FROM ds.g WHERE k = @k", k="2025/01/15") == [(dt.date(2025, 1, 15),)]
    assert run(client, "SELECT CONCAT(@k, '!')", k="not a date") == [("not a date!",)]
