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
