"""A NULL ARRAY written to a table is stored as an empty ARRAY, as on BigQuery.

Data types, "Array type" > "NULLs and the array type": "When you write a NULL array to a table,
it's converted to an empty array." A load already did so here; SQL did not: after ``INSERT ...
VALUES ('p1', NULL)`` DuckDB kept the NULL, so ``WHERE tags IS NULL`` found rows BigQuery has none
of and ``ARRAY_LENGTH(tags)`` was NULL where BigQuery says 0. A REPEATED column an INSERT leaves
out is empty too. A NULL ARRAY that is only selected stays NULL (it is not written).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (k STRING, tags ARRAY<STRING>, games ARRAY<INT64>, n INT64)").result()
    yield c
    c.close()


def rows(client: DuckDBClient, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in client.query(sql).result()]


def stored(client: DuckDBClient, table: str = "ds.box") -> list[tuple]:
    return rows(client, f"SELECT k, tags IS NULL, ARRAY_LENGTH(tags), tags FROM {table} ORDER BY k")


@pytest.mark.parametrize("sql", [
    "INSERT INTO ds.box (k, tags) VALUES ('a', NULL)",
    "INSERT INTO ds.box (k) VALUES ('a')",
    "INSERT INTO ds.box (k, tags) SELECT 'a', CAST(NULL AS ARRAY<STRING>)",
    "INSERT INTO ds.box (k, tags, games, n) VALUES ('a', NULL, NULL, NULL)",
])
def test_an_inserted_null_array_is_stored_empty(client: DuckDBClient, sql: str) -> None:
    client.query(sql).result()
    assert stored(client) == [("a", False, 0, [])]
    # every REPEATED column (the client shows a NULL array as [] too: ask IS NULL); a NULL INT64 stays NULL
    assert rows(client, "SELECT games IS NULL, ARRAY_LENGTH(games), n FROM ds.box") == [(False, 0, None)]


def test_update_merge_and_create_table_as_select_store_empty_arrays(client: DuckDBClient) -> None:
    client.query("INSERT INTO ds.box (k, tags) VALUES ('a', ['x']), ('b', ['y'])").result()
    client.query("UPDATE ds.box SET tags = NULL WHERE k = 'a'").result()
    client.query("MERGE ds.box T USING (SELECT 'b' AS k UNION ALL SELECT 'c') S ON T.k = S.k "
                 "WHEN MATCHED THEN UPDATE SET tags = NULL WHEN NOT MATCHED THEN INSERT (k) VALUES (S.k)").result()
    assert stored(client) == [("a", False, 0, []), ("b", False, 0, []), ("c", False, 0, [])]
    client.query("CREATE TABLE ds.copy AS SELECT 'd' AS k, CAST(NULL AS ARRAY<STRING>) AS tags").result()
    assert stored(client, "ds.copy") == [("d", False, 0, [])]


def test_a_selected_null_array_stays_null_and_a_view_is_left_alone(client: DuckDBClient) -> None:
    assert rows(client, "SELECT CAST(NULL AS ARRAY<INT64>) IS NULL") == [(True,)]
    client.query("CREATE VIEW ds.v AS SELECT 'e' AS k, CAST(NULL AS ARRAY<STRING>) AS tags").result()
    assert rows(client, "SELECT k, tags IS NULL FROM ds.v") == [("e", True)]


def test_a_failing_statement_changes_nothing(client: DuckDBClient) -> None:
    client.query("INSERT INTO ds.box (k, tags) VALUES ('a', ['x'])").result()
    with pytest.raises(gexc.BadRequest):
        client.query("INSERT INTO ds.box (k, tags, n) SELECT 'b', NULL, CAST('x' AS INT64)").result()
    assert stored(client) == [("a", False, 1, ["x"])]
