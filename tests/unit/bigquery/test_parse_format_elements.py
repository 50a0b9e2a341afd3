"""PARSE_TIMESTAMP / PARSE_DATETIME / PARSE_DATE / PARSE_TIME read BigQuery's own format elements.

Format elements, "Format elements for date and time parts": ``%E*S`` (seconds with full
fractional precision), ``%E<number>S``, ``%Ez`` (RFC 3339 offset), ``%E4Y``, and the locale
alternatives (``%EY``, ``%Ey``, ``%Ox``). How BigQuery reads them is its parser's
(zetasql/public/functions/parse_date_time.cc): ``%E*S`` takes the fraction only when a '.'
follows the seconds and ignores digits past the sixth; ``%Ez`` takes ``Z`` (upper case only) or
a sign, two-digit hours and optional minutes with an optional ':'; ``%z`` takes no ``Z``.

Until stop 33, DuckDB's strptime refused every one of them ("Failed to parse format specifier
%Y %Y-%m-%dT%H:%M:%E*S%Ez: Unrecognized format"), though
``PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%Ez', stamp)`` is how a raw feed's ISO 8601 stamps are
read on BigQuery. A text that does not parse now says "Failed to parse input string" with the
text as given (DuckDB's error showed it with the '1970 ' the translation puts in front).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one, rows

UTC = dt.UTC
ISO = "%Y-%m-%dT%H:%M:%E*S%Ez"


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.feed (id INT64, stamp STRING)").result()
    c.query("INSERT INTO ds.feed VALUES (1, '2025-01-15T19:30:00Z'), (2, '2025-01-15T19:30:00.25-05:00'), "
            "(3, '2025-01-15T19:30:00.1234567+05:30'), (4, NULL)").result()
    yield c
    c.close()


def at(*parts: int, offset_minutes: int = 0) -> dt.datetime:
    """The instant of a civil time at a UTC offset, in UTC."""
    local = dt.datetime(*parts, tzinfo=dt.timezone(dt.timedelta(minutes=offset_minutes)))  # type: ignore[misc]
    return local.astimezone(UTC)


TIMESTAMPS = [
    # %E*S: no fraction, or any number of digits, digits past the sixth ignored (not rounded)
    (ISO, "2025-01-15T19:30:05Z", at(2025, 1, 15, 19, 30, 5)),
    (ISO, "2025-01-15T19:30:05.5Z", at(2025, 1, 15, 19, 30, 5, 500000)),
    (ISO, "2025-01-15T19:30:05.123Z", at(2025, 1, 15, 19, 30, 5, 123000)),
    (ISO, "2025-01-15T19:30:05.123456Z", at(2025, 1, 15, 19, 30, 5, 123456)),
    (ISO, "2025-01-15T19:30:05.1234567Z", at(2025, 1, 15, 19, 30, 5, 123456)),
    (ISO, "2025-01-15T19:30:05.999999999Z", at(2025, 1, 15, 19, 30, 5, 999999)),
    # %Ez: Z, or +HH:MM, +HHMM, +HH
    (ISO, "2025-01-15T19:30:00-05:00", at(2025, 1, 15, 19, 30, offset_minutes=-300)),
    (ISO, "2025-01-15T19:30:00+05:30", at(2025, 1, 15, 19, 30, offset_minutes=330)),
    (ISO, "2025-01-15T19:30:00+0530", at(2025, 1, 15, 19, 30, offset_minutes=330)),
    (ISO, "2025-01-15T19:30:00-08", at(2025, 1, 15, 19, 30, offset_minutes=-480)),
    (ISO, "2025-01-15T19:30:00.75-08:00", at(2025, 1, 15, 19, 30, 0, 750000, offset_minutes=-480)),
    ("%Y-%m-%d %H:%M:%S%Ez", "2025-01-15 19:30:00Z", at(2025, 1, 15, 19, 30)),
    # a literal Z in the format, as feeds' parsers often write it
    ("%Y-%m-%dT%H:%M:%E*SZ", "2025-01-15T19:30:00.5Z", at(2025, 1, 15, 19, 30, 0, 500000)),
    # %E3S / %E6S: a fraction of at most that many digits, or none; %E0S none
    ("%Y-%m-%dT%H:%M:%E3SZ", "2025-01-15T19:30:00.123Z", at(2025, 1, 15, 19, 30, 0, 123000)),
    ("%Y-%m-%dT%H:%M:%E3SZ", "2025-01-15T19:30:00Z", at(2025, 1, 15, 19, 30)),
    ("%Y-%m-%dT%H:%M:%E6S%Ez", "2025-01-15T19:30:00.000001+00:00", at(2025, 1, 15, 19, 30, 0, 1)),
    ("%Y-%m-%dT%H:%M:%E0S", "2025-01-15T19:30:09", at(2025, 1, 15, 19, 30, 9)),
    # alternative representations (en_US): %E4Y, %EY, %Ey, %OH, %OM, %OS
    ("%E4Y-%m-%d %OH:%OM:%OS", "2025-01-15 19:30:00", at(2025, 1, 15, 19, 30)),
    ("%EY%m%d", "20250115", at(2025, 1, 15)),
    ("%d/%m/%Ey", "15/01/25", at(2025, 1, 15)),
]


@pytest.mark.parametrize(("fmt", "text", "expected"), TIMESTAMPS, ids=[f"{f} {t}" for f, t, _ in TIMESTAMPS])
def test_parse_timestamp_reads_bigquerys_elements(client: DuckDBClient, fmt: str, text: str,
                                                  expected: dt.datetime) -> None:
    assert one(client, f"SELECT PARSE_TIMESTAMP('{fmt}', '{text}')") == expected


def test_a_zone_argument_is_the_civil_times_zone_and_an_offset_in_the_text_wins(client: DuckDBClient) -> None:
    # "If time_zone isn't specified, the default time zone, UTC, is used"; an offset in the text is the instant's own
    eastern = ZoneInfo("America/New_York")
    expected = dt.datetime(2025, 1, 15, 19, 30, 0, 250000, tzinfo=eastern).astimezone(UTC)
    assert one(client, "SELECT PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S', '2025-01-15T19:30:00.25', "
                       "'America/New_York')") == expected
    assert one(client, f"SELECT PARSE_TIMESTAMP('{ISO}', '2025-01-15T19:30:00Z', 'America/New_York')") \
        == at(2025, 1, 15, 19, 30)


def test_a_feed_column_of_mixed_forms_is_read_row_by_row(client: DuckDBClient) -> None:
    got = [tuple(r.values()) for r in client.query(
        f"SELECT id, PARSE_TIMESTAMP('{ISO}', stamp) FROM ds.feed ORDER BY id").result()]
    assert got == [
        (1, at(2025, 1, 15, 19, 30)),
        (2, at(2025, 1, 15, 19, 30, 0, 250000, offset_minutes=-300)),
        (3, at(2025, 1, 15, 19, 30, 0, 123456, offset_minutes=330)),
        (4, None),
    ]


def test_parse_datetime_and_parse_time_read_the_fraction(client: DuckDBClient) -> None:
    assert one(client, "SELECT PARSE_DATETIME('%Y-%m-%dT%H:%M:%E*S', '2025-01-15T19:30:00.5')") \
        == dt.datetime(2025, 1, 15, 19, 30, 0, 500000)
    assert one(client, "SELECT PARSE_DATETIME('%Y-%m-%dT%H:%M:%E*S', '2025-01-15T19:30:00')") \
        == dt.datetime(2025, 1, 15, 19, 30)
    assert one(client, "SELECT PARSE_TIME('%H:%M:%E*S', '19:30:01.25')") == dt.time(19, 30, 1, 250000)
    assert one(client, "SELECT PARSE_DATE('%E4Y-%m-%d', '2025-01-15')") == dt.date(2025, 1, 15)


REFUSED_TEXTS = [
    # %Ez takes an upper-case Z only; %z no Z at all (BigQuery's ParseOffset: a sign, or nothing)
    (ISO, "2025-01-15T19:30:00z"),
    ("%Y-%m-%dT%H:%M:%S%z", "2025-01-15T19:30:00Z"),
    # %E3S reads at most three digits: the fourth is text the format does not have
    ("%Y-%m-%dT%H:%M:%E3S", "2025-01-15T19:30:00.1234"),
    (ISO, "garbage"),
    (ISO, "2025-01-15"),
]


@pytest.mark.parametrize(("fmt", "text"), REFUSED_TEXTS, ids=[f"{f} {t}" for f, t in REFUSED_TEXTS])
def test_a_text_bigquery_cannot_parse_fails_with_its_message_and_is_null_with_safe(
        client: DuckDBClient, fmt: str, text: str) -> None:
    with pytest.raises(gexc.BadRequest) as caught:
        one(client, f"SELECT PARSE_TIMESTAMP('{fmt}', '{text}')")
    message = str(caught.value)
    assert f'Failed to parse input string "{text}"' in message
    assert "1970" not in message  # the translation's own year in front of the text is not shown
    assert one(client, f"SELECT SAFE.PARSE_TIMESTAMP('{fmt}', '{text}')") is None


def test_a_plain_parse_failure_names_the_text_as_given(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match='Failed to parse input string "2025-01-05 extra"'):
        one(client, "SELECT PARSE_DATE('%Y-%m-%d', '2025-01-05 extra')")


@pytest.mark.parametrize(("fmt", "named"), [
    ("%s", "%s (seconds since the epoch"),
    ("%Y %Q", "%Q (the quarter)"),
    ("%G %J", "%J (the ISO day of the year)"),
    ("%C%y", "%C (the century)"),
    ("%Y-%m-%dT%H:%M:%E7S", "%E7S reads more than the six fractional digits"),
])
def test_an_element_not_emulated_is_refused_by_name(client: DuckDBClient, fmt: str, named: str) -> None:
    with pytest.raises(gexc.BadRequest) as caught:
        one(client, f"SELECT PARSE_TIMESTAMP('{fmt}', '1')")
    assert named in str(caught.value)


def test_a_format_element_duckdb_does_not_know_is_named_in_a_format_call(client: DuckDBClient) -> None:
    # %J (the ISO day of the year): BigQuery's formatter has it behind an option ("Format element
    # %J not supported yet" where it is off), DuckDB's strftime not at all
    with pytest.raises(gexc.BadRequest, match="Format element %J is not emulated by the embedded warehouse"):
        one(client, "SELECT FORMAT_DATE('%J', DATE '2025-01-15')")


def test_what_mutation_testing_found_untested(client: DuckDBClient) -> None:
    """From the stop 33 mutation run's survivors: two PARSE calls in one statement (the first
    with one way of reading, the second with several: each is rewritten), a format whose only
    BigQuery element is an %O one, %E1S / %E2S, and the text a failure names is the text as
    given, not one of the rewritten tries (its Z read as +00)."""
    got = rows(client, "SELECT PARSE_DATE('%E4Y-%m-%d', '2025-01-15'), "
                       f"PARSE_TIMESTAMP('{ISO}', '2025-01-15T19:30:00.5Z'), PARSE_DATE('%Y%m%d', '20250116')")
    assert got == [(dt.date(2025, 1, 15), at(2025, 1, 15, 19, 30, 0, 500000), dt.date(2025, 1, 16))]
    assert rows(client, "SELECT PARSE_DATETIME('%Y-%m-%d %OH:%OM', '2025-01-15 19:30')") \
        == [(dt.datetime(2025, 1, 15, 19, 30),)]
    assert rows(client, "SELECT PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E1SZ', '2025-01-15T19:30:00.5Z'), "
                        "PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E2SZ', '2025-01-15T19:30:00.25Z')") \
        == [(at(2025, 1, 15, 19, 30, 0, 500000), at(2025, 1, 15, 19, 30, 0, 250000))]
    for text in ("2025-01-15Z", "2025-01-15T19:30:00.1234567Zx"):
        with pytest.raises(gexc.BadRequest) as caught:
            rows(client, f"SELECT PARSE_TIMESTAMP('{ISO}', '{text}')")
        assert f'Failed to parse input string "{text}"' in str(caught.value)



@pytest.mark.parametrize(("expression", "value"), [
    # 2025-01-15 19:30:00 UTC is 14:30:00 in New York (-05): STRING(ts, zone) is written with lambdas
    ("PARSE_TIME('%H:%M:%S', SUBSTR(STRING(TIMESTAMP '2025-01-15 19:30:00+00', 'America/New_York'), 12, 8))",
     dt.time(14, 30)),
    ("PARSE_TIME('%H', FORMAT_DATETIME('%H', DATETIME(TIMESTAMP '2025-01-15 19:30:00+00', 'America/New_York')))",
     dt.time(14, 0)),
    ("PARSE_TIME('%I:%M %p', '07:30 PM')", dt.time(19, 30)),  # a plain text, as before
    # the same parse-back in PARSE_DATE, SAFE.PARSE_TIMESTAMP / SAFE.PARSE_DATE and UNIX_SECONDS
    ("PARSE_DATE('%Y-%m-%d', SUBSTR(STRING(TIMESTAMP '2025-01-15 03:00:00+00', 'America/New_York'), 1, 10))",
     dt.date(2025, 1, 14)),
    ("SAFE.PARSE_DATE('%Y-%m-%d', SUBSTR(STRING(TIMESTAMP '2025-01-15 03:00:00+00', 'America/New_York'), 1, 10))",
     dt.date(2025, 1, 14)),
    ("SAFE.PARSE_TIMESTAMP('%Y-%m-%d %H', SUBSTR(STRING(TIMESTAMP '2025-01-15 19:30:00+00', 'America/New_York'), 1, 13))",
     dt.datetime(2025, 1, 15, 14, tzinfo=UTC)),
    # 2025-01-15 14:30:00 read as UTC
    ("UNIX_SECONDS(TIMESTAMP(SUBSTR(STRING(TIMESTAMP '2025-01-15 19:30:00+00', 'America/New_York'), 1, 19)))",
     int(dt.datetime(2025, 1, 15, 14, 30, tzinfo=UTC).timestamp())),
])
def test_parse_time_of_a_value_written_with_a_lambda_runs(client: DuckDBClient, expression: str,
                                                         value: object) -> None:
    """sqlglot wrote PARSE_TIME by parsing its own DuckDB text again in its generic dialect,
    which cannot read DuckDB's lambdas: a PARSE_TIME of ``STRING(ts, zone)`` (or of any value
    the translation binds once) was refused, "Cannot translate the query for DuckDB: Expecting
    )" (a valid BigQuery query)."""
    assert one(client, f"SELECT {expression}") == value
