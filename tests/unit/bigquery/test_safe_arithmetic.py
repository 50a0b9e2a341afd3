"""SAFE_ADD / SAFE_SUBTRACT / SAFE_MULTIPLY / SAFE_NEGATE and IEEE_DIVIDE, as BigQuery computes them.

Mathematical functions: SAFE_ADD is "Equivalent to the addition operator (+), but returns NULL
if overflow occurs" (the same for the others); IEEE_DIVIDE "Divides X by Y; this function never
fails. Returns FLOAT64", with the page's table of results (+inf, -inf, NaN). Until stop 34 all
five were "Function not supported by the embedded warehouse".
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows

INT64_MAX = 2**63 - 1


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (pts INT64, minutes FLOAT64)").result()
    c.query(f"INSERT INTO ds.box VALUES (20, 30.5), (NULL, 0.0), ({INT64_MAX}, 0.0), ({-INT64_MAX - 1}, -0.0)").result()
    yield c
    c.close()


# the reference page's table
IEEE = [("20.0", "4.0", 5.0), ("20.0", "6.0", 20.0 / 6.0), ("0.0", "25.0", 0.0), ("25.0", "0.0", math.inf),
        ("-25.0", "0.0", -math.inf), ("25.0", "-0.0", -math.inf), ("0.0", "0.0", math.nan),
        ("0.0", "CAST('NaN' AS FLOAT64)", math.nan), ("CAST('NaN' AS FLOAT64)", "0.0", math.nan),
        ("CAST('inf' AS FLOAT64)", "CAST('inf' AS FLOAT64)", math.nan),
        ("CAST('-inf' AS FLOAT64)", "CAST('-inf' AS FLOAT64)", math.nan)]


@pytest.mark.parametrize(("x", "y", "expected"), IEEE)
def test_ieee_divide_never_fails(client: DuckDBClient, x: str, y: str, expected: float) -> None:
    ((got,),) = rows(client, f"SELECT IEEE_DIVIDE({x}, {y})")
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_ieee_divide_of_columns_and_nulls(client: DuckDBClient) -> None:
    # (ORDER BY puts NULL first, as on BigQuery)
    got = [r[0] for r in rows(client, "SELECT IEEE_DIVIDE(pts, minutes) FROM ds.box ORDER BY pts")]
    assert got == [None, math.inf, 20 / 30.5, math.inf]  # INT64 min / -0.0 is +inf


def test_safe_arithmetic_is_null_on_overflow_only(client: DuckDBClient) -> None:
    assert rows(client, f"SELECT SAFE_ADD(5, 4), SAFE_SUBTRACT(5, 9), SAFE_MULTIPLY(6, 7), SAFE_NEGATE(3), "
                        f"SAFE_ADD({INT64_MAX}, 1), SAFE_MULTIPLY({INT64_MAX}, 2), SAFE_SUBTRACT(-{INT64_MAX}, 2), "
                        "SAFE_ADD(NULL, 1), SAFE_ADD(1.5, 2)") \
        == [(9, -4, 42, -3, None, None, None, None, 3.5)]
    got = rows(client, "SELECT SAFE_ADD(pts, 1), SAFE_NEGATE(pts), SAFE_MULTIPLY(pts, 2) FROM ds.box ORDER BY pts")
    assert got == [(None, None, None), (-INT64_MAX, None, None), (21, -20, 40), (None, -INT64_MAX, None)]


def test_an_error_of_an_operand_is_still_an_error(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="Bad int64 value: x"):
        client.query("SELECT SAFE_ADD(1, CAST('x' AS INT64))").result()
    with pytest.raises(gexc.BadRequest, match="division by zero"):
        client.query("SELECT SAFE_MULTIPLY(2, pts / 0) FROM ds.box").result()
