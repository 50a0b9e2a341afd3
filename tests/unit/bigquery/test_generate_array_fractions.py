"""``GENERATE_ARRAY`` of FLOAT64 and NUMERIC values (array functions, "GENERATE_ARRAY": it
"accepts the following data types as inputs: INT64, NUMERIC, BIGNUMERIC, FLOAT64"; "returns an
error if step_expression is set to 0, or if any input is NaN"; NULL for a NULL input). Until stop
35 a FLOAT64 or NUMERIC step was DuckDB's binder error (its generate_series takes integers). A
FLOAT64 element ``k`` is ``start + k * step`` as BigQuery's engine computes it, so 0.1 steps stop
where the sum passes the end. The integer examples are the reference page's.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    yield c
    c.close()


@pytest.mark.parametrize(("call", "expected"), [
    ("GENERATE_ARRAY(1, 2, 0.5)", [1.0, 1.5, 2.0]),
    ("GENERATE_ARRAY(0.0, 0.3, 0.1)", [0.0 + k * 0.1 for k in range(3)]),  # the fourth, 0.30000000000000004, is past 0.3
    ("GENERATE_ARRAY(2.5, 0, -1)", [2.5, 1.5, 0.5]),
    ("GENERATE_ARRAY(1.5, 1.5, 3)", [1.5]),
    ("GENERATE_ARRAY(1.5, 0, 1)", []),
    ("GENERATE_ARRAY(CAST(1 AS NUMERIC), 2, NUMERIC '0.25')",
     [Decimal("1"), Decimal("1.25"), Decimal("1.5"), Decimal("1.75"), Decimal("2")]),
    # the reference page's integer examples still take DuckDB's own path
    ("GENERATE_ARRAY(1, 5)", [1, 2, 3, 4, 5]),
    ("GENERATE_ARRAY(0, 10, 3)", [0, 3, 6, 9]),
    ("GENERATE_ARRAY(10, 0, -3)", [10, 7, 4, 1]),
    ("GENERATE_ARRAY(4, 4, 10)", [4]),
    ("GENERATE_ARRAY(10, 0, 3)", []),
])
def test_generated_values(client: DuckDBClient, call: str, expected: list[object]) -> None:
    assert one(client, f"SELECT {call}") == expected


def test_a_null_input_gives_null_and_a_zero_step_or_nan_fails(client: DuckDBClient) -> None:
    assert one(client, "SELECT GENERATE_ARRAY(1, CAST(NULL AS FLOAT64), 0.5) IS NULL") is True
    with pytest.raises(gexc.BadRequest, match="Sequence step cannot be 0"):
        client.query("SELECT GENERATE_ARRAY(1, 2, 0.0)").result()
    with pytest.raises(gexc.BadRequest, match="Sequence start, end, and step cannot be NaN"):
        client.query("SELECT GENERATE_ARRAY(1, CAST('nan' AS FLOAT64), 0.5)").result()
