"""CONCAT and || write each value as CAST(x AS STRING) writes it, as BigQuery does.

String functions, "CONCAT": "All values must be BYTES or data types that can be cast to
STRING"; ``||`` is CONCAT (operators). Until stop 34 DuckDB wrote its own text of a non-string
value: a prop-line key ``CONCAT(player, '_', line)`` with a FLOAT64 line of 25.0 was
``'a_25.0'`` here and ``'a_25'`` on BigQuery. Expected texts are what ``CAST(x AS STRING)``
gives here (checked against BigQuery's rules in test_timestamp_text.py and the reference's
examples elsewhere), so a key built either way is the same.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one, rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.lines (player STRING, line FLOAT64, usage NUMERIC, tipoff TIMESTAMP, n INT64, "
            "d DATE, ok BOOL)").result()
    c.query("INSERT INTO ds.lines VALUES ('a', 25.0, 0.25, TIMESTAMP '2025-01-15 19:30:00.5+00', 7, "
            "DATE '2025-01-15', TRUE), ('b', 24.5, 1, TIMESTAMP '2025-01-15 19:30:00+00', -3, DATE '2025-01-16', "
            "FALSE)").result()
    yield c
    c.close()


def test_a_whole_float64_line_makes_the_same_key_as_bigquery(client: DuckDBClient) -> None:
    got = rows(client, "SELECT CONCAT(player, '_', line), player || '_' || line FROM ds.lines ORDER BY player")
    assert got == [("a_25", "a_25"), ("b_24.5", "b_24.5")]


def test_every_value_is_written_as_its_cast(client: DuckDBClient) -> None:
    columns = ["line", "usage", "tipoff", "n", "d", "ok"]
    concatenated = rows(client, "SELECT " + ", ".join(f"CONCAT('<', {c}, '>'), '<' || {c} || '>'" for c in columns)
                        + " FROM ds.lines ORDER BY player")
    cast = rows(client, "SELECT " + ", ".join(f"'<' || CAST({c} AS STRING) || '>'" for c in columns)
                + " FROM ds.lines ORDER BY player")
    assert [row[::2] for row in concatenated] == cast
    assert [row[1::2] for row in concatenated] == cast
    assert cast[0] == ("<25>", "<0.25>", "<2025-01-15 19:30:00.500+00>", "<7>", "<2025-01-15>", "<true>")


def test_literals_are_written_as_their_cast(client: DuckDBClient) -> None:
    assert rows(client, "SELECT CONCAT('a', 25.0), 'a' || 1.50, CONCAT('a', 7), CONCAT('a', -3.0), CONCAT('a', 0.1)") \
        == [("a25", "a1.5", "a7", "a-3", "a0.1")]


def test_null_and_bytes_are_as_before(client: DuckDBClient) -> None:
    assert rows(client, "SELECT CONCAT('x', NULL), 'x' || NULL, CONCAT(b'a', b'b'), CONCAT(player, player) "
                        "FROM ds.lines WHERE player = 'a'") == [(None, None, b"ab", "aa")]
    assert one(client, "SELECT CONCAT('x', CAST(NULL AS FLOAT64))") is None


def test_literals_and_columns_mixed_and_several_concatenations(client: DuckDBClient) -> None:
    literals = ["25.0", "1.5", "7", "12345678901234567", "1e15", "1e16", "0.1", "-3.0"]
    concatenated = rows(client, "SELECT " + ", ".join(f"CONCAT('<', {v}, line)" for v in literals)
                        + " FROM ds.lines WHERE player = 'a'")
    cast = rows(client, "SELECT " + ", ".join(f"'<' || CAST({v} AS STRING) || CAST(line AS STRING)" for v in literals)
                + " FROM ds.lines WHERE player = 'a'")
    assert concatenated == cast
    assert concatenated[0][:4] == ("<2525", "<1.525", "<725", "<1234567890123456725")
    # a concatenation with no STRING literal before one with a literal: the second is still written
    assert rows(client, "SELECT CONCAT(player, player), CONCAT('<', line), player || player, '<' || line "
                        "FROM ds.lines WHERE player = 'a'") == [("aa", "<25", "aa", "<25")]
