"""``CREATE [OR REPLACE] TABLE FUNCTION [IF NOT EXISTS]`` on the embedded warehouse, as BigQuery
answers them: a plain CREATE of an existing function is refused ("Already Exists"), IF NOT
EXISTS leaves the existing one as it is, OR REPLACE replaces it (and asks DuckDB nothing about
what exists: listing the functions costs about 20 ms). Each case calls the function to see
which body is in place.
"""

from __future__ import annotations

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture
def client(tmp_path):
    client = DuckDBClient(str(tmp_path / "w.duckdb"))
    client.create_dataset("ds")
    client.query("CREATE TABLE ds.t AS SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3").result()
    yield client
    client.close()


def _ddl(head: str, threshold: int) -> str:
    return f"{head} ds.above(k INT64) AS (SELECT n FROM ds.t WHERE n > k + {threshold})"


def _call(client: DuckDBClient) -> list[int]:
    return sorted(row["n"] for row in client.query("SELECT n FROM ds.above(0)").result())


def test_create_then_create_again_is_refused_and_keeps_the_first_body(client):
    client.query(_ddl("CREATE TABLE FUNCTION", 0)).result()
    assert _call(client) == [1, 2, 3]
    with pytest.raises(gexc.BadRequest, match="Already Exists: Table function .*ds.above"):
        client.query(_ddl("CREATE TABLE FUNCTION", 1)).result()
    assert _call(client) == [1, 2, 3]


def test_if_not_exists_leaves_an_existing_function_alone_and_creates_a_missing_one(client):
    client.query(_ddl("CREATE TABLE FUNCTION IF NOT EXISTS", 1)).result()
    assert _call(client) == [2, 3]
    client.query(_ddl("CREATE TABLE FUNCTION IF NOT EXISTS", 2)).result()
    assert _call(client) == [2, 3]


def test_or_replace_creates_a_missing_function_and_replaces_an_existing_one(client):
    client.query(_ddl("CREATE OR REPLACE TABLE FUNCTION", 2)).result()
    assert _call(client) == [3]
    client.query(_ddl("CREATE OR REPLACE TABLE FUNCTION", 0)).result()
    assert _call(client) == [1, 2, 3]


# The statement's documented forms (data-definition-language#create_table_function_statement):
# ``AS sql_query`` needs no parentheses, RETURNS TABLE<...> and OPTIONS (description) may come
# before it. The embedded warehouse used to take only ``AS (query)``: the documentation's own
# examples were a "Syntax error" here.
@pytest.mark.parametrize(("ddl", "expected"), [
    ("CREATE OR REPLACE TABLE FUNCTION ds.above(k INT64)\nAS\n  SELECT n FROM ds.t\n  WHERE n > k", [2, 3]),
    ("CREATE TABLE FUNCTION ds.above(k INT64) RETURNS TABLE<n INT64> AS SELECT n FROM ds.t WHERE n > k", [2, 3]),
    ("CREATE TABLE FUNCTION ds.above(k INT64) OPTIONS (description = 'rows above k, (strictly)') "
     "AS (SELECT n FROM ds.t WHERE n > k)", [2, 3]),
    ("CREATE TABLE FUNCTION ds.above(k INT64) AS (SELECT n FROM ds.t WHERE n > k) UNION ALL (SELECT k AS n);",
     [1, 2, 3]),
])
def test_the_documented_forms_create_a_function_that_answers(client, ddl, expected):
    client.query(ddl).result()
    assert sorted(row["n"] for row in client.query("SELECT n FROM ds.above(1)").result()) == expected


@pytest.mark.parametrize(("ddl", "message"), [
    ("CREATE TABLE FUNCTION ds.above(k INT64) RETURNS TABLE<m INT64> AS SELECT n FROM ds.t WHERE n > k",
     r"RETURNS TABLE names \['m'\], which the query does not return"),
    ("CREATE TABLE FUNCTION ds.above(k INT64) RETURNS TABLE<> AS SELECT n FROM ds.t", "declares no column"),
    ("CREATE TABLE FUNCTION ds.above(k INT64) OPTIONS (friendly_name = 'x') AS SELECT n FROM ds.t",
     "OPTIONS takes description = 'text' only"),
    ("CREATE TABLE FUNCTION ds.above(k INT64) AS", "Syntax error: expected CREATE"),
])
def test_a_malformed_returns_options_or_body_is_refused_and_nothing_is_created(client, ddl, message):
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(ddl).result()
    with pytest.raises(gexc.GoogleAPICallError):
        client.query("SELECT n FROM ds.above(1)").result()
