"""``ARRAY_FIRST`` / ``ARRAY_LAST``: the first (last) element, an error for an empty array, NULL
for a NULL one (array functions, "ARRAY_FIRST", "ARRAY_LAST"; the message is ZetaSQL's). Until
stop 35 both were "Function not supported by the embedded warehouse". A player's latest game in a
list built with ``ARRAY_AGG(... ORDER BY game_date)`` is a typical use.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (player STRING, game_date DATE, pts INT64)").result()
    c.query("INSERT INTO ds.box VALUES ('a', DATE '2025-01-03', 25), ('a', DATE '2025-01-01', 20), "
            "('b', DATE '2025-01-02', 12)").result()
    yield c
    c.close()


def test_the_reference_examples(client: DuckDBClient) -> None:
    assert rows(client, "SELECT ARRAY_FIRST(['a','b','c','d']), ARRAY_LAST(['a','b','c','d'])") == [("a", "d")]


def test_first_and_last_of_an_ordered_aggregate(client: DuckDBClient) -> None:
    got = rows(client, "SELECT player, ARRAY_FIRST(ARRAY_AGG(pts ORDER BY game_date)), "
                       "ARRAY_LAST(ARRAY_AGG(pts ORDER BY game_date)) FROM ds.box GROUP BY player ORDER BY player")
    assert got == [("a", 20, 25), ("b", 12, 12)]


def test_a_null_array_gives_null_and_an_empty_one_fails(client: DuckDBClient) -> None:
    assert rows(client, "SELECT ARRAY_FIRST(CAST(NULL AS ARRAY<INT64>)), ARRAY_LAST(CAST(NULL AS ARRAY<STRING>))") \
        == [(None, None)]
    with pytest.raises(gexc.BadRequest, match=r": ARRAY_FIRST cannot get the first element of an empty array$"):
        client.query("SELECT ARRAY_FIRST(ARRAY(SELECT pts FROM ds.box WHERE pts > 100))").result()
    with pytest.raises(gexc.BadRequest, match=r": ARRAY_LAST cannot get the last element of an empty array$"):
        client.query("SELECT ARRAY_LAST(CAST([] AS ARRAY<INT64>))").result()
    assert rows(client, "SELECT SAFE.ARRAY_LAST(CAST([] AS ARRAY<INT64>))") == [(None,)]
