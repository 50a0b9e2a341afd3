"""Every SQL statement the package can emit parses as BigQuery SQL (sqlglot)."""

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
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE, PLAYER_GAME_SUMMARY
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
