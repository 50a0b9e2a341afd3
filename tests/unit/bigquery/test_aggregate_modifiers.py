"""What an aggregate or analytic call may hold, and MAX_BY / MIN_BY / ANY_VALUE ... HAVING as
BigQuery computes them.

Aggregate function calls: "The ORDER BY clause is supported only for aggregate functions that
depend on the order of their input"; "This ORDER BY clause can't be used if the OVER clause is
used"; HAVING MAX "supports all orderable data types, except for ARRAY". Aggregate functions,
"ANY_VALUE": "If the HAVING clause is included in the ANY_VALUE function, the OVER clause can't
be used"; "MAX_BY: Synonym for ANY_VALUE(x HAVING MAX y)"; ANY_VALUE "behaves as if IGNORE NULLS
is specified". Numbering and navigation functions are analytic only. The messages are ZetaSQL's
(resolver_expr.cc, resolver_query.cc; which aggregates take ORDER BY / LIMIT:
builtin_function_internal_2.cc).

Until stop 35 DuckDB ran every refused statement below, and MAX_BY(pts, game_date) gave the
points of an EARLIER game when the latest game's points were NULL (BigQuery: NULL).
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
    c.query("CREATE TABLE ds.box (player STRING, game_date DATE, pts INT64, team STRING, tags ARRAY<STRING>, "
            "line STRUCT<pts INT64, reb INT64>)").result()
    # player a: the latest game's points are NULL; b: two games on one day, one without points;
    # c: the earliest game's points are NULL; d: nothing known
    c.query("INSERT INTO ds.box VALUES "
            "('a', DATE '2025-01-01', 20, 'LAL', ['x'], STRUCT(20, 5)), "
            "('a', DATE '2025-01-03', NULL, 'LAL', [], NULL), "
            "('a', NULL, 31, 'LAL', [], STRUCT(31, 2)), "
            "('b', DATE '2025-01-02', NULL, 'BOS', ['y'], NULL), "
            "('b', DATE '2025-01-02', 12, NULL, ['z'], STRUCT(12, 9)), "
            "('c', DATE '2025-01-04', NULL, 'MIA', [], NULL), "
            "('c', DATE '2025-01-05', 7, 'MIA', [], NULL), "
            "('d', NULL, NULL, NULL, NULL, NULL)").result()
    yield c
    c.close()


def by_player(client: DuckDBClient, select: str) -> dict[str, tuple[object, ...]]:
    return {r[0]: tuple(r[1:]) for r in rows(client, f"SELECT player, {select} FROM ds.box GROUP BY player")}


def test_max_by_is_the_value_of_the_greatest_key_even_when_that_value_is_null(client: DuckDBClient) -> None:
    got = by_player(client, "MAX_BY(pts, game_date), MIN_BY(pts, game_date)")
    assert got == {
        "a": (None, 20),   # the latest game has no points; a NULL key is never the greatest
        "b": (12, 12),     # two games on the day: the one with points
        "c": (7, None),    # the earliest game has no points
        "d": (None, None),
    }


def test_any_value_having_gives_what_max_by_and_min_by_give(client: DuckDBClient) -> None:
    synonyms = by_player(client, "MAX_BY(pts, game_date), MIN_BY(pts, game_date), MAX_BY(team, pts)")
    having = by_player(client, "ANY_VALUE(pts HAVING MAX game_date), ANY_VALUE(pts HAVING MIN game_date), "
                               "ANY_VALUE(team HAVING MAX pts)")
    assert having == synonyms
    assert synonyms["b"][2] is None  # b's most points (12) were scored with no team recorded


def test_a_struct_value_and_a_whole_table_and_an_empty_group(client: DuckDBClient) -> None:
    assert rows(client, "SELECT MAX_BY(pts, game_date), MIN_BY(player, pts) FROM ds.box") == [(7, "c")]
    assert rows(client, "SELECT MAX_BY(pts, game_date) FROM ds.box WHERE FALSE") == [(None,)]
    got = by_player(client, "MAX_BY(line, game_date)")
    assert got["b"] == ({"pts": 12, "reb": 9},) and got["a"] == (None,)
    assert rows(client, "SELECT player FROM ds.box GROUP BY player HAVING MAX_BY(pts, game_date) IS NULL "
                        "ORDER BY player") == [("a",), ("d",)]


REFUSED = [
    # analytic only
    ("SELECT PERCENTILE_CONT(pts, 0.5) FROM ds.box", "Analytic function PERCENTILE_CONT cannot be called without an "
                                                      "OVER clause"),
    ("SELECT player, PERCENTILE_DISC(pts, 0.5) FROM ds.box GROUP BY player",
     "Analytic function PERCENTILE_DISC cannot be called without an OVER clause"),
    ("SELECT LAG(pts) FROM ds.box", "Analytic function LAG cannot be called without an OVER clause"),
    ("SELECT ROW_NUMBER() FROM ds.box", "Analytic function ROW_NUMBER cannot be called without an OVER clause"),
    ("SELECT FIRST_VALUE(pts IGNORE NULLS) FROM ds.box", "Analytic function FIRST_VALUE cannot be called"),
    # modifiers of an analytic call
    ("SELECT ARRAY_AGG(pts IGNORE NULLS ORDER BY game_date) OVER (PARTITION BY player) FROM ds.box",
     "ORDER BY in arguments is not supported on analytic functions"),
    ("SELECT STRING_AGG(team, ',' ORDER BY game_date) OVER () FROM ds.box",
     "ORDER BY in arguments is not supported on analytic functions"),
    ("SELECT ARRAY_AGG(pts IGNORE NULLS LIMIT 1) OVER (PARTITION BY player) FROM ds.box",
     "LIMIT in arguments is not supported on analytic functions"),
    ("SELECT ANY_VALUE(pts HAVING MAX game_date) OVER () FROM ds.box",
     "HAVING modifier is not supported on analytic functions"),
    ("SELECT MAX_BY(pts, game_date) OVER (PARTITION BY player) FROM ds.box", "MAX_BY does not support an OVER clause"),
    ("SELECT MIN_BY(pts, game_date) OVER () FROM ds.box", "MIN_BY does not support an OVER clause .*HAVING MIN y"),
    ("SELECT MIN_BY(pts, line) FROM ds.box", "HAVING modifier does not support expressions of type STRUCT"),
    # a call that passes before one that does not: every call of the statement is checked
    # (nested one level deeper, so that a walk breadth first reaches the passing call first)
    ("SELECT ANY_VALUE(pts HAVING MAX game_date), COALESCE(SUM(pts ORDER BY game_date), 0) FROM ds.box",
     "Aggregate function SUM does not support ORDER BY"),
    ("SELECT ROW_NUMBER() OVER (ORDER BY pts), COALESCE(AVG(pts LIMIT 1), 0) FROM ds.box",
     "Aggregate function AVG does not support LIMIT"),
    # ORDER BY / LIMIT in an aggregate that does not take them
    ("SELECT SUM(pts ORDER BY game_date) FROM ds.box", "Aggregate function SUM does not support ORDER BY in arguments"),
    ("SELECT COUNT(DISTINCT pts ORDER BY pts) FROM ds.box",
     "Aggregate function COUNT does not support ORDER BY in arguments"),
    ("SELECT COUNTIF(pts > 10 ORDER BY game_date) FROM ds.box",
     "Aggregate function COUNTIF does not support ORDER BY in arguments"),
    ("SELECT AVG(pts LIMIT 2) FROM ds.box", "Aggregate function AVG does not support LIMIT in arguments"),
    # HAVING MAX / MIN
    ("SELECT UPPER(team HAVING MAX pts) FROM ds.box", "HAVING MAX and HAVING MIN are not supported on scalar functions"),
    ("SELECT ANY_VALUE(pts HAVING MAX tags) FROM ds.box", "HAVING modifier does not support expressions of type ARRAY"),
    ("SELECT MAX_BY(pts, line) FROM ds.box", "HAVING modifier does not support expressions of type STRUCT"),
    # BigQuery runs this one; the embedded warehouse says so instead of DuckDB's parser error
    ("SELECT SUM(pts HAVING MAX game_date) FROM ds.box", "Not emulated by the embedded warehouse: HAVING MAX in SUM"),
    ("SELECT COUNT(pts HAVING MIN game_date) FROM ds.box", "Not emulated by the embedded warehouse: HAVING MIN in COUNT"),
]


@pytest.mark.parametrize(("sql", "message"), REFUSED)
def test_refused_as_bigquery_refuses_it(client: DuckDBClient, sql: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(sql).result()


ACCEPTED = [
    ("SELECT player, PERCENTILE_CONT(pts, 0.5) OVER (PARTITION BY player) FROM ds.box ORDER BY player LIMIT 1",
     [("a", 25.5)]),
    ("SELECT ARRAY_AGG(pts IGNORE NULLS ORDER BY pts DESC LIMIT 2) FROM ds.box", [([31, 20],)]),
    ("SELECT STRING_AGG(DISTINCT team, ',' ORDER BY team) FROM ds.box", [("BOS,LAL,MIA",)]),
    ("SELECT COUNT(DISTINCT player) OVER () FROM ds.box LIMIT 1", [(4,)]),
    ("SELECT SUM(pts) OVER (PARTITION BY player ORDER BY game_date ROWS UNBOUNDED PRECEDING) FROM ds.box "
     "WHERE player = 'c' ORDER BY game_date", [(None,), (7,)]),
]


@pytest.mark.parametrize(("sql", "expected"), ACCEPTED)
def test_what_bigquery_takes_still_runs(client: DuckDBClient, sql: str, expected: list[tuple[object, ...]]) -> None:
    assert rows(client, sql) == expected
