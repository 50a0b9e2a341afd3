"""An ARRAY with a NULL element may be used inside a query, never returned or written.

Data types, "NULLs and the array type": "GoogleSQL for BigQuery raises an error if the query
result has an array which contains NULL elements, although such an array can be used inside
the query" (``SELECT [1, NULL, 3]`` is the page's error example, ``FORMAT('%T', [1, NULL, 3])``
its working one); BigQuery's message is "Array cannot have a null element; error in writing
field ...". Until stop 34 the embedded warehouse returned ``[1, None]`` and stored
``['a', NULL]``: ``ARRAY_CONCAT(tags, [team])`` with a NULL team passed here and failed on
BigQuery.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one, rows

NULL_ELEMENT = "Array cannot have a null element; error in writing field"


@pytest.fixture
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (player STRING, team STRING, tags ARRAY<STRING>, "
            "stints ARRAY<STRUCT<minutes INT64>>)").result()
    c.query("INSERT INTO ds.box VALUES ('a', 'LAL', ['x'], [STRUCT(30)]), ('b', NULL, [], [])").result()
    yield c
    c.close()


@pytest.mark.parametrize(("sql", "field"), [
    ("SELECT [1, NULL, 3] AS numbers", "numbers"),
    ("SELECT ARRAY(SELECT IF(x > 1, NULL, x) FROM UNNEST([1, 2]) AS x)", "f0_"),
    ("SELECT ARRAY_CONCAT(tags, [team]) AS t FROM ds.box", "t"),
    ("SELECT STRUCT([1, NULL] AS a) AS s", "a"),
    ("SELECT [STRUCT(1 AS a), NULL] AS s", "s"),
    ("SELECT [TIMESTAMP '2025-01-01 00:00:00+00', NULL] AS ts", "ts"),
])
def test_a_result_with_a_null_element_fails(client: DuckDBClient, sql: str, field: str) -> None:
    with pytest.raises(gexc.BadRequest, match=f"{NULL_ELEMENT} {field}"):
        client.query(sql).result()


def test_such_an_array_may_be_used_inside_the_query(client: DuckDBClient) -> None:
    assert rows(client, "SELECT ARRAY_LENGTH([1, NULL, 3]), (SELECT COUNT(x) FROM UNNEST([1, NULL]) AS x), "
                        "ARRAY(SELECT x FROM UNNEST([1, NULL, 3]) AS x WHERE x IS NOT NULL)") == [(3, 1, [1, 3])]


@pytest.mark.parametrize(("sql", "field"), [
    ("INSERT INTO ds.box (player, tags) VALUES ('c', ['y', NULL])", "tags"),
    ("INSERT INTO ds.box (player, tags) SELECT player, ARRAY_CONCAT(tags, [team]) FROM ds.box", "tags"),
    ("UPDATE ds.box SET tags = ARRAY_CONCAT(tags, [team]) WHERE TRUE", "tags"),
    ("UPDATE ds.box SET stints = [STRUCT(20 AS minutes), NULL] WHERE player = 'a'", "stints"),
    ("MERGE ds.box t USING (SELECT 'a' AS player) s ON t.player = s.player "
     "WHEN MATCHED THEN UPDATE SET tags = [CAST(NULL AS STRING)]", "tags"),
])
def test_a_write_with_a_null_element_fails_and_writes_nothing(client: DuckDBClient, sql: str, field: str) -> None:
    before = rows(client, "SELECT player, team, ARRAY_TO_STRING(tags, ','), ARRAY_LENGTH(stints) FROM ds.box ORDER BY player")
    with pytest.raises(gexc.BadRequest, match=f"{NULL_ELEMENT} {field}"):
        client.query(sql).result()
    assert rows(client, "SELECT player, team, ARRAY_TO_STRING(tags, ','), ARRAY_LENGTH(stints) FROM ds.box "
                        "ORDER BY player") == before


def test_a_created_table_with_a_null_element_is_not_created(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match=f"{NULL_ELEMENT} t"):
        client.query("CREATE TABLE ds.made AS SELECT 'a' AS p, ['x', NULL] AS t").result()
    with pytest.raises(gexc.NotFound):
        client.get_table("ds.made")


def test_writes_without_null_elements_pass(client: DuckDBClient) -> None:
    client.query("UPDATE ds.box SET tags = ARRAY_CONCAT(tags, [IFNULL(team, '?')]) WHERE TRUE").result()
    assert rows(client, "SELECT player, tags FROM ds.box ORDER BY player") == [("a", ["x", "LAL"]), ("b", ["?"])]
    assert one(client, "SELECT COUNT(*) FROM ds.box WHERE tags IS NULL") == 0
