"""A statement's BigQuery-rule verdict is reused only against the same catalog.

``DuckDBClient.query`` checks every statement (docs/bigquery-rules.md). A statement that passed
is not re-walked when the same text with the same parameter types runs again against an
identical catalog; any change the checks could see (a table replaced with other partition
settings or column types, by this client or another one on the same file) must give a fresh
check, and a rejection is never remembered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient

SELECT_PLAIN = "SELECT game_id FROM ds.plain WHERE game_id = @g"
COMPARE_OTHER = "SELECT game_id FROM ds.plain WHERE other = @n"


def _plain(client: DuckDBClient, other_type: str = "INT64", partitioned: bool = False) -> None:
    """(Re)create ds.plain: game_id, game_date, other; partitioned on game_date with the filter required."""
    client.delete_table("ds.plain", not_found_ok=True)
    table = bigquery.Table(f"{client.project}.ds.plain", schema=[
        bigquery.SchemaField("game_id", "STRING"), bigquery.SchemaField("game_date", "DATE"),
        bigquery.SchemaField("other", other_type)])
    if partitioned:
        table.time_partitioning = bigquery.TimePartitioning(field="game_date")
        table.require_partition_filter = True
    client.create_table(table)


#: Every test starts without verdicts another test left (an identical catalog and statement
#: elsewhere would otherwise save the rule walk a test here counts or expects).
pytestmark = pytest.mark.usefixtures("no_rule_verdicts")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "verdicts.duckdb"


@pytest.fixture
def client(path: Path) -> Iterator[DuckDBClient]:
    c = DuckDBClient(str(path), project="proj")
    c.create_dataset("ds")
    _plain(c)
    yield c
    c.close()


def ask(client: DuckDBClient, sql: str, *params: bigquery.ScalarQueryParameter) -> int:
    rows = client.query(sql, job_config=bigquery.QueryJobConfig(query_parameters=list(params))).result()
    return rows.total_rows or 0


G = bigquery.ScalarQueryParameter("g", "STRING", "x")
N = bigquery.ScalarQueryParameter("n", "INT64", 3)


def test_a_repeated_statement_on_an_unchanged_catalog_is_walked_once(client: DuckDBClient,
                                                                     walks: list[str]) -> None:
    for _ in range(3):
        assert ask(client, COMPARE_OTHER, N) == 0
    assert len(walks) == 1
    # Other parameter types are another statement for the checks.
    assert ask(client, COMPARE_OTHER, bigquery.ScalarQueryParameter("n", "FLOAT64", 3.0)) == 0
    assert len(walks) == 2
    with pytest.raises(gexc.BadRequest, match="No matching signature"):
        ask(client, COMPARE_OTHER, bigquery.ScalarQueryParameter("n", "STRING", "3"))


def test_a_table_that_now_requires_a_partition_filter_rejects_the_statement_it_accepted(
        client: DuckDBClient, walks: list[str]) -> None:
    assert ask(client, SELECT_PLAIN, G) == 0
    _plain(client, partitioned=True)
    for _ in range(2):  # and a rejection is not remembered as a pass either
        with pytest.raises(gexc.BadRequest, match="partition elimination"):
            ask(client, SELECT_PLAIN, G)
    assert len(walks) == 3


def test_a_column_whose_type_changed_rejects_the_comparison_it_accepted(client: DuckDBClient) -> None:
    assert ask(client, COMPARE_OTHER, N) == 0            # other INT64 = INT64 parameter
    client.query("CREATE OR REPLACE TABLE ds.plain (game_id STRING, game_date DATE, other STRING)").result()
    with pytest.raises(gexc.BadRequest, match="No matching signature"):
        ask(client, COMPARE_OTHER, N)                    # other STRING = INT64 parameter


def test_a_change_made_by_another_client_of_the_file_is_seen(client: DuckDBClient, path: Path) -> None:
    assert ask(client, SELECT_PLAIN, G) == 0
    other = DuckDBClient(str(path), project="proj")
    try:
        _plain(other, partitioned=True)
    finally:
        other.close()
    with pytest.raises(gexc.BadRequest, match="partition elimination"):
        ask(client, SELECT_PLAIN, G)


def test_the_same_statement_passes_again_once_the_catalog_is_back(client: DuckDBClient) -> None:
    assert ask(client, SELECT_PLAIN, G) == 0
    _plain(client, partitioned=True)
    with pytest.raises(gexc.BadRequest, match="partition elimination"):
        ask(client, SELECT_PLAIN, G)
    _plain(client)
    assert ask(client, SELECT_PLAIN, G) == 0
