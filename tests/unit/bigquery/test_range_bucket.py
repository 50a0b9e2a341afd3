"""``RANGE_BUCKET(point, boundaries_array)``: "the 0-based position of the point's upper bound"
in a sorted array (mathematical functions, "RANGE_BUCKET"); the reference page's rules and
examples, one by one, and its failures with ZetaSQL's messages. Until stop 35 every call was
"Function not supported by the embedded warehouse". Minutes-played buckets are a typical use.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one, rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (player STRING, minutes FLOAT64)").result()
    c.query("INSERT INTO ds.box VALUES ('a', 9.5), ('b', 20.0), ('c', 25.0), ('d', 31.0), ('e', 32.5), "
            "('f', 33.0), ('g', NULL)").result()
    yield c
    c.close()


@pytest.mark.parametrize(("call", "expected"), [
    ("RANGE_BUCKET(20, [0, 10, 20, 30, 40])", 3),       # the point in the array: the next larger value's index
    ("RANGE_BUCKET(20, [0, 10, 20, 20, 40, 40])", 4),
    ("RANGE_BUCKET(25, [0, 10, 20, 30, 40])", 3),       # between two values: the larger one's index
    ("RANGE_BUCKET(-10, [5, 10, 20, 30, 40])", 0),      # below the first
    ("RANGE_BUCKET(80, [0, 10, 20, 30, 40])", 5),       # at or above the last: the length
    ("RANGE_BUCKET(80, [])", 0),                        # an empty array
    ("RANGE_BUCKET(NULL, [0, 10, 20, 30, 40])", None),  # a NULL point
    ("RANGE_BUCKET(CAST('nan' AS FLOAT64), [1.0, 2.0])", None),  # a NaN point
    ("RANGE_BUCKET(5, CAST(NULL AS ARRAY<INT64>))", None),
    ("RANGE_BUCKET('a', ['a', 'b', 'c', 'd'])", 1),
    ("RANGE_BUCKET(1.2, [1, 1.2, 1.4, 1.6])", 2),
    ("RANGE_BUCKET('nan', ['a', 'nan', 'z'])", 2),      # a STRING 'nan' is no NaN
])
def test_the_reference_pages_rules(client: DuckDBClient, call: str, expected: object) -> None:
    assert one(client, f"SELECT {call}") == expected


@pytest.mark.parametrize(("call", "message"), [
    ("RANGE_BUCKET(80, [NULL, 10, 20, 30, 40])",
     "Elements in input array to RANGE_BUCKET cannot be null. Null element found at position 1"),
    ("RANGE_BUCKET(30, [10, 30, 20, 40, 50])",
     "Elements in input array to RANGE_BUCKET must be in ascending order. Nonconforming elements found at "
     "position 2 and 3"),
    ("RANGE_BUCKET(1.5, [1.0, CAST('nan' AS FLOAT64)])",
     "Elements in input array to RANGE_BUCKET cannot be NaN. NaN element found at position 2"),
])
def test_an_array_bigquery_refuses_fails_the_query(client: DuckDBClient, call: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest) as raised:
        client.query(f"SELECT {call}").result()
    assert raised.value.message.endswith(message)


def test_the_reference_pages_example_on_a_table(client: DuckDBClient) -> None:
    got = rows(client, "SELECT RANGE_BUCKET(minutes, [10.0, 20.0, 30.0]) AS bucket, COUNT(*) AS n FROM ds.box "
                       "GROUP BY 1 ORDER BY 1 NULLS FIRST")
    assert got == [(None, 1), (0, 1), (2, 2), (3, 3)]
