"""``CONCAT(...)`` and ``||`` take values BigQuery concatenates: all BYTES, or STRINGs and the
types CONCAT takes as a STRING (BOOL, the numbers, TIMESTAMP, DATE, DATETIME, TIME, INTERVAL:
ZetaSQL's ``CanStringConcatCoerceFrom``); ``||`` also two ARRAYs. DuckDB concatenated a JSON
value's text, BYTES with a STRING and a STRUCT's text, which BigQuery refuses (string functions,
"CONCAT": "All values must be BYTES or data types that can be cast to STRING").
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.t (i INT64, f FLOAT64, s STRING, b BOOL, d DATE, ts TIMESTAMP, bt BYTES, j JSON, "
            "a ARRAY<INT64>)").result()
    c.query("INSERT INTO ds.t VALUES (3, 2.5, 'abc', TRUE, DATE '2025-01-02', TIMESTAMP '2025-01-02 03:04:05+00', "
            "b'xy', JSON '{\"a\": 1}', [1, 2])").result()
    yield c
    c.close()


@pytest.mark.parametrize(("expression", "message"), [
    ("CONCAT(s, j)", "No matching signature for function CONCAT for argument types: STRING, JSON. Supported "
                     "signatures: CONCAT(STRING, [STRING, ...]); CONCAT(BYTES, [BYTES, ...])"),
    ("CONCAT(s, bt)", "No matching signature for function CONCAT for argument types: STRING, BYTES."),
    ("CONCAT(bt, 'z')", "No matching signature for function CONCAT for argument types: BYTES, STRING."),
    ("CONCAT(s, STRUCT(1 AS x))", "No matching signature for function CONCAT for argument types: STRING, STRUCT."),
    ("CONCAT(a, [3])", "No matching signature for function CONCAT for argument types: ARRAY, ARRAY."),
    ("s || j", "No matching signature for operator || for argument types: STRING, JSON. Supported signatures: "
               "STRING || STRING; BYTES || BYTES; ARRAY || ARRAY"),
    ("s || '-' || bt", "No matching signature for operator || for argument types: STRING, STRING, BYTES."),
    ("a || s", "No matching signature for operator || for argument types: ARRAY, STRING."),
    ("UPPER(CONCAT(s, NULL, j))", "No matching signature for function CONCAT for argument types: STRING, NULL, JSON."),
    # a concatenation that passes does not end the walk (the chain's inner || neither)
    ("CONCAT(s, 'a'), CONCAT(s, j)", "No matching signature for function CONCAT for argument types: STRING, JSON."),
    ("s || 'a', s || 'b' || j", "No matching signature for operator || for argument types: STRING, STRING, JSON."),
    # a value whose type is not read is ANY, and not refused
    ("CONCAT(TO_JSON_STRING(i), j)", "No matching signature for function CONCAT for argument types: ANY, JSON."),
])
def test_values_bigquery_does_not_concatenate_are_refused(client: DuckDBClient, expression: str,
                                                          message: str) -> None:
    with pytest.raises(gexc.BadRequest) as raised:
        client.query(f"SELECT {expression} FROM ds.t").result()
    assert raised.value.message.startswith(message)


@pytest.mark.parametrize(("expression", "value"), [
    ("CONCAT(s, '_', i, '_', f, '_', b, '_', d)", "abc_3_2.5_true_2025-01-02"),
    ("CONCAT(bt, b'z')", b"xyz"),
    ("s || '-' || i", "abc-3"),
    ("a || [3]", [1, 2, 3]),
    ("CONCAT(s, NULL)", None),
    ("CONCAT(NULL, bt)", None),
])
def test_values_bigquery_concatenates_run(client: DuckDBClient, expression: str, value: object) -> None:
    assert one(client, f"SELECT {expression} FROM ds.t") == value
