"""Every SQL statement the package can emit parses as BigQuery SQL (sqlglot), reads every
``require_partition_filter`` table through a filter on its partition column, and takes its
values as ``@named`` parameters (no literal ids or dates spliced in)."""

from __future__ import annotations

import sqlglot

from data_processors.analytics.player_game_summary.player_game_summary_processor import (
    SCHEDULE_SQL,
    source_query_sql,
)
from data_processors.demo.attribution import _queries as attribution_queries
from data_processors.precompute.dependents import missing_input_sql
from data_processors.precompute.player_rolling_average_processor import rolling_inputs_sql
from data_processors.precompute.staleness import stale_rows_sql
from data_processors.predictions.prediction_generator import features_sql
from data_processors.source_coverage_audit import DEFAULT_AUDIT_TABLES, SourceCoverageAuditProcessor
from shared_services.alerts.dispatcher import lookback_sql
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.provisioning import ddl_statements
from shared_services.bigquery.rules import unfiltered_partition_tables
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE, PLAYER_GAME_SUMMARY, TABLES
from shared_services.bigquery.writer import merge_sql


def statements():
    yield from ddl_statements()
    yield from ddl_statements("my-project")
    yield lookback_sql(COVERAGE_LOG_TABLE)
    yield merge_sql(PLAYER_GAME_SUMMARY.table_id, "nba_analytics._staging_x", PLAYER_GAME_SUMMARY.column_names,
                    ["game_id"], "game_date")
    yield merge_sql("ds.t", "ds.s", ["a", "b"], ["a", "b"], "ts", partition_is_timestamp=True)
    yield SCHEDULE_SQL
    yield source_query_sql("nba_raw.bdl_player_boxscores", per_game=True)
    yield source_query_sql("nba_raw.bdl_player_boxscores", per_game=False)
    yield rolling_inputs_sql(PLAYER_GAME_SUMMARY.table_id, explicit_players=True)
    yield rolling_inputs_sql(PLAYER_GAME_SUMMARY.table_id, explicit_players=False)
    yield stale_rows_sql()
    yield missing_input_sql()
    for _table, sql in attribution_queries():
        yield sql
    yield features_sql()
    audit = SourceCoverageAuditProcessor(bq_client=DuckDBClient(":memory:"))
    yield audit.log_state_sql()
    yield audit.resolve_sql()
    for spec in DEFAULT_AUDIT_TABLES:
        yield audit.table_presence_sql(spec)


def test_every_statement_parses_as_bigquery():
    count = 0
    for sql in statements():
        parsed = sqlglot.parse(sql, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
        assert parsed and all(p is not None for p in parsed), sql
        count += 1
    assert count >= 30


#: (dataset, table) -> (partition column, is TIMESTAMP) of every table created with
#: require_partition_filter (the map the embedded warehouse checks with)
REQUIRED = {
    tuple(t.table_id.lower().split(".")): (
        t.partition_field,
        next(f.field_type.upper() for f in t.schema if f.name == t.partition_field) == "TIMESTAMP",
    )
    for t in TABLES if t.require_partition_filter and t.partition_field
}


def test_every_statement_filters_required_partitions():
    assert ("nba_reference", "source_coverage_log") in REQUIRED  # the map is not empty by mistake
    checked = 0
    for sql in statements():
        for tree in sqlglot.parse(sql, read="bigquery"):
            if tree is None or tree.key in ("create", "drop", "alter"):
                continue
            assert unfiltered_partition_tables(tree, REQUIRED) == [], sql
            checked += 1
    assert checked >= 15


def test_query_values_are_parameters():
    # Statements that read by date/id take @parameters; none holds a quoted game id or date.
    reads = [lookback_sql(COVERAGE_LOG_TABLE), SCHEDULE_SQL, stale_rows_sql(), features_sql(),
             rolling_inputs_sql(PLAYER_GAME_SUMMARY.table_id, explicit_players=True),
             source_query_sql("nba_raw.bdl_player_boxscores", per_game=True)]
    for sql in reads:
        tree = sqlglot.parse_one(sql, read="bigquery")
        assert list(tree.find_all(sqlglot.exp.Parameter)) or "@" in sql, sql
        literals = [lit.this for lit in tree.find_all(sqlglot.exp.Literal) if lit.is_string]
        assert not [v for v in literals if v[:2] in ("00", "20") and v[:4].isdigit()], (sql, literals)


def test_the_printed_ddl_with_a_project_builds_the_warehouse_it_describes():
    """``coverage-setup --print-ddl --project P`` writes ``CREATE SCHEMA `P.dataset```: run on the
    embedded warehouse, each statement works and the datasets get their own names (the quoted
    path used to make a schema named "P.nba_raw")."""
    client = DuckDBClient(":memory:", project="my-project")
    for statement in ddl_statements("my-project"):
        client.query(statement).result()
    datasets = {t.dataset for t in TABLES}
    for dataset in datasets:
        assert client.get_dataset(dataset).dataset_id == dataset
    assert {f"{t.dataset_id}.{t.table_id}" for dataset in datasets for t in client.list_tables(dataset)} \
        >= {t.table_id for t in TABLES}
    client.close()
