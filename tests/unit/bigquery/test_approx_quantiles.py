"""APPROX_QUANTILES as BigQuery returns it: the input's own values, of the input's type.

Approximate aggregate functions, "APPROX_QUANTILES": "an array of number + 1 elements, sorted in
ascending order, where the first element is the approximate minimum and the last element is the
approximate maximum", ``ARRAY<T>`` where T is the input's type, "NULL if there are zero input
rows or expression evaluates to NULL for all rows"; ``number`` is an "INT64 literal or query
parameter"; ``{IGNORE | RESPECT} NULLS`` is taken.

Until stop 34 sqlglot wrote DuckDB's t-digest ``approx_quantile``: the median of a player's
``[10, 12]`` points was 11 (no game had 11), a FLOAT64 column's boundaries were float32 values
(20.333333432674408), a STRING or DATE input was a binder error and RESPECT NULLS was refused.
A median of the last N games is a typical prediction feature.

The expected boundaries are computed here from the definition (the value of rank
``ceil(i * N / n)`` of the N sorted values), which gives every example of the reference page.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one, rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (player STRING, game_date DATE, pts INT64, minutes FLOAT64)").result()
    c.query("INSERT INTO ds.box VALUES "
            "('a', DATE '2025-01-01', 20, 30.5), ('a', DATE '2025-01-03', 25, 33.0), "
            "('a', DATE '2025-01-10', NULL, 0.0), ('b', DATE '2025-01-01', 10, 20.0), "
            "('b', DATE '2025-01-02', 12, 22.0)").result()
    yield c
    c.close()


def boundaries(values: list, n: int) -> list | None:
    """The definition: boundary i of n is the value of rank ceil(i * N / n) (at least 1)."""
    ordered = sorted(values, key=lambda v: (v is not None, v))  # NULLs first, as BigQuery orders them
    if not ordered:
        return None
    return [ordered[max(1, -(-i * len(ordered) // n)) - 1] for i in range(n + 1)]


def elements(client: DuckDBClient, query: str) -> list:
    """The elements of the one ARRAY ``query`` returns, read inside the query (a result's ARRAY
    cannot hold a NULL: data types, "NULLs and the array type")."""
    got = rows(client, f"SELECT CAST(v AS STRING) FROM ({query}) AS q(a), UNNEST(q.a) AS v WITH OFFSET o ORDER BY o")
    return [None if v is None else int(v) for (v,) in got]


def test_the_reference_pages_examples(client: DuckDBClient) -> None:
    data = "UNNEST([1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x"
    assert one(client, f"SELECT APPROX_QUANTILES(x, 2) FROM {data}") == [1, 5, 10]
    assert one(client, "SELECT APPROX_QUANTILES(x, 100)[OFFSET(90)] FROM UNNEST([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) AS x") == 9
    assert one(client, f"SELECT APPROX_QUANTILES(DISTINCT x, 2) FROM {data}") == [1, 6, 10]
    # (the page writes these with FORMAT('%T', ...): a result's ARRAY cannot hold a NULL)
    with_nulls = "UNNEST([NULL, NULL, 1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x"
    assert elements(client, f"SELECT APPROX_QUANTILES(x, 2 RESPECT NULLS) FROM {with_nulls}") == [None, 4, 10]
    assert elements(client, f"SELECT APPROX_QUANTILES(DISTINCT x, 2 RESPECT NULLS) FROM {with_nulls}") == [None, 6, 10]


def test_a_median_is_one_of_the_games(client: DuckDBClient) -> None:
    got = rows(client, "SELECT player, APPROX_QUANTILES(pts, 2)[OFFSET(1)] FROM ds.box GROUP BY player ORDER BY player")
    assert got == [("a", 20), ("b", 10)]  # t-digest: 22 and 11, points no game had


def test_float64_boundaries_are_the_inputs_values(client: DuckDBClient) -> None:
    assert one(client, "SELECT APPROX_QUANTILES(minutes, 3) FROM ds.box") == [0.0, 20.0, 30.5, 33.0]


def test_strings_and_dates_have_boundaries_of_their_own_type(client: DuckDBClient) -> None:
    assert rows(client, "SELECT APPROX_QUANTILES(player, 2), APPROX_QUANTILES(game_date, 1) FROM ds.box") == [
        (["a", "a", "b"], [datetime.date(2025, 1, 1), datetime.date(2025, 1, 10)])]


def test_no_rows_or_only_nulls_give_null(client: DuckDBClient) -> None:
    assert one(client, "SELECT APPROX_QUANTILES(pts, 2) IS NULL FROM ds.box WHERE FALSE") is True
    assert one(client, "SELECT APPROX_QUANTILES(pts, 2) IS NULL FROM ds.box WHERE pts IS NULL") is True
    # RESPECT NULLS keeps them: ZetaSQL's compliance test approx_quantiles_with_respect_nulls
    assert elements(client, "SELECT APPROX_QUANTILES(x, 1 RESPECT NULLS) FROM UNNEST([1, NULL, 1, NULL, NULL]) AS x") \
        == [None, 1]
    assert one(client, "SELECT APPROX_QUANTILES(x, 1 IGNORE NULLS) FROM UNNEST([1, NULL, 1, NULL, NULL]) AS x") \
        == [1, 1]


def test_ranks_are_counted_in_integers() -> None:
    """DuckDB's quantile_disc computes i / n * N in floating point: 5/6 of six values gave the sixth."""
    assert boundaries([1, 2, 3, 4, 5, 6], 6) == [1, 1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6, 7, 10, 12, 100])
def test_boundaries_follow_the_definition_for_any_input(client: DuckDBClient, n: int) -> None:
    rng = random.Random(n)
    for size in (1, 2, 3, 5, 6, 9, 10, 17, 40):
        values = [rng.randint(-5, 30) for _ in range(size)]
        got = one(client, f"SELECT APPROX_QUANTILES(x, {n}) FROM UNNEST({values}) AS x")
        assert got == boundaries(values, n), (values, n)
        assert len(got) == n + 1 and got == sorted(got)
        assert got[0] == min(values) and got[-1] == max(values) and set(got) <= set(values)


def test_as_a_window_function_each_frame_has_its_boundaries(client: DuckDBClient) -> None:
    got = rows(client, "SELECT player, game_date, ARRAY_TO_STRING(ARRAY(SELECT IFNULL(CAST(v AS STRING), 'NULL') "
                       "FROM UNNEST(q) AS v WITH OFFSET o ORDER BY o), ',') FROM (SELECT player, game_date, "
                       "APPROX_QUANTILES(pts, 2 RESPECT NULLS) OVER (PARTITION BY player ORDER BY game_date) AS q "
                       "FROM ds.box) ORDER BY player, game_date")
    assert [r[2] for r in got] == ["20,20,20", "20,20,25", "NULL,20,25", "10,10,10", "10,10,12"]
    whole = rows(client, "SELECT DISTINCT player, APPROX_QUANTILES(pts, 2) OVER (PARTITION BY player) "
                         "FROM ds.box ORDER BY player")
    assert whole == [("a", [20, 20, 25]), ("b", [10, 10, 12])]


def _with(client: DuckDBClient, sql: str, value: object, kind: str = "INT64") -> object:
    config = bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("n", kind, value)])
    (row,) = list(client.query(sql, job_config=config).result())
    return row[0]


def test_100000_quantiles_is_the_most_taken(client: DuckDBClient) -> None:
    assert one(client, "SELECT ARRAY_LENGTH(APPROX_QUANTILES(pts, 100000)) FROM ds.box") == 100_001


def test_the_number_may_be_a_query_parameter(client: DuckDBClient) -> None:
    assert _with(client, "SELECT APPROX_QUANTILES(pts, @n) FROM ds.box", 4) == [10, 10, 12, 20, 25]


@pytest.mark.parametrize(("value", "message"), [
    (0, "must be positive"), (-3, "must be positive"), (None, "must not be NULL"),
    (100_001, "cannot be greater than 100000"),
])
def test_a_parameters_bad_number_fails_the_query(client: DuckDBClient, value: object, message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=f"The second argument to APPROX_QUANTILES function {message}"):
        _with(client, "SELECT APPROX_QUANTILES(pts, @n) FROM ds.box", value)


@pytest.mark.parametrize(("number", "message"), [
    ("0", "The second argument to APPROX_QUANTILES function must be positive"),
    ("-1", "The second argument to APPROX_QUANTILES function must be positive"),
    ("NULL", "The second argument to APPROX_QUANTILES function must not be NULL"),
    ("100001", "cannot be greater than 100000"),
    ("pts", "Argument 2 to APPROX_QUANTILES must be a literal or query parameter"),
    ("2.5", "No matching signature for aggregate function APPROX_QUANTILES.*not `2.5`"),
    ("'2'", "No matching signature for aggregate function APPROX_QUANTILES"),
])
def test_a_bad_number_is_refused_before_any_row_is_read(client: DuckDBClient, number: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(f"SELECT APPROX_QUANTILES(pts, {number}) FROM ds.box").result()


def test_a_float64_parameter_has_no_signature(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="must be an INT64, not `@n`"):
        _with(client, "SELECT APPROX_QUANTILES(pts, @n) FROM ds.box", 2.0, "FLOAT64")


def test_other_functions_still_refuse_ignore_nulls(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="IGNORE NULLS is not allowed for function LAG .*APPROX_QUANTILES"):
        client.query("SELECT LAG(pts) IGNORE NULLS OVER (ORDER BY game_date) FROM ds.box").result()
