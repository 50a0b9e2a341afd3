"""JSON is not groupable: an aggregate's DISTINCT, APPROX_COUNT_DISTINCT and every set operation
but UNION ALL compare values, and refuse it, as GROUP BY, SELECT DISTINCT and PARTITION BY already
did here ("Groupable data types can generally appear in an expression following GROUP BY,
DISTINCT, and PARTITION BY. All data types are supported except for: GEOGRAPHY, JSON", data types).
DuckDB compared JSON values by their text: ``COUNT(DISTINCT j)`` and ``UNION DISTINCT`` of a JSON
column ran. Messages: ZetaSQL's resolver_expr.cc, analytic_function_resolver.cc and
set_operation_resolver_base.cc.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one, rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.t (i INT64, s STRING, j JSON, a ARRAY<INT64>)").result()
    c.query("INSERT INTO ds.t VALUES (1, 'x', JSON '{\"a\": 1}', [1]), (2, 'x', JSON '{\"a\": 1}', [1])").result()
    yield c
    c.close()


@pytest.mark.parametrize(("sql", "message"), [
    ("SELECT COUNT(DISTINCT j) FROM ds.t", "Aggregate functions with DISTINCT cannot be used with arguments of type JSON"),
    ("SELECT ARRAY_AGG(DISTINCT j) FROM ds.t",
     "Aggregate functions with DISTINCT cannot be used with arguments of type JSON"),
    ("SELECT i, COUNT(DISTINCT j) OVER (PARTITION BY i) FROM ds.t",
     "Analytic aggregate functions with DISTINCT cannot be used with arguments of type JSON"),
    ("SELECT APPROX_COUNT_DISTINCT(j) FROM ds.t",
     "No matching signature for aggregate function APPROX_COUNT_DISTINCT for argument types: JSON. Supported "
     "signature: APPROX_COUNT_DISTINCT(ANY)"),
    # "Any data type except: ARRAY, STRUCT, INTERVAL" (approximate aggregate functions)
    ("SELECT APPROX_COUNT_DISTINCT(a) FROM ds.t",
     "No matching signature for aggregate function APPROX_COUNT_DISTINCT for argument types: ARRAY."),
    ("SELECT APPROX_COUNT_DISTINCT(STRUCT(i AS x)) FROM ds.t",
     "No matching signature for aggregate function APPROX_COUNT_DISTINCT for argument types: STRUCT."),
    ("SELECT APPROX_COUNT_DISTINCT(INTERVAL 1 DAY) FROM ds.t",
     "No matching signature for aggregate function APPROX_COUNT_DISTINCT for argument types: INTERVAL."),
    ("SELECT j FROM ds.t UNION DISTINCT SELECT j FROM ds.t",
     "Column 1 in UNION DISTINCT has type that does not support set operation comparisons: JSON"),
    ("SELECT i, j FROM ds.t INTERSECT ALL SELECT i, j FROM ds.t",
     "Column 2 in INTERSECT ALL has type that does not support set operation comparisons: JSON"),
    ("SELECT j FROM ds.t EXCEPT DISTINCT SELECT j FROM ds.t",
     "Column 1 in EXCEPT DISTINCT has type that does not support set operation comparisons: JSON"),
])
def test_json_where_values_are_compared_is_refused(client: DuckDBClient, sql: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest) as raised:
        client.query(sql).result()
    assert raised.value.message.startswith(message)


def test_groupable_values_are_counted_and_union_all_keeps_json(client: DuckDBClient) -> None:
    assert one(client, "SELECT COUNT(DISTINCT s) FROM ds.t") == 1
    assert one(client, "SELECT COUNT(DISTINCT a) FROM ds.t") == 1      # an ARRAY is groupable
    assert one(client, "SELECT APPROX_COUNT_DISTINCT(s) FROM ds.t") == 1
    assert len(rows(client, "SELECT j FROM ds.t UNION ALL SELECT j FROM ds.t")) == 4
    assert rows(client, "SELECT s FROM ds.t UNION DISTINCT SELECT s FROM ds.t") == [("x",)]
