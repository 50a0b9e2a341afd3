"""``CAST`` and ``SAFE_CAST`` take only the casts BigQuery has between two types (conversion rules,
"Comparison of casting and coercion"; conversion functions, each "CAST AS ..." section's list of
source types). DuckDB cast a BOOL to FLOAT64 and a FLOAT64 to BOOL, and refused DATE to INT64 in
its own words ("Conversion Error: Unimplemented type for cast (DATE -> BIGINT)"); BigQuery refuses
each when the query is analysed: "Invalid cast from BOOL to FLOAT64", for SAFE_CAST too (it
protects from a value that does not convert, not from a cast the types do not have).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one

#: A column of each type, and what the conversion rules let it be cast to.
COLUMNS = {"INT64": "i", "NUMERIC": "n", "FLOAT64": "f", "BOOL": "b", "STRING": "s", "BYTES": "bt", "DATE": "d",
           "DATETIME": "dt", "TIME": "tm", "TIMESTAMP": "ts"}
CASTS = {
    "INT64": {"BOOL", "INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "STRING"},
    "NUMERIC": {"INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "STRING"},
    "FLOAT64": {"INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "STRING"},
    "BOOL": {"BOOL", "INT64", "STRING"},
    "STRING": {"BOOL", "INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "STRING", "BYTES", "DATE", "DATETIME", "TIME",
               "TIMESTAMP"},
    "BYTES": {"STRING", "BYTES"},
    "DATE": {"STRING", "DATE", "DATETIME", "TIMESTAMP"},
    "DATETIME": {"STRING", "DATE", "DATETIME", "TIME", "TIMESTAMP"},
    "TIME": {"STRING", "TIME"},
    "TIMESTAMP": {"STRING", "DATE", "DATETIME", "TIME", "TIMESTAMP"},
}
TARGETS = ["INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "BOOL", "STRING", "BYTES", "DATE", "DATETIME", "TIME",
           "TIMESTAMP"]


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.t (i INT64, n NUMERIC, f FLOAT64, b BOOL, s STRING, bt BYTES, d DATE, dt DATETIME, "
            "tm TIME, ts TIMESTAMP)").result()
    c.query("INSERT INTO ds.t VALUES (1, NUMERIC '2.5', 2.5, TRUE, '1', b'1', DATE '2025-01-02', "
            "DATETIME '2025-01-02 03:04:05', TIME '03:04:05', TIMESTAMP '2025-01-02 03:04:05+00')").result()
    yield c
    c.close()


REFUSED = [(source, target) for source, target in itertools.product(COLUMNS, TARGETS)
           if target not in CASTS[source]]


@pytest.mark.parametrize(("source", "target"), REFUSED, ids=[f"{s}->{t}" for s, t in REFUSED])
def test_a_cast_bigquery_does_not_have_is_refused(client: DuckDBClient, source: str, target: str) -> None:
    for function in ("CAST", "SAFE_CAST"):
        with pytest.raises(gexc.BadRequest) as raised:
            client.query(f"SELECT {function}({COLUMNS[source]} AS {target}) FROM ds.t").result()
        assert raised.value.message == f"Invalid cast from {source} to {target}"


@pytest.mark.parametrize(("sql", "value"), [
    ("SELECT CAST(b AS INT64) FROM ds.t", 1),
    ("SELECT CAST(i AS BOOL) FROM ds.t", True),
    ("SELECT CAST(n AS INT64) FROM ds.t", 3),                  # half away from zero
    ("SELECT CAST(f AS STRING) FROM ds.t", "2.5"),
    ("SELECT CAST(s AS INT64) FROM ds.t", 1),
    ("SELECT SAFE_CAST(s AS DATE) FROM ds.t", None),           # a value that does not convert: NULL
    ("SELECT CAST(bt AS STRING) FROM ds.t", "1"),
    ("SELECT CAST(ts AS STRING) FROM ds.t", "2025-01-02 03:04:05+00"),
    ("SELECT CAST(dt AS TIME) FROM ds.t", datetime.time(3, 4, 5)),
    ("SELECT CAST(d AS DATETIME) FROM ds.t", datetime.datetime(2025, 1, 2)),
    ("SELECT CAST(NULL AS DATE)", None),                       # an untyped NULL casts to anything
    ("SELECT CAST('2025-01-02' AS DATE) = DATE '2025-01-02'", True),
])
def test_a_cast_bigquery_has_runs(client: DuckDBClient, sql: str, value: object) -> None:
    assert one(client, sql) == value


def test_literals_are_typed_as_their_values() -> None:
    """A BOOL or FLOAT64 literal is refused as its column would be."""
    c = DuckDBClient(":memory:")
    try:
        for sql, message in (("SELECT CAST(TRUE AS FLOAT64)", "Invalid cast from BOOL to FLOAT64"),
                             ("SELECT CAST(1.5 AS BOOL)", "Invalid cast from FLOAT64 to BOOL"),
                             ("SELECT SAFE_CAST(DATE '2025-01-02' AS INT64)", "Invalid cast from DATE to INT64"),
                             # a cast whose value's type is not read does not end the walk
                             ("SELECT CAST(NULL AS INT64), CAST(TRUE AS FLOAT64)", "Invalid cast from BOOL to FLOAT64"),
                             ("SELECT CAST(TRUE AS DECIMAL)", "Invalid cast from BOOL to NUMERIC")):
            with pytest.raises(gexc.BadRequest) as raised:
                c.query(sql).result()
            assert raised.value.message == message
    finally:
        c.close()
