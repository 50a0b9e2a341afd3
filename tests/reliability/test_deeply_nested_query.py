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
    c.query("CREATE TABLE ds.t (n INT64, b BOOL)").result()
    c.query("INSERT INTO ds.t VALUES (1, TRUE)").result()
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
