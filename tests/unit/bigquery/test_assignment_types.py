"""A value stored by INSERT, UPDATE or MERGE must have a type its column takes.

DML syntax, "INSERT statement" > "Value type compatibility": "Values added with an INSERT
statement must be compatible with the target column's type ... the value type matches the
column type exactly [or] the value type is one that can be implicitly coerced into another
type". The coercions are the "Coerce to" column of conversion rules ("Comparison of casting and
coercion": INT64 to NUMERIC, BIGNUMERIC and FLOAT64; NUMERIC to BIGNUMERIC and FLOAT64; DATE to
DATETIME), plus "Literal coercion" (a FLOAT64 literal to NUMERIC; a STRING literal to DATE,
DATETIME, TIME, TIMESTAMP) and "Query parameter coercion" (a STRING parameter likewise).

DuckDB casts silently: ``INSERT ... SELECT player, AVG(pts)`` into an INT64 column stored the
rounded average, ``VALUES (1, 2)`` stored ``'1'`` in a STRING column, ``UPDATE ... SET d =
'2025/01/15'`` stored a date. BigQuery refuses each with the messages checked below. Before stop
32 an UPDATE's ``SET v = 'x'`` was also read as a comparison ("No matching signature for operator
=").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.games (player STRING, pts INT64, mins FLOAT64)").result()
    c.query("INSERT INTO ds.games VALUES ('p1', 20, 30.5), ('p1', 25, 33.0), ('p2', 12, 25.0)").result()
    c.query("CREATE TABLE ds.m (k STRING, v INT64, f FLOAT64, n NUMERIC, d DATE, dtm DATETIME, ts TIMESTAMP, "
            "b BOOL)").result()
    c.query("INSERT INTO ds.m (k, v) VALUES ('a', 1)").result()
    yield c
    c.close()


def run(client: DuckDBClient, sql: str, **params: tuple[str, object]) -> list[tuple]:
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter(name, kind, value) for name, (kind, value) in params.items()])
    return [tuple(r.values()) for r in client.query(sql, job_config=config).result()]


REFUSED = [
    ("INSERT INTO ds.m (k, v) VALUES (1, 2)",
     "Value has type INT64 which cannot be inserted into column k, which has type STRING"),
    ("INSERT INTO ds.m (k, v) VALUES ('c', '5')",
     "Value has type STRING which cannot be inserted into column v, which has type INT64"),
    ("INSERT INTO ds.m (k, b) VALUES ('c', 'true')",
     "Value has type STRING which cannot be inserted into column b, which has type BOOL"),
    ("INSERT INTO ds.m (k, v) VALUES ('c', 2.5)",
     "Value has type FLOAT64 which cannot be inserted into column v, which has type INT64"),
    ("INSERT INTO ds.m (k, d) VALUES ('c', TIMESTAMP '2025-01-15 10:00:00')",
     "Value has type TIMESTAMP which cannot be inserted into column d, which has type DATE"),
    # a processor writing computed metrics: AVG and INT64 / INT64 are FLOAT64
    ("INSERT INTO ds.m (k, v) SELECT player, AVG(pts) FROM ds.games GROUP BY player",
     "Query column 2 has type FLOAT64 which cannot be inserted into column v, which has type INT64"),
    ("INSERT INTO ds.m (k, v) SELECT player, pts / 2 FROM ds.games",
     "Query column 2 has type FLOAT64 which cannot be inserted into column v, which has type INT64"),
    ("INSERT INTO ds.m (k, n) SELECT player, mins FROM ds.games",
     "Query column 2 has type FLOAT64 which cannot be inserted into column n, which has type NUMERIC"),
    ("INSERT INTO ds.m (k, d) WITH c AS (SELECT TIMESTAMP '2025-01-15 10:00:00' AS x) SELECT 'q', x FROM c",
     "Query column 2 has type TIMESTAMP which cannot be inserted into column d, which has type DATE"),
    # no column list: the table's columns in order
    ("INSERT INTO ds.m SELECT player, mins, 1.0, 1, NULL, NULL, NULL, NULL FROM ds.games",
     "Query column 2 has type FLOAT64 which cannot be inserted into column v, which has type INT64"),
    # every row of a VALUES list; a MERGE's INSERT by its own column list
    ("INSERT INTO ds.m (k, v) VALUES ('x', 2.5), ('y', 1)",
     "Value has type FLOAT64 which cannot be inserted into column v, which has type INT64"),
    ("MERGE ds.m T USING (SELECT 'z' AS k, 3 AS v) S ON T.k = S.k WHEN NOT MATCHED THEN INSERT (k, d) VALUES (S.k, S.v)",
     "Value has type INT64 which cannot be inserted into column d, which has type DATE"),
    # a row of another length is the engine's error, still a BadRequest
    ("INSERT INTO ds.m (k, v) VALUES ('a')", "2 columns but 1 values were supplied"),
    ("INSERT INTO ds.m (k, v) SELECT 'a'", "2 columns but 1 values were supplied"),
    ("UPDATE ds.m SET v = 'x' WHERE TRUE", "Value of type STRING cannot be assigned to v, which has type INT64"),
    ("UPDATE ds.m SET v = f * 2 WHERE TRUE", "Value of type FLOAT64 cannot be assigned to v, which has type INT64"),
    ("MERGE ds.m T USING (SELECT 'a' AS k, 2.5 AS v) S ON T.k = S.k WHEN MATCHED THEN UPDATE SET v = S.v",
     "Value of type FLOAT64 cannot be assigned to v, which has type INT64"),
    ("MERGE ds.m T USING (SELECT 'z' AS k, AVG(pts) AS v FROM ds.games) S ON T.k = S.k "
     "WHEN NOT MATCHED THEN INSERT (k, v) VALUES (S.k, S.v)",
     "Value has type FLOAT64 which cannot be inserted into column v, which has type INT64"),
    # a literal read as a DATE / TIMESTAMP must be in its format ("Literal coercion")
    ("UPDATE ds.m SET d = '2025/01/15' WHERE TRUE", 'Could not cast literal "2025/01/15" to type DATE'),
    ("INSERT INTO ds.m (k, d) VALUES ('c', '2025/01/15')", 'Could not cast literal "2025/01/15" to type DATE'),
    ("INSERT INTO ds.m (k, ts) VALUES ('c', '2025-01-15 24:00:00')",
     'Could not cast literal "2025-01-15 24:00:00" to type TIMESTAMP'),
]


@pytest.mark.parametrize("sql, message", REFUSED, ids=[s for s, _ in REFUSED])
def test_a_value_its_column_does_not_take_is_refused_and_nothing_is_written(client: DuckDBClient, sql: str,
                                                                            message: str) -> None:
    before = run(client, "SELECT * FROM ds.m ORDER BY k")
    with pytest.raises(gexc.BadRequest, match=re.escape(message)):
        run(client, sql)
    assert run(client, "SELECT * FROM ds.m ORDER BY k") == before


def test_the_coercions_bigquery_makes_store_their_values(client: DuckDBClient) -> None:
    run(client, "INSERT INTO ds.m (k, v, f, n, d, dtm, ts, b) VALUES "
                "('b', 2, 3, 4, '2025-01-15', DATE '2025-01-16', '2025-01-15 19:30:00 America/New_York', TRUE), "
                "('c', NULL, 1.5, -1.5, NULL, '2025-01-15 10:00:00', NULL, NULL)")
    run(client, "INSERT INTO ds.m (k, n) VALUES ('g', 2.5)")
    run(client, "INSERT INTO ds.m (k, v, f) SELECT player, SUM(pts), SUM(pts) / COUNT(*) FROM ds.games "
                "GROUP BY player")
    run(client, "INSERT INTO ds.m (k, d, f) VALUES (@k, @d, @n)", k=("STRING", "e"), d=("STRING", "2025-02-01"),
        n=("INT64", 7))
    run(client, "UPDATE ds.m SET f = v / 2 WHERE k = 'b'")
    run(client, "MERGE ds.m T USING (SELECT 'a' AS k, 9 AS v) S ON T.k = S.k "
                "WHEN MATCHED THEN UPDATE SET v = S.v, n = S.v, f = S.v")
    got = {row[0]: row[1:] for row in run(client, "SELECT k, v, f, n, d, dtm, ts, b FROM ds.m")}
    assert got["a"] == (9, 9.0, Decimal("9"), None, None, None, None)
    assert got["b"] == (2, 1.0, Decimal("4"), dt.date(2025, 1, 15), dt.datetime(2025, 1, 16),
                        dt.datetime(2025, 1, 16, 0, 30, tzinfo=dt.UTC), True)
    assert got["c"] == (None, 1.5, Decimal("-1.5"), None, dt.datetime(2025, 1, 15, 10), None, None)
    assert got["p1"][:2] == (45, 22.5) and got["p2"][:2] == (12, 12.0)
    assert got["e"][:4] == (None, 7.0, None, dt.date(2025, 2, 1))
    assert got["g"][2] == Decimal("2.5")
