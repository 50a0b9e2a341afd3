"""INT64 / FLOAT64 / BOOL of a JSON value, as BigQuery converts them.

JSON functions, "INT64" ("If the JSON value isn't a number, or the JSON number isn't in the SQL
INT64 domain, an error is produced"; ``INT64(JSON '10.0')`` is 10), "FLOAT64" ("If the JSON value
isn't a number, an error is produced"), "BOOL" (``BOOL(JSON '123')`` and ``BOOL(JSON 'null')``
throw an error, ``SAFE.BOOL(JSON '123')`` is NULL); SQL NULL gives NULL.

Until stop 33: sqlglot wrote INT64(json) as a plain DuckDB cast, which read the JSON string
``"20"`` as 20 and cut ``20.5`` silently; FLOAT64 and BOOL were "Function not supported". These
are how a raw processor reads a feed's JSON payload.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows

PAYLOAD = '{"pts": 20, "min": 34.5, "name": "A", "starter": true, "plus_minus": null, "id": 9007199254740993}'


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    yield c
    c.close()


def test_a_payloads_values_convert(client: DuckDBClient) -> None:
    got = rows(client, f"SELECT INT64(j.pts), FLOAT64(j.min), FLOAT64(j.pts), BOOL(j.starter), INT64(j.id), "
                       f"STRING(j.name) FROM (SELECT PARSE_JSON('{PAYLOAD}') AS j)")
    assert got == [(20, 34.5, 20.0, True, 9007199254740993, "A")]  # the id past 2^53 exactly


def test_documented_examples(client: DuckDBClient) -> None:
    assert rows(client, "SELECT INT64(JSON '2005'), INT64(JSON '10.0'), FLOAT64(JSON '9.8'), BOOL(JSON 'true')") \
        == [(2005, 10, 9.8, True)]
    assert rows(client, "SELECT INT64(JSON_QUERY(JSON '{\"gate\": \"A4\", \"flight_number\": 2005}', "
                        "'$.flight_number'))") == [(2005,)]


REFUSED = [
    ("INT64(JSON '\"20\"')", "INT64: the JSON value is not a number in the INT64 domain"),
    ("INT64(JSON '20.5')", "INT64: the JSON value is not a number in the INT64 domain"),
    ("INT64(JSON 'null')", "INT64: the JSON value is not a number in the INT64 domain"),
    ("FLOAT64(JSON '\"x\"')", "FLOAT64: the JSON value is not a number"),
    ("FLOAT64(JSON 'true')", "FLOAT64: the JSON value is not a number"),
    ("BOOL(JSON '123')", "BOOL: the JSON value is not a boolean"),
    ("BOOL(JSON 'null')", "BOOL: the JSON value is not a boolean"),
]


@pytest.mark.parametrize(("call", "said"), REFUSED, ids=[c for c, _ in REFUSED])
def test_a_value_of_another_kind_is_an_error_and_null_with_safe(client: DuckDBClient, call: str, said: str) -> None:
    with pytest.raises(gexc.BadRequest, match=said):
        rows(client, f"SELECT {call}")
    assert rows(client, f"SELECT SAFE.{call}") == [(None,)]


def test_sql_null_is_null(client: DuckDBClient) -> None:
    assert rows(client, "SELECT INT64(CAST(NULL AS JSON)), FLOAT64(CAST(NULL AS JSON)), BOOL(CAST(NULL AS JSON))") \
        == [(None, None, None)]


def test_wide_number_mode_other_than_round_is_refused(client: DuckDBClient) -> None:
    assert rows(client, "SELECT FLOAT64(JSON '1.5', wide_number_mode => 'round')") == [(1.5,)]
    with pytest.raises(gexc.BadRequest, match="emulated for 'round' only"):
        rows(client, "SELECT FLOAT64(JSON '1.5', wide_number_mode => 'exact')")


def test_a_json_object_keeps_the_first_of_duplicate_keys(client: DuckDBClient) -> None:
    """data types, "JSON type": "If an object has duplicate keys, the first key that's found is
    preserved". Until stop 33 a row read back the last ({'a': 2}: Python's json.loads), and
    TO_JSON_STRING wrote both."""
    got = rows(client, "SELECT JSON '{\"a\": 1, \"a\": 2, \"b\": {\"c\": 1, \"c\": 3}}', "
                       "PARSE_JSON('{\"a\": 1, \"a\": 2}'), TO_JSON_STRING(JSON '{\"a\": 1, \"b\": 0, \"a\": 2}'), "
                       "JSON_VALUE(JSON '{\"a\": 1, \"a\": 2}', '$.a')")
    assert got == [({"a": 1, "b": {"c": 1}}, {"a": 1}, '{"a":1,"b":0}', "1")]
