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
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.t (k STRING, n INT64, d DATE, f FLOAT64, b BOOL, ts TIMESTAMP, dtm DATETIME, "
            "tm TIME, j JSON)").result()
    c.query("INSERT INTO ds.t VALUES ('a', 1, DATE '2025-01-01', 1.5, TRUE, TIMESTAMP '2025-01-01 10:00:00+00', "
            "DATETIME '2025-01-01 10:00:00', TIME '10:00:00', JSON '{\"a\": 1}'), "
            "('b', 0, DATE '2025-01-02', 2.5, FALSE, TIMESTAMP '2025-01-02 10:00:00+00', "
            "DATETIME '2025-01-02 10:00:00', TIME '11:00:00', NULL)").result()
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
    ("SELECT b OR k FROM ds.t", "No matching signature for operator OR for argument types: BOOL, STRING"),
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
     "No matching signature for operator CASE for argument types: STRING, INT64"),
    ("SELECT CASE n WHEN 'a' THEN 1 END FROM ds.t",
     "the CASE value and its WHEN values have no common supertype: INT64, STRING"),
    ("SELECT COALESCE(k, 1.5) FROM ds.t", "function COALESCE for argument types: STRING, FLOAT64"),
    ("SELECT IFNULL(d, n) FROM ds.t", "function IFNULL for argument types: DATE, INT64"),
    ("SELECT NULLIF(k, 0) FROM ds.t", "function NULLIF for argument types: STRING, INT64"),
    ("SELECT GREATEST(d, k) FROM ds.t", "function GREATEST for argument types: DATE, STRING"),
    ("SELECT LEAST(n, b) FROM ds.t", "function LEAST for argument types: INT64, BOOL"),
    ("SELECT COALESCE(b, 0, NULL) FROM ds.t", "function COALESCE for argument types: BOOL, INT64, NULL"),
    ("SELECT [1, 'a']", "Array elements of types {INT64, STRING} do not have a common supertype"),
    ("SELECT ['1', 2]", "Array elements of types {INT64, STRING} do not have a common supertype"),
    ("SELECT [d, ts] FROM ds.t", "Array elements of types {DATE, TIMESTAMP} do not have a common supertype"),
    # a result type the functions above now carry into comparisons
    ("SELECT COALESCE(n, 0) = 'a' FROM ds.t", "No matching signature for operator = for argument types: "
                                              "INT64, STRING"),
    ("SELECT k FROM ds.t WHERE IF(b, n, 0) = d", "for argument types: INT64, DATE"),
    ("SELECT k FROM ds.t WHERE LENGTH(k) = 'x'", "for argument types: INT64, STRING"),
    # argument types of LENGTH / STRING_AGG
    ("SELECT LENGTH(d) FROM ds.t", "No matching signature for function LENGTH for argument types: DATE. "
                                   "Supported signatures: LENGTH(STRING); LENGTH(BYTES)"),
    ("SELECT CHAR_LENGTH(n) FROM ds.t", "function LENGTH for argument types: INT64"),
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


def test_a_view_and_an_insert_read_the_literal_as_the_columns_type(client: DuckDBClient) -> None:
    client.query("CREATE TABLE ds.days (d DATE)").result()
    client.query("INSERT INTO ds.days SELECT d FROM ds.t WHERE b UNION ALL SELECT '2025-06-30'").result()
    client.query("CREATE VIEW ds.more_days AS SELECT d FROM ds.days UNION ALL SELECT '2025-07-01'").result()
    assert rows(client, "SELECT d FROM ds.more_days ORDER BY d") == [
        (dt.date(2025, 1, 1),), (dt.date(2025, 6, 30),), (dt.date(2025, 7, 1),)]
    assert [f.field_type for f in client.get_table("ds.more_days").schema] == ["DATE"]
