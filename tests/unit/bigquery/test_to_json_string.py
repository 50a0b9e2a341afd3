"""TO_JSON_STRING encodes each type as BigQuery does.

JSON functions, "JSON encodings" (each type's JSON text), and BigQuery's encoder
(zetasql/public/functions/json_format.cc: ``JsonFromNumericOrBool`` quotes an INT64 past 2^53
and a NUMERIC with a fraction, ``RoundTripDoubleToString`` writes a FLOAT64 with %.15g, else
%.17g, ``JsonFromTimestamp`` writes ``%E4Y-%m-%dT%H:%M:%E<0|3|6>SZ``; zetasql/common/json_util.cc
``JsonEscapeString`` escapes '"', '\\', control characters and U+2028 / U+2029 only).

Until stop 33 the embedded warehouse wrote DuckDB's to_json text: ``1.0`` for a FLOAT64 one,
``Infinity`` unquoted (not JSON), ``2.500000000`` for a NUMERIC, ``"2025-01-15 19:30:00+00"``
for a TIMESTAMP, DuckDB's escapes for BYTES. The expected texts below are BigQuery's documented
outputs, or built here from the encoder's rules with Python's ``%g`` and ``base64``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.json_encoding import bigquery_json_string, parse_duckdb_type
from tests.support.query_results import one


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (player STRING, pts INT64, mins FLOAT64, line NUMERIC, start TIMESTAMP, "
            "local_start DATETIME, played DATE, tags ARRAY<STRING>, raw BYTES, extra JSON)").result()
    c.query("INSERT INTO ds.box VALUES ('p1', 20, 30.0, NUMERIC '24.50', TIMESTAMP '2025-01-16 00:30:00+00', "
            "DATETIME '2025-01-15 19:30:00.25', DATE '2025-01-15', ['a', 'b'], b'\\x00\\xffok', "
            "JSON '{\"src\": \"nbac\", \"n\": 2}')").result()
    yield c
    c.close()


DOCUMENTED = [
    # json functions, "JSON encodings": SQL input -> JSON output
    ("NULL", "null"),
    ("TRUE", "true"),
    ("9007199254740992", "9007199254740992"),
    ("9007199254740993", '"9007199254740993"'),
    ("NUMERIC '-1'", "-1"),
    ("NUMERIC '0'", "0"),
    ("NUMERIC '9007199254740993'", '"9007199254740993"'),
    ("NUMERIC '123.56'", '"123.56"'),
    ("1.0", "1"),
    ("CAST('+inf' AS FLOAT64)", '"Infinity"'),
    ("CAST('-inf' AS FLOAT64)", '"-Infinity"'),
    ("CAST('NaN' AS FLOAT64)", '"NaN"'),
    ("'abc'", '"abc"'),
    ("'\"abc\"'", '"\\"abc\\""'),
    ("b'Google'", '"R29vZ2xl"'),
    ("DATE '2017-03-06'", '"2017-03-06"'),
    ("TIMESTAMP '2017-03-06 12:34:56.789012'", '"2017-03-06T12:34:56.789012Z"'),
    ("DATETIME '2017-03-06 12:34:56.789012'", '"2017-03-06T12:34:56.789012"'),
    ("TIME '12:34:56.789012'", '"12:34:56.789012"'),
    ("JSON '{\"item\": \"pen\", \"price\": 10}'", '{"item":"pen","price":10}'),
    ("['red', 'blue', 'green']", '["red","blue","green"]'),
    ("[1, 2, 3]", "[1,2,3]"),
    ("STRUCT(12 AS purchases, TRUE AS inStock)", '{"purchases":12,"inStock":true}'),
]


@pytest.mark.parametrize(("value", "expected"), DOCUMENTED, ids=[v for v, _ in DOCUMENTED])
def test_each_documented_encoding(client: DuckDBClient, value: str, expected: str) -> None:
    assert one(client, f"SELECT TO_JSON_STRING({value})") == expected


@pytest.mark.parametrize("number", [0.1, 0.1 + 0.2, 1e20, 1e-7, 123456789012.5, -0.5, 2.0 ** 60, 1 / 3])
def test_a_float64_is_written_round_trip_with_15_then_17_digits(client: DuckDBClient, number: float) -> None:
    short = format(number, ".15g")
    expected = short if float(short) == number else format(number, ".17g")
    assert one(client, f"SELECT TO_JSON_STRING(CAST('{number!r}' AS FLOAT64))") == expected


def test_timestamps_keep_as_few_fraction_digits_as_they_need(client: DuckDBClient) -> None:
    assert one(client, "SELECT TO_JSON_STRING(TIMESTAMP '2025-01-15 19:30:00+00')") == '"2025-01-15T19:30:00Z"'
    assert one(client, "SELECT TO_JSON_STRING(TIMESTAMP '2025-01-15 19:30:00.5+00')") == '"2025-01-15T19:30:00.500Z"'
    assert one(client, "SELECT TO_JSON_STRING(TIMESTAMP '2025-01-15 14:30:00.000001-05:00')") \
        == '"2025-01-15T19:30:00.000001Z"'
    assert one(client, "SELECT TO_JSON_STRING(TIME '07:05:00.12')") == '"07:05:00.120"'


def test_strings_escape_only_what_bigquery_escapes(client: DuckDBClient) -> None:
    text = one(client, "SELECT TO_JSON_STRING('tab\\there \\x01 \\u2028 <b> é \\\\')")
    assert text == '"tab\\there \\u0001 \\u2028 <b> é \\\\"'
    assert json.loads(text) == "tab\there \x01 \u2028 <b> é \\"  # still JSON


def test_a_whole_row_as_a_processor_writes_its_details(client: DuckDBClient) -> None:
    got = one(client, "SELECT TO_JSON_STRING(b) FROM ds.box AS b")
    raw = base64.b64encode(b"\x00\xffok").decode()
    assert isinstance(got, str)
    assert got.startswith('{"player":"p1","pts":20,"mins":30,"line":"24.5","start":"2025-01-16T00:30:00Z",'
                          '"local_start":"2025-01-15T19:30:00.250","played":"2025-01-15","tags":["a","b"],'
                          f'"raw":"{raw}","extra":{{')
    # a JSON value's members: "The order of the members of an object isn't guaranteed or preserved"
    assert json.loads(got)["extra"] == {"src": "nbac", "n": 2}


def test_pretty_print_is_refused_by_name(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="TO_JSON_STRING\\(value, pretty_print\\) is not emulated"):
        one(client, "SELECT TO_JSON_STRING(STRUCT(1 AS a), TRUE)")
    assert one(client, "SELECT TO_JSON_STRING(STRUCT(1 AS a), FALSE)") == '{"a":1}'


def test_an_interval_has_no_encoding_here(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="TO_JSON_STRING of a INTERVAL value is not emulated"):
        one(client, "SELECT TO_JSON_STRING(INTERVAL 1 DAY)")


def test_duckdb_type_names_are_read_whole() -> None:
    kind = parse_duckdb_type('STRUCT("a b" INTEGER, "q""t" DECIMAL(38,9)[], c STRUCT(d TIMESTAMP WITH TIME ZONE)[2])')
    assert [name for name, _ in kind.fields] == ["a b", 'q"t', "c"]
    assert kind.fields[1][1].name == "LIST" and kind.fields[1][1].element == parse_duckdb_type("DECIMAL(38,9)")
    assert kind.fields[2][1].element is not None
    assert kind.fields[2][1].element.fields[0][1].name == "TIMESTAMP WITH TIME ZONE"
    with pytest.raises(ValueError):
        parse_duckdb_type("STRUCT(a INTEGER")
    assert bigquery_json_string(None, None) == "null"


def test_what_mutation_testing_found_untested(client: DuckDBClient) -> None:
    """From the stop 33 mutation run's survivors: a JSON value's booleans, nulls and arrays,
    a FALSE and an untyped NULL in a STRUCT, the 2^53 bounds, and the short escapes."""
    got = one(client, "SELECT TO_JSON_STRING(JSON '{\"a\": [true, false, null, 1.5, \"x\"]}')")
    assert got == '{"a":[true,false,null,1.5,"x"]}'
    assert one(client, "SELECT TO_JSON_STRING(STRUCT(FALSE AS f, NULL AS n, TRUE AS t))") == '{"f":false,"n":null,"t":true}'
    assert one(client, "SELECT TO_JSON_STRING([-9007199254740992, -9007199254740993])") \
        == '[-9007199254740992,"-9007199254740993"]'
    assert one(client, "SELECT TO_JSON_STRING([NUMERIC '9007199254740992', NUMERIC '9007199254740993'])") \
        == '[9007199254740992,"9007199254740993"]'
    assert one(client, "SELECT TO_JSON_STRING('\\b\\f\\r\\u2029')") == '"\\b\\f\\r\\u2029"'


def test_typed_nulls_inside_values_are_null(client: DuckDBClient) -> None:
    got = one(client, "SELECT TO_JSON_STRING(STRUCT(CAST(NULL AS INT64) AS i, CAST(NULL AS FLOAT64) AS f, "
                      "CAST(NULL AS TIMESTAMP) AS t, CAST(NULL AS STRING) AS s, [1, NULL] AS a))")
    assert got == '{"i":null,"f":null,"t":null,"s":null,"a":[1,null]}'


def test_to_json_encodes_alike_with_numbers_as_numbers(client: DuckDBClient) -> None:
    """json functions, "JSON encodings": TO_JSON keeps a wide INT64 and a NUMERIC with a fraction
    as numbers ("(TO_JSON only)"); everything else as TO_JSON_STRING. Until stop 33 DuckDB's
    to_json gave 1.0, a NUMERIC's trailing zeros, and a TIMESTAMP's own text inside the value."""
    value = one(client, "SELECT TO_JSON(STRUCT(1.0 AS x, NUMERIC '123.560' AS n, 9007199254740993 AS big, "
                        "TIMESTAMP '2025-01-16 00:30:00+00' AS ts, b'Google' AS b, CAST('inf' AS FLOAT64) AS i))")
    assert value == {"x": 1, "n": 123.56, "big": 9007199254740993, "ts": "2025-01-16T00:30:00Z",
                     "b": "R29vZ2xl", "i": "Infinity"}
    assert one(client, "SELECT JSON_VALUE(TO_JSON(STRUCT(TIMESTAMP '2025-01-16 00:30:00+00' AS ts)), '$.ts')") \
        == "2025-01-16T00:30:00Z"
    # SQL NULL is the JSON null, a value ("SQL input: NULL, JSON output: null")
    assert [tuple(r.values()) for r in client.query(
        "SELECT TO_JSON(CAST(NULL AS INT64)) IS NULL, JSON_TYPE(TO_JSON(CAST(NULL AS INT64)))").result()] \
        == [(False, "null")]
