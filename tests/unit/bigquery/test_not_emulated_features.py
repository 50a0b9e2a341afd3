"""BigQuery features the embedded warehouse has no form of are refused by name.

Until stop 33 DuckDB's own errors pointed elsewhere: an INFORMATION_SCHEMA view or a wildcard
table was "404 Not found: Table embedded:INFORMATION_SCHEMA.TABLES was not found" (a processor
that reads "not found" as "no data yet" would carry on), time travel was "Parser Error: syntax
error at or near FOR", and ``@@project_id`` was "Query parameter '' not found".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.games_2024 (game_id STRING)").result()
    yield c
    c.close()


REFUSED = [
    ("SELECT table_name FROM ds.INFORMATION_SCHEMA.TABLES", "INFORMATION_SCHEMA views (INFORMATION_SCHEMA.TABLES)"),
    ("SELECT column_name FROM proj.ds.INFORMATION_SCHEMA.COLUMNS WHERE table_name = 'g'",
     "INFORMATION_SCHEMA views (INFORMATION_SCHEMA.COLUMNS)"),
    ("SELECT partition_id, last_modified_time FROM ds.INFORMATION_SCHEMA.PARTITIONS",
     "INFORMATION_SCHEMA views (INFORMATION_SCHEMA.PARTITIONS)"),
    ("SELECT job_id FROM `region-us`.INFORMATION_SCHEMA.JOBS", "INFORMATION_SCHEMA views (INFORMATION_SCHEMA.JOBS)"),
    ("SELECT _TABLE_SUFFIX AS season FROM `ds.games_*`", "Wildcard tables (ds.games_*, _TABLE_SUFFIX)"),
    ("SELECT * FROM ds.games_2024 FOR SYSTEM_TIME AS OF TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR)",
     "Time travel (FOR SYSTEM_TIME AS OF) on ds.games_2024"),
    ("SELECT @@project_id AS p", "System variables (@@project_id)"),
    ("SELECT * FROM ds.games_2024 WHERE game_id = @@dataset_id", "System variables (@@dataset_id)"),
]


@pytest.mark.parametrize(("sql", "named"), REFUSED, ids=[sql for sql, _ in REFUSED])
def test_a_feature_with_no_embedded_form_is_refused_by_name(client: DuckDBClient, sql: str, named: str) -> None:
    with pytest.raises(gexc.GoogleAPICallError) as caught:
        client.query(sql).result()
    assert isinstance(caught.value, gexc.BadRequest)  # not NotFound: the table is not missing
    assert named in str(caught.value)
    assert "not emulated by the embedded warehouse" in str(caught.value)


def test_the_way_an_information_schema_refusal_points_to_exists(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest) as caught:
        client.query("SELECT table_name FROM ds.INFORMATION_SCHEMA.TABLES").result()
    named = [word for word in ("get_table", "list_tables", "get_dataset") if word in str(caught.value)]
    assert named == ["get_table", "list_tables", "get_dataset"]
    assert client.get_table("ds.games_2024").table_id == "games_2024"
    assert [t.table_id for t in client.list_tables("ds")] == ["games_2024"]
    assert client.get_dataset("ds").dataset_id == "ds"


def test_a_table_named_like_them_still_reads(client: DuckDBClient) -> None:
    assert [tuple(r.values()) for r in client.query("SELECT COUNT(*) AS n FROM ds.games_2024").result()] == [(0,)]


def test_information_schema_without_a_dataset_is_refused_too(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="INFORMATION_SCHEMA views .* not emulated"):
        client.query("SELECT schema_name FROM INFORMATION_SCHEMA.SCHEMATA").result()
