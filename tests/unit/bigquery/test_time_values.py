"""TIME values taken from TIMESTAMPs, EXTRACT's DATE / DATETIME / TIME parts, and FORMAT_TIME.

Conversion functions, "CAST AS TIME" (a TIMESTAMP's time of day in UTC, the default time
zone); time functions, "TIME" ("TIME(timestamp, [time_zone])") and "FORMAT_TIME"; timestamp
functions, "EXTRACT" ("DATE", "DATETIME", "TIME" parts).

Until stop 33: ``CAST(ts AS TIME)``, ``TIME(ts)`` and ``EXTRACT(TIME FROM ts)`` were DuckDB's
"Unimplemented type for cast (TIMESTAMP WITH TIME ZONE -> TIME)", and ``SAFE_CAST(ts AS TIME)``
was NULL, silently; ``EXTRACT(DATE FROM ts AT TIME ZONE 'America/New_York')``, the usual way to
take a game's local date, was "extract specifier "DATE" not recognized"; and every FORMAT_TIME
call failed ("No function matches ... 'strftime(TIME, STRING_LITERAL)'").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient

UTC = dt.UTC
# a late game: 22:40 in New York on 2025-01-15 is 03:40 on the 16th in UTC
TIPOFF = dt.datetime(2025, 1, 15, 22, 40, 5, 250000, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.games (game_id STRING, start_time TIMESTAMP, local_start DATETIME, t TIME)").result()
    stamp = TIPOFF.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    local = TIPOFF.strftime("%Y-%m-%d %H:%M:%S.%f")
    c.query(f"INSERT INTO ds.games VALUES ('g1', TIMESTAMP '{stamp}', DATETIME '{local}', TIME '09:05:00'), "
            "('g2', NULL, NULL, NULL)").result()
    yield c
    c.close()


def values(client: DuckDBClient, sql: str) -> list[object]:
    return [next(iter(r.values())) for r in client.query(sql).result()]


def test_a_timestamp_cast_to_time_is_its_utc_time_of_day(client: DuckDBClient) -> None:
    in_utc = TIPOFF.astimezone(UTC).time()
    for sql in ("SELECT CAST(start_time AS TIME) FROM ds.games ORDER BY game_id",
                "SELECT SAFE_CAST(start_time AS TIME) FROM ds.games ORDER BY game_id",
                "SELECT TIME(start_time) FROM ds.games ORDER BY game_id",
                "SELECT EXTRACT(TIME FROM start_time) FROM ds.games ORDER BY game_id"):
        assert values(client, sql) == [in_utc, None], sql


def test_time_with_a_zone_and_other_time_sources_are_unchanged(client: DuckDBClient) -> None:
    assert values(client, "SELECT TIME(start_time, 'America/New_York') FROM ds.games WHERE game_id = 'g1'") \
        == [TIPOFF.time()]
    assert values(client, "SELECT CAST(local_start AS TIME) FROM ds.games WHERE game_id = 'g1'") == [TIPOFF.time()]
    assert values(client, "SELECT CAST(t AS TIME), CAST('10:30:00' AS TIME) FROM ds.games WHERE game_id = 'g1'") \
        == [dt.time(9, 5)]
    assert values(client, "SELECT SAFE_CAST('not a time' AS TIME)") == [None]
    with pytest.raises(gexc.BadRequest):
        values(client, "SELECT CAST(game_id AS TIME) FROM ds.games WHERE game_id = 'g1'")


def test_extract_date_datetime_and_time(client: DuckDBClient) -> None:
    utc = TIPOFF.astimezone(UTC)
    row = list(client.query(
        "SELECT EXTRACT(DATE FROM start_time), EXTRACT(DATE FROM start_time AT TIME ZONE 'America/New_York'), "
        "EXTRACT(DATETIME FROM start_time), EXTRACT(DATETIME FROM start_time AT TIME ZONE 'America/New_York'), "
        "EXTRACT(TIME FROM local_start), EXTRACT(DATE FROM local_start) "
        "FROM ds.games WHERE game_id = 'g1'").result())[0]
    assert tuple(row.values()) == (
        utc.date(), TIPOFF.date(),  # the UTC date is the next day; the game's own date is the 15th
        utc.replace(tzinfo=None), TIPOFF.replace(tzinfo=None),
        TIPOFF.time(), TIPOFF.date(),
    )
    job = client.query("SELECT EXTRACT(DATE FROM start_time) AS d, EXTRACT(TIME FROM start_time) AS t, "
                       "EXTRACT(DATETIME FROM start_time) AS dtm FROM ds.games")
    job.result()
    assert [(f.name, f.field_type) for f in job.result().schema] == [("d", "DATE"), ("t", "TIME"), ("dtm", "DATETIME")]


def test_format_time_writes_the_time_elements(client: DuckDBClient) -> None:
    assert values(client, "SELECT FORMAT_TIME('%H:%M', t) FROM ds.games ORDER BY game_id") == ["09:05", None]
    assert values(client, "SELECT FORMAT_TIME('%I:%M:%S %p', TIME '21:30:07')") == ["09:30:07 PM"]
    assert values(client, "SELECT FORMAT_TIME('%T', '15:30:01')") == ["15:30:01"]
    expected = TIPOFF.astimezone(UTC).strftime("%H:%M:%S")
    assert values(client, "SELECT FORMAT_TIME('%T', CAST(start_time AS TIME)) FROM ds.games WHERE game_id = 'g1'") \
        == [expected]


def test_format_time_of_a_timestamp_has_no_signature(client: DuckDBClient) -> None:
    # time functions, "FORMAT_TIME(format_string, time_object)": a TIMESTAMP does not coerce to TIME
    with pytest.raises(gexc.BadRequest, match="No matching signature for function FORMAT_TIME for argument types: "
                                              "TIMESTAMP"):
        values(client, "SELECT FORMAT_TIME('%H', start_time) FROM ds.games WHERE FALSE")
