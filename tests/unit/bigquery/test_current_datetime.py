"""``CURRENT_DATETIME([time_zone])``: the current civil time in the zone, UTC without one
(datetime functions, "CURRENT_DATETIME"). Until stop 35 it was "Function not supported by the
embedded warehouse" (DuckDB has no such function). "Tonight's games" in New York time is a typical
use. Every comparison below is within one statement, whose CURRENT_TIMESTAMP is one instant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one, rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    yield c
    c.close()


def test_it_is_the_civil_time_of_the_current_timestamp_in_the_zone(client: DuckDBClient) -> None:
    assert rows(client, "SELECT CURRENT_DATETIME('America/New_York') = DATETIME(CURRENT_TIMESTAMP(), "
                        "'America/New_York'), CURRENT_DATETIME() = DATETIME(CURRENT_TIMESTAMP(), 'UTC'), "
                        "DATETIME_DIFF(CURRENT_DATETIME('+05:30'), CURRENT_DATETIME(), MINUTE)") == [(True, True, 330)]


def test_it_is_a_datetime_value(client: DuckDBClient) -> None:
    value = one(client, "SELECT CURRENT_DATETIME('Asia/Tokyo')")
    assert isinstance(value, dt.datetime) and value.tzinfo is None
    assert one(client, "SELECT DATE(CURRENT_DATETIME('Asia/Tokyo')) = DATE(CURRENT_TIMESTAMP(), 'Asia/Tokyo')") is True
