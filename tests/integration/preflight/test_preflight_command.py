"""coverage-preflight on the embedded warehouse and, through the real google-cloud-bigquery
client, on the local HTTP stand-in: every registered statement passes, a rejected one is one
FAIL line with BigQuery's message, nothing is written, and the exit codes are the house ones."""

from __future__ import annotations

import json

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.preflight import main, run_preflight
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE, PLAYER_GAME_SUMMARY, table_spec
from shared_services.bigquery.statements import (
    SAMPLE_DATE,
    LibraryStatement,
    library_statements,
)
from tests.support.bq_standin import BigQueryStandIn

_CATEGORIES = {"alerts", "audit", "health", "phase3", "phase4", "phase5", "replay", "report",
               "setup", "staleness", "write"}


def _seed_summary_row(client) -> None:
    row = {"game_id": "0022400561", "game_date": SAMPLE_DATE.isoformat(), "player_id": "203999",
           "points": 31, "quality_tier": "gold"}
    cfg = bigquery.LoadJobConfig(schema=PLAYER_GAME_SUMMARY.schema)
    client.load_table_from_json([row], PLAYER_GAME_SUMMARY.table_id, job_config=cfg).result()


def test_every_registered_statement_passes_on_the_embedded_warehouse(warehouse):
    result = run_preflight(warehouse)
    assert result.ok, "\n".join(c.line() for c in result.failed)
    names = [c.name for c in result.checks]
    assert names == [s.name for s in library_statements(warehouse.project)]
    assert {n.split(".", 1)[0] for n in names} >= _CATEGORIES
    # composite keys (player_id + analysis_date) are part of the write pattern checked
    assert "write.nba_precompute.player_rolling_averages[player_id,analysis_date]" in names


def test_dry_runs_write_nothing_and_leave_no_staging_table(warehouse):
    _seed_summary_row(warehouse)
    count_jobs = "SELECT count(*) AS n FROM _embedded_meta.jobs"
    before = warehouse._conn.execute(count_jobs).fetchone()[0]
    assert run_preflight(warehouse).ok
    assert warehouse._conn.execute(count_jobs).fetchone()[0] == before  # no job kept
    # the write pattern's DELETE and the audit's UPDATE were bound, not run
    rows = warehouse.query(
        f"SELECT points FROM `{PLAYER_GAME_SUMMARY.table_id}` WHERE game_date = @d",
        job_config=bigquery.QueryJobConfig(query_parameters=[
            bigquery.ScalarQueryParameter("d", "DATE", SAMPLE_DATE)])).result()
    assert [r.points for r in rows] == [31]
    for dataset in ("nba_analytics", "nba_precompute", "nba_predictions"):
        assert not [t for t in warehouse.list_tables(dataset) if "_staging_" in t.table_id]


def test_a_rejected_statement_is_one_fail_line_and_the_rest_still_run(warehouse):
    statements = [
        # what the old summary view did: aggregate the log with no partition filter
        LibraryStatement("bad.log_without_filter",
                         f"SELECT game_id, COUNT(*) AS n FROM `{COVERAGE_LOG_TABLE}` GROUP BY game_id"),
        LibraryStatement("bad.unknown_parameter",
                         f"SELECT game_id FROM `{PLAYER_GAME_SUMMARY.table_id}` WHERE game_date = @nope"),
        *[s for s in library_statements(warehouse.project) if s.name.startswith("audit.")],
    ]
    result = run_preflight(warehouse, statements)
    assert not result.ok
    failed = {c.name: c.error for c in result.failed}
    assert set(failed) == {"bad.log_without_filter", "bad.unknown_parameter"}
    assert failed["bad.log_without_filter"].startswith("BadRequest: Cannot query over table")
    assert "event_timestamp" in failed["bad.log_without_filter"]
    assert "nope" in failed["bad.unknown_parameter"]
    assert all("\n" not in c.line() for c in result.checks)
    assert sum(c.ok for c in result.checks) == len(statements) - 2


def test_command_exit_codes_and_output(tmp_path, capsys):
    url = f"duckdb:///{tmp_path}/w.duckdb"
    client = DuckDBClient(str(tmp_path / "w.duckdb"))
    ensure_schema(client)
    client.close()
    assert main(["--warehouse", url]) == 0
    out = capsys.readouterr().out.splitlines()
    total = len(library_statements("embedded"))
    assert len(out) == total + 1 and all(line.startswith("OK    ") for line in out[:-1])
    assert out[-1] == f"preflight: {total} statement(s), {total} ok, 0 failed"

    assert main(["--warehouse", url, "--only", "write.", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] and payload["statements"] == 4

    # before coverage-setup: every query fails, exit 1, with a hint
    empty = f"duckdb:///{tmp_path}/empty.duckdb"
    DuckDBClient(str(tmp_path / "empty.duckdb")).close()   # a warehouse file without the tables
    assert main(["--warehouse", empty, "--only", "audit."]) == 1
    captured = capsys.readouterr()
    assert all(line.startswith("FAIL  audit.") for line in captured.out.splitlines()[:-1])
    assert "NotFound" in captured.out and "run coverage-setup" in captured.err


def test_usage_and_environment_errors(tmp_path, capsys):
    assert main(["--warehouse", "sqlite:///x.db"]) == 2
    assert "accepted forms" in capsys.readouterr().err
    DuckDBClient(str(tmp_path / "w.duckdb")).close()
    assert main(["--warehouse", f"duckdb:///{tmp_path}/w.duckdb", "--only", "no.such.statement"]) == 2
    assert "matches no statement" in capsys.readouterr().err
    garbage = tmp_path / "not_a_database.duckdb"
    garbage.write_bytes(b"\x00garbage" * 512)
    assert main(["--warehouse", f"duckdb:///{garbage}"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("coverage-preflight: error: ") and "not a valid DuckDB database file" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.wire
def test_preflight_through_the_real_bigquery_client_on_the_stand_in():
    with BigQueryStandIn() as standin:
        client = standin.make_client()
        ensure_schema(client)
        standin.requests.clear()
        result = run_preflight(client)
        assert result.ok, "\n".join(c.line() for c in result.failed)
        assert len(result.checks) == len(library_statements(standin.project))
        jobs = [r.json for r in standin.find("POST", "/jobs")]
        assert len(jobs) == len(result.checks)
        assert all(job["configuration"].get("dryRun") is True for job in jobs)
        # typed parameters cross the wire (the write pattern's partition bounds, for one)
        write = next(j for j in jobs if "_staging_player_game_summary_" in j["configuration"]["query"]["query"])
        params = {p["name"]: p["parameterType"]["type"] for p in write["configuration"]["query"]["queryParameters"]}
        assert params == {"low": "DATE", "high": "DATE"}
        # the staging tables were created (with an expiration) and deleted again
        created = [r for r in standin.find("POST", "/tables") if "_staging_" in r.json["tableReference"]["tableId"]]
        assert len(created) == 4 and all("expirationTime" in r.json for r in created)
        assert len([r for r in standin.find("DELETE", "/tables/") if "_staging_" in r.path]) == 4
        assert not [t for t in standin.backend.list_tables("nba_analytics") if "_staging_" in t.table_id]

        bad = LibraryStatement("bad.log_without_filter",
                               f"SELECT COUNT(*) AS n FROM `{COVERAGE_LOG_TABLE}`")
        failed = run_preflight(client, [bad])
        assert not failed.ok
        assert failed.checks[0].error.startswith("BadRequest: ")
        assert "without a filter over column(s) 'event_timestamp'" in failed.checks[0].error
        client.close()


def test_write_statement_needs_the_staging_table_it_reads(warehouse):
    """Without the scratch table the write pattern is rejected: the preflight really checks it."""
    write = next(s for s in library_statements(warehouse.project) if s.name.startswith("write."))
    bare = LibraryStatement(write.name, write.sql, write.parameters)  # no scratch table declared
    result = run_preflight(warehouse, [bare])
    assert not result.ok and "NotFound" in result.checks[0].error
    assert table_spec(PLAYER_GAME_SUMMARY.table_id)  # the target itself exists


def test_embedded_dry_run_of_a_transaction_script_binds_each_statement_and_keeps_nothing(warehouse):
    """The shape of a multi-statement write (BEGIN; DELETE; INSERT; COMMIT) dry-runs as one unit."""
    _seed_summary_row(warehouse)
    table = f"`{PLAYER_GAME_SUMMARY.table_id}`"
    script = (f"BEGIN TRANSACTION;\nDELETE FROM {table} WHERE game_date = @d;\n"
              f"INSERT INTO {table} (game_id, game_date, player_id) VALUES ('x', @d, 'p');\n"
              "COMMIT TRANSACTION;")
    cfg = bigquery.QueryJobConfig(dry_run=True, query_parameters=[
        bigquery.ScalarQueryParameter("d", "DATE", SAMPLE_DATE)])
    assert warehouse.query(script, job_config=cfg).dry_run
    count = warehouse.query(f"SELECT COUNT(*) AS n, MAX(points) AS p FROM {table} WHERE game_date = @d",
                            job_config=bigquery.QueryJobConfig(query_parameters=cfg.query_parameters))
    assert [(r.n, r.p) for r in count.result()] == [(1, 31)]
    bad = script.replace("player_id)", "no_such_column)")
    with pytest.raises(gexc.BadRequest, match="no_such_column"):
        warehouse.query(bad, job_config=cfg)


def test_audit_config_checks_the_users_tables(tmp_path, capsys):
    url = f"duckdb:///{tmp_path}/w.duckdb"
    client = DuckDBClient(str(tmp_path / "w.duckdb"))
    ensure_schema(client)
    client.close()
    good = tmp_path / "audit.yaml"
    good.write_text("tables:\n  - table: nba_raw.bdl_player_boxscores\n")
    assert main(["--warehouse", url, "--only", "audit.presence.", "--audit-config", str(good)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "OK    audit.presence.nba_raw.bdl_player_boxscores"
    # a date column that is not the partition column is exactly what the preflight is for:
    # BigQuery refuses the statement (a TIMESTAMP compared with DATE parameters has no
    # signature, and the scan has no partition filter); exit 1
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("tables:\n  - table: nba_raw.bdl_player_boxscores\n    date_column: scraped_at\n")
    assert main(["--warehouse", url, "--only", "audit.presence.", "--audit-config", str(wrong)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL  audit.presence.nba_raw.bdl_player_boxscores: BadRequest: ")
    assert "No matching signature for operator BETWEEN for argument types: TIMESTAMP, DATE" in out
    assert main(["--warehouse", url, "--audit-config", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read audit config" in capsys.readouterr().err


def test_dry_run_flag_matches_the_real_client(warehouse):
    assert warehouse.query("SELECT 1 AS x").dry_run is False
    job = warehouse.query("SELECT 1 AS x", job_config=bigquery.QueryJobConfig(dry_run=True))
    assert job.dry_run is True and [f.name for f in job.schema] == ["x"]
    assert list(job.result()) == []


def test_a_misspelt_audit_config_table_hints_at_the_config_not_at_setup(tmp_path, capsys, warehouse_template):
    import shutil

    shutil.copyfile(warehouse_template, tmp_path / "w.duckdb")  # set up: every library table exists
    config = tmp_path / "audit.yaml"
    config.write_text("tables:\n  - table: nba_raw.nbac_gamebok_player_stats\n")
    assert main(["--warehouse", f"duckdb:///{tmp_path}/w.duckdb", "--audit-config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [f"hint: check the table names in --audit-config {config} "
                                "(nba_raw.nbac_gamebok_player_stats)"]
