"""An INSERT whose query is a set operation stores the operation's column type, which must be
one its target column takes; numeric literals join a supertype as BigQuery's literal rule says.

DML syntax, "INSERT statement" > "Value type compatibility" (the value type matches the column
type or coerces to it); query syntax, "Set operators": "paired columns must also have either the
same data type or a common supertype"; conversion rules, "Supertypes and literals": "If there
exists non-literals in the set, find the set of common supertypes of the non-literals ... find
the most specific type to which the remaining literal types can be implicitly coerced", and
"Literal coercion": a FLOAT64 literal coerces to NUMERIC. The result of IF or of a set operation
is no literal: a NUMERIC column does not take ``IF(TRUE, 1, 2.5)`` (FLOAT64), as it takes ``2.5``.

Until stop 33, ``INSERT ... SELECT ... UNION ALL SELECT ...`` was not checked at all: DuckDB
stored a FLOAT64 branch rounded in an INT64 column and an INT64 branch as text in a STRING
column. And a supertype with a FLOAT64 literal was FLOAT64 whatever the other values were, so
``INSERT ... SELECT COALESCE(numeric_col, 0.5)`` into a NUMERIC column was refused, which
BigQuery stores (its supertype is NUMERIC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows


@pytest.fixture
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.src (k STRING, n INT64, f FLOAT64, m NUMERIC, d DATE, b BOOL)").result()
    c.query("INSERT INTO ds.src VALUES ('a', 3, 2.75, NUMERIC '1.25', DATE '2025-01-15', TRUE)").result()
    c.query("CREATE TABLE ds.dst (k STRING, n INT64, f FLOAT64, m NUMERIC, d DATE)").result()
    yield c
    c.close()


REFUSED = [
    # a FLOAT64 branch, first or last, into an INT64 column: the union's type is FLOAT64
    ("INSERT INTO ds.dst (n) SELECT f FROM ds.src UNION ALL SELECT n FROM ds.src",
     "Query column 1 has type FLOAT64 which cannot be inserted into column n, which has type INT64"),
    ("INSERT INTO ds.dst (n) SELECT n FROM ds.src UNION ALL SELECT f FROM ds.src",
     "Query column 1 has type FLOAT64 which cannot be inserted into column n, which has type INT64"),
    ("INSERT INTO ds.dst (n) (SELECT n FROM ds.src) UNION ALL (SELECT f FROM ds.src)",
     "Query column 1 has type FLOAT64 which cannot be inserted into column n, which has type INT64"),
    ("INSERT INTO ds.dst (n) SELECT 1.5 UNION ALL SELECT 2",
     "Query column 1 has type FLOAT64 which cannot be inserted into column n, which has type INT64"),
    # both branches INT64 into a STRING column
    ("INSERT INTO ds.dst (k) SELECT n FROM ds.src UNION DISTINCT SELECT n + 1 FROM ds.src",
     "Query column 1 has type INT64 which cannot be inserted into column k, which has type STRING"),
    # the second column of three branches; the first column fits
    ("INSERT INTO ds.dst (k, n) SELECT k, n FROM ds.src UNION ALL SELECT 'x', 2 UNION ALL SELECT k, f FROM ds.src",
     "Query column 2 has type FLOAT64 which cannot be inserted into column n, which has type INT64"),
    ("INSERT INTO ds.dst (n) SELECT n FROM ds.src INTERSECT DISTINCT SELECT f FROM ds.src",
     "Query column 1 has type FLOAT64 which cannot be inserted into column n, which has type INT64"),
    ("INSERT INTO ds.dst (n) SELECT f FROM ds.src EXCEPT DISTINCT SELECT n FROM ds.src",
     "Query column 1 has type FLOAT64 which cannot be inserted into column n, which has type INT64"),
    # a DATE column: a string literal branch must be in the DATE format
    ("INSERT INTO ds.dst (d) SELECT d FROM ds.src UNION ALL SELECT '2025/01/16'",
     'Could not cast literal "2025/01/16" to type DATE'),
    # the table's columns in order when the INSERT names none (k, n, f, m, d)
    ("INSERT INTO ds.dst SELECT k, n, f, m, d FROM ds.src UNION ALL SELECT k, n, f, f, d FROM ds.src",
     "Query column 4 has type FLOAT64 which cannot be inserted into column m, which has type NUMERIC"),
    # literals: an INT64 expression and a FLOAT64 literal have NUMERIC as supertype
    ("INSERT INTO ds.dst (n) SELECT COALESCE(n, 1.5) FROM ds.src",
     "Query column 1 has type NUMERIC which cannot be inserted into column n, which has type INT64"),
    ("INSERT INTO ds.dst (n) SELECT n FROM ds.src UNION ALL SELECT 0.5",
     "Query column 1 has type NUMERIC which cannot be inserted into column n, which has type INT64"),
    # a FLOAT64 expression stays FLOAT64 beside a literal, which NUMERIC does not take
    ("INSERT INTO ds.dst (m) SELECT COALESCE(f, 1.5) FROM ds.src",
     "Query column 1 has type FLOAT64 which cannot be inserted into column m, which has type NUMERIC"),
    ("INSERT INTO ds.dst (m) SELECT m FROM ds.src UNION ALL SELECT f FROM ds.src",
     "Query column 1 has type FLOAT64 which cannot be inserted into column m, which has type NUMERIC"),
    # literals only: their supertype is FLOAT64, and the result of IF or of a UNION is no literal
    ("INSERT INTO ds.dst (m) SELECT 2.5 UNION ALL SELECT 1",
     "Query column 1 has type FLOAT64 which cannot be inserted into column m, which has type NUMERIC"),
    ("INSERT INTO ds.dst (m) SELECT IF(TRUE, 1, 2.5)",
     "Query column 1 has type FLOAT64 which cannot be inserted into column m, which has type NUMERIC"),
]


@pytest.mark.parametrize(("sql", "message"), REFUSED, ids=[sql for sql, _ in REFUSED])
def test_a_set_operation_of_a_type_the_column_does_not_take_is_refused_and_nothing_is_written(
        client: DuckDBClient, sql: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest) as caught:
        client.query(sql).result()
    assert message in str(caught.value)
    assert rows(client, "SELECT COUNT(*) FROM ds.dst") == [(0,)]


ACCEPTED = [
    # (statement, the column read back, its values in order)
    ("INSERT INTO ds.dst (n) SELECT n FROM ds.src UNION ALL SELECT 7", "n", [3, 7]),
    ("INSERT INTO ds.dst (f) SELECT n FROM ds.src UNION ALL SELECT f FROM ds.src", "f", [2.75, 3.0]),
    ("INSERT INTO ds.dst (d) SELECT d FROM ds.src UNION ALL SELECT '2025-01-16'", "d",
     [dt.date(2025, 1, 15), dt.date(2025, 1, 16)]),
    ("INSERT INTO ds.dst (k) SELECT k FROM ds.src UNION DISTINCT SELECT 'a'", "k", ["a"]),
    ("INSERT INTO ds.dst (n) SELECT n FROM ds.src EXCEPT DISTINCT SELECT 3", "n", []),
    ("INSERT INTO ds.dst (n) SELECT n FROM ds.src UNION ALL SELECT NULL", "n", [3, None]),
    # a FLOAT64 literal beside NUMERIC (or INT64) expressions: the supertype is NUMERIC
    ("INSERT INTO ds.dst (m) SELECT COALESCE(m, 0.5) FROM ds.src", "m", [Decimal("1.25")]),
    ("INSERT INTO ds.dst (m) SELECT IF(b, -0.5, m) FROM ds.src", "m", [Decimal("-0.5")]),
    ("INSERT INTO ds.dst (m) SELECT COALESCE(n, 1.5) FROM ds.src", "m", [Decimal("3")]),
    ("INSERT INTO ds.dst (m) SELECT m FROM ds.src UNION ALL SELECT 0.5", "m", [Decimal("0.5"), Decimal("1.25")]),
    # a FLOAT64 literal alone: "Literal coercion" to NUMERIC
    ("INSERT INTO ds.dst (m) SELECT 2.5", "m", [Decimal("2.5")]),
]


@pytest.mark.parametrize(("sql", "column", "expected"), ACCEPTED, ids=[sql for sql, _, _ in ACCEPTED])
def test_a_set_operation_or_supertype_the_column_takes_is_stored(
        client: DuckDBClient, sql: str, column: str, expected: list) -> None:
    client.query(sql).result()
    got = [r[0] for r in rows(client, f"SELECT {column} FROM ds.dst ORDER BY {column} NULLS LAST")]
    assert got == expected


def test_a_star_over_a_set_operation_is_left_to_the_engine(client: DuckDBClient) -> None:
    """``SELECT *`` hides the columns from the check (as for a plain SELECT): the engine's cast."""
    client.query("INSERT INTO ds.dst (n) SELECT * FROM (SELECT n FROM ds.src UNION ALL SELECT 4)").result()
    assert rows(client, "SELECT n FROM ds.dst ORDER BY n") == [(3,), (4,)]


def test_literals_only_stay_float64_for_the_other_checks(client: DuckDBClient) -> None:
    """``IF(b, 1, 2.5)`` is FLOAT64 (literals only), ``GREATEST(n, 2.5)`` NUMERIC (an INT64
    expression beside a FLOAT64 literal): DATE + either has no signature, named so."""
    with pytest.raises(gexc.BadRequest, match="DATE, FLOAT64"):
        client.query("SELECT d + IF(b, 1, 2.5) FROM ds.src").result()
    with pytest.raises(gexc.BadRequest, match="DATE, NUMERIC"):
        client.query("SELECT d + GREATEST(n, 2.5) FROM ds.src").result()


def test_what_mutation_testing_found_untested(client: DuckDBClient) -> None:
    """From the stop 33 mutation run's survivors: inputs of different widths are the set
    operation's own error (a BadRequest, nothing written), and a supertype of string literals
    alone is a STRING an INT64 column does not take."""
    with pytest.raises(gexc.BadRequest):
        client.query("INSERT INTO ds.dst (n, k) SELECT 1, 'a' UNION ALL SELECT 2").result()
    with pytest.raises(gexc.BadRequest, match="Query column 1 has type STRING which cannot be inserted into column n"):
        client.query("INSERT INTO ds.dst (n) SELECT IF(b, 'x', 'y') FROM ds.src").result()
    assert rows(client, "SELECT COUNT(*) FROM ds.dst") == [(0,)]
