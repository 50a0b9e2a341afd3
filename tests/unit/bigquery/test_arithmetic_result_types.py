"""The types of arithmetic and of a few number functions, as BigQuery's tables give them; and
the checks inside a window's PARTITION BY and ORDER BY.

Until stop 32 the embedded warehouse typed columns, literals, casts and some functions, but not
``n / 1000`` or ``ROUND(f)``: every check that needs a type (comparisons, conditions, function
signatures, supertypes, PARTITION BY) let such an expression through, and DuckDB ran what
BigQuery refuses. The realistic case is a feed's epoch milliseconds: ``TIMESTAMP_SECONDS(ms /
1000)`` ran here, and BigQuery has no ``TIMESTAMP_SECONDS(FLOAT64)`` (INT64 / INT64 is FLOAT64).

The expected types below are copied from the reference's tables (operators, "Arithmetic
operators": "Result types for Addition, Subtraction and Multiplication", "Result types for
Division", "Result types for Unary Minus"; "Date arithmetics operators"; mathematical functions
"ABS", "ROUND", "CEIL", "FLOOR", "TRUNC", "SQRT"; aggregate functions "SUM", "AVG"), not derived
from the code: each appears in BigQuery's own error message for a comparison with a STRING.

Inside a window's PARTITION BY or ORDER BY, the checks the translation adds (division by zero,
a bad cast's text, LOG's domain) made DuckDB refuse the whole query ("PARTITION BY window
expressions cannot be volatile"): ``ROW_NUMBER() OVER (PARTITION BY player ORDER BY points /
minutes DESC)``, which BigQuery runs, could not run here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.t (k STRING, n INT64, f FLOAT64, d DATE, b BOOL, ms INT64)").result()
    c.query("INSERT INTO ds.t VALUES ('a', 1, 1.5, DATE '2025-01-01', TRUE, 1736960400000), "
            "('b', 2, 2.5, DATE '2025-01-02', FALSE, 1736964000000)").result()
    yield c
    c.close()


def rows(client: DuckDBClient, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in client.query(sql).result()]


RESULT_TYPES = [
    # + - *: the wider of INT64 < NUMERIC < BIGNUMERIC < FLOAT64
    ("n + 1", "INT64"),
    ("n * 2", "INT64"),
    ("n - CAST(1 AS NUMERIC)", "NUMERIC"),
    ("n + CAST(1 AS BIGNUMERIC)", "BIGNUMERIC"),
    ("CAST(n AS NUMERIC) * CAST(2 AS BIGNUMERIC)", "BIGNUMERIC"),
    ("CAST(n AS NUMERIC) + f", "FLOAT64"),
    ("n * 1.5", "FLOAT64"),
    # /: INT64 / INT64 is FLOAT64, otherwise the wider type
    ("n / 2", "FLOAT64"),
    ("SAFE_DIVIDE(n, 2)", "FLOAT64"),
    ("CAST(n AS NUMERIC) / 2", "NUMERIC"),
    ("n / CAST(2 AS BIGNUMERIC)", "BIGNUMERIC"),
    # unary minus keeps the type
    ("-n", "INT64"),
    ("-CAST(n AS NUMERIC)", "NUMERIC"),
    # ABS keeps it; ROUND / TRUNC / CEIL / FLOOR / SQRT turn INT64 into FLOAT64
    ("ABS(n)", "INT64"),
    ("ABS(CAST(n AS BIGNUMERIC))", "BIGNUMERIC"),
    ("ROUND(n)", "FLOAT64"),
    ("ROUND(CAST(f AS NUMERIC), 1)", "NUMERIC"),
    ("TRUNC(n)", "FLOAT64"),
    ("CEIL(n)", "FLOAT64"),
    ("FLOOR(CAST(n AS NUMERIC))", "NUMERIC"),
    ("SQRT(n)", "FLOAT64"),
    # SUM keeps it; AVG turns INT64 into FLOAT64
    ("SUM(n)", "INT64"),
    ("SUM(f)", "FLOAT64"),
    ("AVG(n)", "FLOAT64"),
    ("SUM(DISTINCT n)", "INT64"),
    ("AVG(DISTINCT n)", "FLOAT64"),
    ("AVG(CAST(n AS NUMERIC))", "NUMERIC"),
    # nested: (INT64 / INT64) * INT64 is FLOAT64
    ("(n / 2) * 3", "FLOAT64"),
    ("ABS(n - 3) + 1", "INT64"),
    # DATE +/- INT64 is a DATE
    ("d + 1", "DATE"),
    ("1 + d", "DATE"),
    ("d - 1", "DATE"),
]


@pytest.mark.parametrize("expression, kind", RESULT_TYPES, ids=[e for e, _ in RESULT_TYPES])
def test_the_result_type_is_the_one_bigquerys_tables_give(client: DuckDBClient, expression: str, kind: str) -> None:
    # BigQuery names both operand types when a comparison has no signature; a number or a DATE
    # never compares with a STRING column.
    with pytest.raises(gexc.BadRequest, match=re.escape(f"No matching signature for operator = for argument types: {kind}, STRING")):
        rows(client, f"SELECT {expression} = k FROM ds.t")


REFUSED = [
    # a feed's epoch milliseconds: INT64 / INT64 is FLOAT64, and there is no TIMESTAMP_SECONDS(FLOAT64)
    ("SELECT TIMESTAMP_SECONDS(ms / 1000) FROM ds.t",
     "No matching signature for function TIMESTAMP_SECONDS for argument types: FLOAT64"),
    ("SELECT MOD(f * 2, 2) FROM ds.t", "No matching signature for function MOD for argument types: FLOAT64, INT64"),
    ("SELECT MOD(n / 2, 2) FROM ds.t", "No matching signature for function MOD for argument types: FLOAT64, INT64"),
    # "PARTITION BY expressions can't include floating point types" (data types, "Groupable data types")
    ("SELECT SUM(n) OVER (PARTITION BY f * 2) FROM ds.t", "Partitioning by expressions of type FLOAT64 is not allowed"),
    ("SELECT SUM(n) OVER (PARTITION BY ROUND(f)) FROM ds.t", "Partitioning by expressions of type FLOAT64 is not allowed"),
    ("SELECT SUM(n) OVER (PARTITION BY n / 2) FROM ds.t", "Partitioning by expressions of type FLOAT64 is not allowed"),
    ("SELECT SUM(n) OVER (PARTITION BY CEIL(n)) FROM ds.t", "Partitioning by expressions of type FLOAT64 is not allowed"),
    # conditions must be BOOL
    ("SELECT k FROM ds.t WHERE n - 1", "WHERE clause should return type BOOL, but returns INT64"),
    ("SELECT k FROM ds.t WHERE n / 2", "WHERE clause should return type BOOL, but returns FLOAT64"),
    # no signature for a number and a STRING, nor a common supertype
    ("SELECT k FROM ds.t WHERE n + 1 = '2'", "No matching signature for operator = for argument types: INT64, STRING"),
    ("SELECT (n + 1) + 'a' FROM ds.t", "No matching signature for operator + for argument types: INT64, STRING"),
    ("SELECT IF(b, n + 1, 'x') FROM ds.t", "the results have no common supertype: INT64, STRING"),
    ("SELECT LENGTH(n + 1) FROM ds.t", "No matching signature for function LENGTH for argument types: INT64"),
    # DATE - INT64 is a DATE: its literal must be a date, and it does not compare with a number
    ("SELECT k FROM ds.t WHERE d + 1 = '2025/01/02'", 'Could not cast literal "2025/01/02" to type DATE'),
    ("SELECT k FROM ds.t WHERE d - 1 = 5", "No matching signature for operator = for argument types: DATE, INT64"),
]


@pytest.mark.parametrize("sql, message", REFUSED, ids=[s for s, _ in REFUSED])
def test_an_expression_bigquery_refuses_for_its_type_is_refused(client: DuckDBClient, sql: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=re.escape(message)):
        rows(client, sql)


ACCEPTED = [
    ("SELECT TIMESTAMP_SECONDS(DIV(ms, 1000)) FROM ds.t ORDER BY k",
     [(dt.datetime(2025, 1, 15, 17, tzinfo=dt.UTC),), (dt.datetime(2025, 1, 15, 18, tzinfo=dt.UTC),)]),
    ("SELECT TIMESTAMP_SECONDS(CAST(ms / 1000 AS INT64)) FROM ds.t ORDER BY k",
     [(dt.datetime(2025, 1, 15, 17, tzinfo=dt.UTC),), (dt.datetime(2025, 1, 15, 18, tzinfo=dt.UTC),)]),
    ("SELECT SUM(n) OVER (PARTITION BY n * 2) FROM ds.t ORDER BY k", [(1,), (2,)]),
    # NUMERIC is not a floating point type: its ROUND and its quotient partition
    ("SELECT SUM(n) OVER (PARTITION BY ROUND(CAST(f AS NUMERIC))) FROM ds.t ORDER BY k", [(1,), (2,)]),
    ("SELECT SUM(n) OVER (PARTITION BY CAST(n AS NUMERIC) / 2) FROM ds.t ORDER BY k", [(1,), (2,)]),
    ("SELECT k FROM ds.t WHERE n + 1 = 2.0", [("a",)]),
    ("SELECT k FROM ds.t WHERE n * 2 > 2 AND n / 2 < 1.5", [("b",)]),
    ("SELECT IF(b, n + 1, f / 2) FROM ds.t ORDER BY k", [(2.0,), (1.25,)]),
    ("SELECT k FROM ds.t WHERE d + 1 > '2025-01-02'", [("b",)]),
    ("SELECT MOD(ABS(n - 3), 2) FROM ds.t ORDER BY k", [(0,), (1,)]),
    ("SELECT COALESCE(SUM(n), 0) FROM ds.t", [(3,)]),
]


@pytest.mark.parametrize("sql, expected", ACCEPTED, ids=[s for s, _ in ACCEPTED])
def test_an_expression_bigquery_takes_gives_its_rows(client: DuckDBClient, sql: str, expected: list[tuple]) -> None:
    assert rows(client, sql) == expected


# --- checks inside a window's PARTITION BY / ORDER BY ---------------------------------------------

WINDOW_KEYS = [
    ("SELECT k, ROW_NUMBER() OVER (PARTITION BY b ORDER BY f / n DESC) FROM ds.t ORDER BY k", [("a", 1), ("b", 1)]),
    ("SELECT k, RANK() OVER (ORDER BY n / 2) FROM ds.t ORDER BY k", [("a", 1), ("b", 2)]),
    ("SELECT k, SUM(n) OVER (PARTITION BY CAST(LOG10(n + 1) AS INT64)) FROM ds.t ORDER BY k", [("a", 3), ("b", 3)]),
    ("SELECT k, ROW_NUMBER() OVER (ORDER BY SAFE_CAST(k AS INT64), k DESC) FROM ds.t ORDER BY k", [("a", 2), ("b", 1)]),
]


@pytest.mark.parametrize("sql, expected", WINDOW_KEYS, ids=[s for s, _ in WINDOW_KEYS])
def test_a_checked_expression_is_a_window_key(client: DuckDBClient, sql: str, expected: list[tuple]) -> None:
    assert rows(client, sql) == expected


@pytest.mark.parametrize("expression, message", [
    ("CAST(n AS NUMERIC) / (n - 1)", "division by zero: CAST(n AS NUMERIC) / (n - 1)"),
    ("CAST(LOG10(n - 1) AS INT64)", "Argument to LOG cannot be zero or negative"),
    ("CAST(k AS INT64)", "Bad int64 value: a"),
    ("CAST(REPLACE(CAST(d AS STRING), '-', '/') AS DATE)", "Bad date value: 2025/01/01"),
    ("TIMESTAMP(CONCAT(CAST(d AS STRING), ' 24:00:00'))", "Bad timestamp value: 2025-01-01 24:00:00"),
])
def test_a_failing_check_in_a_window_key_says_what_it_says_elsewhere(client: DuckDBClient, expression: str,
                                                                    message: str) -> None:
    with pytest.raises(gexc.BadRequest) as in_select:
        rows(client, f"SELECT {expression} FROM ds.t ORDER BY k")
    for window in (f"PARTITION BY {expression}", f"ORDER BY {expression}", f"PARTITION BY k ORDER BY {expression} DESC"):
        with pytest.raises(gexc.BadRequest) as in_window:
            rows(client, f"SELECT k, COUNT(*) OVER ({window}) FROM ds.t")
        assert message in str(in_window.value)
        assert str(in_window.value).splitlines()[0] == str(in_select.value).splitlines()[0]
