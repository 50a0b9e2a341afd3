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
