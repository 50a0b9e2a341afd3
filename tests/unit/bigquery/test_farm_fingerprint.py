"""``FARM_FINGERPRINT``: FarmHash's Fingerprint64 as a signed INT64, the numbers BigQuery gives.

Hash functions, "FARM_FINGERPRINT": "Computes the fingerprint of the STRING or BYTES input using
the Fingerprint64 function from the open-source FarmHash library. The output of this function
for a particular input will never change." Processors use it for deterministic samples and
splits (``MOD(ABS(FARM_FINGERPRINT(game_id)), 10) < 8``): the embedded warehouse must give the
same numbers. Until stop 35 it was "Function not supported by the embedded warehouse".

The expected values are not computed here: the first three are the reference page's example;
the rest were computed once with FarmHash's own C++ library (the ``pyfarmhash`` binding's
``fingerprint64``, 2026-11-29), for inputs of every length class the algorithm mixes
differently (0-3, 4-7, 8-16, 17-32, 33-64 bytes, one 64-byte block and more).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.farm_fingerprint import farm_fingerprint, fingerprint64
from tests.support.query_results import one, rows

#: Fingerprint64 of ``bytes((i * 7 + 3) % 256 for i in range(n))``, by ``n`` (FarmHash's C++ library).
VECTORS = {
    0: 11160318154034397263, 1: 13745158429558087051, 2: 1655114877597445365, 3: 4662423180930907492,
    4: 17566270577251613586, 5: 1540533402979949747, 7: 5759834791111993764, 8: 907454142650066470,
    9: 16509338067675758591, 15: 3216519055487487771, 16: 9140634717936656744, 17: 14506534093795057959,
    24: 3530932784303194834, 31: 13644964512845808587, 32: 11907377154618496232, 33: 14001582926318596329,
    48: 12067522278222762015, 63: 10827710408787052188, 64: 389040666157116578, 65: 8638051931306504420,
    100: 11391788667801836296, 127: 14601120872369961854, 128: 7379187116787024497,
    129: 10961879714037014659, 200: 7886090686657605591, 300: 16122021424968347411,
}


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    yield c
    c.close()


@pytest.mark.parametrize(("size", "expected"), sorted(VECTORS.items()))
def test_fingerprint64_of_every_length_class(size: int, expected: int) -> None:
    assert fingerprint64(bytes((i * 7 + 3) % 256 for i in range(size))) == expected


def test_the_reference_pages_example(client: DuckDBClient) -> None:
    got = rows(client, """WITH example AS (
          SELECT 1 AS x, "foo" AS y, true AS z UNION ALL
          SELECT 2 AS x, "apple" AS y, false AS z UNION ALL
          SELECT 3 AS x, "" AS y, true AS z)
        SELECT x, FARM_FINGERPRINT(CONCAT(CAST(x AS STRING), y, CAST(z AS STRING))) AS row_fingerprint
        FROM example ORDER BY x""")
    assert got == [(1, -1541654101129638711), (2, 2794438866806483259), (3, -4880158226897771312)]


@pytest.mark.parametrize(("text", "expected"), [
    ("0022400561", -5750213389050161029),
    ("LeBron James", 7894296856256246244),
    ("Jokić", -4989251157214436603),  # the UTF-8 bytes of the STRING
    ("nba_analytics.player_game_summary|2025-01-15", -8014427499239874749),
])
def test_strings_as_signed_int64(client: DuckDBClient, text: str, expected: int) -> None:
    assert farm_fingerprint(text) == expected
    assert farm_fingerprint(text.encode("utf-8")) == expected  # BYTES: the same bytes, the same number
    assert one(client, f"SELECT FARM_FINGERPRINT('{text}')") == expected


def test_null_and_a_split_by_fingerprint(client: DuckDBClient) -> None:
    assert one(client, "SELECT FARM_FINGERPRINT(CAST(NULL AS STRING))") is None
    bucket = one(client, "SELECT MOD(ABS(FARM_FINGERPRINT('0022400561')), 10)")
    assert bucket == abs(-5750213389050161029) % 10
