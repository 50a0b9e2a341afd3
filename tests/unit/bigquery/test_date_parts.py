"""The date part of DATE_ADD / _SUB / _DIFF and their DATETIME, TIMESTAMP and TIME kin.

Date functions, "DATE_ADD" (DAY, WEEK, MONTH, QUARTER, YEAR); timestamp functions,
"TIMESTAMP_ADD" (MICROSECOND ... DAY, "Equivalent to 24 HOURs") and "TIMESTAMP_DIFF" ("TIMESTAMP_DIFF
(DATE, DATE, PART) behaves like DATE_DIFF"); time functions, "TIME_ADD" (MICROSECOND ... HOUR).
ZetaSQL's checks give the message. Until stop 34 DuckDB ran every refused call below:
``TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 WEEK)`` a week back (BigQuery refuses it; write
``INTERVAL 7 DAY``), ``DATE_ADD(d, INTERVAL 5 HOUR)`` the same day, ``DATE_TRUNC(d, HOUR)`` a DATETIME,
``EXTRACT(HOUR FROM d)`` 0, silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.games (game_date DATE, tipoff TIMESTAMP, local_tipoff DATETIME, clock TIME)").result()
    c.query("INSERT INTO ds.games VALUES (DATE '2025-01-31', TIMESTAMP '2025-01-31 19:30:00+00', "
            "DATETIME '2025-01-31 14:30:00', TIME '19:30:00')").result()
    yield c
    c.close()


REFUSED = [
    ("TIMESTAMP_ADD(tipoff, INTERVAL 1 MONTH)", "TIMESTAMP_ADD does not support the MONTH date part when the argument "
                                                "is TIMESTAMP type"),
    ("TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 WEEK)", "TIMESTAMP_SUB does not support the WEEK date part"),
    ("TIMESTAMP_ADD(tipoff, INTERVAL 1 YEAR)", "TIMESTAMP_ADD does not support the YEAR date part"),
    ("TIMESTAMP_DIFF(tipoff, tipoff, MONTH)", "TIMESTAMP_DIFF does not support the MONTH date part"),
    ("TIMESTAMP_DIFF(tipoff, tipoff, WEEK(MONDAY))", "TIMESTAMP_DIFF does not support the WEEK\\(MONDAY\\) date part"),
    ("DATE_ADD(game_date, INTERVAL 5 HOUR)", "DATE_ADD does not support the HOUR date part when the argument is DATE type"),
    ("DATE_SUB(game_date, INTERVAL 30 MINUTE)", "DATE_SUB does not support the MINUTE date part"),
    ("DATE_DIFF(game_date, game_date, HOUR)", "DATE_DIFF does not support the HOUR date part"),
    ("DATE_DIFF(game_date, game_date, DAYOFWEEK)", "DATE_DIFF does not support the DAYOFWEEK date part"),
    ("TIME_ADD(clock, INTERVAL 1 DAY)", "TIME_ADD does not support the DAY date part when the argument is TIME type"),
    ("TIME_DIFF(clock, clock, DAY)", "TIME_DIFF does not support the DAY date part"),
    ("DATETIME_DIFF(local_tipoff, local_tipoff, DAYOFYEAR)", "DATETIME_DIFF does not support the DAYOFYEAR date part"),
    # ISOWEEK counts between dates, it is no step to add
    ("DATE_ADD(game_date, INTERVAL 1 ISOWEEK)", "DATE_ADD does not support the ISOWEEK date part"),
    # TRUNC and EXTRACT: ZetaSQL's CheckDateDatetimeTimeTimestampTruncArguments and
    # CheckExtractPostResolutionArguments
    ("DATE_TRUNC(game_date, HOUR)", "DATE_TRUNC does not support the HOUR date part"),
    ("EXTRACT(HOUR FROM game_date)", "EXTRACT from DATE does not support the HOUR date part"),
    ("EXTRACT(DATE FROM game_date)", "EXTRACT from DATE does not support the DATE date part"),
    ("EXTRACT(DAY FROM clock)", "EXTRACT from TIME does not support the DAY date part"),
    # the steps of the GENERATE_*_ARRAY functions (array functions)
    ("GENERATE_DATE_ARRAY(game_date, DATE '2025-02-02', INTERVAL 6 HOUR)",
     "GENERATE_DATE_ARRAY does not support the HOUR date part"),
    ("GENERATE_TIMESTAMP_ARRAY(tipoff, TIMESTAMP '2025-03-01 00:00:00+00', INTERVAL 1 MONTH)",
     "GENERATE_TIMESTAMP_ARRAY does not support the MONTH date part"),
    ("GENERATE_DATE_ARRAY(game_date, DATE '2025-02-02', INTERVAL 0 DAY)", "Sequence step cannot be 0."),
    ("GENERATE_ARRAY(1, 5, 0)", "Sequence step cannot be 0."),
]


@pytest.mark.parametrize(("call", "message"), REFUSED)
def test_a_part_the_value_does_not_have_is_refused(client: DuckDBClient, call: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(f"SELECT {call} FROM ds.games").result()


def test_the_parts_each_kind_has_run(client: DuckDBClient) -> None:
    got = rows(client, "SELECT TIMESTAMP_SUB(tipoff, INTERVAL 7 DAY), TIMESTAMP_ADD(tipoff, INTERVAL 90 MINUTE), "
                       "TIMESTAMP_DIFF(tipoff, TIMESTAMP '2025-01-30 19:30:00+00', HOUR), "
                       "DATE_ADD(game_date, INTERVAL 1 MONTH), DATE_SUB(game_date, INTERVAL 1 WEEK), "
                       "DATE_DIFF(game_date, DATE '2025-01-01', WEEK(MONDAY)), DATE_DIFF(game_date, DATE '2024-01-01', ISOYEAR), "
                       "DATETIME_ADD(local_tipoff, INTERVAL 1 QUARTER), DATETIME_ADD(local_tipoff, INTERVAL 30 MINUTE), "
                       "TIME_ADD(clock, INTERVAL 45 MINUTE), TIME_DIFF(clock, TIME '18:00:00', MINUTE) FROM ds.games")
    utc = dt.UTC
    assert got == [(dt.datetime(2025, 1, 24, 19, 30, tzinfo=utc), dt.datetime(2025, 1, 31, 21, 0, tzinfo=utc), 24,
                    dt.date(2025, 2, 28), dt.date(2025, 1, 24), 4, 1,
                    dt.datetime(2025, 4, 30, 14, 30), dt.datetime(2025, 1, 31, 15, 0), dt.time(20, 15), 90)]


def test_trunc_and_extract_take_the_parts_of_their_values(client: DuckDBClient) -> None:
    got = rows(client, "SELECT DATE_TRUNC(game_date, WEEK(MONDAY)), DATE_TRUNC(game_date, MONTH), "
                       "DATETIME_TRUNC(local_tipoff, HOUR), TIMESTAMP_TRUNC(tipoff, DAY), EXTRACT(DAYOFWEEK FROM game_date), "
                       "EXTRACT(WEEK(SUNDAY) FROM game_date), EXTRACT(HOUR FROM tipoff), EXTRACT(DATE FROM tipoff), "
                       "EXTRACT(MINUTE FROM clock) FROM ds.games")
    assert got == [(dt.date(2025, 1, 27), dt.date(2025, 1, 1), dt.datetime(2025, 1, 31, 14, 0),
                    dt.datetime(2025, 1, 31, tzinfo=dt.UTC), 6, 4, 19, dt.date(2025, 1, 31), 30)]


def test_date_trunc_of_a_datetime_or_timestamp_takes_their_parts(client: DuckDBClient) -> None:
    """Date functions, "DATE_TRUNC": a DATETIME or TIMESTAMP value takes the time parts too."""
    assert rows(client, "SELECT DATE_TRUNC(local_tipoff, HOUR), DATE_TRUNC(tipoff, MINUTE) FROM ds.games") \
        == [(dt.datetime(2025, 1, 31, 14, 0), dt.datetime(2025, 1, 31, 19, 30, tzinfo=dt.UTC))]


def test_sequences_with_steps_their_values_take(client: DuckDBClient) -> None:
    got = rows(client, "SELECT GENERATE_DATE_ARRAY(game_date, DATE '2025-04-01', INTERVAL 1 MONTH), "
                       "GENERATE_TIMESTAMP_ARRAY(tipoff, TIMESTAMP '2025-01-31 21:30:00+00', INTERVAL 1 HOUR), "
                       "GENERATE_ARRAY(5, 1, -2) FROM ds.games")
    utc = dt.UTC
    assert got == [([dt.date(2025, 1, 31), dt.date(2025, 2, 28), dt.date(2025, 3, 28)],
                     [dt.datetime(2025, 1, 31, h, 30, tzinfo=utc) for h in (19, 20, 21)], [5, 3, 1])]


def test_a_value_of_unknown_type_is_checked_by_the_functions_type(client: DuckDBClient) -> None:
    assert rows(client, "SELECT DATE_ADD((SELECT MAX(game_date) FROM ds.games), INTERVAL 1 DAY)") == [(dt.date(2025, 2, 1),)]
    with pytest.raises(gexc.BadRequest, match="DATE_ADD does not support the HOUR date part"):
        client.query("SELECT DATE_ADD((SELECT MAX(game_date) FROM ds.games), INTERVAL 1 HOUR)").result()


def test_timestamp_diff_of_dates_takes_the_date_parts(client: DuckDBClient) -> None:
    """Timestamp functions: "TIMESTAMP_DIFF(DATE, DATE, PART) behaves like DATE_DIFF(DATE, DATE, PART)"."""
    assert rows(client, "SELECT TIMESTAMP_DIFF(DATE '2017-10-15', DATE '2017-10-14', WEEK), "
                        "TIMESTAMP_DIFF(DATE '2017-12-30', DATE '2014-12-30', YEAR)") == [(1, 3)]
