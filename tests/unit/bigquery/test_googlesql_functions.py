"""Only GoogleSQL's functions run on the embedded warehouse (docs/bigquery-rules.md).

DuckDB has hundreds of functions BigQuery does not. Before the allow list, a processor's
query calling one (``date_part``, ``arg_max``, ``generate_series``) passed every local test
and failed on BigQuery with "Function not found". Each refused case below is first shown to
run on the DuckDB connection underneath, so the refusal is the rule's, not DuckDB's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlglot
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.dialect import CoverageBigQuery
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.googlesql_functions import (
    GOOGLESQL_FUNCTIONS,
    GOOGLESQL_TABLE_FUNCTIONS,
)
from shared_services.bigquery.rules import check_functions


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.create_dataset("ds")
    c.create_table(bigquery.Table(f"{c.project}.ds.plain", schema=[
        bigquery.SchemaField("game_id", "STRING"), bigquery.SchemaField("game_date", "DATE"),
        bigquery.SchemaField("pts", "INT64")]))
    c.query("INSERT INTO ds.plain (game_id, game_date, pts) VALUES ('a', DATE '2025-01-15', 3), "
            "('b', DATE '2025-01-16', 5)").result()
    c.query("CREATE TABLE FUNCTION ds.since(d DATE) AS (SELECT game_id FROM ds.plain WHERE game_date >= d)").result()
    yield c
    c.close()


def _rows(client: DuckDBClient, sql: str) -> list[tuple[object, ...]]:
    return [tuple(row.values()) for row in client.query(sql).result()]


# (statement as a processor might write it, the name BigQuery reports, the same on DuckDB)
_DUCKDB_ONLY = [
    ("SELECT date_part('year', game_date) AS y FROM ds.plain", "date_part",
     "SELECT date_part('year', game_date) FROM ds.plain"),
    ("SELECT list_has([1, 2], 1) AS x", "list_has", "SELECT list_has([1, 2], 1)"),
    ("SELECT arg_max(game_id, pts) AS best FROM ds.plain", "arg_max", "SELECT arg_max(game_id, pts) FROM ds.plain"),
    ("SELECT SAFE.arg_max(game_id, pts) AS best FROM ds.plain", "arg_max", "SELECT arg_max(game_id, pts) FROM ds.plain"),
    ("SELECT median(pts) AS m FROM ds.plain", "median", "SELECT median(pts) FROM ds.plain"),
    ("SELECT len(game_id) AS n FROM ds.plain", "len", "SELECT len(game_id) FROM ds.plain"),
    ("SELECT nvl(game_id, 'x') AS g FROM ds.plain", "nvl", "SELECT coalesce(game_id, 'x') FROM ds.plain"),
    ("SELECT try_cast(game_id AS INT64) AS n FROM ds.plain", "try_cast", "SELECT try_cast(game_id AS BIGINT) FROM ds.plain"),
    ("SELECT current_setting('TimeZone') AS tz", "current_setting", "SELECT current_setting('TimeZone')"),
    ("SELECT char(65) AS c", "char", "SELECT chr(65)"),
    ("SELECT * FROM generate_series(1, 3)", "generate_series", "SELECT * FROM generate_series(1, 3)"),
    ("SELECT * FROM range(3)", "range", "SELECT * FROM range(3)"),
    ("SELECT game_id FROM ds.plain WHERE datediff('day', game_date, DATE '2025-02-01') > 16", "datediff",
     "SELECT game_id FROM ds.plain WHERE datediff('day', game_date, DATE '2025-02-01') > 16"),
]


@pytest.mark.parametrize(("sql", "name", "duckdb_sql"), _DUCKDB_ONLY, ids=[c[1] + str(i) for i, c in enumerate(_DUCKDB_ONLY)])
def test_a_function_googlesql_does_not_have_is_function_not_found(client: DuckDBClient, sql: str, name: str,
                                                                   duckdb_sql: str) -> None:
    client._conn.raw.execute(duckdb_sql).fetchall()  # DuckDB itself runs it: the refusal is the rule's
    with pytest.raises(gexc.BadRequest, match=rf"^400 Function not found: {name} \(not a GoogleSQL built-in"):
        client.query(sql)
    with pytest.raises(gexc.BadRequest, match=rf"Function not found: {name} "):  # a dry run says the same
        client.query(sql, job_config=bigquery.QueryJobConfig(dry_run=True))


def test_a_refused_function_in_dml_writes_nothing(client: DuckDBClient) -> None:
    before = _rows(client, "SELECT game_id, pts FROM ds.plain ORDER BY game_id")
    with pytest.raises(gexc.BadRequest, match="Function not found: date_part"):
        client.query("UPDATE ds.plain SET pts = date_part('year', game_date) WHERE TRUE")
    assert _rows(client, "SELECT game_id, pts FROM ds.plain ORDER BY game_id") == before


def test_googlesql_calls_in_every_form_still_run(client: DuckDBClient) -> None:
    rows = _rows(client, """
        SELECT MAX_BY(game_id, pts) AS best, SAFE_DIVIDE(MAX(pts), 0) AS d,
               IFNULL(NULL, 1) AS i, COUNTIF(pts > 3) AS c, STRING_AGG(game_id, ',' ORDER BY game_id) AS ids,
               DATE_DIFF(DATE '2025-02-01', MIN(game_date), DAY) AS days,
               CASE (MAX(pts)) WHEN 5 THEN 'five' END AS k,
               LOGICAL_OR(game_id LIKE ANY ('a%', 'z%')) AS any_a
        FROM ds.plain""")
    assert rows == [("b", None, 1, 1, "a,b", 17, "five", True)]
    assert _rows(client, "SELECT x FROM UNNEST([3, 1]) AS x ORDER BY x") == [(1,), (3,)]
    assert _rows(client, "SELECT game_id FROM ds.since(DATE '2025-01-16')") == [("b",)]
    assert _rows(client, "SELECT game_id FROM `ds.since`(DATE '2025-01-16')") == [("b",)]
    assert _rows(client, "CREATE TEMP FUNCTION plus_one(x INT64) AS (x + 1); SELECT plus_one(pts) AS p "
                         "FROM ds.plain ORDER BY p") == [(4,), (6,)]


@pytest.mark.parametrize("sql", [
    "SELECT ds.udf(1), `proj.ds.udf`(2), NET.HOST('https://x.org'), KEYS.NEW_KEYSET('AEAD_AES_GCM_256')",
    "SELECT SAFE.PARSE_DATE('%Y-%m-%d', '2025-01-15'), SAFE.MAX_BY(a, b) FROM ds.t",
    "SELECT DATE_TRUNC(d, WEEK(MONDAY)), DATE_DIFF(a, b, WEEK(SUNDAY)), EXTRACT(WEEK(MONDAY) FROM d), "
    "LAST_DAY(d, WEEK(FRIDAY)) FROM ds.t",                     # WEEK(<weekday>) is a date part
    "SELECT ML.PREDICT(MODEL ds.m, (SELECT 1))",
    "INSERT INTO ds.position (decode) VALUES (1)",           # names sqlglot knows as functions, as names
    "CREATE TABLE ds.overlay (x INT64)",
    "CREATE TEMP FUNCTION median(x INT64) AS (x); SELECT median(1)",   # the script's own function
    "CREATE TEMP FUNCTION char(x INT64) AS (x); SELECT char(1)",       # ... named like a DuckDB one
    "CREATE TEMP TABLE position (x INT64)",                            # a table named like a function
    "INSERT INTO position (x) VALUES (1)",
    "CREATE TABLE IF NOT EXISTS decode (x INT64)",
    "SELECT x.convert(1) FROM ds.t",                                   # a method-like qualified call
])
def test_qualified_user_and_namespaced_calls_and_look_alike_names_are_not_checked_by_name(sql: str) -> None:
    check_functions(sql, sqlglot.parse(sql, read=CoverageBigQuery))


def test_the_lists_hold_upper_case_names_and_none_of_duckdbs_usual_suspects() -> None:
    names = GOOGLESQL_FUNCTIONS | GOOGLESQL_TABLE_FUNCTIONS
    assert all(n == n.upper() and n.replace("_", "").isalnum() for n in names)
    assert len(GOOGLESQL_FUNCTIONS) > 300
    suspects = {"DATE_PART", "LIST_HAS", "GENERATE_SERIES", "ARG_MAX", "LEN", "NVL", "MEDIAN", "STRFTIME",
                "EPOCH_MS", "LIST_VALUE", "TRY_CAST", "NOW", "TODAY", "DATEDIFF", "CURRENT_SETTING",
                # other GoogleSQL products' (Spanner, Bigtable, ZetaSQL), not BigQuery's
                "ARRAY_FILTER", "ARRAY_INCLUDES", "BOOL_ARRAY", "JSON_CONTAINS", "ZEROIFNULL", "DOT_PRODUCT"}
    assert not names & suspects


#: Valid GoogleSQL, in the forms processors write (typed literals, subscripts, date parts,
#: window clauses, namespaced calls, scripting): none is a call of an unknown function.
_GOOGLESQL_FORMS = [
 "SELECT DATE '2025-01-15', DATETIME '2025-01-15 10:00:00', TIME '10:00:00', TIMESTAMP '2025-01-15 10:00:00+00', NUMERIC '1.5', BIGNUMERIC '2', JSON '{\"a\": 1}'",
 "SELECT INTERVAL 1 DAY, INTERVAL '1-2' YEAR TO MONTH, ARRAY<INT64>[1, 2], STRUCT<a INT64, b STRING>(1, 'x'), [1, 2][OFFSET(0)], [1][ORDINAL(1)], [1][SAFE_OFFSET(3)], [1][SAFE_ORDINAL(3)]",
 "SELECT EXTRACT(HOUR FROM ts AT TIME ZONE 'America/New_York'), CAST(d AS STRING FORMAT 'YYYY'), a IS DISTINCT FROM b FROM ds.t",
 "SELECT x, o FROM UNNEST([1, 2]) AS x WITH OFFSET AS o",
 "SELECT game_id FROM ds.t QUALIFY ROW_NUMBER() OVER (PARTITION BY game_id ORDER BY ts DESC) = 1",
 "SELECT * FROM ds.t PIVOT (SUM(pts) FOR team IN ('LAL', 'BOS'))",
 "SELECT * FROM ds.t UNPIVOT (pts FOR team IN (home, away))",
 "SELECT * FROM ds.t TABLESAMPLE SYSTEM (10 PERCENT)",
 "SELECT * FROM ds.t FOR SYSTEM_TIME AS OF TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR)",
 "SELECT CURRENT_DATE(), CURRENT_DATE, CURRENT_TIMESTAMP(), CURRENT_DATETIME(), CURRENT_TIME(), SESSION_USER(), GENERATE_UUID()",
 "SELECT APPROX_QUANTILES(x, 4)[OFFSET(1)], ANY_VALUE(x HAVING MAX y), ARRAY_AGG(x IGNORE NULLS ORDER BY y LIMIT 1)[SAFE_OFFSET(0)], STRING_AGG(DISTINCT s, ',') FROM ds.t",
 "SELECT IF(a, b, c), CASE WHEN a THEN 1 ELSE 2 END, EXISTS(SELECT 1), x IN UNNEST(@arr), s LIKE ANY ('a%', 'b%'), FORMAT('%d', 1) FROM ds.t",
 "SELECT DATE_ADD(d, INTERVAL 1 DAY), TIMESTAMP_SUB(ts, INTERVAL 2 HOUR), DATETIME(ts, 'UTC'), TIMESTAMP(d), DATE(ts, 'America/New_York'), PARSE_DATE('%Y%m%d', s), FORMAT_DATE('%Y', d) FROM ds.t",
 "SELECT LAX_INT64(JSON '1'), JSON_VALUE(j, '$.a'), TO_JSON_STRING(STRUCT(1 AS a)), ST_GEOGPOINT(1, 2), INT64(JSON '1'), STRING(JSON '\"a\"'), BOOL(JSON 'true'), FLOAT64(JSON '1.5') FROM ds.t",
 "SELECT ROW_NUMBER() OVER w, LAG(x) OVER w, FIRST_VALUE(x IGNORE NULLS) OVER w FROM ds.t WINDOW w AS (ORDER BY x)",
 "SELECT DATE_TRUNC(d, ISOWEEK), DATE_TRUNC(d, MONTH), TIMESTAMP_TRUNC(ts, HOUR, 'UTC'), DATETIME_TRUNC(dt, DAY), LAST_DAY(d), DATE_DIFF(a, b, ISOYEAR) FROM ds.t",
 "SELECT ARRAY(SELECT x FROM UNNEST([1]) AS x), ARRAY_LENGTH(a), ARRAY_TO_STRING(a, ','), GENERATE_ARRAY(1, 3), GENERATE_DATE_ARRAY('2025-01-01', '2025-01-03'), ARRAY_CONCAT([1], [2]) FROM ds.t",
 "SELECT COUNT(*), COUNT(DISTINCT x), COUNTIF(x > 1), SUM(x), AVG(x), MIN(x), MAX(x), LOGICAL_AND(b), BIT_OR(i), STDDEV(x), CORR(x, y), APPROX_COUNT_DISTINCT(x), APPROX_TOP_COUNT(x, 2) FROM ds.t",
 "SELECT REGEXP_CONTAINS(s, r'x'), REGEXP_EXTRACT(s, r'\\d+'), REGEXP_REPLACE(s, 'a', 'b'), SPLIT(s, ','), STARTS_WITH(s, 'a'), ENDS_WITH(s, 'a'), LPAD(s, 3, '0'), TRIM(s), UPPER(s), LOWER(s), INITCAP(s), REPLACE(s, 'a', 'b'), SUBSTR(s, 1, 2), STRPOS(s, 'a'), INSTR(s, 'a'), LENGTH(s), CONCAT(s, 'x'), LEFT(s, 1), RIGHT(s, 1), REVERSE(s), REPEAT(s, 2), TO_HEX(b), FROM_BASE64(s), CODE_POINTS_TO_STRING([65]), NORMALIZE(s), TRANSLATE(s, 'a', 'b'), ASCII(s), CHR(65), SOUNDEX(s), EDIT_DISTANCE(s, 'x') FROM ds.t",
 "SELECT SAFE_CAST(s AS INT64), CAST(x AS NUMERIC), SAFE_DIVIDE(a, b), IEEE_DIVIDE(a, b), DIV(a, b), MOD(a, b), ROUND(x, 2), TRUNC(x), CEIL(x), FLOOR(x), ABS(x), SIGN(x), SQRT(x), POW(x, 2), LN(x), LOG(x, 10), LOG10(x), EXP(x), GREATEST(a, b), LEAST(a, b), IS_NAN(x), IS_INF(x), RAND(), RANGE_BUCKET(x, [0, 10]) FROM ds.t",
 "SELECT COALESCE(a, b), IFNULL(a, b), NULLIF(a, b), TYPEOF(a) FROM ds.t",
 "SELECT FARM_FINGERPRINT(s), MD5(s), SHA256(s), TO_BASE64(SHA256(s)) FROM ds.t",
 "MERGE ds.t T USING ds.s S ON T.k = S.k WHEN MATCHED AND S.v > T.v THEN UPDATE SET v = S.v WHEN NOT MATCHED BY TARGET THEN INSERT ROW WHEN NOT MATCHED BY SOURCE THEN DELETE",
 "SELECT * FROM ds.t WHERE d BETWEEN DATE_SUB(CURRENT_DATE('America/New_York'), INTERVAL 7 DAY) AND CURRENT_DATE()",
 "DECLARE x INT64 DEFAULT 1; SET x = x + 1; SELECT x",
 "SELECT RANGE(DATE '2025-01-01', DATE '2025-02-01'), RANGE_START(r), RANGE_CONTAINS(r, d) FROM ds.t",
 "SELECT ML.PREDICT(MODEL ds.m, (SELECT 1)), AEAD.ENCRYPT(k, 'x', 'y'), HLL_COUNT.MERGE(h), KLL_QUANTILES.MERGE_INT64(k, 2) FROM ds.t",
 "SELECT * FROM ds.t AS t, UNNEST(t.arr) AS a",
 "SELECT CURRENT_DATE() - 1, d + INTERVAL 1 DAY FROM ds.t",
 "SELECT ST_DISTANCE(ST_GEOGPOINT(1, 2), ST_GEOGPOINT(3, 4)), S2_CELLIDFROMPOINT(ST_GEOGPOINT(1, 2))",
 "SELECT TIMESTAMP_SECONDS(1), UNIX_SECONDS(ts), TIMESTAMP_MILLIS(1), UNIX_DATE(d), DATE_FROM_UNIX_DATE(1) FROM ds.t",
 "SELECT PERCENTILE_CONT(x, 0.5) OVER (), NTILE(4) OVER (ORDER BY x), CUME_DIST() OVER (ORDER BY x), DENSE_RANK() OVER (ORDER BY x) FROM ds.t",
 "SELECT ERROR('boom')",
 "SELECT ARRAY_AGG(STRUCT(a, b)) FROM ds.t",
 "SELECT GENERATE_TIMESTAMP_ARRAY(TIMESTAMP '2025-01-01', TIMESTAMP '2025-01-02', INTERVAL 1 HOUR)",
 "SELECT JSON_EXTRACT_SCALAR(j, '$.a'), JSON_QUERY(j, '$.a'), JSON_EXTRACT_ARRAY(j), PARSE_JSON('{}'), TO_JSON(1), JSON_TYPE(JSON '1') FROM ds.t",
 "SELECT EXTRACT(DAYOFWEEK FROM d), EXTRACT(WEEK FROM d), EXTRACT(ISOWEEK FROM d), EXTRACT(DATE FROM ts), EXTRACT(QUARTER FROM d) FROM ds.t",
 "SELECT DATE_BUCKET(d, INTERVAL 7 DAY), TIMESTAMP_BUCKET(ts, INTERVAL 1 HOUR) FROM ds.t",
]


@pytest.mark.parametrize("sql", _GOOGLESQL_FORMS)
def test_valid_googlesql_forms_are_not_taken_for_unknown_functions(sql: str) -> None:
    check_functions(sql, sqlglot.parse(sql, read=CoverageBigQuery))


@pytest.mark.parametrize("sql", [
    # a table the script creates does not make its name a function
    "CREATE TEMP TABLE median AS SELECT 1 AS x; SELECT median(x) AS m FROM median",
    # a persistent function is called with its dataset: unqualified it is not found
    "CREATE FUNCTION ds.median(x INT64) AS (x); SELECT median(1) AS m",
    # a date part, a quoted qualified call or a qualified call before it does not end the check
    "SELECT DATE_TRUNC(d, WEEK(MONDAY)) AS w, median(x) AS m FROM ds.t",
    "SELECT `ds.fn`(1) AS f, median(x) AS m FROM ds.t",
    "SELECT ds.fn(1) AS f, median(x) AS m FROM ds.t",
])
def test_what_does_not_make_a_name_callable_or_end_the_check(sql: str) -> None:
    with pytest.raises(gexc.BadRequest, match="Function not found: median"):
        check_functions(sql, sqlglot.parse(sql, read=CoverageBigQuery))


@pytest.mark.parametrize(("sql", "name"), [
    # a table function of a dataset visited first does not end the check
    ("SELECT * FROM ds.tvf(1) AS t WHERE x IN (SELECT median(y) FROM ds.z)", "median"),
    # names sqlglot parses apart, found in the tokens after one that is skipped
    ("SELECT ML.PREDICT(MODEL ds.m, (SELECT 1)), arg_max(a, b) FROM ds.t", "arg_max"),
    ("CREATE TEMP TABLE position (x INT64); SELECT arg_max(x, x) FROM position", "arg_max"),
    ("CREATE TEMP FUNCTION char(x INT64) AS (x); SELECT char(1), arg_max(a, b) FROM ds.t", "arg_max"),
])
def test_a_skipped_call_does_not_end_the_check(sql: str, name: str) -> None:
    with pytest.raises(gexc.BadRequest, match=f"Function not found: {name}"):
        check_functions(sql, sqlglot.parse(sql, read=CoverageBigQuery))
