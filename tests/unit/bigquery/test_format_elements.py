"""FORMAT_TIMESTAMP / FORMAT_DATETIME / FORMAT_DATE / FORMAT_TIME write each element as BigQuery does.

Format elements, "Format elements for date and time parts" (what each element writes, and for
which types), and BigQuery's formatter (zetasql/public/functions/date_time_util.cc): %Z is
'UTC' and the offset's hours ('UTC-5', 'UTC+0530'); %Q the quarter; the elements a type does not
have are written as they are (SanitizeDateFormat: "cHIklMPpRrSsTXZz" for a DATE,
SanitizeTimeFormat: "AaBbhCcDdeFGgjmQsUuVWwxYyZz" for a TIME, SanitizeDatetimeFormat: "Zz" for
a DATETIME); the rest is absl's FormatTime (%E*S without trailing zeros, %Ez '+HH:MM').

Until stop 33, DuckDB's strftime wrote %g as milliseconds and %n as nanoseconds (both refused
by name), knew no %C, %k, %l, %P, %Q, %R, %s, %t, %Ez, %E*S, %E3S or %E4Y ("Unrecognized format"),
wrote %z as '+00', and FORMAT_DATE('%H', d) wrote '00' where BigQuery writes the text '%H'.
Expected texts are computed here with ``datetime`` / ``zoneinfo`` from the elements' definitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one

UTC = dt.UTC
INSTANT = dt.datetime(2008, 12, 25, 7, 5, 9, 123450, tzinfo=UTC)
LITERAL = "TIMESTAMP '2008-12-25 07:05:09.12345+00'"


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    yield c
    c.close()


def _iso_day_of_year(day: dt.date) -> int:
    year, _, _ = day.isocalendar()
    return (day - dt.date.fromisocalendar(year, 1, 1)).days + 1


def written(element: str, t: dt.datetime) -> str:
    """What BigQuery's FORMAT_TIMESTAMP writes for ``element`` at ``t`` (a civil time with its
    offset), from the format elements' definitions."""
    offset = t.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    micros = t.microsecond
    fraction = f"{micros:06d}".rstrip("0")
    return {
        "%C": f"{t.year // 100:02d}", "%g": f"{t.isocalendar()[0] % 100:02d}", "%k": f"{t.hour:2d}",
        "%l": f"{(t.hour + 11) % 12 + 1:2d}", "%P": t.strftime("%p").lower(), "%Q": str((t.month - 1) // 3 + 1),
        "%R": t.strftime("%H:%M"), "%n": "\n", "%t": "\t", "%s": str(int(t.timestamp() // 1)),
        "%e": f"{t.day:2d}", "%E4Y": f"{t.year:04d}", "%E*S": t.strftime("%S") + (f".{fraction}" if fraction else ""),
        "%E3S": t.strftime("%S") + f".{micros:06d}"[:4], "%E1S": t.strftime("%S") + f".{micros:06d}"[:2],
        "%E9S": t.strftime("%S") + f".{micros:06d}000", "%E0S": t.strftime("%S"),
        "%z": f"{sign}{hours:02d}{rest:02d}", "%Ez": f"{sign}{hours:02d}:{rest:02d}",
        "%Z": "UTC" if not minutes else f"UTC{sign}{hours}" if not rest else f"UTC{sign}{hours:02d}{rest:02d}",
        "%c": t.strftime("%a %b ") + f"{t.day:2d}" + t.strftime(" %H:%M:%S %Y"),
        "%D": t.strftime("%m/%d/%y"), "%F": t.strftime("%Y-%m-%d"), "%T": t.strftime("%H:%M:%S"),
        "%r": t.strftime("%I:%M:%S %p"), "%x": t.strftime("%m/%d/%y"), "%X": t.strftime("%H:%M:%S"),
        "%h": t.strftime("%b"), "%G": str(t.isocalendar()[0]), "%V": f"{t.isocalendar()[1]:02d}",
        "%u": str(t.isoweekday()), "%w": str(t.isoweekday() % 7),
    }[element]


ELEMENTS = ["%C", "%g", "%k", "%l", "%P", "%Q", "%R", "%n", "%t", "%s", "%e", "%E4Y", "%E*S", "%E3S", "%E1S",
            "%E9S", "%E0S", "%z", "%Ez", "%Z", "%c", "%D", "%F", "%T", "%r", "%x", "%X", "%h", "%G", "%V", "%u", "%w"]


@pytest.mark.parametrize("element", ELEMENTS)
def test_each_element_of_a_timestamp_in_utc(client: DuckDBClient, element: str) -> None:
    assert one(client, f"SELECT FORMAT_TIMESTAMP('{element}', {LITERAL})") == written(element, INSTANT)


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "UTC"])
@pytest.mark.parametrize("element", ["%z", "%Ez", "%Z", "%s", "%k", "%c", "%E*S"])
def test_each_zone_element_in_a_time_zone(client: DuckDBClient, zone: str, element: str) -> None:
    # July and December: New York's offset is -4 then -5; Chatham's +12:45 then +13:45
    for instant in (INSTANT, INSTANT.replace(month=7)):
        literal = instant.strftime("TIMESTAMP '%Y-%m-%d %H:%M:%S.%f+00'")
        assert one(client, f"SELECT FORMAT_TIMESTAMP('{element}', {literal}, '{zone}')") \
            == written(element, instant.astimezone(ZoneInfo(zone))), instant


def test_an_iso_8601_stamp_with_the_zones_offset(client: DuckDBClient) -> None:
    tipoff = dt.datetime(2025, 1, 15, 19, 30, tzinfo=ZoneInfo("America/New_York"))
    literal = tipoff.astimezone(UTC).strftime("TIMESTAMP '%Y-%m-%d %H:%M:%S+00'")
    assert one(client, f"SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%Ez', {literal}, 'America/New_York')") \
        == "2025-01-15T19:30:00-05:00"
    assert one(client, f"SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E*SZ', {literal})") == "2025-01-16T00:30:00Z"


# Each type writes the elements it does not have as they are (and %% as %).
AS_WRITTEN = [
    ("FORMAT_DATE", "DATE '2025-01-05'", "%Y-%m-%d %H:%M:%S %T %c %k %P %s %z %Z %E*S|%%H", "2025-01-05 %H:%M:%S %T %c %k %P %s %z %Z %E*S|%H"),
    ("FORMAT_DATE", "DATE '2025-01-05'", "%e %D %F %Q %C %G %g %j", " 5 01/05/25 2025-01-05 1 20 2025 25 005"),
    ("FORMAT_TIME", "TIME '15:04:05.25'", "%H:%M:%E*S %r %R %T %k %l %P", "15:04:05.25 03:04:05 PM 15:04 15:04:05 15  3 pm"),
    ("FORMAT_TIME", "TIME '15:04:05'", "%Y %m %d %e %F %D %c %A %Q %s %z", "%Y %m %d %e %F %D %c %A %Q %s %z"),
    ("FORMAT_DATETIME", "DATETIME '2025-01-05 15:04:05'", "%c|%s|%z %Ez %Z", "Sun Jan  5 15:04:05 2025|1736089445|%z %Ez %Z"),
]


@pytest.mark.parametrize(("function", "value", "fmt", "expected"), AS_WRITTEN, ids=[f"{f} {m}" for f, _, m, _ in AS_WRITTEN])
def test_elements_a_type_does_not_have_are_written_as_they_are(client: DuckDBClient, function: str, value: str,
                                                              fmt: str, expected: str) -> None:
    assert one(client, f"SELECT {function}('{fmt}', {value})") == expected


def test_null_values_and_empty_formats(client: DuckDBClient) -> None:
    assert one(client, "SELECT FORMAT_DATE('%H', CAST(NULL AS DATE))") is None  # text only, still NULL
    assert one(client, "SELECT FORMAT_DATE('text', CAST(NULL AS DATE))") is None
    assert one(client, "SELECT FORMAT_TIMESTAMP('%E*S%Ez', CAST(NULL AS TIMESTAMP))") is None
    assert one(client, "SELECT FORMAT_DATE('', DATE '2025-01-05')") == ""  # sqlglot wrote the format as 'None'
    assert one(client, "SELECT FORMAT_DATE('', CAST(NULL AS DATE))") is None


def test_hostile_text_in_a_format_is_text(client: DuckDBClient) -> None:
    assert one(client, """SELECT FORMAT_DATE("it's %Y '%%e' \\\\ %e'); DROP TABLE x; --", DATE '2025-01-05')""") \
        == "it's 2025 '%e' \\  5'); DROP TABLE x; --"


def test_an_unknown_element_is_named(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="Format element %J is not emulated"):
        one(client, f"SELECT FORMAT_TIMESTAMP('%J', {LITERAL})")


def test_what_mutation_testing_found_untested(client: DuckDBClient) -> None:
    """From the stop 33 mutation run's survivors: the en_US alternatives in a FORMAT call, and
    text with a '%' next to an element a DATE writes as it is ('%%' then '%H')."""
    assert one(client, f"SELECT FORMAT_TIMESTAMP('%EY|%Ey|%OH|%OM|%OS|%Od|%Om|%Ou|%Ow', {LITERAL})") == \
        INSTANT.strftime("%Y|%y|%H|%M|%S|%d|%m|") + f"{INSTANT.isoweekday()}|{INSTANT.isoweekday() % 7}"
    assert one(client, "SELECT FORMAT_DATE('%%%H|%%%%', DATE '2025-01-05')") == "%%H|%%"


def test_each_format_call_of_a_statement_is_written(client: DuckDBClient) -> None:
    """From the stop 33 mutation run's survivors: a call left as it is (an empty format, a
    format of one strftime run) does not stop the next one being rewritten."""
    got = list(client.query(
        "SELECT FORMAT_DATE('', DATE '2025-01-05'), FORMAT_DATE('%e', DATE '2025-01-05'), "
        "FORMAT_DATE('%Y', DATE '2025-01-05'), FORMAT_DATE('%e', DATE '2025-01-06')").result())[0]
    assert tuple(got.values()) == ("", " 5", "2025", " 6")
