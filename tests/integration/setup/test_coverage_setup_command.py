"""coverage-setup: idempotent setup on a DuckDB file, DDL printing without a warehouse."""

from __future__ import annotations

import pytest
import sqlglot

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.provisioning import main
from shared_services.bigquery.schemas import TABLES


def test_setup_twice_on_a_duckdb_file(tmp_path, capsys):
    url = f"duckdb:///{tmp_path}/w.duckdb"
    assert main(["--warehouse", url]) == 0
    first = capsys.readouterr().out
    assert f"{len(TABLES)} table(s) created" in first
    assert main(["--warehouse", url]) == 0
    second = capsys.readouterr().out
    assert f"0 table(s) created, {len(TABLES)} already present" in second
    client = DuckDBClient(str(tmp_path / "w.duckdb"))
    summary = client.query(
        "SELECT * FROM nba_reference.game_source_coverage_summary(DATE '2025-01-01', DATE '2025-01-31')"
    ).to_dataframe()
    assert list(summary.columns)[:3] == ["game_id", "game_date", "season"]
    client.close()


def test_print_ddl_touches_no_warehouse(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COVERAGE_WAREHOUSE", "bigquery://would-need-credentials")
    assert main(["--print-ddl", "--project", "my-project"]) == 0
    out = capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
    statements = [s for s in out.split(";\n") if s.strip()]
    for statement in statements:
        sqlglot.parse_one(statement, read="bigquery")
    log_ddl = next(s for s in statements if "source_coverage_log` (" in s)
    assert "PARTITION BY DATE(`event_timestamp`)" in log_ddl  # every column name quoted
    assert "CLUSTER BY `severity`, `event_type`, `game_id`" in log_ddl
    assert "partition_expiration_days=730" in log_ddl and "require_partition_filter=TRUE" in log_ddl
    assert "`fallback_sources_tried` ARRAY<STRING>" in log_ddl
    assert "`my-project.nba_reference.source_coverage_log`" in log_ddl
    assert "CASE MAX(CASE severity WHEN 'critical' THEN 2" in out  # ranked, never MAX(severity)
    function_ddl = next(s.strip() for s in statements if "TABLE FUNCTION" in s)
    # fully qualified: a two-part name would resolve against the project RUNNING the query
    assert function_ddl.startswith(
        "CREATE OR REPLACE TABLE FUNCTION `my-project.nba_reference.game_source_coverage_summary`"
        "(start_date DATE, end_date DATE)")
    assert "FROM `my-project.nba_reference.source_coverage_log`" in function_ddl
    assert "VIEW" not in out


@pytest.mark.parametrize("project", ["p", "My-Project", "my_project", "1project", "my-project-", "x" * 31,
                                     "my-project; DROP TABLE t", "my-project`"])
def test_a_bad_project_is_a_usage_error_naming_the_rule(project, tmp_path, monkeypatch, capsys):
    # Was exit 4 ("unexpected") with a message that blamed letters and underscores.
    monkeypatch.chdir(tmp_path)
    assert main(["--print-ddl", "--project", project]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and list(tmp_path.iterdir()) == []
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err
    assert "argument --project" in lines[0] and repr(project) in lines[0]
    assert "6 to 30 characters: lowercase letters, digits and hyphens" in lines[0]


def test_a_project_id_at_the_rules_edges_is_accepted(capsys):
    for project in ("abcdef", "a" + "b" * 28 + "9", "my-project-2"):
        assert main(["--print-ddl", "--project", f" {project} "]) == 0
        assert f"`{project}.nba_reference.source_coverage_log`" in capsys.readouterr().out


def test_bad_warehouse_url_is_a_usage_error(capsys):

    assert main(["--warehouse", "sqlite:///x.db"]) == 2
    assert "accepted forms" in capsys.readouterr().err


def test_summary_view_ranks_severity_and_tier_instead_of_sorting_strings(warehouse):
    from shared_services.events.model import build_event_row
    from shared_services.events.sink import EventSink

    rows = [
        build_event_row("fallback_used", "warning", "w", game_id="g1", game_date="2025-01-15",
                        quality_after={"tier": "silver", "score": 85.0}),
        build_event_row("source_missing", "critical", "c", game_id="g1", game_date="2025-01-15",
                        quality_after={"tier": "gold", "score": 99.0}),
        build_event_row("thin_sample", "info", "i", game_id="g1", game_date="2025-01-15",
                        quality_after={"tier": "unusable", "score": 0.0}),
        build_event_row("thin_sample", "warning", "w2", game_id="g2", game_date="2025-01-15",
                        quality_after={"tier": "poor", "score": 30.0}),
        build_event_row("thin_sample", "info", "i2", game_id="g2", game_date="2025-01-15",
                        quality_after={"tier": "bronze", "score": 60.0}),
    ]
    assert EventSink(warehouse).write(rows).ok
    view = warehouse.query(
        "SELECT game_id, worst_severity, overall_tier, critical_count, event_count, min_quality_score "
        "FROM nba_reference.game_source_coverage_summary(DATE '2025-01-01', DATE '2025-01-31') "
        "ORDER BY game_id").to_dataframe()
    assert view.to_dict("records") == [
        {"game_id": "g1", "worst_severity": "critical", "overall_tier": "unusable", "critical_count": 1,
         "event_count": 3, "min_quality_score": 0.0},
        {"game_id": "g2", "worst_severity": "warning", "overall_tier": "poor", "critical_count": 0,
         "event_count": 2, "min_quality_score": 30.0},
    ]
