"""``DELETE ds.t WHERE ...`` (FROM is optional on BigQuery), and a missing table named with its
dataset.

DML statements, "DELETE statement": "DELETE [FROM] target_name [[AS] alias] WHERE condition".
sqlglot read the table of a DELETE without FROM as the first of MySQL's multi-table DELETE list
and wrote it back so: DuckDB's "Parser Error: syntax error at or near ds" for a statement
BigQuery runs. A missing table was "Not found: Table embedded:nope was not found (Catalog Error:
... Did you mean "pg_catalog.pg_enum"?)": no dataset, and a DuckDB system table offered.
BigQuery: "Not found: Table project:ds.nope was not found in location US".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows


@pytest.fixture
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (player STRING, game_date DATE, pts INT64)").result()
    c.query("INSERT INTO ds.box VALUES ('a', DATE '2025-01-01', 20), ('a', DATE '2025-01-02', NULL), "
            "('b', DATE '2025-01-01', 12)").result()
    c.query("CREATE TABLE ds.daily (game_date DATE, pts INT64) PARTITION BY game_date "
            "OPTIONS (require_partition_filter = TRUE)").result()
    yield c
    c.close()


def test_delete_without_from_deletes_what_delete_from_deletes(client: DuckDBClient) -> None:
    job = client.query("DELETE ds.box WHERE pts IS NULL")
    job.result()
    assert job.num_dml_affected_rows == 1
    client.query("DELETE ds.box AS x WHERE x.player = 'b'").result()
    assert rows(client, "SELECT player, pts FROM ds.box") == [("a", 20)]


def test_delete_without_from_keeps_the_where_and_partition_filter_rules(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="DELETE must have a WHERE clause"):
        client.query("DELETE ds.box").result()
    with pytest.raises(gexc.BadRequest, match="without a filter over column.s. 'game_date'"):
        client.query("DELETE ds.daily WHERE pts = 1").result()
    client.query("DELETE ds.daily WHERE game_date = DATE '2025-01-01'").result()


@pytest.mark.parametrize("sql", [
    "SELECT * FROM ds.nope",
    "DELETE ds.nope WHERE TRUE",
    "INSERT INTO ds.nope (a) VALUES (1)",
    "UPDATE ds.nope SET a = 1 WHERE TRUE",
    "MERGE ds.nope t USING (SELECT 1 AS a) s ON t.a = s.a WHEN MATCHED THEN DELETE",
    "SELECT player FROM ds.box JOIN ds.nope USING (player)",
])
def test_a_missing_table_is_named_with_its_dataset(client: DuckDBClient, sql: str) -> None:
    with pytest.raises(gexc.NotFound) as raised:
        client.query(sql).result()
    assert raised.value.message == f"Not found: Table {client.project}:ds.nope was not found in location US"
