"""Timestamp texts and time zone arguments, as BigQuery reads them.

A raw feed's game times arrive as text (``'2025-01-15T19:30:00-05:00'``), and a processor turns
them into instants and Eastern dates. DuckDB read these texts its own way, so a query could pass
here and be refused (or answer otherwise) on BigQuery:

- a TIMESTAMP text must be in the canonical format (data types, "Timestamp type" > "Canonical
  format"; conversion functions, "CAST AS TIMESTAMP": "An error is produced if the
  string_expression is invalid, has more than six subsecond digits"). DuckDB read
  ``'2025/01/15 10:00:00'``, hour 24 (as the next day) and a seventh fractional digit (cut);
- forms BigQuery lists as valid were DuckDB errors: the ``t`` separator and the ``z`` suffix
  (lexical structure, "Timestamp literals"), one-digit offsets ``-7`` and ``-8:15`` (data
  types, "Time zones"), the leap second ``:60`` ("Leap seconds": the next minute's ``:00``);
- ``TIMESTAMP(string, time_zone)`` was cast through DuckDB's zone-less TIMESTAMP, which drops
  the string's own offset silently (``'... 10:00:00+05:30', 'UTC'`` gave 10:00 UTC); BigQuery
  says not to give both. With a zone column it was a DuckDB parser error;
- a UTC offset as a time zone argument (``DATE(ts, '+05')``, ``FORMAT_TIMESTAMP(f, ts, '-8')``)
  was "Unknown TimeZone" here; BigQuery takes it;
- ``DATETIME(timestamp, time_zone)`` and ``DATETIME(date, time)`` were told apart by whether
  the second argument was a literal on sqlglot's list of zone names: an offset or a zone column
  was cast to TIME.

Expected instants are computed here with Python's ``datetime`` and ``zoneinfo``, not read from
the code under test.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient

UTC = dt.UTC


def _offset(hours: int, minutes: int = 0) -> dt.timezone:
    sign = -1 if hours < 0 else 1
    return dt.timezone(sign * dt.timedelta(hours=abs(hours), minutes=minutes))


def _at(zone: dt.tzinfo, *fields: int) -> dt.datetime:
    """The instant (UTC) of a civil time in ``zone``."""
    return dt.datetime(*fields, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.feed (raw STRING, zone STRING, ts TIMESTAMP, d DATE, dtm DATETIME)").result()
    c.query("INSERT INTO ds.feed VALUES ('2025-01-15T19:30:00-05:00', '-8:5', "
            "TIMESTAMP '2025-01-16 00:30:00+00', DATE '2025-01-15', DATETIME '2025-01-15 19:30:00')").result()
    yield c
    c.close()


def one(client: DuckDBClient, sql: str, **params: tuple[str, object]) -> object:
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter(name, kind, value) for name, (kind, value) in params.items()])
    (row,) = list(client.query(sql, job_config=config).result())
    (value,) = row.values()
    return value


# --- canonical TIMESTAMP texts: each form BigQuery's pages list, read to the same instant ------

READ = [
    # lexical structure, "Timestamp literals": T / t / Z / z, no space around them
    ("2017-01-18T12:34:56.123456Z", dt.datetime(2017, 1, 18, 12, 34, 56, 123456, tzinfo=UTC)),
    ("2017-01-18t12:34:56.123456", dt.datetime(2017, 1, 18, 12, 34, 56, 123456, tzinfo=UTC)),
    ("2017-01-18 12:34:56.123456z", dt.datetime(2017, 1, 18, 12, 34, 56, 123456, tzinfo=UTC)),
    ("2014-09-27 12:30:00.45-08", _at(_offset(-8), 2014, 9, 27, 12, 30, 0, 450000)),
    # data types, "Time zones": {+|-}H[H][:M[M]], no space before it
    ("2014-09-27 12:30:00.45-8:00", _at(_offset(-8), 2014, 9, 27, 12, 30, 0, 450000)),
    ("2014-09-27 12:30:00-8:15", _at(_offset(-8, 15), 2014, 9, 27, 12, 30)),
    ("2014-09-27 12:30:00+3:00", _at(_offset(3), 2014, 9, 27, 12, 30)),
    ("2014-09-27 12:30:00+07:30", _at(_offset(7, 30), 2014, 9, 27, 12, 30)),
    ("2014-09-27 12:30:00-7", _at(_offset(-7), 2014, 9, 27, 12, 30)),
    ("2014-09-27 12:30:00+05:3", _at(_offset(5, 3), 2014, 9, 27, 12, 30)),
    # a tz database name after one space
    ("2014-09-27 12:30:00.45 America/Los_Angeles", _at(LOS_ANGELES, 2014, 9, 27, 12, 30, 0, 450000)),
    ("2014-09-27T12:30:00.45 Etc/UTC", dt.datetime(2014, 9, 27, 12, 30, 0, 450000, tzinfo=UTC)),
    ("2025-01-15 19:30:00 America/New_York", _at(NEW_YORK, 2025, 1, 15, 19, 30)),
    # one-digit fields, the date alone, surrounding blanks
    ("2025-1-5 7:5:9", dt.datetime(2025, 1, 5, 7, 5, 9, tzinfo=UTC)),
    ("2025-01-15", dt.datetime(2025, 1, 15, tzinfo=UTC)),
    ("  2025-01-15 10:00:00  ", dt.datetime(2025, 1, 15, 10, tzinfo=UTC)),
    # "Leap seconds": ':60' is the following minute's ':00'
    ("2025-01-15 23:59:60", dt.datetime(2025, 1, 16, tzinfo=UTC)),
    ("2025-01-15 23:59:60.5+01", _at(_offset(1), 2025, 1, 16, 0, 0, 0, 500000)),
]


@pytest.mark.parametrize("text, instant", READ, ids=[text for text, _ in READ])
def test_a_canonical_timestamp_text_is_read_as_bigquery_reads_it(client: DuckDBClient, text: str,
                                                                   instant: dt.datetime) -> None:
    assert one(client, f"SELECT TIMESTAMP '{text}'") == instant
    assert one(client, "SELECT CAST(@s AS TIMESTAMP)", s=("STRING", text)) == instant
    assert one(client, "SELECT SAFE_CAST(@s AS TIMESTAMP)", s=("STRING", text)) == instant
    assert one(client, f"SELECT TIMESTAMP('{text}')") == instant


BAD = [
    "2025/01/15 10:00:00",            # not YYYY-[M]M-[D]D
    "2025-01-15 24:00:00",            # hours 00-23 (DuckDB: the next day)
    "2025-01-15 10:60:00",            # minutes 00-59
    "2025-01-15 10:00:00.1234567",    # "more than six subsecond digits" (DuckDB cut it)
    "2025-01-15 10:00:00 +05",        # "no space is allowed between the time zone and the rest"
    "2025-01-15 10:00:00 Z",          # nor before Z
    "2025-01-15 America/New_York",    # a zone needs the time part
    "2025-01-15 10:00",               # seconds are not optional
    "20250115 10:00:00",
]


@pytest.mark.parametrize("text", BAD)
def test_a_text_outside_the_canonical_format_is_bigquerys_error_or_null(client: DuckDBClient, text: str) -> None:
    with pytest.raises(gexc.BadRequest, match=re.escape(f"Bad timestamp value: {text.strip()}")):
        one(client, "SELECT CAST(@s AS TIMESTAMP)", s=("STRING", text))
    with pytest.raises(gexc.BadRequest, match="Bad timestamp value"):
        one(client, f"SELECT TIMESTAMP '{text}'")
    assert one(client, "SELECT SAFE_CAST(@s AS TIMESTAMP)", s=("STRING", text)) is None


def test_a_column_of_feed_text_is_checked_row_by_row(client: DuckDBClient) -> None:
    assert one(client, "SELECT CAST(raw AS TIMESTAMP) FROM ds.feed") == _at(NEW_YORK, 2025, 1, 15, 19, 30)
    with pytest.raises(gexc.BadRequest, match="Bad timestamp value: 2025/01/15"):
        one(client, "SELECT CAST(REPLACE(raw, '-', '/') AS TIMESTAMP) FROM ds.feed")


def test_a_timestamp_literal_compared_with_a_timestamp_must_be_canonical(client: DuckDBClient) -> None:
    # conversion rules, "Literal coercion": checked when the query is analysed
    with pytest.raises(gexc.BadRequest, match='Could not cast literal "2025/01/15 00:00:00" to type TIMESTAMP'):
        one(client, "SELECT COUNT(*) FROM ds.feed WHERE ts > '2025/01/15 00:00:00'")
    assert one(client, "SELECT COUNT(*) FROM ds.feed WHERE ts > '2025-01-15 19:00:00 America/New_York'") == 1
    assert one(client, "SELECT COUNT(*) FROM ds.feed WHERE ts > '2025-01-15 20:00:00 America/New_York'") == 0


# --- DATETIME texts --------------------------------------------------------------------------

@pytest.mark.parametrize("text, civil", [
    ("2025-01-15t10:00:00", dt.datetime(2025, 1, 15, 10)),
    ("2025-01-15 23:59:60", dt.datetime(2025, 1, 16)),
    ("2025-01-15 10:00:00.5", dt.datetime(2025, 1, 15, 10, 0, 0, 500000)),
])
def test_a_canonical_datetime_text_is_read(client: DuckDBClient, text: str, civil: dt.datetime) -> None:
    assert one(client, f"SELECT DATETIME '{text}'") == civil
    assert one(client, "SELECT CAST(@s AS DATETIME)", s=("STRING", text)) == civil


@pytest.mark.parametrize("text", ["2025-01-15 24:00:00", "2025-01-15 10:00:00+05:30", "2025-01-15 10:00:00 UTC"])
def test_a_datetime_text_with_hour_24_or_a_zone_is_refused(client: DuckDBClient, text: str) -> None:
    with pytest.raises(gexc.BadRequest, match=re.escape(f"Bad datetime value: {text}")):
        one(client, "SELECT CAST(@s AS DATETIME)", s=("STRING", text))


# --- TIMESTAMP(value, time_zone) ----------------------------------------------------------------

def test_timestamp_of_a_string_and_a_zone_reads_the_civil_time_there(client: DuckDBClient) -> None:
    # the reference's example: "2008-12-25 15:30:00", "America/Los_Angeles" -> 23:30 UTC
    assert one(client, "SELECT TIMESTAMP('2008-12-25 15:30:00', 'America/Los_Angeles')") == \
        dt.datetime(2008, 12, 25, 23, 30, tzinfo=UTC)
    assert one(client, "SELECT TIMESTAMP(@s, @z)", s=("STRING", "2025-01-15 19:30:00"),
               z=("STRING", "America/New_York")) == _at(NEW_YORK, 2025, 1, 15, 19, 30)


def test_timestamp_of_a_string_naming_its_own_zone_and_a_zone_argument_is_refused(client: DuckDBClient) -> None:
    # "If string_expression includes a time zone ..., don't include an explicit time_zone
    # argument". DuckDB dropped the string's offset: 10:00 UTC where the text says 04:30 UTC.
    for text in ("2025-01-15 10:00:00+05:30", "2025-01-15 10:00:00 America/New_York", "2025-01-15T10:00:00Z"):
        with pytest.raises(gexc.BadRequest, match="the string names its own time zone"):
            one(client, f"SELECT TIMESTAMP('{text}', 'UTC')")
    with pytest.raises(gexc.BadRequest, match="Bad timestamp value: 2025/01/15 10:00:00"):
        one(client, "SELECT TIMESTAMP('2025/01/15 10:00:00', 'UTC')")


def test_every_timestamp_call_of_a_statement_is_checked(client: DuckDBClient) -> None:
    # the second call, after one without a zone, is checked too
    with pytest.raises(gexc.BadRequest, match="Bad timestamp value: 2025/01/15 10:00:00"):
        one(client, "SELECT TIMESTAMP('2025-01-15 10:00:00') < TIMESTAMP('2025/01/15 10:00:00', 'UTC')")
    assert one(client, "SELECT DATETIME(ts, '+05:30') < DATETIME(ts, zone) FROM ds.feed") is False


def test_timestamp_of_a_date_or_datetime_and_a_zone_column(client: DuckDBClient) -> None:
    # was `TIMESTAMP(x, zone)` in DuckDB's text: a parser error
    assert one(client, "SELECT TIMESTAMP(dtm, 'America/New_York') FROM ds.feed") == _at(NEW_YORK, 2025, 1, 15, 19, 30)
    assert one(client, "SELECT TIMESTAMP(d, zone) FROM ds.feed") == _at(_offset(-8, 5), 2025, 1, 15)
    assert one(client, "SELECT TIMESTAMP(dtm, zone) FROM ds.feed") == _at(_offset(-8, 5), 2025, 1, 15, 19, 30)


# --- a UTC offset as a time zone argument ---------------------------------------------------------

# ts is 2025-01-16 00:30 UTC: 05:30 on the 16th at +05, 16:25 on the 15th at -8:05.
OFFSET_ARGUMENTS = [
    ("SELECT DATE(ts, '+05') FROM ds.feed", dt.date(2025, 1, 16)),
    ("SELECT DATE(ts, '-8') FROM ds.feed", dt.date(2025, 1, 15)),
    ("SELECT DATE(ts, zone) FROM ds.feed", dt.date(2025, 1, 15)),
    ("SELECT DATETIME(ts, '+05:30') FROM ds.feed", dt.datetime(2025, 1, 16, 6, 0)),
    ("SELECT DATETIME(ts, zone) FROM ds.feed", dt.datetime(2025, 1, 15, 16, 25)),
    ("SELECT TIME(ts, '-05') FROM ds.feed", dt.time(19, 30)),
    ("SELECT FORMAT_TIMESTAMP('%Y-%m-%d %H:%M', ts, '-05') FROM ds.feed", "2025-01-15 19:30"),
    ("SELECT FORMAT_TIMESTAMP('%H:%M', ts, zone) FROM ds.feed", "16:25"),
    ("SELECT EXTRACT(HOUR FROM ts AT TIME ZONE '+05') FROM ds.feed", 5),
    ("SELECT TIMESTAMP_TRUNC(ts, DAY, '-05') FROM ds.feed", _at(_offset(-5), 2025, 1, 15)),
    ("SELECT DATE_TRUNC(ts, DAY, '+05') FROM ds.feed", _at(_offset(5), 2025, 1, 16)),
    ("SELECT TIMESTAMP('2025-01-15 19:30:00', '-5') FROM ds.feed", _at(_offset(-5), 2025, 1, 15, 19, 30)),
    ("SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M', '2025-01-15 19:30', '-05:00') FROM ds.feed",
     _at(_offset(-5), 2025, 1, 15, 19, 30)),
]


@pytest.mark.parametrize("sql, expected", OFFSET_ARGUMENTS, ids=[sql for sql, _ in OFFSET_ARGUMENTS])
def test_an_offset_is_a_time_zone_argument(client: DuckDBClient, sql: str, expected: object) -> None:
    assert one(client, sql) == expected


def test_every_zone_argument_of_a_statement_is_read(client: DuckDBClient) -> None:
    # PARSE_TIMESTAMP's zone (a DuckDB timezone() call here) first, then DATE's
    assert one(client, "SELECT STRUCT(PARSE_TIMESTAMP('%Y-%m-%d %H', '2025-01-15 19', '-05') AS p, "
                       "DATE(ts, '+05') AS d) FROM ds.feed") == \
        {"p": _at(_offset(-5), 2025, 1, 15, 19), "d": dt.date(2025, 1, 16)}


def test_current_date_at_the_date_line_offsets(client: DuckDBClient) -> None:
    # the statement's instant is one or two days apart at +14 and -12 (26 hours: two between 10:00
    # and 12:00 UTC), each the civil date of that instant at its offset (the reference's
    # CURRENT_DATE('-08') form). Until stop 36 this said one day, and failed two hours a day.
    (row,) = client.query("SELECT CURRENT_TIMESTAMP(), CURRENT_DATE('+14'), CURRENT_DATE('-12')").result()
    now, today_east, today_west = row.values()
    assert today_east == (now + dt.timedelta(hours=14)).date()
    assert today_west == (now - dt.timedelta(hours=12)).date()


# --- DATETIME(timestamp, time_zone) and DATETIME(date, time) ----------------------------------

def test_datetime_tells_a_zone_from_a_time_by_the_arguments(client: DuckDBClient) -> None:
    assert one(client, "SELECT DATETIME(ts, 'America/New_York') FROM ds.feed") == dt.datetime(2025, 1, 15, 19, 30)
    assert one(client, "SELECT DATETIME(d, '10:30:00') FROM ds.feed") == dt.datetime(2025, 1, 15, 10, 30)
    assert one(client, "SELECT DATETIME(d, TIME '10:30:00') FROM ds.feed") == dt.datetime(2025, 1, 15, 10, 30)
    assert one(client, "SELECT DATETIME(ts, @z) FROM ds.feed", z=("STRING", "-05")) == dt.datetime(2025, 1, 15, 19, 30)


@pytest.mark.parametrize("sql, types", [
    ("SELECT DATETIME(d, 'America/New_York') FROM ds.feed", "DATE, STRING"),
    ("SELECT DATETIME(ts, TIME '10:00:00') FROM ds.feed", "TIMESTAMP, TIME"),
    ("SELECT DATETIME(d, zone) FROM ds.feed", "DATE, STRING"),
    # a DATETIME has neither two-argument form (stop 33): DuckDB read it as a UTC instant
    ("SELECT DATETIME(dtm, 'America/New_York') FROM ds.feed", "DATETIME, STRING"),
    ("SELECT DATETIME(dtm, zone) FROM ds.feed", "DATETIME, STRING"),
    ("SELECT DATETIME(dtm, TIME '10:00:00') FROM ds.feed", "DATETIME, TIME"),
    ("SELECT DATETIME(DATETIME '2025-01-15 10:00:00', '10:00:00') FROM ds.feed", "DATETIME, STRING"),
    ("SELECT DATETIME(1, 'UTC') FROM ds.feed", "INT64, STRING"),
    # its type unknown to the statement rules: refused when the query runs
    ("SELECT DATETIME(PARSE_DATETIME('%Y-%m-%d %H:%M', '2025-01-15 10:00'), 'UTC') FROM ds.feed",
     "DATETIME, STRING"),
])
def test_datetime_without_a_signature_for_its_arguments_is_refused(client: DuckDBClient, sql: str,
                                                                   types: str) -> None:
    with pytest.raises(gexc.BadRequest, match=f"No matching signature for function DATETIME for argument types: {types}"):
        one(client, sql)


def test_datetime_of_a_datetime_is_refused_before_any_row_is_read(client: DuckDBClient) -> None:
    """The statement rules know ``dtm`` is a DATETIME: refused over no rows too, as BigQuery
    refuses it when it compiles the query (a check made row by row would pass an empty table)."""
    with pytest.raises(gexc.BadRequest, match="argument types: DATETIME, STRING. Supported signatures: "
                                              r"DATETIME\(INT64, INT64, INT64, INT64, INT64, INT64\); "
                                              r"DATETIME\(DATE, \[TIME\]\); DATETIME\(TIMESTAMP, \[STRING\]\)"):
        client.query("SELECT DATETIME(dtm, 'UTC') FROM ds.feed WHERE FALSE").result()
