"""IGNORE NULLS / RESPECT NULLS only where BigQuery takes them.

GoogleSQL gives the ``[{RESPECT | IGNORE} NULLS]`` clause to FIRST_VALUE, LAST_VALUE, NTH_VALUE,
PERCENTILE_CONT, PERCENTILE_DISC (navigation functions) and ARRAY_AGG (aggregate functions);
``LAG (value_expression[, offset [, default_expression]])`` has none. DuckDB ran ``LAG(pts)
IGNORE NULLS OVER (...)``, a forward fill of the last non-NULL value, which BigQuery refuses as
a syntax error: a processor's rolling feature could pass here and fail in production.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.g (o INT64, pts INT64)").result()
    c.query("INSERT INTO ds.g VALUES (1, 5), (2, NULL), (3, 7), (4, NULL)").result()
    yield c
    c.close()


def rows(client: DuckDBClient, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in client.query(sql).result()]


@pytest.mark.parametrize("sql, clause, name", [
    ("SELECT LAG(pts) IGNORE NULLS OVER (ORDER BY o) FROM ds.g", "IGNORE NULLS", "LAG"),
    ("SELECT LAG(pts, 1) IGNORE NULLS OVER (ORDER BY o) FROM ds.g", "IGNORE NULLS", "LAG"),
    ("SELECT LEAD(pts IGNORE NULLS) OVER (ORDER BY o) FROM ds.g", "IGNORE NULLS", "LEAD"),
    ("SELECT LEAD(pts) RESPECT NULLS OVER (ORDER BY o) FROM ds.g", "RESPECT NULLS", "LEAD"),
    ("SELECT SUM(pts IGNORE NULLS) FROM ds.g", "IGNORE NULLS", "SUM"),
    ("SELECT MAX(pts RESPECT NULLS) OVER () FROM ds.g", "RESPECT NULLS", "MAX"),
    # after a function that takes it
    ("SELECT FIRST_VALUE(pts IGNORE NULLS) OVER (ORDER BY o), LAG(pts) IGNORE NULLS OVER (ORDER BY o) FROM ds.g",
     "IGNORE NULLS", "LAG"),
])
def test_the_clause_on_another_function_is_bigquerys_syntax_error(client: DuckDBClient, sql: str, clause: str,
                                                                  name: str) -> None:
    with pytest.raises(gexc.BadRequest, match=f"Syntax error: {clause} is not allowed for function {name} "):
        rows(client, sql)


def test_the_functions_that_take_it_run(client: DuckDBClient) -> None:
    # the forward fill BigQuery takes: the last non-NULL value before the row
    assert rows(client, "SELECT o, LAST_VALUE(pts IGNORE NULLS) OVER (ORDER BY o ROWS BETWEEN UNBOUNDED PRECEDING "
                        "AND 1 PRECEDING) FROM ds.g ORDER BY o") == [(1, None), (2, 5), (3, 5), (4, 7)]
    assert rows(client, "SELECT o, FIRST_VALUE(pts IGNORE NULLS) OVER (ORDER BY o ROWS BETWEEN CURRENT ROW "
                        "AND UNBOUNDED FOLLOWING) FROM ds.g ORDER BY o") == [(1, 5), (2, 7), (3, 7), (4, None)]
    assert rows(client, "SELECT NTH_VALUE(pts, 2 IGNORE NULLS) OVER (ORDER BY o ROWS BETWEEN UNBOUNDED PRECEDING "
                        "AND UNBOUNDED FOLLOWING) FROM ds.g LIMIT 1") == [(7,)]
    assert rows(client, "SELECT ARRAY_AGG(pts IGNORE NULLS ORDER BY o) FROM ds.g") == [([5, 7],)]
