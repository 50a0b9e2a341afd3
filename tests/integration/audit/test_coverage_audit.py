"""The nightly audit on the embedded warehouse: statuses, fixed query count, idempotency."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from data_processors.source_coverage_audit import (
    AuditConfigError,
    SourceCoverageAuditProcessor,
    default_audit_date,
)
from data_processors.source_coverage_audit.cli import main as audit_main
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.events.model import build_event_row
from shared_services.events.sink import EventSink
from tests.support.recording_client import RecordingClient
from tests.support.scenario import load, player_rows, schedule_row, team_rows

DAY = date(2025, 1, 15)
NOW = datetime(2025, 1, 16, 15, 0, tzinfo=UTC)

TEAM_BOX = "nba_raw.nbac_team_boxscore"
GAMEBOOK = "nba_raw.nbac_gamebook_player_stats"
SUMMARY = "nba_analytics.player_game_summary"
TEAM_OFFENSE = "nba_analytics.team_offense_game_summary"
ALL_TABLES = (TEAM_BOX, GAMEBOOK, SUMMARY, TEAM_OFFENSE)


def key(day, away, home):
    return f"{day:%Y%m%d}_{away}_{home}"


def add_data(client, game_id, day, away, home, tables=ALL_TABLES):
    if TEAM_BOX in tables:
        load(client, TEAM_BOX, team_rows(key(day, away, home), day, away, home))
    if GAMEBOOK in tables:
        load(client, GAMEBOOK, player_rows(game_id, day, players=4, away=away, home=home))
    if SUMMARY in tables:
        load(client, SUMMARY, [{"game_id": game_id, "game_date": day, "player_id": "1", "points": 3}])
    if TEAM_OFFENSE in tables:
        load(client, TEAM_OFFENSE, [{"game_id": key(day, away, home), "game_date": day, "team_abbr": home}])


def add_log_event(client, game_id, when=NOW - timedelta(hours=10)):
    row = build_event_row("fallback_used", "info", "processed", game_id=game_id, now=when)
    assert EventSink(client).write([row]).ok


def log_rows(client, synthetic_only=True):
    where = "AND is_synthetic" if synthetic_only else ""
    return client.query(
        f"SELECT * FROM `{COVERAGE_LOG_TABLE}` WHERE event_timestamp >= TIMESTAMP('2000-01-01') {where} "
        "ORDER BY game_id").to_dataframe()


def audit(client, **kwargs):
    return SourceCoverageAuditProcessor(bq_client=client, clock=lambda: NOW, **kwargs)


@pytest.fixture
def five_statuses(warehouse):
    games = {
        "0022400001": ("LAL", "BOS"),  # normal
        "0022400002": ("NYK", "MIA"),  # completely_missing
        "0022400003": ("GSW", "DEN"),  # logged_but_no_data
        "0022400004": ("PHX", "DAL"),  # data_exists_no_log
        "0022400005": ("CHI", "MIL"),  # partial_data
    }
    load(warehouse, "nba_raw.nbac_schedule",
         [schedule_row(g, DAY, a, h) for g, (a, h) in games.items()]
         + [schedule_row("0022400099", DAY, "SAC", "POR", status=1)])  # not final: not audited
    add_data(warehouse, "0022400001", DAY, "LAL", "BOS")
    add_log_event(warehouse, "0022400001")
    add_log_event(warehouse, "0022400003")
    add_data(warehouse, "0022400004", DAY, "PHX", "DAL")
    add_data(warehouse, "0022400005", DAY, "CHI", "MIL", tables=(GAMEBOOK, TEAM_BOX))
    add_log_event(warehouse, "0022400005")
    return warehouse


def test_each_status_is_found_and_synthetic_events_land_in_one_load_job(five_statuses, notifications):
    client = RecordingClient(five_statuses)
    result = audit(client).run_daily_audit(DAY)
    statuses = {f.game_id: f.status for f in result.findings}
    assert statuses == {
        "0022400001": "normal", "0022400002": "completely_missing", "0022400003": "logged_but_no_data",
        "0022400004": "data_exists_no_log", "0022400005": "partial_data",
    }
    assert result.games_checked == 5 and result.issues_found == 4
    partial = next(f for f in result.findings if f.status == "partial_data")
    assert partial.missing_tables == [SUMMARY, TEAM_OFFENSE]
    assert partial.severity == "warning" and SUMMARY in partial.description
    assert client.calls[f"load:{COVERAGE_LOG_TABLE}"] == 1
    synthetic = log_rows(five_statuses)
    assert sorted(synthetic["game_id"]) == ["0022400002", "0022400003", "0022400004", "0022400005"]
    assert set(synthetic["phase"]) == {"audit"} and synthetic["is_synthetic"].all()
    assert set(synthetic["event_type"]) == {"silent_failure"}
    assert dict(zip(synthetic["game_id"], synthetic["severity"], strict=True)) == {
        "0022400002": "critical", "0022400003": "critical", "0022400004": "warning", "0022400005": "warning"}
    # one grouped critical alert, one summary
    assert notifications.count("error") == 1 and "2 game(s)" in notifications.titles("error")[0]
    assert notifications.count("info") == 1


def test_a_second_run_adds_no_rows_and_arrived_data_is_resolved(five_statuses, notifications):
    audit(five_statuses).run_daily_audit(DAY)
    before = log_rows(five_statuses)
    again = audit(five_statuses).run_daily_audit(DAY)
    assert {f.action for f in again.findings if f.is_issue} == {"unchanged"}
    assert len(log_rows(five_statuses)) == len(before)
    assert notifications.count("error") == 1  # no second grouped alert for unchanged findings

    # the completely missing game gets processed: data and log appear
    add_data(five_statuses, "0022400002", DAY, "NYK", "MIA")
    add_log_event(five_statuses, "0022400002")
    third = audit(five_statuses).run_daily_audit(DAY)
    assert next(f for f in third.findings if f.game_id == "0022400002").action == "resolved"
    assert third.resolved == 1
    rows = log_rows(five_statuses).set_index("game_id")
    assert len(rows) == len(before)
    resolved = rows.loc["0022400002"]
    assert resolved["is_resolved"] and resolved["resolution_method"] == "source_recovered"
    assert resolved["resolved_by"] == "SourceCoverageAuditProcessor" and resolved["resolved_at"] is not None
    assert not rows.loc["0022400003", "is_resolved"]


def test_a_changed_status_supersedes_the_old_flag(five_statuses):
    audit(five_statuses).run_daily_audit(DAY)
    add_data(five_statuses, "0022400005", DAY, "CHI", "MIL", tables=(SUMMARY, TEAM_OFFENSE))  # partial -> normal
    add_data(five_statuses, "0022400003", DAY, "GSW", "DEN", tables=(GAMEBOOK,))  # logged_but_no_data -> partial
    result = audit(five_statuses).run_daily_audit(DAY)
    actions = {f.game_id: (f.status, f.action) for f in result.findings}
    assert actions["0022400005"] == ("normal", "resolved")
    assert actions["0022400003"] == ("partial_data", "logged")
    rows = log_rows(five_statuses)
    old = rows[(rows.game_id == "0022400003") & (rows.resolution_details == "logged_but_no_data")].iloc[0]
    assert old["is_resolved"] and old["resolution_method"] == "superseded"
    open_rows = rows[~rows.is_resolved.astype(bool)]
    assert sorted(open_rows["resolution_details"]) == ["completely_missing", "data_exists_no_log", "partial_data"]


def test_dry_run_reports_the_same_findings_and_changes_nothing(five_statuses, notifications, monkeypatch):
    dry = audit(five_statuses, dry_run=True).run_daily_audit(DAY)
    assert log_rows(five_statuses).empty and notifications.items == []
    monkeypatch.setenv("AUDIT_DRY_RUN", "true")
    env_dry = audit(five_statuses).run_daily_audit(DAY)
    assert log_rows(five_statuses).empty
    for typo in ("maybe", "ture", "y", "dry"):  # never read as "no": a typo must not make the run write
        monkeypatch.setenv("AUDIT_DRY_RUN", typo)
        with pytest.raises(AuditConfigError, match=rf"^\$AUDIT_DRY_RUN: '{typo}' is not a yes/no value \(one of 1, "):
            audit(five_statuses)
    assert log_rows(five_statuses).empty and notifications.items == []
    monkeypatch.setenv("AUDIT_DRY_RUN", " Off ")
    assert audit(five_statuses).dry_run is False
    monkeypatch.delenv("AUDIT_DRY_RUN")
    real = audit(five_statuses).run_daily_audit(DAY)
    assert [(f.game_id, f.status) for f in dry.findings] == [(f.game_id, f.status) for f in real.findings]
    assert [(f.game_id, f.status) for f in env_dry.findings] == [(f.game_id, f.status) for f in real.findings]


def test_query_count_does_not_grow_with_games_or_days(warehouse):
    teams = ["ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
             "HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK"]
    schedule = []
    start = date(2025, 1, 1)
    for day_offset in range(30):
        day = start + timedelta(days=day_offset)
        for n in range(10):
            game_id = f"00224{day_offset:03d}{n:02d}"
            schedule.append(schedule_row(game_id, day, teams[2 * n], teams[2 * n + 1]))
    load(warehouse, "nba_raw.nbac_schedule", schedule)
    # one load job per table (not one per game): the data of every third game
    with_data = schedule[::3]
    load(warehouse, TEAM_BOX, [t for r in with_data for t in team_rows(
        key(r["game_date"], r["away_team_tricode"], r["home_team_tricode"]), r["game_date"],
        r["away_team_tricode"], r["home_team_tricode"])])
    load(warehouse, GAMEBOOK, [p for r in with_data for p in player_rows(
        r["game_id"], r["game_date"], players=4, away=r["away_team_tricode"], home=r["home_team_tricode"])])
    one_day = RecordingClient(warehouse)
    day_result = audit(one_day, dry_run=True).run_daily_audit(start)
    month = RecordingClient(warehouse)
    month_result = audit(month, dry_run=True).run_audit(start, start + timedelta(days=29))
    assert day_result.games_checked == 10 and month_result.games_checked == 300
    assert {k: v for k, v in month_result.by_status().items() if v} == {
        "partial_data": 100, "completely_missing": 200}
    assert one_day.calls["query"] == month.calls["query"] == 1 + 4 + 1
    assert day_result.queries_issued == month_result.queries_issued == 6
    # every query names its partition column (the embedded warehouse enforces it anyway)
    assert all(re.search(r"`?game_date`? BETWEEN", q) or "event_timestamp >=" in q for q in month.queries)


def test_a_clean_processor_run_without_events_is_normal_through_its_quality_columns(warehouse):
    # A game the processors handled cleanly logs no event, but its analytics rows carry the
    # quality columns of a coverage-integrated run: that is a coverage record.
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400400", DAY)])
    add_data(warehouse, "0022400400", DAY, "LAL", "BOS", tables=(GAMEBOOK, TEAM_BOX, TEAM_OFFENSE))
    load(warehouse, SUMMARY, [{"game_id": "0022400400", "game_date": DAY, "player_id": "1", "points": 3,
                               "quality_tier": "gold", "quality_calculated_at": NOW.isoformat()}])
    [finding] = audit(warehouse).run_daily_audit(DAY).findings
    assert (finding.status, finding.quality_tracked, finding.log_events) == ("normal", True, 0)


def test_auditing_an_old_date_sees_its_log_events(warehouse):
    old_day = date(2024, 11, 2)
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400100", old_day)])
    add_data(warehouse, "0022400100", old_day, "LAL", "BOS")
    add_log_event(warehouse, "0022400100", when=datetime(2024, 11, 3, 8, tzinfo=UTC))
    result = audit(warehouse).run_daily_audit(old_day)  # NOW is months later
    assert [f.status for f in result.findings] == ["normal"]


def test_log_events_keyed_by_date_away_home_also_count(warehouse):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400200", DAY, "LAL", "BOS")])
    add_data(warehouse, "0022400200", DAY, "LAL", "BOS")
    add_log_event(warehouse, key(DAY, "LAL", "BOS"))
    assert [f.status for f in audit(warehouse).run_daily_audit(DAY).findings] == ["normal"]


def test_hostile_ids_in_the_schedule_are_data(warehouse):
    hostile = "0022'; DELETE FROM nba_reference.source_coverage_log; --"
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row(hostile, DAY, "L'A", "B;S")])
    add_log_event(warehouse, "0022400001")
    result = audit(warehouse).run_daily_audit(DAY)
    assert [(f.game_id, f.status) for f in result.findings] == [(hostile, "completely_missing")]
    assert len(log_rows(warehouse, synthetic_only=False)) == 2  # the seeded event and the new flag


def test_no_final_games_is_not_an_error(warehouse, notifications):
    result = audit(warehouse).run_daily_audit(DAY)
    assert result.games_checked == 0 and result.issues_found == 0
    assert "n/a" in notifications.items[0][1].message


@pytest.mark.parametrize("now, expected", [
    (datetime(2025, 1, 16, 7, 30, tzinfo=UTC), date(2025, 1, 14)),   # 23:30 PST on the 15th
    (datetime(2025, 1, 16, 8, 30, tzinfo=UTC), date(2025, 1, 15)),   # 00:30 PST on the 16th
    (datetime(2025, 3, 9, 10, 30, tzinfo=UTC), date(2025, 3, 8)),    # spring forward day, 03:30 PDT
    (datetime(2025, 11, 2, 8, 30, tzinfo=UTC), date(2025, 11, 1)),   # fall back day, 01:30 PDT
    (datetime(2025, 11, 2, 9, 30, tzinfo=UTC), date(2025, 11, 1)),   # 01:30 PST (second time)
])
def test_default_date_is_yesterday_in_pacific_time(now, expected):
    assert default_audit_date(now) == expected


def test_a_game_at_11pm_pacific_is_audited_on_its_local_date(warehouse):
    # Tip-off 23:00 PST on Jan 15 is Jan 16 07:00 UTC. An audit at Jan 17 02:00 UTC is still
    # Jan 16 in Los Angeles, so "yesterday" is the game's local date (a UTC date would say Jan 16).
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400300", DAY, "LAL", "POR")])
    result = SourceCoverageAuditProcessor(
        bq_client=warehouse, clock=lambda: datetime(2025, 1, 17, 2, 0, tzinfo=UTC)).run_daily_audit()
    assert [f.game_id for f in result.findings] == ["0022400300"]


@pytest.mark.parametrize("tables, message", [
    ([{"table": "nba_raw.x; DROP TABLE y"}], r"tables\[0\]"),
    ([{"table": "nba_raw.x", "key_format": "espn"}], "unknown key_format 'espn'"),
    ([{"table": "nba_raw.x", "id_column": "game id"}], "invalid column name"),
    ([{"table": "nba_raw.x"}, {"table": "nba_raw.x"}], "more than once"),
    ([], "at least one"),
    ([{"table": "nba_raw.x", "colour": "red"}], "unknown key"),
])
def test_invalid_table_configuration_fails_before_any_query(warehouse, tables, message):
    client = RecordingClient(warehouse)
    with pytest.raises(AuditConfigError, match=message):
        SourceCoverageAuditProcessor(bq_client=client, tables=tables)
    assert client.calls["query"] == 0


def test_command_line(five_statuses, tmp_path, capsys):
    db_url = f"duckdb:///{five_statuses.path}"
    five_statuses.close()
    config = tmp_path / "audit.toml"
    config.write_text('[[tables]]\ntable = "nba_raw.nbac_gamebook_player_stats"\n'
                      '[[tables]]\ntable = "nba_raw.nbac_team_boxscore"\nkey_format = "date_away_home"\n')
    assert audit_main(["--date", "2025-01-15", "--warehouse", db_url, "--dry-run", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "completely_missing" in out and "DRY RUN" in out
    # with only the two raw tables configured, the partial game is normal
    assert audit_main(["--date", "2025-01-15", "--warehouse", db_url, "--dry-run", "--json",
                       "--config", str(config)]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["by_status"]["normal"] == 2 and payload["games_checked"] == 5
    assert audit_main(["--date", "2025-01-15", "--warehouse", db_url, "--dry-run", "--fail-on", "never"]) == 0
    capsys.readouterr()
    assert audit_main(["--date", "15-01-2025", "--warehouse", db_url]) == 2
    assert "--date" in capsys.readouterr().err
    assert audit_main(["--start", "2025-01-15", "--warehouse", db_url]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("tables:\n  - table: nba_raw.x\n    key_format: nope\n")
    assert audit_main(["--date", "2025-01-15", "--warehouse", db_url, "--config", str(bad)]) == 2
    assert "tables[0]" in capsys.readouterr().err


def test_runnable_with_python_dash_m_for_cron(five_statuses, tmp_path):
    import subprocess
    import sys

    db_url = f"duckdb:///{five_statuses.path}"
    five_statuses.close()
    done = subprocess.run([sys.executable, "-m", "data_processors.source_coverage_audit", "--date", "2025-01-15",
                           "--warehouse", db_url, "--dry-run", "--json"], capture_output=True, text=True,
                          env={**__import__("os").environ, "COVERAGE_ENVIRONMENT": "test"})
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["by_status"]["completely_missing"] == 1
