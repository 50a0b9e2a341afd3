"""STRUCT values are converted field by field in order, as on BigQuery.

"The original struct field types can be explicitly cast to the corresponding target struct field
types (as defined by field order, not field name)" (conversion functions, "CAST AS STRUCT"); a
STRUCT coerces to a "STRUCT with the same field position types" (conversion rules). DuckDB
matches STRUCT fields by name, so before stop 32:

- ``INSERT INTO t (stats) VALUES (STRUCT(5, 3))`` was a DuckDB binder error ("STRUCT to STRUCT
  cast must have at least one matching member");
- ``INSERT ... SELECT STRUCT(1 AS ast, 2 AS reb)`` into a ``STRUCT<reb, ast>`` column stored
  reb = 2, ast = 1 where BigQuery stores reb = 1, ast = 2 (silently different rows);
- ``CAST(stats AS STRUCT<ast INT64, reb INT64>)`` kept each value under its old name.

Each expected row below is written from the rule (position i of the value goes to field i of
the target), not read from the code.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient


def _warehouse() -> DuckDBClient:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (player STRING, stats STRUCT<reb INT64, ast INT64>, "
            "shots ARRAY<STRUCT<x INT64, made BOOL>>, tags ARRAY<STRING>, "
            "info STRUCT<who STRING, s STRUCT<reb INT64, ast INT64>, games ARRAY<INT64>>)").result()
    c.query("INSERT INTO ds.box (player, stats, info) VALUES ('p1', STRUCT(5 AS reb, 3 AS ast), "
            "STRUCT('p1' AS who, STRUCT(5 AS reb, 3 AS ast) AS s, [1, 2] AS games))").result()
    return c


@pytest.fixture
def client() -> Iterator[DuckDBClient]:
    c = _warehouse()
    yield c
    c.close()


def rows(client: DuckDBClient, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in client.query(sql).result()]


def stats_of(client: DuckDBClient, player: str) -> tuple:
    return rows(client, f"SELECT stats.reb, stats.ast FROM ds.box WHERE player = '{player}'")[0]


# --- inserted and assigned STRUCT literals ------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "INSERT INTO ds.box (player, stats) VALUES ('p2', STRUCT(7, 2))",
    "INSERT INTO ds.box (player, stats) SELECT 'p2', STRUCT(7, 2)",
    # the names are not read: the first value is reb, whatever it is called
    "INSERT INTO ds.box (player, stats) SELECT 'p2', STRUCT(7 AS ast, 2 AS reb)",
    "INSERT INTO ds.box (player, stats) VALUES ('p2', STRUCT(7 AS ast, 2 AS reb))",
    "INSERT INTO ds.box (player, stats) SELECT 'p2', STRUCT(7 AS ast, 2 AS reb) AS stats",
])
def test_an_inserted_struct_fills_the_columns_fields_in_order(client: DuckDBClient, sql: str) -> None:
    client.query(sql).result()
    assert stats_of(client, "p2") == (7, 2)


def test_an_array_of_struct_literals_is_inserted_by_position(client: DuckDBClient) -> None:
    client.query("INSERT INTO ds.box (player, shots) VALUES "
                 "('p3', [STRUCT(24 AS made, TRUE AS x), STRUCT(3, FALSE)])").result()
    assert rows(client, "SELECT shots FROM ds.box WHERE player = 'p3'") == \
        [([{"x": 24, "made": True}, {"x": 3, "made": False}],)]


def test_an_array_literal_of_other_values_is_inserted_as_it_is(client: DuckDBClient) -> None:
    client.query("INSERT INTO ds.box (player, tags, shots) VALUES ('p4', ['a', 'b'], [])").result()
    client.query("INSERT INTO ds.box (player, tags) SELECT 'p5', ['c']").result()
    assert rows(client, "SELECT player, tags, shots FROM ds.box WHERE player IN ('p4', 'p5') ORDER BY player") == \
        [("p4", ["a", "b"], []), ("p5", ["c"], [])]


def test_update_and_merge_assign_structs_by_position(client: DuckDBClient) -> None:
    client.query("UPDATE ds.box SET stats = STRUCT(10 AS ast, 11 AS reb) WHERE player = 'p1'").result()
    assert stats_of(client, "p1") == (10, 11)
    client.query("CREATE TABLE ds.src (player STRING)").result()
    client.query("INSERT INTO ds.src VALUES ('p1'), ('p9')").result()
    client.query("MERGE ds.box T USING ds.src S ON T.player = S.player "
                 "WHEN MATCHED THEN UPDATE SET stats = STRUCT(20 AS ast, 21 AS reb) "
                 "WHEN NOT MATCHED THEN INSERT (player, stats) VALUES (S.player, STRUCT(30 AS ast, 31 AS reb))").result()
    assert stats_of(client, "p1") == (20, 21)
    assert stats_of(client, "p9") == (30, 31)


def test_each_insert_branch_of_a_merge_is_by_position(client: DuckDBClient) -> None:
    client.query("CREATE TABLE ds.src (player STRING)").result()
    client.query("INSERT INTO ds.src VALUES ('p7'), ('p8')").result()
    client.query("MERGE ds.box T USING ds.src S ON T.player = S.player "
                 "WHEN NOT MATCHED AND S.player = 'p7' THEN INSERT (player, stats) VALUES (S.player, STRUCT(1 AS ast, 2 AS reb)) "
                 "WHEN NOT MATCHED THEN INSERT (player, stats) VALUES (S.player, STRUCT(3 AS ast, 4 AS reb))").result()
    assert stats_of(client, "p7") == (1, 2)
    assert stats_of(client, "p8") == (3, 4)


# --- CAST AS STRUCT ----------------------------------------------------------------------------------

def test_a_cast_renames_fields_by_position(client: DuckDBClient) -> None:
    # stats is (reb 5, ast 3): cast to <ast, reb>, the first field (5) is now called ast
    assert rows(client, "SELECT CAST(stats AS STRUCT<ast INT64, reb INT64>).ast FROM ds.box") == [(5,)]
    assert rows(client, "SELECT CAST(STRUCT(1 AS x, 2 AS y) AS STRUCT<a INT64, b INT64>)") == [({"a": 1, "b": 2},)]
    assert rows(client, "SELECT SAFE_CAST(STRUCT(1 AS x, '2' AS y) AS STRUCT<a STRING, b INT64>)") == \
        [({"a": "1", "b": 2},)]


def test_a_nested_struct_is_cast_by_position_too(client: DuckDBClient) -> None:
    assert rows(client, "SELECT CAST(STRUCT(1, STRUCT(2 AS q, 3 AS r)) AS "
                        "STRUCT<a INT64, b STRUCT<c INT64, d STRING>>)") == [({"a": 1, "b": {"c": 2, "d": "3"}},)]
    assert rows(client, "SELECT CAST(STRUCT(player, stats) AS STRUCT<who STRING, s STRUCT<ast INT64, reb INT64>>) "
                        "FROM ds.box") == [({"who": "p1", "s": {"ast": 5, "reb": 3}},)]


def test_a_column_with_nested_struct_and_array_fields_is_cast_by_position(client: DuckDBClient) -> None:
    # info is (who 'p1', s (reb 5, ast 3), games [1, 2]): each field by position, the nested one too
    assert rows(client, "SELECT CAST(info AS STRUCT<w STRING, s STRUCT<ast INT64, reb INT64>, g ARRAY<INT64>>) "
                        "FROM ds.box") == [({"w": "p1", "s": {"ast": 5, "reb": 3}, "g": [1, 2]},)]
    assert rows(client, "SELECT CAST(STRUCT(1 AS x, [1, 2] AS y) AS STRUCT<a INT64, b ARRAY<INT64>>)") == \
        [({"a": 1, "b": [1, 2]},)]


def test_a_hostile_field_name_is_a_name_not_sql(client: DuckDBClient) -> None:
    name = "c') || error('injected"
    assert rows(client, f"SELECT CAST(stats AS STRUCT<`a'b` INT64, `{name}` INT64>) FROM ds.box") == \
        [({"a'b": 5, name: 3},)]
    with pytest.raises(gexc.BadRequest, match="Invalid cast from a STRUCT of 2 fields to STRUCT<") as refused:
        rows(client, f"SELECT CAST(stats AS STRUCT<`{name}` INT64>) FROM ds.box")
    assert "injected" in str(refused.value) and "fields to STRUCT<" in str(refused.value)


@pytest.mark.parametrize("sql", [
    "SELECT CAST(STRUCT(1, 2, 3) AS STRUCT<a INT64, b INT64>)",
    "SELECT CAST(stats AS STRUCT<a INT64>) FROM ds.box",
    "SELECT SAFE_CAST(stats AS STRUCT<a INT64>) FROM ds.box",
])
def test_a_cast_between_structs_of_different_sizes_is_refused(client: DuckDBClient, sql: str) -> None:
    with pytest.raises(gexc.BadRequest, match="Invalid cast from a STRUCT of (3|2) fields to STRUCT<a INT64"):
        rows(client, sql)


def test_a_struct_that_is_not_cast_or_stored_keeps_its_names(client: DuckDBClient) -> None:
    assert rows(client, "SELECT STRUCT(1 AS ast, 2 AS reb)") == [({"ast": 1, "reb": 2},)]
    assert rows(client, "SELECT stats FROM ds.box") == [({"reb": 5, "ast": 3},)]
