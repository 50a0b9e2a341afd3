"""The embedded warehouse rejects what BigQuery rejects (issue 11, section 3).

One test per rule / rejected example; docs/bigquery-rules.md lists each with the BigQuery
documentation section it comes from. Accepted counterparts are tested next to each rejection so
a rule that rejects everything fails too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.rules import check_merge
from tests.support.warehouse_files import build_closed_warehouse, open_copy

P = bigquery.ScalarQueryParameter
A = bigquery.ArrayQueryParameter
D = dt.date(2025, 1, 15)


def cfg(*params: object, dry_run: bool = False) -> bigquery.QueryJobConfig:
    return bigquery.QueryJobConfig(query_parameters=list(params), dry_run=dry_run)


def _table(client: DuckDBClient, table_id: str, schema: list[bigquery.SchemaField], partition: str | None,
           require: bool = True) -> None:
    table = bigquery.Table(f"{client.project}.{table_id}", schema=schema)
    if partition:
        table.time_partitioning = bigquery.TimePartitioning(field=partition)
        table.require_partition_filter = require
    client.create_table(table)


def _build(c: DuckDBClient) -> None:
    c.create_dataset("ds")
    _table(c, "ds.games", [bigquery.SchemaField("game_id", "STRING"), bigquery.SchemaField("game_date", "DATE"),
                           bigquery.SchemaField("pts", "INT64")], "game_date")
    _table(c, "ds.log", [bigquery.SchemaField("event_id", "STRING"), bigquery.SchemaField("game_id", "STRING"),
                         bigquery.SchemaField("event_timestamp", "TIMESTAMP"),
                         bigquery.SchemaField("severity", "STRING")], "event_timestamp")
    _table(c, "ds.plain", [bigquery.SchemaField("game_id", "STRING"), bigquery.SchemaField("game_date", "DATE"),
                           bigquery.SchemaField("other", "STRING")], None)


@pytest.fixture(scope="module")
def client_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three tables below built ONCE per module into a closed file; each test copies it."""
    path = tmp_path_factory.mktemp("rules_template") / "rules.duckdb"
    return build_closed_warehouse(path, _build, project="proj")


@pytest.fixture
def client(client_template: Path, tmp_path: Path) -> Iterator[DuckDBClient]:
    """A warehouse (project ``proj``) with ds.games and ds.log (partitioned, filter required) and ds.plain."""
    c = open_copy(client_template, tmp_path / "rules.duckdb", project="proj")
    yield c
    c.close()


def run(client: DuckDBClient, sql: str) -> list[tuple]:
    params = [P("d", "DATE", D), P("lo", "DATE", D), P("hi", "DATE", D), A("ds", "DATE", [D])]
    job = client.query(sql, job_config=cfg(*params))
    return [tuple(r.values()) for r in job.result()]


def rejected_for_partition(client: DuckDBClient, sql: str, table: str) -> None:
    with pytest.raises(gexc.BadRequest, match=rf"Cannot query over table '{table}' without a filter"):
        run(client, sql)


# --------------------------------------------------------------------------- partition filters
@pytest.mark.parametrize("sql", [
    "SELECT * FROM ds.games WHERE game_date = @d",
    "SELECT * FROM `proj.ds.games` AS g WHERE g.game_date BETWEEN @lo AND @hi AND g.pts > 3",
    "SELECT * FROM ds.games WHERE game_date >= DATE_SUB(@d, INTERVAL 7 DAY)",
    "SELECT * FROM ds.games WHERE game_date IN UNNEST(@ds)",
    "SELECT * FROM ds.games WHERE game_date = @d OR game_date = @hi",
    "SELECT * FROM ds.log WHERE DATE(event_timestamp) = @d",
    "SELECT * FROM ds.log WHERE event_timestamp >= TIMESTAMP(@d)",
    "SELECT p.other FROM ds.plain p JOIN ds.games g ON g.game_id = p.game_id AND g.game_date = @d",
    "SELECT p.other FROM ds.plain p JOIN ds.games g ON g.game_id = p.game_id WHERE g.game_date = @d",
    "WITH x AS (SELECT game_id, game_date FROM ds.games) SELECT * FROM x WHERE x.game_date = @d",
    "SELECT * FROM (SELECT game_id, DATE(event_timestamp) AS day FROM ds.log) s WHERE s.day = @d",
    "SELECT * FROM ds.plain WHERE game_id IN (SELECT game_id FROM ds.games WHERE game_date = @d)",
])
def test_partition_filter_accepted_forms(client: DuckDBClient, sql: str) -> None:
    assert run(client, sql) == []


def test_partition_filter_missing_is_rejected(client: DuckDBClient) -> None:
    rejected_for_partition(client, "SELECT COUNT(*) FROM ds.games", "ds.games")


def test_ddl_that_reads_no_row_needs_no_partition_filter(client: DuckDBClient) -> None:
    client.query("ALTER TABLE ds.log ADD COLUMN IF NOT EXISTS note STRING").result()
    rejected_for_partition(client, "SELECT COUNT(*) FROM ds.games", "ds.games")  # still required
    rejected_for_partition(client, "TRUNCATE TABLE ds.games", "ds.games")  # not documented as exempt
    client.query("DROP TABLE ds.games").result()
    assert client._relation_kind("ds", "games") is None


@pytest.mark.parametrize("drop", ["DROP TABLE ds.games", "SELECT 1; DROP TABLE IF EXISTS ds.games",
                                  "DROP SCHEMA ds CASCADE"])
def test_a_dropped_tables_catalog_rows_go_with_it(client: DuckDBClient, drop: str) -> None:
    """A table made again under a dropped one's name is the new table: its catalog rows (here
    the partition filter requirement) go with the DROP, through a script too. Since stop 35 only
    a statement that may remove a relation prunes them (a CREATE or an ALTER removes none)."""
    client.query(drop).result()
    left = client._conn.execute("SELECT count(*) FROM _embedded_meta.tables WHERE table_id = 'games'").fetchone()
    assert left == (0,)
    client.query("CREATE SCHEMA IF NOT EXISTS ds").result()
    client.query("CREATE TABLE ds.games (game_date DATE, n INT64)").result()
    assert run(client, "SELECT COUNT(*) FROM ds.games") == [(0,)]
    assert client.get_table("ds.games").require_partition_filter in (None, False)


def test_alter_table_set_options_changes_what_the_client_reports_and_the_rules_enforce(client: DuckDBClient) -> None:
    # The partition filter requirement, switched off and on as BigQuery's docs do it.
    rejected_for_partition(client, "SELECT COUNT(*) FROM ds.games", "ds.games")
    client.query("ALTER TABLE ds.games SET OPTIONS (require_partition_filter = false, description = 'games', "
                 "partition_expiration_days = 30)").result()
    assert run(client, "SELECT COUNT(*) FROM ds.games") == [(0,)]
    table = client.get_table("proj.ds.games")
    assert (table.description, table.time_partitioning.expiration_ms) == ("games", 30 * 24 * 3600 * 1000)
    client.query("ALTER TABLE ds.games SET OPTIONS (require_partition_filter = true, description = NULL, "
                 "partition_expiration_days = NULL)").result()
    rejected_for_partition(client, "SELECT COUNT(*) FROM ds.games", "ds.games")
    table = client.get_table("proj.ds.games")
    assert (table.require_partition_filter, table.description, table.time_partitioning.expiration_ms) == (True, None, None)
    assert [(f.name, f.field_type) for f in table.schema] == [("game_id", "STRING"), ("game_date", "DATE"),
                                                              ("pts", "INTEGER")]
    client.query("ALTER TABLE IF EXISTS ds.nothing SET OPTIONS (description = 'x')").result()  # no effect


def test_alter_table_add_column_changes_the_table_and_the_schema_the_client_reports(client: DuckDBClient) -> None:
    client.query("INSERT INTO ds.plain (game_id) VALUES ('g1')").result()
    client.query("ALTER TABLE ds.plain ADD COLUMN IF NOT EXISTS note STRING, ADD COLUMN tags ARRAY<STRING>, "
                 "ADD COLUMN n INT64").result()
    client.query("ALTER TABLE ds.plain ADD COLUMN IF NOT EXISTS NOTE STRING").result()  # there: no effect
    client.query("ALTER TABLE ds.plain ADD COLUMN code STRING").result()
    reported = [(f.name, f.field_type, f.mode) for f in client.get_table("proj.ds.plain").schema]
    assert reported[3:] == [("note", "STRING", "NULLABLE"), ("tags", "STRING", "REPEATED"), ("n", "INTEGER", "NULLABLE"),
                            ("code", "STRING", "NULLABLE")]
    # Existing rows: NULL, and an empty ARRAY for the REPEATED column (the DDL reference's words).
    assert [tuple(r) for r in client.query("SELECT note, tags, n FROM ds.plain").result()] == [(None, [], None)]
    client.query("ALTER TABLE IF EXISTS ds.nothing ADD COLUMN x STRING").result()  # no table: no effect


@pytest.mark.parametrize(("sql", "error", "message"), [
    ("ALTER TABLE ds.plain ADD COLUMN r DATE NOT NULL", gexc.BadRequest,
     "Cannot add a REQUIRED column to an existing table schema: r"),
    ("ALTER TABLE ds.plain ADD COLUMN other STRING", gexc.BadRequest, "Column already exists: other"),
    ("ALTER TABLE ds.plain ADD COLUMN v VARCHAR", gexc.BadRequest, "Type not found: VARCHAR"),
    ("ALTER TABLE ds.plain ADD COLUMN s STRUCT<a INT64>", gexc.BadRequest, "STRUCT column is not supported"),
    ("ALTER TABLE ds.plain SET OPTIONS (description = 'x'), ADD COLUMN z STRING", gexc.BadRequest,
     "This ALTER statement is not supported by the embedded warehouse"),
    ("ALTER TABLE ds.plain ADD COLUMN z STRING, SET OPTIONS (description = 'x')", gexc.BadRequest,
     r"ALTER TABLE \.\.\. SET OPTIONS is not"),
    ("ALTER TABLE ds.plain SET OPTIONS (labels = [('team', 'lal')])", gexc.BadRequest,
     "option 'labels' is not supported by the embedded warehouse"),
    ("ALTER TABLE ds.plain SET OPTIONS (require_partition_filter = true)", gexc.BadRequest,
     "require_partition_filter is only allowed on a partitioned table"),
    ("ALTER TABLE ds.plain SET OPTIONS (partition_expiration_days = 7)", gexc.BadRequest,
     "partition_expiration_days is only allowed on a partitioned table"),
    ("ALTER TABLE ds.plain SET OPTIONS (description = 7)", gexc.BadRequest, "description must be a STRING"),
    ("ALTER TABLE ds.games SET OPTIONS (require_partition_filter = 'yes')", gexc.BadRequest,
     "require_partition_filter must be TRUE, FALSE or NULL, not 'yes'"),
    ("ALTER TABLE ds.games SET OPTIONS (partition_expiration_days = 0)", gexc.BadRequest,
     "partition_expiration_days must be a positive number"),
    ("ALTER TABLE ds.games SET OPTIONS (partition_expiration_days = -1.5)", gexc.BadRequest,
     "Unsupported OPTIONS value '-1.5'"),
    ("ALTER TABLE ds.games SET OPTIONS (partition_expiration_days = TRUE)", gexc.BadRequest,
     "partition_expiration_days must be a positive number"),
    ("ALTER TABLE ds.games SET OPTIONS (partition_expiration_days = '3')", gexc.BadRequest,
     "partition_expiration_days must be a positive number"),
    ("ALTER TABLE ds.plain DROP COLUMN other", gexc.BadRequest, r"ALTER TABLE \.\.\. DROP COLUMN is not"),
    ("ALTER TABLE ds.plain RENAME TO plain2", gexc.BadRequest, r"ALTER TABLE \.\.\. RENAME TO is not"),
    ("ALTER TABLE ds.plain RENAME COLUMN other TO other2", gexc.BadRequest, r"ALTER TABLE \.\.\. RENAME COLUMN is not"),
    ("ALTER TABLE ds.plain ALTER COLUMN other SET DATA TYPE STRING", gexc.BadRequest,
     r"ALTER TABLE \.\.\. ALTER COLUMN is not supported by the embedded warehouse \(ALTER TABLE \.\.\. ADD COLUMN is\)"),
    ("ALTER VIEW ds.plain SET OPTIONS (description = 'x')", gexc.BadRequest, "ALTER VIEW is not supported"),
    ("ALTER TABLE ds.plain ADD COLUMN s ARRAY<STRUCT<a INT64>>", gexc.BadRequest,
     r"ALTER TABLE ADD COLUMN s ARRAY<STRUCT<a INT64>>: a STRUCT column is not supported"),
    ("ALTER TABLE ds.plain ADD COLUMN _PARTITIONTIME TIMESTAMP", gexc.BadRequest, "_PARTITIONTIME"),
    ("ALTER TABLE ds.plain ADD COLUMN `bad name!` STRING", gexc.BadRequest, "bad name!"),
    ("ALTER TABLE ds.nothing ADD COLUMN x STRING", gexc.NotFound, "Not found: Table proj:ds.nothing"),
])
def test_alter_table_refusals_change_nothing(client: DuckDBClient, sql: str, error: type, message: str) -> None:
    before, games = client.get_table("proj.ds.plain"), client.get_table("proj.ds.games")
    with pytest.raises(error, match=message):
        client.query(sql).result()
    after = client.get_table("proj.ds.plain")
    assert client.get_table("proj.ds.games").time_partitioning.expiration_ms == games.time_partitioning.expiration_ms
    assert [(f.name, f.field_type, f.mode) for f in after.schema] == [(f.name, f.field_type, f.mode) for f in before.schema]
    assert (after.description, after.require_partition_filter) == (before.description, before.require_partition_filter)
    assert client._column_names("ds", "plain") == {f.name for f in before.schema}


def test_partition_filter_on_another_joined_tables_column_of_the_same_name_is_rejected(client) -> None:
    rejected_for_partition(
        client,
        "SELECT g.pts FROM ds.games g JOIN ds.plain p ON p.game_id = g.game_id WHERE p.game_date = @d",
        "ds.games",
    )


def test_partition_filter_unqualified_but_ambiguous_column_is_rejected(client: DuckDBClient) -> None:
    # ds.plain has a game_date too: BigQuery would say the name is ambiguous; it is not a filter on games.
    with pytest.raises(gexc.BadRequest):
        run(client, "SELECT g.pts FROM ds.games g JOIN ds.plain p ON p.game_id = g.game_id WHERE game_date = @d")


def test_partition_filter_inside_an_or_with_another_column_is_rejected(client: DuckDBClient) -> None:
    rejected_for_partition(client, "SELECT * FROM ds.games WHERE game_date = @d OR game_id = 'x'", "ds.games")


def test_partition_filter_on_a_function_of_the_column_is_rejected(client: DuckDBClient) -> None:
    rejected_for_partition(
        client, "SELECT * FROM ds.games WHERE DATE_ADD(game_date, INTERVAL 1 DAY) = @d", "ds.games")


def test_partition_filter_against_a_scalar_subquery_is_rejected(client: DuckDBClient) -> None:
    rejected_for_partition(
        client, "SELECT * FROM ds.games WHERE game_date = (SELECT MAX(game_date) FROM ds.plain)", "ds.games")


def test_partition_filter_compared_with_another_column_is_rejected(client: DuckDBClient) -> None:
    rejected_for_partition(client, "SELECT * FROM ds.games WHERE game_date = game_date", "ds.games")


def test_partition_filter_on_a_timestamp_column_needs_the_bare_column_or_date_of_it(client) -> None:
    rejected_for_partition(client, "SELECT * FROM ds.log WHERE EXTRACT(YEAR FROM event_timestamp) = 2025",
                           "ds.log")


def test_partition_filter_views_are_expanded_before_the_check(client: DuckDBClient) -> None:
    client.query("CREATE VIEW ds.per_game AS SELECT game_id, COUNT(*) AS n FROM ds.log GROUP BY game_id")
    rejected_for_partition(client, "SELECT * FROM ds.per_game WHERE game_id = 'g1'", "ds.log")
    # A view that passes the partition column through lets the caller's filter reach the table.
    client.query("CREATE VIEW ds.games_v AS SELECT game_id, game_date FROM ds.games")
    assert run(client, "SELECT * FROM ds.games_v WHERE game_date = @d") == []
    rejected_for_partition(client, "SELECT * FROM ds.games_v", "ds.games")


def test_partition_filter_view_created_through_create_table_is_expanded_too(client) -> None:
    view = bigquery.Table("proj.ds.log_v")
    view.view_query = "SELECT event_id, severity FROM `proj.ds.log`"
    client.create_table(view)
    rejected_for_partition(client, "SELECT * FROM ds.log_v WHERE severity = 'critical'", "ds.log")


def test_partition_filter_every_statement_of_a_script_is_checked(client: DuckDBClient) -> None:
    rejected_for_partition(
        client,
        "BEGIN TRANSACTION; SELECT * FROM ds.games WHERE game_date = @d; "
        "DELETE FROM ds.games WHERE pts > 0; COMMIT TRANSACTION;",
        "ds.games",
    )


def test_partition_filter_in_a_correlated_exists_does_not_count_for_the_outer_table(client) -> None:
    rejected_for_partition(
        client,
        "DELETE FROM ds.games AS T WHERE EXISTS (SELECT 1 FROM ds.plain S WHERE S.game_id = T.game_id "
        "AND S.game_date = @d)",
        "ds.games",
    )


def test_partition_filter_cte_used_twice_needs_a_filter_at_each_use(client: DuckDBClient) -> None:
    rejected_for_partition(
        client,
        "WITH x AS (SELECT game_id, game_date FROM ds.games) "
        "SELECT * FROM x a JOIN x b ON a.game_id = b.game_id WHERE a.game_date = @d",
        "ds.games",
    )


# --------------------------------------------------------------------------- MERGE
OLD_MERGE = (
    "MERGE `ds.games` AS T USING `ds.plain` AS S ON FALSE "
    "WHEN NOT MATCHED BY SOURCE AND T.game_date BETWEEN @lo AND @hi AND "
    "EXISTS (SELECT 1 FROM `ds.plain` AS S WHERE S.game_id = T.game_id) THEN DELETE "
    "WHEN NOT MATCHED THEN INSERT (game_id, game_date) VALUES (S.game_id, S.game_date)"
)


def test_merge_old_replace_rows_shape_is_rejected(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="Correlated subqueries within a when_clause"):
        run(client, OLD_MERGE)


def test_merge_correlated_subquery_in_update_clause_is_rejected(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match=r"^400 Correlated subqueries .*\(the subquery references T\.game_id\)$"):
        run(client, "MERGE ds.plain T USING ds.plain S ON T.game_id = S.game_id WHEN MATCHED THEN "
                    "UPDATE SET other = (SELECT MAX(x.other) FROM ds.plain x WHERE x.game_id = T.game_id)")


PLAIN_MERGE = "MERGE ds.plain T USING {source} S ON T.game_id = S.game_id WHEN MATCHED {clause}"


@pytest.mark.parametrize(("source", "clause", "named"), [
    # The subquery's table (ds.games) has no column `other`: BigQuery takes the target's.
    ("ds.plain", "THEN UPDATE SET other = (SELECT MAX(CAST(x.pts AS STRING)) FROM ds.games x "
                 "WHERE x.game_date = @d AND other IS NOT NULL)", "other"),
    ("ds.plain", "AND EXISTS (SELECT 1 FROM ds.log l WHERE DATE(l.event_timestamp) = @d "
                 "AND l.event_id = other) THEN DELETE", "other"),
    # A column only the source subquery names.
    ("(SELECT game_id, 'z' AS zz FROM ds.plain)",
     "AND EXISTS (SELECT 1 FROM ds.log l WHERE DATE(l.event_timestamp) = @d AND l.event_id = zz) THEN DELETE",
     "zz"),
    # Deeper inside: a nested subquery's table does not have it either.
    ("ds.plain", "AND EXISTS (SELECT 1 FROM (SELECT event_id FROM ds.log WHERE DATE(event_timestamp) = @d) "
                 "WHERE event_id = other) THEN DELETE", "other"),
    # A CTE inside the subquery without that column.
    ("ds.plain", "AND EXISTS (WITH c AS (SELECT 'g1' AS k) SELECT 1 FROM c WHERE k = other) THEN DELETE", "other"),
    # A column of the target only (the source table does not have it) ...
    ("ds.extra", "AND EXISTS (SELECT 1 FROM ds.log l WHERE DATE(l.event_timestamp) = @d "
                 "AND l.event_id = other) THEN DELETE", "other"),
    # ... and of a source subquery selecting * from a table that has it.
    ("(SELECT * FROM ds.extra)", "AND EXISTS (SELECT 1 FROM ds.log l WHERE DATE(l.event_timestamp) = @d "
                                 "AND l.event_id = note) THEN DELETE", "note"),
    # After a subquery whose relation's columns are unknown (a CTE of *), the next is judged.
    ("ds.plain", "AND EXISTS (WITH c AS (SELECT * FROM ds.plain) SELECT 1 FROM c) "
                 "AND EXISTS (SELECT 1 FROM ds.log l WHERE DATE(l.event_timestamp) = @d "
                 "AND l.event_id = other) THEN DELETE", "other"),
])
def test_merge_unqualified_reference_to_an_outer_column_is_correlated(client, source, clause, named) -> None:
    """dml-syntax#merge_statement: no correlated subquery in a WHEN clause, qualified or not.
    DuckDB runs these (it resolves the name outward); BigQuery refuses the statement."""
    client.query("INSERT INTO ds.plain (game_id, other) VALUES ('g1', 'a')").result()
    client.query("CREATE TABLE ds.extra (game_id STRING, note STRING)").result()
    with pytest.raises(gexc.BadRequest, match=rf"^400 Correlated subqueries .* references {named}, a column of "
                                              r"the MERGE's target or source"):
        run(client, PLAIN_MERGE.format(source=source, clause=clause))
    assert run(client, "SELECT game_id, other FROM ds.plain") == [("g1", "a")]  # nothing changed


@pytest.mark.parametrize("clause", [
    # game_id is a column of ds.log: the name resolves inside the subquery (innermost first).
    "AND EXISTS (SELECT 1 FROM ds.log l WHERE DATE(l.event_timestamp) = @d AND game_id = 'g1') THEN DELETE",
    # An UNNEST alias, an output name used in ORDER BY, a CTE's column: all defined inside.
    "AND EXISTS (SELECT 1 FROM UNNEST(['g1']) AS other WHERE other = 'g1') THEN DELETE",
    "AND EXISTS (SELECT v AS other FROM UNNEST(['g1']) AS v ORDER BY other) THEN DELETE",
    "AND EXISTS (WITH c AS (SELECT 'g1' AS other) SELECT 1 FROM c WHERE other = 'g1') THEN DELETE",
    "AND EXISTS (SELECT 1 FROM UNNEST(['g1']) AS v WITH OFFSET AS other WHERE other = 0) THEN DELETE",
    # Two relations inside: game_date is the first one's (ds.games), not the second's.
    "AND EXISTS (SELECT 1 FROM ds.games g JOIN ds.log l ON l.game_id = g.game_id WHERE g.game_date = @d "
    "AND DATE(l.event_timestamp) = @d AND game_date = @d) THEN DELETE",
])
def test_merge_unqualified_name_defined_inside_the_subquery_is_not_correlated(client, clause) -> None:
    client.query("INSERT INTO ds.plain (game_id, other) VALUES ('g1', 'a')").result()
    client.query("INSERT INTO ds.games (game_id, game_date, pts) VALUES ('g1', DATE '2025-01-15', 1)").result()
    client.query("INSERT INTO ds.log (event_id, game_id, event_timestamp) "
                 "VALUES ('e1', 'g1', TIMESTAMP '2025-01-15 12:00:00+00')").result()
    run(client, PLAIN_MERGE.format(source="ds.plain", clause=clause))
    assert run(client, "SELECT game_id FROM ds.plain") == []  # the MERGE ran: its DELETE matched


def test_merge_check_without_a_catalog_judges_every_subquery_of_a_when_clause() -> None:
    """Called on its own (no column lookup), check_merge still reads each subquery in turn."""
    tree = sqlglot.parse_one(
        "MERGE ds.plain T USING ds.plain S ON T.game_id = S.game_id WHEN MATCHED AND "
        "EXISTS (SELECT 1 FROM ds.plain x) AND EXISTS (SELECT 1 FROM ds.plain y WHERE y.k = T.k) THEN DELETE",
        read="bigquery")
    with pytest.raises(gexc.BadRequest, match=r"references T\.k\)"):
        check_merge(tree)


def test_merge_subquery_reading_a_missing_table_is_not_found(client: DuckDBClient) -> None:
    with pytest.raises(gexc.NotFound, match="missing"):
        run(client, PLAIN_MERGE.format(source="ds.plain", clause="AND EXISTS (SELECT 1 FROM ds.missing x "
                                                                 "WHERE x.a = other) THEN DELETE"))


def test_merge_into_an_unqualified_table_is_refused_not_a_crash(client: DuckDBClient) -> None:
    """The target's columns cannot be looked up (no dataset): the refusal names the table."""
    client.query("CREATE TABLE ds.extra (game_id STRING, note STRING)").result()
    with pytest.raises(gexc.GoogleAPICallError, match="plain"):
        run(client, "MERGE plain T USING ds.extra S ON T.game_id = S.game_id WHEN MATCHED AND "
                    "EXISTS (SELECT 1 FROM ds.log l WHERE DATE(l.event_timestamp) = @d AND l.event_id = other) "
                    "THEN DELETE")


def test_merge_without_correlated_subqueries_is_accepted(client: DuckDBClient) -> None:
    run(client, "MERGE ds.plain T USING ds.plain S ON T.game_id = S.game_id "
                "WHEN MATCHED AND S.other IN (SELECT other FROM ds.plain) THEN DELETE")


# --------------------------------------------------------------------------- scripts
def test_script_runs_atomically_a_failure_mid_script_leaves_the_target_unchanged(client) -> None:
    client.query("INSERT INTO ds.plain (game_id, other) VALUES ('g1', 'a'), ('g2', 'b')").result()
    with pytest.raises(gexc.BadRequest, match="division by zero"):
        client.query("BEGIN TRANSACTION; DELETE FROM ds.plain WHERE TRUE; "
                     "INSERT INTO ds.plain (game_id, other) SELECT 'g3', CAST(1 / 0 AS STRING); "
                     "COMMIT TRANSACTION;")
    assert sorted(run(client, "SELECT game_id FROM ds.plain")) == [("g1",), ("g2",)]


def test_script_statement_type_and_rows(client: DuckDBClient) -> None:
    job = client.query("BEGIN TRANSACTION; INSERT INTO ds.plain (game_id) VALUES ('g1'); "
                       "DELETE FROM ds.plain WHERE game_id = 'g1'; COMMIT TRANSACTION;")
    assert job.statement_type == "SCRIPT"
    assert run(client, "SELECT * FROM ds.plain") == []


@pytest.mark.parametrize("sql, words", [
    ("BEGIN TRANSACTION; BEGIN TRANSACTION; COMMIT TRANSACTION;", "Nested transactions"),
    ("COMMIT TRANSACTION;", "without an active transaction"),
    ("BEGIN TRANSACTION; CREATE TABLE ds.x (a INT64); COMMIT TRANSACTION;", "permanent entities"),
    ("BEGIN TRANSACTION; DELETE FROM ds.plain WHERE TRUE;", "without COMMIT"),
])
def test_script_transaction_structure(client: DuckDBClient, sql: str, words: str) -> None:
    with pytest.raises(gexc.BadRequest, match=words):
        client.query(sql)


# --------------------------------------------------------------------------- dialect and types
@pytest.mark.parametrize("sql, words", [
    ("SELECT CAST('1' AS INT64)::STRING AS x", "Unexpected"),
    ("SELECT other FROM ds.plain WHERE other ILIKE 'A%'", "ILIKE"),
    ("SELECT list_value(1, 2) AS x", "Function not found: list_value"),
    ("SELECT strftime(CURRENT_DATE(), '%Y') AS x", "Function not found: strftime"),
    ("SELECT epoch_ms(0) AS x", "Function not found: epoch_ms"),
])
def test_duckdb_only_syntax_is_bad_request(client: DuckDBClient, sql: str, words: str) -> None:
    with pytest.raises(gexc.BadRequest, match=words):
        client.query(sql)


@pytest.mark.parametrize(("sql", "word"), [
    ("SELECT rows FROM ds.plain", "ROWS"),
    ("SELECT game_id AS range FROM ds.plain", "RANGE"),
    ("SELECT n.game_id FROM ds.plain AS new", "NEW"),
    ("SELECT 1 FROM ds.plain WINDOW window AS (ORDER BY game_id)", "WINDOW"),
    ("SELECT STRUCT(1 AS hash) AS s", "HASH"),
    ("SELECT x FROM rows.t", "ROWS"),
    ("INSERT INTO ds.plain (game_id, lookup) VALUES ('a', 'b')", "LOOKUP"),
    ("CREATE TABLE ds.k (groups INT64)", "GROUPS"),
])
def test_a_reserved_keyword_used_as_a_name_unquoted_is_bad_request(client: DuckDBClient, sql: str, word: str) -> None:
    with pytest.raises(gexc.BadRequest, match=rf"^400 Syntax error: Unexpected keyword {word} \(a reserved keyword "):
        client.query(sql)
    assert "k" not in {t.table_id for t in client.list_tables("ds")}  # nothing was created


def test_a_reserved_keyword_quoted_or_after_a_dot_is_a_name(client: DuckDBClient) -> None:
    client.query("CREATE TABLE ds.k (`rows` INT64, `range` STRING, s STRUCT<`new` INT64>)").result()
    client.query("INSERT INTO ds.k (`rows`, `range`, s) VALUES (1, 'a', STRUCT(2 AS `new`))").result()
    rows = run(client, "SELECT k.rows, `range` AS `window`, k.s.new FROM ds.k AS k WHERE `rows` = 1")
    assert rows == [(1, "a", 2)]
    # A named parameter may be a reserved keyword ("Lexical structure and syntax": a named query
    # parameter "can start with an identifier or a reserved keyword").
    job = client.query("SELECT @window AS w", job_config=cfg(P("window", "INT64", 7)))
    assert [tuple(r.values()) for r in job.result()] == [(7,)]


def test_group_by_a_name_that_is_also_a_select_alias_groups_by_the_alias(client: DuckDBClient) -> None:
    # BigQuery: SELECT aliases override FROM names in GROUP BY; DuckDB grouped by the column,
    # giving NULL and '' two groups here where BigQuery gives one (the alert lookback's shape).
    client.query("INSERT INTO ds.plain (game_id, game_date, other) VALUES "
                 "('a', DATE '2025-01-15', NULL), ('a', DATE '2025-01-15', ''), ('a', DATE '2025-01-15', 'x')").result()
    assert run(client, "SELECT game_id, COALESCE(other, '') AS other, COUNT(*) AS n FROM ds.plain "
                       "GROUP BY game_id, other ORDER BY 2") == [("a", "", 2), ("a", "x", 1)]
    assert run(client, "SELECT UPPER(game_id) AS game_id, COUNT(*) AS n FROM ds.plain GROUP BY game_id") == [("A", 3)]
    # a qualified name is the FROM column; an alias of the column itself changes nothing
    assert run(client, "SELECT COALESCE(p.other, '') AS other, COUNT(*) AS n FROM ds.plain p "
                       "GROUP BY p.other ORDER BY 1") == [("", 1), ("", 1), ("x", 1)]
    assert run(client, "SELECT other AS other, COUNT(*) AS n FROM ds.plain GROUP BY other ORDER BY 1") == [
        (None, 1), ("", 1), ("x", 1)]


@pytest.mark.parametrize(("sql", "words"), [
    ("SELECT other FROM ds.Plain", r"Not found: Table proj:ds.Plain was not found .*the table is ds.plain\)"),
    ("SELECT other FROM DS.plain", r"Not found: Table proj:DS.plain .*the table is ds.plain\)"),
    ("SELECT other FROM `proj.ds.PLAIN`", r"table names are case-sensitive: the table is ds.plain"),
    ("INSERT INTO ds.Plain (game_id) VALUES ('a')", r"the table is ds.plain"),
    ("DELETE FROM ds.plain WHERE game_id IN (SELECT game_id FROM ds.Plain WHERE TRUE)", r"the table is ds.plain"),
    ("SELECT 1 AS x FROM Ds.missing", r"Not found: Dataset proj:Ds was not found .*the dataset is ds\)"),
])
def test_dataset_and_table_names_are_case_sensitive(client: DuckDBClient, sql: str, words: str) -> None:
    with pytest.raises(gexc.NotFound, match=words):
        client.query(sql).result()
    assert run(client, "SELECT COUNT(*) AS n FROM ds.plain") == [(0,)]  # the exact spelling still works


def test_a_table_differing_only_in_case_cannot_be_created_beside_another(client: DuckDBClient) -> None:
    for sql in ("CREATE TABLE ds.PLAIN (x INT64)", "CREATE OR REPLACE TABLE ds.Plain (x INT64)"):
        with pytest.raises(gexc.BadRequest, match=r"^400 Cannot create ds.P\w+: the embedded warehouse already holds "
                                                  r"ds.plain, which differs only in letter case"):
            client.query(sql).result()
    assert [f.name for f in client.get_table("ds.plain").schema] == ["game_id", "game_date", "other"]  # not replaced


def test_table_function_names_are_case_sensitive(client: DuckDBClient) -> None:
    client.query("CREATE TABLE FUNCTION ds.RecentGames(d DATE) AS "
                 "(SELECT game_id FROM ds.plain WHERE game_date >= d)").result()
    client.query("INSERT INTO ds.plain (game_id, game_date) VALUES ('g1', DATE '2025-01-15')").result()
    call = "SELECT game_id FROM {}(DATE '2025-01-01')"
    assert run(client, call.format("ds.RecentGames")) == [("g1",)]
    assert run(client, call.format("`ds.RecentGames`")) == [("g1",)]
    for wrong in ("ds.recentgames", "ds.RECENTGAMES", "`ds.recentGames`"):
        with pytest.raises(gexc.NotFound, match=r"case-sensitive: the function is ds.RecentGames\)$"):
            client.query(call.format(wrong))
    with pytest.raises(gexc.NotFound, match="dataset names are case-sensitive"):
        client.query(call.format("DS.RecentGames"))
    # A second function spelled otherwise would be a second function on BigQuery; here
    # CREATE OR REPLACE would have replaced this one.
    for verb in ("CREATE", "CREATE OR REPLACE"):
        with pytest.raises(gexc.BadRequest, match="differs only in letter case"):
            client.query(f"{verb} TABLE FUNCTION ds.recentgames(d DATE) AS (SELECT 1 AS game_id)").result()
    assert run(client, call.format("ds.RecentGames")) == [("g1",)]  # still the original


def _upsert_tables(client: DuckDBClient) -> None:
    client.query("CREATE TABLE ds.target (k INT64, v INT64)").result()
    client.query("CREATE TABLE ds.staged (k INT64, v INT64)").result()
    client.query("INSERT INTO ds.target (k, v) VALUES (1, 0), (2, 0)").result()
    # k = 1 twice (a staging batch that repeats a key), k = 3 new, k = 4 twice but new
    client.query("INSERT INTO ds.staged (k, v) VALUES (1, 10), (1, 11), (3, 5), (4, 7), (4, 8)").result()


@pytest.mark.parametrize("sql", [
    "MERGE ds.target T USING ds.staged S ON T.k = S.k WHEN MATCHED THEN UPDATE SET v = S.v "
    "WHEN NOT MATCHED THEN INSERT (k, v) VALUES (S.k, S.v)",
    "MERGE ds.target T USING (SELECT k, v FROM ds.staged WHERE v > @floor) AS S ON T.k = S.k "
    "WHEN MATCHED THEN DELETE",
    "UPDATE ds.target SET v = s.v FROM ds.staged AS s WHERE target.k = s.k",
    "UPDATE ds.target AS T SET v = s.v FROM ds.staged s WHERE T.k = s.k AND s.v >= @floor",
])
def test_dml_matching_a_target_row_with_two_source_rows_fails_and_changes_nothing(client: DuckDBClient,
                                                                                  sql: str) -> None:
    _upsert_tables(client)
    with pytest.raises(gexc.BadRequest, match=r"^400 UPDATE/MERGE must match at most one source row for each "
                                              r"target row$"):
        client.query(sql, job_config=cfg(P("floor", "INT64", 1))).result()
    assert run(client, "SELECT k, v FROM ds.target ORDER BY k") == [(1, 0), (2, 0)]


def test_dml_whose_matches_are_one_to_one_runs(client: DuckDBClient) -> None:
    _upsert_tables(client)
    # Repeated source keys that match no target row are only inserted (BigQuery rejects a
    # repeated source row only once it matches a target row), and a source made unique runs.
    client.query("MERGE ds.target T USING ds.staged S ON T.k = S.k "
                 "WHEN NOT MATCHED AND S.k = 3 THEN INSERT (k, v) VALUES (S.k, S.v)").result()
    client.query("MERGE ds.target T USING (SELECT k, MAX(v) AS v FROM ds.staged GROUP BY k) AS S ON T.k = S.k "
                 "WHEN MATCHED THEN UPDATE SET v = S.v").result()
    client.query("UPDATE ds.target SET v = target.v + 1 FROM ds.staged AS s WHERE target.k = s.k AND s.v = @v",
                 job_config=cfg(P("v", "INT64", 10))).result()
    assert run(client, "SELECT k, v FROM ds.target ORDER BY k") == [(1, 12), (2, 0), (3, 5)]


def test_float_literals_are_float64(client: DuckDBClient) -> None:
    job = client.query("SELECT 1.5 AS x, 2 AS n, 1e3 AS e")
    assert [(f.name, f.field_type) for f in job.schema] == [("x", "FLOAT"), ("n", "INTEGER"), ("e", "FLOAT")]
    assert [tuple(r.values()) for r in job.result()] == [(1.5, 2, 1000.0)]


def test_division_by_zero_raises(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="division by zero"):
        client.query("SELECT 1 / 0 AS x")
    assert [tuple(r.values()) for r in client.query("SELECT SAFE_DIVIDE(1, 0) AS x, 6 / 3 AS y").result()] == [
        (None, 2.0)]


def test_array_agg_over_null_raises_unless_ignore_nulls(client: DuckDBClient) -> None:
    client.query("INSERT INTO ds.plain (game_id, other) VALUES ('g1', NULL), ('g2', 'b')").result()
    with pytest.raises(gexc.BadRequest, match="Array cannot have a null element"):
        client.query("SELECT ARRAY_AGG(other) AS a FROM ds.plain")
    got = [tuple(r.values()) for r in client.query("SELECT ARRAY_AGG(other IGNORE NULLS) AS a FROM ds.plain")]
    assert got == [(["b"],)]


# --------------------------------------------------------------------------- errors
def test_missing_dataset_is_not_found_naming_the_dataset(client: DuckDBClient) -> None:
    with pytest.raises(gexc.NotFound, match="Dataset proj:nosuch"):
        client.query("SELECT * FROM nosuch.t")


def test_transaction_errors_are_never_conflict(tmp_path: Path) -> None:
    path = str(tmp_path / "w.duckdb")
    a, b = DuckDBClient(path), DuckDBClient(path)
    try:
        a.create_dataset("ds")
        a.query("CREATE TABLE ds.t (id INT64, v INT64)").result()
        a.query("INSERT INTO ds.t (id, v) VALUES (1, 0)").result()
        a._conn.execute("BEGIN TRANSACTION")
        a._conn.execute('UPDATE "ds"."t" SET v = 1 WHERE id = 1')
        with pytest.raises(gexc.GoogleAPICallError) as info:
            b.query("UPDATE ds.t SET v = 2 WHERE id = 1")
        assert not isinstance(info.value, gexc.Conflict)
        assert isinstance(info.value, gexc.BadRequest)
        a._conn.execute("ROLLBACK")
    finally:
        a.close()
        b.close()


# --------------------------------------------------------------------------- jobs
def test_failed_job_keeps_its_id_with_errors_and_the_id_cannot_be_reused(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest):
        client.query("SELECT no_such_column FROM ds.plain", job_id="job_fails_1")
    job = client.get_job("job_fails_1")
    assert job.error_result and job.error_result["reason"] == "invalidQuery"
    assert job.errors and "no_such_column" in job.errors[0]["message"]
    with pytest.raises(gexc.BadRequest):
        job.result()
    with pytest.raises(gexc.Conflict, match="Already Exists: Job"):
        client.query("SELECT 1 AS x", job_id="job_fails_1")


def test_failed_partition_filter_job_is_recorded_too(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest):
        client.query("SELECT * FROM ds.games", job_id="job_fails_2")
    assert "partition elimination" in client.get_job("job_fails_2").errors[0]["message"]


def test_dry_run_validates_and_writes_nothing(client: DuckDBClient) -> None:
    client.query("INSERT INTO ds.plain (game_id, other) VALUES ('g1', 'a')").result()
    job = client.query("DELETE FROM ds.plain WHERE TRUE", job_config=cfg(dry_run=True), job_id="dry_1")
    assert job.dry_run is True and job.statement_type == "DELETE"
    assert run(client, "SELECT game_id FROM ds.plain") == [("g1",)]
    with pytest.raises(gexc.NotFound):
        client.get_job("dry_1")  # BigQuery does not keep dry-run jobs
    select = client.query("SELECT game_id, game_date FROM ds.games WHERE game_date = @d",
                          job_config=cfg(P("d", "DATE", D), dry_run=True))
    assert [(f.name, f.field_type) for f in select.schema] == [("game_id", "STRING"), ("game_date", "DATE")]
    assert list(select.result()) == []


@pytest.mark.parametrize("sql, error", [
    ("SELECT * FROM ds.games", gexc.BadRequest),
    ("SELECT nope FROM ds.plain", gexc.BadRequest),
    ("SELECT * FROM ds.missing_table", gexc.NotFound),
    ("MERGE ds.plain T USING ds.plain S ON FALSE WHEN NOT MATCHED BY SOURCE AND EXISTS "
     "(SELECT 1 FROM ds.plain X WHERE X.game_id = T.game_id) THEN DELETE", gexc.BadRequest),
])
def test_dry_run_rejects_what_a_run_rejects(client: DuckDBClient, sql: str, error: type) -> None:
    with pytest.raises(error):
        client.query(sql, job_config=cfg(dry_run=True))


def test_dry_run_of_a_script_with_ddl_binds_later_statements_and_rolls_back(client) -> None:
    client.query("CREATE TEMP TABLE tmp AS SELECT 1 AS a; SELECT a FROM tmp;",
                 job_config=cfg(dry_run=True))
    with pytest.raises(gexc.GoogleAPICallError):
        client.query("SELECT a FROM tmp")


# --------------------------------------------------------------------------- DDL
S = bigquery.SchemaField


@pytest.mark.parametrize("schema, partition, clustering, words", [
    ([S("a", "STRING"), S("b", "STRING"), S("c", "STRING"), S("d", "STRING"), S("e", "STRING")],
     None, ["a", "b", "c", "d", "e"], "Too many clustering fields"),
    ([S("f", "FLOAT64")], None, ["f"], "not supported for clustering"),
    ([S("tags", "STRING", mode="REPEATED")], None, ["tags"], "not supported for clustering"),
    ([S("a", "STRING")], None, ["nope"], "cannot be found"),
    ([S("a", "STRING")], "d", [], "specified for partitioning cannot be found"),
    ([S("a", "STRING")], "a", [], "invalid type STRING"),
    ([S("1bad", "STRING")], None, [], "Invalid field name"),
    ([S("a", "STRING"), S("A", "INT64")], None, [], "already exists"),
])
def test_create_table_validates_like_bigquery(client, schema, partition, clustering, words) -> None:
    table = bigquery.Table("proj.ds.bad", schema=schema)
    if partition:
        table.time_partitioning = bigquery.TimePartitioning(field=partition)
    if clustering:
        table.clustering_fields = clustering
    with pytest.raises(gexc.BadRequest, match=words):
        client.create_table(table)
    with pytest.raises(gexc.NotFound):
        client.get_table("ds.bad")


def test_ddl_through_query_honours_partition_cluster_and_options(client: DuckDBClient) -> None:
    client.query(
        "CREATE TABLE `proj.ds.events` (event_id STRING NOT NULL, ts TIMESTAMP, kind STRING) "
        "PARTITION BY DATE(ts) CLUSTER BY kind, event_id "
        "OPTIONS(require_partition_filter=TRUE, partition_expiration_days=3, description='e')"
    ).result()
    table = client.get_table("ds.events")
    assert table.time_partitioning.field == "ts"
    assert table.time_partitioning.expiration_ms == 3 * 86_400_000
    assert table.clustering_fields == ["kind", "event_id"]
    assert table.require_partition_filter is True and table.description == "e"
    rejected_for_partition(client, "SELECT * FROM ds.events", "ds.events")
    assert run(client, "SELECT * FROM ds.events WHERE DATE(ts) = @d") == []


@pytest.mark.parametrize("ddl, words", [
    ("CREATE TABLE ds.x (ts TIMESTAMP) PARTITION BY ts", "invalid type TIMESTAMP"),
    ("CREATE TABLE ds.x (a STRING) PARTITION BY a", "invalid type STRING"),
    ("CREATE TABLE ds.x (a INT64) PARTITION BY UPPER(a)", "PARTITION BY expression must be"),
    ("CREATE TABLE ds.x (d DATE) PARTITION BY nope", "cannot be found"),
    ("CREATE TABLE ds.x (a STRING, b STRING, c STRING, d STRING, e STRING) CLUSTER BY a, b, c, d, e",
     "Too many clustering fields"),
    ("CREATE TABLE ds.x (f FLOAT64) CLUSTER BY f", "not supported for clustering"),
    ("CREATE TABLE ds.x (a STRING) OPTIONS(require_partition_filter=TRUE)", "partitioned table"),
])
def test_ddl_through_query_validates_like_bigquery(client: DuckDBClient, ddl: str, words: str) -> None:
    with pytest.raises(gexc.BadRequest, match=words):
        client.query(ddl)
    with pytest.raises(gexc.NotFound):
        client.get_table("ds.x")


# --------------------------------------------------------------------------- load jobs
def _load(client: DuckDBClient, rows: list[dict], schema: list, table: str = "ds.loaded", **config: object):
    return client.load_table_from_json(rows, table, job_config=bigquery.LoadJobConfig(schema=schema, **config))


def test_load_unknown_field_is_rejected_unless_ignore_unknown_values(client: DuckDBClient) -> None:
    schema = [S("a", "STRING"), S("r", "RECORD", fields=[S("x", "INT64")])]
    with pytest.raises(gexc.BadRequest, match="No such field: extra"):
        _load(client, [{"a": "1", "extra": 2}], schema)
    job = _load(client, [{"a": "1", "extra": 2, "r": {"x": 1, "y": 2}}], schema, ignore_unknown_values=True)
    assert job.output_rows == 1
    assert [tuple(r.values()) for r in client.query("SELECT a, r.x FROM ds.loaded").result()] == [("1", 1)]


def test_load_max_bad_records_skips_up_to_the_limit(client: DuckDBClient) -> None:
    schema = [S("n", "INT64")]
    rows = [{"n": 1}, {"n": "x"}, {"n": 3}, {"n": "y"}]
    with pytest.raises(gexc.BadRequest, match="could not convert value 'x'"):
        _load(client, rows, schema)
    with pytest.raises(gexc.BadRequest, match="too many errors"):
        _load(client, rows, schema, max_bad_records=1)
    assert _load(client, rows, schema, max_bad_records=2).output_rows == 2
    assert sorted(r.n for r in client.query("SELECT n FROM ds.loaded").result()) == [1, 3]


def test_load_new_field_needs_allow_field_addition(client: DuckDBClient) -> None:
    _load(client, [{"a": "1"}], [S("a", "STRING")])
    wider = [S("a", "STRING"), S("b", "INT64")]
    with pytest.raises(gexc.BadRequest, match="Cannot add fields"):
        _load(client, [{"a": "2", "b": 2}], wider)
    with pytest.raises(gexc.BadRequest, match="Cannot add required fields"):
        _load(client, [{"a": "2", "b": 2}], [S("a", "STRING"), S("b", "INT64", mode="REQUIRED")],
              schema_update_options=["ALLOW_FIELD_ADDITION"])
    _load(client, [{"a": "2", "b": 2}], wider, schema_update_options=["ALLOW_FIELD_ADDITION"])
    assert [(f.name, f.field_type) for f in client.get_table("ds.loaded").schema] == [
        ("a", "STRING"), ("b", "INTEGER")]
    assert sorted(tuple(r.values()) for r in client.query("SELECT a, b FROM ds.loaded").result()) == [
        ("1", None), ("2", 2)]


def test_load_mode_change_needs_allow_field_relaxation(client: DuckDBClient) -> None:
    _load(client, [{"a": "1"}], [S("a", "STRING", mode="REQUIRED")])
    with pytest.raises(gexc.BadRequest, match="changed mode from REQUIRED to NULLABLE"):
        _load(client, [{"a": None}], [S("a", "STRING")])
    _load(client, [{"a": None}], [S("a", "STRING")], schema_update_options=["ALLOW_FIELD_RELAXATION"])
    assert client.get_table("ds.loaded").schema[0].mode == "NULLABLE"
    rows = list(client.query("SELECT COUNT(*) AS n FROM ds.loaded WHERE a IS NULL").result())
    assert rows[0].n == 1
    # NULLABLE -> REQUIRED is never allowed, whatever the options.
    with pytest.raises(gexc.BadRequest, match="changed mode from NULLABLE to REQUIRED"):
        _load(client, [{"a": "x"}], [S("a", "STRING", mode="REQUIRED")],
              schema_update_options=["ALLOW_FIELD_RELAXATION"])


@pytest.mark.parametrize("text, expected", [
    ("2025-01-15 03:04:05", dt.datetime(2025, 1, 15, 3, 4, 5, tzinfo=dt.UTC)),
    ("2025-01-15T03:04:05.123456Z", dt.datetime(2025, 1, 15, 3, 4, 5, 123456, tzinfo=dt.UTC)),
    ("2025-1-5 3:04:05+02:00", dt.datetime(2025, 1, 5, 1, 4, 5, tzinfo=dt.UTC)),
    ("2025-01-15 03:04:05 UTC", dt.datetime(2025, 1, 15, 3, 4, 5, tzinfo=dt.UTC)),
    ("2025-01-15", dt.datetime(2025, 1, 15, tzinfo=dt.UTC)),
])
def test_load_timestamp_strings_bigquery_accepts(client: DuckDBClient, text: str, expected: dt.datetime) -> None:
    _load(client, [{"ts": text}], [S("ts", "TIMESTAMP")])
    assert next(iter(client.query("SELECT ts FROM ds.loaded").result())).ts == expected


@pytest.mark.parametrize("text", ["20250115T030405", "2025-W03-3", "2025-01-15 03:04", "2025-01-15 03:04:05.1234567",
                                  "2025-02-30 00:00:00", "yesterday", "2025-01-15 03:04:05 +25:00"])
def test_load_timestamp_strings_bigquery_rejects(client: DuckDBClient, text: str) -> None:
    with pytest.raises(gexc.BadRequest, match="to TIMESTAMP"):
        _load(client, [{"ts": text}], [S("ts", "TIMESTAMP")])


def test_failed_load_keeps_its_job_id(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest):
        client.load_table_from_json([{"n": "x"}], "ds.loaded", job_id="load_fails_1",
                                    job_config=bigquery.LoadJobConfig(schema=[S("n", "INT64")]))
    assert client.get_job("load_fails_1").error_result["reason"] == "invalidQuery"
    with pytest.raises(gexc.Conflict):
        client.load_table_from_json([{"n": 1}], "ds.loaded", job_id="load_fails_1",
                                    job_config=bigquery.LoadJobConfig(schema=[S("n", "INT64")]))


# --------------------------------------------------------------------------- warehouse file name
def test_a_warehouse_file_named_like_one_of_its_datasets_works(tmp_path: Path) -> None:
    path = str(tmp_path / "nba_analytics.duckdb")
    with DuckDBClient(path) as first:
        first.create_dataset("nba_analytics")
        first.load_table_from_json([{"a": 1}], "nba_analytics.t",
                                   job_config=bigquery.LoadJobConfig(schema=[S("a", "INT64")])).result()
        first.query("CREATE VIEW nba_analytics.v AS SELECT a FROM `p.nba_analytics.t`").result()
        assert [r.a for r in first.query("SELECT a FROM nba_analytics.v").result()] == [1]
        with DuckDBClient(path) as second:  # a second live client on the same file
            assert [r.a for r in second.query("SELECT a FROM nba_analytics.t").result()] == [1]
    with DuckDBClient(path) as reopened:
        assert reopened.get_table("nba_analytics.t").num_rows == 1
        assert [r.a for r in reopened.query("SELECT a FROM nba_analytics.v").result()] == [1]


# --------------------------------------------------------------------------- comparison signatures
@pytest.mark.parametrize("sql, types", [
    ("SELECT * FROM ds.log WHERE DATE(event_timestamp) = @d AND event_timestamp > @d", "TIMESTAMP, DATE"),
    ("SELECT * FROM ds.games WHERE game_date = @d AND pts = '3'", "INT64, STRING"),
    ("SELECT * FROM ds.games WHERE game_date = @d AND game_id = 7", "STRING, INT64"),
    ("SELECT * FROM ds.plain WHERE CAST(other AS TIMESTAMP) BETWEEN @lo AND @hi", "TIMESTAMP, DATE"),
    ("SELECT * FROM ds.games WHERE game_date = @d AND pts IN (1, 'x')", "INT64, STRING"),
])
def test_comparisons_without_a_bigquery_signature_are_bad_request(client: DuckDBClient, sql: str, types: str) -> None:
    with pytest.raises(gexc.BadRequest, match=f"No matching signature for operator .* argument types: {types}"):
        run(client, sql)


@pytest.mark.parametrize("sql", [
    "SELECT * FROM ds.games WHERE game_date = '2025-01-15'",  # string literal coerces to DATE
    "SELECT * FROM ds.log WHERE event_timestamp >= '2025-01-15 00:00:00'",
    "SELECT * FROM ds.games WHERE game_date = @d AND pts > 2.5",  # INT64 vs FLOAT64: numeric
    "SELECT * FROM ds.log WHERE event_timestamp >= TIMESTAMP(@d)",
])
def test_comparisons_bigquery_has_a_signature_for_are_accepted(client: DuckDBClient, sql: str) -> None:
    assert run(client, sql) == []


@pytest.mark.parametrize(("sql", "message"), [
    # arithmetic on a STRING or a BOOL (DuckDB casts and adds)
    ("SELECT other + 1 AS x FROM ds.plain", "No matching signature for operator \\+ for argument types: STRING, INT64"),
    ("SELECT '1' + 1 AS x", "No matching signature for operator \\+ for argument types: STRING, INT64"),
    ("SELECT pts * TRUE AS x FROM ds.games WHERE game_date = @d",
     "No matching signature for operator \\* for argument types: INT64, BOOL"),
    ("SELECT game_date + 1.5 AS x FROM ds.plain", "operator \\+ for argument types: DATE, FLOAT64"),
    ("SELECT event_timestamp + 1 AS x FROM ds.log WHERE event_timestamp >= @ts",
     "operator \\+ for argument types: TIMESTAMP, INT64"),
    # SUM / AVG of what is not a number (DuckDB sums BOOLs, averages text)
    ("SELECT SUM(game_id = 'g1') AS n FROM ds.plain", None),
    ("SELECT AVG(other) AS a FROM ds.plain", "No matching signature for aggregate function AVG for argument types: STRING"),
    ("SELECT SUM(DISTINCT other) AS s FROM ds.plain", "aggregate function SUM for argument types: STRING"),
    # an operand of unknown type, or a valid DATE + INT64, before it does not stop the check
    ("SELECT x + 1 AS a, TRUE + 1 AS b FROM UNNEST([1]) AS x", "operator \\+ for argument types: BOOL, INT64"),
    ("SELECT game_date + 1 AS a, game_date + 1.5 AS b FROM ds.plain", "operator \\+ for argument types: DATE, FLOAT64"),
    # set operations without a common supertype (DuckDB unions them as text)
    ("SELECT pts FROM ds.games WHERE game_date = @d UNION ALL SELECT other FROM ds.plain",
     "^400 Column 1 in UNION ALL has incompatible types: INT64, STRING$"),
    ("SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 'three'", "Column 1 in UNION ALL has incompatible types: INT64, STRING"),
    ("SELECT game_id, game_date FROM ds.plain UNION DISTINCT SELECT game_id, TRUE FROM ds.plain",
     "Column 2 in UNION DISTINCT has incompatible types: DATE, BOOL"),
    ("SELECT n FROM (SELECT 1 AS n EXCEPT DISTINCT SELECT 'x')", "Column 1 in EXCEPT DISTINCT"),
    ("SELECT 1 AS n INTERSECT DISTINCT SELECT 'x'", "^400 Column 1 in INTERSECT DISTINCT has incompatible types: INT64, STRING$"),
])
def test_operands_bigquery_has_no_signature_for_are_bad_request(client: DuckDBClient, sql: str,
                                                                message: str | None) -> None:
    config = cfg(P("d", "DATE", dt.date(2025, 1, 15)), P("ts", "TIMESTAMP", dt.datetime(2025, 1, 15, tzinfo=dt.UTC)))
    with pytest.raises(gexc.BadRequest, match=message or "No matching signature for aggregate function SUM for "
                                                         "argument types: BOOL"):
        client.query(sql, job_config=config)


@pytest.mark.parametrize(("sql", "message"), [
    # "Datetime subtraction" is an INTERVAL; compared with a number it has no signature
    ("SELECT event_timestamp - LAG(event_timestamp) OVER (ORDER BY event_timestamp) > 3600 AS a FROM ds.log "
     "WHERE event_timestamp >= @ts", "^400 No matching signature for operator > for argument types: INTERVAL, INT64"),
    ("SELECT MAX(event_timestamp) - MIN(event_timestamp) = 0 AS a FROM ds.log WHERE event_timestamp >= @ts",
     "operator = for argument types: INTERVAL, INT64"),
    # "Interval arithmetic operators": times or divided by an INT64 only, plus or minus a datetime or an INTERVAL
    ("SELECT INTERVAL 1 DAY * 1.5 AS a", "^400 No matching signature for operator \\* for argument types: INTERVAL, FLOAT64$"),
    ("SELECT INTERVAL 1 DAY / 2.0 AS a", "operator / for argument types: INTERVAL, FLOAT64"),
    ("SELECT 1 + INTERVAL 1 DAY AS a", "operator \\+ for argument types: INT64, INTERVAL"),
    ("SELECT INTERVAL 1 DAY - event_timestamp AS a FROM ds.log WHERE event_timestamp >= @ts",
     "operator - for argument types: INTERVAL, TIMESTAMP"),
    ("SELECT INTERVAL 1 DAY * INTERVAL 1 DAY AS a", "operator \\* for argument types: INTERVAL, INTERVAL"),
    # what interval arithmetic gives, compared with what it is not
    ("SELECT (INTERVAL 1 DAY + INTERVAL 1 HOUR) > 1 AS a", "operator > for argument types: INTERVAL, INT64"),
    ("SELECT (INTERVAL 2 DAY - INTERVAL 1 HOUR) > 1 AS a", "operator > for argument types: INTERVAL, INT64"),
    ("SELECT (game_date + INTERVAL 1 DAY) = 5 AS a FROM ds.plain", "operator = for argument types: DATETIME, INT64"),
    ("SELECT (event_timestamp - INTERVAL 1 DAY) = 5 AS a FROM ds.log WHERE event_timestamp >= @ts",
     "operator = for argument types: TIMESTAMP, INT64"),
    ("SELECT (INTERVAL 1 DAY + event_timestamp) = 5 AS a FROM ds.log WHERE event_timestamp >= @ts",
     "operator = for argument types: TIMESTAMP, INT64"),
    ("SELECT (event_timestamp + 1) = 5 AS a FROM ds.log WHERE event_timestamp >= @ts",
     "operator \\+ for argument types: TIMESTAMP, INT64"),   # (a TIMESTAMP plus a number has no type either)
    # INTERVAL - TIMESTAMP has no signature (and no type): the arithmetic says so, not the comparison
    ("SELECT (INTERVAL 1 DAY - event_timestamp) = 5 AS a FROM ds.log WHERE event_timestamp >= @ts",
     "operator - for argument types: INTERVAL, TIMESTAMP"),
    # a CTE's or derived table's column has the type of its SELECT expression
    ("WITH x AS (SELECT event_timestamp AS t FROM ds.log WHERE event_timestamp >= @ts) "
     "SELECT * FROM x WHERE t = DATE '2025-01-15'", "operator = for argument types: TIMESTAMP, DATE"),
    ("SELECT * FROM (SELECT game_date AS day FROM ds.plain) AS s WHERE s.day = 5", "argument types: DATE, INT64"),
    ("WITH a AS (SELECT game_date FROM ds.plain), b AS (SELECT game_date AS e FROM a) "
     "SELECT e - LAG(e) OVER (ORDER BY e) AS rest FROM b", "DATE - DATE is an INTERVAL"),
    ("SELECT SUM(starter) AS n FROM (SELECT TRUE AS starter)", "aggregate function SUM for argument types: BOOL"),
])
def test_interval_and_derived_operands_bigquery_has_no_signature_for_are_bad_request(
        client: DuckDBClient, sql: str, message: str) -> None:
    config = cfg(P("ts", "TIMESTAMP", dt.datetime(2025, 1, 15, tzinfo=dt.UTC)))
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(sql, job_config=config)


@pytest.mark.parametrize("sql", [
    "SELECT game_date - game_date AS e FROM ds.plain",
    # days of rest, the way a processor would first write it: LAG's type is its argument's
    "SELECT game_date - LAG(game_date) OVER (PARTITION BY game_id ORDER BY game_date) AS rest FROM ds.plain",
    "SELECT MAX(game_date) - MIN(game_date) AS span FROM ds.plain",
    "SELECT game_date - '2025-01-01' AS e FROM ds.plain",       # the literal is a DATE there
    "SELECT DATE '2025-01-15' - DATE '2025-01-01' AS e",
])
def test_date_minus_date_is_refused_with_the_date_diff_that_both_compute_alike(client: DuckDBClient, sql: str) -> None:
    """BigQuery computes DATE - DATE as an INTERVAL ('0-0 14 0:0:0'); DuckDB as the integer 14,
    which a comparison with a number or an INT64 column takes silently. Not emulated: refused,
    naming the DATE_DIFF that gives the same number of days on both."""
    with pytest.raises(gexc.BadRequest, match=r"DATE - DATE is an INTERVAL on BigQuery .* DATE_DIFF\(later, earlier, DAY\)"):
        client.query(sql)
    assert client._conn.raw.execute("SELECT DATE '2025-01-15' - DATE '2025-01-01'").fetchone() == (14,)  # DuckDB's
    got = [tuple(r.values()) for r in client.query("SELECT DATE_DIFF(DATE '2025-01-15', DATE '2025-01-01', DAY) AS d")]
    assert got == [(14,)]


def test_duckdb_itself_runs_the_sum_and_the_union_bigquery_refuses(client: DuckDBClient) -> None:
    """SUM of BOOLs and a UNION of INT64 with STRING run on DuckDB (silently); the arithmetic
    cases above DuckDB refuses too, in its own words, and the rule gives BigQuery's."""
    raw = client._conn.raw
    assert raw.execute("SELECT SUM(x) FROM (SELECT unnest([TRUE, TRUE, FALSE]) AS x)").fetchone() == (2,)
    assert raw.execute("SELECT 1 AS x UNION ALL SELECT 'a' ORDER BY x").fetchall() == [("1",), ("a",)]


@pytest.mark.parametrize("sql", [
    "SELECT pts + 1.5 AS a, pts / 2 AS b, -pts AS c, pts - 1 AS d FROM ds.games WHERE game_date = @d",
    "SELECT game_date + 1 AS a, 1 + game_date AS b, game_date - 7 AS c, "
    "game_date + INTERVAL 1 DAY AS f FROM ds.plain",
    "SELECT event_timestamp - event_timestamp AS i FROM ds.log WHERE event_timestamp >= @ts",
    # INTERVALs: datetime differences, literals, their documented arithmetic, SUM / AVG of them
    "SELECT event_timestamp - LAG(event_timestamp) OVER (ORDER BY event_timestamp) > INTERVAL 1 HOUR AS a, "
    "event_timestamp - INTERVAL 1 DAY AS b, INTERVAL 1 DAY * 2 AS c, 3 * INTERVAL 1 DAY AS d, "
    "INTERVAL 10 YEAR / 3 AS e, INTERVAL 1 DAY + INTERVAL 2 HOUR AS f, INTERVAL 1 DAY + event_timestamp AS g "
    "FROM ds.log WHERE event_timestamp >= @ts",
    "SELECT AVG(event_timestamp - event_timestamp) AS a, MAX(event_timestamp) - MIN(event_timestamp) AS b "
    "FROM ds.log WHERE event_timestamp >= @ts",
    "SELECT DATE_DIFF(game_date, LAG(game_date) OVER (ORDER BY game_date), DAY) > 1 AS rested FROM ds.plain",
    # the types of interval arithmetic, read where they are compared: INTERVAL -/+ INTERVAL is
    # an INTERVAL, TIMESTAMP + INTERVAL (either order) a TIMESTAMP, DATE + INTERVAL a DATETIME
    "SELECT INTERVAL 2 DAY - INTERVAL 1 DAY > INTERVAL 1 HOUR AS a, (event_timestamp + INTERVAL 1 DAY) > @ts AS b, "
    "(INTERVAL 1 DAY + event_timestamp) > @ts AS c, "
    "(event_timestamp - TIMESTAMP_ADD(event_timestamp, INTERVAL 1 HOUR)) < INTERVAL 2 HOUR AS d "
    "FROM ds.log WHERE event_timestamp >= @ts",
    "SELECT (game_date + INTERVAL 1 DAY) > DATETIME '2025-01-15 10:00:00' AS a, (game_date + 1) = @d AS b FROM ds.plain",
    "SELECT (pts - 1) > 0 AS a FROM ds.games WHERE game_date = @d",
    "SELECT SUM(pts) AS s, AVG(pts) AS a, SUM(DISTINCT pts) AS d, SUM(IF(pts > 1, 1, 0)) AS n, "
    "COUNTIF(pts > 1) AS c FROM ds.games WHERE game_date = @d",
    "SELECT pts FROM ds.games WHERE game_date = @d UNION ALL SELECT 2.5",                  # INT64 / FLOAT64
    "SELECT game_date FROM ds.plain UNION ALL SELECT '2025-01-15'",                        # literal coercion
    "SELECT game_date FROM ds.plain UNION ALL SELECT DATETIME '2025-01-15 10:00:00'",      # DATE -> DATETIME
    "SELECT * FROM ds.plain UNION ALL SELECT * FROM ds.plain",
])
def test_operands_bigquery_has_a_signature_for_are_accepted(client: DuckDBClient, sql: str) -> None:
    config = cfg(P("d", "DATE", dt.date(2025, 1, 15)), P("ts", "TIMESTAMP", dt.datetime(2025, 1, 15, tzinfo=dt.UTC)))
    client.query(sql, job_config=config).result()


@pytest.mark.parametrize("sql", ["DELETE FROM ds.plain", "UPDATE ds.plain SET other = 'x'"])
def test_delete_and_update_need_a_where_clause(client: DuckDBClient, sql: str) -> None:
    with pytest.raises(gexc.BadRequest, match="must have a WHERE clause"):
        client.query(sql)
    client.query(sql + " WHERE TRUE").result()


@pytest.mark.parametrize("agg", ["ARRAY_AGG(DISTINCT other)", "ARRAY_AGG(other ORDER BY game_id)",
                                 # DISTINCT with ORDER BY: a DuckDB binder error until stop 33
                                 "ARRAY_AGG(DISTINCT other ORDER BY other)",
                                 "ARRAY_AGG(DISTINCT other ORDER BY other DESC LIMIT 5)"])
def test_array_agg_distinct_or_ordered_over_null_raises_too(client: DuckDBClient, agg: str) -> None:
    client.query("INSERT INTO ds.plain (game_id, other) VALUES ('g1', NULL), ('g2', 'b')").result()
    with pytest.raises(gexc.BadRequest, match="Array cannot have a null element"):
        client.query(f"SELECT {agg} AS a FROM ds.plain")
    got = [tuple(r.values()) for r in client.query(f"SELECT {agg} AS a FROM ds.plain WHERE other IS NOT NULL")]
    assert got == [(["b"],)]


def test_array_agg_distinct_with_order_by_keeps_one_of_each_in_order(client: DuckDBClient) -> None:
    """aggregate function calls: "ARRAY_AGG(DISTINCT x ORDER BY x)"; DuckDB refused it here ("In a
    DISTINCT aggregate, ORDER BY expressions must appear in the argument list") once the value
    was wrapped in its NULL check. Ordering by another expression is refused on BigQuery too."""
    client.query("INSERT INTO ds.plain (game_id, other) VALUES ('g1', 'c'), ('g2', 'a'), ('g3', 'c'), "
                 "('g4', 'b')").result()
    got = [tuple(r.values()) for r in client.query(
        "SELECT ARRAY_AGG(DISTINCT other ORDER BY other DESC) AS a, ARRAY_AGG(DISTINCT other ORDER BY other LIMIT 2) "
        "AS b FROM ds.plain")]
    assert got == [(["c", "b", "a"], ["a", "b"])]
    with pytest.raises(gexc.BadRequest, match="An aggregate function that has both DISTINCT and ORDER BY arguments "
                                              "can only ORDER BY expressions that are arguments to the function"):
        client.query("SELECT ARRAY_AGG(DISTINCT other ORDER BY game_id) AS a FROM ds.plain").result()


@pytest.mark.parametrize(("sql", "refused"), [
    ("(SELECT 1 AS x) UNION ALL (SELECT 'a' AS x)", True),                   # inputs in parentheses
    ("SELECT 1 AS a, 'x' AS b UNION ALL BY NAME SELECT 'y' AS b, 2 AS a", False),   # paired by name
    ("SELECT 1 AS a, 'x' AS b FULL UNION ALL BY NAME SELECT 'y' AS b", False),
    ("SELECT 1 AS a UNION ALL CORRESPONDING SELECT 2 AS a", False),
    ("SELECT 1 AS x UNION ALL SELECT 2 AS x, 3 AS y", False),                # a width mismatch: the engine's
    ("SELECT 1 AS x, COUNT(*) AS n FROM t UNION ALL SELECT 'a', 2", True),   # a * inside COUNT is no SELECT *
    # a chain left alone (SELECT *, a width mismatch, a nested same-kind link) does not stop the next one
    ("SELECT * FROM (SELECT * FROM t UNION ALL SELECT * FROM t) AS a, (SELECT 1 AS y UNION ALL SELECT 'b') AS b", True),
    ("SELECT * FROM (SELECT 1 AS x UNION ALL SELECT 2, 3) AS a, (SELECT 1 AS y UNION ALL SELECT 'b') AS b", True),
    ("SELECT * FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3) AS a, "
     "(SELECT 1 AS y UNION ALL SELECT 'b') AS b", True),
])
def test_set_operations_are_paired_by_position_unless_by_name(sql: str, refused: bool) -> None:
    import sqlglot

    from shared_services.bigquery.dialect import CoverageBigQuery
    from shared_services.bigquery.rules import check_comparisons

    tree = sqlglot.parse_one(sql, read=CoverageBigQuery)
    if refused:
        with pytest.raises(gexc.BadRequest, match="Column 1 in UNION ALL has incompatible types: INT64, STRING"):
            check_comparisons(tree, lambda ds, t: None, {})
    else:
        check_comparisons(tree, lambda ds, t: None, {})


# -- type names (data types: GoogleSQL's names and their documented aliases) ---------------------
@pytest.mark.parametrize(("written", "named"), [
    ("VARCHAR", "VARCHAR"), ("TEXT", "TEXT"), ("DOUBLE", "DOUBLE"), ("FLOAT", "FLOAT"), ("REAL", "REAL"),
    ("HUGEINT", "HUGEINT"), ("UUID", "UUID"), ("BLOB", "BLOB"), ("TIMESTAMPTZ", "TIMESTAMPTZ"),
    ("INT4", "INT4"), ("CHAR(3)", "CHAR"), ("ARRAY<VARCHAR>", "VARCHAR"), ("STRUCT<a DOUBLE>", "DOUBLE"),
])
def test_a_type_bigquery_does_not_have_is_type_not_found(client: DuckDBClient, written: str, named: str) -> None:
    """DuckDB takes these (``CAST(x AS VARCHAR)`` ran here and failed on BigQuery)."""
    duck_spelling = written.replace("STRUCT<a DOUBLE>", "STRUCT(a DOUBLE)").replace("ARRAY<VARCHAR>", "VARCHAR[]")
    client._conn.raw.execute(f"SELECT CAST(NULL AS {duck_spelling})").fetchall()  # DuckDB's own: fine
    for sql in (f"SELECT CAST(NULL AS {written}) AS x", f"SELECT SAFE_CAST(NULL AS {written}) AS x",
                f"CREATE TABLE ds.typed (x {written})"):
        with pytest.raises(gexc.BadRequest, match=rf"^400 Type not found: {named} \(not a GoogleSQL type"):
            client.query(sql)
    assert client.list_tables("ds") and "typed" not in {t.table_id for t in client.list_tables("ds")}


def test_googlesql_type_names_and_aliases_are_accepted_and_a_column_named_like_a_type_is_a_column(
        client: DuckDBClient) -> None:
    from shared_services.bigquery.rules import GOOGLESQL_TYPE_NAMES

    written = ["INT64", "INT", "SMALLINT", "INTEGER", "BIGINT", "TINYINT", "BYTEINT", "NUMERIC", "DECIMAL",
               "BIGNUMERIC", "BIGDECIMAL", "FLOAT64", "BOOL", "BOOLEAN", "STRING", "BYTES", "DATE", "DATETIME",
               "TIME", "TIMESTAMP", "JSON", "INTERVAL", "ARRAY<INT64>", "STRUCT<a STRING, b ARRAY<FLOAT64>>"]
    assert {w.split("<")[0].split("(")[0] for w in written} | {"GEOGRAPHY", "RANGE"} == GOOGLESQL_TYPE_NAMES
    client.query("SELECT " + ", ".join(f"CAST(NULL AS {w}) AS c{i}" for i, w in enumerate(written))).result()
    client.query("CREATE TABLE ds.words (text STRING, double FLOAT64, uuid STRING, code STRING, "
                 "amount NUMERIC)").result()  # (parameterized columns: see the unenforced-column test)
    client.query("SELECT text, double AS real, CAST(uuid AS STRING) AS varchar FROM ds.words").result()
    client.query("SELECT DATE '2025-01-15' AS a, DATETIME '2025-01-15 10:00:00' AS b, TIMESTAMP '2025-01-15' AS c, "
                 "JSON '{}' AS d, NUMERIC '1.5' AS e, INTERVAL 1 DAY AS f, "
                 "EXTRACT(YEAR FROM DATE '2025-01-15') AS h, NULL AS i UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, "
                 "NULL, NULL, NULL").result()


@pytest.mark.parametrize("target", ["STRING(10)", "NUMERIC(5, 2)", "BYTES(4)", "ARRAY<NUMERIC(5, 2)>"])
def test_a_parameterized_type_in_a_cast_is_refused(client: DuckDBClient, target: str) -> None:
    """"You can only use parameterized data types with columns and script variables" (data types,
    "Parameterized data types"); DuckDB cast to VARCHAR(10) and DECIMAL(5, 2) without a word."""
    for call in ("CAST", "SAFE_CAST"):
        with pytest.raises(gexc.BadRequest, match=r"^400 Parameterized types are not allowed in CAST: "):
            client.query(f"SELECT {call}('1' AS {target}) AS x")




@pytest.mark.parametrize("sql", [
    "WITH x AS (SELECT * FROM ds.plain) SELECT * FROM x WHERE game_date = DATE '2025-01-15'",  # * : by name
    "WITH r AS (SELECT 1 AS k UNION ALL SELECT 2) SELECT k FROM r WHERE k = 2",                # a UNION
    "WITH RECURSIVE r AS (SELECT 1 AS k UNION ALL SELECT k + 1 FROM r WHERE k < 3) SELECT k FROM r WHERE k = 2",
    "WITH a AS (SELECT game_date AS d FROM ds.plain) SELECT * FROM a, ds.plain WHERE d = game_date",
    "SELECT s.day FROM (SELECT game_date AS day FROM ds.plain) AS s WHERE s.day = '2025-01-15'",
    "WITH x AS (SELECT game_id FROM ds.plain) SELECT * FROM x WHERE game_id = 'g1'",
])
def test_cte_and_derived_table_columns_bigquery_accepts_pass(client: DuckDBClient, sql: str) -> None:
    client.query(sql).result()


def test_a_cte_that_reads_itself_ends_the_type_walk(client: DuckDBClient) -> None:
    """A (not valid) self-reading CTE: the type checker follows it a bounded number of levels and
    gives up; DuckDB then refuses the statement in its words (no RecursionError, no hang)."""
    with pytest.raises(gexc.BadRequest):
        client.query("WITH RECURSIVE r AS (SELECT k AS k FROM r) SELECT k FROM r WHERE k = 1")


@pytest.mark.parametrize(("sql", "message"), [
    # operators, "Array subscript operator": an ARRAY, a JSON value or a STRUCT; DuckDB indexed a STRING
    ("SELECT other[0] AS c FROM ds.plain", "^400 Element access using \\[\\] is not supported on values of type STRING$"),
    ("SELECT other[OFFSET(0)] AS c FROM ds.plain", "values of type STRING"),
    ("SELECT 'abc'[0] AS c", "values of type STRING"),
    ("SELECT game_date[0] AS c FROM ds.plain", "values of type DATE"),
    # data types, "Comparable data types": not JSON, not ARRAY
    ("SELECT * FROM (SELECT JSON '{}' AS j) WHERE j = j", "^400 Equality is not defined for arguments of type JSON$"),
    ("SELECT * FROM (SELECT JSON '{}' AS j) WHERE j = '{}'", "Equality is not defined for arguments of type JSON"),
    ("SELECT * FROM (SELECT [1, 2] AS a) WHERE a = a", "Equality is not defined for arguments of type ARRAY"),
])
def test_subscripts_of_scalars_and_comparisons_of_json_or_arrays_are_refused(client: DuckDBClient, sql: str,
                                                                            message: str) -> None:
    assert client._conn.raw.execute("SELECT 'abc'[1], '{}'::JSON = '{}'::JSON, [1] = [1]").fetchone() == (
        "a", True, True)  # DuckDB's own: all fine
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(sql)


def test_subscripts_and_comparisons_bigquery_has_pass(client: DuckDBClient) -> None:
    client.query("SELECT a[OFFSET(0)] AS x, j[0] AS y, j['k'] AS z, JSON_VALUE(j, '$.k') = 'v' AS w, "
                 "ARRAY_LENGTH(a) = 2 AS v, STRING(j['k']) = 'v' AS u "
                 "FROM (SELECT [1, 2] AS a, JSON '{\"k\": \"v\"}' AS j)").result()


@pytest.mark.parametrize(("sql", "message"), [
    # data types, "Orderable data types": not ARRAY, STRUCT, GEOGRAPHY, JSON
    ("SELECT j FROM (SELECT JSON '{}' AS j) ORDER BY j", "^400 ORDER BY does not support expressions of type JSON$"),
    ("SELECT a FROM (SELECT [1] AS a) ORDER BY a", "ORDER BY does not support expressions of type ARRAY"),
    ("SELECT STRING_AGG(other ORDER BY j) AS s FROM (SELECT 'x' AS other, JSON '1' AS j)", "type JSON"),
    # "Groupable data types": GROUP BY, DISTINCT and PARTITION BY, not JSON; PARTITION BY no FLOAT64
    ("SELECT j, COUNT(*) AS n FROM (SELECT JSON '{}' AS j) GROUP BY j", "^400 Grouping by expressions of type JSON"),
    ("SELECT DISTINCT game_id, j FROM (SELECT game_id, JSON '{}' AS j FROM ds.plain)",
     "^400 Column 2 of type JSON cannot be used in SELECT DISTINCT$"),
    ("SELECT * FROM (SELECT DISTINCT JSON '{}' AS j)", "Column 1 of type JSON cannot be used in SELECT DISTINCT"),
    ("SELECT SUM(pts) OVER (PARTITION BY CAST(pts AS FLOAT64)) AS s FROM ds.games WHERE game_date = @d",
     "^400 Partitioning by expressions of type FLOAT64 is not allowed$"),
])
def test_ordering_grouping_and_partitioning_by_types_bigquery_cannot_are_refused(
        client: DuckDBClient, sql: str, message: str) -> None:
    raw = client._conn.raw
    assert raw.execute("SELECT count(DISTINCT j) FROM (SELECT '{}'::JSON AS j)").fetchone() == (1,)  # DuckDB: fine
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(sql, job_config=cfg(P("d", "DATE", dt.date(2025, 1, 15))))


def test_ordering_grouping_and_partitioning_bigquery_allows_pass(client: DuckDBClient) -> None:
    client.query("SELECT a, COUNT(*) AS n FROM (SELECT [1] AS a) GROUP BY a").result()  # ARRAY is groupable
    client.query("SELECT DISTINCT pts, CAST(pts AS FLOAT64) AS f FROM ds.games WHERE game_date = @d "
                 "ORDER BY f", job_config=cfg(P("d", "DATE", dt.date(2025, 1, 15)))).result()
    client.query("SELECT SUM(pts) OVER (PARTITION BY game_id ORDER BY CAST(pts AS FLOAT64)) AS s FROM ds.games "
                 "WHERE game_date = @d", job_config=cfg(P("d", "DATE", dt.date(2025, 1, 15)))).result()


@pytest.mark.parametrize(("sql", "name"), [
    ("SELECT LAX_INT64(JSON '1')", "LAX_INT64"),
    ("SELECT LAX_BOOL(JSON 'true')", "LAX_BOOL"),  # (BOOL(json) is emulated since stop 33)
    ("SELECT JSON_KEYS(JSON '{\"a\": 1}')", "JSON_KEYS"),
    ("SELECT JSON_ARRAY_APPEND(JSON '[1]', '$', 2)", "JSON_ARRAY_APPEND"),
])
def test_a_googlesql_function_not_emulated_is_named_as_written(client: DuckDBClient, sql: str, name: str) -> None:
    # It passes the GoogleSQL function list; DuckDB has no such function. The message used to be
    # DuckDB's ("Scalar Function with name j_s_o_n_bool does not exist! Did you mean "json"?").
    with pytest.raises(gexc.BadRequest) as raised:
        client.query(sql).result()
    assert str(raised.value) == (f"400 Function not supported by the embedded warehouse: {name} (GoogleSQL has it, "
                                 "the embedded warehouse does not emulate it; write the query with other functions "
                                 "or run it on BigQuery)")


# --------------------------------------------------------------------------- table kinds
@pytest.mark.parametrize(("sql", "named"), [
    ("CREATE TABLE ds.r (id INT64) PARTITION BY RANGE_BUCKET(id, GENERATE_ARRAY(0, 100, 10)) "
     "OPTIONS (require_partition_filter = TRUE)", "Integer-range partitioning (PARTITION BY RANGE_BUCKET)"),
    ("CREATE TABLE ds.i (id INT64) PARTITION BY _PARTITIONDATE", "Ingestion-time partitioning"),
    ("CREATE TABLE ds.i (id INT64) PARTITION BY DATE(_PARTITIONTIME)", "Ingestion-time partitioning"),
    ("CREATE MATERIALIZED VIEW ds.mv AS SELECT game_id FROM ds.plain", "CREATE MATERIALIZED VIEW statements"),
    ("CREATE EXTERNAL TABLE ds.e OPTIONS (format = 'CSV', uris = ['gs://b/x.csv'])", "CREATE EXTERNAL TABLE statements"),
    ("CREATE TABLE ds.c CLONE ds.plain", "CREATE TABLE ... CLONE / COPY statements"),
    ("CREATE TABLE ds.c COPY ds.plain", "CREATE TABLE ... CLONE / COPY statements"),
    # (stop 35) it was "Unsupported OPTIONS value ''": the OPTIONS check read the LIKE as an option
    ("CREATE TABLE ds.c LIKE ds.plain", "CREATE TABLE ... LIKE statements"),
    ("CREATE OR REPLACE TABLE ds.c LIKE ds.plain AS SELECT * FROM ds.plain", "CREATE TABLE ... LIKE statements"),
])
def test_a_create_the_warehouse_would_make_a_plain_table_of_is_refused_by_name(client, sql, named) -> None:
    """data-definition-language#create_table_statement: these forms mean something else there
    (a range-partitioned table with require_partition_filter refuses unfiltered queries; an
    external table reads files; a materialized view has its own limits). Made plain here,
    they used to run (or fail with a DuckDB parser error or a misleading "field not found")."""
    with pytest.raises(gexc.BadRequest, match=rf"^400 {re.escape(named)} .*not supported by the embedded warehouse"):
        run(client, sql)
    assert {t.table_id for t in client.list_tables("ds")} == {"games", "log", "plain"}


def _range_partitioned() -> bigquery.Table:
    table = bigquery.Table("proj.ds.r", schema=[bigquery.SchemaField("id", "INT64")])
    table.range_partitioning = bigquery.RangePartitioning(field="id", range_=bigquery.PartitionRange(0, 100, 10))
    table.require_partition_filter = True
    return table


def _ingestion_time() -> bigquery.Table:
    table = bigquery.Table("proj.ds.r", schema=[bigquery.SchemaField("id", "INT64")])
    table.time_partitioning = bigquery.TimePartitioning()
    return table


def _external() -> bigquery.Table:
    table = bigquery.Table("proj.ds.r")
    table.external_data_configuration = bigquery.ExternalConfig("CSV")
    return table


def _materialized() -> bigquery.Table:
    table = bigquery.Table("proj.ds.r")
    table.mview_query = "SELECT game_id FROM `proj.ds.plain`"
    return table


def _legacy_view() -> bigquery.Table:
    table = bigquery.Table("proj.ds.r")
    table.view_query = "SELECT game_id FROM [proj:ds.plain]"
    table.view_use_legacy_sql = True
    return table


@pytest.mark.parametrize(("make", "named"), [
    (_range_partitioned, "range_partitioning"), (_ingestion_time, "ingestion-time partitioning"),
    (_external, "external_data_configuration"), (_materialized, "mview_query"), (_legacy_view, "legacy SQL view"),
])
def test_create_table_of_a_kind_the_warehouse_would_make_plain_is_refused_by_name(client, make, named) -> None:
    with pytest.raises(gexc.BadRequest, match=rf"Table ds\.r: .*{named}.*not supported by the embedded warehouse"):
        client.create_table(make())
    with pytest.raises(gexc.NotFound):
        client.get_table("proj.ds.r")


def test_a_load_creating_an_ingestion_time_partitioned_table_is_refused(client) -> None:
    config = bigquery.LoadJobConfig(schema=[bigquery.SchemaField("id", "INT64")],
                                    time_partitioning=bigquery.TimePartitioning())
    with pytest.raises(gexc.BadRequest, match="ingestion-time partitioning"):
        client.load_table_from_json([{"id": 1}], "proj.ds.r", job_config=config).result()
    with pytest.raises(gexc.NotFound):
        client.get_table("proj.ds.r")


@pytest.mark.parametrize(("table", "field", "message"), [
    ("t!x", "x", r'Invalid table ID "t!x"'),
    ("t#1", "x", r'Invalid table ID "t#1"'),
    ("a" * 1025, "x", "Invalid table ID"),
    ("fine", "bad-col", r'Invalid field name "bad-col"'),
    ("fine", "_PARTITIONTIME", r'Invalid field name "_PARTITIONTIME"'),
])
def test_a_load_creates_only_tables_bigquery_would_create(client, table, field, message) -> None:
    """tables#table_naming, schemas#column_names: a load that creates its table is checked as
    create_table is (it used to create 't!x' with a column 'bad-col')."""
    config = bigquery.LoadJobConfig(schema=[bigquery.SchemaField(field, "INT64")])
    with pytest.raises(gexc.BadRequest, match=message):
        client.load_table_from_json([{field: 1}], f"proj.ds.{table}", job_config=config).result()
    assert {t.table_id for t in client.list_tables("ds")} == {"games", "log", "plain"}


def test_a_load_creates_tables_with_the_names_bigquery_allows(client) -> None:
    config = bigquery.LoadJobConfig(schema=[bigquery.SchemaField("x", "INT64")])
    for table in ("table 01", "étudiant-01", "00_お客様"):
        client.load_table_from_json([{"x": 1}], f"proj.ds.{table}", job_config=config).result()
        assert client.get_table(f"proj.ds.{table}").num_rows == 1


# --------------------------------------------------------------------------- datasets
@pytest.mark.parametrize("name", ["bad-name", "a b", "é", "x" * 1025, "ds;DROP"])
def test_a_dataset_id_bigquery_refuses_is_refused_by_the_api_and_by_ddl(client, name) -> None:
    """datasets#dataset-naming: letters, numbers and underscores, at most 1,024 characters.
    Both paths used to create any name DuckDB takes."""
    with pytest.raises(gexc.BadRequest, match="Invalid dataset ID"):
        client.create_dataset(name)
    with pytest.raises(gexc.BadRequest, match="Invalid dataset ID"):
        run(client, f"CREATE SCHEMA `{name}`")
    with pytest.raises(gexc.NotFound):
        client.get_dataset("a_b" if name == "a b" else "nothing_made")


@pytest.mark.parametrize(("options", "named"), [
    ("OPTIONS (is_case_insensitive = TRUE)", "is_case_insensitive"),
    ("OPTIONS (default_rounding_mode = 'ROUND_HALF_EVEN')", "default_rounding_mode"),
    ("DEFAULT COLLATE 'und:ci'", "DEFAULT COLLATE"),
])
def test_a_dataset_option_that_changes_comparisons_is_refused(client, options, named) -> None:
    """Case-insensitive names, a collation or a rounding mode change results there; the
    embedded warehouse would ignore them."""
    with pytest.raises(gexc.BadRequest, match=rf"^400 CREATE SCHEMA with {named}: not supported by the embedded "
                                              r"warehouse \(it would be ignored here\)$"):
        run(client, f"CREATE SCHEMA ci {options}")
    run(client, "CREATE SCHEMA ci OPTIONS (is_case_insensitive = FALSE, description = 'fine')")
    dataset = bigquery.Dataset("proj.ci2")
    dataset.is_case_insensitive = True
    with pytest.raises(gexc.BadRequest, match="Dataset ci2: is_case_insensitive not supported"):
        client.create_dataset(dataset)


def test_dataset_ids_are_checked_by_their_rule_and_named_in_the_refusal(client) -> None:
    """An empty or over-long id is refused too, the message quotes (at most 100 characters of)
    it, and `project.dataset` in one pair of backticks creates the dataset."""
    from shared_services.bigquery.rules import validate_dataset_id

    with pytest.raises(gexc.BadRequest, match=r'^400 Invalid dataset ID "". Dataset IDs must be alphanumeric'):
        validate_dataset_id("")
    with pytest.raises(gexc.BadRequest, match=r'Invalid dataset ID "bad-name"\.'):
        validate_dataset_id("bad-name")
    with pytest.raises(gexc.BadRequest) as refused:
        validate_dataset_id("x" * 1025)
    assert f'"{"x" * 100}"' in refused.value.message
    validate_dataset_id("x" * 1024)
    # `project.dataset` in one pair of backticks (as `coverage-setup --print-ddl` writes it) is
    # the dataset: it used to make a DuckDB schema named "proj.quoted_ds".
    run(client, "CREATE SCHEMA `proj.quoted_ds`; CREATE TABLE quoted_ds.t (x INT64)")
    assert client.get_dataset("quoted_ds").dataset_id == "quoted_ds"
    assert [t.table_id for t in client.list_tables("quoted_ds")] == ["t"]
    run(client, "DROP SCHEMA `proj.quoted_ds` CASCADE")
    with pytest.raises(gexc.NotFound):
        client.get_dataset("quoted_ds")


# --------------------------------------------------------------------------- parameters
@pytest.mark.parametrize(("sql", "params", "message"), [
    ("CREATE VIEW ds.pv AS SELECT game_id FROM ds.plain WHERE other = @x", [P("x", "STRING", "a")],
     "Query parameters can't be used in the SQL body of CREATE VIEW statements"),
    ("CREATE FUNCTION ds.pf(n INT64) AS (n + @x)", [P("x", "INT64", 1)],
     "Query parameters can't be used in the SQL body of CREATE FUNCTION statements"),
    ("CREATE TEMP FUNCTION pf(n INT64) AS (n + ?); SELECT pf(1) AS v", [P(None, "INT64", 1)],
     "Query parameters can't be used in the SQL body of CREATE FUNCTION statements"),
    ("SELECT @x AS a, ? AS b", [P("x", "INT64", 1)],
     r"Named query parameters can't be used alongside positional query parameters \(\? and @name"),
    ("SELECT @x AS a", [P("x", "INT64", 1), P(None, "INT64", 2)],
     r"Named query parameters can't be used alongside positional query parameters \(the job's parameters"),
])
def test_parameters_only_where_bigquery_takes_them(client, sql, params, message) -> None:
    """lexical#query_parameters. DuckDB said "Binder Error: Unexpected prepared parameter", or
    reported the ? as a missing parameter @__p0."""
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(sql, job_config=cfg(*params)).result()
    assert {t.table_id for t in client.list_tables("ds")} == {"games", "log", "plain"}


def test_the_references_merge_with_a_subquery_in_its_when_clause_still_runs(tmp_path) -> None:
    """dml-syntax's MERGE example with ``(SELECT AVG(quantity) FROM dataset.Inventory)`` in a WHEN
    clause: `quantity` is the inner table's column, so it is not correlated (no false refusal)."""
    c = DuckDBClient(str(tmp_path / "ref.duckdb"))
    c.create_dataset("dataset")
    c.query("CREATE TABLE dataset.Inventory (product STRING, quantity INT64)").result()
    c.query("CREATE TABLE dataset.DetailedInventory (product STRING, quantity INT64, supply_constrained BOOL, "
            "comments ARRAY<STRUCT<created DATE, comment STRING>>)").result()
    c.query("INSERT INTO dataset.Inventory VALUES ('a', 10), ('b', 30)").result()
    c.query("INSERT INTO dataset.DetailedInventory (product, quantity, supply_constrained, comments) "
            "VALUES ('a', 10, false, []), ('b', 30, false, [])").result()
    c.query("MERGE dataset.DetailedInventory T USING dataset.Inventory S ON T.product = S.product "
            "WHEN MATCHED AND S.quantity < (SELECT AVG(quantity) FROM dataset.Inventory) THEN "
            "UPDATE SET comments = ARRAY_CONCAT(comments, ARRAY<STRUCT<created DATE, comment STRING>>"
            "[(CAST('2016-02-01' AS DATE), 'comment2')])").result()
    rows = c.query("SELECT product, comments FROM dataset.DetailedInventory ORDER BY product").result()
    assert [(r.product, len(r.comments)) for r in rows] == [("a", 1), ("b", 0)]
    c.close()



# --------------------------------------------------------------------------- unenforced columns
@pytest.mark.parametrize(("sql", "message"), [
    ("CREATE TABLE ds.u (s STRING(3))", r"Column s: parameterized type STRING\(3\) is not enforced"),
    ("CREATE TABLE ds.u (n NUMERIC(4, 1))", r"Column n: parameterized type NUMERIC\(4, 1\) is not enforced"),
    ("CREATE TABLE ds.u (a ARRAY<STRING(2)>)", r"Column a: parameterized type ARRAY<STRING\(2\)>"),
    ("CREATE TABLE ds.u (d STRING DEFAULT 'x')", "Column d: DEFAULT values are not supported"),
    ("ALTER TABLE ds.plain ADD COLUMN s BYTES(3)", r"Column s: parameterized type BYTES\(3\)"),
    ("ALTER TABLE ds.plain ADD COLUMN d INT64 DEFAULT 1", "Column d: DEFAULT values are not supported"),
])
def test_a_column_rule_the_warehouse_would_not_enforce_is_refused_in_ddl(client, sql, message) -> None:
    """data-types#parameterized_data_types: BigQuery refuses a longer string or a wider number
    for such a column; a DEFAULT is filled in there when a write leaves the column out. Here a
    7-letter string went into STRING(3) and the default stayed NULL."""
    with pytest.raises(gexc.BadRequest, match=message):
        run(client, sql)
    assert {t.table_id for t in client.list_tables("ds")} == {"games", "log", "plain"}
    assert [f.name for f in client.get_table("proj.ds.plain").schema] == ["game_id", "game_date", "other"]


@pytest.mark.parametrize("field", [
    bigquery.SchemaField("s", "STRING", max_length=3), bigquery.SchemaField("n", "NUMERIC", precision=4, scale=1),
    bigquery.SchemaField("d", "STRING", default_value_expression="'x'"),
    bigquery.SchemaField("r", "RECORD", fields=[bigquery.SchemaField("s", "STRING", max_length=2)]),
], ids=["max_length", "precision", "default", "nested"])
def test_a_field_rule_the_warehouse_would_not_enforce_is_refused_by_the_api(client, field) -> None:
    with pytest.raises(gexc.BadRequest, match="not enforced by the embedded warehouse|not supported by the embedded"):
        client.create_table(bigquery.Table("proj.ds.u", schema=[field]))
    config = bigquery.LoadJobConfig(schema=[field])
    with pytest.raises(gexc.BadRequest, match="not enforced by the embedded warehouse|not supported by the embedded"):
        client.load_table_from_json([], "proj.ds.u2", job_config=config).result()
    assert {t.table_id for t in client.list_tables("ds")} == {"games", "log", "plain"}
