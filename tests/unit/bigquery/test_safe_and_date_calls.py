"""SAFE. calls over the embedded warehouse's own checks, and DATE(x) / DATETIME(x) of a string.

Functions reference, "SAFE. prefix": the function returns NULL instead of an error. Date
functions, "DATE" (``DATE(timestamp_expression)``: a string literal coerces to a TIMESTAMP, so it
must be a TIMESTAMP's canonical text); datetime functions, "DATETIME".

Until stop 33: ``SAFE.SQRT(-1)``, ``SAFE.LN(0)``, ``SAFE.LOG(...)``, ``SAFE.PARSE_TIMESTAMP`` of a
format with BigQuery's own elements and other SAFE. calls over the checks this translation adds
were DuckDB's "TRY can not be used in combination with a volatile function" (its ``error()``);
and ``DATE('2025/01/15')`` / ``DATETIME('2025/01/15 10:00:00')`` were read by DuckDB, where
BigQuery refuses the text (``SAFE.DATE('2025/01/15')`` gave a date, not NULL).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.feed (raw STRING, x FLOAT64)").result()
    c.query("INSERT INTO ds.feed VALUES ('2025-01-15', 4.0), ('2025/01/15', -1.0), ('2025-01-15 23:30:00-05', 0.0)"
            ).result()
    yield c
    c.close()


SAFE_NULL = [
    "SAFE.SQRT(-1)", "SAFE.LN(0)", "SAFE.LOG(-1, 10)", "SAFE.LOG10(0)",
    "SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%Ez', 'not a stamp')",
    "SAFE.PARSE_DATE('%Y-%m-%d', '2025/01/15')", "SAFE.SUBSTR('abc', 1, -1)",
    "SAFE.DATE('2025/01/15')", "SAFE.DATETIME('2025/01/15 10:00:00')", "SAFE.TIMESTAMP('2025/01/15')",
]


@pytest.mark.parametrize("call", SAFE_NULL)
def test_a_safe_call_that_fails_is_null(client: DuckDBClient, call: str) -> None:
    assert rows(client, f"SELECT {call}") == [(None,)]


def test_a_safe_call_that_succeeds_is_its_value(client: DuckDBClient) -> None:
    assert rows(client, "SELECT SAFE.SQRT(16), SAFE.LOG(8, 2), SAFE.PARSE_DATE('%Y-%m-%d', '2025-01-15')") \
        == [(4.0, 3.0, dt.date(2025, 1, 15))]
    got = rows(client, "SELECT SAFE.SQRT(x), SAFE.LN(x) FROM ds.feed ORDER BY x")
    assert got == [(None, None), (0.0, None), (2.0, math.log(4.0))]


def test_without_safe_the_check_still_fails(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="Argument to SQRT cannot be negative"):
        rows(client, "SELECT SQRT(-1)")


def test_date_and_datetime_of_a_string_take_canonical_text_only(client: DuckDBClient) -> None:
    # a literal coerces to a TIMESTAMP: date-only, with a time, or with an offset (in UTC)
    assert rows(client, "SELECT DATE('2025-1-5'), DATE('2025-01-05 10:00:00'), DATE('2025-01-05 23:30:00-05')") \
        == [(dt.date(2025, 1, 5), dt.date(2025, 1, 5), dt.date(2025, 1, 6))]
    assert rows(client, "SELECT DATETIME('2025-01-05 10:00:00')") == [(dt.datetime(2025, 1, 5, 10, 0),)]
    for call, said in (("DATE('2025/01/15')", "Bad timestamp value: 2025/01/15"),
                       ("DATETIME('2025/01/15 10:00:00')", "Bad datetime value: 2025/01/15 10:00:00")):
        with pytest.raises(gexc.BadRequest, match=said):
            rows(client, f"SELECT {call}")
    assert rows(client, "SELECT raw, SAFE.DATE(raw) FROM ds.feed ORDER BY raw") == [
        ("2025-01-15", dt.date(2025, 1, 15)), ("2025-01-15 23:30:00-05", dt.date(2025, 1, 16)), ("2025/01/15", None)]


def test_date_of_other_types_is_unchanged(client: DuckDBClient) -> None:
    got = rows(client, "SELECT DATE(TIMESTAMP '2025-01-05 03:00:00+00'), "
                       "DATE(TIMESTAMP '2025-01-05 03:00:00+00', 'America/New_York'), DATE(2025, 1, 5), "
                       "DATE(DATETIME '2025-01-05 23:00:00'), DATETIME(TIMESTAMP '2025-01-05 03:00:00+00'), "
                       "DATETIME(DATE '2025-01-05')")
    assert got == [(dt.date(2025, 1, 5), dt.date(2025, 1, 4), dt.date(2025, 1, 5), dt.date(2025, 1, 5),
                    dt.datetime(2025, 1, 5, 3, 0), dt.datetime(2025, 1, 5, 0, 0))]
