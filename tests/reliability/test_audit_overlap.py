"""Reliability (issue 12, case 7): the audit's flags are idempotent under overlap and replay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from google.api_core import exceptions as gexc

from data_processors.source_coverage_audit import SourceCoverageAuditProcessor
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.bigquery.writer import WriteConflictError
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.model import build_event_row
from shared_services.events.replay import replay_dead_letters
from shared_services.events.sink import EventSink, RetryPolicy
from tests.support.interleave import HeldJobs
from tests.support.recording_client import FlakyLoadClient, RecordingClient
from tests.support.scenario import load, player_rows, schedule_row, team_rows

DAY = date(2025, 1, 15)
NOW = datetime(2025, 1, 16, 15, 0, tzinfo=UTC)
GAMES = {"0022400002": ("NYK", "MIA"), "0022400003": ("GSW", "DEN")}


def audit(client, now=NOW):
    return SourceCoverageAuditProcessor(bq_client=client, clock=lambda: now)


def schedule(warehouse):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row(g, DAY, a, h) for g, (a, h) in GAMES.items()])


def flags(warehouse):
    return warehouse.query(
        f"SELECT game_id, event_id, is_resolved, alert_sent, resolution_method FROM `{COVERAGE_LOG_TABLE}` "
        "WHERE event_timestamp >= TIMESTAMP('2000-01-01') AND is_synthetic ORDER BY game_id").to_dataframe()


def open_flags_per_game(warehouse):
    rows = flags(warehouse)
    rows = rows[~rows.is_resolved.astype(bool)]
    return rows.groupby("game_id")["event_id"].nunique().to_dict(), len(rows)


def data_arrives(warehouse, now):
    """Every table the audit checks gets each game's rows, and the log a processing event."""
    for game_id, (away, home) in GAMES.items():
        load(warehouse, "nba_raw.nbac_team_boxscore", team_rows(f"{DAY:%Y%m%d}_{away}_{home}", DAY, away, home))
        load(warehouse, "nba_raw.nbac_gamebook_player_stats", player_rows(game_id, DAY, players=4, away=away, home=home))
        load(warehouse, "nba_analytics.player_game_summary",
             [{"game_id": game_id, "game_date": DAY, "player_id": "1", "points": 3}])
        load(warehouse, "nba_analytics.team_offense_game_summary",
             [{"game_id": f"{DAY:%Y%m%d}_{away}_{home}", "game_date": DAY, "team_abbr": home}])
        EventSink(warehouse).write([build_event_row("fallback_used", "info", "processed", game_id=game_id, now=now)])


class OverlappingClient(RecordingClient):
    """Runs a second audit between this audit's reads and its write (a real overlap)."""

    def __init__(self, inner, other):
        super().__init__(inner)
        self.other = other

    def load_table_from_json(self, rows, destination, *args, **kwargs):
        if self.other is not None:
            other, self.other = self.other, None
            other()
        return super().load_table_from_json(rows, destination, *args, **kwargs)


def test_two_overlapping_audits_write_one_flag_per_game_and_send_one_alert(warehouse, notifications):
    schedule(warehouse)
    second = audit(warehouse)
    first = audit(OverlappingClient(warehouse, lambda: second.run_daily_audit(DAY)))
    result = first.run_daily_audit(DAY)
    assert {f.status for f in result.findings} == {"completely_missing"}
    per_game, rows = open_flags_per_game(warehouse)
    assert per_game == {g: 1 for g in GAMES} and rows == 2
    assert notifications.count("error") == 1
    assert flags(warehouse)["alert_sent"].astype(bool).all()     # recorded by the audit that alerted
    assert result.events_written == 0 and result.alerts_sent == 0


def test_a_spilled_flag_replayed_after_a_later_audit_is_not_a_second_flag(warehouse, notifications):
    schedule(warehouse)
    down = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.BadRequest("warehouse rejected"))
    spilled = audit(down).run_daily_audit(DAY)
    assert spilled.events_spilled == 2
    audit(warehouse, NOW + timedelta(hours=1)).run_daily_audit(DAY)      # warehouse back: writes its flags
    report = replay_dead_letters(warehouse, DeadLetterSpool())
    assert report.rows_loaded == 0 and report.rows_already_present == 2
    audit(warehouse, NOW + timedelta(hours=2)).run_daily_audit(DAY)
    per_game, rows = open_flags_per_game(warehouse)
    assert per_game == {g: 1 for g in GAMES} and rows == 2
    assert notifications.count("error") == 3          # spilled run, the run that wrote, the replay notice
    assert notifications.titles("error").count("Source coverage events could not be written") == 1


def test_duplicate_open_flags_are_treated_as_one_and_resolved_together(warehouse, notifications):
    schedule(warehouse)
    down = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.BadRequest("warehouse rejected"))
    audit(down).run_daily_audit(DAY)                                     # day 1: spilled
    audit(warehouse, NOW + timedelta(days=1)).run_daily_audit(DAY)       # day 2: writes its own flags
    assert replay_dead_letters(warehouse, DeadLetterSpool()).rows_loaded == 2   # day 1's flags land late
    assert open_flags_per_game(warehouse)[1] == 4
    alerts_before = notifications.count("error")

    audit(warehouse, NOW + timedelta(days=2)).run_daily_audit(DAY)       # day 3: same status
    per_game, rows = open_flags_per_game(warehouse)
    assert per_game == {g: 1 for g in GAMES} and rows == 2               # duplicates count as one
    assert notifications.count("error") == alerts_before                 # and send no new alert

    data_arrives(warehouse, NOW + timedelta(days=3))
    result = audit(warehouse, NOW + timedelta(days=3)).run_daily_audit(DAY)
    assert {f.status for f in result.findings} == {"normal"}
    assert open_flags_per_game(warehouse)[1] == 0
    assert result.resolved == 2
    methods = flags(warehouse).groupby("resolution_method").size().to_dict()
    assert methods == {"superseded": 2, "source_recovered": 2}


#: An operator's UPDATE of the audit's flags, held open while the audit resolves them.
OPERATOR_UPDATE = (f"UPDATE `{COVERAGE_LOG_TABLE}` SET alert_channel = 'ops' "
                   "WHERE event_timestamp >= TIMESTAMP('2000-01-01') AND is_synthetic")


def flags_to_resolve(warehouse):
    """Two open flags whose data has since arrived, and an operator's UPDATE of them held open."""
    schedule(warehouse)
    audit(warehouse).run_daily_audit(DAY)                                # two open flags
    data_arrives(warehouse, NOW + timedelta(days=1))
    return HeldJobs(warehouse.path, 1, OPERATOR_UPDATE, project=warehouse.project)


def test_a_resolve_cancelled_by_another_jobs_update_of_the_same_flags_runs_again(warehouse, notifications):
    # BigQuery cancels a DML statement that loses a conflict on the same rows ("Could not
    # serialize access to table ... due to concurrent update"); here DuckDB cancels the audit's
    # UPDATE of flags the operator's open UPDATE holds
    held = flags_to_resolve(warehouse)
    waits: list[float] = []

    def back_off(seconds: float) -> None:
        waits.append(seconds)
        held.release()                                                   # the operator commits meanwhile

    try:
        result = SourceCoverageAuditProcessor(bq_client=warehouse, clock=lambda: NOW + timedelta(days=1),
                                              sleep=back_off).run_daily_audit(DAY)
    finally:
        held.release()
    assert len(waits) == 1 and result.resolved == 2 and held.errors == []
    assert open_flags_per_game(warehouse)[1] == 0
    channels = warehouse.query(f"SELECT DISTINCT alert_channel FROM `{COVERAGE_LOG_TABLE}` "
                               "WHERE event_timestamp >= TIMESTAMP('2000-01-01') AND is_synthetic").to_dataframe()
    assert channels["alert_channel"].tolist() == ["ops"]                 # the operator's change is kept too


def test_a_resolve_refused_on_every_attempt_is_a_write_conflict_error_naming_the_audit(warehouse, notifications):
    class OneTry(SourceCoverageAuditProcessor):
        WRITE_CONFLICT_RETRY = RetryPolicy(max_attempts=1)

    held = flags_to_resolve(warehouse)
    try:
        with pytest.raises(WriteConflictError) as caught:
            OneTry(bq_client=warehouse, clock=lambda: NOW + timedelta(days=1),
                   sleep=lambda _s: None).run_daily_audit(DAY)
    finally:
        held.release()
    said = caught.value.__cause__.message
    assert str(caught.value) == (
        f"{COVERAGE_LOG_TABLE}: BigQuery refused the audit's UPDATE 1 time(s) because other jobs were writing "
        f"the table at the same time ({said}); nothing was written. Run it again once the other writers "
        "(another audit, a heal) have finished.")
    assert open_flags_per_game(warehouse)[1] == 2                        # nothing resolved
