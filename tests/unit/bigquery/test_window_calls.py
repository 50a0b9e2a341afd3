"""Window function calls as BigQuery resolves them.

Window function calls, "Defining the window frame clause": "In a range-based window frame,
there must be exactly one expression in the ORDER BY clause, and the expression must have a
numeric type ... If you want to use a range with a date, use ORDER BY with the UNIX_DATE()
function"; "Only aggregate analytic functions can use a window frame clause"; "The numeric
expression must be a constant, non-negative integer or parameter"; "Rules for using a named
window". Which function takes an ORDER BY or a frame, and the messages, are ZetaSQL's
(builtin_function_internal_2.cc, analytic_function_resolver.cc).

Until stop 34 DuckDB ran every refused statement below. The first is what a rolling-window
processor writes: a 7-day average ordered by a DATE, which DuckDB reads as 7 days and BigQuery
refuses.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (player STRING, team STRING, game_date DATE, pts INT64, minutes FLOAT64, "
            "usage NUMERIC)").result()
    c.query("INSERT INTO ds.box VALUES "
            "('a', 'LAL', DATE '2025-01-01', 20, 30.5, 0.25), ('a', 'LAL', DATE '2025-01-03', 25, 33.0, 0.5), "
            "('a', 'LAL', DATE '2025-01-10', NULL, 0.0, 0.5), ('b', 'BOS', DATE '2025-01-01', 10, 20.0, 0.75), "
            "('b', 'BOS', DATE '2025-01-02', 12, 22.0, 1.0)").result()
    yield c
    c.close()


ORDERED = "ORDER BY player, game_date"

REFUSED = [
    # RANGE with an offset: one numeric ORDER BY key
    ("AVG(pts) OVER (PARTITION BY player ORDER BY game_date RANGE BETWEEN 7 PRECEDING AND CURRENT ROW)",
     "ORDER BY key must be numeric in a RANGE-based window with OFFSET PRECEDING or OFFSET FOLLOWING "
     "boundaries, but has type DATE"),
    ("AVG(pts) OVER (PARTITION BY player ORDER BY game_date RANGE BETWEEN INTERVAL 7 DAY PRECEDING AND CURRENT ROW)",
     "ORDER BY key must be numeric .* but has type DATE"),
    ("AVG(pts) OVER (ORDER BY pts, minutes RANGE BETWEEN 7 PRECEDING AND CURRENT ROW)",
     "must have exactly one ORDER BY key"),
    ("AVG(pts) OVER (ORDER BY pts RANGE BETWEEN 7.5 PRECEDING AND CURRENT ROW)",
     "Window framing expression has type FLOAT64 that cannot coerce to the type of the ORDER BY expression, "
     "which is INT64"),
    ("AVG(pts) OVER (ORDER BY pts RANGE BETWEEN '7' PRECEDING AND CURRENT ROW)",
     "Window framing expression has type STRING that cannot coerce"),
    # RANGE without ORDER BY
    ("AVG(pts) OVER (PARTITION BY player RANGE UNBOUNDED PRECEDING)",
     "A RANGE-based window without ORDER BY includes all rows in the window frame so only RANGE BETWEEN "
     "UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING syntax is supported"),
    ("AVG(pts) OVER (PARTITION BY player RANGE BETWEEN 1 PRECEDING AND UNBOUNDED FOLLOWING)",
     "A RANGE-based window including an OFFSET PRECEDING or OFFSET FOLLOWING window frame boundary requires "
     "an ORDER BY"),
    ("AVG(pts) OVER (PARTITION BY player RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)",
     "A RANGE-based window without ORDER BY cannot include a CURRENT ROW window frame boundary"),
    # frame offsets
    ("AVG(pts) OVER (ORDER BY game_date ROWS BETWEEN 1.5 PRECEDING AND CURRENT ROW)",
     "Window framing expression for ROWS can only be of integer type, but has type FLOAT64"),
    ("AVG(pts) OVER (ORDER BY game_date ROWS BETWEEN pts PRECEDING AND CURRENT ROW)",
     "Window framing expression must be a literal or parameter"),
    ("AVG(pts) OVER (ORDER BY game_date ROWS BETWEEN NULL PRECEDING AND CURRENT ROW)",
     "Window framing expression cannot be NULL"),
    ("AVG(pts) OVER (ORDER BY game_date ROWS BETWEEN -1 PRECEDING AND CURRENT ROW)",
     "Window framing expression cannot evaluate to a negative value"),
    # frame shapes
    ("AVG(pts) OVER (ORDER BY game_date ROWS BETWEEN CURRENT ROW AND 1 PRECEDING)",
     "Starting window framing expression cannot be CURRENT ROW when the ending window framing expression is "
     "OFFSET PRECEDING"),
    ("AVG(pts) OVER (ORDER BY game_date ROWS 1 FOLLOWING)",
     "Starting window framing expression cannot be OFFSET FOLLOWING because the implicit ending window "
     "framing expression is CURRENT ROW"),
    ("AVG(pts) OVER (ORDER BY game_date ROWS BETWEEN 2 FOLLOWING AND CURRENT ROW)",
     "Ending window framing expression cannot be CURRENT ROW when the starting window framing expression is "
     "OFFSET FOLLOWING"),
    ("AVG(pts) OVER (ORDER BY game_date ROWS BETWEEN UNBOUNDED FOLLOWING AND UNBOUNDED FOLLOWING)",
     "Starting window framing expression cannot be UNBOUNDED FOLLOWING"),
    ("AVG(pts) OVER (ORDER BY game_date ROWS BETWEEN 1 FOLLOWING AND 1 PRECEDING)",
     "Ending window framing expression cannot be OFFSET PRECEDING when the starting window framing expression "
     "is OFFSET FOLLOWING"),
    ("AVG(pts) OVER (ORDER BY game_date ROWS BETWEEN 1 PRECEDING AND UNBOUNDED PRECEDING)",
     "Ending window framing expression cannot be UNBOUNDED PRECEDING"),
    # which function takes an ORDER BY and a frame
    ("ROW_NUMBER() OVER (PARTITION BY player ORDER BY game_date ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
     "Window framing clause is not allowed for analytic function ROW_NUMBER"),
    ("RANK() OVER (PARTITION BY player)", "Window ORDER BY is required for analytic function RANK"),
    ("DENSE_RANK() OVER ()", "Window ORDER BY is required for analytic function DENSE_RANK"),
    ("LAG(pts) OVER (PARTITION BY player)", "Window ORDER BY is required for analytic function LAG"),
    ("LEAD(pts) OVER (ORDER BY game_date ROWS 1 PRECEDING)",
     "Window framing clause is not allowed for analytic function LEAD"),
    ("FIRST_VALUE(pts) OVER (PARTITION BY player)", "Window ORDER BY is required for analytic function FIRST_VALUE"),
    ("PERCENTILE_CONT(pts, 0.5) OVER (PARTITION BY player ORDER BY game_date)",
     "Window ORDER BY is not allowed for analytic function PERCENTILE_CONT"),
    ("COUNT(DISTINCT pts) OVER (PARTITION BY player ORDER BY game_date)",
     "Window ORDER BY is not allowed if DISTINCT is specified"),
    ("COUNT(DISTINCT pts) OVER (PARTITION BY player ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)",
     "Window framing clause is not allowed if DISTINCT is specified"),
    # arguments
    ("LAG(pts, -1) OVER (ORDER BY game_date)", "The offset to the function LAG must not be negative"),
    ("LEAD(pts, -2) OVER (ORDER BY game_date)", "The offset to the function LEAD must not be negative"),
    ("LAG(pts, pts) OVER (ORDER BY game_date)", "Argument 2 to LAG must be a literal or query parameter"),
    ("LEAD(pts, NULL) OVER (ORDER BY game_date)", "Argument 2 to LEAD must be non-NULL"),
    ("NTH_VALUE(pts, 0) OVER (ORDER BY game_date)", "Argument 2 to NTH_VALUE must be at least 1"),
    ("NTILE(0) OVER (ORDER BY pts)", "Argument 1 to NTILE must be at least 1"),
    ("NTILE(2.5) OVER (ORDER BY pts)", "No matching signature for analytic function NTILE"),
]


@pytest.mark.parametrize(("call", "message"), REFUSED)
def test_a_call_bigquery_refuses_is_refused(client: DuckDBClient, call: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(f"SELECT {call} FROM ds.box").result()


NAMED = [
    ("AVG(pts) OVER (w ORDER BY game_date) FROM ds.box WINDOW w AS (PARTITION BY player ORDER BY game_date)",
     "If a window inherits an ORDER BY from its referenced window, it cannot have an inline ORDER BY"),
    ("AVG(pts) OVER (w PARTITION BY team) FROM ds.box WINDOW w AS (ORDER BY game_date)",
     "If a window has a PARTITION BY, it cannot reference a named window"),
    ("AVG(pts) OVER (w ORDER BY game_date) FROM ds.box WINDOW w AS (PARTITION BY player ROWS 2 PRECEDING)",
     "If a window has an inline ORDER BY or window frame clause, it cannot reference another window that "
     "contains or inherits a window frame clause"),
    ("RANK() OVER w FROM ds.box WINDOW w AS (PARTITION BY player)",
     "Window ORDER BY is required for analytic function RANK"),
    ("AVG(pts) OVER w2 FROM ds.box WINDOW w AS (PARTITION BY player ORDER BY game_date), "
     "w2 AS (w RANGE BETWEEN 7 PRECEDING AND CURRENT ROW)",
     "ORDER BY key must be numeric .* but has type DATE"),
    # a named window naming another, with a PARTITION BY of its own
    ("AVG(pts) OVER w2 FROM ds.box WINDOW w AS (ORDER BY game_date), w2 AS (w PARTITION BY player)",
     "If a window has a PARTITION BY, it cannot reference a named window"),
    # an unknown name and a cycle of names: the engine's error, no crash and no endless walk
    ("AVG(pts) OVER nowhere FROM ds.box", "window \"nowhere\" does not exist"),
    ("AVG(pts) OVER a FROM ds.box WINDOW a AS (b), b AS (a)", "window \"b\" does not exist"),
]


@pytest.mark.parametrize(("query", "message"), NAMED)
def test_named_windows_follow_bigquerys_rules(client: DuckDBClient, query: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(f"SELECT {query}").result()


def test_a_seven_day_range_is_written_over_unix_date(client: DuckDBClient) -> None:
    """The form the reference gives (window function calls, the UNIX_DATE tip), with its result:
    the days 7 to 1 before each game."""
    got = rows(client, "SELECT player, game_date, AVG(pts) OVER (PARTITION BY player ORDER BY UNIX_DATE(game_date) "
                       f"RANGE BETWEEN 7 PRECEDING AND 1 PRECEDING) FROM ds.box {ORDERED}")
    assert [r[2] for r in got] == [None, 20.0, 25.0, None, 10.0]


ACCEPTED = [
    ("AVG(pts) OVER (PARTITION BY player ORDER BY game_date ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING)",
     [None, 20.0, 22.5, None, 10.0]),
    ("AVG(pts) OVER (PARTITION BY player ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)",
     [22.5, 22.5, 22.5, 11.0, 11.0]),
    ("AVG(pts) OVER (PARTITION BY player RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)",
     [22.5, 22.5, 22.5, 11.0, 11.0]),
    ("SUM(pts) OVER (PARTITION BY player ORDER BY pts RANGE BETWEEN 5 PRECEDING AND CURRENT ROW)",
     [20, 45, None, 10, 22]),
    ("MAX(pts) OVER (PARTITION BY player ORDER BY minutes RANGE BETWEEN 2.5 PRECEDING AND CURRENT ROW)",
     [20, 25, None, 10, 12]),
    ("COUNT(*) OVER (PARTITION BY player ORDER BY usage RANGE BETWEEN 0.25 PRECEDING AND CURRENT ROW)",
     [1, 3, 3, 1, 2]),
    ("AVG(pts) OVER (PARTITION BY player ORDER BY game_date ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING)",
     [25.0, None, None, 12.0, None]),
    ("ROW_NUMBER() OVER (PARTITION BY player)", [1, 2, 3, 1, 2]),
    ("LAG(pts, 1, 0) OVER (PARTITION BY player ORDER BY game_date)", [0, 20, 25, 0, 10]),
    ("NTH_VALUE(pts, 2) OVER (PARTITION BY player ORDER BY game_date ROWS BETWEEN UNBOUNDED PRECEDING "
     "AND UNBOUNDED FOLLOWING)", [25, 25, 25, 12, 12]),
    ("FIRST_VALUE(pts IGNORE NULLS) OVER (PARTITION BY player ORDER BY game_date DESC ROWS BETWEEN "
     "UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)", [25, 25, 25, 12, 12]),
    ("PERCENTILE_CONT(pts, 0.5) OVER (PARTITION BY player)", [22.5, 22.5, 22.5, 11.0, 11.0]),
    ("COUNT(DISTINCT pts) OVER (PARTITION BY player)", [2, 2, 2, 2, 2]),
    # the smallest counts each takes: LAG(x, 0) is the row itself, NTILE(1) / NTH_VALUE(x, 1) the first
    ("LAG(pts, 0) OVER (PARTITION BY player ORDER BY game_date)", [20, 25, None, 10, 12]),
    ("NTILE(1) OVER (PARTITION BY player ORDER BY game_date)", [1, 1, 1, 1, 1]),
    ("NTH_VALUE(pts, 1) OVER (PARTITION BY player ORDER BY game_date)", [20, 20, 20, 10, 10]),
    # a FLOAT64 literal offset coerces to a NUMERIC or BIGNUMERIC key
    ("COUNT(*) OVER (PARTITION BY player ORDER BY CAST(usage AS BIGNUMERIC) RANGE BETWEEN 0.25 PRECEDING "
     "AND CURRENT ROW)", [1, 3, 3, 1, 2]),
]


@pytest.mark.parametrize(("call", "expected"), ACCEPTED)
def test_a_call_bigquery_takes_runs(client: DuckDBClient, call: str, expected: list) -> None:
    got = rows(client, f"SELECT player, game_date, {call} FROM ds.box {ORDERED}")
    assert [r[2] for r in got] == expected


def test_a_named_window_gives_its_order_and_the_call_its_frame(client: DuckDBClient) -> None:
    got = rows(client, "SELECT player, game_date, AVG(pts) OVER (w ROWS 1 PRECEDING), RANK() OVER w FROM ds.box "
                       f"WINDOW w AS (PARTITION BY player ORDER BY game_date) {ORDERED}")
    assert [r[2:] for r in got] == [(20.0, 1), (22.5, 2), (25.0, 3), (10.0, 1), (11.0, 2)]


def test_frame_offsets_and_lag_offsets_may_be_parameters(client: DuckDBClient) -> None:
    config = bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("n", "INT64", 1)])
    got = [tuple(r.values()) for r in client.query(
        "SELECT player, game_date, AVG(pts) OVER (PARTITION BY player ORDER BY game_date ROWS @n PRECEDING), "
        f"LAG(pts, @n) OVER (PARTITION BY player ORDER BY game_date) FROM ds.box {ORDERED}",
        job_config=config).result()]
    assert [r[2:] for r in got] == [(20.0, None), (22.5, 20), (25.0, 25), (10.0, None), (11.0, 10)]
