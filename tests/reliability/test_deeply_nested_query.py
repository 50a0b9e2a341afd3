"""A query nested deeper than the parser can follow is one BadRequest, not a RecursionError.

sqlglot's parser recurses a few dozen Python frames per nested expression, so about 50 nested
IF calls reached Python's recursion limit and ``client.query`` raised a bare RecursionError (a
traceback for the operator, and no failed job on record). Now it is a ``BadRequest`` that says
what to write instead, the job id is kept as a failed job (as BigQuery keeps one), and the
warehouse goes on answering.
"""

from __future__ import annotations

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient


def _nested(kind: str, depth: int) -> str:
    expression = "n"
    for level in range(depth):
        expression = f"IF(b, {expression}, {level})" if kind == "if" else f"COALESCE({expression}, {level})"
    return f"SELECT {expression} = 1 AS x FROM ds.t"


@pytest.fixture
def client():
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.t (n INT64, b BOOL, i INT64, f FLOAT64, s STRING)").result()
    c.query("INSERT INTO ds.t VALUES (1, TRUE, 3, 2.5, 'abc')").result()
    yield c
    c.close()


@pytest.mark.parametrize("kind", ["if", "coalesce"])
def test_a_moderately_nested_query_runs(client: DuckDBClient, kind: str) -> None:
    assert [tuple(r.values()) for r in client.query(_nested(kind, 30)).result()] == [(True,)]


@pytest.mark.parametrize(("kind", "depth"), [("if", 60), ("coalesce", 60), ("if", 2000)])
def test_a_query_nested_too_deep_is_one_bad_request_and_the_warehouse_goes_on(
        client: DuckDBClient, kind: str, depth: int) -> None:
    with pytest.raises(gexc.BadRequest) as caught:
        client.query(_nested(kind, depth), job_id=f"deep_{kind}_{depth}")
    message = str(caught.value)
    assert "Query too deeply nested for the embedded warehouse" in message and "CASE WHEN" in message
    assert "\n" not in message
    failed = client.get_job(f"deep_{kind}_{depth}")
    assert failed.state == "DONE" and failed.error_result is not None
    assert [tuple(r.values()) for r in client.query("SELECT COUNT(*) FROM ds.t").result()] == [(1,)]


# --- Nested calls whose SQL multiplied per level (stop 38) ------------------------------------
#
# A query nesting one of these a few dozen deep (generated SQL folds a list of columns this
# way: GREATEST(GREATEST(GREATEST(a, b), c), d) ...) doubled its DuckDB SQL per level, or
# tenfold when DuckDB bound it (the CAST AS STRING macro): a hang, not an error. Each level now
# adds about what the one before added, and the query runs.


def _folded(call: str, depth: int, start: str) -> str:
    expression = start
    for level in range(depth):
        expression = call.replace("X", expression).replace("K", str(level + 2))
    return expression


@pytest.mark.parametrize(("call", "depth", "start", "value"), [
    ("GREATEST(X, K)", 25, "i", 26),  # 2, 3, ... 26: the last is the greatest (was 2^25 copies)
    ("LEAST(X, 100 - K)", 25, "i", 3),  # i = 3 is below every 100 - K
    ("POW(X, 1)", 25, "f", 2.5),
    ("LENGTH(CAST(X AS STRING))", 12, "s", 1),  # 'abc' -> 3 -> '3' -> 1 -> '1' -> 1 ...
    ("CAST(CAST(X AS STRING) AS INT64) + 1", 12, "i", 15),
])
def test_a_call_folded_dozens_deep_runs_and_its_sql_grows_by_a_level(client: DuckDBClient, call: str,
                                                                       depth: int, start: str, value: object) -> None:
    from shared_services.bigquery import sql_translate

    sql = f"SELECT {_folded(call, depth, start)} AS v FROM ds.t"
    one_level = len(sql_translate._translate(f"SELECT {_folded(call, 1, start)} AS v FROM ds.t", {}).statements[0].sql)
    written = len(sql_translate._translate(sql, {}).statements[0].sql)
    assert written < 3 * depth * one_level  # a level's text per level (doubling: 2^depth)
    assert [row.v for row in client.query(sql).result()] == [value]


def test_a_division_folded_past_the_parsers_depth_is_one_bad_request(client: DuckDBClient) -> None:
    """Right-nested divisions (``1 / (1 / (1 / f))``) doubled per level: thirty deep would have
    been 2^30 copies. Now the translation is linear and thirty levels reach the depth the
    embedded warehouse follows: one BadRequest saying so, at once."""
    with pytest.raises(gexc.BadRequest, match="Query too deeply nested for the embedded warehouse"):
        client.query(f"SELECT {_folded('1.0 / (X)', 30, 'f')} FROM ds.t").result()
    assert [row.v for row in client.query(f"SELECT {_folded('1.0 / (X)', 20, 'f')} AS v FROM ds.t").result()] \
        == [pytest.approx(2.5)]


def test_a_query_over_the_length_limit_is_refused_before_it_is_parsed(client: DuckDBClient,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Five million characters of nested calls: refused by BigQuery's length rule before any
    parse or translation (which would take minutes), and the warehouse goes on answering."""
    from shared_services.bigquery import duckdb_client

    parsed: list[str] = []
    real = duckdb_client.translate
    monkeypatch.setattr(duckdb_client, "translate", lambda sql, *a, **k: parsed.append(sql) or real(sql, *a, **k))
    hostile = "SELECT " + "GREATEST(" * 400_000 + "i" + ", 2)" * 400_000 + " FROM ds.t"
    assert len(hostile) > 5_000_000
    with pytest.raises(gexc.BadRequest, match="The query is too large"):
        client.query(hostile)
    assert parsed == []
    assert [row.n for row in client.query("SELECT COUNT(*) AS n FROM ds.t").result()] == [1]
