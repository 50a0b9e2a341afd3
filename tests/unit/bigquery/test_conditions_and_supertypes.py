"""Conditions, common supertypes and a few argument types, as BigQuery types them.

DuckDB is more forgiving than BigQuery in each case below, so a processor's query could pass
every test here and be refused in production:

- a condition that is not BOOL: DuckDB filters on an INT64 (``WHERE is_starter`` with a 0/1
  column: nonzero is true), negates one, and counts ``COUNTIF(n)``; BigQuery's WHERE, HAVING,
  QUALIFY, JOIN ON, MERGE ON / WHEN, IF and CASE take a ``bool_expression`` only (query syntax;
  conditional expressions), and AND / OR / NOT take BOOL (operators, "Logical operators");
- values without a common supertype: ``IF(c, 1, 'x')`` returned 1 here (DuckDB casts the
  other branch only when it is taken), ``['1', 2]`` was an array of text; BigQuery requires the
  results of IF / CASE / COALESCE / IFNULL / NULLIF / GREATEST / LEAST and an array literal's
  elements to share a supertype (conversion rules, "Supertypes");
- ``LENGTH(date)`` and ``STRING_AGG(int64)`` read their argument as text; BigQuery's signatures
  take STRING or BYTES;
- a string literal in a set operation under a DATE column is a DATE on BigQuery ("Supertypes
  and literals"); DuckDB made the whole column STRING. It is now cast to the column's type.

Each refusal is checked for its message, each accepted form for the rows it returns.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient


def _warehouse() -> DuckDBClient:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.t (k STRING, n INT64, d DATE, f FLOAT64, b BOOL, ts TIMESTAMP, dtm DATETIME, "
            "tm TIME, j JSON)").result()
    c.query("INSERT INTO ds.t VALUES ('a', 1, DATE '2025-01-01', 1.5, TRUE, TIMESTAMP '2025-01-01 10:00:00+00', "
            "DATETIME '2025-01-01 10:00:00', TIME '10:00:00', JSON '{\"a\": 1}'), "
            "('b', 0, DATE '2025-01-02', 2.5, FALSE, TIMESTAMP '2025-01-02 10:00:00+00', "
            "DATETIME '2025-01-02 10:00:00', TIME '11:00:00', NULL)").result()
    return c


@pytest.fixture(scope="module")
def shared() -> Iterator[DuckDBClient]:
    """One warehouse for the tests that only read (most of this file: building one per test was
    most of its time)."""
    c = _warehouse()
    yield c
    c.close()


@pytest.fixture
def client(request: pytest.FixtureRequest, shared: DuckDBClient) -> Iterator[DuckDBClient]:
    """The shared warehouse; a fresh one for a test that writes (marked ``writes``) or runs a DML
    statement, so a statement the old code wrongly ran cannot change another test's rows."""
    sql = request.node.callspec.params.get("sql", "") if hasattr(request.node, "callspec") else ""
    if request.node.get_closest_marker("writes") is None and not str(sql).lstrip().upper().startswith(
            ("DELETE", "UPDATE", "MERGE", "INSERT", "CREATE")):
        yield shared
        return
    c = _warehouse()
    yield c
    c.close()


def rows(client: DuckDBClient, sql: str, **params: tuple[str, object]) -> list[tuple]:
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter(name, kind, value) for name, (kind, value) in params.items()])
    return [tuple(r.values()) for r in client.query(sql, job_config=config).result()]


REFUSED = [
    # conditions that are not BOOL
    ("SELECT k FROM ds.t WHERE n", "WHERE clause should return type BOOL, but returns INT64"),
    ("SELECT k FROM ds.t WHERE k", "WHERE clause should return type BOOL, but returns STRING"),
    ("SELECT k FROM ds.t WHERE 1", "WHERE clause should return type BOOL, but returns INT64"),
    ("SELECT k FROM ds.t WHERE COALESCE(n, 0)", "WHERE clause should return type BOOL, but returns INT64"),
    ("SELECT k FROM ds.t WHERE j", "WHERE clause should return type BOOL, but returns JSON"),
    ("SELECT n FROM ds.t GROUP BY n HAVING COUNT(*)", "HAVING clause should return type BOOL, but returns INT64"),
    ("SELECT k FROM ds.t WHERE TRUE QUALIFY MAX(n) OVER ()",
     "QUALIFY clause should return type BOOL, but returns INT64"),
    ("SELECT x.k FROM ds.t x JOIN ds.t y ON x.n", "JOIN ON clause should return type BOOL, but returns INT64"),
    ("DELETE FROM ds.t WHERE n", "WHERE clause should return type BOOL, but returns INT64"),
    ("UPDATE ds.t SET n = 2 WHERE k", "WHERE clause should return type BOOL, but returns STRING"),
    ("MERGE ds.t T USING ds.t S ON T.n WHEN MATCHED THEN DELETE",
     "MERGE ON clause should return type BOOL, but returns INT64"),
    ("MERGE ds.t T USING ds.t S ON T.k = S.k WHEN MATCHED AND S.n THEN DELETE",
     "MERGE WHEN clause should return type BOOL, but returns INT64"),
    ("SELECT NOT n FROM ds.t", "No matching signature for operator NOT for argument types: INT64. "
                               "Supported signature: NOT (BOOL)"),
    ("SELECT n AND b FROM ds.t", "No matching signature for operator AND for argument types: INT64, BOOL"),
    ("SELECT b OR k FROM ds.t", "No matching signature for operator OR for argument types: BOOL, STRING. "
                                "Supported signature: BOOL OR ([BOOL, ...])"),
    ("SELECT IF(n, 1, 2) FROM ds.t", "function IF: the condition returns INT64, not BOOL"),
    ("SELECT CASE WHEN n THEN k END FROM ds.t", "operator CASE: the condition returns INT64, not BOOL"),
    ("SELECT COUNTIF(n) FROM ds.t", "No matching signature for aggregate function COUNTIF for argument types: "
                                    "INT64. Supported signature: COUNTIF(BOOL)"),
    ("SELECT COUNTIF(DISTINCT k) FROM ds.t", "aggregate function COUNTIF for argument types: STRING"),
    ("SELECT LOGICAL_AND(n) FROM ds.t", "aggregate function LOGICAL_AND for argument types: INT64"),
    ("SELECT LOGICAL_OR(f) FROM ds.t", "aggregate function LOGICAL_OR for argument types: FLOAT64"),
    # values without a common supertype
    ("SELECT IF(b, 1, 'x') FROM ds.t", "No matching signature for function IF for argument types: BOOL, INT64, "
                                       "STRING (the results have no common supertype: INT64, STRING)"),
    ("SELECT IF(b, d, ts) FROM ds.t", "the results have no common supertype: DATE, TIMESTAMP"),
    ("SELECT CASE WHEN b THEN k ELSE n END FROM ds.t",
     "No matching signature for operator CASE for argument types: STRING, INT64 (the results have no common "
     "supertype: STRING, INT64)"),
    ("SELECT CASE n WHEN 'a' THEN 1 END FROM ds.t",
     "the CASE value and its WHEN values have no common supertype: INT64, STRING"),
    ("SELECT COALESCE(k, 1.5) FROM ds.t", "function COALESCE for argument types: STRING, FLOAT64 (the arguments "
                                          "have no common supertype: STRING, FLOAT64)"),
    ("SELECT IFNULL(d, n) FROM ds.t", "function IFNULL for argument types: DATE, INT64"),
    ("SELECT NULLIF(k, 0) FROM ds.t", "function NULLIF for argument types: STRING, INT64"),
    ("SELECT GREATEST(d, k) FROM ds.t", "function GREATEST for argument types: DATE, STRING"),
    ("SELECT LEAST(n, b) FROM ds.t", "function LEAST for argument types: INT64, BOOL"),
    ("SELECT COALESCE(b, 0, NULL) FROM ds.t", "function COALESCE for argument types: BOOL, INT64, NULL"),
    ("SELECT [1, 'a']", "Array elements of types {INT64, STRING} do not have a common supertype"),
    ("SELECT ['1', 2]", "Array elements of types {INT64, STRING} do not have a common supertype"),
    ("SELECT [d, ts] FROM ds.t", "Array elements of types {DATE, TIMESTAMP} do not have a common supertype"),
    # every node is checked, not only the first of its kind (a valid WHERE, AND or COUNTIF first)
    ("SELECT IF(n, 1, 2) FROM ds.t WHERE b", "function IF: the condition returns INT64"),
    ("SELECT k FROM ds.t WHERE NOT b AND LENGTH(d) > 1", "function LENGTH for argument types: DATE"),
    ("SELECT COUNTIF(b), IF(n, 1, 2) FROM ds.t", "function IF: the condition returns INT64"),
    ("SELECT 1 FROM (SELECT n FROM ds.t UNION ALL SELECT n FROM ds.t UNION ALL SELECT 2) a CROSS JOIN "
     "(SELECT * FROM (SELECT * FROM (SELECT k FROM ds.t UNION ALL SELECT 5))) b",
     "Column 1 in UNION ALL has incompatible types: STRING, INT64"),
    # a result type the functions above now carry into comparisons
    ("SELECT COALESCE(n, 0) = 'a' FROM ds.t", "No matching signature for operator = for argument types: "
                                              "INT64, STRING. Supported signature: ANY = ANY"),
    ("SELECT k FROM ds.t WHERE j < j", "Less than is not defined for arguments of type JSON"),
    ("SELECT k FROM ds.t WHERE d BETWEEN 1 AND DATE '2025-01-31'", "No matching signature for operator BETWEEN for "
                                                                   "argument types: DATE, INT64"),
    ("SELECT k FROM ds.t WHERE d BETWEEN DATE '2025-01-01' AND 31", "operator BETWEEN for argument types: DATE, INT64"),
    ("SELECT k FROM ds.t WHERE n IN (1, 'a')", "No matching signature for operator IN for argument types: INT64, "
                                               "STRING"),
    ("SELECT k FROM ds.t WHERE IF(b, n, 0) = d", "for argument types: INT64, DATE"),
    ("SELECT k FROM ds.t WHERE LENGTH(k) = 'x'", "for argument types: INT64, STRING"),
    # argument types of LENGTH / STRING_AGG
    ("SELECT LENGTH(d) FROM ds.t", "No matching signature for function LENGTH for argument types: DATE. "
                                   "Supported signatures: LENGTH(STRING); LENGTH(BYTES)"),
    ("SELECT CHAR_LENGTH(n) FROM ds.t", "function CHAR_LENGTH for argument types: INT64"),
    ("SELECT STRING_AGG(n, ',') FROM ds.t", "No matching signature for aggregate function STRING_AGG for argument "
                                           "types: INT64"),
    ("SELECT STRING_AGG(DISTINCT d, ',' ORDER BY d) FROM ds.t", "aggregate function STRING_AGG for argument types: "
                                                               "DATE"),
]


@pytest.mark.parametrize(("sql", "message"), REFUSED, ids=[sql for sql, _ in REFUSED])
def test_what_bigquery_has_no_signature_for_is_refused_in_its_words(client: DuckDBClient, sql: str,
                                                                    message: str) -> None:
    before = rows(client, "SELECT k, n FROM ds.t ORDER BY k")
    with pytest.raises(gexc.BadRequest) as caught:
        client.query(sql).result()
    assert message in str(caught.value)
    assert rows(client, "SELECT k, n FROM ds.t ORDER BY k") == before  # a refused DML changed nothing


ACCEPTED = [
    ("SELECT k FROM ds.t WHERE b", [("a",)]),
    ("SELECT k FROM ds.t WHERE NOT b AND n >= 0 OR k IS NULL", [("b",)]),
    ("SELECT k FROM ds.t WHERE COALESCE(b, FALSE) ORDER BY k", [("a",)]),
    ("SELECT k FROM ds.t WHERE IF(n > 0, TRUE, FALSE)", [("a",)]),
    ("SELECT k FROM ds.t WHERE NULL", []),
    ("SELECT n FROM ds.t GROUP BY n HAVING COUNT(*) > 0 ORDER BY n", [(0,), (1,)]),
    ("SELECT x.k FROM ds.t x JOIN ds.t y ON x.k = y.k AND y.b", [("a",)]),
    ("SELECT IF(b, d, '2025-03-01') FROM ds.t ORDER BY k", [(dt.date(2025, 1, 1),), (dt.date(2025, 3, 1),)]),
    ("SELECT IF(b, n, 2.5) FROM ds.t ORDER BY k", [(1.0,), (2.5,)]),
    ("SELECT IF(b, n, NULL) + 1 FROM ds.t ORDER BY k", [(2,), (None,)]),
    ("SELECT COALESCE(n, 1.5) FROM ds.t ORDER BY k", [(1.0,), (0.0,)]),
    ("SELECT CASE n WHEN 1 THEN 'one' WHEN 2 THEN NULL ELSE 'other' END FROM ds.t ORDER BY k",
     [("one",), ("other",)]),
    ("SELECT CASE WHEN b THEN d ELSE dtm END FROM ds.t ORDER BY k",
     [(dt.datetime(2025, 1, 1),), (dt.datetime(2025, 1, 2, 10),)]),
    ("SELECT GREATEST(d, '2025-01-02') FROM ds.t ORDER BY k", [(dt.date(2025, 1, 2),), (dt.date(2025, 1, 2),)]),
    ("SELECT NULLIF(n, 0) FROM ds.t ORDER BY k", [(1,), (None,)]),
    ("SELECT [d, '2025-01-05'] FROM ds.t WHERE b", [([dt.date(2025, 1, 1), dt.date(2025, 1, 5)],)]),
    ("SELECT COUNTIF(n > 0), LOGICAL_AND(b), LOGICAL_OR(b) FROM ds.t", [(1, False, True)]),
    ("SELECT STRING_AGG(k, ',' ORDER BY k DESC), LENGTH(k || 'xy') FROM ds.t GROUP BY LENGTH(k || 'xy')",
     [("b,a", 3)]),
    ("SELECT CONCAT(k, n, b) FROM ds.t ORDER BY k", [("a1true",), ("b0false",)]),  # any type castable to STRING
]


@pytest.mark.parametrize(("sql", "expected"), ACCEPTED, ids=[sql for sql, _ in ACCEPTED])
def test_what_bigquery_accepts_runs_and_returns_its_rows(client: DuckDBClient, sql: str, expected: list) -> None:
    assert rows(client, sql) == expected


def test_a_typed_parameter_is_a_condition_only_when_it_is_a_bool(client: DuckDBClient) -> None:
    assert rows(client, "SELECT k FROM ds.t WHERE @on ORDER BY k", on=("BOOL", True)) == [("a",), ("b",)]
    with pytest.raises(gexc.BadRequest, match="WHERE clause should return type BOOL, but returns INT64"):
        rows(client, "SELECT k FROM ds.t WHERE @on", on=("INT64", 1))


SET_LITERALS = [
    ("SELECT d FROM ds.t WHERE b UNION ALL SELECT '2025-02-01'", "DATE",
     [dt.date(2025, 1, 1), dt.date(2025, 2, 1)]),
    ("SELECT '2025-02-01' AS d UNION ALL SELECT d FROM ds.t WHERE b", "DATE",
     [dt.date(2025, 2, 1), dt.date(2025, 1, 1)]),
    ("SELECT d FROM ds.t WHERE b UNION ALL (SELECT '2025-03-01' UNION ALL SELECT '2025-04-01')", "DATE",
     [dt.date(2025, 1, 1), dt.date(2025, 3, 1), dt.date(2025, 4, 1)]),
    ("SELECT ts FROM ds.t WHERE b UNION ALL SELECT '2025-01-02 03:04:05'", "TIMESTAMP",
     [dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC), dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)]),
    ("SELECT dtm FROM ds.t WHERE b UNION ALL SELECT '2025-01-02 03:04:05'", "DATETIME",
     [dt.datetime(2025, 1, 1, 10), dt.datetime(2025, 1, 2, 3, 4, 5)]),
    ("SELECT tm FROM ds.t WHERE b UNION ALL SELECT '03:04:05'", "TIME", [dt.time(10), dt.time(3, 4, 5)]),
    ("SELECT d FROM ds.t WHERE b UNION ALL SELECT dtm FROM ds.t WHERE b UNION ALL SELECT '2025-01-05'", "DATETIME",
     [dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 1, 10), dt.datetime(2025, 1, 5)]),
    ("SELECT d FROM ds.t UNION DISTINCT SELECT '2025-01-01'", "DATE", [dt.date(2025, 1, 1), dt.date(2025, 1, 2)]),
    ("SELECT d FROM ds.t EXCEPT DISTINCT SELECT '2025-01-02'", "DATE", [dt.date(2025, 1, 1)]),
    ("SELECT d FROM ds.t WHERE b UNION ALL (SELECT '2025-03-01')", "DATE", [dt.date(2025, 1, 1), dt.date(2025, 3, 1)]),
    ("WITH x AS (SELECT d FROM ds.t WHERE b UNION ALL SELECT '2025-02-01') SELECT d FROM x WHERE d > '2025-01-15'",
     "DATE", [dt.date(2025, 2, 1)]),
    # no column of a date or time type: the literal stays a STRING
    ("SELECT k FROM ds.t WHERE b UNION ALL SELECT '2025-02-01'", "STRING", ["a", "2025-02-01"]),
    ("SELECT '2025-01-01' AS x UNION ALL SELECT 'x'", "STRING", ["2025-01-01", "x"]),
]


@pytest.mark.parametrize(("sql", "kind", "values"), SET_LITERALS, ids=[sql for sql, _, _ in SET_LITERALS])
def test_a_set_operations_string_literal_takes_its_columns_date_or_time_type(
        client: DuckDBClient, sql: str, kind: str, values: list) -> None:
    result = client.query(sql).result()
    assert [f.field_type for f in result.schema] == [kind]
    got = [row[0] for row in result]
    assert (sorted(got) if "DISTINCT" in sql else got) == values


def test_a_literal_that_is_not_a_date_fails_the_query_and_a_string_parameter_is_refused_by_name(
        client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="garbage"):
        client.query("SELECT d FROM ds.t UNION ALL SELECT 'garbage'").result()
    with pytest.raises(gexc.BadRequest, match=r"Column 1 in UNION ALL pairs a DATE with a STRING parameter.*"
                                              r"CAST\(@\.\.\. AS DATE\)"):
        rows(client, "SELECT d FROM ds.t UNION ALL SELECT @day", day=("STRING", "2025-02-01"))
    assert rows(client, "SELECT d FROM ds.t WHERE b UNION ALL SELECT @day",
                day=("DATE", dt.date(2025, 2, 1))) == [(dt.date(2025, 1, 1),), (dt.date(2025, 2, 1),)]


@pytest.mark.writes
def test_a_view_and_an_insert_read_the_literal_as_the_columns_type(client: DuckDBClient) -> None:
    client.query("CREATE TABLE ds.days (d DATE)").result()
    client.query("INSERT INTO ds.days SELECT d FROM ds.t WHERE b UNION ALL SELECT '2025-06-30'").result()
    client.query("CREATE VIEW ds.more_days AS SELECT d FROM ds.days UNION ALL SELECT '2025-07-01'").result()
    assert rows(client, "SELECT d FROM ds.more_days ORDER BY d") == [
        (dt.date(2025, 1, 1),), (dt.date(2025, 6, 30),), (dt.date(2025, 7, 1),)]
    assert [f.field_type for f in client.get_table("ds.more_days").schema] == ["DATE"]


# The result types these calls now carry (conversion rules, "Supertypes"; each function's
# "Return Data Types"), seen through the checks that use them: a comparison, DATE + INT64
# (and not + FLOAT64 or NUMERIC), DATETIME + INT64 (none), PARTITION BY (not a FLOAT64).
RESULT_TYPES = [
    ("SELECT COUNT(*) = 'a' FROM ds.t", "INT64, STRING"),
    ("SELECT COUNTIF(b) = 'a' FROM ds.t", "INT64, STRING"),
    ("SELECT LOGICAL_AND(b) = 1 FROM ds.t", "BOOL, INT64"),
    ("SELECT LOGICAL_OR(b) = 'x' FROM ds.t", "BOOL, STRING"),
    ("SELECT UPPER(k) = 1 FROM ds.t", "STRING, INT64"),
    ("SELECT LOWER(k) = 1 FROM ds.t", "STRING, INT64"),
    ("SELECT STRING_AGG(k) = 1 FROM ds.t", "STRING, INT64"),
    ("SELECT BYTE_LENGTH(k) = 'x' FROM ds.t", "INT64, STRING"),
    ("SELECT d + IF(b, 1, 2.5) FROM ds.t", "DATE, FLOAT64"),
    ("SELECT d + IF(b, CAST(1 AS NUMERIC), 2) FROM ds.t", "DATE, NUMERIC"),
    ("SELECT d + COALESCE(n, f) FROM ds.t", "DATE, FLOAT64"),
    ("SELECT d + GREATEST(n, 2.5) FROM ds.t", "DATE, NUMERIC"),  # an INT64 expression and a FLOAT64 literal: NUMERIC ("Supertypes and literals")
    ("SELECT IF(b, d, dtm) + 1 FROM ds.t", "DATETIME, INT64"),
    ("SELECT CASE WHEN b THEN dtm ELSE d END + 1 FROM ds.t", "DATETIME, INT64"),
    ("SELECT IF(b, n, NULL) = 'a' FROM ds.t", "INT64, STRING"),
    ("SELECT IF(b, NULL, n) = 'a' FROM ds.t", "INT64, STRING"),
    ("SELECT UPPER(CAST(k AS BYTES)) = 'a' FROM ds.t", "BYTES, STRING"),
    ("SELECT NULLIF(d, '2025-01-01') + 1.5 FROM ds.t", "DATE, FLOAT64"),
    ("SELECT k FROM ds.t WHERE IF(b, '2025-01-01', d) = ts", "DATE, TIMESTAMP"),
    ("SELECT SUM(n) OVER (PARTITION BY IF(b, n, f)) FROM ds.t", "Partitioning by expressions of type FLOAT64"),
]


@pytest.mark.parametrize(("sql", "types"), RESULT_TYPES, ids=[sql for sql, _ in RESULT_TYPES])
def test_the_calls_result_type_is_what_bigquery_gives(client: DuckDBClient, sql: str, types: str) -> None:
    with pytest.raises(gexc.BadRequest) as caught:
        client.query(sql).result()
    assert types in str(caught.value)


RESULT_TYPES_ACCEPTED = [
    ("SELECT COUNT(*) = 2, COUNTIF(b) = 1, LOGICAL_AND(b) = FALSE, UPPER(MAX(k)) = 'B' FROM ds.t",
     [(True, True, True, True)]),
    ("SELECT d + IF(b, 1, 2) FROM ds.t ORDER BY k", [(dt.date(2025, 1, 2),), (dt.date(2025, 1, 4),)]),
    ("SELECT IF(b, d, d) + 1 FROM ds.t ORDER BY k", [(dt.date(2025, 1, 2),), (dt.date(2025, 1, 3),)]),
    ("SELECT IF(b, n, 0) = 1.0 FROM ds.t ORDER BY k", [(True,), (False,)]),
    ("SELECT k FROM ds.t WHERE IF(b, '2025-01-01', d) = d", [("a",), ("b",)]),
    ("SELECT k FROM ds.t WHERE COALESCE(NULL, NULL) = 'a'", []),  # no known type: nothing decided
    ("SELECT k FROM ds.t WHERE UPPER(CONCAT(k, 'x')) = 'AX'", [("a",)]),  # CONCAT's type is not read
    # string literals only: the result is taken as a literal would be (lenient where the page is silent)
    ("SELECT k FROM ds.t WHERE IF(b, '2025-01-01', '2025-01-02') = d ORDER BY k", [("a",), ("b",)]),
    ("SELECT CASE SQRT(n) WHEN SQRT(1) THEN 'one' END FROM ds.t ORDER BY k", [("one",), (None,)]),  # FLOAT64 both
    ("SELECT k FROM ds.t WHERE IF(b, n, SQRT(f)) > 0 ORDER BY k", [("a",), ("b",)]),  # INT64, FLOAT64: FLOAT64
    ("SELECT SUM(n) OVER (PARTITION BY IF(b, n, 0)) FROM ds.t ORDER BY k", [(1,), (0,)]),
]


@pytest.mark.parametrize(("sql", "expected"), RESULT_TYPES_ACCEPTED, ids=[sql for sql, _ in RESULT_TYPES_ACCEPTED])
def test_a_result_type_bigquery_has_a_signature_for_runs(client: DuckDBClient, sql: str, expected: list) -> None:
    assert rows(client, sql) == expected


COERCED_LITERALS = [
    ("SELECT k FROM ds.t WHERE d = '2025/01/01'", "2025/01/01", "DATE"),
    ("SELECT k FROM ds.t WHERE '2025/01/01' < d", "2025/01/01", "DATE"),
    ("SELECT k FROM ds.t WHERE d IN ('2025-01-01', '2025-01-02 00:00:00')", "2025-01-02 00:00:00", "DATE"),
    ("SELECT k FROM ds.t WHERE d BETWEEN '2025-01-01' AND '20250131'", "20250131", "DATE"),
    ("SELECT k FROM ds.t WHERE d BETWEEN '2025/01/01' AND '2025-01-31'", "2025/01/01", "DATE"),
    ("SELECT k FROM ds.t WHERE dtm > '2025-01-01 10:00'", "2025-01-01 10:00", "DATETIME"),
    ("SELECT d FROM ds.t UNION ALL SELECT '2025/02/01'", "2025/02/01", "DATE"),
    ("SELECT IF(b, d, '2025-01-01T00:00:00') FROM ds.t", "2025-01-01T00:00:00", "DATE"),
    ("SELECT COALESCE(dtm, '2025/01/01 10:00:00') FROM ds.t", "2025/01/01 10:00:00", "DATETIME"),
    ("SELECT d FROM ds.t UNION ALL SELECT dtm FROM ds.t UNION ALL SELECT '2025/01/05'", "2025/01/05", "DATETIME"),
]


@pytest.mark.parametrize(("sql", "literal", "kind"), COERCED_LITERALS, ids=[sql for sql, _, _ in COERCED_LITERALS])
def test_a_string_literal_read_as_a_date_must_be_in_its_canonical_format(
        client: DuckDBClient, sql: str, literal: str, kind: str) -> None:
    with pytest.raises(gexc.BadRequest, match=f'Could not cast literal "{literal}" to type {kind}'):
        client.query(sql).result()


def test_canonical_date_literals_are_read_as_dates(client: DuckDBClient) -> None:
    assert rows(client, "SELECT k FROM ds.t WHERE d BETWEEN '2025-1-1' AND ' 2025-01-01 ' OR "
                        "dtm = '2025-01-02T10:00:00' OR dtm = '2025-1-2 10:0:0.000001' ORDER BY k") == [("a",), ("b",)]
    assert rows(client, "SELECT k FROM ds.t WHERE k = '2025/01/01'") == []  # a STRING column: no coercion


CASTS = [
    ("SELECT CAST('2025/01/15' AS DATE)", "Bad date value: 2025/01/15"),
    ("SELECT CAST('2025-01-15T10:00:00' AS DATE)", "Bad date value: 2025-01-15T10:00:00"),
    ("SELECT CAST('2025-01-15 10:00:00' AS DATE)", "Bad date value"),
    ("SELECT CAST(k AS DATE) FROM (SELECT '15/01/2025' AS k)", "Bad date value: 15/01/2025"),
    ("SELECT CAST('2025/01/15 10:00:00' AS DATETIME)", "Bad datetime value: 2025/01/15 10:00:00"),
    ("SELECT CAST('2025-01-15 10:00' AS DATETIME)", "Bad datetime value"),
    ("SELECT CAST('1e3' AS INT64)", "Bad int64 value: 1e3"),
    ("SELECT CAST('1.5' AS INT64)", "Bad int64 value: 1.5"),
    ("SELECT CAST('1_000' AS INT64)", "Bad int64 value: 1_000"),
    ("SELECT CAST(3 AS INT64), CAST('1.5' AS INT64)", "Bad int64 value: 1.5"),  # each cast, not the first only
]


@pytest.mark.parametrize(("sql", "message"), CASTS, ids=[sql for sql, _ in CASTS])
def test_a_string_cast_to_a_date_or_an_integer_must_be_in_bigquerys_format(
        client: DuckDBClient, sql: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(sql).result()


def test_casts_bigquery_takes_give_its_values_and_safe_cast_gives_null_for_the_rest(client: DuckDBClient) -> None:
    assert rows(client, "SELECT CAST('2025-1-5' AS DATE), CAST(' 2025-01-05 ' AS DATE), "
                        "CAST('2025-01-05T10:00:00' AS DATETIME), CAST('2025-1-5 1:2:3.123456' AS DATETIME), "
                        "CAST('2025-01-05' AS DATETIME), CAST(' 12 ' AS INT64), CAST('-0x1a' AS INT64), "
                        "CAST(2.5 AS INT64), CAST(TIMESTAMP '2025-01-05 23:00:00+00' AS DATE)") == [(
        dt.date(2025, 1, 5), dt.date(2025, 1, 5), dt.datetime(2025, 1, 5, 10), dt.datetime(2025, 1, 5, 1, 2, 3, 123456),
        dt.datetime(2025, 1, 5), 12, -26, 3, dt.date(2025, 1, 5))]
    assert rows(client, "SELECT SAFE_CAST('2025/01/05' AS DATE), SAFE_CAST('2025-01-05T10:00:00' AS DATE), "
                        "SAFE_CAST('2025-01-05 10:00' AS DATETIME), SAFE_CAST('1e3' AS INT64), "
                        "SAFE_CAST(NULL AS DATE)") == [(None, None, None, None, None)]



def test_each_column_of_a_set_operation_gets_its_own_type_and_other_literals_stay_text(client: DuckDBClient) -> None:
    result = client.query("SELECT k, n, d, ts FROM ds.t WHERE b AND k <> 'zz' UNION ALL "
                          "SELECT 'z', 2, '2025-02-01', '2025-02-01 10:00:00'").result()
    assert [f.field_type for f in result.schema] == ["STRING", "INTEGER", "DATE", "TIMESTAMP"]
    assert [tuple(row.values()) for row in result] == [
        ("a", 1, dt.date(2025, 1, 1), dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC)),
        ("z", 2, dt.date(2025, 2, 1), dt.datetime(2025, 2, 1, 10, tzinfo=dt.UTC))]


def test_a_date_parameter_types_a_set_operations_literal_and_a_string_one_beside_text_is_taken(
        client: DuckDBClient) -> None:
    result = client.query("SELECT @day AS d UNION ALL SELECT '2025-02-01'", job_config=bigquery.QueryJobConfig(
        query_parameters=[bigquery.ScalarQueryParameter("day", "DATE", dt.date(2025, 1, 1))])).result()
    assert [f.field_type for f in result.schema] == ["DATE"]
    assert [row[0] for row in result] == [dt.date(2025, 1, 1), dt.date(2025, 2, 1)]
    assert rows(client, "SELECT k FROM ds.t WHERE b UNION ALL SELECT @name", name=("STRING", "zed")) == [
        ("a",), ("zed",)]


# Date and time functions (and MOD / DIV) with an argument type their signatures do not take:
# DuckDB ran each (DATE_SUB of a TIMESTAMP, FORMAT_DATE of a TIMESTAMP or of text, ...).
SIGNATURES = [
    ("SELECT DATE_SUB(ts, INTERVAL 1 DAY) FROM ds.t", "No matching signature for function DATE_SUB for argument "
                                                     "types: TIMESTAMP. Supported signature: DATE_SUB(DATE, INTERVAL)"),
    ("SELECT DATE_ADD(dtm, INTERVAL 1 DAY) FROM ds.t", "function DATE_ADD for argument types: DATETIME"),
    ("SELECT DATE_DIFF(ts, d, DAY) FROM ds.t", "function DATE_DIFF for argument types: TIMESTAMP, DATE"),
    ("SELECT DATE_DIFF(k, d, DAY) FROM ds.t", "function DATE_DIFF for argument types: STRING, DATE"),
    ("SELECT TIMESTAMP_DIFF(d, ts, HOUR) FROM ds.t", "function TIMESTAMP_DIFF for argument types: DATE, TIMESTAMP"),
    ("SELECT DATETIME_DIFF(ts, dtm, HOUR) FROM ds.t", "function DATETIME_DIFF for argument types: TIMESTAMP, DATETIME"),
    ("SELECT DATE_TRUNC(n, MONTH) FROM ds.t", "function DATE_TRUNC for argument types: INT64"),
    ("SELECT TIMESTAMP_TRUNC(k, DAY) FROM ds.t", "function TIMESTAMP_TRUNC for argument types: STRING"),
    ("SELECT LAST_DAY(ts) FROM ds.t", "function LAST_DAY for argument types: TIMESTAMP"),
    ("SELECT FORMAT_DATE('%Y', ts) FROM ds.t", "function FORMAT_DATE for argument types: TIMESTAMP. Supported "
                                               "signature: FORMAT_DATE(STRING, DATE)"),
    ("SELECT FORMAT_DATE('%Y', k) FROM ds.t", "function FORMAT_DATE for argument types: STRING"),
    ("SELECT FORMAT_DATETIME('%Y', ts) FROM ds.t", "function FORMAT_DATETIME for argument types: TIMESTAMP"),
    ("SELECT FORMAT_TIMESTAMP('%Y', d) FROM ds.t", "function FORMAT_TIMESTAMP for argument types: DATE"),
    ("SELECT PARSE_DATE('%Y-%m-%d', d) FROM ds.t", "function PARSE_DATE for argument types: DATE"),
    ("SELECT PARSE_TIMESTAMP('%Y', n) FROM ds.t", "function PARSE_TIMESTAMP for argument types: INT64"),
    ("SELECT PARSE_DATETIME('%Y', ts) FROM ds.t", "function PARSE_DATETIME for argument types: TIMESTAMP"),
    ("SELECT TIMESTAMP_ADD(d, INTERVAL 1 HOUR) FROM ds.t", "function TIMESTAMP_ADD for argument types: DATE"),
    ("SELECT TIMESTAMP_SUB(dtm, INTERVAL 1 HOUR) FROM ds.t", "function TIMESTAMP_SUB for argument types: DATETIME"),
    ("SELECT DATETIME_ADD(ts, INTERVAL 1 HOUR) FROM ds.t", "function DATETIME_ADD for argument types: TIMESTAMP"),
    ("SELECT DATETIME_SUB(k, INTERVAL 1 HOUR) FROM ds.t", "function DATETIME_SUB for argument types: STRING"),
    ("SELECT TIMESTAMP_SECONDS(f) FROM ds.t", "function TIMESTAMP_SECONDS for argument types: FLOAT64. Supported "
                                              "signature: TIMESTAMP_SECONDS(INT64)"),
    ("SELECT TIMESTAMP_MILLIS(CAST(n AS NUMERIC)) FROM ds.t", "function TIMESTAMP_MILLIS for argument types: NUMERIC"),
    ("SELECT TIMESTAMP_MICROS(k) FROM ds.t", "function TIMESTAMP_MICROS for argument types: STRING"),
    ("SELECT UNIX_DATE(ts) FROM ds.t", "function UNIX_DATE for argument types: TIMESTAMP"),
    ("SELECT UNIX_SECONDS(d) FROM ds.t", "function UNIX_SECONDS for argument types: DATE"),
    ("SELECT UNIX_MILLIS(dtm) FROM ds.t", "function UNIX_MILLIS for argument types: DATETIME"),
    ("SELECT UNIX_MICROS(n) FROM ds.t", "function UNIX_MICROS for argument types: INT64"),
    ("SELECT MOD(f, 2) FROM ds.t", "function MOD for argument types: FLOAT64, INT64. Supported signature: "
                                   "MOD(INT64, INT64)"),
    ("SELECT DIV(n, f) FROM ds.t", "function DIV for argument types: INT64, FLOAT64"),
    ("SELECT GENERATE_DATE_ARRAY(d, ts) FROM ds.t", "function GENERATE_DATE_ARRAY for argument types: DATE, "
                                                    "TIMESTAMP"),
    # a string literal coerces to a date or time type only, never to a number
    ("SELECT TIMESTAMP_SECONDS('1')", "function TIMESTAMP_SECONDS for argument types: STRING"),
    ("SELECT MOD('7', 2)", "function MOD for argument types: STRING, INT64"),
    # an argument whose type is not read is ANY in the message (SQRT's is read since stop 32, POW's
    # since stop 36: POW(INT64, INT64) is a FLOAT64)
    ("SELECT MOD(f, RANGE_BUCKET(n, [1, 2])) FROM ds.t",
     "function MOD for argument types: FLOAT64, ANY. Supported signature"),
    ("SELECT MOD(f, POW(n, 2)) FROM ds.t", "function MOD for argument types: FLOAT64, FLOAT64. Supported signature"),
    ("SELECT MOD(f, SQRT(n)) FROM ds.t", "function MOD for argument types: FLOAT64, FLOAT64. Supported signature"),
]


@pytest.mark.parametrize(("sql", "message"), SIGNATURES, ids=[sql for sql, _ in SIGNATURES])
def test_a_date_time_or_integer_function_is_called_with_the_types_of_its_signature(
        client: DuckDBClient, sql: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest) as caught:
        client.query(sql).result()
    assert message in str(caught.value)


def test_the_types_those_signatures_take_run_with_their_values(client: DuckDBClient) -> None:
    assert rows(client, """
        SELECT DATE_SUB(d, INTERVAL 1 DAY), DATE_ADD('2025-01-31', INTERVAL 1 MONTH), DATE_DIFF(d, '2024-12-25', DAY),
               TIMESTAMP_DIFF(ts, TIMESTAMP '2025-01-01 00:00:00+00', HOUR), DATE_TRUNC(ts, MONTH) IS NOT NULL,
               DATE_TRUNC(d, MONTH), TIMESTAMP_TRUNC(dtm, DAY), TIMESTAMP_TRUNC(d, DAY), LAST_DAY(dtm),
               FORMAT_DATE('%Y', d), FORMAT_DATE('%m', '2025-03-04'), FORMAT_DATETIME('%H', dtm),
               FORMAT_DATETIME('%Y', d), FORMAT_TIMESTAMP('%H', ts), PARSE_DATE('%Y%m%d', '20250115'),
               TIMESTAMP_ADD(ts, INTERVAL 1 HOUR) > ts, DATETIME_ADD(d, INTERVAL 1 HOUR), TIMESTAMP_SECONDS(n),
               UNIX_DATE(d), UNIX_SECONDS(ts), MOD(n, 2), MOD(CAST(7 AS NUMERIC), 2), DIV(7, n),
               ARRAY_LENGTH(GENERATE_DATE_ARRAY(d, '2025-01-03'))
        FROM ds.t WHERE b""") == [(
        dt.date(2024, 12, 31), dt.date(2025, 2, 28), 7, 10, True, dt.date(2025, 1, 1), dt.datetime(2025, 1, 1),
        dt.datetime(2025, 1, 1), dt.date(2025, 1, 31), "2025", "03", "10", "2025", "10", dt.date(2025, 1, 15),
        True, dt.datetime(2025, 1, 1, 1), dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC), 20089, 1735725600, 1, 1,
        7, 3)]


CAST_FORMATS = [
    # sqlglot parses these as PARSE_TIMESTAMP: a TIME or DATETIME came back as a TIMESTAMP
    ("SELECT CAST('15:30' AS TIME FORMAT 'HH24:MI')", "CAST(... AS TIME FORMAT ...) is not emulated", "PARSE_TIME"),
    ("SELECT SAFE_CAST('2025-01-05 10:00' AS DATETIME FORMAT 'YYYY-MM-DD HH24:MI')",
     "CAST(... AS DATETIME FORMAT ...) is not emulated", "PARSE_DATETIME"),
    # a format element sqlglot does not map was read as literal text ('03:30 P.M.' was 03:30)
    ("SELECT CAST('03:30 P.M.' AS TIMESTAMP FORMAT 'HH:MI P.M.')", "format element(s) 'P.M.' would be read as "
                                                                  "literal text", "PARSE_TIMESTAMP"),
    ("SELECT CAST('01:05:07.16' AS TIMESTAMP FORMAT 'HH24:MI:SS.FF2')", "format element(s) 'FF'", "PARSE_TIMESTAMP"),
    ("SELECT CAST('03:30 p.m.' AS TIMESTAMP FORMAT 'HH:MI p.m.')", "format element(s) 'p.m.'", "PARSE_TIMESTAMP"),
    ("SELECT CAST('2025-01-05 AM' AS DATE FORMAT 'YYYY-MM-DD A.M.')", "CAST(... AS DATE FORMAT ...) is not emulated",
     "PARSE_DATE"),
    # a PARSE_TIMESTAMP (not a CAST) first: the CAST after it is still read
    ("SELECT PARSE_TIMESTAMP('%H', '03'), CAST('15:30' AS TIME FORMAT 'HH24:MI')", "AS TIME FORMAT", "PARSE_TIME"),
]


@pytest.mark.parametrize(("sql", "message", "instead"), CAST_FORMATS, ids=[sql for sql, _, _ in CAST_FORMATS])
def test_a_cast_format_the_warehouse_would_misread_is_refused_naming_the_parse_function(
        client: DuckDBClient, sql: str, message: str, instead: str) -> None:
    with pytest.raises(gexc.BadRequest) as caught:
        client.query(sql).result()
    assert message in str(caught.value) and f"use {instead}(" in str(caught.value)


def test_a_cast_format_it_reads_as_bigquery_does_runs_and_parse_functions_are_left_alone(client: DuckDBClient) -> None:
    assert rows(client, "SELECT CAST('18-12-03' AS DATE FORMAT 'YY-MM-DD'), "
                        "CAST('DEC 03, 2018' AS DATE FORMAT 'MON DD, YYYY'), CAST('2025' AS TIMESTAMP FORMAT 'YYYY'), "
                        "PARSE_TIME('%H:%M', '15:30'), PARSE_DATETIME('%Y-%m-%d %H:%M', '2025-01-05 10:00'), "
                        "PARSE_TIMESTAMP('%I:%M %p', '03:30 PM')") == [(
        dt.date(2018, 12, 3), dt.date(2018, 12, 3), dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.time(15, 30),
        dt.datetime(2025, 1, 5, 10), dt.datetime(1970, 1, 1, 15, 30, tzinfo=dt.UTC))]


def test_corr_of_fewer_than_two_pairs_is_null_and_typeof_is_refused_by_name(client: DuckDBClient) -> None:
    """statistical aggregate functions, "CORR": "If there are fewer than two input pairs without
    NULL values, this function returns NULL" (DuckDB: NaN for one pair); a zero variance stays
    NaN. TYPEOF would give DuckDB's type names (VARCHAR for STRING)."""
    result = rows(client, """
        SELECT (SELECT CORR(y, x) FROM UNNEST([STRUCT(1.0 AS y, 2.0 AS x)])),
               (SELECT CORR(y, x) FROM UNNEST([STRUCT(1.0 AS y, 5.0 AS x), (3.0, NULL)])),
               (SELECT CORR(y, x) FROM UNNEST([STRUCT(1.0 AS y, 5.0 AS x), (3.0, 9.0), (4.0, 7.0)]))""")
    assert result[0][0] is None and result[0][1] is None and result[0][2] == pytest.approx(0.6546536707079772)
    assert math.isnan(rows(client, "SELECT CORR(y, x) FROM UNNEST([STRUCT(1.0 AS y, 2.0 AS x), (1.0, 3.0)])")[0][0])
    assert rows(client, "SELECT k, CORR(y, x) OVER (PARTITION BY k) FROM UNNEST([STRUCT('a' AS k, 1.0 AS y, 5.0 AS x), "
                        "('a', 3.0, 9.0), ('b', 4.0, 7.0)]) ORDER BY k") == [("a", 1.0), ("a", 1.0), ("b", None)]
    with pytest.raises(gexc.BadRequest, match="Function not supported by the embedded warehouse: TYPEOF"):
        client.query("SELECT TYPEOF(k) FROM ds.t").result()


def test_format_timestamp_and_date_trunc_keep_their_time_zone(client: DuckDBClient) -> None:
    """timestamp functions, "FORMAT_TIMESTAMP" (time_zone), date functions, "DATE_TRUNC(timestamp_value,
    timestamp_granularity[, time_zone])": sqlglot's DuckDB text dropped the zone, so the game's
    Eastern date came out as the UTC one (02:00 UTC on the 6th is 21:00 on the 5th in New York)."""
    assert rows(client, """
        SELECT FORMAT_TIMESTAMP('%Y-%m-%d %H:%M', TIMESTAMP '2025-01-06 02:00:00+00', 'America/New_York'),
               FORMAT_TIMESTAMP('%Y-%m-%d %H:%M', TIMESTAMP '2025-01-05 23:00:00+00', 'Asia/Tokyo'),
               FORMAT_TIMESTAMP('%H', TIMESTAMP '2025-01-06 02:00:00+00'),
               FORMAT_TIMESTAMP('%H', '2025-01-06 02:00:00+00', 'America/New_York'),
               FORMAT_TIMESTAMP('%H', CAST(NULL AS TIMESTAMP), 'America/New_York'),
               DATE_TRUNC(TIMESTAMP '2025-01-06 02:00:00+00', DAY, 'America/New_York'),
               DATE_TRUNC(TIMESTAMP '2025-01-06 02:00:00+00', WEEK(MONDAY), 'America/New_York'),
               DATE_TRUNC(TIMESTAMP '2025-01-06 02:00:00+00', DAY),
               DATE_TRUNC(DATE '2025-01-06', MONTH)""") == [(
        "2025-01-05 21:00", "2025-01-06 08:00", "02", "21", None,
        dt.datetime(2025, 1, 5, 5, tzinfo=dt.UTC), dt.datetime(2024, 12, 30, 5, tzinfo=dt.UTC),
        dt.datetime(2025, 1, 6, tzinfo=dt.UTC), dt.date(2025, 1, 1))]


def test_format_elements_are_written_as_bigquery_writes_them(client: DuckDBClient) -> None:
    """format elements, "%e": "The day of month as a decimal number (1-31); single digits are
    preceded by a space" (also inside %c); DuckDB wrote '5'. %c is a DATETIME / TIMESTAMP element:
    FORMAT_DATE writes it as it is (BigQuery's SanitizeDateFormat). %Z, %z, %n and %g, which mean
    other things to DuckDB (nothing, '+00', nanoseconds, milliseconds), were refused by name until
    stop 33 and are written as BigQuery writes them since (tests/unit/bigquery/test_format_elements.py)."""
    assert rows(client, """
        SELECT FORMAT_DATE('[%e]', DATE '2025-01-05'), FORMAT_DATE('%e|%e', DATE '2025-01-25'),
               FORMAT_DATE('%A %e %B', DATE '2025-01-10'), FORMAT_DATE('%c', DATE '2025-01-05'),
               FORMAT_DATETIME('%c', DATETIME '2008-12-25 15:30:00'), FORMAT_DATE('%d', DATE '2025-01-05'),
               FORMAT_TIMESTAMP('%c', TIMESTAMP '2025-01-05 23:00:00+00', 'Asia/Tokyo'),
               FORMAT_DATE('%e', CAST(NULL AS DATE))""") == [(
        "[ 5]", "25|25", "Friday 10 January", "%c", "Thu Dec 25 15:30:00 2008", "05",
        "Mon Jan  6 08:00:00 2025", None)]
    assert rows(client, "SELECT FORMAT_TIMESTAMP('%Z|%z|%n|%g', TIMESTAMP '2025-01-05 03:04:05+00')") \
        == [("UTC|+0000|\n|25",)]


def test_current_time_is_a_time_in_its_zone(client: DuckDBClient) -> None:
    """time functions, "CURRENT_TIME([time_zone])": DuckDB's took no zone (Kiritimati, UTC+14, and
    Pago Pago, UTC-11, gave the same time) and came back as text."""
    result = client.query("SELECT CURRENT_TIME('Pacific/Kiritimati') AS k, CURRENT_TIME('Pacific/Pago_Pago') AS p, "
                          "CURRENT_TIME() AS u, CURRENT_TIME('UTC') AS utc").result()
    assert [f.field_type for f in result.schema] == ["TIME"] * 4
    k, p, u, utc = list(result)[0].values()
    assert (dt.datetime.combine(dt.date.today(), k) - dt.datetime.combine(dt.date.today(), p)) % dt.timedelta(days=1) \
        == dt.timedelta(hours=1) and u == utc


def test_corr_keeps_its_alias_and_formats_are_read_element_by_element(client: DuckDBClient) -> None:
    result = client.query("SELECT CORR(y, x) AS c FROM UNNEST([STRUCT(1.0 AS y, 5.0 AS x), (3.0, 9.0), (4.0, 7.0)])"
                          ).result()
    assert [f.name for f in result.schema] == ["c"] and list(result)[0][0] == pytest.approx(0.6546536707079772)
    # a format that is not a literal first (a parameter), then one with %e: each call is read
    assert rows(client, "SELECT FORMAT_DATE(@f, DATE '2025-01-05'), FORMAT_DATE('%e', DATE '2025-01-05')",
                f=("STRING", "%d")) == [("05", " 5")]
    # '%%Z' is the text %Z, not the element
    assert rows(client, "SELECT FORMAT_DATE('%%Z %Y', DATE '2025-01-05')") == [("%Z 2025",)]
    # GENERATE_TIMESTAMP_ARRAY of string literals: the literals are TIMESTAMPs (aware), both bounds
    assert rows(client, "SELECT GENERATE_TIMESTAMP_ARRAY('2025-01-01 00:00:00', '2025-01-01 02:00:00', "
                        "INTERVAL 1 HOUR)") == [([dt.datetime(2025, 1, 1, h, tzinfo=dt.UTC) for h in range(3)],)]
