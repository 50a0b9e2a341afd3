"""The per-game coverage summary is a table function over a game-date range: it satisfies the
log's partition filter (the old view never could), keeps the view's columns and ranking, and
is created with fully qualified names on both adapters."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.provisioning import ensure_schema, table_function_ddl
from shared_services.bigquery.schemas import (
    COVERAGE_LOG_TABLE,
    GAME_COVERAGE_SUMMARY_FUNCTION,
    TableFunctionSpec,
)
from shared_services.events.model import build_event_row
from shared_services.events.sink import EventSink
from tests.support.bq_standin import BigQueryStandIn

SUMMARY_COLUMNS = [
    "game_id", "game_date", "season", "event_types", "event_count", "players_affected",
    "has_synthetic_events", "worst_severity", "critical_count", "warning_count", "info_count",
    "has_unresolved_critical", "unresolved_count", "min_quality_score", "max_quality_score",
    "avg_quality_score", "overall_tier", "primary_sources", "first_event_at", "last_event_at",
]


def _summary(client, start: str, end: str) -> list[dict]:
    cfg = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("start_date", "DATE", start),
        bigquery.ScalarQueryParameter("end_date", "DATE", end)])
    sql = GAME_COVERAGE_SUMMARY_FUNCTION.call_sql("@start_date", "@end_date") + " ORDER BY game_id"
    return [dict(r.items()) for r in client.query(sql, job_config=cfg).result()]


def test_date_range_selects_games_and_reads_late_events(warehouse):
    now = datetime.now(UTC)
    early = datetime(2025, 1, 13, 12, tzinfo=UTC)  # two days before the game
    rows = [
        build_event_row("source_missing", "critical", "c", game_id="g1", game_date="2025-01-15", now=now),
        build_event_row("fallback_used", "warning", "w", game_id="g1", game_date="2025-01-15", now=early),
        build_event_row("fallback_used", "warning", "w", game_id="g2", game_date="2025-01-20", now=now),
        build_event_row("fallback_used", "info", "i", game_date="2025-01-15", now=now),  # no game id
    ]
    assert EventSink(warehouse).write(rows).ok
    # An event written today about a 2025 game counts (audits and backfills write late); the
    # read starts the day before start_date, so the event of the 13th is outside it here...
    one_day = _summary(warehouse, "2025-01-15", "2025-01-15")
    assert [(r["game_id"], r["event_count"], r["worst_severity"]) for r in one_day] == [("g1", 1, "critical")]
    # ... and inside it when the range starts on the 13th.
    wider = _summary(warehouse, "2025-01-13", "2025-01-31")
    assert [(r["game_id"], r["event_count"]) for r in wider] == [("g1", 2), ("g2", 1)]
    assert _summary(warehouse, "2025-02-01", "2025-02-28") == []


def test_summary_keeps_the_views_columns(warehouse):
    cfg = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("s", "DATE", date(2025, 1, 1)),
        bigquery.ScalarQueryParameter("e", "DATE", date(2025, 1, 31))])
    job = warehouse.query(GAME_COVERAGE_SUMMARY_FUNCTION.call_sql("@s", "@e"), job_config=cfg)
    assert [f.name for f in job.schema] == SUMMARY_COLUMNS


def test_a_string_argument_is_rejected_like_a_missing_signature(warehouse):
    with pytest.raises(gexc.BadRequest):
        warehouse.query(GAME_COVERAGE_SUMMARY_FUNCTION.call_sql("'x'", "3"))


def test_a_function_body_without_the_partition_filter_is_rejected(warehouse):
    unfiltered = TableFunctionSpec(
        "nba_reference.unfiltered_summary", (("start_date", "DATE"),),
        "SELECT game_id, COUNT(*) AS n FROM {coverage_log} WHERE game_date >= start_date GROUP BY game_id",
        (("coverage_log", COVERAGE_LOG_TABLE),))
    with pytest.raises(gexc.BadRequest, match="without a filter over column.*event_timestamp"):
        warehouse.query(table_function_ddl(unfiltered, warehouse.project))
    # the same check dry-run: rejected, nothing created
    with pytest.raises(gexc.BadRequest):
        warehouse.query(table_function_ddl(unfiltered, warehouse.project),
                        job_config=bigquery.QueryJobConfig(dry_run=True))


def test_a_function_body_goes_through_the_same_rules_with_arguments_as_typed_constants(warehouse):
    """The body is checked like any query: its arguments stand for typed constants (a filter
    comparing the partition column with one counts), DuckDB-only syntax is rejected, and an
    argument compared with a column of another type has no signature, as on BigQuery."""
    filtered = TableFunctionSpec(
        "nba_reference.events_since", (("since", "TIMESTAMP"),),
        "SELECT event_id FROM {coverage_log} WHERE event_timestamp >= since",
        (("coverage_log", COVERAGE_LOG_TABLE),))
    warehouse.query(table_function_ddl(filtered, warehouse.project)).result()
    duck_only = TableFunctionSpec(
        "nba_reference.duck_only", (("since", "TIMESTAMP"),),
        "SELECT event_id::VARCHAR AS e FROM {coverage_log} WHERE event_timestamp >= since",
        (("coverage_log", COVERAGE_LOG_TABLE),))
    with pytest.raises(gexc.BadRequest, match="::"):
        warehouse.query(table_function_ddl(duck_only, warehouse.project))
    mistyped = TableFunctionSpec(
        "nba_reference.mistyped", (("since", "DATE"),),
        "SELECT event_id FROM {coverage_log} WHERE event_timestamp >= since",
        (("coverage_log", COVERAGE_LOG_TABLE),))
    with pytest.raises(gexc.BadRequest, match="No matching signature"):
        warehouse.query(table_function_ddl(mistyped, warehouse.project))


def test_setup_replaces_the_old_view_and_is_idempotent(tmp_path):
    client = DuckDBClient(str(tmp_path / "w.duckdb"))
    client.create_dataset("nba_reference")
    client.query("CREATE VIEW nba_reference.game_source_coverage_summary AS SELECT 1 AS x").result()
    first = ensure_schema(client)
    assert first.obsolete_views_dropped == ["nba_reference.game_source_coverage_summary"]
    assert first.functions_created == ["nba_reference.game_source_coverage_summary"]
    second = ensure_schema(client)
    assert second.obsolete_views_dropped == [] and second.tables_created == []
    assert _summary(client, "2025-01-01", "2025-01-31") == []
    client.close()


def test_setup_never_drops_a_table_of_the_old_name(tmp_path):
    client = DuckDBClient(str(tmp_path / "w.duckdb"))
    client.create_dataset("nba_reference")
    client.query("CREATE TABLE nba_reference.game_source_coverage_summary AS SELECT 1 AS x").result()
    report = ensure_schema(client)
    assert report.obsolete_views_dropped == []
    assert client.get_table("nba_reference.game_source_coverage_summary").num_rows == 1
    client.close()


def test_ddl_is_fully_qualified_only_when_a_project_is_given():
    with_project = table_function_ddl(GAME_COVERAGE_SUMMARY_FUNCTION, "my-project")
    without = table_function_ddl(GAME_COVERAGE_SUMMARY_FUNCTION)
    assert "`my-project.nba_reference.source_coverage_log`" in with_project
    assert "`my-project.nba_reference.game_source_coverage_summary`" in with_project
    assert "`nba_reference.source_coverage_log`" in without and "my-project" not in without


@pytest.mark.wire
def test_summary_through_the_real_client_on_the_stand_in():
    with BigQueryStandIn() as standin:
        client = standin.make_client()
        report = ensure_schema(client)
        assert report.functions_created == ["nba_reference.game_source_coverage_summary"]
        ddl = [r.json["configuration"]["query"]["query"] for r in standin.find("POST", "/jobs")
               if "TABLE FUNCTION" in r.json["configuration"]["query"]["query"]]
        assert len(ddl) == 1
        assert f"`{standin.project}.nba_reference.source_coverage_log`" in ddl[0]
        rows = [build_event_row("source_missing", "critical", "c", game_id="g1", game_date="2025-01-15",
                                quality_after={"tier": "poor", "score": 30.0})]
        assert EventSink(client, table=f"{standin.project}.{COVERAGE_LOG_TABLE}").write(rows).ok
        summary = _summary(client, "2025-01-01", "2025-01-31")
        assert [(r["game_id"], r["worst_severity"], r["overall_tier"]) for r in summary] == [
            ("g1", "critical", "poor")]
        client.close()


def test_the_operations_guide_example_runs(warehouse):
    """docs/operations.md's summary query, as printed (project replaced by the warehouse's)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "operations.md").read_text()
    blocks = re.findall(r"```sql\n(.*?)```", text, re.DOTALL)
    example = next(b for b in blocks if "game_source_coverage_summary" in b)
    sql = example.replace("my-project.", f"{warehouse.project}.").strip().rstrip(";")
    rows = [build_event_row("source_missing", "critical", "c", game_id="g1",
                            game_date=datetime.now(UTC).date().isoformat())]
    assert EventSink(warehouse).write(rows).ok
    found = list(warehouse.query(sql).result())
    assert [(r.game_id, r.worst_severity, r.critical_count) for r in found] == [("g1", "critical", 1)]
    # dry-run too: what coverage-preflight would do with it
    assert warehouse.query(sql, job_config=bigquery.QueryJobConfig(dry_run=True)).dry_run
