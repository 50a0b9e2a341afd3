"""A mathematical function whose result is not finite while its arguments are is an error on
BigQuery, and NULL with SAFE.

Mathematical functions: ACOS "Generates an error if X is a value outside of the range [-1, 1]";
the POW table: "Finite value < 0 | Non-integer | Error", "0 | Finite value < 0 | Error". ZetaSQL's
math.h applies one rule to POW, EXP, ACOS, ASIN, ACOSH, ATANH ("Floating point error in function:
POW(0, -1)") and COSH / SINH ("Floating point overflow in function"). A NaN or infinite argument
gives the result the tables give. Until stop 35 DuckDB returned NaN or inf, which an average of
``POW(x, 2)`` or a ``SAFE.ACOS`` (NaN, not NULL) carried on silently.
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
    c.query("CREATE TABLE ds.t (k STRING, x FLOAT64)").result()
    c.query("INSERT INTO ds.t VALUES ('a', 2.0), ('a', 3.0), ('b', 0.0)").result()
    yield c
    c.close()


@pytest.mark.parametrize(("call", "message"), [
    ("POW(0, -1)", "Floating point error in function: POW(0, -1)"),
    ("POW(-8, 0.5)", "Floating point error in function: POW(-8, 0.5)"),
    ("POW(10, 400)", "Floating point error in function: POW(10, 400)"),
    ("EXP(1000)", "Floating point error in function: EXP(1000)"),
    ("ACOS(2)", "Floating point error in function: ACOS(2)"),
    ("ASIN(-1.5)", "Floating point error in function: ASIN(-1.5)"),
    ("ACOSH(0.5)", "Floating point error in function: ACOSH(0.5)"),
    ("ATANH(1)", "Floating point error in function: ATANH(1)"),
    ("COSH(1000)", "Floating point overflow in function: COSH(1000)"),
])
def test_a_non_finite_result_of_finite_arguments_is_an_error(client: DuckDBClient, call: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=rf"{message.replace('(', '[(]').replace(')', '[)]')}"):
        client.query(f"SELECT {call}").result()
    assert rows(client, f"SELECT SAFE.{call}") == [(None,)]


def test_the_tables_non_finite_cases_and_nulls_are_values(client: DuckDBClient) -> None:
    got = rows(client, "SELECT POW(1, CAST('nan' AS FLOAT64)), POW(CAST('inf' AS FLOAT64), 2), POW(-8, 3), "
                       "POW(2, NULL), ACOS(1), EXP(NULL)")
    assert got == [(1.0, float("inf"), -512.0, None, 0.0, None)]
    (nan,) = rows(client, "SELECT ACOS(CAST('nan' AS FLOAT64))")[0]
    assert nan != nan  # NaN in, NaN out


def test_in_an_aggregate_a_window_and_a_where(client: DuckDBClient) -> None:
    assert rows(client, "SELECT k, AVG(POW(x, 2)) FROM ds.t GROUP BY k ORDER BY k") == [("a", 6.5), ("b", 0.0)]
    assert rows(client, "SELECT k FROM ds.t WHERE POW(x, 0.5) > 1.5 ORDER BY k") == [("a",)]
    with pytest.raises(gexc.BadRequest, match="Floating point error in function: POW"):
        client.query("SELECT SUM(POW(x, -1)) OVER (PARTITION BY k) FROM ds.t").result()
