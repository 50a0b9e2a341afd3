"""TIMESTAMP, DATETIME and TIME as text: a fraction of a second in 3 or 6 digits, as BigQuery writes it.

BigQuery's engine (ZetaSQL, date_time_util.cc, ConvertTimestampToString / ConvertDatetimeToString):
"the result has 0, 3, or 6 digits with trailing sets of three zeros truncated"; the reference's
CAST AS TIMESTAMP example shows ``2020-06-03 00:00:53.110 UTC``. Until stop 34 DuckDB cut every
trailing zero (``'... 19:30:00.5+00'``), so a key or a STRING column built from a feed's stamp
differed from BigQuery's. Expected texts are computed here with ``datetime``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one, rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    yield c
    c.close()


def fraction(micros: int) -> str:
    if micros == 0:
        return ""
    return f".{micros // 1000:03d}" if micros % 1000 == 0 else f".{micros:06d}"


def test_the_references_example(client: DuckDBClient) -> None:
    assert one(client, "SELECT CAST(CAST('2020-06-02 17:00:53.110+00:00' AS TIMESTAMP) AS STRING)") \
        == "2020-06-02 17:00:53.110+00"


MICROS = [0, 500_000, 10_000, 1_000, 123_400, 123_456, 1, 999_999, 100]


def test_each_kind_writes_three_or_six_digits(client: DuckDBClient) -> None:
    stamps = [dt.datetime(2025, 1, 15, 19, 30, 5, micros) for micros in MICROS]
    client.query("CREATE TABLE ds.stamps (n INT64, ts TIMESTAMP, d DATETIME, t TIME)").result()
    client.query("INSERT INTO ds.stamps VALUES " + ", ".join(
        f"({n}, '{s.isoformat(' ')}', '{s.isoformat(' ')}', '{s.time().isoformat()}')"
        for n, s in enumerate(stamps))).result()
    got = rows(client, "SELECT CAST(ts AS STRING), CAST(d AS STRING), CAST(t AS STRING), STRING(ts), "
                       "SAFE_CAST(d AS STRING) FROM ds.stamps ORDER BY n")
    expected = []
    for s in stamps:
        text, clock = s.strftime("%Y-%m-%d %H:%M:%S") + fraction(s.microsecond), s.strftime("%H:%M:%S") + fraction(s.microsecond)
        expected.append((text + "+00", text, clock, text + "+00", text))
    assert got == expected


def test_any_stamp_of_a_column(client: DuckDBClient) -> None:
    rng = random.Random(34)
    epoch = dt.datetime(1970, 1, 1)
    low, high = int((dt.datetime(1, 1, 1) - epoch).total_seconds()), int((dt.datetime(9999, 12, 31) - epoch).total_seconds())
    micros = [rng.randint(low, high) * 1_000_000 + rng.choice([0, rng.randint(0, 999) * 1000, rng.randint(0, 999_999)])
              for _ in range(200)]
    got = [r[0] for r in rows(client, f"SELECT CAST(TIMESTAMP_MICROS(m) AS STRING) FROM UNNEST({micros}) AS m "
                                      "WITH OFFSET o ORDER BY o")]
    stamps = [epoch + dt.timedelta(microseconds=m) for m in micros]
    assert got == [f"{s.year:04d}" + s.strftime("-%m-%d %H:%M:%S") + fraction(s.microsecond) + "+00" for s in stamps]


def test_other_texts_are_unchanged(client: DuckDBClient) -> None:
    assert rows(client, "SELECT CAST(DATE '2025-01-15' AS STRING), CAST('x.5' AS STRING), CAST(1.0 AS STRING), "
                        "SAFE_CAST(1.0 AS STRING), CAST(CAST(NULL AS TIMESTAMP) AS STRING)") \
        == [("2025-01-15", "x.5", "1", "1", None)]


def zoned_text(instant: dt.datetime, zone: str) -> str:
    """The reference's STRING(timestamp, time_zone): civil time, fraction, offset as %Ez without ':00'."""
    from zoneinfo import ZoneInfo

    local = instant.astimezone(ZoneInfo(zone))
    minutes = int(local.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    offset = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}" + (f":{abs(minutes) % 60:02d}" if minutes % 60 else "")
    return local.strftime("%Y-%m-%d %H:%M:%S") + fraction(local.microsecond) + offset


def test_string_of_a_timestamp_in_a_zone_has_the_zones_offset(client: DuckDBClient) -> None:
    assert one(client, "SELECT STRING(TIMESTAMP '2008-12-25 15:30:00+00', 'UTC')") == "2008-12-25 15:30:00+00"
    instants = [dt.datetime(2008, 12, 25, 15, 30, tzinfo=dt.UTC), dt.datetime(2024, 7, 4, 12, 0, 0, 500_000, tzinfo=dt.UTC),
                dt.datetime(2025, 3, 9, 10, 0, 0, 123_456, tzinfo=dt.UTC)]
    zones = ["America/Los_Angeles", "America/New_York", "Asia/Kolkata", "Australia/Adelaide", "UTC"]
    micros = [int(i.timestamp()) * 1_000_000 + i.microsecond for i in instants]
    got = rows(client, f"SELECT STRING(TIMESTAMP_MICROS(m), z) FROM UNNEST({micros}) AS m WITH OFFSET a, "
                       f"UNNEST({zones}) AS z WITH OFFSET b ORDER BY a, b")
    assert got == [(zoned_text(i, z),) for i in instants for z in zones]
    assert one(client, "SELECT STRING(CAST(NULL AS TIMESTAMP), 'UTC')") is None
